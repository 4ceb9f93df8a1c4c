"""The triage CNN, its training loop, temperature calibration and ONNX export.

The network ends in global average pooling and one linear layer. For such a head the class
activation map of class c is exact:

    CAM_c(i, j) = sum_k w_ck * A_k(i, j),     logit_c = mean_ij CAM_c(i, j) + b_c,

where A is the last convolutional feature map. `forward` computes the logits *from* the CAMs, so
the two outputs of the ONNX graph agree by construction. Grad-CAM at that layer weighs channel k by
mean_ij d logit_c / d A_k(i, j) = w_ck / (h * w), so Grad-CAM_c = ReLU(CAM_c) / (h * w): the same
map up to a positive factor, which normalisation for display removes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import normalise


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class TriageCNN(nn.Module):
    """Three stride-2 stages (128 -> 16) then three convolutions at 1/8 resolution.

    The CAM grid is 16x16 (8-px cells), fine enough to point at a distant pothole. The receptive
    field is deliberately limited to 63 px: with dilations (2, 4) it covered the whole image, every
    cell could see the object, and the CAMs stopped marking where it is (pointing game at the
    centre-point baseline, see IMAGE.md) although accuracy was the same. `dilations` is kept as an
    option for that comparison."""

    def __init__(
        self,
        num_classes: int = 4,
        widths: tuple[int, int, int, int] = (16, 32, 64, 96),
        dilations: tuple[int, int] = (1, 1),
    ):
        super().__init__()
        w0, w1, w2, w3 = widths
        self.features = nn.Sequential(
            _conv(3, w0, stride=2),
            _conv(w0, w1, stride=2),
            _conv(w1, w2, stride=2),
            _conv(w2, w2),
            _conv(w2, w3, dilation=dilations[0]),
            _conv(w3, w3, dilation=dilations[1]),
        )
        self.head = nn.Linear(w3, num_classes)
        self.stride = 8

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = self.features(x)
        cam = F.conv2d(a, self.head.weight[:, :, None, None])  # [N, C, h, w], no bias
        logits = cam.mean(dim=(2, 3)) + self.head.bias
        return logits, cam

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """forward() plus the globally pooled activations the OOD gate scores (ood.py): after the
        stage-3 block (features.3) and after the last conv (features.5)."""
        mid = self.features[:4](x)
        a = self.features[4:](mid)
        cam = F.conv2d(a, self.head.weight[:, :, None, None])
        logits = cam.mean(dim=(2, 3)) + self.head.bias
        return logits, cam, [mid.mean(dim=(2, 3)), a.mean(dim=(2, 3))]


@dataclass
class TrainResult:
    history: list[dict]
    seconds: float
    temperature: float


def set_determinism(seed: int, threads: int) -> None:
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def _augment(x: torch.Tensor, gen: torch.Generator, shift: int) -> torch.Tensor:
    """Mirror half the batch and shift each image by up to `shift` px (reflect-padded): cheap
    invariances the generator does not already provide."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    if shift > 0:
        padded = F.pad(x, (shift,) * 4, mode="reflect")
        dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
        dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
        h, w = x.shape[2:]
        x = torch.stack([padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)])
    return x


