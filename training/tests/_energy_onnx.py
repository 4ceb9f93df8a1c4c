"""A numpy evaluator of the energy forecaster's ONNX graph, for tests (no onnxruntime in Python
here): the TreeEnsembleRegressor through the converter's reference evaluator, every other node
(Gather, IsNaN, Where, Add, Mul, Max, Identity) in float32 numpy."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from cityassist_training.onnx_export.xgboost_onnx import margin_from_onnx, onnx_trees


def run_graph(model: onnx.ModelProto, X: np.ndarray) -> dict[str, np.ndarray]:
    X = np.asarray(X, dtype=np.float32)
    env = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    env[model.graph.input[0].name] = X
    for node in model.graph.node:
        a = [env[i] for i in node.input]
        op = node.op_type
        if op == "TreeEnsembleRegressor":
            n_targets = next(x.i for x in node.attribute if x.name == "n_targets")
            cols = [margin_from_onnx(onnx_trees(model, t), X) for t in range(n_targets)]
            r = np.stack(cols, axis=1).astype(np.float32)
        elif op == "Gather":
            r = np.take(a[0], a[1], axis=next(x.i for x in node.attribute if x.name == "axis"))
        elif op == "IsNaN":
            r = np.isnan(a[0])
        elif op == "Where":
            r = np.where(a[0], a[1], a[2]).astype(np.float32)
        elif op == "Add":
            r = (a[0] + a[1]).astype(np.float32)
        elif op == "Mul":
            r = (a[0] * a[1]).astype(np.float32)
        elif op == "Max":
            r = np.maximum(a[0], a[1]).astype(np.float32)
        elif op == "Identity":
            r = a[0]
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = r
    return {o.name: env[o.name] for o in model.graph.output}
