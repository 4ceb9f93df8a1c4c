"""The ONNX graph every multi-horizon forecaster ends with (AQI and energy): the trees predict a
change of the ratio to the recent level from a seasonal base, and the graph turns that into the
forecast and its conformal interval in the data's unit.

    trees    = TreeEnsembleRegressor(features)                  [N, H]  booster h-1 -> column h-1
    base     = first, else second, else 1   (IsNaN / Where)     [N, 1 or H]  (none: ratio = trees)
    ratio    = trees + base                                     [N, H]  predicted y[t+h] / level
    level    = features[:, level]                               [N, 1]
    forecast = max(0, ratio * level)                            [N, H]
    sigma    = max(features[:, std], scale_floor)   (or 1)      [N, 1]
    lower    = max(0, (ratio + q_lo * sigma) * level)           [N, H]  conformal offsets baked in
    upper    = max(0, (ratio + q_hi * sigma) * level)           [N, H]

Every operation after the trees is float32 Gather/IsNaN/Where/Add/Mul/Max, so numpy in float32
reproduces it except for the order in which tree leaves are summed. The ``ratio`` output lets the
parity tests compare a unit-free quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .xgboost_onnx import tree_ensemble_regressor

OPSET = {"": 15, "ai.onnx.ml": 3}
OPSET_JSON = {"ai.onnx": OPSET[""], "ai.onnx.ml": OPSET["ai.onnx.ml"]}


@dataclass(frozen=True)
class Base:
    """Where the forecast starts: column(s) `first`, else `second`, else 1, per horizon or shared.
    `names` name the graph's tensors (idx_<a>, <a>, <a>_nan)."""

    first: list[int]
    second: list[int]
    names: tuple[str, str] = ("first", "second")


def build_forecast_onnx(
    boosters: list,
    *,
    n_features: int,
    horizons: int,
    graph_name: str,
    level_index: int,
    std_index: int,
    scaled: bool,
    scale_floor: float,
    q_lo: np.ndarray,
    q_hi: np.ndarray,
    base: Base | None,
    doc: str,
    props: dict[str, str],
) -> onnx.ModelProto:
    """The forecaster's graph; `scaled` False scales the interval by 1 (residuals in units of the
    level) instead of the recent spread at `std_index`; `base` None forecasts the ratio from the
    trees alone."""
    F, H = n_features, horizons

    def c(name, arr):
        return numpy_helper.from_array(np.asarray(arr), name)

    a, b = base.names if base else ("first", "second")
    inits = [c("idx_level", np.array([level_index], dtype=np.int64))]
    if base:
        inits += [
            c(f"idx_{a}", np.array(base.first, dtype=np.int64)),
            c(f"idx_{b}", np.array(base.second, dtype=np.int64)),
        ]
    inits += [
        c("idx_std", np.array([std_index], dtype=np.int64)),
        c("scale_floor", np.array([[scale_floor]], dtype=np.float32)),
        c("one", np.array([[1.0]], dtype=np.float32)),
        c("zero", np.array([[0.0]], dtype=np.float32)),
        c("q_lo", np.asarray(q_lo).reshape(1, H).astype(np.float32)),
        c("q_hi", np.asarray(q_hi).reshape(1, H).astype(np.float32)),
    ]
    n = helper.make_node
    # Cover in nodes_hitrates: the serving side explains forecasts with exact TreeSHAP from this file.
    nodes = [tree_ensemble_regressor(boosters, "features", "trees", with_cover=True)]
    if base:
        nodes += [
            n("Gather", ["features", f"idx_{a}"], [a], axis=1),
            n("Gather", ["features", f"idx_{b}"], [b], axis=1),
            n("IsNaN", [a], [f"{a}_nan"]),
            n("IsNaN", [b], [f"{b}_nan"]),
            n("Where", [f"{b}_nan", "one", b], ["fallback"]),
            n("Where", [f"{a}_nan", "fallback", a], ["base"]),
            n("Add", ["trees", "base"], ["ratio"]),
        ]
    else:
        nodes.append(n("Identity", ["trees"], ["ratio"]))
    nodes += [
        n("Gather", ["features", "idx_level"], ["level"], axis=1),
        n("Mul", ["ratio", "level"], ["f_raw"]),
        n("Max", ["f_raw", "zero"], ["forecast"]),
    ]
    if not scaled:
        nodes.append(n("Identity", ["one"], ["sigma"]))
    else:
        nodes += [
            n("Gather", ["features", "idx_std"], ["std"], axis=1),
            n("Max", ["std", "scale_floor"], ["sigma"]),
        ]
    nodes += [
        n("Mul", ["q_lo", "sigma"], ["lo_off"]),
        n("Mul", ["q_hi", "sigma"], ["hi_off"]),
        n("Add", ["ratio", "lo_off"], ["lo_ratio"]),
        n("Mul", ["lo_ratio", "level"], ["lo_raw"]),
        n("Max", ["lo_raw", "zero"], ["lower"]),
        n("Add", ["ratio", "hi_off"], ["hi_ratio"]),
        n("Mul", ["hi_ratio", "level"], ["hi_raw"]),
        n("Max", ["hi_raw", "zero"], ["upper"]),
    ]

    def out(name):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", H])

    graph = helper.make_graph(
        nodes,
        graph_name,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", F])],
        [out("forecast"), out("lower"), out("upper"), out("ratio")],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(d, v) for d, v in OPSET.items()],
        producer_name="cityassist-training",
        doc_string=doc,
    )
    model.ir_version = 8  # onnxruntime-node 1.30 reads IR 8
    for k, v in props.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.checker.check_model(model)
    return model
