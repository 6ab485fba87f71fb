"""E — Transactions: started and ended by the cable and remotely, seqNo continuity, trigger and
stopped reasons, the offline queue (the bench cuts the connection), resuming after a power cut
(the grid simulator), and transactions with a fixed energy or time."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hilbench.cases.model import Measurement, case
from hilbench.runner.context import CaseContext


async def remote_start(ctx: CaseContext, token: str, remote_id: int) -> str:
    res = await ctx.csms.call("RequestStartTransaction", {"idToken": {"idToken": token, "type": "ISO14443"},
                                                          "remoteStartId": remote_id})
    ctx.check(res["status"] == "Accepted", f"RequestStartTransaction answered {res['status']}")
    started = await ctx.csms.expect_event("Started", timeout=15)
    return str(started["transactionInfo"]["transactionId"])


async def charging_power(ctx: CaseContext, above_w: float = 1_000.0, timeout: float = 15.0) -> float:
    """Waits until the analyzer's grid side shows the DUT charging; returns the power (W)."""
    deadline = time.monotonic() + timeout
    while True:
        reading = await ctx.io(ctx.power_analyzer.read)
        power = sum(r.power_w for name, r in reading.items() if name != "1")
        if power > above_w:
            return float(power)
        ctx.check(time.monotonic() < deadline, f"the DUT did not charge (grid side {power:.0f} W after {timeout:g} s)")
        await asyncio.sleep(0.2)


async def power_cut(ctx: CaseContext, seconds: float) -> None:
    """The grid simulator's output off for ``seconds``: the DUT loses its supply, then reconnects."""
    await ctx.io(ctx.grid_simulator.output, False)
    await asyncio.sleep(seconds)
    await ctx.io(ctx.grid_simulator.output, True)
    await ctx.csms.reconnected(60)


async def resumed(ctx: CaseContext, tid: str, timeout: float = 8.0) -> bool:
    """Whether the DUT resumed transaction ``tid`` (TransactionEvent Updated, TxResumed)."""
    ev = await ctx.csms.expect_event("Updated", "TxResumed", timeout=timeout, required=False)
    return ev is not None and ev["transactionInfo"]["transactionId"] == tid


def events_of(ctx: CaseContext, tid: str) -> list[dict[str, Any]]:
    return [p for p in ctx.csms.received("TransactionEvent") if p["transactionInfo"]["transactionId"] == tid]


async def authorized_event(ctx: CaseContext, timeout: float = 15.0) -> dict[str, Any]:
    """The DUT's first TransactionEvent that carries the driver's idToken: the Started when the
    transaction starts at the authorization or later, an Updated (Authorized) when the DUT's
    TxStartPoint started it before (EVConnected, ParkingBayOccupancy). Either way the event that
    links the driver, their tariff or their payment to the transaction."""
    return dict(await ctx.csms.expect("TransactionEvent", timeout, lambda p: "idToken" in p))


async def unplugged(ctx: CaseContext) -> None:
    """The EV unplugged, and the DUT seen to notice (its connector no longer Occupied): the next
    driver's plug-in is then a change to it, not one it may merge with this one."""
    await ctx.io(ctx.ev.unplug)
    await ctx.csms.expect("StatusNotification", 10, lambda p: p.get("connectorStatus") != "Occupied")


def gaps(seq: list[int]) -> int:
    """How many seqNo are missing or out of order (0 for 0, 1, 2, ...)."""
    return sum(1 for i, s in enumerate(seq) if s != i)


@case("HB_E_02_CS", "Cable plugged in first: Started at plug-in, Ended at unplug with the right reasons",
      use_cases=["E02", "E09"], requirements=["E02.FR.01", "E09.FR.01", "E01.FR.07"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("started_trigger", equals="CablePluggedIn"),
                    Measurement("ended_trigger", equals="EVCommunicationLost"),
                    Measurement("stopped_reason", equals="EVDisconnected"), Measurement("seqno_gaps", high=0)],
      kills=["unplug-stop-reason-wrong"])
