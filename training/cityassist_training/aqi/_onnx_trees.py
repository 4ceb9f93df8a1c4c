"""XGBoost regression boosters -> one ONNX ai.onnx.ml TreeEnsembleRegressor node.

onnxmltools is not available on these machines, so this is a small converter of our own, written
from the two public formats: xgboost's JSON model (``Booster.save_raw("json")``) and the
TreeEnsembleRegressor operator of the ONNX-ML domain. Private to the AQI package until a shared
converter exists in ``cityassist_training.common``.

Mapping (xgboost -> ONNX):
* xgboost sends a row left when ``x < split_condition`` and uses ``default_left`` for a missing x;
  ONNX ``BRANCH_LT`` takes the true branch when ``x < threshold``, and
  ``nodes_missing_value_tracks_true`` sends NaN to the true branch. So true = left, false = right,
  missing-tracks-true = default_left. Thresholds are float32 in both, so splits agree bit for bit.
* A leaf's value is ``split_conditions[node]`` in the JSON (already multiplied by the learning rate).
* The prediction of booster j is ``base_score_j + sum of its leaves``; each booster becomes target j
  of a multi-target ensemble (``n_targets`` = number of boosters, ``base_values`` = base scores).
* Only identity-link regression objectives are accepted: anything else would need a link function
  after the sum and silently give wrong numbers if forgotten.
* ``nodes_hitrates`` can carry each node's training cover (``sum_hessian``), which is what exact
  TreeSHAP needs, if ``with_cover`` is set.
"""

from __future__ import annotations

import json

import numpy as np
from onnx import helper

IDENTITY_OBJECTIVES = {"reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror", "reg:quantileerror"}


def booster_dump(booster) -> tuple[float, list[dict]]:
    """(base_score, trees) from a trained xgboost Booster."""
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    objective = learner["objective"]["name"]
    if objective not in IDENTITY_OBJECTIVES:
        raise ValueError(f"objective {objective!r} is not an identity-link regression; not convertible here")
    gb = learner["gradient_booster"]
    if gb.get("name", "gbtree") != "gbtree":
        raise ValueError(f"only gbtree boosters are supported, got {gb.get('name')!r}")
    trees = gb["model"]["trees"]
    for t in trees:
        if any(st != 0 for st in t["split_type"]):
            raise ValueError("categorical splits are not supported by this converter")
    # best_iteration/early stopping would make predict() use fewer trees than the JSON holds.
    if booster.attr("best_iteration") is not None and int(booster.attr("best_iteration")) + 1 != len(trees):
        raise ValueError("booster was early-stopped; slice it to best_iteration before converting")
    return float(learner["learner_model_param"]["base_score"]), trees


def tree_ensemble_regressor(
    boosters: list, input_name: str, output_name: str, *, with_cover: bool = False, name: str = "trees"
):
    """One TreeEnsembleRegressor node whose output column j is booster j's prediction."""
    a: dict[str, list] = {
        k: []
        for k in (
            "nodes_treeids",
            "nodes_nodeids",
            "nodes_featureids",
            "nodes_modes",
            "nodes_values",
            "nodes_truenodeids",
            "nodes_falsenodeids",
            "nodes_missing_value_tracks_true",
            "nodes_hitrates",
            "target_treeids",
            "target_nodeids",
            "target_ids",
            "target_weights",
        )
    }
    base_values = []
    tree_id = 0
    for target, booster in enumerate(boosters):
        base, trees = booster_dump(booster)
        base_values.append(base)
        for t in trees:
            left, right = t["left_children"], t["right_children"]
            for node in range(len(left)):
                leaf = left[node] == -1
                a["nodes_treeids"].append(tree_id)
                a["nodes_nodeids"].append(node)
                a["nodes_featureids"].append(0 if leaf else t["split_indices"][node])
                a["nodes_modes"].append("LEAF" if leaf else "BRANCH_LT")
                a["nodes_values"].append(0.0 if leaf else float(np.float32(t["split_conditions"][node])))
                a["nodes_truenodeids"].append(0 if leaf else left[node])
                a["nodes_falsenodeids"].append(0 if leaf else right[node])
                a["nodes_missing_value_tracks_true"].append(0 if leaf else int(t["default_left"][node]))
                a["nodes_hitrates"].append(float(t["sum_hessian"][node]))
                if leaf:
                    a["target_treeids"].append(tree_id)
                    a["target_nodeids"].append(node)
                    a["target_ids"].append(target)
                    a["target_weights"].append(float(np.float32(t["split_conditions"][node])))
            tree_id += 1
    if not with_cover:
        del a["nodes_hitrates"]
    return helper.make_node(
        "TreeEnsembleRegressor",
        [input_name],
        [output_name],
        name=name,
        domain="ai.onnx.ml",
        n_targets=len(boosters),
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=base_values,
        **a,
    )


def native_predict(boosters: list, X: np.ndarray) -> np.ndarray:
    """What the ONNX node must reproduce: [N, n_boosters] float32 predictions from xgboost itself."""
    import xgboost as xgb

    d = xgb.DMatrix(np.asarray(X, dtype=np.float32), missing=np.nan)
    return np.stack([b.predict(d) for b in boosters], axis=1).astype(np.float32)
