"""The out-of-distribution gate of image 1.1.0 (issue 17 part 4) and the real photos it is judged on.

Why: through the serving code, 1.0.0 put a confident pothole / garbage / fallen-tree label on
real photos that are not street scenes (a cat became a HIGH-priority fallen tree). A softmax over
street classes has no way to say "none of these"; the gate gives it one.

The gate, computed inside the ONNX graph in the same call as the logits:

- class-conditional Mahalanobis distance with one tied covariance (Lee et al. 2018) on the
  globally pooled features of two layers (the 1/8-resolution block after stage 3, 64 channels, and
  the last conv layer, 96 channels): ``d_l = min_c (f_l - mu_lc)^T P_l (f_l - mu_lc)``, fitted on
  the clean synthetic training scenes;
- the energy score ``E = -logsumexp(logits)`` (Liu et al. 2020) of the calibrated logits;
- the three, as ``log d_3``, ``log d_5`` and ``E``, standardised by their mean and spread on the
  synthetic *validation* scenes and summed: the outlier score ``s``. The threshold is the
  ``tpr`` quantile of ``s`` on validation (97.5 %), so about 2.5 % of in-distribution scenes are
  expected to be sent to review. No real photo is used to choose anything.

Training also uses outlier exposure (Hendrycks et al. 2019): images that are not street scenes
are pushed to a uniform softmax. They come only from the FIT roles below (procedural textures,
drawings, and LFW faces 0-99); the EVAL photos are never seen by training or by the gate's fit.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data import decode

# Real photos from Debian's python3-skimage (skimage.data, BSD-licensed sample images), and what
# each is for. EVAL: judged on, never used to fit anything. FIT: outlier exposure in training.
# motorcycle_right is left out entirely: it is the other half of the stereo pair of
# motorcycle_left, an evaluation image, so fitting on it would leak.
EVAL_PHOTOS: tuple[str, ...] = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "coins",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "text",
    "clock",
    "retina",
    "cell",
    "microaneurysms",
    "motorcycle_left",
    "brick",
    "grass",
    "gravel",
)
# Drawings and synthetic test patterns in skimage.data (not photos): outlier exposure only.
FIT_DRAWINGS: tuple[str, ...] = (
    "logo",
    "horse",
    "checkerboard",
    "binary_blobs",
    "shepp_logan_phantom",
    "colorwheel",
)
# skimage.data.lfw_subset(): 200 face crops (25x25 grey, Labeled Faces in the Wild). Faces 0-99
# are outlier exposure; 100-199 are a second, held-out check reported on its own row (they come
# from the same set as the fitted ones, so they are easier than the EVAL photos).
LFW_FIT = range(0, 100)
LFW_HELD_OUT = range(100, 200)


def _to_uint8_rgb(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype != np.uint8:
        lo, hi = float(a.min()), float(a.max())
        a = ((a - lo) / (hi - lo or 1.0) * 255 + 0.5).astype(np.uint8)
    if a.ndim == 2:
        a = np.stack([a] * 3, -1)
    if a.shape[-1] == 4:  # RGBA on white, as data.decode and the serving side do
        rgb, alpha = a[..., :3].astype(np.float32), a[..., 3:].astype(np.float32) / 255
        a = (rgb * alpha + 255 * (1 - alpha) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(a[..., :3])


def skimage_photo(name: str) -> np.ndarray:
    """The full-size uint8 RGB array of one skimage.data image (grey ones stacked to RGB)."""
    import skimage.data as sd  # Debian python3-skimage; imported late, only runs that need it pay

    if name == "motorcycle_left":
        return _to_uint8_rgb(sd.stereo_motorcycle()[0])
    return _to_uint8_rgb(getattr(sd, name)())


def png_bytes(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def model_frame(rgb: np.ndarray, size: int) -> np.ndarray:
    """A photo as the model sees it: through data.decode, the documented serving preprocessing."""
    return decode(io.BytesIO(png_bytes(rgb)), size)


def eval_photos(size: int) -> tuple[list[str], np.ndarray]:
    """The EVAL photos that this machine has (every one of them ships with python3-skimage 0.19)."""
    names, frames = [], []
    for name in EVAL_PHOTOS:
        try:
            frames.append(model_frame(skimage_photo(name), size))
            names.append(name)
        except Exception:  # noqa: BLE001 - a sample a newer skimage fetches with pooch: left out, and listed
            continue
    return names, np.stack(frames)


def lfw_frames(indices: range, size: int) -> np.ndarray:
    import skimage.data as sd

    faces = sd.lfw_subset()
    return np.stack([model_frame(_to_uint8_rgb(faces[i]), size) for i in indices])


# ---------------------------------------------------------------------------------------------
# Outlier exposure images
# ---------------------------------------------------------------------------------------------


def _procedural(rng: np.random.Generator, size: int) -> np.ndarray:
    """One seeded non-street texture: gradients, smooth colour noise, shapes, stripes, star fields,
    cell-like blobs, text-like marks, or fine noise. None of them has a road in perspective."""
    kind = int(rng.integers(8))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == 0:  # linear or radial colour gradient
        a, b = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        t = (
            (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))
            if rng.random() < 0.5
            else np.hypot(xx - 0.5, yy - 0.5)
        )
        t = (t - t.min()) / (np.ptp(t) or 1)
        img = a * (1 - t[..., None]) + b * t[..., None]
    elif kind == 1:  # smooth colour noise (clouds, blotches)
        cells = int(rng.integers(2, 12))
        g = rng.standard_normal((cells, cells, 3)).astype(np.float32)
        img = np.stack(
            [
                np.asarray(Image.fromarray(g[..., k], mode="F").resize((size, size), Image.BICUBIC))
                for k in range(3)
            ],
            -1,
        )
        img = 0.5 + img * rng.uniform(0.1, 0.35)
    elif kind == 2:  # random shapes on a plain background
        im = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
        from PIL import ImageDraw

        d = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(3, 25))):
            x0, y0 = rng.uniform(-20, size, 2)
            w, h = rng.uniform(5, size * 0.6, 2)
            fill = tuple(int(v) for v in rng.integers(0, 256, 3))
            (d.ellipse if rng.random() < 0.5 else d.rectangle)([x0, y0, x0 + w, y0 + h], fill=fill)
        img = np.asarray(im, np.float32) / 255
    elif kind == 3:  # stripes / checks at a random angle and frequency
        f, a = rng.uniform(2, 30), rng.uniform(0, math.pi)
        u = np.sin(2 * math.pi * f * (xx * math.cos(a) + yy * math.sin(a)))
        if rng.random() < 0.4:
            u = u * np.sin(2 * math.pi * f * (xx * math.sin(a) - yy * math.cos(a)))
        c0, c1 = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        t = (u > 0).astype(np.float32) if rng.random() < 0.5 else (u + 1) / 2
        img = c0 * (1 - t[..., None]) + c1 * t[..., None]
    elif kind == 4:  # star field / dark sky with bright points
        img = np.zeros((size, size, 3), np.float32) + rng.uniform(0, 0.1)
        n = int(rng.integers(20, 300))
        ys, xs = rng.integers(0, size, n), rng.integers(0, size, n)
        img[ys, xs] = rng.uniform(0.5, 1, (n, 3))
        img = (
            np.asarray(
                Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).resize((size, size)), np.float32
            )
            / 255
        )
    elif kind == 5:  # cell-like blobs (microscopy)
        bg, fg = rng.uniform(0.5, 1, 3), rng.uniform(0, 0.7, 3)
        t = np.zeros((size, size), np.float32)
        for _ in range(int(rng.integers(5, 60))):
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.01, 0.12)
            t = np.maximum(t, np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))
        img = bg * (1 - t[..., None]) + fg * t[..., None]
    elif kind == 6:  # text-like marks on paper
        paper = rng.uniform(0.75, 1.0)
        img = np.full((size, size, 3), paper, np.float32)
        line_h = int(rng.integers(4, 14))
        for y in range(int(rng.integers(2, 10)), size - line_h, line_h * 2):
            x = int(rng.integers(0, 10))
            while x < size - 4:
                w = int(rng.integers(2, 12))
                img[y : y + line_h, x : x + w] = rng.uniform(0, 0.35)
                x += w + int(rng.integers(2, 6))
    else:  # fine colour noise, optionally blurred
        img = rng.uniform(0, 1, (size, size, 3)).astype(np.float32)
        if rng.random() < 0.5:
            img = img * rng.uniform(0.2, 1) + rng.uniform(0, 0.5)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def _augment_photo(rgb: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """A random crop (30-100 % of the side), flip, quarter turn and colour change of a FIT image."""
    h, w = rgb.shape[:2]
    s = rng.uniform(0.3, 1.0)
    ch, cw = max(8, int(h * s)), max(8, int(w * s * rng.uniform(0.75, 1.33)))
    cw = min(cw, w)
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    crop = rgb[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = np.rot90(crop, int(rng.integers(4)))
    im = np.asarray(
        Image.fromarray(np.ascontiguousarray(crop)).resize((size, size), Image.BILINEAR), np.float32
    )
    im = im * rng.uniform(0.6, 1.3) + rng.uniform(-30, 30, 3)
    if rng.random() < 0.3:
        im = np.repeat(im.mean(-1, keepdims=True), 3, -1)
    return np.clip(im + 0.5, 0, 255).astype(np.uint8)


def outlier_exposure_set(n: int, seed: int, size: int) -> tuple[np.ndarray, dict]:
    """`n` seeded outlier images: half procedural textures, half augmented FIT images (skimage
    drawings and LFW faces 0-99). Returns the images and what went in (for the lineage)."""
    import skimage.data as sd

    rng = np.random.default_rng(np.random.SeedSequence([seed, 17, 4]))
    sources = [skimage_photo(name) for name in FIT_DRAWINGS]
    faces = sd.lfw_subset()
    sources += [_to_uint8_rgb(faces[i]) for i in LFW_FIT]
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append(_procedural(rng, size))
        else:
            out.append(_augment_photo(sources[int(rng.integers(len(sources)))], rng, size))
    info = {
        "count": n,
        "procedural": (n + 1) // 2,
        "from_images": n // 2,
        "images": [f"skimage.data.{name}" for name in FIT_DRAWINGS]
        + [f"skimage.data.lfw_subset()[{LFW_FIT.start}:{LFW_FIT.stop}]"],
        "augmentation": "random crop 30-100 %, flip, quarter turn, brightness/colour shift, 30 % grey",
        "procedural_kinds": [
            "gradient",
            "smooth colour noise",
            "shapes",
            "stripes/checks",
            "star field",
            "cell blobs",
            "text-like marks",
            "fine noise",
        ],
    }
    return np.stack(out), info


# ---------------------------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------------------------


@dataclass
class Gate:
    """Everything the ONNX graph and gate.json hold. Layer order: (stage-3 block, last conv)."""

    means: list[np.ndarray]  # per layer [C, d]
    precisions: list[np.ndarray]  # per layer [d, d]
    centre: np.ndarray  # [3]: validation mean of (log d_3, log d_5, energy)
    scale: np.ndarray  # [3]: validation standard deviation of the same
    threshold: float  # outlier score above this: rejected
    tpr: float

    def to_json(self) -> dict:
        return {
            "method": (
                "s = sum_k (t_k - centre_k) / scale_k over t = (log d_block3, log d_last, energy); "
                "d_l = min_c (f_l - mean_lc)^T precision_l (f_l - mean_lc) on globally pooled features; "
                "energy = -logsumexp(calibrated logits); rejected when s > threshold"
            ),
            "layers": ["features.3 (64 ch, after stage 3)", "features.5 (96 ch, last conv)"],
            "threshold": round(float(self.threshold), 6),
            "tpr_target": self.tpr,
            "centre": [float(v) for v in self.centre],
            "scale": [float(v) for v in self.scale],
            "means": [m.astype(np.float32).tolist() for m in self.means],
            "precisions": [p.astype(np.float32).tolist() for p in self.precisions],
        }


def fit_tied_gaussian(feats: np.ndarray, labels: np.ndarray, k: int, shrink: float = 0.01):
    """Class means and the inverse of the shared (within-class) covariance, with a little
    shrinkage towards the diagonal's mean so that dead channels do not make it singular."""
    feats = feats.astype(np.float64)
    means = np.stack([feats[labels == c].mean(0) for c in range(k)])
    centred = feats - means[labels]
    cov = centred.T @ centred / len(feats)
    cov += np.eye(cov.shape[0]) * (shrink * float(np.trace(cov)) / cov.shape[0] + 1e-6)
    return means, np.linalg.inv(cov)


