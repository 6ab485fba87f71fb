"""The physical check of signed meter values: a meter's OCMF records, verified, against the
reference analyzer's energy for the same session (charging, then discharging)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from hilbench import metering, ocmf
from tests.ocmf_records import Signer, payload, reading

S = 1_000_000_000
START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
WALL0_NS = int(START.timestamp()) * S
# Reference: 1 Hz for 40 min, +11 kW for 20 min then -7 kW (V2G) for 20 min.
T = np.arange(2401, dtype=np.int64) * S
P = np.where(T <= 1200 * S, 11_000.0, -7_000.0)
P[1200] = 2_000.0  # the transition sample


def tm(seconds: int) -> str:
    t = datetime.fromtimestamp(START.timestamp() + seconds, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S,000+0000 S")


def signed_session(meter: Signer, gain: float = 1.0) -> list[ocmf.Verdict]:
    """One record every 10 min with the import (B2) and export (C2) registers, as a meter would sign."""
    imp, exp, _ = metering.energy_at(T, P, np.arange(0, 2401, 600, dtype=np.int64) * S)
    records = []
    for k, s in enumerate(range(0, 2401, 600)):
        tx = "B" if k == 0 else ("E" if s == 2400 else "C")
        rd = [
            reading(tm(s), tx, round(100.0 + gain * imp[k] / 1000, 3), RI="01-00:B2.08.00*FF"),
            reading(tm(s), tx, round(50.0 + gain * exp[k] / 1000, 3), RI="01-00:C2.08.00*FF"),
        ]
        records.append(meter.record(payload(pg=f"T{k + 1}", readings=rd)))
    return ocmf.verify_many([(r, meter.public_key_hex) for r in records])


def test_signed_values_match_the_reference() -> None:
    meter = Signer("secp256r1")
    verdicts = signed_session(meter)
    assert all(v.valid for v in verdicts)
    report = ocmf.check_transaction(verdicts)
    assert report.valid, report.reason
    readings = metering.MeterReadings.from_ocmf([v.record for v in verdicts], wall_minus_t_ns=WALL0_NS)
    assert readings.t_ns.tolist() == [k * 600 * S for k in range(5)]
    c = metering.compare(T, P, readings, metering.AccuracyClass(percent=1.0, offset_wh=1.0))
    assert c.verdict == "pass", [i for i in c.intervals if i.verdict != "pass"]
    total_export = c.total("export")
    assert total_export is not None and abs(total_export.reference_wh - 7000 * 1200 / 3600) < 5


def test_a_meter_that_over_counts_fails() -> None:
    verdicts = signed_session(Signer("secp384r1"), gain=1.03)
    assert all(v.valid for v in verdicts)  # correctly signed, but wrong
    readings = metering.MeterReadings.from_ocmf([v.record for v in verdicts], wall_minus_t_ns=WALL0_NS)
    c = metering.compare(T, P, readings, metering.AccuracyClass(percent=2.0, offset_wh=1.0))
    assert c.verdict == "fail"
    assert {i.direction for i in c.totals if i.verdict == "fail"} == {"import", "export"}
