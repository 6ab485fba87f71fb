"""The virtual charger's OCPP side against the bench CSMS: boot Accepted / Pending / Rejected as the
spec says, the device model over GetVariables / SetVariables / GetBaseReport / GetReport, the
heartbeat interval applied, resets, and the RPC framing a conformant charger answers — each with
the named fault that breaks it and what the CSMS then sees."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from hilbench.errors import CallTimeout
from tests.charger_bench import bench

HB = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}


def _set(component: str, variable: str, value: str, **kw: Any) -> dict[str, Any]:
    return {"component": {"name": component, **kw}, "variable": {"name": variable}, "attributeValue": value}


async def test_boot_then_device_model(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        link = await b.booted()
        status = await link.expect("StatusNotification")
        assert status.payload["connectorStatus"] == "Available" and status.payload["evseId"] == 1
        got = await link.call("GetVariables", {"getVariableData": [
            HB, {"component": {"name": "ocppcommctrlr"}, "variable": {"name": "heartbeatinterval"}},  # case-insensitive
            {"component": {"name": "NoSuchCtrlr"}, "variable": {"name": "X"}},
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NoSuchVariable"}},
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}, "attributeType": "MinSet"},
            {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}},
        ]})
        statuses = [r["attributeStatus"] for r in got["getVariableResult"]]
        assert statuses == ["Accepted", "Accepted", "UnknownComponent", "UnknownVariable", "NotSupportedAttributeType",
                            "Rejected"]
        assert got["getVariableResult"][0]["attributeValue"] == "300"  # the CSMS's boot interval
        res = await link.call("SetVariables", {"setVariableData": [
            _set("OCPPCommCtrlr", "HeartbeatInterval", "2"),
            _set("OCPPCommCtrlr", "HeartbeatInterval", "-1"),         # below its minimum
            _set("OCPPCommCtrlr", "HeartbeatInterval", "soon"),       # not an integer
            _set("SecurityCtrlr", "SecurityProfile", "3"),            # read-only
            _set("NoSuchCtrlr", "X", "1"),
            _set("TxCtrlr", "TxStartPoint", "EVConnected,Authorized"),
            _set("TxCtrlr", "TxStartPoint", "Whenever"),              # not in its values list
        ]})
        assert [r["attributeStatus"] for r in res["setVariableResult"]] == [
            "Accepted", "Rejected", "Rejected", "Rejected", "UnknownComponent", "Accepted", "Rejected"]
        assert res["setVariableResult"][3]["attributeStatusInfo"]["reasonCode"] == "ReadOnly"
        t0 = time.monotonic()
        await link.expect("Heartbeat", timeout=5)
        await link.expect("Heartbeat", timeout=5)
        assert time.monotonic() - t0 < 5.0  # the new interval is in force


async def test_base_report_in_parts_matches_get_variables(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        link = await b.booted()
        res = await link.call("SetVariables", {"setVariableData": [
            _set("DeviceDataCtrlr", "ItemsPerMessage", "10", ) | {"variable": {"name": "ItemsPerMessage", "instance": "GetReport"}}]})
        assert res["setVariableResult"][0]["attributeStatus"] in ("Accepted", "Rejected")
        per_part = int((await link.call("GetVariables", {"getVariableData": [
            {"component": {"name": "DeviceDataCtrlr"}, "variable": {"name": "ItemsPerMessage", "instance": "GetReport"}}]})
                        )["getVariableResult"][0]["attributeValue"])
        assert (await link.call("GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"}))["status"] == "Accepted"
        parts = await _report(link, 7)
        assert [p["seqNo"] for p in parts] == list(range(len(parts))) and not parts[-1]["tbc"]
        assert all(len(p["reportData"]) <= per_part for p in parts)
        data = [d for p in parts for d in p["reportData"]]
        names = {(d["component"]["name"], d["variable"]["name"], d["variable"].get("instance")) for d in data}
        for needed in (("OCPPCommCtrlr", "HeartbeatInterval", None), ("TxCtrlr", "TxStartPoint", None),
                       ("SampledDataCtrlr", "TxUpdatedInterval", None), ("SecurityCtrlr", "SecurityProfile", None)):
            assert needed in names
        # every Actual value reported is what GetVariables answers
        readable = [d for d in data if any(a.get("type", "Actual") == "Actual" and "value" in a for a in d["variableAttribute"])]
        got = await link.call("GetVariables", {"getVariableData": [
            {"component": d["component"], "variable": d["variable"]} for d in readable[:per_part]]})
        for d, r in zip(readable, got["getVariableResult"]):
            actual = next(a["value"] for a in d["variableAttribute"] if a.get("type", "Actual") == "Actual")
            assert r["attributeStatus"] == "Accepted" and r["attributeValue"] == actual, (d, r)
        res = await link.call("GetReport", {"requestId": 8, "componentVariable": [{"component": {"name": "TxCtrlr"}}]})
        assert res["status"] == "Accepted"
        assert {d["component"]["name"] for p in await _report(link, 8) for d in p["reportData"]} == {"TxCtrlr"}
        assert (await link.call("GetReport", {"requestId": 9, "componentVariable": [
            {"component": {"name": "NoSuchCtrlr"}}]}))["status"] == "EmptyResultSet"


async def _report(link: Any, request_id: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    parts = []
    while True:
        ev = await link.expect("NotifyReport", timeout=timeout)
        if ev.payload["requestId"] == request_id:
            parts.append(ev.payload)
            if not ev.payload["tbc"]:
                return parts


@pytest.mark.parametrize("status", ["Pending", "Rejected"])
async def test_boot_pending_or_rejected(tmp_path: Path, status: str) -> None:
    """No transaction message while Pending; the boot repeated after the CSMS's interval."""
    answers = iter([status, status, "Accepted"])
    boot_times: list[float] = []

    def boot(_a: str, _r: dict[str, Any]) -> dict[str, Any]:
        boot_times.append(time.monotonic())
        return {"currentTime": "2026-12-04T12:00:00Z", "interval": 1, "status": next(answers)}

    async with bench(tmp_path, csms_kw={"handlers": {"BootNotification": boot}}) as b:
        link = await b.connected()
        b.plug("C")
        if status == "Pending":  # the CSMS may talk to a pending charger; the charger must not start
            assert (await link.call("RequestStartTransaction", {"idToken": {"idToken": "AB", "type": "ISO14443"},
                                                                "remoteStartId": 1}))["status"] == "Accepted"
        await b.until(lambda: len(boot_times) == 3, timeout=6, what="three boots")
        assert all(t1 - t0 >= 0.95 for t0, t1 in zip(boot_times, boot_times[1:]))  # the interval respected
        before = [e.action for e in link.received[: link.received_actions().index("BootNotification", 2) + 1]]
        assert "TransactionEvent" not in before and "StatusNotification" not in before
        if status == "Pending":
            started = await b.expect_event("Started")  # queued meanwhile, sent once accepted
            assert started["offline"] is True


