"""Features of one series' recent load (and temperature), as the model and the TypeScript server
compute them.

Everything is on the data's regular UTC grid (a step is 1 h for the zones, 30 min for taylor) and
relative to the *anchor* t, the latest step whose reading is (or could be) known when the forecast is
made. y[t-k] is the load k steps before the anchor, T[t-k] the temperature (NaN = missing). With D
the steps of a day (24 or 48), Wk the steps of a week (168 or 336) and H = D horizons, the columns,
in order, each one operation of ``feature_spec.columns`` in metadata.json:

    level         op level            max(level_floor, mean of the valid y[t-D+1..t]); no forecast if
                                      fewer than D/2 of them are valid
    r_lag_k       op load_ratio       y[t-k] / level, k = 0..D-1 (the last day) and k = Wk-H..Wk-1
                                      (y[t+h-Wk], the same time last week for horizon h = H..1);
                                      NaN if missing
    r_mean_3      op load_mean_ratio  mean of the valid y[t-2..t] / level; NaN if none is valid
    r_mean_Wk     op load_mean_ratio  mean of the valid y[t-Wk+1..t] / level; NaN if fewer than Wk/4 valid
    r_std_D       op load_std_ratio   population std (ddof 0) of the valid y[t-D+1..t] / level
    n_missing     op missing_count    number of missing y[t-D+1..t]
    temp_c        op temp             T[t] (°C); NaN if missing                    (zones only)
    temp_mean_D   op temp_mean        mean of the valid T[t-D+1..t]; NaN if fewer than D/2 valid
    temp_max_D    op temp_max         max of the same (same rule)
    temp_min_D    op temp_min         min of the same (same rule)
    hour          op local_hour       hour of day of t on the local clock, (UTC + utc_offset_hours), as
                                      a number: 0, 1, .. 23 (hourly) or 0, 0.5, .. 23.5 (half-hourly)
    dow           op local_dow        local day of week of t, Monday = 0 .. Sunday = 6

The server needs the last ``history_steps`` = Wk loads (and temperatures) up to and including the
anchor. Why ratios to a recent level: one global model serves zones whose loads differ 30-fold, and
a level shift (a feeder transfer, a growing district) moves one input instead of all of them. The
model predicts y[t+h] / level (as a change from the same time last week, see model.py) and the ONNX
graph multiplies by ``level`` itself.

``window_features`` computes the row from one plain window (the reference the TypeScript side
mirrors, with worked examples in test_vectors.json ``windows``); ``cell_features`` is the vectorised
version used in training; a test asserts they agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FeatureSpec:
    resolution: str  # "hourly" | "half-hourly"
    step_seconds: int
    day: int  # D, steps per day
    week: int  # Wk, steps per week
    horizons: int  # H
    utc_offset_hours: float
    temperature: bool
    level_floor: float

    @staticmethod
    def for_series(resolution: str, utc_offset_hours: float, temperature: bool, level_floor: float):
        if resolution == "hourly":
            return FeatureSpec("hourly", 3600, 24, 168, 24, utc_offset_hours, temperature, level_floor)
        if resolution == "half-hourly":
            return FeatureSpec("half-hourly", 1800, 48, 336, 48, utc_offset_hours, temperature, level_floor)
        raise ValueError(f"unknown resolution {resolution!r}")

    @property
    def min_level_obs(self) -> int:
        return math.ceil(self.day / 2)

    @property
    def min_long_obs(self) -> int:
        return math.ceil(self.week / 4)

    @property
    def history(self) -> int:
        return self.week

    @property
    def daily_lags(self) -> list[int]:
        return list(range(self.day))

    @property
    def weekly_lags(self) -> list[int]:
        return list(range(self.week - self.horizons, self.week))

    def columns(self) -> list[dict]:
        """One operation per input column, in order (metadata.json feature_spec.columns)."""
        D, Wk = self.day, self.week
        cols = [{"name": "level", "op": "level", "window": D, "min_valid": self.min_level_obs}]
        cols += [
            {"name": f"r_lag_{k}", "op": "load_ratio", "lag": k} for k in self.daily_lags + self.weekly_lags
        ]
        cols += [
            {"name": "r_mean_3", "op": "load_mean_ratio", "window": 3, "min_valid": 1},
            {"name": f"r_mean_{Wk}", "op": "load_mean_ratio", "window": Wk, "min_valid": self.min_long_obs},
            {"name": f"r_std_{D}", "op": "load_std_ratio", "window": D, "min_valid": self.min_level_obs},
            {"name": "n_missing", "op": "missing_count", "window": D},
        ]
        if self.temperature:
            cols += [
                {"name": "temp_c", "op": "temp", "lag": 0},
                {"name": f"temp_mean_{D}", "op": "temp_mean", "window": D, "min_valid": self.min_level_obs},
                {"name": f"temp_max_{D}", "op": "temp_max", "window": D, "min_valid": self.min_level_obs},
                {"name": f"temp_min_{D}", "op": "temp_min", "window": D, "min_valid": self.min_level_obs},
            ]
        cols += [{"name": "hour", "op": "local_hour"}, {"name": "dow", "op": "local_dow"}]
        return cols

    @property
    def names(self) -> list[str]:
        return [c["name"] for c in self.columns()]

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def level_index(self) -> int:
        return 0

    @property
    def std_name(self) -> str:
        return f"r_std_{self.day}"

    def base_indices(self) -> tuple[list[int], list[int]]:
        """Per horizon h = 1..H: the column of y[t+h-Wk] (same time last week) and of y[t+h-D]
        (same time yesterday), both / level: the forecast's starting point (model.base_ratio)."""
        week = [self.index(f"r_lag_{self.week - h}") for h in range(1, self.horizons + 1)]
        day = [self.index(f"r_lag_{self.day - h}") for h in range(1, self.horizons + 1)]
        return week, day

    def to_json(self) -> dict:
        return {
            "resolution": self.resolution,
            "step_seconds": self.step_seconds,
            "season": self.day,
            "week": self.week,
            "horizons": self.horizons,
            "utc_offset_hours": self.utc_offset_hours,
            "level_floor": self.level_floor,
            "min_level_readings": self.min_level_obs,
            "min_long_readings": self.min_long_obs,
        }


