"""The report writers on a campaign with a one-hour case (run: make bench).

The record: a boot case and a one-hour V2X case with power, current and voltage at 10 Hz (36,000
points each) and a setpoint, and a 7.8 MB trace (about 65,000 lines: a charge loop every 250 ms, the
meter polled at 5 Hz, meter values every 10 s). The goal is well under 10 s for ``write_reports``
(record → junit.xml + report.html); the parts show where the time goes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hilbench.report import load_record, write_reports
from hilbench.report.junit import junit_xml
from hilbench.report.msc import sequence_chart
from hilbench.report.plots import case_plot
from tests.test_report_record import one_hour_record


@pytest.fixture(scope="module")
def hour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return one_hour_record(tmp_path_factory.mktemp("hour") / "campaign")


@pytest.mark.benchmark(group="report: one-hour campaign")
def test_write_reports_one_hour(benchmark, hour: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = benchmark.pedantic(write_reports, args=(hour, tmp_path / "out"), rounds=5, iterations=1, warmup_rounds=1)
    assert out["html"].stat().st_size > 0


@pytest.mark.benchmark(group="report: one-hour campaign, parts")
def test_load_record_one_hour(benchmark, hour: Path) -> None:  # type: ignore[no-untyped-def]
    assert len(benchmark(load_record, hour).cases) == 2


@pytest.mark.benchmark(group="report: one-hour campaign, parts")
def test_plot_one_hour_case(benchmark, hour: Path) -> None:  # type: ignore[no-untyped-def]
    case = load_record(hour).cases[1]
    assert benchmark(case_plot, case)


@pytest.mark.benchmark(group="report: one-hour campaign, parts")
def test_sequence_chart_one_hour_case(benchmark, hour: Path) -> None:  # type: ignore[no-untyped-def]
    case = load_record(hour).cases[1]
    assert benchmark(sequence_chart, case)


@pytest.mark.benchmark(group="report: one-hour campaign, parts")
def test_junit_one_hour(benchmark, hour: Path) -> None:  # type: ignore[no-untyped-def]
    record = load_record(hour)
    assert benchmark(junit_xml, record)
