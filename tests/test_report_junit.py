"""JUnit XML from a campaign record: valid against the public Jenkins xUnit plugin schema
(junit-10.xsd, fetched by `make peers`) and against hilbench's own stricter one (tests/data/junit.xsd),
with the right counts, and each verdict where CI looks for it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from hilbench.report import junit_xml, load_record, write_reports
from tests.test_report_record import T_BASE, boot_case, one_hour_record, sample_record, write_record

XSD = Path(__file__).parent / "data" / "junit.xsd"
PUBLIC_XSD = Path(__file__).parent.parent / ".venv-peers" / "junit" / "junit-10.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(XSD)


@pytest.fixture(scope="module")
def public_schema() -> xmlschema.XMLSchema:
    if not PUBLIC_XSD.exists():
        pytest.fail(f"{PUBLIC_XSD} is missing: `make peers` fetches it")
    return xmlschema.XMLSchema(PUBLIC_XSD)


@pytest.fixture
def written(tmp_path: Path) -> Path:
    return write_reports(sample_record(tmp_path / "campaign"), tmp_path / "out")["junit"]


def _case(root: ET.Element, case_id: str) -> ET.Element:
    found = [tc for tc in root.iter("testcase") if tc.get("name", "").split(" ")[0] == case_id]
    assert len(found) == 1
    return found[0]


def test_junit_validates_against_the_schema(written: Path, schema: xmlschema.XMLSchema) -> None:
    schema.validate(str(written))


def test_junit_validates_against_the_public_jenkins_schema(written: Path, tmp_path: Path,
                                                           public_schema: xmlschema.XMLSchema) -> None:
    public_schema.validate(str(written))
    public_schema.validate(str(write_reports(one_hour_record(tmp_path / "campaign"), tmp_path / "out")["junit"]))
    # and it is a schema that refuses things: a testcase without a name, a suite without counts
    assert not public_schema.is_valid('<testsuites><testsuite name="B" tests="1" failures="0" errors="0">'
                                      '<testcase classname="B"/></testsuite></testsuites>')
    assert not public_schema.is_valid('<testsuites><testsuite name="B"><testcase name="x"/></testsuite></testsuites>')


def test_the_schema_is_not_vacuous(schema: xmlschema.XMLSchema) -> None:
    """The same schema refuses what Jenkins could not read."""
    bad = [
        '<testsuites><testsuite name="B"><testcase name="x"/></testsuite></testsuites>',  # no tests count
        '<testsuites><testsuite name="B" tests="1"><testcase classname="B"/></testsuite></testsuites>',  # no name
        '<testsuites><testsuite name="B" tests="1"><testcase name="x" time="-1"/></testsuite></testsuites>',
        '<testsuites><testsuite name="B" tests="1" timestamp="2026-12-04T21:00:00Z"/></testsuites>',
        '<testsuites><testsuite name="B" tests="1"><testcase name="x"><failure/><error/></testcase></testsuite></testsuites>',
        '<testsuites><testcase name="x"/></testsuites>',
    ]
    for doc in bad:
        assert not schema.is_valid(doc), doc
    assert schema.is_valid('<testsuite name="B" tests="1"><testcase name="x" time="0.5"><skipped/></testcase></testsuite>')


def test_counts_per_suite_and_in_total(written: Path) -> None:
    root = ET.parse(written).getroot()
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == \
        {"tests": "6", "failures": "2", "errors": "1"}  # inconclusive counts as a failure
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["B", "E", "Q", "K", "R"]  # one per block, in the campaign's order
    q = suites["Q"]
    assert (q.get("tests"), q.get("failures"), q.get("errors"), q.get("skipped")) == ("2", "2", "0", "0")
    assert suites["K"].get("errors") == "1" and suites["R"].get("skipped") == "1"
    for s in suites.values():
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert all(tc.get("classname") == s.get("name") for tc in cases)
        assert float(s.get("time")) == pytest.approx(sum(float(tc.get("time")) for tc in cases), abs=0.002)
    assert float(root.get("time")) == pytest.approx(62.3)
    assert suites["B"].get("timestamp") == "2026-12-04T21:00:00"
    assert suites["Q"].get("timestamp") == "2026-12-04T21:00:40"


def test_each_verdict_where_ci_looks(written: Path) -> None:
    root = ET.parse(written).getroot()
    passed = _case(root, "HB_B_01_CS")
    assert passed.get("name") == "HB_B_01_CS Cold boot: BootNotification accepted, then Available"
    assert passed.get("time") == "2.100"
    assert [c.tag for c in passed] == ["system-out"]

    fail = _case(root, "HB_Q_05_CS").find("failure")
    assert fail.get("type") == "fail"
    assert fail.get("message") == "discharge power -6500 W outside [-7140, -6860] W 5 s after the setpoint"
    assert "discharge_power = -6500 W, limits [-7140, -6860] W" in fail.text
    assert "setpoint_ack_time" not in fail.text  # only those outside their limits

    inconclusive = _case(root, "HB_Q_08_CS").find("failure")
    assert inconclusive.get("type") == "inconclusive"
    assert inconclusive.get("message").startswith("inconclusive: the grid simulator did not reach 49.8 Hz")

    error = _case(root, "HB_K_01_CS").find("error")
    assert error.get("message") == "InstrumentTimeout: battery did not answer MEAS:POW? within 2 s"
    assert "measurements without a value: limit_power" in error.text

    skipped = _case(root, "HB_R_01_CS")
    assert skipped.find("skipped").get("message") == "needs the role der_controller, which the rig does not have"
    assert skipped.get("time") == "0.000"


def test_properties_and_measurements(written: Path) -> None:
    root = ET.parse(written).getroot()
    tc = _case(root, "HB_E_01_CS")
    head = tc.find("system-out").text.splitlines()[:5]
    assert head == ["verdict: pass", "use cases: E01, F01", "requirements: E01.FR.01, F01.FR.01",
                    "roles: csms, ev, dc_supply", "measurements:"]
    assert "charge_power = 10985 W   limits [10780, 11220] W   pass" in tc.find("system-out").text
    out = _case(root, "HB_Q_05_CS").find("system-out").text
    assert "grid_voltage = 229.1 V   limits [207, 253] V (marginal outside [230, 250])   marginal" in out
    suite = {p.get("name"): p.get("value") for p in root.find("testsuite/properties")}
    assert suite["dut.station_id"] == "HB-VC-001" and suite["hilbench.git_commit"] == "abc1234def5678"
    assert suite["dut.faults"] == "slow-setpoint-ramp"


def test_text_xml_cannot_hold_is_escaped(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    """A reason quoting a DUT's raw bytes (NUL, ESC) still gives a file every reader parses."""
    c, trace = boot_case(T_BASE)
    c.update(verdict="fail", reason="DUT sent \x00\x1b[31m <b>&amp;\" \ud800")
    c["title"] = "ids & <titles>"
    path = write_record(tmp_path, [(c, trace)])
    text = junit_xml(load_record(path))
    schema.validate(text)
    root = ET.fromstring(text)
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == 'DUT sent \\x00\\x1b[31m <b>&amp;" \\xd800'
    assert root.find("testsuite/testcase").get("name") == "HB_B_01_CS ids & <titles>"


