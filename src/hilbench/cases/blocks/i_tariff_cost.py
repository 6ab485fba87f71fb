"""I — Tariff and cost (OCPP 2.1 local cost calculation): default tariffs set, listed, cleared and
refused; the cost the DUT reports for a V2G session against the cost the bench computes from the
tariff and the power analyzer's import and export energy (``hilbench.cases.tariff_cost``); the
running cost while charging; a tariff changed during a transaction.

The sessions last seconds, so the tariffs' prices are about a hundred times a real tariff's: the
cost of a few watt-hours then comes to tens of cents, which a DUT that rounds to the cent still
resolves. Nothing in the checks depends on the scale."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from typing import Any

from hilbench.cases.blocks.e_transactions import authorized_event, charging_power, events_of, remote_start
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.power import outlet_energy, outlet_power, session_dc
from hilbench.cases.profiles import tx_profile
from hilbench.cases.sessions import integrating, priced_import, v2g_round_trip
from hilbench.cases.tariff_cost import expected_cost, local_time, reported_total
from hilbench.cases.v2x import end_session
from hilbench.runner.context import CaseContext

Payload = dict[str, Any]
VAT = {"type": "VAT", "tax": 19.0}
ANALYZER = ("csms", "ev", "ev_emulator", "power_analyzer")


async def currency(ctx: CaseContext) -> str:
    """The currency the DUT bills in (TariffCostCtrlr.Currency): the tariffs are in it."""
    return await ctx.csms.get_variable("TariffCostCtrlr", "Currency") or "EUR"


def simple_tariff(tariff_id: str, currency_code: str, price_kwh: float, **more: Any) -> Payload:
    return {"tariffId": tariff_id, "currency": currency_code,
            "energy": {"prices": [{"priceKwh": price_kwh}], "taxRates": [VAT]}, **more}


async def set_default(ctx: CaseContext, tariff: Payload, evse_id: int = 0) -> str:
    res = await ctx.csms.call("SetDefaultTariff", {"evseId": evse_id, "tariff": tariff})
    return str(res["status"])


def tariff_ids(events: list[Payload]) -> list[str]:
    return [e["transactionInfo"]["tariffId"] for e in events if "tariffId" in e["transactionInfo"]]


def _hhmm(at: dt.datetime) -> str:
    return at.strftime("%H:%M")


#: The time zone HB_I_12_CS gives the DUT (UTC+05:30, no daylight saving).
LOCAL_ZONE = "Asia/Kolkata"


def v2g_tariff(tariff_id: str, currency_code: str, local: dt.datetime) -> Payload:
    """Import and export priced apart, by time of day, a start fee, stacked taxes. The first element
    holds for an hour that is not now (free energy then): a DUT that ignores the conditions bills
    everything free. Discharged kWh are credited at 20.00; charged ones cost 40.00 in the present
    hour, 60.00 at any other time."""
    return {
        "tariffId": tariff_id, "currency": currency_code,
        "description": [{"format": "UTF8", "language": "en", "content": "hilbench V2G test tariff (prices x100)"}],
        "energy": {"prices": [
            {"priceKwh": 0.0, "conditions": {"startTimeOfDay": _hhmm(local + dt.timedelta(hours=3)),
                                             "endTimeOfDay": _hhmm(local + dt.timedelta(hours=4))}},
            {"priceKwh": 20.0, "conditions": {"minPower": -1.0}},
            {"priceKwh": 40.0, "conditions": {"startTimeOfDay": _hhmm(local - dt.timedelta(hours=1)),
                                              "endTimeOfDay": _hhmm(local + dt.timedelta(hours=1))}},
            {"priceKwh": 60.0}],
            "taxRates": [VAT, {"type": "Levy", "tax": 5.0, "stack": 1}]},
        "fixedFee": {"prices": [{"priceFixed": 0.5}], "taxRates": [VAT]},
    }


@case("HB_I_12_CS", "V2G session cost: the DUT's final costDetails against the tariff and the analyzer's import and export",
      use_cases=["I07", "I12"], requirements=["I07.FR.10", "I07.FR.12", "I07.FR.17", "I12.FR.01", "I12.FR.04", "I12.FR.05", "I12.FR.09", "I12.FR.13",
                                              "I12.FR.16", "I12.FR.17", "I12.FR.30"],
      roles=ANALYZER, timeout_s=90,
      measurements=[Measurement("default_tariff_status", equals="Accepted"),
                    Measurement("tariff_in_transaction", equals=True,
                                description="transactionInfo.tariffId names the tariff set"),
                    Measurement("running_cost_updates", low=2, description="RunningCost events at Interval[Cost] = 1 s"),
                    Measurement("cost_currency", equals=True),
                    Measurement("total_excl_tax_error", unit="currency", description="DUT - bench, excluding tax"),
                    Measurement("total_incl_tax_error", unit="currency", description="DUT - bench, including tax")],
      kills=["export-billed-as-import", "cost-without-tax", "tariff-condition-ignored", "no-running-cost-updates",
             "tariff-time-in-utc"])
async def v2g_session_cost(ctx: CaseContext) -> None:
    """The DUT bills a session that charges at 7 kW, then discharges at 5 kW under a CentralSetpoint,
    by a default tariff with an import price for the present hour, an export credit, a free hour
    that is not now, a start fee and two stacked taxes. The bench prices the analyzer's import and
    export energy at the DUT's outlet by the same tariff in the DUT's local time
    (ClockCtrlr.TimeZone) and holds the DUT's final total, with and without tax, against it."""
    code = await currency(ctx)
    # a zone half an hour off any whole-hour one: a DUT that prices by UTC (or by an offset it
    # rounded) falls outside the present-hour window; a DUT whose zone is not writable keeps its own
    await ctx.csms.set_variables(("ClockCtrlr", "TimeZone", LOCAL_ZONE))
    zone = await ctx.csms.get_variable("ClockCtrlr", "TimeZone")
    ctx.note(f"the DUT's time zone: {zone or 'none (UTC)'}")
    start = dt.datetime.now(dt.timezone.utc)
    tariff = v2g_tariff("HB-I12-V2G", code, local_time(start, zone))
    ctx.measure["default_tariff_status"] = await set_default(ctx, tariff)
    await ctx.csms.set_variables(("TariffCostCtrlr", "Interval", 1, {"instance": "Cost"}))
    trip = await v2g_round_trip(ctx, "HB-I12", 1201, seconds=5.0)
    tid, ended, imported, exported, dc = trip.transaction_id, trip.ended, trip.import_wh, trip.export_wh, trip.dc
    events = events_of(ctx, tid)
    ctx.measure["tariff_in_transaction"] = tariff["tariffId"] in tariff_ids(events)
    running = [e for e in events if e["triggerReason"] == "RunningCost"]
    for e in running:
        reported_total(e.get("costDetails"), f"TransactionEvent seqNo {e['seqNo']} (RunningCost)")
    ctx.measure["running_cost_updates"] = len(running)
    details = ended.get("costDetails")
    excl, incl = reported_total(details, "TransactionEvent Ended")
    ctx.measure["cost_currency"] = (details or {}).get("totalCost", {}).get("currency") == code
    expected = expected_cost(tariff, import_wh=imported, export_wh=exported, local=local_time(start, zone),
                             evse_kind="DC" if dc else "AC")
    ctx.note(f"analyzer: import {imported:.3f} Wh, export {exported:.3f} Wh; bench: {expected.excl:.4f} excl., "
             f"{expected.incl:.4f} incl. tax (± {expected.tolerance:.4f}); DUT: {excl:.4f} / {incl:.4f} {code}")
    ctx.measure.limits("total_excl_tax_error", low=-expected.tolerance, high=expected.tolerance)
    ctx.measure.limits("total_incl_tax_error", low=-expected.tolerance, high=expected.tolerance)
    ctx.measure["total_excl_tax_error"] = round(excl - expected.excl, 4)
    ctx.measure["total_incl_tax_error"] = round(incl - expected.incl, 4)


