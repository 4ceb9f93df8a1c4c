"""Drainage load and flood events per zone-hour, from real terrain and the simulated hourly rain.

There are no flood records for Olinda offline, so the labels are simulated. The physical story,
deliberately simple and written down so that a reader can judge it (parameters in the config's
``drainage`` block, listed in the README):

* **Soil and network saturation** ``S`` (mm): a linear reservoir with a ``soil_tau_h`` (default
  72 h) e-folding time, filled by every hour's rain. A wet antecedent period (24-72 h) leaves less
  room, so more of the next hour's rain runs off:
  ``runoff_coef = r0 + (1 - r0) * S / (S + s_half)``.
* **Run-on concentration**: water runs downhill inside a tract and collects at its lowest ground.
  Tracts with a large low-lying share (ground < 5 m) and a large drop from mean to minimum elevation
  receive more water per mm of rain: ``concentration = 1 + k_low * low_lying_share + k_relief *
  (elevation_mean - elevation_min)``.
* **Drain capacity** (mm/h the street drains remove): ``capacity_mm_h``, lower where the lowest ground
  is near sea level (outfalls have little head) and where the low-lying share is large, times an
  *unobserved* per-zone log-normal factor (blocked gullies, undersized pipes: what a city knows only
  from maintenance logs the model does not get).
* **Tide**: Olinda is coastal; an M2 semi-diurnal tide (12.42 h) with a random phase raises the
  outfall level and cuts the capacity of zones whose lowest ground is below ``tide_affects_below_m``.
  Unobserved by the model: a stand-in for everything hydraulic the features don't carry.
* **Ponding** ``W`` (mm):
  ``W_t = max(0, decay * W_{t-1} + runoff_coef * concentration * rain_t - capacity_t)``.
* **Flood event**: ``W_t >= flood_depth_mm``, *recorded* with probability ``report_prob`` (floods
  are known from reports and sensors, and some go unreported), plus rare false reports
  (``false_report_prob``).

So the label is a noisy, stateful function of rain and terrain: the features (1 h, 24 h, 72 h rain
and terrain) carry most of the signal but not the tide, the hidden drain condition, storage beyond
72 h or the reporting noise. That gap is what keeps the task honest.

``flooded_fraction`` imitates the output of a satellite flood-segmentation model (share of the
tract's pixels classed as water). It is derived from the *true* ponding ``W`` with noise and is
**missing** on cloudy hours (optical imagery), far more often when it rains. Simulated, not real.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DrainageConfig:
    soil_tau_h: float = 72.0
    s_half_mm: float = 40.0
    r0: float = 0.35
    k_low: float = 2.0
    k_relief: float = 0.03
    capacity_mm_h: float = 7.0
    capacity_sigma: float = 0.3
    ponding_tau_h: float = 3.0
    tide_amplitude: float = 0.5
    tide_affects_below_m: float = 8.0
    flood_depth_mm: float = 10.0
    report_prob: float = 0.95
    false_report_prob: float = 2e-5


@dataclass(frozen=True)
class SatelliteConfig:
    # Sigmoid of the ponding depth -> flooded share of the tract, scaled by the low-lying share.
    depth_mid_mm: float = 10.0
    depth_scale_mm: float = 4.0
    noise_sd: float = 0.05
    background_sd: float = 0.01
    cloud_prob_dry: float = 0.35
    cloud_prob_rain: float = 0.85
    rain_cloud_mm: float = 0.2


@dataclass
class FloodSim:
    ponding_mm: np.ndarray  # float32 [T, Z] true ponding depth
    storage_mm: np.ndarray  # float32 [T, Z]
    flood: np.ndarray  # bool [T, Z] true flood state (W >= depth)
    label: np.ndarray  # int8 [T, Z] recorded flood (what the model learns)
    capacity_factor: np.ndarray  # float32 [Z] the hidden drain condition
    tide_phase: float


def simulate_floods(
    rain_mm: np.ndarray,
    elevation_mean: np.ndarray,
    elevation_min: np.ndarray,
    low_lying_share: np.ndarray,
    cfg: DrainageConfig,
    rng: np.random.Generator,
) -> FloodSim:
    n_t, n_z = rain_mm.shape
    concentration = (
        1.0 + cfg.k_low * low_lying_share + cfg.k_relief * np.maximum(elevation_mean - elevation_min, 0)
    )
    # Outfall head: capacity falls off as the lowest ground approaches sea level.
    head = 1.0 / (1.0 + np.exp(-(elevation_min - 4.0) / 2.0))
    hidden = np.exp(rng.normal(-cfg.capacity_sigma**2 / 2, cfg.capacity_sigma, n_z))
    capacity = cfg.capacity_mm_h * (0.4 + 0.6 * head) * (1.0 - 0.5 * low_lying_share) * hidden
    tide_phase = float(rng.uniform(0, 2 * np.pi))
    tide_exposed = (elevation_min < cfg.tide_affects_below_m).astype(float)

    soil_decay = np.exp(-1.0 / cfg.soil_tau_h)
    pond_decay = np.exp(-1.0 / cfg.ponding_tau_h)
    hours = np.arange(n_t)
    tide = np.cos(2 * np.pi * hours / 12.42 + tide_phase)  # +1 at high water

    storage = np.zeros((n_t, n_z), np.float32)
    ponding = np.zeros((n_t, n_z), np.float32)
    s = np.zeros(n_z)
    w = np.zeros(n_z)
    for t in range(n_t):
        r = rain_mm[t].astype(np.float64)
        s = soil_decay * s + r
        coef = cfg.r0 + (1 - cfg.r0) * s / (s + cfg.s_half_mm)
        cap = capacity * (1.0 - cfg.tide_amplitude * tide_exposed * max(tide[t], 0.0))
        w = np.maximum(0.0, pond_decay * w + coef * concentration * r - cap)
        storage[t] = s
        ponding[t] = w

    flood = ponding >= cfg.flood_depth_mm
    u = rng.random((n_t, n_z), dtype=np.float32)
    label = np.where(flood, u < cfg.report_prob, u < cfg.false_report_prob).astype(np.int8)
    return FloodSim(
        ponding_mm=ponding,
        storage_mm=storage,
        flood=flood,
        label=label,
        capacity_factor=hidden.astype(np.float32),
        tide_phase=tide_phase,
    )


def simulate_flooded_fraction(
    ponding_mm: np.ndarray,
    rain_mm: np.ndarray,
    low_lying_share: np.ndarray,
    cfg: SatelliteConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulated segmentation output in [0, 1], NaN where clouds hid the ground. float32 [T, Z]."""
    wet = 1.0 / (1.0 + np.exp(-(ponding_mm - cfg.depth_mid_mm) / cfg.depth_scale_mm))
    # Even a fully ponded tract is not all water: the floodable part grows with the low-lying share.
    extent = wet * (0.15 + 0.85 * np.sqrt(low_lying_share))[None, :]
    noise = rng.normal(0, cfg.noise_sd, ponding_mm.shape) * np.sqrt(wet) + np.abs(
        rng.normal(0, cfg.background_sd, ponding_mm.shape)
    )
    ff = np.clip(extent + noise, 0.0, 1.0).astype(np.float32)
    p_cloud = np.where(rain_mm >= cfg.rain_cloud_mm, cfg.cloud_prob_rain, cfg.cloud_prob_dry)
    ff[rng.random(ponding_mm.shape) < p_cloud] = np.nan
    return ff
