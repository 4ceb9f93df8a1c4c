"""US EPA Air Quality Index (AQI) from pollutant concentrations.

Source: 40 CFR Part 58, Appendix G, Table 2 as amended by the PM NAAQS reconsideration final rule
(89 FR 16202, 6 March 2024, effective 6 May 2024), and EPA's Technical Assistance Document for the
Reporting of Daily Air Quality (EPA-454/B-24-002, May 2024). The 2024 revision changed the PM2.5
breakpoints (Good now ends at 9.0 µg/m³, Unhealthy at 125.4, Very Unhealthy at 225.4) and merged the
two Hazardous bands into one 301–500 band for every pollutant; PM10 and NO2 breakpoints in the
lower categories are unchanged.

How one sub-index is computed (TAD, "Calculating the AQI"):

1. Average the concentration over the pollutant's averaging period (24 h for PM2.5 and PM10,
   1 h for NO2). This module takes the already-averaged concentration.
2. Truncate it to the table's precision: PM2.5 to 0.1 µg/m³, PM10 to 1 µg/m³, NO2 to 1 ppb.
   Truncation, not rounding: 35.49 µg/m³ PM2.5 is 35.4 and stays "Moderate".
3. Find the band [C_lo, C_hi] that holds the truncated value and interpolate linearly:
       I = (I_hi - I_lo) / (C_hi - C_lo) * (C - C_lo) + I_lo
   then round to the nearest integer (half up).
4. Above the top breakpoint the AQI is "beyond the index": we report 500 and set
   ``beyond_index`` so nobody mistakes a capped value for a measured one.

NO2 is tabulated in ppb. Concentrations in µg/m³ are converted at 25 °C and 1 atm
(molar volume 24.45 L/mol, M(NO2) = 46.0055 g/mol): ppb = µg/m³ × 24.45 / 46.0055.

The same tables are written into every AQI model's metadata.json (``epa_breakpoints``) by
:func:`breakpoints_json`, so the TypeScript services compute the index from exactly these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Iterable

from ._names import UGM3, normalise_parameter, normalise_unit

# (name, AQI low, AQI high). Category boundaries are the same for every pollutant.
CATEGORIES: tuple[tuple[str, int, int], ...] = (
    ("Good", 0, 50),
    ("Moderate", 51, 100),
    ("Unhealthy for Sensitive Groups", 101, 150),
    ("Unhealthy", 151, 200),
    ("Very Unhealthy", 201, 300),
    ("Hazardous", 301, 500),
)

# Concentration breakpoints (C_lo, C_hi) per category, in the order of CATEGORIES.
# Written as strings so truncation and the table itself are exact decimals, not binary floats.
_TABLES: dict[str, dict] = {
    "pm25": {
        "averaging": "24h",
        "unit": "µg/m³",
        "decimals": 1,
        "bands": (
            ("0.0", "9.0"),
            ("9.1", "35.4"),
            ("35.5", "55.4"),
            ("55.5", "125.4"),
            ("125.5", "225.4"),
            ("225.5", "325.4"),
        ),
    },
    "pm10": {
        "averaging": "24h",
        "unit": "µg/m³",
        "decimals": 0,
        "bands": (
            ("0", "54"),
            ("55", "154"),
            ("155", "254"),
            ("255", "354"),
            ("355", "424"),
            ("425", "604"),
        ),
    },
    "no2": {
        "averaging": "1h",
        "unit": "ppb",
        "decimals": 0,
        "bands": (
            ("0", "53"),
            ("54", "100"),
            ("101", "360"),
            ("361", "649"),
            ("650", "1249"),
            ("1250", "2049"),
        ),
    },
}

NO2_UGM3_PER_PPB = 46.0055 / 24.45  # 1 ppb NO2 = 1.8816 µg/m³ at 25 °C, 1 atm

SOURCE = (
    "40 CFR Part 58 Appendix G Table 2 as amended 2024-03-06 (89 FR 16202, effective 2024-05-06); "
    "EPA Technical Assistance Document EPA-454/B-24-002 (May 2024)"
)


@dataclass(frozen=True)
class AqiResult:
    pollutant: str
    concentration: float  # the concentration after unit conversion and truncation
    unit: str
    aqi: int
    category: str
    beyond_index: bool


def normalise_pollutant(name: str) -> str:
    key = normalise_parameter(name)
    if key not in _TABLES:
        raise ValueError(f"no EPA AQI table for pollutant {name!r}; known: {', '.join(_TABLES)}")
    return key


def truncate(pollutant: str, concentration: float) -> Decimal:
    """Truncate (toward zero) to the table's precision, as the TAD prescribes."""
    table = _TABLES[normalise_pollutant(pollutant)]
    quantum = Decimal(1).scaleb(-table["decimals"])
    # repr() gives the shortest decimal that round-trips the float, so 35.4 stays 35.4, not 35.39999.
    return Decimal(repr(float(concentration))).quantize(quantum, rounding=ROUND_DOWN)


