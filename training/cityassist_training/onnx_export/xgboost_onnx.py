"""The one XGBoost -> ONNX tree-ensemble converter of the repository, a reference evaluator of the
ONNX attributes, and exact TreeSHAP computed from the ONNX file alone.

Used by every tree model (the flood classifier, the AQI and energy forecasters) and by the treeshap
fixtures and benchmark (``packages/treeshap/fixtures/make_fixtures.py``, ``bench/xgb_contribs.py``).
onnxmltools is not available here, and we want control over these details, written from the two
public formats (xgboost's JSON model, ``Booster.save_raw("json")``, and the ``ai.onnx.ml`` tree
operators):

* **Thresholds are float32, exactly.** XGBoost stores split conditions as float32 and compares the
  float32 feature value ``x < threshold``; ONNX Runtime compares a float32 input with the float32
  ``nodes_values``. Writing the same float32 bits gives the same branch, including at ties.
* **Missing values** follow XGBoost's learned default direction: ``nodes_missing_value_tracks_true``
  is 1 exactly where ``default_left`` is (the "true" branch of ``BRANCH_LT`` is the left child).
* **Cover in ``nodes_hitrates``.** Each node's training cover (sum of hessians) is stored, so exact
  TreeSHAP (which weights unvisited branches by cover) can be computed from the ONNX file alone
  (``treeshap_from_onnx`` below, tested against ``pred_contribs``; packages/treeshap does the same
  in TypeScript).
* **Leaf values** are ``split_conditions`` at the leaves (already multiplied by the learning rate).

Layouts:

* ``convert(booster)``: a binary ``binary:logistic`` model as one ``TreeEnsembleClassifier``, the
  layout onnxmltools emits (one weight per leaf for class id 0, ``classlabels_int64s=[0, 1]``,
  ``post_transform='LOGISTIC'``, ``base_values=[logit(base_score)]``): ONNX Runtime returns
  ``probabilities = [1 - p, p]`` with ``p = sigmoid(base + sum(leaves))`` and ``label = 1`` iff the
  margin is > 0. XGBoost 1.7 keeps ``base_score`` in probability space for ``binary:logistic``.
* ``tree_ensemble_regressor(boosters, ...)``: any number of identity-link regression boosters as one
  multi-target ``TreeEnsembleRegressor`` node, booster j -> target j (``n_targets`` = number of
  boosters, ``base_values`` = their base scores). The forecasters put one booster per horizon in it.
* ``to_onnx_v3(model)`` / ``to_onnx_v5(model)``: a whole booster (binary, multi-class or regression)
  as an opset-3 classifier/regressor or an opset-5 ``TreeEnsemble``, for the treeshap fixtures.
  ``modes="mixed"`` rewrites every split into a randomly chosen *equivalent* comparison (for float32
  inputs): ``x < t`` == ``x <= prev(t)`` == not ``x >= t`` == not ``x > prev(t)``, swapping the
  children (and the missing direction) for the negated forms, so the same function is computed with
  BRANCH_LEQ/GT/GTE routing. Opset 5 stores ``nodes_hitrates`` for interior nodes only; the leaf
  covers go into ``metadata_props["treeshap.leaf_hitrates"]`` (a JSON array in ``leaf_*`` order),
  this project's convention (docs/treeshap.md).

Every layout is built by one flattening routine (``_ensemble_attributes``), so a model converted
twice, or by two callers, gets the same bytes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

ML_DOMAIN = "ai.onnx.ml"
ML = ML_DOMAIN  # the fixtures' spelling
OPSET = {"": 13, ML_DOMAIN: 3}  # the flood classifier's opset imports

# Objectives whose prediction is base + sum of leaves, with no link function after the sum.
IDENTITY_OBJECTIVES = {"reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror", "reg:quantileerror"}
LOGISTIC_OBJECTIVES = {"binary:logistic", "reg:logistic"}


# --- Reading the booster ------------------------------------------------------------------------


@dataclass
class XgbTree:
    left: list[int]
    right: list[int]
    feature: list[int]
    value: list[float]  # float32 split condition, or the leaf value at leaves
    default_left: list[int]
    cover: list[float]  # sum of hessians, float32
    group: int  # output group (class or target) of this tree

    @property
    def is_leaf(self) -> np.ndarray:
        return np.asarray(self.left) == -1

    # The names the flood converter's tests used.
    @property
    def threshold(self) -> np.ndarray:
        return np.asarray(self.value, dtype=np.float32)


@dataclass
class XgbModel:
    trees: list[XgbTree]
    objective: str
    base_score: float  # as the learner stores it (probability space for binary:logistic)
    n_features: int
    n_groups: int

    @property
    def base_margin(self) -> float:
        if self.objective in LOGISTIC_OBJECTIVES:
            return logit(self.base_score)
        return self.base_score


def read_booster(booster) -> XgbModel:
    """The trees, objective, base score and shape of a trained ``xgboost.Booster`` (gbtree only)."""
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    gb = learner["gradient_booster"]
    if gb.get("name", "gbtree") != "gbtree":
        raise ValueError(
            f"unsupported booster {gb.get('name')!r} (only gbtree; dart would need tree weights)"
        )
    raw = gb["model"]["trees"]
    for t in raw:
        if any(st != 0 for st in t.get("split_type", [])):
            raise ValueError("categorical splits are not supported by this converter")
    # best_iteration/early stopping would make predict() use fewer trees than the JSON holds.
    best = booster.attr("best_iteration")
    if best is not None and int(best) + 1 != len(raw) // max(1, _groups(learner)):
        raise ValueError("booster was early-stopped; slice it to best_iteration before converting")
    info = gb["model"]["tree_info"]
    trees = [
        XgbTree(
            left=[int(c) for c in t["left_children"]],
            right=[int(c) for c in t["right_children"]],
            feature=[int(f) for f in t["split_indices"]],
            value=[float(np.float32(v)) for v in t["split_conditions"]],
            default_left=[int(d) for d in t["default_left"]],
            cover=[float(np.float32(c)) for c in t["sum_hessian"]],
            group=int(info[i]),
        )
        for i, t in enumerate(raw)
    ]
    p = learner["learner_model_param"]
    return XgbModel(
        trees=trees,
        objective=learner["objective"]["name"],
        base_score=float(p["base_score"]),
        n_features=int(p["num_feature"]),
        n_groups=_groups(learner),
    )


def _groups(learner: dict) -> int:
    p = learner["learner_model_param"]
    return max(1, int(p.get("num_class", 0)), int(p.get("num_target", 1)))


def booster_trees(booster) -> tuple[list[XgbTree], float, str, int]:
    """(trees, base_score as stored, objective, feature count): the flood pipeline's view."""
    m = read_booster(booster)
    return m.trees, m.base_score, m.objective, m.n_features


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


