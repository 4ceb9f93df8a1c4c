"""Realistic satellite passes over a simulation -> each zone's flooded share, as the tabular flood
model would receive it: ``satellite_features``.

A feature pipeline does not get a flood map every hour. It gets one per satellite pass, some hours
after the acquisition (download, processing), and keeps serving the newest map it has until the
next one arrives. So for every hour t this returns the zone shares of the newest pass (by
acquisition time) whose data is available at t, and how old that acquisition is:

* **Sentinel-1** (SAR, sees through cloud): every ``every_days`` (6) days at ``hour_utc`` (08 UTC,
  the descending pass over Olinda at about 05:00 local), available ``latency_h`` (4) hours later.
* **Sentinel-2** (optical): every 5 days at 12 UTC (about 10:30 local solar time, the sun-
  synchronous crossing), available 8 hours later; its share is only as good as the clouds allow.

The schedule is anchored on days since 1970-01-01 (``day % every_days == first_day``), so it does
not move with the simulation's start. Each pass's scene is simulated (``scenes.simulate_scene``)
from the ponding **at its acquisition hour only**, with a cloud cover drawn from a Beta
distribution whose mean is higher when any zone has ponding at that hour (it has been raining), and
its random draws come from streams keyed by (seed, sensor, acquisition day or hour since 1970):
nothing after the acquisition can change a pass, and a pass is the same whatever window of hours
the caller simulates. Simulated, like the scenes; see the model card.

The model is the torch copy of the exported network (``weights.pt`` next to ``model.onnx``, the
same weights, checked against the ONNX file by the parity test); Python has no onnxruntime here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from .model import UNet, predict_logits
from .scenes import CHANNELS, SceneConfig, load_grid, simulate_scene, zone_share

REPO = Path(__file__).resolve().parents[3]
DEFAULT_RASTER = REPO / "data" / "olinda" / "raster.json"
SENSORS = ("sentinel1", "sentinel2")


@dataclass(frozen=True)
class Pass:
    sensor: str
    mode: str
    index: int  # into hours: the acquisition hour
    available: np.datetime64
    cloud_cover: float


@lru_cache(maxsize=4)
def load_model(model_dir: str) -> tuple[UNet, dict]:
    meta = json.loads((Path(model_dir) / "metadata.json").read_text(encoding="utf-8"))
    # Building the module draws initial weights from torch's global generator; fork it so that a
    # caller's seeded torch state is the same after this call as before (the weights are loaded).
    with torch.random.fork_rng():
        model = UNet(len(meta["input"]["channels"]), tuple(meta["architecture"]["widths"]))
    model.load_state_dict(torch.load(Path(model_dir) / meta["weights"], map_location="cpu"))
    model.eval()
    return model, meta


def _utc_hours(hours) -> np.ndarray:
    """[T] datetime64[h] in UTC from numpy datetime64 or a (tz-aware) pandas DatetimeIndex."""
    if getattr(hours, "tz", None) is not None:
        hours = hours.tz_convert("UTC").tz_localize(None)
    return np.asarray(hours).astype("datetime64[h]")


def schedule(hours, ponding_mm: np.ndarray, cfg: dict, seed: int) -> list[Pass]:
    """Every pass whose acquisition hour is in ``hours``; cloud cover from the ponding at that hour."""
    h = _utc_hours(hours)
    days = np.unique(h.astype("datetime64[D]"))
    cloud = cfg["cloud"]
    out = []
    for s_i, sensor in enumerate(SENSORS):
        sc = cfg[sensor]
        every, first = int(sc["every_days"]), int(sc["first_day"]) % int(sc["every_days"])
        day_no = days.astype(np.int64)
        for d, n in zip(days[day_no % every == first], day_no[day_no % every == first]):
            acq = d.astype("datetime64[h]") + np.timedelta64(int(sc["hour_utc"]), "h")
            i = int(np.searchsorted(h, acq))
            if i >= len(h) or h[i] != acq:
                continue
            rng = np.random.default_rng([seed, 51, s_i, int(n)])
            wet = bool((ponding_mm[i] > 0).any())
            mean = float(cloud["wet_mean"] if wet else cloud["dry_mean"])
            k = float(cloud["concentration"])
            # Drawn for a radar pass too (it is recorded and scored by cloud bin; SAR ignores it).
            cover = float(rng.beta(mean * k, (1 - mean) * k))
            out.append(Pass(sensor, sc["mode"], i, acq + np.timedelta64(int(sc["latency_h"]), "h"), cover))
    return sorted(out, key=lambda p: (p.index, p.sensor))


def satellite_features(
    hours,
    ponding_mm: np.ndarray,
    zone_ids: list[str],
    model_dir: str | Path,
    seed: int,
    cfg: dict | None = None,
    raster_path: str | Path | None = None,
    batch: int = 4,
    return_passes: bool = False,
):
    """Each zone's flooded share as served at every hour, from simulated satellite passes.

    hours: [T] UTC hour starts (numpy datetime64 or a pandas DatetimeIndex, ascending);
    ponding_mm: [T, Z] float, ``simulate_floods(...).ponding_mm``; zone_ids: the Z zone ids in the
    ponding's column order (terrain.csv's zone_id); model_dir: ``models/flood-segmentation/<v>/``;
    seed: the pass stream (clouds, speckle); cfg: the ``passes`` block (default: the one in the
    model's metadata.json); raster_path: default data/olinda/raster.json.

    Returns (share [T, Z] float32, the share of each zone's 30 m pixels the U-Net calls water in
    the newest available pass, NaN before the first; age_h [T, Z] float32, hours since that pass's
    acquisition, NaN likewise), plus the list of ``Pass`` if ``return_passes``.
    """
    model, meta = load_model(str(Path(model_dir).resolve()))
    if meta["input"]["channels"] != CHANNELS:
        raise ValueError(
            f"{model_dir}: input channels {meta['input']['channels']}, this code makes {CHANNELS}"
        )
    cfg = cfg or meta["passes"]
    scene_cfg = SceneConfig(**meta["scenes"])
    ponding_mm = np.asarray(ponding_mm, np.float32)
    h = _utc_hours(hours)
    if ponding_mm.shape != (len(h), len(zone_ids)):
        raise ValueError(f"ponding_mm is {ponding_mm.shape}, hours x zones is {(len(h), len(zone_ids))}")
    grid = load_grid(raster_path or DEFAULT_RASTER, list(zone_ids), scene_cfg)
    passes = schedule(h, ponding_mm, cfg, seed)
    thr = float(cfg.get("probability_threshold", 0.5))
    logit_thr = float(np.log(thr / (1 - thr)))
    shares = np.zeros((len(passes), len(zone_ids)), np.float32)
    for b in range(0, len(passes), batch):
        chunk = passes[b : b + batch]
        x = np.stack(
            [
                simulate_scene(
                    grid,
                    ponding_mm[p.index],
                    p.mode,
                    p.cloud_cover,
                    scene_cfg,
                    np.random.default_rng(
                        [seed, 52, SENSORS.index(p.sensor), int(h[p.index].astype(np.int64))]
                    ),
                ).x
                for p in chunk
            ]
        )
        water = predict_logits(model, x, batch=batch) > logit_thr
        shares[b : b + len(chunk)] = zone_share(grid, water)

    share = np.full((len(h), len(zone_ids)), np.nan, np.float32)
    age = np.full((len(h), len(zone_ids)), np.nan, np.float32)
    # The newest acquisition available at each hour: walk the passes in order of availability and
    # keep the latest acquisition seen so far.
    best = -1
    order = sorted(range(len(passes)), key=lambda k: (passes[k].available, passes[k].index))
    starts = []
    for k in order:
        if best < 0 or passes[k].index > passes[best].index:
            best = k
            starts.append((int(np.searchsorted(h, passes[k].available)), k))
    for j, (t0, k) in enumerate(starts):
        t1 = starts[j + 1][0] if j + 1 < len(starts) else len(h)
        if t0 >= t1:
            continue
        share[t0:t1] = shares[k]
        acq = h[passes[k].index]
        age[t0:t1] = ((h[t0:t1] - acq) / np.timedelta64(1, "h")).astype(np.float32)[:, None]
    return (share, age, passes) if return_passes else (share, age)
