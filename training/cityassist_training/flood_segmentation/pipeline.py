"""`train.py flood-segmentation ...`: train, evaluate and export the flood-segmentation U-Net.

    train.py flood-segmentation --config training/configs/flood_segmentation.json [--data-dir data]
                                [--report <path>] [--out models/] [--smoke] [--seed N]

Writes `<out>/flood-segmentation/<version>/`: model.onnx, weights.pt (the same network for
Python, which has no onnxruntime: ``passes.satellite_features`` loads it), metadata.json,
MODEL_CARD.md and test_vectors.json. The ponding comes from the tabular flood model's own
simulation (``flood/data.py::simulate_city`` with the flood config named by ``flood_config`` and
its seed), so the scenes show the very floods the tabular model is trained on; the time split is
that config's ``split.holdout_start``: scenes of earlier hours train, later hours test.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import torch

from .. import config, contract, lineage, outputs
from ..flood.data import simulate_city
from . import card, evaluate
from .model import UNet, export_onnx, predict_logits, set_determinism, train
from .passes import satellite_features
from .scenes import CHANNELS, DEM_CENTRE, DEM_SCALE, MODES, SAR_DB_CENTRE, SAR_DB_SCALE, SceneConfig
from .scenes import load_grid, simulate_scene

REPO = Path(__file__).resolve().parents[3]
DEFAULT_CONFIG = REPO / "training" / "configs" / "flood_segmentation.json"
PACKAGE_DIR = Path(__file__).resolve().parent
CODE_PATHS = [
    "cityassist_training/flood_segmentation",
    "cityassist_training/flood/data.py",
    *lineage.SHARED_CODE,
]
ONNX_LIMIT_BYTES = 2 * 1024 * 1024
# Seed streams of this package (numpy SeedSequence([seed, stream, ...])).
STREAM = {"train": 21, "test": 31, "vectors": 61, "served": 71}

ConfigError = config.ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python3 -m cityassist_training.flood_segmentation`; train.py defines the same."""

    def add(*names: str, **kwargs) -> None:
        if not any(n in parser._option_string_actions for n in names):
            parser.add_argument(*names, **kwargs)

    add("--config", default=str(DEFAULT_CONFIG), help="training config (JSON); default %(default)s")
    add("--data-dir", dest="data_dir", default=str(REPO / "data"), help="root of the inputs (default data/)")
    add("--report", default=None, help="also write the evaluation report (JSON) here")
    add("--out", default=None, help="models root; the model goes to <out>/<name>/<version>/")
    add("--smoke", action="store_true", help="tiny data, a few steps, output in a temporary directory")
    add("--seed", type=int, default=None, help="overrides the config's seed")
    add("--experiments", default=None, help="experiment log (default training/experiments/runs.jsonl)")


def _log(msg: str) -> None:
    print(f"[flood-segmentation] {msg}", file=sys.stderr, flush=True)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _command(args: argparse.Namespace) -> str:
    argv = list(getattr(args, "argv", None) or [])
    if argv[:1] != ["flood-segmentation"]:
        argv = ["flood-segmentation", *argv]
    return " ".join(["/usr/bin/python3", "training/train.py", *argv])


REQUIRED = {
    "name": str,
    "version": str,
    "created_at": str,
    "seed": int,
    "threads": int,
    "flood_config": str,
    "raster": str,
    "scenes": dict,
    "modes": dict,
    "model": dict,
    "train": dict,
    "eval": dict,
    "passes": dict,
}


def load_config(path: str | Path, smoke: bool, retrain_id: str | None = None) -> dict:
    raw = config.resolve(path)
    problems = [f"{k} ({t.__name__})" for k, t in REQUIRED.items() if not isinstance(raw.get(k), t)]
    if problems:
        raise ConfigError(f"{path}: missing or mistyped {', '.join(problems)}")
    if set(raw["modes"]) - set(MODES) or not raw["modes"]:
        raise ConfigError(f"{path}: modes must be a subset of {MODES}")
    if raw["train"]["crop"] % 4:
        raise ConfigError(f"{path}: train.crop must be a multiple of 4")
    return config.load(path, smoke=smoke, retrain_id=retrain_id)


# ---------------------------------------------------------------------------------------------
# Data: the tabular flood model's simulation, split in time
# ---------------------------------------------------------------------------------------------


class Period:
    """The hours of one side of the time split, with the flooded ones listed for oversampling."""

    def __init__(self, idx: np.ndarray, ponding: np.ndarray, flood_depth_mm: float):
        self.idx = idx
        self.flooded = idx[ponding[idx].max(1) >= flood_depth_mm]

    def draw(self, rng: np.random.Generator, flooded_share: float) -> int:
        pool = self.flooded if (len(self.flooded) and rng.random() < flooded_share) else self.idx
        return int(pool[rng.integers(len(pool))])


