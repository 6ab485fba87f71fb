"""K28 — a Dynamic charging profile from the CSMS, judged on the analyzer's outlet power: its one
period's setpoint follows UpdateDynamicSchedule; its ``duration`` counts from the last update (its
dynUpdateTime), so a profile the CSMS keeps updating stays in force and one it stops updating
lapses — the DUT then uses the next valid profile (here none: the EV's own request) — and an
update after the lapse makes it valid again; with ``dynUpdateInterval`` the DUT itself asks for
updates (PullDynamicScheduleUpdate) at that interval and applies what the CSMS answers.

⚠ K28's requirement texts were not at hand; the case cites Q05.FR.08, which the 2.1 errata (2025-06)
took over from K28: a dynamic profile is valid again once an update arrives."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from hilbench.cases import power
from hilbench.cases.model import Measurement, case
from hilbench.cases.v2x import (
    ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, declared_settling_s, end_session, rounded, v2x_session,
)
from hilbench.runner.context import CaseContext

PROFILE_ID = 28
#: The setpoints: installed, pushed by UpdateDynamicSchedule, pushed after the lapse; then the
#: pulled profile's first setpoint and the one the CSMS answers its pulls with, W.
FIRST_W, UPDATED_W, REVIVED_W, PULL_FIRST_W, PULLED_W = -4_000.0, -6_000.0, -3_000.0, -2_000.0, -5_000.0
#: The averaging window after the declared settling time, s.
WINDOW_S = 0.8


def dynamic_profile(tid: str, setpoint_w: float, *, duration_s: int, pull_interval_s: int | None = None) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": PROFILE_ID, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Dynamic",
        "transactionId": tid,
        "chargingSchedule": [{"id": PROFILE_ID, "chargingRateUnit": "W", "duration": duration_s,
                              "chargingSchedulePeriod": [{"startPeriod": 0, "operationMode": "CentralSetpoint",
                                                          "setpoint": setpoint_w, "limit": 22_000.0,
                                                          "dischargeLimit": -20_000.0}]}]}
    if pull_interval_s is not None:
        profile["dynUpdateInterval"] = pull_interval_s
    return {"evseId": 1, "chargingProfile": profile}


def update(setpoint_w: float) -> dict[str, Any]:
    return {"setpoint": setpoint_w, "limit": 22_000.0, "dischargeLimit": -20_000.0}


class Timeline:
    """Times from one start (the profile's installation), and the outlet power averaged over
    windows of it, traced on one series with what the case expects."""

    def __init__(self, ctx: CaseContext) -> None:
        self.ctx, self.t0 = ctx, time.monotonic()
        self.measured = ctx.series("outlet power", "W")
        self.wanted = ctx.series("expected", "W", "setpoint")

    async def at(self, t_s: float) -> None:
        await asyncio.sleep(max(0.0, self.t0 + t_s - time.monotonic()))

    async def mean(self, name: str, start_s: float, end_s: float, *, low: float | None = None,
                   high: float | None = None, expected: float | None = None) -> None:
        """The mean outlet power over [start_s, end_s] into measurement ``name``: within the
        setpoint band of ``expected``, or within ``low``/``high``."""
        if expected is not None:
            band = power.tolerance_w(expected, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
            low, high = expected - band, expected + band
        self.ctx.measure.limits(name, low=low, high=high)
        await self.at(start_s)
        if expected is not None:
            self.wanted.add(expected, time.monotonic_ns())
        samples = await power.trace(self.ctx, end_s - start_s, self.measured)
        self.ctx.measure[name] = rounded(power.mean_after(samples, 0.0))


@case("HB_K_28_CS", "Dynamic profile: the setpoint follows the CSMS's updates, the duration counts from the last one, and the DUT pulls updates at its interval, as measured",
      use_cases=["K28", "Q05"], requirements=["Q05.FR.08"], roles=ROLES, timeout_s=120,
      measurements=[Measurement("power_updated", unit="W", description=f"after UpdateDynamicSchedule to {UPDATED_W:.0f} W"),
                    Measurement("power_still_valid", unit="W",
                                description="past the duration counted from the installation, within it counted from the update"),
                    Measurement("power_after_duration", unit="W",
                                description="past the duration from the last update: the profile lapsed, no discharge"),
                    Measurement("power_revived", unit="W", description=f"after an update to {REVIVED_W:.0f} W once it lapsed"),
                    Measurement("pulls", low=3, description="PullDynamicScheduleUpdate in the pulled profile's first 3.5 s + settling, dynUpdateInterval 1 s"),
                    Measurement("pull_interval", unit="s", low=0.8, high=1.5, description="mean time between the DUT's pulls"),
                    Measurement("power_pulled", unit="W",
                                description=f"past the pulled profile's 3 s duration: at the {PULLED_W:.0f} W its pulls brought")],
      kills=["dynamic-duration-from-install", "dynamic-profile-never-lapses", "dynamic-pull-never-sent"])
async def dynamic_profile_updates(ctx: CaseContext) -> None:
    """Pushed: the profile (-4 kW, duration D) is installed, updated to -6 kW at U, judged while
    only the update keeps it valid (after D, before U + D), judged again after U + D (lapsed: the
    EV's charging request, no discharge), then updated to -3 kW. Pulled: the same profile id with
    dynUpdateInterval 1 s, -2 kW for 3 s; the CSMS answers every pull with -5 kW, so past 3 s the
    power must be there. Times scale with the DUT's declared settling time S: U = S + 1.3 s,
    D = max(4, 3 S + 2) s, rounded up to whole seconds."""
    settle = declared_settling_s(ctx)
    ctx.extend_deadline(6 * settle)
    pushed_at, duration = settle + 1.3, max(4, math.ceil(3 * settle + 2.0))  # whole seconds in the schema
    tid = await v2x_session(ctx, "HB-K28", 2801)
    res = await ctx.csms.call("SetChargingProfile", dynamic_profile(tid, FIRST_W, duration_s=duration))
    ctx.check(res["status"] == "Accepted", f"SetChargingProfile of a Dynamic profile answered {res['status']}: {res.get('statusInfo')}")
    line = Timeline(ctx)
    await line.at(pushed_at)
    res = await ctx.csms.call("UpdateDynamicSchedule", {"chargingProfileId": PROFILE_ID, "scheduleUpdate": update(UPDATED_W)})
    ctx.check(res["status"] == "Accepted", f"UpdateDynamicSchedule answered {res['status']}")
    await line.mean("power_updated", pushed_at + settle, pushed_at + settle + WINDOW_S, expected=UPDATED_W)
    await line.mean("power_still_valid", duration + settle, pushed_at + duration - 0.2, expected=UPDATED_W)
    lapsed = pushed_at + duration + settle
    await line.mean("power_after_duration", lapsed, lapsed + WINDOW_S, low=-TOLERANCE_FLOOR_W)
    revive_at = lapsed + WINDOW_S
    await line.at(revive_at)
    await ctx.csms.call("UpdateDynamicSchedule", {"chargingProfileId": PROFILE_ID, "scheduleUpdate": update(REVIVED_W)})
    await line.mean("power_revived", revive_at + settle, revive_at + settle + WINDOW_S, expected=REVIVED_W)

    pulls: list[float] = []

    def answer_pull(_action: str, req: dict[str, Any]) -> dict[str, Any]:
        pulls.append(time.monotonic())
        return {"status": "Accepted", "scheduleUpdate": update(PULLED_W)} if req["chargingProfileId"] == PROFILE_ID \
            else {"status": "Rejected"}

    ctx.csms.answer("PullDynamicScheduleUpdate", answer_pull)
    res = await ctx.csms.call("SetChargingProfile", dynamic_profile(tid, PULL_FIRST_W, duration_s=3, pull_interval_s=1))
    ctx.check(res["status"] == "Accepted", f"SetChargingProfile with dynUpdateInterval answered {res['status']}")
    pulled = Timeline(ctx)
    await pulled.mean("power_pulled", 3.0 + settle, 3.5 + settle + WINDOW_S, expected=PULLED_W)
    ctx.measure["pulls"] = len(pulls)
    gaps = [b - a for a, b in zip(pulls, pulls[1:])]
    ctx.measure["pull_interval"] = round(sum(gaps) / len(gaps), 3) if gaps else f"{len(pulls)} pull(s): no interval"
    await end_session(ctx, tid)
