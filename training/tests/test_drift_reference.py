"""The drift reference: window statistics, the hysteresis rule, the terrain fingerprint, and the
committed references being exactly what the script computes from the training simulation."""

from __future__ import annotations

import json
import math
import sys
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training import config  # noqa: E402
from cityassist_training import drift_reference as dr  # noqa: E402
from cityassist_training.flood.data import simulate_city  # noqa: E402
from cityassist_training.flood.features import FEATURE_SPECS  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EDGES = np.array([0, 0.05, 1, 10, 250], dtype=float)


class WindowStatisticsTest(unittest.TestCase):
    def test_summaries_of_a_window(self) -> None:
        v = np.array([[0, 2, np.nan], [4, 0, 0]], dtype=np.float32)
        s = dr.window_statistics(v, EDGES, np.array([3, 0, 1, 1]))
        self.assertEqual(s["rows"], 6)
        self.assertAlmostEqual(s["missingShare"], 1 / 6)
        self.assertAlmostEqual(s["mean"], 6 / 5)
        self.assertAlmostEqual(s["wetMean"], 3.0)
        self.assertAlmostEqual(s["wetShare"], 2 / 5)
        # Three zeros, a 2 and a 4 in bins 0 / 2 / 2: not the reference's 3 / 0 / 1 / 1.
        self.assertGreater(s["psi"], 0.1)

    def test_psi_is_zero_for_the_reference_shape_and_values_outside_the_edges_count_at_the_ends(self) -> None:
        v = np.array([-1.0, 0.0, 0.5, 5.0, 999.0])
        counts = np.bincount(dr.bin_index(v, EDGES), minlength=4)
        self.assertEqual(counts.tolist(), [2, 1, 1, 1])
        self.assertAlmostEqual(dr.psi(counts, counts), 0.0)

    def test_a_window_without_values_has_no_statistics_but_its_missing_share(self) -> None:
        s = dr.window_statistics(np.full(4, np.nan), EDGES, np.ones(4))
        self.assertEqual(s["missingShare"], 1.0)
        self.assertTrue(all(math.isnan(s[k]) for k in ("mean", "wetMean", "wetShare", "psi")))

    def test_a_slice_belongs_to_the_day_its_hour_is_in(self) -> None:
        at = pd.DatetimeIndex(["2015-03-15T00:00:00Z", "2015-03-15T01:00:00Z", "2015-03-16T00:00:00Z"])
        self.assertEqual(
            [str(d.date()) for d in dr.window_of(at)], ["2015-03-14", "2015-03-15", "2015-03-15"]
        )


class HysteresisTest(unittest.TestCase):
    def run_states(self, states: list[str], low: int = 2, high: int = 3) -> list:
        h = dr.Hysteresis({"low": low, "high": high}, clear_after=2)
        return [h.step(s) for s in states]

    def test_alternating_windows_never_alarm(self) -> None:
        self.assertEqual(set(self.run_states(["high", "inside"] * 10)), {None})

    def test_consecutive_windows_on_one_side_alarm_once_and_two_inside_clear(self) -> None:
        got = self.run_states(["low", "low", "low", "inside", "between", "inside", "inside"])
        self.assertEqual(got, [None, "raised", None, None, None, None, "cleared"])

    def test_windows_without_a_value_neither_count_nor_reset(self) -> None:
        self.assertEqual(self.run_states(["low", "none", "low"]), [None, None, "raised"])

    def test_a_side_change_starts_the_run_again(self) -> None:
        self.assertEqual(self.run_states(["high", "high", "low", "high"]), [None] * 4)

    def test_states_from_thresholds(self) -> None:
        t = {"lower": 1.0, "upper": 5.0, "clearLower": 2.0, "clearUpper": 4.0}
        got = [dr.state_of(v, t) for v in (0.5, 1.5, 3.0, 4.5, 6.0, math.nan)]
        self.assertEqual(got, ["low", "between", "inside", "between", "high", "none"])
        self.assertEqual(dr.state_of(0.0, {"upper": 1.0, "clearUpper": 0.5}), "inside")