# --- Flattening into ai.onnx.ml opset-3 attributes ----------------------------------------------


def _prev32(x: float) -> float:
    return float(np.nextafter(np.float32(x), np.float32(-np.inf)))


def _split(tree: XgbTree, nid: int, mode: str) -> tuple[str, float, int, int, int]:
    """(mode, threshold, true child, false child, missing-tracks-true) equivalent to xgboost's split."""
    t, left, right, dl = (tree.value[nid], tree.left[nid], tree.right[nid], tree.default_left[nid])
    if mode == "BRANCH_LT":
        return mode, t, left, right, dl
    if mode == "BRANCH_LEQ":
        return mode, _prev32(t), left, right, dl
    if mode == "BRANCH_GTE":
        return mode, t, right, left, 1 - dl
    if mode == "BRANCH_GT":
        return mode, _prev32(t), right, left, 1 - dl
    raise ValueError(mode)


def _ensemble_attributes(
    models: list[XgbModel], prefix: str, *, modes: str = "lt", seed: int = 0, with_cover: bool = True
) -> dict[str, list]:
    """The node and leaf attributes of one ensemble holding every tree of ``models``, trees numbered
    consecutively. A tree of model m with output group g feeds output ``offset(m) + g``, offset(m) =
    the number of groups of the models before m (one booster per target: booster j -> target j).
    """
    rng = np.random.default_rng(seed)
    choices = ["BRANCH_LT", "BRANCH_LEQ", "BRANCH_GTE", "BRANCH_GT"]
    keys = [
        "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
        "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true", "nodes_hitrates",
        f"{prefix}_treeids", f"{prefix}_nodeids", f"{prefix}_ids", f"{prefix}_weights",
    ]  # fmt: skip
    a: dict[str, list] = {k: [] for k in keys}
    tid, offset = 0, 0
    for m in models:
        for tr in m.trees:
            for nid in range(len(tr.left)):
                a["nodes_treeids"].append(tid)
                a["nodes_nodeids"].append(nid)
                a["nodes_hitrates"].append(tr.cover[nid])
                if tr.left[nid] == -1:
                    a["nodes_featureids"].append(0)
                    a["nodes_values"].append(0.0)
                    a["nodes_modes"].append("LEAF")
                    a["nodes_truenodeids"].append(0)
                    a["nodes_falsenodeids"].append(0)
                    a["nodes_missing_value_tracks_true"].append(0)
                    a[f"{prefix}_treeids"].append(tid)
                    a[f"{prefix}_nodeids"].append(nid)
                    a[f"{prefix}_ids"].append(offset + tr.group)
                    a[f"{prefix}_weights"].append(tr.value[nid])
                else:
                    mode = "BRANCH_LT" if modes == "lt" else choices[int(rng.integers(4))]
                    mode, thr, yes, no, miss = _split(tr, nid, mode)
                    a["nodes_featureids"].append(tr.feature[nid])
                    a["nodes_values"].append(thr)
                    a["nodes_modes"].append(mode)
                    a["nodes_truenodeids"].append(yes)
                    a["nodes_falsenodeids"].append(no)
                    a["nodes_missing_value_tracks_true"].append(miss)
            tid += 1
        offset += m.n_groups
    if not with_cover:
        del a["nodes_hitrates"]
    return a


