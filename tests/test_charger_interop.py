"""The virtual charger against independent peers: a CSMS written with the ``ocpp`` 2.1.0 library
boots it and runs a remote-started transaction with it; Josev's EVCC (its own venv, ``make peers``)
completes DC_BPT against its SECC over a veth pair with SDP."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v21 import ChargePoint, call, call_result
from websockets.asyncio.server import serve

from hilbench.sim.charger.charger import VirtualCharger
from hilbench.sim.charger.config import ChargerConfig
from tests.charger_bench import dc_plant
from tests.netns import veth_pair

pytestmark = pytest.mark.interop
ROOT = Path(__file__).parent.parent
JOSEV = ROOT / ".venv-peers" / "josev" / "bin" / "python"
EXAMPLES = "iso15118/shared/examples/evcc/iso15118_20"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


async def test_ocpp_library_csms_runs_a_transaction(tmp_path: Path) -> None:
    seen: list[tuple[str, Any]] = []
    booted: asyncio.Event = asyncio.Event()
    ended: asyncio.Event = asyncio.Event()
    holder: dict[str, Any] = {}

    class LibCsms(ChargePoint):  # type: ignore[misc]
        @on("BootNotification")
        async def boot(self, charging_station: dict[str, Any], reason: str, **_: Any) -> Any:
            seen.append(("BootNotification", charging_station))
            booted.set()
            return call_result.BootNotification(current_time=now(), interval=60, status="Accepted")

        @on("StatusNotification")
        async def status(self, connector_status: str, **_: Any) -> Any:
            seen.append(("StatusNotification", connector_status))
            return call_result.StatusNotification()

        @on("Heartbeat")
        async def heartbeat(self, **_: Any) -> Any:
            return call_result.Heartbeat(current_time=now())

        @on("SecurityEventNotification")
        async def security(self, type: str, **_: Any) -> Any:  # noqa: A002 - the library passes the field by name
            seen.append(("SecurityEventNotification", type))
            return call_result.SecurityEventNotification()

        @on("TransactionEvent")
        async def tx(self, event_type: str, seq_no: int, trigger_reason: str, transaction_info: dict[str, Any], **kw: Any) -> Any:
            seen.append(("TransactionEvent", (event_type, seq_no, trigger_reason, transaction_info)))
            holder.setdefault("tid", transaction_info["transaction_id"])
            if event_type == "Ended":
                ended.set()
            return call_result.TransactionEvent()

    async def handler(ws: Any) -> None:
        cp = LibCsms(ws.request.path.rsplit("/", 1)[-1], ws)
        holder["cp"] = cp
        await cp.start()

    plant = dc_plant()
    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp2.1"]) as server:  # type: ignore[list-item]
        port = next(iter(server.sockets)).getsockname()[1]
        config = ChargerConfig(csms_url=f"ws://127.0.0.1:{port}/ocpp", station_id="VC-LIB", variant="ac",
                               state_dir=tmp_path / "state")
        async with VirtualCharger(config, plant):
            await asyncio.wait_for(booted.wait(), 10)
            plant.ev.cp_state, plant.ev.contactor_closed = "C", True
            cp = holder["cp"]
            res = await cp.call(call.RequestStartTransaction(id_token={"id_token": "LIB-TOKEN", "type": "ISO14443"},
                                                             remote_start_id=5))
            assert res.status == "Accepted"
            for _ in range(200):
                if "tid" in holder:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(1.0)
            variables = await cp.call(call.GetVariables(get_variable_data=[
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]))
            assert variables.get_variable_result[0]["attribute_value"] == "60"
            res = await cp.call(call.RequestStopTransaction(transaction_id=holder["tid"]))
            assert res.status == "Accepted"
            await asyncio.wait_for(ended.wait(), 10)
    events = [payload for action, payload in seen if action == "TransactionEvent"]
    assert [e[1] for e in events] == list(range(len(events)))
    assert events[0][:3] == ("Started", 0, "RemoteStart") and events[-1][0] == "Ended"
    assert any(e[3].get("charging_state") == "Charging" for e in events)
    assert ("StatusNotification", "Occupied") in seen and ("SecurityEventNotification", "StartupOfTheDevice") in seen


@pytest.fixture
def veth() -> Iterator[tuple[str, str, str]]:
    with veth_pair() as pair:
        yield pair


async def test_josev_evcc_dc_bpt_against_the_charger(veth: tuple[str, str, str], tmp_path: Path) -> None:
    if not JOSEV.exists():
        pytest.skip("Josev is not installed: run `make peers` (make test does)")
    from hilbench.ocpp.csms import Csms

    ns, ours, theirs = veth
    plant = dc_plant(400.0)
    site = next((JOSEV.parent.parent / "lib").glob("python3*/site-packages"))
    async with Csms(port=0) as csms:
        config = ChargerConfig(csms_url=csms.url, station_id="VC-JOSEV", state_dir=tmp_path / "state", secc_interface=ours)
        async with VirtualCharger(config, plant) as charger:
            link = await csms.wait_for_station("VC-JOSEV")
            await link.expect("BootNotification")
            plant.ev.cp_state, plant.ev.contactor_closed = "C", True
            await link.call("RequestStartTransaction", {"idToken": {"idToken": "JOSEV", "type": "ISO14443"}, "remoteStartId": 1})
            env = os.environ | {"NETWORK_INTERFACE": theirs, "LOG_LEVEL": "INFO"}
            child = await asyncio.create_subprocess_exec(
                "ip", "netns", "exec", ns, str(JOSEV), "-m", "iso15118.evcc.main",
                str(site / EXAMPLES / "evcc_config_dc_bpt.json"), env=env, cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                fw = charger.firmware
                assert fw is not None and fw.secc_server is not None
                await fw.secc_server.wait_for_sessions(timeout_s=45.0)
            finally:
                if child.returncode is None:
                    child.terminate()
                log = (await child.communicate())[0].decode(errors="replace")
            sessions = fw.secc_server.sessions
            assert sessions, f"Josev's EVCC never completed a session:\n{log[-3000:]}"
            assert sessions[0].ended is not None and sessions[0].ended.ok, f"{sessions[0].ended}\n{log[-3000:]}"
            assert sessions[0].service is not None and sessions[0].service.name == "DC_BPT"
            needs = await link.expect("NotifyEVChargingNeeds", timeout=5)
            assert needs.payload["chargingNeeds"]["requestedEnergyTransfer"] == "DC_BPT"
            assert any(name.endswith("ChargeLoopReq") for d, name, _t in sessions[0].log if d == "in")