@case("HB_I_08_CS", "Driver tariff with the authorization: the transaction is billed by it, not by the default tariff",
      use_cases=["I08", "I12"], requirements=["I08.FR.22", "I12.FR.01", "I12.FR.04"],
      roles=(*ANALYZER, "card_reader"), timeout_s=90,
      measurements=[Measurement("authorized", equals="Accepted"),
                    Measurement("tariff_in_transaction", equals=True, description="transactionInfo.tariffId names the driver's tariff"),
                    Measurement("total_incl_tax_error", unit="currency", description="DUT - bench, by the driver's tariff")],
      kills=["driver-tariff-ignored"])
async def driver_tariff(ctx: CaseContext) -> None:
    """A default tariff at 30.00/kWh is set; the driver's card is authorized with a tariff of its own
    at 70.00/kWh (AuthorizeResponse.tariff); the EV charges a few seconds. The final cost must be
    the driver's tariff's price of the analyzer's energy."""
    code = await currency(ctx)
    ctx.check(await set_default(ctx, simple_tariff("HB-I08-DEFAULT", code, 30.0)) == "Accepted", "SetDefaultTariff was not Accepted")
    mine = simple_tariff("HB-I08-DRIVER", code, 70.0)
    ctx.csms.answer("Authorize", lambda _a, _req: {"idTokenInfo": {"status": "Accepted"}, "tariff": mine})
    await integrating(ctx)
    await ctx.io(ctx.ev.plug_in)
    ctx.measure["authorized"] = await ctx.card.tap("HB-I08")
    await ctx.ev.start("auto", "dynamic")
    await charging_power(ctx)
    await asyncio.sleep(2.0)
    dc = session_dc(ctx)
    authorized = await authorized_event(ctx, timeout=5)
    tid = authorized["transactionInfo"]["transactionId"]
    ended = await end_session(ctx, tid)
    imported, expected = await priced_import(ctx, mine, dc)
    # the tariff named from the driver's authorization on (a Started before it, at plug-in, may
    # name the default tariff the transaction began under)
    since = [e for e in events_of(ctx, tid) if e["seqNo"] >= authorized["seqNo"]]
    ctx.measure["tariff_in_transaction"] = tariff_ids(since)[:1] == ["HB-I08-DRIVER"]
    _excl, incl = reported_total(ended.get("costDetails"), "TransactionEvent Ended")
    ctx.measure.limits("total_incl_tax_error", low=-expected.tolerance, high=expected.tolerance)
    ctx.measure["total_incl_tax_error"] = round(incl - expected.incl, 4)


