"""Simulated hourly air-quality sensors for Olinda (PM2.5, PM10, NO2), driven by real inputs.

There is no real hourly city sensor feed on these machines (DATA.md), so the city's sensors are
simulated. What is real and what is made up:

* REAL: the sensor positions (centroids of real IBGE census tracts, ``data/olinda/terrain.csv``),
  their population density and terrain (population / area, mean elevation, low-lying share), and
  the daily weather (``data/rainfall/seattle-weather.csv``, NOAA: precipitation, temperatures,
  wind). Seattle's weather is borrowed as a realistic, real *sequence* of wet/dry, windy/calm and
  cold/warm days; it is not Olinda's tropical climate and the simulator does not pretend it is.
* SIMULATED: every concentration. The structure follows textbook urban air-quality behaviour; the
  coefficients are plausible round numbers, not fitted to any city. All of them are the constants
  below and are listed in training/AQI.md.

Model, per sensor i and hour t (local time = UTC-3, Olinda has no daylight saving time):

    PM2.5_true = B_i · D(hour) · K(weekday) · M(day) · exp(a_city(t) + a_i(t)) + E_i(t)
    PM2.5      = PM2.5_true · exp(N(0, 0.06²)) + N(0, 0.5²), clipped at 0, rounded to 0.1
    PM10       = R_i · PM2.5_true + coarse(wind, rain, traffic) (+ the same kind of noise)
    NO2        = B2_i · D2(hour) · K2(weekday) · wind^-0.6 · cold · exp(b_city(t) + b_i(t))

    B_i    base PM2.5: 9 µg/m³ × (1 + 0.25·z(log density)) × (1 + 0.3·low-lying share)
           × (1 + 0.004·(20 - mean elevation))
    D      diurnal: morning rush (08 h), evening rush + shallow night boundary layer (20 h), afternoon
           mixing dip (14 h); normalised to mean 1
    K      weekly: Mon–Fri 1, Sat 0.88, Sun 0.78 (less traffic)
    M      weather of the day (interpolated hourly in log space between noon values, so it has no steps):
           rain washout exp(-0.035·min(P_today + 0.5·P_yesterday, 40 mm)),
           wind dispersion clip((wind / 3 m/s)^-0.4, 0.6, 1.6),
           cold (heating, stable air) 1 + 0.025·max(0, 12 °C - T_mean)
    a      AR(1) noise in log space: city-wide (phi 0.98, sd 0.05) and per sensor (phi 0.95, sd 0.12)
    E      episodes (waste/biomass burning nearby): Poisson, 1 per 30 days per sensor, size lognormal
           around 1.5 × B_i, decaying with an e-folding time of 6 h

Outages (missing stretches, all three pollutants of a sensor at once): starts at 1 per 500 h per
sensor; length 1–6 h (70 %), 6–48 h (25 %) or 2–7 days (5 %). Single readings are lost at 0.5 %.
Retransmissions: 0.1 % of rows are written twice (the loader's deduplication is exercised on every run).

Output: the OpenAQ-style long CSV ``location_id,datetime,parameter,value,unit`` (UTC, hourly), so
the same loader and trainer run on it; plus a sensors table. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._names import UGM3

REPO = Path(__file__).resolve().parents[3]
TERRAIN = REPO / "data" / "olinda" / "terrain.csv"
WEATHER = REPO / "data" / "rainfall" / "seattle-weather.csv"
LOCAL_UTC_OFFSET_H = -3  # America/Recife, no DST


@dataclass(frozen=True)
class SimConfig:
    seed: int = 7
    start: str = "2015-01-01"  # inclusive, UTC
    end: str = "2016-01-01"  # exclusive; Seattle weather covers 2012-01-01 .. 2015-12-31
    n_sensors: int = 12
    outage_rate_per_hour: float = 1 / 500
    single_loss: float = 0.005
    duplicate_share: float = 0.001
    pm25_base: float = 9.0
    no2_base: float = 22.0
    episode_rate_per_day: float = 1 / 30


def choose_sensors(terrain: pd.DataFrame, n: int) -> pd.DataFrame:
    """One sensor in each of the n most populous neighbourhoods, at the centroid of its most
    populous census tract. Deterministic: it depends only on the real census data."""
    t = terrain[terrain["neighbourhood"] != "Unassigned"]
    pops = t.groupby("neighbourhood")["population"].sum().sort_values(ascending=False, kind="mergesort")
    rows = []
    for k, hood in enumerate(pops.index[:n]):
        zone = (
            t[t["neighbourhood"] == hood]
            .sort_values(["population", "zone_id"], ascending=[False, True])
            .iloc[0]
        )
        rows.append(
            {
                "location_id": f"olinda-{k + 1:02d}",
                "zone_id": str(zone["zone_id"]),
                "neighbourhood": hood,
                "lon": zone["centroid_lon"],
                "lat": zone["centroid_lat"],
                "population": int(zone["population"]),
                "density_per_km2": zone["population"] / zone["area_km2"],
                "elevation_mean_m": zone["elevation_mean"],
                "low_lying_share": zone["low_lying_share"],
            }
        )
    if len(rows) < n:
        raise ValueError(f"only {len(rows)} neighbourhoods available for {n} sensors")
    return pd.DataFrame(rows)


def _diurnal(hour_local: np.ndarray, peaks: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    d = np.ones_like(hour_local, dtype=float)
    for centre, width, amp in peaks:
        # circular distance in hours so 23 h and 1 h are 2 h apart
        dist = np.minimum(np.abs(hour_local - centre), 24 - np.abs(hour_local - centre))
        d += amp * np.exp(-0.5 * (dist / width) ** 2)
    return d


PM_DIURNAL = ((8.0, 1.5, 0.35), (20.0, 2.5, 0.45), (14.0, 3.0, -0.20))
NO2_DIURNAL = ((8.0, 1.5, 0.80), (19.0, 2.0, 0.60), (14.0, 3.0, -0.25))


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) with marginal standard deviation ``sd``."""
    e = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), n)
    x = np.empty(n)
    x[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def _daily_to_hourly_log(daily: pd.Series, hours: pd.DatetimeIndex) -> np.ndarray:
    """Interpolate a positive daily factor to hours in log space, anchored at local noon."""
    noon = pd.to_datetime(daily.index) + pd.Timedelta(hours=12 - LOCAL_UTC_OFFSET_H)
    x = noon.tz_localize("UTC").astype("int64").to_numpy() / 3.6e12
    xi = hours.astype("int64").to_numpy() / 3.6e12
    return np.exp(np.interp(xi, x, np.log(daily.to_numpy())))


def simulate(
    cfg: SimConfig, terrain_path: Path = TERRAIN, weather_path: Path = WEATHER, with_events: bool = False
):
    """Return (long readings, sensors), plus the list of simulated episodes if ``with_events``
    (used only to explain forecast failures; the model never sees it)."""
    rng = np.random.default_rng(cfg.seed)
    sensors = choose_sensors(pd.read_csv(terrain_path, dtype={"zone_id": str}), cfg.n_sensors)
    weather = pd.read_csv(weather_path, parse_dates=["date"]).set_index("date").sort_index()
    hours = pd.date_range(cfg.start, cfg.end, freq="H", inclusive="left", tz="UTC")
    if len(hours) == 0:
        raise ValueError("empty simulation period")
    local = hours + pd.Timedelta(hours=LOCAL_UTC_OFFSET_H)
    # Local days the period touches; the day before is included (when there is one) for the
    # "yesterday's rain" term. Beyond the first/last noon the interpolation holds the end value.
    day0 = local[0].normalize().tz_localize(None)
    day1 = local[-1].normalize().tz_localize(None)
    w = weather.loc[day0 - pd.Timedelta(days=1) : day1]
    if len(w) == 0 or w.index[0] > day0 or w.index[-1] < day1:
        raise ValueError(
            f"the weather series covers {weather.index[0].date()}..{weather.index[-1].date()}; "
            f"the period needs {day0.date()}..{day1.date()}"
        )

    # Weather factors per day -> hourly (same for all sensors: one city, one weather).
    rain = w["precipitation"].clip(lower=0) + 0.5 * w["precipitation"].shift(1).fillna(0)
    t_mean = (w["temp_max"] + w["temp_min"]) / 2
    washout = np.exp(-0.035 * rain.clip(upper=40))
    dispersion = ((w["wind"].clip(lower=0.3) / 3.0) ** -0.4).clip(0.6, 1.6)
    cold = 1 + 0.025 * (12 - t_mean).clip(lower=0)
    m_pm = _daily_to_hourly_log(washout * dispersion * cold, hours)
    wind_h = _daily_to_hourly_log(w["wind"].clip(lower=0.3), hours)
    rain_h = _daily_to_hourly_log(np.exp(-0.1 * rain.clip(upper=40)), hours)  # dryness for re-suspension
    cold_no2 = _daily_to_hourly_log(1 + 0.01 * (12 - t_mean).clip(lower=0), hours)

    hl = local.hour.to_numpy().astype(float)
    dow = local.dayofweek.to_numpy()
    d_pm = _diurnal(hl, PM_DIURNAL)
    d_pm /= _diurnal(np.arange(24.0), PM_DIURNAL).mean()
    d_no2 = _diurnal(hl, NO2_DIURNAL)
    d_no2 /= _diurnal(np.arange(24.0), NO2_DIURNAL).mean()
    k_pm = np.choose(np.clip(dow - 4, 0, 2), [1.0, 0.88, 0.78])
    k_no2 = np.choose(np.clip(dow - 4, 0, 2), [1.0, 0.80, 0.65])

    n = len(hours)
    city_pm = _ar1(rng, n, 0.98, 0.05)
    city_no2 = _ar1(rng, n, 0.97, 0.06)
    log_density = np.log(sensors["density_per_km2"].to_numpy())
    z = (log_density - log_density.mean()) / (log_density.std() or 1.0)

    frames = []
    params: list[dict] = []
    events: list[dict] = []
    for i, s in sensors.iterrows():
        base = (
            cfg.pm25_base
            * (1 + 0.25 * z[i])
            * (1 + 0.3 * s["low_lying_share"])
            * (1 + 0.004 * (20 - s["elevation_mean_m"]))
        )
        base = max(base, 3.0)
        pm_true = base * d_pm * k_pm * m_pm * np.exp(city_pm + _ar1(rng, n, 0.95, 0.12))
        # Episodes: impulse of random size, exponential decay (6 h e-folding).
        starts = rng.random(n) < cfg.episode_rate_per_day / 24
        impulses = np.where(starts, base * 1.5 * rng.lognormal(0.0, 0.6, n), 0.0)
        episode = np.empty(n)
        acc = 0.0
        decay = math.exp(-1 / 6)
        for k in range(n):
            acc = acc * decay + impulses[k]
            episode[k] = acc
        pm_true = pm_true + episode
        for k in np.flatnonzero(starts):
            events.append({"location_id": s["location_id"], "start": hours[k], "size": float(impulses[k])})
        ratio = rng.uniform(1.5, 2.0)
        coarse = 6.0 * (wind_h / 3.0) ** 0.7 * rain_h * (0.7 + 0.3 * d_no2) * np.exp(_ar1(rng, n, 0.9, 0.15))
        pm10_true = ratio * pm_true + coarse
        no2_base = max(cfg.no2_base * (1 + 0.2 * z[i]), 5.0)
        no2_true = (
            no2_base
            * d_no2
            * k_no2
            * (wind_h / 3.0) ** -0.6
            * cold_no2
            * np.exp(city_no2 + _ar1(rng, n, 0.93, 0.15))
        )

        params.append(
            {
                "sim_pm25_base": round(base, 3),
                "sim_pm10_ratio": round(ratio, 3),
                "sim_no2_base": round(no2_base, 3),
            }
        )
        down = _outages(rng, n, cfg.outage_rate_per_hour)
        for param, truth in (("pm25", pm_true), ("pm10", pm10_true), ("no2", no2_true)):
            obs = truth * rng.lognormal(0.0, 0.06, n) + rng.normal(0.0, 0.5, n)
            obs = np.round(np.clip(obs, 0.0, None), 1)
            keep = ~down & (rng.random(n) >= cfg.single_loss)
            frames.append(
                pd.DataFrame(
                    {
                        "location_id": s["location_id"],
                        "t": np.flatnonzero(keep),
                        "parameter": param,
                        "value": obs[keep],
                    }
                )
            )

    long = pd.concat(frames, ignore_index=True)
    dup = rng.random(len(long)) < cfg.duplicate_share
    long = pd.concat([long, long[dup]], ignore_index=True)
    long = long.sort_values(["location_id", "parameter", "t"], kind="mergesort").reset_index(drop=True)
    long.insert(1, "datetime", hours[long["t"].to_numpy()].strftime("%Y-%m-%dT%H:%M:%SZ"))
    long = long.drop(columns="t")
    long["unit"] = UGM3
    sensors = pd.concat([sensors, pd.DataFrame(params)], axis=1)
    if with_events:
        return long, sensors, pd.DataFrame(events, columns=["location_id", "start", "size"])
    return long, sensors


def _outages(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    down = np.zeros(n, dtype=bool)
    k = 0
    while k < n:
        k += int(rng.geometric(rate))
        if k >= n:
            break
        u = rng.random()
        if u < 0.70:
            length = int(rng.integers(1, 7))
        elif u < 0.95:
            length = int(rng.integers(6, 49))
        else:
            length = int(rng.integers(48, 169))
        down[k : k + length] = True
        k += length
    return down


def write_frames(
    long: pd.DataFrame, sensors: pd.DataFrame, out_csv: Path, sensors_csv: Path | None = None
) -> None:
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    long.to_csv(out_csv, index=False, float_format="%.1f", lineterminator="\n")
    if sensors_csv is not None:
        sensors.to_csv(sensors_csv, index=False, float_format="%.6f", lineterminator="\n")


def write(cfg: SimConfig, out_csv: Path, sensors_csv: Path | None = None) -> dict:
    long, sensors = simulate(cfg)
    write_frames(long, sensors, out_csv, sensors_csv)
    return {"rows": int(len(long)), "sensors": int(len(sensors)), "config": asdict(cfg)}


def failure_context(events: pd.DataFrame, cfg: SimConfig, weather_path: Path = WEATHER):
    """A function (station, target time) -> what the simulator did around then, in words. Only the
    evaluation's failure analysis uses it: it can say "a burning episode started 3 h earlier" or
    "12 mm of rain that day" because here, unlike with real data, the ground truth is known."""
    weather = pd.read_csv(weather_path, parse_dates=["date"]).set_index("date")

    def explain(station: str, when: pd.Timestamp) -> str:
        parts = []
        ev = events[
            (events["location_id"] == station)
            & (events["start"] <= when)
            & (events["start"] > when - pd.Timedelta(hours=18))
        ]
        if len(ev):
            e = ev.iloc[-1]
            hours_before = int((when - e["start"]) / pd.Timedelta(hours=1))
            parts.append(
                f"simulated burning episode at this sensor started {hours_before} h before"
                f" (+{e['size']:.0f} µg/m³ PM2.5 at onset)"
            )
        day = (when + pd.Timedelta(hours=LOCAL_UTC_OFFSET_H)).tz_localize(None).normalize()
        if day in weather.index:
            w = weather.loc[day]
            parts.append(
                f"weather driver that day (Seattle {day.date()}): rain {w['precipitation']:.1f} mm, wind"
                f" {w['wind']:.1f} m/s, {w['temp_min']:.0f}–{w['temp_max']:.0f} °C"
            )
        return "simulator ground truth: " + "; ".join(parts) if parts else ""

    return explain


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Simulate hourly Olinda air-quality sensors (OpenAQ-style long CSV)."
    )
    ap.add_argument("--out", required=True, type=Path, help="long CSV to write")
    ap.add_argument("--sensors-out", type=Path, help="sensor table CSV to write")
    ap.add_argument("--seed", type=int, default=SimConfig.seed)
    ap.add_argument("--start", default=SimConfig.start)
    ap.add_argument("--end", default=SimConfig.end)
    ap.add_argument("--sensors", type=int, default=SimConfig.n_sensors)
    a = ap.parse_args(argv)
    info = write(SimConfig(seed=a.seed, start=a.start, end=a.end, n_sensors=a.sensors), a.out, a.sensors_out)
    print(f"wrote {info['rows']} rows for {info['sensors']} sensors to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
