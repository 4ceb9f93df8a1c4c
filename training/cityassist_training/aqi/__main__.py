"""``cd training && /usr/bin/python3 -m cityassist_training.aqi --config configs/aqi.json ...``
(the same arguments as ``train.py aqi``)."""

import argparse
import sys

from .cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cityassist_training.aqi", description="Train and evaluate the AQI forecaster."
    )
    add_arguments(parser)
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.argv = argv
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