class FingerprintTest(unittest.TestCase):
    def test_it_depends_on_every_value_at_float32_precision_not_on_the_row_order(self) -> None:
        ids, v = ["b", "a", "c"], np.array([1.5, 2.25, 3.0], dtype=np.float32)
        base = dr.fingerprint(ids, v)
        self.assertEqual(dr.fingerprint(ids[::-1], v[::-1]), base)
        moved = v.copy()
        moved[2] = np.nextafter(np.float32(3.0), np.float32(4.0))
        self.assertNotEqual(dr.fingerprint(ids, moved), base)


class SmokeReferenceTest(unittest.TestCase):
    """The reference of the smoke simulation (47 zones, seven months): built end to end."""

    @classmethod
    def setUpClass(cls) -> None:
        cfg = config.load(str(REPO / "training/configs/flood.json"), smoke=True, retrain_id=None)
        cls.sim = simulate_city(str(REPO / "data"), cfg, int(cfg["seed"]))
        cls.features = list(cfg["features"])
        meta = {"name": "flood", "version": "smoke"}
        cls.ref = dr.build(cls.sim, cls.features, FEATURE_SPECS, cfg["split"]["holdout_start"], meta)

    def test_terrain_is_static_with_each_zones_exact_value(self) -> None:
        self.assertEqual(set(self.ref["static"]), {"elevation_mean_m", "elevation_min_m", "low_lying_share"})
        s = self.ref["static"]["elevation_mean_m"]
        z0 = str(self.sim.terrain.zone_id.iloc[0])
        self.assertEqual(s["zones"][z0], float(np.float32(self.sim.terrain.elevation_mean.iloc[0])))
        self.assertEqual(len(s["zones"]), len(self.sim.terrain))

    def test_thresholds_bracket_the_calibration_windows(self) -> None:
        t = self.ref["features"]["rain_24h_mm"]["thresholds"]["wet"]["mean"]
        self.assertLessEqual(t["lower"], t["clearLower"])
        self.assertLessEqual(t["clearLower"], t["clearUpper"])
        self.assertLessEqual(t["clearUpper"], t["upper"])
        self.assertNotIn("lower", self.ref["features"]["rain_24h_mm"]["thresholds"]["wet"]["psi"])

    def test_the_rule_never_alarms_on_the_windows_that_set_it(self) -> None:
        # alarmAfterWindows is one more than the longest run beyond in calibration, by construction.
        self.assertEqual(self.ref["evaluation"]["calibrationWindows"]["alarmsRaised"], 0)
        for f in self.ref["features"].values():
            for sides in f["alarmAfterWindows"].values():
                self.assertGreaterEqual(sides["low"], dr.ALARM_AFTER["low"])
                self.assertGreaterEqual(sides["high"], dr.ALARM_AFTER["high"])


class EnergySmokeReferenceTest(unittest.TestCase):
    """The energy forecaster's reference on the smoke simulation (24 zones, three months)."""

    def test_day_windows_of_every_input_and_a_fahrenheit_feed_is_caught(self) -> None:
        from cityassist_training.energy.data import load_simulated
        from cityassist_training.energy.features import FeatureSpec

        cfg = config.load(str(REPO / "training/configs/energy.json"), smoke=True, retrain_id=None)
        series = load_simulated(cfg["data"]["simulate"])
        spec = FeatureSpec.for_series(series.resolution, series.utc_offset_hours, True, 1.0)
        edges = np.linspace(0, 50, 6)
        meta = {
            "name": "energy",
            "version": "smoke",
            "features": [
                {"name": n, "reference_histogram": {"edges": edges.tolist(), "counts": [1] * 5}}
                for n in spec.names
            ],
            "periods": {"test": ["2015-03-10T03:00:00+00:00"]},
        }
        ref = dr.build_energy(series, spec, meta)
        self.assertEqual(sorted(ref["features"]), sorted(spec.names))
        self.assertEqual(ref["static"], {})
        self.assertEqual(ref["evaluation"]["calibrationWindows"]["alarmsRaised"], 0)
        self.assertEqual(ref["calibration"]["until"], "2015-03-11")
        # 20 degrees C read as 68: beyond every training day's temperature.
        self.assertGreater(ref["evaluation"]["fahrenheitShift"]["caughtWithin"]["30"], 0.5)


