"""The forecasters' card pictures, drawn from what their training run saved (no retraining):

    /usr/bin/python3 -m cityassist_training.forecast_figures ../models/aqi/1.0.0 ../models/energy/1.0.0

writes into each version's figures/:
- mae_by_horizon.png: the test period's MAE per horizon with its 95 % block-bootstrap interval,
  beside persistence and the seasonal naive forecast (evaluation.json `per_horizon`);
- interval_coverage.png: the reliability diagram of a forecaster's intervals, i.e. how often the
  observed value fell inside them per horizon against the nominal level, with Wilson 95 % bands
  (AQI: interval_evaluation.json, static offsets and the online-adapted ones; energy:
  evaluation.json `per_horizon` coverage).

A ROC curve, a precision-recall curve and a confusion matrix belong to classifiers (flood, image);
these are their equivalents for a forecast.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .figures import _save, wilson  # noqa: E402


def mae_by_horizon(evaluation: dict, out: Path, title: str) -> Path:
    rows = evaluation["per_horizon"]
    h = np.array([r["horizon"] for r in rows])
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for key, label, colour in (
        ("mae", "model", "C0"),
        ("mae_persistence", "persistence", "C1"),
        ("mae_seasonal_naive", "seasonal naive", "C2"),
    ):
        if key not in rows[0]:
            continue
        y = np.array([r[key] for r in rows])
        ci = np.array([r.get(f"{key}_ci95", [np.nan, np.nan]) for r in rows], dtype=float)
        ax.plot(h, y, marker="o", ms=3, color=colour, label=label)
        ax.fill_between(h, ci[:, 0], ci[:, 1], color=colour, alpha=0.18, lw=0)
    steps = {"hourly": "hours", "half-hourly": "half-hours", "daily": "days"}
    ax.set_xlabel(f"horizon ({steps.get(evaluation.get('resolution', ''), 'steps')} ahead)")
    ax.set_ylabel(f"MAE ({evaluation.get('unit', '')})")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, out)


def interval_coverage(series: dict[str, list[dict]], nominal: float, out: Path, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for i, (label, rows) in enumerate(series.items()):
        h = np.array([r["horizon"] for r in rows])
        n = np.array([r["n"] for r in rows], dtype=float)
        cov = np.array([r["coverage"] for r in rows], dtype=float)
        band = wilson(np.round(cov * n), n)
        ax.plot(h, cov, marker="o", ms=3, color=f"C{i}", label=label)
        ax.fill_between(h, band[:, 0], band[:, 1], color=f"C{i}", alpha=0.18, lw=0)
    ax.axhline(nominal, color="k", ls="--", lw=1, label=f"nominal {nominal:.0%}")
    ax.set_xlabel("horizon")
    ax.set_ylabel("share of observations inside the interval")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, out)


def draw(folder: Path) -> list[Path]:
    meta = json.loads((folder / "metadata.json").read_text())
    evaluation = json.loads((folder / "evaluation.json").read_text())
    name = f"{meta['name']} {meta['version']}"
    (folder / "figures").mkdir(exist_ok=True)
    out = [
        mae_by_horizon(evaluation, folder / "figures" / "mae_by_horizon.png", f"{name}: test MAE by horizon")
    ]
    intervals = folder / "interval_evaluation.json"
    if intervals.exists():
        ev = json.loads(intervals.read_text())
        series = {
            "static offsets": ev["test_before_static"]["per_horizon"],
            "online-adapted (served)": ev["test_after_online"]["per_horizon"],
        }
        nominal = 1 - ev["alpha"]
    else:
        series = {"test": [r for r in evaluation["per_horizon"] if "coverage" in r]}
        nominal = evaluation["interval"]["nominal_coverage"]
    out.append(
        interval_coverage(
            series, nominal, folder / "figures" / "interval_coverage.png", f"{name}: interval coverage"
        )
    )
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path)
    for folder in ap.parse_args(argv).folders:
        for path in draw(folder):
            print(path)


if __name__ == "__main__":
    main()
