"""``train.py aqi``: load (or simulate) -> features -> rolling-origin fits -> conformal -> evaluate ->
robustness -> export -> document -> log.

    /usr/bin/python3 training/train.py aqi --config training/configs/aqi_airbase.json --report r.json
    cd training && /usr/bin/python3 -m cityassist_training.aqi --config configs/aqi.json

Periods (fractions of the anchors, config ``split``): the last ``test`` share is the held-out test
period. Models are fitted at each rolling origin of ``evaluation.backtest_origins`` (the last origin
is the start of the test period) on everything before the origin, and scored on the stretch up to
the next origin. The origins inside the calibration period supply out-of-sample residuals for the
conformal intervals; the model of the last origin is the one shipped, and its test-period scores
are the headline metrics, so the numbers describe exactly the file that is served.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, contract, lineage, outputs
from ..lineage import append_run, sha256_file
from ..sequence import card as sequence_card
from . import card, epa, evaluate, export, from_store, model, online_intervals
from .features import LEVEL_FLOOR, FeatureSpec, baselines, describe, panel_features, targets
from .loader import AqiDataError, Panel, load_long_csv

REPO = Path(__file__).resolve().parents[3]

# Code that determines an AQI model, relative to training/ (plus the run's config files).
AQI_CODE = [
    "cityassist_training/aqi",
    "cityassist_training/drift_reference.py",
    "cityassist_training/onnx_export",
    "cityassist_training/forecast_common.py",
    "cityassist_training/feature_export.py",
    *lineage.SHARED_CODE,
]

# --smoke (the same for every model, cityassist_training.config): the config's "smoke" block. For
# the AQI configs: 3 stations, ~5 weeks (hourly) or 150 days (daily), small boosters, two origins,
# few bootstrap replicates; same code path as a full run. A config that reads real data instead of
# simulating says in "smoke_subset" how much of it a smoke run keeps ({"stations": n, "steps":
# {"hourly": n, "daily": n}}: the most observed stations, the last steps).


def add_arguments(parser: argparse.ArgumentParser) -> None:
    def add(*flags, **kw):
        # train.py may already define the shared flags (--config, --out, ...); don't redefine them.
        if not any(f in parser._option_string_actions for f in flags):
            parser.add_argument(*flags, **kw)

    add("--config", required=True, help="JSON config, e.g. training/configs/aqi_airbase.json")
    add(
        "--data",
        help=(
            "OpenAQ-style long CSV (location_id,datetime,parameter,value,unit); overrides the config's data"
            " source"
        ),
    )
    add("--parameter", help="pollutant to model if the CSV holds several (default: the config's)")
    add("--report", help="write the evaluation report (JSON) here too")
    add(
        "--out",
        default=None,
        help=(
            "models root; the run writes <out>/aqi/<version>/ (default: models/, or a temp dir with --smoke)"
        ),
    )
    add("--smoke", action="store_true", help="tiny data and models for CI (< 60 s)")
    add("--seed", type=int, help="override the config's seed")
    add("--version", help="override the config's version (the model directory name)")
    add(
        "--experiments",
        help="experiment log (default training/experiments/runs.jsonl; with --smoke <out>/runs.jsonl)",
    )
    add("--simulate-out", help="when the config simulates the data, also keep the simulated CSV here")


def log(msg: str) -> None:
    print(f"[aqi] {msg}", file=sys.stderr, flush=True)


def _rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(REPO))
    except ValueError:
        return str(p)


def run(args) -> int:
    try:
        return _run(args)
    except AqiDataError as e:
        log(f"error: {e}")
        return 2


def _run(args) -> int:
    t0 = time.time()
    cfg = config.load(args.config, smoke=args.smoke, retrain_id=getattr(args, "retrain_id", None))
    smoke_subset = cfg.pop("smoke_subset", None)
    if args.seed is not None:
        cfg["seed"] = args.seed
    if getattr(args, "version", None):
        cfg["version"] = args.version
    seed = int(cfg.get("seed", 0))
    parameter = getattr(args, "parameter", None) or cfg.get("data", {}).get("parameter")
    out_root = outputs.models_root(args, "aqi")
    out_dir = out_root / "aqi" / cfg["version"]
    rng_eval = np.random.default_rng([seed, 1])
    rng_vec = np.random.default_rng([seed, 2])

    # ---- data --------------------------------------------------------------------------------
    sources: list[dict] = []
    sim_context = None
    data_cfg = cfg.get("data", {})
    if args.data or "path" in data_cfg:
        path = Path(args.data) if args.data else REPO / data_cfg["path"]
        log(f"loading {path}")
        panel = load_long_csv(path, parameter, max_bad_share=float(data_cfg.get("max_bad_share", 0.01)))
        panel.report["source"] = _rel(path)
        # Whether readings are real is known for the config's own source; for --data it is the user's file.
        real = data_cfg.get("real") if not args.data else None
        sources.append({"path": _rel(path), "sha256": sha256_file(path), "role": "readings", "real": real})
        provenance = "real" if real else ("user-supplied" if args.data else "unspecified")
    elif "simulate" in data_cfg:
        from . import simulate as sim

        sc = sim.SimConfig(**data_cfg["simulate"])
        tmp = (
            Path(args.simulate_out)
            if getattr(args, "simulate_out", None)
            else Path(tempfile.mkdtemp(prefix="aqi-sim-")) / "olinda_sensors.csv"
        )
        log(f"simulating {sc.n_sensors} sensors {sc.start}..{sc.end} (seed {sc.seed}) -> {tmp}")
        long, sensors, events = sim.simulate(sc, with_events=True)
        sim.write_frames(long, sensors, tmp, tmp.with_name(tmp.stem + "_sensors.csv"))
        panel = load_long_csv(tmp, parameter)
        panel.report["source"] = "(generated) " + tmp.name  # not the temp path: reruns must be identical
        sources += [
            {
                "path": _rel(sim.TERRAIN),
                "sha256": sha256_file(sim.TERRAIN),
                "role": "sensor positions and zone attributes (real, IBGE census tracts)",
                "real": True,
            },
            {
                "path": _rel(sim.WEATHER),
                "sha256": sha256_file(sim.WEATHER),
                "role": "daily weather driving the simulation (real, NOAA Seattle)",
                "real": True,
            },
            {
                "path": "(generated) " + tmp.name,
                "sha256": sha256_file(tmp),
                "role": "simulated hourly readings, regenerated from the config",
                "real": False,
                "rows": int(len(long)),
            },
        ]
        sim_context = sim.failure_context(events, sc)
        provenance = "simulated"
    else:
        raise AqiDataError("no data: pass --data <csv> or set data.path / data.simulate in the config")
    features_lineage = None
    if getattr(args, "features", None):
        # The same sensors' series as the feature store holds them (aqi.history → air-quality →
        # export); the simulation above still supplies the failure context of the evaluation.
        panel, features_lineage = from_store.panel_from_export(args.features, parameter or panel.parameter)
        log(f"readings from the store: {args.features} ({features_lineage['rows']} sensor-hours)")
    if args.smoke and smoke_subset and "simulate" not in data_cfg:
        steps = int(_by_resolution(smoke_subset["steps"], panel.resolution))
        keep = sorted(panel.stations, key=lambda s: -panel.report["per_station"][s]["observed"])[
            : int(smoke_subset["stations"])
        ]
        panel = panel.subset(keep, max(0, len(panel.times) - steps))
    log(
        f"{panel.parameter} [{panel.unit}] {panel.resolution}: {len(panel.stations)} stations ×"
        f" {len(panel.times)} steps, coverage {np.isfinite(panel.values).mean():.1%}"
    )

    # ---- features and periods -------------------------------------------------------------------
    H = int(cfg.get("horizons", 24))
    fcfg = cfg.get("features", {})
    spec = FeatureSpec.for_resolution(
        panel.resolution,
        H,
        fcfg.get("n_lags", {}).get(panel.resolution),
        fcfg.get("long_window", {}).get(panel.resolution),
    )
    X, ok = panel_features(panel.values, panel.times, spec)
    Y = targets(panel.values, spec)
    P, N = baselines(panel.values, spec)
    T = len(panel.times)
    ecfg = cfg.get("evaluation", {})
    split = cfg["split"]
    t_cal, t_test = evaluate.period_bounds(T, split)
    origins = sorted({int(np.floor(T * float(o))) for o in ecfg["backtest_origins"]})
    if origins[-1] != t_test:
        raise ValueError(
            f"the last backtest origin must be the start of the test period ({1 - split['test']})"
        )
    if t_cal not in origins:
        raise ValueError("the start of the calibration period must be one of the backtest origins")
    stride = int(_by_resolution(ecfg.get("train_stride", 1), panel.resolution))
    _check_usable(panel, ok, Y, origins[0], t_test, spec)

    # ---- rolling-origin fits -------------------------------------------------------------------
    folds = []
    cal_res: list[list[np.ndarray]] = [[] for _ in range(H)]
    cal_cells: list[list[tuple]] = [[] for _ in range(H)]  # (t, station, y, level, ratio, sigma) per fold
    for i, o in enumerate(origins):
        end = origins[i + 1] if i + 1 < len(origins) else T
        train_m = evaluate.masks_before(ok, Y, o, stride=stride)
        n_train = int(train_m[0].sum())
        if n_train < int(cfg.get("min_train_rows", 200)) // (10 if args.smoke else 1):
            raise AqiDataError(
                f"only {n_train} usable training windows before {panel.times[o].date()} (horizon 1); the"
                " series is too short or too gap-riddled to train on"
            )
        log(
            f"fold {i + 1}/{len(origins)}: train anchors < {panel.times[o]} ({n_train} rows at h=1), score"
            f" [{panel.times[o]}, {panel.times[end - 1]}]"
        )
        fc = model.fit(spec, X, Y, train_m, cfg["model"], seed)
        em = evaluate.eval_masks(ok, Y, P, N, o, end)
        pr = evaluate.predict_cells(fc, X, em)
        folds.append({"origin": o, "end": end, "fc": fc, "masks": em, "pred": pr, "n_train_h1": n_train})
        if t_cal <= o < t_test:
            for h in range(1, H + 1):
                m = em[h - 1] & (np.arange(T)[:, None] + h < t_test)
                level = X[:, :, spec.level_index][m].astype(np.float64)
                sigma = fc.sigma(X[m]).astype(np.float64)[:, 0]
                cal_res[h - 1].append((Y[:, :, h - 1][m] / level - pr["ratio"][:, :, h - 1][m]) / sigma)
                tt, ss = np.nonzero(m)
                cal_cells[h - 1].append(
                    (tt, ss, Y[:, :, h - 1][m], level, pr["ratio"][:, :, h - 1][m], sigma)
                )
    shipped = folds[-1]
    fc: model.Forecaster = shipped["fc"]

    # ---- conformal intervals from out-of-sample residuals of the calibration folds ---------------
    alpha = float(cfg.get("intervals", {}).get("alpha", 0.1))
    # (the scale floor is model.SCALE_FLOOR; fc.sigma uses it for residuals and intervals alike)
    q_lo, q_hi, n_cal = [], [], []
    for h in range(H):
        e = np.concatenate(cal_res[h]) if cal_res[h] else np.array([])
        if len(e) < 20:
            raise AqiDataError(
                f"only {len(e)} calibration residuals for horizon {h + 1}; the series is too short for"
                " intervals"
            )
        lo, hi = model.split_conformal_quantiles(e, alpha)
        q_lo.append(lo)
        q_hi.append(hi)
        n_cal.append(len(e))
    fc.q_lo, fc.q_hi, fc.alpha = np.asarray(q_lo, np.float32), np.asarray(q_hi, np.float32), alpha
    # Re-predict the test period now that the intervals exist.
    test_masks = shipped["masks"]
    preds = evaluate.predict_cells(fc, X, test_masks)

    # ---- evaluation ----------------------------------------------------------------------------
    reps = int(ecfg.get("bootstrap", 1000))
    block = int(_by_resolution(ecfg.get("block_length", spec.season), panel.resolution))
    table = evaluate.horizon_table(Y, preds, P, N, test_masks, block, reps, rng_eval, alpha)
    headline = evaluate.summary(table, alpha)
    log(
        f"test MAE (mean over horizons) model {headline['mae']} | persistence {headline['mae_persistence']} |"
        f" seasonal naive {headline['mae_seasonal_naive']} | coverage {headline['coverage']}"
    )

    online, online_state = _online_intervals(
        cal_cells, origins, t_test, fc, X, Y, preds, test_masks, panel, alpha, cfg["version"]
    )
    log(
        f"online intervals (window {online['window']}, gamma {online['gamma']}): test coverage"
        f" {online['test_after_online']['overall']['coverage']} (static"
        f" {online['test_before_static']['overall']['coverage']})"
    )

    backtest = _backtest(folds, Y, P, N, panel, block, reps, rng_eval, spec)
    robust = evaluate.robustness(
        panel.values, panel.times, spec, fc, Y, test_masks, preds, rng_eval, cfg.get("robustness", {})
    )
    train_level_max = float(np.nanmax(X[:, :, spec.level_index][evaluate.masks_before(ok, Y, t_test)[0]]))
    robust["shifted_levels"]["level_feature_training_max"] = round(train_level_max, 3)
    worst = evaluate.worst_failures(
        panel.values, panel.times, panel.stations, spec, X, Y, preds, test_masks, 10, sim_context
    )

    periods = {
        "train": [panel.times[0].isoformat(), panel.times[t_test - 1].isoformat()],
        "calibration": [panel.times[t_cal].isoformat(), panel.times[t_test - 1].isoformat()],
        "test": [panel.times[t_test].isoformat(), panel.times[-1].isoformat()],
        "note": (
            "the shipped model is fitted on anchors whose targets lie before the test period; the calibration"
            " period is scored out-of-sample by the earlier rolling-origin models, whose residuals set the"
            " interval offsets"
        ),
    }
    report = {
        "model": "aqi",
        "version": cfg["version"],
        "parameter": panel.parameter,
        "unit": panel.unit,
        "resolution": panel.resolution,
        "season": spec.season,
        "horizons": H,
        "data_provenance": provenance,
        "periods": periods,
        "per_horizon": table,
        "summary": headline,
        "interval": {
            "method": (
                "normalised split conformal: signed residuals (y/level - ratio) / sigma, sigma = max(r_std_s,"
                " scale_floor), pooled from the out-of-sample calibration folds; each tail alpha/2 with the"
                " (n+1) correction"
            ),
            "formula": (
                "lower = max(0, level * (ratio + q_lo[h] * sigma)), upper = max(0, level * (ratio + q_hi[h] *"
                " sigma))"
            ),
            "scale_floor": fc.scale_floor,
            "nominal_coverage": 1 - alpha,
            "coverage_test": headline["coverage"],
            "coverage_by_horizon": [r.get("coverage") for r in table],
            "q_lo": fc.q_lo.tolist(),
            "q_hi": fc.q_hi.tolist(),
            "n_calibration": n_cal,
        },
        "bootstrap": {
            "method": (
                "circular moving-block bootstrap over anchor times, stations resampled together, paired"
                " across methods"
            ),
            "block_length_steps": block,
            "replicates": reps,
            "ci": "2.5th-97.5th percentiles",
        },
        "backtest": backtest,
        "robustness": robust,
        "worst_failures": worst,
        "data_handling": {k: v for k, v in panel.report.items() if k != "per_station"},
        "stations": panel.report.get("per_station"),
    }

    # ---- export ----------------------------------------------------------------------------------
    out_dir.mkdir(parents=True, exist_ok=True)
    train_cells = evaluate.masks_before(ok, Y, t_test)[0]
    X_train = X[train_cells]
    described = describe(spec, panel.unit)
    props = {
        "name": "aqi",
        "version": cfg["version"],
        "parameter": panel.parameter,
        "unit": panel.unit,
        "resolution": panel.resolution,
        "features": ",".join(spec.names),
    }
    doc = (
        f"CityAssist AQI forecaster {cfg['version']}: {panel.parameter} ({panel.unit}), {panel.resolution},"
        f" horizons 1..{H}. Inputs and outputs: metadata.json."
    )
    onnx_model = export.build_onnx(fc, doc, props)
    (out_dir / "model.onnx").write_bytes(onnx_model.SerializeToString())
    vectors = export.test_vectors(
        fc,
        X,
        panel.values,
        panel.times,
        panel.stations,
        test_masks[0],
        int(cfg.get("test_vectors", 40)),
        rng_vec,
    )
    contract.validate_test_vectors(export.clean(vectors), "aqi test_vectors.json", "multi-horizon-forecast")
    export.write_json(out_dir / "test_vectors.json", vectors)

    code = lineage.code_version(AQI_CODE + lineage.config_paths(config.chain(args.config)))
    import xgboost

    metadata = {
        "name": "aqi",
        "version": cfg["version"],
        "createdAt": cfg.get("created_at"),
        "createdAtNote": (
            "fixed in the training config so a rerun is byte-identical; the wall-clock time of each run is in"
            " the experiment log"
        ),
        "task": "multi-horizon forecast of a pollutant concentration with prediction intervals",
        "parameter": panel.parameter,
        "unit": panel.unit,
        "resolution": panel.resolution,
        "step_seconds": panel.step_seconds,
        "horizons": H,
        "served": bool(cfg.get("served", False)),
        "data_provenance": provenance,
        "onnx": {
            "file": "model.onnx",
            "opset": OPSET_JSON,
            "input": {
                "name": "features",
                "dtype": "float32",
                "shape": ["N", len(spec.names)],
                "missing": (
                    "NaN where a feature is nullable; the trees follow xgboost's learned default branch"
                ),
            },
            "graph": [
                "trees = TreeEnsembleRegressor(features)  [N, H], column h-1 = booster of horizon h",
                "base = r_lag_0 if not NaN, else r_mean_3 if not NaN, else 1"
                if fc.target == "delta"
                else "base = 0",
                "ratio = trees + base  (predicted y[t+h] / level)",
                "forecast = max(0, ratio * level)",
                f"sigma = max(r_std_{spec.season}, scale_floor)",
                (
                    "lower = max(0, (ratio + q_lo[h] * sigma) * level); upper = max(0, (ratio + q_hi[h] *"
                    " sigma) * level)"
                ),
            ],
            "outputs": {
                "forecast": {
                    "shape": ["N", H],
                    "unit": panel.unit,
                    "description": (
                        f"point forecast of {panel.parameter} for t+1 .. t+{H} steps ({panel.resolution});"
                        " column h-1 = horizon h"
                    ),
                },
                "lower": {
                    "shape": ["N", H],
                    "unit": panel.unit,
                    "description": (
                        f"lower end of the {1 - alpha:.0%} prediction interval (conformal offsets baked in)"
                    ),
                },
                "upper": {
                    "shape": ["N", H],
                    "unit": panel.unit,
                    "description": f"upper end of the {1 - alpha:.0%} prediction interval",
                },
                "ratio": {
                    "shape": ["N", H],
                    "unit": "ratio",
                    "description": "forecast / level before clipping at 0; for parity checks",
                },
            },
        },
        "features": export.feature_schema(spec, described, X_train),
        "feature_spec": {
            **spec.to_json(),
            "names": spec.names,
            "history_steps": spec.history,
            "level_floor": LEVEL_FLOOR,
            "min_level_readings": spec.min_level_obs,
            "min_long_readings": spec.min_long_obs,
            "anchor": (
                "t = the grid step of the latest reading the forecast uses (UTC); y[t-k] = reading k steps"
                " earlier; missing readings are NaN"
            ),
            "grid": f"UTC, step {panel.step_seconds} s, phase {panel.report.get('grid_phase_seconds', 0)} s",
            "no_forecast_when": (
                f"fewer than {spec.min_level_obs} valid readings among the last {spec.season} steps"
            ),
            "reference_implementation": (
                "training/cityassist_training/aqi/features.py: window_features (test_vectors.json 'windows'"
                " has worked examples)"
            ),
        },
        "intervals": report["interval"],
        "metrics": {
            "test": {"summary": headline, "per_horizon": table},
            "backtest": backtest["summary"],
            "robustness": {
                k: {kk: vv for kk, vv in v.items() if kk != "mae_by_horizon"} for k, v in robust.items()
            },
        },
        "periods": periods,
        "aqi": {"how": _aqi_how(panel.parameter, panel.resolution)},
        "epa_breakpoints": epa.breakpoints_json(),
        "training": {
            "algorithm": (
                f"XGBoost {xgboost.__version__}, one booster per horizon; target"
                f" {'y[t+h]/level - base' if fc.target == 'delta' else 'y[t+h]/level'}; objective"
                f" {cfg['model'].get('objective', 'reg:squarederror')}, sample weight"
                f" {cfg['model'].get('weight', 'level2')}"
            ),
            "params": cfg["model"],
            "trees_per_horizon": [int(len(b.get_dump())) for b in fc.boosters],
            "rows_per_horizon": [int(m.sum()) for m in evaluate.masks_before(ok, Y, t_test, stride=stride)],
            "train_stride": stride,
            "converter": "training/cityassist_training/onnx_export/xgboost_onnx.py",
        },
        "lineage": {
            "sources": sources,
            "code_version": code,
            "config": cfg,
            "config_path": _rel(Path(args.config)),
            "seed": seed,
            "command": _command(args),
            **({"features": features_lineage} if features_lineage else {}),
            "environment": {
                "python": platform.python_version(),
                "xgboost": xgboost.__version__,
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "onnx": __import__("onnx").__version__,
            },
        },
    }
    contract.validate_metadata(export.clean(metadata), "aqi metadata.json")
    export.write_json(out_dir / "metadata.json", metadata)
    export.write_json(out_dir / "evaluation.json", report)
    export.write_json(out_dir / "interval_evaluation.json", online)
    export.write_json(out_dir / "interval_calibration.json", online_state)
    if panel.resolution == "hourly":
        # What the inputs look like per day window of sensor slices in training, for serving's drift
        # monitor (docs/drift.md, "AQI"); a daily model has no hourly slices and keeps the row monitor.
        from .. import drift_reference

        drift = drift_reference.build_aqi(panel, export.clean(metadata))
        drift_reference.write(out_dir / "drift_reference.json", drift)
    export.write_json(
        out_dir / "interval_test_vectors.json",
        online_intervals.parity_vectors(online_state, np.random.default_rng([seed, 3])),
    )
    (out_dir / "MODEL_CARD.md").write_text(card.render(metadata, report, cfg, online), encoding="utf-8")
    sequence_card.refresh(out_dir)  # keeps the issue-19 "Sequence model" section, if any
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        export.write_json(Path(args.report), {"model_dir": _rel(out_dir), **report})

    artifacts = {p.name: sha256_file(p) for p in sorted(out_dir.iterdir()) if p.is_file()}
    run_record = {
        "model": "aqi",
        "version": cfg["version"],
        "started_at": pd.Timestamp.fromtimestamp(t0, tz="UTC").isoformat(),
        "duration_s": round(time.time() - t0, 1),
        "smoke": bool(args.smoke),
        "seed": seed,
        "params": {
            "model": cfg["model"],
            "features": spec.names,
            "horizons": H,
            "split": split,
            "parameter": panel.parameter,
            "resolution": panel.resolution,
        },
        "config_path": _rel(Path(args.config)),
        "metrics": {
            k: headline[k] for k in ("mae", "rmse", "mae_persistence", "mae_seasonal_naive", "coverage")
        },
        "out_dir": _rel(out_dir),
        "artifacts": artifacts,
        "code_version": code,
    }
    exp_log = outputs.experiment_log(args, out_root)
    append_run(exp_log, export.clean(run_record))
    log(f"done in {time.time() - t0:.0f} s: {out_dir} (experiment log {_rel(exp_log)})")
    return 0


def _online_intervals(cal_cells, origins, t_test, fc, X, Y, preds, test_masks, panel, alpha, version):
    """Static vs online-recalibrated intervals on the test period (online_intervals.py), the window
    and gamma chosen on the calibration period, and the serving state at the end of the test."""
    spec = fc.spec
    val_cells, test_cells, seed = [], [], []
    for h in range(1, spec.horizons + 1):
        parts = cal_cells[h - 1]
        c = online_intervals.Cells.of(*(np.concatenate([p[i] for p in parts]) for i in range(6)))
        val_cells.append(c)
        # the static offsets' own residuals, in the order they became known (target time)
        seed.append(c.e[np.argsort(c.t + h, kind="stable")])
        m = test_masks[h - 1]
        tt, ss = np.nonzero(m)
        test_cells.append(
            online_intervals.Cells.of(
                tt,
                ss,
                Y[:, :, h - 1][m],
                X[:, :, spec.level_index][m].astype(np.float64),
                preds["ratio"][:, :, h - 1][m],
                fc.sigma(X[m]).astype(np.float64)[:, 0],
            )
        )
    static = [(float(a), float(b)) for a, b in zip(fc.q_lo, fc.q_hi)]
    # validation: the window starts empty at the calibration period's start, the stretch up to the
    # next origin warms it up (or the first half when no origin lies inside), the rest is scored
    t_cal = min(int(c.t.min()) for c in val_cells)
    inside = [o for o in origins if t_cal < o < t_test]
    score_from = inside[0] if inside else (t_cal + t_test) // 2
    result, cals = online_intervals.evaluate(
        val_cells, score_from, seed, test_cells, static, alpha, panel.times
    )
    result["validation_scored"] = [panel.times[score_from].isoformat(), panel.times[t_test - 1].isoformat()]
    state = online_intervals.serving_state(cals, version, alpha, fc.scale_floor, panel.times[-1].isoformat())
    return result, state


def _command(args) -> str:
    """The training command, without output-only flags, so reruns into other places are identical."""
    parts = ["/usr/bin/python3", "training/train.py", "aqi", "--config", _rel(Path(args.config))]
    for flag in ("data", "parameter", "seed", "version"):
        v = getattr(args, flag, None)
        if v is not None:
            parts += [f"--{flag}", _rel(Path(v)) if flag == "data" else str(v)]
    if args.smoke:
        parts.append("--smoke")
    return " ".join(parts)


def _aqi_how(parameter: str, resolution: str) -> str:
    """How the serving side turns this model's forecast into a US EPA AQI."""
    table = epa.breakpoints_json()["pollutants"].get(parameter)
    if table is None:
        return f"no EPA AQI table for {parameter}"
    avg = table["averaging"]
    if avg == "1h":
        return (
            f"{parameter} uses 1-hour concentrations: each hourly forecast maps to an AQI with"
            " epa_breakpoints"
            + (" (daily forecasts are not the right average for it)" if resolution == "daily" else "")
        )
    if resolution == "hourly":
        return (
            f"{parameter} uses 24-hour means: the next-24-hour AQI is the AQI of the mean of the 24 hourly"
            " forecasts (EPA's NowCast for current conditions is not implemented); a category per hourly"
            " value is only indicative"
        )
    return (
        f"{parameter} uses 24-hour means: a daily forecast is already one, so each horizon maps to an AQI"
        " with epa_breakpoints"
    )


