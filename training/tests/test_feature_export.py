"""Training from a point-in-time export of the feature store (``train.py … --features``): an export
that does not fit the model or the simulation is refused, and a stale match is never taken for the
label's own hour.

    /usr/bin/python3 -m unittest discover training/tests
"""

from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training import config, feature_export  # noqa: E402
from cityassist_training.aqi.from_store import panel_from_export  # noqa: E402
from cityassist_training.flood import from_store, history  # noqa: E402
from cityassist_training.flood.data import sample_rows, simulate_city  # noqa: E402

TRAINING = Path(__file__).resolve().parents[1]
DATA = TRAINING.parent / "data"
FEATURES = [
    "rain_1h_mm",
    "rain_24h_mm",
    "rain_72h_mm",
    "elevation_mean_m",
    "elevation_min_m",
    "low_lying_share",
]


def _write(path: Path, df: pd.DataFrame) -> Path:
    df.to_csv(path, index=False)
    return path


class ReadExport(unittest.TestCase):
    def test_refuses_an_export_of_another_view_or_an_empty_one(self):
        with tempfile.TemporaryDirectory() as tmp:
            other = _write(
                Path(tmp) / "other.csv",
                pd.DataFrame({"sensor_id": ["a"], "label_time": ["2015-01-01T00:00:00Z"], "pm25": [3.0]}),
            )
            with self.assertRaisesRegex(feature_export.ExportError, "missing columns"):
                feature_export.read_export(other, FEATURES)
            empty = Path(tmp) / "empty.csv"
            empty.write_text("zone_id,label_time,feature_as_of,dataset_version," + ",".join(FEATURES) + "\n")
            with self.assertRaisesRegex(feature_export.ExportError, "no rows"):
                feature_export.read_export(empty, FEATURES)
            with self.assertRaisesRegex(feature_export.ExportError, "no such file"):
                feature_export.read_export(Path(tmp) / "absent.parquet", FEATURES)

    def test_records_hash_rows_and_dataset_versions(self):
        with tempfile.TemporaryDirectory() as tmp:
            f = _write(
                Path(tmp) / "x.csv",
                pd.DataFrame(
                    {
                        "sensor_id": ["a", "a", "b"],
                        "label_time": ["2015-01-01T01:00:00Z"] * 3,
                        "feature_as_of": ["2015-01-01T01:00:00Z", None, "2015-01-01T00:00:00Z"],
                        "pm25": [1.0, None, 2.0],
                        "dataset_version": ["v2", None, "v1"],
                    }
                ),
            )
            df, info = feature_export.read_export(f, ["pm25"])
            self.assertEqual(info["rows"], 3)
            self.assertEqual(info["matched"], 2)
            self.assertEqual(info["dataset_versions"], ["v1", "v2"])
            self.assertEqual(len(info["sha256"]), 64)
            self.assertEqual(str(df["label_time"].dt.tz), "UTC")


class FloodFromStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cfg = config.load(str(TRAINING / "configs" / "flood_store.json"), smoke=True)
        cls.sim = simulate_city(str(DATA), cls.cfg, int(cls.cfg["seed"]))
        cls.rows = sample_rows(cls.sim, 0.01, 1, FEATURES)

    def _export(self, rows: pd.DataFrame) -> pd.DataFrame:
        label_time = rows.time + pd.Timedelta(hours=1)
        return pd.DataFrame(
            {
                "zone_id": rows.zone_id.to_numpy(),
                "label_time": label_time.to_numpy(),
                "label": rows.label.to_numpy(),
                "feature_as_of": label_time.to_numpy(),
                **{f: rows[f].to_numpy() for f in FEATURES},
                "dataset_version": "v",
            }
        ).sample(frac=1.0, random_state=0)

    def test_matches_each_label_to_its_zone_hour_in_sample_order(self):
        got, counts = from_store.rows_from_export(self._export(self.rows), self.sim, FEATURES)
        np.testing.assert_array_equal(got.t_idx.to_numpy(), self.rows.t_idx.to_numpy())
        np.testing.assert_array_equal(got.z_idx.to_numpy(), self.rows.z_idx.to_numpy())
        np.testing.assert_allclose(got[FEATURES].to_numpy(), self.rows[FEATURES].to_numpy())
        self.assertEqual(counts, {"matched": len(self.rows), "stale": 0})

    def test_refuses_labels_that_are_not_zone_hours_of_this_simulation(self):
        export = self._export(self.rows)
        export.loc[export.index[0], "zone_id"] = "999"
        with self.assertRaisesRegex(from_store.StoreMismatch, "not zone-hours of this simulation"):
            from_store.rows_from_export(export, self.sim, FEATURES)
        export = self._export(self.rows)
        export["label_time"] = export["label_time"] + pd.Timedelta(minutes=30)
        with self.assertRaises(from_store.StoreMismatch):
            from_store.rows_from_export(export, self.sim, FEATURES)

    def test_history_writes_one_gauge_per_zone_and_every_hour(self):
        with tempfile.TemporaryDirectory() as tmp:
            summary = history.write_history(self.cfg, str(DATA), Path(tmp))
            stations = pd.read_csv(Path(tmp) / "stations.csv", dtype={"station": str})
            self.assertEqual(list(stations.station), list(self.sim.terrain.zone_id))
            self.assertEqual(summary["rain_rows"], self.sim.rain.size)
            labels = pd.read_csv(Path(tmp) / "labels.csv", dtype={"zone_id": str})
            self.assertEqual(int(labels.label.sum()), summary["floods"])


class AqiFromStore(unittest.TestCase):
    def test_a_stale_match_is_a_missing_hour_not_the_older_reading(self):
        with tempfile.TemporaryDirectory() as tmp:
            hours = pd.date_range("2015-01-01", periods=8, freq="H", tz="UTC")
            as_of = list(hours)
            as_of[2] = hours[1]  # hour 2 had no reading: the join matched hour 1's
            pm25 = [10.0 + i for i in range(8)]
            pm25[2] = pm25[1]
            f = _write(
                Path(tmp) / "aqi.csv",
                pd.DataFrame(
                    {
                        "sensor_id": "s1",
                        "label_time": hours.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "feature_as_of": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in as_of],
                        "pm25": pm25,
                        "dataset_version": "v",
                    }
                ),
            )
            panel, info = panel_from_export(f, "pm25")
            self.assertEqual(info["stale"], 1)
            values = panel.values[:, 0]
            self.assertEqual(len(values), 8)
            self.assertTrue(np.isnan(values[2]))
            self.assertEqual(values[3], 13.0)


if __name__ == "__main__":
    unittest.main()
