"""The training-serving contract (schema/contracts/*.schema.json + contract.cross_errors) holds for
every committed model folder, and the validator does reject broken files."""

from __future__ import annotations

import copy
import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training import contract  # noqa: E402

MODELS = Path(__file__).resolve().parents[2] / "models"


def model_dirs() -> list[Path]:
    return sorted(p.parent for p in MODELS.glob("*/*/metadata.json"))


class CommittedModels(unittest.TestCase):
    def test_every_model_folder(self):
        dirs = model_dirs()
        self.assertGreater(len(dirs), 0)
        for d in dirs:
            with self.subTest(model=f"{d.parent.name}/{d.name}"):
                self.assertEqual(contract.check_model_dir(d), [])

    def test_energy_models_present(self):
        names = {f"{d.parent.name}/{d.name}" for d in model_dirs()}
        self.assertIn("energy/1.0.0", names)
        self.assertIn("energy/taylor-1.0.0", names)


class RejectsBrokenFiles(unittest.TestCase):
    def setUp(self):
        d = MODELS / "energy" / "1.0.0"
        if not (d / "metadata.json").is_file():
            self.skipTest("no energy model committed")
        self.meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
        self.vec = json.loads((d / "test_vectors.json").read_text(encoding="utf-8"))

    def test_unknown_op(self):
        m = copy.deepcopy(self.meta)
        m["feature_spec"]["columns"][1]["op"] = "load_ratio_squared"
        self.assertTrue(any("columns" in e for e in contract.metadata_errors(m)))

    def test_wrong_window_length(self):
        v = copy.deepcopy(self.vec)
        v["windows"][0]["readings"] = v["windows"][0]["readings"][1:]
        self.assertTrue(any("history_steps" in e for e in contract.cross_errors(self.meta, v)))

    def test_input_row_must_match(self):
        v = copy.deepcopy(self.vec)
        w = next(w for w in v["windows"] if w.get("input_row") is not None)
        w["features"] = [0.0] * len(w["features"])
        self.assertTrue(any("differ from inputs" in e for e in contract.cross_errors(self.meta, v)))

    def test_extra_key(self):
        m = copy.deepcopy(self.meta)
        m["surprise"] = 1
        self.assertTrue(contract.metadata_errors(m))


if __name__ == "__main__":
    unittest.main()
