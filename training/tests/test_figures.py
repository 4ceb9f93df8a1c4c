"""cityassist_training.figures: the ROC/PR points it derives from calibration bins, and that it draws
the card figures of the committed flood and image models (into a copy, not the model folders)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from cityassist_training import figures  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_bin_curve_counts_tp_and_fp_at_each_bin_edge():
    c = figures.bin_curve({"count": [90, 10], "observed": [0.1, 0.5]})  # 9 + 5 positives
    assert c["tpr"].tolist() == [1.0, 5 / 14]
    assert c["fpr"].tolist() == [1.0, 5 / 86]
    assert c["precision"].tolist() == [14 / 100, 0.5]
    assert c["prevalence"] == pytest.approx(0.14)
    assert np.all(np.diff(c["tpr"]) <= 0) and np.all(np.diff(c["fpr"]) <= 0)


@pytest.mark.parametrize(
    "model, expected",
    [("flood/1.2.0", {"roc.png", "pr.png", "confusion.png"}), ("image/1.1.0", {"confusion.png"})],
)
def test_draws_the_card_figures_from_metadata(tmp_path, model, expected):
    src = REPO / "models" / model
    shutil.copy(src / "metadata.json", tmp_path / "metadata.json")
    if (src / "reliability.png").exists():
        shutil.copy(src / "reliability.png", tmp_path / "reliability.png")
    written = figures.draw(tmp_path)
    assert {p.name for p in written} == expected
    assert all(p.stat().st_size > 1000 for p in written)
    assert json.loads((tmp_path / "metadata.json").read_text())["version"] == model.split("/")[1]


def test_multiclass_figures_from_scores(tmp_path):
    """One-vs-rest ROC/PR per class and the top-class reliability diagram with the card's ECE."""
    from cityassist_training.image.evaluate import expected_calibration_error

    rng = np.random.default_rng(0)
    y = np.arange(300) % 3
    logits = rng.normal(size=(300, 3)) + 2.5 * np.eye(3)[y]
    logits[y == 2, 2] += 50  # class 2 perfectly separated
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    written, summary = figures.multiclass_from_scores(y, probs, ["a", "b", "c"], tmp_path, "toy")
    assert [p.name for p in written] == ["roc.png", "pr.png", "reliability.png"]
    assert all(p.stat().st_size > 1000 for p in written)
    assert summary["per_class"]["c"] == {"roc_auc": 1.0, "average_precision": 1.0}
    assert 0.5 < summary["per_class"]["a"]["roc_auc"] < 1.0
    assert summary["ece"] == expected_calibration_error(probs, y, 15)[0]
    assert summary["accuracy"] == pytest.approx(np.mean(probs.argmax(1) == y), abs=1e-4)


def test_wilson_interval_brackets_the_rate():
    band = figures.wilson(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert band[0, 0] == pytest.approx(0.0, abs=1e-12) and band[2, 1] == pytest.approx(1.0)
    assert band[1, 0] < 0.5 < band[1, 1]
