"""R — DER control (OCPP 2.1 R04): the CSMS configures DER controls on the DUT with SetDERControl,
reads them back with GetDERControl (→ ReportDERControl) and removes them with ClearDERControl; the
control in force is judged by the power analyzer at the DUT's outlet, never by what the DUT reports.

``LimitMaxDischarge`` caps discharging at ``pctMaxDischargePower`` of the EV's rated maximum
discharge power (the schema's definition), and the bench takes that maximum from what the bench EV
put on the wire (EVMaximumDischargePower in its ChargeParameterDiscoveryReq). Of the controls of
one type, the one with the lowest ``priority`` value is in force (0 is the highest); the ones it
beats are superseded, named in SetDERControl's ``supersededIds`` and flagged in the report.

A DUT that answers ``NotSupported`` to a control type skips the case that needs it (the lab's
PICS says whether it must support it). ⚠ The R04 requirement numbers are cited from the use-case
table; their texts were not at hand. Of the curves measured under grid-simulator steps, this
module has the high-voltage must-trip curve; the reactive-power controls (VoltVar, the fixed
power factors) are in ``r_der_reactive``."""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

from hilbench.cases import power
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.v2x import ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, end_session, ev_max_discharge_w, rounded, v2x_session
from hilbench.runner.context import BenchError, CaseContext, Series

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


@case("HB_R_04_NEG_CS", "An unknown DER control cannot be cleared; an impossible one is not accepted",
      use_cases=["R04"], requirements=["R04.FR.30", "R04.FR.31"], roles=["csms"],
      measurements=[Measurement("clear_unknown_status", equals="NotFound",
                                description="ClearDERControl of a controlId the DUT never had"),
                    Measurement("out_of_range_status", equals="Rejected",
                                description="SetDERControl LimitMaxDischarge with pctMaxDischargePower 150 %")],
      kills=["clear-der-unknown-accepted"], timeout_s=30)
async def der_negative(ctx: CaseContext) -> None:
    res = await ctx.csms.call("ClearDERControl", {"isDefault": False, "controlId": "HB-R04-NEVER-SET"})
    ctx.measure["clear_unknown_status"] = res["status"]
    res = await set_control(ctx, limit_max_discharge("HB-R04-150", 1, 150.0))
    ctx.measure["out_of_range_status"] = res["status"]
    if res["status"] == "Accepted":
        await clear_controls(ctx)


#: The HVMustTrip curve of HB_R_04_HVMT_CS: clearing time x (s) at voltage y (% of nominal).
HV_MUST_TRIP = [{"x": 1.0, "y": 110.0}, {"x": 0.16, "y": 120.0}]
#: The grid simulator's steps, % of nominal: inside the curve (no trip allowed), then beyond 110 %.
INSIDE_PCT, BEYOND_PCT = 105.0, 112.0
#: The outlet counts as ceased below this, W.
CEASED_W = 150.0
#: Analyzer samples below the threshold before the step: the trace shows the grid before it.
BEFORE_STEP = 3


def nominal_v(ctx: CaseContext) -> float:
    return ctx.campaign.config.grid_nominal_voltage_v


async def _trip_time(ctx: CaseContext, series: Series, threshold_v: float, step_to_v: float,
                     watch_s: float) -> tuple[float | None, int]:
    """Steps the grid simulator to ``step_to_v`` while sampling the analyzer, and returns the time
    from the first sample with a grid phase at or above ``threshold_v`` to the first after it with
    the grid-side apparent power below :data:`CEASED_W` (None: no trip while watched), and the
    number of samples. Sampling starts before the step, and the grid must be seen below the
    threshold first. The apparent power goes on ``series`` and the grid voltage on a series of its
    own; the time resolution is the analyzer's update interval (noted with the result)."""
    volts = ctx.series("grid voltage, highest phase", "V")
    stepped: int | None = None
    n, end = 0, None
    while end is None or time.monotonic() < end:
        reading = await ctx.io(ctx.power_analyzer.read)
        # ceasing to energize is judged where the curve applies, at the grid connection: the
        # apparent power there (active and reactive), not only the transfer to the EV
        p_grid, q_grid, _ = power.grid_side(reading)
        p, t_ns = math.hypot(p_grid, q_grid), next(iter(reading.values())).mono_ns
        v = power.highest_phase_v(reading)
        series.add(p, t_ns)
        volts.add(v, t_ns)
        n += 1
        if end is None:
            if v >= threshold_v:
                raise BenchError(f"the analyzer sees the grid at {v:.1f} V before the step: at or above the "
                                 f"curve's {threshold_v:.1f} V already")
            if n >= BEFORE_STEP:
                await ctx.io(ctx.grid_simulator.set_voltage, step_to_v)
                end = time.monotonic() + watch_s
        elif stepped is None and v >= threshold_v:
            stepped = t_ns
        elif stepped is not None and abs(p) < CEASED_W:
            return (t_ns - stepped) / 1e9, n
    if stepped is None:
        raise BenchError(f"the grid simulator was set to {step_to_v:.1f} V, but the analyzer never saw a phase at "
                         f"{threshold_v:.1f} V or above within {watch_s:g} s")
    return None, n


