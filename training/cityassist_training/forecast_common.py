"""Pieces every multi-horizon forecaster shares (the AQI and energy models): split-conformal
quantiles, the circular moving-block bootstrap, percentile intervals, decile reference histograms
for drift, and the strict JSON writer of their model folders."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


def split_conformal_quantiles(e: np.ndarray, alpha: float) -> tuple[float, float]:
    """Lower/upper residual quantiles with the (n+1) finite-sample correction, each tail α/2.

    Upper: the ceil((n+1)(1-α/2))-th smallest residual; lower: the floor((n+1)α/2)-th smallest
    (clamped to the sample). With exchangeable residuals each tail then misses at most α/2.
    """
    e = np.sort(np.asarray(e, dtype=np.float64))
    n = len(e)
    k_hi = min(n, math.ceil((n + 1) * (1 - alpha / 2)))
    k_lo = max(1, math.floor((n + 1) * (alpha / 2)))
    return float(e[k_lo - 1]), float(e[k_hi - 1])


def block_bootstrap_index(n: int, block: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """[reps, n] indices of a circular moving-block bootstrap over n consecutive times."""
    block = max(1, min(block, n))
    n_blocks = math.ceil(n / block)
    starts = rng.integers(0, n, size=(reps, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(reps, -1)[:, :n]


def ci(x: np.ndarray) -> list[float]:
    lo, hi = np.percentile(x, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def reference_histogram(col: np.ndarray, bins: int = 10) -> dict:
    """Decile bins of the training values (ties merged), counts per bin, and the NaN count.
    Quantile edges give every bin some mass, so drift scores (PSI) are defined; values beyond the
    outer edges at serving time fall in an implicit overflow bin the server adds."""
    x = np.asarray(col, dtype=np.float64)
    valid = x[np.isfinite(x)]
    if len(valid) == 0:
        return {"edges": [], "counts": [], "nan_count": int(len(x))}
    edges = np.unique(np.quantile(valid, np.linspace(0, 1, bins + 1)))
    if len(edges) == 1:
        edges = np.array([edges[0], edges[0]])
    counts, _ = np.histogram(valid, bins=edges)
    return {
        "edges": [_r(e) for e in edges],
        "counts": counts.astype(int).tolist(),
        "nan_count": int(len(x) - len(valid)),
    }


def _r(x: float, nd: int = 6) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), nd)


def write_json(path: Path, obj) -> None:
    path.write_text(
        json.dumps(clean(obj), indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )


def clean(o):
    """NaN/inf -> None and numpy scalars -> Python, so the JSON is strict (JSON.parse rejects NaN)."""
    if isinstance(o, dict):
        return {str(k): clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    if isinstance(o, np.ndarray):
        return clean(o.tolist())
    if isinstance(o, (np.floating, float)):
        return float(o) if math.isfinite(float(o)) else None
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return o


def xgb_params(cfg: dict, seed: int, defaults: dict) -> tuple[dict, int]:
    """XGBoost training parameters and rounds from a forecaster's ``model`` config block: the
    forecasters' one reading of it. ``defaults`` holds each model's own defaults for
    ``learning_rate``, ``n_jobs``, ``n_estimators`` and, when the model sets it, ``base_score``."""
    merged = {**defaults, **cfg}
    p = {
        "objective": merged.get("objective", "reg:squarederror"),
        "max_depth": int(merged.get("max_depth", 5)),
        "eta": float(merged["learning_rate"]),
        "subsample": float(merged.get("subsample", 0.8)),
        "colsample_bytree": float(merged.get("colsample_bytree", 0.8)),
        "min_child_weight": float(merged.get("min_child_weight", 5.0)),
        "lambda": float(merged.get("reg_lambda", 1.0)),
        "tree_method": "hist",
        "max_bin": int(merged.get("max_bin", 256)),
        "nthread": int(merged["n_jobs"]),
        "seed": int(seed),
        "verbosity": 0,
    }
    if "base_score" in merged:
        p["base_score"] = float(merged["base_score"])
    return p, int(merged["n_estimators"])
