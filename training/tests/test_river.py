"""The river-level simulator: driven by rain, bounded by its parameters, reproducible."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.simulate.river import RiverConfig, simulate_river_level  # noqa: E402


class RiverLevelTest(unittest.TestCase):
    def test_dry_river_stays_near_base_and_tide(self) -> None:
        cfg = RiverConfig(noise_m=0.0)
        level, bankfull = simulate_river_level(np.zeros((48, 3)), np.ones(3), cfg, np.random.default_rng(1))
        self.assertLessEqual(np.max(np.abs(level - cfg.base_m)), cfg.tide_m + 1e-9)
        self.assertFalse(bankfull.any())

    def test_a_storm_raises_the_river_then_it_recedes(self) -> None:
        cfg = RiverConfig(noise_m=0.0, tide_m=0.0)
        rain = np.zeros((120, 2))
        rain[10:16] = 40.0  # six hours of a heavy storm everywhere
        level, bankfull = simulate_river_level(rain, np.array([1.0, 3.0]), cfg, np.random.default_rng(1))
        peak = int(np.argmax(level))
        self.assertTrue(15 <= peak <= 16, peak)
        self.assertTrue(bankfull[peak])
        self.assertLess(level[-1], level[peak] / 2)

    def test_same_seed_same_series(self) -> None:
        rain = np.random.default_rng(0).gamma(0.3, 2.0, size=(200, 5))
        a, _ = simulate_river_level(rain, np.ones(5), RiverConfig(), np.random.default_rng(7))
        b, _ = simulate_river_level(rain, np.ones(5), RiverConfig(), np.random.default_rng(7))
        np.testing.assert_array_equal(a, b)

    def test_expected_failure_wrong_shape(self) -> None:
        with self.assertRaises(ValueError):
            simulate_river_level(np.zeros((10, 4)), np.ones(3), RiverConfig(), np.random.default_rng(0))


if __name__ == "__main__":
    unittest.main()
