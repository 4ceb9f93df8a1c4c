"""The "Sequence model" section of a model card (and of its docs page), written from the
version's sequence_comparison.json so that every number comes from code.

    cd training && /usr/bin/python3 -m cityassist_training.sequence.card ../models/aqi/airbase-pm10-1.0.0 \
        --doc ../docs/aqi-forecast.md

The section sits between two HTML comments and is replaced in place on a rerun; nothing else in
the file changes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

START, END = "<!-- sequence-comparison:start -->", "<!-- sequence-comparison:end -->"


def _ci(v) -> str:
    return f"[{v[0]:.2f}, {v[1]:.2f}]"


def _h(g) -> str:
    lo, hi = g["horizons"]
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _tcn_version(v: str) -> str:
    head, _, tail = v.rpartition("-")
    return f"{head}-tcn-{tail}" if head else f"tcn-{tail}"


def section(res: dict, heading: str = "##") -> str:
    u = res["unit"]
    val = res["validation_mae_mean_over_horizons"]
    test = res["test_mae_mean_over_horizons"]
    ch = res["chosen"]
    grid = ", ".join(f"{k} {v}" for k, v in res["grid"].items())
    win = "the TCN" if res["serve"] == "tcn" else "the trees"
    note = res["validation_note"]
    sc = res.get("seed_check") or {}
    seeds = ""
    if sc.get("seeds"):
        v, t = sc["validation_mae_range"], sc["test_mae_range"]
        seeds = (
            f" The chosen setting with seeds {', '.join(str(r['seed']) for r in sc['seeds'])}: validation"
            f" MAE {v[0]:.3f}–{v[1]:.3f}, test MAE {t[0]:.3f}–{t[1]:.3f} (the tables below are seed"
            f" {res['sequence_model']['seed']})."
        )
    lines = [
        START,
        f"{heading} Sequence model (issue 19): TCN vs the trees",
        "",
        f"What was added: a sequence model, {res['sequence_model']['architecture']}, trained on exactly this"
        " card's periods and scored by the same per-horizon code, baselines and block bootstrap"
        " (`training/cityassist_training/sequence/`, results in `sequence_comparison.json`). Why a TCN,"
        " not a"
        f" GRU: {res['sequence_model']['why_tcn']}. Inputs: {res['sequence_model']['inputs']}; output:"
        f" {res['sequence_model']['output']}. One thread, seed {res['sequence_model']['seed']}.",
        "",
        f"Tuning (validation period {res['periods']['validation'][0][:10]} –"
        f" {res['periods']['validation'][1][:10]},"
        f" models trained on targets before it; the test period is never used): grid {grid}; Adam, up to"
        f" {res['max_epochs']} epochs, early stopping (patience {res['patience']}) on validation MAE."
        f" Chosen: hidden {ch['hidden']}, window {ch['window']} steps, lr {ch['lr']}, {ch['epochs']} epochs.",
        "",
        "| setting (hidden, window, lr) | best epoch | validation MAE |",
        "|---|---:|---:|",
    ]
    for r in res["grid_results"]:
        s = r["setting"]
        lines.append(f"| {s['hidden']}, {s['window']}, {s['lr']} | {r['best_epoch']} | {r['val_mae']:.3f} |")
    lines += [
        "",
        f"**Serving choice, on validation** (MAE {u}, mean over horizons): TCN {val['tcn']:.3f}, trees"
        f" {val['trees']:.3f}, persistence {val['persistence']:.3f}, seasonal naive"
        f" {val['seasonal_naive']:.3f}"
        f" → **{win} win{'s' if res['serve'] == 'tcn' else ''}**. {note[0].upper() + note[1:]}.{seeds}",
        "",
        f"Test period ({res['periods']['test'][0][:10]} – {res['periods']['test'][1][:10]}), TCN refitted on"
        " all targets before it with the chosen setting; trees = this version's model (refit MAE"
        f" {res['trees_check']['refit_mae']}, evaluation.json"
        f" {res['trees_check']['shipped_evaluation_mae']}). MAE"
        f" ({u}) per horizon group with 95 % block-bootstrap intervals; the last column is the paired"
        " difference (negative = TCN better):",
        "",
        "| horizons | TCN | trees | persistence | seasonal naive | TCN − trees |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for g in res["test_groups"]:
        lines.append(
            f"| {_h(g)} | {g['mae_tcn']:.2f} {_ci(g['mae_tcn_ci95'])} | {g['mae_trees']:.2f}"
            f" {_ci(g['mae_trees_ci95'])} | {g['mae_persistence']:.2f} {_ci(g['mae_persistence_ci95'])} |"
            f" {g['mae_seasonal_naive']:.2f} {_ci(g['mae_seasonal_naive_ci95'])} |"
            f" {g['diff_tcn_minus_trees']:+.2f}"
            f" {_ci(g['diff_tcn_minus_trees_ci95'])} |"
        )
    better = sum(r["diff_tcn_minus_trees_ci95"][1] < 0 for r in res["test_per_horizon"])
    worse = sum(r["diff_tcn_minus_trees_ci95"][0] > 0 for r in res["test_per_horizon"])
    lines += [
        "",
        f"Per horizon (in `sequence_comparison.json`): the TCN is significantly better than the trees at"
        f" {better} and significantly worse at {worse} of {len(res['test_per_horizon'])} horizons (95 %"
        f" interval of the paired difference excluding 0). Mean over horizons on test: TCN"
        f" {test['mae_tcn']:.3f},"
        f" trees {test['mae_trees']:.3f}.",
        "",
        f"Weather: {res['weather']}.",
        "",
        (
            "Decision: the trees stay; no TCN was exported."
            if res["serve"] == "trees"
            else "Decision: the TCN won on validation. Its ONNX export (opset 13, parity with"
            " onnxruntime-node on 40 test cells) is a candidate in"
            f" `training/experiments/sequence/{res['model']}/{_tcn_version(res['version'])}/`, not a"
            " models/ version: the serving contract (schema/contracts) and the Node contract tests know"
            " only tree and image models, so it cannot be served until that contract has a sequence task."
        ),
        END,
    ]
    return "\n".join(lines) + "\n"


def update(path: Path, text: str) -> None:
    old = path.read_text()
    if START in old and END in old:
        a, b = old.index(START), old.index(END) + len(END)
        new = old[:a] + text.rstrip("\n") + old[b:]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new)


def refresh(version_dir) -> bool:
    """Re-add the section to a freshly rendered MODEL_CARD.md when the version folder holds a
    sequence_comparison.json (the trainers' card writers call this, so a rerender keeps it)."""
    d = Path(version_dir)
    f = d / "sequence_comparison.json"
    if not f.is_file() or not (d / "MODEL_CARD.md").is_file():
        return False
    update(d / "MODEL_CARD.md", section(json.loads(f.read_text(encoding="utf-8"))))
    return True


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="write the Sequence model section of a card")
    p.add_argument("version_dir")
    p.add_argument("--doc", action="append", default=[], help="also update this docs page (### heading)")
    a = p.parse_args(argv)
    d = Path(a.version_dir)
    res = json.loads((d / "sequence_comparison.json").read_text())
    update(d / "MODEL_CARD.md", section(res))
    for doc in a.doc:
        update(Path(doc), section(res, "##"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
