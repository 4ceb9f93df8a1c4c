"""Evaluation: classification metrics with bootstrap intervals, calibration, CAM localisation,
robustness conditions and the worst failures with their likely reasons."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------


def clean(obj):
    """NaN and infinities -> None, recursively, so reports are strict JSON."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def _ci(samples: np.ndarray) -> list[float]:
    samples = samples[~np.isnan(samples)]
    if len(samples) == 0:
        return [float("nan"), float("nan")]
    lo, hi = np.percentile(samples, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def expected_calibration_error(
    probs: np.ndarray, labels: np.ndarray, bins: int = 15
) -> tuple[float, list[dict]]:
    """ECE over equal-width bins of the top-class probability, and the reliability table."""
    conf = probs.max(1)
    correct = probs.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    ece, table = 0.0, []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if not sel.any():
            continue
        gap = abs(conf[sel].mean() - correct[sel].mean())
        ece += sel.mean() * gap
        table.append(
            {
                "bin": [round(float(lo), 3), round(float(hi), 3)],
                "count": int(sel.sum()),
                "confidence": round(float(conf[sel].mean()), 4),
                "accuracy": round(float(correct[sel].mean()), 4),
            }
        )
    return round(float(ece), 4), table


def classification_metrics(
    probs: np.ndarray, labels: np.ndarray, classes: tuple[str, ...], bootstrap: int, seed: int
) -> dict:
    """Accuracy, per-class precision/recall/F1 and macro-F1, each with a percentile bootstrap 95% CI
    (test images resampled with replacement), the confusion matrix (rows: true, columns:
    predicted), ECE, negative log-likelihood and Brier score."""
    n, k = probs.shape
    pred = probs.argmax(1)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(bootstrap, n)) if n else np.zeros((bootstrap, 0), np.int64)
    correct = pred == labels
    out: dict = {
        "n": int(n),
        "accuracy": round(float(correct.mean()), 4) if n else float("nan"),
        "accuracy_ci95": _ci(correct[idx].mean(1)) if n else [float("nan")] * 2,
    }
    per_class, f1s, f1_boot = {}, [], []
    with np.errstate(invalid="ignore", divide="ignore"):
        for c, name in enumerate(classes):
            tp = (pred == c) & (labels == c)
            pp, ap = pred == c, labels == c
            prec = tp.sum() / pp.sum() if pp.sum() else float("nan")
            rec = tp.sum() / ap.sum() if ap.sum() else float("nan")
            # A class never predicted (or absent) has no precision (reported as null); for the
            # macro average its F1 counts as 0, as scikit-learn's zero_division=0 does.
            f1 = (
                2 * prec * rec / (prec + rec)
                if np.isfinite(prec) and np.isfinite(rec) and prec + rec > 0
                else 0.0
            )
            b_tp, b_pp, b_ap = tp[idx].sum(1), pp[idx].sum(1), ap[idx].sum(1)
            b_prec, b_rec = b_tp / b_pp, b_tp / b_ap
            b_f1 = 2 * b_prec * b_rec / (b_prec + b_rec)
            f1s.append(f1)
            f1_boot.append(np.nan_to_num(b_f1))
            per_class[name] = {
                "precision": round(float(prec), 4),
                "precision_ci95": _ci(b_prec),
                "recall": round(float(rec), 4),
                "recall_ci95": _ci(b_rec),
                "f1": round(float(f1), 4),
                "support": int(ap.sum()),
            }
    out["per_class"] = per_class
    out["macro_f1"] = round(float(np.mean(f1s)), 4)
    out["macro_f1_ci95"] = _ci(np.mean(f1_boot, axis=0))
    conf = np.zeros((k, k), np.int64)
    np.add.at(conf, (labels, pred), 1)
    out["confusion"] = {"rows_true_cols_predicted": list(classes), "matrix": conf.tolist()}
    out["ece"], out["reliability"] = expected_calibration_error(probs, labels)
    p_true = probs[np.arange(n), labels]
    out["nll"] = round(float(-np.log(np.clip(p_true, 1e-12, 1)).mean()), 4)
    onehot = np.eye(k)[labels]
    out["brier"] = round(float(((probs - onehot) ** 2).sum(1).mean()), 4)
    out["mean_confidence"] = round(float(probs.max(1).mean()), 4)
    return out


