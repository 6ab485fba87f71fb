"""The virtual charger's transactions against the bench CSMS: started and ended by the cable and
remotely, seqNo from 0 without gaps, trigger and stopped reasons, the offline queue replayed in
order with nothing lost, resume after a power cut within TxCtrlr.ResumptionTimeout and the
AbnormalCondition end after it, and transaction limits — each with the fault that breaks it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.charger_bench import Bench, bench


def _set(component: str, variable: str, value: str) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}


async def _configure(b: Bench, *values: tuple[str, str, str]) -> None:
    assert b.link is not None
    res = await b.link.call("SetVariables", {"setVariableData": [_set(*v) for v in values]})
    assert all(r["attributeStatus"] == "Accepted" for r in res["setVariableResult"]), res


def _seq(events: list[dict[str, Any]]) -> list[int]:
    return [e["seqNo"] for e in events]


async def test_cable_start_and_stop(tmp_path: Path) -> None:
    """TxStartPoint EVConnected: plugging in starts it (CablePluggedIn), unplugging ends it."""
    async with bench(tmp_path, variant="ac") as b:
        await b.booted()
        await _configure(b, ("TxCtrlr", "TxStartPoint", "EVConnected"), ("TxCtrlr", "TxStopPoint", "EVConnected"))
        b.plug("B", False)
        started = await b.expect_event("Started")
        assert started["triggerReason"] == "CablePluggedIn" and started["seqNo"] == 0 and "idToken" not in started
        assert started["evse"] == {"id": 1, "connectorId": 1}
        assert await b.charger.tap("04A1B2C3D4") == "Accepted"
        authorized = await b.expect_event("Updated", trigger="Authorized")
        assert authorized["idToken"]["idToken"] == "04A1B2C3D4"
        b.plug("C", True)  # the AC variant charges on the pilot alone
        charging = await b.expect_event("Updated", trigger="ChargingStateChanged")
        assert charging["transactionInfo"]["chargingState"] == "Charging"
        await b.until(lambda: b.plant.charger_power_w > 1000, what="power")
        b.unplug()
        ended = await b.expect_event("Ended")
        assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == ("EVCommunicationLost", "EVDisconnected")
        events = b.events()
        assert _seq(events) == list(range(len(events)))
        assert b.plant.charger_power_w == 0.0


async def test_remote_start_and_stop(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        link = await b.booted()
        b.plug("C")
        tid = await b.remote_start()
        started = b.events()[0]
        assert started["triggerReason"] == "RemoteStart" and started["transactionInfo"]["remoteStartId"] == 42
        assert (await link.call("RequestStopTransaction", {"transactionId": "nope"}))["status"] == "Rejected"
        assert (await link.call("RequestStopTransaction", {"transactionId": tid}))["status"] == "Accepted"
        ended = await b.expect_event("Ended")
        assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == ("RemoteStop", "Remote")
        status = await link.call("GetTransactionStatus", {"transactionId": tid})
        assert status == {"messagesInQueue": False, "ongoingIndicator": False}


async def _offline_period(b: Bench, seconds: float) -> None:
    """The bench cuts the connection and refuses the charger for ``seconds``."""
    assert b.link is not None
    port = b.csms.port
    await b.csms.stop()
    await b.link.closed.wait()
    await asyncio.sleep(seconds)
    b.csms.port = port
    await b.csms.start()


@pytest.mark.parametrize("fault", [None, "seqno-gap-after-reconnect", "drops-ended-while-offline", "offline-flag-missing"])
async def test_offline_queue_replayed_in_order(tmp_path: Path, fault: str | None) -> None:
    async with bench(tmp_path, *([fault] if fault else []), variant="ac") as b:
        await b.booted()
        await _configure(b, ("SampledDataCtrlr", "TxUpdatedInterval", "1"))
        first = b.link
        b.plug("C")
        await b.remote_start()
        cut = asyncio.create_task(_offline_period(b, 2.5))
        await asyncio.sleep(0.3)
        if fault != "seqno-gap-after-reconnect":
            b.unplug()  # the transaction ends while the charger is offline
        await cut
        await b.connected(new=True)
        if fault == "seqno-gap-after-reconnect":
            b.unplug()
        await asyncio.sleep(2.0)
        assert first is not None
        events = b.events(first) + b.events()
        seq = _seq(events)
        ends = [e for e in events if e["eventType"] == "Ended"]
        if fault == "seqno-gap-after-reconnect":
            assert seq != list(range(len(seq))) and len(ends) == 1
            return
        if fault == "drops-ended-while-offline":
            assert not ends
            return
        assert seq == list(range(len(seq))), seq  # nothing lost, in order
        assert len(ends) == 1
        offline = [e for e in b.events() if e["timestamp"]]
        replayed = [e for e in offline if e["eventType"] == "Ended" or e["triggerReason"] == "MeterValuePeriodic"]
        flags = {e.get("offline", False) for e in replayed}
        assert flags == ({False} if fault == "offline-flag-missing" else {True}), replayed


async def _power_cut(b: Bench, seconds: float) -> None:
    """The grid simulator's output off for ``seconds``: the charger loses power."""
    b.plant.grid.output_on = False
    await asyncio.sleep(seconds)
    b.plant.grid.output_on = True


