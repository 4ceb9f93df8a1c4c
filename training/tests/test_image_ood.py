"""The out-of-distribution gate of image 1.1.0 (issue 17 part 4): the Mahalanobis and energy terms,
the threshold chosen on validation only, the exported graph's margin riding on the logits without
changing the softmax, the flooding class, and the rule that no evaluation photo is used to fit.

    cd training && /usr/bin/python3 -m unittest tests.test_image_ood -v
"""

import base64
import json
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.image import ood  # noqa: E402
from cityassist_training.image.generator import CLASSES, DRAWABLE, generate, stack  # noqa: E402
from cityassist_training.image.model import TriageCNN, pooled_features, run_onnx_cnn  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _gaussian_classes(rng, n, d=6, k=3):
    means = rng.normal(0, 4, (k, d))
    labels = np.arange(n) % k
    return means[labels] + rng.normal(0, 1, (n, d)), labels, means


class MahalanobisTest(unittest.TestCase):
    def test_distance_is_the_tied_covariance_quadratic_form_to_the_nearest_class(self):
        rng = np.random.default_rng(1)
        x, y, _ = _gaussian_classes(rng, 600)
        means, prec = ood.fit_tied_gaussian(x, y, 3)
        probe = x[:5]
        manual = np.array(
            [min(float((p - m) @ prec @ (p - m)) for m in means) for p in probe.astype(np.float64)]
        )
        np.testing.assert_allclose(ood.mahalanobis_min(probe, means, prec), manual, rtol=1e-9)

    def test_a_far_point_is_further_than_the_training_points(self):
        rng = np.random.default_rng(2)
        x, y, _ = _gaussian_classes(rng, 600)
        means, prec = ood.fit_tied_gaussian(x, y, 3)
        inside = ood.mahalanobis_min(x, means, prec)
        far = ood.mahalanobis_min(x[:10] + 25.0, means, prec)
        self.assertGreater(far.min(), np.quantile(inside, 0.99))

    def test_the_threshold_passes_the_target_share_of_validation(self):
        rng = np.random.default_rng(3)
        tr = [_gaussian_classes(rng, 900, d=4)[0], _gaussian_classes(rng, 900, d=5)[0]]
        y = np.arange(900) % 3
        va_x = [_gaussian_classes(rng, 400, d=4)[0], _gaussian_classes(rng, 400, d=5)[0]]
        va_logits = rng.normal(0, 1, (400, 3))
        gate = ood.fit_gate(tr, y, 3, va_x, va_logits, tpr=0.9)
        passed = ood.outlier_score(gate, va_x, va_logits) <= gate.threshold
        self.assertAlmostEqual(float(passed.mean()), 0.9, delta=0.005)


class GatedGraphTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = TriageCNN(5).eval()
        scenes = generate(40, 4, "test", 128, classes=DRAWABLE)
        cls.x, cls.y = stack(scenes, DRAWABLE)
        feats, logits = pooled_features(cls.model, cls.x)
        cls.gate = ood.fit_gate(feats, cls.y, 5, feats, logits, tpr=0.8)
        cls.feats, cls.logits = feats, logits

    def _run(self, x):
        from cityassist_training.image.cli import predict_exported

        return predict_exported(ood.GatedTriage(self.model, self.gate), x)

    def test_softmax_is_unchanged_and_logsumexp_is_the_margin(self):
        lo, cam, margin = self._run(self.x)
        p_gated = np.exp(lo - lo.max(1, keepdims=True))
        p_gated /= p_gated.sum(1, keepdims=True)
        p = np.exp(self.logits - self.logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        np.testing.assert_allclose(p_gated, p, atol=1e-5)
        np.testing.assert_allclose(ood.logsumexp(lo.astype(np.float64)), margin, atol=1e-4)

    def test_margin_is_threshold_minus_the_numpy_outlier_score(self):
        _, _, margin = self._run(self.x)
        score = ood.outlier_score(self.gate, self.feats, self.logits)
        np.testing.assert_allclose(margin, np.clip(self.gate.threshold - score, -20, 20), atol=1e-3)
        # the threshold is the validation quantile: here validation is the same 40 scenes.
        self.assertAlmostEqual(float((margin >= 0).mean()), 0.8, delta=0.03)

    def test_EXPECTED_FAILURE_a_flat_grey_frame_is_refused(self):
        # Nothing like a street: the pooled features sit far from every class mean.
        grey = np.full((1, 128, 128, 3), 128, np.uint8)
        noise = np.random.default_rng(0).integers(0, 256, (1, 128, 128, 3), dtype=np.uint8)
        _, _, margin = self._run(np.concatenate([grey, noise]))
        self.assertTrue((margin < 0).all(), margin)

    def test_gate_json_round_trips_the_parameters(self):
        j = json.loads(json.dumps(self.gate.to_json()))
        self.assertEqual(len(j["means"]), 2)
        self.assertEqual(np.array(j["means"][1]).shape, (5, 96))
        self.assertEqual(np.array(j["precisions"][0]).shape, (64, 64))
        self.assertAlmostEqual(j["threshold"], self.gate.threshold, places=5)


class ImageRolesTest(unittest.TestCase):
    def test_evaluation_and_fitting_images_are_disjoint(self):
        self.assertFalse(set(ood.EVAL_PHOTOS) & set(ood.FIT_DRAWINGS))
        self.assertFalse(set(ood.LFW_FIT) & set(ood.LFW_HELD_OUT))
        # the stereo twin of an evaluation photo is used for nothing
        self.assertNotIn("motorcycle_right", ood.EVAL_PHOTOS + ood.FIT_DRAWINGS)

    def test_outlier_exposure_is_seeded_and_names_no_evaluation_photo(self):
        a, info = ood.outlier_exposure_set(12, seed=5, size=64)
        b, _ = ood.outlier_exposure_set(12, seed=5, size=64)
        self.assertEqual(a.shape, (12, 64, 64, 3))
        np.testing.assert_array_equal(a, b)
        for name in ood.EVAL_PHOTOS:
            self.assertFalse(any(name in src for src in info["images"]), name)

    def test_every_evaluation_photo_is_on_this_machine(self):
        names, frames = ood.eval_photos(128)
        self.assertEqual(names, list(ood.EVAL_PHOTOS))
        self.assertEqual(frames.shape, (len(names), 128, 128, 3))


class FloodingAndBaselineTest(unittest.TestCase):
    def test_flooding_scenes_have_an_object_and_the_1_0_0_class_order_is_kept(self):
        scenes = generate(10, 3, "test", 128, classes=DRAWABLE)
        flooding = [s for s in scenes if s.label == "flooding"]
        self.assertEqual(len(flooding), 2)
        for s in flooding:
            self.assertGreater(s.mask.mean(), 0.05, "the water covers a good part of the frame")
            self.assertIsNotNone(s.box)
        # 1.0.0's scene i -> class mapping is part of its lineage
        self.assertEqual([s.label for s in generate(4, 3, "test", 64)], list(CLASSES))

    def test_run_onnx_cnn_reproduces_the_1_0_0_test_vectors(self):
        v = json.loads((REPO / "models/image/1.0.0/test_vectors.json").read_text())
        px = np.frombuffer(base64.b64decode(v["pixels"]["base64"]), np.uint8).reshape(v["pixels"]["dims"])
        lo = run_onnx_cnn(str(REPO / "models/image/1.0.0/model.onnx"), px)
        np.testing.assert_allclose(lo, np.array(v["expected"]["logits"]["values"]), atol=1e-4)


if __name__ == "__main__":
    unittest.main()