# ---------------------------------------------------------------------------------------------
# CAM localisation
# ---------------------------------------------------------------------------------------------


def upsample_cams(cams: np.ndarray, size: int) -> np.ndarray:
    """[N, h, w] class maps -> [N, size, size], bilinear, align_corners=False (what serving does)."""
    t = torch.from_numpy(np.ascontiguousarray(cams[:, None], np.float32))
    return F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)[:, 0].numpy()


def cam_region(
    heat: np.ndarray, threshold: float
) -> tuple[tuple[int, int], tuple[int, int, int, int] | None]:
    """The serving recipe for the "bounding region" of one upsampled CAM: ReLU, divide by the
    maximum, keep pixels >= threshold, take the 8-connected component holding the peak, return
    (peak (y, x), its box (x0, y0, x1, y1) half-open). No box if the map has no positive value."""
    peak = np.unravel_index(int(np.argmax(heat)), heat.shape)
    top = float(heat[peak])
    if top <= 0:
        return (int(peak[0]), int(peak[1])), None
    labels, _ = ndimage.label(heat >= threshold * top, structure=np.ones((3, 3)))
    ys, xs = np.nonzero(labels == labels[peak])
    return (int(peak[0]), int(peak[1])), (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def box_iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def _inside(point: tuple[int, int], box, tolerance: int = 0) -> bool:
    y, x = point
    return box[0] - tolerance <= x < box[2] + tolerance and box[1] - tolerance <= y < box[3] + tolerance


def cam_localisation(
    cams: np.ndarray,
    labels: np.ndarray,
    preds: np.ndarray,
    boxes: list,
    masks: np.ndarray | None,
    classes: tuple[str, ...],
    size: int,
    threshold: float,
    bootstrap: int,
    seed: int,
    tolerance: int = 8,
) -> dict:
    """How well the CAM of the *true* class finds the object, over test images that have one.

    - pointing game: the CAM's peak lies inside the object's box (strict: no tolerance margin);
      also with a `tolerance` margin (default one CAM cell, 8 px; Zhang et al. 2016 use 15 px on
      larger images), because a 16x16 map upsampled cannot place a peak finer than a cell;
    - peak in mask: the peak lies on an object pixel;
    - box IoU: IoU of the CAM region's box (cam_region) with the true box; share with IoU >= 0.5.
    Baselines, to read the figures against: the image centre as the "peak" and the whole image as
    the "box" (big objects such as fallen trees make both less trivial to beat than they sound)."""
    sel = np.array([b is not None for b in boxes])
    if not sel.any():
        return {"available": False, "reason": "no object boxes (a real folder has no boxes)"}
    rows = []
    centre = (size // 2, size // 2)
    whole = (0, 0, size, size)
    for i in np.flatnonzero(sel):
        heat = upsample_cams(cams[i : i + 1, labels[i]], size)[0]
        heat = np.maximum(heat, 0)
        peak, region = cam_region(heat, threshold)
        box = boxes[i]
        rows.append(
            {
                "class": classes[labels[i]],
                "correct": bool(preds[i] == labels[i]),
                "hit": _inside(peak, box),
                "hit_tol": _inside(peak, box, tolerance),
                "in_mask": bool(masks[i][peak]) if masks is not None else None,
                "iou": box_iou(region, box) if region else 0.0,
                "centre_hit": _inside(centre, box),
                "centre_hit_tol": _inside(centre, box, tolerance),
                "whole_iou": box_iou(whole, box),
            }
        )
    rng = np.random.default_rng(seed)

    def summary(rs: list[dict]) -> dict:
        hit = np.array([r["hit"] for r in rs], float)
        iou = np.array([r["iou"] for r in rs])
        idx = rng.integers(0, len(rs), size=(bootstrap, len(rs)))
        hit_tol = np.array([r["hit_tol"] for r in rs], float)
        out = {
            "n": len(rs),
            "pointing_game": round(float(hit.mean()), 4),
            "pointing_game_ci95": _ci(hit[idx].mean(1)),
            "pointing_game_tolerant": round(float(hit_tol.mean()), 4),
            "mean_iou": round(float(iou.mean()), 4),
            "mean_iou_ci95": _ci(iou[idx].mean(1)),
            "iou_at_0_5": round(float((iou >= 0.5).mean()), 4),
            "baseline_centre_pointing": round(float(np.mean([r["centre_hit"] for r in rs])), 4),
            "baseline_centre_pointing_tolerant": round(float(np.mean([r["centre_hit_tol"] for r in rs])), 4),
            "baseline_whole_image_iou": round(float(np.mean([r["whole_iou"] for r in rs])), 4),
        }
        if rs[0]["in_mask"] is not None:
            out["peak_in_mask"] = round(float(np.mean([r["in_mask"] for r in rs])), 4)
        return out

    result = {
        "available": True,
        "cam_of": "true class",
        "threshold": threshold,
        "tolerance_px": tolerance,
        "all": summary(rows),
        "correctly_classified": summary([r for r in rows if r["correct"]])
        if any(r["correct"] for r in rows)
        else None,
        "per_class": {
            c: summary([r for r in rows if r["class"] == c])
            for c in classes
            if any(r["class"] == c for r in rows)
        },
    }
    return result


# ---------------------------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------------------------


def _pil_map(images: np.ndarray, fn) -> np.ndarray:
    return np.stack([np.asarray(fn(Image.fromarray(im)), np.uint8) for im in images])


def _noise(sigma: float):
    def apply(images, boxes, rng):
        x = images.astype(np.float32) + rng.standard_normal(images.shape, dtype=np.float32) * sigma * 255
        return np.clip(x + 0.5, 0, 255).astype(np.uint8)

    return apply


def _blur(radius: float):
    return lambda images, boxes, rng: _pil_map(images, lambda im: im.filter(ImageFilter.GaussianBlur(radius)))


def _brightness(factor: float):
    return lambda images, boxes, rng: np.clip(images.astype(np.float32) * factor + 0.5, 0, 255).astype(
        np.uint8
    )


def _jpeg(quality: int):
    def encode(im: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=quality)
        buf.seek(0)
        return Image.open(buf).convert("RGB")

    return lambda images, boxes, rng: _pil_map(images, encode)


def _occlude_random(side_frac: float):
    def apply(images, boxes, rng):
        out = images.copy()
        n, h, w, _ = images.shape
        s = int(round(side_frac * w))
        for i in range(n):
            x, y = rng.integers(0, w - s + 1), rng.integers(0, h - s + 1)
            out[i, y : y + s, x : x + s] = 128
        return out

    return apply


def _occlude_object(area_frac: float):
    """A grey square over the centre of the object covering `area_frac` of its box (for images
    without an object: a square of the median object size at a random place)."""

    def apply(images, boxes, rng):
        out = images.copy()
        n, h, w, _ = images.shape
        sizes = [max(4, int(round(np.sqrt(area_frac * (b[2] - b[0]) * (b[3] - b[1]))))) for b in boxes if b]
        typical = int(np.median(sizes)) if sizes else w // 4
        for i in range(n):
            b = boxes[i]
            if b:
                bw, bh = b[2] - b[0], b[3] - b[1]
                # Same aspect as the box, `area_frac` of its area.
                sw, sh = max(2, int(round(bw * np.sqrt(area_frac)))), max(
                    2, int(round(bh * np.sqrt(area_frac)))
                )
                cx, cy = (b[0] + b[2]) // 2, (b[1] + b[3]) // 2
            else:
                sw = sh = typical
                cx, cy = rng.integers(sw // 2, w - sw // 2 + 1), rng.integers(sh // 2, h - sh // 2 + 1)
            out[i, max(0, cy - sh // 2) : cy - sh // 2 + sh, max(0, cx - sw // 2) : cx - sw // 2 + sw] = 128
        return out

    return apply


def _missing_bottom(frac: float):
    """The image analogue of missing values: a truncated upload whose last rows decode as grey."""

    def apply(images, boxes, rng):
        out = images.copy()
        out[:, int(round(images.shape[1] * (1 - frac))) :] = 128
        return out

    return apply


PERTURBATIONS = {
    "gaussian noise sigma=0.05": _noise(0.05),
    "gaussian noise sigma=0.10": _noise(0.10),
    "gaussian blur r=1.5": _blur(1.5),
    "gaussian blur r=3": _blur(3.0),
    "brightness x0.5": _brightness(0.5),
    "brightness x1.5": _brightness(1.5),
    "JPEG quality 10": _jpeg(10),
    "occlusion: random 32px grey square": _occlude_random(0.25),
    "occlusion: 50% of the object's box": _occlude_object(0.5),
    "missing: bottom 30% grey (truncated)": _missing_bottom(0.3),
}


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------


def _colourise(heat: np.ndarray) -> np.ndarray:
    """A blue-to-red ramp for a [0, 1] map (no matplotlib here)."""
    h = np.clip(heat, 0, 1)[..., None]
    stops = np.array([[0, 0, 0.5], [0, 0.5, 1], [0.2, 1, 0.5], [1, 1, 0], [1, 0.2, 0]], np.float32)
    pos = h[..., 0] * (len(stops) - 1)
    i = np.minimum(pos.astype(int), len(stops) - 2)
    t = (pos - i)[..., None]
    return (stops[i] * (1 - t) + stops[i + 1] * t) * 255


def overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    top = heat.max()
    norm = np.maximum(heat, 0) / top if top > 0 else np.zeros_like(heat)
    return np.clip(image.astype(np.float32) * (1 - alpha) + _colourise(norm) * alpha, 0, 255).astype(np.uint8)


def failure_reason(
    true: str,
    pred: str,
    conf: float,
    scene_params: dict | None,
    distractors: list[dict],
    box,
    peak: tuple[int, int],
    size: int,
) -> str:
    """A reason read off what the generator recorded about the scene and where the predicted
    class's CAM peaks; checked by eye against the saved PNGs (see IMAGE.md)."""
    parts = []
    # The hard negative under the peak, within one CAM cell (8 px); the smallest box if several.
    on = sorted(
        (d for d in distractors if _inside(peak, d["box"], 8)),
        key=lambda d: (d["box"][2] - d["box"][0]) * (d["box"][3] - d["box"][1]),
    )
    on = [d["kind"] for d in on] if pred != "other" else []
    if on:
        parts.append(f"the {pred} evidence (CAM peak) sits on a {on[0].replace('_', ' ')}, a hard negative")
    elif pred != "other" and box is not None:
        # `other` has no object to point at, so its CAM peak says nothing; for an object class it does.
        parts.append(
            f"the {pred} evidence peaks on the {true.replace('_', ' ')} itself"
            if _inside(peak, box)
            else f"the {pred} evidence peaks away from the {true.replace('_', ' ')}"
        )
    elif pred == "other" and box is not None:
        parts.append(f"the {true.replace('_', ' ')} was missed")
    if box is not None:
        # A hard negative touching the object blurs its outline into something else.
        near = [
            d["kind"].replace("_", " ")
            for d in distractors
            if d["box"][0] <= box[2] + 4
            and box[0] <= d["box"][2] + 4
            and d["box"][1] <= box[3] + 4
            and box[1] <= d["box"][3] + 4
        ]
        if near:
            parts.append(f"beside a {near[0]}")
    p = scene_params or {}
    obj = p.get("object") or {}
    if true == "pothole" and obj.get("wet"):
        parts.append("water-filled pothole, which looks like a puddle")
    if true == "garbage" and pred == "pothole" and obj.get("items"):
        dark = sum(1 for k in obj["items"] if k in ("black_bag", "green_bag", "blue_bag"))
        if dark >= len(obj["items"]) / 2:
            parts.append("mostly dark bags, read as a dark hole")
    if true == "fallen_tree" and obj.get("autumn"):
        parts.append("autumn foliage (15% of trees)")
    if box is not None:
        area = p.get("object_area", 0)
        if area and area < 0.012:
            parts.append(f"small object ({area * 100:.1f}% of the image)")
        if box[0] == 0 or box[1] == 0 or box[2] == size or box[3] == size:
            parts.append("object cut by the image border")
    if true == "other" and not distractors:
        parts.append("plain street with no distractor: road texture or markings taken for an object")
    elif true == "other" and not on:
        parts.append("scene has " + ", ".join(d["kind"].replace("_", " ") for d in distractors))
    if p.get("night"):
        parts.append("night lighting")
    elif p.get("exposure") is not None and p["exposure"] < 0.8:
        parts.append(f"dim exposure (x{p['exposure']})")
    if p.get("blur", 0) >= 0.7:
        parts.append(f"blurred (sigma {p['blur']})")
    if p.get("noise", 0) >= 0.022:
        parts.append(f"noisy (sigma {p['noise']})")
    if p.get("jpeg_quality") and p["jpeg_quality"] <= 45:
        parts.append(f"heavy JPEG (quality {p['jpeg_quality']})")
    why = "; ".join(parts) if parts else "no rendering factor stands out: a plain model error"
    return f"{true} taken for {pred} at {conf:.0%}: {why}"


def worst_failures(
    images: np.ndarray,
    probs: np.ndarray,
    cams: np.ndarray,
    labels: np.ndarray,
    classes: tuple[str, ...],
    scenes_meta: list[dict],
    out_dir: Path | None,
    k: int = 10,
    condition: str = "clean test",
) -> list[dict]:
    """The `k` most confident mistakes, with reasons; saved as PNGs (image with boxes | CAM of the
    predicted class) when `out_dir` is given."""
    size = images.shape[1]
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != labels)
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:k]
    rows = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    for rank, i in enumerate(wrong, 1):
        meta = scenes_meta[i]
        heat = np.maximum(upsample_cams(cams[i : i + 1, pred[i]], size)[0], 0)
        peak, _ = cam_region(heat, 0.5)
        reason = failure_reason(
            classes[labels[i]],
            classes[pred[i]],
            float(probs[i, pred[i]]),
            meta.get("params"),
            meta.get("distractors", []),
            meta.get("box"),
            peak,
            size,
        )
        row = {
            "rank": rank,
            "index": int(i),
            "condition": condition,
            "true": classes[labels[i]],
            "predicted": classes[pred[i]],
            "confidence": round(float(probs[i, pred[i]]), 4),
            "p_true": round(float(probs[i, labels[i]]), 4),
            "reason": reason,
        }
        if out_dir is not None:
            left = Image.fromarray(images[i])
            d = ImageDraw.Draw(left)
            if meta.get("box"):
                b = meta["box"]
                d.rectangle([b[0], b[1], b[2] - 1, b[3] - 1], outline=(0, 255, 0))
            for dist in meta.get("distractors", []):
                b = dist["box"]
                d.rectangle([b[0], b[1], b[2] - 1, b[3] - 1], outline=(0, 255, 255))
            right = Image.fromarray(overlay(images[i], heat))
            ImageDraw.Draw(right).ellipse(
                [peak[1] - 2, peak[0] - 2, peak[1] + 2, peak[0] + 2], outline=(255, 255, 255)
            )
            panel = Image.new("RGB", (2 * size, size))
            panel.paste(left, (0, 0))
            panel.paste(right, (size, 0))
            name = f"{rank:02d}_{classes[labels[i]]}_as_{classes[pred[i]]}.png"
            # A 256-colour palette keeps each PNG around 20 KB; enough to see what went wrong.
            panel.quantize(256).save(out_dir / name, optimize=True)
            row["png"] = name
        rows.append(row)
    return rows
