"""Every OCMF curve: records signed by independent implementations verify, and every single-bit
flip in the signed payload or in the signature is rejected."""

from __future__ import annotations

import json

import pytest

from hilbench import ocmf
from tests.ocmf_records import ALL_CURVES, Signer, payload


@pytest.fixture(scope="module", params=ALL_CURVES)
def signer(request: pytest.FixtureRequest) -> Signer:
    return Signer(request.param)


def test_all_seven_curves_are_covered() -> None:
    assert sorted(ALL_CURVES) == sorted(ocmf.CURVES)


def test_signed_record_verifies(signer: Signer) -> None:
    v = ocmf.verify(signer.record(payload()), signer.public_key_hex)
    assert v.valid, v.reason
    assert v.signature_valid is True and v.curve == signer.curve and v.billable
    assert v.deviations == [] and v.reason is None


def test_key_encodings(signer: Signer) -> None:
    import base64

    record = signer.record(payload())
    spaced = " ".join(signer.public_key_hex[i : i + 4] for i in range(0, len(signer.public_key_hex), 4))
    for key in (
        signer.public_key_hex.lower(),
        base64.b64encode(signer.public_key_der).decode(),
        "oca:base16:asn1:" + signer.public_key_hex,
        "oca:base64:asn1:" + base64.b64encode(signer.public_key_der).decode(),
    ):
        assert ocmf.verify(record, key).valid, key
    v = ocmf.verify(record, spaced)
    assert v.valid and v.deviations == ["public key: white space inside the key (removed)"]


def test_base64_signature_encoding(signer: Signer) -> None:
    import base64

    text = json.dumps(payload(), separators=(",", ":"))
    sd = base64.b64encode(signer.sign(text.encode())).decode()
    record = f'OCMF|{text}|{{"SA":"{signer.algorithm}","SE":"base64","SM":"application/x-der","SD":"{sd}"}}'
    assert ocmf.verify(record, signer.public_key_hex).valid


def test_every_bit_flip_is_rejected(signer: Signer) -> None:
    record = signer.record(payload()).encode()
    start, end = 5, record.index(b"|{", 5)
    flipped = []
    for byte in range(start, end):
        for bit in range(8):
            b = bytearray(record)
            b[byte] ^= 1 << bit
            flipped.append(bytes(b))
    verdicts = [ocmf.verify(r, signer.public_key_hex) for r in flipped]
    passed = [i for i, v in enumerate(verdicts) if v.valid]
    assert passed == [], f"{len(passed)} payload flips verified"
    # Every flip is rejected for a reason: bad text, bad JSON, or a signature that does not match.
    assert all(v.reason for v in verdicts)


def test_every_signature_bit_flip_is_rejected(signer: Signer) -> None:
    text = json.dumps(payload(), separators=(",", ":"))
    sig = signer.sign(text.encode())
    records = []
    for byte in range(len(sig)):
        for bit in range(8):
            b = bytearray(sig)
            b[byte] ^= 1 << bit
            records.append((f'OCMF|{text}|{{"SA":"{signer.algorithm}","SD":"{b.hex()}"}}', signer.public_key_hex))
    verdicts = ocmf.verify_many(records)
    assert len(verdicts) == 8 * len(sig)
    assert [i for i, v in enumerate(verdicts) if v.valid] == []
    assert sum(v.signature_valid is False for v in verdicts) > len(sig) * 4  # most flips reach ECDSA


def test_key_of_another_curve_is_rejected(signer: Signer) -> None:
    other = Signer("secp256r1" if signer.curve != "secp256r1" else "secp256k1")
    v = ocmf.verify(signer.record(payload()), other.public_key_hex)
    assert not v.valid and v.signature_valid is None
    assert v.reason == f"public key: a {other.curve} key, but SA is {signer.algorithm}"


def test_key_of_another_meter_is_rejected(signer: Signer) -> None:
    v = ocmf.verify(signer.record(payload()), Signer(signer.curve).public_key_hex)
    assert not v.valid and v.signature_valid is False
    assert v.reason == "signature: does not match the payload and the public key"
