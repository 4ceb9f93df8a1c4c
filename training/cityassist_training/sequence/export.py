"""ONNX export of a trained TCN forecaster (only when it wins on validation).

The graph takes the network inputs and the two per-cell scalars the trees' pipeline already
computes, and returns forecasts in the data's unit:

    inputs   x      float32 [N, C, W]   tcn.make_inputs (channels in metadata.json)
             base   float32 [N, H]      the trees' base ratio (aqi: r_lag_0, else r_mean_3, else 1)
             level  float32 [N, 1]      the trees' ``level`` feature
    output   forecast float32 [N, H]    max(0, level * (base + tcn(x)))

Test vectors hold inputs and torch's outputs. Parity under onnxruntime-node, the serving runtime:
``training/scripts/sequence-parity.ts`` (tested by ``training/tests/sequence_onnx_parity.test.ts``);
``parity_torch`` below checks torch against itself only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..forecast_common import clean, write_json
from . import tcn

OPSET = 13  # the repo's other ONNX files import the default domain at opset 13


class Forecast(nn.Module):
    def __init__(self, net: tcn.TCN):
        super().__init__()
        self.net = net

    def forward(self, x, base, level):
        return torch.relu(level * (base + self.net(x)))


def export(
    net: tcn.TCN, out_dir: Path, meta: dict, x: np.ndarray, base: np.ndarray, level: np.ndarray
) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    m = Forecast(net).eval()
    xs, bs, ls = (torch.from_numpy(np.asarray(a, np.float32)) for a in (x, base, level[:, None]))
    torch.onnx.export(
        m,
        (xs[:2], bs[:2], ls[:2]),
        str(out_dir / "model.onnx"),
        input_names=["x", "base", "level"],
        output_names=["forecast"],
        dynamic_axes={"x": {0: "n"}, "base": {0: "n"}, "level": {0: "n"}, "forecast": {0: "n"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    with torch.no_grad():
        expected = m(xs, bs, ls).numpy()
    vectors = {
        "inputs": {"x": xs.numpy().tolist(), "base": bs.numpy().tolist(), "level": ls.numpy().tolist()},
        "expected": {"forecast": expected.tolist()},
        "tolerance": {"abs": 1e-3, "rel": 1e-5},
    }
    write_json(out_dir / "test_vectors.json", clean(vectors))
    write_json(out_dir / "metadata.json", clean(meta))
    return vectors


def parity_torch(out_dir: Path) -> float:
    """Max |onnx - torch| with onnx evaluated by the onnx package's checker + a re-import through
    torch is not available here (no python onnxruntime); this only checks the file is valid ONNX
    and returns 0. The real parity check runs in node (onnxruntime-node)."""
    import onnx

    onnx.checker.check_model(onnx.load(str(out_dir / "model.onnx")))
    return 0.0


def load_vectors(out_dir: Path) -> dict:
    return json.loads((out_dir / "test_vectors.json").read_text())
