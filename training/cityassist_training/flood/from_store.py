"""``train.py flood --features <export>``: the sampled zone-hours with their features read from the
feature store instead of computed in memory.

The export's rows are the labels ``cityassist_training.flood.history`` wrote (the zone-hours
``sample_rows`` draws), each joined point-in-time with ``zone_flood_features``. The simulation still
runs beside it: the evaluation's simulated-only parts (the true flood state, the noise and rain-shift
checks, the snapshot) need it, and each row is matched back to its zone and hour to find them. The
features and the labels the model is fitted and scored on are the export's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import CitySim

HOUR = pd.Timedelta(hours=1)


class StoreMismatch(ValueError):
    """An export whose rows do not belong to this simulation (another config, seed or period)."""


def rows_from_export(export: pd.DataFrame, sim: CitySim, features: list[str]) -> tuple[pd.DataFrame, dict]:
    """The rows ``sample_rows`` would give, features and labels from ``export``; and counts for lineage.

    A label whose feature row is older than the label's hour (the store had no row for that hour:
    ``stale``) keeps the older values, as serving would; one with no match at all gets NaN features.
    """
    entity = "zone_id" if "zone_id" in export.columns else "entity_id"
    if "label" not in export.columns or "label_time" not in export.columns:
        raise StoreMismatch("the export has no label/label_time columns (labels from flood.history)")
    zone_index = pd.Series(np.arange(len(sim.terrain)), index=sim.terrain.zone_id.to_numpy())
    z_idx = zone_index.reindex(export[entity].astype(str).to_numpy()).to_numpy()
    hour = export["label_time"] - HOUR
    t_pos = ((hour - sim.times[0]) / HOUR).to_numpy()
    bad = np.isnan(z_idx) | (t_pos < 0) | (t_pos >= len(sim.times)) | (t_pos != np.round(t_pos))
    if bad.any():
        first = export.loc[bad, [entity, "label_time"]].head(3).to_dict("records")
        raise StoreMismatch(f"{int(bad.sum())} labels are not zone-hours of this simulation, e.g. {first}")
    z_idx = z_idx.astype(np.int64)
    t_idx = t_pos.astype(np.int64)
    df = pd.DataFrame({f: export[f].to_numpy(np.float32) for f in features})
    df["label"] = export["label"].to_numpy(np.int8)
    df["flood_true"] = sim.flood_true[t_idx, z_idx]
    df["time"] = sim.times[t_idx]
    df["t_idx"] = t_idx
    df["z_idx"] = z_idx
    df["zone_id"] = sim.terrain.zone_id.to_numpy()[z_idx]
    df["neighbourhood"] = sim.terrain.neighbourhood.to_numpy()[z_idx]
    # sample_rows' order (hour, then zone), so the folds and the bootstrap draw the same rows.
    df = df.sort_values(["t_idx", "z_idx"], kind="stable").reset_index(drop=True)
    as_of = export["feature_as_of"]
    counts = {
        "matched": int(as_of.notna().sum()),
        "stale": int((as_of.notna() & (as_of < export["label_time"])).sum()),
    }
    return df, counts
