"""Features of one station's recent series, as the model (and the TypeScript server) computes them.

Everything is defined on the regular grid of the data's resolution ("step" = 1 h or 1 day) and
relative to the *anchor* t, the last step whose reading is (or could be) known when the forecast is
made. y[t-k] is the reading k steps before the anchor; NaN/absent = missing. With s the season
(24 steps hourly, 7 daily), L the number of lags and W the long window:

    level      = max(LEVEL_FLOOR, mean of the valid y[t-s+1 .. t])     no forecast if < ceil(s/2) valid
    r_lag_k    = y[t-k] / level,                 k = 0 .. L-1            NaN if missing
    r_mean_3   = mean of valid y[t-2 .. t] / level                       NaN if none valid
    r_mean_W   = mean of valid y[t-W+1 .. t] / level                     NaN if fewer than ceil(W/4) valid
    r_std_s    = population std (ddof 0) of valid y[t-s+1 .. t] / level  NaN if fewer than ceil(s/2) valid
    n_missing  = number of missing y[t-s+1 .. t]
    level      (the same level, in the data's unit: trees use it as a feature, the graph to rescale)
    hour       = UTC hour of the anchor, 0..23 (hourly data only)
    dow        = UTC day of week of the anchor, Monday = 0

Why ratios to a recent level: one global model serves stations whose levels differ several-fold,
and a level shift (a dirtier city, a +30 % drift) then moves one input instead of all of them. The
model predicts y[t+h] / level for h = 1..H (as a change from r_lag_0, see model.py); the ONNX
graph multiplies by ``level`` itself.

``window_features`` computes the same thing from one plain window of readings, written for clarity
(it is what the TypeScript side mirrors); ``panel_features`` is the vectorised version used in
training; a test asserts they agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

LEVEL_FLOOR = 1.0  # µg/m³: keeps ratios finite for clean-air stations reporting 0 (AirBase has such days)


@dataclass(frozen=True)
class FeatureSpec:
    resolution: str  # "hourly" | "daily"
    season: int  # s, steps
    n_lags: int  # L
    long_window: int  # W, steps
    horizons: int  # H

    @staticmethod
    def for_resolution(
        resolution: str, horizons: int = 24, n_lags: int | None = None, long_window: int | None = None
    ) -> "FeatureSpec":
        if resolution == "hourly":
            return FeatureSpec("hourly", 24, n_lags or 24, long_window or 168, horizons)
        if resolution == "daily":
            return FeatureSpec("daily", 7, n_lags or 14, long_window or 28, horizons)
        raise ValueError(f"unknown resolution {resolution!r}")

    @property
    def min_level_obs(self) -> int:
        return math.ceil(self.season / 2)

    @property
    def min_long_obs(self) -> int:
        return math.ceil(self.long_window / 4)

    @property
    def history(self) -> int:
        """Readings the server must hand over: the longest window any feature looks at."""
        return max(self.season, self.n_lags, self.long_window, 3)

    @property
    def names(self) -> list[str]:
        names = ["level"] + [f"r_lag_{k}" for k in range(self.n_lags)]
        names += ["r_mean_3", f"r_mean_{self.long_window}", f"r_std_{self.season}", "n_missing"]
        if self.resolution == "hourly":
            names.append("hour")
        names.append("dow")
        return names

    @property
    def level_index(self) -> int:
        return self.names.index("level")

    def to_json(self) -> dict:
        return asdict(self)


def describe(spec: FeatureSpec, unit: str) -> list[dict]:
    """Name, unit and meaning of every input column, in order (for metadata.json)."""
    s, w = spec.season, spec.long_window
    step = "h" if spec.resolution == "hourly" else "d"
    out = [
        {
            "name": "level",
            "unit": unit,
            "description": (
                f"max({LEVEL_FLOOR}, mean of the valid readings y[t-{s - 1}..t]); needs >="
                f" {spec.min_level_obs} valid readings, else do not forecast"
            ),
        }
    ]
    for k in range(spec.n_lags):
        out.append(
            {
                "name": f"r_lag_{k}",
                "unit": "ratio",
                "description": f"y[t-{k}] / level (reading {k} {step} before the anchor); NaN if missing",
            }
        )
    out += [
        {
            "name": "r_mean_3",
            "unit": "ratio",
            "description": "mean of the valid y[t-2..t] / level; NaN if none valid",
        },
        {
            "name": f"r_mean_{w}",
            "unit": "ratio",
            "description": (
                f"mean of the valid y[t-{w - 1}..t] / level; NaN if fewer than {spec.min_long_obs} valid"
            ),
        },
        {
            "name": f"r_std_{s}",
            "unit": "ratio",
            "description": (
                f"population standard deviation (ddof 0) of the valid y[t-{s - 1}..t] / level; NaN if fewer"
                f" than {spec.min_level_obs} valid"
            ),
        },
        {
            "name": "n_missing",
            "unit": "count",
            "description": f"number of missing readings among y[t-{s - 1}..t]",
        },
    ]
    if spec.resolution == "hourly":
        out.append({"name": "hour", "unit": "hour", "description": "UTC hour of the anchor time t, 0..23"})
    out.append(
        {
            "name": "dow",
            "unit": "day",
            "description": "UTC day of week of the anchor time t, Monday = 0 .. Sunday = 6",
        }
    )
    return out


def window_features(window: np.ndarray, anchor: pd.Timestamp, spec: FeatureSpec) -> np.ndarray | None:
    """Features from the last ``spec.history`` readings (oldest first; last = anchor), or None if
    there is not enough recent data to forecast. Reference implementation, mirrored in TypeScript."""
    y = np.asarray(window, dtype=float)
    if len(y) < spec.history:
        y = np.concatenate([np.full(spec.history - len(y), np.nan), y])
    y = y[-spec.history :]

    def last(n: int) -> np.ndarray:
        return y[len(y) - n :]

    season = last(spec.season)
    valid = season[np.isfinite(season)]
    if len(valid) < spec.min_level_obs:
        return None
    level = max(LEVEL_FLOOR, float(valid.mean()))
    feats = [level]
    for k in range(spec.n_lags):
        v = y[len(y) - 1 - k]
        feats.append(v / level if np.isfinite(v) else np.nan)
    m3 = last(3)[np.isfinite(last(3))]
    feats.append(m3.mean() / level if len(m3) else np.nan)
    lw = last(spec.long_window)[np.isfinite(last(spec.long_window))]
    feats.append(lw.mean() / level if len(lw) >= spec.min_long_obs else np.nan)
    feats.append(valid.std() / level)
    feats.append(float(spec.season - len(valid)))
    if spec.resolution == "hourly":
        feats.append(float(anchor.hour))
    feats.append(float(anchor.dayofweek))
    return np.asarray(feats, dtype=np.float32)


def panel_features(
    values: np.ndarray, times: pd.DatetimeIndex, spec: FeatureSpec
) -> tuple[np.ndarray, np.ndarray]:
    """Features for every (anchor, station) of a panel.

    Returns X [T, S, F] float32 (NaN rows where no forecast is possible) and ``ok`` [T, S] bool.
    """
    T, S = values.shape
    df = pd.DataFrame(values)
    s, w = spec.season, spec.long_window
    level_raw = df.rolling(s, min_periods=spec.min_level_obs).mean().to_numpy()
    ok = np.isfinite(level_raw)
    level = np.maximum(level_raw, LEVEL_FLOOR)
    cols = [level]
    for k in range(spec.n_lags):
        cols.append(df.shift(k).to_numpy() / level)
    cols.append(df.rolling(3, min_periods=1).mean().to_numpy() / level)
    cols.append(df.rolling(w, min_periods=spec.min_long_obs).mean().to_numpy() / level)
    cols.append(df.rolling(s, min_periods=spec.min_level_obs).std(ddof=0).to_numpy() / level)
    count = df.rolling(s, min_periods=0).count().to_numpy()
    cols.append(s - count)
    if spec.resolution == "hourly":
        cols.append(np.repeat(times.hour.to_numpy()[:, None], S, axis=1).astype(float))
    cols.append(np.repeat(times.dayofweek.to_numpy()[:, None], S, axis=1).astype(float))
    X = np.stack(cols, axis=-1).astype(np.float32)
    X[~ok] = np.nan
    return X, ok


def targets(values: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Y[t, s, h-1] = y[t+h] (NaN if missing or beyond the data)."""
    T, S = values.shape
    Y = np.full((T, S, spec.horizons), np.nan)
    for h in range(1, spec.horizons + 1):
        Y[: T - h, :, h - 1] = values[h:]
    return Y


def baselines(values: np.ndarray, spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray]:
    """Persistence and seasonal-naive forecasts P[t, s, h-1], N[t, s, h-1].

    Persistence: the last observed reading at or before t (looking back at most one season).
    Seasonal naive: y[t + h - s*ceil(h/s)], the latest reading at the same phase of the season
    (same hour yesterday / same weekday last week); if that one is missing, the same phase one
    season earlier, up to 4 seasons back. Both are NaN when nothing qualifies, and the evaluation
    then compares all methods only where every one of them has a forecast.
    """
    T, S = values.shape
    s, H = spec.season, spec.horizons
    last_obs = pd.DataFrame(values).ffill(limit=s - 1).to_numpy()
    P = np.repeat(last_obs[:, :, None], H, axis=2)
    N = np.full((T, S, H), np.nan)
    for h in range(1, H + 1):
        back = s * math.ceil(h / s) - h  # steps before t of the same phase as t+h
        for extra in range(4):
            lag = back + extra * s
            shifted = np.full((T, S), np.nan)
            if lag < T:
                shifted[lag:] = values[: T - lag]
            fill = np.isnan(N[:, :, h - 1])
            N[:, :, h - 1][fill] = shifted[fill]
    return P, N
