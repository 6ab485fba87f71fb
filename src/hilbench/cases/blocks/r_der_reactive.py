"""R — DER reactive-power controls (OCPP 2.1 R04), judged on the grid side by the power analyzer's
AC elements (active and reactive power, the phase voltages), never by what the DUT reports:

- ``FixedPFInject`` / ``FixedPFAbsorb``: the displacement power factor |P| / √(P² + Q²) while the
  DUT discharges / charges, and the direction of its reactive power (over-excited: injected;
  under-excited: absorbed);
- ``VoltVar``: the grid simulator steps the voltage; the reactive power must follow the curve at
  the voltage the analyzer measures, in per cent of the rated reactive power the lab declares
  (rig ``[dut] rated_reactive_power_var``; without it the case is skipped).

Direction is read physically: a DER injecting reactive power (over-excited) looks to the analyzer
like a capacitive load, its current leading, Q < 0 in the analyzer's load convention. ⚠ For a
VoltVar y in PctMaxVar the schema does not state the sign; the bench reads positive as injected,
the direction a volt-var curve takes to hold the voltage up (inject below nominal, absorb above).
⚠ The R04 requirement numbers are cited from the use-case table; their texts were not at hand.

Tolerances: a power factor within ±0.02; reactive power within 3 % of the rated reactive power
(or 2 % of the expected value, whichever is more), averaged over the steady window after the
response time."""

from __future__ import annotations

import time

from hilbench.cases import power
from hilbench.cases.blocks.r_der_control import clear_controls, nominal_v, schedule, set_control
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.v2x import ROLES, STEADY_S, Stepper, curve_value, end_session, v2x_session
from hilbench.runner.context import BenchError, CaseContext, Series

PF_TOLERANCE = 0.02
VAR_TOLERANCE_PCT_RATED = 3.0
#: The VoltVar curve's open-loop responseTime (90 % of a change), s: the short end of the range
#: volt-var settings take (⚠ IEEE 1547's 1-90 s, from memory). The power is judged from 1.5 times
#: that on (the grid simulator's slew and the messages' time included).
RESPONSE_S = 1.0
JUDGE_AFTER = 1.5
#: Below this the active power is too small for a power factor to mean anything, W.
MIN_ACTIVE_W = 1_000.0


async def grid_mean(ctx: CaseContext, seconds: float, q_series: Series,
                    v_series: Series | None = None) -> tuple[float, float, float, int]:
    """The grid side's mean (W, var, V) over ``seconds`` of analyzer readings (at least 5), and
    how many; the reactive power goes on ``q_series``, the voltage on ``v_series``."""
    p_sum = q_sum = v_sum = 0.0
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end or n < 5:
        reading = await ctx.io(ctx.power_analyzer.read)
        p, q, v = power.grid_side(reading)
        t_ns = next(iter(reading.values())).mono_ns
        q_series.add(q, t_ns)
        if v_series is not None:
            v_series.add(v, t_ns)
        p_sum, q_sum, v_sum, n = p_sum + p, q_sum + q, v_sum + v, n + 1
    return p_sum / n, q_sum / n, v_sum / n, n


def fixed_pf(cid: str, kind: str, displacement: float, *, absorbing: bool) -> dict[str, object]:
    field = "fixedPFInject" if kind == "FixedPFInject" else "fixedPFAbsorb"
    return {"isDefault": False, "controlId": cid, "controlType": kind,
            field: {"priority": 1, "displacement": displacement, "excitation": absorbing, **schedule()}}


async def held_pf(ctx: CaseContext, steps: Stepper, tid: str, setpoint_w: float,
                  q_series: Series) -> tuple[float, str]:
    """(power factor, direction of the reactive power) on the grid side at ``setpoint_w``."""
    await steps.step(central_setpoint(tid, [(0, setpoint_w)], discharge_limit_w=-20_000.0), setpoint_w)
    p, q, _, n = await grid_mean(ctx, STEADY_S, q_series)
    ctx.note(f"grid side at {setpoint_w:+.0f} W: {p:.0f} W, {q:.0f} var over {n} readings")
    if abs(p) < MIN_ACTIVE_W:  # the DUT's finding: it does not carry the power the setpoint asks for
        ctx.fail(f"at a {setpoint_w:+.0f} W setpoint the grid side carries {p:.0f} W: no power factor to judge")
    direction = "absorbing" if q > 0 else "injecting" if q < 0 else "none"
    return round(abs(p) / (p * p + q * q) ** 0.5, 4), direction


@case("HB_R_04_FPF_CS", "FixedPFInject and FixedPFAbsorb: the power factor and its direction at the grid, as measured",
      use_cases=["R04"], requirements=["R04.FR.01", "R04.FR.02"], roles=ROLES,
      measurements=[Measurement("inject_pf", low=0.90 - PF_TOLERANCE, high=0.90 + PF_TOLERANCE,
                                description="|P|/S on the grid side, discharging at -8 kW under FixedPFInject 0.90"),
                    Measurement("inject_direction", equals="injecting",
                                description="FixedPFInject over-excited (excitation false): reactive power injected"),
                    Measurement("absorb_pf", low=0.95 - PF_TOLERANCE, high=0.95 + PF_TOLERANCE,
                                description="|P|/S on the grid side, charging at +8 kW under FixedPFAbsorb 0.95"),
                    Measurement("absorb_direction", equals="absorbing",
                                description="FixedPFAbsorb under-excited (excitation true): reactive power absorbed")],
      kills=["fixed-pf-ignored"], timeout_s=90)