def pooled_features(
    model: TriageCNN, images: np.ndarray, batch: int = 128
) -> tuple[list[np.ndarray], np.ndarray]:
    """uint8 images -> ([pooled block-3 [N, 64], pooled last conv [N, 96]], logits [N, C])."""
    model.eval()
    f0, f1, lo = [], [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            logits, _, feats = model.forward_features(torch.from_numpy(normalise(images[i : i + batch])))
            f0.append(feats[0].numpy())
            f1.append(feats[1].numpy())
            lo.append(logits.numpy())
    return [np.concatenate(f0), np.concatenate(f1)], np.concatenate(lo)


def predict(model: TriageCNN, images: np.ndarray, batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [N, H, W, 3] -> (logits [N, C], cams [N, C, h, w]) as float32 numpy."""
    model.eval()
    logits, cams = [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            lo, cam = model(torch.from_numpy(normalise(images[i : i + batch])))
            logits.append(lo.numpy())
            cams.append(cam.numpy())
    c = model.head.out_features
    if not logits:
        return np.zeros((0, c), np.float32), np.zeros((0, c, 0, 0), np.float32)
    return np.concatenate(logits), np.concatenate(cams)


def train(
    model: TriageCNN,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    cfg: dict,
    seed: int,
    log=print,
    x_outliers: np.ndarray | None = None,
) -> TrainResult:
    """AdamW with a one-cycle schedule; the last epoch's weights are kept (no early stopping on the
    validation set, which is used once more for the temperature).

    With `x_outliers` (outlier exposure, Hendrycks et al. 2019), every batch also takes
    `outlier_batch` of those images and adds `outlier_weight` x their cross-entropy to the uniform
    distribution: the model learns to spread its probability on things that are not street scenes
    instead of naming a street class."""
    gen = torch.Generator().manual_seed(seed)
    epochs, bs = int(cfg["epochs"]), int(cfg["batch_size"])
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    steps = max(1, epochs * math.ceil(len(x_train) / bs))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=steps, pct_start=0.2)
    xt = torch.from_numpy(normalise(x_train))
    yt = torch.from_numpy(y_train)
    xo = torch.from_numpy(normalise(x_outliers)) if x_outliers is not None and len(x_outliers) else None
    ob, ow = int(cfg.get("outlier_batch", bs // 4)), float(cfg.get("outlier_weight", 0.5))
    history = []
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(order), bs):
            idx = order[i : i + bs]
            xb = _augment(xt[idx], gen, int(cfg.get("shift", 0)))
            if xo is not None:
                oidx = torch.randint(0, len(xo), (ob,), generator=gen)
                out_logits, _ = model(torch.cat([xb, _augment(xo[oidx], gen, int(cfg.get("shift", 0)))]))
                logits, o_logits = out_logits[: len(idx)], out_logits[len(idx) :]
                loss = F.cross_entropy(logits, yt[idx]) - ow * F.log_softmax(o_logits, 1).mean()
            else:
                logits, _ = model(xb)
                loss = F.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += len(idx)
            correct += int((logits.argmax(1) == yt[idx]).sum())
            loss_sum += float(loss) * len(idx)
        val_logits, _ = predict(model, x_val)
        val_loss = float(F.cross_entropy(torch.from_numpy(val_logits), torch.from_numpy(y_val)))
        row = {
            "epoch": epoch + 1,
            "train_loss": round(loss_sum / total, 4),
            "train_acc": round(correct / total, 4),
            "val_loss": round(val_loss, 4),
            "val_acc": round(float((val_logits.argmax(1) == y_val).mean()), 4),
            "seconds": round(time.time() - start, 1),
        }
        history.append(row)
        log(
            f"  epoch {row['epoch']}/{epochs}: train loss {row['train_loss']} acc {row['train_acc']}, "
            f"val loss {row['val_loss']} acc {row['val_acc']} ({row['seconds']} s)"
        )
    return TrainResult(history=history, seconds=time.time() - start, temperature=1.0)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T > 0 minimising validation NLL of softmax(logits / T) (Guo et al. 2017), by a grid in
    log T then golden-section refinement; one scalar, so argmax and CAM shapes are unchanged."""
    lo = torch.from_numpy(logits.astype(np.float64))
    y = torch.from_numpy(labels)

    def nll(log_t: float) -> float:
        return float(F.cross_entropy(lo / math.exp(log_t), y))

    grid = np.linspace(math.log(0.25), math.log(8.0), 61)
    best = float(grid[int(np.argmin([nll(g) for g in grid]))])
    a, b = best - 0.06, best + 0.06
    phi = (math.sqrt(5) - 1) / 2
    for _ in range(40):
        c, d = b - phi * (b - a), a + phi * (b - a)
        if nll(c) < nll(d):
            b = d
        else:
            a = c
    return round(math.exp((a + b) / 2), 4)


def fold_temperature(model: TriageCNN, temperature: float) -> None:
    """Divides the head by T, so the exported logits (and CAMs, by the same positive factor) are
    the calibrated ones and serving needs no extra step."""
    with torch.no_grad():
        model.head.weight /= temperature
        model.head.bias /= temperature


def export_onnx(model: nn.Module, path: str, size: int, gated: bool = False) -> None:
    """Exports (logits, cam), or with `gated` the ood.GatedTriage wrapper's (logits, cam, gate)."""
    model.eval()
    dummy = torch.zeros(1, 3, size, size)
    names = ["logits", "cam", "gate"] if gated else ["logits", "cam"]
    torch.onnx.export(
        model,
        dummy,
        path,
        input_names=["image"],
        output_names=names,
        opset_version=13,
        dynamic_axes={"image": {0: "batch"}, **{n: {0: "batch"} for n in names}},
        do_constant_folding=True,
    )


def run_onnx_cnn(path: str, images: np.ndarray, batch: int = 64) -> np.ndarray:
    """The `logits` of an exported triage CNN (Conv/Relu/ReduceMean/Add graphs such as 1.0.0's),
    evaluated with torch ops: python onnxruntime is not installed here, and the card compares the
    served 1.0.0 file itself, not a retrained copy. Refuses any other operator."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(path)
    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    out = []
    for i in range(0, len(images), batch):
        env = dict(init)
        env[proto.graph.input[0].name] = torch.from_numpy(normalise(images[i : i + batch]))
        for node in proto.graph.node:
            a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
            ins = [env[n] for n in node.input if n]
            if node.op_type == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                y = F.conv2d(
                    ins[0],
                    ins[1],
                    ins[2] if len(ins) > 2 else None,
                    stride=tuple(a.get("strides", [1, 1])),
                    padding=(pads[0], pads[1]),
                    dilation=tuple(a.get("dilations", [1, 1])),
                    groups=a.get("group", 1),
                )
            elif node.op_type == "Relu":
                y = torch.relu(ins[0])
            elif node.op_type == "ReduceMean":
                y = ins[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
            elif node.op_type == "Add":
                y = ins[0] + ins[1]
            else:
                raise ValueError(f"{path}: operator {node.op_type} is not supported by run_onnx_cnn")
            env[node.output[0]] = y
        out.append(env["logits"].numpy())
    return np.concatenate(out)
