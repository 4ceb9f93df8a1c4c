"""Where a model came from, for every model: file hashes, the code version, the config's hash, data
source records and the file-based experiment log.

A model's ``metadata.json`` ``lineage`` records (keys as each model writes them):

* ``sources`` / ``data``: every input file with its SHA-256 (``source``), and how it was used;
* ``code_version``: ``code_version(paths)``: the git commit (``git describe --always --dirty``, may
  be dirty or null) *and* ``training_code_sha256``, a hash of exactly the training code that built
  the model (``training_code_files``), because the working tree may be uncommitted and other models'
  code changes independently; a model may add the hash of its own package (``package_sha256``);
* ``config`` (the effective config, ``config.load``), ``seed``, ``command``.

Each full run also appends one line to ``training/experiments/runs.jsonl`` (``append_run``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent.parent
REPO = TRAINING_DIR.parent

# Shared code every model's hash covers: this module, the config loader, the output rules, the
# contract validator (each model adds its own package and, for trees, onnx_export).
SHARED_CODE = [
    "cityassist_training/lineage.py",
    "cityassist_training/config.py",
    "cityassist_training/outputs.py",
    "cityassist_training/contract.py",
]


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rel(path: str | os.PathLike) -> str:
    """A path relative to the repository root when it is inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def source(path: str | os.PathLike, **fields) -> dict:
    """One ``lineage.sources`` entry: the file relative to the repository, its SHA-256, then any
    description fields (``role``, ``real``, ``rows`` ...)."""
    return {"path": rel(path), "sha256": sha256_file(path), **fields}


def git_describe() -> str | None:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=TRAINING_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for r in paths:
        p = TRAINING_DIR / r
        files += (
            [p]
            if p.is_file()
            else [
                q
                for q in p.rglob("*")
                if q.is_file() and q.suffix in {".py", ".json"} and "__pycache__" not in q.parts
            ]
        )
    return sorted(set(files))


def code_version(paths: list[str]) -> dict:
    """The git commit the code sits on (may be dirty) *and* a hash of the training code that built
    this model (``paths``, relative to training/: files or folders, whose .py and .json files count).
    The hash is what determines the model: it ignores commits and edits elsewhere (other models, the
    services) and changes with any uncommitted edit to these files."""
    h = hashlib.sha256()
    for p in _files(paths):
        h.update(str(p.relative_to(TRAINING_DIR)).encode())
        h.update(p.read_bytes())
    return {
        "git": git_describe(),
        "training_code_sha256": h.hexdigest(),
        "training_code_files": sorted(paths),
    }


def package_sha256(package_dir: str | os.PathLike) -> str:
    """A hash of one package's own ``*.py`` files (names and bytes), not recursive: it changes
    exactly when that package does."""
    h = hashlib.sha256()
    for p in sorted(Path(package_dir).glob("*.py")):
        h.update(p.name.encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


def config_paths(config_files: list[Path]) -> list[str]:
    """The config files of a run (``config.chain``) that live in training/, relative to it, for
    ``code_version`` (a config outside training/ is the user's and is recorded by its hash instead).
    """
    out = []
    for f in config_files:
        try:
            out.append(str(Path(f).resolve().relative_to(TRAINING_DIR)))
        except ValueError:
            pass
    return out


def config_sha256(cfg: dict) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()


def append_run(log_path: str | os.PathLike, record: dict) -> None:
    """One JSON line per run. Append-only, so concurrent readers never see a half-rewritten file."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