@pytest.mark.parametrize(("fault", "status"), [("pending-boot-sends-transactions", "Pending"),
                                               ("boot-retry-too-early", "Rejected")])
async def test_boot_faults(tmp_path: Path, fault: str, status: str) -> None:
    answers = iter([status] * 2 + ["Accepted"] * 5)
    boot_times: list[float] = []

    def boot(_a: str, _r: dict[str, Any]) -> dict[str, Any]:
        boot_times.append(time.monotonic())
        return {"currentTime": "2026-12-04T12:00:00Z", "interval": 3, "status": next(answers)}

    async with bench(tmp_path, fault, csms_kw={"handlers": {"BootNotification": boot}}) as b:
        link = await b.connected()
        if fault == "pending-boot-sends-transactions":
            await link.call("RequestStartTransaction", {"idToken": {"idToken": "AB", "type": "ISO14443"}, "remoteStartId": 1})
            b.plug("C")
            ev = await link.expect("TransactionEvent", timeout=3)
            assert len(boot_times) == 1  # sent while the only boot so far was answered Pending
            assert ev.payload["eventType"] == "Started"
        else:
            await b.until(lambda: len(boot_times) >= 2, timeout=5, what="a second boot")
            assert boot_times[1] - boot_times[0] < 2.0  # the CSMS said 3 s


