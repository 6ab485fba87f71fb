"""S — battery swap stations (OCPP 2.1 S01-S04): a swap authorized by a card at the station or by
the CSMS (RequestBatterySwap), the batteries going in and out reported with their own data
(BatterySwap BatteryIn / BatteryOut), and the battery that came in charged in its slot — judged by
the energy the power analyzer measured going into it against the state of charge the station
later reports for it.

A driver at the station's reader and slots is the ``swap_bay`` role: the virtual charger's on
``rigs/sim-swap.toml``; on a rig whose DUT is no swap station these cases skip."""

from __future__ import annotations

from typing import Any

from hilbench.cases.model import Measurement, case
from hilbench.runner.context import CaseContext

ROLES = ("csms", "swap_bay")
Payload = dict[str, Any]


def swap_events(ctx: CaseContext, kind: str | None = None) -> list[Payload]:
    return [p for p in ctx.csms.received("BatterySwap") if kind is None or p.get("eventType") == kind]


async def swap_event(ctx: CaseContext, kind: str, timeout: float = 5.0) -> Payload | None:
    return await ctx.csms.expect("BatterySwap", timeout, lambda p: p.get("eventType") == kind, required=False)


def battery(event: Payload | None) -> Payload:
    data = (event or {}).get("batteryData") or [{}]
    return dict(data[0])


async def remote_swap(ctx: CaseContext, request_id: int, token: str) -> str:
    res = await ctx.csms.call("RequestBatterySwap", {"requestId": request_id, "idToken": {"idToken": token, "type": "ISO14443"}})
    return str(res["status"])


@case("HB_S_01_CS", "Local authorization of a swap: no slot opens for a refused card; an accepted one swaps",
      use_cases=["S01", "S03"], requirements=["S01.FR.01", "S01.FR.02"], roles=ROLES,
      measurements=[Measurement("refused_card", equals="Invalid"),
                    Measurement("slot_for_refused_card", equals="NotAuthorized"),
                    Measurement("battery_for_refused_card", equals=False),
                    Measurement("accepted_card", equals="Accepted"),
                    Measurement("swap_for_accepted_card", equals=True, description="BatteryIn and BatteryOut with its idToken")],
      kills=["swap-out-without-authorization"])
async def local_authorization(ctx: CaseContext) -> None:
    ctx.csms.answer("Authorize", lambda _a, req: {"idTokenInfo": {
        "status": "Accepted" if req["idToken"]["idToken"] == "HB-S01-OK" else "Invalid"}})
    ctx.measure["refused_card"] = await ctx.swap.tap("HB-S01-BAD")
    ctx.measure["slot_for_refused_card"] = ctx.swap.insert("HB-S01-REFUSED", 20.0)
    ctx.measure["battery_for_refused_card"] = ctx.swap.take() is not None or bool(swap_events(ctx))
    ctx.measure["accepted_card"] = await ctx.swap.tap("HB-S01-OK")
    ctx.check(ctx.swap.insert("HB-S01-IN", 15.0) == "Accepted", "the station kept its free slot shut")
    out = ctx.swap.take()
    events = [await swap_event(ctx, "BatteryIn"), await swap_event(ctx, "BatteryOut")]
    ctx.measure["swap_for_accepted_card"] = out is not None and all(
        e is not None and e.get("idToken", {}).get("idToken") == "HB-S01-OK" for e in events)


@case("HB_S_02_CS", "Remote swap: RequestBatterySwap accepted once, refused while the swap is under way; its requestId on both events",
      use_cases=["S02", "S03"], requirements=["S02.FR.01", "S02.FR.02", "S02.FR.03"], roles=ROLES,
      measurements=[Measurement("request", equals="Accepted"), Measurement("second_request", equals="Rejected"),
                    Measurement("request_id_on_events", equals=True),
                    Measurement("slot_after_the_swap", equals="NotAuthorized", description="a battery offered once the swap is done")],
      kills=["swap-out-without-authorization"])
async def remote_swap_request(ctx: CaseContext) -> None:
    ctx.measure["request"] = await remote_swap(ctx, 4201, "HB-S02")
    ctx.measure["second_request"] = await remote_swap(ctx, 4202, "HB-S02-OTHER")
    ctx.check(ctx.swap.insert("HB-S02-IN", 18.0) == "Accepted", "the station kept its free slot shut")
    ctx.check(ctx.swap.take() is not None, "the station released no battery")
    events = [await swap_event(ctx, "BatteryIn"), await swap_event(ctx, "BatteryOut")]
    ctx.measure["request_id_on_events"] = all(e is not None and e["requestId"] == 4201 for e in events)
    ctx.measure["slot_after_the_swap"] = ctx.swap.insert("HB-S02-UNPAID", 30.0)


@case("HB_S_03_CS", "Swap in and out: each event carries the slot and the battery's own serial number, SoC and SoH",
      use_cases=["S03"], requirements=["S03.FR.01", "S03.FR.02", "S03.FR.03", "S03.FR.04"], roles=ROLES,
      measurements=[Measurement("battery_in_data", equals=True, description="BatteryIn: the battery the driver put in"),
                    Measurement("battery_out_data", equals=True, description="BatteryOut: the battery the driver got"),
                    Measurement("charged_battery_out", unit="%", low=80.0, description="the SoC of the battery released"),
                    Measurement("different_slots", equals=True)],
      kills=["swap-battery-data-missing"])
