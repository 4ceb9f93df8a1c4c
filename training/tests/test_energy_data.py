"""The taylor loader: the real file loads; bad CSVs are refused with errors naming the problem."""

from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.energy.data import REPO_CSV, EnergyDataError, load_taylor  # noqa: E402

GOOD = (
    "period_start_utc,demand_mw\n2000-06-04T23:00:00Z,22262\n2000-06-04T23:30:00Z,21756\n"
    "2000-06-05T00:00:00Z,22247\n"
)


class TaylorLoaderTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, text: str) -> Path:
        p = Path(self.dir.name) / "x.csv"
        p.write_text(text, encoding="utf-8")
        return p

    def test_real_file(self):
        s = load_taylor(REPO_CSV)
        self.assertEqual(s.values.shape, (4032, 1))
        self.assertEqual(s.times[0].isoformat(), "2000-06-04T23:00:00+00:00")
        # Monday 5 June 2000, 00:00 on the British clock (BST = UTC+1)
        local = s.times[0].tz_convert(None) + np.timedelta64(1, "h")
        self.assertEqual(local.dayofweek, 0)
        self.assertEqual((s.unit, s.resolution, s.provenance), ("MW", "half-hourly", "real"))
        self.assertTrue((s.values > 10000).all())

    def test_good_minimal(self):
        s = load_taylor(self.write(GOOD))
        self.assertEqual(len(s.times), 3)

    def check(self, text: str, pattern: str):
        with self.assertRaisesRegex(EnergyDataError, pattern):
            load_taylor(self.write(text))

    def test_missing_columns(self):
        self.check(
            "time,value\n2000-06-04T23:00:00Z,1\n", r"missing columns \['period_start_utc', 'demand_mw'\]"
        )

    def test_empty(self):
        self.check("", "cannot read")
        self.check("period_start_utc,demand_mw\n", "no rows")

    def test_bad_timestamp(self):
        self.check(
            GOOD.replace("2000-06-04T23:30:00Z", "yesterday"), r"unparseable period_start_utc on lines \[3\]"
        )

    def test_bad_values(self):
        self.check(GOOD.replace("21756", ""), r"non-positive demand on lines \[3\]")
        self.check(GOOD.replace("21756", "-5"), r"non-positive demand on lines \[3\]")
        self.check(GOOD.replace("21756", "abc"), r"non-numeric")

    def test_repeats_and_gaps(self):
        self.check(GOOD.replace("2000-06-04T23:30:00Z", "2000-06-04T23:00:00Z"), "repeated timestamps")
        self.check(
            GOOD.replace("2000-06-05T00:00:00Z", "2000-06-05T01:00:00Z"), "not a regular 30-minute grid"
        )

    def test_missing_file(self):
        with self.assertRaisesRegex(EnergyDataError, "cannot read"):
            load_taylor(Path(self.dir.name) / "absent.csv")


if __name__ == "__main__":
    unittest.main()
