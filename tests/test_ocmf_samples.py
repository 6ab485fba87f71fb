"""Public OCMF records (meter vendors, transparency-software fixtures, library vectors) get the
verdict their file gives, with the reason for each failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hilbench import ocmf

SAMPLES = [json.loads(line) for line in (Path(__file__).parent / "data" / "ocmf" / "public-samples.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{i}-{s['curve']}" for i, s in enumerate(SAMPLES)])
def test_sample_verdict(sample: dict) -> None:
    v = ocmf.verify(sample["ocmf"], sample["public_key"])
    if sample["public_key"] is None:
        assert not v.valid and v.reason == "public key: none given (and the record carries none)"
        return
    assert v.valid is sample["checked_valid"], v.reason
    if sample["expected_valid"] is not None:
        assert v.valid is sample["expected_valid"]
    if not v.valid:
        assert v.reason and v.reason.split(":")[0] in ("signature", "public key"), v.reason
    if sample["needs_lenient_parsing"]:
        assert v.deviations, "a lenient record must say what was tolerated"
        strict = ocmf.verify(sample["ocmf"], sample["public_key"], strict=True)
        assert not strict.valid and strict.signature_valid is True


def test_batch_agrees_with_single_verification() -> None:
    batch = ocmf.verify_many([(s["ocmf"], s["public_key"]) for s in SAMPLES] * 50)
    singles = [ocmf.verify(s["ocmf"], s["public_key"]) for s in SAMPLES]
    for k, v in enumerate(batch):
        one = singles[k % len(SAMPLES)]
        assert (v.valid, v.reason, v.deviations) == (one.valid, one.reason, one.deviations)


def test_reasons_of_the_failing_samples() -> None:
    reasons = {i: ocmf.verify(s["ocmf"], s["public_key"]).reason for i, s in enumerate(SAMPLES) if s["checked_valid"] is False}
    assert reasons, "the file has failing records"
    assert set(reasons.values()) <= {
        "signature: does not match the payload and the public key",
        "public key: a secp256r1 key, but SA is ECDSA-secp256k1-SHA256",
    }, reasons


def test_parsed_record_fields() -> None:
    keba = ocmf.verify(SAMPLES[0]["ocmf"], SAMPLES[0]["public_key"])
    payload = keba.record["payload"]
    assert payload["gateway_id"] == "KEBA_KCP30" and payload["pagination"] == "T32"
    begin, end = payload["readings"]
    assert (begin["transaction"], end["transaction"]) == ("B", "E")
    assert begin["value_text"] == "0.2596" and begin["unit"] == "kWh" and begin["time_status"] == "I"
    assert end["epoch_ms"] - begin["epoch_ms"] == 21_000
    parsed = ocmf.parse(SAMPLES[0]["ocmf"])
    assert parsed["record"]["signature"]["data"].startswith("3045") and parsed["findings"][0]["field"] == "MS"


def test_streaming_holds_one_chunk_at_a_time() -> None:
    pulled = 0

    def records():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for k in range(10_000):
            pulled += 1
            s = SAMPLES[k % len(SAMPLES)]
            yield s["ocmf"], s["public_key"]

    stream = ocmf.iter_verify(records(), chunk=1000)
    first = next(stream)
    assert first.valid and pulled == 1000  # the rest is not read yet
    assert sum(1 for _ in stream) == 9_999 and pulled == 10_000