def _finish(model: onnx.ModelProto, metadata: dict | None = None) -> onnx.ModelProto:
    model.ir_version = 8  # onnx 1.12's default, loadable by onnxruntime >= 1.10
    for k, v in (metadata or {}).items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=str(v)))
    onnx.checker.check_model(model)
    return model


# --- Layouts --------------------------------------------------------------------------------------


def convert(
    booster, *, input_name: str = "input", doc: str = "", metadata: dict | None = None
) -> onnx.ModelProto:
    """A ``binary:logistic`` booster as a TreeEnsembleClassifier: input [N, F] float32, outputs
    ``label`` int64 [N] and ``probabilities`` float32 [N, 2] (the flood model's file).
    """
    m = read_booster(booster)
    if m.n_groups > 1:
        raise ValueError("only binary classifiers are supported")
    if m.objective != "binary:logistic":
        raise ValueError(f"expected binary:logistic, got {m.objective}")
    node = helper.make_node(
        "TreeEnsembleClassifier",
        inputs=[input_name],
        outputs=["label", "probabilities"],
        domain=ML_DOMAIN,
        name="xgboost_trees",
        classlabels_int64s=[0, 1],
        post_transform="LOGISTIC",
        base_values=[m.base_margin],
        **_ensemble_attributes([m], "class"),
    )
    graph = helper.make_graph(
        [node],
        "xgboost_binary",
        inputs=[helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", m.n_features])],
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
    return _finish(model, metadata)


def regression_model(booster) -> XgbModel:
    """``read_booster`` for a booster that must be an identity-link regression."""
    m = read_booster(booster)
    if m.objective not in IDENTITY_OBJECTIVES:
        raise ValueError(
            f"objective {m.objective!r} is not an identity-link regression; not convertible here"
        )
    return m


def tree_ensemble_regressor(
    boosters: list, input_name: str, output_name: str, *, with_cover: bool = False, name: str = "trees"
):
    """One TreeEnsembleRegressor node (``aggregate_function`` SUM, no post-transform) whose output
    column j is booster j's prediction: ``base_score_j + sum of its leaves``. Only identity-link
    regression objectives are accepted: anything else would need a link function after the sum and
    silently give wrong numbers if forgotten. ``with_cover`` stores each node's cover in
    ``nodes_hitrates`` (what TreeSHAP needs)."""
    models = [regression_model(b) for b in boosters]
    return helper.make_node(
        "TreeEnsembleRegressor",
        [input_name],
        [output_name],
        name=name,
        domain=ML_DOMAIN,
        n_targets=sum(m.n_groups for m in models),
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[m.base_margin for m in models for _ in range(m.n_groups)],
        **_ensemble_attributes(models, "target", with_cover=with_cover),
    )


def native_predict(boosters: list, X: np.ndarray) -> np.ndarray:
    """What a ``tree_ensemble_regressor`` node must reproduce: [N, n_boosters] float32 predictions
    from xgboost itself."""
    import xgboost as xgb

    d = xgb.DMatrix(np.asarray(X, dtype=np.float32), missing=np.nan)
    return np.stack([b.predict(d) for b in boosters], axis=1).astype(np.float32)


def to_onnx_v3(m: XgbModel, *, modes: str = "lt", seed: int = 0) -> onnx.ModelProto:
    """TreeEnsembleClassifier (binary/multi-class) or TreeEnsembleRegressor, ai.onnx.ml opset 3,
    input ``input``; margins through the model's own post-transform (the treeshap fixtures).
    """
    classifier = m.objective.startswith(("binary:", "multi:"))
    a = _ensemble_attributes([m], "class" if classifier else "target", modes=modes, seed=seed)
    if classifier:
        binary = m.n_groups == 1
        node = helper.make_node(
            "TreeEnsembleClassifier",
            ["input"],
            ["label", "probabilities"],
            domain=ML,
            classlabels_int64s=[0, 1] if binary else list(range(m.n_groups)),
            post_transform="LOGISTIC" if binary else "SOFTMAX",
            base_values=[m.base_margin] * m.n_groups,
            **a,
        )
        n_out = 2 if binary else m.n_groups
        outputs = [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_out]),
        ]
    else:
        node = helper.make_node(
            "TreeEnsembleRegressor",
            ["input"],
            ["variable"],
            domain=ML,
            n_targets=1,
            post_transform="NONE",
            base_values=[m.base_margin],
            **a,
        )
        outputs = [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])]
    graph = helper.make_graph(
        [node],
        "xgboost_trees",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", m.n_features])],
        outputs,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(ML, 3)])
    return _finish(model)


