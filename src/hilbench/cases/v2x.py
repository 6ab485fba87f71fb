"""A bidirectional session and a power trace around it, shared by the cases judged at the DUT's
outlet (Q, K, R): the bench EV in an ISO 15118-20 dynamic-control session the CSMS started, and a
:class:`Stepper` that sends one profile after the other and watches the power after each.

How long a step is watched and averaged follows the DUT's declared settling time (rig ``[dut]
setpoint_settling_s``): the power must be within the band by then and stay there; the mean is taken
over a fixed window after it, every sample counted, in band or not."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from hilbench.cases import power
from hilbench.cases.blocks.e_transactions import remote_start
from hilbench.cases.model import CaseSkipped
from hilbench.runner.context import BenchError, CaseContext, Series

TOLERANCE_PCT = 2.0
TOLERANCE_FLOOR_W = 150.0
#: The stretch after the declared settling time over which a step's power is averaged, s.
STEADY_S = 0.8
ROLES = ["csms", "ev", "ev_emulator", "power_analyzer"]
#: A session's power counts as flowing from this much on, W; and it must within this long, s.
FLOWING_W, FLOW_WAIT_S = 1_000.0, 15.0


async def v2x_session(ctx: CaseContext, token: str, remote_id: int) -> str:
    """EV plugged in, remotely started, the bench EV in a bidirectional dynamic-control session
    whose needs reached the CSMS; returns the transaction id."""
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, token, remote_id)
    await ctx.ev.start("auto", "dynamic")
    await ctx.csms.expect("NotifyEVChargingNeeds", 15)
    await flowing(ctx)  # the first step of a case is then a change of a flowing power, not the path's start
    return tid


async def flowing(ctx: CaseContext) -> None:
    """Until the outlet power flows (the EV asks to charge); a DUT that never lets it is a fail."""
    deadline = time.monotonic() + FLOW_WAIT_S
    while abs((await power.outlet_power(ctx))[0]) < FLOWING_W:
        ctx.check(time.monotonic() < deadline, f"no power flowed at the outlet within {FLOW_WAIT_S:g} s of the "
                                               f"session start (the EV asks to charge)")
        await asyncio.sleep(0.05)


async def free_power(ctx: CaseContext, series: Series) -> float:
    """What the DUT delivers with no profile of the case's in force (its own rating, the EV's
    request, any limit the CSMS cannot clear), as measured: the mean over :data:`STEADY_S` after
    the declared settling time. The reference a case expects once its own limit is gone."""
    settle = declared_settling_s(ctx)
    ctx.extend_deadline(settle)
    samples = await power.trace(ctx, settle + STEADY_S, series)
    mean = power.mean_after(samples, settle)
    ctx.check(mean is not None and mean > FLOWING_W, f"the session's power did not hold at the outlet ({mean} W)")
    assert mean is not None
    ctx.note(f"free power: {mean:.0f} W")
    return mean


def bench_now_iso(margin_s: float = 60.0) -> str:
    """A timestamp for "from now on" in a message to the DUT: the bench's clock less ``margin_s``, so
    that a DUT whose clock lags the bench's a little still takes it as already in force."""
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=margin_s)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def end_session(ctx: CaseContext, tid: str) -> Any:
    """The bench EV's session stopped, then the transaction: the DUT's TransactionEvent Ended."""
    await ctx.ev.stop()
    await ctx.csms.call("RequestStopTransaction", {"transactionId": tid})
    return await ctx.csms.expect_event("Ended", timeout=15)


def declared_settling_s(ctx: CaseContext) -> float:
    dut = ctx.campaign.config.dut
    assert dut is not None
    return dut.setpoint_settling_s


@dataclass(frozen=True)
class Step:
    target_w: float
    band_w: float
    settled_s: float | None  #: when the power entered the band for good (None: never, in the watch)
    mean_w: float | None     #: over the steady window after the declared settling time
    watched_s: float
    lowest_w: float | None = None  #: the deepest discharge sample in that window

    def describe(self) -> str:
        settled = "never" if self.settled_s is None else f"after {self.settled_s:.3f} s"
        return (f"target {self.target_w:.0f} W ±{self.band_w:.0f} W: settled {settled} in {self.watched_s:.1f} s watched, "
                f"mean {self.mean_w if self.mean_w is None else round(self.mean_w)} W")