@case("HB_I_12_TIME_CS", "Charging and idle time priced per minute: the DUT's total against the times the analyzer saw energy flow and not",
      use_cases=["I12"], requirements=["I12.FR.10", "I12.FR.11"], roles=ANALYZER, timeout_s=90,
      measurements=[Measurement("charging_s", unit="s", low=1.0, description="the analyzer's outlet power above 50 W"),
                    Measurement("idle_s", unit="s", low=1.0, description="the rest of the transaction"),
                    Measurement("total_excl_tax_error", unit="currency", description="DUT - bench")],
      kills=["idle-billed-as-charging"])
async def time_priced(ctx: CaseContext) -> None:
    """Charging time costs 6.00 a minute, idle time 1.50. The bench samples the outlet power from the
    Started to the Ended it receives: the EV charges for a while, then a TxProfile limit of 0 W
    keeps it connected without energy (SuspendedEVSE) until the transaction ends."""
    tariff = {"tariffId": "HB-I12-TIME", "currency": await currency(ctx),
              "chargingTime": {"prices": [{"priceMinute": 6.0}]}, "idleTime": {"prices": [{"priceMinute": 1.5}]}}
    ctx.check(await set_default(ctx, tariff) == "Accepted", "SetDefaultTariff was not Accepted")
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-I12-TIME", 1204)
    begin = time.monotonic()
    samples: list[tuple[float, float]] = []

    async def sample() -> None:
        while True:
            samples.append((time.monotonic(), (await outlet_power(ctx))[0]))
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    try:
        await ctx.ev.start("auto", "dynamic")
        await charging_power(ctx)
        await asyncio.sleep(2.5)
        await ctx.csms.call("SetChargingProfile", tx_profile(tid, [{"startPeriod": 0, "limit": 0.0}]))
        await asyncio.sleep(2.0)
        ended = await end_session(ctx, tid)
        end = time.monotonic()
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler  # an analyzer error in the sampler is the case's error, not a short trace
    flowing = sum(b[0] - a[0] for a, b in zip(samples, samples[1:]) if abs(a[1]) > 50.0 and b[0] <= end)
    ctx.measure["charging_s"], ctx.measure["idle_s"] = round(flowing, 2), round(end - begin - flowing, 2)
    excl, _incl = reported_total(ended.get("costDetails"), "TransactionEvent Ended")
    expected = expected_cost(tariff, import_wh=0.0, export_wh=0.0, local=dt.datetime.now(dt.timezone.utc),
                             evse_kind="DC", charging_s=flowing, idle_s=end - begin - flowing)
    ctx.note(f"analyzer: {flowing:.2f} s charging, {end - begin - flowing:.2f} s idle: {expected.excl:.4f} "
             f"(± {expected.tolerance:.4f}); DUT {excl:.4f}")
    ctx.measure.limits("total_excl_tax_error", low=-expected.tolerance, high=expected.tolerance)
    ctx.measure["total_excl_tax_error"] = round(excl - expected.excl, 4)


