import json
import shutil
from pathlib import Path

import pytest

from cityassist_training import forecast_figures

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("version", ["aqi/1.0.0", "energy/1.0.0"])
def test_draws_a_forecasters_pictures_from_its_saved_evaluation(tmp_path, version):
    folder = tmp_path / version
    folder.mkdir(parents=True)
    for name in ("metadata.json", "evaluation.json", "interval_evaluation.json"):
        if (MODELS / version / name).exists():
            shutil.copy(MODELS / version / name, folder / name)
    paths = forecast_figures.draw(folder)
    assert [p.name for p in paths] == ["mae_by_horizon.png", "interval_coverage.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_coverage_bands_hold_the_observed_share():
    ev = json.loads((MODELS / "aqi/1.0.0/interval_evaluation.json").read_text())
    rows = ev["test_after_online"]["per_horizon"]
    import numpy as np

    n = np.array([r["n"] for r in rows], dtype=float)
    cov = np.array([r["coverage"] for r in rows])
    band = forecast_figures.wilson(np.round(cov * n), n)
    assert np.all(band[:, 0] <= cov) and np.all(cov <= band[:, 1])
