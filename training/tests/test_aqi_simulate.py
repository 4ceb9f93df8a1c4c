"""The Olinda sensor simulator: deterministic, real positions, and the documented effects present.

    /usr/bin/python3 -m unittest discover training/tests
"""

from __future__ import annotations

import io
import sys
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.aqi import simulate as sim  # noqa: E402
from cityassist_training.aqi.loader import load_long_csv  # noqa: E402


class Simulator(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cfg = sim.SimConfig(seed=3, start="2014-10-01", end="2015-01-01")
        cls.long, cls.sensors, cls.events = sim.simulate(cls.cfg, with_events=True)

    def test_same_seed_same_data_other_seed_other_data(self):
        again, _ = sim.simulate(self.cfg)
        pd.testing.assert_frame_equal(self.long, again)
        other, _ = sim.simulate(sim.SimConfig(seed=4, start="2014-10-01", end="2015-01-01"))
        self.assertFalse(self.long["value"].equals(other["value"]))

    def test_sensors_sit_on_real_zone_centroids(self):
        terrain = pd.read_csv(sim.TERRAIN, dtype={"zone_id": str}).set_index("zone_id")
        self.assertEqual(len(self.sensors), 12)
        self.assertEqual(self.sensors["neighbourhood"].nunique(), 12)
        for _, s in self.sensors.iterrows():
            z = terrain.loc[s["zone_id"]]
            self.assertAlmostEqual(s["lon"], z["centroid_lon"], places=6)
            self.assertAlmostEqual(s["lat"], z["centroid_lat"], places=6)

    def test_long_format_that_the_loader_reads(self):
        self.assertEqual(list(self.long.columns), ["location_id", "datetime", "parameter", "value", "unit"])
        self.assertEqual(set(self.long["parameter"]), {"pm25", "pm10", "no2"})
        buf = io.StringIO(self.long.to_csv(index=False))
        p = load_long_csv(buf, "pm25")
        self.assertEqual(p.resolution, "hourly")
        self.assertGreater(p.report["duplicates"]["exact_duplicate_rows_removed"], 0)  # retransmissions
        self.assertGreater(p.report["per_station"]["olinda-01"]["longest_gap_steps"], 1)  # outages

    def _pm25(self) -> pd.DataFrame:
        d = self.long[self.long["parameter"] == "pm25"].drop_duplicates(["location_id", "datetime"]).copy()
        d["t"] = pd.to_datetime(d["datetime"], utc=True) - pd.Timedelta(hours=3)  # Olinda local time
        return d

    def test_daily_and_weekly_cycles(self):
        d = self._pm25()
        by_hour = d.groupby(d["t"].dt.hour)["value"].mean()
        self.assertGreater(by_hour.loc[20], 1.2 * by_hour.loc[14])  # evening peak over afternoon dip
        self.assertGreater(by_hour.loc[8], by_hour.loc[4])  # morning rush
        by_dow = d.groupby(d["t"].dt.dayofweek)["value"].mean()
        self.assertGreater(by_dow.loc[[0, 1, 2, 3, 4]].mean(), by_dow.loc[6])  # less traffic on Sunday

    def test_rain_washes_out(self):
        d = self._pm25()
        w = pd.read_csv(sim.WEATHER, parse_dates=["date"]).set_index("date")
        daily = d.groupby(d["t"].dt.tz_localize(None).dt.normalize())["value"].mean()
        rain = w.loc[daily.index, "precipitation"]
        self.assertLess(daily[rain > 10].mean(), daily[rain == 0].mean())

    def test_no2_peaks_at_rush_hour(self):
        d = self.long[self.long["parameter"] == "no2"].copy()
        hour = (pd.to_datetime(d["datetime"], utc=True) - pd.Timedelta(hours=3)).dt.hour
        by_hour = d.groupby(hour)["value"].mean()
        self.assertEqual(int(by_hour.idxmax()) in (7, 8, 9, 18, 19, 20), True)

    def test_values_are_physical(self):
        self.assertTrue((self.long["value"] >= 0).all())
        self.assertTrue(np.isfinite(self.long["value"]).all())
        self.assertGreater(len(self.events), 0)


if __name__ == "__main__":
    unittest.main()
