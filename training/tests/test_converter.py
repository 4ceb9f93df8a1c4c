"""The XGBoost -> ONNX converter, TreeSHAP from the ONNX file, and the bootstrap metrics.

    /usr/bin/python3 -m unittest discover -s training/tests -p 'test_*.py'

There is no onnxruntime for Python here; runtime parity is ``onnx_parity.test.ts`` (Node). These
tests check the structure of the ONNX graph against the booster, and use a pure-Python evaluator of
the ONNX attributes to check routing (thresholds, missing values) and TreeSHAP.
"""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path

import numpy as np
import onnx
import xgboost as xgb
from onnx import helper
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.flood.metrics import Sorted  # noqa: E402
from cityassist_training.onnx_export import xgboost_onnx as xo  # noqa: E402


def _data(n=3000, f=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f)).astype(np.float32)
    # A value that sits exactly on typical split points, to check float32 ties.
    X[:50, 0] = np.float32(0.5)
    logit = 1.5 * X[:, 0] - X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X[rng.random(X.shape) < 0.08] = np.nan  # missing values, so default directions are learned
    return X, y


class ConverterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.X, cls.y = _data()
        params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "seed": 1, "nthread": 1,
                  "tree_method": "hist", "base_score": 0.3}  # fmt: skip
        cls.booster = xgb.train(params, xgb.DMatrix(cls.X, label=cls.y, missing=np.nan), 25)
        cls.model = xo.convert(cls.booster)
        cls.node = next(n for n in cls.model.graph.node if n.op_type == "TreeEnsembleClassifier")
        cls.attrs = {a.name: helper.get_attribute_value(a) for a in cls.node.attribute}
        cls.trees = json.loads(cls.booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]

    def test_graph_contract(self):
        onnx.checker.check_model(self.model)
        self.assertEqual({o.domain: o.version for o in self.model.opset_import}, {"": 13, "ai.onnx.ml": 3})
        self.assertEqual([i.name for i in self.model.graph.input], ["input"])
        self.assertEqual([o.name for o in self.model.graph.output], ["label", "probabilities"])
        self.assertEqual(self.attrs["post_transform"], b"LOGISTIC")
        self.assertEqual(list(self.attrs["classlabels_int64s"]), [0, 1])
        self.assertEqual(set(self.attrs["class_ids"]), {0})

    def test_base_value_is_logit_of_base_score(self):
        self.assertAlmostEqual(self.attrs["base_values"][0], float(np.float32(np.log(0.3 / 0.7))), places=6)

    def test_node_count_and_cover(self):
        n_nodes = sum(len(t["left_children"]) for t in self.trees)
        self.assertEqual(len(self.attrs["nodes_nodeids"]), n_nodes)
        cover = np.concatenate([t["sum_hessian"] for t in self.trees]).astype(np.float32)
        np.testing.assert_array_equal(np.array(self.attrs["nodes_hitrates"], dtype=np.float32), cover)
        n_leaves = sum(sum(1 for c in t["left_children"] if c == -1) for t in self.trees)
        self.assertEqual(len(self.attrs["class_weights"]), n_leaves)
        self.assertEqual(sum(m == b"LEAF" for m in self.attrs["nodes_modes"]), n_leaves)

    def test_cover_is_consistent(self):
        ot = xo.onnx_trees(self.model)
        for t in ot.trees:
            for n in t["nodes"].values():
                if n["mode"] != "LEAF":
                    kids = t["nodes"][n["true"]]["cover"] + t["nodes"][n["false"]]["cover"]
                    self.assertAlmostEqual(kids, n["cover"], delta=1e-3 * max(1.0, n["cover"]))

    def test_thresholds_are_the_boosters_float32(self):
        thr = [
            np.float32(c)
            for t in self.trees
            for c, l in zip(t["split_conditions"], t["left_children"])
            if l != -1
        ]
        got = [
            np.float32(v)
            for v, m in zip(self.attrs["nodes_values"], self.attrs["nodes_modes"])
            if m != b"LEAF"
        ]
        self.assertEqual([x.tobytes() for x in thr], [x.tobytes() for x in got])

    def test_missing_follows_default_left(self):
        dl = [d for t in self.trees for d, l in zip(t["default_left"], t["left_children"]) if l != -1]
        got = [
            v
            for v, m in zip(self.attrs["nodes_missing_value_tracks_true"], self.attrs["nodes_modes"])
            if m != b"LEAF"
        ]
        self.assertEqual(list(map(int, dl)), list(got))
        self.assertIn(1, got)  # the data has NaNs, so some default directions go left...
        self.assertIn(0, got)  # ...and some right

    def test_onnx_attributes_reproduce_xgboost_margins(self):
        ot = xo.onnx_trees(self.model)
        X = self.X[:400]
        want = self.booster.predict(xgb.DMatrix(X, missing=np.nan), output_margin=True)
        np.testing.assert_allclose(xo.margin_from_onnx(ot, X), want, atol=1e-5)

    def test_treeshap_from_onnx_equals_pred_contribs(self):
        ot = xo.onnx_trees(self.model)
        X = self.X[:40]
        want = self.booster.predict(xgb.DMatrix(X, missing=np.nan), pred_contribs=True)
        got = xo.treeshap_from_onnx(ot, X)
        np.testing.assert_allclose(got, want, atol=1e-4)

    def test_rejects_other_objectives(self):
        b = xgb.train({"objective": "reg:squarederror", "nthread": 1}, xgb.DMatrix(self.X, label=self.y), 2)
        with self.assertRaises(ValueError):
            xo.convert(b)


class ShippedModelTest(unittest.TestCase):
    """The committed flood model: its ONNX file explains its own test vectors."""

    DIR = Path(__file__).resolve().parents[2] / "models" / "flood" / "1.0.0"

    @unittest.skipUnless((DIR / "model.onnx").exists(), "no shipped flood model")
    def test_treeshap_from_shipped_onnx(self):
        model = onnx.load(str(self.DIR / "model.onnx"))
        v = json.loads((self.DIR / "test_vectors.json").read_text())
        X = np.array(
            [[np.nan if x is None else x for x in row] for row in v["inputs"][:15]], dtype=np.float32
        )
        ot = xo.onnx_trees(model)
        np.testing.assert_allclose(xo.margin_from_onnx(ot, X), v["margins"][:15], atol=1e-4)
        np.testing.assert_allclose(xo.treeshap_from_onnx(ot, X), np.array(v["contribs"][:15]), atol=2e-4)
        meta = json.loads((self.DIR / "metadata.json").read_text())
        self.assertEqual([f["name"] for f in meta["features"]], v["features"])
        self.assertAlmostEqual(meta["baseValue"], ot.base, places=5)


class MetricsTest(unittest.TestCase):
    def test_weighted_auc_ap_match_sklearn(self):
        rng = np.random.default_rng(3)
        y = (rng.random(2000) < 0.1).astype(float)
        p = np.round(rng.random(2000) * 0.5 + 0.4 * y, 2)  # rounding makes ties
        w = rng.integers(0, 4, 2000).astype(float)
        auc, ap = Sorted(y, p).auc_ap(w)
        self.assertAlmostEqual(auc, roc_auc_score(y, p, sample_weight=w), places=10)
        self.assertAlmostEqual(ap, average_precision_score(y, p, sample_weight=w), places=10)


if __name__ == "__main__":
    unittest.main()
