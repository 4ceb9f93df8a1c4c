"""Hourly rain per zone, driven by real rainfall.

Nothing here invents *how much* it rains or *when*: that is real. What is simulated is how a real
daily total is spread over the hours of the day and over the city's zones.

The recipe (all parameters live in the config's ``rain`` block; the README lists them):

1. **Daily totals: real.** NOAA daily precipitation, Seattle 2012-2015 (``seattle-weather.csv``),
   kept on its own calendar. Olinda's own climate is wetter and tropical; the Seattle series stands
   in as a real sequence of wet and dry spells and real daily amounts, scaled by ``rain.daily_scale``
   (1.0 by default, i.e. unscaled).
2. **Hourly intensity profile: real shape, transplanted.** Each day gets an *anchor* cell in the
   NOAA Stage IV radar+gauge grid of Hurricane Florence (23 hourly fields, ~4 km cells). Every zone
   reads the Stage IV hourly series at its own position relative to the anchor (the zone's offset
   from the city centre in km, divided by the grid spacing, in a random one of the 8 grid
   orientations), bilinearly interpolated. The series is normalised to sum to 1, so it carries only
   the *shape* of a real storm (bursts, lulls, the timing shift between neighbouring cells), not
   its amount. The 23 hours sit at a random offset (0 or 1) inside the 24-hour day. Neighbouring
   zones read neighbouring radar cells, so the timing is spatially coherent for free.
   A share ``rain.profile_floor`` of each day's rain is spread evenly over the 24 hours, so a zone
   whose cell was dry in the radar still gets its day's rain (as light, steady rain).
3. **Spatial field of daily amounts: simulated.** A zone's daily total is the city's daily total
   times a log-normal multiplicative field, mean 1, from a Gaussian process over zone centroids
   with an exponential covariance (``rain.field_sigma``, ``rain.field_length_km``), drawn fresh
   each day. This is the smooth "it rained harder in the north today" variation a city gauge
   network would show.

The hours are treated as UTC hours of the series' calendar dates (a simplification: Seattle's days
are local days, and Olinda is UTC-3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.io import netcdf_file

STAGEIV_VAR = "Total_precipitation_surface_1_Hour_Accumulation"
EARTH_KM_PER_DEG_LAT = 110.574
EARTH_KM_PER_DEG_LON_EQ = 111.320


@dataclass(frozen=True)
class RainConfig:
    daily_scale: float = 1.0
    field_sigma: float = 0.25
    field_length_km: float = 2.0
    profile_floor: float = 0.05
    anchor_min_total_mm: float = 10.0


@dataclass
class HourlyRain:
    """Rain per zone-hour. ``mm[t, z]`` is the rain in the hour that *ends* at ``times[t] + 1h``
    (the hour starting at ``times[t]``)."""

    times: pd.DatetimeIndex  # hourly, UTC
    mm: np.ndarray  # float32 [T, Z]
    daily_mm: pd.Series  # the real daily series that drove it (after daily_scale)
    field: np.ndarray  # float32 [D, Z], the multiplicative spatial field per day


def read_daily(path: str, *, date_col: str = "date", value_col: str = "precipitation") -> pd.Series:
    """A daily precipitation CSV (``date,precipitation`` in mm, as NOAA/vega-datasets ship it).

    Refuses silent surprises: unparseable dates, duplicate days, negative amounts and gaps in the
    calendar are errors, because each would quietly shift the wet/dry sequence the simulator copies.
    Missing amounts (empty cells) are an error too; impute upstream and say how.
    """
    df = pd.read_csv(path)
    for col in (date_col, value_col):
        if col not in df.columns:
            raise ValueError(f"{path}: no column {col!r} (have {list(df.columns)})")
    dates = pd.to_datetime(df[date_col], errors="coerce", utc=True)
    if dates.isna().any():
        bad = df.loc[dates.isna(), date_col].head(3).tolist()
        raise ValueError(f"{path}: unparseable dates, e.g. {bad}")
    if dates.duplicated().any():
        raise ValueError(f"{path}: duplicated dates, e.g. {dates[dates.duplicated()].head(3).tolist()}")
    values = pd.to_numeric(df[value_col], errors="coerce")
    if values.isna().any():
        raise ValueError(f"{path}: {int(values.isna().sum())} missing or non-numeric {value_col} values")
    if (values < 0).any():
        raise ValueError(f"{path}: negative precipitation")
    s = pd.Series(values.to_numpy(float), index=pd.DatetimeIndex(dates).normalize()).sort_index()
    expected = pd.date_range(s.index[0], s.index[-1], freq="D")
    if len(expected) != len(s):
        raise ValueError(
            f"{path}: {len(expected) - len(s)} days missing between {s.index[0]:%F} and {s.index[-1]:%F}"
        )
    return s


def read_stageiv(path: str) -> tuple[np.ndarray, float, float]:
    """Stage IV hourly precipitation [hour, y, x] in mm and the mean grid spacing (km) along y, x."""
    with netcdf_file(path, "r", mmap=False) as f:
        p = np.array(f.variables[STAGEIV_VAR][:], dtype=np.float64)
        lat = np.array(f.variables["lat"][:], dtype=np.float64)
        lon = np.array(f.variables["lon"][:], dtype=np.float64)
    p = np.nan_to_num(p, nan=0.0)
    p[p < 0] = 0.0
    km_lon = EARTH_KM_PER_DEG_LON_EQ * np.cos(np.deg2rad(lat))
    dy = np.hypot(np.diff(lat, axis=0) * EARTH_KM_PER_DEG_LAT, np.diff(lon, axis=0) * km_lon[:-1]).mean()
    dx = np.hypot(np.diff(lat, axis=1) * EARTH_KM_PER_DEG_LAT, np.diff(lon, axis=1) * km_lon[:, :-1]).mean()
    return p, float(dy), float(dx)


def zone_offsets_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Zone centroids as (north, east) km from the city centre (equirectangular is fine at city scale)."""
    lat0, lon0 = float(np.mean(lat)), float(np.mean(lon))
    north = (lat - lat0) * EARTH_KM_PER_DEG_LAT
    east = (lon - lon0) * EARTH_KM_PER_DEG_LON_EQ * np.cos(np.deg2rad(lat0))
    return np.stack([north, east], axis=1)


