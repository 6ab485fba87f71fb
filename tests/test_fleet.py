"""`hilbench sim stations --count 1000` against the bench CSMS (`hilbench csms`), two processes on
one machine: every station connects, boots and heartbeats with no errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HILBENCH = [sys.executable, "-m", "hilbench"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_thousand_stations_boot_and_heartbeat(tmp_path: Path) -> None:
    port = free_port()
    csms = subprocess.Popen([*HILBENCH, "csms", "--port", str(port), "--heartbeat-interval", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        out = subprocess.run([*HILBENCH, "sim", "stations", "--url", f"ws://127.0.0.1:{port}/ocpp",
                              "--count", "1000", "--duration", "8", "--heartbeat-interval", "2", "--json"],
                             capture_output=True, text=True, timeout=180, env={**os.environ})
        report = json.loads(out.stdout.strip().splitlines()[-1])
        assert out.returncode == 0, (report, out.stderr[-2000:])
        assert report["booted"] == 1000 and report["errors"] == 0 and report["violations"] == 0
        assert report["heartbeats"] >= 1000 * 3
        print(f"fleet: {report}")
    finally:
        csms.terminate()
        _, err = csms.communicate(timeout=10)
    assert "Traceback" not in err, err[-2000:]
