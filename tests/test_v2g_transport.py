"""Bench EVCC ↔ bench SECC over real TCP sockets (IPv6 loopback), plain TCP: DC, AC, DC_BPT and
AC_BPT, scheduled and dynamic; and SDP discovery over a veth pair between two network namespaces
the test creates."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hilbench.v2g import sdp
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.events import SessionEnded
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc
from hilbench.v2g.transport import SeccServer, run_evcc
from tests.netns import veth_pair


@pytest.mark.parametrize("control", ["scheduled", "dynamic"])
@pytest.mark.parametrize("service", ["DC", "AC", "DC_BPT", "AC_BPT"])
async def test_session_over_tcp(service: str, control: str) -> None:
    async with SeccServer(Secc) as server:
        evcc = await run_evcc(Evcc(service, control, ev=BatteryEv(loop_cycles=6)), "::1", server.port)
        await server.wait_for_sessions(timeout_s=1.0)
    assert evcc.ended == SessionEnded(True, "SessionStop OK")
    assert server.sessions and server.sessions[0].ended == SessionEnded(True, "SessionStop OK")
    powers = [r["power_w"] for r in server.sessions[0].loop_reports]
    assert (min(powers) < 0) == service.endswith("BPT") and max(powers) > 0
    loop = evcc.timing.by_message()[f"{service[:2]}_ChargeLoopReq"]
    assert loop["count"] == 6 and loop["max_ms"] < loop["limit_ms"]  # a loopback SECC answers in time


def test_sdp_frames() -> None:
    import ipaddress

    assert sdp.request_frame(tls=True) == bytes.fromhex("01fe90000000000200 00".replace(" ", ""))
    frame = sdp.response_frame(ipaddress.IPv6Address("fe80::1"), 50000, tls=False)
    assert len(frame) == 28 and sdp.parse_response(frame) == sdp.SdpResponse(ipaddress.IPv6Address("fe80::1"), 50000, False)
    assert sdp.parse_request(sdp.request_frame(tls=False)) is False


NETNS_CHILD = """
import asyncio, json, sys
from hilbench.v2g import sdp
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.transport import run_evcc
async def main():
    host, port, tls = await sdp.discover(sys.argv[1], tls=False)
    evcc = await run_evcc(Evcc("DC_BPT", "dynamic"), host, port)
    print(json.dumps({"host": host, "port": port, "ok": evcc.ended.ok, "reason": evcc.ended.reason}))
asyncio.run(main())
"""


@pytest.fixture
def veth() -> Iterator[tuple[str, str, str]]:
    with veth_pair() as pair:
        yield pair


async def test_sdp_discovery_over_a_veth_pair_between_namespaces(veth: tuple[str, str, str]) -> None:
    ns, ours, theirs = veth
    async with SeccServer(Secc, host=f"{sdp.link_local_address(ours)}%{ours}") as server:
        transport, responder = await sdp.serve_sdp(ours, server.port, tls=False)
        try:
            child = await asyncio.create_subprocess_exec(
                "ip", "netns", "exec", ns, sys.executable, "-c", NETNS_CHILD, theirs,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(Path(__file__).parent.parent))
            out, err = await asyncio.wait_for(child.communicate(), 60)
        finally:
            transport.close()
    assert child.returncode == 0, err.decode()
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert result == {"host": f"{sdp.link_local_address(ours)}%{theirs}", "port": server.port, "ok": True,
                      "reason": "SessionStop OK"}
    assert responder.requests >= 1 and server.sessions[0].ended == SessionEnded(True, "SessionStop OK")


async def test_the_collector_rests_during_sessions_and_is_back_after_the_last() -> None:
    """Automatic garbage collection is off while any session runs (so no full pass lands inside a
    measured response time) and back on when the last of overlapping sessions ends."""
    import gc

    seen: list[bool] = []

    def watch(direction, name, message):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return message

    assert gc.isenabled()
    async with SeccServer(Secc) as server:
        sessions = [run_evcc(Evcc("DC", "dynamic", ev=BatteryEv(loop_cycles=n), hook=watch), "::1", server.port) for n in (2, 6)]
        done = await asyncio.gather(*sessions)
    assert all(e.ended == SessionEnded(True, "SessionStop OK") for e in done)
    assert seen and not any(seen)
    assert gc.isenabled()
