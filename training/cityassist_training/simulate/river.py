"""River level of the Beberibe at Olinda, hour by hour, from the simulated rain over the city.

No gauge record is available offline, so the level is simulated, and is no model's input yet: it
is the series a river-flood model or an alert rule would read. The story, as simple as it can be
and written down so a reader can judge it:

* **Catchment rain**: the area-weighted mean of the zones' hourly rain (mm/h) stands in for rain
  over the catchment (the Beberibe basin reaches inland beyond the city, which this ignores).
* **Runoff**: a linear reservoir (Nash 1957; one store): storage ``Q`` (mm over the catchment)
  gains ``runoff_coef * rain`` and drains with an e-folding time ``tau_h`` (default 18 h, a small
  urban-coastal basin): ``Q_t = Q_{t-1} * exp(-1/tau_h) + runoff_coef * rain_t``.
* **Stage**: level above the gauge datum ``level_m = base_m + stage_m_per_mm * Q_t``, plus the
  M2 tide (12.42 h) near the mouth with amplitude ``tide_m`` and a fixed phase, plus gauge noise
  ``noise_m``.
* **Bank-full**: ``level_m >= bankfull_m`` marks hours the river is out of its banks.

Every parameter lives in ``RiverConfig``; defaults are order-of-magnitude guesses, not calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RiverConfig:
    tau_h: float = 18.0
    runoff_coef: float = 0.35
    base_m: float = 0.6
    stage_m_per_mm: float = 0.045
    tide_m: float = 0.4
    tide_period_h: float = 12.42
    noise_m: float = 0.02
    bankfull_m: float = 3.0


def simulate_river_level(
    rain_mm_h: np.ndarray, area_km2: np.ndarray, config: RiverConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly river level (m) and bank-full flags from rain of shape (hours, zones).

    ``area_km2`` weights the zones' rain into one catchment series.
    """
    rain = np.asarray(rain_mm_h, dtype=float)
    if rain.ndim != 2 or rain.shape[1] != len(area_km2):
        raise ValueError(f"rain must be (hours, {len(area_km2)} zones), got {rain.shape}")
    weights = np.asarray(area_km2, dtype=float) / float(np.sum(area_km2))
    catchment = np.nan_to_num(rain) @ weights
    decay = np.exp(-1.0 / config.tau_h)
    storage = np.empty_like(catchment)
    q = 0.0
    for t, r in enumerate(catchment):
        q = q * decay + config.runoff_coef * r
        storage[t] = q
    hours = np.arange(len(catchment))
    tide = config.tide_m * np.sin(2 * np.pi * hours / config.tide_period_h)
    level = (
        config.base_m + config.stage_m_per_mm * storage + tide + rng.normal(0.0, config.noise_m, len(hours))
    )
    return level, level >= config.bankfull_m
