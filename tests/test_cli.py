"""The command line: the demo prints its summary and writes the trace; configuration mistakes give
a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HILBENCH = [sys.executable, "-m", "hilbench"]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HILBENCH, *args], capture_output=True, text=True, timeout=timeout)


def test_demo_prints_summary_and_writes_trace(tmp_path: Path) -> None:
    """The demo with its campaign cut to block J (the whole library's clean run is
    tests/test_cases_library.py's): the summary per block and the report's path close it."""
    out = run("demo", "--out", str(tmp_path), "--block", "J", timeout=240)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Security Profile 3" in out.stdout and "Accepted" in out.stdout
    trace = tmp_path / "trace" / "HILBENCH-DEMO-01.jsonl"
    assert f"trace: {trace}\n" in out.stdout
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    frames = [r for r in records if r["dir"] in ("rx", "tx")]
    actions = [json.loads(r["text"])[2] for r in frames if json.loads(r["text"])[0] == 2]
    assert actions[:3] == ["BootNotification", "StatusNotification", "Authorize"]
    assert "SetChargingProfile" in actions and actions.count("TransactionEvent") == 5
    assert all(r["t_ns"] > 0 and r["station"] == "HILBENCH-DEMO-01" for r in records)
    assert "TLSv1.3 TLS_AES_256_GCM_SHA384" in out.stdout and "SessionStop OK" in out.stdout
    assert "+11000 W, then -7000 W" in out.stdout and "Plug & Charge authorization" in out.stdout
    record = json.loads((tmp_path / "campaign" / "record.json").read_text())
    assert {c["block"] for c in record["cases"]} == {"J"} and record["summary"]["pass"] == len(record["cases"]) > 0
    assert "verdicts per block" in out.stdout and f"html: {tmp_path / 'campaign' / 'report.html'}" in out.stdout


def test_csms_profile_3_without_pki_is_a_clear_error() -> None:
    out = run("csms", "--port", "0", "--security-profile", "3")
    assert out.returncode == 2
    assert "needs a PKI" in out.stderr and "Traceback" not in out.stderr


def test_csms_with_missing_pki_folder_is_a_clear_error(tmp_path: Path) -> None:
    out = run("csms", "--port", "0", "--security-profile", "2", "--pki-dir", str(tmp_path / "nope"))
    assert out.returncode == 2
    assert f"{tmp_path / 'nope' / 'ca.pem'} is missing" in out.stderr and "Traceback" not in out.stderr


def test_pki_command(tmp_path: Path) -> None:
    out = run("pki", str(tmp_path), "--station", "A1", "--station", "B2")
    assert out.returncode == 0, out.stderr
    assert {p.name for p in (tmp_path / "stations").iterdir()} == {"A1.pem", "A1.key", "B2.pem", "B2.key"}


def test_fleet_against_nothing_fails_with_a_report() -> None:
    out = run("sim", "stations", "--url", "ws://127.0.0.1:9/ocpp", "--count", "3", "--duration", "1", "--json")
    assert out.returncode == 1
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["errors"] == 3 and report["booted"] == 0 and not report["ok"]
