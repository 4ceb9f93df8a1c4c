"""The two data sources of the energy models, as one panel shape: a regular UTC grid of T steps by
S series (loads, NaN = missing) and, for the zones, the hourly temperature of the same steps.

* ``load_taylor``: the real half-hourly demand of England and Wales, 5 June - 27 August 2000
  (``data/energy/taylor_demand.csv``, exported from R's forecast::taylor, data/energy/SOURCE.md).
* ``load_simulated``: the simulated hourly load of Olinda's zones (``simulate.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .. import lineage
from . import simulate as sim


class EnergyDataError(ValueError):
    """Input that cannot give a trustworthy model; the message says why."""


@dataclass
class Series:
    name: str
    times: pd.DatetimeIndex  # UTC
    ids: list[str]
    values: np.ndarray  # [T, S] float64, NaN = missing
    temperature: np.ndarray | None  # [T] °C or None
    unit: str
    resolution: str
    utc_offset_hours: float
    provenance: str  # "real" | "simulated"
    sources: list[dict] = field(default_factory=list)
    context: Callable[[str, int], str | None] | None = None
    report: dict = field(default_factory=dict)
    simulation: sim.Simulation | None = None


TAYLOR_COLUMNS = ("period_start_utc", "demand_mw")
REPO_CSV = lineage.REPO / "data" / "energy" / "taylor_demand.csv"


def load_taylor(path: str | Path) -> Series:
    """Read and check the exported CSV: columns, timestamps, a regular 30-minute grid without gaps
    or repeats, positive finite values. Every problem is an error naming the file, never a fix."""
    path = Path(path)
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise EnergyDataError(f"{path}: cannot read ({e})") from e
    missing = [c for c in TAYLOR_COLUMNS if c not in df.columns]
    if missing:
        raise EnergyDataError(f"{path}: missing columns {missing} (found {list(df.columns)})")
    if df.empty:
        raise EnergyDataError(f"{path}: no rows")
    t = pd.to_datetime(df["period_start_utc"], utc=True, format="%Y-%m-%dT%H:%M:%SZ", errors="coerce")
    if t.isna().any():
        bad = (np.flatnonzero(t.isna().to_numpy()) + 2)[:5].tolist()
        raise EnergyDataError(f"{path}: unparseable period_start_utc on lines {bad}")
    v = pd.to_numeric(df["demand_mw"], errors="coerce").to_numpy(np.float64)
    if not np.isfinite(v).all() or (v <= 0).any():
        bad = (np.flatnonzero(~np.isfinite(v) | (v <= 0)) + 2)[:5].tolist()
        raise EnergyDataError(f"{path}: missing, non-numeric or non-positive demand on lines {bad}")
    if t.duplicated().any():
        raise EnergyDataError(f"{path}: repeated timestamps")
    step = t.diff().dropna()
    if not (step == pd.Timedelta(minutes=30)).all():
        raise EnergyDataError(
            f"{path}: not a regular 30-minute grid (steps {sorted(set(step.astype(str)))[:3]})"
        )
    return Series(
        name="taylor",
        times=pd.DatetimeIndex(t),
        ids=["england_wales"],
        values=v[:, None],
        temperature=None,
        unit="MW",
        resolution="half-hourly",
        utc_offset_hours=1.0,  # British Summer Time throughout (etl/energy/export_taylor.R checks it)
        provenance="real",
        sources=[
            lineage.source(
                path,
                role="half-hourly electricity demand of England and Wales, 2000-06-05..2000-08-27 (real)",
                real=True,
                rows=int(len(df)),
            )
        ],
        report={"rows": int(len(df)), "start": t.iloc[0].isoformat(), "end": t.iloc[-1].isoformat()},
    )


def load_simulated(cfg: dict) -> Series:
    sc = sim.SimConfig(**cfg)
    s = sim.simulate(sc)
    return Series(
        name="olinda-sim",
        times=s.times,
        ids=s.zone_ids,
        values=s.load.astype(np.float64),
        temperature=s.temperature.astype(np.float64),
        unit="kW",
        resolution="hourly",
        utc_offset_hours=float(sc.utc_offset_hours),
        provenance="simulated",
        sources=[
            lineage.source(sim.TERRAIN, role="zone ids and census population (real, IBGE 2010)", real=True),
            lineage.source(
                sim.WEATHER,
                role="daily temp_max/temp_min driving the temperature (real, NOAA Seattle)",
                real=True,
            ),
        ],
        context=s.context,
        report={
            "zones": len(s.zone_ids),
            "steps": len(s.times),
            "missing_share": round(float(np.isnan(s.load).mean()), 5),
            "feeder_transfers": len(s.transfers),
            "simulator": sc.to_json(),
        },
        simulation=s,
    )
