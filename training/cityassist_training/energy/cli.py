"""``train.py energy``: load (taylor) or simulate (Olinda zones) -> features -> rolling-origin fits ->
conformal intervals -> evaluation against seasonal naive and persistence -> ONNX export -> test
vectors -> metadata, card, evaluation.json -> serving snapshot (zones) -> experiment log.

    /usr/bin/python3 training/train.py energy --config training/configs/energy.json
    /usr/bin/python3 training/train.py energy --config training/configs/energy_taylor.json
    /usr/bin/python3 training/train.py energy --config training/configs/energy.json --smoke

Periods (fractions of the grid, config ``split``): the last ``test`` share of anchor times is held
out; the ``calib`` share before it is scored out-of-sample by the model fitted at its start, whose
residuals set the conformal offsets; the model fitted at the start of the test period (on every
target before it) is the one shipped, so the test metrics describe exactly the served file. Every
origin of ``evaluation.backtest_origins`` gets a model (the rolling-origin backtest); the calibration
start and the test start must be among them.

Cells. A cell is (anchor time t, series s). Training uses a fixed random sample of the cells before
the test period (``sample.train_cells``), evaluation a regular grid of anchors (every
``sample.eval_stride`` steps) over ``sample.eval_series`` series (all when null) from the first
origin on; both are all cells for taylor's single series. The sample sizes keep a full run of the
served model at a few minutes on two shared cores.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, contract, drift_reference, lineage, outputs
from ..forecast_common import clean, split_conformal_quantiles, write_json
from ..sequence import card as sequence_card
from . import card, evaluate, export, model, snapshot
from .data import EnergyDataError, Series, load_simulated, load_taylor
from .features import FeatureSpec, cell_baselines, cell_features, cell_targets, describe, window_features

REPO = lineage.REPO
CODE_PATHS = [
    "cityassist_training/energy",
    "cityassist_training/onnx_export",
    "cityassist_training/forecast_common.py",
    "cityassist_training/drift_reference.py",
    *lineage.SHARED_CODE,
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    def add(*flags, **kw):
        if not any(f in parser._option_string_actions for f in flags):
            parser.add_argument(*flags, **kw)

    add("--config", required=True, help="JSON config, e.g. training/configs/energy.json")
    add("--data", help="a taylor-format CSV (period_start_utc,demand_mw) instead of the config's data")
    add("--out", default=None, help="models root (default models/, or a temp dir with --smoke)")
    add("--report", help="write the evaluation report (JSON) here too")
    add("--smoke", action="store_true", help="tiny data and models for CI (seconds)")
    add("--seed", type=int, help="override the config's seed")
    add("--version", help="override the config's version (the model directory name)")
    add("--snapshot", default=None, help="where the zone-load snapshot CSV goes (zones configs only)")
    add("--experiments", help="experiment log (default training/experiments/runs.jsonl)")


def log(msg: str) -> None:
    print(f"[energy] {msg}", file=sys.stderr, flush=True)


def run(args) -> int:
    try:
        return _run(args)
    except EnergyDataError as e:
        log(f"error: {e}")
        return 2


def _load(args, cfg: dict) -> Series:
    data_cfg = cfg["data"]
    if getattr(args, "data", None) or data_cfg.get("path"):
        path = Path(args.data) if getattr(args, "data", None) else REPO / data_cfg["path"]
        log(f"loading {lineage.rel(path)}")
        series = load_taylor(path)
        if getattr(args, "data", None):
            series.provenance = "user-supplied"
            series.sources[0]["real"] = None
            series.sources[0]["role"] = "half-hourly demand (user-supplied)"
        return series
    if data_cfg.get("simulate") is not None:
        sc = data_cfg["simulate"]
        log(f"simulating zones {sc.get('start')}..{sc.get('end')} (zone stride {sc.get('zone_stride', 1)})")
        return load_simulated(sc)
    raise EnergyDataError("no data: set data.path or data.simulate in the config, or pass --data")


def _cells(series: Series, spec: FeatureSpec, cfg: dict, t_first: int, t_test: int, rng_cells):
    """(train tt, ss) and (eval tt, ss): see the module docstring."""
    T, S = series.values.shape
    sc = cfg.get("sample", {})
    lo = spec.day  # the first anchor with a full day behind it
    n_train_all = (t_test - lo) * S
    n_train = sc.get("train_cells")
    if n_train is None or n_train >= n_train_all:
        flat = np.arange(n_train_all)
    else:
        flat = np.sort(rng_cells.choice(n_train_all, size=int(n_train), replace=False))
    tr = (lo + flat // S, flat % S)
    stride = int(sc.get("eval_stride", 1))
    n_eval = sc.get("eval_series")
    series_idx = (
        np.arange(S)
        if n_eval is None or n_eval >= S
        else np.sort(rng_cells.choice(S, size=int(n_eval), replace=False))
    )
    anchors = np.arange(t_first, T - 1, stride)
    ev = (np.repeat(anchors, len(series_idx)), np.tile(series_idx, len(anchors)))
    return tr, ev


def _run(args) -> int:
    t0 = time.time()
    cfg = config.load(args.config, smoke=args.smoke, retrain_id=getattr(args, "retrain_id", None))
    if args.seed is not None:
        cfg["seed"] = args.seed
    if getattr(args, "version", None):
        cfg["version"] = args.version
    seed = int(cfg.get("seed", 0))
    out_root = outputs.models_root(args, "energy")
    out_dir = out_root / "energy" / cfg["version"]
    rng_cells = np.random.default_rng([seed, 0])
    rng_eval = np.random.default_rng([seed, 1])
    rng_vec = np.random.default_rng([seed, 2])

    # ---- data, features, periods ------------------------------------------------------------------
    series = _load(args, cfg)
    fcfg = cfg.get("features", {})
    use_temp = bool(fcfg.get("temperature", True)) and series.temperature is not None
    spec = FeatureSpec.for_series(
        series.resolution, series.utc_offset_hours, use_temp, float(fcfg.get("level_floor", 1.0))
    )
    if int(cfg.get("horizons", spec.horizons)) != spec.horizons:
        raise EnergyDataError(f"horizons must be {spec.horizons} (one day) for {series.resolution} data")
    H = spec.horizons
    T, S = series.values.shape
    log(
        f"{series.name}: {S} series x {T} steps ({series.resolution}), {series.unit}, missing"
        f" {np.isnan(series.values).mean():.2%}, temperature inputs {'yes' if use_temp else 'no'}"
    )
    split = cfg["split"]
    t_test = int(np.floor(T * (1 - float(split["test"]))))
    t_cal = int(np.floor(T * (1 - float(split["test"]) - float(split["calib"]))))
    origins = sorted({int(np.floor(T * float(o))) for o in cfg["evaluation"]["backtest_origins"]})
    if origins[-1] != t_test or t_cal not in origins:
        raise EnergyDataError("backtest_origins must include the calibration start and end at the test start")
    if origins[0] <= spec.week + spec.day:
        raise EnergyDataError("the series is too short: the first origin leaves less than a week of history")

    (tr_t, tr_s), (ev_t, ev_s) = _cells(series, spec, cfg, origins[0], t_test, rng_cells)
    log(f"features: {len(tr_t)} training cells, {len(ev_t)} evaluation cells, {len(spec.names)} inputs")
    X_tr, ok_tr = cell_features(series.values, series.temperature, series.times, tr_t, tr_s, spec)
    Y_tr = cell_targets(series.values, tr_t, tr_s, H)
    X_ev, ok_ev = cell_features(series.values, series.temperature, series.times, ev_t, ev_s, spec)
    Y_ev = cell_targets(series.values, ev_t, ev_s, H)
    P_ev, N_ev = cell_baselines(series.values, ev_t, ev_s, spec)

    # ---- rolling-origin fits -----------------------------------------------------------------------
    folds, cal_res = _fit_folds(
        args,
        cfg,
        spec,
        series,
        origins,
        t_cal,
        t_test,
        seed,
        (tr_t, X_tr, ok_tr, Y_tr),
        (ev_t, X_ev, ok_ev, Y_ev),
    )
    mcfg = cfg["model"]
    max_rows = mcfg.get("max_rows_per_horizon")
    shipped = folds[-1]
    fc: model.Forecaster = shipped["fc"]

    # ---- conformal intervals -----------------------------------------------------------------------
    alpha = float(cfg.get("intervals", {}).get("alpha", 0.1))
    q_lo, q_hi, n_cal = [], [], []
    for k in range(H):
        e = np.concatenate(cal_res[k]) if cal_res[k] else np.array([])
        if len(e) < 20:
            raise EnergyDataError(f"only {len(e)} calibration residuals for horizon {k + 1}")
        lo, hi = split_conformal_quantiles(e, alpha)
        q_lo.append(lo)
        q_hi.append(hi)
        n_cal.append(int(len(e)))
    fc.q_lo, fc.q_hi, fc.alpha = np.asarray(q_lo, np.float32), np.asarray(q_hi, np.float32), alpha

    # ---- evaluation on the test period -------------------------------------------------------------
    test_sel = shipped["sel"]
    preds = {k: np.full((len(ev_t), H), np.nan) for k in ("forecast", "lower", "upper", "ratio")}
    p = fc.predict(X_ev[test_sel])
    for k in preds:
        preds[k][test_sel] = p[k]
    Y_test = np.where(test_sel[:, None], Y_ev, np.nan)
    ecfg = cfg["evaluation"]
    reps, block = int(ecfg.get("bootstrap", 1000)), int(ecfg.get("block_steps", spec.day))
    table = evaluate.horizon_table(Y_test, preds, P_ev, N_ev, ev_t, block, reps, rng_eval, alpha)
    headline = evaluate.summary(table, alpha)
    pooled = evaluate.pooled_mae_ci(Y_test, preds["forecast"], P_ev, N_ev, ev_t, block, reps, rng_eval)
    headline["pooled"] = pooled
    log(
        f"test MAE model {headline['mae']} | seasonal naive {headline['mae_seasonal_naive']} | persistence"
        f" {headline['mae_persistence']} {series.unit} | coverage {headline['coverage']}"
    )
    backtest = _backtest(folds, Y_ev, P_ev, N_ev, ev_t, series, block, reps, rng_eval, H)
    mask_test = evaluate.comparison_mask(Y_test, preds["forecast"], P_ev, N_ev)
    worst = evaluate.worst_failures(series, spec, X_ev, Y_test, preds, ev_t, ev_s, mask_test, 10)
    coverage_by_hour = _coverage_by_local_hour(series, spec, Y_test, preds, ev_t, mask_test)

    def iso(i):
        return series.times[i].isoformat()

    periods = {
        "train": [iso(0), iso(t_test - 1)],
        "calibration": [iso(t_cal), iso(t_test - 1)],
        "test": [iso(t_test), iso(T - 1)],
        "note": (
            "the shipped model is fitted on cells whose targets lie before the test period; the calibration"
            " period is scored out-of-sample by the model fitted at its start, whose residuals set the"
            " interval offsets; times are UTC anchors"
        ),
    }
    interval = {
        "method": (
            "normalised split conformal: signed residuals (y/level - ratio) / sigma on the calibration"
            " period,"
            " scored out-of-sample; per horizon the alpha/2 and 1-alpha/2 quantiles with the (n+1) correction"
        ),
        "formula": (
            "lower = max(0, level * (ratio + q_lo[h] * sigma)), upper = max(0, level * (ratio + q_hi[h] *"
            " sigma))"
        ),
        "scale": (
            f"sigma = max({spec.std_name}, scale_floor)" if fc.scale != "level" else "sigma = 1 (level only)"
        ),
        "scale_floor": fc.scale_floor,
        "nominal_coverage": round(1 - alpha, 4),
        "coverage_test": headline["coverage"],
        "coverage_by_horizon": [r.get("coverage") for r in table],
        "q_lo": fc.q_lo.tolist(),
        "q_hi": fc.q_hi.tolist(),
        "n_calibration": n_cal,
    }
    report = {
        "model": "energy",
        "version": cfg["version"],
        "data": series.name,
        "unit": series.unit,
        "resolution": series.resolution,
        "horizons": H,
        "data_provenance": series.provenance,
        "periods": periods,
        "cells": {
            "train": int(len(tr_t)),
            "evaluation": int(len(ev_t)),
            "test_scored_h1": int(mask_test[:, 0].sum()),
            "eval_stride_steps": int(cfg.get("sample", {}).get("eval_stride", 1)),
            "eval_series": int(len(np.unique(ev_s))),
        },
        "baselines": {
            "seasonal_naive": "y[t+h-Wk]: the same time (hour / half-hour) one week earlier",
            "persistence": (
                "the last observed load at or before the anchor (at most one day back), for every h"
            ),
        },
        "per_horizon": table,
        "summary": headline,
        "interval": interval,
        "coverage_by_local_hour": coverage_by_hour,
        "bootstrap": {
            "method": (
                "circular moving-block bootstrap over anchor times, all series of a time resampled together,"
                " paired across methods"
            ),
            "block_length_steps": block,
            "replicates": reps,
            "ci": "2.5th-97.5th percentiles",
        },
        "backtest": backtest,
        "worst_failures": worst,
        "data_handling": series.report,
    }

    # ---- export ------------------------------------------------------------------------------------
    out_dir.mkdir(parents=True, exist_ok=True)
    props = {
        "name": "energy",
        "version": cfg["version"],
        "unit": series.unit,
        "resolution": series.resolution,
        "features": ",".join(spec.names),
    }
    doc = (
        f"CityAssist energy-demand forecaster {cfg['version']}: load ({series.unit}), {series.resolution},"
        f" horizons 1..{H}. Inputs and outputs: metadata.json."
    )
    (out_dir / "model.onnx").write_bytes(export.build_onnx(fc, doc, props).SerializeToString())

    snap = None
    rows = export.vector_rows(fc, X_ev[test_sel], int(cfg.get("test_vectors", 40)), rng_vec)
    windows, extra_rows = _windows(series, spec, X_ev, ev_t, ev_s, test_sel, rng_vec)
    if series.simulation is not None and cfg.get("snapshot"):
        snap_path = outputs.side_output(
            args, "snapshot", out_root, Path(cfg["snapshot"]["path"]).name, cfg["snapshot"]["path"]
        )
        snap = snapshot.write(series, spec, snap_path)
        w, row = snapshot.window(series, spec, snap, cfg["snapshot"].get("zone"))
        windows.append(w)
        extra_rows.append(row)
        log(f"snapshot {lineage.rel(snap_path)}: {snap['period'][0]} .. {snap['period'][1]}")
    rows = np.concatenate([rows, np.asarray(extra_rows, dtype=np.float32).reshape(-1, len(spec.names))])
    base_n = len(rows) - len(extra_rows)
    k = 0
    for w in windows:
        if w["features"] is not None:
            w["input_row"] = base_n + k
            k += 1
    vectors = export.test_vectors(fc, rows, windows, series.unit)
    contract.validate_test_vectors(clean(vectors), "energy test_vectors.json", "multi-horizon-forecast")
    write_json(out_dir / "test_vectors.json", vectors)

    code = lineage.code_version(CODE_PATHS + lineage.config_paths(config.chain(args.config)))
    import onnx
    import xgboost

    train_sel = ok_tr & (tr_t + 1 < t_test)
    metadata = {
        "name": "energy",
        "version": cfg["version"],
        "createdAt": cfg.get("created_at"),
        "createdAtNote": (
            "fixed in the training config so a rerun is byte-identical; the wall-clock time of each run is in"
            " the experiment log"
        ),
        "task": "multi-horizon-forecast",
        "parameter": "electricity_load",
        "unit": series.unit,
        "resolution": series.resolution,
        "step_seconds": spec.step_seconds,
        "horizons": H,
        "served": bool(cfg.get("served", False)),
        "data_provenance": series.provenance,
        "onnx": {
            "file": "model.onnx",
            "opset": export.OPSET_JSON,
            "input": {
                "name": "features",
                "dtype": "float32",
                "shape": ["N", len(spec.names)],
                "missing": (
                    "NaN where a feature is nullable; the trees follow xgboost's learned default branch"
                ),
            },
            "graph": export.graph_description(fc),
            "outputs": {
                "forecast": {
                    "shape": ["N", H],
                    "unit": series.unit,
                    "description": (
                        f"point forecast of the load for t+1 .. t+{H} steps ({series.resolution});"
                        " column h-1 = horizon h"
                    ),
                },
                "lower": {
                    "shape": ["N", H],
                    "unit": series.unit,
                    "description": (
                        f"lower end of the {1 - alpha:.0%} prediction interval (conformal offsets baked in)"
                    ),
                },
                "upper": {
                    "shape": ["N", H],
                    "unit": series.unit,
                    "description": f"upper end of the {1 - alpha:.0%} prediction interval",
                },
                "ratio": {
                    "shape": ["N", H],
                    "unit": "ratio",
                    "description": "forecast / level before clipping at 0; for parity checks",
                },
            },
        },
        "features": export.feature_schema(spec, describe(spec, series.unit), X_tr[train_sel]),
        "feature_spec": _feature_spec_json(spec, fc),
        "intervals": interval,
        "metrics": {"test": {"summary": headline, "per_horizon": table}, "backtest": backtest["summary"]},
        "periods": {**periods, **({"snapshot": snap["period"]} if snap else {})},
        "training": {
            "algorithm": (
                f"XGBoost {xgboost.__version__}, one booster per horizon; target y[t+h]/level - base[h]"
                f" ({fc.target}); objective {mcfg.get('objective', 'reg:squarederror')}, sample weight"
                f" {mcfg.get('weight', 'level2')}"
            ),
            "params": mcfg,
            "trees_per_horizon": [int(b.num_boosted_rounds()) for b in fc.boosters],
            "rows_per_horizon": [
                int(_cap(ok_tr & np.isfinite(Y_tr[:, k]) & (tr_t + k + 1 < t_test), int(max_rows)).sum())
                if max_rows
                else int((ok_tr & np.isfinite(Y_tr[:, k]) & (tr_t + k + 1 < t_test)).sum())
                for k in range(H)
            ],
            "converter": "training/cityassist_training/onnx_export/xgboost_onnx.py (tree_ensemble_regressor)",
        },
        "lineage": {
            "sources": series.sources,
            "code_version": code,
            "config": cfg,
            "config_path": lineage.rel(args.config),
            "seed": seed,
            "command": _command(args),
            "environment": {
                "python": platform.python_version(),
                "xgboost": xgboost.__version__,
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "onnx": onnx.__version__,
            },
        },
    }
    if snap:
        metadata["snapshot"] = {
            "files": [snap["file"]],
            "period": snap["period"],
            "note": snap["note"],
        }
    contract.validate_metadata(clean(metadata), "energy metadata.json")
    problems = contract.cross_errors(clean(metadata), clean(vectors))
    if problems:
        raise contract.ContractError("energy model folder: " + "; ".join(problems))
    write_json(out_dir / "metadata.json", metadata)
    write_json(out_dir / "evaluation.json", report)
    # What the inputs look like per day window in training, for serving's drift monitor (docs/drift.md).
    drift = drift_reference.build_energy(series, spec, clean(metadata))
    drift_reference.write(out_dir / "drift_reference.json", drift)
    log(f"drift reference: {drift['evaluation']['heldOut']['alarmsRaised']} alarms on held-out windows")
    (out_dir / "MODEL_CARD.md").write_text(card.render(metadata, report, cfg, series), encoding="utf-8")
    sequence_card.refresh(out_dir)  # keeps the issue-19 "Sequence model" section, if any
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        write_json(Path(args.report), {"model_dir": lineage.rel(out_dir), **report})

    artifacts = {p.name: lineage.sha256_file(p) for p in sorted(out_dir.iterdir()) if p.is_file()}
    record = {
        "model": "energy",
        "version": cfg["version"],
        "started_at": pd.Timestamp.fromtimestamp(t0, tz="UTC").isoformat(),
        "duration_s": round(time.time() - t0, 1),
        "smoke": bool(args.smoke),
        "seed": seed,
        "params": {"model": mcfg, "features": spec.names, "horizons": H, "split": split},
        "config_path": lineage.rel(args.config),
        "metrics": {
            k: headline[k] for k in ("mae", "rmse", "mae_persistence", "mae_seasonal_naive", "coverage")
        },
        "out_dir": lineage.rel(out_dir),
        "artifacts": artifacts,
        "code_version": code,
    }
    exp_log = outputs.experiment_log(args, out_root)
    lineage.append_run(exp_log, clean(record))
    log(f"done in {time.time() - t0:.0f} s: {lineage.rel(out_dir)} (experiment log {lineage.rel(exp_log)})")
    return 0


def _fit_folds(args, cfg, spec, series, origins, t_cal, t_test, seed, train, ev):
    """One model per origin (fitted on training cells whose targets precede it), its predictions on
    the evaluation cells up to the next origin, and the calibration residuals per horizon."""
    tr_t, X_tr, ok_tr, Y_tr = train
    ev_t, X_ev, ok_ev, Y_ev = ev
    H, T = spec.horizons, len(series.times)
    mcfg = cfg["model"]
    max_rows = mcfg.get("max_rows_per_horizon")
    scale = cfg.get("intervals", {}).get("scale", "r_std")
    folds, cal_res = [], [[] for _ in range(H)]
    for i, o in enumerate(origins):
        end = origins[i + 1] if i + 1 < len(origins) else T
        masks = [ok_tr & np.isfinite(Y_tr[:, k]) & (tr_t + k + 1 < o) for k in range(H)]
        if max_rows:
            masks = [_cap(m, int(max_rows)) for m in masks]
        n_h1 = int(masks[0].sum())
        if n_h1 < int(cfg.get("min_train_rows", 200)) // (10 if args.smoke else 1):
            raise EnergyDataError(f"only {n_h1} usable training cells before {series.times[o]}")
        log(f"fold {i + 1}/{len(origins)}: train targets < {series.times[o]} ({n_h1} rows at h=1)")
        fc = model.fit(spec, X_tr, Y_tr, masks, mcfg, seed)
        fc.scale = scale
        sel = ok_ev & (ev_t >= o) & (ev_t < end)
        pr = {k: np.full((len(ev_t), H), np.nan) for k in ("forecast", "ratio")}
        if sel.any():
            p = fc.predict(X_ev[sel])
            pr["forecast"][sel], pr["ratio"][sel] = p["forecast"], p["ratio"]
        folds.append({"origin": o, "end": end, "fc": fc, "sel": sel, "pred": pr, "n_train_h1": n_h1})
        if t_cal <= o < t_test:
            sig = fc.sigma(X_ev[sel]).astype(np.float64)[:, 0]
            lvl = X_ev[sel, spec.level_index].astype(np.float64)
            for k in range(H):
                good = np.isfinite(Y_ev[sel, k]) & (ev_t[sel] + k + 1 < t_test)
                e = (Y_ev[sel, k] / lvl - pr["ratio"][sel, k]) / sig
                cal_res[k].append(e[good])
    return folds, cal_res


def _cap(mask: np.ndarray, n: int) -> np.ndarray:
    """The first n selected cells of mask (cells are already a random sample, in time order)."""
    if mask.sum() <= n:
        return mask
    out = np.zeros_like(mask)
    idx = np.flatnonzero(mask)
    # evenly spaced over the selected cells, so every part of the period stays represented
    out[idx[np.linspace(0, len(idx) - 1, n).round().astype(int)]] = True
    return out


def _feature_spec_json(spec: FeatureSpec, fc: model.Forecaster) -> dict:
    week, day = f"r_lag_{{{spec.week}-h}}", f"r_lag_{{{spec.day}-h}}"
    return {
        **spec.to_json(),
        "names": spec.names,
        "history_steps": spec.history,
        "columns": spec.columns(),
        "temperature": (
            {
                "unit": "°C",
                "source": "the hourly temperature of the same UTC steps as the loads (the snapshot's temp_c)",
                "missing": "NaN; temp_c is then NaN and the window statistics use the valid values only",
            }
            if spec.temperature
            else None
        ),
        "base": {
            "target": fc.target,
            "rule": (
                "none (the trees predict y[t+h]/level directly)"
                if fc.target == "ratio"
                else (
                    f"base[h] = {week if fc.target == 'delta_weekly' else day}, else"
                    f" {day if fc.target == 'delta_weekly' else week}, else 1 (NaN-aware); applied inside the"
                    " ONNX graph, the server only builds the row"
                )
            ),
        },
        "anchor": (
            "t = the UTC grid step of the latest load the forecast uses; y[t-k] = the load k steps earlier;"
            " missing readings are NaN; the forecast for horizon h is the load of step t+h"
        ),
        "grid": (
            f"UTC, step {spec.step_seconds} s, aligned to whole"
            f" {'hours' if spec.step_seconds == 3600 else 'half-hours'}"
        ),
        "no_forecast_when": (
            f"fewer than {spec.min_level_obs} valid loads among the last {spec.day} steps (the level op)"
        ),
        "reference_implementation": (
            "training/cityassist_training/energy/features.py: window_features (test_vectors.json"
            " 'windows' has worked examples, including missing readings, temperature gaps, a too-short"
            " history and a local-midnight week boundary)"
        ),
    }


def _windows(series: Series, spec: FeatureSpec, X_ev, ev_t, ev_s, test_sel, rng):
    """Worked examples raw history -> feature row for the server's feature code (see export.py)."""
    T = len(series.times)
    temps_all = series.temperature
    out, rows = [], []

    def raw(t, s):
        lo = t - spec.history + 1
        y = np.full(spec.history, np.nan)
        tv = np.full(spec.history, np.nan)
        a = max(lo, 0)
        y[a - lo :] = series.values[a : t + 1, s]
        if temps_all is not None:
            tv[a - lo :] = temps_all[a : t + 1]
        return y, tv

    def add(t, s, kind, note, y=None, tv=None, ref=None):
        if y is None:
            y, tv = raw(t, s)
        f = window_features(y, tv if spec.temperature else None, series.times[t], spec)
        if ref is not None:
            np.testing.assert_allclose(
                f, ref, rtol=1e-6, atol=1e-6, err_msg="window_features != cell_features"
            )
        w = {
            "zone" if series.simulation is not None else "station": series.ids[s],
            "anchor": series.times[t].isoformat(),
            "readings": export.enc(y),
        }
        if spec.temperature:
            w["temperatures"] = export.enc(tv)
        w["features"] = None if f is None else export.enc(f)
        w["kind"] = kind
        w["note"] = note
        out.append(w)
        if f is not None:
            rows.append(f)

    idx = np.flatnonzero(test_sel)
    nm = spec.index("n_missing")
    # 1-3: ordinary test cells (random)
    for i in rng.choice(idx, size=min(3, len(idx)), replace=False):
        add(int(ev_t[i]), int(ev_s[i]), "ordinary", "a random test-period cell", ref=X_ev[i])
    # missing readings inside the last day (or anywhere in the week)
    miss = idx[X_ev[idx, nm] > 0]
    if len(miss):
        i = int(miss[np.argmax(X_ev[miss, nm])])
        add(
            int(ev_t[i]),
            int(ev_s[i]),
            "missing_readings",
            f"{int(X_ev[i, nm])} of the last day's loads missing",
            ref=X_ev[i],
        )
    else:
        i = int(idx[0])
        y, tv = raw(int(ev_t[i]), int(ev_s[i]))
        y[[-2, -5, -7, -30, -150]] = np.nan
        add(int(ev_t[i]), int(ev_s[i]), "missing_readings", "five loads deleted (the data had none)", y, tv)
    # a missing same-time-last-week reading (switches the base to yesterday)
    i = int(idx[len(idx) // 2])
    y, tv = raw(int(ev_t[i]), int(ev_s[i]))
    y[: spec.horizons] = np.nan
    add(
        int(ev_t[i]),
        int(ev_s[i]),
        "missing_last_week",
        "the last week's loads for every horizon deleted",
        y,
        tv,
    )
    # too short a history: fewer than min_level_readings valid loads in the last day -> no forecast
    y, tv = raw(int(ev_t[i]), int(ev_s[i]))
    y[: -(spec.min_level_obs - 1)] = np.nan
    add(
        int(ev_t[i]),
        int(ev_s[i]),
        "too_short",
        f"only the last {spec.min_level_obs - 1} loads exist: fewer than {spec.min_level_obs}, no forecast",
        y,
        tv,
    )
    # a history shorter than history_steps but long enough (a new meter: the last 30 steps only)
    y, tv = raw(int(ev_t[i]), int(ev_s[i]))
    y[:-30] = np.nan
    add(int(ev_t[i]), int(ev_s[i]), "short_history", "a new meter: only the last 30 loads exist", y, tv)
    if spec.temperature:
        # temperature gaps: the anchor's temperature missing and a 10-step hole in the last day
        y, tv = raw(int(ev_t[i]), int(ev_s[i]))
        tv[-1] = np.nan
        tv[-15:-5] = np.nan
        add(
            int(ev_t[i]),
            int(ev_s[i]),
            "temperature_gap",
            "T[t] and 10 of the last day's temperatures missing",
            y,
            tv,
        )
        y, tv = raw(int(ev_t[i]), int(ev_s[i]))
        tv[-spec.day :] = np.nan
        tv[-3] = 25.0
        add(
            int(ev_t[i]),
            int(ev_s[i]),
            "temperature_outage",
            "a day-long temperature outage (one reading left): temp_c and the day statistics are NaN",
            y,
            tv,
        )
        # a natural gap of the simulated feed, when the test period has one
        gap = idx[~np.isfinite(X_ev[idx, spec.index("temp_c")])]
        if len(gap):
            i2 = int(gap[0])
            add(
                int(ev_t[i2]),
                int(ev_s[i2]),
                "temperature_gap",
                "a temperature-feed outage of the data",
                ref=X_ev[i2],
            )
    # the anchor at local midnight between Sunday and Monday (local hour 0, dow 0)
    local = series.times + pd.Timedelta(hours=spec.utc_offset_hours)
    mid = idx[
        (local[ev_t[idx]].hour == 0) & (local[ev_t[idx]].minute == 0) & (local[ev_t[idx]].dayofweek == 0)
    ]
    if len(mid):
        i3 = int(mid[0])
        add(
            int(ev_t[i3]),
            int(ev_s[i3]),
            "week_boundary",
            "anchor at local midnight, Sunday -> Monday",
            ref=X_ev[i3],
        )
    else:  # the evaluation grid skipped it: build it from the raw series
        cand = np.flatnonzero((local.hour == 0) & (local.minute == 0) & (local.dayofweek == 0))
        cand = cand[(cand >= spec.history) & (cand < T)]
        add(int(cand[-1]), int(ev_s[idx[0]]), "week_boundary", "anchor at local midnight, Sunday -> Monday")
    return out, rows


def _coverage_by_local_hour(series, spec, Y, preds, ev_t, mask) -> list[dict]:
    local = series.times + pd.Timedelta(hours=spec.utc_offset_hours)
    out = []
    hours = (local.hour + local.minute / 60).to_numpy()
    for hh in sorted(set(hours[np.unique(ev_t[mask.any(axis=1)])]) if mask.any() else []):
        m = mask & (hours[ev_t] == hh)[:, None]
        if not m.any():
            continue
        inside = (Y >= preds["lower"]) & (Y <= preds["upper"])
        out.append(
            {"local_hour": float(hh), "n": int(m.sum()), "coverage": round(float(inside[m].mean()), 4)}
        )
    return out


def _backtest(folds, Y, P, N, ev_t, series, block, reps, rng, H) -> dict:
    per_origin = []
    pooled = {"forecast": np.full(Y.shape, np.nan)}
    for f in folds:
        Yf = np.where(f["sel"][:, None], Y, np.nan)
        m = evaluate.comparison_mask(Yf, f["pred"]["forecast"], P, N)
        pooled["forecast"][f["sel"]] = f["pred"]["forecast"][f["sel"]]
        mae = evaluate.mae_by_horizon(Yf, f["pred"]["forecast"], m)
        mp = evaluate.mae_by_horizon(Yf, P, m)
        mn = evaluate.mae_by_horizon(Yf, N, m)
        per_origin.append(
            {
                "origin": series.times[f["origin"]].isoformat(),
                "scored_until": series.times[f["end"] - 1].isoformat(),
                "train_rows_h1": f["n_train_h1"],
                "mae_by_horizon": mae,
                "mae_persistence_by_horizon": mp,
                "mae_seasonal_naive_by_horizon": mn,
                "mae_mean": evaluate.mean(mae),
                "mae_persistence_mean": evaluate.mean(mp),
                "mae_seasonal_naive_mean": evaluate.mean(mn),
            }
        )
    scored = np.zeros(len(ev_t), dtype=bool)
    for f in folds:
        scored |= f["sel"]
    Yp = np.where(scored[:, None], Y, np.nan)
    table = evaluate.horizon_table(Yp, pooled, P, N, ev_t, block, reps, rng, None)
    return {
        "method": (
            "rolling origin: at each origin a model is fitted on every training cell whose target lies before"
            " it and scored until the next origin (the last origin's model is the shipped one)"
        ),
        "per_origin": per_origin,
        "pooled_per_horizon": table,
        "summary": {**evaluate.summary(table, None), "origins": [p["origin"] for p in per_origin]},
    }


def _command(args) -> str:
    parts = ["/usr/bin/python3", "training/train.py", "energy", "--config", lineage.rel(args.config)]
    for flag in ("data", "seed", "version"):
        v = getattr(args, flag, None)
        if v is not None:
            parts += [f"--{flag}", lineage.rel(v) if flag == "data" else str(v)]
    if args.smoke:
        parts.append("--smoke")
    return " ".join(parts)
