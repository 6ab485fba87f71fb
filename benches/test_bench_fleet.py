"""Messages per second per core: the station fleet against the bench CSMS, two processes on
loopback, heartbeats back to back (run: make bench). CPU time is read per process, so the rate per
core does not depend on how the two processes share the machine's cores."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

HILBENCH = [sys.executable, "-m", "hilbench"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime, clock ticks (USER_HZ = 100)


@pytest.mark.parametrize("stations", [10, 200])
def test_fleet_throughput(benchmark: Any, stations: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    csms = subprocess.Popen([*HILBENCH, "csms", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        csms_cpu0 = cpu_seconds(csms.pid)

        def run() -> dict[str, Any]:
            out = subprocess.run([*HILBENCH, "sim", "stations", "--url", f"ws://127.0.0.1:{port}/ocpp",
                                  "--count", str(stations), "--duration", "5", "--heartbeat-interval", "0", "--json"],
                                 capture_output=True, text=True, timeout=120)
            return dict(json.loads(out.stdout.strip().splitlines()[-1]))

        report = benchmark.pedantic(run, rounds=1, iterations=1)
        csms_cpu = cpu_seconds(csms.pid) - csms_cpu0
    finally:
        csms.terminate()
        csms.wait(timeout=10)
    assert report["ok"], report
    benchmark.group = "fleet throughput"
    benchmark.extra_info.update(report)
    benchmark.extra_info["csms_cpu_seconds"] = round(csms_cpu, 2)
    benchmark.extra_info["csms_frames_per_cpu_s"] = round(report["frames"] / csms_cpu, 1)
    print(f"\nfleet {stations}: {report['frames_per_s']} frames/s wall, fleet {report['frames_per_cpu_s']} frames/cpu-s, "
          f"CSMS {report['frames'] / csms_cpu:.0f} frames/cpu-s")
