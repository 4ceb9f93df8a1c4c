"""End to end in smoke mode: the report has the promised shape, the model directory is complete,
and two runs with the same config and seed give identical files.

    /usr/bin/python3 -m unittest discover training/tests
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.aqi import cli  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "aqi.json"


def run(out: Path, *extra: str) -> int:
    ap = argparse.ArgumentParser()
    cli.add_arguments(ap)
    args = ap.parse_args(
        ["--config", str(CONFIG), "--smoke", "--out", str(out), "--report", str(out / "report.json"), *extra]
    )
    err, sys.stderr = sys.stderr, io.StringIO()
    try:
        return cli.run(args)
    finally:
        sys.stderr = err


class SmokePipeline(unittest.TestCase):
    slow = True  # two --smoke trainings: pytest marker `slow` (tests/conftest.py)

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.a, cls.b = Path(cls.tmp.name) / "a", Path(cls.tmp.name) / "b"
        assert run(cls.a) == 0 and run(cls.b) == 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_report_per_horizon(self):
        r = json.loads((self.a / "report.json").read_text())
        self.assertEqual([x["horizon"] for x in r["per_horizon"]], list(range(1, 25)))
        for x in r["per_horizon"]:
            for k in (
                "mae",
                "rmse",
                "mae_persistence",
                "mae_seasonal_naive",
                "mae_ci95",
                "mae_persistence_ci95",
                "mae_seasonal_naive_ci95",
                "coverage",
            ):
                self.assertIn(k, x)
            self.assertLessEqual(x["mae_ci95"][0], x["mae"])
            self.assertLessEqual(x["mae"], x["mae_ci95"][1])
        self.assertEqual(len(r["worst_failures"]), 10)
        self.assertTrue(all(w["reason"] for w in r["worst_failures"]))
        for k in ("noisy_inputs", "missing_inputs", "shifted_levels"):
            self.assertIn(k, r["robustness"])

    def test_model_directory(self):
        d = self.a / "aqi" / "1.0.0-smoke"
        files = ("model.onnx", "metadata.json", "MODEL_CARD.md", "test_vectors.json", "evaluation.json")
        for f in (*files, "drift_reference.json"):
            self.assertTrue((d / f).is_file(), f)
        meta = json.loads((d / "metadata.json").read_text())
        tv = json.loads((d / "test_vectors.json").read_text())
        self.assertEqual([f["name"] for f in meta["features"]], tv["feature_names"])
        self.assertIn("pm25", meta["epa_breakpoints"]["pollutants"])
        self.assertTrue(all(s["sha256"] for s in meta["lineage"]["sources"]))
        card = (d / "MODEL_CARD.md").read_text()
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
        self.assertIn("**Simulated:**", card)
        self.assertTrue((self.a / "runs.jsonl").read_text().strip())

    def test_deterministic(self):
        files = ("model.onnx", "metadata.json", "test_vectors.json", "evaluation.json", "MODEL_CARD.md")
        for f in (*files, "drift_reference.json"):
            self.assertEqual(
                (self.a / "aqi" / "1.0.0-smoke" / f).read_bytes(),
                (self.b / "aqi" / "1.0.0-smoke" / f).read_bytes(),
                f,
            )


if __name__ == "__main__":
    unittest.main()
