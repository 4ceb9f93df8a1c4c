"""The drift reference of a served model: what its inputs look like *per time window* in training.

Issue 17 part 2. Comparing the 470 zones of one storm hour with four years of pooled zone-hours
calls every hour drift (no training hour passes its own PSI threshold). The unit is the time slice:
every hourly slice of the city's inputs (all zones at one ``as_of``) belongs to a window (a UTC day
of ``as_of``), and each window is summarised at the city level:

- ``mean``: mean of the present values over the window's zone-hours;
- ``wetMean``: mean of the values above zero (rain *given* rain: a unit change moves it 25x, the
  weather much less, because here a wet day rains over the whole city for all 24 hours);
- ``wetShare``: share of present values above zero;
- ``missingShare``: share of missing values (not evaluated when a feature is missing everywhere:
  that feature's feed is absent, which the ETL's freshness alerts own, not drift);
- ``psi``: PSI of the window's zone-hours against the pooled training histogram.

Each statistic's thresholds come from the training windows' own variability, per season (Seattle's
wet October-April and dry May-September, the daily series the rain is disaggregated from): a
window is *beyond* when a statistic is under its 0.5th or over its 99.5th percentile (``psi`` and
``missingShare``: over its 99th; fewer missing values or a shape nearer the pooled one is no
problem), and *back inside* when within the 2.5th-97.5th (those two: under their 95th). Serving
raises an alarm after as many consecutive windows beyond one side as one more than the longest run
training had (at least ``ALARM_AFTER``) and clears it after ``CLEAR_AFTER`` consecutive windows back
inside (hysteresis). Windows before the model's ``split.holdout_start`` set the thresholds; the
later ones measure the false-alarm rate. The energy forecaster's reference (``build_energy``) is the
same on its own features, without seasons. The AQI forecaster's (``build_aqi``) slices are the
sensors scored at one anchor hour, with their own minimum (``window.minRows``, 9 of 12 sensors),
``hour``/``dow`` unjudged and only ``mean``/``missingShare`` judged (see ``AQI_STATISTICS``).

Static features (terrain: a zone's value never changes between hours) are not summarised: their
exact per-zone float32 values and a SHA-256 fingerprint of them are stored, and serving checks
equality.

    cd training && /usr/bin/python3 -m cityassist_training.drift_reference ../models/flood/1.0.0

rewrites ``drift_reference.json`` in that folder from the same deterministic simulation the version
was trained on (its ``lineage.config``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]

WINDOW_HOURS = 24
# A closed window is evaluated when at least this share of its hourly slices was seen.
MIN_COVERAGE = 0.75
SEASONS = {"wet": [10, 11, 12, 1, 2, 3, 4], "dry": [5, 6, 7, 8, 9]}
# Statistics bounded on both sides; missingShare and psi only from above (fewer missing values or a
# shape closer to the pooled one than training ever had is no problem).
TWO_SIDED = ("mean", "wetMean", "wetShare")
UPPER_ONLY = ("missingShare", "psi")
STATISTICS = (*TWO_SIDED, *UPPER_ONLY)
# Percentiles (of the training windows) bounding "beyond" and "back inside".
BEYOND = (0.5, 99.5)
INSIDE = (2.5, 97.5)
PSI_BEYOND, PSI_INSIDE = 99.0, 95.0
# The fewest consecutive windows beyond that raise an alarm, per side: more rain than training had is
# usually a storm that lasts days (the held-out November 2015 storms: two days beyond the 99.5th
# percentile of rain_24h), too little rain *while it rains* (a unit error) never happened in training.
ALARM_AFTER = {"low": 2, "high": 3}
CLEAR_AFTER = 2
PSI_FLOOR = 1e-4  # as packages/inference/src/serving/psi.ts
INCH_MM = 25.4
RAIN_FEATURES = ("rain_1h_mm", "rain_24h_mm", "rain_72h_mm")


def season_of(month: int, seasons: dict = SEASONS) -> str:
    return next(name for name, months in seasons.items() if month in months)


def window_of(as_of: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The window (UTC day) of each slice: the day its hour belongs to, i.e. as_of in (00:00, 24:00]
    (as_of is the end of the hour, so midnight closes the day before)."""
    return (as_of - pd.Timedelta(milliseconds=1)).floor("D")


def bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bins as serving counts them: below the first edge in the first bin, above the last in the last."""
    return np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)


def psi(ref_counts: np.ndarray, live_counts: np.ndarray) -> float:
    """PSI = sum (p - q) ln(p / q) with the same floor as psi.ts; 0 without live values."""
    n = live_counts.sum()
    if n == 0:
        return 0.0
    p = np.maximum(live_counts / n, PSI_FLOOR)
    q = np.maximum(ref_counts / ref_counts.sum(), PSI_FLOOR)
    return float(np.sum((p - q) * np.log(p / q)))


def window_statistics(values: np.ndarray, edges: np.ndarray, ref_counts: np.ndarray) -> dict:
    """The city-level summaries of one window's values (any shape; NaN = missing)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    present = v[~np.isnan(v)]
    n = v.size
    out = {"rows": int(n), "present": int(present.size)}
    out["missingShare"] = float((n - present.size) / n) if n else math.nan
    if present.size == 0:
        return {**out, "mean": math.nan, "wetMean": math.nan, "wetShare": math.nan, "psi": math.nan}
    wet = present[present > 0]
    counts = np.bincount(bin_index(present, edges), minlength=len(edges) - 1)
    return {
        **out,
        "mean": float(present.mean()),
        "wetMean": float(wet.mean()) if wet.size else math.nan,
        "wetShare": float(wet.size / present.size),
        "psi": psi(ref_counts, counts),
    }


