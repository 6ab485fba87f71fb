"""Transaction checks: begin and end paired across a session's records, with the energy as
end − begin, and a clear reason for every broken rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hilbench import ocmf
from tests.ocmf_records import Signer, payload, reading

METER = Signer("secp256r1")
KEY = METER.public_key_hex
T0, T1, T2 = "2026-11-25T10:00:00,000+0100 S", "2026-11-25T10:20:00,000+0100 S", "2026-11-25T10:45:00,000+0100 S"
SAMPLES = [json.loads(line) for line in (Path(__file__).parent / "data" / "ocmf" / "public-samples.jsonl").read_text().splitlines()]


def records(*payloads: dict, key: str = KEY) -> list[ocmf.Verdict]:
    return ocmf.verify_many([(METER.record(p), key) for p in payloads])


def begin(pg: str = "T1", **extra: object) -> dict:
    return payload(pg=pg, readings=[reading(T0, "B", 1234.56)], **extra)


def end(pg: str = "T2", rv: float = 1262.34, tx: str = "E", **fields: object) -> dict:
    return payload(pg=pg, readings=[reading(T2, tx, rv, **fields)])


def end_of(**payload_fields: object) -> dict:
    return payload(pg="T2", readings=[reading(T2, "E", 1262.34)], **payload_fields)


def test_begin_and_end_in_one_record() -> None:
    report = ocmf.check_transaction(records(payload()))
    assert report.valid and report.reason is None
    assert report.energy_wh == pytest.approx(27_780.0)
    assert report.duration_ms == 45 * 60_000 and report.meter == "HB-METER-0001"
    (register,) = report.registers
    assert register["obis"] == "01-00:B2.08.00*FF" and register["unit"] == "kWh"


def test_begin_and_end_in_separate_records_with_updates_between() -> None:
    update = payload(pg="T2", readings=[reading(T1, "C", 1250.0)])
    report = ocmf.check_transaction(records(begin(), update, end(pg="T3")))
    assert report.valid, report.reason
    assert report.energy_wh == pytest.approx(27_780.0)


def test_public_mr_records_are_transactions() -> None:
    for i in (0, 5):  # KEBA records with begin and end in one signature
        s = SAMPLES[i]
        report = ocmf.check_transaction([ocmf.verify(s["ocmf"], s["public_key"])])
        assert report.valid, (i, report.reason)
        assert report.energy_wh is not None and report.energy_wh >= 0


def test_meter_error_sample_is_not_a_clean_transaction() -> None:
    s = SAMPLES[3]  # BAUER with ST=E, EF=Et: a valid signature over a meter error
    v = ocmf.verify(s["ocmf"], s["public_key"])
    assert v.valid and not v.billable
    report = ocmf.check_transaction([v])
    assert not report.valid
    assert "record 0 RD[0] ST: meter status E (OTHER_ERROR)" in [f"{f['field']}: {f['message']}" for f in report.findings]


@pytest.mark.parametrize(
    ("name", "payloads", "reason"),
    [
        ("end without begin", [end(pg="T2")], "register 01-00:B2.08.00*FF: record 0 RD[0] has TX=E without a begin (TX=B)"),
        ("begin without end", [begin()], "register 01-00:B2.08.00*FF: no end reading (TX=E, L, R, A or P)"),
        ("two begins", [begin(), begin(pg="T2"), end(pg="T3")], "register 01-00:B2.08.00*FF: 2 begin and 1 end readings"),
        ("reading decreasing", [begin(), end(rv=1200.0)], "record 1 RD[0] RV: decreases from 1234.56 to 1200.0"),
        ("pagination gap", [begin(), end(pg="T3")], "record 1 PG: T1 → T3: 1 record(s) missing"),
        ("pagination repeated", [begin(), end(pg="T1")], "record 1 PG: T1 repeats the previous record's counter"),
        ("pagination backwards", [begin(pg="T5"), end(pg="T4")], "record 1 PG: T4 after T5: records out of order"),
        ("fiscal record", [begin(pg="F1"), end(pg="T2")], "record 0 PG: F1 is a fiscal record, not part of a transaction"),
        ("another meter", [begin(), end_of(MS="OTHER-METER")], 'record 1 MS: "OTHER-METER", but record 0 is from meter "HB-METER-0001"'),
        ("another identification", [begin(), end_of(ID="FFFFFFFF")], "record 1 IT/ID: identification differs from record 0's"),
        ("identification failed", [payload(IL="MISMATCH")], "record 0 IL: MISMATCH: the identification failed"),
        ("meter status", [begin(), end(ST="T")], "record 1 RD[0] ST: meter status T (TIMEOUT)"),
        ("energy flag", [begin(), end(EF="E")], "record 1 RD[0] EF: E: the energy value is unusable"),
        ("exception reading", [payload(readings=[reading(T0, "B", 1.0), reading(T1, "X", 2.0), reading(T2, "E", 3.0)])], "record 0 RD[1] TX: X: an exception; values are unusable from here"),
        ("time backwards", [payload(readings=[reading(T2, "B", 1.0), reading(T0, "E", 2.0)])], 'record 0 RD[1] TM: "2026-11-25T10:00:00,000+0100 S" is before the previous reading\'s "2026-11-25T10:45:00,000+0100 S"'),
        ("unit changes", [begin(), end(RU="Wh", rv=1262340.0)], 'record 1 RD[0] RU: "Wh" after "kWh" in the same register'),
        ("relative begin, absolute end", [payload(readings=[reading(T0.replace(" S", " R"), "B", 1.0), reading(T2, "E", 2.0)])], "record 0 RD[1] TM: the begin time is relative (R), so the end time must be too"),
    ],
)
def test_broken_transactions(name: str, payloads: list[dict], reason: str) -> None:
    report = ocmf.check_transaction(records(*payloads))
    assert not report.valid
    assert report.reason is not None and report.reason.startswith(reason), report.reason


def test_invalid_signature_breaks_the_transaction() -> None:
    verdicts = records(begin(), end())
    forged = ocmf.verify(METER.record(end()).replace("1262.34", "1300.0"), KEY)
    report = ocmf.check_transaction([verdicts[0], forged])
    assert report.reason == "record 1: not valid: signature: does not match the payload and the public key"


def test_abort_end_is_reported() -> None:
    report = ocmf.check_transaction(records(begin(), end(tx="A")))
    assert report.valid
    assert [f["message"] for f in report.findings] == ["A: the transaction was aborted by an error"]


def test_no_records() -> None:
    assert ocmf.check_transaction([]).reason == "transaction: no records"