def _by_resolution(value, resolution: str):
    """Config values may be a number or {"hourly": .., "daily": ..}."""
    return value[resolution] if isinstance(value, dict) else value


OPSET_JSON = {"ai.onnx": export.OPSET[""], "ai.onnx.ml": export.OPSET["ai.onnx.ml"]}


def _check_usable(
    panel: Panel, ok: np.ndarray, Y: np.ndarray, first_origin: int, t_test: int, spec: FeatureSpec
) -> None:
    """Refuse data that would give a silently bad model, and say which stations were unusable."""
    usable = ok & np.isfinite(Y[:, :, 0])
    per_station = usable.sum(axis=0)
    dead = [s for s, n in zip(panel.stations, per_station) if n == 0]
    panel.report["stations_without_usable_windows"] = dead
    if dead:
        log(
            f"warning: {len(dead)} station(s) have no window with enough history and an observed next value"
            f" and are not used: {', '.join(dead[:10])}"
        )
    if usable[:first_origin].sum() == 0:
        raise AqiDataError(
            "no usable training window before the first backtest origin: every window lacks history (fewer"
            " than half a season of readings) or an observed target"
        )
    if usable[t_test:].sum() == 0:
        raise AqiDataError(
            "no usable window in the test period: the end of the series is too gap-riddled to evaluate on"
        )
    panel.report["usable_windows_h1"] = int(usable.sum())


