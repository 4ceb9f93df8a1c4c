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
