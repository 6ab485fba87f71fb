"""A peer that sends malformed or oversized frames: answered as the spec says, logged with the
offending bytes, and bounded; the CSMS keeps serving."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hilbench.ocpp import frames
from hilbench.ocpp.csms import Csms
from hilbench.ocpp.station import Station


async def test_malformed_frames_are_answered_and_the_connection_survives(caplog: pytest.LogCaptureFixture) -> None:
    async with Csms() as csms:
        async with connect(f"{csms.url}/RAW1", subprotocols=["ocpp2.1"]) as ws:  # type: ignore[list-item]
            link = await csms.wait_for_station("RAW1")  # the CSMS forgets the station once it leaves
            await ws.send('[2,"m1","Heartbeat",{"bogus":1}]')
            f = frames.parse(await ws.recv())
            assert (f.message_type, f.unique_id, f.error_code) == (4, "m1", "FormatViolation")
            await ws.send("definitely not json")
            f = frames.parse(await ws.recv())
            assert (f.unique_id, f.error_code) == (frames.UNREADABLE_ID, "RpcFrameworkError")
            await ws.send('[2,"m2","Heartbeat",{}]')
            f = frames.parse(await ws.recv(), action="Heartbeat")
            assert f.message_type == 3  # still served
        await csms.wait_for_departure(link, 5)
        assert "RAW1" not in csms.stations and csms.history[-1].violations == 2
        assert [v.code for v in link.violations] == ["FormatViolation", "RpcFrameworkError"]
    assert "definitely not json" in caplog.text  # logged with the offending bytes


async def test_oversized_frame_closes_that_connection_only() -> None:
    async with Csms(max_frame_size=64 * 1024) as csms:
        async with connect(f"{csms.url}/BIG1", subprotocols=["ocpp2.1"], max_size=None) as ws:  # type: ignore[list-item]
            with pytest.raises(ConnectionClosed):
                await ws.send('[2,"b1","DataTransfer",{"vendorId":"v","data":"' + "x" * 2_000_000 + '"}]')
                await ws.recv()
            assert ws.close_code == 1009  # "message too big", from the CSMS
        async with Station(csms.url, "OK1") as st:
            assert (await st.boot())["status"] == "Accepted"
