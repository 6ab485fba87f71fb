"""JUnit XML of a campaign record, in the Ant/JUnit form that Jenkins' JUnit plugin and most CI
servers read: one ``<testsuites>``, one ``<testsuite>`` per functional block, one ``<testcase>``
per case (``classname`` = the block, ``name`` = "<id> <title>").

Verdicts map as follows:

- pass: an empty ``<testcase>``.
- fail: ``<failure message="reason" type="fail">`` with the measurements outside their limits.
- error: ``<error message="reason" type="error">`` (the bench, not the DUT, could not go on).
- skipped: ``<skipped message="reason">``.
- inconclusive: JUnit has no such state, and CI must not count such a case as passed, so it is a
  ``<failure type="inconclusive">`` whose message starts with "inconclusive:".

The verdict, use cases, requirement ids and roles head the case's ``<system-out>``, followed by
every measurement against its limits; the campaign's identity (rig, DUT, faults, instruments,
hilbench version and commit) is each suite's ``<properties>``. The file is valid against the
Jenkins xUnit plugin's ``junit-10.xsd`` (no per-testcase properties, no counts beyond tests,
failures and errors on ``<testsuites>``) as well as hilbench's own stricter ``tests/data/junit.xsd``.
Text that XML 1.0 cannot hold (control characters from a DUT's bytes) is written as ``\\xNN`` so
the file always parses.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hilbench.report.format import limits_text, measurement_line, number
from hilbench.report.record import Case, Record

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(record: Record) -> str:
    """The JUnit XML document of the record, as text."""
    counts = _counts(record.cases)
    del counts["skipped"]  # per suite only: the root carries what every reader's schema allows
    root = ET.Element("testsuites", {
        "name": _clean(f"hilbench campaign {record.rig_name} / {record.dut.station_id}"),
        **counts, "time": _seconds(sum(c.duration_s for c in record.cases)),
    })
    for n, block in enumerate(record.blocks()):
        cases = [c for c in record.cases if c.block == block]
        suite = ET.SubElement(root, "testsuite", {
            "name": _clean(block), **_counts(cases), "time": _seconds(sum(c.duration_s for c in cases)),
            "timestamp": _timestamp(record, cases), "id": str(n), "package": "hilbench",
        })
        props = ET.SubElement(suite, "properties")
        for name, value in _suite_properties(record):
            ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
        for case in cases:
            _testcase(suite, case)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(record: Record, path: Path) -> Path:
    path.write_text(junit_xml(record), encoding="utf-8")
    return path


def _testcase(suite: ET.Element, case: Case) -> None:
    el = ET.SubElement(suite, "testcase", {"classname": _clean(case.block),
                                           "name": _clean(f"{case.id} {case.title}".strip()),
                                           "time": _seconds(case.duration_s)})
    reason = case.reason or ""
    if case.verdict == "fail":
        ET.SubElement(el, "failure", {"message": _clean(reason or "failed"), "type": "fail"}).text = \
            _clean(_failure_text(case))
    elif case.verdict == "inconclusive":
        ET.SubElement(el, "failure", {"message": _clean(f"inconclusive: {reason}".rstrip(": ")),
                                      "type": "inconclusive"}).text = _clean(_failure_text(case))
    elif case.verdict == "error":
        ET.SubElement(el, "error", {"message": _clean(reason or "error"), "type": "error"}).text = \
            _clean(_failure_text(case))
    elif case.verdict == "skipped":
        ET.SubElement(el, "skipped", {"message": _clean(reason or "skipped")})
    about = [f"{name}: {', '.join(values)}" for name, values in (
        ("verdict", (case.verdict,)), ("use cases", case.use_cases), ("requirements", case.requirements),
        ("roles", case.roles)) if values]
    if case.measurements:
        about += ["measurements:", *("  " + measurement_line(m) for m in case.measurements)]
    ET.SubElement(el, "system-out").text = _clean("\n".join(about) + "\n")


def _failure_text(case: Case) -> str:
    lines = [case.reason or f"verdict {case.verdict}"]
    outside = [m for m in case.measurements if m.outcome == "fail"]
    if outside:
        lines.append("measurements outside their limits:")
        lines += [f"  {m.name} = {number(m.value)}{' ' + m.unit if m.unit else ''}, limits {limits_text(m)}"
                  for m in outside]
    unset = [m.name for m in case.measurements if m.outcome == "unset"]
    if unset:
        lines.append(f"measurements without a value: {', '.join(unset)}")
    return "\n".join(lines)


def _suite_properties(record: Record) -> list[tuple[str, str]]:
    props = [("hilbench.version", record.version), ("hilbench.git_commit", record.git_commit or "unknown"),
             ("rig", f"{record.rig_name} ({record.rig_path})"), ("dut.kind", record.dut.kind),
             ("dut.station_id", record.dut.station_id), ("dut.faults", ", ".join(record.dut.faults) or "none"),
             ("time_scale", number(record.time_scale)), ("started_at", record.started_at.isoformat()),
             ("ended_at", record.ended_at.isoformat())]
    props += [(f"instrument.{i.name}", f"{i.role}: {i.model} at {i.address}") for i in record.instruments]
    if record.aborted:
        props.append(("aborted", record.aborted))
    return props


def _counts(cases: tuple[Case, ...] | list[Case]) -> dict[str, str]:
    def n(*verdicts: str) -> str:
        return str(sum(1 for c in cases if c.verdict in verdicts))
    return {"tests": str(len(cases)), "failures": n("fail", "inconclusive"), "errors": n("error"),
            "skipped": n("skipped")}


def _seconds(s: float) -> str:
    return f"{max(s, 0.0):.3f}"


def _timestamp(record: Record, cases: list[Case] | None = None) -> str:
    """UTC, without zone or fraction: the form Ant writes and every reader parses."""
    starts = [c.started_at for c in cases or () if c.started_at is not None]
    t = min(starts) if starts else record.started_at
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