def _field_factor(offsets_km: np.ndarray, sigma: float, length_km: float) -> np.ndarray:
    """Cholesky factor of the exponential covariance over zone centroids."""
    d = np.linalg.norm(offsets_km[:, None, :] - offsets_km[None, :, :], axis=-1)
    cov = sigma**2 * np.exp(-d / length_km)
    # A little jitter: many tracts are tiny, so nearby centroids make the matrix near-singular.
    return np.linalg.cholesky(cov + 1e-8 * np.eye(len(cov)))


def _bilinear(series: np.ndarray, yi: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Values of ``series[:, y, x]`` at fractional grid positions; returns [hours, points]."""
    ny, nx = series.shape[1:]
    yi = np.clip(yi, 0, ny - 1.000001)
    xi = np.clip(xi, 0, nx - 1.000001)
    y0, x0 = np.floor(yi).astype(int), np.floor(xi).astype(int)
    fy, fx = yi - y0, xi - x0
    return (
        series[:, y0, x0] * (1 - fy) * (1 - fx)
        + series[:, y0 + 1, x0] * fy * (1 - fx)
        + series[:, y0, x0 + 1] * (1 - fy) * fx
        + series[:, y0 + 1, x0 + 1] * fy * fx
    )


def simulate_hourly_rain(
    daily: pd.Series,
    stageiv: np.ndarray,
    grid_km: tuple[float, float],
    offsets_km: np.ndarray,
    cfg: RainConfig,
    rng: np.random.Generator,
) -> HourlyRain:
    n_days, n_zones = len(daily), len(offsets_km)
    n_sh, ny, nx = stageiv.shape
    daily_mm = daily * cfg.daily_scale

    # Spatial field: one GP draw per day, exponentiated with the -sigma^2/2 shift so its mean is 1
    # and the city's mean daily total stays the real one.
    chol = _field_factor(offsets_km, cfg.field_sigma, cfg.field_length_km)
    z = rng.standard_normal((n_days, n_zones)) @ chol.T
    field = np.exp(z - cfg.field_sigma**2 / 2).astype(np.float32)

    # Anchors only where the radar saw real rain, with a margin so the whole city fits in the grid.
    pos_grid = offsets_km / np.array(grid_km)  # [Z, 2] in cells (y, x)
    reach = int(np.ceil(np.abs(pos_grid).max())) + 1
    total = stageiv.sum(axis=0)
    ok = np.zeros_like(total, dtype=bool)
    ok[reach : ny - reach, reach : nx - reach] = True
    ok &= total >= cfg.anchor_min_total_mm
    anchors = np.argwhere(ok)
    if len(anchors) == 0:
        raise ValueError("no Stage IV cell qualifies as an anchor; lower rain.anchor_min_total_mm")

    # The 8 symmetries of the square grid, so one storm yields more distinct spatial patterns.
    orientations = [(a, b, swap) for a in (1, -1) for b in (1, -1) for swap in (False, True)]
    hours = np.zeros((n_days * 24, n_zones), dtype=np.float32)
    floor = cfg.profile_floor / 24.0
    for d in range(n_days):
        amount = daily_mm.iloc[d]
        # Draw every day's randomness, wet or dry, so the streams don't depend on the rain itself.
        ay, ax = anchors[rng.integers(len(anchors))]
        sy, sx, swap = orientations[rng.integers(len(orientations))]
        offset = int(rng.integers(0, 24 - n_sh + 1))
        if amount <= 0:
            continue
        py, px = pos_grid[:, 0] * sy, pos_grid[:, 1] * sx
        if swap:
            py, px = px, py
        prof = _bilinear(stageiv, ay + py, ax + px)  # [n_sh, Z]
        s = prof.sum(axis=0)
        shape = np.zeros((24, n_zones))
        shape[offset : offset + n_sh] = np.divide(prof, s, out=np.zeros_like(prof), where=s > 0)
        # Where the radar cell was dry all day the whole day's rain becomes the even floor.
        dry = s <= 0
        shape = (1 - cfg.profile_floor) * shape + floor
        shape[:, dry] = 1.0 / 24.0
        hours[d * 24 : (d + 1) * 24] = (amount * field[d] * shape).astype(np.float32)

    times = pd.date_range(daily.index[0], periods=n_days * 24, freq="H")
    return HourlyRain(times=times, mm=hours, daily_mm=daily_mm, field=field)
