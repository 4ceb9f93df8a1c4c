"""`cd training && /usr/bin/python3 -m cityassist_training.flood_segmentation [...]`: the same
arguments as `train.py flood-segmentation`."""

import argparse
import sys

from .pipeline import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python3 -m cityassist_training.flood_segmentation",
        description="Train, evaluate and export the flood-segmentation U-Net.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.argv = argv
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
