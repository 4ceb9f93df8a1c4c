"""End to end: smoke trainings of both energy configs write valid, deterministic model folders whose
ONNX graph equals Forecaster.predict; bad input exits 2 without a model folder."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _energy_onnx import run_graph  # noqa: E402
from cityassist_training import contract  # noqa: E402
from cityassist_training.energy import export, model  # noqa: E402
from cityassist_training.energy.features import FeatureSpec  # noqa: E402

REPO = HERE.parents[1]
FILES = ("model.onnx", "metadata.json", "test_vectors.json", "evaluation.json", "MODEL_CARD.md")


def train(config: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(REPO / "training" / "train.py"), "energy", "--config", config, "--smoke"]
    return subprocess.run(cmd + ["--out", str(out), *extra], capture_output=True, text=True, cwd=REPO)


class GraphEqualsPredict(unittest.TestCase):
    """A tiny forecaster on synthetic rows: the exported graph computes exactly Forecaster.predict."""

    def test_graph(self):
        spec = FeatureSpec.for_series("hourly", -3, True, 1.0)
        rng = np.random.default_rng(0)
        n, F = 400, len(spec.names)
        X = rng.uniform(0.5, 1.5, (n, F)).astype(np.float32)
        X[:, 0] = rng.uniform(10, 200, n)
        X[rng.random((n, F)) < 0.1] = np.nan
        X[:, 0] = np.nan_to_num(X[:, 0], nan=50.0)
        X[:, spec.index(spec.std_name)] = rng.uniform(0.0, 0.3, n)
        Y = X[:, [0]] * rng.uniform(0.7, 1.3, (n, spec.horizons))
        masks = [np.ones(n, dtype=bool)] * spec.horizons
        for target in ("delta_weekly", "delta_daily", "ratio"):
            for scale in ("r_std", "level"):
                fc = model.fit(spec, X, Y, masks, {"n_estimators": 3, "max_depth": 2, "target": target}, 1)
                fc.scale = scale
                fc.q_lo = np.linspace(-2, -1, spec.horizons).astype(np.float32)
                fc.q_hi = np.linspace(1, 2, spec.horizons).astype(np.float32)
                g = run_graph(export.build_onnx(fc, "test", {}), X[:40])
                want = fc.predict(X[:40])
                for k in ("ratio", "forecast", "lower", "upper"):
                    np.testing.assert_allclose(
                        g[k], want[k], rtol=1e-5, atol=1e-4, err_msg=f"{target} {scale} {k}"
                    )


class SmokePipeline(unittest.TestCase):
    slow = True

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.runs = {}
        for name, cfg in (
            ("zones", "training/configs/energy.json"),
            ("taylor", "training/configs/energy_taylor.json"),
        ):
            for rep in ("a", "b"):
                r = train(cfg, root / rep)
                if r.returncode != 0:
                    raise AssertionError(f"{cfg} smoke run failed:\n{r.stderr[-3000:]}")
            cls.runs[name] = root
        cls.dirs = {"zones": "1.0.0-smoke", "taylor": "taylor-1.0.0-smoke"}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def d(self, name: str, rep: str = "a") -> Path:
        return self.runs[name] / rep / "energy" / self.dirs[name]

    def test_contract(self):
        for name in self.dirs:
            self.assertEqual(contract.check_model_dir(self.d(name)), [], name)
            for f in FILES:
                self.assertTrue((self.d(name) / f).is_file(), f"{name} {f}")

    def test_deterministic(self):
        for name in self.dirs:
            for f in FILES:
                a, b = (self.d(name, rep) / f for rep in ("a", "b"))
                if f == "metadata.json":  # the recorded command is the same; nothing else may differ
                    self.assertEqual(json.loads(a.read_text()), json.loads(b.read_text()), f"{name} {f}")
                else:
                    self.assertEqual(a.read_bytes(), b.read_bytes(), f"{name} {f}")
        snap = [self.runs["zones"] / rep / "olinda_zone_load.csv" for rep in ("a", "b")]
        self.assertEqual(snap[0].read_bytes(), snap[1].read_bytes())

    def test_onnx_equals_forecaster(self):
        for name in self.dirs:
            m = onnx.load(str(self.d(name) / "model.onnx"))
            tv = json.loads((self.d(name) / "test_vectors.json").read_text())
            X = np.array(
                [[np.nan if v is None else v for v in r] for r in tv["inputs"]][:6], dtype=np.float32
            )
            got = run_graph(m, X)
            for k, rows in tv["expected"].items():
                want = np.array([[np.nan if v is None else v for v in r] for r in rows[:6]], dtype=np.float32)
                scale = np.maximum(1, X[:, [0]]) if k != "ratio" else 1
                np.testing.assert_array_less(np.abs(got[k] - want) / scale, 1e-5, err_msg=f"{name} {k}")

    def test_metadata(self):
        meta = json.loads((self.d("zones") / "metadata.json").read_text())
        self.assertEqual(
            (meta["unit"], meta["resolution"], meta["horizons"], meta["served"]), ("kW", "hourly", 24, True)
        )
        ops = {c["op"] for c in meta["feature_spec"]["columns"]}
        self.assertIn("temp_mean", ops)
        self.assertIn("snapshot", meta)
        t = json.loads((self.d("taylor") / "metadata.json").read_text())
        self.assertEqual(
            (t["unit"], t["resolution"], t["horizons"], t["served"]), ("MW", "half-hourly", 48, False)
        )
        self.assertNotIn("temp_c", t["feature_spec"]["names"])
        self.assertEqual(t["data_provenance"], "real")
        ev = json.loads((self.d("taylor") / "evaluation.json").read_text())
        for k in ("mae_seasonal_naive_ci95", "mae_persistence_ci95", "rmse_ci95", "coverage"):
            self.assertIn(k, ev["per_horizon"][0])
        self.assertEqual(len(ev["worst_failures"]), 10)

    def test_snapshot_format(self):
        lines = (self.runs["zones"] / "a" / "olinda_zone_load.csv").read_text().splitlines()
        header = lines[0].split(",")
        self.assertEqual(header[:2], ["at_utc", "temp_c"])
        terrain = (REPO / "data" / "olinda" / "terrain.csv").read_text().splitlines()[1:]
        self.assertEqual(header[2:], [row.split(",")[0] for row in terrain][::20])
        self.assertEqual(len(lines), 1 + 168)
        self.assertTrue(lines[-1].startswith("2015-04-01T02:00:00Z,"))
        tv = json.loads((self.d("zones") / "test_vectors.json").read_text())
        self.assertEqual(sum(w.get("kind") == "snapshot" for w in tv["windows"]), 1)

    def test_bad_data_exits_2(self):
        with tempfile.TemporaryDirectory() as d:
            bad = Path(d) / "bad.csv"
            bad.write_text("period_start_utc,demand_mw\n2000-06-04T23:00:00Z,1\n2000-06-04T23:00:00Z,2\n")
            r = train("training/configs/energy_taylor.json", Path(d) / "out", "--data", str(bad))
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("repeated timestamps", r.stderr)
            self.assertFalse((Path(d) / "out" / "energy").exists())


if __name__ == "__main__":
    unittest.main()
