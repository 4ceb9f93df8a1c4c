"""The simulated sensors' history as the raw feed a city would deliver, for training from the store.

    cd training && /usr/bin/python3 -m cityassist_training.aqi.history --config configs/aqi.json \\
        --out /tmp/aqi-history [--smoke]

Writes, from the same simulation ``train.py aqi`` runs for a config that simulates (same seed):

* ``readings.csv``: the readings in OpenAQ's long format (``location_id,datetime,parameter,value,unit``),
  every pollutant the simulator makes; the ``air-quality`` pipeline loads PM2.5 and PM10 into
  ``sensor_pm_hourly``;
* ``labels.csv`` (``sensor_id,label_time``): every sensor at every hour of the period, so the
  point-in-time export returns each sensor's hourly series as the store holds it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from . import simulate as sim


def write_history(cfg: dict, out: Path) -> dict:
    data = cfg.get("data", {})
    if "simulate" not in data:
        raise ValueError("the config reads real data (data.path): deliver that file to the pipeline itself")
    sc = sim.SimConfig(**data["simulate"])
    long, sensors = sim.simulate(sc)
    out.mkdir(parents=True, exist_ok=True)
    sim.write_frames(long, sensors, out / "readings.csv")
    hours = pd.date_range(sc.start, sc.end, freq="H", inclusive="left", tz="UTC")
    ids = sorted(long.location_id.unique())
    labels = pd.DataFrame(
        {
            "sensor_id": np.repeat(ids, len(hours)),
            "label_time": np.tile(hours.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(), len(ids)),
        }
    )
    labels.to_csv(out / "labels.csv", index=False, lineterminator="\n")
    summary = {
        "sensors": len(ids),
        "hours": int(len(hours)),
        "readings": int(len(long)),
        "labels": int(len(labels)),
        "parameters": sorted(long.parameter.unique()),
    }
    (out / "history.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="cityassist_training.aqi.history", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true")
    args = p.parse_args(argv)
    cfg = config.load(args.config, smoke=args.smoke)
    print(json.dumps(write_history(cfg, Path(args.out))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