async def swap_in_out(ctx: CaseContext) -> None:
    ctx.check(await remote_swap(ctx, 4301, "HB-S03") == "Accepted", "RequestBatterySwap was not Accepted")
    ctx.check(ctx.swap.insert("HB-S03-IN", 12.0, soh=87.0) == "Accepted", "the station kept its free slot shut")
    got = ctx.swap.take()
    ctx.check(got is not None, "the station released no battery")
    assert got is not None
    came_in, went_out = battery(await swap_event(ctx, "BatteryIn")), battery(await swap_event(ctx, "BatteryOut"))
    ctx.measure["battery_in_data"] = came_in.get("serialNumber") == "HB-S03-IN" and \
        abs(float(came_in.get("soC", -1)) - 12.0) <= 0.5 and abs(float(came_in.get("soH", -1)) - 87.0) <= 0.5
    ctx.measure["battery_out_data"] = went_out.get("serialNumber") == got["serialNumber"] and \
        abs(float(went_out.get("soC", -1)) - got["soC"]) <= 0.5
    ctx.measure["charged_battery_out"] = float(went_out.get("soC", 0.0))
    ctx.measure["different_slots"] = came_in.get("evseId") is not None and came_in.get("evseId") != went_out.get("evseId")


#: The test battery S04 charges: a small capacity, so that a percent of it is a fraction of a Wh.
TEST_CAPACITY_WH, TEST_SOC = 40.0, 99.0


@case("HB_S_04_CS", "The battery that came in is charged in its slot: the analyzer's energy into it against the SoC the station then reports",
      use_cases=["S04", "S03"], requirements=["S04.FR.01", "S04.FR.02", "S04.FR.03"],
      roles=(*ROLES, "power_analyzer"), timeout_s=60,
      measurements=[Measurement("charging_slot_matches", equals=True,
                                description="the charging transaction's EVSE is the slot the battery went into"),
                    Measurement("ended_full", equals="SoCLimitReached"),
                    Measurement("soc_reported_out", unit="%", low=99.9, high=100.0),
                    Measurement("energy_vs_soc", unit="%", low=-5.0, high=5.0,
                                description="the analyzer's DC energy against (SoC out - SoC in) x capacity")],
      kills=["swap-charges-wrong-slot"])
async def slot_charging(ctx: CaseContext) -> None:
    """A battery at 99 % of 40 Wh goes in (a test battery: a percent of it is 0.4 Wh); the station
    charges it in its slot until full, the analyzer's DC element counting the energy; a second
    swap then releases it (the fullest battery) and its BatteryOut says what SoC the station
    believes it has."""
    await ctx.io(ctx.power_analyzer.integration_reset)
    await ctx.io(ctx.power_analyzer.integration_start)
    ctx.check(await remote_swap(ctx, 4401, "HB-S04") == "Accepted", "RequestBatterySwap was not Accepted")
    ctx.check(ctx.swap.insert("HB-S04-IN", TEST_SOC, capacity_wh=TEST_CAPACITY_WH) == "Accepted",
              "the station kept its free slot shut")
    ctx.check(ctx.swap.take() is not None, "the station released no battery")
    slot = battery(await swap_event(ctx, "BatteryIn")).get("evseId")
    started = await ctx.csms.expect_event("Started", timeout=5)
    ctx.measure["charging_slot_matches"] = (started.get("evse") or {}).get("id") == slot
    ended = await ctx.csms.expect_event("Ended", timeout=20, required=False)
    ctx.measure["ended_full"] = ended["triggerReason"] if ended else "not within 20 s"
    await ctx.io(ctx.power_analyzer.integration_stop)
    energy_wh = (await ctx.io(ctx.power_analyzer.read))["1"].import_wh
    ctx.check(await remote_swap(ctx, 4402, "HB-S04-NEXT") == "Accepted", "the second RequestBatterySwap was not Accepted")
    ctx.check(ctx.swap.insert("HB-S04-NEXT", 30.0) == "Accepted", "the station kept its free slot shut")
    out = ctx.swap.take()
    went_out = battery(await swap_event(ctx, "BatteryOut"))
    ctx.check(out is not None and went_out.get("serialNumber") == "HB-S04-IN",
              f"the second swap released {went_out.get('serialNumber')!r}, not the battery charged to full")
    soc_out = float(went_out.get("soC", 0.0))
    ctx.measure["soc_reported_out"] = soc_out
    stored_wh = (soc_out - TEST_SOC) / 100.0 * TEST_CAPACITY_WH
    ctx.check(energy_wh > 0.1, f"the analyzer counted {energy_wh:.3f} Wh into the slot: too little to judge")
    ctx.measure["energy_vs_soc"] = round(100.0 * (energy_wh - stored_wh) / stored_wh, 2) if stored_wh > 0 else float("inf")
    ctx.note(f"analyzer {energy_wh:.3f} Wh into slot {slot}; SoC {TEST_SOC} % -> {soc_out} % of {TEST_CAPACITY_WH} Wh "
             f"= {stored_wh:.3f} Wh")
