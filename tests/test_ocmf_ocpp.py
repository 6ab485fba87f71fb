"""OCMF carried in OCPP 2.1 SignedMeterValueType: built with the `ocpp` library's data types,
checked against the official TransactionEvent schema, and verified."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict

import pytest
from ocpp.charge_point import remove_nones, snake_to_camel_case
from ocpp.v21.datatypes import SignedMeterValueType

from hilbench import _core, ocmf
from tests.ocmf_records import Signer, payload

METER = Signer("secp256r1")
RECORD = METER.record(payload())
B64 = base64.b64encode


def smv(**fields: str | None) -> dict:
    """A SignedMeterValue as the `ocpp` library serialises it."""
    value = SignedMeterValueType(
        signed_meter_data=B64(RECORD.encode()).decode(),
        encoding_method="OCMF",
        signing_method=fields.pop("signing_method", None),
        public_key=fields.pop("public_key", B64(f"oca:base16:asn1:{METER.public_key_hex}".encode()).decode()),
    )
    d = snake_to_camel_case(remove_nones(asdict(value)))
    d.update({k: v for k, v in fields.items()})
    return {k: v for k, v in d.items() if v is not None}


def test_schema_accepts_our_test_object() -> None:
    event = {
        "eventType": "Ended",
        "timestamp": "2026-11-25T09:45:00Z",
        "triggerReason": "StopAuthorized",
        "seqNo": 4,
        "transactionInfo": {"transactionId": "TX-1"},
        "meterValue": [{"timestamp": "2026-11-25T09:45:00Z", "sampledValue": [
            {"value": 1262.34, "context": "Transaction.End", "measurand": "Energy.Active.Import.Register",
             "unitOfMeasure": {"unit": "kWh"}, "signedMeterValue": smv()},
        ]}],
    }
    _core.validate_payload("2.1", "TransactionEvent", json.dumps(event))


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"signing_method": "ECDSA-secp256r1-SHA256"},
        {"signing_method": ""},
        {"public_key": B64(METER.public_key_der).decode()},
        {"public_key": B64(f"oca:base64:asn1:{B64(METER.public_key_der).decode()}".encode()).decode()},
    ],
    ids=["oca-base16", "signing-method", "empty-signing-method", "plain-der", "oca-base64"],
)
def test_valid_signed_meter_values(fields: dict) -> None:
    v = ocmf.verify_signed_meter_value(smv(**fields))
    assert v.valid, v.reason
    assert v.curve == "secp256r1" and v.deviations == []


def test_key_from_the_station_device_model() -> None:
    value = smv(public_key=None)
    assert "publicKey" not in value
    assert ocmf.verify_signed_meter_value(value, METER.public_key_hex).valid
    assert ocmf.verify_signed_meter_value(value).reason == "public key: none given (and the record carries none)"


@pytest.mark.parametrize(
    ("value", "configured", "reason"),
    [
        (smv(encodingMethod="EDL"), None, 'encodingMethod: "EDL": hilbench verifies OCMF only'),
        (smv(signing_method="ECDSA-secp384r1-SHA256"), None, 'signingMethod: "ECDSA-secp384r1-SHA256", but the record is signed with ECDSA-secp256r1-SHA256'),
        (smv(signedMeterData="not base64 !"), None, "signedMeterData: not base64"),
        (smv(signedMeterData=B64(b"\xff\xfe").decode()), None, "signedMeterData: base64 of something that is not UTF-8 text"),
        (smv(), Signer("secp256r1").public_key_hex, "publicKey: differs from the key configured for the station"),
        ({"encodingMethod": "OCMF"}, None, "SignedMeterValue: missing"),
        (smv(signedMeterData=B64(RECORD.replace("1262.34", "1262.35").encode()).decode()), None, "signature: does not match"),
    ],
    ids=["edl", "signing-method", "not-base64", "not-utf8", "other-key", "missing-data", "tampered"],
)
def test_bad_signed_meter_values(value: dict, configured: str | None, reason: str) -> None:
    v = ocmf.verify_signed_meter_value(value, configured)
    assert not v.valid and v.reason is not None and v.reason.startswith(reason), v.reason


def test_ocpp16_practice_of_plain_text_is_a_deviation() -> None:
    v = ocmf.verify_signed_meter_value(smv(signedMeterData=RECORD))
    assert v.valid and v.deviations == ["signedMeterData: the OCMF text itself, not its base64"]
    assert not ocmf.verify_signed_meter_value(smv(signedMeterData=RECORD), strict=True).valid
