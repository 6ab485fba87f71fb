"""J — Meter values: periodic values with the configured measurands and interval, clock-aligned
values, signed meter values (OCMF) verified by ``hilbench.ocmf`` alone and as one transaction, and
the energy the DUT reports held against the power analyzer's, import and export apart, within an
accuracy class (``hilbench.metering``)."""

from __future__ import annotations

import asyncio
from typing import Any

from hilbench.cases.blocks.e_transactions import charging_power, events_of, remote_start
from hilbench.cases.model import Measurement, case
from hilbench.cases.sessions import v2g_round_trip
from hilbench.ocmf import check_transaction, verify_signed_meter_value
from hilbench.runner.context import CaseContext

MEASURANDS = "Energy.Active.Import.Register,Energy.Active.Export.Register,Power.Active.Import"


def _sampled(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for mv in event.get("meterValue", []) for s in mv["sampledValue"]]


def _register(event: dict[str, Any], measurand: str) -> float | None:
    """The register's value in Wh, as its unitOfMeasure says (Wh or kWh, with the multiplier):
    a wrong unit comes out a thousand-fold off."""
    s = next((s for s in _sampled(event) if s.get("measurand", "Energy.Active.Import.Register") == measurand
              and "phase" not in s), None)
    if s is None:
        return None
    unit = s.get("unitOfMeasure", {})
    scale = {"Wh": 1.0, "kWh": 1000.0}.get(unit.get("unit", "Wh"), float("nan")) * 10 ** unit.get("multiplier", 0)
    return float(s["value"]) * scale


@case("HB_J_02_CS", "Periodic meter values every TxUpdatedInterval with the configured measurands",
      use_cases=["J02"], requirements=["J02.FR.01", "J02.FR.02", "J02.FR.10"], roles=["csms", "ev_emulator"],
      measurements=[Measurement("periodic_events", low=3, high=5), Measurement("measurands_as_configured", equals=True),
                    Measurement("context", equals="Sample.Periodic")],
      kills=["meter-values-interval-ignored", "measurands-config-ignored"])
async def periodic(ctx: CaseContext) -> None:
    await ctx.csms.set_variables(("SampledDataCtrlr", "TxUpdatedInterval", 1), ("SampledDataCtrlr", "TxUpdatedMeasurands", MEASURANDS))
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-J02", 201)
    await asyncio.sleep(4.3)
    periodic = [p for p in events_of(ctx, tid) if p["triggerReason"] == "MeterValuePeriodic"]
    ctx.measure["periodic_events"] = len(periodic)
    wanted = set(MEASURANDS.split(","))
    ctx.measure["measurands_as_configured"] = bool(periodic) and all(
        {s.get("measurand", "Energy.Active.Import.Register") for s in _sampled(p)} == wanted for p in periodic)
    contexts = {s.get("context") for p in periodic for s in _sampled(p)}
    ctx.measure["context"] = contexts.pop() if len(contexts) == 1 else f"{sorted(map(str, contexts))}"


@case("HB_J_01_CS", "Clock-aligned meter values while idle (AlignedDataCtrlr.Interval)",
      use_cases=["J01"], requirements=["J01.FR.01", "J01.FR.02", "J01.FR.14"],
      measurements=[Measurement("aligned_values", low=2), Measurement("context", equals="Sample.Clock")],
      kills=["aligned-data-ignored"])
async def clock_aligned(ctx: CaseContext) -> None:
    await ctx.csms.set_variables(("AlignedDataCtrlr", "Interval", 1), ("AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register"),
                                 ("AlignedDataCtrlr", "SendDuringIdle", "false"))
    await asyncio.sleep(3.3)
    values = ctx.csms.received("MeterValues")
    ctx.measure["aligned_values"] = len(values)
    contexts = {s.get("context") for p in values for s in _sampled(p)}
    ctx.measure["context"] = contexts.pop() if len(contexts) == 1 else f"{sorted(map(str, contexts))}"


