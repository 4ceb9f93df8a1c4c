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


# Why an input was dropped, for the "what changed" section (the ablation table gives the numbers).
WHY_DROPPED = {
    "flooded_fraction": (
        "a noise-added function of the *same hour's* simulated ponding that defines the label (label ="
        " ponding >= the flood depth): the label leaked into an input"
    ),
}


def _pr(m: dict) -> str:
    return f"{m['pr_auc']:.3f} [{m['ci']['pr_auc'][0]:.3f}, {m['ci']['pr_auc'][1]:.3f}]"


def _changes_and_ablation(M: dict, md: dict, cfg: dict, previous: dict | None, add) -> None:
    """The status line, what changed against the previous version (its metadata.json), then the
    ablation table."""
    if (cfg.get("card") or {}).get("status"):
        add(f"**Status.** {cfg['card']['status']}\n")
    if previous:
        P = previous["metrics"]
        before = [f["name"] for f in previous["features"]]
        now = [f["name"] for f in md["features"]]
        add(f"## What changed since {previous['name']} {previous['version']}, and why\n")
        for f in [f for f in before if f not in now]:
            add(f"- **Input dropped: `{f}`**, {WHY_DROPPED.get(f, 'not available at serving')}.")
        for f in [f for f in now if f not in before]:
            add(f"- **Input added: `{f}`** (see Factors and the ablation).")
        cv_prev = P.get("space_time_cv") or P.get("spatial_cv")
        add(
            f"- **Time hold-out PR-AUC** {_pr(P['time_holdout'])} ({P['time_holdout']['ci']['method']})"
            " before,"
            f" {_pr(M['time_holdout'])} ({M['time_holdout']['ci']['method']}: zones x days) now."
        )
        add(
            f"- **Cross-validation blocked in space and time** with a {cfg['split']['cv']['buffer_days']}-day"
            f" buffer (was: neighbourhood folds only, so a fold trained on the very storm it validated, next"
            f" door): PR-AUC {_pr(M['space_time_cv'])} now; {previous['version']}'s"
            f" {cv_prev['method'].split(',')[0]}"
            f" gave {_pr(cv_prev)} with one-way intervals."
        )
        add(
            "- **Intervals** resample zones and days together in both splits (before: zones for the CV, days"
            " for the hold-out), so a storm's zone-hours and a zone's hours are not counted as independent."
        )
        cf = M["time_holdout"].get("calibration_fit")
        if cf:
            add(
                f"- **Calibration measured**: slope {cf['slope']:.3f} [{cf['slope_ci'][0]:.3f},"
                f" {cf['slope_ci'][1]:.3f}] on the hold-out, so the card says"
                f" {'calibrated' if cf['calibrated'] else '**not calibrated**'} (rule: slope in"
                f" [{cf['calibrated_band'][0]}, {cf['calibrated_band'][1]}]); before, the card called the"
                " probabilities calibrated from the bin table alone."
            )
        days = len({w["time"][:10] for w in P["worst_failures"]})
        events = len({w.get("event") for w in M["worst_failures"]})
        add(
            f"- **Worst failures** chosen one per event: {events} distinct events now;"
            f" {previous['version']}'s"
            f" ten worst rows came from {days} days."
        )
        add("")
    if M.get("ablation"):
        add("### Ablation: the same model, seed and settings on other inputs (95% CI, zones x days)\n")
        add("| inputs | space-time CV PR-AUC | time hold-out PR-AUC | hold-out ROC-AUC | hold-out Brier |")
        add("|---|---|---|---|---|")
        for name, a in M["ablation"].items():
            c, h = a["space_time_cv"], a["time_holdout"]
            add(
                f"| {name} | {_ci(c, 'pr_auc')} | {_ci(h, 'pr_auc')} | {_ci(h, 'roc_auc')} |"
                f" {_ci(h, 'brier', 5)} |"
            )
        rounds = {a["cv_rounds"] for a in M["ablation"].values()}
        add(
            "\nEach row is refitted from scratch; its CV runs"
            f" {', '.join(map(str, sorted(rounds)))} Latin-square round(s) (the shipped model's headline"
            " below"
            f" runs {cfg['split']['cv']['rounds']}), so compare rows with each other, not with the headline."
            " The satellite row is the brief's hybrid: the U-Net's share of each zone at the newest pass"
            " whose data had arrived (4-8 h after acquisition, every 5-6 days), never the hour's own water.\n"
        )


def _calibration_fit(ho: dict, add) -> None:
    cf = ho.get("calibration_fit")
    if cf:
        verdict = "calibrated" if cf["calibrated"] else "**not calibrated**"
        add(
            f"Calibration slope **{cf['slope']:.3f}** [{cf['slope_ci'][0]:.3f}, {cf['slope_ci'][1]:.3f}],"
            f" intercept {cf['intercept']:.3f} [{cf['intercept_ci'][0]:.3f}, {cf['intercept_ci'][1]:.3f}]"
            f" ({cf['method']}): {verdict} by the rule slope in [{cf['calibrated_band'][0]},"
            f" {cf['calibrated_band'][1]}]. A slope below 1 means the probabilities are too extreme. The"
            " reliability diagram: `reliability.png` beside this card; ROC, precision-recall and confusion"
            " from the hold-out scores: `figures/roc.png`, `figures/pr.png`, `figures/confusion.png`.\n"
        )


