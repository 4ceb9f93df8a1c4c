"""Honest evaluation: spatial CV, time hold-out, baselines, robustness, backtest, worst failures.

Two questions, two splits:

* *Does it work in a part of the city it has not seen?* Spatial cross-validation: GroupKFold with
  whole neighbourhoods held out (zones in one neighbourhood share terrain and drainage, so a random
  split would leak). Within the training period. Bootstrap clusters: zones.
* *Does it work in the future?* Time hold-out: the model fitted on the training period is scored on
  the months after ``split.holdout_start``. Bootstrap clusters: days (storms span hours and zones).

Most zone-hours are dry and trivially safe, which flatters ROC-AUC. Every headline metric is
therefore also reported on **wet hours only** (rain_24h_mm >= 10 mm), where the decision is hard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from . import model
from .data import feature_frame, rng_for, simulate_city
from .metrics import best_threshold, bootstrap, calibration_fit, point_metrics

WET_24H_MM = 10.0
SEASONS = {
    12: "DJF",
    1: "DJF",
    2: "DJF",
    3: "MAM",
    4: "MAM",
    5: "MAM",
    6: "JJA",
    7: "JJA",
    8: "JJA",
    9: "SON",
    10: "SON",
    11: "SON",
}


def space_time_oof(train: pd.DataFrame, features: list[str], params: dict, seed: int, cv: dict) -> np.ndarray:
    """Out-of-fold probabilities, blocked in space *and* time with a buffer; NaN where not validated.

    Neighbourhoods form ``space_folds`` groups (GroupKFold) and the training period ``time_blocks``
    consecutive blocks, so the zone-hours are a grid of (group, block) cells. A fold validates a
    cell and trains only on rows of *other* neighbourhoods *outside* the cell's time block widened
    by ``buffer_days`` on each side: the model never saw the validation storm, neither in the
    validation zones nor next door, and a storm straddling the block's edge is in neither. Each
    round validates one Latin-square diagonal (cell (g, (g + r) mod B) in round r), so ``rounds``
    rounds of ``space_folds`` fits cover ``rounds / time_blocks`` of the rows; the rows a round
    leaves out stay NaN (metrics are computed on the validated rows only).
    """
    X = train[features].to_numpy(np.float32)
    y = train.label.to_numpy()
    groups = np.zeros(len(train), int)
    for g, (_, va) in enumerate(GroupKFold(n_splits=cv["space_folds"]).split(X, y, train.neighbourhood)):
        groups[va] = g
    t = train.time.to_numpy()
    edges = pd.date_range(
        train.time.min(), train.time.max() + pd.Timedelta(hours=1), periods=cv["time_blocks"] + 1
    )
    edges = edges.to_numpy()
    blocks = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, cv["time_blocks"] - 1)
    buffer = np.timedelta64(int(cv["buffer_days"] * 24), "h")
    oof = np.full(len(train), np.nan)
    k = 0
    for r in range(cv["rounds"]):
        for g in range(cv["space_folds"]):
            b = (g + r) % cv["time_blocks"]
            va = (groups == g) & (blocks == b)
            near = (t >= edges[b] - buffer) & (t < edges[b + 1] + buffer)
            tr = (groups != g) & ~near
            if not va.any() or y[tr].sum() == 0:
                continue
            booster = model.fit(X[tr], y[tr], params, seed + k)
            oof[va] = model.predict_proba(booster, X[va])
            k += 1
    return oof


def _rain_rule(train: pd.DataFrame, grid_mm: list[float], criterion: str):
    """Baseline a city could run without a model: "alert when the last hour's rain >= k mm", k chosen
    on the training period by the same criterion as the model's threshold; its probability is the
    training flood rate above / below k (so it has a Brier score too)."""
    y = train.label.to_numpy()
    r = train.rain_1h_mm.to_numpy()
    best = None
    for k in grid_mm:
        s = best_threshold(y, (r >= k).astype(float), criterion, np.array([0.5]))[1]
        if best is None or s > best[1]:
            best = (k, s)
    k = best[0]
    above = float(y[r >= k].mean()) if (r >= k).any() else 0.0
    below = float(y[r < k].mean())

    def predict(df: pd.DataFrame) -> np.ndarray:
        rr = df.rain_1h_mm.to_numpy()
        # Missing rain reads as "no alert": what a rule on a broken gauge does.
        return np.where(np.nan_to_num(rr, nan=-1) >= k, above, below)

    return k, predict


def _eval_block(y, p, clusters, threshold, ecfg, rng, wet_mask=None) -> dict:
    out = bootstrap(y, p, clusters, threshold, ecfg["calibration_bins"], ecfg["bootstrap"], rng)
    if wet_mask is not None and wet_mask.any() and y[wet_mask].sum() > 0:
        out["wet_hours"] = bootstrap(
            y[wet_mask],
            p[wet_mask],
            tuple(c[wet_mask] for c in clusters) if isinstance(clusters, tuple) else clusters[wet_mask],
            threshold,
            ecfg["calibration_bins"],
            ecfg["bootstrap"],
            rng,
        )
        out["wet_hours"]["definition"] = f"rain_24h_mm >= {WET_24H_MM}"
    return out


def _brief(y, p, threshold, bins) -> dict:
    m = point_metrics(y.astype(float), p, threshold, bins)
    return {k: m[k] for k in ("n", "positives", "prevalence", "roc_auc", "pr_auc", "brier")} | {
        "recall": m["confusion"]["recall"],
        "precision": m["confusion"]["precision"],
    }


def full_evaluation(
    *, cfg, sim, train, test, features, booster, oof, p_test, threshold, threshold_score, seed, data_dir, log
) -> dict:
    ecfg = cfg["evaluation"]
    rng = rng_for(seed, "eval")
    # The space-time CV validates a share of the training rows (its rounds); the rest are NaN.
    cv_rows = ~np.isnan(oof)
    cv = train[cv_rows].reset_index(drop=True)
    oof = oof[cv_rows]
    y_cv, y_te = cv.label.to_numpy(), test.label.to_numpy()
    wet_cv = cv.rain_24h_mm.to_numpy() >= WET_24H_MM
    wet_te = test.rain_24h_mm.to_numpy() >= WET_24H_MM
    # Both zones and days are clusters (a storm spans zones, a zone's drains span days): resample both.
    clusters_cv = (cv.zone_id.to_numpy(), cv.time.dt.floor("D").to_numpy())
    clusters_te = (test.zone_id.to_numpy(), test.time.dt.floor("D").to_numpy())
    X_te = test[features].to_numpy(np.float32)

    metrics: dict = {
        "primary": "time_holdout",
        "data": {
            "sampled_zone_hours": int(len(train) + len(test)),
            "train_period": [str(train.time.min()), str(train.time.max())],
            "holdout_period": [str(test.time.min()), str(test.time.max())],
            "train_rows": int(len(train)),
            "train_positives": int(train.label.sum()),
            "cv_rows": int(len(cv)),
            "cv_positives": int(y_cv.sum()),
            "holdout_rows": int(len(test)),
            "holdout_positives": int(y_te.sum()),
            "label_noise": (
                "labels are recorded floods: ~5% of true flood hours unreported, rare false reports"
                " (simulated)"
            ),
        },
        "threshold": {
            "value": threshold,
            "criterion": cfg["threshold"]["criterion"],
            "oof_score": threshold_score,
        },
    }

    log("  space-time CV metrics")
    c = cfg["split"]["cv"]
    metrics["space_time_cv"] = {
        "method": (
            f"blocked in space and time: {c['space_folds']} neighbourhood groups (GroupKFold) x"
            f" {c['time_blocks']} consecutive time blocks of the training period; each fold trains on other"
            f" neighbourhoods outside the validation block +/- {c['buffer_days']} days; {c['rounds']}"
            " Latin-square"
            f" rounds validate {len(cv)} of {len(train)} training rows"
        ),
        **_eval_block(y_cv, oof, clusters_cv, threshold, ecfg, rng, wet_cv),
    }
    log("  time hold-out metrics")
    metrics["time_holdout"] = {
        "method": f"fit on rows before {cfg['split']['holdout_start']}, scored after",
        **_eval_block(y_te, p_test, clusters_te, threshold, ecfg, rng, wet_te),
    }
    metrics["time_holdout"]["calibration_fit"] = calibration_fit(y_te, p_test, clusters_te, ecfg, rng)

    log("  baselines")
    prevalence = float(train.label.mean())
    k, rule = _rain_rule(train, ecfg["rain_threshold_rule_mm"], cfg["threshold"]["criterion"])
    base = {}
    for name, p_oof, p_ho, desc in (
        (
            "climatology",
            np.full(len(cv), prevalence),
            np.full(len(test), prevalence),
            f"constant training prevalence {prevalence:.5f}",
        ),
        (
            "rain_rule",
            rule(cv),
            rule(test),
            (
                f"alert when rain_1h_mm >= {k} (chosen on training by {cfg['threshold']['criterion']});"
                " probability = training flood rate above/below"
            ),
        ),
    ):
        # The rule's own threshold sits between its two probabilities; climatology never alerts.
        thr = (p_ho.max() + p_ho.min()) / 2 if p_ho.max() > p_ho.min() else 1.1
        base[name] = {
            "description": desc,
            "space_time_cv": _eval_block(y_cv, p_oof, clusters_cv, thr, ecfg, rng, wet_cv),
            "time_holdout": _eval_block(y_te, p_ho, clusters_te, thr, ecfg, rng, wet_te),
        }
    metrics["baselines"] = base

    log("  robustness")
    metrics["robustness"] = robustness(cfg, sim, test, features, booster, threshold, seed, data_dir, rng)
    log("  backtest")
    metrics["backtest"] = backtest(cfg, train, test, cv, features, threshold, seed, oof)
    metrics["worst_failures"] = worst_failures(sim, test, p_test, ecfg["worst_failures"], threshold)
    metrics["feature_importance"] = importance(booster, features, X_te)
    return metrics


def robustness(cfg, sim, test, features, booster, threshold, seed, data_dir, rng) -> dict:
    ecfg = cfg["evaluation"]
    bins = ecfg["calibration_bins"]
    y = test.label.to_numpy()
    X = test[features].to_numpy(np.float32)
    rain_cols = [j for j, f in enumerate(features) if f.startswith("rain_")]
    out = {"clean": _brief(y, model.predict_proba(booster, X), threshold, bins)}

    sd = ecfg["noise_sd_fraction"]
    Xn = X.copy()
    for j in rain_cols:
        # Gauge/radar error grows with intensity: multiplicative gaussian noise plus 0.2 mm absolute.
        Xn[:, j] = np.maximum(0, X[:, j] * (1 + rng.normal(0, sd, len(X))) + rng.normal(0, 0.2, len(X)))
    out["rain_noise"] = {
        "description": f"rain features x (1 + N(0, {sd})) + N(0, 0.2 mm), clipped at 0"
    } | _brief(y, model.predict_proba(booster, Xn), threshold, bins)

    rate = ecfg["missing_rate"]
    Xm = X.copy()
    Xm[rng.random(X.shape) < rate] = np.nan
    out["missing_values"] = {"description": f"each feature value missing with probability {rate}"} | _brief(
        y, model.predict_proba(booster, Xm), threshold, bins
    )
    for j, f in enumerate(features):
        Xf = X.copy()
        Xf[:, j] = np.nan
        out[f"missing_{f}"] = {"description": f"{f} missing in every row"} | _brief(
            y, model.predict_proba(booster, Xf), threshold, bins
        )

    factor = ecfg["rain_shift_factor"]
    Xs = X.copy()
    for j in rain_cols:
        Xs[:, j] *= factor
    out["rain_sensor_bias"] = {
        "description": (
            f"rain features x{factor}, labels unchanged: a gauge reading {round((factor - 1) * 100)}% high"
        )
    } | _brief(y, model.predict_proba(booster, Xs), threshold, bins)

    # A genuinely wetter climate: resimulate the hold-out period with every daily total x factor, so
    # labels follow the physics. Same seed: same spatial fields, profiles and hidden drains.
    shifted_cfg = dict(cfg)
    shifted_cfg["rain"] = dict(
        cfg.get("rain", {}), daily_scale=cfg.get("rain", {}).get("daily_scale", 1.0) * factor
    )
    wet_sim = simulate_city(data_dir, shifted_cfg, seed)
    t_idx, z_idx = test.t_idx.to_numpy(), test.z_idx.to_numpy()
    Xw = feature_frame(wet_sim, t_idx, z_idx, features).to_numpy(np.float32)
    yw = wet_sim.label[t_idx, z_idx]
    out["wetter_climate"] = {
        "description": (
            f"hold-out resimulated with daily rain x{factor} (labels resimulated too): covariate and prior"
            " shift"
        )
    } | _brief(yw, model.predict_proba(booster, Xw), threshold, bins)
    return out


def backtest(cfg, train, test, cv, features, threshold, seed, oof) -> dict:
    """Expanding-window backtest: for each year after the first, fit on all earlier rows (both
    periods pooled) and score that year; plus per-season metrics of the space-time CV predictions
    (``cv`` is the validated rows, ``oof`` their predictions)."""
    params = cfg["xgboost"]
    bins = cfg["evaluation"]["calibration_bins"]
    rows = pd.concat([train, test], ignore_index=True)
    years = sorted(rows.time.dt.year.unique())
    per_year = {}
    for yr in years[1:]:
        tr = rows[rows.time.dt.year < yr]
        te = rows[rows.time.dt.year == yr]
        if tr.label.sum() == 0 or te.label.sum() == 0:
            continue
        b = model.fit(tr[features].to_numpy(np.float32), tr.label.to_numpy(), params, seed)
        per_year[str(yr)] = {"train_years": f"{years[0]}-{yr - 1}"} | _brief(
            te.label.to_numpy(), model.predict_proba(b, te[features].to_numpy(np.float32)), threshold, bins
        )
    per_season = {}
    season = cv.time.dt.month.map(SEASONS).to_numpy()
    for s in ("DJF", "MAM", "JJA", "SON"):
        m = season == s
        if m.any() and cv.label.to_numpy()[m].sum() > 0:
            per_season[s] = _brief(cv.label.to_numpy()[m], oof[m], threshold, bins)
    return {"per_year_expanding_window": per_year, "per_season_space_time_cv": per_season}


def rain_events(rain_mm: np.ndarray, wet_mm: float = 0.1, gap_h: int = 24) -> np.ndarray:
    """An event id per hour: a storm runs from the first hour whose city-mean rain reaches
    ``wet_mm`` until ``gap_h`` hours after its last such hour (the water drains for a while), and
    two wet spells closer than that are one storm. Hours outside every storm get ``-1 - day``, one
    dry "event" per calendar day, so a dry day's false alarms count as one event too."""
    wet = rain_mm.mean(axis=1) >= wet_mm
    ids = np.empty(len(wet), int)
    event, last_wet = -1, -(10**9)
    for t, w in enumerate(wet):
        if w:
            if t - last_wet > gap_h:
                event += 1
            last_wet = t
        ids[t] = event if t - last_wet <= gap_h and event >= 0 else -1 - t // 24
    return ids


