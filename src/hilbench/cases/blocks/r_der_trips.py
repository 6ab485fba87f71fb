"""R — the must-trip and momentary-cessation curves and the return to service (OCPP 2.1 R04, R05),
measured: the grid simulator steps the voltage beyond an ``HVMustTrip``, ``LVMustTrip`` or
``HVMomCess`` curve and the power analyzer times how long the DUT keeps energizing the grid. After
a trip, with an ``EnterService`` control in force, the DUT must, once the grid is back inside the
control's window, stay off for its ``delay`` and then ramp back over its ``rampRate`` (⚠ our
reading of the schema's "enter service ramp rate in seconds": the time of the ramp from zero to
the full setpoint); after a momentary cessation it must be back at once, EnterService or not.
All is timed on the analyzer's samples at the grid connection, never on what the DUT reports
(NotifyDERAlarm is checked as a message of its own).

Voltages are % of the rig's ``grid_nominal_voltage_v``, frequencies Hz about its
``grid_nominal_frequency_hz``. ⚠ The R04 requirement numbers are cited from the use-case table;
their texts were not at hand."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from hilbench.cases import power
from hilbench.cases.blocks.r_der_control import clear_controls, nominal_v, schedule, set_control
from hilbench.cases.model import Measurement, case
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.v2x import (
    ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, declared_settling_s, end_session, rounded, v2x_session,
)
from hilbench.runner.context import BenchError, CaseContext, Series

#: The HVMustTrip curve of HB_R_04_HVMT_CS: clearing time x (s) at voltage y (% of nominal).
HV_MUST_TRIP = [{"x": 1.0, "y": 110.0}, {"x": 0.16, "y": 120.0}]
#: The grid simulator's steps, % of nominal: inside the curve (no trip allowed), then beyond 110 %.
INSIDE_PCT, BEYOND_PCT = 105.0, 112.0
#: The outlet counts as ceased below this, W.
CEASED_W = 150.0
#: Analyzer samples below the threshold before the step: the trace shows the grid before it.
BEFORE_STEP = 3


@dataclass(frozen=True)
class TripCurve:
    """A must-trip curve a case sets and the grid simulator's steps around it."""
    kind: str                    #: HVMustTrip or LVMustTrip
    points: list[dict[str, float]]  #: clearing time x (s) at voltage y (% of nominal)
    inside_pct: float            #: a step the curve allows (no trip)
    beyond_pct: float            #: a step beyond the curve's first point
    grid_event: str              #: NotifyDERAlarm's gridEventFault for it

    @property
    def below(self) -> bool:
        return self.kind.startswith("LV")

    @property
    def clearing_s(self) -> float:
        return self.points[0]["x"]

    @property
    def threshold_pct(self) -> float:
        return self.points[0]["y"]

    def control(self, cid: str) -> dict[str, object]:
        return {"isDefault": False, "controlId": cid, "controlType": self.kind,
                "curve": {"priority": 1, "yUnit": "PctEffectiveV", "curveData": self.points, **schedule()}}


HV = TripCurve("HVMustTrip", HV_MUST_TRIP, INSIDE_PCT, BEYOND_PCT, "OverVoltage")
#: The LVMustTrip curve of HB_R_04_LVMT_CS: 1 s below 88 %, 0.16 s below 50 %; steps to 92 %
#: (allowed) and 85 % (beyond), inside the rig's grid window.
LV = TripCurve("LVMustTrip", [{"x": 1.0, "y": 88.0}, {"x": 0.16, "y": 50.0}], 92.0, 85.0, "UnderVoltage")


