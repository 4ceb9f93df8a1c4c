"""Time-aware evaluation: periods, metrics against baselines, block-bootstrap intervals, rolling-origin
backtest, robustness perturbations and the worst failures.

Periods. With T steps, the test period is the last ``test`` share of anchors and the calibration
period the ``calib`` share before it; training takes the rest. Purging is per horizon: a training
cell of horizon h needs t+h < start of calibration, a calibration cell t+h < start of test, so no
target of a later period is ever seen earlier. Test cells need an observed target at t+h <= T-1.

Comparison set. Model, persistence and seasonal naive are scored on the same cells: those where all
three have a forecast and the target was observed (interpolated values never count as truth,
because nothing is interpolated).

Confidence intervals: moving-block bootstrap over anchor times (circular, block length = one
season, i.e. 24 h or 7 days), resampling all stations of a time together. Blocks keep the serial
correlation of multi-step errors, and keeping stations together keeps their cross-correlation
(a regional episode hits all stations at once), so the intervals are not falsely narrow. The same
resampled times score all methods, so differences (model - baseline) get paired intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..forecast_common import block_bootstrap_index
from ..forecast_common import ci as _ci
from .features import FeatureSpec, panel_features, targets


def period_bounds(T: int, split: dict) -> tuple[int, int]:
    """(first calibration anchor, first test anchor)."""
    t_test = int(math.floor(T * (1 - float(split["test"]))))
    t_cal = int(math.floor(T * (1 - float(split["test"]) - float(split["calib"]))))
    return t_cal, t_test


def masks_before(
    ok: np.ndarray, Y: np.ndarray, end: int, start: int = 0, stride: int = 1
) -> list[np.ndarray]:
    """Per horizon: cells with features, an observed target, anchor >= start, target time < end."""
    T = ok.shape[0]
    t = np.arange(T)[:, None]
    out = []
    for h in range(1, Y.shape[2] + 1):
        m = ok & np.isfinite(Y[:, :, h - 1]) & (t >= start) & (t + h < end) & (t % stride == 0)
        out.append(m)
    return out


def eval_masks(
    ok: np.ndarray, Y: np.ndarray, P: np.ndarray, N: np.ndarray, start: int, end: int
) -> list[np.ndarray]:
    """Per horizon: comparison cells with anchor in [start, end) (targets may run past end)."""
    T = ok.shape[0]
    t = np.arange(T)[:, None]
    out = []
    for h in range(1, Y.shape[2] + 1):
        k = h - 1
        m = (
            ok
            & np.isfinite(Y[:, :, k])
            & np.isfinite(P[:, :, k])
            & np.isfinite(N[:, :, k])
            & (t >= start)
            & (t < end)
        )
        out.append(m)
    return out


def predict_cells(fc, X: np.ndarray, masks: list[np.ndarray]) -> dict:
    """Model outputs on the union of the masks, returned as [T, S, H] arrays (NaN elsewhere)."""
    T, S, _ = X.shape
    H = len(masks)
    union = np.zeros((T, S), dtype=bool)
    for m in masks:
        union |= m
    out = {k: np.full((T, S, H), np.nan, dtype=np.float64) for k in ("forecast", "lower", "upper", "ratio")}
    if union.any():
        pred = fc.predict(X[union])
        for k in out:
            if k in pred:
                out[k][union] = pred[k]
    return out


def horizon_table(
    Y, preds: dict, P, N, masks, block: int, reps: int, rng: np.random.Generator, alpha: float | None
) -> list[dict]:
    rows = []
    for h, m in enumerate(masks, start=1):
        k = h - 1
        times = np.flatnonzero(m.any(axis=1))
        if len(times) == 0:
            rows.append({"horizon": h, "n": 0})
            continue
        y = Y[:, :, k]
        err = {
            "model": preds["forecast"][:, :, k] - y,
            "persistence": P[:, :, k] - y,
            "seasonal_naive": N[:, :, k] - y,
        }
        # Per-time sums make each bootstrap replicate a cheap weighted sum.
        cnt = m[times].sum(axis=1).astype(float)
        sums = {
            name: (np.where(m, np.abs(e), 0)[times].sum(axis=1), np.where(m, e * e, 0)[times].sum(axis=1))
            for name, e in err.items()
        }
        idx = block_bootstrap_index(len(times), block, reps, rng)
        c_b = cnt[idx].sum(axis=1)
        row = {"horizon": h, "n": int(cnt.sum()), "n_anchor_times": int(len(times))}
        boot_mae = {}
        for name, (sa, ss) in sums.items():
            prefix = "" if name == "model" else f"_{name}"
            mae = sa.sum() / cnt.sum()
            rmse = math.sqrt(ss.sum() / cnt.sum())
            b_mae = sa[idx].sum(axis=1) / c_b
            b_rmse = np.sqrt(ss[idx].sum(axis=1) / c_b)
            boot_mae[name] = b_mae
            row[f"mae{prefix}"] = round(float(mae), 4)
            row[f"rmse{prefix}"] = round(float(rmse), 4)
            row[f"mae{prefix}_ci95"] = _ci(b_mae)
            row[f"rmse{prefix}_ci95"] = _ci(b_rmse)
        for base in ("persistence", "seasonal_naive"):
            row[f"mae_diff_vs_{base}"] = round(row["mae"] - row[f"mae_{base}"], 4)
            row[f"mae_diff_vs_{base}_ci95"] = _ci(boot_mae["model"] - boot_mae[base])
            row[f"skill_vs_{base}"] = (
                round(1 - row["mae"] / row[f"mae_{base}"], 4) if row[f"mae_{base}"] > 0 else None
            )
        if alpha is not None:
            lo, hi = preds["lower"][:, :, k], preds["upper"][:, :, k]
            inside = (y >= lo) & (y <= hi)
            row["coverage"] = round(float(inside[m].mean()), 4)
            row["interval_width_mean"] = round(float((hi - lo)[m].mean()), 4)
        rows.append(row)
    return rows


def summary(table: list[dict], alpha: float | None) -> dict:
    """Averages over horizons (each horizon weighted equally)."""
    rows = [r for r in table if r.get("n")]
    out = {
        k: round(float(np.mean([r[k] for r in rows])), 4)
        for k in (
            "mae",
            "rmse",
            "mae_persistence",
            "mae_seasonal_naive",
            "rmse_persistence",
            "rmse_seasonal_naive",
        )
    }
    out["horizons_better_than_persistence"] = int(sum(r["mae_diff_vs_persistence_ci95"][1] < 0 for r in rows))
    out["horizons_better_than_seasonal_naive"] = int(
        sum(r["mae_diff_vs_seasonal_naive_ci95"][1] < 0 for r in rows)
    )
    out[
        "horizons_note"
    ] = "counts of horizons whose 95% CI of (model MAE - baseline MAE) lies entirely below 0"
    if alpha is not None:
        n = sum(r["n"] for r in rows)
        out["coverage"] = round(sum(r["coverage"] * r["n"] for r in rows) / n, 4)
        out["nominal_coverage"] = 1 - alpha
    return out


def mae_only(Y, forecast, masks) -> list[float]:
    return [
        round(float(np.abs(forecast[:, :, h][m] - Y[:, :, h][m]).mean()), 4) if m.any() else None
        for h, m in enumerate(masks)
    ]


def perturbed(
    values: np.ndarray, times: pd.DatetimeIndex, spec: FeatureSpec, fc, masks_clean, *, targets_from=None
):
    """Recompute features from a perturbed input series and score against clean targets."""
    X, ok = panel_features(values, times, spec)
    Y = targets(values if targets_from is None else targets_from, spec)
    masks = [m & ok for m in masks_clean]
    preds = predict_cells(fc, X, masks)
    return X, ok, Y, masks, preds


def robustness(
    values, times, spec: FeatureSpec, fc, Y, masks, preds_clean, rng: np.random.Generator, cfg: dict
) -> dict:
    """Noisy inputs, missing inputs, and a shifted level, all on the test period."""
    out: dict = {}
    clean_mae = mae_only(Y, preds_clean["forecast"], masks)
    out["clean"] = {"mae_by_horizon": clean_mae, "mae_mean": _mean(clean_mae)}

    sd = float(cfg.get("noise_sd", 0.15))
    noisy = values * rng.lognormal(0.0, sd, values.shape)
    _, _, _, m_n, p_n = perturbed(noisy, times, spec, fc, masks, targets_from=values)
    mae_n = mae_only(Y, p_n["forecast"], m_n)
    pers_n = pd.DataFrame(noisy).ffill(limit=spec.season - 1).to_numpy()
    mae_pn = mae_only(Y, np.repeat(pers_n[:, :, None], spec.horizons, axis=2), m_n)
    out["noisy_inputs"] = {
        "what": (
            f"every input reading multiplied by lognormal noise (sd {sd} in log space, about ±{sd:.0%});"
            " targets clean"
        ),
        "mae_by_horizon": mae_n,
        "mae_mean": _mean(mae_n),
        "persistence_mae_mean": _mean(mae_pn),
        "relative_change": _rel(_mean(mae_n), out["clean"]["mae_mean"]),
    }

    share = float(cfg.get("missing_share", 0.2))
    holes = values.copy()
    holes[rng.random(values.shape) < share] = np.nan
    _, ok_m, _, m_m, p_m = perturbed(holes, times, spec, fc, masks, targets_from=values)
    mae_m = mae_only(Y, p_m["forecast"], m_m)
    same = mae_only(Y, preds_clean["forecast"], m_m)  # clean model on the same cells
    lost = int(sum(m.sum() for m in masks) - sum(m.sum() for m in m_m))
    out["missing_inputs"] = {
        "what": (
            f"{share:.0%} of input readings deleted at random; features recomputed (NaN-aware), targets clean"
        ),
        "mae_by_horizon": mae_m,
        "mae_mean": _mean(mae_m),
        "clean_mae_mean_same_cells": _mean(same),
        "relative_change": _rel(_mean(mae_m), _mean(same)),
        "forecasts_impossible": lost,
        "forecasts_impossible_note": (
            "cells where fewer than half a season of readings remained, so no forecast is issued"
        ),
    }

    factor = float(cfg.get("shift_factor", 1.3))
    shifted = values * factor
    _, _, Ys, m_s, p_s = perturbed(shifted, times, spec, fc, masks)
    mae_s = mae_only(Ys, p_s["forecast"], m_s)
    cov = [
        float(((Ys[:, :, k] >= p_s["lower"][:, :, k]) & (Ys[:, :, k] <= p_s["upper"][:, :, k]))[m].mean())
        if m.any()
        else None
        for k, m in enumerate(m_s)
    ]
    out["shifted_levels"] = {
        "what": f"all readings (inputs and targets) multiplied by {factor}",
        "mae_by_horizon": mae_s,
        "mae_mean": _mean(mae_s),
        "mae_mean_divided_by_factor": round(_mean(mae_s) / factor, 4),
        "relative_change_after_rescaling": _rel(_mean(mae_s) / factor, out["clean"]["mae_mean"]),
        "coverage": round(float(np.nanmean([c for c in cov if c is not None])), 4),
    }
    return out


def _mean(xs) -> float:
    xs = [x for x in xs if x is not None]
    return round(float(np.mean(xs)), 4) if xs else float("nan")


def _rel(a: float, b: float) -> float:
    return round(a / b - 1, 4) if b else float("nan")


def worst_failures(
    values, times, stations, spec: FeatureSpec, X, Y, preds, masks, n: int = 10, context=None
) -> list[dict]:
    """The n largest absolute errors on the test period, one per event (station and target time
    at least one season apart), each with an automatic diagnosis from the data around it."""
    T, S = values.shape
    cand = []
    for k, m in enumerate(masks):
        err = np.abs(preds["forecast"][:, :, k] - Y[:, :, k])
        tt, ss = np.nonzero(m)
        for t, s in zip(tt, ss):
            cand.append((float(err[t, s]), t, s, k + 1))
    cand.sort(key=lambda c: -c[0])
    picked: list[tuple] = []
    for c in cand:
        _, t, s, h = c
        if any(s == p[2] and abs((t + h) - (p[1] + p[3])) < spec.season for p in picked):
            continue
        picked.append(c)
        if len(picked) == n:
            break
    # Typical level of each station and each time, for "local vs regional" diagnosis.
    station_median = np.nanmedian(values, axis=0)
    out = []
    for err, t, s, h in picked:
        y = float(Y[t, s, h - 1])
        f = float(preds["forecast"][t, s, h - 1])
        level = float(X[t, s, 0])
        tgt = t + h
        hist = values[max(0, t - spec.long_window + 1) : t + 1, s]
        hist_max = float(np.nanmax(hist)) if np.isfinite(hist).any() else float("nan")
        n_missing = int(X[t, s, spec.names.index("n_missing")])
        row_vals = values[tgt]
        high_share = (
            float(np.nanmean(row_vals > 1.5 * station_median))
            if np.isfinite(row_vals).any()
            else float("nan")
        )
        reasons = []
        if y > f:
            if y > 2 * level and (not math.isfinite(hist_max) or y > hist_max):
                reasons.append(
                    f"unforeseeable spike: the actual {y:.1f} is {y / level:.1f}× the recent level"
                    f" ({level:.1f}) and above anything in the previous {spec.long_window} steps (max"
                    f" {hist_max:.1f})"
                )
            elif y > 1.5 * level:
                reasons.append(
                    f"rise the history did not announce: the actual {y:.1f} is {y / level:.1f}× the recent"
                    f" level ({level:.1f})"
                )
        else:
            last = float(values[t, s]) if np.isfinite(values[t, s]) else float("nan")
            long_mean = float(X[t, s, spec.names.index(f"r_mean_{spec.long_window}")]) * level
            if math.isfinite(long_mean) and long_mean > 1.5 * level and (not math.isfinite(last) or f > last):
                reasons.append(
                    f"an episode had just ended: the {spec.season}-step level ({level:.1f}) had collapsed"
                    f" below the {spec.long_window}-step mean ({long_mean:.1f}) and the model expected a"
                    " rebound that did not come; features relative to a collapsed level exaggerate it"
                )
            elif math.isfinite(last) and last > 1.5 * level:
                reasons.append(
                    f"the forecast carried on a peak that ended: the last reading {last:.1f} was"
                    f" {last / level:.1f}× the level, the actual fell to {y:.1f}"
                )
            else:
                reasons.append(
                    f"sharp drop the history did not announce: actual {y:.1f} vs recent level {level:.1f}"
                )
        if math.isfinite(high_share):
            if high_share >= 0.5:
                reasons.append(
                    f"regional episode: {high_share:.0%} of stations were above 1.5× their median at the"
                    " target time (weather-driven, and the model sees no weather)"
                )
            elif high_share <= 0.15 and y > f:
                reasons.append(
                    f"local event: only {high_share:.0%} of stations were elevated at the target time"
                )
        if n_missing >= spec.season // 4:
            reasons.append(
                f"{n_missing} of the last {spec.season} readings were missing when the forecast was made"
            )
        if h > spec.season and abs(f - level) < 0.5 * level:
            reasons.append(
                f"long horizon ({h} steps, beyond one season): the forecast is close to the station's recent"
                " mean by design"
            )
        if context is not None:
            extra = context(stations[s], times[tgt])
            if extra:
                reasons.append(extra)
        out.append(
            {
                "station": stations[s],
                "issued_at": times[t].isoformat(),
                "target_time": times[tgt].isoformat(),
                "horizon": h,
                "actual": round(y, 2),
                "forecast": round(f, 2),
                "lower": round(float(preds["lower"][t, s, h - 1]), 2),
                "upper": round(float(preds["upper"][t, s, h - 1]), 2),
                "abs_error": round(err, 2),
                "level_at_issue": round(level, 2),
                "reason": "; ".join(reasons),
            }
        )
    return out