def category_of(aqi: int) -> str:
    for name, lo, hi in CATEGORIES:
        if lo <= aqi <= hi:
            return name
    return CATEGORIES[-1][0]


def aqi(pollutant: str, concentration: float, unit: str | None = None) -> AqiResult:
    """The AQI sub-index of one averaged concentration.

    ``unit`` defaults to the table's unit; NO2 may also be given in µg/m³ (converted to ppb).
    Negative or non-finite concentrations raise ValueError: they are data errors, not "Good" air.
    """
    key = normalise_pollutant(pollutant)
    table = _TABLES[key]
    c = float(concentration)
    if not math.isfinite(c) or c < 0:
        raise ValueError(
            f"{pollutant} concentration must be a finite non-negative number, got {concentration!r}"
        )
    table_unit = table["unit"]
    if unit is not None and normalise_unit(unit) != normalise_unit(table_unit):
        if key == "no2" and normalise_unit(unit) == UGM3:
            c = c / NO2_UGM3_PER_PPB
        else:
            raise ValueError(f"{pollutant} must be in {table_unit}, got {unit!r}")
    ct = truncate(key, c)
    bands = table["bands"]
    for (c_lo, c_hi), (name, i_lo, i_hi) in zip(bands, CATEGORIES):
        lo, hi = Decimal(c_lo), Decimal(c_hi)
        if ct <= hi:
            # Truncation guarantees ct >= lo here: the gap between one band's C_hi and the next
            # band's C_lo is exactly one quantum, and truncated values live on that grid.
            value = (Decimal(i_hi - i_lo) / (hi - lo)) * (ct - lo) + Decimal(i_lo)
            index = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            return AqiResult(key, float(ct), table_unit, index, name, False)
    return AqiResult(key, float(ct), table_unit, 500, CATEGORIES[-1][0], True)


def aqi_many(pollutant: str, concentrations: Iterable[float], unit: str | None = None) -> list[AqiResult]:
    return [aqi(pollutant, c, unit) for c in concentrations]


def breakpoints_json() -> dict:
    """The tables as plain JSON for metadata.json, so the TypeScript side reuses the same numbers."""
    return {
        "source": SOURCE,
        "method": (
            "truncate the averaged concentration to the table precision (decimals), find the band with c_lo"
            " <= C <= c_hi, AQI = round_half_up((aqi_hi - aqi_lo) / (c_hi - c_lo) * (C - c_lo) + aqi_lo);"
            " above the last c_hi report 500 and flag beyond_index"
        ),
        "no2_ugm3_per_ppb": NO2_UGM3_PER_PPB,
        "categories": [{"name": n, "aqi_lo": lo, "aqi_hi": hi} for n, lo, hi in CATEGORIES],
        "pollutants": {
            key: {
                "averaging": t["averaging"],
                "unit": t["unit"],
                "decimals": t["decimals"],
                "bands": [
                    {"c_lo": float(lo), "c_hi": float(hi), "aqi_lo": ilo, "aqi_hi": ihi, "category": name}
                    for (lo, hi), (name, ilo, ihi) in zip(t["bands"], CATEGORIES)
                ],
            }
            for key, t in _TABLES.items()
        },
    }
