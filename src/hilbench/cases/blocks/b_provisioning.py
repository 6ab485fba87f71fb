"""B — Provisioning: booting (Accepted, Pending, Rejected), the device model through GetVariables,
SetVariables and reports, and resets. Requirement ids as OCPP 2.1 Part 2 numbers them
(``../shared/reference/ocpp2x-use-cases.md`` lists them per use case)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hilbench.cases.blocks.e_transactions import resumed
from hilbench.cases.model import Measurement, case
from hilbench.ocpp.defaults import now_iso
from hilbench.runner.context import CaseContext

HB = ("OCPPCommCtrlr", "HeartbeatInterval")


def _boot_answers(ctx: CaseContext, statuses: list[str], interval: int) -> list[tuple[float, dict[str, Any]]]:
    """The CSMS answers the next boots with ``statuses`` (then Accepted); returns the boots seen."""
    seen: list[tuple[float, dict[str, Any]]] = []
    answers = iter(statuses)

    def boot(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        seen.append((time.monotonic(), req))
        return {"currentTime": now_iso(), "interval": interval, "status": next(answers, "Accepted")}
    ctx.csms.answer("BootNotification", boot)
    return seen


async def _reset(ctx: CaseContext, kind: str = "Immediate") -> dict[str, Any]:
    res = await ctx.csms.call("Reset", {"type": kind})
    ctx.check(res["status"] in ("Accepted", "Scheduled"), f"Reset {kind} answered {res['status']}")
    return res


@case("HB_B_01_CS", "Cold boot: the connector's status reported after the boot",
      use_cases=["B01"], requirements=["B01.FR.01", "B01.FR.08"],
      measurements=[Measurement("status_notifications", equals=True)], kills=["status-notification-missing-after-boot"])
async def cold_boot(ctx: CaseContext) -> None:
    """The DUT reboots (Reset Immediate); after its BootNotification is accepted it reports the
    status of every connector."""
    await _reset(ctx)
    await ctx.csms.reconnected(60)
    await ctx.csms.expect("BootNotification", 30)
    status = await ctx.csms.expect("StatusNotification", 6, required=False)
    ctx.measure["status_notifications"] = status is not None and "connectorStatus" in status


@case("HB_B_11_CS", "Reset without a transaction: the DUT reboots with reason RemoteReset",
      use_cases=["B11"], requirements=["B11.FR.01", "B11.FR.02"],
      measurements=[Measurement("boot_reason", equals="RemoteReset")], kills=["boot-reason-wrong-after-reset"])
async def reset_idle(ctx: CaseContext) -> None:
    await _reset(ctx)
    await ctx.csms.reconnected(60)
    boot = await ctx.csms.expect("BootNotification", 30)
    ctx.measure["boot_reason"] = boot["reason"]


@case("HB_B_02_CS", "Boot Pending: no transaction message until the boot is accepted",
      use_cases=["B02"], requirements=["B02.FR.01", "B02.FR.02"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("transaction_events_while_pending", high=0)], kills=["pending-boot-sends-transactions"])
async def boot_pending(ctx: CaseContext) -> None:
    """The CSMS answers two boots Pending (1 s interval) and starts a transaction remotely meanwhile
    with the EV plugged in: the DUT may accept the remote start, but sends no TransactionEvent
    before its boot is Accepted."""
    boots = _boot_answers(ctx, ["Pending", "Pending"], 1)
    await _reset(ctx)
    await ctx.csms.reconnected(60)
    await ctx.csms.expect("BootNotification", 30)
    await ctx.io(ctx.ev.plug_in)
    await ctx.csms.call("RequestStartTransaction", {"idToken": {"idToken": "HB-B02", "type": "ISO14443"}, "remoteStartId": 21})
    deadline = time.monotonic() + 15
    while len(boots) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ctx.check(len(boots) >= 3, f"the DUT booted {len(boots)} times in 15 s, not 3 (Pending, Pending, Accepted)")
    accepted_at = boots[2][0]
    early = [ev for ev in ctx.campaign.received_since_case()
             if ev.action == "TransactionEvent" and _before(ctx, ev, accepted_at)]
    ctx.measure["transaction_events_while_pending"] = len(early)


def _before(ctx: CaseContext, ev: Any, t: float) -> bool:
    """Whether the DUT sent ``ev`` before monotonic time ``t`` (from the recorder's frame times)."""
    for row in ctx.campaign.recorder.rows:
        if row[1] == "ocpp" and row[2] == "rx" and ev.unique_id in row[4]:
            return row[0] / 1e9 < t
    return False


@case("HB_B_03_CS", "Boot Rejected: the next boot only after the CSMS's interval",
      use_cases=["B03"], requirements=["B03.FR.01", "B03.FR.02"],
      measurements=[Measurement("retry_after_s", unit="s", low=2.9)], kills=["boot-retry-too-early"])
async def boot_rejected(ctx: CaseContext) -> None:
    boots = _boot_answers(ctx, ["Rejected"], 3)
    await _reset(ctx)
    await ctx.csms.reconnected(60)
    deadline = time.monotonic() + 20
    while len(boots) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ctx.check(len(boots) >= 2, "the DUT never booted again after a Rejected boot")
    ctx.measure["retry_after_s"] = round(boots[1][0] - boots[0][0], 3)


@case("HB_B_05_CS", "SetVariables HeartbeatInterval: accepted and in force",
      use_cases=["B05", "G02"], requirements=["B05.FR.01", "B05.FR.02"],
      measurements=[Measurement("status", equals="Accepted"), Measurement("heartbeat_period_s", unit="s", low=1.5, high=2.5)],
      kills=["heartbeat-interval-ignored"])
async def set_heartbeat(ctx: CaseContext) -> None:
    res = await ctx.csms.set_variables((*HB, 2))
    ctx.measure["status"] = res[0]["attributeStatus"]
    await ctx.csms.expect("Heartbeat", 5)
    t0 = time.monotonic()
    await ctx.csms.expect("Heartbeat", 5)
    ctx.measure["heartbeat_period_s"] = round(time.monotonic() - t0, 2)


async def _set_one(ctx: CaseContext, component: str, variable: str, value: str, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value} | kw
    res = await ctx.csms.call("SetVariables", {"setVariableData": [data]})
    return dict(res["setVariableResult"][0])


@case("HB_B_05_RO_CS", "SetVariables of a read-only variable is Rejected",
      use_cases=["B05"], requirements=["B05.FR.09"],
      measurements=[Measurement("status", equals="Rejected")], kills=["readonly-variable-accepted"])
async def set_readonly(ctx: CaseContext) -> None:
    before = await ctx.csms.get_variable("SecurityCtrlr", "SecurityProfile")
    r = await _set_one(ctx, "SecurityCtrlr", "SecurityProfile", "3" if before != "3" else "2")
    ctx.measure["status"] = r["attributeStatus"]


@case("HB_B_05_UC_CS", "SetVariables of an unknown component is UnknownComponent",
      use_cases=["B05"], requirements=["B05.FR.05"],
      measurements=[Measurement("status", equals="UnknownComponent")], kills=["unknown-component-accepted"])
async def set_unknown(ctx: CaseContext) -> None:
    r = await _set_one(ctx, "HilbenchNoSuchCtrlr", "Enabled", "true")
    ctx.measure["status"] = r["attributeStatus"]


@case("HB_B_05_RANGE_CS", "SetVariables of a value below the variable's minimum is Rejected",
      use_cases=["B05"], requirements=["B05.FR.07", "B05.FR.08"],
      measurements=[Measurement("status", equals="Rejected")], kills=["out-of-range-variable-accepted"])
async def set_out_of_range(ctx: CaseContext) -> None:
    """HeartbeatInterval below its reported minLimit (read from the DUT's own report)."""
    await ctx.csms.call("GetReport", {"requestId": 9501, "componentVariable": [
        {"component": {"name": HB[0]}, "variable": {"name": HB[1]}}]})
    report = await ctx.csms.expect("NotifyReport", 10, lambda p: p["requestId"] == 9501)
    low = report["reportData"][0].get("variableCharacteristics", {}).get("minLimit", 1)
    value = str(int(low) - 1)
    r = await _set_one(ctx, *HB, value)
    if r["attributeStatus"] == "Accepted":  # put it back before judging
        await ctx.csms.set_variables((*HB, 300))
    ctx.measure["status"] = r["attributeStatus"]


@case("HB_B_06_CS", "GetVariables: unknown component, variable and attribute type each named",
      use_cases=["B06"], requirements=["B06.FR.06", "B06.FR.07", "B06.FR.08"],
      measurements=[Measurement("unknown_component", equals="UnknownComponent"),
                    Measurement("unknown_variable", equals="UnknownVariable"),
                    Measurement("unknown_attribute", equals="NotSupportedAttributeType")],
      kills=["getvariables-unknown-accepted"])
async def get_statuses(ctx: CaseContext) -> None:
    res = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "HilbenchNoSuchCtrlr"}, "variable": {"name": "Enabled"}},
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HilbenchNoSuchVariable"}},
        {"component": {"name": HB[0]}, "variable": {"name": HB[1]}, "attributeType": "MinSet"}]})
    r = res["getVariableResult"]
    ctx.measure["unknown_component"] = r[0]["attributeStatus"]
    ctx.measure["unknown_variable"] = r[1]["attributeStatus"]
    ctx.measure["unknown_attribute"] = r[2]["attributeStatus"]