@case("HB_I_07_NEG_CS", "SetDefaultTariff: a malformed tariff is refused with the status the spec names, and not held",
      use_cases=["I07"], requirements=["I07.FR.02", "I07.FR.04"],
      measurements=[Measurement("foreign_currency", equals="Rejected"),
                    Measurement("too_many_elements", equals="TooManyElements"),
                    Measurement("negative_fixed_price", equals="Rejected"),
                    Measurement("negative_tax", equals="Rejected"),
                    Measurement("duplicate_tariff_id", equals="DuplicateTariffId"),
                    Measurement("refused_tariffs_held", equals=0, description="GetTariffs after the refusals")],
      kills=["accepts-malformed-tariff"])
async def malformed_tariffs(ctx: CaseContext) -> None:
    code = await currency(ctx)
    foreign = "ZZZ" if code != "ZZZ" else "XTS"  # ZZZ is no ISO 4217 code
    max_elements = int(await ctx.csms.get_variable("TariffCostCtrlr", "MaxElements", instance="Tariff") or 64)
    many = [{"priceKwh": 0.30 + i / 100, "conditions": {"dayOfWeek": ["Monday"]}} for i in range(max_elements)]
    refused = {
        "foreign_currency": simple_tariff("HB-I07-CUR", foreign, 30.0),
        "too_many_elements": {"tariffId": "HB-I07-MANY", "currency": code,
                              "energy": {"prices": [*many, {"priceKwh": 0.30}]}},
        "negative_fixed_price": simple_tariff("HB-I07-FIX", code, 30.0, fixedFee={"prices": [{"priceFixed": -1.0}]}),
        "negative_tax": {"tariffId": "HB-I07-TAX", "currency": code,
                         "energy": {"prices": [{"priceKwh": 30.0}], "taxRates": [{"type": "VAT", "tax": -19.0}]}},
    }
    for name, tariff in refused.items():
        ctx.measure[name] = await set_default(ctx, tariff)
    held = await ctx.csms.call("GetTariffs", {"evseId": 0})
    ids = {a["tariffId"] for a in held.get("tariffAssignments", [])}
    ctx.measure["refused_tariffs_held"] = len(ids & {t["tariffId"] for t in refused.values()})
    first = simple_tariff("HB-I07-DUP", code, 30.0)
    ctx.check(await set_default(ctx, first) == "Accepted", "SetDefaultTariff of a well-formed tariff was not Accepted")
    ctx.measure["duplicate_tariff_id"] = await set_default(ctx, simple_tariff("HB-I07-DUP", code, 45.0))


@case("HB_I_07_COND_CS", "SetDefaultTariff with a condition the DUT declares it cannot evaluate: ConditionNotSupported",
      use_cases=["I07"], requirements=["I07.FR.03"],
      measurements=[Measurement("unsupported_condition", equals="ConditionNotSupported")],
      kills=["accepts-malformed-tariff"])
