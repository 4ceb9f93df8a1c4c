"""Load any OpenAQ-style long CSV into a regular station × time grid.

Input: a CSV with (at least) the columns ``location_id,datetime,parameter,value,unit``, one reading
per row, any number of stations and parameters, extra columns ignored. This is the layout of
OpenAQ exports and of ``data/airquality/de_rb_2005_pm10.csv``; the city simulator writes it too, so
one code path serves real and simulated data.

What happens to imperfect input (each case is counted in ``Panel.report`` and tested in
``training/tests/test_aqi_loader.py``; the policy is also in training/AQI.md):

* **Missing required columns** -> :class:`AqiDataError` naming them (and the columns found).
  A few well-known aliases are accepted first (OpenAQ v2 ``locationId``/``utc``, ``date.utc``).
* **Unparseable timestamps / non-numeric values** -> rows are dropped *only* if they are a small
  share (``max_bad_share``, default 1 %) of the selected parameter's rows; the count and the first
  line numbers are reported. Above that share it is an error listing line numbers, because a file
  that is mostly unreadable would otherwise produce a model trained on an arbitrary remnant.
  Line numbers are 1-based file lines (the header is line 1).
* **Naive timestamps** (no offset) are read as UTC and counted; ISO offsets are honoured.
* **Negative values** are dropped and counted: concentrations cannot be negative and OpenAQ uses
  negative sentinels (-999) for "no data".
* **Mixed units** for the selected parameter -> error naming the units and their counts (we never
  guess a µg/m³ <-> ppb conversion factor for the user).
* **Several parameters and none selected** -> error listing them.
* **Resolution** is detected from the median spacing of consecutive readings of each station
  (pooled over stations): about 1 h -> hourly, about 1 day -> daily; anything else is an error.
  Readings are snapped to the nearest slot of that grid (grid phase = the most common offset of
  the timestamps, so a daily series stamped at 00:00+01:00 keeps its own days); readings more than
  10 % of a step away from a slot are counted as ``snapped_off_grid``.
* **Duplicates**: several readings for the same station and slot are averaged (mean). Exact
  duplicate rows and conflicting duplicates are counted separately.
* **Gaps** are *not* imputed. The grid holds NaN where nothing was measured; the feature code uses
  NaN-aware statistics and the trees have a learned default branch for missing inputs, so serving
  needs no imputation step to replicate. Windows without enough history are excluded by the
  trainer (see features.py), and per-station coverage and longest gap are reported here.
* **A single station** is fine: the global model simply becomes a per-station model.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._names import normalise_parameter, normalise_unit

REQUIRED = ("location_id", "datetime", "parameter", "value", "unit")

# Alternative spellings seen in public exports -> our column names. Applied only when the canonical
# column is absent, so a file with both keeps its canonical column.
_ALIASES = {
    "locationid": "location_id",
    "location": "location_id",
    "utc": "datetime",
    "date.utc": "datetime",
    "date_utc": "datetime",
    "timestamp": "datetime",
}

RESOLUTIONS = {"hourly": 3600, "daily": 86400}


class AqiDataError(ValueError):
    """The input cannot be turned into a trustworthy training set; the message says why."""


@dataclass
class Panel:
    """One parameter on a regular grid: ``values[t, s]`` is station s at ``times[t]`` (NaN = missing)."""

    parameter: str
    unit: str
    resolution: str
    step_seconds: int
    times: pd.DatetimeIndex
    stations: list[str]
    values: np.ndarray
    report: dict = field(default_factory=dict)

    @property
    def season(self) -> int:
        """Season length in steps for the seasonal-naive baseline: one day of hours, one week of days."""
        return 24 if self.resolution == "hourly" else 7

    def subset(self, stations: list[str] | None = None, t0: int = 0, t1: int | None = None) -> "Panel":
        cols = (
            [self.stations.index(s) for s in stations]
            if stations is not None
            else list(range(len(self.stations)))
        )
        return Panel(
            self.parameter,
            self.unit,
            self.resolution,
            self.step_seconds,
            self.times[t0:t1],
            [self.stations[c] for c in cols],
            self.values[t0:t1, cols].copy(),
            dict(self.report),
        )


def load_long_csv(
    source: str | Path | io.TextIOBase,
    parameter: str | None = None,
    *,
    max_bad_share: float = 0.01,
    resolution: str | None = None,
    max_cells: int = 20_000_000,
) -> Panel:
    """Read a long CSV and return the selected parameter as a regular :class:`Panel`."""
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as e:
        raise AqiDataError(f"{_name(source)}: the file is empty") from e
    except FileNotFoundError as e:
        raise AqiDataError(f"{_name(source)}: no such file") from e
    except UnicodeDecodeError as e:
        raise AqiDataError(f"{_name(source)}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    except pd.errors.ParserError as e:
        raise AqiDataError(f"{_name(source)}: not a well-formed CSV ({e})") from e
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    for alias, canonical in _ALIASES.items():
        if canonical not in raw.columns and alias in raw.columns:
            raw = raw.rename(columns={alias: canonical})
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise AqiDataError(
            f"{_name(source)}: missing required column(s): {', '.join(missing)} "
            f"(expected {','.join(REQUIRED)}; found {','.join(raw.columns) or 'nothing'})"
        )
    if raw.empty:
        raise AqiDataError(f"{_name(source)}: no data rows")

    report: dict = {"source": _name(source), "rows_read": int(len(raw))}
    # Line number of each row in the file: header is line 1. (Embedded newlines in quoted fields
    # would shift this; OpenAQ-style files do not have them.)
    raw["_line"] = np.arange(2, len(raw) + 2)

    raw["parameter"] = raw["parameter"].map(normalise_parameter)
    available = sorted(raw["parameter"].unique())
    if parameter is None:
        if len(available) != 1:
            raise AqiDataError(
                f"{_name(source)}: the file holds several parameters ({', '.join(available)}); choose one"
            )
        parameter = available[0]
    parameter = normalise_parameter(parameter)
    if parameter not in available:
        raise AqiDataError(
            f"{_name(source)}: parameter {parameter!r} not in the file; it holds {', '.join(available)}"
        )
    df = raw[raw["parameter"] == parameter].copy()
    report["parameter"] = parameter
    report["rows_for_parameter"] = int(len(df))

    df["location_id"] = df["location_id"].str.strip()
    empty_station = df["location_id"] == ""

    ts, naive = _parse_times(df["datetime"])
    bad_time = ts.isna()
    values = pd.to_numeric(df["value"].str.strip(), errors="coerce")
    bad_value = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    bad = bad_time | bad_value | empty_station
    report["naive_timestamps_assumed_utc"] = int((naive & ~bad_time).sum())
    if bad.any():
        share = float(bad.mean())
        lines = df.loc[bad, "_line"].tolist()
        detail = _bad_detail(df, bad_time, bad_value, empty_station)
        if share > max_bad_share:
            raise AqiDataError(
                f"{_name(source)}: {int(bad.sum())} of {len(df)} rows ({share:.1%}) have an unparseable "
                f"timestamp, value or empty location_id ({detail}), more than the {max_bad_share:.1%} "
                f"that may be dropped; first bad lines: {_fmt_lines(lines)}"
            )
        report["dropped_unparseable"] = {"rows": int(bad.sum()), "detail": detail, "first_lines": lines[:20]}
    else:
        report["dropped_unparseable"] = {"rows": 0}
    df = df.loc[~bad].copy()
    df["ts"] = ts[~bad]
    df["v"] = values[~bad].astype(float)

    negative = df["v"] < 0
    report["dropped_negative"] = int(negative.sum())
    if negative.any():
        report["dropped_negative_first_lines"] = df.loc[negative, "_line"].tolist()[:20]
    df = df.loc[~negative]
    if df.empty:
        raise AqiDataError(f"{_name(source)}: no valid {parameter} readings left after dropping bad rows")

    units = df["unit"].map(normalise_unit)
    unit_counts = units.value_counts()
    if len(unit_counts) > 1:
        listing = ", ".join(f"{u!r} ({n} rows)" for u, n in unit_counts.items())
        raise AqiDataError(
            f"{_name(source)}: {parameter} comes in several units: {listing}; convert to one unit first"
        )
    unit = str(unit_counts.index[0])

    step = _detect_step(df, resolution)
    res_name = next(k for k, v in RESOLUTIONS.items() if v == step)
    secs = df["ts"].astype("int64").to_numpy() // 10**9
    phase = int(pd.Series(secs % step).mode().iloc[0])
    slot = np.floor((secs - phase) / step + 0.5).astype(np.int64)
    offset = np.abs(secs - (slot * step + phase))
    report["resolution"] = res_name
    report["grid_phase_seconds"] = phase
    report["snapped_off_grid"] = int((offset > 0.1 * step).sum())
    df["slot"] = slot

    # Duplicates: exact repeats of (station, slot, value) vs. the same slot with different values.
    key = ["location_id", "slot"]
    n_exact = int(df.duplicated(key + ["v"]).sum())
    per_slot = df.groupby(key, sort=False)["v"]
    n_conflict_slots = int((per_slot.nunique() > 1).sum())
    agg = per_slot.mean().reset_index()
    report["duplicates"] = {
        "exact_duplicate_rows_removed": n_exact,
        "slots_with_conflicting_values_averaged": n_conflict_slots,
        "rows_merged_total": int(len(df) - len(agg)),
        "policy": "mean of all readings that fall in the same station and time slot",
    }

    stations = sorted(agg["location_id"].unique())
    s0, s1 = int(agg["slot"].min()), int(agg["slot"].max())
    n_t = s1 - s0 + 1
    if n_t * len(stations) > max_cells:
        raise AqiDataError(
            f"{_name(source)}: {len(stations)} stations × {n_t} {res_name} steps is larger than the "
            f"{max_cells} cells this loader holds in memory; split the file"
        )
    grid = np.full((n_t, len(stations)), np.nan)
    col = {s: i for i, s in enumerate(stations)}
    grid[agg["slot"].to_numpy() - s0, agg["location_id"].map(col).to_numpy()] = agg["v"].to_numpy()
    times = pd.to_datetime((np.arange(s0, s1 + 1) * step + phase) * 10**9, utc=True)
    times = pd.DatetimeIndex(times)

    report["stations"] = len(stations)
    report["steps"] = n_t
    report["start"] = times[0].isoformat()
    report["end"] = times[-1].isoformat()
    report["valid_cells"] = int(np.isfinite(grid).sum())
    report["coverage"] = round(float(np.isfinite(grid).mean()), 4)
    report["per_station"] = {
        s: {
            "observed": int(np.isfinite(grid[:, i]).sum()),
            "coverage": round(float(np.isfinite(grid[:, i]).mean()), 4),
            "longest_gap_steps": _longest_gap(grid[:, i]),
        }
        for s, i in col.items()
    }
    report[
        "gap_policy"
    ] = "gaps are left missing (no imputation); windows lacking history are excluded by the trainer"
    return Panel(parameter, unit, res_name, step, times, stations, grid, report)


def _parse_times(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO 8601 timestamps to UTC. Returns (timestamps with NaT for failures, naive mask)."""
    s = col.str.strip()
    # Naive = no 'Z' and no +hh:mm / -hh:mm / +hhmm offset after the time part.
    naive = ~s.str.contains(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", regex=True)
    # Fast path for the common fixed layouts; whatever they miss goes through the general parser
    # one value at a time (mixed offsets are legal in ISO 8601 and must not be coerced together).
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        todo = out.isna()
        if not todo.any():
            break
        sub = s[todo]
        sub = sub.str.replace(r"[zZ]$", "+0000", regex=True)
        parsed = pd.to_datetime(sub, format=fmt, errors="coerce", utc=True)
        out[todo] = parsed
    todo = out.isna() & (s != "")
    for i in s.index[todo]:
        try:
            out[i] = (
                pd.Timestamp(s[i]).tz_localize("UTC") if naive[i] else pd.Timestamp(s[i]).tz_convert("UTC")
            )
        except (ValueError, TypeError, OverflowError):
            pass
    return out, naive


def _detect_step(df: pd.DataFrame, forced: str | None) -> int:
    if forced is not None:
        if forced not in RESOLUTIONS:
            raise AqiDataError(f"resolution must be one of {', '.join(RESOLUTIONS)}, got {forced!r}")
        return RESOLUTIONS[forced]
    diffs = []
    for _, g in df.groupby("location_id", sort=False):
        t = np.unique(g["ts"].astype("int64").to_numpy() // 10**9)
        if len(t) > 1:
            diffs.append(np.diff(t))
    if not diffs:
        raise AqiDataError(
            "cannot detect the time resolution: no station has two readings at different times"
        )
    med = float(np.median(np.concatenate(diffs)))
    for name, step in RESOLUTIONS.items():
        if abs(med - step) <= 0.1 * step:
            return step
    raise AqiDataError(
        f"median spacing between readings is {med:.0f} s; supported resolutions are hourly (3600 s) "
        "and daily (86400 s). Aggregate the data to one of them first"
    )


def _longest_gap(col: np.ndarray) -> int:
    best = run = 0
    for missing in ~np.isfinite(col):
        run = run + 1 if missing else 0
        best = max(best, run)
    return int(best)


def _bad_detail(df, bad_time, bad_value, empty_station) -> str:
    parts = []
    if bad_time.any():
        ex = df.loc[bad_time, "datetime"].iloc[0]
        parts.append(f"{int(bad_time.sum())} timestamp(s) e.g. {ex!r}")
    if bad_value.any():
        ex = df.loc[bad_value, "value"].iloc[0]
        parts.append(f"{int(bad_value.sum())} value(s) e.g. {ex!r}")
    if empty_station.any():
        parts.append(f"{int(empty_station.sum())} empty location_id")
    return "; ".join(parts)


def _fmt_lines(lines: list[int], n: int = 10) -> str:
    more = f" … (+{len(lines) - n} more)" if len(lines) > n else ""
    return ", ".join(str(x) for x in lines[:n]) + more


def _name(source) -> str:
    return str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "<stream>")
