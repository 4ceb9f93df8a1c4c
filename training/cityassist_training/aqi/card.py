"""MODEL_CARD.md for an AQI forecaster, in the sections of Mitchell et al. (2019), "Model Cards for
Model Reporting". The prose that differs between models (what is real, what is simulated, intended
use) comes from the config's ``card`` block; every number comes from the run itself."""

from __future__ import annotations


def _ci(c) -> str:
    return f"[{c[0]:.2f}, {c[1]:.2f}]" if c else "–"


def _bullets(items) -> str:
    return "\n".join(f"- {x}" for x in items)


def render(meta: dict, report: dict, cfg: dict) -> str:
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
