"""`train.py image ...`: train, evaluate and export the image triage CNN.

    train.py image --config training/configs/image.json [--data-dir <folder per label>]
                   [--report <path>] [--out models/] [--smoke] [--seed N]

Writes `<out>/<name>/<version>/`: model.onnx, metadata.json, MODEL_CARD.md, test_vectors.json and
failures/*.png. `--smoke` shrinks every size (config key "smoke"), trains one epoch and writes to a
fresh temporary directory unless --out is given (the convention of every model:
cityassist_training.config and .outputs).
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from .. import config, contract, lineage, outputs
from . import card, evaluate, ood
from .data import MEAN, SCALE, STD, load_folder, normalise, stratified_split
from .generator import DRAWABLE, Scene, Style, generate, stack
from .model import (
    TriageCNN,
    export_onnx,
    fit_temperature,
    fold_temperature,
    pooled_features,
    predict,
    run_onnx_cnn,
    set_determinism,
    train,
)

REPO = Path(__file__).resolve().parents[3]
DEFAULT_CONFIG = REPO / "training" / "configs" / "image.json"
ONNX_LIMIT_BYTES = 5 * 1024 * 1024
PACKAGE_DIR = Path(__file__).resolve().parent
# What builds this model, relative to training/, for the code hash (plus the run's config files).
CODE_PATHS = ["cityassist_training/image", *lineage.SHARED_CODE]

ConfigError = config.ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the image options; any option the caller (train.py) already defines is left as it is."""

    def add(*names: str, **kwargs) -> None:
        if not any(n in parser._option_string_actions for n in names):
            parser.add_argument(*names, **kwargs)

    add("--config", default=str(DEFAULT_CONFIG), help="training config (JSON); default %(default)s")
    add(
        "--data-dir",
        dest="data_dir",
        default=None,
        help=(
            "train on a real labelled folder: one subfolder per class (pothole, garbage, fallen_tree, other) "
            "holding JPEG/PNG/WebP files; without it, on generated scenes"
        ),
    )
    add("--report", default=None, help="also write the full evaluation report (JSON) here")
    add(
        "--out",
        default=None,
        help="models root; the model goes to <out>/<name>/<version>/ (default: models/)",
    )
    add(
        "--smoke",
        action="store_true",
        help="tiny data, one epoch, output in a temporary directory unless --out (CI)",
    )
    add("--seed", type=int, default=None, help="overrides the config's seed")
    add("--experiments", default=None, help="experiment log (default training/experiments/runs.jsonl)")


REQUIRED = {
    "name": str,
    "version": str,
    "created_at": str,
    "seed": int,
    "classes": list,
    "image_size": int,
    "threads": int,
    "data": dict,
    "model": dict,
    "train": dict,
    "eval": dict,
}


def load_config(path: str | Path, smoke: bool, retrain_id: str | None = None) -> dict:
    raw = config.resolve(path)  # extends resolved; checked before the smoke block is applied
    problems = [f"{k} ({t.__name__})" for k, t in REQUIRED.items() if not isinstance(raw.get(k), t)]
    if problems:
        raise ConfigError(f"{path}: missing or mistyped {', '.join(problems)}")
    classes = raw["classes"]
    if len(set(classes)) != len(classes) or len(classes) < 2:
        raise ConfigError(f"{path}: classes must be at least two distinct names, got {classes}")
    if raw["image_size"] < 32 or raw["image_size"] % 8:
        raise ConfigError(f"{path}: image_size must be a multiple of 8, at least 32")
    return config.load(path, smoke=smoke, retrain_id=retrain_id)


def code_version(config_path: str | Path) -> dict:
    """The shared code version (git, hash of CODE_PATHS and the config files) plus this package's
    own hash (``image_code_sha256``), which changes exactly when the image pipeline does."""
    paths = CODE_PATHS + lineage.config_paths(config.chain(config_path))
    return {**lineage.code_version(paths), "image_code_sha256": lineage.package_sha256(PACKAGE_DIR)}


def _log(msg: str) -> None:
    print(f"[image] {msg}", file=sys.stderr, flush=True)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).decode(
        "ascii"
    )


def _command(args: argparse.Namespace) -> str:
    argv = list(getattr(args, "argv", None) or [])
    if argv[:1] != ["image"]:  # train.py may pass its argv with the subcommand, __main__ without
        argv = ["image", *argv]
    return " ".join(["/usr/bin/python3", "training/train.py", *argv])


