"""The serving snapshot of the zone model: ``data/energy/olinda_zone_load.csv``.

WIDE, one row per hour, the last ``history_steps`` (168) hours of the simulation the served model
was trained on, oldest first::

    at_utc,temp_c,<zone_id>,<zone_id>,...
    2015-12-25T03:00:00Z,5.3,80.1,,112.4,...

* ``at_utc``: the UTC hour the row's readings belong to (the grid step, ISO 8601 with ``Z``);
* ``temp_c``: the temperature of that hour (°C, one decimal), empty when the feed was out;
* one column per zone, ids exactly as ``data/olinda/zones.geojson`` / ``terrain.csv`` spell them, in
  terrain.csv order: the simulated metered load (kW, one decimal), empty when the reading is missing.

The server reads it as the recent history of every zone: the last row is the anchor of a forecast,
each zone column is that zone's ``readings`` and ``temp_c`` its ``temperatures``, exactly as the
``windows`` of test_vectors.json (one of which is taken from this file's last row).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import lineage
from . import export
from .features import FeatureSpec, cell_features, window_features


def _fmt(x: float) -> str:
    return "" if not np.isfinite(x) else f"{x:.1f}"


def write(series, spec: FeatureSpec, path: Path) -> dict:
    n = spec.history
    T = len(series.times)
    t0 = T - n
    times = series.times[t0:]
    header = ["at_utc", "temp_c", *series.ids]
    lines = [",".join(header)]
    for i, t in enumerate(times):
        vals = series.values[t0 + i]
        temp = series.temperature[t0 + i] if series.temperature is not None else np.nan
        lines.append(",".join([t.strftime("%Y-%m-%dT%H:%M:%SZ"), _fmt(temp), *(_fmt(v) for v in vals)]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    missing = float(np.isnan(series.values[t0:]).mean())
    return {
        "path": path,
        "t0": t0,
        "file": {
            # outside the repository (a smoke run's temp dir) only the name, so reruns stay identical
            "path": lineage.rel(path) if not Path(lineage.rel(path)).is_absolute() else path.name,
            "sha256": lineage.sha256_file(path),
            "columns": "at_utc,temp_c,<zone_id> x " + str(len(series.ids)),
            "rows": int(n),
        },
        "period": [times[0].isoformat(), times[-1].isoformat()],
        "note": (
            f"the last {n} hours of the simulation this model was trained on: simulated metered loads (kW,"
            f" {missing:.2%} missing = empty cells) and the hourly temperature (°C, empty = feed outage); the"
            " last row is the anchor of a forecast for every zone (data/energy/SOURCE.md)"
        ),
    }


def read(path: Path) -> tuple[pd.DatetimeIndex, np.ndarray, list[str], np.ndarray]:
    """(times, temperatures [T], zone ids, loads [T, Z]) as the server reads the file."""
    df = pd.read_csv(path, dtype={"at_utc": str})
    times = pd.DatetimeIndex(pd.to_datetime(df["at_utc"], utc=True, format="%Y-%m-%dT%H:%M:%SZ"))
    zones = [c for c in df.columns if c not in ("at_utc", "temp_c")]
    return times, df["temp_c"].to_numpy(np.float64), zones, df[zones].to_numpy(np.float64)


def window(series, spec: FeatureSpec, snap: dict, zone: str | None) -> tuple[dict, np.ndarray]:
    """The worked window of one zone at the snapshot's last row, read back from the file itself, and
    checked against the training features of the same cell."""
    times, temps, zones, loads = read(snap["path"])
    if zones != list(series.ids):
        raise ValueError("snapshot columns differ from the zone ids")
    if zone is None:  # the first zone with a missing reading in the file, else the first zone
        gaps = np.flatnonzero(np.isnan(loads).any(axis=0))
        z = int(gaps[0]) if len(gaps) else 0
    else:
        z = zones.index(zone)
    f = window_features(loads[:, z], temps if spec.temperature else None, times[-1], spec)
    t = len(series.times) - 1
    ref, ok = cell_features(
        series.values, series.temperature, series.times, np.array([t]), np.array([z]), spec
    )
    np.testing.assert_allclose(
        f, ref[0], rtol=1e-6, atol=1e-6, err_msg="snapshot window != training features"
    )
    w = {
        "zone": zones[z],
        "anchor": times[-1].isoformat(),
        "readings": export.enc(loads[:, z]),
        **({"temperatures": export.enc(temps)} if spec.temperature else {}),
        "features": export.enc(f),
        "kind": "snapshot",
        "note": (
            f"zone {zones[z]} at the last row of {snap['file']['path']}: its column is `readings`, temp_c is"
            " `temperatures`"
        ),
    }
    return w, f