def worst_failures(sim, test, p, n, threshold) -> list[dict]:
    """The worst hold-out row of each of the ``n`` worst *events* (storms, or dry days), by log
    loss, each with the simulator's hidden state that explains it (the simulator knows what the
    features could not show). One storm's hours fail together, so ranking rows alone would show one
    storm ten times."""
    y = test.label.to_numpy()
    eps = 1e-7
    loss = -(y * np.log(np.clip(p, eps, 1)) + (1 - y) * np.log(np.clip(1 - p, eps, 1)))
    events = rain_events(sim.rain)[test.t_idx.to_numpy()]
    idx, seen = [], set()
    for i in np.argsort(-loss, kind="mergesort"):
        if events[i] not in seen:
            seen.add(events[i])
            idx.append(i)
            if len(idx) == n:
                break
    out = []
    for i in idx:
        r = test.iloc[i]
        t, z = int(r.t_idx), int(r.z_idx)
        hidden = float(sim.capacity_factor[z])
        ponding = float(sim.ponding[t, z])
        true = bool(sim.flood_true[t, z])
        if y[i] == 1 and not true:
            why = "false flood report: the simulator had no ponding here (label noise no model can predict)"
        elif y[i] == 0 and true:
            why = "an unreported flood: the ground truth flooded but no report was recorded (label noise)"
        elif y[i] == 1:
            parts = []
            if hidden < 0.8:
                parts.append(f"drains at {hidden:.2f}x nominal capacity (hidden blockage)")
            if r.rain_1h_mm < 3:
                before = float(sim.rain[max(0, t - 3) : t, z].sum())
                parts.append(
                    f"only {r.rain_1h_mm:.1f} mm in the last hour but {before:.1f} mm in the 3 h before: the"
                    f" water ({ponding:.1f} mm ponding) was still draining, and no feature covers 2-3 h back"
                )
            if r.rain_72h_mm > r.rain_24h_mm * 1.5:
                parts.append("soil storage from rain older than 24 h")
            why = "missed flood: " + (
                "; ".join(parts)
                or "ponding just over the flood depth, from state the features do not show"
                " (tide, storage > 72 h)"
            )
        else:
            parts = []
            if hidden > 1.2:
                parts.append(f"drains at {hidden:.2f}x nominal capacity (better than the terrain suggests)")
            parts.append(f"ponding reached {ponding:.1f} mm, below the flood depth")
            why = "false alarm: " + "; ".join(parts) + " (tide low or drains coped)"
        out.append(
            {
                "time": r.time.isoformat(),
                "zone_id": r.zone_id,
                "neighbourhood": r.neighbourhood,
                "label": int(y[i]),
                "probability": float(p[i]),
                "log_loss": float(loss[i]),
                "features": {
                    f: (None if pd.isna(r[f]) else float(r[f]))
                    for f in test.columns
                    if f.endswith(("_mm", "_m", "_share", "_fraction"))
                },
                "hidden": {"ponding_mm": ponding, "true_flood": true, "drain_capacity_factor": hidden},
                "event": (
                    f"storm {int(events[i])}" if events[i] >= 0 else f"dry day {r.time.date().isoformat()}"
                ),
                "reason": why,
            }
        )
    return out