def _mode(rng: np.random.Generator, modes: dict) -> str:
    names = [m for m in MODES if m in modes]
    p = np.array([float(modes[m]) for m in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def make_batches(grid, ponding: np.ndarray, period: Period, cfg: dict, scene_cfg: SceneConfig, seed: int):
    """``batches(step)`` for ``model.train``: ``batch_scenes`` fresh scenes per step (their own
    seed stream per step, so the data do not depend on timing), ``crops_per_scene`` crops each:
    centred on flood water, on the city, or anywhere, in the configured shares."""
    t = cfg["train"]
    size, half = int(t["crop"]), int(t["crop"]) // 2
    h, w = grid.shape
    weight_map = np.where(grid.city, 1.0, float(t["outside_city_weight"])).astype(np.float32)
    city_px = np.argwhere(grid.city)

    def centre(rng, flood_px):
        u = rng.random()
        if u < t["water_centred_share"] and len(flood_px):
            r, c = flood_px[rng.integers(len(flood_px))]
        elif u < t["water_centred_share"] + t["city_centred_share"]:
            r, c = city_px[rng.integers(len(city_px))]
        else:
            r, c = rng.integers(h), rng.integers(w)
        r = int(np.clip(r + rng.integers(-half // 2, half // 2 + 1) - half, 0, h - size))
        c = int(np.clip(c + rng.integers(-half // 2, half // 2 + 1) - half, 0, w - size))
        return r, c

    def batches(step: int):
        rng = np.random.default_rng([seed, STREAM["train"], step])
        xs, ys, ws = [], [], []
        for _ in range(int(t["batch_scenes"])):
            hour = period.draw(rng, float(t["flooded_share"]))
            scene = simulate_scene(
                grid, ponding[hour], _mode(rng, cfg["modes"]), rng.random(), scene_cfg, rng
            )
            flood_px = np.argwhere(scene.water & grid.city)
            for _ in range(int(t["crops_per_scene"])):
                r, c = centre(rng, flood_px)
                sl = (slice(r, r + size), slice(c, c + size))
                xs.append(scene.x[:, sl[0], sl[1]])
                ys.append(scene.water[sl])
                ws.append(weight_map[sl])
        return np.stack(xs), np.stack(ys), np.stack(ws)

    return batches


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def test_scenes(grid, ponding, period: Period, cfg: dict, scene_cfg: SceneConfig, seed: int):
    """``scenes_per_cell`` held-out scenes per (mode, cloud bin), cloud cover uniform in the bin;
    yields (mode, hour, scene)."""
    ev = cfg["eval"]
    edges = ev["cloud_bins"]
    for m_i, mode in enumerate(MODES):
        for b in range(len(edges) - 1):
            for k in range(int(ev["scenes_per_cell"])):
                rng = np.random.default_rng([seed, STREAM["test"], m_i, b, k])
                hour = period.draw(rng, float(ev["flooded_share"]))
                cover = rng.uniform(edges[b], edges[b + 1]) / 100
                yield mode, hour, simulate_scene(grid, ponding[hour], mode, cover, scene_cfg, rng)


def evaluate_test(model, grid, ponding, period, cfg, scene_cfg, seed) -> tuple[dict, list[dict]]:
    ev = cfg["eval"]
    rows = []
    n_z = len(grid.zone_ids)
    from .scenes import zone_share

    for mode, hour, scene in test_scenes(grid, ponding, period, cfg, scene_cfg, seed):
        pred = predict_logits(model, scene.x[None])[0] > 0
        row = {
            "mode": mode,
            "hour": hour,
            "cover": scene.cover,
            "unet": evaluate.overlap(pred, scene.water, grid.city),
        }
        for name, mask in evaluate.baselines(scene, ev["sar_threshold_db"], ev["ndwi_threshold"]).items():
            row[name] = None if mask is None else evaluate.overlap(mask, scene.water, grid.city)
        true_share, pred_share = zone_share(grid, np.stack([scene.water, pred]))
        err = np.abs(pred_share - true_share)
        row["share_mae"] = float(err.mean())
        flooded = true_share > 0
        row["flooded_share_mae"] = float(err[flooded].mean()) if flooded.any() else float("nan")
        row["true_flood_px"] = int((scene.water & grid.city).sum())
        rows.append(row)
    assert n_z == len(grid.zone_ids)
    return evaluate.summarise(rows, ev["cloud_bins"], int(ev["bootstrap"]), seed), rows


def served_check(sim, test_idx: np.ndarray, model_dir: Path, grid, scene_cfg, seed: int) -> dict:
    """``satellite_features`` over the held-out period: how the served share (newest pass, stale
    between passes) compares with the true bathtub share at each hour, and how old it is."""
    from .scenes import water_mask, zone_share

    t0 = time.time()
    hours = sim.times[test_idx]
    share, age, passes = satellite_features(
        hours,
        sim.ponding[test_idx],
        list(sim.terrain.zone_id),
        model_dir,
        seed,
        return_passes=True,
    )
    seconds = time.time() - t0
    truth = np.stack(
        [zone_share(grid, water_mask(grid, sim.ponding[i], scene_cfg)[None])[0] for i in test_idx]
    )
    ok = ~np.isnan(share)
    flooded = ok & (truth > 0)
    return {
        "hours": int(len(test_idx)),
        "zones": int(share.shape[1]),
        "passes": {s: sum(p.sensor == s for p in passes) for s in ("sentinel1", "sentinel2")},
        "seconds": round(seconds, 1),
        "covered_share": round(float(ok.mean()), 4),
        "mean_age_h": round(float(np.nanmean(age)), 1) if ok.any() else None,
        "served_mae": round(float(np.abs(share - truth)[ok].mean()), 4) if ok.any() else None,
        "served_mae_flooded": round(float(np.abs(share - truth)[flooded].mean()), 4)
        if flooded.any()
        else None,
        "flooded_zone_hours": int((truth > 0).sum()),
        # Staleness: the same error on flooded zone-hours by the served pass's age.
        "served_mae_flooded_by_age_h": {
            label: (round(float(np.abs(share - truth)[sel].mean()), 4) if sel.any() else None)
            for label, sel in (
                ("<=12", flooded & (age <= 12)),
                ("12-48", flooded & (age > 12) & (age <= 48)),
                (">48", flooded & (age > 48)),
            )
        },
    }


# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------


def _test_vectors(model: UNet, grid, ponding, period, scene_cfg, seed: int, n: int) -> dict:
    """Inputs of two sizes (the H/W axes are dynamic) and torch's logits for each."""
    out = []
    sizes = [(64, 64), (68, 72), (64, 96)]
    for k in range(n):
        rng = np.random.default_rng([seed, STREAM["vectors"], k])
        hour = period.draw(rng, 1.0)
        scene = simulate_scene(grid, ponding[hour], MODES[k % len(MODES)], 0.3, scene_cfg, rng)
        hh, ww = sizes[k % len(sizes)]
        flood_px = np.argwhere(scene.water & grid.city)
        r, c = flood_px[len(flood_px) // 2] if len(flood_px) else (grid.shape[0] // 2, grid.shape[1] // 2)
        r = int(np.clip(r - hh // 2, 0, grid.shape[0] - hh))
        c = int(np.clip(c - ww // 2, 0, grid.shape[1] - ww))
        x = scene.x[:, r : r + hh, c : c + ww][None]
        logits = predict_logits(model, x)[:, None]
        out.append(
            {
                "mode": scene.mode,
                "input": {"name": "x", "dims": list(x.shape), "base64": _b64(x)},
                "expected": {"logits": {"dims": list(logits.shape), "base64": _b64(logits)}},
            }
        )
    return {"tolerance": 1e-4, "channels": CHANNELS, "vectors": out}


def run(args: argparse.Namespace) -> int:
    t0 = time.time()
    smoke = bool(getattr(args, "smoke", False))
    config_path = Path(getattr(args, "config", None) or DEFAULT_CONFIG)
    cfg = load_config(config_path, smoke, getattr(args, "retrain_id", None))
    seed = int(args.seed if getattr(args, "seed", None) is not None else cfg["seed"])
    set_determinism(seed, int(cfg["threads"]))
    out_root = outputs.models_root(args, cfg["name"])
    out_dir = out_root / cfg["name"] / cfg["version"]
    data_dir = Path(getattr(args, "data_dir", None) or REPO / "data")

    flood_path = (config_path.resolve().parent / cfg["flood_config"]).resolve()
    # Only the ponding is needed: a flood config that names a segmentation model for its satellite
    # features (``satellite_model``) must not make this model's training depend on a previous one.
    flood_cfg = {k: v for k, v in config.load(flood_path, smoke=smoke).items() if k != "satellite_model"}
    t = time.time()
    sim = simulate_city(str(data_dir), flood_cfg, int(flood_cfg["seed"]))
    scene_cfg = SceneConfig(
        **{**cfg["scenes"], "flood_depth_mm": float(flood_cfg["drainage"]["flood_depth_mm"])}
    )
    grid = load_grid(data_dir / cfg["raster"], list(sim.terrain.zone_id), scene_cfg)
    holdout = pd.Timestamp(flood_cfg["split"]["holdout_start"], tz="UTC")
    hours = np.arange(len(sim.times))
    train_p = Period(
        hours[(hours >= sim.warmup_h) & (sim.times < holdout)], sim.ponding, scene_cfg.flood_depth_mm
    )
    test_p = Period(hours[sim.times >= holdout], sim.ponding, scene_cfg.flood_depth_mm)
    _log(
        f"simulated {len(sim.times)} h x {len(grid.zone_ids)} zones in {time.time() - t:.0f} s; grid"
        f" {grid.shape}; train hours {len(train_p.idx)} ({len(train_p.flooded)} flooded), test"
        f" {len(test_p.idx)} ({len(test_p.flooded)} flooded)"
    )

    torch.manual_seed(seed)  # the initial weights depend on the seed alone, not on what ran before
    model = UNet(len(CHANNELS), tuple(cfg["model"]["widths"]))
    n_params = sum(p.numel() for p in model.parameters())
    t = time.time()
    history = train(
        model, make_batches(grid, sim.ponding, train_p, cfg, scene_cfg, seed), cfg["train"], log=_log
    )
    train_s = time.time() - t

    t = time.time()
    table, rows = evaluate_test(model, grid, sim.ponding, test_p, cfg, scene_cfg, seed)
    eval_s = time.time() - t
    _log(f"evaluated {len(rows)} held-out scenes in {eval_s:.0f} s")

    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out_dir / "weights.pt")
    onnx_path = out_dir / "model.onnx"
    export_onnx(model, str(onnx_path), len(CHANNELS))
    proto = onnx.load(str(onnx_path))
    proto.doc_string = (
        f"CityAssist flood segmentation {cfg['version']} (trained on SIMULATED scenes): logits [N,1,H,W],"
        f" water where > 0; input x [N,{len(CHANNELS)},H,W] = {','.join(CHANNELS)}, H and W multiples of 4"
    )
    for key, value in {
        "name": cfg["name"],
        "version": cfg["version"],
        "channels": json.dumps(CHANNELS),
    }.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(onnx_path))
    if onnx_path.stat().st_size > ONNX_LIMIT_BYTES:
        raise ValueError(f"{onnx_path} is {onnx_path.stat().st_size} bytes, over the budget")
    vectors = _test_vectors(
        model, grid, sim.ponding, test_p, scene_cfg, seed, int(cfg["eval"]["test_vectors"])
    )
    contract.validate_test_vectors(vectors, "flood-segmentation test_vectors.json", "image-segmentation")
    (out_dir / "test_vectors.json").write_text(json.dumps(vectors) + "\n", encoding="utf-8")

    code = {
        **lineage.code_version(
            CODE_PATHS + lineage.config_paths(config.chain(config_path) + config.chain(flood_path))
        ),
        "segmentation_code_sha256": lineage.package_sha256(PACKAGE_DIR),
    }
    metadata = {
        "name": cfg["name"],
        "version": cfg["version"],
        "createdAt": cfg["created_at"],
        "createdAtNote": "fixed in the training config (created_at) so that a rerun is byte-identical",
        "task": "image-segmentation",
        "onnx": {"file": "model.onnx", "input": "x", "outputs": {"logits": "logits"}, "opset": 13},
        "weights": "weights.pt",
        "weightsNote": (
            "the same network as a torch state_dict, for passes.satellite_features (no onnxruntime in Python)"
        ),
        "features": [],
        "featuresNote": "a segmentation model has no tabular features; the input is described under `input`",
        "simulated": True,
        "simulatedNote": (
            "REAL: the 90 m DEM and the IBGE census tracts. SIMULATED: the water (bathtub fill of the"
            " simulated ponding), the SAR and optical sensors, speckle and clouds. Not validated on real"
            " imagery."
        ),
        "input": {
            "channels": CHANNELS,
            "layout": "NCHW",
            "dtype": "float32",
            "pixelMetres": 30,
            "heightWidth": "dynamic, each a multiple of 4 (zero-pad at the bottom/right, crop the output)",
            "formula": {
                "sar_db_norm": (
                    f"clip((sigma0_dB - ({SAR_DB_CENTRE})) / {SAR_DB_SCALE}, -3, 3); 0 without SAR"
                ),
                "sar_available": "1 if the scene has SAR, else 0",
                "ndwi": "NDWI (green - NIR) / (green + NIR); 0 where cloud or without optical",
                "optical_clear": "1 where the scene has optical and the pixel is not cloud, else 0",
                "dem_norm": f"clip((elevation_m - {DEM_CENTRE}) / {DEM_SCALE}, -1, 4)",
            },
            "batch": "dynamic (first axis)",
        },
        "outputs": {
            "logits": {"dims": ["N", 1, "H", "W"], "meaning": "per-pixel water logit; water where > 0"}
        },
        "grid": {
            "raster": lineage.rel(data_dir / cfg["raster"]),
            "window": list(grid.window),
            "shape": list(grid.shape),
            "note": "row0, col0, height, width of the city window in raster.json's fine (30 m) grid",
        },
        "architecture": {
            "kind": (
                "U-Net, 2 downsamplings, conv3x3+ReLU pairs, transposed-conv upsampling, skip concatenation"
            ),
            "widths": list(cfg["model"]["widths"]),
            "parameters": n_params,
        },
        "scenes": asdict(scene_cfg),
        "passes": cfg["passes"],
        "metrics": {"test": table},
        "lineage": {
            "sources": [
                lineage.source(data_dir / cfg["raster"], role="DEM grid and tracts", real=True),
                lineage.source(
                    flood_path, role="flood config: the ponding simulation and the time split", real=None
                ),
                *[
                    lineage.source(data_dir / p, role=r, real=True)
                    for p, r in (
                        ("olinda/terrain.csv", "zone order and terrain of the ponding simulation"),
                        ("rainfall/seattle-weather.csv", "daily rain of the ponding simulation"),
                        ("rainfall/stageiv_florence_2018.nc", "hourly rain fields of the ponding simulation"),
                    )
                ],
            ],
            "code_version": code,
            "config": cfg,
            "config_path": lineage.rel(config_path),
            "config_sha256": lineage.config_sha256(cfg),
            "seed": seed,
            "command": _command(args),
        },
        "framework": {
            "torch": torch.__version__.split("+")[0],
            "onnx": onnx.__version__,
            "threads": int(cfg["threads"]),
            "python": platform.python_version(),
        },
    }
    metadata = evaluate.clean(metadata)
    (out_dir / "metadata.json").write_text(
        json.dumps(metadata, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    load_model_cache_clear()
    served = served_check(sim, test_p.idx, out_dir, grid, scene_cfg, seed)
    _log(f"satellite_features over the held-out period: {served}")
    # Without its run time, so that a rerun writes the same metadata.json (the card and report keep it).
    metadata["metrics"]["served"] = {k: v for k, v in served.items() if k != "seconds"}
    contract.validate_metadata(metadata, "flood-segmentation metadata.json")
    (out_dir / "metadata.json").write_text(
        json.dumps(metadata, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )

    report = {
        "model_dir": str(out_dir),
        "table": table,
        "served": served,
        "history": [{k: v for k, v in h.items() if k != "seconds"} for h in history],
        "train_seconds": round(train_s, 1),
        "eval_seconds": round(eval_s, 1),
        "duration_s": round(time.time() - t0, 1),
        "counts": {
            "train_hours": int(len(train_p.idx)),
            "train_flooded_hours": int(len(train_p.flooded)),
            "test_hours": int(len(test_p.idx)),
            "test_flooded_hours": int(len(test_p.flooded)),
            "test_scenes": len(rows),
            "holdout_start": str(holdout.date()),
        },
    }
    (out_dir / "MODEL_CARD.md").write_text(card.render(metadata, evaluate.clean(report)), encoding="utf-8")
    if getattr(args, "report", None):
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(evaluate.clean(report), indent=2) + "\n", encoding="utf-8")
    record = {
        "model": cfg["name"],
        "version": cfg["version"],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0)),
        "duration_s": round(time.time() - t0, 1),
        "smoke": smoke,
        "seed": seed,
        "config_path": str(config_path),
        "params": {"train": cfg["train"], "model": cfg["model"], "scenes": cfg["scenes"]},
        "metrics": {
            mode: {b: (cell.get("unet") or {}).get("iou") for b, cell in bins.items()}
            for mode, bins in table.items()
        },
        "out_dir": str(out_dir),
        "artifacts": {p.name: lineage.sha256_file(p) for p in sorted(out_dir.iterdir()) if p.is_file()},
        "code_version": code,
    }
    exp_log = outputs.experiment_log(args, out_root)
    lineage.append_run(exp_log, evaluate.clean(record))
    _log(f"done in {time.time() - t0:.0f} s (training {train_s:.0f} s): {out_dir}")
    return 0


def load_model_cache_clear() -> None:
    """A rerun into the same folder must not serve the previous run's cached weights."""
    from .passes import load_model

    load_model.cache_clear()