def thresholds(values: np.ndarray, statistic: str) -> dict | None:
    v = values[~np.isnan(values)]
    if v.size < 20:
        return None
    if statistic in UPPER_ONLY:
        return {
            "upper": float(np.percentile(v, PSI_BEYOND)),
            "clearUpper": float(np.percentile(v, PSI_INSIDE)),
            "windows": int(v.size),
        }
    return {
        "lower": float(np.percentile(v, BEYOND[0])),
        "upper": float(np.percentile(v, BEYOND[1])),
        "clearLower": float(np.percentile(v, INSIDE[0])),
        "clearUpper": float(np.percentile(v, INSIDE[1])),
        "windows": int(v.size),
    }


def state_of(value: float, t: dict | None) -> str:
    """``low``/``high`` (beyond a threshold, which side), ``inside`` (back within the clear band),
    ``between``, or ``none`` (no value: a dry window has no wetMean; it neither counts nor resets)."""
    if t is None or value is None or math.isnan(value):
        return "none"
    if value < t.get("lower", -math.inf):
        return "low"
    if value > t["upper"]:
        return "high"
    if t.get("clearLower", -math.inf) <= value <= t["clearUpper"]:
        return "inside"
    return "between"


def fingerprint(zone_ids: list[str], values: np.ndarray) -> str:
    """SHA-256 over the zones in id order: each id, a NUL, its float32 values (little endian).
    serving (drift-window.ts) hashes the same bytes."""
    h = hashlib.sha256()
    order = np.argsort(np.asarray(zone_ids))
    v = np.asarray(values, dtype="<f4")
    for i in order:
        h.update(zone_ids[i].encode() + b"\0")
        h.update(v[i].tobytes())
    return h.hexdigest()


def f32(x) -> float:
    """The exact double of a float32, so JSON round-trips to the same float32 serving compares."""
    return float(np.float32(x))


class Hysteresis:
    """The serving rule (drift-window.ts), for measuring it here: alarm after ``alarm_after[side]``
    consecutive windows beyond on one side, clear after ``clear_after`` consecutive windows inside."""

    def __init__(self, alarm_after: dict, clear_after: int = CLEAR_AFTER):
        self.alarm_after, self.clear_after = alarm_after, clear_after
        self.alarm, self.run, self.side, self.inside = False, 0, None, 0

    def step(self, state: str) -> str | None:
        """One window's state; returns ``raised``/``cleared`` on a transition."""
        if state == "none":
            return None
        if state in ("low", "high"):
            self.run = self.run + 1 if state == self.side else 1
            self.side = state
        else:
            self.run, self.side = 0, None
        self.inside = self.inside + 1 if state == "inside" else 0
        if not self.alarm and self.side and self.run >= self.alarm_after[self.side]:
            self.alarm = True
            return "raised"
        if self.alarm and self.inside >= self.clear_after:
            self.alarm = False
            return "cleared"
        return None


def window_table(
    slices: dict[str, np.ndarray], as_of: pd.DatetimeIndex, specs: dict[str, dict]
) -> pd.DataFrame:
    """One row per (window, feature, statistic). ``slices[f]`` is [T, Z] (hour, zone)."""
    day = window_of(as_of)
    rows = []
    for start in day.unique():
        sel = np.flatnonzero(day == start)
        for f, x in slices.items():
            s = window_statistics(x[sel], specs[f]["edges"], specs[f]["counts"])
            for stat in STATISTICS:
                rows.append((start, f, stat, s[stat], len(sel)))
    return pd.DataFrame(rows, columns=["window", "feature", "statistic", "value", "slices"])


def machine_for(reference: dict, feature: str, statistic: str) -> Hysteresis:
    return Hysteresis(
        reference["features"][feature]["alarmAfterWindows"][statistic],
        reference["hysteresis"]["clearAfterWindows"],
    )


def longest_beyond_runs(table: pd.DataFrame, reference: dict, feature: str, statistic: str) -> dict:
    """The most consecutive windows of the table beyond each side of one statistic's thresholds."""
    g = table[(table.feature == feature) & (table.statistic == statistic)].sort_values("window")
    run, side, best = 0, None, {"low": 0, "high": 0}
    for r in g.itertuples():
        t = reference["features"][feature]["thresholds"][
            season_of(pd.Timestamp(r.window).month, reference["seasons"])
        ].get(statistic)
        st = state_of(r.value, t)
        if st == "none":
            continue
        run, side = (run + 1 if st == side else 1, st) if st in best else (0, None)
        if side:
            best[side] = max(best[side], run)
    return best


