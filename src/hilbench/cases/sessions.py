"""Bench EV sessions the cases share, measured by the power analyzer at the DUT's outlet: its
integrator started afresh, and a V2G round trip — the EV charges at 7 kW, then discharges at 5 kW
under a CentralSetpoint — with the import and export energy the analyzer counted over it."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from hilbench.cases.blocks.e_transactions import remote_start
from hilbench.cases.power import outlet_energy, session_dc
from hilbench.cases.profiles import central_setpoint
from hilbench.cases.tariff_cost import Expected, expected_cost
from hilbench.cases.v2x import end_session
from hilbench.runner.context import CaseContext


async def integrating(ctx: CaseContext) -> None:
    """The analyzer's integrator reset and started: it counts from here."""
    await ctx.io(ctx.power_analyzer.integration_reset)
    await ctx.io(ctx.power_analyzer.integration_start)


async def priced_import(ctx: CaseContext, tariff: dict[str, Any], dc: bool) -> tuple[float, Expected]:
    """The integrator stopped: the energy it counted into the EV at the DUT's outlet (Wh), and the
    bench's price of it by ``tariff`` now (a session that only charged)."""
    await ctx.io(ctx.power_analyzer.integration_stop)
    imported, _exported = outlet_energy(await ctx.io(ctx.power_analyzer.read), dc)
    return imported, expected_cost(tariff, import_wh=imported, export_wh=0.0, local=dt.datetime.now(dt.timezone.utc),
                                   evse_kind="DC" if dc else "AC")


@dataclass(frozen=True)
class RoundTrip:
    transaction_id: str
    ended: dict[str, Any]  #: the DUT's TransactionEvent Ended
    import_wh: float  #: the analyzer's, at the DUT's outlet
    export_wh: float
    dc: bool  #: a DC session (the outlet is the analyzer's DC element)


async def v2g_round_trip(ctx: CaseContext, token: str, remote_start_id: int, *, seconds: float) -> RoundTrip:
    """Plugged in and started remotely, the bench EV charges, then (3 s into the transaction)
    discharges for the rest of ``seconds``; the transaction stopped, the analyzer's energy read."""
    await integrating(ctx)
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, token, remote_start_id)
    await ctx.ev.start("auto", "dynamic")
    await ctx.csms.expect("NotifyEVChargingNeeds", 15)
    await ctx.csms.call("SetChargingProfile", central_setpoint(tid, [(0, 7_000.0), (3, -5_000.0)]))
    await asyncio.sleep(seconds)
    dc = session_dc(ctx)
    ended = await end_session(ctx, tid)
    await ctx.io(ctx.power_analyzer.integration_stop)
    imported, exported = outlet_energy(await ctx.io(ctx.power_analyzer.read), dc)
    ctx.check(imported > 1.0 and exported > 1.0,
              f"too little energy to judge (analyzer import {imported:.2f} Wh, export {exported:.2f} Wh)")
    return RoundTrip(tid, ended, imported, exported, dc)