async def fixed_power_factor(ctx: CaseContext) -> None:
    """Discharging at -8 kW under FixedPFInject 0.90 over-excited, then charging at +8 kW under
    FixedPFAbsorb 0.95 under-excited: the displacement power factor and the sign of the reactive
    power from the analyzer's AC elements, averaged over the steady window."""
    tid = await v2x_session(ctx, "HB-R04-FPF", 324)
    q_series = ctx.series("reactive power at the grid", "var")
    steps = Stepper(ctx, "setpoint")
    try:
        for request in (fixed_pf("HB-R04-FPFI", "FixedPFInject", 0.90, absorbing=False),
                        fixed_pf("HB-R04-FPFA", "FixedPFAbsorb", 0.95, absorbing=True)):
            res = await set_control(ctx, request)
            ctx.check(res["status"] == "Accepted", f"SetDERControl {request['controlType']} answered {res['status']}")
        ctx.measure["inject_pf"], ctx.measure["inject_direction"] = await held_pf(ctx, steps, tid, -8_000.0, q_series)
        ctx.measure["absorb_pf"], ctx.measure["absorb_direction"] = await held_pf(ctx, steps, tid, 8_000.0, q_series)
    finally:
        await clear_controls(ctx, "FixedPFInject")
        await clear_controls(ctx, "FixedPFAbsorb")
    await end_session(ctx, tid)


#: The VoltVar curve: voltage x (% of nominal), reactive power y (% of rated, + = injected).
VOLT_VAR = [{"x": 92.0, "y": 44.0}, {"x": 98.0, "y": 0.0}, {"x": 102.0, "y": 0.0}, {"x": 108.0, "y": -44.0}]
#: The grid simulator's steps, % of nominal: below the dead band, inside it, above it.
VOLT_STEPS = (95.0, 100.0, 105.0)


def volt_var_injected(voltage_pct: float) -> float:
    """The curve's reactive power at ``voltage_pct``, % of rated (+ = injected): linear between the
    points, flat beyond the ends (the bench's own reading of the curve)."""
    return curve_value(VOLT_VAR, voltage_pct, "x", "y")


def _name(pct: float) -> str:
    return f"var_error_at_{pct:g}_pct"


@case("HB_R_04_VV_CS", "VoltVar: the reactive power follows the curve as the grid voltage steps, as measured",
      use_cases=["R04", "R01"], requirements=["R04.FR.01", "R04.FR.02", "R01.FR.01"], roles=[*ROLES, "grid_simulator"],
      measurements=[Measurement(_name(pct), unit="var",
                                description=f"mean grid-side reactive power at {pct:g} % of nominal voltage against "
                                            f"the curve at the measured voltage")
                    for pct in VOLT_STEPS],
      kills=["volt-var-sign-inverted"], timeout_s=90)
async def volt_var(ctx: CaseContext) -> None:
    """A -6 kW discharge under a VoltVar curve (44 % injected at 92 %, none from 98 to 102 %, 44 %
    absorbed at 108 %, responseTime 1 s); the grid simulator steps to 95, 100 and 105 % of
    nominal. From 1.5 times the response time on the reactive power is averaged over the steady
    window and compared with the curve at the mean voltage the analyzer measured over that window.
    A DUT that refuses the curve (Rejected) fails: the lab's PICS says whether it must take it."""
    dut = ctx.campaign.config.dut
    rated = dut.rated_reactive_power_var if dut is not None else None
    if rated is None:
        raise CaseSkipped("the rig declares no rated_reactive_power_var for the DUT: PctMaxVar has nothing to count in")
    nominal = nominal_v(ctx)
    tid = await v2x_session(ctx, "HB-R04-VV", 325)
    q_series = ctx.series("reactive power at the grid", "var")
    expected_series = ctx.series("curve at the measured voltage", "var", "curve")
    volts = ctx.series("grid voltage, mean of phases", "V")
    try:
        res = await set_control(ctx, {"isDefault": False, "controlId": "HB-R04-VV", "controlType": "VoltVar",
                                      "curve": {"priority": 1, "yUnit": "PctMaxVar", "curveData": VOLT_VAR,
                                                "responseTime": RESPONSE_S, **schedule()}})
        ctx.check(res["status"] == "Accepted", f"SetDERControl VoltVar answered {res['status']}")
        await Stepper(ctx, "setpoint").step(central_setpoint(tid, [(0, -6_000.0)]), -6_000.0)
        for pct in VOLT_STEPS:
            await ctx.io(ctx.grid_simulator.set_voltage, nominal * pct / 100.0)
            ctx.extend_deadline(JUDGE_AFTER * RESPONSE_S)
            await grid_mean(ctx, JUDGE_AFTER * RESPONSE_S, q_series, volts)  # the response, traced but not judged
            _, q, v, n = await grid_mean(ctx, STEADY_S, q_series, volts)
            measured_pct = 100.0 * v / nominal
            if abs(measured_pct - pct) > 1.0:
                raise BenchError(f"the grid simulator was set to {pct:g} % of nominal, the analyzer reads {measured_pct:.2f} %")
            # the analyzer's load convention: a DER injecting reactive power reads negative
            expected = -volt_var_injected(measured_pct) / 100.0 * rated
            expected_series.add(expected)
            band = max(VAR_TOLERANCE_PCT_RATED / 100.0 * rated, 0.02 * abs(expected))
            ctx.measure.limits(_name(pct), low=-band, high=band)
            ctx.note(f"grid {measured_pct:.2f} %: the curve asks for {expected:+.0f} var, measured {q:+.0f} var ({n} readings)")
            ctx.measure[_name(pct)] = round(q - expected, 1)
    finally:
        await ctx.io(ctx.grid_simulator.set_voltage, nominal)
        await clear_controls(ctx, "VoltVar")
    await end_session(ctx, tid)
