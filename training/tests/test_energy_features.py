"""The energy features: the reference (window_features) and the vectorised training code
(cell_features) agree, and the recipe's edge cases (too little data, gaps, the local clock)."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.energy import simulate as sim  # noqa: E402
from cityassist_training.energy.features import (  # noqa: E402
    FeatureSpec,
    cell_baselines,
    cell_features,
    cell_targets,
    window_features,
)


def hourly(temperature=True):
    return FeatureSpec.for_series("hourly", -3, temperature, 1.0)


class FeatureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sim.simulate(sim.SimConfig(start="2015-01-01", end="2015-02-28", zone_stride=47))
        v = cls.s.load.copy()
        rng = np.random.default_rng(0)
        v[rng.random(v.shape) < 0.1] = np.nan  # more gaps than the simulator makes
        v[300:320, 2] = np.nan  # a 20-hour hole
        cls.values = v
        temp = cls.s.temperature.copy()
        temp[rng.random(len(temp)) < 0.1] = np.nan
        temp[500:530] = np.nan  # a day-long temperature outage
        cls.temp = temp

    def test_columns_one_op_each(self):
        spec = hourly()
        cols = spec.columns()
        self.assertEqual([c["name"] for c in cols], spec.names)
        self.assertEqual(len(spec.names), 1 + 24 + 24 + 4 + 4 + 2)
        self.assertEqual(cols[0]["op"], "level")
        self.assertEqual(spec.history, 168)
        week, day = spec.base_indices()
        self.assertEqual(spec.names[week[0]], "r_lag_167")  # h = 1: y[t+1-168]
        self.assertEqual(spec.names[day[-1]], "r_lag_0")  # h = 24: y[t+24-24]
        half = FeatureSpec.for_series("half-hourly", 1, False, 1.0)
        self.assertEqual((half.day, half.week, half.horizons, len(half.names)), (48, 336, 48, 1 + 96 + 4 + 2))

    def test_window_equals_cell_features(self):
        spec = hourly()
        T, S = self.values.shape
        rng = np.random.default_rng(1)
        tt = np.concatenate([rng.integers(0, T, 300), [0, 5, 11, 12, 167, 168, 310, 515, 529]])
        ss = np.concatenate([rng.integers(0, S, 300), [0, 1, 2, 3, 2, 2, 2, 4, 4]])
        X, ok = cell_features(self.values, self.temp, self.s.times, tt, ss, spec)
        n_none = 0
        for i, (t, s) in enumerate(zip(tt, ss)):
            lo = max(0, t - spec.history + 1)
            f = window_features(self.values[lo : t + 1, s], self.temp[lo : t + 1], self.s.times[t], spec)
            if f is None:
                n_none += 1
                self.assertFalse(ok[i])
                self.assertTrue(np.isnan(X[i]).all())
                continue
            self.assertTrue(ok[i])
            np.testing.assert_allclose(f, X[i], rtol=1e-6, atol=1e-6, err_msg=f"cell {t}, {s}")
        self.assertGreater(n_none, 0)  # the first hours have too little history

    def test_without_temperature(self):
        spec = hourly(False)
        X, ok = cell_features(self.values, None, self.s.times, np.array([400]), np.array([1]), spec)
        f = window_features(self.values[233:401, 1], None, self.s.times[400], spec)
        np.testing.assert_allclose(f, X[0], rtol=1e-6)
        self.assertNotIn("temp_c", spec.names)

    def test_too_little_data(self):
        spec = hourly()
        y = np.full(168, np.nan)
        y[-11:] = 50.0
        self.assertIsNone(window_features(y, np.zeros(168), pd.Timestamp("2015-01-05T03:00Z"), spec))
        y[-12:] = 50.0
        f = window_features(y, np.zeros(168), pd.Timestamp("2015-01-05T03:00Z"), spec)
        self.assertEqual(f[spec.index("n_missing")], 12)
        self.assertTrue(np.isnan(f[spec.index("r_mean_168")]))  # fewer than 42 valid in the week
        self.assertTrue(np.isnan(f[spec.index("r_lag_167")]))

    def test_temperature_gaps(self):
        spec = hourly()
        y = np.full(168, 100.0)
        temp = np.full(168, 20.0)
        temp[-1] = np.nan
        temp[-5] = 30.0
        f = window_features(y, temp, pd.Timestamp("2015-01-05T03:00Z"), spec)
        self.assertTrue(np.isnan(f[spec.index("temp_c")]))
        self.assertEqual(f[spec.index("temp_max_24")], 30.0)
        temp[-24:] = np.nan
        temp[-2] = 25.0
        f = window_features(y, temp, pd.Timestamp("2015-01-05T03:00Z"), spec)
        self.assertTrue(np.isnan(f[spec.index("temp_mean_24")]))

    def test_local_clock(self):
        spec = hourly()
        y = np.full(168, 100.0)
        # 03:00 UTC on Monday 5 Jan 2015 is local (UTC-3) midnight, Monday
        f = window_features(y, y, pd.Timestamp("2015-01-05T03:00Z"), spec)
        self.assertEqual((f[spec.index("hour")], f[spec.index("dow")]), (0.0, 0.0))
        f = window_features(y, y, pd.Timestamp("2015-01-05T02:00Z"), spec)
        self.assertEqual((f[spec.index("hour")], f[spec.index("dow")]), (23.0, 6.0))
        half = FeatureSpec.for_series("half-hourly", 1, False, 1.0)
        f = window_features(np.full(336, 1.0), None, pd.Timestamp("2000-06-04T23:30Z"), half)
        self.assertEqual((f[half.index("hour")], f[half.index("dow")]), (0.5, 0.0))

    def test_targets_and_baselines(self):
        spec = hourly()
        v = self.values
        tt, ss = np.array([400, 1000]), np.array([1, 3])
        Y = cell_targets(v, tt, ss, 24)
        np.testing.assert_array_equal(Y[0], v[401:425, 1])
        P, N = cell_baselines(v, tt, ss, spec)
        np.testing.assert_array_equal(N[1], v[1000 + 1 - 168 : 1000 + 25 - 168, 3])
        last = v[:401, 1][np.isfinite(v[:401, 1])][-1]
        self.assertTrue((P[0] == last).all())


if __name__ == "__main__":
    unittest.main()