async def test_heartbeat_interval_ignored(tmp_path: Path) -> None:
    async with bench(tmp_path, "heartbeat-interval-ignored") as b:
        link = await b.booted()
        await link.call("SetVariables", {"setVariableData": [_set("OCPPCommCtrlr", "HeartbeatInterval", "1")]})
        with pytest.raises(asyncio.TimeoutError):
            await link.expect("Heartbeat", timeout=2.5)  # still every 300 s


@pytest.mark.parametrize(("fault", "data", "clean"), [
    ("readonly-variable-accepted", _set("SecurityCtrlr", "SecurityProfile", "3"), "Rejected"),
    ("unknown-component-accepted", _set("NoSuchCtrlr", "X", "1"), "UnknownComponent"),
])
async def test_set_variables_faults(tmp_path: Path, fault: str, data: dict[str, Any], clean: str) -> None:
    async with bench(tmp_path, fault) as b:
        link = await b.booted()
        res = await link.call("SetVariables", {"setVariableData": [data]})
        assert res["setVariableResult"][0]["attributeStatus"] == "Accepted" != clean


async def test_base_report_incomplete(tmp_path: Path) -> None:
    async with bench(tmp_path, "base-report-incomplete") as b:
        link = await b.booted()
        await link.call("GetBaseReport", {"requestId": 3, "reportBase": "FullInventory"})
        with pytest.raises(asyncio.TimeoutError):
            await _report(link, 3, timeout=2.0)  # the last part (tbc = false) never comes


