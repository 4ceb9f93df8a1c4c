#!/usr/bin/python3
"""Makes data/rainfall/olinda_radar_sim.nc: a SIMULATED radar file for Olinda.

The rain is real: 23 hourly Stage IV fields of Hurricane Florence (data/rainfall/stageiv_florence_2018.nc),
cut to the WINDOW x WINDOW block of cells with the largest 23-hour total. What is invented is the
place and the time: the block is laid on a regular latitude/longitude grid centred on Olinda, with
the same cell size as the Stage IV cells there (~4 km), and its hours are moved so that the last one
ends at 2015-03-15T16:00Z, the as_of of the committed Olinda feature snapshot.

Row order is kept (Stage IV's y runs south to north, x west to east), so north stays roughly north;
the Stage IV grid's ~20 degree rotation against the meridians over North Carolina is dropped.

Deterministic: the same input gives the same bytes. Run from the repository root:

    /usr/bin/python3 etl/pipelines/rain-radar/make-olinda-radar.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from scipy.io import netcdf_file

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "data/rainfall/stageiv_florence_2018.nc"
ZONES = ROOT / "data/olinda/zones.geojson"
OUT = ROOT / "data/rainfall/olinda_radar_sim.nc"

STAGEIV_VAR = "Total_precipitation_surface_1_Hour_Accumulation"
# 12 cells of ~4 km: Olinda's ~10 km box plus ~19 km of real storm on every side.
WINDOW = 12
# The hour the Olinda feature snapshot is taken at (data/features/flood_features_snapshot.csv).
LAST_HOUR_END = "2015-03-15T16:00:00Z"
TIME_ORIGIN = "2015-03-14 00:00:00"
LAST_HOUR_END_SINCE_ORIGIN = 40  # hours from TIME_ORIGIN to LAST_HOUR_END
FILL = np.float32(-9999.0)
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQ = 111.320


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wettest_window(total: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left (y, x) of the size x size block with the largest sum; the first one on ties."""
    c = np.zeros((total.shape[0] + 1, total.shape[1] + 1))
    c[1:, 1:] = total.cumsum(0).cumsum(1)
    sums = c[size:, size:] - c[:-size, size:] - c[size:, :-size] + c[:-size, :-size]
    y0, x0 = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return int(y0), int(x0)


def city_centre() -> tuple[float, float]:
    """Centre of the zones' bounding box, rounded to 0.001 degree (lat, lon)."""
    zones = json.loads(ZONES.read_text())
    pts = np.array([p for f in zones["features"] for ring in f["geometry"]["coordinates"] for p in ring])
    lon = (pts[:, 0].min() + pts[:, 0].max()) / 2
    lat = (pts[:, 1].min() + pts[:, 1].max()) / 2
    return round(float(lat), 3), round(float(lon), 3)


