"""The simulated city's history as the raw feeds a city would deliver, for training from the store.

    cd training && /usr/bin/python3 -m cityassist_training.flood.history --config configs/flood_store.json \\
        --out /tmp/flood-history [--smoke] [--data-dir ../data]

Writes, from the same simulation ``train.py flood`` runs (same config and seed):

* ``stations.csv`` (``station,lat,lon``): one rain gauge on each zone's centroid, named by the zone;
* ``rain.csv`` (``station,time,mm``): every gauge's rain in every simulated hour, dry hours included
  (a gauge reports 0 mm; an hour nobody delivered would count as dry anyway, but then the feature
  store would have no row for it to be joined with);
* ``labels.csv`` (``zone_id,label_time,label``): the zone-hours ``train.py flood`` samples, each label
  timed at the end of its hour, when the hour's rain is known (the features' ``as_of``).

With ``--observations``, also ``observations.csv`` (``zone_id,observed_at,flooded,depth_cm,source``):
the same labels as field observations half an hour into their hour, for the ``flood-observations``
pipeline, so the store holds the labels too (``zone_flood_observations``; docs/retraining.md).

The ``rain-gauge`` pipeline with ``ETL_RAIN_GAUGE_STATIONS=<out>/stations.csv`` and radius 0 turns the
rain back into the model's features; ``npm run features -- export`` joins them with the labels.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from .data import sample_rows, simulate_city

REPO = Path(__file__).resolve().parents[3]


def write_history(
    cfg: dict, data_dir: str, out: Path, chunk_zones: int = 40, observations: bool = False
) -> dict:
    seed = int(cfg["seed"])
    sim = simulate_city(data_dir, cfg, seed)
    out.mkdir(parents=True, exist_ok=True)
    t = sim.terrain
    # The terrain file's own digits: the pipeline reads the centroids from it, and a gauge exactly on
    # a centroid is at distance 0, inside a radius of 0.
    terrain_csv = pd.read_csv(Path(data_dir) / "olinda" / "terrain.csv", dtype=str)
    coords = terrain_csv.set_index("zone_id").loc[t.zone_id, ["centroid_lat", "centroid_lon"]]
    pd.DataFrame(
        {
            "station": t.zone_id.to_numpy(),
            "lat": coords.centroid_lat.to_numpy(),
            "lon": coords.centroid_lon.to_numpy(),
        }
    ).to_csv(out / "stations.csv", index=False, lineterminator="\n")

    times = sim.times.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
    n_t, n_z = sim.rain.shape
    with open(out / "rain.csv", "w", encoding="utf-8", newline="\n") as f:
        f.write("station,time,mm\n")
        for lo in range(0, n_z, chunk_zones):
            hi = min(n_z, lo + chunk_zones)
            block = pd.DataFrame(
                {
                    "station": np.repeat(t.zone_id.to_numpy()[lo:hi], n_t),
                    "time": np.tile(times, hi - lo),
                    "mm": sim.rain[:, lo:hi].T.ravel().astype(np.float64),
                }
            )
            block.to_csv(f, header=False, index=False, float_format="%.3f", lineterminator="\n")

    rows = sample_rows(sim, cfg["sample_fraction"], seed, list(cfg["features"]))
    labels = pd.DataFrame(
        {
            "zone_id": rows.zone_id.to_numpy(),
            "label_time": (rows.time + pd.Timedelta(hours=1)).dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "label": rows.label.to_numpy(),
        }
    )
    labels.to_csv(out / "labels.csv", index=False, lineterminator="\n")
    if observations:
        pd.DataFrame(
            {
                "zone_id": labels.zone_id,
                "observed_at": (rows.time + pd.Timedelta(minutes=30))
                .dt.strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_numpy(),
                "flooded": labels.label,
                "depth_cm": "",
                "source": "simulated",
            }
        ).to_csv(out / "observations.csv", index=False, lineterminator="\n")
    summary = {
        "zones": int(n_z),
        "hours": int(n_t),
        "rain_rows": int(n_t * n_z),
        "labels": int(len(labels)),
        "floods": int(labels.label.sum()),
        "first_hour": str(times[0]),
        "last_hour": str(times[-1]),
    }
    (out / "history.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="cityassist_training.flood.history", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--data-dir", default=str(REPO / "data"))
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--observations", action="store_true", help="also write observations.csv (the labels)")
    args = p.parse_args(argv)
    cfg = config.load(args.config, smoke=args.smoke)
    print(json.dumps(write_history(cfg, args.data_dir, Path(args.out), observations=args.observations)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
