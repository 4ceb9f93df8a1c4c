"""Prediction intervals that hold where they are used: per-horizon, per-side online recalibration.

Why. The static split-conformal offsets (model.py) come from a calibration period that ends where
the test period starts; the simulated city's calm summer calibrated a stormy winter, and its 90 %
intervals covered 80.8 % (72 % at h = 24), getting worse month by month. AirBase's 89.5 % hid
9.0 % misses below and 1.5 % above. An interval has to be recalibrated on the model's own recent
errors, as readings arrive, and per side.

What. The score of a forecast cell is the normalised residual of model.py,

    e = (y / level - ratio) / sigma,        sigma = max(r_std_s, scale_floor)

(the lower side's nonconformity score is -e and the upper side's is e; both are functions of the
same observation, so one window of e per horizon serves both sides). For each horizon h the
calibrator keeps the most recent ``window`` observed scores and two miscoverage levels, a_lo and
a_hi, both starting at alpha/2. The interval offsets are order statistics of that window with the
(n+1) correction, exactly as ``forecast_common.split_conformal_quantiles``:

    q_lo = the k_lo-th smallest, k_lo = clamp(floor((n + 1) * a_lo), 1, n)
    q_hi = the k_hi-th smallest, k_hi = clamp(ceil((n + 1) * (1 - a_hi)), 1, n)

and the interval is [max(0, level (ratio + q_lo sigma)), max(0, level (ratio + q_hi sigma))], the
ONNX graph's own formula with the offsets replaced. When the error of a forecast becomes known
(h steps after it was issued) adaptive conformal inference (Gibbs & Candès 2021, "Adaptive
conformal inference under distribution shift") moves each side's level by gamma:

    a_lo <- clip(a_lo + gamma (alpha/2 - [e < q_lo issued]), 0, 0.5)    (same for a_hi, e > q_hi)

and e enters the window (the oldest leaves). The clip keeps a run of misses from pushing a level
far below 0, where the index is clamped anyway and the level would take long to come back.

Online evaluation (``simulate``) replays a period in time order: at each anchor time t, first every
error whose target time is <= t is observed (the reading at t is what a forecast anchored at t
starts from, so it is known), then the anchor's forecasts are issued. No forecast ever uses an
error observed after it was made.

Choice of window and gamma: on the pre-test calibration period only (out-of-sample errors of the
earlier rolling-origin models; the window starts empty, the first origin's stretch warms it up and
the rest is scored). The test period is used once, to report. ``serving_state`` writes the state at
the end of the test period (the most recent scores, quantised) for the TypeScript calibrator
(subgraphs/predictions/src/models/aqi/interval-calibrator.ts), which continues from there.
"""

from __future__ import annotations

import base64
import bisect
import math
import zlib
from collections import deque
from dataclasses import dataclass, field

import numpy as np

WINDOWS = (1000, 2000, 4000, 8000, 16000)
GAMMAS = (0.0, 0.0002, 0.0005, 0.001, 0.002, 0.005)
TARGET_COVERAGE = (0.88, 0.92)  # every horizon
TARGET_SIDE = (0.03, 0.07)  # each side's miss rate, 5 ± 2 %
MIN_SCORES = 50  # a window with fewer issues no interval (validation warm-up only)
QUANTUM = 0.01  # serving state: scores rounded to 0.01 sigma, stored as int16
LEVEL_CLIP = (0.0, 0.5)


def order_stat_quantiles(sorted_scores, a_lo: float, a_hi: float) -> tuple[float, float]:
    """(q_lo, q_hi) of an ascending list; the static offsets are this with a_lo = a_hi = alpha/2."""
    n = len(sorted_scores)
    k_lo = min(n, max(1, math.floor((n + 1) * a_lo)))
    k_hi = min(n, max(1, math.ceil((n + 1) * (1 - a_hi))))
    return float(sorted_scores[k_lo - 1]), float(sorted_scores[k_hi - 1])


