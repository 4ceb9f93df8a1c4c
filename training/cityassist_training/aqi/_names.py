"""Canonical spellings of pollutant names and units, shared by the loader and the AQI tables.

Public sources spell the same thing many ways (OpenAQ: "pm25", AirBase: "PM10", others "PM2.5";
"µg/m³" with the micro sign U+00B5 or the Greek mu U+03BC, or plain "ug/m3"). Everything is mapped
to one spelling before comparison so that a harmless spelling difference is never a "mixed units"
error and a real difference always is.
"""

from __future__ import annotations

UGM3 = "µg/m³"  # U+00B5 MICRO SIGN, U+00B3 SUPERSCRIPT THREE

_UNIT_ALIASES = {
    "µg/m³": UGM3,
    "µg/m3": UGM3,
    "ug/m3": UGM3,
    "ug/m³": UGM3,
    "ugm-3": UGM3,
    "µgm-3": UGM3,
    "microgram/m3": UGM3,
    "micrograms/m3": UGM3,
    "ppb": "ppb",
    "ppm": "ppm",
}


def normalise_unit(unit: str) -> str:
    """Canonical unit, or the lower-cased input if unknown (so unknown units still compare)."""
    u = str(unit).strip().lower().replace("\u03bc", "\u00b5").replace(" ", "")
    return _UNIT_ALIASES.get(u, u)


def normalise_parameter(name: str) -> str:
    """'PM2.5', 'pm_25', 'pm25' -> 'pm25'; 'NO2' -> 'no2'."""
    return str(name).strip().lower().replace(".", "").replace("_", "").replace(" ", "").replace("-", "")