async def cable_first(ctx: CaseContext) -> None:
    await ctx.csms.set_variables(("TxCtrlr", "TxStartPoint", "EVConnected"), ("TxCtrlr", "TxStopPoint", "EVConnected"))
    await ctx.io(ctx.ev.plug_in, "B")
    started = await ctx.csms.expect_event("Started", timeout=10)
    ctx.measure["started_trigger"] = started["triggerReason"]
    tid = started["transactionInfo"]["transactionId"]
    await ctx.io(ctx.ev.unplug)
    ended = await ctx.csms.expect_event("Ended", timeout=10)
    ctx.measure["ended_trigger"] = ended["triggerReason"]
    ctx.measure["stopped_reason"] = ended["transactionInfo"].get("stoppedReason")
    ctx.measure["seqno_gaps"] = gaps([p["seqNo"] for p in events_of(ctx, tid)])


@case("HB_E_06_CS", "RequestStopTransaction ends the transaction (RemoteStop, Remote) and the energy",
      use_cases=["F03", "E06"], requirements=["F03.FR.01", "F03.FR.02", "E06.FR.01"],
      roles=["csms", "ev", "ev_emulator", "power_analyzer"],
      measurements=[Measurement("stop_status", equals="Accepted"), Measurement("ended_trigger", equals="RemoteStop"),
                    Measurement("stopped_reason", equals="Remote"),
                    Measurement("power_after_stop", unit="W", low=-50.0, high=50.0)],
      kills=["remote-stop-ignored"])
async def remote_stop(ctx: CaseContext) -> None:
    """The bench EV charges (its own choice of service) until the CSMS stops the transaction; the
    analyzer's grid side must then show no power."""
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-E06", 601)
    await ctx.ev.start("auto", "dynamic")
    await charging_power(ctx)
    res = await ctx.csms.call("RequestStopTransaction", {"transactionId": tid})
    ctx.measure["stop_status"] = res["status"]
    ended = await ctx.csms.expect_event("Ended", timeout=10, required=False) or {}
    ctx.measure["ended_trigger"] = ended.get("triggerReason", "no Ended within 10 s")
    ctx.measure["stopped_reason"] = ended.get("transactionInfo", {}).get("stoppedReason", "absent")
    await asyncio.sleep(1.0)
    reading = await ctx.io(ctx.power_analyzer.read)
    ctx.measure["power_after_stop"] = sum(r.power_w for name, r in reading.items() if name != "1")


@case("HB_E_14_CS", "GetTransactionStatus: an ongoing transaction and nothing queued",
      use_cases=["E14"], requirements=["E14.FR.01", "E14.FR.02"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("ongoing", equals=True), Measurement("messages_in_queue", equals=False)],
      kills=["transaction-status-wrong"])
async def transaction_status(ctx: CaseContext) -> None:
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-E14", 1401)
    await asyncio.sleep(0.5)
    res = await ctx.csms.call("GetTransactionStatus", {"transactionId": tid})
    ctx.measure["ongoing"] = res.get("ongoingIndicator")
    ctx.measure["messages_in_queue"] = res["messagesInQueue"]


@case("HB_E_05_CS", "An idToken the CSMS answers Invalid stops the energy (Deauthorized)",
      use_cases=["E05", "E06"], requirements=["E05.FR.01", "E06.FR.04"],
      roles=["csms", "ev", "ev_emulator", "power_analyzer"],
      measurements=[Measurement("power_after_invalid", unit="W", low=-50.0, high=50.0)],
      kills=["invalid-token-keeps-charging"])