def _data_dir(args: argparse.Namespace) -> str | None:
    """The labelled folder, if one was asked for. train.py gives every model a --data-dir that
    defaults to the repository's data/ (the flood and AQI inputs); for the image model only an
    explicit --data-dir means "train on a folder", otherwise the generator is used."""
    if getattr(args, "data", None):
        raise ConfigError("the image model takes a folder per label with --data-dir, not --data")
    value = getattr(args, "data_dir", None)
    argv = getattr(args, "argv", None)
    if value and argv is not None and not any(a == "--data-dir" or a.startswith("--data-dir=") for a in argv):
        return None
    return value


def _scene_meta(s: Scene) -> dict:
    return {"box": s.box, "distractors": s.distractors, "params": s.params}


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def _synthetic(cfg: dict, seed: int) -> dict:
    classes, size, d = tuple(cfg["classes"]), cfg["image_size"], cfg["data"]
    if not set(classes) <= set(DRAWABLE):
        raise ConfigError(
            f"the scene generator draws {list(DRAWABLE)}; classes {list(classes)} need --data-dir"
        )
    k = len(classes)
    t = time.time()
    train_s = generate(d["train_per_class"] * k, seed, "train", size, classes=classes)
    val_s = generate(d["val_per_class"] * k, seed, "val", size, classes=classes)
    test_s = generate(d["test_per_class"] * k, seed, "test", size, classes=classes)
    _log(
        f"generated {len(train_s)} train, {len(val_s)} validation, {len(test_s)} test scenes in"
        f" {time.time() - t:.0f} s"
    )
    x_tr, y_tr = stack(train_s, classes)
    x_va, y_va = stack(val_s, classes)
    x_te, y_te = stack(test_s, classes)
    return {
        "x_train": x_tr,
        "y_train": y_tr,
        "x_val": x_va,
        "y_val": y_va,
        "x_test": x_te,
        "y_test": y_te,
        "test_meta": [_scene_meta(s) for s in test_s],
        "test_masks": np.stack([s.mask for s in test_s]),
        "info": {
            "kind": "synthetic",
            "generator": "training/cityassist_training/image/generator.py",
            "note": "procedurally generated street scenes; no real photo was used for training or evaluation",
            "seed_streams": (
                "numpy SeedSequence([seed, split, lighting, surface, index]); splits train=0, val=1, test=2"
            ),
            "counts": {"train": len(train_s), "val": len(val_s), "test": len(test_s)},
            "per_class": {
                "train": d["train_per_class"],
                "val": d["val_per_class"],
                "test": d["test_per_class"],
            },
        },
    }


def _folder(cfg: dict, seed: int, data_dir: str) -> dict:
    classes, size, d = tuple(cfg["classes"]), cfg["image_size"], cfg["data"]
    fd = load_folder(
        data_dir,
        classes,
        size,
        unknown_labels=d.get("unknown_labels", "error"),
        min_per_class=int(d.get("min_per_class", 5)),
    )
    if fd.skipped:
        _log(
            f"skipped {len(fd.skipped)} files: "
            + "; ".join(f"{s['file']}: {s['reason']}" for s in fd.skipped[:5])
            + (" ..." if len(fd.skipped) > 5 else "")
        )
    if fd.ignored:
        _log(f"ignored {len(fd.ignored)} files that are not images in a label folder")
    if fd.unknown_labels:
        _log(f"left out folders that are not classes: {fd.unknown_labels}")
    tr, va, te = stratified_split(fd.labels, tuple(d.get("folder_split", [0.15, 0.15])), seed)
    _log(f"{data_dir}: {len(fd.labels)} images {fd.counts}; split {len(tr)}/{len(va)}/{len(te)}")
    return {
        "x_train": fd.images[tr],
        "y_train": fd.labels[tr],
        "x_val": fd.images[va],
        "y_val": fd.labels[va],
        "x_test": fd.images[te],
        "y_test": fd.labels[te],
        "test_meta": [{"box": None, "distractors": [], "params": None, "file": fd.files[i]} for i in te],
        "test_masks": None,
        "info": {
            "kind": "folder",
            "path": str(data_dir),
            "sha256": fd.digest,
            "counts_per_class": fd.counts,
            "split": {
                "train": len(tr),
                "val": len(va),
                "test": len(te),
                "method": "stratified by label, seeded",
            },
            "skipped": fd.skipped,
            "skipped_count": len(fd.skipped),
            "ignored_count": len(fd.ignored),
            "unknown_labels": fd.unknown_labels,
        },
    }


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def _condition_row(
    name: str,
    model: TriageCNN,
    images: np.ndarray,
    labels: np.ndarray,
    boxes: list,
    masks,
    cfg: dict,
    seed: int,
    kind: str,
) -> dict:
    classes, ev = tuple(cfg["classes"]), cfg["eval"]
    logits, cams = predict(model, images)
    probs = evaluate.softmax(logits)
    m = evaluate.classification_metrics(probs, labels, classes, ev["bootstrap"], seed)
    row = {
        "condition": name,
        "kind": kind,
        "n": m["n"],
        "accuracy": m["accuracy"],
        "accuracy_ci95": m["accuracy_ci95"],
        "macro_f1": m["macro_f1"],
        "ece": m["ece"],
        "mean_confidence": m["mean_confidence"],
        "recall": {c: m["per_class"][c]["recall"] for c in classes},
    }
    loc = evaluate.cam_localisation(
        cams,
        labels,
        probs.argmax(1),
        boxes,
        masks,
        classes,
        images.shape[1],
        ev["cam_threshold"],
        ev["bootstrap"],
        seed,
    )
    row["pointing_game"] = loc["all"]["pointing_game"] if loc["available"] else None
    return row


