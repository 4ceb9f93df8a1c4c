"""Where a model came from: source hashes, code version, and the file-based experiment log."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent.parent


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_version(paths: list[str]) -> dict:
    """The git commit the code sits on (may be dirty) *and* a hash of the training code that built
    this model (``paths``, relative to training/: files or folders). The hash is what determines the
    model: it ignores commits and edits elsewhere (other models, the services) and changes with any
    uncommitted edit to these files."""
    files: list[Path] = []
    for rel in paths:
        p = TRAINING_DIR / rel
        files += (
            [p]
            if p.is_file()
            else [
                q
                for q in p.rglob("*")
                if q.is_file() and q.suffix in {".py", ".json"} and "__pycache__" not in q.parts
            ]
        )
    h = hashlib.sha256()
    for p in sorted(set(files)):
        h.update(str(p.relative_to(TRAINING_DIR)).encode())
        h.update(p.read_bytes())
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=TRAINING_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"git": commit, "training_code_sha256": h.hexdigest(), "training_code_files": sorted(paths)}


def append_run(log_path: str | os.PathLike, record: dict) -> None:
    """One JSON line per run. Append-only, so concurrent readers never see a half-rewritten file."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
