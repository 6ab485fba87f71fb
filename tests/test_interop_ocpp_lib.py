"""Interop with an independent OCPP implementation, the ``ocpp`` 2.1.0 library, over real
websockets on loopback: its ChargePoint against the bench CSMS, and bench stations against a CSMS
written with it. Both subprotocols."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import uuid
from typing import Any

import pytest
from ocpp.routing import on
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from hilbench.ocpp.csms import Csms
from hilbench.ocpp.station import Station
from hilbench.ocpp.trace import read_trace

pytestmark = pytest.mark.interop

VERSIONS = [("2.1", "v21"), ("2.0.1", "v201")]


def lib(mod: str) -> Any:
    return importlib.import_module(f"ocpp.{mod}")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def profile(tx_id: str) -> dict[str, Any]:
    return {"evseId": 1, "chargingProfile": {
        "id": 7, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Absolute",
        "transactionId": tx_id,
        "chargingSchedule": [{"id": 1, "chargingRateUnit": "W",
                              "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400.0}]}]}}


@pytest.mark.parametrize(("version", "mod"), VERSIONS)
async def test_ocpp_lib_station_against_bench_csms(version: str, mod: str, tmp_path: Any) -> None:
    v = lib(mod)
    call = importlib.import_module(f"ocpp.{mod}.call")
    call_result = importlib.import_module(f"ocpp.{mod}.call_result")
    got_profile: list[dict[str, Any]] = []

    class LibStation(v.ChargePoint):  # type: ignore[misc,name-defined]
        @on("SetChargingProfile")
        async def on_profile(self, evse_id: int, charging_profile: dict[str, Any], **_: Any) -> Any:
            got_profile.append(charging_profile)
            return call_result.SetChargingProfile(status="Accepted")

    async with Csms(trace_dir=tmp_path) as csms:
        async with connect(f"{csms.url}/LIB001", subprotocols=[f"ocpp{version}"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == f"ocpp{version}"
            cp = LibStation("LIB001", ws)
            runner = asyncio.create_task(cp.start())
            boot = await cp.call(call.BootNotification(
                charging_station={"model": "LibModel", "vendor_name": "LibVendor"}, reason="PowerUp"))
            assert boot.status == "Accepted" and boot.interval > 0
            hb = await cp.call(call.Heartbeat())
            assert dt.datetime.fromisoformat(hb.current_time.replace("Z", "+00:00"))
            auth = await cp.call(call.Authorize(id_token={"id_token": "ABC123", "type": "ISO14443"}))
            assert auth.id_token_info["status"] == "Accepted"
            tx_id = str(uuid.uuid4())
            mv = [{"timestamp": now(), "sampled_value": [{"value": 1234.5, "measurand": "Energy.Active.Import.Register"}]}]
            for seq, (etype, trig) in enumerate([("Started", "Authorized"), ("Updated", "MeterValuePeriodic"),
                                                 ("Ended", "StopAuthorized")]):
                res = await cp.call(call.TransactionEvent(
                    event_type=etype, seq_no=seq, timestamp=now(), trigger_reason=trig,
                    transaction_info={"transaction_id": tx_id}, meter_value=mv,
                    id_token={"id_token": "ABC123", "type": "ISO14443"} if seq == 0 else None))
                if seq == 0:
                    assert res.id_token_info["status"] == "Accepted"
            link = await csms.wait_for_station("LIB001")
            answer = await link.call("SetChargingProfile", profile(tx_id))
            assert answer == {"status": "Accepted"}
            assert got_profile and got_profile[0]["id"] == 7
            assert link.session.version == version
            assert link.received_actions() == ["BootNotification", "Heartbeat", "Authorize"] + ["TransactionEvent"] * 3
            assert link.violations == []
            runner.cancel()
    trace = read_trace(tmp_path / "LIB001.jsonl")
    assert sum(r["dir"] == "rx" for r in trace) == 7  # 6 calls + 1 result


@pytest.mark.parametrize(("version", "mod"), VERSIONS)
async def test_bench_station_against_ocpp_lib_csms(version: str, mod: str) -> None:
    v = lib(mod)
    call = importlib.import_module(f"ocpp.{mod}.call")
    call_result = importlib.import_module(f"ocpp.{mod}.call_result")
    seen: list[str] = []
    seq_nos: list[int] = []
    csms_result: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    class LibCsms(v.ChargePoint):  # type: ignore[misc,name-defined]
        @on("BootNotification")
        async def boot(self, **_: Any) -> Any:
            seen.append("BootNotification")
            return call_result.BootNotification(current_time=now(), interval=10, status="Accepted")

        @on("Heartbeat")
        async def hb(self, **_: Any) -> Any:
            seen.append("Heartbeat")
            return call_result.Heartbeat(current_time=now())

        @on("StatusNotification")
        async def status(self, **_: Any) -> Any:
            seen.append("StatusNotification")
            return call_result.StatusNotification()

        @on("Authorize")
        async def authorize(self, **_: Any) -> Any:
            seen.append("Authorize")
            return call_result.Authorize(id_token_info={"status": "Accepted"})

        @on("TransactionEvent")
        async def tx(self, seq_no: int, event_type: str, **kw: Any) -> Any:
            seen.append("TransactionEvent")
            seq_nos.append(seq_no)
            if event_type == "Started":
                asyncio.get_running_loop().call_soon(
                    lambda: asyncio.ensure_future(self._send_profile(kw["transaction_info"]["transaction_id"])))
            return call_result.TransactionEvent()

        async def _send_profile(self, tx_id: str) -> None:
            p = profile(tx_id)
            try:
                res = await self.call(call.SetChargingProfile(evse_id=1, charging_profile=p["chargingProfile"]))
                csms_result.set_result(res)
            except Exception as e:  # surfaced in the assertion below
                csms_result.set_exception(e)

    async def handler(ws: Any) -> None:
        await LibCsms(ws.request.path.rsplit("/", 1)[-1], ws).start()

    async with serve(handler, "127.0.0.1", 0, subprotocols=[f"ocpp{version}"]) as server:  # type: ignore[list-item]
        port = next(iter(server.sockets)).getsockname()[1]
        async with Station(f"ws://127.0.0.1:{port}/ocpp", "BENCH01", version=version) as st:
            assert (await st.boot())["status"] == "Accepted"
            await st.heartbeat()
            await st.authorize("ABC123")
            tx = await st.run_transaction(samples=2, sample_interval_s=0.05)
            res = await asyncio.wait_for(csms_result, 5)
            assert res.status == "Accepted"
            assert st.link is not None and st.link.violations == []
            assert "SetChargingProfile" in st.link.received_actions()
    assert seen[:3] == ["BootNotification", "Heartbeat", "Authorize"]
    assert seen.count("TransactionEvent") == 4 and seq_nos == tx.seq_nos == [0, 1, 2, 3]