def to_onnx_v5(m: XgbModel) -> onnx.ModelProto:
    """The same ensemble as ai.onnx.ml opset 5 ``TreeEnsemble`` (margins out, post_transform NONE).

    Interior nodes and leaves are numbered separately; a tree that is a single leaf becomes one
    interior node whose two branches name the same leaf (the spec's idiom). Opset 5 has no
    base_values: the margin's constant becomes one single-leaf tree per target, which TreeSHAP (like
    any evaluator) simply adds to every row, i.e. to the bias. Not checked with onnx.checker: onnx
    1.12 does not know opset 5 of ai.onnx.ml."""
    nodes: dict[str, list] = {
        k: []
        for k in (
            "nodes_featureids", "nodes_splits", "nodes_modes", "nodes_truenodeids", "nodes_trueleafs",
            "nodes_falsenodeids", "nodes_falseleafs", "nodes_missing_value_tracks_true", "nodes_hitrates",
        )
    }  # fmt: skip
    leaf_targetids: list[int] = []
    leaf_weights: list[float] = []
    leaf_covers: list[float] = []
    roots: list[int] = []

    def add_leaf(tr: XgbTree, nid: int) -> int:
        leaf_targetids.append(tr.group)
        leaf_weights.append(tr.value[nid])
        leaf_covers.append(tr.cover[nid])
        return len(leaf_weights) - 1

    def add_interior(tr: XgbTree, nid: int) -> int:
        k = len(nodes["nodes_splits"])
        for key in nodes:
            nodes[key].append(0)
        nodes["nodes_featureids"][k] = tr.feature[nid]
        nodes["nodes_splits"][k] = tr.value[nid]
        nodes["nodes_modes"][k] = 1  # BRANCH_LT
        nodes["nodes_missing_value_tracks_true"][k] = tr.default_left[nid]
        nodes["nodes_hitrates"][k] = tr.cover[nid]
        for side, child in (("true", tr.left[nid]), ("false", tr.right[nid])):
            if tr.left[child] == -1:
                nodes[f"nodes_{side}leafs"][k] = 1
                nodes[f"nodes_{side}nodeids"][k] = add_leaf(tr, child)
            else:
                nodes[f"nodes_{side}nodeids"][k] = add_interior(tr, child)
        return k

    def add_constant_tree(value: float, cover: float, group: int) -> None:
        k = len(nodes["nodes_splits"])
        leaf_targetids.append(group)
        leaf_weights.append(value)
        leaf_covers.append(cover)
        leaf = len(leaf_weights) - 1
        for key, v in (
            ("nodes_featureids", 0), ("nodes_splits", 0.0), ("nodes_modes", 0),
            ("nodes_truenodeids", leaf), ("nodes_trueleafs", 1), ("nodes_falsenodeids", leaf),
            ("nodes_falseleafs", 1), ("nodes_missing_value_tracks_true", 0), ("nodes_hitrates", cover),
        ):  # fmt: skip
            nodes[key].append(v)
        roots.append(k)

    for tr in m.trees:
        if tr.left[0] == -1:
            add_constant_tree(tr.value[0], tr.cover[0], tr.group)
        else:
            roots.append(add_interior(tr, 0))
    for g in range(m.n_groups):
        add_constant_tree(m.base_margin, 1.0, g)

    def ftensor(name: str, vals: list[float]):
        return helper.make_tensor(name, TensorProto.FLOAT, [len(vals)], vals)

    node = helper.make_node(
        "TreeEnsemble",
        ["input"],
        ["margin"],
        domain=ML,
        n_targets=m.n_groups,
        aggregate_function=1,  # SUM
        post_transform=0,  # NONE
        tree_roots=roots,
        nodes_featureids=nodes["nodes_featureids"],
        nodes_splits=ftensor("nodes_splits", nodes["nodes_splits"]),
        nodes_modes=helper.make_tensor(
            "nodes_modes", TensorProto.UINT8, [len(nodes["nodes_modes"])], nodes["nodes_modes"]
        ),
        nodes_truenodeids=nodes["nodes_truenodeids"],
        nodes_trueleafs=nodes["nodes_trueleafs"],
        nodes_falsenodeids=nodes["nodes_falsenodeids"],
        nodes_falseleafs=nodes["nodes_falseleafs"],
        nodes_missing_value_tracks_true=nodes["nodes_missing_value_tracks_true"],
        nodes_hitrates=ftensor("nodes_hitrates", nodes["nodes_hitrates"]),
        leaf_targetids=leaf_targetids,
        leaf_weights=ftensor("leaf_weights", leaf_weights),
    )
    graph = helper.make_graph(
        [node],
        "xgboost_trees_v5",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", m.n_features])],
        [helper.make_tensor_value_info("margin", TensorProto.FLOAT, ["N", m.n_groups])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(ML, 5)])
    model.ir_version = 8
    model.metadata_props.append(
        onnx.StringStringEntryProto(key="treeshap.leaf_hitrates", value=json.dumps(leaf_covers))
    )
    return model