UNITS = {
    "load_ratio": "ratio",
    "load_mean_ratio": "ratio",
    "load_std_ratio": "ratio",
    "missing_count": "count",
    "temp": "°C",
    "temp_mean": "°C",
    "temp_max": "°C",
    "temp_min": "°C",
    "local_hour": "hour",
    "local_dow": "day",
}


def describe(spec: FeatureSpec, unit: str) -> list[dict]:
    """Name, unit and meaning of every input column, in order (metadata.json features)."""
    out = []
    step = "h" if spec.resolution == "hourly" else "half-hours"
    for c in spec.columns():
        op, name = c["op"], c["name"]
        if op == "level":
            d = (
                f"max({spec.level_floor}, mean of the valid loads y[t-{c['window'] - 1}..t]); needs >="
                f" {c['min_valid']} valid readings, else do not forecast"
            )
        elif op == "load_ratio":
            k = c["lag"]
            when = (
                f"the same time last week for horizon {spec.week - k}"
                if k >= spec.day
                else (f"{k} {step} before the anchor" if k else "the anchor")
            )
            d = f"y[t-{k}] / level ({when}); NaN if missing"
        elif op == "load_mean_ratio":
            d = (
                f"mean of the valid y[t-{c['window'] - 1}..t] / level; NaN if fewer than {c['min_valid']}"
                " valid"
            )
        elif op == "load_std_ratio":
            d = f"population standard deviation (ddof 0) of the valid y[t-{c['window'] - 1}..t] / level"
        elif op == "missing_count":
            d = f"number of missing loads among y[t-{c['window'] - 1}..t]"
        elif op == "temp":
            d = "temperature T[t] at the anchor, °C; NaN if missing"
        elif op in ("temp_mean", "temp_max", "temp_min"):
            d = (
                f"{op[5:]} of the valid temperatures T[t-{c['window'] - 1}..t]; NaN if fewer than"
                f" {c['min_valid']} valid"
            )
        elif op == "local_hour":
            d = f"hour of day of the anchor on the local clock (UTC{spec.utc_offset_hours:+g} h), 0..23"
        else:
            d = f"day of week of the anchor on the local clock (UTC{spec.utc_offset_hours:+g} h), Monday = 0"
        out.append({"name": name, "unit": unit if op == "level" else UNITS[op], "description": d})
    return out


