"""A small causal temporal convolutional network (TCN) for multi-horizon forecasts of one series
from a window of its recent readings.

Why a TCN rather than a GRU: the energy series needs a week of half-hours (336+ steps) of context
for its weekly cycle; a GRU walks those steps one by one (slow on the one CPU thread we may use),
while dilated convolutions process the window in parallel, and their ONNX graph is plain
Conv/Relu/Add/Gemm, which onnxruntime-node runs without recurrent-op quirks.

Inputs of one cell (anchor t, series s), window length W, oldest step first:
    channel 0  y[t-W+1+j] / level  (0 where missing)       level = the trees' ``level`` feature
    channel 1  1 if y[t-W+1+j] observed else 0
    channel 2  (log(level) - mu) / sd                      constant over the window
    channels 3+ calendar of each step (sin/cos of day of week; of time of day for sub-daily data)
Output: ratio[h] = base[h] + net[h] (the head starts at zero, so an untrained net is the base),
forecast = max(0, level * ratio). ``base`` is the trees' own target base (persistence ratio for aqi
"delta", the same step last week for energy "delta_weekly", falling back to persistence), so both
model families learn the same correction. Loss: squared error in the data's unit (ratio error
weighted by level², the trees' "level2"), masked per horizon to the targets the caller allows
(``target_ok``): that mask is how no target at or after the validation/test start ever reaches
training.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn


def n_layers_for(window: int, kernel: int = 3) -> int:
    """Fewest dilated layers (dilation 1, 2, 4, ...) whose receptive field covers the window."""
    n = 1
    while 1 + (kernel - 1) * (2**n - 1) < window:
        n += 1
    return n


class CausalBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, dilation: int, kernel: int = 3):
        super().__init__()
        self.pad = (kernel - 1) * dilation
        self.conv = nn.Conv1d(c_in, c_out, kernel, dilation=dilation)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x):
        y = self.conv(nn.functional.pad(x, (self.pad, 0)))
        return torch.relu(y) + self.skip(x)


class TCN(nn.Module):
    """x [N, C, W] -> correction to the base ratio [N, H] (read off the last time step)."""

    def __init__(self, c_in: int, hidden: int, horizons: int, window: int, kernel: int = 3):
        super().__init__()
        layers, c = [], c_in
        for i in range(n_layers_for(window, kernel)):
            layers.append(CausalBlock(c, hidden, 2**i, kernel))
            c = hidden
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(hidden, horizons)
        # start at the base ratio (the trees' starting point): training can only move away from it
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(self.body(x)[:, :, -1])


def make_inputs(windows: np.ndarray, level: np.ndarray, calendar: np.ndarray, level_stats) -> np.ndarray:
    """[N, C, W] float32 network inputs from raw windows [N, W] (NaN = missing), the cells' level
    [N] and per-step calendar channels [N, K, W]."""
    mu, sd = level_stats
    obs = np.isfinite(windows)
    r = np.where(obs, windows / level[:, None], 0.0)
    lv = np.repeat(((np.log(level) - mu) / sd)[:, None], windows.shape[1], axis=1)
    x = np.concatenate([r[:, None], obs[:, None].astype(float), lv[:, None], calendar], axis=1)
    return x.astype(np.float32)


def fit(
    x: np.ndarray,
    base: np.ndarray,
    level: np.ndarray,
    y: np.ndarray,
    target_ok: np.ndarray,
    hp: dict,
    seed: int,
    val: tuple | None = None,
    max_epochs: int = 30,
    patience: int = 4,
    scale: float = 1.0,
    log=None,
) -> tuple[TCN, dict]:
    """Train on the cells whose targets ``target_ok`` allows. With ``val`` = (x, base, level, y,
    ok) the best epoch on that set is kept and training stops after ``patience`` epochs without
    improvement (validation MAE in the unit); without it, exactly ``max_epochs`` epochs are run
    (the refit on train+validation with the epoch count chosen on validation)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = TCN(x.shape[1], int(hp["hidden"]), y.shape[1], x.shape[2])
    opt = torch.optim.Adam(net.parameters(), lr=float(hp["lr"]))
    keep = target_ok.any(axis=1)
    xt = torch.from_numpy(x[keep])
    bt = torch.from_numpy(base[keep].astype(np.float32))
    lt = torch.from_numpy((level[keep] / scale).astype(np.float32))[:, None]
    yt = torch.from_numpy(np.where(target_ok[keep], y[keep] / scale, 0).astype(np.float32))
    mt = torch.from_numpy(target_ok[keep].astype(np.float32))
    n, batch = len(xt), int(hp.get("batch", 128))
    best, best_state, best_epoch, history, bad = math.inf, None, 0, [], 0
    t0 = time.time()
    for epoch in range(1, max_epochs + 1):
        net.train()
        order = torch.from_numpy(rng.permutation(n))
        for i in range(0, n, batch):
            b = order[i : i + batch]
            pred = lt[b] * (bt[b] + net(xt[b]))
            loss = (((pred - yt[b]) ** 2) * mt[b]).sum() / mt[b].sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if val is None:
            continue
        mae = val_mae(net, *val)
        history.append(round(mae, 4))
        if mae < best - 1e-9:
            best, best_epoch, bad = mae, epoch, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            bad += 1
            if bad >= patience:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    info = {
        "epochs_run": epoch,
        "best_epoch": best_epoch or max_epochs,
        "seconds": round(time.time() - t0, 1),
    }
    if val is not None:
        info.update(val_mae=round(best, 4), val_history=history)
    return net, info


def predict(net: TCN, x: np.ndarray, base: np.ndarray, level: np.ndarray, batch: int = 2048) -> np.ndarray:
    """[N, H] forecasts in the data's unit: max(0, level * (base + net(x)))."""
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(net(torch.from_numpy(x[i : i + batch])).numpy())
    corr = np.concatenate(out) if out else np.zeros((0, base.shape[1]), np.float32)
    return np.maximum(0.0, level[:, None] * (base + corr))


def val_mae(net: TCN, x, base, level, y, ok) -> float:
    f = predict(net, x, base, level)
    return float(np.abs(f - y)[ok].mean())