async def _bpt_transaction(ctx: CaseContext, seconds: float = 3.0) -> tuple[str, list[dict[str, Any]]]:
    """Signed readings on, the bench EV charging for ``seconds`` then the transaction stopped."""
    await ctx.csms.set_variables(("SampledDataCtrlr", "SignReadings", "true"), ("SampledDataCtrlr", "TxUpdatedInterval", 1),
                                 ("SampledDataCtrlr", "TxStartedMeasurands", "Energy.Active.Import.Register,Energy.Active.Export.Register"),
                                 ("SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register,Energy.Active.Export.Register"))
    await ctx.io(ctx.ev.plug_in)
    tid = await remote_start(ctx, "HB-J-SIGNED", 202)
    await ctx.ev.start("auto", "dynamic")
    await charging_power(ctx)
    await asyncio.sleep(seconds)
    await ctx.ev.stop()
    await ctx.csms.call("RequestStopTransaction", {"transactionId": tid})
    await ctx.csms.expect_event("Ended", timeout=15)
    return tid, events_of(ctx, tid)


def _signed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s["signedMeterValue"] for e in events for s in _sampled(e) if "signedMeterValue" in s]


@case("HB_J_02_SIG_CS", "Signed meter values: every record verifies with the published key, and together they form one transaction",
      use_cases=["J02"], requirements=["J02.FR.21", "J02.FR.22"], roles=["csms", "ev", "ev_emulator", "power_analyzer"],
      measurements=[Measurement("signed_values", low=2), Measurement("invalid_records", high=0),
                    Measurement("transaction_valid", equals=True, description="begin, end, readings that only rise")],
      kills=["ocmf-bad-signature-end", "ocmf-reading-not-monotonic"], timeout_s=90)
async def signed_values(ctx: CaseContext) -> None:
    _tid, events = await _bpt_transaction(ctx)
    signed = _signed(events)
    ctx.measure["signed_values"] = len(signed)
    key = next((s["publicKey"] for s in signed if s.get("publicKey")), None)
    verdicts = [verify_signed_meter_value(s, key) for s in signed]
    for v in verdicts:
        if not v.valid:
            ctx.note(f"invalid signed meter value: {v.reason}")
    ctx.measure["invalid_records"] = sum(1 for v in verdicts if not v.valid)
    report = check_transaction(verdicts)
    if not report.valid:
        ctx.note(f"transaction check: {report.reason}")
    ctx.measure["transaction_valid"] = report.valid


@case("HB_J_02_ACC_CS", "Reported energy against the power analyzer, import and export apart (class 1), in the unit it states",
      use_cases=["J02", "Q01"], requirements=["J02.FR.04", "J02.FR.05", "J02.FR.06", "J02.FR.11"],
      roles=["csms", "ev", "ev_emulator", "power_analyzer"],
      measurements=[Measurement("import_error", unit="%", low=-1.0, high=1.0),
                    Measurement("export_error", unit="%", low=-1.0, high=1.0)],
      kills=["meter-drift-export-2pct", "export-counted-as-import", "energy-unit-wrong"], timeout_s=90)
async def energy_accuracy(ctx: CaseContext) -> None:
    """The EV charges, then discharges at a CentralSetpoint; the DUT's registers at Started and Ended,
    in Wh as their unitOfMeasure says, against the analyzer's element at the DUT's outlet over the
    same interval."""
    await ctx.csms.set_variables(("SampledDataCtrlr", "TxStartedMeasurands", "Energy.Active.Import.Register,Energy.Active.Export.Register"),
                                 ("SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register,Energy.Active.Export.Register"))
    trip = await v2g_round_trip(ctx, "HB-J-ACC", 203, seconds=6.0)
    ref_import, ref_export, ended = trip.import_wh, trip.export_wh, trip.ended
    started = events_of(ctx, trip.transaction_id)[0]
    imported = (_register(ended, "Energy.Active.Import.Register") or 0.0) - (_register(started, "Energy.Active.Import.Register") or 0.0)
    exported = (_register(ended, "Energy.Active.Export.Register") or 0.0) - (_register(started, "Energy.Active.Export.Register") or 0.0)
    ctx.measure["import_error"] = round(100.0 * (imported - ref_import) / ref_import, 3)
    ctx.measure["export_error"] = round(100.0 * (exported - ref_export) / ref_export, 3)
