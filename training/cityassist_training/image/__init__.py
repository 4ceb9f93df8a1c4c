"""Image triage CNN: procedural street scenes, training, evaluation and ONNX export.

`train.py image ...` dispatches here through `add_arguments(parser)` and `run(args)`; see
training/IMAGE.md.
"""

from .cli import add_arguments, run

__all__ = ["add_arguments", "run"]
