"""Bad input for the AQI loader and trainer: each case gives a clear error or a documented, counted
handling, never a silently wrong model.

    /usr/bin/python3 -m unittest discover training/tests
"""

from __future__ import annotations

import io
import sys
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cityassist_training.aqi.features import (  # noqa: E402
    FeatureSpec,
    baselines,
    panel_features,
    targets,
    window_features,
)
from cityassist_training.aqi.loader import AqiDataError, load_long_csv  # noqa: E402

HEADER = "location_id,datetime,parameter,value,unit\n"


def csv(rows: list[str], header: str = HEADER) -> io.StringIO:
    return io.StringIO(header + "".join(r + "\n" for r in rows))


def hourly(
    station: str,
    n: int,
    start: str = "2024-01-01T00:00:00Z",
    param: str = "pm25",
    unit: str = "µg/m³",
    value=lambda i: 10 + i % 5,
) -> list[str]:
    t0 = pd.Timestamp(start)
    return [
        f"{station},{(t0 + pd.Timedelta(hours=i)).strftime('%Y-%m-%dT%H:%M:%SZ')},{param},{value(i)},{unit}"
        for i in range(n)
    ]


def daily(station: str, n: int, start: str = "2005-01-01T00:00:00Z", value=lambda i: 20 + i % 7) -> list[str]:
    t0 = pd.Timestamp(start)
    return [
        f"{station},{(t0 + pd.Timedelta(days=i)).strftime('%Y-%m-%dT%H:%M:%SZ')},pm10,{value(i)},µg/m³"
        for i in range(n)
    ]


class MissingColumns(unittest.TestCase):
    def test_error_names_the_missing_columns(self):
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(csv(["a,2024-01-01T00:00:00Z,5"], header="location_id,datetime,value\n"))
        msg = str(cm.exception)
        self.assertIn("missing required column(s): parameter, unit", msg)
        self.assertIn("found location_id,datetime,value", msg)

    def test_openaq_v2_aliases_are_accepted(self):
        rows = [r.replace(",pm25,", ",pm25,") for r in hourly("s1", 48)]
        p = load_long_csv(csv(rows, header="locationId,utc,parameter,value,unit\n"))
        self.assertEqual(p.stations, ["s1"])

    def test_unreadable_files(self):
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv("/nonexistent/readings.csv")
        self.assertIn("no such file", str(cm.exception))
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(io.BytesIO(HEADER.encode() + b"s1,2024-01-01T00:00:00Z,pm25,5,\xb5g/m3\n"))
        self.assertIn("not UTF-8", str(cm.exception))

    def test_empty_file(self):
        with self.assertRaises(AqiDataError):
            load_long_csv(io.StringIO(""))
        with self.assertRaises(AqiDataError):
            load_long_csv(csv([]))


class Timestamps(unittest.TestCase):
    def test_a_few_unparseable_timestamps_are_dropped_and_reported_with_lines(self):
        rows = hourly("s1", 300)
        rows[10] = "s1,not-a-time,pm25,7,µg/m³"  # file line 12 (header is line 1)
        rows[20] = "s1,2024-13-45T99:00:00Z,pm25,7,µg/m³"  # line 22
        p = load_long_csv(csv(rows))
        d = p.report["dropped_unparseable"]
        self.assertEqual(d["rows"], 2)
        self.assertEqual(d["first_lines"], [12, 22])
        self.assertIn("timestamp", d["detail"])
        self.assertEqual(np.isfinite(p.values).sum(), 298)

    def test_many_unparseable_timestamps_are_an_error_with_line_numbers(self):
        rows = hourly("s1", 50)
        for i in range(0, 50, 5):
            rows[i] = "s1,yesterday,pm25,7,µg/m³"
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(csv(rows))
        msg = str(cm.exception)
        self.assertIn("10 of 50 rows", msg)
        self.assertIn("first bad lines: 2, 7, 12", msg)

    def test_offsets_are_honoured_and_naive_times_counted_as_utc(self):
        rows = hourly("s1", 48)
        rows[5] = "s1,2024-01-01T02:00:00-03:00,pm25,99,µg/m³"  # = 05:00Z, the slot of row 5
        rows[6] = "s1,2024-01-01T06:00:00,pm25,10,µg/m³"  # naive -> UTC
        p = load_long_csv(csv(rows))
        self.assertEqual(p.values[5, 0], 99)
        self.assertEqual(p.report["naive_timestamps_assumed_utc"], 1)

    def test_non_numeric_and_negative_values(self):
        rows = hourly("s1", 300)
        rows[3] = "s1,2024-01-01T03:00:00Z,pm25,n/a,µg/m³"
        rows[4] = "s1,2024-01-01T04:00:00Z,pm25,-999,µg/m³"
        p = load_long_csv(csv(rows))
        self.assertEqual(p.report["dropped_unparseable"]["rows"], 1)
        self.assertEqual(p.report["dropped_negative"], 1)
        self.assertTrue(np.isnan(p.values[3, 0]) and np.isnan(p.values[4, 0]))


