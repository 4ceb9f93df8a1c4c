"""The flood-segmentation scenes and satellite passes (cityassist_training/flood_segmentation): the
simulator is deterministic and puts water only where there is ponding, clouds cover what was asked,
and the served share never uses anything after a pass's acquisition. Seconds: an untrained tiny
U-Net stands in for the trained one (what is tested is the plumbing, not the accuracy)."""

from __future__ import annotations

import json
import sys
import tempfile
import unittest
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.flood_segmentation import passes  # noqa: E402
from cityassist_training.flood_segmentation.model import UNet, pad4, predict_logits  # noqa: E402
from cityassist_training.flood_segmentation.scenes import (  # noqa: E402
    CHANNELS,
    SceneConfig,
    cloud_mask,
    load_grid,
    simulate_scene,
    water_mask,
    zone_share,
)

REPO = Path(__file__).resolve().parents[2]
RASTER = REPO / "data" / "olinda" / "raster.json"
PASSES = {
    "sentinel1": {"mode": "sar", "every_days": 6, "first_day": 0, "hour_utc": 8, "latency_h": 4},
    "sentinel2": {"mode": "optical", "every_days": 5, "first_day": 2, "hour_utc": 12, "latency_h": 8},
    "cloud": {"dry_mean": 0.45, "wet_mean": 0.8, "concentration": 4.0},
    "probability_threshold": 0.5,
}


def zone_ids(stride: int = 1) -> list[str]:
    return pd.read_csv(REPO / "data" / "olinda" / "terrain.csv", dtype={"zone_id": str}).zone_id.tolist()[
        ::stride
    ]


class Scenes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cfg = SceneConfig()
        cls.ids = zone_ids()
        cls.grid = load_grid(RASTER, cls.ids, cls.cfg)

    def test_grid_is_the_city(self):
        g = self.grid
        self.assertEqual(g.shape[0] % 4, 0)
        self.assertEqual(g.shape[1] % 4, 0)
        self.assertTrue((g.pixels > 0).all(), "every tract owns at least one 30 m pixel")
        self.assertFalse((g.permanent & g.city).any(), "no permanent water inside a tract")
        self.assertGreater(g.permanent.mean(), 0.05, "the sea is in the window")

    def test_deterministic_per_seed(self):
        w = np.full(len(self.ids), 12.0, np.float32)
        a = simulate_scene(self.grid, w, "both", 0.4, self.cfg, np.random.default_rng(5))
        b = simulate_scene(self.grid, w, "both", 0.4, self.cfg, np.random.default_rng(5))
        c = simulate_scene(self.grid, w, "both", 0.4, self.cfg, np.random.default_rng(6))
        np.testing.assert_array_equal(a.x, b.x)
        self.assertFalse(np.array_equal(a.x, c.x))
        np.testing.assert_array_equal(a.water, c.water)  # the truth has no noise

    def test_water_only_in_the_flooded_zone(self):
        # The zone with the lowest ground: a bathtub fill there must cover several pixels.
        k = int(np.argmin(self.grid.lowest))
        w = np.zeros(len(self.ids), np.float32)
        w[k] = 20.0
        flood = water_mask(self.grid, w, self.cfg) & self.grid.city
        self.assertGreater(int((flood & (self.grid.zone == k)).sum()), 0)
        self.assertEqual(int((flood & (self.grid.zone != k)).sum()), 0)
        share = zone_share(self.grid, flood[None])[0]
        self.assertGreater(share[k], 0)
        self.assertEqual(float(np.delete(share, k).max()), 0.0)
        dry = water_mask(self.grid, np.zeros(len(self.ids)), self.cfg)
        self.assertFalse((dry & self.grid.city).any(), "no ponding, no flood water")
        below = w.copy()
        below[k] = self.cfg.min_visible_mm / 2
        self.assertFalse((water_mask(self.grid, below, self.cfg) & self.grid.city).any())

    def test_more_ponding_more_water(self):
        n = [
            int((water_mask(self.grid, np.full(len(self.ids), d), self.cfg) & self.grid.city).sum())
            for d in (4, 8, 16)
        ]
        self.assertLess(n[0], n[1])
        self.assertLess(n[1], n[2])

    def test_cloud_covers_the_requested_share(self):
        rng = np.random.default_rng(0)
        for cover in (0.0, 0.1, 0.5, 0.9, 1.0):
            cloud, _ = cloud_mask(self.grid.shape, cover, self.cfg, rng)
            self.assertAlmostEqual(float(cloud.mean()), cover, delta=0.01)

    def test_sensors_and_flags(self):
        w = np.full(len(self.ids), 12.0, np.float32)
        sar = simulate_scene(self.grid, w, "sar", 0.5, self.cfg, np.random.default_rng(1))
        opt = simulate_scene(self.grid, w, "optical", 0.5, self.cfg, np.random.default_rng(1))
        self.assertEqual(sar.x.shape, (len(CHANNELS), *self.grid.shape))
        self.assertTrue((sar.x[1] == 1).all() and (sar.x[2:4] == 0).all())
        self.assertTrue((opt.x[:2] == 0).all() and (opt.x[1] == 0).all())
        np.testing.assert_array_equal(opt.x[3], ~opt.cloud)
        # Same rng, same clouds whatever the sensors.
        np.testing.assert_array_equal(sar.cloud, opt.cloud)
        # Radar: water is dark, land is not (medians, through the speckle).
        self.assertLess(np.median(sar.sar_db[sar.water]), -15)
        self.assertGreater(np.median(sar.sar_db[~sar.water]), -10)