@dataclass
class HorizonCalibrator:
    """The rolling window and the two ACI levels of one horizon (one sensor pool)."""

    window: int
    gamma: float
    alpha: float = 0.1
    a_lo: float = field(default=-1.0)
    a_hi: float = field(default=-1.0)

    def __post_init__(self):
        if self.a_lo < 0:
            self.a_lo = self.alpha / 2
        if self.a_hi < 0:
            self.a_hi = self.alpha / 2
        self._fifo: deque = deque()
        self._sorted: list[float] = []

    def seed(self, scores) -> "HorizonCalibrator":
        """Start from these scores (oldest first); only the last ``window`` are kept."""
        for e in list(scores)[-self.window :]:
            self._push(float(e))
        return self

    @property
    def n(self) -> int:
        return len(self._fifo)

    def scores(self) -> list[float]:
        return list(self._fifo)

    def quantiles(self) -> tuple[float, float] | None:
        if not self._fifo:
            return None
        return order_stat_quantiles(self._sorted, self.a_lo, self.a_hi)

    def observe(self, e: float, q_lo: float | None, q_hi: float | None) -> None:
        """The score of a forecast whose reading just arrived, with the offsets it was issued with
        (None when no interval was issued: the score still enters the window, the levels stay)."""
        if q_lo is not None and self.gamma > 0:
            lo, hi = LEVEL_CLIP
            self.a_lo = min(hi, max(lo, self.a_lo + self.gamma * (self.alpha / 2 - float(e < q_lo))))
            self.a_hi = min(hi, max(lo, self.a_hi + self.gamma * (self.alpha / 2 - float(e > q_hi))))
        self._push(float(e))

    def _push(self, e: float) -> None:
        self._fifo.append(e)
        bisect.insort(self._sorted, e)
        if len(self._fifo) > self.window:
            old = self._fifo.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]