def ablation(cfg, train, test, seed, log) -> dict:
    """The same model, seed and settings on other input sets (``ablation.variants``: name ->
    features), each through the same space-time CV and time hold-out as the shipped model, with
    two-way bootstrap intervals: what each input is worth, measured, not argued."""
    acfg = cfg.get("ablation") or {}
    if not acfg.get("variants"):
        return {}
    ecfg = {**cfg["evaluation"], "bootstrap": int(acfg.get("bootstrap", 100))}
    cv = {**cfg["split"]["cv"], "rounds": int(acfg.get("rounds", cfg["split"]["cv"]["rounds"]))}
    rng = rng_for(seed, "ablation")
    out = {}
    for name, feats in acfg["variants"].items():
        log(f"  ablation: {name}")
        oof = space_time_oof(train, feats, cfg["xgboost"], seed, cv)
        m = ~np.isnan(oof)
        booster = model.fit(train[feats].to_numpy(np.float32), train.label.to_numpy(), cfg["xgboost"], seed)
        p = model.predict_proba(booster, test[feats].to_numpy(np.float32))
        scored = {}
        for split, df, pred in (("space_time_cv", train[m], oof[m]), ("time_holdout", test, p)):
            clusters = (df.zone_id.to_numpy(), df.time.dt.floor("D").to_numpy())
            b = bootstrap(
                df.label.to_numpy(), pred, clusters, 0.5, ecfg["calibration_bins"], ecfg["bootstrap"], rng
            )
            scored[split] = {k: b[k] for k in ("n", "positives", "roc_auc", "pr_auc", "brier")} | {
                "ci": {k: b["ci"][k] for k in ("roc_auc", "pr_auc", "brier")}
            }
        out[name] = {"features": list(feats), "cv_rounds": cv["rounds"], **scored}
    return out


