"""The sequence-model comparison (issue 19): TCN windowing and shapes, causality, the no-leakage
rule (targets at or after a cutoff never reach training; early stopping reads only the validation
cells it is given) and the card section; quick, no data files. The slow class runs both --smoke
comparisons end to end (with the ONNX export path)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from cityassist_training.sequence import compare, tcn  # noqa: E402
from cityassist_training.sequence.card import END, START, section, update  # noqa: E402

torch.set_num_threads(1)


def toy(T=120, S=2, H=4, seed=0):
    rng = np.random.default_rng(seed)
    values = 20 + 5 * np.sin(np.arange(T) / 3)[:, None] + rng.normal(0, 1, (T, S))
    values[7, 0] = np.nan
    tt, ss = np.repeat(np.arange(10, T - 1), S), np.tile(np.arange(S), T - 11)
    idx = tt[:, None] + np.arange(1, H + 1)[None, :]
    Y = np.where(idx < T, values[np.clip(idx, 0, T - 1), ss[:, None]], np.nan)
    return SimpleNamespace(values=values, times=np.arange(T), tt=tt, ss=ss, Y=Y, level=np.full(len(tt), 20.0))


class Windowing(unittest.TestCase):
    def test_windows_and_input_shape(self):
        pb = toy()
        W = 12
        w = compare.windows(pb, W)
        self.assertEqual(w.shape, (len(pb.tt), W))
        # the last column is the anchor's own reading, the W-1 before it precede it
        np.testing.assert_allclose(w[:, -1], pb.values[pb.tt, pb.ss])
        i = int(np.flatnonzero((pb.tt == 10) & (pb.ss == 0))[0])
        self.assertTrue(np.isnan(w[i, W - 1 - 3]))  # y[7] is missing
        x = tcn.make_inputs(w, pb.level, np.zeros((len(pb.tt), 2, W)), (np.log(20.0), 1.0))
        self.assertEqual((x.shape, x.dtype), ((len(pb.tt), 5, W), np.float32))
        self.assertEqual((x[i, 0, W - 4], x[i, 1, W - 4]), (0, 0))
        self.assertTrue(np.isfinite(x).all())
        net = tcn.TCN(5, 8, pb.Y.shape[1], W)
        self.assertEqual(tuple(net(torch.from_numpy(x[:3])).shape), (3, pb.Y.shape[1]))

    def test_receptive_field_covers_window_and_is_causal(self):
        for W in (14, 28, 56, 96, 384):
            n = tcn.n_layers_for(W)
            self.assertGreaterEqual(1 + 2 * (2**n - 1), W)
            self.assertLess(1 + 2 * (2 ** (n - 1) - 1), W)
        torch.manual_seed(0)
        net = tcn.TCN(3, 8, 2, 16).eval()
        x = torch.randn(1, 3, 16)
        self.assertTrue(torch.equal(net(x), torch.zeros(1, 2)))  # zero head: untrained = the base
        x2 = x.clone()
        x2[0, :, 0] += 5.0  # the oldest step is inside the last step's receptive field
        self.assertFalse(torch.allclose(net.body(x2)[:, :, -1], net.body(x)[:, :, -1]))
        x3 = x.clone()
        x3[0, :, 10:] += 5.0  # causal: steps < 10 do not see steps >= 10
        self.assertTrue(torch.allclose(net.body(x3)[:, :, :10], net.body(x)[:, :, :10]))


class NoLeakage(unittest.TestCase):
    def test_target_ok_excludes_targets_at_or_after_the_cutoff(self):
        pb = toy()
        cut = 60
        ok = compare.target_ok(pb, cut)
        h = np.arange(1, pb.Y.shape[1] + 1)[None, :]
        self.assertFalse((ok & (pb.tt[:, None] + h >= cut)).any())
        self.assertTrue(ok[pb.tt + 1 < cut, 0].all())
        self.assertFalse((ok & compare.target_ok(pb, 100, start=cut)).any())

    def test_training_never_sees_masked_targets_and_stopping_reads_only_validation(self):
        pb = toy(T=80)
        W, cut = 8, 50
        x = tcn.make_inputs(
            compare.windows(pb, W), pb.level, np.zeros((len(pb.tt), 0, W)), (np.log(20.0), 1.0)
        )
        base = np.ones_like(pb.Y)
        ok = compare.target_ok(pb, cut)
        hp = {"hidden": 4, "lr": 0.01, "batch": 32}
        v = compare.target_ok(pb, 80, start=cut)
        sel = v.any(axis=1)
        val = (x[sel], base[sel], pb.level[sel], pb.Y[sel], v[sel])
        poisoned = np.where(ok, pb.Y, 1e6)  # every target the rule excludes made absurd
        a, ia = tcn.fit(x, base, pb.level, pb.Y, ok, hp, 3, val=val, max_epochs=3, patience=5)
        b, ib = tcn.fit(x, base, pb.level, poisoned, ok, hp, 3, val=val, max_epochs=3, patience=5)
        for k, t in a.state_dict().items():
            self.assertTrue(torch.equal(t, b.state_dict()[k]), k)
        self.assertEqual(ia["val_history"], ib["val_history"])
        # the validation cells passed in (and only they) drive the epoch choice
        v2 = tuple(arr[:5] for arr in val)
        _, ic = tcn.fit(x, base, pb.level, pb.Y, ok, hp, 3, val=v2, max_epochs=3, patience=5)
        self.assertNotEqual(ic["val_history"], ia["val_history"])


class CardSection(unittest.TestCase):
    def test_section_is_replaced_in_place(self):
        methods = ("tcn", "trees", "persistence", "seasonal_naive")
        g = {
            "horizons": [1, 2],
            **{f"mae_{m}": 1.0 for m in methods},
            **{f"mae_{m}_ci95": [0.9, 1.1] for m in methods},
            "diff_tcn_minus_trees": 0.0,
            "diff_tcn_minus_trees_ci95": [-0.1, 0.1],
        }
        res = {
            "unit": "MW",
            "validation_mae_mean_over_horizons": {
                "tcn": 2,
                "trees": 1,
                "persistence": 3,
                "seasonal_naive": 3,
            },
            "test_mae_mean_over_horizons": {"mae_tcn": 1, "mae_trees": 1},
            "chosen": {"hidden": 8, "window": 48, "lr": 0.003, "epochs": 2},
            "grid": {"hidden": [8]},
            "grid_results": [
                {"setting": {"hidden": 8, "window": 48, "lr": 0.003}, "best_epoch": 2, "val_mae": 2.0}
            ],
            "serve": "trees",
            "sequence_model": {"architecture": "a", "why_tcn": "b", "inputs": "c", "output": "d", "seed": 1},
            "periods": {"validation": ["2000-01-01", "2000-02-01"], "test": ["2000-02-01", "2000-03-01"]},
            "max_epochs": 2,
            "patience": 1,
            "validation_note": "note",
            "trees_check": {"refit_mae": 1, "shipped_evaluation_mae": 1},
            "test_groups": [g],
            "test_per_horizon": [g],
            "weather": "none",
        }
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "MODEL_CARD.md"
            p.write_text("# card\n\ntext\n")
            update(p, section(res))
            once = p.read_text()
            update(p, section(res))
            self.assertEqual(p.read_text(), once)
            self.assertEqual((once.count(START), once.count(END)), (1, 1))
            self.assertTrue(once.startswith("# card\n\ntext\n"))
            self.assertIn("trees win", once)


class SmokeComparison(unittest.TestCase):
    """Both --smoke comparisons end to end (about 15 s together), the AQI one with --export."""

    slow = True

    def test_smoke_runs(self):
        with tempfile.TemporaryDirectory() as tmp:
            for cfg, name in (("aqi_airbase", "aqi"), ("energy_taylor", "energy")):
                cmd = [
                    sys.executable,
                    "-m",
                    "cityassist_training.sequence",
                    "--config",
                    f"configs/{cfg}.json",
                ]
                cmd += ["--smoke", "--out", tmp, "--export", f"{tmp}/export-{name}"]
                r = subprocess.run(cmd, cwd=HERE.parent, capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr[-2000:])
                res = json.loads(next(Path(tmp, name).glob("*/sequence_comparison.json")).read_text())
                self.assertIn(res["serve"], ("tcn", "trees"))
                self.assertTrue(res["test_groups"] and res["test_per_horizon"])
                self.assertLess(res["periods"]["validation"][1], res["periods"]["test"][0])
                if res["serve"] == "tcn":
                    self.assertTrue(Path(tmp, f"export-{name}", "model.onnx").is_file())


if __name__ == "__main__":
    unittest.main()