@case("HB_R_04_HVMT_CS", "HVMustTrip: the DUT ceases to energize within the curve's clearing time, as measured",
      use_cases=["R04", "R05"], requirements=["R04.FR.40", "R04.FR.41", "R05.FR.01"], roles=[*ROLES, "grid_simulator"],
      measurements=[Measurement("set_status", equals="Accepted"),
                    Measurement("power_inside_curve", unit="W",
                                description=f"mean outlet power at {INSIDE_PCT:g} % of nominal voltage: no trip"),
                    Measurement("trip_time", unit="s", low=0.0, high=HV_MUST_TRIP[0]["x"],
                                description=f"from the grid at {HV_MUST_TRIP[0]['y']:g} % of nominal (analyzer) to the "
                                            f"grid-side apparent power below {CEASED_W:g} VA, stepped to "
                                            f"{BEYOND_PCT:g} %: the curve allows {HV_MUST_TRIP[0]['x']:g} s"),
                    Measurement("alarm", equals="HVMustTrip",
                                description="NotifyDERAlarm's controlType after the trip"),
                    Measurement("alarm_grid_event", one_of=("OverVoltage", "not given"),
                                description="NotifyDERAlarm's gridEventFault, when given (optional in the schema)")],
      kills=["trips-late-hv-must-trip", "no-der-alarm-on-trip"], timeout_s=90)
async def hv_must_trip(ctx: CaseContext) -> None:
    """A discharge at -6 kW under an HVMustTrip curve (1 s beyond 110 %, 0.16 s beyond 120 %);
    the grid simulator steps to 105 % (inside the curve: the power must hold), then to 112 %: the
    DUT must be down within 1 s, timed on the analyzer's samples of both the grid voltage (from
    the first sample at 110 % or more) and the apparent power at the grid connection, and report
    the trip in NotifyDERAlarm. The grid is back at nominal
    afterwards. Percentages are of the rig's ``grid_nominal_voltage_v``."""
    nominal = nominal_v(ctx)
    tid = await v2x_session(ctx, "HB-R04-HVMT", 323)
    try:
        res = await set_control(ctx, {"isDefault": False, "controlId": "HB-R04-HVMT", "controlType": "HVMustTrip",
                                      "curve": {"priority": 1, "yUnit": "PctEffectiveV", "curveData": HV_MUST_TRIP,
                                                **schedule()}})
        ctx.measure["set_status"] = res["status"]
        ctx.check(res["status"] == "Accepted", f"SetDERControl HVMustTrip answered {res['status']}")
        steps = Stepper(ctx, "setpoint")
        await steps.step(central_setpoint(tid, [(0, -6_000.0)]), -6_000.0)
        band = power.tolerance_w(-6_000.0, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        ctx.measure.limits("power_inside_curve", low=-6_000.0 - band, high=-6_000.0 + band)
        await ctx.io(ctx.grid_simulator.set_voltage, nominal * INSIDE_PCT / 100.0)
        ctx.measure["power_inside_curve"] = rounded((await steps.watch(-6_000.0)).mean_w)
        watch = 3 * HV_MUST_TRIP[0]["x"] + 2.0
        t_start = time.monotonic()
        tripped, samples = await _trip_time(ctx, ctx.series("grid-side apparent power", "VA"),
                                            nominal * HV_MUST_TRIP[0]["y"] / 100.0, nominal * BEYOND_PCT / 100.0, watch)
        ctx.note(f"trip after {tripped} s ({samples} analyzer samples, one per "
                 f"{(time.monotonic() - t_start) / max(1, samples) * 1000:.0f} ms)")
        ctx.measure["trip_time"] = round(tripped, 3) if tripped is not None else f"no trip within {watch:g} s"
        alarm = await ctx.csms.expect("NotifyDERAlarm", 5, lambda p: p["controlType"] == "HVMustTrip", required=False)
        ctx.measure["alarm"] = alarm["controlType"] if alarm else "none within 5 s"
        ctx.measure["alarm_grid_event"] = alarm.get("gridEventFault", "not given") if alarm else "no alarm"
    finally:
        await ctx.io(ctx.grid_simulator.set_voltage, nominal)
        await clear_controls(ctx, "HVMustTrip")
    await end_session(ctx, tid)