def _robustness(model: TriageCNN, data: dict, cfg: dict, seed: int, synthetic: bool) -> dict:
    ev, size = cfg["eval"], cfg["image_size"]
    n = min(int(ev["robustness_subset"]), len(data["y_test"]))
    # Synthetic test labels cycle through the classes, so a prefix is balanced; a folder's test
    # split is sorted by class, so take a seeded sample instead.
    idx = (
        np.arange(n)
        if synthetic
        else np.sort(np.random.default_rng(seed).permutation(len(data["y_test"]))[:n])
    )
    x, y = data["x_test"][idx], data["y_test"][idx]
    boxes = [data["test_meta"][i]["box"] for i in idx]
    masks = data["test_masks"][idx] if data["test_masks"] is not None else None
    rows = [_condition_row("clean (subset)", model, x, y, boxes, masks, cfg, seed, "reference")]
    for k, (name, fn) in enumerate(evaluate.PERTURBATIONS.items()):
        xp = fn(x, boxes, np.random.default_rng([seed, 7, k]))
        rows.append(_condition_row(name, model, xp, y, boxes, masks, cfg, seed, "perturbation"))
    out = {"subset": n, "conditions": rows, "shifts": [], "windows": None}
    if not synthetic:
        out["note"] = "distribution shifts and seed windows need the scene generator; not run on folder data"
        return out
    classes = tuple(cfg["classes"])
    for style_cfg in ev["shift_styles"]:
        style = Style(**style_cfg)
        scenes = generate(ev["shift_per_class"] * len(classes), seed, "shift", size, style, classes)
        xs, ys = stack(scenes, classes)
        name = f"shift: {style.lighting}, {style.surface.replace('_', ' ')}"
        out["shifts"].append(
            _condition_row(
                name,
                model,
                xs,
                ys,
                [s.box for s in scenes],
                np.stack([s.mask for s in scenes]),
                cfg,
                seed,
                "shift",
            )
        )
    # The image analogue of a backtest over historical windows: independent test sets drawn from
    # other seeds, to show how much the headline figure moves from one sample of scenes to another.
    accs = []
    for w in range(int(ev["backtest_windows"])):
        scenes = generate(
            ev["backtest_per_class"] * len(classes), seed + 1 + w, "backtest", size, classes=classes
        )
        xs, ys = stack(scenes, classes)
        logits, _ = predict(model, xs)
        accs.append(round(float((logits.argmax(1) == ys).mean()), 4))
    out["windows"] = {
        "n_each": ev["backtest_per_class"] * len(classes),
        "seeds": [seed + 1 + w for w in range(len(accs))],
        "accuracy": accs,
        "min": min(accs),
        "max": max(accs),
        "mean": round(float(np.mean(accs)), 4),
    }
    return out


def _test_vectors(model: torch.nn.Module, cfg: dict, seed: int) -> dict:
    """A few scenes (one per class, then night scenes) with torch's logits and CAMs for them."""
    classes, size, n = tuple(cfg["classes"]), cfg["image_size"], int(cfg["eval"]["test_vectors"])
    drawable = set(classes) <= set(DRAWABLE)
    day = generate(min(n, len(classes)), seed, "vectors", size, classes=classes) if drawable else []
    night = generate(max(0, n - len(day)), seed, "vectors", size, Style("night"), classes) if drawable else []
    scenes = (day + night)[:n]
    pixels, labels = stack(scenes, classes)
    logits, cams, _ = predict_exported(model, pixels, batch=len(pixels))
    x = normalise(pixels)
    return {
        "model": cfg["name"],
        "version": cfg["version"],
        "tolerance": 1e-4,
        "note": "expected outputs computed by torch on the batch; `input` is exactly normalise(pixels)",
        "classes": list(classes),
        "labels": [classes[i] for i in labels],
        "sources": [f"synthetic {s.params['style']['lighting']} scene, class {s.label}" for s in scenes],
        "pixels": {
            "dims": list(pixels.shape),
            "dtype": "uint8",
            "layout": "NHWC RGB",
            "base64": _b64(pixels),
        },
        "input": {
            "name": "image",
            "dims": list(x.shape),
            "dtype": "float32",
            "layout": "NCHW",
            "encoding": "base64 of little-endian float32, row-major",
            "base64": _b64(x),
        },
        "expected": {
            "logits": {"dims": list(logits.shape), "values": [[float(v) for v in row] for row in logits]},
            "cam": {
                "dims": list(cams.shape),
                "dtype": "float32",
                "encoding": "base64 of little-endian float32, row-major",
                "base64": _b64(cams.astype(np.float32)),
            },
        },
    }


