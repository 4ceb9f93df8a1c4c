"""The load forecaster: one XGBoost regressor per horizon on the features of features.py.

Target. Horizon h's booster predicts the change from a seasonal starting point, in units of the
level: y[t+h]/level - base_h, with base_h = the same time last week (r_lag_{Wk-h}), else the same
time yesterday (r_lag_{D-h}), else 1 (config ``target: "delta_weekly"``). Load repeats itself week
on week, so the trees only have to learn the correction (temperature, the last hours' deviation,
a missing week); ``"delta_daily"`` (yesterday first) and ``"ratio"`` (no base) are the options the
validation compared (energy card: "Model choices").

Loss. Squared error on the ratio with sample weight level² (normalised to mean 1), i.e. the squared
error in kW (MW for taylor), as for the AQI forecaster.

Intervals (normalised split conformal, as for AQI). On calibration periods the boosters never saw,
the scaled residuals e = (y/level - ratio) / sigma of each horizon give the α/2 and 1-α/2 empirical
quantiles q_lo, q_hi with the (n+1) correction; sigma = max(r_std_D, scale_floor) (config
``intervals.scale: "r_std"``) or 1 (``"level"``: residuals in units of the level only). The interval
is [max(0, level·(ratio + q_lo·sigma)), max(0, level·(ratio + q_hi·sigma))]. The guarantee needs
exchangeable residuals, which a seasonal series does not give: coverage on the test period is
measured and reported, not assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xgboost as xgb

from .. import forecast_common

from .features import FeatureSpec

SCALE_FLOOR = 0.02
TARGETS = ("delta_weekly", "delta_daily", "ratio")


def base_ratio(X: np.ndarray, spec: FeatureSpec, target: str) -> np.ndarray:
    """[N, H] float32 starting point of each horizon's forecast, in ratio units (as the graph)."""
    X = np.asarray(X, dtype=np.float32)
    n, H = len(X), spec.horizons
    if target == "ratio":
        return np.zeros((n, H), dtype=np.float32)
    week, day = spec.base_indices()
    first, second = (week, day) if target == "delta_weekly" else (day, week)
    a, b = X[:, first], X[:, second]
    one = np.float32(1)
    return np.where(np.isnan(a), np.where(np.isnan(b), one, b), a).astype(np.float32)


@dataclass
class Forecaster:
    spec: FeatureSpec
    boosters: list  # one xgb.Booster per horizon, index h-1
    target: str = "delta_weekly"
    q_lo: np.ndarray | None = None  # [H] offsets in units of sigma
    q_hi: np.ndarray | None = None
    alpha: float = 0.1
    scale: str = "r_std"  # "r_std": sigma = max(r_std_D, scale_floor); "level": sigma = 1
    scale_floor: float = SCALE_FLOOR

    def trees(self, X: np.ndarray) -> np.ndarray:
        """[N, H] float32 raw booster outputs, exactly as xgboost computes them."""
        d = xgb.DMatrix(np.asarray(X, dtype=np.float32), missing=np.nan)
        return np.stack([b.predict(d) for b in self.boosters], axis=1).astype(np.float32)

    def ratio(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        return self.trees(X) + base_ratio(X, self.spec, self.target)

    def sigma(self, X: np.ndarray) -> np.ndarray:
        """[N, 1] float32 interval scale, as the graph computes it."""
        X = np.asarray(X, dtype=np.float32)
        if self.scale == "level":
            return np.ones((len(X), 1), dtype=np.float32)
        sd = X[:, [self.spec.index(self.spec.std_name)]]
        return np.maximum(sd, np.float32(self.scale_floor))

    def predict(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """ratio, forecast, lower, upper with the ONNX graph's float32 arithmetic (the parity test's
        expected values)."""
        X = np.asarray(X, dtype=np.float32)
        r = self.ratio(X)
        level = X[:, [self.spec.level_index]]
        zero = np.float32(0)
        out = {"ratio": r, "forecast": np.maximum(r * level, zero)}
        if self.q_lo is not None:
            sigma = self.sigma(X)
            out["lower"] = np.maximum((r + self.q_lo.astype(np.float32) * sigma) * level, zero)
            out["upper"] = np.maximum((r + self.q_hi.astype(np.float32) * sigma) * level, zero)
        return out


def xgb_params(cfg: dict, seed: int) -> tuple[dict, int]:
    # The targets are changes from a seasonal base, centred on 0: start the trees there, not at
    # xgboost's default 0.5 (which a short smoke run would never boost away).
    return forecast_common.xgb_params(
        cfg, seed, {"learning_rate": 0.1, "n_jobs": 1, "n_estimators": 150, "base_score": 0.0}
    )


def fit(
    spec: FeatureSpec, X: np.ndarray, Y: np.ndarray, masks: list[np.ndarray], cfg: dict, seed: int
) -> Forecaster:
    """One booster per horizon; ``masks[h-1]`` selects the training rows of horizon h (their
    targets lie before the period the model is scored on: the caller guarantees it)."""
    target = cfg.get("target", "delta_weekly")
    if target not in TARGETS:
        raise ValueError(f"model.target must be one of {TARGETS}, got {target!r}")
    params, rounds = xgb_params(cfg, seed)
    weight_mode = cfg.get("weight", "level2")
    boosters = []
    base = base_ratio(X, spec, target)
    level_all = X[:, spec.level_index].astype(np.float64)
    for h in range(1, spec.horizons + 1):
        m = masks[h - 1]
        level = level_all[m]
        y = Y[m, h - 1] / level - base[m, h - 1]
        w = {"level": level, "level2": level**2}.get(weight_mode)
        if w is not None:
            w = w / w.mean()
        p = dict(params, seed=int(seed) * 1000 + h)  # per-horizon subsampling, a pure function of the seed
        d = xgb.DMatrix(X[m], label=y, weight=w, missing=np.nan)
        boosters.append(xgb.train(p, d, num_boost_round=rounds))
    return Forecaster(spec, boosters, target=target)
