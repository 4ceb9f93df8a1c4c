"""US EPA AQI against hand-computed values from the 2024 breakpoint tables.

    /usr/bin/python3 -m unittest discover training/tests
"""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.aqi import epa  # noqa: E402


class Pm25(unittest.TestCase):
    def test_breakpoint_edges(self):
        for c, expected in [
            (0.0, 0),
            (9.0, 50),
            (9.1, 51),
            (35.4, 100),
            (35.5, 101),
            (55.4, 150),
            (55.5, 151),
            (125.4, 200),
            (125.5, 201),
            (225.4, 300),
            (225.5, 301),
            (325.4, 500),
        ]:
            self.assertEqual(epa.aqi("pm25", c).aqi, expected, c)

    def test_interpolation(self):
        # (100-51)/(35.4-9.1)·(12.0-9.1)+51 = 56.40 -> 56
        self.assertEqual(epa.aqi("pm25", 12.0).aqi, 56)
        # (150-101)/(55.4-35.5)·(40.0-35.5)+101 = 112.08 -> 112
        self.assertEqual(epa.aqi("PM2.5", 40.0).aqi, 112)
        # (200-151)/(125.4-55.5)·(100.0-55.5)+151 = 182.19 -> 182
        self.assertEqual(epa.aqi("pm25", 100.0).aqi, 182)

    def test_truncation_not_rounding(self):
        r = epa.aqi("pm25", 35.49)
        self.assertEqual(r.concentration, 35.4)
        self.assertEqual(r.aqi, 100)
        self.assertEqual(r.category, "Moderate")
        self.assertEqual(epa.aqi("pm25", 9.09).aqi, 50)

    def test_2024_revision_changed_the_good_band(self):
        # Under the 2012 table 12.0 µg/m³ was AQI 50 ("Good"); since May 2024 it is "Moderate".
        self.assertEqual(epa.aqi("pm25", 12.0).category, "Moderate")

    def test_beyond_the_index(self):
        r = epa.aqi("pm25", 600.0)
        self.assertEqual(r.aqi, 500)
        self.assertTrue(r.beyond_index)
        self.assertEqual(r.category, "Hazardous")


class Pm10(unittest.TestCase):
    def test_values(self):
        for c, expected in [
            (0, 0),
            (54, 50),
            (54.9, 50),
            (55, 51),
            (100, 73),
            (154, 100),
            (155, 101),
            (254, 150),
            (354, 200),
            (424, 300),
            (425, 301),
            (604, 500),
        ]:
            self.assertEqual(epa.aqi("pm10", c).aqi, expected, c)
        self.assertEqual(epa.aqi("pm10", 200).category, "Unhealthy for Sensitive Groups")


class No2(unittest.TestCase):
    def test_ppb(self):
        for c, expected in [
            (0, 0),
            (53, 50),
            (54, 51),
            (100, 100),
            (101, 101),
            (360, 150),
            (361, 151),
            (649, 200),
            (650, 201),
            (1249, 300),
            (1250, 301),
            (2049, 500),
        ]:
            self.assertEqual(epa.aqi("no2", c, "ppb").aqi, expected, c)
        # (150-101)/(360-101)·(200-101)+101 = 119.73 -> 120
        self.assertEqual(epa.aqi("no2", 200).aqi, 120)

    def test_micrograms_are_converted(self):
        # 100 ppb = 188.16 µg/m³ at 25 °C; 188.2 µg/m³ -> 100.02 ppb -> truncated 100 -> AQI 100
        r = epa.aqi("no2", 188.2, "µg/m³")
        self.assertEqual(r.concentration, 100.0)
        self.assertEqual(r.aqi, 100)
        self.assertEqual(r.unit, "ppb")


class Errors(unittest.TestCase):
    def test_bad_inputs(self):
        with self.assertRaises(ValueError):
            epa.aqi("pm25", -1)
        with self.assertRaises(ValueError):
            epa.aqi("pm25", float("nan"))
        with self.assertRaises(ValueError):
            epa.aqi("o3", 0.05)
        with self.assertRaises(ValueError):
            epa.aqi("pm25", 10, "ppb")


class Json(unittest.TestCase):
    def test_table_json_is_complete_and_contiguous(self):
        j = json.loads(json.dumps(epa.breakpoints_json()))
        self.assertEqual([c["name"] for c in j["categories"]][0], "Good")
        for key, t in j["pollutants"].items():
            bands = t["bands"]
            self.assertEqual(len(bands), 6, key)
            step = 10 ** -t["decimals"]
            for a, b in zip(bands, bands[1:]):
                self.assertAlmostEqual(b["c_lo"] - a["c_hi"], step, places=6, msg=key)
                self.assertEqual(b["aqi_lo"], a["aqi_hi"] + 1)


if __name__ == "__main__":
    unittest.main()