def mahalanobis_min(feats: np.ndarray, means: np.ndarray, precision: np.ndarray) -> np.ndarray:
    diff = feats.astype(np.float64)[:, None, :] - means[None]
    return np.einsum("ncd,de,nce->nc", diff, precision, diff).min(1)


def logsumexp(logits: np.ndarray) -> np.ndarray:
    m = logits.max(1, keepdims=True)
    return (m + np.log(np.exp(logits - m).sum(1, keepdims=True)))[:, 0]


def raw_terms(feats: list[np.ndarray], logits: np.ndarray, gate_means, gate_precisions) -> np.ndarray:
    """[N, 3]: log d_block3, log d_last, energy."""
    d = [np.log(mahalanobis_min(f, m, p) + 1e-6) for f, m, p in zip(feats, gate_means, gate_precisions)]
    return np.stack([*d, -logsumexp(logits.astype(np.float64))], 1)


def fit_gate(train_feats, y_train, k, val_feats, val_logits, tpr: float) -> Gate:
    fitted = [fit_tied_gaussian(f, y_train, k) for f in train_feats]
    means, precs = [m for m, _ in fitted], [p for _, p in fitted]
    t = raw_terms(val_feats, val_logits, means, precs)
    centre, scale = t.mean(0), t.std(0) + 1e-6
    s = ((t - centre) / scale).sum(1)
    return Gate(means, precs, centre, scale, float(np.quantile(s, tpr)), tpr)