class Duplicates(unittest.TestCase):
    def test_exact_and_conflicting_duplicates_are_averaged_and_counted(self):
        rows = hourly("s1", 48, value=lambda i: 10)
        rows += [rows[0], rows[0]]  # exact repeats of slot 0
        rows.append("s1,2024-01-01T01:00:00Z,pm25,20,µg/m³")  # conflicting value for slot 1
        p = load_long_csv(csv(rows))
        dup = p.report["duplicates"]
        self.assertEqual(dup["exact_duplicate_rows_removed"], 2)
        self.assertEqual(dup["slots_with_conflicting_values_averaged"], 1)
        self.assertEqual(dup["rows_merged_total"], 3)
        self.assertEqual(p.values[0, 0], 10)
        self.assertEqual(p.values[1, 0], 15)  # mean of 10 and 20


class UnitsAndParameters(unittest.TestCase):
    def test_mixed_units_are_an_error(self):
        rows = hourly("s1", 24) + hourly("s2", 24, unit="ppm")
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(csv(rows))
        self.assertIn("several units", str(cm.exception))
        self.assertIn("'ppm'", str(cm.exception))

    def test_unit_spellings_are_the_same_unit(self):
        rows = (
            hourly("s1", 24, unit="µg/m³")
            + hourly("s2", 24, unit="ug/m3")
            + hourly("s3", 24, unit="\u03bcg/m\u00b3")
        )
        p = load_long_csv(csv(rows))
        self.assertEqual(p.unit, "µg/m³")

    def test_several_parameters_need_a_choice(self):
        rows = hourly("s1", 24, param="pm25") + hourly("s1", 24, param="no2")
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(csv(rows))
        self.assertIn("no2, pm25", str(cm.exception))
        p = load_long_csv(csv(rows), "PM2.5")
        self.assertEqual(p.parameter, "pm25")
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(csv(rows), "o3")
        self.assertIn("not in the file", str(cm.exception))


class Resolution(unittest.TestCase):
    def test_hourly_and_daily_are_detected(self):
        self.assertEqual(load_long_csv(csv(hourly("s1", 48))).resolution, "hourly")
        p = load_long_csv(csv(daily("s1", 30)))
        self.assertEqual(p.resolution, "daily")
        self.assertEqual(p.season, 7)

    def test_daily_data_stamped_in_local_time_keeps_its_days(self):
        # 00:00+01:00 is 23:00Z the day before; the grid phase follows the data, nothing is shifted.
        rows = [r.replace("T00:00:00Z", "T00:00:00+01:00") for r in daily("s1", 30)]
        p = load_long_csv(csv(rows))
        self.assertEqual(p.report["grid_phase_seconds"], 23 * 3600)
        self.assertEqual(p.report["snapped_off_grid"], 0)
        self.assertEqual(len(p.times), 30)

    def test_unsupported_spacing_is_an_error(self):
        t0 = pd.Timestamp("2024-01-01T00:00:00Z")
        rows = [f"s1,{(t0 + pd.Timedelta(minutes=10 * i)).isoformat()},pm25,5,µg/m³" for i in range(50)]
        with self.assertRaises(AqiDataError) as cm:
            load_long_csv(csv(rows))
        self.assertIn("600 s", str(cm.exception))

    def test_readings_off_the_grid_are_snapped_and_counted(self):
        rows = hourly("s1", 48)
        rows[7] = "s1,2024-01-01T07:20:00Z,pm25,42,µg/m³"
        p = load_long_csv(csv(rows))
        self.assertEqual(p.report["snapped_off_grid"], 1)
        self.assertEqual(p.values[7, 0], 42)


class GapsAndStations(unittest.TestCase):
    def test_gaps_stay_missing_and_are_reported(self):
        rows = [r for i, r in enumerate(hourly("s1", 200)) if not 50 <= i < 80]
        p = load_long_csv(csv(rows))
        self.assertEqual(len(p.times), 200)
        self.assertTrue(np.isnan(p.values[50:80, 0]).all())
        self.assertEqual(p.report["per_station"]["s1"]["longest_gap_steps"], 30)

    def test_windows_without_enough_history_get_no_forecast(self):
        rows = [r for i, r in enumerate(hourly("s1", 200)) if not 50 <= i < 80]
        p = load_long_csv(csv(rows))
        spec = FeatureSpec.for_resolution("hourly")
        X, ok = panel_features(p.values, p.times, spec)
        # Needs >= 12 of the last 24 hours: inside the gap, from 12 h after it starts, no forecast.
        self.assertTrue(ok[61, 0])
        self.assertFalse(ok[62:80, 0].any())
        self.assertTrue(ok[91, 0])
        self.assertTrue(np.isnan(X[~ok]).all())

    def test_a_single_station_works_end_to_end(self):
        rng = np.random.default_rng(0)
        vals = 10 + 3 * np.sin(np.arange(24 * 40) * 2 * np.pi / 24) + rng.normal(0, 0.5, 24 * 40)
        p = load_long_csv(csv(hourly("only", len(vals), value=lambda i: round(float(vals[i]), 2))))
        self.assertEqual(p.stations, ["only"])
        from cityassist_training.aqi import evaluate, model

        spec = FeatureSpec.for_resolution("hourly", horizons=24)
        X, ok = panel_features(p.values, p.times, spec)
        Y = targets(p.values, spec)
        P, N = baselines(p.values, spec)
        fc = model.fit(
            spec,
            X,
            Y,
            evaluate.masks_before(ok, Y, 700),
            {"n_estimators": 30, "max_depth": 3, "n_jobs": 1},
            seed=1,
        )
        m = evaluate.eval_masks(ok, Y, P, N, 700, len(p.times))
        pred = evaluate.predict_cells(fc, X, m)
        mae = evaluate.mae_only(Y, pred["forecast"], m)
        mae_p = evaluate.mae_only(Y, P, m)
        # A clean daily cycle: the model must beat persistence on average, not just run.
        self.assertLess(np.mean(mae), np.mean(mae_p))


