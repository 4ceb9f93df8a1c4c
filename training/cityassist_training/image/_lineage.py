"""Lineage and experiment-log helpers.

The shared ones (training/cityassist_training/common/ or lineage.py, owned by the training-CLI
engineer) are used when present; the private fallbacks below keep this package runnable on its own
and write the same shapes (one JSON object per line in the experiment log)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

try:  # the shared helpers, wherever they currently live
    from ..common import lineage as _shared  # type: ignore[import-not-found]
except ImportError:
    try:
        from .. import lineage as _shared  # type: ignore[no-redef]
    except ImportError:
        _shared = None


def sha256_file(path: str | os.PathLike) -> str:
    if _shared is not None and hasattr(_shared, "sha256_file"):
        return _shared.sha256_file(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def image_code_sha256() -> str:
    """A hash of this package's sources alone: it changes exactly when the image pipeline does."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.glob("*.py")):
        h.update(p.name.encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


# What builds this model, relative to training/: for the shared helper's code hash.
CODE_PATHS = ["cityassist_training/image", "configs/image.json"]


def code_version() -> dict:
    """This package's own hash, plus the shared helper's git state and code hash when present."""
    shared: dict = {}
    if _shared is not None and hasattr(_shared, "code_version"):
        try:
            shared = _shared.code_version(CODE_PATHS)
        except TypeError:  # an earlier signature hashed all of training/ and took no argument
            shared = _shared.code_version()
    return {**shared, "image_code_sha256": image_code_sha256()}


def config_sha256(cfg: dict) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()


def append_run(log_path: str | os.PathLike, record: dict) -> None:
    if _shared is not None and hasattr(_shared, "append_run"):
        _shared.append_run(log_path, record)
        return
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
