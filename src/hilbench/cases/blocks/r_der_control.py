"""R — DER control (OCPP 2.1 R04): the CSMS configures DER controls on the DUT with SetDERControl,
reads them back with GetDERControl (→ ReportDERControl) and removes them with ClearDERControl; the
control in force is judged by the power analyzer at the DUT's outlet, never by what the DUT reports.

``LimitMaxDischarge`` caps discharging at ``pctMaxDischargePower`` of the EV's rated maximum
discharge power (the schema's definition), and the bench takes that maximum from what the bench EV
put on the wire (EVMaximumDischargePower in its ChargeParameterDiscoveryReq). Of the controls of
one type, the one with the lowest ``priority`` value is in force (0 is the highest); the ones it
beats are superseded, named in SetDERControl's ``supersededIds`` and flagged in the report.

A DUT that answers ``NotSupported`` to a control type skips the case that needs it (the lab's
PICS says whether it must support it). R04.FR.13-17 and R04.FR.41/42/45/46 are cited as the 2.1
errata (2025-06/09) word them: a default control has no schedule, EnterService and Gradients
exist only as default controls, a request carries the one control field of its controlType, an
unknown control is NotFound. ⚠ The other R04 numbers are cited from the use-case table; their
texts were not at hand. The must-trip curves and the return to service are in
``r_der_trips``, the reactive-power controls (VoltVar, the fixed power factors) in
``r_der_reactive``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hilbench.cases import power
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.v2x import ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, end_session, ev_max_discharge_w, rounded, v2x_session
from hilbench.runner.context import CaseContext

#: The setpoint the CSMS asks for: beyond every cap the cases set, so that the cap decides.
SETPOINT_W = -10_000.0


def schedule() -> dict[str, Any]:
    """startTime and duration of a scheduled (not default) control: from a minute ago (a DUT's clock
    may lag the bench's a little) for an hour."""
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=60)
    return {"startTime": start.isoformat(timespec="seconds").replace("+00:00", "Z"), "duration": 3600}


def limit_max_discharge(cid: str, priority: int, pct: float) -> dict[str, Any]:
    return {"isDefault": False, "controlId": cid, "controlType": "LimitMaxDischarge",
            "limitMaxDischarge": {"priority": priority, "pctMaxDischargePower": pct, **schedule()}}


async def set_control(ctx: CaseContext, request: dict[str, Any]) -> dict[str, Any]:
    res = await ctx.csms.call("SetDERControl", request)
    ctx.note(f"SetDERControl {request['controlId']}: {res}")
    if res["status"] == "NotSupported":
        raise CaseSkipped(f"the DUT does not support DER control {request['controlType']} (NotSupported)")
    return res


async def clear_controls(ctx: CaseContext, kind: str = "LimitMaxDischarge") -> None:
    """Every scheduled control of ``kind`` goes again (a DUT with none left answers NotFound)."""
    await ctx.csms.call("ClearDERControl", {"isDefault": False, "controlType": kind})


