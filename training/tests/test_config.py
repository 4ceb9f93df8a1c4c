"""config.load: a scheduled retraining's --retrain-id gives each run a version of its own, which the
metadata contract accepts and serving never takes for `latest` (packages/inference isServedVersion)."""

from __future__ import annotations

import json
import re
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training import config  # noqa: E402
from cityassist_training.config import ConfigError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "training" / "configs"
VERSION_PATTERN = json.loads((REPO / "schema" / "contracts" / "metadata.schema.json").read_text())["$defs"][
    "version"
]["pattern"]


class RetrainId(unittest.TestCase):
    def test_appends_the_minute_to_the_configured_version(self):
        plain = config.load(CONFIGS / "energy.json")["version"]
        cfg = config.load(CONFIGS / "energy.json", retrain_id="202612030300")
        self.assertEqual(cfg["version"], f"{plain}-r202612030300")
        self.assertRegex(cfg["version"], VERSION_PATTERN)

    def test_two_runs_get_two_versions(self):
        a = config.load(CONFIGS / "aqi.json", retrain_id="202612030300")["version"]
        b = config.load(CONFIGS / "aqi.json", retrain_id="202612100300")["version"]
        self.assertNotEqual(a, b)

    def test_smoke_suffix_comes_last(self):
        cfg = config.load(CONFIGS / "flood.json", smoke=True, retrain_id="202612030300")
        self.assertTrue(cfg["version"].endswith("-r202612030300-smoke"), cfg["version"])
        self.assertRegex(cfg["version"], VERSION_PATTERN)

    def test_rejects_anything_but_twelve_digits(self):
        for bad in ["", "2026-12-03", "20261203030", "2026120303001", "20261203030x", "../../etc"]:
            with self.subTest(bad=bad), self.assertRaises(ConfigError):
                config.load(CONFIGS / "energy.json", retrain_id=bad)

    def test_without_it_the_version_is_untouched(self):
        self.assertNotIn("-r", config.load(CONFIGS / "energy.json")["version"])

    def test_the_contract_still_refuses_a_malformed_suffix(self):
        self.assertIsNone(re.fullmatch(VERSION_PATTERN, "1.0.0-r2026"))
        self.assertIsNone(re.fullmatch(VERSION_PATTERN, "1.0.0-smoke-r202612030300"))


if __name__ == "__main__":
    unittest.main()
