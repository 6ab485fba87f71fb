"""ISO — The DUT's SECC under ISO 15118-20, the bench as the EV: it answers within the standard's
performance times, as the bench EV's own clock measures them, and refuses a request out of
sequence with FAILED_SequenceError.

The use case column names the -20 topic (there is no OCPP use case id); the requirement column
names the -20 timing or rule. ⚠ The [V2G20-...] numbers were not at hand: the rules are named by
their parameter (V2G_SECC_Msg_Performance_Time) or their response code."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from hilbench.cases.blocks.e_transactions import remote_start
from hilbench.cases.model import Measurement, case
from hilbench.runner.context import CaseContext

ROLES = ["csms", "ev", "ev_emulator"]


@case("HB_ISO_01_CS", "The SECC answers within V2G_SECC_Msg_Performance_Time",
      use_cases=["ISO15118-20 timing"], requirements=["V2G_SECC_Msg_Performance_Time"], roles=ROLES,
      measurements=[Measurement("charge_loops", low=20, description="ChargeLoop exchanges timed"),
                    Measurement("late_responses", equals=0,
                                description="responses later than the standard's performance time (ChargeLoop 250 ms)")],
      kills=["secc-slow-chargeloop-response"], timeout_s=60)
async def performance_time(ctx: CaseContext) -> None:
    """A bidirectional session with the charge loop every 100 ms for 3 s; the bench EV times each
    response from its request leaving to the response arriving."""
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-ISO-01", 401)
    evcc = await ctx.ev.start("auto", "dynamic")
    deadline = time.monotonic() + 20
    while not evcc.loop_reports and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(3.0)
    await ctx.ev.stop()
    await ctx.csms.call("RequestStopTransaction", {"transactionId": tid})
    for name, stats in evcc.timing.by_message().items():
        ctx.note(f"{name}: {stats}")
    late = evcc.timing.exceeded()
    for x in late[:5]:
        ctx.note(f"late: {x.request} -> {x.response} after {x.response_time_ms:.1f} ms (limit {x.limit_s} s)")
    ctx.measure["charge_loops"] = sum(1 for x in evcc.timing.exchanges if x.request.endswith("ChargeLoopReq"))
    ctx.measure["late_responses"] = len(late)


@case("HB_ISO_02_CS", "A request out of sequence is refused with FAILED_SequenceError",
      use_cases=["ISO15118-20 sequence"], requirements=["FAILED_SequenceError"], roles=ROLES,
      measurements=[Measurement("response_code", equals="FAILED_SequenceError",
                                description="the SECC's answer to a SessionSetupReq in the charge loop")],
      kills=["secc-accepts-out-of-sequence"], timeout_s=60)
async def out_of_sequence(ctx: CaseContext) -> None:
    """In the charge loop the bench EV sends a SessionSetupReq (with the session's header) instead
    of its next ChargeLoopReq."""
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-ISO-02", 402)
    evcc = await ctx.ev.start("auto", "dynamic")
    record = evcc.link.hook
    seen: dict[str, Any] = {}

    def hook(direction: Literal["in", "out"], name: str, message: dict[str, Any]) -> Any:
        if direction == "out" and name.endswith("ChargeLoopReq") and "sent" not in seen:
            seen["sent"] = True
            message = {"SessionSetupReq": {"Header": message[name]["Header"], "EVCCID": "WMIV1234567890ABCDEX"}}
        elif direction == "in" and name == "SessionSetupRes" and "sent" in seen:
            seen["code"] = message[name].get("ResponseCode")
        return record(direction, next(iter(message)), message) if record else message

    evcc.link.hook = hook
    deadline = time.monotonic() + 20
    while "code" not in seen and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await ctx.ev.stop()
    await ctx.csms.call("RequestStopTransaction", {"transactionId": tid})
    ctx.measure["response_code"] = seen.get("code", "no SessionSetupRes within 20 s" if "sent" in seen
                                            else "the session never reached the charge loop")
