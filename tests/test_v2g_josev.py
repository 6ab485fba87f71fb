"""Interop with Josev (`iso15118` 0.31.2 on PyPI, EXIficient over Java 17), an independent
ISO 15118-20 implementation, in its own venv (`make peers`), over a veth pair between two network
namespaces (Josev needs an IPv6 link-local address), plain TCP, SDP included:

- Josev's EVCC against the bench SECC, for DC, DC_BPT, AC and AC_BPT (Josev's EVCC takes the first
  parameter set: scheduled control);
- the bench EVCC against Josev's SECC, for DC_BPT and AC_BPT under scheduled and dynamic control,
  and DC and AC scheduled.

Josev's simulated EVSE reports 1 V in PreCharge whatever the EV asks, so the bench EV's PreCharge
voltage check is off against it (``precharge_tolerance_v=None``) — a finding about the peer. What
interop taught the bench (now in its code): the SECC's TCP port must lie in 49152–65535; Josev's
SECC requires PowerToleranceAcceptance and its EVCC a price schedule, both optional in the schema;
EVProcessing = Ongoing in PowerDelivery means another PowerDeliveryReq follows."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hilbench.v2g import sdp
from hilbench.v2g.events import SessionEnded
from hilbench.v2g.secc import Secc
from hilbench.v2g.transport import SeccServer
from tests.netns import veth_pair

pytestmark = pytest.mark.interop
ROOT = Path(__file__).parent.parent
JOSEV = ROOT / ".venv-peers" / "josev" / "bin" / "python"
EXAMPLES = "iso15118/shared/examples/evcc/iso15118_20"
BENCH_EVCC = """
import asyncio, json, sys
from hilbench.v2g import sdp
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.transport import run_evcc
async def main():
    host, port, _ = await sdp.discover(sys.argv[1], tls=False)
    evcc = await run_evcc(Evcc(sys.argv[2], sys.argv[3], ev=BatteryEv(loop_cycles=4, precharge_tolerance_v=None)), host, port)
    print(json.dumps({"ok": evcc.ended.ok, "reason": evcc.ended.reason,
                      "loop": [r["power_w"] for r in evcc.loop_reports], "log": [n for d, n, t in evcc.log if d == "out"]}))
asyncio.run(main())
"""


@pytest.fixture(scope="module")
def josev() -> Path:
    if not JOSEV.exists():
        pytest.skip("Josev is not installed: run `make peers` (make test does)")
    return JOSEV


@pytest.fixture
def veth() -> Iterator[tuple[str, str, str]]:
    with veth_pair() as pair:
        yield pair


def examples(josev: Path) -> Path:
    site = next((josev.parent.parent / "lib").glob("python3*/site-packages"))
    return site / EXAMPLES


@pytest.mark.parametrize("service", ["dc_bpt", "ac_bpt", "dc", "ac"])
async def test_josev_evcc_against_the_bench_secc(josev: Path, veth: tuple[str, str, str], tmp_path: Path, service: str) -> None:
    ns, ours, theirs = veth
    async with SeccServer(Secc, host=f"{sdp.link_local_address(ours)}%{ours}") as server:
        transport, _responder = await sdp.serve_sdp(ours, server.port, tls=False)
        try:
            env = os.environ | {"NETWORK_INTERFACE": theirs, "LOG_LEVEL": "INFO"}
            child = await asyncio.create_subprocess_exec(
                "ip", "netns", "exec", ns, str(josev), "-m", "iso15118.evcc.main",
                str(examples(josev) / f"evcc_config_{service}.json"), env=env, cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            await server.wait_for_sessions(timeout_s=30.0)
        finally:
            transport.close()
            if child.returncode is None:
                child.terminate()
            log = (await child.communicate())[0].decode(errors="replace")
    assert server.sessions, f"Josev's EVCC never completed a session:\n{log[-3000:]}"
    secc = server.sessions[0]
    assert secc.ended == SessionEnded(True, "SessionStop OK"), f"{secc.ended}\n{log[-3000:]}"
    assert secc.service is not None and secc.service.name == service.upper()
    loops = [name for d, name, _t in secc.log if d == "in" and name.endswith("ChargeLoopReq")]
    assert loops, "Josev's EVCC went through the charge loop"


@pytest.fixture
async def josev_secc(josev: Path, veth: tuple[str, str, str], tmp_path: Path):  # type: ignore[no-untyped-def]
    ns, ours, theirs = veth
    env = os.environ | {"NETWORK_INTERFACE": ours, "SECC_ENFORCE_TLS": "False", "PROTOCOLS": "ISO_15118_20_DC,ISO_15118_20_AC",
                        "AUTH_MODES": "EIM", "LOG_LEVEL": "INFO"}
    secc = subprocess.Popen([str(josev), "-c", "from iso15118.secc.main import run; run()"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield ns, theirs, secc
    finally:
        secc.terminate()
        secc.wait(10)


@pytest.mark.parametrize(("service", "control"), [
    ("DC_BPT", "scheduled"), ("DC_BPT", "dynamic"), ("AC_BPT", "scheduled"), ("AC_BPT", "dynamic"), ("DC", "scheduled"),
    ("AC", "scheduled"),
])
def test_bench_evcc_against_josev_secc(josev_secc, service: str, control: str) -> None:  # type: ignore[no-untyped-def]
    ns, theirs, _secc = josev_secc
    p = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", BENCH_EVCC, theirs, service, control],
                       capture_output=True, text=True, timeout=90, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["reason"] == "SessionStop OK", result
    assert result["log"].count(f"{service[:2]}_ChargeLoopReq") == 4 and result["log"][-1] == "SessionStopReq"


def test_bench_evcc_command_against_josev_secc(josev_secc) -> None:  # type: ignore[no-untyped-def]
    """The command line alone relaxes the PreCharge check that Josev's simulated EVSE cannot pass."""
    ns, theirs, _secc = josev_secc
    p = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-m", "hilbench", "v2g", "evcc", "--interface", theirs,
                        "--no-tls", "--service", "DC_BPT", "--set", "precharge_tolerance_v=none", "--set", "loop_cycles=4",
                        "--json"], capture_output=True, text=True, timeout=90, cwd=ROOT)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["reason"] == "SessionStop OK", result
    assert [m["message"] for m in result["messages"] if m["dir"] == "out"].count("DC_ChargeLoopReq") == 4