@pytest.mark.parametrize(("outage_s", "fault", "expected"), [
    (1.0, None, "TxResumed"), (3.5, None, "AbnormalCondition"), (1.0, "no-resume-after-reboot", None)])
async def test_power_cut(tmp_path: Path, outage_s: float, fault: str | None, expected: str | None) -> None:
    async with bench(tmp_path, *([fault] if fault else []), variant="ac") as b:
        await b.booted()
        await _configure(b, ("TxCtrlr", "ResumptionTimeout", "2"))
        b.plug("C")
        tid = await b.remote_start()
        await b.until(lambda: b.plant.charger_power_w > 1000, what="power")
        await _power_cut(b, outage_s)
        link = await b.booted(new=True)
        assert b.charger.boots == ["PowerUp", "PowerUp"]
        if expected is None:
            with pytest.raises(asyncio.TimeoutError):
                await link.expect("TransactionEvent", timeout=2.0)
            return
        ev = await b.expect_event("Ended" if expected == "AbnormalCondition" else "Updated")
        assert ev["transactionInfo"]["transactionId"] == tid and ev["triggerReason"] == expected
        before = [e for e in b.events() if e["transactionInfo"]["transactionId"] == tid]
        assert ev["seqNo"] > 0
        if expected == "AbnormalCondition":
            assert ev["transactionInfo"]["stoppedReason"] == "PowerLoss"
        else:
            await b.until(lambda: b.plant.charger_power_w > 1000, what="power again")
        assert before


@pytest.mark.parametrize("fault", [None, "ignores-max-energy", "limit-stop-wrong-reason"])
async def test_fixed_energy_transaction(tmp_path: Path, fault: str | None) -> None:
    """The CSMS sets maxEnergy in its answer to Started; the charger reports it (LimitSet) and ends
    the transaction when the energy is delivered."""
    def answer(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        return {"transactionLimit": {"maxEnergy": 5.0}} if req["eventType"] == "Started" else {}

    async with bench(tmp_path, *([fault] if fault else []), variant="ac",
                     csms_kw={"handlers": {"TransactionEvent": answer}}) as b:
        await b.booted()
        b.plug("C")
        await b.remote_start()
        limit = await b.expect_event("Updated", trigger="LimitSet")
        assert limit["transactionInfo"]["transactionLimit"] == {"maxEnergy": 5.0}
        if fault == "ignores-max-energy":
            with pytest.raises(asyncio.TimeoutError):
                await b.expect_event("Ended", timeout=4.0)  # 11 kW: 5 Wh take under 2 s
            return
        ended = await b.expect_event("Ended", timeout=6.0)
        assert ended["triggerReason"] == "EnergyLimitReached"
        reason = ended["transactionInfo"]["stoppedReason"]
        assert reason == ("Other" if fault else "EnergyLimitReached")
        register = next(s["value"] for mv in ended["meterValue"] for s in mv["sampledValue"]
                        if s["measurand"] == "Energy.Active.Import.Register")
        started = next(s["value"] for mv in b.events()[0]["meterValue"] for s in mv["sampledValue"])
        assert 5.0 <= register - started < 5.0 + 11_000 * 0.1 / 3600  # within one tick of the limit


async def test_fixed_time_transaction(tmp_path: Path) -> None:
    def answer(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        return {"transactionLimit": {"maxTime": 2}} if req["eventType"] == "Started" else {}

    async with bench(tmp_path, variant="ac", csms_kw={"handlers": {"TransactionEvent": answer}}) as b:
        await b.booted()
        b.plug("C")
        await b.remote_start()
        ended = await b.expect_event("Ended", timeout=5.0)
        assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == ("TimeLimitReached", "TimeLimitReached")
