"""Time-aware evaluation of the load forecaster on sets of cells (anchor time, series).

Periods (fractions of the grid, config ``split``): test = the last ``test`` share of anchor times,
calibration = the ``calib`` share before it, training = everything before. Purging is per horizon:
a training cell of horizon h needs t + h < the origin it is fitted for, a calibration residual
t + h < the start of the test period, so no target of a later period is ever seen earlier.

Comparison set: the model and the two baselines (persistence, seasonal naive = same time last week)
are scored on the same cells, those where every method has a forecast and the target was observed.

Confidence intervals: a circular moving-block bootstrap over the anchor times of the scored cells
(blocks of one day), resampling every series of a time together, so serial correlation of
multi-step errors and the correlation across zones (a city-wide temperature swing) are kept; the
same resampled times score every method, so differences get paired intervals.
"""

from __future__ import annotations

import math

import numpy as np

from ..forecast_common import block_bootstrap_index, ci

METHODS = ("model", "persistence", "seasonal_naive")


def comparison_mask(Y: np.ndarray, F: np.ndarray, P: np.ndarray, N: np.ndarray) -> np.ndarray:
    return np.isfinite(Y) & np.isfinite(F) & np.isfinite(P) & np.isfinite(N)


def _group_sums(t: np.ndarray, values: np.ndarray, uniq: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(uniq, t)
    return np.bincount(pos, weights=values, minlength=len(uniq))


def horizon_table(
    Y: np.ndarray,
    preds: dict,
    P: np.ndarray,
    N: np.ndarray,
    anchor: np.ndarray,
    block_steps: int,
    reps: int,
    rng: np.random.Generator,
    alpha: float | None,
) -> list[dict]:
    """Per horizon: MAE, RMSE and MAPE of the model and both baselines with 95% block-bootstrap
    intervals, paired differences, skill, and (with intervals) coverage and mean width."""
    rows = []
    F = preds["forecast"]
    for k in range(Y.shape[1]):
        h = k + 1
        m = comparison_mask(Y[:, k], F[:, k], P[:, k], N[:, k])
        if not m.any():
            rows.append({"horizon": h, "n": 0})
            continue
        t = anchor[m]
        y = Y[m, k]
        uniq = np.unique(t)
        spacing = float(np.median(np.diff(uniq))) if len(uniq) > 1 else 1.0
        block = max(1, int(round(block_steps / max(spacing, 1.0))))
        idx = block_bootstrap_index(len(uniq), block, reps, rng)
        cnt = _group_sums(t, np.ones(len(t)), uniq)
        c_b = cnt[idx].sum(axis=1)
        row = {"horizon": h, "n": int(m.sum()), "n_anchor_times": int(len(uniq))}
        boot = {}
        for name, f in (("model", F[m, k]), ("persistence", P[m, k]), ("seasonal_naive", N[m, k])):
            e = f - y
            sa, ss, sp = (_group_sums(t, v, uniq) for v in (np.abs(e), e * e, np.abs(e) / np.abs(y)))
            prefix = "" if name == "model" else f"_{name}"
            b_mae = sa[idx].sum(axis=1) / c_b
            boot[name] = b_mae
            row[f"mae{prefix}"] = round(float(sa.sum() / cnt.sum()), 4)
            row[f"mae{prefix}_ci95"] = ci(b_mae)
            row[f"rmse{prefix}"] = round(math.sqrt(ss.sum() / cnt.sum()), 4)
            row[f"rmse{prefix}_ci95"] = ci(np.sqrt(ss[idx].sum(axis=1) / c_b))
            row[f"mape{prefix}"] = round(float(100 * sp.sum() / cnt.sum()), 3)
            row[f"mape{prefix}_ci95"] = [round(v * 100, 3) for v in ci(sp[idx].sum(axis=1) / c_b)]
        for base in ("persistence", "seasonal_naive"):
            row[f"mae_diff_vs_{base}"] = round(row["mae"] - row[f"mae_{base}"], 4)
            row[f"mae_diff_vs_{base}_ci95"] = ci(boot["model"] - boot[base])
            row[f"skill_vs_{base}"] = (
                round(1 - row["mae"] / row[f"mae_{base}"], 4) if row[f"mae_{base}"] else None
            )
        if alpha is not None and "lower" in preds:
            lo, hi = preds["lower"][m, k], preds["upper"][m, k]
            row["coverage"] = round(float(((y >= lo) & (y <= hi)).mean()), 4)
            row["interval_width_mean"] = round(float((hi - lo).mean()), 4)
        rows.append(row)
    return rows


def summary(table: list[dict], alpha: float | None) -> dict:
    """Means over horizons (each horizon weighted equally)."""
    rows = [r for r in table if r.get("n")]
    keys = [f"{m}{p}" for m in ("mae", "rmse", "mape") for p in ("", "_persistence", "_seasonal_naive")]
    out = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in keys}
    for base in ("persistence", "seasonal_naive"):
        out[f"horizons_better_than_{base}"] = int(sum(r[f"mae_diff_vs_{base}_ci95"][1] < 0 for r in rows))
        out[f"horizons_worse_than_{base}"] = int(sum(r[f"mae_diff_vs_{base}_ci95"][0] > 0 for r in rows))
    out["horizons_note"] = (
        "counts of horizons whose 95% CI of (model MAE - baseline MAE) lies entirely below 0 (better) or"
        " above 0 (worse)"
    )
    if alpha is not None and rows and "coverage" in rows[0]:
        n = sum(r["n"] for r in rows)
        out["coverage"] = round(sum(r["coverage"] * r["n"] for r in rows) / n, 4)
        out["nominal_coverage"] = round(1 - alpha, 4)
    return out