async def capped_discharge(ctx: CaseContext, tid: str, pct: float, name: str) -> None:
    """A discharge setpoint beyond the cap; the mean outlet power is measured into ``name``
    against -pct % of the EV's maximum."""
    expected = -ev_max_discharge_w(ctx) * pct / 100.0
    band = power.tolerance_w(expected, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
    ctx.measure.limits(name, low=expected - band, high=expected + band)
    step = await Stepper(ctx, "limit").step(central_setpoint(tid, [(0, SETPOINT_W)], discharge_limit_w=-20_000.0),
                                            expected)
    ctx.measure[name] = rounded(step.mean_w)


@case("HB_R_04_LMD_CS", "LimitMaxDischarge caps discharging at its share of the EV's maximum, as measured",
      use_cases=["R04", "R01"], requirements=["R04.FR.01", "R04.FR.02"], roles=ROLES,
      measurements=[Measurement("set_status", equals="Accepted"),
                    Measurement("discharge_power", unit="W",
                                description="mean outlet power at a -10 kW setpoint under LimitMaxDischarge 40 %"),
                    Measurement("uncapped_after_clear", unit="W", low=SETPOINT_W - 200.0, high=SETPOINT_W + 200.0,
                                description="mean outlet power at the same setpoint once the control is cleared")],
      kills=["ignores-limit-max-discharge"], timeout_s=90)
async def limit_max_discharge_cap(ctx: CaseContext) -> None:
    tid = await v2x_session(ctx, "HB-R04-LMD", 321)
    try:
        ctx.measure["set_status"] = (await set_control(ctx, limit_max_discharge("HB-R04-LMD", 1, 40.0)))["status"]
        await capped_discharge(ctx, tid, 40.0, "discharge_power")
        res = await ctx.csms.call("ClearDERControl", {"isDefault": False, "controlId": "HB-R04-LMD"})
        ctx.check(res["status"] == "Accepted", f"ClearDERControl of the control just set answered {res['status']}")
        step = await Stepper(ctx, "setpoint").step(central_setpoint(tid, [(0, SETPOINT_W)], discharge_limit_w=-20_000.0),
                                                   SETPOINT_W)
        ctx.measure["uncapped_after_clear"] = rounded(step.mean_w)
    finally:
        await clear_controls(ctx)
    await end_session(ctx, tid)


@case("HB_R_04_PRIO_CS", "Of two DER controls the lower priority value is in force; the other is superseded",
      use_cases=["R04"], requirements=["R04.FR.03", "R04.FR.04", "R04.FR.20", "R04.FR.21"], roles=ROLES,
      measurements=[Measurement("superseded_by_b", equals=["HB-R04-A"],
                                description="supersededIds of B (priority 2) set over A (priority 5)"),
                    Measurement("superseded_by_c", equals=[],
                                description="supersededIds of C (priority 8): it beats nothing"),
                    Measurement("report_superseded", equals={"HB-R04-A": True, "HB-R04-B": False, "HB-R04-C": True},
                                description="isSuperseded per control in ReportDERControl"),
                    Measurement("discharge_power", unit="W",
                                description="mean outlet power at a -10 kW setpoint: B's 30 %, not C's 90 % set last")],
      kills=["der-priority-ignored"], timeout_s=90)
async def der_priority(ctx: CaseContext) -> None:
    tid = await v2x_session(ctx, "HB-R04-PRIO", 322)
    try:
        await set_control(ctx, limit_max_discharge("HB-R04-A", 5, 70.0))
        b = await set_control(ctx, limit_max_discharge("HB-R04-B", 2, 30.0))
        c = await set_control(ctx, limit_max_discharge("HB-R04-C", 8, 90.0))
        ctx.measure["superseded_by_b"] = sorted(b.get("supersededIds", []))
        ctx.measure["superseded_by_c"] = sorted(c.get("supersededIds", []))
        res = await ctx.csms.call("GetDERControl", {"requestId": 3224, "isDefault": False, "controlType": "LimitMaxDischarge"})
        ctx.check(res["status"] == "Accepted", f"GetDERControl answered {res['status']}")
        report = await ctx.csms.expect("ReportDERControl", 10, lambda p: p["requestId"] == 3224)
        ctx.measure["report_superseded"] = {e["id"]: e["isSuperseded"] for e in report.get("limitMaxDischarge", [])}
        await capped_discharge(ctx, tid, 30.0, "discharge_power")
    finally:
        await clear_controls(ctx)
    await end_session(ctx, tid)


def misshapen() -> dict[str, dict[str, Any]]:
    """The misshapen SetDERControl requests of HB_R_04_NEG_CS (the 2.1 errata's R04.FR.13, 15 and
    17), made when the case runs: its schedule starts now, so only its shape is wrong."""
    return {
        "default_with_schedule": {"isDefault": True, "controlId": "HB-R04-NEG-DEF", "controlType": "LimitMaxDischarge",
                                  "limitMaxDischarge": {"priority": 1, "pctMaxDischargePower": 50.0, **schedule()}},
        "scheduled_enter_service": {"isDefault": False, "controlId": "HB-R04-NEG-ES", "controlType": "EnterService",
                                    "enterService": {"priority": 1, "lowVoltage": 90.0, "highVoltage": 110.0, "lowFreq": 49.0,
                                                     "highFreq": 51.0}},
        "mismatched_field": {"isDefault": False, "controlId": "HB-R04-NEG-FLD", "controlType": "LimitMaxDischarge",
                             "limitMaxDischarge": {"priority": 1, "pctMaxDischargePower": 50.0, **schedule()},
                             "fixedVar": {"priority": 1, "setpoint": 10.0, "unit": "PctMaxVar"}},
    }


@case("HB_R_04_NEG_CS", "An unknown DER control cannot be cleared; an impossible or misshapen one is not accepted",
      use_cases=["R04"], requirements=["R04.FR.13", "R04.FR.15", "R04.FR.17", "R04.FR.30", "R04.FR.31", "R04.FR.42"],
      roles=["csms"],
      measurements=[Measurement("clear_unknown_status", equals="NotFound",
                                description="ClearDERControl of a controlId the DUT never had"),
                    Measurement("out_of_range_status", equals="Rejected",
                                description="SetDERControl LimitMaxDischarge with pctMaxDischargePower 150 %"),
                    Measurement("default_with_schedule", one_of=("Rejected", "NotSupported"),
                                description="a default LimitMaxDischarge with startTime and duration"),
                    Measurement("scheduled_enter_service", one_of=("Rejected", "NotSupported"),
                                description="EnterService with isDefault false"),
                    Measurement("mismatched_field", one_of=("Rejected", "NotSupported"),
                                description="controlType LimitMaxDischarge carrying its limitMaxDischarge and a fixedVar")],
      kills=["clear-der-unknown-accepted", "der-control-shape-unchecked"], timeout_s=30)
async def der_negative(ctx: CaseContext) -> None:
    """NotSupported counts as a refusal for the misshapen requests (a DUT without the control type
    refuses it either way); whatever the DUT accepted is cleared again."""
    res = await ctx.csms.call("ClearDERControl", {"isDefault": False, "controlId": "HB-R04-NEVER-SET"})
    ctx.measure["clear_unknown_status"] = res["status"]
    res = await set_control(ctx, limit_max_discharge("HB-R04-150", 1, 150.0))
    ctx.measure["out_of_range_status"] = res["status"]
    if res["status"] == "Accepted":
        await clear_controls(ctx)
    for name, request in misshapen().items():
        res = await ctx.csms.call("SetDERControl", request)
        ctx.measure[name] = res["status"]
        if res["status"] == "Accepted":
            await ctx.csms.call("ClearDERControl", {"isDefault": request["isDefault"], "controlId": request["controlId"]})


def nominal_v(ctx: CaseContext) -> float:
    return ctx.campaign.config.grid_nominal_voltage_v
