"""`hilbench v2g secc` and `hilbench v2g evcc` as processes: a session over TCP with the JSON log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys


def test_evcc_against_secc_processes() -> None:
    secc = subprocess.Popen([sys.executable, "-m", "hilbench", "v2g", "secc", "--no-tls"], stdout=subprocess.PIPE, text=True)
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
        assert json.loads(secc.stdout.readline()) == {"ok": True, "reason": "SessionStop OK", "service": "DC_BPT",  # type: ignore[union-attr]
                                                      "control": "scheduled"}
    finally:
        secc.send_signal(signal.SIGINT)
        secc.wait(10)


def test_evcc_without_no_tls_says_why() -> None:
    p = subprocess.run([sys.executable, "-m", "hilbench", "v2g", "evcc", "--secc", "[::1]:1"], capture_output=True, text=True)
    assert p.returncode == 2 and "TLS 1.3 with the -20 constraints is not built yet" in p.stderr