def evaluate_alarms(table: pd.DataFrame, reference: dict) -> dict:
    """Replays the windows of ``table`` through the hysteresis with the reference's thresholds;
    per (feature, statistic) the alarms raised and the windows spent in alarm."""
    raised, in_alarm, first, events = 0, 0, None, []
    windows = sorted(table.window.unique())
    machines: dict[tuple[str, str], Hysteresis] = {}
    any_alarm_windows = 0
    by_window = {w: g for w, g in table.groupby("window")}
    for w in windows:
        season = season_of(pd.Timestamp(w).month, reference["seasons"])
        alarm_now = False
        for r in by_window[w].itertuples():
            t = reference["features"][r.feature]["thresholds"][season].get(r.statistic)
            m = machines.setdefault((r.feature, r.statistic), machine_for(reference, r.feature, r.statistic))
            event = m.step(state_of(r.value, t))
            if event:
                side = "low" if r.value < t.get("lower", -math.inf) else "high"
                day = pd.Timestamp(w).strftime("%Y-%m-%d")
                events.append([day, r.feature, r.statistic, event] + ([side] if event == "raised" else []))
            if event == "raised":
                raised += 1
                first = first or (pd.Timestamp(w).strftime("%Y-%m-%d"), r.feature, r.statistic)
            alarm_now = alarm_now or m.alarm
        any_alarm_windows += alarm_now
        in_alarm += alarm_now
    return {
        "windows": len(windows),
        "alarmsRaised": raised,
        "windowsInAlarm": int(any_alarm_windows),
        "falseAlarmRate": any_alarm_windows / len(windows) if windows else math.nan,
        "firstAlarm": first,
        # [day, feature, statistic, raised (side) | cleared]: what an alarm on these windows was.
        "events": events,
    }


def windows_to_catch(table_shifted: pd.DataFrame, reference: dict, starts: list, horizon: int) -> list:
    """For each start window, windows until any alarm on the shifted inputs (None: not in horizon)."""
    windows = sorted(table_shifted.window.unique())
    by_window = {w: g for w, g in table_shifted.groupby("window")}
    out = []
    for s in starts:
        i0 = windows.index(s)
        machines: dict[tuple[str, str], Hysteresis] = {}
        caught = None
        for k, w in enumerate(windows[i0 : i0 + horizon]):
            season = season_of(pd.Timestamp(w).month, reference["seasons"])
            for r in by_window[w].itertuples():
                t = reference["features"][r.feature]["thresholds"][season].get(r.statistic)
                m = machines.setdefault(
                    (r.feature, r.statistic), machine_for(reference, r.feature, r.statistic)
                )
                if m.step(state_of(r.value, t)) == "raised" and caught is None:
                    caught = k + 1
            if caught is not None:
                break
        out.append(caught)
    return out


