"""Where a training run writes: the same rule for every model.

* ``<models root>/<name>/<version>/`` holds the model (``version`` ends in ``-smoke`` for a smoke
  run, see ``config.load``).
* The models root is ``--out`` when given; otherwise a fresh temporary directory
  (``cityassist-<name>-smoke-XXXXXXXX`` under the system temp dir) for ``--smoke``, and the
  repository's ``models/`` for a full run.
* The experiment log is ``--experiments`` when given; otherwise ``<models root>/runs.jsonl`` for a
  smoke run and ``training/experiments/runs.jsonl`` for a full run.
* Anything else a run writes (the flood feature-store seed, the energy snapshot) goes to its own
  flag when given, inside the models root for a smoke run, and to its committed place under
  ``data/`` for a full run.

So a smoke run never touches ``models/``, ``data/`` or ``training/experiments/`` unless a flag points
it there, and two smoke runs never share a directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def models_root(args, name: str) -> Path:
    out = getattr(args, "out", None)
    if out:
        return Path(out)
    if getattr(args, "smoke", False):
        return Path(tempfile.mkdtemp(prefix=f"cityassist-{name}-smoke-"))
    return REPO / "models"


def experiment_log(args, models_root_: Path) -> Path:
    exp = getattr(args, "experiments", None)
    if exp:
        return Path(exp)
    if getattr(args, "smoke", False):
        return models_root_ / "runs.jsonl"
    return REPO / "training" / "experiments" / "runs.jsonl"


def side_output(args, flag: str, models_root_: Path, smoke_name: str, committed: str) -> Path:
    """A run's extra output (``flag`` names the argparse attribute, e.g. ``snapshot``)."""
    given = getattr(args, flag, None)
    if given:
        return Path(given)
    if getattr(args, "smoke", False):
        return models_root_ / smoke_name
    return REPO / committed
