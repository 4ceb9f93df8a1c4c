"""The flood evaluation's parts: the space-time blocked CV, the two-way bootstrap, the calibration
fit and the worst failures by event (issue 17 part 1).

    /usr/bin/python3 -m pytest -q training/tests/test_flood_evaluation.py
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.flood import evaluate  # noqa: E402
from cityassist_training.flood.metrics import bootstrap, calibration_fit, replicate_weights  # noqa: E402

CV = {"space_folds": 3, "time_blocks": 4, "buffer_days": 3, "rounds": 2}


def _rows(n_zones=30, days=120, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.date_range("2014-01-01", periods=days * 24, freq="h", tz="UTC")
    ti = rng.integers(0, len(t), 6000)
    z = rng.integers(0, n_zones, 6000)
    return pd.DataFrame(
        {
            "row": np.arange(6000, dtype=np.float32),
            "time": t[ti],
            "zone_id": [f"z{k}" for k in z],
            "neighbourhood": [f"n{k // 3}" for k in z],
            "label": (rng.random(6000) < 0.2).astype(int),
        }
    )


class SpaceTimeCV(unittest.TestCase):
    def test_never_trains_on_the_validation_neighbourhoods_or_near_their_time_block(self):
        df = _rows()
        fits = []

        def fit(X, y, params, seed):
            fits.append(X[:, 0].astype(int))
            return None

        with mock.patch.object(evaluate.model, "fit", fit), mock.patch.object(
            evaluate.model, "predict_proba", lambda b, X: np.full(len(X), 0.5)
        ):
            oof = evaluate.space_time_oof(df, ["row"], {}, 1, CV)
        self.assertEqual(len(fits), CV["space_folds"] * CV["rounds"])
        # Validated rows: rounds / blocks of them (2 of 4 Latin diagonals), the rest left NaN.
        share = np.mean(~np.isnan(oof))
        self.assertAlmostEqual(share, CV["rounds"] / CV["time_blocks"], delta=0.08)
        validated = ~np.isnan(oof)
        # Fold by fold: recompute the groups the way the function does and check each fold's gap.
        from sklearn.model_selection import GroupKFold

        groups = np.zeros(len(df), int)
        for g, (_, va) in enumerate(GroupKFold(CV["space_folds"]).split(df, df.label, df.neighbourhood)):
            groups[va] = g
        k = 0
        for r in range(CV["rounds"]):
            for g in range(CV["space_folds"]):
                tr = fits[k]
                k += 1
                self.assertFalse((groups[tr] == g).any(), "a validation neighbourhood in training")
                val = (groups == g) & validated
                b = (g + r) % CV["time_blocks"]
                edges = pd.date_range(
                    df.time.min(), df.time.max() + pd.Timedelta(hours=1), periods=CV["time_blocks"] + 1
                )
                lo = edges[b] - pd.Timedelta(days=CV["buffer_days"])
                hi = edges[b + 1] + pd.Timedelta(days=CV["buffer_days"])
                t_tr = df.time.iloc[tr]
                self.assertFalse(((t_tr >= lo) & (t_tr < hi)).any(), "a training row inside the buffer")
                self.assertTrue(val.any())


class TwoWayBootstrap(unittest.TestCase):
    def test_a_rows_weight_is_its_zones_count_times_its_days(self):
        zones = np.array([0, 0, 1, 1, 2, 2])
        days = np.array([0, 1, 0, 1, 0, 1])
        for seed in range(20):
            w = replicate_weights([zones, days], np.random.default_rng(seed))
            # The same draws, one dimension at a time: zones first, then days (the function's order).
            rng = np.random.default_rng(seed)
            cz = rng.multinomial(3, np.full(3, 1 / 3))
            cd = rng.multinomial(2, np.full(2, 1 / 2))
            self.assertTrue(np.array_equal(w, (cz[:, None] * cd[None, :]).ravel().astype(float)))
            self.assertEqual(w.sum(), 6.0)

    def test_resampling_both_zones_and_days_widens_the_interval_when_days_share_shocks(self):
        rng = np.random.default_rng(0)
        n_z, n_d = 60, 80
        z = np.repeat(np.arange(n_z), n_d)
        d = np.tile(np.arange(n_d), n_z)
        # A storm day lifts every zone's risk; the model sees only part of it.
        day_shock = rng.normal(0, 1.5, n_d)[d]
        zone_effect = rng.normal(0, 1.0, n_z)[z]
        logit = -3 + day_shock + zone_effect
        y = (rng.random(len(z)) < 1 / (1 + np.exp(-logit))).astype(float)
        p = 1 / (1 + np.exp(-(-3 + 0.5 * day_shock + zone_effect + rng.normal(0, 1, len(z)))))
        one = bootstrap(y, p, z, 0.5, 10, 200, np.random.default_rng(1))["ci"]["pr_auc"]
        two = bootstrap(y, p, (z, d), 0.5, 10, 200, np.random.default_rng(1))["ci"]["pr_auc"]
        self.assertGreater(two[1] - two[0], 1.3 * (one[1] - one[0]))


class CalibrationFit(unittest.TestCase):
    def test_slope_one_when_calibrated_and_below_one_when_too_sure(self):
        rng = np.random.default_rng(5)
        logit = rng.normal(-2, 1.5, 20000)
        y = (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(int)
        clusters = (np.arange(len(y)) % 100, np.arange(len(y)) % 37)
        ecfg = {"calibration_bootstrap": 20}
        ok = calibration_fit(y, 1 / (1 + np.exp(-logit)), clusters, ecfg, np.random.default_rng(0))
        self.assertAlmostEqual(ok["slope"], 1.0, delta=0.08)
        self.assertTrue(ok["calibrated"])
        sure = calibration_fit(y, 1 / (1 + np.exp(-2 * logit)), clusters, ecfg, np.random.default_rng(0))
        self.assertAlmostEqual(sure["slope"], 0.5, delta=0.05)
        self.assertFalse(sure["calibrated"])
        self.assertLess(sure["slope_ci"][0], sure["slope"])
        self.assertGreater(sure["slope_ci"][1], sure["slope"])


class WorstFailuresByEvent(unittest.TestCase):
    def test_storms_merge_across_short_gaps_and_dry_days_are_their_own_events(self):
        rain = np.zeros((24 * 10, 2))
        rain[30:33] = 5.0  # storm A
        rain[45:47] = 2.0  # 12 h later: still storm A
        rain[120:122] = 3.0  # 73 h after: storm B
        ev = evaluate.rain_events(rain)
        self.assertEqual(ev[30], ev[46])
        self.assertEqual(ev[46], ev[46 + 24])
        self.assertNotEqual(ev[30], ev[120])
        self.assertTrue(ev[0] < 0 and ev[200] < 0 and ev[0] != ev[200])
        self.assertEqual(ev[0], ev[23])

    def test_ten_failures_come_from_ten_events(self):
        n_t, n_z = 24 * 40, 5
        rng = np.random.default_rng(2)
        rain = np.zeros((n_t, n_z))
        for start in range(24, n_t - 48, 72):
            rain[start : start + 6] = 10.0
        sim = mock.Mock(
            rain=rain,
            capacity_factor=np.ones(n_z),
            ponding=rng.random((n_t, n_z)) * 20,
            flood_true=rng.random((n_t, n_z)) < 0.3,
        )
        t_idx = rng.integers(0, n_t, 4000)
        test = pd.DataFrame(
            {
                "t_idx": t_idx,
                "z_idx": rng.integers(0, n_z, 4000),
                "time": pd.Timestamp("2015-07-01", tz="UTC") + pd.to_timedelta(t_idx, "h"),
                "zone_id": "z",
                "neighbourhood": "n",
                "rain_1h_mm": 1.0,
                "rain_24h_mm": 1.0,
                "rain_72h_mm": 1.0,
                "label": (rng.random(4000) < 0.3).astype(int),
            }
        )
        p = rng.random(4000)
        worst = evaluate.worst_failures(sim, test, p, 10, 0.5)
        self.assertEqual(len(worst), 10)
        self.assertEqual(len({w["event"] for w in worst}), 10)
        losses = [w["log_loss"] for w in worst]
        self.assertEqual(losses, sorted(losses, reverse=True))


if __name__ == "__main__":
    unittest.main()
