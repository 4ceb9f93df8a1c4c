"""Image preprocessing (the serving contract) and loading a real labelled folder.

The preprocessing here is what metadata.json documents under `input`, and what the serving code must
reproduce: decode, apply the EXIF orientation, convert to RGB, resize the whole image to
`size x size` with a bilinear (antialiased) filter *without* keeping the aspect ratio (no crop: an
object at the photo's edge must not be cut away), then `(pixel / 255 - mean) / std` per channel,
laid out NCHW, float32.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# ImageNet statistics: there are no pretrained weights to match, but they are the values serving
# code and image tooling default to, which makes a wrong constant less likely on the other side.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
SCALE = 1.0 / 255.0

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# The serving side refuses uploads above 40 megapixels (issue 5); a training photo above that is
# treated as unreadable rather than decoded into gigabytes of memory.
MAX_PIXELS = 40_000_000
MIN_SIDE = 8


def normalise(images: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W, 3] RGB -> float32 [N, 3, H, W], exactly as documented in metadata.json.

    Every step is a single float32 operation so that another runtime (Float32Array in Node) can
    reproduce the tensor bit for bit."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected uint8 [N, H, W, 3], got {images.dtype} {images.shape}")
    x = images.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(MEAN, np.float32)) / np.asarray(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def decode(data: bytes | str | Path, size: int) -> np.ndarray:
    """One image file -> uint8 [size, size, 3]. Raises ValueError with a reason if unusable."""
    with warnings.catch_warnings():
        # PIL only *warns* between MAX_IMAGE_PIXELS and twice that; make every bomb an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with Image.open(data) as im:
                im.load()  # decodes fully: truncated files fail here, not later
                if min(im.size) < MIN_SIDE:
                    raise ValueError(f"too small ({im.size[0]}x{im.size[1]})")
                im = ImageOps.exif_transpose(im)
                if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                    # Transparent pixels become white, as a browser would show them.
                    rgba = im.convert("RGBA")
                    im = Image.new("RGB", rgba.size, (255, 255, 255))
                    im.paste(rgba, mask=rgba.getchannel("A"))
                else:
                    im = im.convert("RGB")
                im = im.resize((size, size), Image.BILINEAR)
                return np.asarray(im, np.uint8).copy()
        except ValueError:
            raise
        except (OSError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ValueError(f"{type(e).__name__}: {e}") from e
        finally:
            Image.MAX_IMAGE_PIXELS = old


def canonical_label(folder: str) -> str:
    """'Fallen Tree', 'fallen-tree' and 'fallen_tree' are one label."""
    return folder.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass
class FolderData:
    images: np.ndarray  # uint8 [N, size, size, 3]
    labels: np.ndarray  # int64 [N], index into classes
    files: list[str]  # relative paths, same order
    skipped: list[dict] = field(default_factory=list)  # [{"file", "reason"}]: unreadable or duplicates
    ignored: list[str] = field(default_factory=list)  # not images by suffix, or outside label folders
    unknown_labels: list[str] = field(default_factory=list)  # folders skipped by `unknown_labels: skip`
    counts: dict[str, int] = field(default_factory=dict)
    digest: str = ""  # sha256 over (label, file hash) pairs: the data lineage


def load_folder(
    root: str | Path,
    classes: tuple[str, ...],
    size: int,
    unknown_labels: str = "error",
    min_per_class: int = 5,
) -> FolderData:
    """Reads `root/<label>/*.{jpg,jpeg,png,webp}`.

    Bad input, and what happens to it:
    - a folder whose name is not a class: an error naming it (or skipped, with `unknown_labels="skip"`);
    - a class with no folder, an empty folder, or fewer than `min_per_class` readable images: an
      error, because a 4-way head trained without one class is a silently wrong model;
    - unreadable files (truncated, not really an image, too small, over 40 MP): skipped and counted;
    - byte-identical duplicates: kept once; the same bytes under two labels: dropped from both;
    - other files (by suffix, hidden files, files directly under `root`): ignored and listed.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"--data-dir {root} is not a directory")
    if unknown_labels not in ("error", "skip"):
        raise ValueError(f"unknown_labels must be 'error' or 'skip', not {unknown_labels!r}")
    ignored: list[str] = []
    folders: dict[str, list[Path]] = {}
    unknown: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            ignored.append(entry.name)
            continue
        label = canonical_label(entry.name)
        if label not in classes:
            unknown.append(entry.name)
            continue
        folders.setdefault(label, []).extend(
            p for p in sorted(entry.rglob("*")) if p.is_file() and not p.name.startswith(".")
        )
    if unknown and unknown_labels == "error":
        raise ValueError(
            f"{root}: folders {unknown} are not classes {list(classes)}; rename them, or set "
            '"unknown_labels": "skip" in the config to leave them out'
        )

    by_hash: dict[str, tuple[str, Path, np.ndarray]] = {}
    conflicting: set[str] = set()
    skipped: list[dict] = []
    for label in classes:
        for path in folders.get(label, []):
            rel = str(path.relative_to(root))
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                ignored.append(rel)
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in by_hash:
                first_label, first_path, _ = by_hash[digest]
                if first_label != label:
                    conflicting.add(digest)
                    skipped.append(
                        {
                            "file": rel,
                            "reason": (
                                f"same bytes as {first_path.relative_to(root)} "
                                "under another label; both dropped"
                            ),
                        }
                    )
                else:
                    skipped.append({"file": rel, "reason": f"duplicate of {first_path.relative_to(root)}"})
                continue
            try:
                pixels = decode(path, size)
            except ValueError as e:
                skipped.append({"file": rel, "reason": str(e)})
                continue
            by_hash[digest] = (label, path, pixels)
    for digest in conflicting:
        label, path, _ = by_hash.pop(digest)
        skipped.append(
            {"file": str(path.relative_to(root)), "reason": "same bytes under another label; dropped"}
        )

    kept = sorted(
        (
            (classes.index(label), str(path.relative_to(root)), digest, pixels)
            for digest, (label, path, pixels) in by_hash.items()
        ),
        key=lambda r: (r[0], r[1]),
    )
    counts = {c: sum(1 for r in kept if r[0] == i) for i, c in enumerate(classes)}
    short = {c: n for c, n in counts.items() if n < min_per_class}
    if short:
        raise ValueError(
            f"{root}: too few readable images for {short} (need at least {min_per_class} per class "
            f"to train and hold out a test split); skipped {len(skipped)} unreadable or duplicate files"
        )
    lineage = hashlib.sha256()
    for idx, rel, digest, _ in kept:
        lineage.update(f"{classes[idx]}\t{digest}\n".encode())
    return FolderData(
        images=np.stack([r[3] for r in kept]),
        labels=np.array([r[0] for r in kept], np.int64),
        files=[r[1] for r in kept],
        skipped=skipped,
        ignored=ignored,
        unknown_labels=unknown,
        counts=counts,
        digest=lineage.hexdigest(),
    )


def stratified_split(
    labels: np.ndarray, fractions: tuple[float, float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of train / validation / test, each class split in the same proportions, and every
    class present in every split (at least one image each)."""
    rng = np.random.default_rng(seed)
    train, val, test = [], [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_val = max(1, int(round(len(idx) * fractions[0])))
        n_test = max(1, int(round(len(idx) * fractions[1])))
        if len(idx) - n_val - n_test < 1:
            raise ValueError(f"class {c} has {len(idx)} images: too few to split")
        val.extend(idx[:n_val])
        test.extend(idx[n_val : n_val + n_test])
        train.extend(idx[n_val + n_test :])
    return tuple(np.sort(np.array(s, np.int64)) for s in (train, val, test))  # type: ignore[return-value]
