"""MODEL_CARD.md for an AQI forecaster, in the sections of Mitchell et al. (2019), "Model Cards for
Model Reporting". The prose that differs between models (what is real, what is simulated, intended
use) comes from the config's ``card`` block; every number comes from the run itself."""

from __future__ import annotations


def _ci(c) -> str:
    return f"[{c[0]:.2f}, {c[1]:.2f}]" if c else "–"


def _bullets(items) -> str:
    return "\n".join(f"- {x}" for x in items)


def render(meta: dict, report: dict, cfg: dict, online: dict | None = None) -> str:
    c = cfg.get("card", {})
    unit = meta["unit"]
    step = "h" if meta["resolution"] == "hourly" else "d"
    H = meta["horizons"]
    s = report["summary"]
    per = report["per_horizon"]
    bt = report["backtest"]
    rob = report["robustness"]
    iv = report["interval"]
    periods = report["periods"]
    lines: list[str] = []
    add = lines.append

    add(f"# Model card: CityAssist AQI forecaster `{meta['version']}`\n")
    add(c.get("summary", "") + "\n")
    add("## Model details\n")
    add(
        _bullets(
            [
                (
                    f"Forecasts **{meta['parameter']}** ({unit}) {H} steps ahead at the data's resolution"
                    f" (**{meta['resolution']}**: horizons 1..{H} {step}), with a"
                    f" {iv['nominal_coverage']:.0%} prediction interval, for every station with recent"
                    " readings."
                ),
                (
                    f"{meta['training']['algorithm']}; {meta['training']['trees_per_horizon'][0]} trees per"
                    f" horizon, depth ≤ {cfg['model'].get('max_depth')}."
                ),
                (
                    "Inputs: the station's own recent readings as ratios to its recent level (lags, rolling"
                    " means, spread, missing count) and the calendar; see `metadata.json` → `features` and"
                    " training/AQI.md. No weather input."
                ),
                f"Intervals: {iv['method']}.",
                (
                    "US EPA AQI: computed from the forecast concentration with the 2024 EPA breakpoints"
                    " shipped in `metadata.json` → `epa_breakpoints` (code:"
                    " `training/cityassist_training/aqi/epa.py`)."
                ),
                (
                    "Exported to ONNX (ai.onnx.ml TreeEnsembleRegressor + a few float32 ops) by our own"
                    " converter; parity with xgboost is tested on `test_vectors.json`"
                    " (`training/tests/aqi_onnx_parity.test.ts`)."
                ),
                (
                    f"Version {meta['version']}, trained with seed {meta['lineage']['seed']}; deterministic"
                    " for a given config and seed. Served by the city:"
                    f" **{'yes' if meta.get('served') else 'no'}**."
                ),
            ]
        )
        + "\n"
    )

    add("## Intended use\n")
    add(_bullets(c.get("intended_use", [])) + "\n")
    if c.get("out_of_scope"):
        add("Out of scope:\n")
        add(_bullets(c["out_of_scope"]) + "\n")

    add("## Factors\n")
    add(_bullets(c.get("factors", [])) + "\n")

    add("## Metrics\n")
    same_phase = "same hour yesterday" if meta["resolution"] == "hourly" else "same weekday last week"
    add(
        _bullets(
            [
                (
                    f"MAE and RMSE in {unit} per horizon on the held-out test period, against two baselines:"
                    " **persistence** (last observed reading) and **seasonal naive** (the reading one season"
                    f" earlier at the same phase: {same_phase})."
                ),
                (
                    f"95 % confidence intervals from a {report['bootstrap']['method']} (block"
                    f" {report['bootstrap']['block_length_steps']} steps,"
                    f" {report['bootstrap']['replicates']} replicates). The interval of the *difference*"
                    ' model − baseline is paired, so it answers "is the model better" directly.'
                ),
                (
                    "Interval coverage: share of test targets inside [lower, upper], nominal"
                    f" {iv['nominal_coverage']:.0%}."
                ),
                (
                    "Rolling-origin backtest over historical windows, robustness to noisy, missing and"
                    " shifted inputs, and the ten worst test failures with a reason each."
                ),
            ]
        )
        + "\n"
    )

    add("## Evaluation data\n")
    add(
        _bullets(
            [
                (
                    f"Test period (held out, never used for fitting or tuning): {periods['test'][0][:16]} →"
                    f" {periods['test'][1][:16]} UTC."
                ),
                (
                    "Calibration (interval offsets; scored out-of-sample by earlier rolling-origin models):"
                    f" {periods['calibration'][0][:16]} → {periods['calibration'][1][:16]}."
                ),
                (
                    "Comparison set: cells where model and both baselines have a forecast and the target was"
                    f" observed; {per[0]['n']} cells at horizon 1, {per[-1]['n']} at horizon {H}."
                ),
            ]
        )
        + "\n"
    )

    add("## Training data\n")
    add("What is real and what is simulated:\n")
    add(
        _bullets(
            [f"**Real:** {x}" for x in c.get("real", [])]
            + [f"**Simulated:** {x}" for x in c.get("simulated", [])]
        )
        + "\n"
    )
    dh = report["data_handling"]
    add(
        _bullets(
            [
                (
                    f"{dh['stations']} stations × {dh['steps']} {meta['resolution']} steps"
                    f" ({dh['start'][:10]} → {dh['end'][:10]}), {dh['coverage']:.1%} of the grid observed;"
                    " gaps left missing (no imputation)."
                ),
                (
                    f"Loader handling: {dh['dropped_unparseable']['rows']} unparseable rows dropped,"
                    f" {dh['dropped_negative']} negative values dropped,"
                    f" {dh['duplicates']['rows_merged_total']} duplicate readings merged (mean),"
                    f" {dh['snapped_off_grid']} readings snapped to the grid."
                ),
                "Sources and SHA-256: `metadata.json` → `lineage.sources`.",
            ]
        )
        + "\n"
    )

    add("## Quantitative analyses\n")
    add(f"### Test period, per horizon ({unit}; 95 % CI in brackets)\n")
    add(
        "| h | n | MAE model | MAE persistence | MAE seasonal naive | model − persistence | RMSE model | RMSE"
        " pers. | RMSE s. naive | coverage |"
    )
    add("|---:|---:|---|---|---|---|---:|---:|---:|---:|")
    for r in per:
        if not r.get("n"):
            continue
        add(
            f"| {r['horizon']} | {r['n']} | {r['mae']:.2f} {_ci(r['mae_ci95'])} |"
            f" {r['mae_persistence']:.2f} {_ci(r['mae_persistence_ci95'])} |"
            f" {r['mae_seasonal_naive']:.2f} {_ci(r['mae_seasonal_naive_ci95'])} |"
            f" {r['mae_diff_vs_persistence']:+.2f} {_ci(r['mae_diff_vs_persistence_ci95'])} |"
            f" {r['rmse']:.2f} | {r['rmse_persistence']:.2f} | {r['rmse_seasonal_naive']:.2f} |"
            f" {r['coverage']:.1%} |"
        )
    add("")
    add(
        f"Mean over horizons: MAE model **{s['mae']:.2f}**, persistence {s['mae_persistence']:.2f}, seasonal"
        f" naive {s['mae_seasonal_naive']:.2f}. The model is significantly better (CI of the difference below"
        f" 0) than persistence at {s['horizons_better_than_persistence']} of {H} horizons and than seasonal"
        f" naive at {s['horizons_better_than_seasonal_naive']}. Interval coverage"
        f" {s['coverage']:.1%} (nominal {s['nominal_coverage']:.0%}).\n"
    )

    if online:
        lines.extend(online_section(online, step))

    add("### Rolling-origin backtest (historical windows)\n")
    add("| origin | scored until | MAE model | MAE persistence | MAE seasonal naive |")
    add("|---|---|---:|---:|---:|")
    for p in bt["per_origin"]:
        add(
            f"| {p['origin'][:16]} | {p['scored_until'][:16]} | {p['mae_mean']:.2f} |"
            f" {p['mae_persistence_mean']:.2f} | {p['mae_seasonal_naive_mean']:.2f} |"
        )
    bs = bt["summary"]
    add(
        f"\nPooled over all origins (mean over horizons): model {bs['mae']:.2f}, persistence"
        f" {bs['mae_persistence']:.2f}, seasonal naive {bs['mae_seasonal_naive']:.2f}; better than"
        f" persistence at {bs['horizons_better_than_persistence']}/{H} horizons (paired block-bootstrap CI)."
        " Per-horizon tables are in `evaluation.json` → `backtest`.\n"
    )

    add("### Robustness (test period, mean MAE over horizons)\n")
    add("| perturbation | MAE | reference | change |")
    add("|---|---:|---:|---:|")
    add(f"| none | {rob['clean']['mae_mean']:.2f} | | |")
    n_ = rob["noisy_inputs"]
    add(
        f"| noisy inputs: {n_['what']} | {n_['mae_mean']:.2f} | {rob['clean']['mae_mean']:.2f} |"
        f" {n_['relative_change']:+.1%} |"
    )
    m_ = rob["missing_inputs"]
    add(
        f"| missing inputs: {m_['what']} | {m_['mae_mean']:.2f} | {m_['clean_mae_mean_same_cells']:.2f} |"
        f" {m_['relative_change']:+.1%} |"
    )
    sh = rob["shifted_levels"]
    add(
        f"| shifted distribution: {sh['what']} |"
        f" {sh['mae_mean']:.2f} (÷{sh['mae_mean'] / max(sh['mae_mean_divided_by_factor'], 1e-9):.1f} ="
        f" {sh['mae_mean_divided_by_factor']:.2f}) | {rob['clean']['mae_mean']:.2f} |"
        f" {sh['relative_change_after_rescaling']:+.1%} |"
    )
    add(
        f"\nWith noisy inputs persistence scores {n_['persistence_mae_mean']:.2f}. With"
        f" {m_['what'].split(' of')[0]} missing, {m_['forecasts_impossible']} forecasts could not be issued"
        f" (too little recent data). Under the level shift, interval coverage is {sh['coverage']:.1%}; the"
        f" largest `level` seen in training was {sh['level_feature_training_max']:.1f} {unit}.\n"
    )

    add("### Ten worst test failures\n")
    add("| station | issued (UTC) | target (UTC) | h | actual | forecast | interval | why |")
    add("|---|---|---|---:|---:|---:|---|---|")
    for w in report["worst_failures"]:
        add(
            f"| {w['station']} | {w['issued_at'][:16]} | {w['target_time'][:16]} | {w['horizon']} |"
            f" {w['actual']:.1f} | {w['forecast']:.1f} | [{w['lower']:.1f}, {w['upper']:.1f}] |"
            f" {w['reason']} |"
        )
    add(
        "\nReasons are generated from the data around each failure (recent level and maximum, missing"
        " readings, how many stations were elevated at the same time"
        + (
            ", and the simulator's own record of episodes and weather"
            if meta.get("data_provenance") == "simulated"
            else ""
        )
        + ").\n"
    )

    add("## Ethical considerations\n")
    add(_bullets(c.get("ethical", [])) + "\n")
    add("## Caveats and recommendations\n")
    add(_bullets(c.get("caveats", [])) + "\n")
    return "\n".join(lines)


