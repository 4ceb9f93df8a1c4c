"""``train.py flood``: simulate -> sample -> evaluate -> fit -> export -> document.

The shipped model is the one fitted on the training period (everything before
``split.holdout_start``) and scored on the time hold-out, so the hold-out metrics in metadata.json
describe exactly the file that is served. The space-time blocked cross-validation
runs inside the training period and is where the operating threshold is chosen, so the hold-out is
never used to tune anything.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from .. import config, contract, drift_reference, feature_export, figures, lineage, outputs
from ..onnx_export import xgboost_onnx
from . import card, evaluate, from_store, model, reliability
from .data import rng_for, sample_rows, simulate_city, source_paths, feature_frame
from .features import FEATURE_SPECS, reference_histogram

# The code this model depends on, for lineage.code_version (relative to training/).
CODE_PATHS = [
    "train.py",
    "cityassist_training/flood",
    "cityassist_training/simulate/rain.py",
    "cityassist_training/simulate/flood.py",
    "cityassist_training/flood_segmentation",
    "cityassist_training/onnx_export",
    "cityassist_training/feature_export.py",
    "cityassist_training/drift_reference.py",
    "cityassist_training/figures.py",
    *lineage.SHARED_CODE,
]
# --smoke: the config's "smoke" block (configs/flood.json: 1/10 of the zones, seven months, 20
# trees, few bootstrap replicates), the same convention for every model (cityassist_training.config).


def _json_default(o):
    if isinstance(o, (np.floating,)):
        return None if np.isnan(o) else float(o)
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


def _clean(o):
    """NaN -> None everywhere, so the JSON is strict (JavaScript's JSON.parse rejects NaN)."""
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, np.ndarray):
        return _clean(o.tolist())
    if isinstance(o, (float, np.floating)):
        return None if math.isnan(o) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def write_json(path: Path, obj) -> None:
    path.write_text(
        json.dumps(_clean(obj), indent=2, allow_nan=False, default=_json_default) + "\n", encoding="utf-8"
    )


