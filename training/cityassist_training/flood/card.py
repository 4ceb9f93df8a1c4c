"""MODEL_CARD.md from the run's metadata (Mitchell et al. 2019 sections). Generated, so the numbers in
the card are always the numbers of the file next to it."""

from __future__ import annotations


def _f(x, nd=3):
    return "n/a" if x is None else f"{x:.{nd}f}"


def _ci(m, k, nd=3):
    lo, hi = m["ci"][k]
    return f"{_f(m[k], nd)} [{_f(lo, nd)}, {_f(hi, nd)}]"


def _row(name, m, nd=3):
    return f"| {name} | {_ci(m, 'roc_auc')} | {_ci(m, 'pr_auc')} | {_ci(m, 'brier', 5)} |"


def render(md: dict, cfg: dict) -> str:
    M = md["metrics"]
    sc, ho = M["spatial_cv"], M["time_holdout"]
    B = M["baselines"]
    thr = md["threshold"]
    L = []
    add = L.append
    add(f"# Model card: {md['name']} {md['version']}\n")
    add("> **Read this first.** The zones, their terrain and the rain series are **real**. The hourly")
    add("> disaggregation, the spatial rain field, the drainage physics, the **flood labels** and the")
    add("> **flooded fraction** are **simulated**. Every metric below measures how well the model recovers")
    add("> the simulator's flood process from the features, not how well it predicts floods in Olinda.")
    add("> It is a working, honestly evaluated pipeline waiting for real flood records.\n")

    add("## Model details\n")
    add(
        f"- XGBoost {md['framework']['xgboost']} gradient-boosted trees, `binary:logistic`,"
        f" {md['framework']['trees']} trees of depth <= {md['framework']['maxDepth']}, learning rate"
        f" {cfg['xgboost']['learning_rate']}, subsample {cfg['xgboost']['subsample']}, hist, seed"
        f" {md['lineage']['seed']}."
    )
    add(
        "- Exported to ONNX (`ai.onnx.ml` opset 3 `TreeEnsembleClassifier`) by our own converter "
        f"(`{md['framework']['converter']}`): float32 thresholds bit-exact, `BRANCH_LT`, XGBoost's default "
        "directions for missing values, node cover in `nodes_hitrates` for TreeSHAP from the ONNX file alone."
    )
    add(
        "- Output: probability that a flood is recorded in the zone during the hour. Base value (margin)"
        f" {md['baseValue']:.4f}."
    )
    add(
        f"- Created {md['createdAt']} (fixed in the config for reproducibility). Code"
        f" {md['lineage']['code_version']['git']}, training code sha256"
        f" `{md['lineage']['code_version']['training_code_sha256'][:16]}…`."
    )
    add("- Reproduce: `" + md["lineage"]["command"] + "` (deterministic for a seed and config).\n")

    add("## Intended use\n")
    add(
        "- **For**: ranking Olinda's 470 census-tract zones by flood risk in the current hour on the"
        " CityAssist dashboard and API; a prototype to be retrained on real flood reports."
    )
    add(
        "- **Not for**: evacuation orders or any decision about individual people or property; places far"
        " outside the training ranges (other cities' terrain, rain far above what the series contains);"
        " forecasting (it scores the hour that just happened, it does not look ahead).\n"
    )

    add("## Factors\n")
    add(
        "- Rain dominates (last hour and last 24 h); among terrain features, minimum elevation and low-lying"
        " share matter most. Zones with no ground below 5 m flood less often but do flood (see the worst"
        " failures)."
    )
    add("- Antecedent rain: the same hourly rain is riskier after a wet 24-72 h.")
    add(
        "- Season: the rain series is Seattle's (wet Oct-Mar); Olinda's rainy season is Apr-Jul. Per-season"
        " results below."
    )
    add(
        "- Unobserved: drain condition, tide and storage older than 72 h are in the simulation but not in the"
        " features; they are the irreducible part of the error."
    )
    add(
        "- Missing inputs: `flooded_fraction` is missing on cloudy hours (most rainy hours); any feature may"
        " be null and is routed by the trees' default branches.\n"
    )

    add("## Metrics\n")
    add(
        "ROC-AUC (ranking), PR-AUC = average precision (ranking under rarity: floods are"
        f" {ho['prevalence']*100:.2f}% of hold-out zone-hours), Brier score (calibrated probability),"
        " calibration curve (10 bins), confusion matrix at the operating threshold. Intervals: 95% cluster"
        f" bootstrap ({sc['ci']['method'].split(', ')[1]}), resampling zones for the spatial CV and days for"
        " the time hold-out.\n"
    )
    add("### Operating threshold and levels\n")
    add(
        f"- Operating threshold **{thr}**: the threshold maximising F2 (a missed flood weighs like four false"
        " alarms) on the out-of-fold predictions of the spatial cross-validation. The hold-out was not used."
    )
    lv = md["levels"]
    add(
        f"- Levels (lower probability bounds): low {lv['low']}, moderate {_f(lv['moderate'])}, high"
        f" {lv['high']}, severe {lv['severe']}. *Moderate* starts at the operating threshold, so every zone"
        ' shown moderate or worse is one the alert rule would flag, and *low* means "below the alert".'
        " *High* (>= 0.5: a flood more likely than not) and *severe* (>= 0.8) read as odds because the"
        " probabilities are calibrated (see the calibration table); they are fixed round numbers so that"
        " their meaning does not move between model versions.\n"
    )

    add("## Evaluation data\n")
    d = M["data"]
    add(
        f"- Time hold-out: {d['holdout_period'][0][:10]} to {d['holdout_period'][1][:10]},"
        f" {d['holdout_rows']} zone-hours ({d['holdout_positives']} recorded floods), scored by the shipped"
        " model."
    )
    add(f"- Spatial CV: {sc['method']}; {d['train_rows']} zone-hours ({d['train_positives']} floods).")
    add(
        "- Both are uniform samples of zone-hours (most hours are dry); the *wet hours* rows restrict to"
        " rain_24h_mm >= 10 mm.\n"
    )

    add("## Training data\n")
    add(
        f"- {d['train_rows']} zone-hours sampled uniformly ({cfg['sample_fraction']*100:.1f}% of all"
        f" zone-hours) from {d['train_period'][0][:10]} to {d['train_period'][1][:10]}."
    )
    add(
        "- **Real**: 470 Olinda census tracts (IBGE 2010) with elevation statistics from a 90 m DEM"
        " (`data/olinda/`); NOAA daily precipitation, Seattle 2012-2015; NOAA Stage IV hourly radar+gauge"
        " fields of Hurricane Florence (`data/rainfall/`). Hashes in metadata.json `lineage.sources`."
    )
    add(
        "- **Simulated** (`training/cityassist_training/simulate/`, assumptions in `training/README.md`):"
        f" Seattle's daily totals x{cfg['rain']['daily_scale']} (to Olinda's wetter climate), spread over"
        " hours with normalised Stage IV storm profiles and over zones with a log-normal Gaussian-process"
        " field; a soil store, run-on concentration, drain capacity with a hidden per-zone condition, an M2"
        f" tide, ponding, flood when ponding >= {cfg['drainage']['flood_depth_mm']} mm, recorded with"
        f" probability {cfg['drainage']['report_prob']}; `flooded_fraction` as a noisy function of the true"
        " ponding, missing on cloudy hours.\n"
    )

    add("## Quantitative analyses\n")
    add("### Headline (95% CI)\n")
    add("| split / model | ROC-AUC | PR-AUC | Brier |")
    add("|---|---|---|---|")
    add(_row("spatial CV: **model**", sc))
    for n, b in B.items():
        add(_row(f"spatial CV: {n}", b["spatial_cv"]))
    add(_row("time hold-out: **model**", ho))
    for n, b in B.items():
        add(_row(f"time hold-out: {n}", b["time_holdout"]))
    if "wet_hours" in sc:
        add(_row("spatial CV, wet hours: **model**", sc["wet_hours"]))
    if "wet_hours" in ho:
        add(_row("time hold-out, wet hours: **model**", ho["wet_hours"]))
        if "wet_hours" in B["rain_rule"]["time_holdout"]:
            add(_row("time hold-out, wet hours: rain_rule", B["rain_rule"]["time_holdout"]["wet_hours"]))
    add("")
    for n, b in B.items():
        add(f"- `{n}`: {b['description']}.")
    add("")
    add(f"### Confusion matrix at threshold {thr}\n")
    add("| split | TP | FP | FN | TN | precision | recall |")
    add("|---|---|---|---|---|---|---|")
    for name, m in (("spatial CV", sc), ("time hold-out", ho)):
        c = m["confusion"]
        add(
            f"| {name} | {c['tp']:.0f} | {c['fp']:.0f} | {c['fn']:.0f} | {c['tn']:.0f} |"
            f" {_ci({'precision': c['precision'], 'ci': m['ci']}, 'precision')} |"
            f" {_ci({'recall': c['recall'], 'ci': m['ci']}, 'recall')} |"
        )
    add("")
    add("### Calibration (time hold-out, 10 equal-width bins)\n")
    add("| bin | rows | mean predicted | observed [95% CI] |")
    add("|---|---|---|---|")
    cal = ho["calibration"]
    for k in range(len(cal["count"])):
        if cal["count"][k]:
            lo, hi = cal["observed_ci"][k]
            add(
                f"| {k/10:.1f}-{(k+1)/10:.1f} | {cal['count'][k]:.0f} | {_f(cal['mean_predicted'][k])} |"
                f" {_f(cal['observed'][k])} [{_f(lo)}, {_f(hi)}] |"
            )
    add("")
    big = [k for k in range(len(cal["count"])) if cal["count"][k] >= 50 and cal["observed"][k] is not None]
    if big:
        k = max(big, key=lambda k: abs(cal["observed"][k] - cal["mean_predicted"][k]))
        add(
            f"Largest gap in a bin with >= 50 rows: bin {k/10:.1f}-{(k+1)/10:.1f}, predicted"
            f" {_f(cal['mean_predicted'][k])} vs observed {_f(cal['observed'][k])}. The hold-out (Jul-Dec"
            " 2015) is wetter than the training years, so its prevalence differs; check the interval before"
            " reading a gap as miscalibration.\n"
        )
    add("### Robustness (time hold-out)\n")
    add("| condition | ROC-AUC | PR-AUC | Brier | recall | precision |")
    add("|---|---|---|---|---|---|")
    for name, r in M["robustness"].items():
        add(
            f"| {name} | {_f(r['roc_auc'])} | {_f(r['pr_auc'])} | {_f(r['brier'], 5)} | {_f(r['recall'])} |"
            f" {_f(r['precision'])} |"
        )
    add("")
    for name, r in M["robustness"].items():
        if "description" in r and not name.startswith("missing_"):
            add(f"- `{name}`: {r['description']}.")
    add("")
    add("### Backtest\n")
    add("| window | train | ROC-AUC | PR-AUC | Brier | floods |")
    add("|---|---|---|---|---|---|")
    for yr, r in M["backtest"]["per_year_expanding_window"].items():
        add(
            f"| {yr} | {r['train_years']} | {_f(r['roc_auc'])} | {_f(r['pr_auc'])} | {_f(r['brier'], 5)} |"
            f" {r['positives']} |"
        )
    for s, r in M["backtest"]["per_season_spatial_cv"].items():
        add(
            f"| season {s} (spatial CV) | training period | {_f(r['roc_auc'])} | {_f(r['pr_auc'])} |"
            f" {_f(r['brier'], 5)} | {r['positives']} |"
        )
    add("")
    add("### Feature importance\n")
    add("| feature | share of total gain | mean abs SHAP (hold-out, log-odds) |")
    add("|---|---|---|")
    fi = M["feature_importance"]
    for f in fi["total_gain_share"]:
        add(f"| {f} | {fi['total_gain_share'][f]:.3f} | {fi['mean_abs_shap_holdout'][f]:.4f} |")
    add("")
    add("### The ten worst failures (time hold-out, by log loss)\n")
    add("| time | zone | label | p | reason |")
    add("|---|---|---|---|---|")
    for w in M["worst_failures"]:
        add(
            f"| {w['time'][:16]} | {w['zone_id']} ({w['neighbourhood']}) | {w['label']} |"
            f" {w['probability']:.3f} | {w['reason']} |"
        )
    add("")

    add("## Ethical considerations\n")
    add(
        "- The labels are simulated: shipping this as *the* flood risk of real neighbourhoods without saying"
        " so would mislead residents. The API exposes the model name and version; the dashboard should say"
        ' "prototype, simulated training data".'
    )
    add(
        "- Real flood reports, when they replace the simulator, are biased towards areas whose residents"
        " report (and towards streets with sensors): a model trained on them can under-rate poorer,"
        " under-reporting tracts. Check recall per neighbourhood before use."
    )
    add("- A *low* score is not a safety guarantee: the model cannot see blocked drains or the tide.\n")

    add("## Caveats and recommendations\n")
    add(
        "- Retrain on real flood records (Defesa Civil reports, street sensors) and real local rain"
        " (Olinda/Recife gauges, APAC) before any operational use; keep the spatial and temporal evaluation"
        " unchanged."
    )
    add(
        "- Seattle's rain climate (frontal, winter-wet) is not Olinda's (tropical, Apr-Jul); the Stage IV"
        " profiles come from a single hurricane and are burstier than ordinary rain."
    )
    add(
        "- Valid input ranges (`min`/`max` in metadata) are physical; outside the training ranges"
        " (`trainingRange`) the trees extrapolate flat."
    )
    add(
        "- Most zone-hours are dry and trivially safe, which puts ROC-AUC near 1; read PR-AUC and the *wet"
        " hours* rows."
    )
    mr = M["robustness"].get("missing_rain_1h_mm")
    if mr:
        add(
            f"- A missing `rain_1h_mm` cuts recall from {_f(M['robustness']['clean']['recall'])} to"
            f" {_f(mr['recall'])}: serving should flag zones whose rain feed is down instead of presenting"
            " their score as usual."
        )
    add(
        "- The worst misses are floods that outlast the burst that caused them (1-3 h after the peak): a"
        " `rain_3h_mm` feature, or the ponding state from a drainage model, is the obvious next feature."
    )
    add(
        "- Drift: compare the live feature distribution with `reference` histograms (e.g. PSI > 0.2 per"
        " feature)."
    )
    add(
        "- `flooded_fraction` is a simulated stand-in for a segmentation model's output; a real one has its"
        " own errors (shadows, vegetation, revisit time) that should be measured and fed back into this"
        " evaluation."
    )
    return "\n".join(L) + "\n"
