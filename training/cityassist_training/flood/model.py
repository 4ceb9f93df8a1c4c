"""The XGBoost model: fitting with fixed seeds, predicting margins/probabilities/contributions."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

# Keys of the config's "xgboost" block that are ours, not XGBoost parameters.
_OURS = {"n_estimators", "base_score_from_prevalence", "missing_augmentation"}


def fit(X: np.ndarray, y: np.ndarray, params: dict, seed: int) -> xgb.Booster:
    p = {k: v for k, v in params.items() if k not in _OURS}
    p["seed"] = seed
    p["eval_metric"] = "logloss"
    if params.get("base_score_from_prevalence", False):
        # Starting from the prevalence instead of 0.5 spends no trees on learning the intercept;
        # XGBoost 1.7 does not estimate it itself. Clipped so logit() stays finite on tiny folds.
        p["base_score"] = float(np.clip(y.mean(), 1e-4, 1 - 1e-4))
    X = np.array(X, dtype=np.float32)
    rate = float(params.get("missing_augmentation", 0.0))
    if rate > 0:
        # Blank a few values at random. Without this, a feature that is never missing in training
        # gets an arbitrary default branch, and a broken rain gauge at serving time (null in the
        # feature store) can send a dry zone down the "heavy rain" path. With it, the default branch
        # is learned: NaN means "average over what the others say".
        rng = np.random.default_rng([seed, 7])
        X[rng.random(X.shape) < rate] = np.nan
    dtrain = xgb.DMatrix(X, label=y, missing=np.nan)
    return xgb.train(p, dtrain, num_boost_round=int(params["n_estimators"]))


def _dm(X: np.ndarray) -> xgb.DMatrix:
    return xgb.DMatrix(np.asarray(X, dtype=np.float32), missing=np.nan)


def predict_proba(b: xgb.Booster, X: np.ndarray) -> np.ndarray:
    return b.predict(_dm(X))


def predict_margin(b: xgb.Booster, X: np.ndarray) -> np.ndarray:
    return b.predict(_dm(X), output_margin=True)


def predict_contribs(b: xgb.Booster, X: np.ndarray) -> np.ndarray:
    return b.predict(_dm(X), pred_contribs=True)
