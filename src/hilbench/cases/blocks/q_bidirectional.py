"""Q — Bidirectional power transfer (OCPP 2.1 V2X), judged by the power analyzer at the DUT's
outlet, never by what the DUT reports: the bench EV runs a bidirectional ISO 15118-20 session
(DC_BPT or AC_BPT, dynamic control), the bench CSMS sets the operation mode in a TxProfile, and
the case measures the power against the setpoint or the limit over time (plotted in the report).

Limits: a setpoint holds within ±2 % or ±150 W, whichever is more; the power must be within that
band, for good, by the DUT's declared ``setpoint_settling_s`` after the CSMS's SetChargingProfile
(rig ``[dut]``, the lab's datasheet or test plan figure), and its mean over the 0.8 s after that
time (every sample, in band or not) is the error judged (``hilbench.cases.v2x``).

⚠ The Q03 and Q10 requirement numbers are cited from the use-case table; their texts were not at
hand. Q04 (central control with a dynamic setpoint) has no section in the 2.1 text the bench has,
so the CentralSetpoint cases cite Q03, whose table carries the CentralSetpoint rows."""

from __future__ import annotations

import asyncio
import json
import time

from hilbench.cases import power
from hilbench.cases.blocks.rpc_framing import answer_to
from hilbench.cases.model import Measurement, case
from hilbench.cases.profiles import central_setpoint, tx_profile
from hilbench.cases.v2x import (
    ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, bench_now_iso, curve_value, declared_settling_s, end_session,
    error_pct, ev_max_discharge_w, rounded, v2x_session,
)
from hilbench.runner.context import BenchError, CaseContext


@case("HB_Q_03_CS", "CentralSetpoint: the DUT charges and discharges at the setpoints, as measured",
      use_cases=["Q03", "Q07"], requirements=["Q03.FR.01", "Q03.FR.02"], roles=ROLES,
      measurements=[Measurement("charge_error", unit="%", low=-TOLERANCE_PCT, high=TOLERANCE_PCT,
                                description="mean outlet power at +10 kW against the setpoint"),
                    Measurement("discharge_error", unit="%", low=-TOLERANCE_PCT, high=TOLERANCE_PCT,
                                description="mean outlet power at -10 kW against the setpoint"),
                    Measurement("settling_time", unit="s", low=0.0,
                                description="from SetChargingProfile (+10 -> -10 kW) to the power within the band")],
      kills=["setpoint-sign-inverted", "slow-setpoint-ramp"], timeout_s=90)
async def central_setpoint_steps(ctx: CaseContext) -> None:
    """+10 kW, then a 20 kW step to -10 kW (the bench EV takes ±11 kW), each a new TxProfile under
    CentralSetpoint with the limits wide open."""
    ctx.measure.limits("settling_time", low=0.0, high=declared_settling_s(ctx))
    tid = await v2x_session(ctx, "HB-Q03", 301)
    steps = Stepper(ctx, "setpoint")
    charging = await steps.step(central_setpoint(tid, [(0, 10_000.0)], discharge_limit_w=-20_000.0), 10_000.0)
    discharging = await steps.step(central_setpoint(tid, [(0, -10_000.0)], discharge_limit_w=-20_000.0), -10_000.0)
    await end_session(ctx, tid)
    ctx.measure["charge_error"] = error_pct(charging.mean_w, 10_000.0)
    ctx.measure["discharge_error"] = error_pct(discharging.mean_w, -10_000.0)
    # never in the band for good while watched: not a number, which fails against the limits
    ctx.measure["settling_time"] = (round(discharging.settled_s, 3) if discharging.settled_s is not None
                                    else f"never within {discharging.watched_s:.1f} s")


