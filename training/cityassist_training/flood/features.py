"""The serving contract for each feature: unit, meaning, valid range, drift reference.

``min``/``max`` are the *valid* ranges serving enforces (physically plausible values), wider than
what the model saw in training; ``trainingRange`` (added per run) is what it saw. Outside the
training range the trees extrapolate flat, which the model card says.
"""

from __future__ import annotations

import numpy as np

FEATURE_SPECS: dict[str, dict] = {
    "rain_1h_mm": {
        "unit": "mm",
        "description": (
            "Rain in the zone during the last hour (ending at as_of). Simulated hourly disaggregation of real"
            " daily totals."
        ),
        "min": 0,
        "max": 250,
        "edges": [0, 0.05, 0.5, 1, 2, 5, 10, 20, 40, 250],
    },
    "rain_24h_mm": {
        "unit": "mm",
        "description": "Rain in the zone during the last 24 hours (including the last hour).",
        "min": 0,
        "max": 1000,
        "edges": [0, 0.05, 1, 5, 10, 20, 40, 60, 100, 1000],
    },
    "rain_72h_mm": {
        "unit": "mm",
        "description": (
            "Rain in the zone during the last 72 hours: antecedent wetness (saturated soil and drains)."
        ),
        "min": 0,
        "max": 2000,
        "edges": [0, 0.05, 1, 5, 10, 20, 40, 80, 150, 2000],
    },
    "elevation_mean_m": {
        "unit": "m",
        "description": "Mean ground elevation of the zone (real DEM, 90 m, sampled inside the tract).",
        "min": -20,
        "max": 3000,
        "edges": [-20, 0, 5, 10, 15, 20, 30, 40, 60, 3000],
    },
    "elevation_min_m": {
        "unit": "m",
        "description": "Lowest ground elevation in the zone (real DEM).",
        "min": -20,
        "max": 3000,
        "edges": [-20, 0, 2, 4, 6, 8, 10, 15, 25, 3000],
    },
    "low_lying_share": {
        "unit": "fraction",
        "description": "Share of the zone's ground below 5 m (real DEM).",
        "min": 0,
        "max": 1,
        "edges": [0, 1e-6, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1],
    },
    "flooded_fraction": {
        "unit": "fraction",
        "description": (
            "Share of the zone's pixels a satellite flood-segmentation model classes as water in the latest"
            " image; missing (null) when clouds hid the ground. SIMULATED: no satellite imagery is available"
            " offline."
        ),
        "min": 0,
        "max": 1,
        "edges": [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 1],
    },
    "sat_flooded_share": {
        "unit": "fraction",
        "description": (
            "Share of the zone's 30 m pixels the flood-segmentation U-Net (models/flood-segmentation) classes"
            " as water in the newest satellite pass available at the hour (Sentinel-1 every 6 days,"
            " Sentinel-2 every 5, after their latency); null before any pass. SIMULATED scenes from the"
            " real DEM."
        ),
        "min": 0,
        "max": 1,
        "edges": [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 1],
    },
    "sat_age_h": {
        "unit": "h",
        "description": "Hours since the acquisition of the pass sat_flooded_share comes from.",
        "min": 0,
        "max": 8760,
        "edges": [0, 6, 12, 24, 48, 72, 96, 144, 8760],
    },
}


def reference_histogram(col: np.ndarray, spec: dict) -> dict:
    """Counts of the training values in fixed, physically meaningful bins (rain has most of its mass
    at 0, so quantile bins would collapse), plus the missing count, for drift tests (PSI) at serving.
    Values outside the outer edges fall in the first/last bin."""
    edges = np.asarray(spec["edges"], dtype=float)
    v = col[~np.isnan(col)]
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(idx, minlength=len(edges) - 1)
    return {
        "bins": edges.tolist(),
        "counts": counts.astype(int).tolist(),
        "missing": int(np.isnan(col).sum()),
    }