def simulate(
    t: np.ndarray,
    e: np.ndarray,
    h: int,
    cal: HorizonCalibrator,
    static: tuple[float, float] | None = None,
    min_scores: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Replay one horizon's cells in time order. ``t`` = anchor index of each cell, ``e`` = its
    score; cells must be sorted by t (ties in any fixed order). Returns the issued (q_lo, q_hi) per
    cell, NaN where the window had fewer than ``min_scores`` scores. With ``static`` the offsets are
    fixed (split conformal): nothing is updated."""
    n = len(t)
    q_lo = np.full(n, np.nan)
    q_hi = np.full(n, np.nan)
    if static is not None:
        q_lo[:], q_hi[:] = static
        return q_lo, q_hi
    fed = 0
    i = 0
    while i < n:
        anchor = t[i]
        # errors of forecasts whose target time t + h is at or before this anchor are known now
        while fed < i and t[fed] + h <= anchor:
            lo, hi = q_lo[fed], q_hi[fed]
            cal.observe(e[fed], None if np.isnan(lo) else lo, None if np.isnan(hi) else hi)
            fed += 1
        j = i
        while j < n and t[j] == anchor:
            j += 1
        q = cal.quantiles() if cal.n >= min_scores else None
        if q is not None:
            q_lo[i:j], q_hi[i:j] = q
        i = j
    return q_lo, q_hi


def score_cells(y, level, ratio, sigma, q_lo, q_hi) -> dict:
    """Coverage and one-sided misses of intervals in the data's unit (NaN offsets are not scored)."""
    m = np.isfinite(q_lo)
    y, level, ratio, sigma, q_lo, q_hi = (
        np.asarray(a, np.float64)[m] for a in (y, level, ratio, sigma, q_lo, q_hi)
    )
    lower = np.maximum(0.0, level * (ratio + q_lo * sigma))
    upper = np.maximum(0.0, level * (ratio + q_hi * sigma))
    n = int(m.sum())
    if n == 0:
        return {"n": 0}
    below, above = y < lower, y > upper
    return {
        "n": n,
        "coverage": round(float(1 - below.mean() - above.mean()), 4),
        "miss_below": round(float(below.mean()), 4),
        "miss_above": round(float(above.mean()), 4),
        "width_mean": round(float((upper - lower).mean()), 4),
    }


@dataclass
class Cells:
    """One horizon's forecast cells of a period, sorted by (anchor, station)."""

    t: np.ndarray
    e: np.ndarray
    y: np.ndarray
    level: np.ndarray
    ratio: np.ndarray
    sigma: np.ndarray

    @staticmethod
    def of(t, station, y, level, ratio, sigma) -> "Cells":
        t, station = np.asarray(t), np.asarray(station)
        order = np.lexsort((station, t))
        y, level, ratio, sigma = (np.asarray(a, np.float64)[order] for a in (y, level, ratio, sigma))
        return Cells(t[order], (y / level - ratio) / sigma, y, level, ratio, sigma)


def run_period(
    cells: list[Cells],
    window: int,
    gamma: float,
    alpha: float,
    seed: list[np.ndarray] | None = None,
    static: list[tuple[float, float]] | None = None,
    score_from: int | None = None,
    min_scores: int = 1,
    times=None,
) -> tuple[dict, list[HorizonCalibrator]]:
    """Per-horizon replay of a period: returns the evaluation (per horizon, overall, per month
    when ``times`` maps anchor indices to timestamps) and the calibrators' final state."""
    per, cals, pooled = [], [], []
    for k, c in enumerate(cells):
        h = k + 1
        cal = HorizonCalibrator(window, gamma, alpha).seed(seed[k] if seed is not None else [])
        q_lo, q_hi = simulate(c.t, c.e, h, cal, static[k] if static else None, min_scores)
        if score_from is not None:
            q_lo = np.where(c.t >= score_from, q_lo, np.nan)
        per.append({"horizon": h, **score_cells(c.y, c.level, c.ratio, c.sigma, q_lo, q_hi)})
        pooled.append((c, q_lo, q_hi))
        cals.append(cal)
    allc = [np.concatenate([getattr(c, f) for c, _, _ in pooled]) for f in ("y", "level", "ratio", "sigma")]
    qlo = np.concatenate([q for _, q, _ in pooled])
    qhi = np.concatenate([q for _, _, q in pooled])
    out = {"per_horizon": per, "overall": score_cells(*allc, qlo, qhi)}
    if times is not None:
        t_all = np.concatenate([c.t for c, _, _ in pooled])
        uniq, inv = np.unique(t_all, return_inverse=True)
        month = np.array([times[i].strftime("%Y-%m") for i in uniq])[inv]
        out["per_month"] = [
            {"month": mo, **score_cells(*(a[month == mo] for a in allc), qlo[month == mo], qhi[month == mo])}
            for mo in sorted(set(month))
        ]
    out["meets_target"] = meets_target(out)
    return out, cals


def meets_target(result: dict) -> dict:
    per = [r for r in result["per_horizon"] if r.get("n")]
    cov_ok = [TARGET_COVERAGE[0] <= r["coverage"] <= TARGET_COVERAGE[1] for r in per]
    side_ok = [
        TARGET_SIDE[0] <= r["miss_below"] <= TARGET_SIDE[1]
        and TARGET_SIDE[0] <= r["miss_above"] <= TARGET_SIDE[1]
        for r in per
    ]
    return {
        "horizons_coverage_in_88_92": int(sum(cov_ok)),
        "horizons_both_sides_in_3_7": int(sum(side_ok)),
        "horizons": len(per),
        "all": bool(all(cov_ok) and all(side_ok)),
    }


def _badness(result: dict, alpha: float) -> float:
    """Selection criterion: the worst horizon's worst side, distance of its miss rate from alpha/2."""
    return max(
        (
            max(abs(r["miss_below"] - alpha / 2), abs(r["miss_above"] - alpha / 2))
            for r in result["per_horizon"]
            if r.get("n")
        ),
        default=math.inf,
    )


def choose(val_cells: list[Cells], alpha: float, score_from: int, windows=WINDOWS, gammas=GAMMAS) -> dict:
    """Grid search of (window, gamma) on the validation period (window starts empty)."""
    grid = []
    for w in windows:
        for g in gammas:
            res, _ = run_period(val_cells, w, g, alpha, score_from=score_from, min_scores=MIN_SCORES)
            grid.append(
                {
                    "window": w,
                    "gamma": g,
                    "worst_side_error": round(_badness(res, alpha), 4),
                    "coverage": res["overall"]["coverage"],
                    "coverage_min": min(
                        (r["coverage"] for r in res["per_horizon"] if r.get("n")), default=None
                    ),
                    "coverage_max": max(
                        (r["coverage"] for r in res["per_horizon"] if r.get("n")), default=None
                    ),
                    **res["meets_target"],
                }
            )
    # ties: the smaller gamma (steadier), then the larger window (more scores per quantile)
    best = min(grid, key=lambda r: (r["worst_side_error"], r["gamma"], -r["window"]))
    return {"window": best["window"], "gamma": best["gamma"], "grid": grid}


def evaluate(
    val_cells: list[Cells],
    val_score_from: int,
    seed: list[np.ndarray],
    test_cells: list[Cells],
    static: list[tuple[float, float]],
    alpha: float,
    times,
    window: int | None = None,
    gamma: float | None = None,
) -> tuple[dict, list[HorizonCalibrator]]:
    """Before (static conformal) and after (online) on the test period, with the window and gamma
    chosen on validation unless given. ``seed`` = the calibration scores (oldest first)."""
    chosen = choose(val_cells, alpha, val_score_from)
    w = window if window is not None else chosen["window"]
    g = gamma if gamma is not None else chosen["gamma"]
    before, _ = run_period(test_cells, w, 0.0, alpha, static=static, times=times)
    after, cals = run_period(test_cells, w, g, alpha, seed=seed, times=times)
    val_after, _ = run_period(val_cells, w, g, alpha, score_from=val_score_from, min_scores=MIN_SCORES)
    return {
        "method": (
            "per horizon and side: rolling window of the most recent `window` observed scores e = (y/level -"
            " ratio)/sigma, order-statistic offsets with the (n+1) correction, adaptive conformal inference"
            " (Gibbs & Candes 2021) moving each side's miscoverage level by gamma after each observed error;"
            " replayed in time order, an error of horizon h known h steps after its forecast"
        ),
        "alpha": alpha,
        "window": w,
        "gamma": g,
        "chosen_on": "validation (the calibration period before the test period; out-of-sample fold errors)",
        "selection": {
            "criterion": "smallest worst |miss rate - alpha/2| over horizons and sides",
            "score_from_anchor": int(val_score_from),
            "validation_after": val_after,
            "grid": chosen["grid"],
        },
        "test_before_static": before,
        "test_after_online": after,
        "target": {"coverage_per_horizon": list(TARGET_COVERAGE), "miss_per_side": list(TARGET_SIDE)},
    }, cals


def serving_state(
    cals: list[HorizonCalibrator], version: str, alpha: float, scale_floor: float, until: str
) -> dict:
    """The calibrators' state for the TypeScript side: per horizon the window's scores (oldest
    first) rounded to QUANTUM and stored as deflated little-endian int16, base64."""
    horizons = []
    for k, cal in enumerate(cals):
        q = np.clip(np.round(np.asarray(cal.scores(), np.float64) / QUANTUM), -32767, 32767).astype("<i2")
        horizons.append(
            {
                "horizon": k + 1,
                "a_lo": cal.a_lo,
                "a_hi": cal.a_hi,
                "n": int(len(q)),
                "scores": base64.b64encode(zlib.compress(q.tobytes(), 9)).decode("ascii"),
            }
        )
    return {
        "version": version,
        "pool": "all sensors of the model version (one global model)",
        "alpha": alpha,
        "window": cals[0].window,
        "gamma": cals[0].gamma,
        "scale_floor": scale_floor,
        "quantum": QUANTUM,
        "encoding": "scores = base64(zlib(int16 little-endian)), value = int * quantum, oldest first",
        "observed_until": until,
        "horizons": horizons,
    }


def decode_scores(encoded: str, quantum: float = QUANTUM) -> np.ndarray:
    return np.frombuffer(zlib.decompress(base64.b64decode(encoded)), dtype="<i2").astype(np.float64) * quantum


def from_state(state: dict, window: int | None = None, gamma: float | None = None) -> list[HorizonCalibrator]:
    return [
        HorizonCalibrator(
            window or state["window"],
            state["gamma"] if gamma is None else gamma,
            state["alpha"],
            a_lo=h["a_lo"],
            a_hi=h["a_hi"],
        ).seed(decode_scores(h["scores"], state["quantum"]))
        for h in state["horizons"]
    ]


def parity_vectors(state: dict, rng: np.random.Generator, steps: int = 120) -> dict:
    """A shared script for the TypeScript calibrator: from the serving state, a sequence of issued
    intervals and observed readings, with the offsets, levels and intervals Python computes."""
    cals = from_state(state)
    H = len(cals)
    events = []
    pending: list[
        tuple[int, int, float, float, float, float, float]
    ] = []  # due, h, ratio, level, sigma, qlo, qhi
    for step in range(steps):
        for p in [p for p in pending if p[0] == step]:
            _, h, ratio, level, sigma, qlo, qhi = p
            e = float(rng.normal(0, 1.5 if step > steps // 2 else 0.8))
            y = max(0.0, level * (ratio + e * sigma))
            score = (y / level - ratio) / sigma
            cals[h - 1].observe(score, qlo, qhi)
            c = cals[h - 1]
            events.append(
                {
                    "op": "observe",
                    "horizon": h,
                    "y": y,
                    "ratio": ratio,
                    "level": level,
                    "sigma": sigma,
                    "q_lo": qlo,
                    "q_hi": qhi,
                    "a_lo": c.a_lo,
                    "a_hi": c.a_hi,
                    "n": c.n,
                }
            )
            pending.remove(p)
        h = int(rng.integers(1, H + 1))
        ratio = float(rng.uniform(0.5, 1.5))
        level = float(rng.uniform(3, 60))
        sigma = float(max(state["scale_floor"], rng.uniform(0, 0.4)))
        qlo, qhi = cals[h - 1].quantiles()
        events.append(
            {
                "op": "interval",
                "horizon": h,
                "ratio": ratio,
                "level": level,
                "sigma": sigma,
                "q_lo": qlo,
                "q_hi": qhi,
                "lower": max(0.0, level * (ratio + qlo * sigma)),
                "upper": max(0.0, level * (ratio + qhi * sigma)),
            }
        )
        pending.append((step + min(h, 5), h, ratio, level, sigma, qlo, qhi))
    return {
        "what": (
            "replay from interval_calibration.json: 'interval' issues an interval with the current offsets,"
            " 'observe' feeds the reading y of an earlier interval; expected values from"
            " training/cityassist_training/aqi/online_intervals.py"
        ),
        "tolerance": 1e-9,
        "events": events,
    }