# --- Reading the ONNX file back: a reference evaluator and TreeSHAP from the stored cover. ---------


@dataclass
class OnnxTrees:
    trees: list[dict]
    base: float
    n_features: int


def onnx_trees(model: onnx.ModelProto, target: int = 0) -> OnnxTrees:
    """The trees of one output of an opset-3 TreeEnsembleClassifier/Regressor (a classifier's class
    0 weights, a regressor's target ``target``), as plain dicts, with that output's base value.
    """
    node = next(
        n for n in model.graph.node if n.op_type in ("TreeEnsembleClassifier", "TreeEnsembleRegressor")
    )
    at = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    pre = "class" if node.op_type == "TreeEnsembleClassifier" else "target"
    tids = np.array(at["nodes_treeids"])
    hit = at.get("nodes_hitrates", [1.0] * len(tids))
    by_tree: dict[int, dict] = {}
    for i, tid in enumerate(tids):
        t = by_tree.setdefault(int(tid), {"nodes": {}, "used": False})
        mode = at["nodes_modes"][i]
        t["nodes"][int(at["nodes_nodeids"][i])] = {
            "mode": mode.decode() if isinstance(mode, bytes) else mode,
            "feature": int(at["nodes_featureids"][i]),
            "value": np.float32(at["nodes_values"][i]),
            "true": int(at["nodes_truenodeids"][i]),
            "false": int(at["nodes_falsenodeids"][i]),
            "missing_true": bool(at["nodes_missing_value_tracks_true"][i]),
            "cover": float(hit[i]),
            "weight": 0.0,
        }
    for i, tid in enumerate(at[f"{pre}_treeids"]):
        if int(at[f"{pre}_ids"][i]) != target:
            continue
        t = by_tree[int(tid)]
        t["used"] = True
        t["nodes"][int(at[f"{pre}_nodeids"][i])]["weight"] += float(at[f"{pre}_weights"][i])
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return OnnxTrees(
        [{"nodes": by_tree[k]["nodes"]} for k in sorted(by_tree) if by_tree[k]["used"]],
        float(at["base_values"][target]),
        int(dims[1].dim_value),
    )


def _goes_true(n: dict, x: float) -> bool:
    if math.isnan(x):
        return n["missing_true"]
    v, t = np.float32(x), n["value"]
    mode = n["mode"]
    if mode == "BRANCH_LT":
        return bool(v < t)
    if mode == "BRANCH_LEQ":
        return bool(v <= t)
    if mode == "BRANCH_GT":
        return bool(v > t)
    if mode == "BRANCH_GTE":
        return bool(v >= t)
    raise ValueError(f"unsupported node mode {mode}")


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
            path[j][0], path[j][1], path[j][2] = (path[j + 1][0], path[j + 1][1], path[j + 1][2])
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
