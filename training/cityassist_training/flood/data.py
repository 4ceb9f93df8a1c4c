"""From the real inputs to a zone-hour table: simulate, derive the serving features, sample rows.

The features are computed exactly as a feature pipeline would compute them from an hourly rain
feed (trailing sums ending at the current hour), so training and serving agree by construction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..simulate.flood import DrainageConfig, SatelliteConfig, simulate_flooded_fraction, simulate_floods
from ..simulate.rain import RainConfig, read_daily, read_stageiv, simulate_hourly_rain, zone_offsets_km

REPO = Path(__file__).resolve().parents[3]

TERRAIN = "olinda/terrain.csv"
DAILY_RAIN = "rainfall/seattle-weather.csv"
STAGEIV = "rainfall/stageiv_florence_2018.nc"
TERRAIN_COLUMNS = [
    "zone_id",
    "neighbourhood",
    "elevation_mean",
    "elevation_min",
    "low_lying_share",
    "centroid_lon",
    "centroid_lat",
]

# Stream ids mixed into the seed: every random process has its own stream, so changing one (say the
# satellite noise) leaves the rain, the drainage and the sample untouched.
STREAM = {
    "rain": 1,
    "drainage": 2,
    "satellite": 3,
    "sample": 4,
    "model": 5,
    "eval": 6,
    "ablation": 7,
    "passes": 8,
}


def rng_for(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, STREAM[stream]])


def source_paths(data_dir: str) -> list[str]:
    return [os.path.join(data_dir, p) for p in (TERRAIN, DAILY_RAIN, STAGEIV)]


def read_terrain(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"zone_id": str})
    missing = [c for c in TERRAIN_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    if df["zone_id"].duplicated().any():
        raise ValueError(
            f"{path}: duplicated zone_id {df.loc[df.zone_id.duplicated(), 'zone_id'].head(3).tolist()}"
        )
    num = ["elevation_mean", "elevation_min", "low_lying_share", "centroid_lon", "centroid_lat"]
    if df[num].isna().any().any():
        raise ValueError(
            f"{path}: missing terrain values in {df[num].columns[df[num].isna().any()].tolist()}"
        )
    if not df["low_lying_share"].between(0, 1).all():
        raise ValueError(f"{path}: low_lying_share outside [0, 1]")
    df["neighbourhood"] = df["neighbourhood"].fillna("Unassigned")
    return df.reset_index(drop=True)


@dataclass
class CitySim:
    """The whole simulated city: every zone and every hour."""

    terrain: pd.DataFrame  # [Z]
    times: pd.DatetimeIndex  # [T] start of each hour, UTC
    rain: np.ndarray  # [T, Z] mm in the hour
    rain_24h: np.ndarray
    rain_72h: np.ndarray
    flooded_fraction: np.ndarray  # [T, Z] NaN = cloud
    label: np.ndarray  # [T, Z] int8 recorded flood
    flood_true: np.ndarray  # [T, Z] bool
    ponding: np.ndarray
    capacity_factor: np.ndarray  # [Z]
    daily_mm: pd.Series
    warmup_h: int
    # The U-Net's flooded share per zone from the newest satellite pass available at each hour, and
    # that pass's age (flood_segmentation/passes.py); None unless the config names a model.
    sat_flooded_share: np.ndarray | None = None  # [T, Z] NaN before the first pass
    sat_age_h: np.ndarray | None = None  # [T, Z]


def trailing_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last ``window`` hours including the current one (partial at the start)."""
    c = np.cumsum(x, axis=0, dtype=np.float64)
    out = c.copy()
    out[window:] -= c[:-window]
    return out.astype(np.float32)


