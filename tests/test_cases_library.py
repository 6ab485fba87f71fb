"""The test-case library: what every case declares, the whole library green against the clean
virtual charger on the sim rig, and every case shown to FAIL — with its finding, not an error —
against each named fault it claims to catch (the proof that it tests something)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hilbench.cases.model import ID, ROLES, VERDICTS, library
from hilbench.rig_file import load_rig
from hilbench.runner.campaign import Campaign
from hilbench.sim.charger.faults import BY_NAME

CASES = library()
FAULTS = sorted({f for c in CASES.values() for f in c.kills})


def test_every_case_declares_what_it_covers() -> None:
    assert len(CASES) >= 40
    for c in CASES.values():
        assert ID.fullmatch(c.id) and c.title and c.block
        assert c.use_cases and c.requirements, c.id
        assert set(c.roles) <= set(ROLES) and "csms" in c.roles, c.id
        assert c.kills and set(c.kills) <= set(BY_NAME), (c.id, c.kills)
        assert c.measurements, f"{c.id} declares no measurement: the framework could not judge it"
    assert {c.block for c in CASES.values()} >= {"A", "B", "C", "E", "I", "ISO", "J", "K", "Q", "R", "RPC", "S"}
    assert set(VERDICTS) == {"pass", "fail", "inconclusive", "error", "skipped"}


def _run(tmp_path: Path, ids: list[str], faults: tuple[str, ...] = (), rig: str = "sim") -> dict[str, dict[str, object]]:
    campaign = Campaign(load_rig(rig), [CASES[i] for i in ids], tmp_path, faults=faults)
    record = asyncio.run(campaign.run())
    assert not record["aborted"], record["aborted"]
    return {r["id"]: r for r in record["cases"]}


def test_the_library_passes_against_the_clean_charger(tmp_path: Path) -> None:
    """``hilbench run --rig rigs/sim.toml --block A,B,C,E,I,ISO,J,K,Q,R,RPC``: every case passes, exit 0, the record,
    JUnit XML and the HTML report written."""
    import json
    import subprocess

    from tests.procs import HILBENCH

    p = subprocess.run([*HILBENCH, "run", "--rig", "sim", "--block", "A,B,C,E,I,ISO,J,K,Q,R,RPC", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    record = json.loads((tmp_path / "record.json").read_text())
    # the sim rig's CSMS runs security profile 0: no TLS, no password, nothing to upgrade from
    tls = {i for i, c in CASES.items() if {"tls", "upgrade", "password"} & set(c.tags)}
    bad = {c["id"]: (c["verdict"], c["reason"]) for c in record["cases"]
           if c["verdict"] != ("skipped" if c["id"] in tls else "pass")}
    assert not bad, bad
    assert p.returncode == 0 and len(record["cases"]) == len([c for c in CASES.values() if c.block != "S"]), p.stdout[-2000:]
    assert (tmp_path / "junit.xml").exists() and (tmp_path / "report.html").exists()


def test_the_swap_cases_pass_on_the_swap_station(tmp_path: Path) -> None:
    """rigs/sim-swap.toml: the virtual charger as a battery swap station runs the S block; on
    rigs/sim.toml (an EV charger) the same cases skip."""
    ids = [i for i, c in CASES.items() if c.block == "S"]
    results = _run(tmp_path / "swap", ids, rig="sim-swap")
    assert len(ids) >= 4 and {i: r["verdict"] for i, r in results.items()} == {i: "pass" for i in ids}, results
    results = _run(tmp_path / "sim", ids[:1], rig="sim")
    assert results[ids[0]]["verdict"] == "skipped" and "swap_bay" in str(results[ids[0]]["reason"])


def test_power_cases_pass_on_the_ac_variant(tmp_path: Path) -> None:
    """rigs/sim-ac.toml: the AC wall box, the bench EV in AC_BPT, the power judged on the analyzer's
    AC elements — a representative subset (the whole Q, K, R, ISO and C blocks pass there too,
    ``hilbench run --rig sim-ac --block C,I,ISO,K,Q,R``)."""
    ids = ["HB_Q_03_CS", "HB_K_01_LIM_CS", "HB_R_04_FPF_CS", "HB_ISO_03_CS", "HB_C_07_CS", "HB_I_12_CS"]
    results = _run(tmp_path, ids, rig="sim-ac")
    bad = {i: (r["verdict"], r["reason"]) for i, r in results.items() if r["verdict"] != "pass"}
    assert not bad, bad


def test_the_tls_cases_pass_under_security_profile_3(tmp_path: Path) -> None:
    """The TLS cases on rigs/sim-sp3.toml (a fresh test PKI, the virtual charger under profile 3)."""
    results = _run(tmp_path, [i for i, c in CASES.items() if "tls" in c.tags], rig="sim-sp3")
    bad = {i: (r["verdict"], r["reason"]) for i, r in results.items() if r["verdict"] != "pass"}
    assert len(results) >= 5 and not bad, bad


def test_the_password_and_upgrade_cases_pass_under_profile_2(tmp_path: Path) -> None:
    """rigs/sim-sp2.toml: the DUT takes a new password, then moves to the bench CSMS's profile 3
    listener and stays there."""
    results = _run(tmp_path, [i for i, c in CASES.items() if {"upgrade", "password"} & set(c.tags)], rig="sim-sp2")
    bad = {i: (r["verdict"], r["reason"]) for i, r in results.items() if r["verdict"] != "pass"}
    assert results and not bad, bad


def test_the_profile_and_password_cases_pass_under_profile_1(tmp_path: Path) -> None:
    """Security profile 1 (plain ws, Basic auth): the DUT runs it and takes a new password; the
    TLS cases skip."""
    rig = tmp_path / "sim-sp1.toml"
    rig.write_text('[rig]\nname = "sim-sp1"\nsimulated = true\n[csms]\nport = 0\nsecurity_profile = 1\n'
                   '[dut]\nkind = "virtual"\nstation_id = "HB-VC-SP1"\nsecurity_profile = 1\n'
                   'password = "hilbench-sp1-password"\n')
    ids = ["HB_A_00_CS", "HB_A_01_CS", "HB_A_00_TLS_CS"]
    campaign = Campaign(load_rig(rig), [CASES[i] for i in ids], tmp_path / "out")
    results = {r["id"]: r["verdict"] for r in asyncio.run(campaign.run())["cases"]}
    assert results == {"HB_A_00_CS": "pass", "HB_A_01_CS": "pass", "HB_A_00_TLS_CS": "skipped"}, results


@pytest.mark.parametrize("fault", FAULTS)
def test_each_case_fails_on_the_faults_it_catches(tmp_path: Path, fault: str) -> None:
    ids = [c.id for c in CASES.values() if fault in c.kills]
    rig = "sim-sp2" if all({"upgrade", "password"} & set(CASES[i].tags) for i in ids) else \
        "sim-sp3" if all("tls" in CASES[i].tags for i in ids) else \
        "sim-swap" if all("swap_bay" in CASES[i].roles for i in ids) else "sim"
    results = _run(tmp_path, ids, (fault,), rig=rig)
    wrong = {i: (r["verdict"], r["reason"]) for i, r in results.items() if r["verdict"] != "fail"}
    assert not wrong, wrong
    for r in results.values():
        assert r["reason"], "a fail says why"
