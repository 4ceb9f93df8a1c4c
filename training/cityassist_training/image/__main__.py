"""`cd training && /usr/bin/python3 -m cityassist_training.image --config configs/image.json [...]`:
the same arguments as `train.py image`."""

import argparse
import sys

from .cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python3 -m cityassist_training.image",
        description="Train, evaluate and export the image triage CNN.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.argv = argv
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