def importance(booster, features, X) -> dict:
    gain = booster.get_score(importance_type="total_gain")
    total = sum(gain.values()) or 1.0
    contribs = model.predict_contribs(booster, X)
    return {
        "total_gain_share": {f: float(gain.get(f"f{j}", 0.0) / total) for j, f in enumerate(features)},
        "mean_abs_shap_holdout": {f: float(np.mean(np.abs(contribs[:, j]))) for j, f in enumerate(features)},
    }


def headline(metrics: dict) -> dict:
    """The few numbers the experiment log compares runs by."""
    out = {}
    for split in ("space_time_cv", "time_holdout"):
        m = metrics[split]
        for k in ("roc_auc", "pr_auc", "brier"):
            out[f"{split}.{k}"] = m[k]
            out[f"{split}.{k}_ci"] = m["ci"][k]
        if "wet_hours" in m:
            out[f"{split}.wet_hours.pr_auc"] = m["wet_hours"]["pr_auc"]
    for name, b in metrics["baselines"].items():
        out[f"baseline.{name}.time_holdout.pr_auc"] = b["time_holdout"]["pr_auc"]
        out[f"baseline.{name}.time_holdout.brier"] = b["time_holdout"]["brier"]
    out["threshold"] = metrics["threshold"]["value"]
    return out