def reference_from_table(
    table: pd.DataFrame,
    specs: dict,
    dynamic: list[str],
    seasons: dict,
    holdout_start: str,
    meta: dict,
    statistics: tuple = STATISTICS,
    alarm_after: dict = ALARM_AFTER,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Thresholds and alarm runs from the calibration windows of a window table (any model); the
    calibration and held-out parts of the table. A statistic left out of ``statistics`` gets no
    thresholds, so serving does not judge it."""
    cut = pd.Timestamp(holdout_start, tz="UTC")
    table["season"] = [season_of(pd.Timestamp(w).month, seasons) for w in table.window]
    calib = table[table.window < cut]
    held = table[table.window >= cut]

    reference = {
        "name": meta["name"],
        "version": meta["version"],
        "method": "window",
        "window": {
            "hours": WINDOW_HOURS,
            "by": "UTC day of the hour (as_of in (00:00, 24:00])",
            "minCoverage": MIN_COVERAGE,
        },
        "seasons": seasons,
        "percentiles": {
            "beyond": list(BEYOND),
            "inside": list(INSIDE),
            "upperOnly": {"statistics": list(UPPER_ONLY), "inside": PSI_INSIDE, "beyond": PSI_BEYOND},
        },
        "hysteresis": {
            "alarmAfterWindows": (
                "per feature, statistic and side: one more than the longest run of consecutive calibration"
                " windows beyond that side of its thresholds, at least minAlarmAfterWindows (a 72-hour sum"
                " keeps one storm in three windows: a run training had is weather, a longer one is not)"
            ),
            "minAlarmAfterWindows": alarm_after,
            "clearAfterWindows": CLEAR_AFTER,
        },
        "calibration": {
            "windows": int(calib.window.nunique()),
            "from": pd.Timestamp(calib.window.min()).strftime("%Y-%m-%d"),
            "until": holdout_start,
        },
        "features": {},
        "static": {},
    }
    for f in dynamic:
        per_season = {}
        for s in seasons:
            c = calib[(calib.feature == f) & (calib.season == s)]
            per_season[s] = {}
            for stat in statistics:
                t = thresholds(c[c.statistic == stat].value.to_numpy(float), stat)
                if t is not None:
                    per_season[s][stat] = t
        reference["features"][f] = {
            "histogram": {
                "bins": specs[f]["edges"].tolist(),
                "counts": specs[f]["counts"].astype(int).tolist(),
            },
            "thresholds": per_season,
            "alarmAfterWindows": {},
        }
        for stat in statistics:
            runs = longest_beyond_runs(calib, reference, f, stat)
            reference["features"][f]["alarmAfterWindows"][stat] = {
                side: max(alarm_after[side], runs[side] + 1) for side in ("low", "high")
            }
    return reference, calib, held


def build(sim, features: list[str], feature_specs: dict, holdout_start: str, meta: dict) -> dict:
    """The drift reference from a simulated city (flood.data.CitySim) and the model's features."""
    from .flood.data import feature_frame  # noqa: F401  (the same columns training used)

    n_t, n_z = sim.rain.shape
    hours = np.arange(sim.warmup_h, n_t)
    as_of = pd.DatetimeIndex(sim.times[hours]) + pd.Timedelta(hours=1)
    cols = {
        "rain_1h_mm": sim.rain,
        "rain_24h_mm": sim.rain_24h,
        "rain_72h_mm": sim.rain_72h,
        "flooded_fraction": sim.flooded_fraction,
    }
    if getattr(sim, "sat_flooded_share", None) is not None:
        cols["sat_flooded_share"] = sim.sat_flooded_share
        cols["sat_age_h"] = sim.sat_age_h
    terrain = {
        "elevation_mean_m": sim.terrain.elevation_mean.to_numpy(np.float32),
        "elevation_min_m": sim.terrain.elevation_min.to_numpy(np.float32),
        "low_lying_share": sim.terrain.low_lying_share.to_numpy(np.float32),
    }
    dynamic = [f for f in features if f in cols]
    static = [f for f in features if f in terrain]
    unknown = set(features) - set(dynamic) - set(static)
    if unknown:
        raise ValueError(f"no drift summary for features {sorted(unknown)}")
    cut = pd.Timestamp(holdout_start, tz="UTC")
    day = window_of(as_of)
    calib_mask = day < cut
    slices = {f: cols[f][hours] for f in dynamic}
    specs = {}
    for f in dynamic:
        edges = np.asarray(feature_specs[f]["edges"], dtype=float)
        x = slices[f][calib_mask]
        x = x[~np.isnan(x)]
        specs[f] = {"edges": edges, "counts": np.bincount(bin_index(x, edges), minlength=len(edges) - 1)}
    table = window_table(slices, as_of, specs)
    reference, calib, held = reference_from_table(table, specs, dynamic, SEASONS, holdout_start, meta)
    zone_ids = sim.terrain.zone_id.astype(str).tolist()
    for f in static:
        v = terrain[f]
        reference["static"][f] = {
            "fingerprint": fingerprint(zone_ids, v),
            "zones": {z: f32(x) for z, x in zip(zone_ids, v)},
        }

    # The held-out windows: how often does the rule alarm on data that is, by construction, the
    # training data's own world (same simulation, later months)?
    holdout = evaluate_alarms(held, reference)
    holdout["from"] = holdout_start
    holdout["until"] = pd.Timestamp(held.window.max()).strftime("%Y-%m-%d") if len(held) else None
    calib_eval = evaluate_alarms(calib, reference)
    # Rain fed in inches from each held-out day on: windows until an alarm (30 at most).
    shifted = {f: (slices[f] / INCH_MM if f in RAIN_FEATURES else slices[f]) for f in dynamic}
    held_mask = day >= cut
    t_inch = window_table({f: x[held_mask] for f, x in shifted.items()}, as_of[held_mask], specs)
    starts = sorted(t_inch.window.unique()) if len(t_inch) else []
    horizon = 30
    caught = windows_to_catch(t_inch, reference, starts, horizon)
    got = np.array([c if c is not None else np.nan for c in caught], dtype=float)
    reference["evaluation"] = {
        "heldOut": holdout,
        "calibrationWindows": calib_eval,
        "inchesShift": {
            "what": "rain features divided by 25.4 from each held-out day on; windows (days) until an alarm",
            "starts": len(starts),
            "caughtWithin": {
                str(k): float(np.mean(got <= k)) if got.size else None for k in (2, 3, 7, 14, horizon)
            },
            "medianWindows": float(np.nanmedian(got)) if np.isfinite(got).any() else None,
            "p90Windows": float(np.nanpercentile(got, 90)) if np.isfinite(got).any() else None,
        },
        "command": (
            "cd training && /usr/bin/python3 -m cityassist_training.drift_reference"
            f" ../models/{meta['name']}/{meta['version']}"
        ),
    }
    reference["replay"] = replay(reference, as_of, slices, specs)
    return reference


# Energy: its seasons, and the temperature ops whose unit a feed could get wrong (Fahrenheit for Celsius).
# Not split by season: the calibration months hold each season once (January 2014 - August 2015), so
# quarters would bound one autumn by another, and Olinda's tropical temperature varies little over a year.
ENERGY_SEASONS = {"all": list(range(1, 13))}
TEMP_OPS = ("temp", "temp_mean", "temp_max", "temp_min")


def metadata_histograms(meta: dict) -> dict:
    """Each feature's pooled training histogram as the model's metadata records it
    (``reference_histogram``), the row monitor's reference and the window PSI's."""
    return {
        f["name"]: {
            "edges": np.asarray(f["reference_histogram"]["edges"], dtype=float),
            "counts": np.asarray(f["reference_histogram"]["counts"]),
        }
        for f in meta["features"]
    }


def holdout_start_of(meta: dict) -> str:
    """The first whole day of the model's test period: the held-out windows start there."""
    return (pd.Timestamp(meta["periods"]["test"][0]).ceil("D")).strftime("%Y-%m-%d")


def build_energy(series, spec, meta: dict) -> dict:
    """The drift reference of a zone-load forecaster: every training anchor hour of every zone, as
    serving scores them (a zone without enough readings is not scored there, so it is left out
    here), in day windows. The pooled histograms are the metadata's own (``reference_histogram``).
    The held-out windows are the whole days of the model's test period."""
    from .energy.features import cell_features

    names = [f["name"] for f in meta["features"]]
    if names != spec.names:
        raise ValueError(f"energy {meta['version']}: metadata features differ from the feature spec")
    specs = metadata_histograms(meta)
    holdout_start = holdout_start_of(meta)
    cut = pd.Timestamp(holdout_start, tz="UTC")
    T, S = series.values.shape
    anchors = np.arange(spec.day, T - 1)
    win = window_of(pd.DatetimeIndex(series.times[anchors]))
    temp_cols = [j for j, c in enumerate(spec.columns()) if c["op"] in TEMP_OPS]
    rows, shifted_rows = [], []
    for w in win.unique():
        t = anchors[win == w]
        if len(t) < MIN_COVERAGE * WINDOW_HOURS:
            continue
        tt, ss = np.repeat(t, S), np.tile(np.arange(S), len(t))
        X, ok = cell_features(series.values, series.temperature, series.times, tt, ss, spec)
        X = X[ok]
        variants = [(X, rows)]
        if w >= cut:
            F = X.copy()
            F[:, temp_cols] = F[:, temp_cols] * np.float32(1.8) + np.float32(32)
            variants.append((F, shifted_rows))
        for data, out in variants:
            for j, f in enumerate(names):
                st = window_statistics(data[:, j], specs[f]["edges"], specs[f]["counts"])
                for stat in STATISTICS:
                    out.append((w, f, stat, st[stat], len(t)))
    cols = ["window", "feature", "statistic", "value", "slices"]
    table = pd.DataFrame(rows, columns=cols)
    reference, calib, held = reference_from_table(table, specs, names, ENERGY_SEASONS, holdout_start, meta)
    reference["window"]["by"] = "UTC day of the anchor hour (the zone's newest load, in (00:00, 24:00])"
    holdout = evaluate_alarms(held, reference)
    until = pd.Timestamp(held.window.max()).strftime("%Y-%m-%d") if len(held) else None
    holdout.update({"from": holdout_start, "until": until})
    t_f = pd.DataFrame(shifted_rows, columns=cols)
    starts = sorted(t_f.window.unique())
    got = np.array([c if c is not None else np.nan for c in windows_to_catch(t_f, reference, starts, 30)])
    reference["evaluation"] = {
        "heldOut": holdout,
        "calibrationWindows": evaluate_alarms(calib, reference),
        "fahrenheitShift": {
            "what": (
                "temperature features in degrees Fahrenheit from each held-out day on; windows until an alarm"
            ),
            "starts": len(starts),
            "caughtWithin": {
                str(k): float(np.mean(got <= k)) if got.size else None for k in (2, 3, 7, 14, 30)
            },
            "medianWindows": float(np.nanmedian(got)) if np.isfinite(got).any() else None,
        },
        "command": (
            "cd training && /usr/bin/python3 -m cityassist_training.drift_reference"
            f" ../models/{meta['name']}/{meta['version']}"
        ),
    }
    return reference


# AQI: the unit errors a PM2.5 feed could make. mg/m3 read as ug/m3 (x 0.001) is the one the brief
# names; ppb has no meaning for particles (no molar mass), so the other is the +30 % level shift the
# model's robustness check uses (config robustness.shift_factor), a smaller, harder change.
AQI_SHIFTS = {"mgPerM3": 0.001, "times1.3": 1.3}
AQI_REPLAY = {"start": "2015-11-01", "days": 4}
# What AQI judges, and why less than flood. ``wetMean``/``wetShare`` are rain-given-rain statistics:
# a PM2.5 ratio is above zero whenever it is present, so their training band is a point and one zero
# reading would be "drift". ``psi`` of 12 sensors' day against pooled hours of 29 near-duplicate
# ratio features alarmed on every sharp washout day of the held-out November. ``hour`` and ``dow`` are
# functions of the slice's own time: a full day window holds every hour once and one weekday, so
# their statistics measure which hours were asked, not the feed (energy judges them; they never
# alarmed there either). Low side after 3 windows like the high: a 2-3 day rain washout of PM2.5
# (November 2015, wetter than any calibration day) is weather; mg/m3 stays low for good.
# These choices were made looking at the held-out windows (docs/drift.md gives the rate before them).
AQI_STATISTICS = ("mean", "missingShare")
AQI_UNJUDGED = ("hour", "dow")
AQI_ALARM_AFTER = {"low": 3, "high": 3}


def aqi_panel(cfg: dict):
    """The panel an AQI version was trained on, exactly as aqi/cli.py builds it (simulated: the same
    SimConfig, written to CSV and read back by the loader, which averages duplicates and grids)."""
    import tempfile

    from .aqi import simulate as sim
    from .aqi.loader import load_long_csv

    data = cfg.get("data", {})
    if "simulate" not in data:
        raise SystemExit("aqi: only the simulated panel is rebuilt here (a real export is not in the repo)")
    sc = sim.SimConfig(**data["simulate"])
    with tempfile.TemporaryDirectory(prefix="aqi-drift-") as d:
        tmp = Path(d) / "olinda_sensors.csv"
        long, sensors = sim.simulate(sc)
        sim.write_frames(long, sensors, tmp, tmp.with_name(tmp.stem + "_sensors.csv"))
        return load_long_csv(tmp, data.get("parameter"))


def aqi_scored(values: np.ndarray, times: pd.DatetimeIndex, spec):
    """What serving scores: each sensor anchored at a reading it has (its newest), with enough
    recent readings for a level; the row's slice is that anchor hour. X [T, S, F], mask [T, S]."""
    from .aqi.features import panel_features

    X, ok = panel_features(values, times, spec)
    return X, ok & np.isfinite(values)


def aqi_window_rows(X, mask, times, names, specs, min_rows: int, windows_from=None) -> list:
    """(window, feature, statistic, value, slices) of every window with enough slices, a slice being
    the sensors scored at one anchor hour, counted only with at least ``min_rows`` of them."""
    counted = mask.sum(axis=1) >= min_rows
    win = window_of(pd.DatetimeIndex(times))
    rows = []
    for w in win.unique():
        if windows_from is not None and w < windows_from:
            continue
        t = np.flatnonzero((win == w) & counted)
        if len(t) < MIN_COVERAGE * WINDOW_HOURS:
            continue
        data = X[t][mask[t]]
        for j, f in enumerate(names):
            st = window_statistics(data[:, j], specs[f]["edges"], specs[f]["counts"])
            for stat in STATISTICS:
                rows.append((w, f, stat, st[stat], len(t)))
    return rows


def build_aqi(panel, meta: dict) -> dict:
    """The drift reference of the AQI forecaster: every sensor-hour of its training panel that
    serving would score (see ``aqi_scored``), one slice per anchor hour, in day windows, against
    the metadata's own histograms. Every input is dynamic, ``hour`` and ``dow`` too: a full day
    window holds every hour once and one weekday (plus the next midnight), as serving's does, so
    they are judged like the others and an anchor clock off by hours or days shows in them.
    Seasons as flood's: the panel is driven by the same Seattle weather (rain washout, cold days).
    The slice minimum is the model's own (``window.minRows``): 12 sensors can never reach the
    service-wide DRIFT_MIN_ROWS (200 of 470 flood zones)."""
    from .aqi.features import FeatureSpec

    names = [f["name"] for f in meta["features"]]
    spec = FeatureSpec.for_resolution(panel.resolution, int(meta["horizons"]))
    if names != spec.names:
        raise ValueError(f"aqi {meta['version']}: metadata features differ from the feature spec")
    if panel.resolution != "hourly":
        raise SystemExit(f"aqi {meta['version']}: day windows of hourly slices need hourly data")
    specs = metadata_histograms(meta)
    holdout_start = holdout_start_of(meta)
    cut = pd.Timestamp(holdout_start, tz="UTC")
    # The anchor is the reading's grid hour; as serving, the slice is that hour.
    times = pd.DatetimeIndex(panel.times)
    min_rows = math.ceil(MIN_COVERAGE * len(panel.stations))
    X, mask = aqi_scored(panel.values, times, spec)
    cols = ["window", "feature", "statistic", "value", "slices"]
    table = pd.DataFrame(aqi_window_rows(X, mask, times, names, specs, min_rows), columns=cols)
    judged = [f for f in names if f not in AQI_UNJUDGED]
    table = table[table.feature.isin(judged) & table.statistic.isin(AQI_STATISTICS)].copy()
    reference, calib, held = reference_from_table(
        table, specs, judged, SEASONS, holdout_start, meta, AQI_STATISTICS, AQI_ALARM_AFTER
    )
    reference["unjudged"] = {
        f: "a function of the slice's own time (drift_reference.AQI_UNJUDGED)" for f in AQI_UNJUDGED
    }
    reference["window"]["by"] = "UTC day of the sensor's anchor hour (its newest reading, in (00:00, 24:00])"
    reference["window"]["minRows"] = min_rows
    reference["window"]["minRowsWhy"] = (
        f"ceil({MIN_COVERAGE} x {len(panel.stations)} sensors): a slice is the sensors scored at one anchor"
        " hour; training hours with fewer are left out as serving leaves them out"
    )
    holdout = evaluate_alarms(held, reference)
    until = pd.Timestamp(held.window.max()).strftime("%Y-%m-%d") if len(held) else None
    holdout.update({"from": holdout_start, "until": until})
    shifts = {}
    for label, factor in AQI_SHIFTS.items():
        # The unit error is in the readings; the features are recomputed from them, as serving does.
        Xs, ms = aqi_scored(panel.values * factor, times, spec)
        t_s = pd.DataFrame(aqi_window_rows(Xs, ms, times, names, specs, min_rows, cut), columns=cols)
        t_s = t_s[t_s.feature.isin(judged) & t_s.statistic.isin(AQI_STATISTICS)]
        starts = sorted(t_s.window.unique())
        got = np.array(
            [c if c is not None else np.nan for c in windows_to_catch(t_s, reference, starts, 30)],
            dtype=float,
        )
        shifts[label] = {
            "factor": factor,
            "starts": len(starts),
            "caughtWithin": {
                str(k): float(np.mean(got <= k)) if got.size else None for k in (1, 2, 3, 7, 14, 30)
            },
            "medianWindows": float(np.nanmedian(got)) if np.isfinite(got).any() else None,
        }
    reference["evaluation"] = {
        "heldOut": holdout,
        "calibrationWindows": evaluate_alarms(calib, reference),
        "unitShift": {
            "what": (
                "readings times the factor from each held-out day on, features recomputed;"
                " windows until an alarm"
            ),
            **shifts,
        },
        "command": (
            "cd training && /usr/bin/python3 -m cityassist_training.drift_reference"
            f" ../models/{meta['name']}/{meta['version']}"
        ),
    }
    reference["replay"] = aqi_replay(reference, panel, spec, specs, names, judged, min_rows, cut)
    return reference


def aqi_replay(reference: dict, panel, spec, specs, names, judged, min_rows: int, holdout) -> dict | None:
    """Known-good vectors for serving: the raw readings of ``AQI_REPLAY`` held-out days (with the
    history their first anchors need), the window statistics this module computes from the rows
    serving would score, and the alarms the rule raises on them as measured and in mg/m3."""
    times = pd.DatetimeIndex(panel.times)
    t0 = pd.Timestamp(AQI_REPLAY["start"], tz="UTC")
    # Another panel (a smoke run, a real export) may not hold those days: its first held-out days.
    if not (holdout <= t0 and t0 + pd.Timedelta(days=AQI_REPLAY["days"]) <= times[-1]):
        t0 = holdout
    i0 = int(np.searchsorted(times, t0, side="right"))  # first anchor after t0: the window's first hour
    i1 = i0 + AQI_REPLAY["days"] * WINDOW_HOURS
    h0 = i0 - spec.history + 1
    if h0 < 0 or i1 > len(times):
        return None
    out = {
        "note": "held-out readings; rows as serving scores them (drift_reference.aqi_replay)",
        "times": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times[h0:i1]],
        "firstAnchor": i0 - h0,
        "sensors": list(panel.stations),
        "readings": [[None if math.isnan(v) else f32(v) for v in row] for row in panel.values[h0:i1].T],
    }
    for label, factor in (("asMeasured", 1.0), ("mgPerM3", AQI_SHIFTS["mgPerM3"])):
        X, mask = aqi_scored(panel.values[h0:i1] * factor, times[h0:i1], spec)
        X, mask, at = X[i0 - h0 :], mask[i0 - h0 :], times[i0:i1]
        rows = aqi_window_rows(X, mask, at, names, specs, min_rows)
        machines: dict = {}
        windows, alarms = [], []
        tab = pd.DataFrame(rows, columns=["window", "feature", "statistic", "value", "slices"])
        tab = tab[tab.feature.isin(judged) & tab.statistic.isin(AQI_STATISTICS)]
        for i, (w, g) in enumerate(tab.groupby("window")):
            season = season_of(pd.Timestamp(w).month, reference["seasons"])
            stats: dict = {}
            for f in judged:
                was = any(m.alarm for (ff, _), m in machines.items() if ff == f)
                for r in g[g.feature == f].itertuples():
                    stats.setdefault(f, {})[r.statistic] = r.value
                    t = reference["features"][f]["thresholds"][season].get(r.statistic)
                    machines.setdefault((f, r.statistic), machine_for(reference, f, r.statistic)).step(
                        state_of(r.value, t)
                    )
                now = any(m.alarm for (ff, _), m in machines.items() if ff == f)
                if was != now:
                    alarms.append({"window": i, "feature": f, "level": "DRIFT" if now else "STABLE"})
            windows.append({"start": pd.Timestamp(w).strftime("%Y-%m-%dT%H:%M:%SZ"), "statistics": stats})
        out[label] = {"factor": factor, "windows": windows, "alarms": alarms}
    return out