def simulate_city(data_dir: str, cfg: dict, seed: int) -> CitySim:
    terrain = read_terrain(os.path.join(data_dir, TERRAIN))
    daily = read_daily(os.path.join(data_dir, DAILY_RAIN))
    sim_cfg = cfg.get("simulation", {})
    if sim_cfg.get("start"):
        daily = daily[daily.index >= pd.Timestamp(sim_cfg["start"], tz="UTC")]
    if sim_cfg.get("end"):
        daily = daily[daily.index <= pd.Timestamp(sim_cfg["end"], tz="UTC")]
    if sim_cfg.get("zone_stride", 1) > 1:  # --smoke: a spatially even subset of the zones
        terrain = terrain.iloc[:: sim_cfg["zone_stride"]].reset_index(drop=True)
    stageiv, dy, dx = read_stageiv(os.path.join(data_dir, STAGEIV))

    offsets = zone_offsets_km(terrain.centroid_lon.to_numpy(), terrain.centroid_lat.to_numpy())
    rain = simulate_hourly_rain(
        daily, stageiv, (dy, dx), offsets, RainConfig(**cfg.get("rain", {})), rng_for(seed, "rain")
    )
    em = terrain.elevation_mean.to_numpy(float)
    emin = terrain.elevation_min.to_numpy(float)
    low = terrain.low_lying_share.to_numpy(float)
    fl = simulate_floods(
        rain.mm, em, emin, low, DrainageConfig(**cfg.get("drainage", {})), rng_for(seed, "drainage")
    )
    ff = simulate_flooded_fraction(
        fl.ponding_mm, rain.mm, low, SatelliteConfig(**cfg.get("satellite", {})), rng_for(seed, "satellite")
    )
    sat = cfg.get("satellite_model")
    sat_share = sat_age = None
    if sat:
        # Imported here: only a config with a segmentation model needs torch.
        from ..flood_segmentation.passes import satellite_features

        sat_share, sat_age = satellite_features(
            rain.times,
            fl.ponding_mm,
            terrain.zone_id.tolist(),
            REPO / sat["dir"],
            int(rng_for(seed, "passes").integers(2**31)),
            sat.get("passes"),
        )
    return CitySim(
        terrain=terrain,
        times=rain.times,
        rain=rain.mm,
        rain_24h=trailing_sum(rain.mm, 24),
        rain_72h=trailing_sum(rain.mm, 72),
        flooded_fraction=ff,
        label=fl.label,
        flood_true=fl.flood,
        ponding=fl.ponding_mm,
        capacity_factor=fl.capacity_factor,
        daily_mm=rain.daily_mm,
        # The first 72 h have incomplete antecedent sums and an empty soil store: not used.
        warmup_h=72,
        sat_flooded_share=sat_share,
        sat_age_h=sat_age,
    )


def feature_frame(sim: CitySim, t_idx: np.ndarray, z_idx: np.ndarray, features: list[str]) -> pd.DataFrame:
    """Feature rows for the given (hour, zone) pairs, columns in the model's order."""
    t = sim.terrain
    cols = {
        "rain_1h_mm": sim.rain[t_idx, z_idx],
        "rain_24h_mm": sim.rain_24h[t_idx, z_idx],
        "rain_72h_mm": sim.rain_72h[t_idx, z_idx],
        "elevation_mean_m": t.elevation_mean.to_numpy(np.float32)[z_idx],
        "elevation_min_m": t.elevation_min.to_numpy(np.float32)[z_idx],
        "low_lying_share": t.low_lying_share.to_numpy(np.float32)[z_idx],
        "flooded_fraction": sim.flooded_fraction[t_idx, z_idx],
    }
    if sim.sat_flooded_share is not None:
        cols["sat_flooded_share"] = sim.sat_flooded_share[t_idx, z_idx]
        cols["sat_age_h"] = sim.sat_age_h[t_idx, z_idx]
    unknown = [f for f in features if f not in cols]
    if unknown:
        raise ValueError(f"unknown features {unknown}; known: {list(cols)}")
    return pd.DataFrame({f: np.asarray(cols[f], dtype=np.float32) for f in features})


def sample_rows(sim: CitySim, fraction: float, seed: int, features: list[str]) -> pd.DataFrame:
    """A uniform random sample of zone-hours (after the warm-up), with features, label and keys.

    Uniform, not enriched for wet hours: the model's probabilities are then calibrated to the real
    mix of hours it will be asked about, most of them dry.
    """
    n_t, n_z = sim.rain.shape
    rng = rng_for(seed, "sample")
    cells = (n_t - sim.warmup_h) * n_z
    n = max(1, int(round(cells * fraction)))
    flat = np.sort(rng.choice(cells, size=n, replace=False))
    t_idx = sim.warmup_h + flat // n_z
    z_idx = flat % n_z
    df = feature_frame(sim, t_idx, z_idx, features)
    df["label"] = sim.label[t_idx, z_idx].astype(np.int8)
    df["flood_true"] = sim.flood_true[t_idx, z_idx]
    df["time"] = sim.times[t_idx]
    df["t_idx"] = t_idx
    df["z_idx"] = z_idx
    df["zone_id"] = sim.terrain.zone_id.to_numpy()[z_idx]
    df["neighbourhood"] = sim.terrain.neighbourhood.to_numpy()[z_idx]
    return df