async def invalid_token(ctx: CaseContext) -> None:
    def answer(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        return {"idTokenInfo": {"status": "Invalid"}} if "idToken" in req else {}
    ctx.csms.answer("TransactionEvent", answer)
    await ctx.io(ctx.ev.plug_in)
    await remote_start(ctx, "HB-E05", 501)
    await ctx.ev.start("auto", "dynamic")
    await asyncio.sleep(3.0)
    reading = await ctx.io(ctx.power_analyzer.read)
    ctx.measure["power_after_invalid"] = sum(r.power_w for name, r in reading.items() if name != "1")


#: How long the bench cuts the DUT's connection, s: TxUpdatedInterval (1 s) queues two events or more.
CUT_S = 3.0


async def _periodic_session(ctx: CaseContext, token: str, remote_id: int) -> str:
    await ctx.csms.set_variables(("SampledDataCtrlr", "TxUpdatedInterval", 1))
    await ctx.io(ctx.ev.plug_in)
    return await remote_start(ctx, token, remote_id)


@case("HB_E_11_CS", "Connection lost during a transaction: the queue comes in order, offline, without a gap",
      use_cases=["E11", "E12"], requirements=["E11.FR.01", "E11.FR.02", "E12.FR.02", "E01.FR.07"],
      roles=["csms", "ev_emulator"],
      measurements=[Measurement("seqno_gaps", high=0), Measurement("queued_events", low=1),
                    Measurement("queued_marked_offline", equals=True)],
      kills=["seqno-gap-after-reconnect", "offline-flag-missing"], timeout_s=90)
async def connection_loss(ctx: CaseContext) -> None:
    tid = await _periodic_session(ctx, "HB-E11", 1101)
    await ctx.csms.expect_event("Updated", "MeterValuePeriodic", timeout=5)
    cut_at = time.time()
    await ctx.csms.cut(CUT_S)
    await ctx.csms.reconnected(60)
    back = time.time()
    # the queue, then a live event again (one not marked offline, sent after the reconnect)
    await ctx.csms.expect("TransactionEvent", 5, lambda p: p.get("transactionInfo", {}).get("transactionId") == tid
                          and not p.get("offline") and _at(p) > back, required=False)
    events = events_of(ctx, tid)
    ctx.measure["seqno_gaps"] = gaps([p["seqNo"] for p in events])
    queued = [p for p in events if p["triggerReason"] == "MeterValuePeriodic" and _at(p) > cut_at + 0.5
              and _at(p) < cut_at + CUT_S - 0.5]
    ctx.measure["queued_events"] = len(queued)
    ctx.measure["queued_marked_offline"] = bool(queued) and all(p.get("offline") is True for p in queued)


def _at(event: dict[str, Any]) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


@case("HB_E_08_CS", "A transaction that ends while offline: its Ended arrives after the reconnect",
      use_cases=["E08", "E12"], requirements=["E08.FR.01", "E12.FR.01", "E12.FR.02"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("ended_received", equals=True), Measurement("ended_offline", equals=True)],
      kills=["drops-ended-while-offline"], timeout_s=90)
async def ended_offline(ctx: CaseContext) -> None:
    tid = await _periodic_session(ctx, "HB-E08", 801)
    cut = asyncio.create_task(ctx.csms.cut(CUT_S))
    await asyncio.sleep(1.0)
    await ctx.io(ctx.ev.unplug)
    await cut
    await ctx.csms.reconnected(60)
    await ctx.csms.expect_event("Ended", timeout=5, required=False)
    ended = [p for p in events_of(ctx, tid) if p["eventType"] == "Ended"]
    ctx.measure["ended_received"] = bool(ended)
    ctx.measure["ended_offline"] = bool(ended) and ended[0].get("offline") is True


@case("HB_E_17_CS", "Power cut shorter than ResumptionTimeout: the transaction resumes (TxResumed)",
      use_cases=["E17"], requirements=["E17.FR.01", "E17.FR.02"], roles=["csms", "ev_emulator", "grid_simulator"],
      measurements=[Measurement("resumed", equals=True)], kills=["no-resume-after-reboot"], timeout_s=90)
async def power_cut_resumed(ctx: CaseContext) -> None:
    await ctx.csms.set_variables(("TxCtrlr", "ResumptionTimeout", 10))
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-E17", 1701)
    await power_cut(ctx, 1.5)
    ctx.measure["resumed"] = await resumed(ctx, tid)


@case("HB_E_17_TO_CS", "Power cut longer than ResumptionTimeout: Ended with AbnormalCondition",
      use_cases=["E17"], requirements=["E17.FR.10", "E17.FR.11"], roles=["csms", "ev_emulator", "grid_simulator"],
      measurements=[Measurement("ended_trigger", equals="AbnormalCondition"), Measurement("same_transaction", equals=True)],
      kills=["no-resume-after-reboot"], timeout_s=90)
async def power_cut_too_long(ctx: CaseContext) -> None:
    await ctx.csms.set_variables(("TxCtrlr", "ResumptionTimeout", 2))
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-E17T", 1702)
    await power_cut(ctx, 3.5)
    ev = await ctx.csms.expect_event("Ended", timeout=8, required=False) or {}
    ctx.measure["ended_trigger"] = ev.get("triggerReason", "no Ended within 8 s")
    ctx.measure["same_transaction"] = ev.get("transactionInfo", {}).get("transactionId") == tid


@case("HB_E_16_CS", "Fixed energy: the transaction ends at maxEnergy, as the power analyzer counts it",
      use_cases=["E16"], requirements=["E16.FR.01", "E16.FR.02", "E16.FR.07"],
      roles=["csms", "ev", "ev_emulator", "power_analyzer"],
      measurements=[Measurement("limit_reported", equals=True), Measurement("ended_trigger", equals="EnergyLimitReached"),
                    Measurement("stopped_reason", equals="EnergyLimitReached"),
                    Measurement("energy_at_end", unit="Wh", low=5.0, high=6.0)],
      kills=["ignores-max-energy", "limit-stop-wrong-reason"], timeout_s=60)
async def fixed_energy(ctx: CaseContext) -> None:
    """The CSMS answers Started with maxEnergy 5 Wh; the analyzer's grid-side energy may exceed it
    by the losses and one sample (limit 6 Wh)."""
    def answer(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        return {"transactionLimit": {"maxEnergy": 5.0}} if req["eventType"] == "Started" else {}
    ctx.csms.answer("TransactionEvent", answer)
    await ctx.io(ctx.power_analyzer.integration_reset)
    await ctx.io(ctx.power_analyzer.integration_start)
    await ctx.io(ctx.ev.plug_in)
    await remote_start(ctx, "HB-E16", 1601)
    await ctx.ev.start("auto", "dynamic")
    limit = await ctx.csms.expect_event("Updated", "LimitSet", timeout=5, required=False) or {}
    ctx.measure["limit_reported"] = limit.get("transactionInfo", {}).get("transactionLimit", {}).get("maxEnergy") == 5.0
    # without an Ended, the analyzer's count below shows what the DUT did instead
    ended = await ctx.csms.expect_event("Ended", timeout=10, required=False) or {}
    await ctx.io(ctx.power_analyzer.integration_stop)
    reading = await ctx.io(ctx.power_analyzer.read)
    ctx.measure["energy_at_end"] = round(sum(r.import_wh for name, r in reading.items() if name != "1"), 3)
    ctx.measure["ended_trigger"] = ended.get("triggerReason", "no Ended within 10 s")
    ctx.measure["stopped_reason"] = ended.get("transactionInfo", {}).get("stoppedReason")


@case("HB_E_16_T_CS", "Fixed time: the transaction ends at maxTime with TimeLimitReached",
      use_cases=["E16"], requirements=["E16.FR.01", "E16.FR.09"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("ended_trigger", equals="TimeLimitReached"),
                    Measurement("stopped_reason", equals="TimeLimitReached"),
                    Measurement("duration_s", unit="s", low=2.0, high=4.0)],
      kills=["limit-stop-wrong-reason"])
async def fixed_time(ctx: CaseContext) -> None:
    def answer(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        return {"transactionLimit": {"maxTime": 2}} if req["eventType"] == "Started" else {}
    ctx.csms.answer("TransactionEvent", answer)
    await ctx.io(ctx.ev.plug_in)
    t0 = time.monotonic()
    await remote_start(ctx, "HB-E16T", 1602)
    ended = await ctx.csms.expect_event("Ended", timeout=10)
    ctx.measure["duration_s"] = round(time.monotonic() - t0, 2)
    ctx.measure["ended_trigger"] = ended["triggerReason"]
    ctx.measure["stopped_reason"] = ended["transactionInfo"].get("stoppedReason")


@case("HB_E_01_CS", "A remote start carries its remoteStartId and idToken into Started",
      use_cases=["E01", "F01"], requirements=["F01.FR.01", "F01.FR.21", "E01.FR.07"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("trigger", equals="RemoteStart"), Measurement("remote_start_id", equals=1001),
                    Measurement("id_token", equals="HB-E01"), Measurement("first_seqno", equals=0)],
      kills=["remote-start-id-missing"])
async def remote_start_ids(ctx: CaseContext) -> None:
    await ctx.io(ctx.ev.plug_in)
    await remote_start(ctx, "HB-E01", 1001)
    started = next(p for p in ctx.csms.received("TransactionEvent") if p["eventType"] == "Started")
    ctx.measure["trigger"] = started["triggerReason"]
    ctx.measure["remote_start_id"] = started["transactionInfo"].get("remoteStartId", "absent")
    ctx.measure["id_token"] = (started.get("idToken") or {}).get("idToken", "absent")
    ctx.measure["first_seqno"] = started["seqNo"]


@case("HB_E_09_CS", "The EV unplugged while charging: the energy stops and the transaction ends",
      use_cases=["E09", "E06"], requirements=["E09.FR.01", "E09.FR.02", "E06.FR.08"],
      roles=["csms", "ev", "ev_emulator", "power_analyzer"],
      measurements=[Measurement("stopped_reason", equals="EVDisconnected"),
                    Measurement("power_after_unplug", unit="W", low=-50.0, high=50.0)],
      kills=["unplug-stop-reason-wrong"])
async def unplugged_while_charging(ctx: CaseContext) -> None:
    await ctx.io(ctx.ev.plug_in)
    await remote_start(ctx, "HB-E09", 901)
    await ctx.ev.start("auto", "dynamic")
    await charging_power(ctx)
    await ctx.io(ctx.ev.unplug)
    ended = await ctx.csms.expect_event("Ended", timeout=10)
    ctx.measure["stopped_reason"] = ended["transactionInfo"].get("stoppedReason")
    await asyncio.sleep(0.5)
    reading = await ctx.io(ctx.power_analyzer.read)
    ctx.measure["power_after_unplug"] = sum(r.power_w for name, r in reading.items() if name != "1")


@case("HB_E_16_SOC_CS", "SoC limit: the transaction ends when the EV reports maxSoC (SoCLimitReached)",
      use_cases=["E16"], requirements=["E16.FR.01", "E16.FR.11"], roles=["csms", "ev", "ev_emulator"],
      measurements=[Measurement("ended_trigger", equals="SoCLimitReached"),
                    Measurement("stopped_reason", equals="SOCLimitReached")],
      kills=["limit-stop-wrong-reason"])
async def soc_limit(ctx: CaseContext) -> None:
    """The CSMS sets maxSoC at the EV's present state of charge (the bench EV reports 50 %): the DUT
    ends the transaction as soon as the EV's loop reports it (ISO 15118-20 DisplayParameters)."""
    def answer(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        return {"transactionLimit": {"maxSoC": 50}} if req["eventType"] == "Started" else {}
    ctx.csms.answer("TransactionEvent", answer)
    await ctx.io(ctx.ev.plug_in)
    await remote_start(ctx, "HB-E16S", 1603)
    await ctx.ev.start("auto", "dynamic", soc=0.5)
    ended = await ctx.csms.expect_event("Ended", timeout=15)
    ctx.measure["ended_trigger"] = ended["triggerReason"]
    ctx.measure["stopped_reason"] = ended["transactionInfo"].get("stoppedReason")
