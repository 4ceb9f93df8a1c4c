"""The CNN's CAM contract, the ONNX export, and the whole `--smoke` run (deterministic, folder mode,
bad input).

    cd training && /usr/bin/python3 -m unittest tests.test_image_pipeline -v
"""

import argparse
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

import onnx
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.image import add_arguments, run  # noqa: E402
from cityassist_training.image.generator import generate  # noqa: E402
from cityassist_training.image.model import TriageCNN, export_onnx, fold_temperature  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "image.json"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(list(argv))
    args.argv = list(argv)
    return args


def _smoke_dir(stderr: str) -> Path:
    """The smoke run's output directory, from its log line '... -> <dir>'."""
    first = next(line for line in stderr.splitlines() if " -> " in line)
    return Path(first.split(" -> ", 1)[1].strip())


def _run_captured(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    old, sys.stderr = sys.stderr, buf
    try:
        code = run(_args(*argv))
    finally:
        sys.stderr = old
    return code, buf.getvalue()


class CamContractTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = TriageCNN().eval()
        self.x = torch.randn(3, 3, 64, 64)

    def test_logits_are_the_mean_of_the_cams_plus_bias(self):
        with torch.no_grad():
            logits, cam = self.model(self.x)
            feats = self.model.features(self.x)
            linear = self.model.head(feats.mean(dim=(2, 3)))  # the plain GAP + linear head
        self.assertEqual(tuple(cam.shape), (3, 4, 8, 8))
        torch.testing.assert_close(logits, cam.mean(dim=(2, 3)) + self.model.head.bias)
        torch.testing.assert_close(logits, linear, rtol=1e-5, atol=1e-5)

    def test_cam_equals_grad_cam_at_the_last_layer(self):
        feats = self.model.features(self.x).detach().requires_grad_(True)
        logits = self.model.head(feats.mean(dim=(2, 3)))
        c = 2
        grads = torch.autograd.grad(logits[:, c].sum(), feats)[0]
        alpha = grads.mean(dim=(2, 3), keepdim=True)
        grad_cam = torch.relu((alpha * feats).sum(1))
        with torch.no_grad():
            _, cam = self.model(self.x)
        hw = feats.shape[2] * feats.shape[3]
        torch.testing.assert_close(grad_cam, torch.relu(cam[:, c]) / hw, rtol=1e-5, atol=1e-6)

    def test_temperature_folding_divides_logits_and_keeps_the_argmax(self):
        with torch.no_grad():
            before, cam_before = self.model(self.x)
            fold_temperature(self.model, 2.5)
            after, cam_after = self.model(self.x)
        torch.testing.assert_close(after, before / 2.5)
        torch.testing.assert_close(cam_after, cam_before / 2.5)

    def test_onnx_export_has_a_dynamic_batch_and_two_outputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.onnx"
            export_onnx(self.model, str(path), 64)
            proto = onnx.load(str(path))
            onnx.checker.check_model(proto)
        self.assertEqual([i.name for i in proto.graph.input], ["image"])
        self.assertEqual([o.name for o in proto.graph.output], ["logits", "cam"])
        dims = proto.graph.input[0].type.tensor_type.shape.dim
        self.assertEqual(dims[0].dim_param, "batch")
        self.assertEqual([d.dim_value for d in dims[1:]], [3, 64, 64])
        self.assertEqual(proto.opset_import[0].version, 13)


class SmokeRunTest(unittest.TestCase):
    slow = True  # three --smoke trainings: pytest marker `slow` (tests/conftest.py)

    def test_smoke_run_writes_everything_and_is_deterministic(self):
        code1, log1 = _run_captured("--config", str(CONFIG), "--smoke")
        code2, log2 = _run_captured("--config", str(CONFIG), "--smoke")
        self.assertEqual((code1, code2), (0, 0), log1 + log2)
        a, b = _smoke_dir(log1), _smoke_dir(log2)
        self.assertNotEqual(a, b)
        self.assertTrue(str(a).startswith(tempfile.gettempdir()), "smoke must not write to models/")
        for name in ("model.onnx", "MODEL_CARD.md", "test_vectors.json"):
            self.assertTrue((a / name).is_file(), name)
            self.assertEqual((a / name).read_bytes(), (b / name).read_bytes(), f"{name} differs between runs")
        meta = json.loads((a / "metadata.json").read_text())
        meta_b = json.loads((b / "metadata.json").read_text())
        # The shared code version hashes the whole training/ tree and the git state, which other
        # work may change between the two runs; this package's own hash must not change.
        for m in (meta, meta_b):
            m["lineage"]["code_version"].pop("training_code_sha256", None)
            m["lineage"]["code_version"].pop("git", None)
        self.assertEqual(meta, meta_b, "metadata.json differs between runs")
        self.assertEqual(meta["task"], "image-classification")
        self.assertEqual(meta["classes"], ["pothole", "garbage", "fallen_tree", "other"])
        self.assertEqual(
            meta["onnx"],
            {
                "file": "model.onnx",
                "input": "image",
                "outputs": {"logits": "logits", "cam": "cam"},
                "opset": 13,
            },
        )
        self.assertEqual(meta["input"]["layout"], "NCHW")
        self.assertFalse(meta["validated_on_real_photos"])
        self.assertIn("image_code_sha256", meta["lineage"]["code_version"])
        self.assertTrue(meta["metrics"]["cam_localisation"]["available"])
        card = (a / "MODEL_CARD.md").read_text()
        for section in (
            "Model details",
            "Intended use",
            "Factors",
            "Metrics",
            "Evaluation data",
            "Training data",
            "Quantitative analyses",
            "Ethical considerations",
            "Caveats and recommendations",
        ):
            self.assertIn(f"## {section}", card)
        self.assertIn("not validated on real photos", card)
        self.assertTrue((a.parents[1] / "runs.jsonl").is_file(), "smoke runs log next to their output")

    def test_folder_mode_skips_bad_files_and_has_no_localisation(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for i, s in enumerate(generate(40, seed=9, split="train", size=64)):
                (root / s.label).mkdir(exist_ok=True)
                Image.fromarray(s.image).save(root / s.label / f"{i}.png")
            (root / "garbage" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
            code, log = _run_captured("--config", str(CONFIG), "--smoke", "--data-dir", str(root))
            self.assertEqual(code, 0, log)
            meta = json.loads((_smoke_dir(log) / "metadata.json").read_text())
        data = meta["lineage"]["data"]
        self.assertEqual(data["kind"], "folder")
        self.assertEqual(data["skipped_count"], 1)
        self.assertEqual(
            data["counts_per_class"], {"pothole": 10, "garbage": 10, "fallen_tree": 10, "other": 10}
        )
        self.assertFalse(meta["metrics"]["cam_localisation"]["available"])

    def test_bad_input_fails_with_a_clear_code(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "pothole").mkdir()
            (root / "bicycles").mkdir()
            code, log = _run_captured("--config", str(CONFIG), "--smoke", "--data-dir", str(root))
            self.assertEqual(code, 2)
            self.assertIn("bicycles", log)
            bad = root / "bad.json"
            bad.write_text('{"name": "image"}')
            code, log = _run_captured("--config", str(bad), "--smoke")
            self.assertEqual(code, 2)
            self.assertIn("missing or mistyped", log)


if __name__ == "__main__":
    unittest.main()
