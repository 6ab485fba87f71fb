"""The message sequence chart of a case's last messages, and the trace reader under it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hilbench.errors import RecordError
from hilbench.report import load_record
from hilbench.report.msc import CSMS, DUT, EV, INSTRUMENTS, WINDOW, sequence_chart, window
from hilbench.report.record import Case
from hilbench.report.trace import BLOCK, lines_backwards
from tests.test_report_record import (S, T_BASE, boot_case, error_case, note, ocpp, one_hour_record, sample_record, scpi,
                                      v2g, v2x_fail_case, write_record)


def _case(tmp_path: Path, trace: list[dict], verdict: str = "fail", duration_s: float = 100.0) -> Case:
    c, _ = boot_case(T_BASE)
    c.update(verdict=verdict, duration_s=duration_s, trace={"file": f"trace/{c['id']}.jsonl", "lines": len(trace)})
    return load_record(write_record(tmp_path, [(c, trace)])).cases[0]


def _labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_chart_names_the_messages_of_the_trace(tmp_path: Path) -> None:
    record = load_record(sample_record(tmp_path))
    svg = sequence_chart(record.cases[2])  # HB_Q_05_CS, fail
    assert svg is not None
    ET.fromstring(svg)  # well-formed on its own
    labels = _labels(svg)
    for name in ("bench CSMS", "DUT", "bench EV", "SetChargingProfile",
                 "SetChargingProfile result (Accepted)", "ScheduleExchangeReq", "ScheduleExchangeRes",
                 "TransactionEvent", "TransactionEvent result"):
        assert name in labels, name
    assert any(label.startswith("DC_ChargeLoopReq ×") for label in labels)
    assert any(label.startswith("HB_Q_05_CS: fail — discharge power") for label in labels)
    assert "1.000" in labels and "28.000" in labels  # times from the case's start, on the left


def test_directions_follow_the_dut(tmp_path: Path) -> None:
    """rx is the DUT speaking: toward the CSMS on OCPP, toward the EV on ISO 15118-20."""
    t = T_BASE
    rows = window(_case(tmp_path, [ocpp(t + 1, "rx", [2, "1", "Heartbeat", {}]), ocpp(t + 2, "tx", [3, "1", {}]),
                                   v2g(t + 3, "tx", "SessionSetupReq", {}), v2g(t + 4, "rx", "SessionSetupRes", {"ResponseCode": "OK"}),
                                   scpi(t + 5, "cmd", "battery", "OUTP ON"), scpi(t + 6, "reply", "battery", "1")]))
    assert [(r.label, r.src, r.dst, r.reply) for r in rows] == [
        ("Heartbeat", DUT, CSMS, False), ("Heartbeat result", CSMS, DUT, True),
        ("SessionSetupReq", EV, DUT, False), ("SessionSetupRes", DUT, EV, True),
        ("battery: OUTP ON", EV, INSTRUMENTS, False), ("battery: 1", INSTRUMENTS, EV, True)]


def test_problems_are_marked(tmp_path: Path) -> None:
    t = T_BASE
    rows = window(_case(tmp_path, [
        ocpp(t + 1, "tx", [2, "a", "SetChargingProfile", {}]), ocpp(t + 2, "rx", [4, "a", "FormationViolation", "bad", {}]),
        ocpp(t + 3, "tx", [2, "b", "RequestStartTransaction", {}]), ocpp(t + 4, "rx", [3, "b", {"status": "Rejected"}]),
        ocpp(t + 5, "rx", [3, "zz", {}]), ocpp(t + 6, "rx", "not a frame"),
        v2g(t + 7, "rx", "PowerDeliveryRes", {"ResponseCode": "FAILED"}), {**v2g(t + 8, "rx", "x", {}), "text": "oops"},
        ocpp(t + 9, "rx", [6, "c", "NotifyPeriodicEventStream", {}]), ocpp(t + 10, "rx", [5, "d", "InternalError", "x", {}])]))
    assert [(r.label, r.bad) for r in rows] == [
        ("SetChargingProfile", False), ("SetChargingProfile CALLERROR FormationViolation", True),
        ("RequestStartTransaction", False), ("RequestStartTransaction result (Rejected)", True),
        ("#zz result", False),  # its CALL is outside the window
        ('not an OCPP-J frame: "not a frame"', True), ("PowerDeliveryRes (FAILED)", True),
        ("not a message: oops", True), ("NotifyPeriodicEventStream (SEND)", False),
        ("#d CALLRESULTERROR InternalError", True)]
    svg = sequence_chart(_case(tmp_path / "2", [ocpp(T_BASE + 1, "rx", [4, "a", "GenericError", "", {}])]))
    assert 'fill="#c62828" font-weight="bold"' in svg


def test_window_is_the_last_rows_of_the_case(tmp_path: Path) -> None:
    t = T_BASE
    trace = [ocpp(t + k * S, "rx", [2, f"id{k}", f"Action{k}", {}]) for k in range(100)]
    trace.append(note(t + 200 * S + 1, "HB_B_01_CS: fail"))  # written after the case's clock stopped
    rows = window(_case(tmp_path, trace, duration_s=200.0))
    assert len(rows) == WINDOW
    assert [r.label for r in rows] == [f"Action{k}" for k in range(101 - WINDOW, 100)] + ["HB_B_01_CS: fail"]


def test_repeats_fold_and_instrument_runs_collapse(tmp_path: Path) -> None:
    t = T_BASE
    trace = [ocpp(t, "rx", [2, "b", "BootNotification", {}])]
    for k in range(50):  # a charge loop with a meter poll inside it
        at = t + S + k * 1_000_000
        trace += [v2g(at, "tx", "DC_ChargeLoopReq", {}), v2g(at + 10, "rx", "DC_ChargeLoopRes", {})]
        if k % 10 == 5:
            trace += [scpi(at + 20, "cmd", "battery", "MEAS:POW?"), scpi(at + 30, "reply", "battery", "1")]
    trace += [scpi(t + 2 * S + k, "cmd", "grid", f"MEAS:FREQ? {k}") for k in range(9)]
    trace += [note(t + 3 * S, "done")]
    rows = window(_case(tmp_path, trace))
    assert [(r.label, r.count, r.hidden) for r in rows] == [
        ("BootNotification", 1, 0), ("DC_ChargeLoopReq", 50, 0), ("DC_ChargeLoopRes", 50, 10),
        ("9 commands and replies (grid); last: grid MEAS:FREQ? 8", 1, 0), ("done", 1, 0)]
    labels = _labels(sequence_chart(_case(tmp_path / "2", trace)))
    assert "DC_ChargeLoopReq ×50" in labels and "1.00–1.05" in labels


def test_no_trace_no_chart(tmp_path: Path) -> None:
    record = load_record(sample_record(tmp_path))
    assert sequence_chart(record.cases[5]) is None  # skipped: no trace
    assert sequence_chart(_case(tmp_path / "empty", [])) is None


def test_text_in_the_chart_is_escaped(tmp_path: Path) -> None:
    svg = sequence_chart(_case(tmp_path, [note(T_BASE, "<script>alert('x')</script> & more")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_long_trace_reads_only_its_end(tmp_path: Path) -> None:
    """A one-hour trace: the chart comes from the file's end (a bad line at its start is not read)."""
    path = one_hour_record(tmp_path)
    record = load_record(path)
    trace_file = record.cases[1].trace.path
    text = trace_file.read_text()
    trace_file.write_text("this line is never read\n" + text)
    rows = window(record.cases[1])
    assert rows[-1].label == "HB_Q_06_CS: fail — export energy off by 2.1 %"
    assert rows[-2].label == "GetVariables"
    assert any(r.label == "MeterValues result" for r in rows)