class Model(unittest.TestCase):
    def test_any_size_and_padding(self):
        torch.manual_seed(0)
        m = UNet(len(CHANNELS), (4, 4, 8))
        x = np.random.default_rng(0).standard_normal((2, len(CHANNELS), 30, 41)).astype(np.float32)
        self.assertEqual(pad4(x)[0].shape[-2:], (32, 44))
        self.assertEqual(predict_logits(m, x).shape, (2, 30, 41))


def tiny_model_dir(root: Path) -> Path:
    """An untrained tiny U-Net saved as the pipeline saves one (weights.pt + metadata.json)."""
    torch.manual_seed(0)
    model = UNet(len(CHANNELS), (4, 4, 8))
    torch.save(model.state_dict(), root / "weights.pt")
    meta = {
        "input": {"channels": CHANNELS},
        "architecture": {"widths": [4, 4, 8]},
        "weights": "weights.pt",
        "scenes": asdict(SceneConfig()),
        "passes": PASSES,
    }
    (root / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return root


class SatellitePasses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model_dir = tiny_model_dir(Path(cls.tmp.name))
        cls.ids = zone_ids(stride=10)
        cls.hours = pd.date_range("2015-03-01", periods=24 * 20, freq="h", tz="UTC")
        rng = np.random.default_rng(3)
        cls.ponding = (
            rng.random((len(cls.hours), len(cls.ids))) * 20 * (rng.random((len(cls.hours), 1)) < 0.3)
        ).astype(np.float32)
        cls.share, cls.age, cls.passes = passes.satellite_features(
            cls.hours, cls.ponding, cls.ids, cls.model_dir, seed=9, return_passes=True
        )

    @classmethod
    def tearDownClass(cls):
        passes.load_model.cache_clear()
        cls.tmp.cleanup()

    def test_schedule(self):
        h = self.hours.tz_localize(None).to_numpy().astype("datetime64[h]")
        for p in self.passes:
            sc = PASSES[p.sensor]
            acq = h[p.index]
            self.assertEqual(
                int((acq - acq.astype("datetime64[D]")) / np.timedelta64(1, "h")), sc["hour_utc"]
            )
            self.assertEqual(
                int(acq.astype("datetime64[D]").astype(np.int64)) % sc["every_days"], sc["first_day"]
            )
            self.assertEqual(p.available - acq, np.timedelta64(sc["latency_h"], "h"))
            self.assertTrue(0 <= p.cloud_cover <= 1)
        self.assertEqual({p.sensor for p in self.passes}, {"sentinel1", "sentinel2"})
        self.assertGreaterEqual(len(self.passes), 6)

    def test_nan_before_the_first_pass(self):
        first = min(p.available for p in self.passes)
        h = self.hours.tz_localize(None).to_numpy().astype("datetime64[h]")
        before = h < first
        self.assertTrue(before.any())
        self.assertTrue(np.isnan(self.share[before]).all() and np.isnan(self.age[before]).all())
        self.assertFalse(np.isnan(self.share[~before]).any() or np.isnan(self.age[~before]).any())
        self.assertTrue(((self.share[~before] >= 0) & (self.share[~before] <= 1)).all())

    def test_age_grows_by_one_between_passes(self):
        age = self.age[:, 0]
        ok = ~np.isnan(age)
        t = np.nonzero(ok)[0]
        acquired = t - age[t]  # the served pass's acquisition hour index
        steps = np.diff(age[t])
        new_pass = np.diff(acquired) > 0
        self.assertTrue(np.all(steps[~new_pass] == 1))
        self.assertTrue(np.all(steps[new_pass] < 1))
        self.assertTrue(np.all(np.diff(acquired) >= 0), "a newer pass is never replaced by an older one")
        self.assertTrue((self.age[ok] == self.age[ok][:, :1]).all(), "one pass serves every zone")
        # The first served hour is the first pass's latency after its acquisition.
        self.assertIn(age[t[0]], {4.0, 8.0})

    def test_nothing_after_the_acquisition_is_used(self):
        h = self.hours.tz_localize(None).to_numpy().astype("datetime64[h]")
        p = self.passes[len(self.passes) // 2]
        changed = self.ponding.copy()
        changed[p.index + 1 :] = 50.0
        share, age = passes.satellite_features(self.hours, changed, self.ids, self.model_dir, seed=9)
        t = np.arange(len(h))
        served = t - np.nan_to_num(self.age[:, 0], nan=-1)  # acquisition index of the served pass
        same = np.isnan(self.age[:, 0]) | (served <= p.index)
        self.assertTrue(same[t > p.index].any(), "some hours after the pass are served by it")
        np.testing.assert_array_equal(share[same], self.share[same])
        np.testing.assert_array_equal(age, self.age)

    def test_the_committed_model_sees_a_later_flood(self):
        """With the trained model (when committed), the change does show after the next pass."""
        dirs = sorted((REPO / "models" / "flood-segmentation").glob("*/weights.pt"))
        if not dirs:
            self.skipTest("no trained flood-segmentation model committed")
        model_dir = dirs[-1].parent
        p = self.passes[len(self.passes) // 2]
        dry = np.zeros_like(self.ponding)
        wet = dry.copy()
        wet[p.index + 1 :] = 30.0
        a, age_a = passes.satellite_features(self.hours, dry, self.ids, model_dir, seed=9)
        b, age_b = passes.satellite_features(self.hours, wet, self.ids, model_dir, seed=9)
        t = np.arange(len(self.hours))
        later = ~np.isnan(age_a[:, 0]) & (t - np.nan_to_num(age_a[:, 0]) > p.index)
        early = ~later
        np.testing.assert_array_equal(a[early], b[early])
        self.assertGreater(float(np.nanmean(b[later] - a[later])), 0.01, "a flood after the pass shows later")

    def test_leaves_the_callers_torch_generator_alone(self):
        passes.load_model.cache_clear()
        torch.manual_seed(11)
        expected = torch.rand(3)
        torch.manual_seed(11)
        passes.satellite_features(self.hours[:200], self.ponding[:200], self.ids, self.model_dir, seed=9)
        torch.testing.assert_close(torch.rand(3), expected)

    def test_rejects_mismatched_shapes(self):
        with self.assertRaises(ValueError):
            passes.satellite_features(self.hours, self.ponding[:, :3], self.ids, self.model_dir, seed=9)


if __name__ == "__main__":
    unittest.main()