def outlier_score(gate: Gate, feats, logits) -> np.ndarray:
    t = raw_terms(feats, logits, gate.means, gate.precisions)
    return ((t - gate.centre) / gate.scale).sum(1)


class GatedTriage(torch.nn.Module):
    """The exported graph: the CNN plus the gate, in one call.

    Outputs: ``logits`` = log_softmax(calibrated logits) + margin, ``cam`` unchanged, ``gate`` =
    margin = clamp(threshold - s, -20, 20). Adding one number to every logit of a row leaves the
    softmax (so labels, confidences and the explained class) exactly as they were, while
    logsumexp(logits) becomes the margin: a server that only reads `logits` can tell accepted
    (logsumexp >= 0) from rejected without another output, and one that reads `gate` gets it
    directly."""

    def __init__(self, model: torch.nn.Module, gate: Gate):
        super().__init__()
        self.model = model
        for i, (m, p) in enumerate(zip(gate.means, gate.precisions)):
            self.register_buffer(f"mean{i}", torch.tensor(m, dtype=torch.float32))
            self.register_buffer(f"prec{i}", torch.tensor(p, dtype=torch.float32))
        self.register_buffer("centre", torch.tensor(gate.centre, dtype=torch.float32))
        self.register_buffer("scale", torch.tensor(gate.scale, dtype=torch.float32))
        self.threshold = float(gate.threshold)

    @staticmethod
    def _dist(f: torch.Tensor, mean: torch.Tensor, prec: torch.Tensor) -> torch.Tensor:
        diff = f[:, None, :] - mean[None]  # [N, C, d]
        return (torch.matmul(diff, prec) * diff).sum(-1).min(1).values

    def forward(self, x: torch.Tensor):
        logits, cam, feats = self.model.forward_features(x)
        lse = torch.logsumexp(logits, 1)
        d0 = torch.log(self._dist(feats[0], self.mean0, self.prec0) + 1e-6)
        d1 = torch.log(self._dist(feats[1], self.mean1, self.prec1) + 1e-6)
        t = torch.stack([d0, d1, -lse], 1)
        s = ((t - self.centre) / self.scale).sum(1)
        margin = torch.clamp(self.threshold - s, -20.0, 20.0)
        return logits - lse[:, None] + margin[:, None], cam, margin