async def _trip_time(ctx: CaseContext, series: Series, curve: TripCurve, watch_s: float) -> tuple[float | None, int]:
    """Steps the grid simulator beyond ``curve`` while sampling the analyzer, and returns the time
    from the first sample with a grid phase beyond the curve's first point (at or above it for a
    high-voltage curve, at or below for a low one) to the first after it with the grid-side
    apparent power below :data:`CEASED_W` (None: no trip while watched), and the number of
    samples. Sampling starts before the step, and the grid must be seen inside the curve first.
    The apparent power goes on ``series`` and the grid voltage on a series of its own; the time
    resolution is the analyzer's update interval (noted with the result)."""
    nominal = nominal_v(ctx)
    threshold_v, step_to_v = nominal * curve.threshold_pct / 100.0, nominal * curve.beyond_pct / 100.0
    phase = power.lowest_phase_v if curve.below else power.highest_phase_v
    volts = ctx.series(f"grid voltage, {'lowest' if curve.below else 'highest'} phase", "V")
    stepped: int | None = None
    n, end = 0, None
    while end is None or time.monotonic() < end:
        reading = await ctx.io(ctx.power_analyzer.read)
        # ceasing to energize is judged where the curve applies, at the grid connection: the
        # apparent power there (active and reactive), not only the transfer to the EV
        p_grid, q_grid, _ = power.grid_side(reading)
        p, t_ns = math.hypot(p_grid, q_grid), next(iter(reading.values())).mono_ns
        v = phase(reading)
        beyond = v <= threshold_v if curve.below else v >= threshold_v
        series.add(p, t_ns)
        volts.add(v, t_ns)
        n += 1
        if end is None:
            if beyond:
                raise BenchError(f"the analyzer sees the grid at {v:.1f} V before the step: beyond the "
                                 f"curve's {threshold_v:.1f} V already")
            if n >= BEFORE_STEP:
                await ctx.io(ctx.grid_simulator.set_voltage, step_to_v)
                end = time.monotonic() + watch_s
        elif stepped is None and beyond:
            stepped = t_ns
        elif stepped is not None and abs(p) < CEASED_W:
            return (t_ns - stepped) / 1e9, n
    if stepped is None:
        raise BenchError(f"the grid simulator was set to {step_to_v:.1f} V, but the analyzer never saw a phase "
                         f"beyond {threshold_v:.1f} V within {watch_s:g} s")
    return None, n


def _trip_measurements(curve: TripCurve) -> list[Measurement]:
    return [Measurement("set_status", equals="Accepted"),
            Measurement("power_inside_curve", unit="W",
                        description=f"mean outlet power at {curve.inside_pct:g} % of nominal voltage: no trip"),
            Measurement("trip_time", unit="s", low=0.0, high=curve.clearing_s,
                        description=f"from the grid at {curve.threshold_pct:g} % of nominal (analyzer) to the "
                                    f"grid-side apparent power below {CEASED_W:g} VA, stepped to "
                                    f"{curve.beyond_pct:g} %: the curve allows {curve.clearing_s:g} s"),
            Measurement("alarm", equals=curve.kind, description="NotifyDERAlarm's controlType after the trip"),
            Measurement("alarm_grid_event", one_of=(curve.grid_event, "not given"),
                        description="NotifyDERAlarm's gridEventFault, when given (optional in the schema)")]