@case("HB_B_06_WO_CS", "GetVariables of a write-only variable (the Basic-auth password) is Rejected",
      use_cases=["B06", "A01"], requirements=["B06.FR.09"],
      measurements=[Measurement("status", equals="Rejected")], kills=["writeonly-variable-readable"])
async def get_writeonly(ctx: CaseContext) -> None:
    res = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]})
    ctx.measure["status"] = res["getVariableResult"][0]["attributeStatus"]


async def _report_parts(ctx: CaseContext, request_id: int, timeout: float = 8.0) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not parts or parts[-1]["tbc"]:
        left = deadline - time.monotonic()
        ctx.check(left > 0, f"the report {request_id} did not end (tbc = false) within {timeout:g} s "
                            f"({len(parts)} parts came)")
        parts.append(await ctx.csms.expect("NotifyReport", left, lambda p: p["requestId"] == request_id))
    return parts


@case("HB_B_07_CS", "GetBaseReport FullInventory: complete, in order, and what GetVariables answers",
      use_cases=["B07"], requirements=["B07.FR.01", "B07.FR.03", "B07.FR.04"],
      measurements=[Measurement("parts_in_order", equals=True), Measurement("variables_reported", low=10),
                    Measurement("mismatches_with_getvariables", high=0)],
      kills=["base-report-incomplete"], timeout_s=90)