async def unsupported_condition(ctx: CaseContext) -> None:
    """The condition comes from the DUT's conformance statement (the rig's
    ``unsupported_tariff_conditions``), or any one when it reports
    ``TariffCostCtrlr.ConditionsSupported[Tariff]`` false; without either the case is skipped."""
    declared = list(ctx.dut.get("unsupported_tariff_conditions", []))
    if not declared and await ctx.csms.get_variable("TariffCostCtrlr", "ConditionsSupported", instance="Tariff") == "false":
        declared = ["dayOfWeek"]
    if not declared:
        raise CaseSkipped("the DUT declares no tariff condition it cannot evaluate")
    values: dict[str, Any] = {"dayOfWeek": ["Monday"], "startTimeOfDay": "08:00", "endTimeOfDay": "09:00",
                              "validFromDate": "2020-01-01", "validToDate": "2099-01-01", "evseKind": "DC"}
    condition = {declared[0]: values.get(declared[0], 10)}
    tariff = {"tariffId": "HB-I07-COND", "currency": await currency(ctx),
              "energy": {"prices": [{"priceKwh": 50.0, "conditions": condition}, {"priceKwh": 30.0}]}}
    ctx.note(f"condition sent: {condition}")
    ctx.measure["unsupported_condition"] = await set_default(ctx, tariff)


@case("HB_I_09_CS", "GetTariffs lists the default tariff set on an EVSE, with its kind and EVSE",
      use_cases=["I09", "I07"], requirements=["I09.FR.01", "I09.FR.04", "I07.FR.12"],
      measurements=[Measurement("status", equals="Accepted"), Measurement("listed_on_evse", equals=True),
                    Measurement("listed_for_all", equals=True)],
      kills=["get-tariffs-forgets-default"])
async def get_tariffs(ctx: CaseContext) -> None:
    ctx.check(await set_default(ctx, simple_tariff("HB-I09", await currency(ctx), 30.0), evse_id=1) == "Accepted",
              "SetDefaultTariff was not Accepted")

    def listed(res: Payload) -> bool:
        return any(a["tariffId"] == "HB-I09" and a["tariffKind"] == "DefaultTariff" and 1 in a.get("evseIds", [])
                   for a in res.get("tariffAssignments", []))

    on_evse = await ctx.csms.call("GetTariffs", {"evseId": 1})
    ctx.measure["status"] = on_evse["status"]
    ctx.measure["listed_on_evse"] = listed(on_evse)
    ctx.measure["listed_for_all"] = listed(await ctx.csms.call("GetTariffs", {"evseId": 0}))


@case("HB_I_10_CS", "ClearTariffs by id, then all: cleared tariffs are gone, a second clear finds none",
      use_cases=["I10", "I09"], requirements=["I10.FR.02", "I10.FR.03", "I10.FR.06"],
      measurements=[Measurement("clear_by_id", equals="Accepted"), Measurement("other_kept", equals=True),
                    Measurement("cleared_gone", equals=True), Measurement("clear_again", equals="NoTariff"),
                    Measurement("clear_all", equals="Accepted"), Measurement("after_clear_all", equals="NoTariff")],
      kills=["clear-tariffs-ignored"])
async def clear_tariffs(ctx: CaseContext) -> None:
    """Two default tariffs on EVSE 1: one in force, one taking over tomorrow (validFrom)."""
    code = await currency(ctx)
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat(timespec="seconds").replace("+00:00", "Z")
    for tariff in (simple_tariff("HB-I10-A", code, 30.0), simple_tariff("HB-I10-B", code, 35.0, validFrom=tomorrow)):
        ctx.check(await set_default(ctx, tariff, evse_id=1) == "Accepted", f"SetDefaultTariff {tariff['tariffId']} was not Accepted")

    async def listed() -> set[str]:
        res = await ctx.csms.call("GetTariffs", {"evseId": 0})
        return {a["tariffId"] for a in res.get("tariffAssignments", [])}

    async def clear(payload: Payload) -> str:
        res = await ctx.csms.call("ClearTariffs", payload)
        statuses = {r["status"] for r in res["clearTariffsResult"]}
        return statuses.pop() if len(statuses) == 1 else f"{sorted(statuses)}"

    ctx.measure["clear_by_id"] = await clear({"tariffIds": ["HB-I10-A"]})
    held = await listed()
    ctx.measure["cleared_gone"] = "HB-I10-A" not in held
    ctx.measure["other_kept"] = "HB-I10-B" in held
    ctx.measure["clear_again"] = await clear({"tariffIds": ["HB-I10-A"]})
    ctx.measure["clear_all"] = await clear({})
    ctx.measure["after_clear_all"] = (await ctx.csms.call("GetTariffs", {"evseId": 0}))["status"]


