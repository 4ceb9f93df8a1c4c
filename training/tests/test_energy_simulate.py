"""The Olinda zone-load simulator: deterministic by seed, driven by the real inputs, separate streams."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.energy import simulate as sim  # noqa: E402

SMALL = dict(start="2015-01-01", end="2015-01-21", zone_stride=47)


class SimulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = sim.simulate(sim.SimConfig(**SMALL))

    def test_deterministic_by_seed(self):
        b = sim.simulate(sim.SimConfig(**SMALL))
        np.testing.assert_array_equal(self.a.load, b.load)  # NaNs in the same places too
        np.testing.assert_array_equal(self.a.temperature, b.temperature)
        self.assertEqual(self.a.transfers, b.transfers)
        c = sim.simulate(sim.SimConfig(**SMALL, seed=12))
        self.assertFalse(np.allclose(np.nan_to_num(self.a.load), np.nan_to_num(c.load)))

    def test_shape_zones_and_time(self):
        s = self.a
        self.assertEqual(s.load.shape, (21 * 24, 10))
        zones = sim.read_zones(sim.TERRAIN)
        self.assertEqual(s.zone_ids, zones.zone_id.tolist()[::47])
        # local midnight of 1 Jan 2015 at UTC-3 is 03:00 UTC
        self.assertEqual(s.times[0].isoformat(), "2015-01-01T03:00:00+00:00")
        self.assertEqual(str(s.times.tz), "UTC")

    def test_driven_by_real_population_and_temperature(self):
        s = self.a
        weather = sim.read_weather(sim.WEATHER)
        day = weather.loc["2015-01-05"]
        temps = s.temperature_true[4 * 24 : 5 * 24]
        # the real minimum at 06:00 and maximum at 15:00 local time, as documented
        self.assertAlmostEqual(temps[6], day.temp_min, places=6)
        self.assertAlmostEqual(temps[15], day.temp_max, places=6)
        # more people, more load (on average over the zones)
        mean_load = np.nanmean(s.true_load, axis=0)
        self.assertGreater(np.corrcoef(s.population, mean_load)[0, 1], 0.5)
        self.assertTrue((s.true_load > 0).all())

    def test_readings_are_rounded_and_some_missing(self):
        s = sim.simulate(sim.SimConfig(start="2015-01-01", end="2015-03-31", zone_stride=10))
        v = s.load[np.isfinite(s.load)]
        np.testing.assert_allclose(v, np.round(v, 1))
        self.assertGreater(np.isnan(s.load).mean(), 0.001)
        self.assertGreater(np.isnan(s.temperature).sum(), 0)  # feed outages
        self.assertFalse(np.isnan(s.temperature_true).any())

    def test_streams_are_separate(self):
        b = sim.simulate(sim.SimConfig(**SMALL, loss_share=0.2))
        np.testing.assert_array_equal(self.a.true_load, b.true_load)
        self.assertGreater(np.isnan(b.load).mean(), np.isnan(self.a.load).mean())

    def test_bad_weather_file(self):
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "w.csv"
            p.write_text("date,temp_max\n2015-01-01,10\n")
            with self.assertRaisesRegex(ValueError, "missing columns"):
                sim.read_weather(p)
            p.write_text("date,temp_max,temp_min\n2015-01-01,10,5\n2015-01-03,10,5\n")
            with self.assertRaisesRegex(ValueError, "gaps"):
                sim.read_weather(p)


if __name__ == "__main__":
    unittest.main()
