"""MODEL_CARD.md of an energy forecaster, rendered from the run's metadata and evaluation report."""

from __future__ import annotations

from .simulate import SimConfig

SIM_ASSUMPTIONS = [
    (
        "zones",
        "the 470 real Olinda census tracts (every `zone_stride`-th in terrain.csv order), real population"
        " P_z",
    ),
    (
        "time",
        "hourly, UTC in every file; daily and weekly cycles on local time UTC-3 (no DST); Seattle's calendar",
    ),
    (
        "temperature",
        "real Seattle daily min/max of the same dates; hourly curve: minimum at 06:00, maximum at 15:00"
        " local,"
        " half-cosine joins (simulate.py docstring), rounded to 0.1 °C",
    ),
    (
        "residential",
        "P_z x {per_capita_kw} kW x e_z x R(hour) x W_res(dow) x (1 + s_z (k_cool max(0, T - {t_cool}) +"
        " k_heat"
        " max(0, {t_heat} - T))), k_cool {k_cool}/°C, k_heat {k_heat}/°C; e_z ~ lognormal(0,"
        " {efficiency_sigma})"
        " (appliances, income), s_z ~ lognormal(0, {temp_sigma}) (air conditioners); R: night trough, morning"
        " bump, evening peak 18-21 h, mean 1",
    ),
    (
        "commercial",
        "C_z x ({commercial_night} + (1 - {commercial_night}) open(hour) W_com(dow)) x (1 +"
        " {k_cool_commercial}"
        " max(0, T - 22) open(hour)); C_z ~ lognormal(log {commercial_kw_median} kW, {commercial_sigma});"
        " open ="
        " smooth 07:30-18:30 plateau",
    ),
    ("weekly", "W_res Mon-Sun {weekly_residential}; W_com {weekly_commercial}"),
    (
        "slow deviations",
        "load x exp(city AR(1) (phi {city_phi}, sd {city_sd}) + zone AR(1) (phi {zone_phi}, sd {zone_sd})):"
        " weather beyond temperature, events",
    ),
    (
        "feeder transfers",
        "Poisson, {transfer_per_day:.4f} per zone-day, 6-72 h, load x U(1.25, 1.6): a zone picks up a"
        " neighbouring feeder during maintenance (unpredictable from the series by design)",
    ),
    (
        "metering",
        "reading = load x lognormal(0, {measurement_sd}), rounded to 0.1 kW; single readings lost at"
        " {loss_share}; data-link outages start at {gap_per_hour:.5f} per zone-hour, 1-24 h long; never"
        " imputed",
    ),
    (
        "temperature feed",
        "outages start at {temp_gap_per_hour:.4f} per hour, 1-12 h; the load follows the true curve",
    ),
    (
        "seed",
        "`data.simulate.seed` ({seed}); separate random streams per part (zones, AR, transfers, meter, gaps)",
    ),
]


def _f(x, nd=2):
    return "–" if x is None else f"{x:.{nd}f}"


def _ci(c, nd=2):
    return "" if not c else f" [{c[0]:.{nd}f}, {c[1]:.{nd}f}]"