def _pct(x) -> str:
    return f"{x:.1%}" if x is not None else "–"


def online_section(o: dict, step: str = "h") -> list[str]:
    """Static split conformal (before) vs online recalibration (after) on the test period: coverage
    per horizon and each side's misses, the numbers the target is stated in."""
    b, a = o["test_before_static"], o["test_after_online"]
    ta, tb = a["meets_target"], b["meets_target"]
    v = o["selection"]["validation_after"]
    steps = "hours" if step == "h" else "days"
    out = [
        "### Intervals that hold: online recalibration (test period)\n",
        (
            "Static = the shipped split-conformal offsets; online = per horizon and side, a rolling window"
            f" of the {o['window']} most recent observed scores with adaptive conformal inference (γ ="
            f" {o['gamma']}), replayed in time order (an error of horizon h is used only from h {steps} after"
            " its forecast). Window and γ were chosen on the calibration period before the test period"
            f" (validation after the choice: coverage {_pct(v['overall']['coverage'])}, below"
            f" {_pct(v['overall']['miss_below'])}, above {_pct(v['overall']['miss_above'])}). Target: every"
            " horizon 88–92 %, each side 5 ± 2 %. Code:"
            " `training/cityassist_training/aqi/online_intervals.py`; numbers: `interval_evaluation.json`.\n"
        ),
        "| h | n | static coverage | static below | static above | online coverage | online below |"
        " online above | online width |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rb, ra in zip(b["per_horizon"], a["per_horizon"]):
        if not ra.get("n"):
            continue
        out.append(
            f"| {ra['horizon']} | {ra['n']} | {_pct(rb['coverage'])} | {_pct(rb['miss_below'])} |"
            f" {_pct(rb['miss_above'])} | {_pct(ra['coverage'])} | {_pct(ra['miss_below'])} |"
            f" {_pct(ra['miss_above'])} | {ra['width_mean']:.2f} |"
        )
    ob, oa = b["overall"], a["overall"]
    out.append(
        f"| all | {oa['n']} | {_pct(ob['coverage'])} | {_pct(ob['miss_below'])} |"
        f" {_pct(ob['miss_above'])} | {_pct(oa['coverage'])} | {_pct(oa['miss_below'])} |"
        f" {_pct(oa['miss_above'])} | {oa['width_mean']:.2f} |"
    )
    out.append("")
    if a.get("per_month"):
        out.append("| month | static coverage | online coverage | online below | online above |")
        out.append("|---|---:|---:|---:|---:|")
        for mb, ma in zip(b["per_month"], a["per_month"]):
            out.append(
                f"| {ma['month']} | {_pct(mb['coverage'])} | {_pct(ma['coverage'])} |"
                f" {_pct(ma['miss_below'])} | {_pct(ma['miss_above'])} |"
            )
        out.append("")
    out.append(
        f"Horizons with coverage in 88–92 %: static {tb['horizons_coverage_in_88_92']}/{tb['horizons']},"
        f" online {ta['horizons_coverage_in_88_92']}/{ta['horizons']}; with both sides in 3–7 %: static"
        f" {tb['horizons_both_sides_in_3_7']}, online {ta['horizons_both_sides_in_3_7']}. Target met online:"
        f" **{'yes' if ta['all'] else 'no'}**. Optimistic: the replay assumes every reading arrives on time"
        " and the service keeps its window across restarts (it starts from `interval_calibration.json`);"
        " a pooled window says nothing about coverage at one sensor or in one episode.\n"
    )
    return out


def rerender(model_dir) -> str:
    """MODEL_CARD.md again from a model directory's own files (metadata.json, evaluation.json and,
    when present, interval_evaluation.json): a card section changes without retraining anything."""
    import json
    from pathlib import Path

    d = Path(model_dir)
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    report = json.loads((d / "evaluation.json").read_text(encoding="utf-8"))
    iv = d / "interval_evaluation.json"
    online = json.loads(iv.read_text(encoding="utf-8")) if iv.exists() else None
    text = render(meta, report, meta["lineage"]["config"], online)
    (d / "MODEL_CARD.md").write_text(text, encoding="utf-8")
    from ..sequence import card as sequence_card

    if sequence_card.refresh(d):
        text = (d / "MODEL_CARD.md").read_text(encoding="utf-8")
    return text
