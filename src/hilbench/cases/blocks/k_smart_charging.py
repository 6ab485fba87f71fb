"""K — Smart charging, judged by the power analyzer at the DUT's outlet: a charging profile's limit
caps what the DUT lets the EV take, whatever the EV asks for; the composite schedule the DUT reports
is what it then does; and what the bench EV asked for over ISO 15118-20 reaches the CSMS unchanged
in NotifyEVChargingNeeds (the link between the two protocols).

⚠ The K01 requirement numbers are cited from the use-case table; their texts were not at hand."""

from __future__ import annotations

from hilbench.cases.blocks.e_transactions import remote_start
from hilbench.cases.model import Measurement, case
from hilbench.cases.power import tolerance_w
from hilbench.cases.profiles import tx_profile
from hilbench.cases.v2x import (
    ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, bench_now_iso, end_session, find_key, flowing, free_power,
    last_v2g, rational_value, rounded, sent_by_ev, v2x_session,
)
from hilbench.runner.context import BenchError, CaseContext

LIMIT_W = 5_000.0
BAND_W = tolerance_w(LIMIT_W, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
BAND_7K = tolerance_w(7_000.0, TOLERANCE_PCT, TOLERANCE_FLOOR_W)


@case("HB_K_01_LIM_CS", "A TxProfile limit caps the charging power below what the EV asks for",
      use_cases=["K01"], requirements=["K01.FR.01", "K01.FR.02"], roles=ROLES,
      measurements=[Measurement("charge_power", unit="W", low=LIMIT_W - BAND_W, high=LIMIT_W + BAND_W,
                                description="mean outlet power under a 5 kW limit, the EV asking for 11 kW")],
      kills=["ignores-charging-limit"], timeout_s=90)
async def charging_limit(ctx: CaseContext) -> None:
    """ChargingOnly with a 5 kW limit: the EV asks for its 11 kW; the DUT must give it the limit,
    no more (and, as the EV wants more, no less)."""
    tid = await v2x_session(ctx, "HB-K01", 304)
    steps = Stepper(ctx, "limit")
    limited = await steps.step(tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": LIMIT_W}]),
                               LIMIT_W)
    await end_session(ctx, tid)
    ctx.measure["charge_power"] = rounded(limited.mean_w)


@case("HB_K_01_STK_CS", "A second TxProfile at the same stack level for the same transaction is refused; the first holds",
      use_cases=["K01"], requirements=["K01.FR.05", "K01.FR.39"], roles=ROLES,
      measurements=[Measurement("second_status", equals="Rejected",
                                description="SetChargingProfile of a new id at the first one's stackLevel and transaction"),
                    Measurement("charge_power", unit="W", low=LIMIT_W - BAND_W, high=LIMIT_W + BAND_W,
                                description="mean outlet power afterwards: the first profile's 5 kW, not the second's 3 kW")],
      kills=["stack-level-conflict-replaces"], timeout_s=90)
async def stack_level_conflict(ctx: CaseContext) -> None:
    """Profile 11 (5 kW) is in force; profile 12 at the same stack level for the same transaction
    (3 kW) must be refused (K01.FR.39: no two TxProfiles of one transaction share a stack level),
    and the power must stay at profile 11's limit as measured. A new profile with the same id
    would replace it (K01.FR.05): that is the way the cases change a profile. ⚠ K01.FR.39 is read as
    the station's duty to refuse (open station implementations refuse it so); its text was not at
    hand."""
    tid = await v2x_session(ctx, "HB-K01-STK", 311)
    steps = Stepper(ctx, "limit")
    await steps.step(tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": LIMIT_W}]), LIMIT_W)
    second = tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": 3_000.0}], profile_id=12)
    res = await ctx.csms.call("SetChargingProfile", second)
    ctx.note(f"profile 12 at stackLevel 0: {res}")
    ctx.measure["second_status"] = res["status"]
    held = await steps.watch(LIMIT_W)
    await end_session(ctx, tid)
    ctx.measure["charge_power"] = rounded(held.mean_w)


@case("HB_K_15_CS", "What the EV asked for over ISO 15118-20 reaches the CSMS unchanged (NotifyEVChargingNeeds)",
      use_cases=["K15", "Q01"], requirements=["K15.FR.01", "K15.FR.02", "K15.FR.20"], roles=ROLES,
      measurements=[Measurement("needs_schema_valid", equals=True,
                                description="no NotifyEVChargingNeeds the bench refused against the 2.1 schema"),
                    Measurement("max_charge_power", unit="W"), Measurement("max_discharge_power", unit="W"),
                    Measurement("max_energy_request", unit="Wh")],
      kills=["charging-needs-altered", "schema-violation-notify-ev-charging-needs"], timeout_s=60)
async def charging_needs(ctx: CaseContext) -> None:
    """What the bench EV put on the wire (its maximum charge and discharge power in
    ChargeParameterDiscoveryReq, its maximum energy request in ScheduleExchangeReq, as recorded)
    against the V2X parameters of the DUT's NotifyEVChargingNeeds: equal to 0.1 % (the -20
    messages carry a value and a power-of-ten exponent)."""
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-K15", 305)
    await ctx.ev.start("auto", "dynamic")
    needs = await ctx.csms.expect("NotifyEVChargingNeeds", 15, required=False)
    refused = [v for v in ctx.csms.link.violations if "NotifyEVChargingNeeds" in v.raw]
    for v in refused:
        ctx.note(f"refused NotifyEVChargingNeeds: {v.code}: {v.message}")
    ctx.measure["needs_schema_valid"] = not refused
    sent = sent_by_ev(ctx)
    for name, value in sent.items():
        ctx.note(f"the bench EV sent {name} = {value}")
        if value is None:
            raise BenchError(f"the bench EV's trace has no {name}: the session did not get that far")
        band = max(0.5, abs(value) * 0.001)  # the -20 value x 10^exponent form may round; nothing more
        ctx.measure.limits(name, low=value - band, high=value + band)
    v2x = (needs or {}).get("chargingNeeds", {}).get("v2xChargingParameters", {})
    ctx.measure["max_charge_power"] = v2x.get("maxChargePower", "absent")
    ctx.measure["max_discharge_power"] = v2x.get("maxDischargePower", "absent")
    ctx.measure["max_energy_request"] = v2x.get("evMaxEnergyRequest", "absent")
    await end_session(ctx, tid)


@case("HB_K_08_CS", "GetCompositeSchedule reports the limit the DUT then applies, as measured",
      use_cases=["K08", "K01"], requirements=["K08.FR.01", "K08.FR.02", "K01.FR.05"], roles=ROLES,
      measurements=[Measurement("composite_limit", unit="W", equals=4_000.0,
                                description="first period: the stack level 1 profile (4 kW) over level 0 (8 kW)"),
                    Measurement("charge_power", unit="W", low=4_000.0 - tolerance_w(4_000.0, TOLERANCE_PCT, TOLERANCE_FLOOR_W),
                                high=4_000.0 + tolerance_w(4_000.0, TOLERANCE_PCT, TOLERANCE_FLOOR_W))],
      kills=["composite-schedule-wrong"], timeout_s=90)
async def composite_schedule(ctx: CaseContext) -> None:
    """Two TxProfiles, 8 kW at stack level 0 and 4 kW at stack level 1: the higher level wins. The
    composite schedule must say 4 kW, and the analyzer must see it."""
    tid = await v2x_session(ctx, "HB-K08", 306)
    steps = Stepper(ctx, "limit")
    low = tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": 8_000.0}], profile_id=21)
    high = tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": 4_000.0}], profile_id=22)
    high["chargingProfile"]["stackLevel"] = 1
    res = await ctx.csms.call("SetChargingProfile", low)
    ctx.check(res["status"] == "Accepted", f"SetChargingProfile (stack level 0) answered {res['status']}")
    limited = await steps.step(high, 4_000.0)
    res = await ctx.csms.call("GetCompositeSchedule", {"duration": 60, "evseId": 1, "chargingRateUnit": "W"})
    ctx.check(res["status"] == "Accepted", f"GetCompositeSchedule answered {res['status']}")
    periods = res.get("schedule", {}).get("chargingSchedulePeriod", [])
    ctx.note(f"composite schedule periods: {periods[:4]}")
    ctx.measure["composite_limit"] = periods[0].get("limit", "absent") if periods else "no period"
    ctx.measure["charge_power"] = rounded(limited.mean_w)
    await end_session(ctx, tid)


#: The TxProfile of HB_K_18_CS, sent with RequestStartTransaction, W.
SCHEDULE_LIMIT_W = 7_000.0


def _received_schedule(ctx: CaseContext) -> list[float]:
    """The charging PowerSchedule entries (W) of the last ScheduleExchangeRes the bench EV received."""
    res = last_v2g(ctx, "rx").get("ScheduleExchangeRes")
    charging = find_key(find_key(res, "ChargingSchedule"), "PowerScheduleEntry") if res else None
    return [v for e in (charging or []) if (v := rational_value(e.get("Power"))) is not None]


@case("HB_K_18_CS", "The CSMS's charging profile reaches the EV as its ISO 15118-20 schedule, and holds, as measured",
      use_cases=["K18", "K05"], requirements=["K18.FR.01", "K18.FR.02", "K05.FR.01", "K05.FR.02"], roles=ROLES,
      measurements=[Measurement("ev_schedule_power", unit="W", low=SCHEDULE_LIMIT_W - 0.5, high=SCHEDULE_LIMIT_W + 0.5,
                                description="the first charging PowerScheduleEntry the bench EV received"),
                    Measurement("charge_power", unit="W", low=SCHEDULE_LIMIT_W - BAND_7K, high=SCHEDULE_LIMIT_W + BAND_7K,
                                description="mean outlet power, the EV following its schedule")],
      kills=["ev-schedule-ignores-profile"], timeout_s=90)
async def profile_to_ev_schedule(ctx: CaseContext) -> None:
    """RequestStartTransaction carries a 7 kW TxProfile (K05); the bench EV then runs a scheduled
    control session: the schedule it gets in ScheduleExchangeRes must be that profile, read off
    the EV's own trace, and the analyzer must see the EV charge at it (the bench EV asks for its
    11 kW wherever its schedule allows). ⚠ The FR numbers are cited from the use-case table."""
    await ctx.io(ctx.ev.plug_in)
    profile = {"id": 181, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
               "chargingSchedule": [{"id": 181, "chargingRateUnit": "W", "chargingSchedulePeriod": [
                   {"startPeriod": 0, "limit": SCHEDULE_LIMIT_W}]}]}
    res = await ctx.csms.call("RequestStartTransaction", {"idToken": {"idToken": "HB-K18", "type": "ISO14443"},
                                                          "remoteStartId": 1801, "evseId": 1, "chargingProfile": profile})
    ctx.check(res["status"] == "Accepted", f"RequestStartTransaction with a TxProfile answered {res['status']}")
    started = await ctx.csms.expect_event("Started", timeout=15)
    tid = str(started["transactionInfo"]["transactionId"])
    await ctx.ev.start("auto", "scheduled")
    await ctx.csms.expect("NotifyEVChargingNeeds", 15)
    await flowing(ctx)
    held = await Stepper(ctx, "limit").watch(SCHEDULE_LIMIT_W)
    entries = _received_schedule(ctx)
    ctx.note(f"the bench EV's schedule: {entries[:4]} W")
    ctx.measure["ev_schedule_power"] = entries[0] if entries else "no ScheduleExchangeRes with a schedule"
    ctx.measure["charge_power"] = rounded(held.mean_w)
    await end_session(ctx, tid)


@case("HB_K_10_CS", "ClearChargingProfile removes the limit, as measured; an unknown profile is Unknown",
      use_cases=["K10"], requirements=["K10.FR.01", "K10.FR.02", "K10.FR.03"], roles=ROLES,
      measurements=[Measurement("limited_power", unit="W", low=LIMIT_W - BAND_W, high=LIMIT_W + BAND_W,
                                description="mean outlet power under the 5 kW TxProfile first"),
                    Measurement("clear_status", equals="Accepted", description="ClearChargingProfile by the profile's id"),
                    Measurement("power_after_clear", unit="W",
                                description="mean outlet power once cleared: what the DUT delivered before the "
                                            "profile, as measured"),
                    Measurement("clear_unknown_status", equals="Unknown",
                                description="ClearChargingProfile of an id the DUT does not have")],
      kills=["clear-profile-keeps-limit"], timeout_s=90)
async def clear_profile(ctx: CaseContext) -> None:
    """The power the DUT delivers with no profile is measured first; a 5 kW TxProfile (id 11) then
    holds it; ClearChargingProfile of id 11 must bring it back, and a second clear of the same id
    must find nothing."""
    tid = await v2x_session(ctx, "HB-K10", 313)
    steps = Stepper(ctx, "limit")
    free = await free_power(ctx, steps.measured)
    limited = await steps.step(tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": LIMIT_W}]),
                               LIMIT_W)
    ctx.measure["limited_power"] = rounded(limited.mean_w)
    res = await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": 11})
    ctx.measure["clear_status"] = res["status"]
    wanted = free
    band = tolerance_w(wanted, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
    ctx.measure.limits("power_after_clear", low=wanted - band, high=wanted + band)
    ctx.measure["power_after_clear"] = rounded((await steps.watch(wanted)).mean_w)
    ctx.measure["clear_unknown_status"] = (await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": 11}))["status"]
    await end_session(ctx, tid)


#: K21's PriorityCharging profile: the EV's full request, where the TxProfile holds it at 4 kW.
PRIORITY_LIMIT_W = 11_000.0


@case("HB_K_21_CS", "UsePriorityCharging switches to the PriorityCharging profile and back, as measured",
      use_cases=["K21", "K01"], requirements=["K21.FR.01", "K21.FR.02", "K21.FR.03", "K21.FR.04"], roles=ROLES,
      measurements=[Measurement("before_priority", unit="W", low=4_000.0 - TOLERANCE_FLOOR_W,
                                high=4_000.0 + TOLERANCE_FLOOR_W,
                                description="mean outlet power under the 4 kW TxProfile, the PriorityCharging profile installed"),
                    Measurement("activate_status", equals="Accepted"),
                    Measurement("notified", equals=True,
                                description="NotifyPriorityCharging with activated true for the transaction"),
                    Measurement("with_priority", unit="W",
                                description="mean outlet power with priority charging on: the PriorityCharging "
                                            "profile's 11 kW, or what the DUT delivered with no profile if lower"),
                    Measurement("after_priority", unit="W", low=4_000.0 - TOLERANCE_FLOOR_W,
                                high=4_000.0 + TOLERANCE_FLOOR_W,
                                description="mean outlet power once deactivated: the TxProfile's 4 kW again")],
      kills=["priority-charging-ignored"], timeout_s=90)
async def priority_charging(ctx: CaseContext) -> None:
    """An 11 kW PriorityCharging profile installed, then a 4 kW TxProfile (⚠ the K21 FR numbers
    are cited from the use-case table, their texts were not at hand): the power holds at 4 kW
    until UsePriorityCharging activates priority charging, rises to the EV's 11 kW while it is
    on, and returns to 4 kW when it is deactivated."""
    tid = await v2x_session(ctx, "HB-K21", 314)
    steps = Stepper(ctx, "limit")
    free = await free_power(ctx, steps.measured)
    priority = tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": PRIORITY_LIMIT_W}], profile_id=31)
    del priority["chargingProfile"]["transactionId"]
    priority["chargingProfile"].update(chargingProfilePurpose="PriorityCharging", chargingProfileKind="Absolute")
    priority["chargingProfile"]["chargingSchedule"][0]["startSchedule"] = bench_now_iso()
    res = await ctx.csms.call("SetChargingProfile", priority)
    ctx.check(res["status"] == "Accepted", f"SetChargingProfile PriorityCharging answered {res['status']}: {res.get('statusInfo')}")
    tx_limit = tx_profile(tid, [{"startPeriod": 0, "operationMode": "ChargingOnly", "limit": 4_000.0}])
    ctx.measure["before_priority"] = rounded((await steps.step(tx_limit, 4_000.0)).mean_w)  # installed, not in use
    try:
        res = await ctx.csms.call("UsePriorityCharging", {"transactionId": tid, "activate": True})
        ctx.measure["activate_status"] = res["status"]
        note = await ctx.csms.expect("NotifyPriorityCharging", 10, lambda p: p["transactionId"] == tid, required=False)
        ctx.measure["notified"] = bool(note and note.get("activated") is True)
        wanted = min(PRIORITY_LIMIT_W, free)
        band = tolerance_w(wanted, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        ctx.measure.limits("with_priority", low=wanted - band, high=wanted + band)
        ctx.measure["with_priority"] = rounded((await steps.watch(wanted)).mean_w)
    finally:
        await ctx.csms.call("UsePriorityCharging", {"transactionId": tid, "activate": False})
    ctx.measure["after_priority"] = rounded((await steps.watch(4_000.0)).mean_w)
    await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": 31})
    await end_session(ctx, tid)


