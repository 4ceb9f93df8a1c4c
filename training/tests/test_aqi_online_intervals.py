"""Online interval recalibration (aqi/online_intervals.py): order statistics, the rolling window, no
look-ahead in the replay, adaptation under a shift, the serving state and the card section.

    /usr/bin/python3 -m unittest training/tests/test_aqi_online_intervals.py
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.aqi import card  # noqa: E402
from cityassist_training.aqi import online_intervals as oi  # noqa: E402
from cityassist_training.forecast_common import split_conformal_quantiles  # noqa: E402


def cells(t, e, level=10.0, ratio=1.0, sigma=0.1) -> oi.Cells:
    t = np.asarray(t)
    e = np.asarray(e, np.float64)
    n = len(t)
    level_, ratio_, sigma_ = np.full(n, level), np.full(n, ratio), np.full(n, sigma)
    y = level_ * (ratio_ + e * sigma_)
    return oi.Cells.of(t, np.zeros(n, int), y, level_, ratio_, sigma_)


class OrderStatistics(unittest.TestCase):
    def test_static_level_is_split_conformal(self):
        rng = np.random.default_rng(0)
        for n in (20, 99, 100, 1234):
            e = rng.normal(size=n)
            self.assertEqual(
                oi.order_stat_quantiles(sorted(e), 0.05, 0.05), split_conformal_quantiles(e, 0.1), f"n={n}"
            )

    def test_levels_move_the_order_statistic(self):
        s = list(range(99))
        self.assertEqual(oi.order_stat_quantiles(s, 0.05, 0.05), (4.0, 94.0))
        self.assertEqual(oi.order_stat_quantiles(s, 0.0, 0.0), (0.0, 98.0))  # clamped to the sample
        self.assertEqual(oi.order_stat_quantiles(s, 0.10, 0.10), (9.0, 89.0))


class RollingWindow(unittest.TestCase):
    def test_keeps_the_most_recent_scores_sorted(self):
        rng = np.random.default_rng(1)
        cal = oi.HorizonCalibrator(window=50, gamma=0.0).seed(rng.normal(size=80))
        self.assertEqual(cal.n, 50)
        seen = list(rng.normal(size=80))
        for e in rng.normal(size=300):
            seen.append(e)
            cal.observe(e, None, None)
        self.assertEqual(cal.scores(), seen[-50:])
        self.assertEqual(cal._sorted, sorted(seen[-50:]))

    def test_aci_step(self):
        cal = oi.HorizonCalibrator(window=10, gamma=0.01).seed([0.0, 1.0, 2.0])
        cal.observe(-1.0, 0.0, 2.0)  # below the lower end: a miss below, a hit above
        self.assertAlmostEqual(cal.a_lo, 0.05 + 0.01 * (0.05 - 1), places=15)
        self.assertAlmostEqual(cal.a_hi, 0.05 + 0.01 * 0.05, places=15)
        for _ in range(1000):
            cal.observe(-5.0, 0.0, 2.0)
        self.assertEqual(cal.a_lo, oi.LEVEL_CLIP[0], "a run of misses stops at the clip")


class Replay(unittest.TestCase):
    def test_no_error_is_used_before_its_target_time(self):
        # distinct, increasing scores: with a large upper level the issued q_hi is the largest
        # score observed so far, which names exactly which errors were known
        h = 3
        t = np.arange(30)
        e = t * 10.0
        cal = oi.HorizonCalibrator(window=1000, gamma=0.0, alpha=0.1, a_hi=0.0).seed([-1.0])
        _, q_hi = oi.simulate(t, e, h, cal)
        for tau, q in zip(t, q_hi):
            known = [x for ti, x in zip(t, e) if ti + h <= tau]
            self.assertEqual(q, max([-1.0] + known), f"anchor {tau}")

    def test_static_is_fixed(self):
        t = np.repeat(np.arange(10), 2)
        q_lo, q_hi = oi.simulate(t, np.ones(20), 1, oi.HorizonCalibrator(10, 0.1), static=(-1.0, 2.0))
        self.assertTrue((q_lo == -1.0).all() and (q_hi == 2.0).all())

    def test_recovers_coverage_after_a_shift(self):
        # calibrated on calm errors, tested on errors three times larger and biased low: the static
        # offsets under-cover and miss mostly below; the online ones come back to ~90 %, 5 % a side
        rng = np.random.default_rng(3)
        seed = rng.normal(size=2000)
        T, S = 3000, 4
        t = np.repeat(np.arange(T), S)
        e = rng.normal(-1.0, 3.0, size=T * S)
        c = [cells(t, e)]
        static = [split_conformal_quantiles(seed, 0.1)]
        before, _ = oi.run_period(c, 2000, 0.0, 0.1, static=static)
        after, _ = oi.run_period(c, 2000, 0.005, 0.1, seed=[seed])
        self.assertLess(before["overall"]["coverage"], 0.6)
        self.assertGreater(before["overall"]["miss_below"], 0.25)
        late = [cells(t[t >= T // 2], e[t >= T // 2])]
        cal = oi.HorizonCalibrator(2000, 0.005).seed(seed)
        oi.simulate(t[t < T // 2], e[t < T // 2], 1, cal)
        # the second half, continuing from the first half's state
        res, _ = oi.run_period(late, 2000, 0.005, 0.1, seed=[cal.scores()])
        self.assertGreater(after["overall"]["coverage"], 0.85)
        for side in ("miss_below", "miss_above"):
            self.assertLess(abs(res["overall"][side] - 0.05), 0.02, side)

    def test_coverage_is_scored_in_the_data_unit(self):
        # an interval clipped at 0 still contains a reading of 0
        c = oi.Cells.of([0], [0], [0.0], [10.0], [0.1], [0.1])
        r = oi.score_cells(c.y, c.level, c.ratio, c.sigma, np.array([-5.0]), np.array([-2.0]))
        self.assertEqual(r["coverage"], 1.0)


class ServingState(unittest.TestCase):
    def test_round_trip_quantised(self):
        rng = np.random.default_rng(4)
        cals = [
            oi.HorizonCalibrator(300, 0.001, 0.1, a_lo=0.04, a_hi=0.06).seed(rng.normal(size=500))
            for _ in range(3)
        ]
        state = oi.serving_state(cals, "x", 0.1, 0.05, "2026-01-01T00:00:00+00:00")
        back = oi.from_state(state)
        for a, b in zip(cals, back):
            self.assertEqual(b.n, 300)
            self.assertEqual((b.a_lo, b.a_hi), (a.a_lo, a.a_hi))
            np.testing.assert_allclose(b.scores(), a.scores(), atol=oi.QUANTUM / 2 + 1e-12)

    def test_parity_vectors_replay(self):
        rng = np.random.default_rng(5)
        cals = [oi.HorizonCalibrator(200, 0.01).seed(rng.normal(size=200)) for _ in range(4)]
        state = oi.serving_state(cals, "x", 0.1, 0.05, "2026-01-01T00:00:00+00:00")
        v = oi.parity_vectors(state, np.random.default_rng(6), steps=60)
        ops = {e["op"] for e in v["events"]}
        self.assertEqual(ops, {"interval", "observe"})
        # the levels moved: the vectors exercise the ACI step, not only the initial window
        moved = [e for e in v["events"] if e["op"] == "observe" and e["a_lo"] != 0.05]
        self.assertTrue(moved)


class CardSection(unittest.TestCase):
    def test_before_after_rows(self):
        rng = np.random.default_rng(7)
        t = np.repeat(np.arange(400), 3)
        cs = [cells(t, rng.normal(size=len(t))) for _ in range(2)]
        seeds = [rng.normal(size=500) for _ in range(2)]
        static = [split_conformal_quantiles(s, 0.1) for s in seeds]
        res, _ = oi.evaluate(cs, 200, seeds, cs, static, 0.1, None, window=500, gamma=0.001)
        text = "\n".join(card.online_section(res, "h"))
        self.assertIn("| 1 | 1200 |", text)
        self.assertIn("| 2 | 1200 |", text)
        self.assertIn("| all |", text)
        self.assertIn("window of the 500 most recent", text)


if __name__ == "__main__":
    unittest.main()