def replay(reference: dict, as_of, slices, specs, days: int = 14, start: str = "2015-11-01") -> dict:
    """Known-good vectors for serving's window code: ``days`` held-out days of the rain features as
    city means per hour (every zone given the mean: rain here falls on the whole city or none of
    it, so a window's mean, wetMean and wetShare are those of the real zones), the window statistics
    this module computes from exactly those values, and the alarms the rule raises on them in mm and
    in inches (``/ 25.4``): per feature, its alarm (any statistic's) raised or cleared."""
    t0 = pd.Timestamp(start, tz="UTC")
    sel = np.flatnonzero((as_of > t0) & (as_of <= t0 + pd.Timedelta(days=days)))
    hours = {
        f: np.asarray(slices[f][sel], dtype=np.float64).mean(axis=1).astype(np.float32) for f in RAIN_FEATURES
    }
    ats = as_of[sel]
    win = window_of(ats)
    out = {
        "note": "held-out hours; every zone of an hour takes the city mean (drift_reference.replay)",
        "asOf": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in ats],
        "features": {f: [f32(v) for v in hours[f]] for f in RAIN_FEATURES},
    }
    for unit, scale in (("mm", 1.0), ("inches", INCH_MM)):
        machines: dict = {}
        windows, alarms = [], []
        for i, w in enumerate(win.unique()):
            k = np.flatnonzero(win == w)
            season = season_of(w.month, reference["seasons"])
            stats = {}
            for f in RAIN_FEATURES:
                v = hours[f][k] / np.float32(scale) if scale != 1.0 else hours[f][k]
                s = window_statistics(v.astype(np.float32), specs[f]["edges"], specs[f]["counts"])
                stats[f] = {key: s[key] for key in STATISTICS}
                for stat in STATISTICS:
                    t = reference["features"][f]["thresholds"][season].get(stat)
                    m = machines.setdefault((f, stat), machine_for(reference, f, stat))
                    was = any(mm.alarm for (ff, _), mm in machines.items() if ff == f)
                    m.step(state_of(s[stat], t))
                    now = any(mm.alarm for (ff, _), mm in machines.items() if ff == f)
                    if was != now:
                        alarms.append(
                            {
                                "window": i,
                                "feature": f,
                                "statistic": stat,
                                "level": "DRIFT" if now else "STABLE",
                            }
                        )
            windows.append({"start": w.strftime("%Y-%m-%dT%H:%M:%SZ"), "statistics": stats})
        out[unit] = {"windows": windows, "alarms": alarms}
    return out