# Evaluation photos exported as serving-test fixtures (subgraphs/reports/src/triage/fixtures/):
# held out from every fit, so the TypeScript test through the real serving code checks the gate on
# images it was never fitted on.
FIXTURES = ("chelsea", "coffee", "astronaut")


def export_fixtures(out_dir: str | Path, max_side: int = 320, quality: int = 85) -> list[dict]:
    """Writes FIXTURES as JPEGs (longest side `max_side`, well under 100 kB each) and a README."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FIXTURES:
        im = Image.fromarray(skimage_photo(name))
        im.thumbnail((max_side, max_side), Image.LANCZOS)
        path = out / f"{name}.jpg"
        im.save(path, format="JPEG", quality=quality)
        written.append({"file": path.name, "bytes": path.stat().st_size, "size": list(im.size)})
    (out / "README.md").write_text(
        "# Real photos that are not street scenes (serving-test fixtures)\n\n"
        "From Debian's python3-skimage 0.19 `skimage.data` (BSD-3-Clause sample images): "
        + ", ".join(f"`{w['file']}` ({w['size'][0]}x{w['size'][1]}, {w['bytes']} bytes)" for w in written)
        + ". All are evaluation images of image 1.1.0's out-of-distribution gate, never used to fit it"
        " (training/cityassist_training/image/ood.py, EVAL_PHOTOS). Made with:\n\n"
        "    cd training && /usr/bin/python3 -m cityassist_training.image.ood"
        " ../subgraphs/reports/src/triage/fixtures\n",
        encoding="utf-8",
    )
    return written


if __name__ == "__main__":
    import sys

    print(export_fixtures(sys.argv[1] if len(sys.argv) > 1 else "fixtures"))
