"""A small U-Net (two downsamplings) for per-pixel water, its deterministic training and ONNX export.

Fully convolutional, so one network takes a 64×64 training crop and the whole 328×336 city grid;
height and width must be multiples of 4 (``pad4``). BatchNorm is left out on purpose: the crops mix
Sentinel-1-only, Sentinel-2-only and coincident scenes whose channel statistics differ wildly (a
missing sensor is all zeros); plain conv+ReLU with biases keeps inference equal
to training and the ONNX graph trivial.
"""

from __future__ import annotations

import os
import time
from typing import Callable

import numpy as np
import torch
from torch import nn


def set_determinism(seed: int, threads: int) -> None:
    """Same seed, same weights: one thread by default (a reduction's order depends on threads),
    deterministic algorithms, seeded torch and numpy."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(max(1, int(threads)))
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """widths (w1, w2, w3): encoder w1 @ full, w2 @ 1/2, bottleneck w3 @ 1/4; decoder mirrors it
    with transposed-conv upsampling and skip concatenation; a 1×1 conv gives one logit per pixel."""

    def __init__(self, in_channels: int, widths: tuple[int, int, int] = (16, 32, 64)):
        super().__init__()
        w1, w2, w3 = widths
        self.enc1 = _block(in_channels, w1)
        self.enc2 = _block(w1, w2)
        self.bottleneck = _block(w2, w3)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(w3, w2, 2, stride=2)
        self.dec2 = _block(2 * w2, w2)
        self.up1 = nn.ConvTranspose2d(w2, w1, 2, stride=2)
        self.dec1 = _block(2 * w1, w1)
        self.head = nn.Conv2d(w1, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottleneck(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


def pad4(x: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Zero-pads [..., H, W] at the bottom/right to multiples of 4; returns the original (H, W)."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % 4, (-w) % 4
    if ph or pw:
        x = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, ph), (0, pw)])
    return x, (h, w)


@torch.no_grad()
def predict_logits(model: UNet, x: np.ndarray, batch: int = 4) -> np.ndarray:
    """Logits [N, H, W] for inputs [N, C, H, W] (any H, W: padded to multiples of 4, cropped back)."""
    model.eval()
    xp, (h, w) = pad4(np.asarray(x, np.float32))
    out = [model(torch.from_numpy(xp[i : i + batch])).numpy()[:, 0, :h, :w] for i in range(0, len(xp), batch)]
    return np.concatenate(out) if out else np.zeros((0, h, w), np.float32)


def train(
    model: UNet,
    batches: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    cfg: dict,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Adam on the pixel-wise BCE (``pos_weight`` for water), ``steps`` steps; ``batches(step)``
    returns (x [B, C, h, w], y [B, h, w] 0/1, weight [B, h, w]: 0 for pixels that do not count).
    Cosine learning-rate decay. ``max_seconds`` is a guard against a stalled machine, not a budget:
    a run it stops is recorded as such in the history and is not reproducible (the step count then
    depends on the machine's speed), so the config sets it well above the expected time."""
    steps, lr = int(cfg["steps"]), float(cfg["lr"])
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=float(cfg.get("weight_decay", 0.0)))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    pos_weight = torch.tensor(float(cfg.get("pos_weight", 1.0)))
    max_s = float(cfg.get("max_seconds", 1e9))
    history, t0, running = [], time.time(), []
    model.train()
    for step in range(steps):
        x, y, wgt = batches(step)
        logits = model(torch.from_numpy(x))[:, 0]
        yt, wt = torch.from_numpy(y.astype(np.float32)), torch.from_numpy(wgt.astype(np.float32))
        loss_px = nn.functional.binary_cross_entropy_with_logits(
            logits, yt, reduction="none", pos_weight=pos_weight
        )
        loss = (loss_px * wt).sum() / wt.sum().clamp(min=1.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running.append(float(loss))
        every = max(1, steps // 10)
        if (step + 1) % every == 0 or step == steps - 1:
            history.append(
                {
                    "step": step + 1,
                    "loss": round(float(np.mean(running)), 5),
                    "seconds": round(time.time() - t0, 1),
                }
            )
            log(f"step {step + 1}/{steps} loss {history[-1]['loss']} ({history[-1]['seconds']} s)")
            running = []
        if time.time() - t0 > max_s:
            history.append(
                {"step": step + 1, "stopped": "max_seconds", "seconds": round(time.time() - t0, 1)}
            )
            log(f"stopped after {step + 1} steps: max_seconds {max_s} spent")
            break
    model.eval()
    return history


def export_onnx(model: UNet, path: str, in_channels: int) -> None:
    """ONNX opset 13, input ``x`` [N, C, H, W] with N, H, W dynamic (H, W multiples of 4), output
    ``logits`` [N, 1, H, W]."""
    model.eval()
    dummy = torch.zeros(1, in_channels, 64, 64)
    torch.onnx.export(
        model,
        dummy,
        path,
        input_names=["x"],
        output_names=["logits"],
        dynamic_axes={"x": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N", 2: "H", 3: "W"}},
        opset_version=13,
        do_constant_folding=True,
    )