def main() -> None:
    with netcdf_file(SOURCE, "r", mmap=False) as f:
        p = np.array(f.variables[STAGEIV_VAR][:], dtype=np.float32)  # [time, y, x]
        lat = np.array(f.variables["lat"][:], dtype=np.float64)
        lon = np.array(f.variables["lon"][:], dtype=np.float64)
        n_hours = p.shape[0]
    if np.isnan(p).any() or (p < 0).any():
        raise SystemExit(f"{SOURCE}: expected no missing or negative values in the Stage IV extract")

    y0, x0 = wettest_window(p.sum(axis=0), WINDOW)
    block = p[:, y0 : y0 + WINDOW, x0 : x0 + WINDOW]
    wlat, wlon = lat[y0 : y0 + WINDOW, x0 : x0 + WINDOW], lon[y0 : y0 + WINDOW, x0 : x0 + WINDOW]
    km_lon = KM_PER_DEG_LON_EQ * np.cos(np.deg2rad(wlat))
    dy_km = np.hypot(np.diff(wlat, axis=0) * KM_PER_DEG_LAT, np.diff(wlon, axis=0) * km_lon[:-1]).mean()
    dx_km = np.hypot(np.diff(wlat, axis=1) * KM_PER_DEG_LAT, np.diff(wlon, axis=1) * km_lon[:, :-1]).mean()

    lat0, lon0 = city_centre()
    dlat = round(float(dy_km / KM_PER_DEG_LAT), 5)
    dlon = round(float(dx_km / (KM_PER_DEG_LON_EQ * np.cos(np.deg2rad(lat0)))), 5)
    offsets = np.arange(WINDOW) - (WINDOW - 1) / 2
    out_lat = np.round(lat0 + offsets * dlat, 6)
    out_lon = np.round(lon0 + offsets * dlon, 6)
    ends = np.arange(
        LAST_HOUR_END_SINCE_ORIGIN - n_hours + 1, LAST_HOUR_END_SINCE_ORIGIN + 1, dtype=np.float64
    )

    OUT.unlink(missing_ok=True)
    with netcdf_file(OUT, "w", version=1) as nc:
        nc.Conventions = "CF-1.8"
        nc.title = "SIMULATED hourly radar precipitation for Olinda (real Stage IV field, transplanted)"
        nc.comment = (
            "SIMULATED. The values are real NCEP Stage IV hourly precipitation (Hurricane Florence, "
            "2018-09-13/14, North Carolina). The place and time are not: the block was moved onto a "
            f"regular grid centred on Olinda, Brazil, and its hours shifted to end at {LAST_HOUR_END}."
        )
        nc.source = (
            f"data/rainfall/stageiv_florence_2018.nc (sha256 {sha256(SOURCE)}), variable {STAGEIV_VAR}, "
            f"cells y {y0}..{y0 + WINDOW - 1}, x {x0}..{x0 + WINDOW - 1}, all {n_hours} hours"
        )
        nc.source_window_y0 = np.int32(y0)
        nc.source_window_x0 = np.int32(x0)
        nc.source_cell_km = f"{dy_km:.3f} (y) x {dx_km:.3f} (x)"
        nc.history = "etl/pipelines/rain-radar/make-olinda-radar.py"
        nc.license = "NOAA data: public domain; the stars R package that ships the source file: Apache-2.0"

        # Unlimited time, as many CF radar archives have it (readers must handle record variables).
        nc.createDimension("time", None)
        nc.createDimension("lat", WINDOW)
        nc.createDimension("lon", WINDOW)
        nc.createDimension("nv", 2)

        t = nc.createVariable("time", "d", ("time",))
        t.standard_name = "time"
        t.units = f"hours since {TIME_ORIGIN}"
        t.calendar = "standard"
        t.bounds = "time_bnds"
        t.comment = "end of each one-hour accumulation"
        t[:] = ends
        tb = nc.createVariable("time_bnds", "d", ("time", "nv"))
        tb[:] = np.stack([ends - 1, ends], axis=1)

        la = nc.createVariable("lat", "d", ("lat",))
        la.standard_name = "latitude"
        la.units = "degrees_north"
        la[:] = out_lat
        lo = nc.createVariable("lon", "d", ("lon",))
        lo.standard_name = "longitude"
        lo.units = "degrees_east"
        lo[:] = out_lon

        v = nc.createVariable("precipitation", "f", ("time", "lat", "lon"))
        v.standard_name = "precipitation_amount"
        v.long_name = "hourly precipitation (SIMULATED: real Stage IV values, transplanted place and time)"
        v.units = "kg m-2"
        v._FillValue = FILL
        v.cell_methods = "time: sum (interval: 1 hr)"
        v[:] = np.where(np.isnan(block), FILL, block).astype(np.float32)

    print(f"window y {y0}..{y0 + WINDOW - 1} x {x0}..{x0 + WINDOW - 1}, cell {dy_km:.3f} x {dx_km:.3f} km")
    print(
        f"grid lat {out_lat[0]}..{out_lat[-1]} (step {dlat}), lon {out_lon[0]}..{out_lon[-1]} (step {dlon})"
    )
    print(f"max {block.max():.2f} mm/h, mean 23 h total {block.sum(axis=0).mean():.1f} mm")
    print(f"{OUT.relative_to(ROOT)} sha256 {sha256(OUT)}")


if __name__ == "__main__":
    main()