@case("HB_Q_03_DL_CS", "A setpoint beyond the profile's dischargeLimit discharges at the limit",
      use_cases=["Q03"], requirements=["Q03.FR.02"], roles=ROLES,
      measurements=[Measurement("discharge_power", unit="W", low=-4_000.0 - TOLERANCE_FLOOR_W,
                                high=-4_000.0 + TOLERANCE_FLOOR_W,
                                description="mean outlet power: setpoint -9 kW, dischargeLimit -4 kW"),
                    Measurement("deepest_discharge", unit="W", low=-4_000.0 - TOLERANCE_FLOOR_W,
                                description="the deepest discharge sample after the declared settling time: a "
                                            "limit holds at every moment, not only on average")],
      kills=["ignores-discharge-limit"], timeout_s=90)
async def discharge_limit(ctx: CaseContext) -> None:
    tid = await v2x_session(ctx, "HB-Q03-DL", 302)
    steps = Stepper(ctx, "limit")
    limited = await steps.step(central_setpoint(tid, [(0, -9_000.0)], discharge_limit_w=-4_000.0), -4_000.0)
    await end_session(ctx, tid)
    ctx.measure["discharge_power"] = rounded(limited.mean_w)
    ctx.measure["deepest_discharge"] = rounded(limited.lowest_w)


@case("HB_Q_03_EVL_CS", "A setpoint beyond the EV's maximum discharge power discharges at the EV's maximum",
      use_cases=["Q03", "Q01"], requirements=["Q03.FR.01", "Q01.FR.01"], roles=ROLES,
      measurements=[Measurement("discharge_power", unit="W",
                                description="mean outlet power: setpoint -15 kW, the EV's EVMaximumDischargePower lower")],
      kills=["ignores-ev-discharge-limit"], timeout_s=90)
async def ev_discharge_limit(ctx: CaseContext) -> None:
    """The CSMS asks for more than the EV allows (its EVMaximumDischargePower, as the bench EV put
    it on the wire): the DUT must hold the EV's limit, not the CSMS's setpoint (⚠ the FR numbers
    are cited from the use-case table)."""
    tid = await v2x_session(ctx, "HB-Q03-EVL", 307)
    ev_max = ev_max_discharge_w(ctx)
    if ev_max >= 15_000.0:  # the bench EV's profile, not the DUT, makes the case meaningless
        raise BenchError(f"the bench EV allows {ev_max:.0f} W of discharge: the -15 kW setpoint is not beyond it")
    band = power.tolerance_w(ev_max, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
    ctx.measure.limits("discharge_power", low=-ev_max - band, high=-ev_max + band)
    limited = await Stepper(ctx, "limit").step(central_setpoint(tid, [(0, -15_000.0)], discharge_limit_w=-20_000.0), -ev_max)
    await end_session(ctx, tid)
    ctx.measure["discharge_power"] = rounded(limited.mean_w)


@case("HB_Q_03_PH_CS", "Per-phase discharge values the EV never reported, or outside a TxProfile: Rejected PhaseConflict, not carried out",
      use_cases=["Q03", "K01"], requirements=["K01.FR.142", "K01.FR.143", "K01.FR.144"], roles=ROLES,
      measurements=[Measurement("tx_profile_status", equals="Rejected",
                                description="a TxProfile with setpoint_L2/_L3, the EV's needs without maxDischargePower_L2/_L3"),
                    Measurement("tx_profile_reason", equals="PhaseConflict"),
                    Measurement("default_profile_status", equals="Rejected",
                                description="a TxDefaultProfile with dischargeLimit_L2/_L3"),
                    Measurement("default_profile_reason", equals="PhaseConflict"),
                    Measurement("deepest_power", unit="W", low=-TOLERANCE_FLOOR_W,
                                description="the deepest outlet power after the refused -6 kW setpoint: not carried out")],
      kills=["phase-conflict-accepted"], timeout_s=90)
async def phase_conflict(ctx: CaseContext) -> None:
    """The bench EV reports no per-phase discharge limits (a DC EV has no phases; the AC one sends
    its totals), so the CSMS must not send per-phase values, and the DUT must refuse them with
    reasonCode PhaseConflict (the 2.1 errata's V2X.08-10, quoted as K01.FR.142-144) rather than
    act on a profile it cannot apply as sent."""
    tid = await v2x_session(ctx, "HB-Q03-PH", 308)
    needs = ctx.csms.received("NotifyEVChargingNeeds")[-1]["chargingNeeds"].get("v2xChargingParameters", {})
    if "maxDischargePower_L2" in needs:  # the bench EV's doing, not the DUT's: the case has nothing to refuse
        raise BenchError(f"the DUT reported per-phase discharge limits the bench EV does not send: {needs}")
    per_phase = central_setpoint(tid, [(0, -6_000.0)], discharge_limit_w=-20_000.0)
    per_phase["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0] |= {"setpoint_L2": -2_000.0,
                                                                                         "setpoint_L3": -2_000.0}
    steps = Stepper(ctx, "setpoint")
    res = await ctx.csms.call("SetChargingProfile", per_phase)
    ctx.measure["tx_profile_status"] = res["status"]
    ctx.measure["tx_profile_reason"] = (res.get("statusInfo") or {}).get("reasonCode", "none given")
    ctx.measure["deepest_power"] = rounded((await steps.watch(0.0)).lowest_w)
    default = {"evseId": 1, "chargingProfile": {
        "id": 309, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": [{"id": 309, "chargingRateUnit": "W", "startSchedule": bench_now_iso(),
                              "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 22_000.0, "dischargeLimit": -5_000.0,
                                                          "dischargeLimit_L2": -1_500.0, "dischargeLimit_L3": -1_500.0}]}]}}
    res = await ctx.csms.call("SetChargingProfile", default)
    ctx.measure["default_profile_status"] = res["status"]
    ctx.measure["default_profile_reason"] = (res.get("statusInfo") or {}).get("reasonCode", "none given")
    if res["status"] == "Accepted":
        await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": 309})
    await end_session(ctx, tid)


