"""R — frequency droop (OCPP 2.1 R04 ``FreqDroop``), measured: under a discharge setpoint the grid
simulator steps the frequency above the control's ``overFreq`` and below its ``underFreq``, and
the power analyzer's outlet power must move by the droop — the frequency's distance from the band
over ``droop`` × nominal frequency, in units of the DUT's rated active power (rig ``[dut]
rated_active_power_w``; without it the case is skipped): above the band toward taking more from
the grid, below it toward giving more (the sign of IEEE 1547's frequency-droop for a storage unit).

⚠ The formula and its sign are our reading: the OCPP schema gives the fields (per-unit droops,
the band, an open-loop response time), not how they combine. The power is judged at the outlet,
where the Q cases judge setpoints; the DUT's conversion losses lie on the grid side of it."""

from __future__ import annotations

from hilbench.cases import power
from hilbench.cases.blocks.r_der_control import clear_controls, schedule, set_control
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.v2x import (
    ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, declared_settling_s, end_session, rounded, v2x_session,
)
from hilbench.runner.context import CaseContext

#: The discharge setpoint the droop moves, W; the band either side of nominal and the droop.
BASE_W, BAND_HZ, DROOP = -4_000.0, 0.1, 0.02
#: The grid simulator's frequency steps from nominal, Hz: 0.1 Hz beyond each edge of the band.
STEPS_HZ = {"power_over_frequency": 0.2, "power_under_frequency": -0.2}


def expected_w(offset_hz: float, rated_w: float, nominal_hz: float) -> float:
    """The outlet power the droop asks for at nominal + ``offset_hz``."""
    beyond = max(0.0, abs(offset_hz) - BAND_HZ)
    change = beyond / (DROOP * nominal_hz) * rated_w
    return BASE_W + (change if offset_hz > 0 else -change)


@case("HB_R_04_FD_CS", "FreqDroop: the power moves by the droop when the grid frequency leaves the band, as measured",
      use_cases=["R04"], requirements=["R04.FR.01", "R04.FR.02"], roles=[*ROLES, "grid_simulator"], timeout_s=90,
      measurements=[Measurement("set_status", equals="Accepted"),
                    Measurement("inverted_band_status", one_of=("Rejected",),
                                description="a FreqDroop whose underFreq lies above its overFreq"),
                    Measurement("power_in_band", unit="W", description=f"mean outlet power at nominal frequency: the setpoint {BASE_W:.0f} W"),
                    Measurement("power_over_frequency", unit="W",
                                description=f"mean outlet power at nominal +{STEPS_HZ['power_over_frequency']:g} Hz"),
                    Measurement("power_under_frequency", unit="W",
                                description=f"mean outlet power at nominal {STEPS_HZ['power_under_frequency']:g} Hz")],
      kills=["freq-droop-ignored", "freq-droop-sign-inverted"])
async def freq_droop(ctx: CaseContext) -> None:
    """A discharge at -4 kW under FreqDroop (band nominal ±0.1 Hz, droop 0.02 per unit both ways);
    the grid simulator steps to nominal +0.2 Hz, then -0.2 Hz: on a 22 kW DUT the power must move
    by ±2.2 kW, each step judged like a setpoint (±2 % or ±150 W, within the declared settling
    time). The frequency is back at nominal afterwards."""
    dut = ctx.campaign.config.dut
    rated = dut.rated_active_power_w if dut is not None else None
    if rated is None:
        raise CaseSkipped("the rig declares no rated_active_power_w for the DUT: the per-unit droop has nothing to count in")
    nominal_hz = ctx.campaign.config.grid_nominal_frequency_hz
    control = {"priority": 1, "overFreq": nominal_hz + BAND_HZ, "underFreq": nominal_hz - BAND_HZ,
               # the response time the control allows is the one the DUT declares for a setpoint, so
               # the case judges each step after the time both grant
               "overDroop": DROOP, "underDroop": DROOP, "responseTime": declared_settling_s(ctx), **schedule()}
    tid = await v2x_session(ctx, "HB-R04-FD", 326)
    try:
        bad = await ctx.csms.call("SetDERControl", {"isDefault": False, "controlId": "HB-R04-FD-BAD", "controlType": "FreqDroop",
                                                    "freqDroop": control | {"overFreq": nominal_hz - 0.2}})
        ctx.measure["inverted_band_status"] = bad["status"]
        res = await set_control(ctx, {"isDefault": False, "controlId": "HB-R04-FD", "controlType": "FreqDroop",
                                      "freqDroop": control})
        ctx.measure["set_status"] = res["status"]
        ctx.check(res["status"] == "Accepted", f"SetDERControl FreqDroop answered {res['status']}")
        steps = Stepper(ctx, "droop target", kind="curve")
        band = power.tolerance_w(BASE_W, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        ctx.measure.limits("power_in_band", low=BASE_W - band, high=BASE_W + band)
        in_band = await steps.step(central_setpoint(tid, [(0, BASE_W)], discharge_limit_w=-20_000.0), BASE_W)
        ctx.measure["power_in_band"] = rounded(in_band.mean_w)
        for name, offset in STEPS_HZ.items():
            target = expected_w(offset, rated, nominal_hz)
            band = power.tolerance_w(target, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
            ctx.measure.limits(name, low=target - band, high=target + band)
            await ctx.io(ctx.grid_simulator.set_frequency, nominal_hz + offset)
            ctx.measure[name] = rounded((await steps.watch(target)).mean_w)
    finally:
        await ctx.io(ctx.grid_simulator.set_frequency, nominal_hz)
        await clear_controls(ctx, "FreqDroop")
    await end_session(ctx, tid)