def test_backwards_reader_matches_forwards(tmp_path: Path) -> None:
    """Lines across block borders, a last line without newline, blank lines."""
    lines = [note(T_BASE + k, "x" * (k * 37 % 5000)) for k in range(300)]
    body = "\n".join(json.dumps(line) for line in lines[:150]) + "\n\n" + "\n".join(json.dumps(line) for line in lines[150:])
    case = _case(tmp_path, [])
    case.trace.path.write_text(body)
    assert case.trace.path.stat().st_size > 3 * BLOCK
    got = [ln.t_ns for ln in lines_backwards(case.trace)]
    assert got == [line["t_ns"] for line in reversed(lines)]


@pytest.mark.parametrize("line,expected", [
    ("{not json", "line 3: not JSON"),
    ('{"t_ns": 1, "channel": "ocpp", "dir": "rx", "peer": "x"}', "line 3: text: missing"),
    ('{"t_ns": "1", "channel": "ocpp", "dir": "rx", "peer": "x", "text": ""}', "line 3: t_ns: must be an integer"),
    ('[1, 2]', "line 3: must be a JSON object"),
])
def test_a_bad_trace_line_names_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    case = _case(tmp_path, [note(T_BASE, "a"), note(T_BASE + 1, "b")])
    with case.trace.path.open("a") as f:
        f.write(line + "\n")
    message = str(pytest.raises(RecordError, window, case).value)
    assert message.startswith(f"{case.trace.path}: {expected}")


def test_chart_for_the_error_case(tmp_path: Path) -> None:
    c, trace = error_case(T_BASE)
    svg = sequence_chart(load_record(write_record(tmp_path, [(c, trace)])).cases[0])
    labels = _labels(svg)
    assert "SetChargingProfile" in labels and "battery: MEAS:POW?" in labels
    assert any(re.match(r"SetChargingProfile CALLERROR", label) for label in labels)
    c2, trace2 = v2x_fail_case(T_BASE)
    assert sequence_chart(load_record(write_record(tmp_path / "2", [(c2, trace2)])).cases[0]).count("<g>") <= WINDOW
