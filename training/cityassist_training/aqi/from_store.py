"""``train.py aqi --features <export>``: the sensors' hourly series read from the feature store.

The export joins every sensor-hour (``cityassist_training.aqi.history`` labels) with
``sensor_pm_hourly``. A row whose ``feature_as_of`` is not its own hour matched an older reading:
that hour had none in the store, so it is missing in the panel, as it would be in the readings. The
panel then goes through the same loader checks as a CSV of readings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from .. import feature_export
from .loader import Panel, load_long_csv

UNIT = "µg/m³"  # sensor_pm_hourly's unit for pm25 and pm10 (packages/feature-store/src/views.ts)


def panel_from_export(path: str | Path, parameter: str) -> tuple[Panel, dict]:
    export, info = feature_export.read_export(path, [parameter])
    entity = next(c for c in ("sensor_id", "entity_id", "zone_id") if c in export.columns)
    own_hour = export["feature_as_of"] == export["label_time"]
    rows = export[own_hour & export[parameter].notna()]
    info["stale"] = int((export["feature_as_of"].notna() & ~own_hour).sum())
    long = pd.DataFrame(
        {
            "location_id": rows[entity].astype(str).to_numpy(),
            "datetime": rows["label_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "parameter": parameter,
            "value": rows[parameter].to_numpy(),
            "unit": UNIT,
        }
    )
    with tempfile.TemporaryDirectory(prefix="aqi-store-") as tmp:
        csv = Path(tmp) / "readings-from-store.csv"
        long.to_csv(csv, index=False, lineterminator="\n")
        panel = load_long_csv(csv, parameter)
    panel.report["source"] = f"feature store export {info['path']}"
    return panel, info
