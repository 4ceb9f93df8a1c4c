#!/usr/bin/python3
"""CityAssist model training: one CLI for every model.

    /usr/bin/python3 training/train.py flood --config training/configs/flood.json [--data-dir data]
        [--out models/] [--report <path>] [--seed N] [--smoke] [--features <export.parquet>]

Run from anywhere; relative paths are resolved against the current directory, defaults against the
repository root. A model subcommand lives in ``cityassist_training/<name>/`` and exposes
``run(args) -> int`` in a ``cli`` or ``pipeline`` module; subcommands whose module is not there yet
say so and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

MODELS = {
    "flood": "Flood risk per zone-hour (XGBoost -> ONNX)",
    "aqi": "Air-quality forecasting",
    "energy": "Energy-demand forecasting (zones and taylor)",
    "image": "Street-photo triage CNN",
    "flood-segmentation": "Flood water U-Net on simulated SAR/optical scenes (torch -> ONNX)",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="train.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="model", required=True, metavar="{" + ",".join(MODELS) + "}")
    for name, help_ in MODELS.items():
        s = sub.add_parser(name, help=help_)
        s.add_argument(
            "--config",
            default=str(HERE / "configs" / f"{name.replace('-', '_')}.json"),
            help="training config (JSON)",
        )
        s.add_argument(
            "--data-dir", default=str(REPO / "data"), help="root of the input data (default: repo data/)"
        )
        s.add_argument("--data", default=None, help="a single input file, for models that take one")
        s.add_argument(
            "--out",
            default=None,
            help=(
                "models root; writes <out>/<name>/<version>/ (default: repo models/, or a temp dir with"
                " --smoke)"
            ),
        )
        s.add_argument("--report", default=None, help="also write the evaluation as JSON here")
        s.add_argument("--seed", type=int, default=None, help="override the config's seed")
        s.add_argument(
            "--smoke",
            action="store_true",
            help="tiny data, for CI: seconds, written to a temp dir unless --out is given",
        )
        s.add_argument(
            "--snapshot", default=None, help="(flood) where to write the feature-store snapshot CSV"
        )
        s.add_argument("--experiments", default=None, help="experiment log (JSON lines) to append the run to")
        s.add_argument(
            "--retrain-id",
            default=None,
            metavar="YYYYMMDDHHMM",
            help="a scheduled retraining's UTC minute: the version becomes <config version>-r<id>",
        )
        s.add_argument(
            "--features",
            default=None,
            help=(
                "(flood, aqi) train on a point-in-time export of the feature store (npm run features --"
                " export ...; Parquet or CSV) instead of computing the features in memory"
            ),
        )
        # A model may add flags of its own; it skips the shared ones defined above.
        cli = _model_module(name, "cli")
        if cli is not None and hasattr(cli, "add_arguments"):
            cli.add_arguments(s)
    return p


def _model_module(name: str, part: str):
    mod = f"cityassist_training.{name.replace('-', '_')}.{part}"  # flood-segmentation -> flood_segmentation
    try:
        return importlib.import_module(mod)
    except ModuleNotFoundError as e:
        # Absent when the model's package (or this part of it) does not exist; any other missing
        # module is a real error inside the model's code.
        if e.name is None or not mod.startswith(e.name):
            raise
        return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.argv = argv
    args.repo_root = str(REPO)
    for part in ("cli", "pipeline"):
        module = _model_module(args.model, part)
        if module is not None and hasattr(module, "run"):
            return int(module.run(args) or 0)
    print(f"train.py {args.model}: not yet implemented", file=sys.stderr)
    return 2


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    sys.exit(main())