def run(args) -> int:
    t0 = time.time()
    # extends, --smoke and --retrain-id resolved
    cfg = config.load(args.config, smoke=args.smoke, retrain_id=getattr(args, "retrain_id", None))
    if args.seed is not None:
        cfg["seed"] = args.seed
    config_used = copy.deepcopy(cfg)  # as given (after --seed/--smoke), before anything is resolved
    seed = int(cfg["seed"])
    features: list[str] = list(cfg["features"])
    data_dir = args.data_dir
    out_root = outputs.models_root(args, "flood")
    out_dir = out_root / cfg["name"] / cfg["version"]
    out_dir.mkdir(parents=True, exist_ok=True)

    def log(msg):
        print(f"[flood {time.time() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    log(f"simulating the city (seed {seed})")
    sim = simulate_city(data_dir, cfg, seed)
    features_lineage = None
    if getattr(args, "features", None):
        export, features_lineage = feature_export.read_export(args.features, features)
        rows, counts = from_store.rows_from_export(export, sim, features)
        features_lineage.update(counts)
        log(
            f"features from the store: {args.features} ({len(rows)} rows, {counts['stale']} stale,"
            f" versions {', '.join(features_lineage['dataset_versions'])})"
        )
    else:
        # The ablation's inputs ride along (in the config's order), so every variant sees the same rows.
        extra = [f for v in (cfg.get("ablation") or {}).get("variants", {}).values() for f in v]
        rows = sample_rows(sim, cfg["sample_fraction"], seed, list(dict.fromkeys(features + extra)))
    holdout_start = pd.Timestamp(cfg["split"]["holdout_start"], tz="UTC")
    train = rows[rows.time < holdout_start].reset_index(drop=True)
    test = rows[rows.time >= holdout_start].reset_index(drop=True)
    log(
        f"{len(rows)} zone-hours sampled: {len(train)} train ({train.label.sum()} floods),"
        f" {len(test)} hold-out ({test.label.sum()} floods)"
    )

    xgb_params = cfg["xgboost"]
    X_train, y_train = train[features].to_numpy(np.float32), train.label.to_numpy()
    X_test = test[features].to_numpy(np.float32)

    log("cross-validation blocked in space and time")
    oof = evaluate.space_time_oof(train, features, xgb_params, seed, cfg["split"]["cv"])
    tcfg = cfg["threshold"]
    grid = np.arange(tcfg["grid_min"], tcfg["grid_max"] + 1e-9, tcfg["grid_step"])
    from .metrics import best_threshold

    validated = ~np.isnan(oof)
    threshold, thr_score = best_threshold(y_train[validated], oof[validated], tcfg["criterion"], grid)
    log(f"operating threshold {threshold} ({tcfg['criterion']}={thr_score:.3f} on out-of-fold predictions)")
    cfg["levels"] = resolve_levels(cfg["levels"], threshold)

    log("fitting the model on the training period")
    booster = model.fit(X_train, y_train, xgb_params, seed)
    p_test = model.predict_proba(booster, X_test)

    log("evaluating")
    metrics = evaluate.full_evaluation(
        cfg=cfg, sim=sim, train=train, test=test, features=features, booster=booster, oof=oof,
        p_test=p_test, threshold=threshold, threshold_score=thr_score, seed=seed, data_dir=data_dir, log=log,
    )  # fmt: skip

    metrics["ablation"] = evaluate.ablation(cfg, train, test, seed, log)

    log("exporting ONNX")
    base_margin = xgboost_onnx.logit(xgboost_onnx.booster_trees(booster)[1])
    onnx_model = xgboost_onnx.convert(
        booster,
        doc=(
            f"CityAssist flood risk {cfg['version']}: P(flood in the zone this hour). Features:"
            f" {', '.join(features)}."
        ),
        metadata={"name": cfg["name"], "version": cfg["version"], "features": ",".join(features)},
    )
    (out_dir / "model.onnx").write_bytes(onnx_model.SerializeToString())
    booster.save_model(str(out_dir / "xgboost_model.json"))

    vectors = make_test_vectors(booster, test, features, int(cfg["test_vectors"]), rng_for(seed, "eval"))
    contract.validate_test_vectors(_clean(vectors), "flood test_vectors.json", "binary-classification")
    write_json(out_dir / "test_vectors.json", vectors)

    snapshot_path = outputs.side_output(
        args, "snapshot", out_root, "flood_features_snapshot.csv", cfg["snapshot"]["path"]
    )
    snap_info = write_snapshot(sim, booster, features, snapshot_path, cfg)
    log(f"snapshot {snapshot_path}: {snap_info['as_of']} ({snap_info['reason']})")

    repo = lineage.REPO
    sources = [{"path": os.path.relpath(p, repo) if not os.path.isabs(os.path.relpath(p, repo)) else p,
                "sha256": lineage.sha256_file(p)} for p in source_paths(data_dir)]  # fmt: skip
    code = lineage.code_version(CODE_PATHS + lineage.config_paths(config.chain(args.config)))
    feature_specs = []
    for j, name in enumerate(features):
        spec = {k: v for k, v in FEATURE_SPECS[name].items() if k != "edges"}
        col = X_train[:, j]
        spec["trainingRange"] = [float(np.nanmin(col)), float(np.nanmax(col))]
        spec["reference"] = reference_histogram(col, FEATURE_SPECS[name])
        feature_specs.append({"name": name, **spec})
    metadata = {
        "name": cfg["name"],
        "version": cfg["version"],
        "createdAt": cfg["created_at"],
        "createdAtNote": (
            "fixed in the training config (created_at) so that a rerun is byte-identical; the wall-clock time"
            " of each run is in training/experiments/runs.jsonl"
        ),
        "task": "binary-classification",
        "target": "a flood is recorded in the zone during the hour (simulated labels; see MODEL_CARD.md)",
        "onnx": {
            "file": "model.onnx",
            "input": "input",
            "outputs": {"label": "label", "probabilities": "probabilities"},
            "positiveClassIndex": 1,
            "opset": xgboost_onnx.OPSET,
        },
        "features": feature_specs,
        "missingValues": (
            "NaN (null in the feature store) is allowed for every feature; the trees route it along XGBoost's"
            " learned default branch"
        ),
        "levels": cfg["levels"],
        "levelsNote": "lower probability bounds; see MODEL_CARD.md 'Operating threshold and levels'",
        "threshold": threshold,
        "thresholdSelection": {
            "criterion": tcfg["criterion"],
            "on": "out-of-fold predictions of the space-time blocked cross-validation (training period only)",
            "score": thr_score,
        },
        "baseValue": base_margin,
        "explanations": {
            "method": "TreeSHAP (path-dependent) from nodes_hitrates = XGBoost cover",
            "bias": "last column of test_vectors.contribs",
            "space": "margin (log-odds)",
        },
        "metrics": metrics,
        "snapshot": snap_info,
        "lineage": {
            "sources": sources,
            "code_version": code,
            "config": config_used,
            "seed": seed,
            "command": " ".join(["/usr/bin/python3", "training/train.py", *args.argv]),
            **({"features": features_lineage} if features_lineage else {}),
        },
        "framework": {
            "xgboost": xgb.__version__,
            "converter": "training/cityassist_training/onnx_export/xgboost_onnx.py",
            "trees": int(xgb_params["n_estimators"]),
            "maxDepth": int(xgb_params["max_depth"]),
        },
    }
    contract.validate_metadata(_clean(metadata), "flood metadata.json")
    write_json(out_dir / "metadata.json", metadata)
    # What the inputs look like per time window in training, for serving's drift monitor (docs/drift.md).
    reference = drift_reference.build(sim, features, FEATURE_SPECS, cfg["split"]["holdout_start"], metadata)
    drift_reference.write(out_dir / "drift_reference.json", reference)
    held = reference["evaluation"]["heldOut"]
    log(f"drift reference: {held['alarmsRaised']} alarms on {held['windows']} held-out windows")
    prev = (cfg.get("card") or {}).get("previous")
    prev_meta = out_root / cfg["name"] / prev / "metadata.json" if prev else None
    previous = json.loads(prev_meta.read_text(encoding="utf-8")) if prev_meta and prev_meta.exists() else None
    (out_dir / "MODEL_CARD.md").write_text(card.render(metadata, cfg, previous), encoding="utf-8")
    # Exact curves from this run's hold-out scores (the card links them).
    figures.binary_from_scores(
        test.label.to_numpy(),
        p_test,
        threshold,
        out_dir / "figures",
        f"flood {cfg['version']}, time hold-out",
    )
    ho = metrics["time_holdout"]
    reliability.write_png(
        out_dir / "reliability.png",
        ho["calibration"],
        f"flood {cfg['version']}: reliability on the time hold-out (95% CI, zones x days)",
        ho.get("calibration_fit"),
    )

    if args.report:
        write_json(Path(args.report), {"model_dir": str(out_dir), "metrics": metrics, "threshold": threshold})

    artifacts = {p.name: lineage.sha256_file(p) for p in sorted(out_dir.iterdir()) if p.is_file()}
    artifacts[str(snapshot_path)] = lineage.sha256_file(snapshot_path)
    run_record = {
        "model": cfg["name"],
        "version": cfg["version"],
        "started_at": pd.Timestamp.fromtimestamp(t0, tz="UTC").isoformat(),
        "duration_s": round(time.time() - t0, 1),
        "smoke": bool(args.smoke),
        "seed": seed,
        "params": {
            "features": features,
            "xgboost": xgb_params,
            "sample_fraction": cfg["sample_fraction"],
            "threshold": threshold,
        },
        "config_path": args.config,
        "metrics": evaluate.headline(metrics),
        "out_dir": str(out_dir),
        "artifacts": artifacts,
        "code_version": code,
    }
    exp_log = outputs.experiment_log(args, out_root)
    lineage.append_run(exp_log, _clean(run_record))
    log(f"done: {out_dir}  (experiment log {exp_log})")
    return 0


def resolve_levels(levels: dict, threshold: float) -> dict:
    """Level lower bounds; the string "threshold" stands for the operating threshold, so that the
    first level above *low* starts exactly where the alert does."""
    out = {k: (threshold if v == "threshold" else float(v)) for k, v in levels.items()}
    bounds = list(out.values())
    if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
        raise ValueError(f"levels must increase strictly: {out}")
    return out


def make_test_vectors(
    booster, test: pd.DataFrame, features: list[str], n: int, rng: np.random.Generator
) -> dict:
    """~n hold-out rows chosen to exercise the model: floods, high scores, ordinary hours, and rows
    with missing values (one feature, several, all) so NaN routing is checked too."""
    p = model.predict_proba(booster, test[features].to_numpy(np.float32))
    pos = np.flatnonzero(test.label.to_numpy() == 1)
    top = np.argsort(-p)[: n // 5]
    k = n // 5
    picks = list(rng.choice(pos, size=min(k, len(pos)), replace=False)) + list(top)
    picks += list(rng.choice(len(test), size=n - len(picks) - n // 5, replace=False))
    X = test[features].to_numpy(np.float32)[picks]
    # Missing values: blank one feature per row in turn, then a few rows with several, one with all.
    extra = X[rng.choice(len(X), size=n // 5, replace=False)].copy()
    for i in range(len(extra)):
        if i < len(features):
            extra[i, i] = np.nan
        elif i == len(extra) - 1:
            extra[i, :] = np.nan
        else:
            extra[i, rng.random(len(features)) < 0.5] = np.nan
    X = np.vstack([X, extra]).astype(np.float32)
    return {
        "features": features,
        "note": (
            "inputs are float32 values (null = missing/NaN); probabilities are XGBoost's predict() for the"
            " positive class, margins its output_margin, contribs its pred_contribs (TreeSHAP, bias last),"
            " all from the native library"
        ),
        "inputs": [[None if np.isnan(v) else float(v) for v in row] for row in X],
        "probabilities": [float(v) for v in model.predict_proba(booster, X)],
        "margins": [float(v) for v in model.predict_margin(booster, X)],
        "contribs": [[float(v) for v in row] for row in model.predict_contribs(booster, X)],
    }


def write_snapshot(sim, booster, features: list[str], path: Path, cfg: dict) -> dict:
    """The feature-store seed: every zone's features at one "current" hour.

    Day: the wettest real day in the simulated period (``snapshot.day = "wettest"``) or a given
    date. Hour: the hour of that day (after the warm-up) at which the model's probabilities are most
    spread across zones (``"max_spread"``: largest standard deviation), so the dashboard shows low,
    moderate, high and severe zones at once; or a given hour 0-23.
    ``as_of`` is the *end* of that hour: the moment when its rain total is known.
    """
    scfg = cfg["snapshot"]
    n_z = sim.rain.shape[1]
    daily = sim.daily_mm
    day = daily.idxmax() if scfg["day"] == "wettest" else pd.Timestamp(scfg["day"], tz="UTC")
    d = daily.index.get_loc(day)
    hours = [h for h in range(d * 24, (d + 1) * 24) if h >= sim.warmup_h]
    if scfg["hour"] == "max_spread":
        spreads = []
        for h in hours:
            X = feature_frame(sim, np.full(n_z, h), np.arange(n_z), features).to_numpy(np.float32)
            spreads.append(float(np.std(model.predict_proba(booster, X))))
        h = hours[int(np.argmax(spreads))]
        reason = (
            "hour with the widest spread of predicted risk across zones on the wettest day"
            f" ({daily.loc[day]:.1f} mm after scaling)"
        )
    else:
        h = d * 24 + int(scfg["hour"])
        reason = f"configured hour {int(scfg['hour'])}"
    df = feature_frame(sim, np.full(n_z, h), np.arange(n_z), features)
    as_of = (sim.times[h] + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    df.insert(0, "as_of", as_of)
    df.insert(0, "zone_id", sim.terrain.zone_id.to_numpy())
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed decimals: the file is diff-friendly and byte-identical across reruns; empty cell = missing.
    df.to_csv(path, index=False, float_format="%.4f", na_rep="", lineterminator="\n")
    back = pd.read_csv(path, dtype={"zone_id": str})
    p = model.predict_proba(booster, back[features].to_numpy(np.float32))
    levels = cfg["levels"]
    bounds = sorted(levels.items(), key=lambda kv: kv[1])

    def level_of(q):
        return [name for name, b in bounds if q >= b][-1]

    counts = pd.Series([level_of(q) for q in p]).value_counts().to_dict()
    return {
        "path": str(cfg["snapshot"]["path"]),
        "as_of": as_of,
        "day": day.strftime("%Y-%m-%d"),
        "hour_index": int(h),
        "reason": reason,
        "zones": int(n_z),
        "levels": {name: int(counts.get(name, 0)) for name, _ in bounds},
        "recorded_floods_that_hour": int(sim.label[h].sum()),
        "note": (
            "rounded to 4 decimals in the CSV; the model was applied to the rounded values for these counts"
        ),
    }