class Stepper:
    """Sends profiles one after the other and traces the outlet power after each, with the
    setpoint (or limit) as a second series."""

    def __init__(self, ctx: CaseContext, wanted: str, kind: str | None = None) -> None:
        self.ctx = ctx
        self.measured = ctx.series("outlet power", "W")
        kind = kind or ("setpoint" if wanted == "setpoint" else "limit")
        self.wanted: Series = ctx.series(wanted, "W", kind)
        self._last: float | None = None

    async def step(self, profile: dict[str, Any], target_w: float) -> Step:
        """SetChargingProfile, then the power watched for the declared settling time plus
        :data:`STEADY_S`."""
        t0 = time.monotonic_ns()
        self._mark(target_w, t0)
        res = await self.ctx.csms.call("SetChargingProfile", profile)
        self.ctx.check(res["status"] == "Accepted", f"SetChargingProfile answered {res['status']}: {res.get('statusInfo')}")
        return await self.watch(target_w, t0_ns=t0, marked=True)

    async def watch(self, target_w: float, *, t0_ns: int | None = None, marked: bool = False) -> Step:
        """The power against ``target_w`` from ``t0_ns`` (now) over the declared settling time plus
        :data:`STEADY_S` (for a change the case made some other way: a grid step, a signal)."""
        t0 = time.monotonic_ns() if t0_ns is None else t0_ns
        if not marked:
            self._mark(target_w, t0)
        settle = declared_settling_s(self.ctx)
        self.ctx.extend_deadline(settle)  # a case's timeout_s covers its protocol, not the DUT's declared wait
        watched = settle + STEADY_S
        samples = await power.trace(self.ctx, watched - (time.monotonic_ns() - t0) / 1e9, self.measured, t0_ns=t0)
        band = power.tolerance_w(target_w, TOLERANCE_PCT, TOLERANCE_FLOOR_W)
        step = Step(target_w, band, power.settled_at(samples, target_w, band), power.mean_after(samples, settle), watched,
                    power.lowest_after(samples, settle))
        self.ctx.note(step.describe() + f", {len(samples)} samples")
        return step

    def _mark(self, target_w: float, t_ns: int) -> None:
        if self._last is not None:
            self.wanted.add(self._last, t_ns - 1)
        self.wanted.add(target_w, t_ns)
        self._last = target_w


def curve_value(points: list[dict[str, float]], x: float, x_key: str, y_key: str) -> float:
    """A curve the bench sent, read at ``x`` by the bench itself: linear between its points, flat
    beyond its ends (numpy's interp), whatever order the points were sent in."""
    ordered = sorted(points, key=lambda p: p[x_key])
    return float(np.interp(x, [p[x_key] for p in ordered], [p[y_key] for p in ordered]))


def error_pct(mean: float | None, target_w: float) -> float | None:
    return None if mean is None else round(100.0 * (mean - target_w) / abs(target_w), 3)


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def last_v2g(ctx: CaseContext, direction: str) -> dict[str, dict[str, Any]]:
    """The bench EV's last message of each name this case, as recorded: ``tx`` what it sent,
    ``rx`` what it received (name -> body)."""
    last: dict[str, dict[str, Any]] = {}
    for row in ctx.campaign.recorder.rows:
        if row[1] == "v2g" and row[2] == direction:
            message = json.loads(row[4])
            name = next(iter(message))
            last[name] = message[name]
    return last


def sent_by_ev(ctx: CaseContext) -> dict[str, float | None]:
    """The bench EV's last ChargeParameterDiscoveryReq and ScheduleExchangeReq, from the trace."""
    sent = last_v2g(ctx, "tx")
    cpd = next((body for name, body in sent.items() if name.endswith("ChargeParameterDiscoveryReq")), {})
    exchange = sent.get("ScheduleExchangeReq", {})
    return {"max_charge_power": rational_value(find_key(cpd, "EVMaximumChargePower")),
            "max_discharge_power": rational_value(find_key(cpd, "EVMaximumDischargePower")),
            "max_energy_request": rational_value(find_key(exchange, "EVMaximumEnergyRequest"))}


def ev_max_discharge_w(ctx: CaseContext) -> float:
    """What the bench EV declared it can discharge (EVMaximumDischargePower), W."""
    evcc = ctx.ev.evcc
    service = evcc.service if evcc is not None else None
    if service is not None and not service.bpt:  # the EV takes the best the DUT offers
        raise CaseSkipped(f"the DUT offered the bench EV no bidirectional service (the session runs {service.name})")
    value = sent_by_ev(ctx)["max_discharge_power"]
    if value is None or value <= 0.0:  # the bench EV always sends it in a BPT session
        raise BenchError("the bench EV's trace has no EVMaximumDischargePower in its bidirectional session")
    return value


def find_key(body: Any, key: str) -> Any:
    if isinstance(body, dict):
        if key in body:
            return body[key]
        body = list(body.values())
    if isinstance(body, list):
        for value in body:
            if (found := find_key(value, key)) is not None:
                return found
    return None


def rational_value(value: Any) -> float | None:
    """An ISO 15118-20 RationalNumber (Value x 10^Exponent)."""
    if not isinstance(value, dict) or "Value" not in value:
        return None
    return float(value["Value"]) * 10.0 ** int(value.get("Exponent", 0))
