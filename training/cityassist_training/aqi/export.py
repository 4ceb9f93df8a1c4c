"""Model directory: model.onnx, metadata.json, test_vectors.json (MODEL_CARD.md is card.py).

The ONNX graph (input ``features`` float32 [N, F], F and the order as in metadata.json):

    trees    = TreeEnsembleRegressor(features)            [N, H]  booster h-1 -> column h-1
    base     = r_lag_0, else r_mean_3, else 1              [N, 1]  (IsNaN / Where)
    ratio    = trees + base                                [N, H]  predicted y[t+h] / level
    level    = features[:, level]                          [N, 1]
    forecast = max(0, ratio · level)                       [N, H]  in the data's unit
    sigma    = max(features[:, r_std_s], scale_floor)      [N, 1]
    lower    = max(0, (ratio + q_lo · sigma) · level)      [N, H]  conformal offsets baked in
    upper    = max(0, (ratio + q_hi · sigma) · level)      [N, H]

All arithmetic after the trees is float32 Add/Mul/Max, and ``Forecaster.predict`` does the same
operations in float32 with numpy, so the only numerical difference between the two is the order
in which the tree leaves are summed (about 1e-7 relative). The ``ratio`` output exists so the
parity test can also compare a unit-free quantity to an absolute 1e-5.
"""

from __future__ import annotations

import numpy as np
import onnx

from ..forecast_common import _r, clean, reference_histogram, write_json  # noqa: F401
from ..onnx_export.forecast_graph import OPSET, Base, build_forecast_onnx  # noqa: F401 - OPSET for cli
from .features import FeatureSpec, window_features
from .model import Forecaster


def build_onnx(fc: Forecaster, doc: str, props: dict[str, str]) -> onnx.ModelProto:
    """The shared forecaster graph (onnx_export/forecast_graph.py) with AQI's base: persistence
    of the recent ratio, r_lag_0, else r_mean_3, else 1 (target "delta")."""
    spec = fc.spec
    names = spec.names
    base = (
        Base([names.index("r_lag_0")], [names.index("r_mean_3")], ("lag0", "mean3"))
        if fc.target == "delta"
        else None
    )
    return build_forecast_onnx(
        fc.boosters,
        n_features=len(names),
        horizons=spec.horizons,
        graph_name="aqi_forecaster",
        level_index=spec.level_index,
        std_index=names.index(f"r_std_{spec.season}"),
        scaled=True,
        scale_floor=fc.scale_floor,
        q_lo=fc.q_lo,
        q_hi=fc.q_hi,
        base=base,
        doc=doc,
        props=props,
    )


def NON_NULLABLE(spec: FeatureSpec) -> tuple[str, ...]:  # noqa: N802 - a constant per spec
    """Inputs that always exist when a forecast is possible (the graph needs level and r_std_s)."""
    return ("level", f"r_std_{spec.season}", "n_missing", "hour", "dow")


VALID_RANGES = {
    "level": [0.0, 2000.0],
    "n_missing": None,  # [0, season]
    "hour": [0, 23],
    "dow": [0, 6],
}


def feature_schema(spec: FeatureSpec, described: list[dict], X_train: np.ndarray) -> list[dict]:
    out = []
    for j, d in enumerate(described):
        col = X_train[:, j]
        valid = col[np.isfinite(col)]
        name = d["name"]
        if name == "n_missing":
            rng = [0, spec.season - spec.min_level_obs]
        elif name in VALID_RANGES:
            rng = VALID_RANGES[name]
        else:
            rng = [0.0, 100.0]  # ratios to the level: 0 .. 100× is physically possible, more is a unit error
        out.append(
            {
                "index": j,
                **d,
                "nullable": name not in NON_NULLABLE(spec),
                "valid_range": rng,
                "training_range": [_r(valid.min()), _r(valid.max())] if len(valid) else None,
                "training_nan_share": _r(1 - len(valid) / len(col), 4) if len(col) else None,
                "reference_histogram": reference_histogram(col),
            }
        )
    return out


def test_vectors(
    fc: Forecaster,
    X: np.ndarray,
    values: np.ndarray,
    times,
    stations,
    cells: np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> dict:
    """Inputs and native (xgboost + float32 numpy) outputs, chosen to exercise the graph: ordinary
    rows, the highest levels, and rows with missing inputs (including a missing r_lag_0, and both
    r_lag_0 and r_mean_3, which switch the base of the forecast). A few rows also carry the raw
    reading window they came from, so the TypeScript feature builder can be checked too."""
    spec = fc.spec
    tt, ss = np.nonzero(cells)
    if len(tt) == 0:
        raise ValueError("no test cells to draw test vectors from")
    k_rand = max(1, n // 2)
    picks = list(rng.choice(len(tt), size=min(k_rand, len(tt)), replace=False))
    levels = X[tt, ss, spec.level_index]
    picks += list(np.argsort(-levels)[: max(1, n // 10)])
    rows = [X[tt[i], ss[i]].copy() for i in picks]
    origin = [(int(tt[i]), int(ss[i])) for i in picks]
    lag0, m3 = spec.names.index("r_lag_0"), spec.names.index("r_mean_3")
    nullable = [j for j, name in enumerate(spec.names) if name not in NON_NULLABLE(spec)]
    for k in range(max(2, n - len(rows))):
        base = X[tt[picks[k % len(picks)]], ss[picks[k % len(picks)]]].copy()
        if k == 0:
            base[lag0] = np.nan
        elif k == 1:
            base[lag0] = base[m3] = np.nan
        elif k == 2:
            base[nullable] = np.nan
        else:
            base[rng.choice(nullable, size=int(rng.integers(1, 5)), replace=False)] = np.nan
        rows.append(base)
        origin.append(None)
    Xv = np.stack(rows).astype(np.float32)
    pred = fc.predict(Xv)

    def enc(a):
        return [[None if not np.isfinite(v) else float(v) for v in r] for r in a]

    windows = []
    for t, s in [o for o in origin if o is not None][:8]:
        w = values[max(0, t - spec.history + 1) : t + 1, s]
        feats = window_features(w, times[t], spec)
        np.testing.assert_allclose(
            feats, X[t, s], rtol=1e-5, atol=1e-6, err_msg="window_features != panel_features"
        )
        windows.append(
            {
                "station": stations[s],
                "anchor": times[t].isoformat(),
                "readings": [None if not np.isfinite(v) else float(v) for v in w],
                "features": [None if not np.isfinite(v) else float(v) for v in feats],
            }
        )
    return {
        "input": "features",
        "feature_names": spec.names,
        "tolerance": {
            "ratio": {"abs": 1e-5},
            "forecast": {"abs": 1e-5, "scale": "level"},
            "lower": {"abs": 1e-5, "scale": "level"},
            "upper": {"abs": 1e-5, "scale": "level"},
        },
        "tolerance_note": (
            "xgboost and onnxruntime sum the float32 tree leaves in different orders, so the unit-free ratio"
            " agrees to 1e-5 absolute; forecast/lower/upper are that ratio times the row's level (µg/m³), so"
            " their error is allowed 1e-5 × max(1, level)"
        ),
        "native": "xgboost "
        + __import__("xgboost").__version__
        + " Booster.predict, then float32 numpy for base/level/offsets (Forecaster.predict)",
        "inputs": enc(Xv),
        "expected": {k: enc(v) for k, v in pred.items()},
        "windows": windows,
        "windows_note": (
            "readings: the last `history` readings up to and including the anchor (null = missing); features:"
            " what they must produce (window_features in features.py)"
        ),
    }
