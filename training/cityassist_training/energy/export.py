"""Model directory of an energy forecaster: model.onnx, test_vectors.json and the metadata pieces
(MODEL_CARD.md is card.py, the snapshot snapshot.py).

The ONNX graph (input ``features`` float32 [N, F], F and the order as in metadata.json):

    trees    = TreeEnsembleRegressor(features)                   [N, H]  booster h-1 -> column h-1
    week     = features[:, r_lag_{Wk-h}] for h = 1..H            [N, H]  same time last week
    day      = features[:, r_lag_{D-h}]  for h = 1..H            [N, H]  same time yesterday
    base     = week, else day, else 1   (IsNaN / Where)          [N, H]  (delta_weekly; swapped for
                                                                         delta_daily; 0 for ratio)
    ratio    = trees + base                                      [N, H]  predicted y[t+h] / level
    level    = features[:, level]                                [N, 1]
    forecast = max(0, ratio * level)                             [N, H]  kW (MW for taylor)
    sigma    = max(features[:, r_std_D], scale_floor)  (or 1)    [N, 1]
    lower    = max(0, (ratio + q_lo * sigma) * level)            [N, H]  conformal offsets baked in
    upper    = max(0, (ratio + q_hi * sigma) * level)            [N, H]

Every operation after the trees is float32 Gather/IsNaN/Where/Add/Mul/Max, and
``Forecaster.predict`` does the same in float32 numpy, so the two differ only in the order in which
the tree leaves are summed. The trees come from the repository's one converter,
``onnx_export/xgboost_onnx.py`` (``tree_ensemble_regressor``), with the cover in ``nodes_hitrates``.
"""

from __future__ import annotations

import numpy as np
import onnx

from ..forecast_common import _r, reference_histogram
from ..onnx_export.forecast_graph import OPSET, OPSET_JSON, Base, build_forecast_onnx  # noqa: F401 - for cli
from .features import FeatureSpec
from .model import Forecaster


def build_onnx(fc: Forecaster, doc: str, props: dict[str, str]) -> onnx.ModelProto:
    """The shared forecaster graph (onnx_export/forecast_graph.py) with energy's seasonal base:
    the same time last week, else yesterday (swapped for delta_daily; none for ratio)."""
    spec = fc.spec
    week, day = spec.base_indices()
    first, second = (week, day) if fc.target == "delta_weekly" else (day, week)
    return build_forecast_onnx(
        fc.boosters,
        n_features=len(spec.names),
        horizons=spec.horizons,
        graph_name="energy_forecaster",
        level_index=spec.level_index,
        std_index=spec.index(spec.std_name),
        scaled=fc.scale != "level",
        scale_floor=fc.scale_floor,
        q_lo=fc.q_lo,
        q_hi=fc.q_hi,
        base=None if fc.target == "ratio" else Base(list(first), list(second)),
        doc=doc,
        props=props,
    )


def graph_description(fc: Forecaster) -> list[str]:
    spec = fc.spec
    D, Wk = spec.day, spec.week
    week, day = f"r_lag_{{{Wk}-h}}", f"r_lag_{{{D}-h}}"
    first, second = (week, day) if fc.target == "delta_weekly" else (day, week)
    base = (
        "base[h] = 0"
        if fc.target == "ratio"
        else f"base[h] = {first} if not NaN, else {second} if not NaN, else 1"
    )
    sigma = "sigma = 1" if fc.scale == "level" else f"sigma = max({spec.std_name}, scale_floor)"
    return [
        "trees = TreeEnsembleRegressor(features)  [N, H], column h-1 = booster of horizon h",
        base + f"  (h = 1..{spec.horizons}; {week} = same time last week, {day} = same time yesterday)",
        "ratio = trees + base  (predicted y[t+h] / level)",
        "forecast = max(0, ratio * level)",
        sigma,
        "lower = max(0, (ratio + q_lo[h] * sigma) * level);"
        " upper = max(0, (ratio + q_hi[h] * sigma) * level)",
    ]


def non_nullable(spec: FeatureSpec) -> set[str]:
    """Inputs that always exist when a forecast is possible (the graph needs level and r_std_D)."""
    return {"level", spec.std_name, "n_missing", "hour", "dow"}