def _local(anchor: pd.Timestamp, spec: FeatureSpec) -> pd.Timestamp:
    return anchor + pd.Timedelta(hours=spec.utc_offset_hours)


def window_features(
    loads: np.ndarray, temps: np.ndarray | None, anchor: pd.Timestamp, spec: FeatureSpec
) -> np.ndarray | None:
    """The input row from the last ``spec.history`` loads (oldest first; the last is the anchor's)
    and, when the spec has temperature, the temperatures of the same steps; None when there is not
    enough recent data to forecast. Reference implementation, mirrored in TypeScript."""

    def pad(x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if len(x) < spec.history:
            x = np.concatenate([np.full(spec.history - len(x), np.nan), x])
        return x[-spec.history :]

    y = pad(loads)
    temp = pad(temps) if spec.temperature else None

    def last(x, n):
        return x[len(x) - n :]

    def valid(x):
        return x[np.isfinite(x)]

    feats: list[float] = []
    level = None
    for c in spec.columns():
        op = c["op"]
        if op == "level":
            v = valid(last(y, c["window"]))
            if len(v) < c["min_valid"]:
                return None
            level = max(spec.level_floor, float(v.mean()))
            feats.append(level)
        elif op == "load_ratio":
            x = y[len(y) - 1 - c["lag"]]
            feats.append(x / level if np.isfinite(x) else np.nan)
        elif op == "load_mean_ratio":
            v = valid(last(y, c["window"]))
            feats.append(float(v.mean()) / level if len(v) >= c["min_valid"] else np.nan)
        elif op == "load_std_ratio":
            v = valid(last(y, c["window"]))
            feats.append(float(v.std()) / level if len(v) >= c["min_valid"] else np.nan)
        elif op == "missing_count":
            feats.append(float(c["window"] - len(valid(last(y, c["window"])))))
        elif op == "temp":
            x = temp[len(temp) - 1 - c["lag"]]
            feats.append(float(x) if np.isfinite(x) else np.nan)
        elif op in ("temp_mean", "temp_max", "temp_min"):
            v = valid(last(temp, c["window"]))
            f = {"temp_mean": np.mean, "temp_max": np.max, "temp_min": np.min}[op]
            feats.append(float(f(v)) if len(v) >= c["min_valid"] else np.nan)
        elif op == "local_hour":
            loc = _local(anchor, spec)
            feats.append(loc.hour + loc.minute / 60)
        elif op == "local_dow":
            feats.append(float(_local(anchor, spec).dayofweek))
    return np.asarray(feats, dtype=np.float32)


def windows_of(values: np.ndarray, tt: np.ndarray, ss: np.ndarray, n: int) -> np.ndarray:
    """[cells, n] float64: values[t-n+1 .. t, s] for each cell (NaN before the series starts)."""
    T = values.shape[0]
    idx = tt[:, None] + np.arange(-n + 1, 1)[None, :]
    ok = idx >= 0
    out = np.where(ok, values[np.clip(idx, 0, T - 1), ss[:, None]], np.nan)
    return out.astype(np.float64)


def cell_features(
    values: np.ndarray,
    temperature: np.ndarray | None,
    times: pd.DatetimeIndex,
    tt: np.ndarray,
    ss: np.ndarray,
    spec: FeatureSpec,
    chunk: int = 20000,
) -> tuple[np.ndarray, np.ndarray]:
    """Features of the cells (anchor tt[i], series ss[i]) of a [T, S] panel: X [cells, F] float32
    (NaN rows where no forecast is possible) and ``ok`` [cells] bool. Same rules as
    window_features, vectorised; computed in float64 and cast once, like the reference."""
    tt, ss = np.asarray(tt, dtype=np.int64), np.asarray(ss, dtype=np.int64)
    cols = spec.columns()
    X = np.full((len(tt), len(cols)), np.nan, dtype=np.float32)
    ok = np.zeros(len(tt), dtype=bool)
    local = times + pd.Timedelta(hours=spec.utc_offset_hours)
    hour_of = (local.hour + local.minute / 60).to_numpy(np.float64)
    dow_of = local.dayofweek.to_numpy(np.float64)
    for a in range(0, len(tt), chunk):
        t, s = tt[a : a + chunk], ss[a : a + chunk]
        y = windows_of(values, t, s, spec.history)
        temp = (
            windows_of(temperature[:, None], t, np.zeros_like(t), spec.history) if spec.temperature else None
        )
        out = np.full((len(t), len(cols)), np.nan)
        level = None
        with np.errstate(invalid="ignore", divide="ignore"):
            for j, c in enumerate(cols):
                op = c["op"]
                if op in ("level", "load_mean_ratio", "load_std_ratio", "missing_count"):
                    w = y[:, -c["window"] :]
                    fin = np.isfinite(w)
                    cnt = fin.sum(axis=1)
                    mean = np.where(fin, w, 0).sum(axis=1) / np.maximum(cnt, 1)
                if op == "level":
                    good = cnt >= c["min_valid"]
                    level = np.where(good, np.maximum(spec.level_floor, mean), np.nan)
                    out[:, j] = level
                elif op == "load_ratio":
                    out[:, j] = y[:, -1 - c["lag"]] / level
                elif op == "load_mean_ratio":
                    out[:, j] = np.where(cnt >= c["min_valid"], mean / level, np.nan)
                elif op == "load_std_ratio":
                    var = np.where(fin, (w - mean[:, None]) ** 2, 0).sum(axis=1) / np.maximum(cnt, 1)
                    out[:, j] = np.where(cnt >= c["min_valid"], np.sqrt(var) / level, np.nan)
                elif op == "missing_count":
                    out[:, j] = c["window"] - cnt
                elif op == "temp":
                    out[:, j] = temp[:, -1 - c["lag"]]
                elif op in ("temp_mean", "temp_max", "temp_min"):
                    w = temp[:, -c["window"] :]
                    fin = np.isfinite(w)
                    cnt = fin.sum(axis=1)
                    if op == "temp_mean":
                        v = np.where(fin, w, 0).sum(axis=1) / np.maximum(cnt, 1)
                    elif op == "temp_max":
                        v = np.where(fin, w, -np.inf).max(axis=1)
                    else:
                        v = np.where(fin, w, np.inf).min(axis=1)
                    out[:, j] = np.where(cnt >= c["min_valid"], v, np.nan)
                elif op == "local_hour":
                    out[:, j] = hour_of[t]
                elif op == "local_dow":
                    out[:, j] = dow_of[t]
        good = np.isfinite(level)
        out[~good] = np.nan
        X[a : a + chunk] = out.astype(np.float32)
        ok[a : a + chunk] = good
    return X, ok


def cell_targets(values: np.ndarray, tt: np.ndarray, ss: np.ndarray, horizons: int) -> np.ndarray:
    """Y [cells, H]: y[t+h] (NaN if missing or beyond the data)."""
    T = values.shape[0]
    idx = np.asarray(tt)[:, None] + np.arange(1, horizons + 1)[None, :]
    return np.where(idx < T, values[np.clip(idx, 0, T - 1), np.asarray(ss)[:, None]], np.nan)


def cell_baselines(
    values: np.ndarray, tt: np.ndarray, ss: np.ndarray, spec: FeatureSpec
) -> tuple[np.ndarray, np.ndarray]:
    """Persistence P and seasonal naive N [cells, H].

    Persistence: the last observed load at or before t (looking back at most one day), for every h.
    Seasonal naive: y[t + h - Wk], the load at the same time last week (the same half-hour last week
    for taylor); NaN if that reading is missing. Cells where a baseline is NaN are left out of every
    comparison, so all methods are scored on the same cells."""
    tt, ss = np.asarray(tt), np.asarray(ss)
    H = spec.horizons
    w = windows_of(values, tt, ss, spec.day)
    fin = np.isfinite(w)
    last = np.where(
        fin.any(axis=1), w[np.arange(len(w)), spec.day - 1 - np.argmax(fin[:, ::-1], axis=1)], np.nan
    )
    P = np.repeat(last[:, None], H, axis=1)
    T = values.shape[0]
    idx = tt[:, None] + np.arange(1, H + 1)[None, :] - spec.week
    N = np.where(idx >= 0, values[np.clip(idx, 0, T - 1), ss[:, None]], np.nan)
    return P, N
