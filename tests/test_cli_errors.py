"""Everyday mistakes on the command line: each ends in exactly one ``error:`` line on stderr that says
what is wrong, no traceback, and the documented exit code (2: usage, 1: the run failed)."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.procs import HILBENCH

A_FILE = Path(__file__)


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


#: (arguments, exit code, what the one line must say); BUSY stands for a port in use.
CASES = [
    (["csms", "--port", "BUSY"], 2, "cannot listen on 127.0.0.1:BUSY: "),
    (["csms", "--port", "70000"], 2, "'--port'"),
    (["csms", "--host", "999.1.1.1"], 2, "'999.1.1.1' is not an IP address"),
    (["csms", "--tls-min-version", "1.1"], 2, "'1.1' is not one of 1.2, 1.3"),
    (["csms", "--password", "CS001"], 2, "'CS001' is not STATION=PASSWORD"),
    (["csms", "--security-profile", "3"], 2, "needs a PKI"),
    (["v2g", "evcc", "--secc", "[::1]:99999"], 2, "port 99999 is out of range 1-65535"),
    (["v2g", "evcc", "--secc", "garbage"], 2, "expected [IPV6-ADDRESS]:PORT, e.g. [::1]:50000"),
    (["v2g", "evcc", "--secc", "127.0.0.1:50000"], 2, "is IPv4; ISO 15118-20 runs over IPv6"),
    (["v2g", "evcc", "--secc", "[::1]:50000", "--service", "dc"], 2, "'--service': 'dc' is not one of AC, DC, AC_BPT, DC_BPT"),
    (["v2g", "evcc", "--secc", "[::1]:50000", "--control", "fast"], 2, "'--control': 'fast' is not one of"),
    (["v2g", "evcc"], 2, "give one: --secc [IPV6]:PORT, or --interface IFACE"),
    (["v2g", "evcc", "--interface", "nope0"], 2, "no network interface 'nope0'"),
    (["v2g", "evcc", "--secc", "[::1]:BUSY6", "--no-tls"], 1, "cannot reach the SECC at [::1]:BUSY6: connection refused"),
    (["v2g", "evcc", "--secc", "[::1]:50000", "--ev", "tiny"], 2, "no ev profile 'tiny'"),
    (["v2g", "evcc", "--secc", "[::1]:50000", "--set", "soc=7"], 2, "--set soc: 7 is out of range"),
    (["v2g", "secc", "--port", "70000"], 2, "'--port'"),
    (["v2g", "secc", "--host", "127.0.0.1"], 2, "ISO 15118-20 runs over IPv6"),
    (["v2g", "secc", "--evse", "nope"], 2, "no evse profile 'nope'"),
    (["v2g", "pki", "--out", f"{A_FILE}/pki"], 2, "a parent of it is a file, not a folder"),
    (["v2g", "pki", "--out", "/proc/hilbench/pki"], 2, "cannot create /proc/hilbench/pki"),
    (["pki", f"{A_FILE}/pki"], 2, "a parent of it is a file, not a folder"),
    (["pki", str(A_FILE)], 2, "is a file, not a folder"),
    (["sim", "stations", "--url", "ws://127.0.0.1:9/ocpp", "--count", "0"], 2, "'--count'"),
    (["sim", "stations", "--url", "ws://127.0.0.1:9/ocpp", "--count", "-5"], 2, "'--count'"),
    (["sim", "stations", "--url", "http://127.0.0.1:9/ocpp"], 2, "is not a websocket URL"),
    (["sim", "stations", "--url", "ws://127.0.0.1:9/ocpp", "--version", "1.6"], 2, "'1.6' is not one of 2.1, 2.0.1"),
    (["sim", "instruments", "nope"], 2, "nope: cannot read"),
    (["rig", "check", "nope"], 2, "nope: cannot read"),
    (["verify", "EMPTY"], 2, "no records (the file is empty"),
    (["verify", "."], 2, "is a folder, not a file of records"),
    (["verify", "nope.jsonl"], 2, "nope.jsonl: no such file"),
    (["nope"], 2, "No such command 'nope'"),
    (["csms", "--bogus"], 2, "No such option: --bogus"),
]


@pytest.mark.parametrize(("args", "code", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_one_error_line(args: list[str], code: int, says: str, busy_port: int, tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET6) as v6:  # a port where nothing listens on ::1
        v6.bind(("::1", 0))
        free6 = str(v6.getsockname()[1])
    (tmp_path / "empty.jsonl").write_text("\n\n")
    args = [a.replace("BUSY6", free6).replace("BUSY", str(busy_port)).replace("EMPTY", "empty.jsonl") for a in args]
    says = says.replace("BUSY6", free6).replace("BUSY", str(busy_port))
    p = subprocess.run([*HILBENCH, *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = p.stderr.splitlines()
    assert "Traceback" not in p.stderr, p.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    assert says in lines[0], lines[0]
    assert p.returncode == code, (p.returncode, lines[0])


def test_version() -> None:
    p = subprocess.run([*HILBENCH, "--version"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("hilbench ") and p.stderr == ""


def test_sim_stations_stays_for_its_duration() -> None:
    """--duration 2 with the 2 s heartbeat interval: connected for 2 s, not 0.03 s."""
    import json
    import signal
    import time

    from tests.procs import popen

    csms = popen([*HILBENCH, "csms", "--port", "0"], stdout=subprocess.PIPE)
    try:
        assert csms.stdout is not None
        url = csms.stdout.readline().split()[3]
        t0 = time.monotonic()
        p = subprocess.run([*HILBENCH, "sim", "stations", "--url", url, "--count", "3", "--duration", "2", "--json"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        report = json.loads(p.stdout.splitlines()[-1])
        assert report["booted"] == 3 and 2.0 <= report["seconds"] < 4.0 and time.monotonic() - t0 >= 2.0
    finally:
        csms.send_signal(signal.SIGINT)
        csms.wait(10)