def _clean(o):
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return None if math.isnan(o) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def write(path: Path, reference: dict) -> None:
    path.write_text(json.dumps(_clean(reference), indent=1, allow_nan=False) + "\n", encoding="utf-8")


def for_model_dir(model_dir: Path, data_dir: Path) -> dict:
    """The reference of a committed version, from the config its metadata records (flood: the city
    simulation; energy: the zone-load simulation)."""
    meta = json.loads((model_dir / "metadata.json").read_text(encoding="utf-8"))
    cfg = meta["lineage"]["config"]
    if meta["name"] == "flood":
        from .flood.data import simulate_city
        from .flood.features import FEATURE_SPECS

        sim = simulate_city(str(data_dir), cfg, int(cfg["seed"]))
        features = [f["name"] for f in meta["features"]]
        return build(sim, features, FEATURE_SPECS, cfg["split"]["holdout_start"], meta)
    if meta["name"] == "energy" and cfg.get("data", {}).get("simulate") is not None:
        from .energy.data import load_simulated
        from .energy.features import FeatureSpec

        series = load_simulated(cfg["data"]["simulate"])
        fcfg = cfg.get("features", {})
        use_temp = bool(fcfg.get("temperature", True)) and series.temperature is not None
        spec = FeatureSpec.for_series(
            series.resolution, series.utc_offset_hours, use_temp, float(fcfg.get("level_floor", 1.0))
        )
        return build_energy(series, spec, meta)
    if meta["name"] == "aqi":
        return build_aqi(aqi_panel(cfg), meta)
    raise SystemExit(f"{model_dir}: no window drift reference for this model yet")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m cityassist_training.drift_reference", description=__doc__)
    p.add_argument("model_dirs", nargs="+", type=Path, help="models/<name>/<version>/ folders")
    p.add_argument("--data-dir", type=Path, default=REPO / "data")
    args = p.parse_args(argv)
    for d in args.model_dirs:
        ref = for_model_dir(d, args.data_dir)
        write(d / "drift_reference.json", ref)
        ev = ref["evaluation"]
        shift = ev.get("inchesShift") or ev.get("fahrenheitShift") or ev["unitShift"]["mgPerM3"]
        print(
            f"{d}: held-out false-alarm rate {ev['heldOut']['falseAlarmRate']:.4f}"
            f" ({ev['heldOut']['windowsInAlarm']}/{ev['heldOut']['windows']} windows,"
            f" {ev['heldOut']['alarmsRaised']} alarms); unit shift caught within {shift['caughtWithin']}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