@case("HB_I_11_CS", "ChangeTransactionTariff while charging: the energy after the change is billed at the new tariff",
      use_cases=["I11", "I12"], requirements=["I11.FR.07", "I12.FR.35", "I12.FR.36"],
      roles=ANALYZER, timeout_s=90,
      measurements=[Measurement("change_status", equals="Accepted"),
                    Measurement("tariff_changed_event", equals=True, description="TariffChanged with the new tariffId"),
                    Measurement("other_currency", equals="NoCurrencyChange"),
                    Measurement("unknown_transaction", equals="TxNotFound"),
                    Measurement("total_excl_tax_error", unit="currency", description="DUT - bench, excluding tax")],
      kills=["change-tariff-ignored"])
async def change_tariff(ctx: CaseContext) -> None:
    """The bench reads the analyzer's running integrator just before and just after the change: the
    energy between the two readings may be billed at either tariff, which widens the tolerance."""
    code = await currency(ctx)
    old, new = simple_tariff("HB-I11-OLD", code, 30.0), simple_tariff("HB-I11-NEW", code, 90.0)
    ctx.check(await set_default(ctx, old) == "Accepted", "SetDefaultTariff was not Accepted")
    await integrating(ctx)
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-I11", 1101)
    await ctx.ev.start("auto", "dynamic")
    await charging_power(ctx)
    await asyncio.sleep(2.0)
    dc = session_dc(ctx)
    before = outlet_energy(await ctx.io(ctx.power_analyzer.read), dc)[0]
    res = await ctx.csms.call("ChangeTransactionTariff", {"transactionId": tid, "tariff": new})
    after = outlet_energy(await ctx.io(ctx.power_analyzer.read), dc)[0]
    ctx.measure["change_status"] = res["status"]
    ctx.measure["other_currency"] = (await ctx.csms.call("ChangeTransactionTariff", {
        "transactionId": tid, "tariff": simple_tariff("HB-I11-CUR", "USD" if code != "USD" else "EUR", 90.0)}))["status"]
    ctx.measure["unknown_transaction"] = (await ctx.csms.call("ChangeTransactionTariff", {
        "transactionId": "HB-NO-SUCH-TX", "tariff": simple_tariff("HB-I11-UNK", code, 90.0)}))["status"]
    await asyncio.sleep(2.5)
    ended = await end_session(ctx, tid)
    await ctx.io(ctx.power_analyzer.integration_stop)
    total = outlet_energy(await ctx.io(ctx.power_analyzer.read), dc)[0]
    changed = [e for e in events_of(ctx, tid) if e["triggerReason"] == "TariffChanged"]
    ctx.measure["tariff_changed_event"] = bool(changed) and tariff_ids(changed)[-1:] == ["HB-I11-NEW"]
    excl, _incl = reported_total(ended.get("costDetails"), "TransactionEvent Ended")
    mid = (before + after) / 2.0
    local = dt.datetime.now(dt.timezone.utc)
    first = expected_cost(old, import_wh=mid, export_wh=0.0, local=local, evse_kind="DC" if dc else "AC")
    second = expected_cost(new, import_wh=total - mid, export_wh=0.0, local=local, evse_kind="DC" if dc else "AC")
    straddle = (after - before) / 2.0 / 1000.0 * (90.0 - 30.0)  # the energy between the readings, either tariff
    tolerance = first.tolerance + second.tolerance + straddle
    ctx.note(f"analyzer: {mid:.3f} Wh before the change (± {(after - before) / 2:.3f}), {total - mid:.3f} Wh after; "
             f"bench {first.excl + second.excl:.4f} ± {tolerance:.4f}, DUT {excl:.4f} {code}")
    ctx.measure.limits("total_excl_tax_error", low=-tolerance, high=tolerance)
    ctx.measure["total_excl_tax_error"] = round(excl - first.excl - second.excl, 4)