async def test_persistent_values_survive_a_restart(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        link = await b.booted()
        await link.call("SetVariables", {"setVariableData": [_set("TxCtrlr", "TxStartPoint", "EVConnected")]})
    async with bench(tmp_path) as b:
        link = await b.booted()
        got = await link.call("GetVariables", {"getVariableData": [{"component": {"name": "TxCtrlr"},
                                                                    "variable": {"name": "TxStartPoint"}}]})
        assert got["getVariableResult"][0]["attributeValue"] == "EVConnected"


@pytest.mark.parametrize("kind", ["Immediate", "OnIdle"])
async def test_reset(tmp_path: Path, kind: str) -> None:
    async with bench(tmp_path) as b:
        link = await b.booted()
        b.plug("C")
        tid = await b.remote_start()
        res = await link.call("Reset", {"type": kind})
        if kind == "OnIdle":  # waits for the transaction to end
            assert res["status"] == "Scheduled"
            await asyncio.sleep(0.5)
            assert b.charger.boots == ["PowerUp"]
            await link.call("RequestStopTransaction", {"transactionId": tid})
            ended = await b.expect_event("Ended")
            assert ended["transactionInfo"]["stoppedReason"] == "Remote"
        else:
            assert res["status"] == "Accepted"
            ended = await b.expect_event("Ended")
            assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == ("ResetCommand", "ImmediateReset")
        second = await b.booted(new=True)
        assert second is not link and b.charger.boots == ["PowerUp", "RemoteReset"]
        security = await second.expect("SecurityEventNotification", timeout=5)
        assert security.payload["type"] == "ResetOrReboot"


async def test_reset_on_idle_interrupts(tmp_path: Path) -> None:
    async with bench(tmp_path, "reset-on-idle-interrupts", "no-security-event-on-reset") as b:
        link = await b.booted()
        b.plug("C")
        await b.remote_start()
        assert (await link.call("Reset", {"type": "OnIdle"}))["status"] == "Accepted"  # not Scheduled
        ended = await b.expect_event("Ended")
        assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
        second = await b.booted(new=True)
        with pytest.raises(asyncio.TimeoutError):  # and the second fault: no security event
            await second.expect("SecurityEventNotification", timeout=1.5)


def _recording() -> tuple[list[str], Any]:
    """A CSMS hook that keeps every frame the charger sends."""
    seen: list[str] = []

    def factory(_station: str) -> Any:
        def hook(direction: str, text: str) -> str:
            if direction == "in":
                seen.append(text)
            return text
        return hook
    return seen, factory


MALFORMED = (('[2,"m1","NoSuchAction",{}]', "NotImplemented"),
             ('[2,"m2","GetVariables",{"getVariableData":"x"}]', "TypeConstraintViolation"),
             ('[2,"m3","GetVariables",{}]', "OccurrenceConstraintViolation"))


@pytest.mark.parametrize("fault", [None, "callerror-missing-for-malformed-call"])
async def test_malformed_calls_get_callerrors(tmp_path: Path, fault: str | None) -> None:
    seen, factory = _recording()
    async with bench(tmp_path, *([fault] if fault else []), csms_kw={"hook_factory": factory}) as b:
        link = await b.booted()
        for text, _code in MALFORMED:
            await link.send_raw(text)
        await asyncio.sleep(0.5)
    answers = {f[4:8]: f for f in seen if f.startswith("[4,")}
    for text, code in MALFORMED:
        uid = text[4:8]
        if fault:  # the fault swallows every call it cannot take
            assert uid not in answers, answers
        else:
            assert uid in answers and f'"{code}"' in answers[uid], (uid, answers)


async def test_answer_after_the_call_timeout(tmp_path: Path) -> None:
    async with bench(tmp_path, "answers-call-after-timeout", csms_kw={"call_timeout_s": 1.0}) as b:
        link = await b.booted()
        with pytest.raises(CallTimeout):
            await link.call("GetVariables", {"getVariableData": [HB]})



@pytest.mark.parametrize("timeout", ["0", "30"])
async def test_reset_immediate_and_resume(tmp_path: Path, timeout: str) -> None:
    """ImmediateAndResume keeps the transaction (TxResumed after the reboot); without a
    ResumptionTimeout there is nothing to resume into, and the charger refuses."""
    async with bench(tmp_path, variant="ac") as b:
        link = await b.booted()
        await link.call("SetVariables", {"setVariableData": [_set("TxCtrlr", "ResumptionTimeout", timeout)]})
        b.plug("C")
        tid = await b.remote_start()
        res = await link.call("Reset", {"type": "ImmediateAndResume"})
        if timeout == "0":
            assert res["status"] == "Rejected"
            return
        assert res["status"] == "Accepted"
        second = await b.booted(new=True)
        resumed = await b.expect_event("Updated", trigger="TxResumed")
        assert resumed["transactionInfo"]["transactionId"] == tid and second is b.link


async def test_security_events(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        link = await b.booted()
        startup = await link.expect("SecurityEventNotification", timeout=5)
        assert startup.payload["type"] == "StartupOfTheDevice"
        await link.call("SetVariables", {"setVariableData": [_set("SecurityCtrlr", "BasicAuthPassword", "a-new-password-1234")]})
        change = await link.expect("SecurityEventNotification", timeout=5)
        assert change.payload["type"] == "ReconfigurationOfSecurityParameters"


async def test_clock_aligned_values(tmp_path: Path) -> None:
    """AlignedDataCtrlr.Interval 1 s: MeterValues while idle, MeterValueClock events in a transaction
    (and none there with SendDuringIdle)."""
    async with bench(tmp_path, variant="ac") as b:
        link = await b.booted()
        await link.call("SetVariables", {"setVariableData": [_set("AlignedDataCtrlr", "Interval", "1"),
                                                             _set("AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register")]})
        idle = await link.expect("MeterValues", timeout=3)
        assert {s["context"] for mv in idle.payload["meterValue"] for s in mv["sampledValue"]} == {"Sample.Clock"}
        b.plug("C")
        await b.remote_start()
        clock = await b.expect_event("Updated", trigger="MeterValueClock", timeout=3)
        assert clock["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
        await link.call("SetVariables", {"setVariableData": [_set("AlignedDataCtrlr", "SendDuringIdle", "true")]})
        await asyncio.sleep(0.3)  # an event already queued may still arrive
        before = sum(e["triggerReason"] == "MeterValueClock" for e in b.events())
        await asyncio.sleep(2.2)
        assert sum(e["triggerReason"] == "MeterValueClock" for e in b.events()) == before
