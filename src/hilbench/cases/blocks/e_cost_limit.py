"""E16 — a transaction with a fixed cost: the CSMS sets ``transactionLimit.maxCost``, the DUT
suspends the energy when its running cost reaches it (an Updated event with triggerReason
CostLimitReached, the EVSE SuspendedEVSE) and lets it flow again when the CSMS raises the limit.

What the energy cost is judged by is the bench's price of the energy the power analyzer counted
(``hilbench.cases.tariff_cost``), not the DUT's own running cost: a DUT that meters or prices low
overruns the prepaid amount, and that is what the case catches."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any

from hilbench.cases.blocks.e_transactions import charging_power, remote_start
from hilbench.cases.blocks.i_tariff_cost import ANALYZER, currency, set_default, simple_tariff
from hilbench.cases.sessions import integrating
from hilbench.cases.model import Measurement, case
from hilbench.cases.power import outlet_energy, outlet_power, session_dc
from hilbench.cases.tariff_cost import expected_cost
from hilbench.ocpp.defaults import csms_handlers
from hilbench.cases.v2x import end_session
from hilbench.runner.context import CaseContext

#: The prepaid amount, in the DUT's currency (the tariff's prices are x100: a few seconds' charging).
MAX_COST = 0.30
#: How long after reaching the limit the DUT may still deliver energy, s.
REACTION_S = 1.0
PRICE_KWH = 30.0


def limit_measurements(reaction_s: float) -> list[Measurement]:
    return [Measurement("limit_trigger", equals="CostLimitReached"),
            Measurement("state_at_limit", equals="SuspendedEVSE"),
            Measurement("cost_over_limit", unit="currency",
                        description=f"the analyzer's energy priced by the tariff, less maxCost (allowed: {reaction_s:g} s more)"),
            Measurement("power_after_limit", unit="W", low=-50.0, high=50.0)]


async def until_cost_limit(ctx: CaseContext, start: Callable[[], Awaitable[None]], max_cost: float, *,
                           tariff_id: str, reaction_s: float) -> dict[str, Any] | None:
    """A default tariff (PRICE_KWH + VAT), every TransactionEvent answered with ``maxCost``, the
    transaction begun by ``start`` and the bench EV charging until the DUT reports CostLimitReached;
    the energy then priced as the analyzer counted it. Returns the limit (raise ``maxCost`` in it
    and the next answer carries the new value), None when the DUT never reported the limit."""
    tariff = simple_tariff(tariff_id, await currency(ctx), PRICE_KWH)
    ctx.check(await set_default(ctx, tariff) == "Accepted", "SetDefaultTariff was not Accepted")
    limit: dict[str, Any] = {"maxCost": max_cost}
    default = csms_handlers()["TransactionEvent"]
    ctx.csms.answer("TransactionEvent", lambda action, req: default(action, req) | {"transactionLimit": dict(limit)})
    await integrating(ctx)
    await ctx.io(ctx.ev.plug_in)
    await start()
    await ctx.ev.start("auto", "dynamic")
    power_w = await charging_power(ctx)
    dc = session_dc(ctx)
    deadline = time.monotonic() + 30.0
    reached = None
    while reached is None and time.monotonic() < deadline:  # the highest power before the limit: the allowance's
        power_w = max(power_w, (await outlet_power(ctx))[0])
        reached = await ctx.csms.expect_event("Updated", "CostLimitReached", timeout=0.2, required=False)
    ctx.measure["limit_trigger"] = "CostLimitReached" if reached else "none within 30 s"
    if reached is None:
        return None
    ctx.measure["state_at_limit"] = reached["transactionInfo"].get("chargingState", "absent")
    await asyncio.sleep(reaction_s + 1.0)
    ctx.measure["power_after_limit"] = round((await outlet_power(ctx))[0], 1)
    imported, _exported = outlet_energy(await ctx.io(ctx.power_analyzer.read), dc)
    now, kind = dt.datetime.now(dt.timezone.utc), "DC" if dc else "AC"
    cost = expected_cost(tariff, import_wh=imported, export_wh=0.0, local=now, evse_kind=kind)
    # reaction_s more at the highest power seen, priced by the tariff with its tax
    kwh_incl = (expected_cost(tariff, import_wh=1000.0, export_wh=0.0, local=now, evse_kind=kind).incl
                - expected_cost(tariff, import_wh=0.0, export_wh=0.0, local=now, evse_kind=kind).incl)
    allowance = kwh_incl * power_w * reaction_s / 3.6e6
    ctx.measure.limits("cost_over_limit", low=-cost.tolerance, high=allowance + cost.tolerance)
    ctx.measure["cost_over_limit"] = round(cost.incl - max_cost, 4)
    ctx.note(f"analyzer {imported:.3f} Wh = {cost.incl:.4f} incl. tax at the limit {max_cost}; {power_w:.0f} W before it")
    return limit


async def end_transaction(ctx: CaseContext) -> None:
    started = next(p for p in ctx.csms.received("TransactionEvent") if p["eventType"] == "Started")
    await end_session(ctx, started["transactionInfo"]["transactionId"])


@case("HB_E_16_COST_CS", "Transaction with a fixed cost: the energy stops at maxCost as the analyzer prices it, and resumes when it is raised",
      use_cases=["E16", "I12"], requirements=["E16.FR.02", "E16.FR.05"], roles=ANALYZER, timeout_s=90,
      measurements=[*limit_measurements(REACTION_S), Measurement("power_after_raise", unit="W", low=500.0)],
      kills=["ignores-max-cost"])
async def cost_limit(ctx: CaseContext) -> None:
    """maxCost comes in the response to every TransactionEvent; once the DUT reports
    CostLimitReached and the power is gone, the bench prices what flowed, raises the limit by 1.00
    and asks for a TransactionEvent (TriggerMessage) to carry it; the energy must flow again."""
    async def start() -> None:
        await remote_start(ctx, "HB-E16", 1601)

    limit = await until_cost_limit(ctx, start, MAX_COST, tariff_id="HB-E16-COST", reaction_s=REACTION_S)
    if limit is None:
        return
    limit["maxCost"] = MAX_COST + 1.0
    await ctx.csms.call("TriggerMessage", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}})
    await charging_power(ctx, timeout=10.0)
    ctx.measure["power_after_raise"] = round((await outlet_power(ctx))[0], 1)
    await end_transaction(ctx)