def _reference(x_train: np.ndarray, probs_test: np.ndarray) -> dict:
    """Training-time distributions the service can compare live traffic against (drift)."""
    brightness = x_train.reshape(len(x_train), -1).mean(1) / 255.0
    counts, bins = np.histogram(brightness, bins=20, range=(0, 1))
    conf_counts, conf_bins = np.histogram(probs_test.max(1), bins=20, range=(0, 1))
    chan = x_train.reshape(-1, 3).astype(np.float64) / 255.0
    return {
        "brightness": {
            "description": "mean pixel value of an image in [0, 1], training set",
            "bins": [round(float(b), 3) for b in bins],
            "counts": counts.tolist(),
        },
        "channels": {
            "mean": [round(float(v), 4) for v in chan.mean(0)],
            "std": [round(float(v), 4) for v in chan.std(0)],
        },
        "confidence": {
            "description": "top-class probability on the test set (calibrated)",
            "bins": [round(float(b), 3) for b in conf_bins],
            "counts": conf_counts.tolist(),
        },
    }


# ---------------------------------------------------------------------------------------------
# The out-of-distribution gate (issue 17 part 4)
# ---------------------------------------------------------------------------------------------


def predict_exported(module: torch.nn.Module, images: np.ndarray, batch: int = 128):
    """What the exported graph answers: (logits, cam, gate margin or None) as numpy."""
    module.eval()
    lo, cams, gates = [], [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out = module(torch.from_numpy(normalise(images[i : i + batch])))
            lo.append(out[0].numpy())
            cams.append(out[1].numpy())
            if len(out) > 2:
                gates.append(out[2].numpy())
    return np.concatenate(lo), np.concatenate(cams), (np.concatenate(gates) if gates else None)


def _street(label: str) -> bool:
    """A label that would send a crew: anything but `other` (and `unknown`)."""
    return label not in ("other", "unknown")


def _judge(names: list[str], probs: np.ndarray, classes, margin, conf: float) -> list[dict]:
    rows = []
    for i, name in enumerate(names):
        k = int(probs[i].argmax())
        accepted = True if margin is None else bool(margin[i] >= 0)
        label, c = classes[k], float(probs[i, k])
        rows.append(
            {
                "image": name,
                "top": label,
                "confidence": round(c, 4),
                "gate_margin": None if margin is None else round(float(margin[i]), 3),
                "accepted": accepted,
                "served_label": label if accepted else "unknown",
                "street_label": accepted and _street(label) and c >= conf,
                "street_label_without_gate": _street(label) and c >= conf,
            }
        )
    return rows


def _count(rows: list[dict], key: str) -> dict:
    n = sum(1 for r in rows if r[key])
    return {"n": n, "of": len(rows), "share": round(n / max(1, len(rows)), 4)}


def _ood_evaluation(model, gated, data: dict, cfg: dict, seed: int) -> dict:
    """Every figure the card gives for the gate, on named data: held-out synthetic scenes (test
    split and the shifted styles) for the pass rate; the EVAL real photos and held-out LFW faces,
    per image, for 1.1.0 and for the baseline version's own model.onnx in the same run."""
    classes, size, o = tuple(cfg["classes"]), int(cfg["image_size"]), cfg["ood"]
    conf = float(o.get("street_confidence", 0.6))
    lo, _, margin = predict_exported(gated, data["x_test"])
    probs = evaluate.softmax(lo)
    passed = margin >= 0
    y = data["y_test"]
    synth = {
        "test": {
            "n": int(len(y)),
            "pass_rate": round(float(passed.mean()), 4),
            "per_class": {c: round(float(passed[y == i].mean()), 4) for i, c in enumerate(classes)},
            "accuracy_accepted": round(float((probs.argmax(1) == y)[passed].mean()), 4),
        },
        "shifts": [],
    }
    for style_cfg in cfg["eval"]["shift_styles"]:
        style = Style(**style_cfg)
        scenes = generate(cfg["eval"]["shift_per_class"] * len(classes), seed, "shift", size, style, classes)
        xs, ys = stack(scenes, classes)
        lo_s, _, m = predict_exported(gated, xs)
        right, ok = lo_s.argmax(1) == ys, m >= 0
        synth["shifts"].append(
            {
                "style": style_cfg,
                "n": len(xs),
                "pass_rate": round(float(ok.mean()), 4),
                # Whether the gate refuses what the model gets wrong: accuracy of all vs accepted.
                "accuracy": round(float(right.mean()), 4),
                "accuracy_accepted": round(float(right[ok].mean()), 4) if ok.any() else None,
            }
        )
    # The auto-triage rule as serving applies it (triage/priority.ts): the gate accepts, the
    # confidence is at least `auto_confidence` and the citizen's category (here: the true class) agrees.
    auto_c = float(o.get("auto_confidence", 0.8))
    top = probs.argmax(1)
    auto = passed & (probs.max(1) >= auto_c) & (top == y)
    auto_triage = {
        "confidence": auto_c,
        "share_of_test": round(float(auto.mean()), 4),
        "note": (
            "share of held-out synthetic test scenes moved to TRIAGED without a person when the citizen"
            " chose the true category; the rest wait for review"
        ),
    }

    names, frames = ood.eval_photos(size)
    lo_r, _, m_r = predict_exported(gated, frames)
    rows_new = _judge(names, evaluate.softmax(lo_r), classes, m_r, conf)
    faces = ood.lfw_frames(ood.LFW_HELD_OUT, size)
    lo_f, _, m_f = predict_exported(gated, faces)
    face_names = [f"lfw_subset[{i}]" for i in ood.LFW_HELD_OUT]
    faces_new = _judge(face_names, evaluate.softmax(lo_f), classes, m_f, conf)

    baseline = None
    base_dir = o.get("baseline")
    if base_dir and (REPO / base_dir / "model.onnx").exists():
        bmeta = json.loads((REPO / base_dir / "metadata.json").read_text(encoding="utf-8"))
        bclasses = tuple(bmeta["classes"])
        bonnx = str(REPO / base_dir / "model.onnx")
        rows_old = _judge(names, evaluate.softmax(run_onnx_cnn(bonnx, frames)), bclasses, None, conf)
        faces_old = _judge(face_names, evaluate.softmax(run_onnx_cnn(bonnx, faces)), bclasses, None, conf)
        # The baseline on the same held-out test scenes, restricted to the classes it knows.
        keep = np.isin(np.array([classes[i] for i in y]), bclasses)
        blo = run_onnx_cnn(bonnx, data["x_test"][keep])
        by = np.array([bclasses.index(classes[i]) for i in y[keep]])
        baseline = {
            "version": bmeta["version"],
            "path": base_dir,
            "real_photos": rows_old,
            "street_labelled": _count(rows_old, "street_label"),
            "lfw_held_out_street_labelled": _count(faces_old, "street_label"),
            "test_accuracy_on_its_classes": round(float((blo.argmax(1) == by).mean()), 4),
            "new_accuracy_on_those_classes": round(float((top[keep] == y[keep]).mean()), 4),
            "n_on_its_classes": int(keep.sum()),
        }
    return {
        "gate": {k: v for k, v in data["gate"].to_json().items() if k not in ("means", "precisions")},
        "synthetic": synth,
        "auto_triage": auto_triage,
        "real_photos": rows_new,
        "street_labelled": _count(rows_new, "street_label"),
        "street_labelled_without_gate": _count(rows_new, "street_label_without_gate"),
        "rejected": {"n": sum(1 for r in rows_new if not r["accepted"]), "of": len(rows_new)},
        "lfw_held_out_street_labelled": _count(faces_new, "street_label"),
        "lfw_held_out_rejected": {"n": sum(1 for r in faces_new if not r["accepted"]), "of": len(faces_new)},
        "baseline": baseline,
        "images": {
            "evaluation": [f"skimage.data.{n}" for n in names]
            + [f"skimage.data.lfw_subset()[{ood.LFW_HELD_OUT.start}:{ood.LFW_HELD_OUT.stop}] (separate row)"],
            "fitting": data["info"].get("outliers", {}).get("images", []),
            "never_used": [
                "skimage.data.stereo_motorcycle() right view (stereo twin of an evaluation image)"
            ],
            "source": "Debian python3-skimage 0.19 (skimage.data sample images, BSD-3-Clause)",
        },
        "threshold_chosen_on": "synthetic validation split only (outlier-score quantile at tpr_target)",
    }


def _gate_metadata(report: dict) -> dict:
    """What serving needs to apply the gate (triage/image-router.ts), and where the rest is."""
    return {
        "kind": "mahalanobis+energy",
        "file": "gate.json",
        "output": "gate",
        "acceptWhen": "gate >= 0, equivalently logsumexp(logits) >= 0",
        "rejectedLabel": "unknown",
        "threshold": report["gate"]["threshold"],
        "tprTarget": report["gate"]["tpr_target"],
        "heldOutSyntheticPassRate": report["synthetic"]["test"]["pass_rate"],
        "realNonStreetStreetLabelled": report["street_labelled"],
    }


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ConfigError, ValueError) as e:
        _log(f"error: {e}")
        return 2


