"""Lineage helpers (file hashes, code version, experiment log), shared with the other models.

They live in ``cityassist_training.lineage`` (owned by the flood/common engineer). If that module is
not importable, for example in a checkout where it moved, the minimal private fallbacks below keep
the AQI trainer working with the same record format.
"""

from __future__ import annotations

# Code that determines an AQI model, relative to training/.
AQI_CODE = ["cityassist_training/aqi", "cityassist_training/lineage.py"]

try:  # the shared implementation
    from cityassist_training.lineage import append_run, sha256_file  # noqa: F401
    from cityassist_training.lineage import code_version as _shared_code_version

    def code_version() -> dict:
        return _shared_code_version(AQI_CODE)

except ImportError:  # pragma: no cover - fallback only
    import hashlib
    import json
    import os
    import subprocess
    from pathlib import Path

    _TRAINING = Path(__file__).resolve().parents[2]

    def sha256_file(path: str | os.PathLike) -> str:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    def code_version() -> dict:
        h = hashlib.sha256()
        pkg = Path(__file__).resolve().parent
        for p in sorted(
            q
            for q in pkg.rglob("*")
            if q.is_file() and q.suffix in {".py", ".R"} and "__pycache__" not in q.parts
        ):
            h.update(str(p.relative_to(pkg)).encode())
            h.update(p.read_bytes())
        try:
            git = subprocess.run(
                ["git", "describe", "--always", "--dirty"],
                cwd=_TRAINING,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            git = None
        return {"git": git, "aqi_code_sha256": h.hexdigest()}

    def append_run(log_path: str | os.PathLike, record: dict) -> None:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