@case("HB_Q_10_CS", "Idle: no energy flows either way, whatever the EV asks for; the mode change is reported",
      use_cases=["Q10", "Q03"], requirements=["Q10.FR.01", "Q10.FR.02", "Q10.FR.03"], roles=ROLES,
      measurements=[Measurement("charging_before", unit="W", low=5_000.0,
                                description="the EV charging at a +6 kW setpoint first, so that Idle has something to stop"),
                    Measurement("idle_after_charging", unit="W", low=-TOLERANCE_FLOOR_W, high=TOLERANCE_FLOOR_W,
                                description="mean outlet power under operationMode Idle, after charging"),
                    Measurement("mode_changed_event", equals="Idle",
                                description="TransactionEvent triggerReason OperationModeChanged: its operationMode"),
                    Measurement("discharging_before", unit="W", high=-5_000.0,
                                description="discharging at a -6 kW setpoint, so that Idle has a discharge to stop"),
                    Measurement("idle_after_discharging", unit="W", low=-TOLERANCE_FLOOR_W, high=TOLERANCE_FLOOR_W,
                                description="mean outlet power under operationMode Idle, after discharging")],
      kills=["idle-mode-still-charges", "idle-mode-still-discharges", "no-operation-mode-changed-event"], timeout_s=90)
async def idle(ctx: CaseContext) -> None:
    """CentralSetpoint +6 kW, Idle, CentralSetpoint -6 kW, Idle: each Idle must stop the energy
    as measured at the outlet, and the first change to Idle must be reported in a TransactionEvent
    with triggerReason OperationModeChanged carrying the new operationMode (⚠ the Q10 FR numbers
    are cited from the use-case table, their texts were not at hand)."""
    tid = await v2x_session(ctx, "HB-Q10", 303)
    steps = Stepper(ctx, "setpoint")
    idle_profile = tx_profile(tid, [{"startPeriod": 0, "operationMode": "Idle"}])
    ctx.measure["charging_before"] = rounded((await steps.step(central_setpoint(tid, [(0, 6_000.0)]), 6_000.0)).mean_w)
    ctx.measure["idle_after_charging"] = rounded((await steps.step(idle_profile, 0.0)).mean_w)
    event = await ctx.csms.expect("TransactionEvent", 5, lambda p: p["triggerReason"] == "OperationModeChanged"
                                  and p.get("transactionInfo", {}).get("operationMode") == "Idle", required=False)
    ctx.measure["mode_changed_event"] = "Idle" if event else "no OperationModeChanged event with operationMode Idle"
    ctx.measure["discharging_before"] = rounded((await steps.step(central_setpoint(tid, [(0, -6_000.0)]), -6_000.0)).mean_w)
    ctx.measure["idle_after_discharging"] = rounded((await steps.step(idle_profile, 0.0)).mean_w)
    await end_session(ctx, tid)


