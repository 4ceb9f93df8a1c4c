"""The brief's own design, built as its advocates would build it: FastAPI + uvicorn + xgboost, one
endpoint per model, every zone's features in memory. `npm run bench:peers` starts it beside our
stack (bench/peers.bench.ts) and measures both in the same run.

    /usr/bin/python3 bench/peers/fastapi_peer.py --port 8800 --features FILE.json \
        --flood models/flood/1.2.0

FILE.json is {"zones": [{"id", "features": {name: value | null}}]}, the inputs our own graph
answered for every zone (the bench fetches them), so both sides score the same rows with the same
booster: the flood model's xgboost_model.json, saved by the training run beside its ONNX export.

    POST /api/v1/predict/flood {"zone_id", "timestamp"?, "features"?: {name: value}}
      -> {"prediction_id", "risk_score", "probability", "explain": [{"feature", "contrib"}],
          "meta": {"model"}}
    GET /api/v1/zones -> [{"id", "name"}]

Debian's python3-fastapi, python3-uvicorn (with uvloop and httptools, as `uvicorn[standard]`
would install) and python3-xgboost; one worker, as the issue's comparison says.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import uuid
from typing import Dict, Optional

import numpy as np
import uvicorn
import xgboost as xgb
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

TOP = 10  # the PredictFlood operation behind our REST route asks for explain(top: 10)


class FloodRequest(BaseModel):
    zone_id: str
    timestamp: Optional[str] = None
    features: Optional[Dict[str, Optional[float]]] = None


def build(features_file: pathlib.Path, flood_dir: pathlib.Path) -> FastAPI:
    meta = json.loads((flood_dir / "metadata.json").read_text())
    names = [f["name"] for f in meta["features"]]
    booster = xgb.Booster()
    booster.load_model(str(flood_dir / "xgboost_model.json"))
    booster.set_param({"nthread": 1})
    model_name = f"{meta['name']}-v{meta['version']}"
    zones = json.loads(features_file.read_text())["zones"]
    rows = {z["id"]: np.array([[_num(z["features"].get(n)) for n in names]], dtype=np.float32) for z in zones}
    listing = [{"id": z["id"], "name": z.get("name")} for z in zones]

    app = FastAPI(title="flood peer")

    @app.get("/api/v1/zones")
    def list_zones():
        return listing

    @app.post("/api/v1/predict/flood")
    def predict_flood(body: FloodRequest):
        row = rows.get(body.zone_id)
        if row is None:
            raise HTTPException(status_code=404, detail="unknown zone")
        if body.features:
            row = row.copy()
            for name, value in body.features.items():
                if name in names:
                    row[0, names.index(name)] = _num(value)
        dm = xgb.DMatrix(row, missing=np.nan, feature_names=names)
        probability = float(booster.predict(dm)[0])
        contribs = booster.predict(dm, pred_contribs=True)[0][:-1]
        order = np.argsort(-np.abs(contribs))[:TOP]
        return {
            "prediction_id": str(uuid.uuid4()),
            "risk_score": probability,
            "probability": probability,
            "explain": [{"feature": names[i], "contrib": float(contribs[i])} for i in order],
            "meta": {"model": model_name},
        }

    return app


def _num(value) -> float:
    return math.nan if value is None else float(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--features", type=pathlib.Path, required=True)
    parser.add_argument("--flood", type=pathlib.Path, required=True)
    a = parser.parse_args()
    app = build(a.features, a.flood)
    uvicorn.run(app, host="127.0.0.1", port=a.port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