class AqiReferenceTest(unittest.TestCase):
    """The AQI forecaster's reference from the panel 1.0.0 was trained on (12 simulated sensors)."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.meta = json.loads((REPO / "models/aqi/1.0.0/metadata.json").read_text(encoding="utf-8"))
        cls.panel = dr.aqi_panel(cls.meta["lineage"]["config"])
        cls.ref = dr.build_aqi(cls.panel, cls.meta)

    def test_a_slice_is_the_sensors_scored_at_one_anchor_and_needs_its_own_minimum(self) -> None:
        from cityassist_training.aqi.features import FeatureSpec

        spec = FeatureSpec.for_resolution("hourly", 24)
        X, mask = dr.aqi_scored(self.panel.values, self.panel.times, spec)
        # Serving anchors a sensor at its newest reading: no scored row lacks its anchor reading.
        self.assertFalse(np.isnan(X[mask][:, spec.names.index("r_lag_0")]).any())
        self.assertEqual(self.ref["window"]["minRows"], 9)  # ceil(0.75 x 12): never 200
        # A window of slices with fewer sensors than the minimum is not judged at all.
        names = spec.names
        specs = {
            f["name"]: {
                "edges": np.asarray(f["reference_histogram"]["edges"]),
                "counts": np.asarray(f["reference_histogram"]["counts"]),
            }
            for f in self.meta["features"]
        }
        t = slice(24 * 30, 24 * 33)
        few = mask[t].copy()
        few[:, 3:] = False
        self.assertEqual(dr.aqi_window_rows(X[t], few, self.panel.times[t], names, specs, 9), [])
        self.assertTrue(dr.aqi_window_rows(X[t], mask[t], self.panel.times[t], names, specs, 9))

    def test_calendar_inputs_are_not_judged_and_every_other_input_is(self) -> None:
        self.assertEqual(set(self.ref["unjudged"]), {"hour", "dow"})
        names = {f["name"] for f in self.meta["features"]}
        self.assertEqual(set(self.ref["features"]), names - {"hour", "dow"})
        for f in self.ref["features"].values():
            for season in f["thresholds"].values():
                self.assertEqual(set(season), set(dr.AQI_STATISTICS))

    def test_held_out_false_alarms_are_rare_and_mg_per_m3_is_caught_in_three_days(self) -> None:
        ev = self.ref["evaluation"]
        self.assertEqual(ev["calibrationWindows"]["alarmsRaised"], 0)
        self.assertLess(ev["heldOut"]["falseAlarmRate"], 0.05)
        mg = ev["unitShift"]["mgPerM3"]
        self.assertGreater(mg["caughtWithin"]["3"], 0.95)
        self.assertEqual(mg["caughtWithin"]["2"], 0.0)  # low side needs 3 windows: a washout lasts 2-3 days
        self.assertEqual(self.ref["replay"]["asMeasured"]["alarms"], [])
        self.assertIn(
            {"window": 2, "feature": "level", "level": "DRIFT"}, self.ref["replay"]["mgPerM3"]["alarms"]
        )


class CommittedReferenceTest(unittest.TestCase):
    """models/*/*/drift_reference.json are what the script computes (rerun: same bytes)."""

    slow = True

    def test_committed_references_are_reproducible(self) -> None:
        dirs = [*(REPO / "models/flood").iterdir(), *(REPO / "models/energy").iterdir()]
        for d in sorted([*dirs, *(REPO / "models/aqi").iterdir()]):
            path = d / "drift_reference.json"
            if not path.is_file():
                continue
            with self.subTest(version=d.name):
                fresh = json.loads(json.dumps(dr._clean(dr.for_model_dir(d, REPO / "data"))))
                self.assertEqual(fresh, json.loads(path.read_text(encoding="utf-8")))

    def test_the_served_version_alarms_rarely_on_held_out_windows_and_catches_inches(self) -> None:
        ref = json.loads((REPO / "models/flood/1.0.0/drift_reference.json").read_text(encoding="utf-8"))
        ev = ref["evaluation"]
        self.assertLess(ev["heldOut"]["falseAlarmRate"], 0.05)
        self.assertGreater(ev["inchesShift"]["caughtWithin"]["30"], 0.9)
        inches = [a for a in ref["replay"]["inches"]["alarms"] if a["level"] == "DRIFT"]
        self.assertTrue(inches)
        self.assertEqual(ref["replay"]["mm"]["alarms"], [])


if __name__ == "__main__":
    unittest.main()
