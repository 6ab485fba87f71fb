"""The pytest plugin: a lab's own cases, written as plain async test functions with the case
fixtures, run against the rig's DUT with ``pytest --hilbench-rig``; the library runs the same way;
verdicts become pytest outcomes; the session writes the same record and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LAB_CASES = '''
import pytest
from hilbench.cases import Measurement


@pytest.mark.hilbench(id="HB_LAB_01_CS", title="the heartbeat interval reads back", use_cases=["B06"],
                      requirements=["B06.FR.01"], measurements=[Measurement("status", equals="Accepted")])
async def test_heartbeat_reads_back(csms, measure):
    res = await csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    measure["status"] = res["getVariableResult"][0]["attributeStatus"]


@pytest.mark.hilbench(id="HB_LAB_02_CS", title="a read-only variable stays read-only", use_cases=["B05"],
                      requirements=["B05.FR.09"], measurements=[Measurement("status", equals="Rejected")])
async def test_readonly(ctx):
    res = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"}, "attributeValue": "3"}]})
    ctx.measure["status"] = res["setVariableResult"][0]["attributeStatus"]


@pytest.mark.hilbench(id="HB_LAB_03_CS", title="needs a role this rig lacks", use_cases=["X01"], requirements=["X"],
                      roles=["csms", "energy_meter"], measurements=[Measurement("x", low=0)])
async def test_meter(ctx):
    ctx.measure["x"] = 1
'''


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path),
                           "--hilbench-out", str(tmp_path / "out"), *args], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)


def test_a_labs_own_cases(tmp_path: Path) -> None:
    (tmp_path / "test_lab.py").write_text(LAB_CASES)
    p = _pytest(tmp_path, "test_lab.py", "--hilbench-rig", "sim")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "3 passed" in p.stdout  # the sim rig has an energy meter: nothing skipped
    record = json.loads((tmp_path / "out" / "record.json").read_text())
    assert [(c["id"], c["verdict"]) for c in record["cases"]] == [
        ("HB_LAB_01_CS", "pass"), ("HB_LAB_02_CS", "pass"), ("HB_LAB_03_CS", "pass")]
    assert (tmp_path / "out" / "junit.xml").exists() and (tmp_path / "out" / "report.html").exists()


def test_a_fault_fails_the_lab_case(tmp_path: Path) -> None:
    (tmp_path / "test_lab.py").write_text(LAB_CASES)
    p = _pytest(tmp_path, "test_lab.py", "--hilbench-rig", "sim", "--hilbench-fault", "readonly-variable-accepted")
    assert p.returncode == 1
    assert "1 failed" in p.stdout and "test_readonly" in p.stdout and "status = 'Accepted'" in p.stdout


def test_the_library_through_pytest(tmp_path: Path) -> None:
    p = _pytest(tmp_path, "--hilbench-rig", "sim", "--hilbench-library", "--hilbench-block", "RPC")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    from hilbench.cases.model import library

    rpc = sorted(c.id for c in library().values() if c.block == "RPC")
    assert f"{len(rpc)} passed" in p.stdout
    record = json.loads((tmp_path / "out" / "record.json").read_text())
    assert sorted(c["id"] for c in record["cases"]) == rpc


def test_an_irreversible_case_is_collected_after_every_other(tmp_path: Path) -> None:
    """The profile upgrade (tagged irreversible) changes the DUT for good: it comes after the lab's
    own tests and the rest of the library, as ``hilbench run`` orders it."""
    (tmp_path / "test_lab.py").write_text(LAB_CASES)
    p = _pytest(tmp_path, "--collect-only", "test_lab.py", "--hilbench-rig", "sim", "--hilbench-library",
                "--hilbench-block", "A")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    items = [line for line in p.stdout.splitlines() if "::" in line or line.startswith("HB_")]
    assert items and items[-1].endswith("HB_A_05_CS"), items
    assert any("test_readonly" in line for line in items[:-1])