def render(meta: dict, report: dict, cfg: dict, series) -> str:
    card = cfg.get("card", {})
    u = meta["unit"]
    s = report["summary"]
    pooled = s["pooled"]
    H = meta["horizons"]
    lines = [
        f"# Model card: energy {meta['version']}",
        "",
        card.get("summary", ""),
        "",
        "| | |",
        "|---|---|",
        f"| task | {meta['task']}: load {u}, {meta['resolution']}, horizons 1..{H} steps |",
        f"| served | {'yes' if meta['served'] else 'no (validation model)'} |",
        f"| data | {meta['data_provenance']} |",
        f"| periods (UTC) | train {meta['periods']['train'][0]} → {meta['periods']['train'][1]};"
        " calibration from"
        f" {meta['periods']['calibration'][0]}; test {meta['periods']['test'][0]} →"
        f" {meta['periods']['test'][1]} |",
        f"| algorithm | {meta['training']['algorithm']} |",
        f"| created | {meta['createdAt']} (fixed in the config) |",
        "",
        "## Data: what is real and what is simulated",
        "",
        "Real:",
        "",
        *[f"- {x}" for x in card.get("real", [])],
        "",
        "Simulated:",
        "",
        *[f"- {x}" for x in card.get("simulated", [])],
        "",
    ]
    if series.simulation is not None:
        sc: SimConfig = series.simulation.config
        vals = sc.to_json()
        lines += [
            "### Every assumption of the simulator",
            "",
            "| part | assumption |",
            "|---|---|",
            *[f"| {k} | {v.format(**vals)} |" for k, v in SIM_ASSUMPTIONS],
            "",
            f"Simulated period {sc.start} .. {sc.end} (local dates), {len(series.ids)} zones,"
            f" {report['data_handling'].get('feeder_transfers')} feeder transfers,"
            f" {report['data_handling'].get('missing_share', 0):.2%} of readings missing. The metrics"
            " measure how well"
            " the model learns this simulator, not real Olinda demand.",
            "",
        ]
    spec = meta["feature_spec"]
    lines += [
        "## Inputs (the serving contract)",
        "",
        f"{len(meta['features'])} float32 columns built from the last {spec['history_steps']} steps of one"
        f" series (`metadata.json` → `feature_spec.columns`: one op per column; local clock UTC"
        f"{spec['utc_offset_hours']:+g} h). No forecast when {spec['no_forecast_when']}.",
        "",
        "| column | unit | definition |",
        "|---|---|---|",
        *[
            f"| `{f['name']}` | {f['unit']} | {f['description']} |"
            for f in meta["features"]
            if not (f["name"].startswith("r_lag_") and f["name"] not in ("r_lag_0", "r_lag_1"))
        ],
        f"| `r_lag_k` (others) | ratio | y[t-k] / level for k = 0..{spec['season'] - 1} and"
        f" {spec['week'] - H}..{spec['week'] - 1} (same time last week for each horizon) |",
        "",
        "## Model",
        "",
        f"One XGBoost booster per horizon; target y[t+h]/level − base[h]; {spec['base']['rule']}."
        " Squared"
        f" error weighted by level² (= squared error in {u}). Parameters: `{meta['training']['params']}`."
        " The ONNX graph (one TreeEnsembleRegressor from the repository's converter + float32 arithmetic):",
        "",
        *[f"    {g}" for g in meta["onnx"]["graph"]],
        "",
        "## Evaluation (test period, held out)",
        "",
        "Baselines: **seasonal naive** = the same time one week earlier; **persistence** = the last observed"
        " load. All methods scored on the same cells. 95 % circular block-bootstrap CIs over anchor times"
        f" (block {report['bootstrap']['block_length_steps']} steps, {report['bootstrap']['replicates']}"
        " replicates, all series of a time together), paired for differences.",
        "",
        f"Pooled over every horizon and cell (n = {pooled['n']}):",
        "",
        f"| method | MAE ({u}) | MAPE % |",
        "|---|---|---|",
        *[
            f"| {name} | {_f(pooled[k]['mae'])}{_ci(pooled[k]['mae_ci95'])} |"
            f" {_f(pooled[k]['mape'])}{_ci(pooled[k]['mape_ci95'])} |"
            for name, k in (
                ("model", "model"),
                ("seasonal naive", "seasonal_naive"),
                ("persistence", "persistence"),
            )
        ],
        f"| model − seasonal naive | {_f(pooled['model_minus_seasonal_naive']['mae'])}"
        f"{_ci(pooled['model_minus_seasonal_naive']['mae_ci95'])} | |",
        f"| model − persistence | {_f(pooled['model_minus_persistence']['mae'])}"
        f"{_ci(pooled['model_minus_persistence']['mae_ci95'])} | |",
        "",
        f"Mean over horizons: MAE model **{_f(s['mae'])}**, seasonal naive {_f(s['mae_seasonal_naive'])},"
        f" persistence {_f(s['mae_persistence'])} {u}; RMSE {_f(s['rmse'])} /"
        f" {_f(s['rmse_seasonal_naive'])} /"
        f" {_f(s['rmse_persistence'])}. Significantly better than seasonal naive at"
        f" {s['horizons_better_than_seasonal_naive']}/{H} horizons (worse at"
        f" {s['horizons_worse_than_seasonal_naive']}),"
        f" than persistence at {s['horizons_better_than_persistence']}/{H} (worse at"
        f" {s['horizons_worse_than_persistence']}). Interval coverage {s['coverage']:.1%} (nominal"
        f" {s['nominal_coverage']:.0%}).",
        "",
        "| h | MAE model | MAE seasonal naive | MAE persistence | model − seasonal naive | RMSE model |"
        " coverage |",
        "|---:|---|---|---|---|---|---:|",
    ]
    for r in report["per_horizon"]:
        if not r.get("n"):
            continue
        lines.append(
            f"| {r['horizon']} | {_f(r['mae'])}{_ci(r['mae_ci95'])} | {_f(r['mae_seasonal_naive'])}"
            f"{_ci(r['mae_seasonal_naive_ci95'])} |"
            f" {_f(r['mae_persistence'])}{_ci(r['mae_persistence_ci95'])} |"
            f" {_f(r['mae_diff_vs_seasonal_naive'])}{_ci(r['mae_diff_vs_seasonal_naive_ci95'])} |"
            f" {_f(r['rmse'])} | {r['coverage']:.1%} |"
        )
    bt = report["backtest"]["summary"]
    iv = meta["intervals"]
    lines += [
        "",
        f"Rolling-origin backtest pooled over the origins {', '.join(bt['origins'])}: MAE model"
        f" {_f(bt['mae'])},"
        f" seasonal naive {_f(bt['mae_seasonal_naive'])}, persistence {_f(bt['mae_persistence'])} {u}.",
        "",
        "## Prediction intervals",
        "",
        f"{iv['method']}; {iv['scale']}, scale floor {iv['scale_floor']}. {iv['formula']}. Nominal"
        f" {iv['nominal_coverage']:.0%}, measured on the test period {iv['coverage_test']:.1%}; by horizon"
        f" {min(c for c in iv['coverage_by_horizon'] if c is not None):.1%} –"
        f" {max(c for c in iv['coverage_by_horizon'] if c is not None):.1%}. The conformal guarantee needs"
        " exchangeable residuals, which a seasonal series does not give: the coverage is measured, not"
        " assumed.",
        "",
        "## Worst failures (test period, one per event)",
        "",
        "| series | issued (UTC) | h | actual | forecast | interval | why |",
        "|---|---|---:|---:|---:|---|---|",
        *[
            f"| {w['series']} | {w['issued_at']} | {w['horizon']} | {w['actual']} | {w['forecast']} |"
            f" [{w['lower']}, {w['upper']}] | {w['reason']} |"
            for w in report["worst_failures"]
        ],
        "",
        "## Intended use",
        "",
        *[f"- {x}" for x in card.get("intended_use", [])],
        "",
        "Out of scope:",
        "",
        *[f"- {x}" for x in card.get("out_of_scope", [])],
        "",
        "## Limitations and caveats",
        "",
        *[f"- {x}" for x in card.get("caveats", [])],
        "- evaluation uses a sample of cells (every"
        f" {report['cells']['eval_stride_steps']} steps of {report['cells']['eval_series']} series); the CIs"
        " account for it through the block bootstrap over anchor times",
        "",
        "## Reproduce",
        "",
        f"    {meta['lineage']['command']}",
        "",
        "Deterministic: the same config writes byte-identical files (metadata.json differs only in"
        " `lineage.code_version.git`). Full tables: `evaluation.json`.",
        "",
    ]
    return "\n".join(lines)
