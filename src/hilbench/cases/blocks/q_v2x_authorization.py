"""Q01 — V2X authorization: whether the driver may discharge at all is the CSMS's to say, in
AuthorizeResponse.allowedEnergyTransfer; when it leaves the field out the driver may charge only
(the field's definition in the 2.1 schema, Q01.FR.08/09 as the 2.1 errata words them). The DUT must
then offer the EV no bidirectional service, report charging only as the requested transfer, and —
what the analyzer judges — never discharge, whatever setpoint it is sent. When the CSMS refuses
the EV's needs outright (NotifyEVChargingNeeds Rejected) the transaction ends with
ReqEnergyTransferRejected and no energy flows.

The EV is the bench's (ISO 15118-20, wanting DC_BPT or AC_BPT); the service it was given is what
the bench EV negotiated, the energy what the power analyzer measured at the outlet.

⚠ Q01.FR.06 (the rejection) is cited as third-party implementations quote it; Q01.FR.02, 08 and 09
as the 2.1 errata (2025-06/09) words them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hilbench.cases import power
from hilbench.cases.blocks.e_transactions import authorized_event, remote_start, unplugged
from hilbench.cases.model import Measurement, case
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.v2x import (
    ROLES, TOLERANCE_FLOOR_W, TOLERANCE_PCT, Stepper, end_session, flowing, rounded,
)
from hilbench.runner.context import CaseContext

#: The discharge setpoint both sessions of HB_Q_01_CS are sent, W.
SETPOINT_W = -5_000.0
#: Every energy transfer the bench allows in the second session (DC and AC alike: one rig is each).
V2X_ALLOWED = ["DC", "DC_BPT", "AC_three_phase", "AC_BPT"]
#: What requestedEnergyTransfer says for charging only.
CHARGING_ONLY_TRANSFERS = ("DC", "DC_ACDP", "AC_single_phase", "AC_two_phase", "AC_three_phase")
#: The measurement when the DUT's configuration does not call for the EVCCID (Q01.FR.02's precondition).
NOT_REQUIRED = "not required (ISO15118Ctrlr.Enabled and V2XChargingCtrlr.Enabled not both true)"
BAND_W = power.tolerance_w(SETPOINT_W, TOLERANCE_PCT, TOLERANCE_FLOOR_W)


async def _tapped_session(ctx: CaseContext, token: str, allowed: list[str] | None) -> tuple[str, Any, dict[str, Any], dict[str, Any]]:
    """EV plugged in, its -20 session started, the driver's card tapped with the CSMS's answer
    carrying ``allowed`` (None: no allowedEnergyTransfer); returns the transaction id, the bench
    EV, the event that carries the driver's idToken and the DUT's NotifyEVChargingNeeds."""
    answer: dict[str, Any] = {"idTokenInfo": {"status": "Accepted"}}
    if allowed is not None:
        answer["allowedEnergyTransfer"] = allowed
    ctx.csms.answer("Authorize", lambda _a, _req: answer)
    await ctx.io(ctx.ev.plug_in)
    evcc = await ctx.ev.start("auto", "dynamic")
    # the card only once the -20 session is set up: the transaction is then an ISO 15118-20 one
    # from its start, the precondition of Q01.FR.02 (a tap before would start it as a basic one)
    deadline = time.monotonic() + 15.0
    while evcc.session_id == "00" * 8:
        ctx.check(time.monotonic() < deadline, "the bench EV's ISO 15118-20 session was not set up within 15 s")
        await asyncio.sleep(0.02)
    ctx.check(await ctx.card.tap(token) == "Accepted", f"the DUT did not authorize the card {token}")
    event = await authorized_event(ctx)
    needs = await ctx.csms.latest("NotifyEVChargingNeeds", 15)  # before or after the transaction's event
    await flowing(ctx)
    return str(event["transactionInfo"]["transactionId"]), evcc, event, needs


def _evccid_given(event: dict[str, Any], evccid: str) -> bool:
    info = event.get("idToken", {}).get("additionalInfo", [])
    return any(i.get("type") == "EVCCID" and i.get("additionalIdToken") == evccid for i in info)


@case("HB_Q_01_CS", "V2X authorization: a driver the CSMS allowed no V2X is offered none and never discharges; one allowed it does, as measured",
      use_cases=["Q01", "Q02"], requirements=["Q01.FR.02", "Q01.FR.08", "Q01.FR.09"], roles=(*ROLES, "card_reader"),
      timeout_s=120,
      measurements=[Measurement("service_charging_only", one_of=("DC", "AC"),
                                description="the service the bench EV was given, AuthorizeResponse without allowedEnergyTransfer"),
                    Measurement("requested_transfer", one_of=CHARGING_ONLY_TRANSFERS,
                                description="NotifyEVChargingNeeds requestedEnergyTransfer then"),
                    Measurement("power_charging_only", unit="W", low=-TOLERANCE_FLOOR_W,
                                description=f"the deepest outlet power with a {SETPOINT_W:.0f} W CentralSetpoint sent"),
                    Measurement("evccid_in_started", one_of=(True, NOT_REQUIRED),
                                description="the bench EV's EVCCID in the transaction's idToken.additionalInfo"),
                    Measurement("service_v2x_allowed", one_of=("DC_BPT", "AC_BPT"),
                                description="the service the bench EV was given with V2X allowed"),
                    Measurement("power_v2x_allowed", unit="W", low=SETPOINT_W - BAND_W, high=SETPOINT_W + BAND_W,
                                description=f"mean outlet power at the {SETPOINT_W:.0f} W setpoint with V2X allowed")],
      kills=["v2x-offered-without-authorization", "evccid-missing-in-started"])
async def v2x_authorization(ctx: CaseContext) -> None:
    """Two drivers, one after the other. The first card is authorized without allowedEnergyTransfer
    (the CSMS could not yet decide: charging only); the EV wants V2X and the CSMS even sends a
    discharge setpoint — the analyzer must see no discharge. The second card is authorized with
    the bidirectional modes allowed: the DUT must then discharge at the setpoint (else the first
    half would pass on a DUT that cannot discharge at all)."""
    v2x_on = (await ctx.csms.get_variable("ISO15118Ctrlr", "Enabled") == "true"
              and await ctx.csms.get_variable("V2XChargingCtrlr", "Enabled", evse=1) == "true")
    tid, evcc, event, needs = await _tapped_session(ctx, "HB-Q01-CHARGE", None)
    ctx.measure["service_charging_only"] = evcc.service.name if evcc.service else "none"
    ctx.measure["requested_transfer"] = needs["chargingNeeds"].get("requestedEnergyTransfer", "absent")
    ctx.measure["evccid_in_started"] = _evccid_given(event, evcc.evccid) if v2x_on else NOT_REQUIRED
    res = await ctx.csms.call("SetChargingProfile", central_setpoint(tid, [(0, SETPOINT_W)], discharge_limit_w=-20_000.0))
    ctx.note(f"discharge setpoint to a driver allowed charging only: SetChargingProfile {res['status']}")
    step = await Stepper(ctx, "setpoint").watch(SETPOINT_W)
    ctx.measure["power_charging_only"] = rounded(step.lowest_w)
    await end_session(ctx, tid)
    await unplugged(ctx)
    tid, evcc, _event, _needs = await _tapped_session(ctx, "HB-Q01-V2X", V2X_ALLOWED)
    ctx.measure["service_v2x_allowed"] = evcc.service.name if evcc.service else "none"
    step = await Stepper(ctx, "setpoint").step(central_setpoint(tid, [(0, SETPOINT_W)], discharge_limit_w=-20_000.0),
                                               SETPOINT_W)
    ctx.measure["power_v2x_allowed"] = rounded(step.mean_w)
    await end_session(ctx, tid)


#: How long the outlet is watched after the CSMS refused the EV's needs, s.
WATCH_S = 3.0


@case("HB_Q_01_REJ_CS", "The CSMS refuses the EV's needs: the transaction ends ReqEnergyTransferRejected and no energy flows, as measured",
      use_cases=["Q01", "K19"], requirements=["Q01.FR.06", "K19.FR.16"], roles=ROLES, timeout_s=60,
      measurements=[Measurement("stopped_reason", equals="ReqEnergyTransferRejected"),
                    Measurement("highest_power", unit="W", high=100.0,
                                description=f"the highest outlet power in the {WATCH_S:g} s after NotifyEVChargingNeeds")],
      kills=["charging-needs-rejection-ignored"])
async def needs_rejected(ctx: CaseContext) -> None:
    """The bench CSMS answers NotifyEVChargingNeeds Rejected; the bench EV asks for energy all the
    same. The DUT must end the transaction and keep the outlet dead."""
    ctx.csms.answer("NotifyEVChargingNeeds", lambda _a, _req: {"status": "Rejected",
                                                                "statusInfo": {"reasonCode": "NoV2X"}})
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-Q01-REJ", 1101)
    await ctx.ev.start("auto", "dynamic")
    await ctx.csms.expect("NotifyEVChargingNeeds", 15)
    highest, end = 0.0, time.monotonic() + WATCH_S
    trace = ctx.series("outlet power", "W")
    while time.monotonic() < end:
        p, t_ns = await power.outlet_power(ctx)
        trace.add(p, t_ns)
        highest = max(highest, p)
    ctx.measure["highest_power"] = round(highest, 1)
    ended = await ctx.csms.expect("TransactionEvent", 5, lambda p: p["eventType"] == "Ended"
                                  and p["transactionInfo"]["transactionId"] == tid, required=False)
    ctx.measure["stopped_reason"] = ended["transactionInfo"].get("stoppedReason", "absent") if ended else "not ended"
    await ctx.ev.stop()
    if ended is None:
        await end_session(ctx, tid)
