"""`hilbench v2g secc` and `hilbench v2g evcc` as processes: a session over TCP with the JSON log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from tests.procs import HILBENCH, popen


def test_evcc_against_secc_processes() -> None:
    secc = popen([*HILBENCH, "v2g", "secc", "--no-tls"], stdout=subprocess.PIPE)
    try:
        listening = json.loads(secc.stdout.readline())["listening"]  # type: ignore[union-attr]
        p = subprocess.run([sys.executable, "-m", "hilbench", "v2g", "evcc", "--secc", listening, "--service", "DC_BPT",
                            "--control", "scheduled", "--no-tls", "--loop-cycles", "4", "--json"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        result = json.loads(p.stdout.splitlines()[-1])
        assert result["ok"] and result["reason"] == "SessionStop OK"
        assert [m["message"] for m in result["messages"]].count("DC_ChargeLoopReq") == 4
        assert result["timings_ms"]["DC_ChargeLoopReq"]["limit_ms"] == 250.0
        served = json.loads(secc.stdout.readline())  # type: ignore[union-attr]
        timing = served.pop("ev_timing_ms")
        assert served == {"ok": True, "reason": "SessionStop OK", "service": "DC_BPT", "control": "scheduled",
                          "authorization": {"service": "EIM"}}
        assert timing["DC_ChargeLoopRes"]["count"] == 4 and timing["DC_ChargeLoopRes"]["limit_ms"] == 500.0
    finally:
        secc.send_signal(signal.SIGINT)
        secc.wait(10)


def test_evcc_against_secc_over_tls(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pki = tmp_path / "pki"
    made = subprocess.run([sys.executable, "-m", "hilbench", "v2g", "pki", "--out", str(pki)], capture_output=True, text=True)
    assert made.returncode == 0 and (pki / "secc" / "chain.pem").exists()
    secc = popen([*HILBENCH, "v2g", "secc", "--pki", str(pki)], stdout=subprocess.PIPE)
    try:
        hello = json.loads(secc.stdout.readline())  # type: ignore[union-attr]
        assert hello["tls"] is True
        p = subprocess.run([sys.executable, "-m", "hilbench", "v2g", "evcc", "--secc", hello["listening"], "--service", "AC_BPT",
                            "--control", "dynamic", "--pki", str(pki), "--loop-cycles", "3", "--auth", "PnC", "--json"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        result = json.loads(p.stdout.splitlines()[-1])
        assert result["ok"] and result["authorization"] == "PnC"
        served = json.loads(secc.stdout.readline())  # type: ignore[union-attr]
        assert served["authorization"] == {"service": "PnC", "code": "OK", "reason": ""}
    finally:
        secc.send_signal(signal.SIGINT)
        secc.wait(10)


def test_pnc_needs_tls() -> None:
    p = subprocess.run([sys.executable, "-m", "hilbench", "v2g", "evcc", "--secc", "[::1]:50000", "--no-tls", "--auth", "PnC"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "PnC needs TLS" in p.stderr