#: Q07's signal-watt curve (V2XSignalWattPointType: AFRR signal, W) on top of its baseline.
SIGNAL_WATT_CURVE = [{"signal": -100, "power": -9_000.0}, {"signal": 0, "power": 0.0}, {"signal": 100, "power": 9_000.0}]
SIGNAL_BASELINE_W = 1_000.0
#: The AFRR signals the bench sends, one after the other.
AFRR_STEPS = (0, 50, -80)


def _signal_name(signal: int) -> str:
    return f"error_at_signal_{signal}".replace("-", "minus_")


@case("HB_Q_07_CS", "CentralFrequency: the DUT follows the signal-watt curve at each AFRR signal, as measured",
      use_cases=["Q07"], requirements=["Q07", "K01.FR.01"], roles=ROLES,
      measurements=[Measurement("afrr_status", equals=["Accepted"] * len(AFRR_STEPS),
                                description="AFRRSignal's status, per signal"),
                    *[Measurement(_signal_name(x), unit="W",
                                  description=f"mean outlet power after AFRRSignal {x} against v2xBaseline + the curve")
                      for x in AFRR_STEPS]],
      kills=["ignores-afrr-signal"], timeout_s=90)
async def central_frequency(ctx: CaseContext) -> None:
    """A CentralFrequency TxProfile with a 1 kW baseline and a signal-watt curve (-100 -> -9 kW,
    0 -> 0, +100 -> +9 kW); the bench sends AFRRSignal 0, +50 and -80, each active at once, and the
    power is judged after the DUT's declared settling time against the baseline plus the curve
    at that signal (⚠ Q07's table lists no FR numbers; the case cites the use case)."""
    tid = await v2x_session(ctx, "HB-Q07", 312)
    steps = Stepper(ctx, "curve at the AFRR signal", kind="curve")
    res = await ctx.csms.call("SetChargingProfile", tx_profile(tid, [
        {"startPeriod": 0, "operationMode": "CentralFrequency", "limit": 11_000.0, "dischargeLimit": -11_000.0,
         "v2xBaseline": SIGNAL_BASELINE_W, "v2xSignalWattCurve": SIGNAL_WATT_CURVE}]))
    ctx.check(res["status"] == "Accepted", f"SetChargingProfile CentralFrequency answered {res['status']}: {res.get('statusInfo')}")
    statuses = []
    for signal in AFRR_STEPS:
        t0 = time.monotonic_ns()
        # active from "now" by a clock that may lag the bench's: the bench's now, back-dated (each
        # signal still later than the one before it)
        answer = await ctx.csms.call("AFRRSignal", {"timestamp": bench_now_iso(5.0), "signal": signal})
        statuses.append(answer["status"])
        expected = SIGNAL_BASELINE_W + curve_value(SIGNAL_WATT_CURVE, signal, "signal", "power")
        band = power.tolerance_w(expected, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        ctx.measure.limits(_signal_name(signal), low=-band, high=band)
        step = await steps.watch(expected, t0_ns=t0)
        ctx.note(f"AFRRSignal {signal}: {answer['status']}, the curve asks for {expected:.0f} W")
        ctx.measure[_signal_name(signal)] = None if step.mean_w is None else round(step.mean_w - expected, 1)
    ctx.measure["afrr_status"] = statuses
    await end_session(ctx, tid)


#: Q08's frequency-watt curve (V2XFreqWattPointType: Hz, W) on top of its v2xBaseline: a dead band
#: around 50 Hz, full discharge at 49.6 Hz and below, full charge at 50.4 Hz and above.
FREQ_WATT_CURVE = [{"frequency": 49.6, "power": -8_000.0}, {"frequency": 49.9, "power": 0.0},
                   {"frequency": 50.1, "power": 0.0}, {"frequency": 50.4, "power": 8_000.0}]
BASELINE_W = 2_000.0
#: How long a DUT has to answer a CALL it must refuse, s (well inside any call timeout).
ANSWER_S = 5.0
#: The CALLERROR codes that name a payload the schema refuses (OCPP-J 4.2.3).
PAYLOAD_ERRORS = {"FormatViolation", "OccurrenceConstraintViolation", "PropertyConstraintViolation", "TypeConstraintViolation"}
#: The grid simulator's frequency steps, Hz: the dead band, under-frequency, over-frequency.
FREQ_STEPS = (50.0, 49.7, 50.25)
#: The grid simulator's frequency must hold within this over a step's window, Hz.
FREQ_STEADY_HZ = 0.02


async def _frequency_reached(ctx: CaseContext, f: float, within_s: float = 5.0) -> float:
    """The grid simulator's measured frequency once it is within :data:`FREQ_STEADY_HZ` of ``f``
    (a real one slews and averages); a simulator that never gets there is the bench's error."""
    deadline = time.monotonic() + within_s
    while True:
        measured = float((await ctx.io(ctx.grid_simulator.measure)).frequency_hz)
        if abs(measured - f) <= FREQ_STEADY_HZ:
            return measured
        if time.monotonic() > deadline:
            raise BenchError(f"the grid simulator was set to {f:g} Hz and reads {measured:.3f} Hz after {within_s:g} s")
        await asyncio.sleep(0.05)


def freq_watt(curve: list[dict[str, float]], baseline_w: float, frequency_hz: float) -> float:
    """What a period asks for at ``frequency_hz``: the baseline plus the curve, linear between its
    points and flat beyond its ends (the bench's own reading of ChargingSchedulePeriodType)."""
    return baseline_w + curve_value(curve, frequency_hz, "frequency", "power")


@case("HB_Q_08_CS", "LocalFrequency: the DUT follows the frequency-watt curve as the grid frequency steps",
      use_cases=["Q08"], requirements=["Q08.FR.01", "Q08.FR.02", "Q08.FR.03"], roles=[*ROLES, "grid_simulator"],
      measurements=[Measurement(f"error_at_{f:g}_hz".replace(".", "_"), unit="W",
                                description=f"mean outlet power at {f:g} Hz against v2xBaseline + the curve")
                    for f in FREQ_STEPS],
      kills=["freq-watt-curve-ignored"], timeout_s=90)
async def local_frequency(ctx: CaseContext) -> None:
    """A LocalFrequency TxProfile with a 2 kW baseline and a curve with a ±0.1 Hz dead band; the
    grid simulator steps the frequency and the expected power is read off the curve at the
    frequency the grid simulator measures, never at what the DUT reports. Each step is judged
    after the DUT's declared settling time, within ±2 % or ±150 W."""
    tid = await v2x_session(ctx, "HB-Q08", 308)
    steps = Stepper(ctx, "curve at the grid frequency", kind="curve")
    frequency = ctx.series("grid frequency", "Hz", "measured")
    profile = tx_profile(tid, [{"startPeriod": 0, "operationMode": "LocalFrequency", "limit": 11_000.0,
                                "dischargeLimit": -11_000.0, "v2xBaseline": BASELINE_W,
                                "v2xFreqWattCurve": FREQ_WATT_CURVE}])
    res = await ctx.csms.call("SetChargingProfile", profile)
    ctx.check(res["status"] == "Accepted", f"SetChargingProfile LocalFrequency answered {res['status']}: {res.get('statusInfo')}")
    for f in FREQ_STEPS:
        await ctx.io(ctx.grid_simulator.set_frequency, f)
        measured = await _frequency_reached(ctx, f)
        frequency.add(measured)
        expected = freq_watt(FREQ_WATT_CURVE, BASELINE_W, measured)
        step = await steps.watch(expected)
        after = (await ctx.io(ctx.grid_simulator.measure)).frequency_hz
        frequency.add(after)
        if abs(after - measured) > FREQ_STEADY_HZ:
            raise BenchError(f"the grid simulator drifted from {measured:.3f} to {after:.3f} Hz during the step to {f:g} Hz")
        mean_hz = (measured + after) / 2.0  # the curve at the frequency over the window, as measured
        expected = freq_watt(FREQ_WATT_CURVE, BASELINE_W, mean_hz)
        band = power.tolerance_w(expected, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        name = f"error_at_{f:g}_hz".replace(".", "_")
        ctx.measure.limits(name, low=-band, high=band)
        ctx.note(f"grid {mean_hz:.3f} Hz: the curve asks for {expected:.0f} W")
        ctx.measure[name] = None if step.mean_w is None else round(step.mean_w - expected, 1)
    await ctx.io(ctx.grid_simulator.set_frequency, FREQ_STEPS[0])
    await end_session(ctx, tid)


@case("HB_Q_08_NEG_CS", "A LocalFrequency period without a frequency-watt curve is rejected",
      use_cases=["Q08", "K01"], requirements=["Q08.FR.01", "K01.FR.04"], roles=ROLES,
      measurements=[Measurement("status", equals="Rejected",
                                description="SetChargingProfile of a LocalFrequency period with no v2xFreqWattCurve")],
      kills=["accepts-frequency-mode-without-curve"], timeout_s=60)
async def local_frequency_without_curve(ctx: CaseContext) -> None:
    """The curve is what LocalFrequency follows; a period without one cannot be carried out, so
    the DUT must refuse it (⚠ the FR numbers are cited from the use-case table, their texts were
    not at hand)."""
    tid = await v2x_session(ctx, "HB-Q08-NEG", 309)
    res = await ctx.csms.call("SetChargingProfile", tx_profile(tid, [
        {"startPeriod": 0, "operationMode": "LocalFrequency", "limit": 11_000.0, "v2xBaseline": BASELINE_W}]))
    ctx.note(f"SetChargingProfile answered {res['status']}: {res.get('statusInfo')}")
    ctx.measure["status"] = res["status"]
    await end_session(ctx, tid)


@case("HB_Q_08_PTS_CS", "A frequency-watt curve with more points than the schema allows is refused with CALLERROR",
      use_cases=["Q08", "RPC"], requirements=["Q08.FR.01", "OCPP-J 4.2.3"], roles=ROLES,
      measurements=[Measurement("answer", equals="CALLERROR",
                                description="SetChargingProfile with 21 v2xFreqWattCurve points (the schema's maxItems is 20)")],
      kills=["callerror-missing-for-malformed-call"], timeout_s=60)
async def curve_with_too_many_points(ctx: CaseContext) -> None:
    """The bench sends the profile raw, unchecked against the schema; the DUT must
    refuse it at the RPC layer (maxItems is an occurrence constraint), not take or half-take it."""
    tid = await v2x_session(ctx, "HB-Q08-PTS", 310)
    curve = [{"frequency": round(49.0 + 0.1 * i, 1), "power": -8_000.0 + 800.0 * i} for i in range(21)]
    profile = tx_profile(tid, [{"startPeriod": 0, "operationMode": "LocalFrequency", "limit": 11_000.0,
                                "dischargeLimit": -11_000.0, "v2xFreqWattCurve": curve}])
    frame = await answer_to(ctx, json.dumps([2, "hb-q08-pts", "SetChargingProfile", profile]), "hb-q08-pts", ANSWER_S)
    # maxItems is an occurrence constraint, but stacks also answer FormatViolation: any payload code
    ctx.note(f"the DUT answered {frame}")
    ctx.measure["answer"] = (f"no answer within {ANSWER_S:g} s" if frame is None
                             else "CALLERROR" if frame[0] == 4 and frame[2] in PAYLOAD_ERRORS
                             else f"CALLERROR {frame[2]}" if frame[0] == 4 else f"CALLRESULT {frame[2].get('status')}")
    await end_session(ctx, tid)
