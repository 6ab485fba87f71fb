"""Accuracy verdicts of a meter's register readings against a reference power stream."""

from __future__ import annotations

import numpy as np
import pytest

from hilbench import metering
from hilbench.errors import MeteringInputError
from hilbench.metering import AccuracyClass, MeterReadings

S = 1_000_000_000
# One hour at 1 Hz: 30 min charging at 7.2 kW, then 30 min discharging at 3.6 kW.
T = np.arange(3601, dtype=np.int64) * S
P = np.where(T < 1800 * S, 7200.0, -3600.0)
AT = np.arange(0, 3601, 600, dtype=np.int64) * S


def true_registers() -> tuple[np.ndarray, np.ndarray]:
    imp, exp, _ = metering.energy_at(T, P, AT)
    return imp, exp


def test_exact_meter_passes() -> None:
    imp, exp = true_registers()
    c = metering.compare(T, P, MeterReadings.of(AT, 10_000 + imp, 500 + exp))
    assert c.verdict == "pass"
    assert len(c.intervals) == 2 * 6
    total = c.total("import")
    whole = metering.integrate(T, P)
    assert total is not None and total.reference_wh == pytest.approx(whole.import_wh, rel=1e-12)
    assert total.meter_wh == pytest.approx(whole.import_wh, rel=1e-12) and total.error_wh == pytest.approx(0, abs=1e-9)
    # 7.2 kW for 1799 s plus the part of the step before the interpolated zero crossing.
    assert whole.import_wh == pytest.approx(7200 * 1799 / 3600 + 7200**2 / 10800 / 2 / 3600, rel=1e-12)
    export_total = c.total("export")
    assert export_total is not None and export_total.meter_wh == pytest.approx(whole.export_wh, rel=1e-12)


def test_import_error_beyond_class_fails_import_only() -> None:
    imp, exp = true_registers()
    c = metering.compare(T, P, MeterReadings.of(AT, imp * 1.03, exp), AccuracyClass(percent=2.0))
    assert c.verdict == "fail"
    total_import, total_export = c.total("import"), c.total("export")
    assert total_import is not None and total_import.verdict == "fail"
    assert total_import.error_percent == pytest.approx(3.0, rel=1e-6)
    assert total_import.reason is not None and "exceeds" in total_import.reason
    assert total_export is not None and total_export.verdict == "pass"
    assert metering.compare(T, P, MeterReadings.of(AT, imp * 1.015, exp), AccuracyClass(percent=2.0)).verdict == "pass"


def test_export_is_checked_apart_from_import() -> None:
    # A meter that nets export against import (one register going both ways) fails export.
    imp, exp = true_registers()
    c = metering.compare(T, P, MeterReadings.of(AT, imp, exp * 0.9), AccuracyClass(percent=1.0))
    total_export = c.total("export")
    assert total_export is not None and total_export.verdict == "fail"
    assert total_export.error_wh == pytest.approx(-0.1 * metering.integrate(T, P).export_wh, rel=1e-9)


def test_offset_covers_resolution() -> None:
    imp, exp = true_registers()
    coarse = np.round(imp / 10) * 10  # 0.01 kWh resolution
    assert metering.compare(T, P, MeterReadings.of(AT, coarse, exp), AccuracyClass(0.0, 5.0)).verdict == "pass"
    assert metering.compare(T, P, MeterReadings.of(AT, coarse + [0, 0, 0, 9, 0, 0, 0], exp), AccuracyClass(0.0, 5.0)).verdict == "fail"


def test_decreasing_register_fails() -> None:
    imp, exp = true_registers()
    imp = imp.copy()
    imp[3] = imp[2] - 1.0
    c = metering.compare(T, P, MeterReadings.of(AT, imp, exp), AccuracyClass(percent=50.0, offset_wh=1e6))
    assert c.verdict == "fail"
    assert any(i.reason == "import register decreased by 1.000 Wh" for i in c.intervals)


def test_gap_in_reference_is_inconclusive() -> None:
    keep = (T < 700 * S) | (T > 900 * S)
    imp, exp = true_registers()
    c = metering.compare(T[keep], P[keep], MeterReadings.of(AT, imp, exp))
    assert c.verdict == "inconclusive"
    assert [i.verdict for i in c.intervals if i.direction == "import"][1] == "inconclusive"


def test_no_readings_is_inconclusive() -> None:
    c = metering.compare(T, P, MeterReadings.of(AT[:1], [0.0], [0.0]))
    assert c.verdict == "inconclusive" and c.totals == ()


def test_reading_outside_reference_is_an_error() -> None:
    with pytest.raises(MeteringInputError, match=r"at_ns\[1\] = 3601000000000 is outside"):
        metering.compare(T, P, MeterReadings.of([0, 3601 * S], [0.0, 1.0]))


def transaction_event(ts: str, *values: dict) -> dict:
    return {"eventType": "Updated", "meterValue": [{"timestamp": ts, "sampledValue": list(values)}]}


def test_readings_from_ocpp_payloads() -> None:
    payloads = [
        transaction_event(
            "2026-11-25T10:00:00Z",
            {"value": 1.5, "unitOfMeasure": {"unit": "kWh"}},  # default measurand: import register
            {"value": 200, "measurand": "Energy.Active.Export.Register"},
            {"value": 0.4, "measurand": "Energy.Active.Import.Register", "phase": "L1"},  # per phase: ignored
            {"value": 230.1, "measurand": "Voltage"},
        ),
        {"meterValue": [{"timestamp": "2026-11-25T10:10:00.250+00:00", "sampledValue": [
            {"value": 27, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh", "multiplier": 2}},
        ]}]},
    ]
    start = 1_795_600_800 * S  # 2026-11-25T10:00:00Z
    r = MeterReadings.from_ocpp(payloads, wall_minus_t_ns=start)
    assert r.t_ns.tolist() == [0, 600 * S + 250_000_000]
    assert r.import_wh.tolist() == [1500.0, 2700.0]
    assert r.export_wh[0] == 200.0 and np.isnan(r.export_wh[1])


@pytest.mark.parametrize(
    ("sampled", "message"),
    [
        ({"value": 1, "unitOfMeasure": {"unit": "V"}}, r"sampledValue\[0\].unitOfMeasure.unit: 'V' is not an energy unit"),
        ({"value": "12"}, r"sampledValue\[0\].value: '12' is not a finite number"),
    ],
)
def test_bad_ocpp_readings(sampled: dict, message: str) -> None:
    with pytest.raises(MeteringInputError, match=message):
        MeterReadings.from_ocpp([transaction_event("2026-11-25T10:00:00Z", sampled)])
    with pytest.raises(MeteringInputError, match="payload 0 meterValue"):
        MeterReadings.from_ocpp([{"meterValue": [{"timestamp": "yesterday", "sampledValue": []}]}])
