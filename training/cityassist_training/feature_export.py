"""Reading a point-in-time training set exported from the feature store (``train.py --features``).

``npm run features -- export --view <view> --labels <file> --out <parquet>`` joins each label with
the view's newest row at or before the label's time and writes the features, ``feature_as_of`` and
``dataset_version`` per row, plus ``<out>.lineage.json``. This module reads that file (Parquet
through DuckDB in Node, since Debian packages no Parquet reader for Python; or a CSV of the same
columns) and describes it for the model's ``lineage.features``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from . import lineage

ENTITY_COLUMNS = ("entity_id", "zone_id", "sensor_id")
TO_CSV = lineage.TRAINING_DIR / "scripts" / "parquet-to-csv.ts"


class ExportError(ValueError):
    """An export that cannot be trained on: unreadable, without the view's columns, or empty."""


def _node() -> str:
    # The repository's Node 24 (the npm package `node`) first: the system's may be older.
    local = lineage.REPO / "node_modules" / ".bin" / "node"
    found = str(local) if local.exists() else shutil.which("node")
    if not found:
        raise ExportError("reading Parquet needs Node.js (npm ci) for DuckDB; or pass a CSV export")
    return found


def _read_table(path: Path) -> pd.DataFrame:
    dtype = {c: str for c in ENTITY_COLUMNS}
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype=dtype)
    with tempfile.TemporaryDirectory(prefix="features-") as tmp:
        csv = Path(tmp) / "export.csv"
        done = subprocess.run(
            [_node(), "--import", "tsx", str(TO_CSV), str(path), str(csv)],
            cwd=lineage.REPO,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ExportError(f"{path}: {done.stderr.strip() or 'could not be read'}")
        return pd.read_csv(csv, dtype=dtype)


def read_export(path: str | os.PathLike, features: list[str]) -> tuple[pd.DataFrame, dict]:
    """The export's rows (times parsed as UTC) and its ``lineage.features`` record.

    Refuses an export that lacks one of ``features`` (it was made from another view) or has no rows.
    """
    p = Path(path)
    if not p.is_file():
        raise ExportError(f"{p}: no such file")
    df = _read_table(p)
    missing = [c for c in ["feature_as_of", "dataset_version", *features] if c not in df.columns]
    if missing:
        raise ExportError(f"{p}: not an export of this model's view: missing columns {missing}")
    if df.empty:
        raise ExportError(f"{p}: no rows")
    for c in df.columns:
        if c in ("feature_as_of", "label_time", "as_of", "at", "observed_at", "time"):
            df[c] = pd.to_datetime(df[c], utc=True)
    side = Path(f"{p}.lineage.json")
    meta = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
    versions = sorted(set(df["dataset_version"].dropna().astype(str)))
    info = {
        "path": lineage.rel(p),
        "sha256": lineage.sha256_file(p),
        "rows": int(len(df)),
        "view": str(meta.get("feature_view") or "unknown"),
        "dataset_versions": versions,
        "matched": int(df["feature_as_of"].notna().sum()),
    }
    labels = meta.get("labels")
    if labels:
        info["labels"] = {"path": lineage.rel(labels)}
        if Path(labels).is_file():
            info["labels"]["sha256"] = lineage.sha256_file(labels)
    return df, info