async def _must_trip(ctx: CaseContext, curve: TripCurve, token: str, remote_id: int) -> None:
    """A discharge at -6 kW under ``curve``; the grid simulator steps inside it (the power must
    hold), then beyond it: the DUT must be down within the clearing time, timed on the analyzer's
    samples of both the grid voltage and the apparent power at the grid connection, and report
    the trip in NotifyDERAlarm. The grid is back at nominal afterwards."""
    nominal = nominal_v(ctx)
    tid = await v2x_session(ctx, token, remote_id)
    try:
        res = await set_control(ctx, curve.control(token))
        ctx.measure["set_status"] = res["status"]
        ctx.check(res["status"] == "Accepted", f"SetDERControl {curve.kind} answered {res['status']}")
        steps = Stepper(ctx, "setpoint")
        await steps.step(central_setpoint(tid, [(0, -6_000.0)]), -6_000.0)
        band = power.tolerance_w(-6_000.0, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        ctx.measure.limits("power_inside_curve", low=-6_000.0 - band, high=-6_000.0 + band)
        await ctx.io(ctx.grid_simulator.set_voltage, nominal * curve.inside_pct / 100.0)
        ctx.measure["power_inside_curve"] = rounded((await steps.watch(-6_000.0)).mean_w)
        watch = 3 * curve.clearing_s + 2.0
        t_start = time.monotonic()
        tripped, samples = await _trip_time(ctx, ctx.series("grid-side apparent power", "VA"), curve, watch)
        ctx.note(f"trip after {tripped} s ({samples} analyzer samples, one per "
                 f"{(time.monotonic() - t_start) / max(1, samples) * 1000:.0f} ms)")
        ctx.measure["trip_time"] = round(tripped, 3) if tripped is not None else f"no trip within {watch:g} s"
        alarm = await ctx.csms.expect("NotifyDERAlarm", 5, lambda p: p["controlType"] == curve.kind, required=False)
        ctx.measure["alarm"] = alarm["controlType"] if alarm else "none within 5 s"
        ctx.measure["alarm_grid_event"] = alarm.get("gridEventFault", "not given") if alarm else "no alarm"
    finally:
        await ctx.io(ctx.grid_simulator.set_voltage, nominal)
        await clear_controls(ctx, curve.kind)
    await end_session(ctx, tid)


@case("HB_R_04_HVMT_CS", "HVMustTrip: the DUT ceases to energize within the curve's clearing time, as measured",
      use_cases=["R04", "R05"], requirements=["R04.FR.40", "R04.FR.41", "R05.FR.01"], roles=[*ROLES, "grid_simulator"],
      measurements=_trip_measurements(HV), kills=["trips-late-hv-must-trip", "no-der-alarm-on-trip"], timeout_s=90)
async def hv_must_trip(ctx: CaseContext) -> None:
    """HVMustTrip 1 s beyond 110 %, 0.16 s beyond 120 %; steps to 105 % (inside), then 112 %."""
    await _must_trip(ctx, HV, "HB-R04-HVMT", 323)


@case("HB_R_04_LVMT_CS", "LVMustTrip: the DUT ceases to energize within the curve's clearing time, as measured",
      use_cases=["R04", "R05"], requirements=["R04.FR.01", "R04.FR.02", "R05.FR.01"], roles=[*ROLES, "grid_simulator"],
      measurements=_trip_measurements(LV), kills=["trips-late-lv-must-trip", "no-der-alarm-on-trip"], timeout_s=90)
async def lv_must_trip(ctx: CaseContext) -> None:
    """LVMustTrip 1 s below 88 %, 0.16 s below 50 %; steps to 92 % (inside), then 85 %."""
    await _must_trip(ctx, LV, "HB-R04-LVMT", 325)


#: HB_R_04_ES_CS's EnterService control: the window (% of nominal voltage; Hz either side of the
#: nominal frequency), the delay inside it and the ramp back, s.
ES_WINDOW_PCT, ES_WINDOW_HZ, ES_DELAY_S, ES_RAMP_S = (90.0, 106.0), 0.1, 3.0, 2.0
ES_ID = "HB-R04-ES"
#: The output counts as back once the grid-side apparent power is above this share of the
#: setpoint, and the ramp as done at :data:`RAMPED_SHARE` of it.
BACK_SHARE, RAMPED_SHARE = 0.05, 0.9


@dataclass
class ReturnToService:
    delay_s: float | None  #: from the grid back inside the window to the output back
    ramp_s: float | None   #: from the output back to RAMPED_SHARE of the setpoint
    samples: int


async def _return_to_service(ctx: CaseContext, series: Series, *, window_v: tuple[float, float], full_va: float,
                             watch_s: float, early_is_bench_error: bool = True) -> ReturnToService:
    """Steps the grid simulator back to nominal while sampling the analyzer: when the highest and
    lowest phases are first inside ``window_v``, when the grid-side apparent power is back above
    BACK_SHARE of ``full_va``, and when it reaches RAMPED_SHARE of it. Output back before a sample
    shows the grid inside is the bench's doubt whether it tripped at all (``early_is_bench_error``),
    or, for a ride-through, a return as fast as the analyzer can see (the two in one sample)."""
    volts = ctx.series("grid voltage after the trip, highest phase", "V")
    await ctx.io(ctx.grid_simulator.set_voltage, nominal_v(ctx))
    inside: int | None = None
    back: int | None = None
    n, end = 0, time.monotonic() + watch_s
    while time.monotonic() < end:
        reading = await ctx.io(ctx.power_analyzer.read)
        p_grid, q_grid, _ = power.grid_side(reading)
        s, t_ns = math.hypot(p_grid, q_grid), next(iter(reading.values())).mono_ns
        high, low = power.highest_phase_v(reading), power.lowest_phase_v(reading)
        series.add(s, t_ns)
        volts.add(high, t_ns)
        n += 1
        if inside is None:
            if window_v[0] <= low and high <= window_v[1]:
                inside = t_ns
            elif s > BACK_SHARE * full_va:
                if early_is_bench_error:
                    raise BenchError(f"the DUT energizes at {s:.0f} VA before the grid is back inside the window "
                                     f"({low:.1f}-{high:.1f} V): did it trip at all?")
                inside = t_ns
            else:
                continue
        if back is None and s > BACK_SHARE * full_va:
            back = t_ns
        if back is not None and s >= RAMPED_SHARE * full_va:
            return ReturnToService((back - inside) / 1e9, (t_ns - back) / 1e9, n)
    if inside is None:
        raise BenchError(f"the grid simulator was set back to nominal, but the analyzer never saw every phase within "
                         f"{window_v[0]:.1f}-{window_v[1]:.1f} V in {watch_s:g} s")
    return ReturnToService(None if back is None else (back - inside) / 1e9, None, n)


async def _default_controls(ctx: CaseContext, kind: str, request_id: int) -> list[dict[str, Any]]:
    """The DUT's own default controls of ``kind`` (GetDERControl → ReportDERControl): its
    commissioned settings, which a case that sets its own puts back afterwards."""
    res = await ctx.csms.call("GetDERControl", {"requestId": request_id, "isDefault": True, "controlType": kind})
    if res["status"] != "Accepted":
        return []
    report = await ctx.csms.expect("ReportDERControl", 10, lambda p: p["requestId"] == request_id, required=False)
    return [e for entries in (report or {}).values() if isinstance(entries, list) for e in entries]


@contextlib.asynccontextmanager
async def enter_service_in_force(ctx: CaseContext, *, required: bool) -> AsyncIterator[dict[str, Any]]:
    """The EnterService of these cases as the DUT's default control (EnterService exists only as
    one: R04.FR.14/15), the DUT's own set aside and put back afterwards; yields SetDERControl's
    answer. ``required``: a DUT that answers NotSupported skips the case (else the case goes on
    without it)."""
    hz = ctx.campaign.config.grid_nominal_frequency_hz
    window = {"priority": 1, "lowVoltage": ES_WINDOW_PCT[0], "highVoltage": ES_WINDOW_PCT[1],
              "lowFreq": hz - ES_WINDOW_HZ, "highFreq": hz + ES_WINDOW_HZ, "delay": ES_DELAY_S, "rampRate": ES_RAMP_S}
    request = {"isDefault": True, "controlId": ES_ID, "controlType": "EnterService", "enterService": window}
    own = await _default_controls(ctx, "EnterService", 3240)
    try:
        for e in own:
            await ctx.csms.call("ClearDERControl", {"isDefault": True, "controlId": e["id"]})
        yield await (set_control(ctx, request) if required else ctx.csms.call("SetDERControl", request))
    finally:
        await ctx.csms.call("ClearDERControl", {"isDefault": True, "controlId": ES_ID})
        for e in own:
            await ctx.csms.call("SetDERControl", {"isDefault": True, "controlId": e["id"], "controlType": "EnterService",
                                                  "enterService": e["enterService"]})


async def _discharging(ctx: CaseContext, tid: str) -> float:
    """A -6 kW CentralSetpoint judged like any setpoint; the mean the DUT reached (W), which a
    return to service is measured against. A DUT that did not discharge has nothing to be taken
    out of service: a fail."""
    before = await Stepper(ctx, "setpoint").step(central_setpoint(tid, [(0, -6_000.0)]), -6_000.0)
    if before.mean_w is None or before.mean_w >= -3_000.0:
        ctx.fail(f"the DUT did not discharge before the grid step (mean {before.mean_w} W): nothing to take out of service")
    assert before.mean_w is not None
    return before.mean_w


def _within_a_sample(ctx: CaseContext, name: str, limit_s: float, samples: int, watched_s: float) -> None:
    """``name``'s upper limit: ``limit_s`` plus one analyzer update interval, the resolution the
    time was measured with."""
    interval = watched_s / max(1, samples)
    ctx.measure.limits(name, low=0.0, high=round(limit_s + interval, 3))
    ctx.note(f"{name}: the analyzer updated every {interval * 1000:.0f} ms, allowed on top of {limit_s:g} s")


@case("HB_R_04_ES_CS", "EnterService: after a must-trip the DUT stays off for the delay with the grid back in the window, then ramps, as measured",
      use_cases=["R04", "R05"], requirements=["R04.FR.01", "R04.FR.02", "R04.FR.14", "R05.FR.01"], roles=[*ROLES, "grid_simulator"],
      measurements=[Measurement("set_status", equals="Accepted", description="SetDERControl EnterService, a default control"),
                    Measurement("trip_time", unit="s", low=0.0, high=HV_MUST_TRIP[0]["x"],
                                description="the HVMustTrip that takes the DUT out of service"),
                    Measurement("return_delay", unit="s", low=ES_DELAY_S - 0.2, high=ES_DELAY_S + 1.0,
                                description=f"from the grid back inside the window (analyzer) to the output above "
                                            f"{BACK_SHARE:.0%} of the setpoint; the control's delay is {ES_DELAY_S:g} s "
                                            f"(-0.2 s: the analyzer's update interval)"),
                    Measurement("ramp_time", unit="s", low=0.5 * ES_RAMP_S, high=ES_RAMP_S + 1.0,
                                description=f"from the output back to {RAMPED_SHARE:.0%} of the setpoint; the control's "
                                            f"ramp is {ES_RAMP_S:g} s ({RAMPED_SHARE - BACK_SHARE:.0%} of it on a "
                                            f"straight ramp)")],
      kills=["enter-service-ignored"], timeout_s=90)
async def enter_service(ctx: CaseContext) -> None:
    """A discharge at -6 kW under the HVMustTrip curve of HB_R_04_HVMT_CS and an EnterService
    control (90-106 % of nominal, nominal ±0.1 Hz, 3 s delay, 2 s ramp); the grid simulator steps
    to 112 %: the DUT trips. Stepped back to nominal, the DUT must stay off for the delay and then
    come back over the ramp — a charger that jumps back to full power at once hits a grid that
    has just recovered with every charger on it at the same instant."""
    nominal = nominal_v(ctx)
    tid = await v2x_session(ctx, "HB-R04-ES", 324)
    try:
        async with enter_service_in_force(ctx, required=True) as res:
            ctx.measure["set_status"] = res["status"]
            ctx.check(res["status"] == "Accepted", f"SetDERControl EnterService answered {res['status']}")
            trip = await set_control(ctx, HV.control("HB-R04-ES-HVMT"))
            ctx.check(trip["status"] == "Accepted", f"SetDERControl HVMustTrip answered {trip['status']}")
            before_w = await _discharging(ctx, tid)
            series = ctx.series("grid-side apparent power", "VA")
            tripped, _n = await _trip_time(ctx, series, HV, 3 * HV.clearing_s + 2.0)
            ctx.measure["trip_time"] = round(tripped, 3) if tripped is not None else "no trip"
            if tripped is None:
                return
            back = await _return_to_service(ctx, series, window_v=(nominal * ES_WINDOW_PCT[0] / 100.0,
                                                                    nominal * ES_WINDOW_PCT[1] / 100.0),
                                            full_va=abs(before_w), watch_s=ES_DELAY_S + ES_RAMP_S + 6.0)
            ctx.note(f"back in service: delay {back.delay_s} s, ramp {back.ramp_s} s ({back.samples} analyzer samples)")
            ctx.measure["return_delay"] = rounded(back.delay_s, 3) if back.delay_s is not None else "never back"
            ctx.measure["ramp_time"] = rounded(back.ramp_s, 3) if back.ramp_s is not None else "never at full power"
    finally:
        await ctx.io(ctx.grid_simulator.set_voltage, nominal)
        await clear_controls(ctx, "HVMustTrip")
    await end_session(ctx, tid)


#: The momentary-cessation curve of HB_R_04_MC_CS: cease within 0.5 s beyond 110 %.
MC = TripCurve("HVMomCess", [{"x": 0.5, "y": 110.0}], INSIDE_PCT, BEYOND_PCT, "OverVoltage")


@case("HB_R_04_MC_CS", "HVMomCess: the DUT ceases within the curve's time and is back as soon as the voltage is, not after EnterService's delay, as measured",
      use_cases=["R04", "R05"], requirements=["R04.FR.01", "R04.FR.02", "R05.FR.01"], roles=[*ROLES, "grid_simulator"],
      measurements=[Measurement("cessation_time", unit="s", low=0.0,
                                description=f"from the grid at {MC.threshold_pct:g} % (analyzer) to the grid-side apparent "
                                            f"power below {CEASED_W:g} VA, stepped to {MC.beyond_pct:g} %: within "
                                            f"{MC.clearing_s:g} s and one analyzer update"),
                    Measurement("return_time", unit="s", low=0.0,
                                description=f"from the grid back below {MC.threshold_pct:g} % to the output at "
                                            f"{RAMPED_SHARE:.0%} of the setpoint: within the declared settling time and "
                                            f"one analyzer update, though an EnterService control ({ES_DELAY_S:g} s "
                                            f"delay) is in force where the DUT has one"),
                    Measurement("alarm", equals="HVMomCess", description="NotifyDERAlarm's controlType")],
      kills=["momentary-cessation-ignored", "momentary-cessation-as-trip"], timeout_s=90)
async def momentary_cessation(ctx: CaseContext) -> None:
    """A discharge at -6 kW under an HVMomCess curve (0.5 s beyond 110 %) with the EnterService
    control of HB_R_04_ES_CS in force (where the DUT takes one); the grid simulator steps to 112 %,
    then back to nominal. Momentary cessation rides through: the DUT stops energizing, and comes
    back like a setpoint change the moment the voltage is inside the curve again — an
    EnterService delay is for a trip."""
    nominal = nominal_v(ctx)
    tid = await v2x_session(ctx, "HB-R04-MC", 327)
    try:
        async with enter_service_in_force(ctx, required=False) as es:
            ctx.note(f"EnterService for the ride-through: {es['status']}")
            res = await set_control(ctx, MC.control("HB-R04-MC"))
            ctx.check(res["status"] == "Accepted", f"SetDERControl HVMomCess answered {res['status']}")
            before_w = await _discharging(ctx, tid)
            series = ctx.series("grid-side apparent power", "VA")
            t0 = time.monotonic()
            ceased, samples = await _trip_time(ctx, series, MC, 3 * MC.clearing_s + 2.0)
            _within_a_sample(ctx, "cessation_time", MC.clearing_s, samples, time.monotonic() - t0)
            ctx.measure["cessation_time"] = round(ceased, 3) if ceased is not None else "did not cease"
            alarm = await ctx.csms.expect("NotifyDERAlarm", 5, lambda p: p["controlType"] == MC.kind, required=False)
            ctx.measure["alarm"] = alarm["controlType"] if alarm else "none within 5 s"
            if ceased is None:
                return
            t0 = time.monotonic()
            back = await _return_to_service(ctx, series, window_v=(nominal * 0.5, nominal * MC.threshold_pct / 100.0),
                                            full_va=abs(before_w), watch_s=ES_DELAY_S + ES_RAMP_S + 4.0,
                                            early_is_bench_error=False)
            _within_a_sample(ctx, "return_time", declared_settling_s(ctx), back.samples, time.monotonic() - t0)
            total = None if back.delay_s is None or back.ramp_s is None else back.delay_s + back.ramp_s
            ctx.note(f"back after {back.delay_s} s, at full power {back.ramp_s} s later")
            ctx.measure["return_time"] = round(total, 3) if total is not None else "never back at full power"
    finally:
        await ctx.io(ctx.grid_simulator.set_voltage, nominal)
        await clear_controls(ctx, MC.kind)
    await end_session(ctx, tid)
