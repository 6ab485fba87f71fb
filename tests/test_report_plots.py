"""Plots of a case's series: small SVG with text as text, lines cut to at most 2,000 points that
still show every spike, setpoints as steps."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hilbench.report import load_record
from hilbench.report.plots import COLOURS, MAX_POINTS, case_plot, decimate
from tests.test_report_record import T_BASE, boot_case, charge_case, one_hour_record, sample_record, write_record


def test_decimate_keeps_short_lines_as_they_are() -> None:
    t = np.arange(100, dtype=np.int64)
    v = np.sin(t / 10.0)
    dt, dv = decimate(t, v)
    assert np.array_equal(dt, t) and np.array_equal(dv, v)


def test_decimate_cuts_to_the_limit_and_keeps_spikes() -> None:
    n = 36_000
    t = np.arange(n, dtype=np.int64) * 100_000_000
    v = np.full(n, -7000.0) + np.sin(np.arange(n) / 50.0)
    v[12_345] = 2500.0  # one sample, a spike up
    v[30_001] = -9000.0  # and one down
    dt, dv = decimate(t, v, MAX_POINTS)
    assert len(dt) <= MAX_POINTS
    assert dv.max() == 2500.0 and dv.min() == -9000.0
    assert t[12_345] in dt and t[30_001] in dt
    assert np.all(np.diff(dt) > 0)  # still in time order, no point twice


def test_decimate_keeps_gaps() -> None:
    n = 10_000
    t = np.arange(n, dtype=np.int64)
    v = np.ones(n)
    v[4_000:6_000] = np.nan
    _, dv = decimate(t, v, 1000)
    assert np.isnan(dv).any() and np.nanmax(dv) == 1.0


def test_decimate_step_line_keeps_its_changes() -> None:
    t = np.arange(36_000, dtype=np.int64)
    v = np.repeat([0.0, -7000.0, 7000.0, 7000.0, 0.0, 0.0], 6_000)
    dt, dv = decimate(t, v, step=True)
    assert list(dv) == [0.0, -7000.0, 7000.0, 0.0, 0.0]  # every change, and the last point
    assert list(dt) == [0, 6_000, 12_000, 24_000, 35_999]


def test_plot_is_small_svg_with_text_as_text(tmp_path: Path) -> None:
    case = load_record(sample_record(tmp_path)).cases[2]
    svg = case_plot(case)
    assert svg is not None and svg.startswith("<svg")
    assert "<text" in svg and "measured power" in svg and "time since the case started (s)" in svg
    assert "DejaVuSans" not in svg and "<metadata" not in svg  # no glyph paths, no creator stamp
    assert len(svg) < 120_000
    for colour in (COLOURS["measured"][0], COLOURS["setpoint"][0], COLOURS["limit"][0]):
        assert colour in svg
    assert "stroke-dasharray" in svg  # the limits
    for panel in ("power", "current", "voltage"):
        assert f">{panel}</text>" in svg


def test_plot_of_an_hour_stays_small(tmp_path: Path) -> None:
    case = load_record(one_hour_record(tmp_path)).cases[1]
    assert len(case.series[0].values) == 36_000
    svg = case_plot(case)
    assert svg is not None and len(svg) < 400_000
    assert ">3500</text>" in svg  # x runs from 0 to 3600 s


def test_no_series_no_plot(tmp_path: Path) -> None:
    record = load_record(sample_record(tmp_path))
    assert case_plot(record.cases[0]) is None  # the boot case has measurements only
    assert case_plot(record.cases[5]) is None


def test_same_case_same_svg_and_ids_differ_between_cases(tmp_path: Path) -> None:
    c1, t1 = charge_case(T_BASE)
    c2, t2 = charge_case(T_BASE + 100)
    c2["id"] = "HB_E_02_CS"
    record = load_record(write_record(tmp_path, [(c1, t1), (c2, t2), boot_case(T_BASE)]))
    a, b = case_plot(record.cases[0]), case_plot(record.cases[1])
    assert a == case_plot(record.cases[0])
    ids_a = set(re.findall(r'\sid="([^"]+)"', a))
    ids_b = set(re.findall(r'\sid="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b