def render(md: dict, cfg: dict, previous: dict | None = None) -> str:
    M = md["metrics"]
    sc, ho = M["space_time_cv"], M["time_holdout"]
    features = [f["name"] for f in md["features"]]
    B = M["baselines"]
    thr = md["threshold"]
    L = []
    add = L.append
    add(f"# Model card: {md['name']} {md['version']}\n")
    add("> **Read this first.** The zones, their terrain and the rain series are **real**. The hourly")
    add("> disaggregation, the spatial rain field, the drainage physics and the **flood labels** are")
    add("> **simulated**. Every metric below measures how well the model recovers the simulator's flood")
    add("> process from the features, not how well it predicts floods in Olinda. It is a working,")
    add("> honestly evaluated pipeline waiting for real flood records.\n")
    _changes_and_ablation(M, md, cfg, previous, add)

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
        "- Missing inputs: any feature may be null and is routed by the trees' default branches"
        + (
            "; `flooded_fraction` is missing on cloudy hours (most rainy hours).\n"
            if "flooded_fraction" in features
            else ".\n"
        )
    )

    add("## Metrics\n")
    add(
        "ROC-AUC (ranking), PR-AUC = average precision (ranking under rarity: floods are"
        f" {ho['prevalence']*100:.2f}% of hold-out zone-hours), Brier score (calibrated probability),"
        " calibration curve (10 bins) with its slope and intercept, confusion matrix at the operating"
        f" threshold. Intervals: 95% two-way cluster bootstrap ({sc['ci']['method'].split(', ')[1]}),"
        " resampling zones and days together (a row's weight is its zone's draw count times its day's), in"
        " both splits.\n"
    )
    add("### Operating threshold and levels\n")
    add(
        f"- Operating threshold **{thr}**: the threshold maximising F2 (a missed flood weighs like four false"
        " alarms) on the out-of-fold predictions of the space-time cross-validation. The hold-out was not"
        " used."
    )
    lv = md["levels"]
    add(
        f"- Levels (lower probability bounds): low {lv['low']}, moderate {_f(lv['moderate'])}, high"
        f" {lv['high']}, severe {lv['severe']}. *Moderate* starts at the operating threshold, so every zone"
        ' shown moderate or worse is one the alert rule would flag, and *low* means "below the alert".'
        " *High* (>= 0.5: a flood more likely than not) and *severe* (>= 0.8) are fixed round numbers so"
        " that their meaning does not move between model versions; they read as odds only as far as the"
        " calibration below holds.\n"
    )

    add("## Evaluation data\n")
    d = M["data"]
    add(
        f"- Time hold-out: {d['holdout_period'][0][:10]} to {d['holdout_period'][1][:10]},"
        f" {d['holdout_rows']} zone-hours ({d['holdout_positives']} recorded floods), scored by the shipped"
        " model."
    )
    add(f"- Space-time CV: {sc['method']}; {d['cv_rows']} zone-hours ({d['cv_positives']} floods).")
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
        f" probability {cfg['drainage']['report_prob']}"
        + (
            "; `flooded_fraction` as a noisy function of the true ponding, missing on cloudy hours.\n"
            if "flooded_fraction" in features
            else ".\n"
        )
    )

    add("## Quantitative analyses\n")
    add("### Headline (95% CI)\n")
    add("| split / model | ROC-AUC | PR-AUC | Brier |")
    add("|---|---|---|---|")
    add(_row("space-time CV: **model**", sc))
    for n, b in B.items():
        add(_row(f"space-time CV: {n}", b["space_time_cv"]))
    add(_row("time hold-out: **model**", ho))
    for n, b in B.items():
        add(_row(f"time hold-out: {n}", b["time_holdout"]))
    if "wet_hours" in sc:
        add(_row("space-time CV, wet hours: **model**", sc["wet_hours"]))
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
    for name, m in (("space-time CV", sc), ("time hold-out", ho)):
        c = m["confusion"]
        add(
            f"| {name} | {c['tp']:.0f} | {c['fp']:.0f} | {c['fn']:.0f} | {c['tn']:.0f} |"
            f" {_ci({'precision': c['precision'], 'ci': m['ci']}, 'precision')} |"
            f" {_ci({'recall': c['recall'], 'ci': m['ci']}, 'recall')} |"
        )
    add("")
    add("### Calibration (time hold-out, 10 equal-width bins)\n")
    _calibration_fit(ho, add)
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
    for s, r in M["backtest"]["per_season_space_time_cv"].items():
        add(
            f"| season {s} (space-time CV) | training period | {_f(r['roc_auc'])} | {_f(r['pr_auc'])} |"
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
    add("### The ten worst failures (time hold-out: the worst row of each of the ten worst events)\n")
    add(
        "An event is a storm (from the first hour the city's mean rain reaches 0.1 mm to 24 h after its"
        " last such hour) or, outside storms, a dry day; one storm's hours fail together, so ranking rows"
        " alone would show one storm ten times.\n"
    )
    add("| event | time | zone | label | p | reason |")
    add("|---|---|---|---|---|---|")
    for w in M["worst_failures"]:
        add(
            f"| {w.get('event', '')} | {w['time'][:16]} | {w['zone_id']} ({w['neighbourhood']}) |"
            f" {w['label']} |"
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
    if "flooded_fraction" in features:
        add(
            "- `flooded_fraction` is a simulated stand-in for a segmentation model's output; a real one has"
            " its own errors (shadows, vegetation, revisit time) that should be measured and fed back into"
            " this evaluation."
        )
    return "\n".join(L) + "\n"