def valid_range(spec: FeatureSpec, col: dict) -> list[float]:
    op = col["op"]
    if op == "level":
        return [0.0, 1.0e6]
    if op == "missing_count":
        return [0, col["window"] - spec.min_level_obs]
    if op.startswith("temp"):
        return [-60.0, 60.0]
    if op == "local_hour":
        return [0, 24 - spec.step_seconds / 3600]
    if op == "local_dow":
        return [0, 6]
    return [0.0, 100.0]  # ratios to the level: 0..100x is possible, more is a unit error


def feature_schema(spec: FeatureSpec, described: list[dict], X_train: np.ndarray) -> list[dict]:
    out = []
    keep = non_nullable(spec)
    for j, (d, col) in enumerate(zip(described, spec.columns())):
        x = X_train[:, j]
        valid = x[np.isfinite(x)]
        out.append(
            {
                "index": j,
                **d,
                "nullable": d["name"] not in keep,
                "valid_range": valid_range(spec, col),
                "training_range": [_r(valid.min()), _r(valid.max())] if len(valid) else None,
                "training_nan_share": _r(1 - len(valid) / len(x), 4) if len(x) else None,
                "reference_histogram": reference_histogram(x),
            }
        )
    return out


def enc(a) -> list:
    a = np.asarray(a)
    if a.ndim == 1:
        return [None if not np.isfinite(v) else float(v) for v in a]
    return [enc(r) for r in a]


def vector_rows(fc: Forecaster, X: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Rows that exercise the graph: random test rows, the highest levels, and rows with missing
    inputs (a missing same-time-last-week lag, which switches the base to yesterday; both missing,
    base 1; every nullable input missing; random subsets)."""
    spec = fc.spec
    k_rand = max(1, n // 2)
    picks = list(rng.choice(len(X), size=min(k_rand, len(X)), replace=False))
    picks += list(np.argsort(-X[:, spec.level_index], kind="stable")[: max(1, n // 10)])
    rows = [X[i].copy() for i in picks]
    week, day = spec.base_indices()
    nullable = [j for j, name in enumerate(spec.names) if name not in non_nullable(spec)]
    for k in range(max(4, n - len(rows))):
        r = X[picks[k % len(picks)]].copy()
        if k == 0:
            r[week] = np.nan
        elif k == 1:
            r[week] = np.nan
            r[day] = np.nan
        elif k == 2:
            r[nullable] = np.nan
        elif k == 3 and spec.temperature:
            r[[spec.index(c["name"]) for c in spec.columns() if c["op"].startswith("temp")]] = np.nan
        else:
            r[rng.choice(nullable, size=int(rng.integers(1, 8)), replace=False)] = np.nan
        rows.append(r)
    return np.stack(rows).astype(np.float32)


def test_vectors(fc: Forecaster, rows: np.ndarray, windows: list[dict], unit: str) -> dict:
    pred = fc.predict(rows)
    import xgboost

    return {
        "input": "features",
        "feature_names": fc.spec.names,
        "tolerance": {
            "ratio": {"abs": 1e-5},
            "forecast": {"abs": 1e-5, "scale": "level"},
            "lower": {"abs": 1e-5, "scale": "level"},
            "upper": {"abs": 1e-5, "scale": "level"},
        },
        "tolerance_note": (
            "xgboost and onnxruntime sum the float32 tree leaves in different orders, so the unit-free ratio"
            f" agrees to 1e-5 absolute; forecast/lower/upper are that ratio times the row's level ({unit}),"
            " so their error is allowed 1e-5 × max(1, level)"
        ),
        "native": f"xgboost {xgboost.__version__} Booster.predict, then float32 numpy for base/level/offsets"
        " (Forecaster.predict)",
        "inputs": enc(rows),
        "expected": {k: enc(v) for k, v in pred.items()},
        "windows": windows,
        "windows_note": (
            "readings: the last history_steps loads up to and including the anchor, oldest first (null ="
            " missing); temperatures: the temperatures of the same steps (°C, null = missing), when the model"
            " has temperature inputs; features: the input row they must produce under metadata.json"
            " feature_spec.columns (window_features in energy/features.py), or null when no forecast may be"
            " made; input_row: the row of `inputs` holding these features, whose outputs are in `expected`"
        ),
    }