def pooled_mae_ci(Y, F, P, N, anchor, block_steps, reps, rng) -> dict:
    """MAE over every horizon and cell at once (the headline of the card), model and baselines, with
    block-bootstrap intervals and paired differences."""
    m = comparison_mask(Y, F, P, N)
    t = np.broadcast_to(anchor[:, None], Y.shape)[m]
    uniq = np.unique(t)
    spacing = float(np.median(np.diff(uniq))) if len(uniq) > 1 else 1.0
    idx = block_bootstrap_index(len(uniq), max(1, int(round(block_steps / max(spacing, 1.0)))), reps, rng)
    cnt = _group_sums(t, np.ones(len(t)), uniq)
    c_b = cnt[idx].sum(axis=1)
    out, boot = {}, {}
    for name, f in (("model", F), ("persistence", P), ("seasonal_naive", N)):
        e = np.abs(f[m] - Y[m])
        s = _group_sums(t, e, uniq)
        sp = _group_sums(t, e / np.abs(Y[m]), uniq)
        boot[name] = s[idx].sum(axis=1) / c_b
        out[name] = {
            "mae": round(float(s.sum() / cnt.sum()), 4),
            "mae_ci95": ci(boot[name]),
            "mape": round(float(100 * sp.sum() / cnt.sum()), 3),
            "mape_ci95": [round(v * 100, 3) for v in ci(sp[idx].sum(axis=1) / c_b)],
        }
    for base in ("persistence", "seasonal_naive"):
        out[f"model_minus_{base}"] = {
            "mae": round(out["model"]["mae"] - out[base]["mae"], 4),
            "mae_ci95": ci(boot["model"] - boot[base]),
        }
    out["n"] = int(m.sum())
    return out


def mae_by_horizon(Y: np.ndarray, F: np.ndarray, mask: np.ndarray) -> list[float | None]:
    return [
        round(float(np.abs(F[mask[:, k], k] - Y[mask[:, k], k]).mean()), 4) if mask[:, k].any() else None
        for k in range(Y.shape[1])
    ]


def mean(xs) -> float:
    xs = [x for x in xs if x is not None]
    return round(float(np.mean(xs)), 4) if xs else float("nan")


def worst_failures(
    series,
    spec,
    X: np.ndarray,
    Y: np.ndarray,
    preds: dict,
    tt: np.ndarray,
    ss: np.ndarray,
    mask: np.ndarray,
    n: int = 10,
) -> list[dict]:
    """The n largest absolute errors of the test period, one per event (series and target time at
    least a day apart), each with a diagnosis from the data and, for the simulation, the simulator's
    hidden state."""
    F = preds["forecast"]
    err = np.where(mask, np.abs(F - Y), -1.0)
    order = np.argsort(-err, axis=None)
    picked: list[tuple[int, int]] = []
    for flat in order:
        i, k = divmod(int(flat), Y.shape[1])
        if err[i, k] < 0:
            break
        tgt = tt[i] + k + 1
        if any(ss[i] == ss[j] and abs(tgt - (tt[j] + kk + 1)) < spec.day for j, kk in picked):
            continue
        picked.append((i, k))
        if len(picked) == n:
            break
    out = []
    temp = series.temperature
    for i, k in picked:
        t, s, h = int(tt[i]), int(ss[i]), k + 1
        y, f, level = float(Y[i, k]), float(F[i, k]), float(X[i, spec.level_index])
        base_week = X[i, spec.index(f"r_lag_{spec.week - h}")]
        reasons = []
        if np.isfinite(base_week):
            last_week = float(base_week) * level
            if abs(y - last_week) > 0.25 * last_week:
                reasons.append(
                    f"the load broke from its weekly pattern: {y:.1f} against {last_week:.1f} at the same"
                    " time last week"
                )
        else:
            reasons.append("the same time last week was not observed, so the forecast started from yesterday")
        hist = series.values[max(0, t - spec.day + 1) : t + 1, s]
        if np.isfinite(hist).any() and np.isfinite(series.values[t, s]):
            jump = series.values[t, s] / np.nanmean(hist)
            if jump > 1.2 or jump < 0.8:
                reasons.append(f"the last reading was {jump:.2f}x the day's mean: a level shift under way")
        n_missing = int(X[i, spec.index("n_missing")])
        if n_missing >= spec.day // 4:
            reasons.append(
                f"{n_missing} of the last {spec.day} readings were missing when the forecast was made"
            )
        if temp is not None:
            dt = float(temp[t + h] - np.nanmean(temp[max(0, t - spec.day + 1) : t + 1]))
            if abs(dt) >= 5:
                reasons.append(
                    f"temperature at the target hour {temp[t + h]:.1f} °C, {dt:+.1f} °C from the last day's"
                    " mean: the model sees only past temperature"
                )
        if series.context is not None:
            extra = series.context(series.ids[s], t + h)
            if extra:
                reasons.append(extra)
        if not reasons:
            reasons.append("no single cause in the data: noise on a large load")
        out.append(
            {
                "series": series.ids[s],
                "issued_at": series.times[t].isoformat(),
                "target_time": series.times[t + h].isoformat(),
                "horizon": h,
                "actual": round(y, 2),
                "forecast": round(f, 2),
                "lower": round(float(preds["lower"][i, k]), 2),
                "upper": round(float(preds["upper"][i, k]), 2),
                "abs_error": round(abs(f - y), 2),
                "level_at_issue": round(level, 2),
                "reason": "; ".join(reasons),
            }
        )
    return out