def test_a_record_with_no_cases(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    text = junit_xml(load_record(write_record(tmp_path, [])))
    schema.validate(text)
    assert ET.fromstring(text).get("tests") == "0"


def test_one_hour_record(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    out = write_reports(one_hour_record(tmp_path / "campaign"), tmp_path / "out")
    schema.validate(str(out["junit"]))
    tc = _case(ET.parse(out["junit"]).getroot(), "HB_Q_06_CS")
    assert tc.get("time") == "3600.000" and tc.find("failure") is not None


def test_same_record_same_bytes(tmp_path: Path) -> None:
    path = sample_record(tmp_path / "campaign")
    assert junit_xml(load_record(path)) == junit_xml(load_record(path))
    assert json.loads(path.read_text())["summary"]["fail"] == 1


def test_a_measured_list_or_object_is_written_as_json(tmp_path: Path) -> None:
    c, trace = boot_case(T_BASE)
    c["measurements"][1].update(value=["Accepted", "Pending"], equals=None, outcome="pass")
    c["measurements"].append({"name": "schedule", "value": {"periods": 2}, "unit": "", "outcome": "pass"})
    text = junit_xml(load_record(write_record(tmp_path, [(c, trace)])))
    assert 'boot_status = ["Accepted","Pending"]' in text and 'schedule = {"periods":2}' in text
