"""Water IoU against the simulated masks, by sensor mode and cloud cover, with naive baselines.

Scored on tract pixels only (``grid.city``): the sea outside the city is trivially water and would
inflate every IoU. Per bin the IoU is pooled, sum(intersection) / sum(union) over the bin's scenes,
so that a dry scene counts (its false alarms enlarge the union) without an undefined 0/0; the 95 %
interval is a percentile bootstrap over scenes.
"""

from __future__ import annotations

import math

import numpy as np
from skimage.filters import threshold_otsu

METHODS = ("unet", "sar_threshold", "sar_otsu", "ndwi_threshold")


def baselines(scene, sar_threshold_db: float, ndwi_threshold: float) -> dict[str, np.ndarray | None]:
    """Each naive rule's water mask, None where the scene lacks its sensor. Otsu's threshold is
    fitted on the scene's own dB histogram (the whole grid, sea included, so both classes exist)."""
    out: dict[str, np.ndarray | None] = {"sar_threshold": None, "sar_otsu": None, "ndwi_threshold": None}
    if scene.sar_db is not None:
        out["sar_threshold"] = scene.sar_db < sar_threshold_db
        out["sar_otsu"] = scene.sar_db < threshold_otsu(scene.sar_db)
    if scene.ndwi is not None:
        # The naive rule reads the band as delivered: a cloud pixel is "not water".
        out["ndwi_threshold"] = scene.ndwi > ndwi_threshold
    return out


def overlap(pred: np.ndarray, truth: np.ndarray, where: np.ndarray) -> tuple[int, int]:
    p, t = pred[where], truth[where]
    return int((p & t).sum()), int((p | t).sum())


def pooled_iou(inter: np.ndarray, union: np.ndarray, n_boot: int, rng: np.random.Generator) -> dict:
    inter, union = np.asarray(inter, float), np.asarray(union, float)
    n = len(inter)
    if n == 0 or union.sum() == 0:
        # No water in any scene and no false alarm either: IoU is undefined, not 0.
        return {"iou": None, "ci95": None, "scenes": n, "note": "no water and no false alarm" if n else None}
    iou = inter.sum() / union.sum()
    idx = rng.integers(0, n, (n_boot, n))
    u = union[idx].sum(1)
    boot = np.where(u > 0, inter[idx].sum(1) / np.maximum(u, 1), np.nan)
    lo, hi = np.nanpercentile(boot, [2.5, 97.5])
    return {"iou": round(float(iou), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)], "scenes": n}


def bin_label(lo: float, hi: float) -> str:
    return f"{lo:g}-{hi:g}%"


def cloud_bin(cover: float, edges: list[float]) -> int:
    pct = 100 * cover
    for i in range(len(edges) - 1):
        if pct < edges[i + 1] or (i == len(edges) - 2 and pct <= edges[-1]):
            return i
    return len(edges) - 2


def summarise(rows: list[dict], edges: list[float], n_boot: int, seed: int) -> dict:
    """rows: one per scene with mode, cover, and per method (intersection, union) or None; plus the
    zone-share errors. Returns {mode: {bin: {method: {iou, ci95, scenes}}}} and share errors."""
    rng = np.random.default_rng([seed, 41])
    table: dict = {}
    for mode in sorted({r["mode"] for r in rows}, key=["sar", "optical", "both"].index):
        table[mode] = {}
        for b in range(len(edges) - 1):
            sel = [r for r in rows if r["mode"] == mode and cloud_bin(r["cover"], edges) == b]
            cell = {}
            for m in METHODS:
                have = [r[m] for r in sel if r.get(m) is not None]
                if not have:
                    continue
                cell[m] = pooled_iou([h[0] for h in have], [h[1] for h in have], n_boot, rng)
            share = [r["share_mae"] for r in sel]
            cell["share_mae"] = round(float(np.mean(share)), 4) if share else None
            cell["flooded_zone_share_mae"] = _nanmean([r["flooded_share_mae"] for r in sel])
            table[mode][bin_label(edges[b], edges[b + 1])] = cell
    return table


def _nanmean(v: list[float]) -> float | None:
    v = [x for x in v if x is not None and not math.isnan(x)]
    return round(float(np.mean(v)), 4) if v else None


def clean(obj):
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
