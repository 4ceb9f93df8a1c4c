"""xgboost's side of ``npm run bench:treeshap`` (bench/treeshap.bench.ts runs it; Debian's python3).

    xgb_contribs.py prepare --out DIR --trees 150 --depth 4 --features 6 --rows 2000 [--seed 1]
        trains a binary classifier on synthetic data (with missing values), writes DIR/model.json
        (the booster), DIR/model.onnx (opset 3, hit rates = cover, via the treeshap fixture exporter),
        DIR/rows.f32 (little-endian float32, row-major, NaN = missing) and DIR/contribs.f32
        (xgboost's pred_contribs for those rows, float32, [rows][features + 1]).

    xgb_contribs.py time --model DIR/model.json --rows DIR/rows.f32 --features F [--seconds 2]
        times booster.predict(DMatrix, pred_contribs=True) with nthread=1 on those rows, in batches of 100 rows
        until --seconds have passed, and prints {"rowsPerSecond": ..., "rowsExplained": ..., ...} as JSON.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

import numpy as np
import xgboost as xgb

HERE = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # importing the fixture exporter must not litter the package with __pycache__
sys.path.insert(0, str(HERE.parent / "packages" / "treeshap" / "fixtures"))


def prepare(a: argparse.Namespace) -> None:
    from xgb_onnx import read_booster, to_onnx_v3  # the fixture exporter, shared

    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    n_train = max(5000, a.rows)
    x = rng.normal(size=(n_train, a.features)).astype(np.float32)
    w = rng.normal(size=a.features)
    logit = x @ w + np.sin(3 * x[:, 0]) + x[:, 1 % a.features] * x[:, 2 % a.features]
    y = (logit + rng.normal(size=n_train) > 0).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    params = {"objective": "binary:logistic", "max_depth": a.depth, "eta": 0.1, "nthread": 1,
              "seed": a.seed, "tree_method": "hist"}  # fmt: skip
    booster = xgb.train(params, xgb.DMatrix(x, label=y, missing=np.nan), num_boost_round=a.trees)
    booster.save_model(str(out / "model.json"))
    (out / "model.onnx").write_bytes(to_onnx_v3(read_booster(booster)).SerializeToString())
    rows = rng.normal(size=(a.rows, a.features)).astype(np.float32)
    rows[rng.random(rows.shape) < 0.05] = np.nan
    rows.astype("<f4").tofile(out / "rows.f32")
    contribs = booster.predict(xgb.DMatrix(rows, missing=np.nan, nthread=1), pred_contribs=True)
    contribs.astype("<f4").tofile(out / "contribs.f32")
    print(json.dumps({"out": str(out), "trees": a.trees, "depth": a.depth, "features": a.features, "rows": a.rows}))


def time_contribs(a: argparse.Namespace) -> None:
    rows = np.fromfile(a.rows, dtype="<f4").reshape(-1, a.features)
    booster = xgb.Booster(model_file=a.model)
    booster.set_param({"nthread": 1})
    # Batches of up to 100 rows, cycled until --seconds have passed: the same protocol as the
    # TypeScript side, and a slow machine only means fewer batches.
    batches = [xgb.DMatrix(rows[i : i + 100], missing=np.nan, nthread=1) for i in range(0, len(rows), 100)]
    booster.predict(batches[0], pred_contribs=True)  # warm-up
    done, elapsed, i = 0, 0.0, 0
    t0 = time.perf_counter()
    while elapsed < a.seconds or done == 0:
        dm = batches[i % len(batches)]
        booster.predict(dm, pred_contribs=True)
        done += dm.num_row()
        i += 1
        elapsed = time.perf_counter() - t0
    print(json.dumps({
        "rowsPerSecond": done / elapsed,
        "rowsExplained": done,
        "seconds": elapsed,
        "xgboost": xgb.__version__,
    }))  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--out", required=True)
    pp.add_argument("--trees", type=int, default=150)
    pp.add_argument("--depth", type=int, default=4)
    pp.add_argument("--features", type=int, default=6)
    pp.add_argument("--rows", type=int, default=2000)
    pp.add_argument("--seed", type=int, default=1)
    pt = sub.add_parser("time")
    pt.add_argument("--model", required=True)
    pt.add_argument("--rows", required=True)
    pt.add_argument("--features", type=int, required=True)
    pt.add_argument("--seconds", type=float, default=2.0)
    a = p.parse_args()
    prepare(a) if a.cmd == "prepare" else time_contribs(a)


if __name__ == "__main__":
    main()