async def base_report(ctx: CaseContext) -> None:
    res = await ctx.csms.call("GetBaseReport", {"requestId": 701, "reportBase": "FullInventory"})
    ctx.check(res["status"] == "Accepted", f"GetBaseReport FullInventory answered {res['status']}")
    parts = await _report_parts(ctx, 701)
    ctx.measure["parts_in_order"] = [p["seqNo"] for p in parts] == list(range(len(parts)))
    data = [d for p in parts for d in p.get("reportData", [])]
    ctx.measure["variables_reported"] = len(data)
    readable = [d for d in data if any(a.get("type", "Actual") == "Actual" and "value" in a for a in d["variableAttribute"])]
    mismatches = 0
    for i in range(0, min(len(readable), 100), 20):
        chunk = readable[i:i + 20]
        got = await ctx.csms.call("GetVariables", {"getVariableData": [
            {"component": d["component"], "variable": d["variable"]} for d in chunk]})
        for d, r in zip(chunk, got["getVariableResult"]):
            actual = next(a["value"] for a in d["variableAttribute"] if a.get("type", "Actual") == "Actual")
            if r["attributeStatus"] != "Accepted" or r.get("attributeValue") != actual:
                mismatches += 1
                ctx.note(f"{d['component']['name']}.{d['variable']['name']}: report {actual!r}, GetVariables {r}")
    ctx.measure["mismatches_with_getvariables"] = mismatches


@case("HB_B_08_CS", "GetReport of one component reports that component only",
      use_cases=["B08"], requirements=["B08.FR.01", "B08.FR.03"],
      measurements=[Measurement("other_components", high=0), Measurement("variables_reported", low=1)],
      kills=["custom-report-ignores-filter"])
