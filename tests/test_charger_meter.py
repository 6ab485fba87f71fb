"""The virtual charger's meter: registers counted from the power that flowed through the plant,
import and export apart; sampled values as the device model configures them; signed values (OCMF,
transaction begin / fiscal periodic / end) that ``hilbench verify`` accepts from the CSMS's trace —
and the meter faults each caught by the same checks."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.charger_bench import Bench, bench
from tests.procs import HILBENCH
from tests.test_charger_ev_side import central_setpoint


def _register(event: dict[str, Any], measurand: str) -> float:
    return next(s["value"] for mv in event.get("meterValue", []) for s in mv["sampledValue"] if s["measurand"] == measurand)


async def _bpt_transaction(b: Bench, seconds: float = 1.2) -> tuple[dict[str, Any], dict[str, Any]]:
    """Charges at 11 kW, then discharges at 7 kW, then ends remotely: (Started, Ended)."""
    link = await b.booted()
    await link.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}, "attributeValue": "1"},
        {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "SignReadings"}, "attributeValue": "true"}]})
    b.plug("C")
    tid = await b.remote_start()
    evcc = b.ev("DC_BPT", "dynamic")
    await link.expect("NotifyEVChargingNeeds", timeout=10)
    await link.call("SetChargingProfile", central_setpoint(tid, [(0, 11_000.0), (2, -7_000.0)]))
    await asyncio.sleep(2.0 + seconds)
    evcc.stop_charging()
    await asyncio.sleep(0.3)
    await link.call("RequestStopTransaction", {"transactionId": tid})
    ended = await b.expect_event("Ended")
    return b.events()[0], ended


def _verify(trace: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    p = subprocess.run([*HILBENCH, "verify", str(trace), "--json", "--transaction", *extra],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()]


async def test_signed_and_measured(tmp_path: Path) -> None:
    async with bench(tmp_path, csms_kw={"trace_dir": tmp_path / "trace"}) as b:
        with b.plant.lock:
            b.plant.step()
            truth = (b.plant.dc_import_wh, b.plant.dc_export_wh)
        started, ended = await _bpt_transaction(b)
        with b.plant.lock:
            b.plant.step()
            flowed = (b.plant.dc_import_wh - truth[0], b.plant.dc_export_wh - truth[1])
    imported = _register(ended, "Energy.Active.Import.Register") - _register(started, "Energy.Active.Import.Register")
    exported = _register(ended, "Energy.Active.Export.Register")
    assert flowed[0] > 3 and flowed[1] > 1.5
    assert imported == pytest.approx(flowed[0], rel=0.01) and exported == pytest.approx(flowed[1], rel=0.01)
    code, verdicts = _verify(tmp_path / "trace" / "VC1.jsonl")
    records = [v for v in verdicts if "transaction" not in v]
    assert code == 0, verdicts
    assert len(records) >= 3 and all(v["valid"] for v in records)  # begin, fiscal periodic readings, end
    transaction = next(v["transaction"] for v in verdicts if "transaction" in v)
    assert transaction["valid"], transaction


@pytest.mark.parametrize(("fault", "what"), [("ocmf-bad-signature-end", "record"),
                                             ("ocmf-reading-not-monotonic", "transaction")])
async def test_signature_faults_fail_verification(tmp_path: Path, fault: str, what: str) -> None:
    async with bench(tmp_path, fault, csms_kw={"trace_dir": tmp_path / "trace"}) as b:
        await _bpt_transaction(b, seconds=0.3)
    code, verdicts = _verify(tmp_path / "trace" / "VC1.jsonl")
    assert code == 1
    if what == "record":
        assert [v["valid"] for v in verdicts if "transaction" not in v][-1] is False
    else:
        assert all(v["valid"] for v in verdicts if "transaction" not in v)
        assert not next(v["transaction"] for v in verdicts if "transaction" in v)["valid"]


@pytest.mark.parametrize(("fault", "direction", "factor"), [("meter-drift-export-2pct", 1, 1.02),
                                                            ("export-counted-as-import", 0, None)])
async def test_register_faults_exceed_the_accuracy(tmp_path: Path, fault: str, direction: int, factor: float | None) -> None:
    async with bench(tmp_path, fault) as b:
        with b.plant.lock:
            b.plant.step()
            truth = (b.plant.dc_import_wh, b.plant.dc_export_wh)
        started, ended = await _bpt_transaction(b, seconds=1.0)
        with b.plant.lock:
            b.plant.step()
            flowed = (b.plant.dc_import_wh - truth[0], b.plant.dc_export_wh - truth[1])
    reported = (_register(ended, "Energy.Active.Import.Register") - _register(started, "Energy.Active.Import.Register"),
                _register(ended, "Energy.Active.Export.Register"))
    if factor is not None:
        assert reported[1] == pytest.approx(flowed[1] * factor, rel=0.002)
        assert abs(reported[1] / flowed[1] - 1) > 0.01  # beyond a class-1 meter
    else:
        assert reported[1] == 0.0 and reported[0] == pytest.approx(flowed[0] + flowed[1], rel=0.01)


@pytest.mark.parametrize("fault", [None, "meter-values-interval-ignored"])
async def test_periodic_interval(tmp_path: Path, fault: str | None) -> None:
    async with bench(tmp_path, *([fault] if fault else []), variant="ac") as b:
        link = await b.booted()
        await link.call("SetVariables", {"setVariableData": [
            {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}, "attributeValue": "1"}]})
        b.plug("C")
        await b.remote_start()
        await asyncio.sleep(3.2)
        periodic = [e for e in b.events() if e["triggerReason"] == "MeterValuePeriodic"]
        assert len(periodic) == (0 if fault else 3), periodic
        for e in periodic:
            contexts = {s["context"] for mv in e["meterValue"] for s in mv["sampledValue"]}
            assert contexts == {"Sample.Periodic"}