def _run(args: argparse.Namespace) -> int:
    t0 = time.time()
    smoke = bool(getattr(args, "smoke", False))
    config_path = getattr(args, "config", None) or str(DEFAULT_CONFIG)
    cfg = load_config(config_path, smoke, getattr(args, "retrain_id", None))
    seed = args.seed if getattr(args, "seed", None) is not None else int(cfg["seed"])
    data_dir = _data_dir(args)
    classes, size = tuple(cfg["classes"]), int(cfg["image_size"])
    out_root = outputs.models_root(args, "image")  # a smoke run never touches models/ unless asked to
    out_dir = out_root / cfg["name"] / cfg["version"]
    set_determinism(seed, int(cfg["threads"]))
    _log(f"config {config_path} (seed {seed}{', smoke' if smoke else ''}) -> {out_dir}")

    data = _folder(cfg, seed, data_dir) if data_dir else _synthetic(cfg, seed)
    synthetic = data_dir is None

    torch.manual_seed(seed)
    model_cfg = {
        "widths": list(cfg["model"]["widths"]),
        "dilations": list(cfg["model"].get("dilations", [1, 1])),
    }
    model = TriageCNN(len(classes), tuple(model_cfg["widths"]), tuple(model_cfg["dilations"]))
    n_params = sum(p.numel() for p in model.parameters())
    _log(f"training {n_params} parameters on {len(data['y_train'])} images, {cfg['train']['epochs']} epochs")
    gated_cfg = cfg.get("ood")
    outliers = None
    if gated_cfg:
        t_oe = time.time()
        outliers, oe_info = ood.outlier_exposure_set(int(gated_cfg["outliers"]), seed, size)
        data["info"]["outliers"] = oe_info
        _log(f"{len(outliers)} outlier-exposure images in {time.time() - t_oe:.0f} s")
    result = train(
        model,
        data["x_train"],
        data["y_train"],
        data["x_val"],
        data["y_val"],
        cfg["train"],
        seed,
        log=_log,
        x_outliers=outliers,
    )
    history = [{k: v for k, v in row.items() if k != "seconds"} for row in result.history]

    temperature = 1.0
    if cfg.get("calibrate", True):
        val_logits, _ = predict(model, data["x_val"])
        temperature = fit_temperature(val_logits, data["y_val"])
        fold_temperature(model, temperature)
        _log(f"temperature {temperature} (fitted on validation NLL, folded into the head)")

    exported: torch.nn.Module = model
    if gated_cfg:
        # The gate is fitted after the temperature: its energy term is the served (calibrated) logits'.
        train_feats, _ = pooled_features(model, data["x_train"])
        val_feats, val_logits = pooled_features(model, data["x_val"])
        data["gate"] = ood.fit_gate(
            train_feats, data["y_train"], len(classes), val_feats, val_logits, float(gated_cfg["tpr"])
        )
        exported = ood.GatedTriage(model, data["gate"])
        _log(f"OOD gate fitted: threshold {data['gate'].threshold:.3f} at validation TPR {gated_cfg['tpr']}")

    _log("evaluating")
    ev = cfg["eval"]
    logits, cams = predict(model, data["x_test"])
    probs = evaluate.softmax(logits)
    metrics = evaluate.classification_metrics(probs, data["y_test"], classes, ev["bootstrap"], seed)
    metrics["ece_before_temperature"] = evaluate.expected_calibration_error(
        evaluate.softmax(logits * temperature), data["y_test"]
    )[0]
    boxes = [m["box"] for m in data["test_meta"]]
    localisation = evaluate.cam_localisation(
        cams,
        data["y_test"],
        probs.argmax(1),
        boxes,
        data["test_masks"],
        classes,
        size,
        ev["cam_threshold"],
        ev["bootstrap"],
        seed,
    )
    robustness = _robustness(model, data, cfg, seed, synthetic)

    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out_dir / "failures", ignore_errors=True)
    failures = evaluate.worst_failures(
        data["x_test"],
        probs,
        cams,
        data["y_test"],
        classes,
        data["test_meta"],
        out_dir / "failures",
        k=int(ev["failures"]),
    )
    _log(
        f"accuracy {metrics['accuracy']} {metrics['accuracy_ci95']}, macro-F1 {metrics['macro_f1']}, ECE"
        f" {metrics['ece']}"
    )

    onnx_path = out_dir / "model.onnx"
    ood_report = _ood_evaluation(model, exported, data, cfg, seed) if gated_cfg else None
    if ood_report:
        _log(
            f"real non-street photos given a street label >= 0.6: {ood_report['street_labelled']}"
            f" (baseline {ood_report['baseline'] and ood_report['baseline']['street_labelled']});"
            f" held-out synthetic pass rate {ood_report['synthetic']['test']['pass_rate']}"
        )
        (out_dir / "gate.json").write_text(
            json.dumps(data["gate"].to_json(), separators=(",", ":")) + "\n", encoding="utf-8"
        )
    export_onnx(exported, str(onnx_path), size, gated=bool(gated_cfg))
    proto = onnx.load(str(onnx_path))
    proto.doc_string = (
        f"CityAssist image triage {cfg['version']}: logits [N,{len(classes)}] over {','.join(classes)} "
        f"and class activation maps cam [N,{len(classes)},h,w]"
        + ("; gate [N], the OOD margin (>= 0 accepted) = logsumexp(logits)" if gated_cfg else "")
        + f"; input image [N,3,{size},{size}] "
        "RGB scaled to [0,1] then normalised by mean/std (see metadata.json)"
    )
    for key, value in {
        "name": cfg["name"],
        "version": cfg["version"],
        "classes": json.dumps(list(classes)),
        "mean": json.dumps(MEAN),
        "std": json.dumps(STD),
    }.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(onnx_path))
    if onnx_path.stat().st_size > ONNX_LIMIT_BYTES:
        raise ValueError(f"{onnx_path} is {onnx_path.stat().st_size} bytes, over the 5 MB budget")
    cam_h = size // model.stride

    vectors = _test_vectors(exported, cfg, seed)
    contract.validate_test_vectors(vectors, "image test_vectors.json", "image-classification")
    (out_dir / "test_vectors.json").write_text(json.dumps(vectors) + "\n", encoding="utf-8")

    code = code_version(config_path)
    metadata = {
        "name": cfg["name"],
        "version": cfg["version"],
        "createdAt": cfg["created_at"],
        "createdAtNote": "fixed in the training config (created_at) so that a rerun is byte-identical",
        "task": "image-classification",
        "onnx": {
            "file": "model.onnx",
            "input": "image",
            "outputs": (
                {"logits": "logits", "cam": "cam", "gate": "gate"}
                if gated_cfg
                else {"logits": "logits", "cam": "cam"}
            ),
            "opset": 13,
        },
        "classes": list(classes),
        "features": [],
        "featuresNote": "an image model has no tabular features; the input is described under `input`",
        "input": {
            "height": size,
            "width": size,
            "channels": 3,
            "layout": "NCHW",
            "dtype": "float32",
            "colorSpace": "RGB",
            "scale": SCALE,
            "mean": list(MEAN),
            "std": list(STD),
            "formula": (
                "x[c,y,x] = (pixel[y,x,c] / 255 - mean[c]) / std[c] in float32, pixel in 0..255 (scale ="
                " 1/255)"
            ),
            "resize": (
                f"the whole image to {size}x{size}, bilinear, aspect ratio not kept (no crop), after applying"
                " the EXIF orientation; transparent pixels composited on white"
            ),
            "batch": "dynamic (first axis)",
        },
        "outputs": {
            "logits": {
                "dims": ["N", len(classes)],
                "meaning": (
                    "log_softmax of the calibrated logits plus the gate margin (the same number added to"
                    " every class): softmax gives the class probabilities, logsumexp gives the gate margin"
                    if gated_cfg
                    else "calibrated logits; softmax gives the class probabilities"
                ),
            },
            **(
                {
                    "gate": {
                        "dims": ["N"],
                        "meaning": (
                            "out-of-distribution gate margin, clamp(threshold - outlier score, -20, 20);"
                            " >= 0 accepted, < 0 not a street scene (label unknown); equal to"
                            " logsumexp(logits)"
                        ),
                    }
                }
                if gated_cfg
                else {}
            ),
            "cam": {
                "dims": ["N", len(classes), cam_h, cam_h],
                "stride": model.stride,
                "meaning": (
                    "class activation maps at the last conv layer: CAM_c = sum_k w_ck A_k, so logits[c] ="
                    " mean(cam[c]) + bias[c]; equal to Grad-CAM at that layer up to a positive factor"
                ),
                "bias": [round(float(b), 6) for b in model.head.bias.detach()],
            },
        },
        "explanations": {
            "heatmap": (
                "take cam[n, predicted class], ReLU, upsample bilinearly (align_corners=false) to the "
                f"{size}x{size} model frame, divide by its maximum; scale to the photo's size for the overlay"
            ),
            "region": (
                f"pixels >= {ev['cam_threshold']} x max, the 8-connected component containing the peak, its"
                f" bounding box; multiply by (photo width / {size}, photo height / {size}) for photo"
                " coordinates"
            ),
            "threshold": ev["cam_threshold"],
        },
        "calibration": {
            "method": "temperature scaling on the validation split, folded into the linear head",
            "temperature": temperature,
            "ece_test_before": metrics["ece_before_temperature"],
            "ece_test_after": metrics["ece"],
        },
        "training_data": data["info"]["kind"],
        "validated_on_real_photos": False,
        **({"gate": _gate_metadata(ood_report)} if ood_report else {}),
        "metrics": {
            "test": {
                k: metrics[k]
                for k in (
                    "n",
                    "accuracy",
                    "accuracy_ci95",
                    "macro_f1",
                    "macro_f1_ci95",
                    "per_class",
                    "confusion",
                    "ece",
                    "nll",
                    "brier",
                )
            },
            "cam_localisation": localisation,
            "robustness": robustness,
            **({"ood": ood_report} if ood_report else {}),
        },
        "reference": _reference(data["x_train"], probs),
        "lineage": {
            "data": {k: v for k, v in data["info"].items() if k != "skipped"},
            "code_version": code,
            "config": cfg,
            "config_sha256": lineage.config_sha256(cfg),
            "seed": seed,
            "command": _command(args),
        },
        "framework": {
            "torch": torch.__version__.split("+")[0],
            "onnx": onnx.__version__,
            "parameters": n_params,
            "architecture": (
                "6 conv3x3+BN+ReLU (strides 2,2,2,1,1,1; dilations 1,1,1,1,"
                f"{','.join(str(d) for d in model_cfg['dilations'])}; widths "
                f"{','.join(str(w) for w in model_cfg['widths'])}) -> 1x1 CAM conv -> global mean + bias"
            ),
            "threads": int(cfg["threads"]),
            "python": platform.python_version(),
        },
    }
    contract.validate_metadata(evaluate.clean(metadata), "image metadata.json")
    (out_dir / "metadata.json").write_text(
        json.dumps(evaluate.clean(metadata), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    report = {
        "model_dir": str(out_dir),
        "metrics": metrics,
        "cam_localisation": localisation,
        "robustness": robustness,
        "failures": failures,
        "history": history,
        "temperature": temperature,
        "ood": ood_report,
        "duration_s": round(time.time() - t0, 1),
        "data": data["info"],
    }
    (out_dir / "MODEL_CARD.md").write_text(
        card.render(evaluate.clean(metadata), evaluate.clean(report)), encoding="utf-8"
    )
    if getattr(args, "report", None):
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(
            json.dumps(evaluate.clean(report), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )

    record = {
        "model": cfg["name"],
        "version": cfg["version"],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0)),
        "duration_s": round(time.time() - t0, 1),
        "smoke": smoke,
        "seed": seed,
        "config_path": str(config_path),
        "params": {
            "train": cfg["train"],
            "model": cfg["model"],
            "data": cfg["data"],
            "data_kind": data["info"]["kind"],
            "temperature": temperature,
        },
        "metrics": {
            "accuracy": metrics["accuracy"],
            "accuracy_ci95": metrics["accuracy_ci95"],
            "macro_f1": metrics["macro_f1"],
            "ece": metrics["ece"],
            "pointing_game": localisation["all"]["pointing_game"] if localisation["available"] else None,
        },
        "out_dir": str(out_dir),
        "artifacts": {p.name: lineage.sha256_file(p) for p in sorted(out_dir.iterdir()) if p.is_file()},
        "code_version": code,
    }
    exp_log = outputs.experiment_log(args, out_root)
    lineage.append_run(exp_log, evaluate.clean(record))
    _log(f"done in {time.time() - t0:.0f} s: {out_dir} (experiment log {exp_log})")
    return 0