async def custom_report(ctx: CaseContext) -> None:
    res = await ctx.csms.call("GetReport", {"requestId": 801, "componentVariable": [{"component": {"name": "OCPPCommCtrlr"}}]})
    ctx.check(res["status"] == "Accepted", f"GetReport answered {res['status']}")
    data = [d for p in await _report_parts(ctx, 801) for d in p.get("reportData", [])]
    ctx.measure["variables_reported"] = len(data)
    ctx.measure["other_components"] = sum(d["component"]["name"].lower() != "ocppcommctrlr" for d in data)


async def _charging(ctx: CaseContext) -> str:
    """The EV plugged in and a transaction started remotely: its id."""
    await ctx.io(ctx.ev.plug_in)
    res = await ctx.csms.call("RequestStartTransaction", {"idToken": {"idToken": "HB-B12", "type": "ISO14443"},
                                                          "remoteStartId": 1201})
    ctx.check(res["status"] == "Accepted", f"RequestStartTransaction answered {res['status']}")
    started = await ctx.csms.expect_event("Started", timeout=15)
    return str(started["transactionInfo"]["transactionId"])


@case("HB_B_12_CS", "Reset OnIdle during a transaction: Scheduled, and the reset waits for its end",
      use_cases=["B12"], requirements=["B12.FR.01", "B12.FR.02"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("reset_status", equals="Scheduled"), Measurement("transaction_interrupted", equals=False)],
      kills=["reset-on-idle-interrupts"])
async def reset_on_idle(ctx: CaseContext) -> None:
    tid = await _charging(ctx)
    res = await ctx.csms.call("Reset", {"type": "OnIdle"})
    ctx.measure["reset_status"] = res["status"]
    await asyncio.sleep(2.0)
    ended = [p for p in ctx.csms.received("TransactionEvent") if p["eventType"] == "Ended"]
    ctx.measure["transaction_interrupted"] = bool(ended)
    if not ended:
        await ctx.csms.call("RequestStopTransaction", {"transactionId": tid})
        await ctx.csms.expect_event("Ended", timeout=15)
        await ctx.csms.reconnected(60)  # the scheduled reset comes now
        await ctx.csms.expect("BootNotification", 30)


@case("HB_B_13_CS", "Reset ImmediateAndResume: the transaction comes back (TxResumed)",
      use_cases=["B13", "E17"], requirements=["B13.FR.01", "E17.FR.01"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("reset_status", equals="Accepted"), Measurement("resumed", equals=True)],
      kills=["no-resume-after-reboot"], timeout_s=90)
async def reset_and_resume(ctx: CaseContext) -> None:
    await ctx.csms.set_variables(("TxCtrlr", "ResumptionTimeout", 60))
    tid = await _charging(ctx)
    res = await ctx.csms.call("Reset", {"type": "ImmediateAndResume"})
    ctx.measure["reset_status"] = res["status"]
    await ctx.csms.reconnected(60)
    await ctx.csms.expect("BootNotification", 30)
    ctx.measure["resumed"] = await resumed(ctx, tid)


@case("HB_B_05_PERSIST_CS", "A value set by the CSMS survives a reboot",
      use_cases=["B05", "B11"], requirements=["B05.FR.10", "B11.FR.01"],
      measurements=[Measurement("value_after_reboot", equals="7")], kills=["settings-lost-on-reboot"], timeout_s=90)
async def persisted(ctx: CaseContext) -> None:
    """SampledDataCtrlr.TxUpdatedInterval (writable, so persistent) set to 7 s, then Reset Immediate."""
    res = await ctx.csms.set_variables(("SampledDataCtrlr", "TxUpdatedInterval", 7))
    ctx.check(res[0]["attributeStatus"] == "Accepted", f"SetVariables answered {res[0]['attributeStatus']}")
    await _reset(ctx)
    await ctx.csms.reconnected(60)
    await ctx.csms.expect("BootNotification", 30)
    ctx.measure["value_after_reboot"] = await ctx.csms.get_variable("SampledDataCtrlr", "TxUpdatedInterval")