def _backtest(folds, Y, P, N, panel, block, reps, rng, spec) -> dict:
    per_origin = []
    for f in folds:
        mae = evaluate.mae_only(Y, f["pred"]["forecast"], f["masks"])
        mp = evaluate.mae_only(Y, P, f["masks"])
        mn = evaluate.mae_only(Y, N, f["masks"])
        per_origin.append(
            {
                "origin": panel.times[f["origin"]].isoformat(),
                "scored_until": panel.times[f["end"] - 1].isoformat(),
                "train_rows_h1": f["n_train_h1"],
                "mae_by_horizon": mae,
                "mae_persistence_by_horizon": mp,
                "mae_seasonal_naive_by_horizon": mn,
                "mae_mean": evaluate._mean(mae),
                "mae_persistence_mean": evaluate._mean(mp),
                "mae_seasonal_naive_mean": evaluate._mean(mn),
            }
        )
    # Pooled over all origins: one table with bootstrap intervals.
    H = spec.horizons
    pooled_pred = {k: np.full(Y.shape, np.nan) for k in ("forecast", "lower", "upper")}
    pooled_masks = [np.zeros(Y.shape[:2], dtype=bool) for _ in range(H)]
    for f in folds:
        for k in range(H):
            m = f["masks"][k]
            pooled_masks[k] |= m
            pooled_pred["forecast"][:, :, k][m] = f["pred"]["forecast"][:, :, k][m]
    table = evaluate.horizon_table(Y, pooled_pred, P, N, pooled_masks, block, reps, rng, None)
    return {
        "method": (
            "rolling origin: at each origin a model is fitted on all earlier targets and scored until the"
            " next origin (the last origin's model is the shipped one)"
        ),
        "per_origin": per_origin,
        "pooled_per_horizon": table,
        "summary": {**evaluate.summary(table, None), "origins": [p["origin"] for p in per_origin]},
    }