class TrainerRefusesBadData(unittest.TestCase):
    def _run(self, rows, tmp: Path, extra=()):
        import argparse
        import json

        from cityassist_training.aqi import cli

        data = tmp / "d.csv"
        data.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        cfg = json.loads((Path(__file__).resolve().parents[1] / "configs" / "aqi_airbase.json").read_text())
        cfg["model"]["n_estimators"] = 5
        cfg["evaluation"]["bootstrap"] = 20
        (tmp / "c.json").write_text(json.dumps(cfg))
        ap = argparse.ArgumentParser()
        cli.add_arguments(ap)
        args = ap.parse_args(
            [
                "--config",
                str(tmp / "c.json"),
                "--data",
                str(data),
                "--out",
                str(tmp / "out"),
                "--experiments",
                str(tmp / "runs.jsonl"),
                *extra,
            ]
        )
        return cli.run(args)

    def test_gap_riddled_series_is_refused_with_exit_code_2(self):
        import tempfile

        # Three readings a week: never the 4 valid days per week a forecast needs, so no window
        # qualifies (the spacing is still daily, so this is not a resolution error).
        rows = [r for i, r in enumerate(daily("s1", 200)) if i % 7 < 3]
        with tempfile.TemporaryDirectory() as d:
            with _Quiet() as q:
                rc = self._run(rows, Path(d))
            self.assertIn("no usable training window", q.text)
            self.assertEqual(rc, 2)
            self.assertFalse((Path(d) / "out" / "aqi").exists(), "no model directory may be written")

    def test_too_short_series_is_refused(self):
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            with _Quiet() as q:
                rc = self._run(daily("s1", 40), Path(d))
            self.assertEqual(rc, 2)
            self.assertIn("too short or too gap-riddled", q.text)


class _Quiet:
    """Silence the trainer's progress lines on stderr inside a test."""

    def __enter__(self):
        self._err = sys.stderr
        sys.stderr = self._buf = io.StringIO()
        return self

    def __exit__(self, *exc):
        sys.stderr = self._err
        return False

    @property
    def text(self) -> str:
        return self._buf.getvalue()


class FeatureReference(unittest.TestCase):
    def test_window_features_match_the_vectorised_features(self):
        rng = np.random.default_rng(3)
        T, S = 400, 3
        vals = rng.lognormal(2.5, 0.4, (T, S))
        vals[rng.random((T, S)) < 0.15] = np.nan
        times = pd.date_range("2024-01-01", periods=T, freq="H", tz="UTC")
        spec = FeatureSpec.for_resolution("hourly")
        X, ok = panel_features(vals, times, spec)
        checked = 0
        for t in range(0, T, 7):
            for s in range(S):
                w = vals[max(0, t - spec.history + 1) : t + 1, s]
                f = window_features(w, times[t], spec)
                if f is None:
                    self.assertFalse(ok[t, s])
                    continue
                np.testing.assert_allclose(f, X[t, s], rtol=1e-5, atol=1e-6)
                checked += 1
        self.assertGreater(checked, 100)

    def test_baselines(self):
        vals = np.arange(60, dtype=float)[:, None]
        spec = FeatureSpec.for_resolution("daily", horizons=10)
        P, N = baselines(vals, spec)
        t = 30
        self.assertEqual(P[t, 0, 0], 30)  # persistence = last reading
        self.assertEqual(N[t, 0, 0], 30 + 1 - 7)  # same weekday last week for t+1
        self.assertEqual(N[t, 0, 6], 30)  # t+7 -> t
        self.assertEqual(N[t, 0, 7], 30 + 8 - 14)  # t+8 -> t-6
        vals[24, 0] = np.nan  # the same-phase reading is missing -> one season earlier
        P, N = baselines(vals, spec)
        self.assertEqual(N[t, 0, 0], 17)


if __name__ == "__main__":
    unittest.main()
