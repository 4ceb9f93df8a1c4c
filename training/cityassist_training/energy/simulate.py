"""Hourly electricity load of Olinda's 470 zones: SIMULATED, driven by real inputs.

There is no metered load for Olinda on these machines. The simulator below produces one, driven by
the zones' real census population (``data/olinda/terrain.csv``, column ``population``, the IBGE 2010
count also in ``zones.geojson``) and by a real temperature sequence (NOAA Seattle daily maximum and
minimum, ``data/rainfall/seattle-weather.csv``, made hourly with the diurnal shape below). Every
other part is an assumption, listed here and in the model card:

Time. Hourly, UTC in every file; the daily and weekly cycles run on local time, UTC-3 (Olinda has
no daylight saving). The calendar is Seattle's: local date d of the simulation uses Seattle's
temp_max/temp_min of date d. ``start``/``end`` are local dates (inclusive).

Hourly temperature (°C, rounded to 0.1) from the day's minimum Tn[d] and maximum Tx[d], with the
minimum at 06:00 and the maximum at 15:00 local time, joined by half cosines:

    06 <= h <= 15:  T = Tn[d]   + (Tx[d]   - Tn[d])   * (1 - cos(pi * (h - 6) / 9)) / 2
    h > 15:         T = Tn[d+1] + (Tx[d]   - Tn[d+1]) * (1 + cos(pi * (h - 15) / 15)) / 2
    h < 6:          T = Tn[d]   + (Tx[d-1] - Tn[d])   * (1 + cos(pi * (h + 9) / 15)) / 2

(h = local hour 0..23; d-1 / d+1 beyond the real series reuse day d's value). Continuous at 06:00
and 15:00; no noise is added, so the hourly curve carries exactly the real daily extremes.

Zone load (kW) = residential + commercial, per zone z and hour t:

    residential = P_z * per_capita_kw * e_z * R(hour) * W_res(dow) * (1 + s_z * (k_cool * max(0, T - T_cool)
                  + k_heat * max(0, T_heat - T)))
    commercial  = C_z * (c_night + (1 - c_night) * open(hour) * W_com(dow))
                  * (1 + k_cool_com * max(0, T - 22) * open(hour))

with P_z the census population, e_z ~ lognormal(0, efficiency_sigma) (appliances, income: hidden),
s_z ~ lognormal(0, temp_sigma) (air conditioners per household: hidden), C_z ~ lognormal(log
commercial_kw_median, commercial_sigma) (shops, schools, offices: hidden). R is the residential
daily profile (night trough, morning bump, evening peak 18-21 h, mean 1), ``open`` a smooth 0..1
business-hours curve (up at 07:30, down at 18:30), W_res = Mon-Fri 1, Sat 1.04, Sun 1.08 and W_com
= Mon-Fri 1, Sat 0.5, Sun 0.15 (``weekly_*``). The load is then multiplied by exp(city AR(1) +
zone AR(1)) (slowly varying shared and local deviations: weather not in the temperature, events),
and, while a **feeder transfer** is active, by its factor (a zone picks up a neighbouring feeder's
load during maintenance: Poisson starts ``transfer_per_day`` per zone, 6-72 h long, x U(1.25, 1.6)).

Metering. The meter reads load x lognormal(0, measurement_sd), rounded to 0.1 kW. Readings go
missing: single readings at ``loss_share``; outages of the data link starting at ``gap_per_hour``
per zone-hour, 1-24 h long. Missing readings are NaN (absent in the snapshot), never imputed.

Temperature feed. The hourly temperature the model and the server see is the curve above with
its own outages (a weather feed drops out too): outages start at ``temp_gap_per_hour`` per hour,
1-12 h long, and the missing hours are NaN (empty in the snapshot). The load itself always follows
the complete curve.

Everything random is drawn from ``numpy.random.SeedSequence([seed, stream])`` streams, so changing
one part (say the number of zones) leaves the other parts' draws unchanged where possible.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[3]
TERRAIN = REPO / "data" / "olinda" / "terrain.csv"
WEATHER = REPO / "data" / "rainfall" / "seattle-weather.csv"

STREAMS = {"zones": 1, "city_ar": 2, "zone_ar": 3, "transfers": 4, "meter": 5, "gaps": 6, "temp_gaps": 7}


@dataclass
class SimConfig:
    start: str = "2014-01-01"
    end: str = "2015-12-31"
    seed: int = 11
    zone_stride: int = 1
    utc_offset_hours: int = -3
    per_capita_kw: float = 0.075
    efficiency_sigma: float = 0.25
    commercial_kw_median: float = 12.0
    commercial_sigma: float = 0.9
    commercial_night: float = 0.35
    t_cool: float = 24.0
    k_cool: float = 0.035
    t_heat: float = 14.0
    k_heat: float = 0.02
    k_cool_commercial: float = 0.03
    temp_sigma: float = 0.3
    weekly_residential: list = field(default_factory=lambda: [1.0, 1.0, 1.0, 1.0, 1.0, 1.04, 1.08])
    weekly_commercial: list = field(default_factory=lambda: [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.15])
    city_phi: float = 0.97
    city_sd: float = 0.015
    zone_phi: float = 0.9
    zone_sd: float = 0.03
    transfer_per_day: float = 1 / 150
    measurement_sd: float = 0.015
    loss_share: float = 0.002
    gap_per_hour: float = 1 / 2000
    temp_gap_per_hour: float = 1 / 500

    def to_json(self) -> dict:
        return asdict(self)


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), STREAMS[stream]]))


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (h - centre + 12) % 24 - 12  # circular in the hour
    return np.exp(-0.5 * (d / width) ** 2)


def residential_profile(hour: np.ndarray) -> np.ndarray:
    """R(hour), local hour 0..23 (may be fractional), mean 1 over the day."""

    def raw(h):
        return 0.55 + 0.30 * _bump(h, 7.5, 1.5) + 0.20 * _bump(h, 12.5, 2.0) + 1.0 * _bump(h, 19.5, 2.0)

    return raw(np.asarray(hour, dtype=float)) / raw(np.arange(24.0)).mean()


def business_hours(hour: np.ndarray) -> np.ndarray:
    """open(hour): a smooth 0..1 plateau from 07:30 to 18:30 local time."""
    h = np.asarray(hour, dtype=float)
    return 1 / (1 + np.exp(-(h - 7.5) / 0.6)) * (1 / (1 + np.exp((h - 18.5) / 0.6)))


def read_weather(path: str | Path = WEATHER) -> pd.DataFrame:
    """The real daily series, indexed by date, with checks (columns, calendar, missing values)."""
    df = pd.read_csv(path)
    missing = {"date", "temp_max", "temp_min"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    df = df.set_index("date").sort_index()
    if df.index.duplicated().any():
        raise ValueError(f"{path}: duplicated dates")
    if (df.index.to_series().diff().dropna() != pd.Timedelta(days=1)).any():
        raise ValueError(f"{path}: gaps in the calendar")
    if df[["temp_max", "temp_min"]].isna().any().any():
        raise ValueError(f"{path}: missing temperatures")
    if (df["temp_max"] < df["temp_min"]).any():
        raise ValueError(f"{path}: temp_max below temp_min")
    return df[["temp_max", "temp_min"]].astype(float)


def read_zones(path: str | Path = TERRAIN, stride: int = 1) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"zone_id": str})
    for col in ("zone_id", "population"):
        if col not in df.columns:
            raise ValueError(f"{path}: missing column {col}")
    if df.zone_id.duplicated().any():
        raise ValueError(f"{path}: duplicated zone ids")
    if (df.population.isna() | (df.population < 0)).any():
        raise ValueError(f"{path}: missing or negative population")
    return df.iloc[::stride].reset_index(drop=True)


def hourly_temperature(weather: pd.DataFrame, start: str, end: str) -> np.ndarray:
    """[days * 24] °C for the local hours of start..end (inclusive), formulas in the module doc,
    rounded to 0.1 °C."""
    days = pd.date_range(start, end, freq="D")
    if days[0] not in weather.index or days[-1] not in weather.index:
        raise ValueError(f"the weather series does not cover {start}..{end}")
    tx, tn = weather["temp_max"], weather["temp_min"]

    def at(s: pd.Series, d: pd.Timestamp, fallback: pd.Timestamp) -> float:
        return float(s[d]) if d in s.index else float(s[fallback])

    out = np.empty(len(days) * 24)
    h = np.arange(24.0)
    for i, d in enumerate(days):
        prev, nxt = d - pd.Timedelta(days=1), d + pd.Timedelta(days=1)
        tn0, tx0 = float(tn[d]), float(tx[d])
        tx_prev, tn_next = at(tx, prev, d), at(tn, nxt, d)
        rise = tn0 + (tx0 - tn0) * (1 - np.cos(np.pi * (h - 6) / 9)) / 2
        fall = tn_next + (tx0 - tn_next) * (1 + np.cos(np.pi * (h - 15) / 15)) / 2
        early = tn0 + (tx_prev - tn0) * (1 + np.cos(np.pi * (h + 9) / 15)) / 2
        out[i * 24 : (i + 1) * 24] = np.where(h < 6, early, np.where(h <= 15, rise, fall))
    return np.round(out, 1)


def _ar1(rng: np.random.Generator, n: int, k: int, phi: float, sd: float) -> np.ndarray:
    """[n, k] stationary AR(1) series (innovations scaled so the marginal sd is ``sd``)."""
    e = rng.normal(0.0, sd * math.sqrt(1 - phi**2), size=(n, k))
    x = np.empty((n, k))
    x[0] = rng.normal(0.0, sd, size=k)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


@dataclass
class Simulation:
    times: pd.DatetimeIndex  # UTC, hourly
    zone_ids: list[str]
    population: np.ndarray
    load: np.ndarray  # [T, Z] metered kW, NaN = missing (what training and serving see)
    true_load: np.ndarray  # [T, Z] before metering noise and gaps
    temperature: np.ndarray  # [T] °C as the feed reports it, rounded to 0.1, NaN = feed outage
    temperature_true: np.ndarray  # [T] °C without outages (what drives the load)
    transfers: list[dict]  # {"zone", "start", "end", "factor"} (indices into times)
    config: SimConfig

    def context(self, zone: str, t: int) -> str | None:
        """What the simulator knows about a zone around hour t (for the failure analysis only)."""
        notes = []
        z = self.zone_ids.index(zone)
        for tr in self.transfers:
            if tr["zone"] == z and tr["start"] - 24 <= t < tr["end"] + 24:
                when = "active" if tr["start"] <= t < tr["end"] else "starting or ending within a day"
                notes.append(
                    f"a feeder transfer ({tr['factor']:.2f}x, {tr['end'] - tr['start']} h from"
                    f" {self.times[tr['start']].isoformat()}) was {when}"
                )
        return "; ".join(notes) or None


def simulate(cfg: SimConfig) -> Simulation:
    zones = read_zones(TERRAIN, cfg.zone_stride)
    weather = read_weather(WEATHER)
    temp = hourly_temperature(weather, cfg.start, cfg.end)
    T, Z = len(temp), len(zones)
    start_utc = pd.Timestamp(cfg.start, tz="UTC") - pd.Timedelta(hours=cfg.utc_offset_hours)
    times = pd.date_range(start_utc, periods=T, freq="h")
    local = times + pd.Timedelta(hours=cfg.utc_offset_hours)
    hour = local.hour.to_numpy().astype(float)[:, None]
    dow = local.dayofweek.to_numpy()

    rz = _rng(cfg.seed, "zones")
    pop = zones.population.to_numpy(float)
    eff = rz.lognormal(0.0, cfg.efficiency_sigma, Z)
    sens = rz.lognormal(0.0, cfg.temp_sigma, Z)
    com = rz.lognormal(math.log(cfg.commercial_kw_median), cfg.commercial_sigma, Z)

    Tt = temp[:, None]
    weather_res = 1 + sens[None, :] * (
        cfg.k_cool * np.maximum(0, Tt - cfg.t_cool) + cfg.k_heat * np.maximum(0, cfg.t_heat - Tt)
    )
    w_res = np.asarray(cfg.weekly_residential)[dow][:, None]
    w_com = np.asarray(cfg.weekly_commercial)[dow][:, None]
    residential = (
        pop[None, :] * cfg.per_capita_kw * eff[None, :] * residential_profile(hour) * w_res * weather_res
    )
    opening = business_hours(hour)
    commercial = (
        com[None, :]
        * (cfg.commercial_night + (1 - cfg.commercial_night) * opening * w_com)
        * (1 + cfg.k_cool_commercial * np.maximum(0, Tt - 22.0) * opening)
    )
    noise = _ar1(_rng(cfg.seed, "city_ar"), T, 1, cfg.city_phi, cfg.city_sd) + _ar1(
        _rng(cfg.seed, "zone_ar"), T, Z, cfg.zone_phi, cfg.zone_sd
    )
    load = (residential + commercial) * np.exp(noise)

    rt = _rng(cfg.seed, "transfers")
    transfers = []
    factor = np.ones((T, Z))
    n_days = T / 24
    for z in range(Z):
        for _ in range(rt.poisson(cfg.transfer_per_day * n_days)):
            s = int(rt.integers(0, T))
            e = min(T, s + int(rt.integers(6, 73)))
            f = float(rt.uniform(1.25, 1.6))
            factor[s:e, z] *= f
            transfers.append({"zone": z, "start": s, "end": e, "factor": round(f, 3)})
    true_load = load * factor

    rm = _rng(cfg.seed, "meter")
    metered = np.round(true_load * rm.lognormal(0.0, cfg.measurement_sd, size=(T, Z)), 1)
    rg = _rng(cfg.seed, "gaps")
    metered[rg.random((T, Z)) < cfg.loss_share] = np.nan
    starts = np.argwhere(rg.random((T, Z)) < cfg.gap_per_hour)
    lengths = rg.integers(1, 25, size=len(starts))
    for (t, z), n in zip(starts, lengths):
        metered[t : t + n, z] = np.nan
    observed_temp = temp.copy()
    rtg = _rng(cfg.seed, "temp_gaps")
    for t in np.flatnonzero(rtg.random(T) < cfg.temp_gap_per_hour):
        observed_temp[t : t + int(rtg.integers(1, 13))] = np.nan
    return Simulation(
        times=times,
        zone_ids=zones.zone_id.tolist(),
        population=pop,
        load=metered,
        true_load=true_load,
        temperature=observed_temp,
        temperature_true=temp,
        transfers=transfers,
        config=cfg,
    )
