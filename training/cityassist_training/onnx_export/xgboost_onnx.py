"""XGBoost binary classifier -> ONNX ``ai.onnx.ml`` TreeEnsembleClassifier, written from the booster's
own JSON model (onnxmltools is not available here, and we want control over three details):

* **Thresholds are float32, exactly.** XGBoost stores split conditions as float32 and compares the
  float32 feature value ``x < threshold``; ONNX Runtime compares a float32 input with the float32
  ``nodes_values``. Writing the same float32 bits gives the same branch, including at ties.
* **Missing values** follow XGBoost's learned default direction: ``nodes_missing_value_tracks_true``
  is 1 exactly where ``default_left`` is (the "true" branch of ``BRANCH_LT`` is the left child).
* **Cover in ``nodes_hitrates``.** Each node's training cover (sum of hessians) is stored, so exact
  TreeSHAP (which weights unvisited branches by cover) can be computed from the ONNX file alone.
  ``treeshap_from_onnx`` below does that and is tested against ``pred_contribs``.

The binary layout matches what onnxmltools emits for XGBoost: one weight per leaf for class id 0,
``classlabels_int64s=[0, 1]``, ``post_transform='LOGISTIC'``, ``base_values=[margin of base_score]``.
ONNX Runtime then returns ``probabilities = [1 - p, p]`` with ``p = sigmoid(base + sum(leaves))``
and ``label = 1`` iff the margin is > 0.

XGBoost 1.7 keeps ``base_score`` in probability space for ``binary:logistic`` (the learner stores
0.5 by default, and whatever ``base_score`` was set to otherwise); the margin-space base value is
``logit(base_score)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

ML_DOMAIN = "ai.onnx.ml"
OPSET = {"": 13, ML_DOMAIN: 3}


@dataclass
class Tree:
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray  # float32; leaf value at leaves
    default_left: np.ndarray
    cover: np.ndarray

    @property
    def is_leaf(self) -> np.ndarray:
        return self.left == -1


def booster_trees(booster) -> tuple[list[Tree], float, str, int]:
    """Trees, base_score (probability), objective and feature count from ``save_raw('json')``."""
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    objective = learner["objective"]["name"]
    base_score = float(learner["learner_model_param"]["base_score"])
    n_features = int(learner["learner_model_param"]["num_feature"])
    num_class = int(learner["learner_model_param"]["num_class"])
    if num_class > 1:
        raise ValueError("only binary classifiers are supported")
    gbtree = learner["gradient_booster"]
    if gbtree["name"] != "gbtree":
        raise ValueError(f"unsupported booster {gbtree['name']} (dart would need tree weights)")
    trees = []
    for t in gbtree["model"]["trees"]:
        trees.append(
            Tree(
                left=np.array(t["left_children"], dtype=np.int64),
                right=np.array(t["right_children"], dtype=np.int64),
                feature=np.array(t["split_indices"], dtype=np.int64),
                threshold=np.array(t["split_conditions"], dtype=np.float32),
                default_left=np.array(t["default_left"], dtype=np.int64),
                cover=np.array(t["sum_hessian"], dtype=np.float64),
            )
        )
    return trees, base_score, objective, n_features


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def convert(
    booster, *, input_name: str = "input", doc: str = "", metadata: dict | None = None
) -> onnx.ModelProto:
    trees, base_score, objective, n_features = booster_trees(booster)
    if objective != "binary:logistic":
        raise ValueError(f"expected binary:logistic, got {objective}")

    a: dict[str, list] = {k: [] for k in (
        "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
        "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true", "nodes_hitrates",
        "class_treeids", "class_nodeids", "class_ids", "class_weights",
    )}  # fmt: skip
    for tid, tr in enumerate(trees):
        for nid in range(len(tr.left)):
            a["nodes_treeids"].append(tid)
            a["nodes_nodeids"].append(nid)
            a["nodes_hitrates"].append(float(tr.cover[nid]))
            if tr.is_leaf[nid]:
                a["nodes_featureids"].append(0)
                a["nodes_values"].append(0.0)
                a["nodes_modes"].append("LEAF")
                a["nodes_truenodeids"].append(0)
                a["nodes_falsenodeids"].append(0)
                a["nodes_missing_value_tracks_true"].append(0)
                a["class_treeids"].append(tid)
                a["class_nodeids"].append(nid)
                a["class_ids"].append(0)
                a["class_weights"].append(float(tr.threshold[nid]))
            else:
                a["nodes_featureids"].append(int(tr.feature[nid]))
                a["nodes_values"].append(float(tr.threshold[nid]))  # a float32 value, stored as float32
                a["nodes_modes"].append("BRANCH_LT")
                a["nodes_truenodeids"].append(int(tr.left[nid]))
                a["nodes_falsenodeids"].append(int(tr.right[nid]))
                a["nodes_missing_value_tracks_true"].append(int(tr.default_left[nid]))

    node = helper.make_node(
        "TreeEnsembleClassifier",
        inputs=[input_name],
        outputs=["label", "probabilities"],
        domain=ML_DOMAIN,
        name="xgboost_trees",
        classlabels_int64s=[0, 1],
        post_transform="LOGISTIC",
        base_values=[logit(base_score)],
        **a,
    )
    graph = helper.make_graph(
        [node],
        "xgboost_binary",
        inputs=[helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", n_features])],
        outputs=[
            helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2]),
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(d, v) for d, v in OPSET.items()],
        producer_name="cityassist-training",
        producer_version="1",
        doc_string=doc,
    )
    model.ir_version = 8  # onnx 1.12's default, loadable by onnxruntime >= 1.10
    for k, v in (metadata or {}).items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=str(v)))
    onnx.checker.check_model(model)
    return model


# --- Reading the ONNX file back: a reference evaluator and TreeSHAP from the stored cover. ---------


@dataclass
class OnnxTrees:
    trees: list[dict]
    base: float
    n_features: int


def onnx_trees(model: onnx.ModelProto) -> OnnxTrees:
    node = next(n for n in model.graph.node if n.op_type == "TreeEnsembleClassifier")
    at = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    tids = np.array(at["nodes_treeids"])
    by_tree: dict[int, dict] = {}
    for i, tid in enumerate(tids):
        t = by_tree.setdefault(int(tid), {"nodes": {}})
        t["nodes"][int(at["nodes_nodeids"][i])] = {
            "mode": at["nodes_modes"][i].decode()
            if isinstance(at["nodes_modes"][i], bytes)
            else at["nodes_modes"][i],
            "feature": int(at["nodes_featureids"][i]),
            "value": np.float32(at["nodes_values"][i]),
            "true": int(at["nodes_truenodeids"][i]),
            "false": int(at["nodes_falsenodeids"][i]),
            "missing_true": bool(at["nodes_missing_value_tracks_true"][i]),
            "cover": float(at["nodes_hitrates"][i]),
            "weight": 0.0,
        }
    for i, tid in enumerate(at["class_treeids"]):
        by_tree[int(tid)]["nodes"][int(at["class_nodeids"][i])]["weight"] += float(at["class_weights"][i])
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return OnnxTrees(
        [by_tree[k] for k in sorted(by_tree)], float(at["base_values"][0]), int(dims[1].dim_value)
    )


def _goes_true(n: dict, x: float) -> bool:
    return n["missing_true"] if math.isnan(x) else bool(np.float32(x) < n["value"])


def margin_from_onnx(ot: OnnxTrees, x: np.ndarray) -> np.ndarray:
    out = np.full(len(x), ot.base)
    for r, row in enumerate(x.astype(np.float32)):
        for t in ot.trees:
            n, i = t["nodes"], 0
            while n[i]["mode"] != "LEAF":
                i = n[i]["true"] if _goes_true(n[i], row[n[i]["feature"]]) else n[i]["false"]
            out[r] += n[i]["weight"]
    return out


def treeshap_from_onnx(ot: OnnxTrees, x: np.ndarray) -> np.ndarray:
    """Exact (path-dependent) TreeSHAP, Lundberg et al. 2018 Algorithm 2, using only what the ONNX
    file stores: structure, thresholds, missing routing, leaf weights and cover (``nodes_hitrates``).
    Returns [N, F + 1] with the bias (base value + cover-weighted mean of each tree) last, the
    layout of XGBoost's ``pred_contribs``. Pure Python: meant for tests and explanations of a few
    rows, not for bulk scoring."""
    out = np.zeros((len(x), ot.n_features + 1))
    for r, row in enumerate(x.astype(np.float32)):
        phi = out[r]
        for t in ot.trees:
            _tree_shap(t["nodes"], row, phi)
            phi[-1] += _expected_value(t["nodes"], 0)
        phi[-1] += ot.base
    return out


def _expected_value(n: dict, i: int) -> float:
    if n[i]["mode"] == "LEAF":
        return n[i]["weight"]
    c = n[i]["cover"]
    t, f = n[i]["true"], n[i]["false"]
    return (n[t]["cover"] * _expected_value(n, t) + n[f]["cover"] * _expected_value(n, f)) / c


def _tree_shap(n: dict, x: np.ndarray, phi: np.ndarray) -> None:
    # path: list of [feature, zero_fraction, one_fraction, pweight]
    def extend(path, pz, po, fi):
        path = [list(p) for p in path] + [[fi, pz, po, 1.0 if not path else 0.0]]
        ln = len(path) - 1
        for i in range(ln - 1, -1, -1):
            path[i + 1][3] += po * path[i][3] * (i + 1) / (ln + 1)
            path[i][3] = pz * path[i][3] * (ln - i) / (ln + 1)
        return path

    def unwound_sum(path, i):
        ln = len(path) - 1
        po, pz = path[i][2], path[i][1]
        total, nxt = 0.0, path[ln][3]
        for j in range(ln - 1, -1, -1):
            if po != 0:
                tmp = nxt * (ln + 1) / ((j + 1) * po)
                total += tmp
                nxt = path[j][3] - tmp * pz * (ln - j) / (ln + 1)
            else:
                total += (path[j][3] / pz) / ((ln - j) / (ln + 1))
        return total

    def unwind(path, i):
        ln = len(path) - 1
        po, pz = path[i][2], path[i][1]
        path = [list(p) for p in path]
        nxt = path[ln][3]
        for j in range(ln - 1, -1, -1):
            if po != 0:
                tmp = path[j][3]
                path[j][3] = nxt * (ln + 1) / ((j + 1) * po)
                nxt = tmp - path[j][3] * pz * (ln - j) / (ln + 1)
            else:
                path[j][3] = path[j][3] * (ln + 1) / (pz * (ln - j))
        for j in range(i, ln):
            path[j][0], path[j][1], path[j][2] = path[j + 1][0], path[j + 1][1], path[j + 1][2]
        return path[:-1]

    def recurse(j, path, pz, po, pi):
        path = extend(path, pz, po, pi)
        node = n[j]
        if node["mode"] == "LEAF":
            for i in range(1, len(path)):
                w = unwound_sum(path, i)
                phi[path[i][0]] += w * (path[i][2] - path[i][1]) * node["weight"]
            return
        fi = node["feature"]
        hot, cold = (
            (node["true"], node["false"]) if _goes_true(node, x[fi]) else (node["false"], node["true"])
        )
        iz, io = 1.0, 1.0
        k = next((k for k in range(1, len(path)) if path[k][0] == fi), None)
        if k is not None:
            iz, io = path[k][1], path[k][2]
            path = unwind(path, k)
        c = node["cover"]
        recurse(hot, path, iz * n[hot]["cover"] / c, io, fi)
        recurse(cold, path, iz * n[cold]["cover"] / c, 0.0, fi)

    recurse(0, [], 1.0, 1.0, -1)
