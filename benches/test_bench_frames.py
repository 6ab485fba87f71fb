"""Parse + full schema validation of OCPP frames, side by side with peers (run: make bench).

(a) a TransactionEvent of about 1.9 kB with 10 sampled values, (b) a BootNotification.
Peers: the ``ocpp`` library (unpack + validate_payload), ``orjson.loads`` alone (parses only),
``json.loads`` + python ``jsonschema`` (Draft 6, formats checked).
"""

from __future__ import annotations

import json
from typing import Any, Callable

import jsonschema
import orjson
import pytest
# ocpp 2.1.0's validate_payload is a coroutine wrapping _validate_payload (optionally run in an
# executor); the synchronous function is the validation work itself.
from ocpp.messages import Call, _validate_payload, unpack

from hilbench.ocpp import frames

SAMPLED = [{"value": 1000.5 + i, "measurand": m, "context": "Sample.Periodic", "location": "Outlet",
            "unitOfMeasure": {"unit": u}} for i, (m, u) in enumerate(
    [("Energy.Active.Import.Register", "Wh"), ("Energy.Active.Export.Register", "Wh"),
     ("Power.Active.Import", "W"), ("Power.Active.Export", "W"), ("Current.Import", "A"),
     ("Current.Export", "A"), ("Voltage", "V"), ("SoC", "Percent"), ("Frequency", "Hz"),
     ("Power.Offered", "W")])]
TX = {"eventType": "Updated", "timestamp": "2025-06-01T12:00:00.000Z", "triggerReason": "MeterValuePeriodic",
      "seqNo": 12, "transactionInfo": {"transactionId": "9a1c2e34-5b6d-4f70-8a9b-0c1d2e3f4a5b",
                                       "chargingState": "Charging", "timeSpentCharging": 3600},
      "evse": {"id": 1, "connectorId": 1},
      "meterValue": [{"timestamp": "2025-06-01T12:00:00.000Z", "sampledValue": SAMPLED}]}
BOOT = {"reason": "PowerUp", "chargingStation": {"model": "VirtualStation", "vendorName": "hilbench",
                                                 "serialNumber": "SN-000123", "firmwareVersion": "1.2.3"}}
MESSAGES = {
    "TransactionEvent": json.dumps([2, "19223201-4c5e-4f7a-9b1d-2e3f4a5b6c7d", "TransactionEvent", TX]),
    "BootNotification": json.dumps([2, "19223201-4c5e-4f7a-9b1d-2e3f4a5b6c7d", "BootNotification", BOOT]),
}
SCHEMA_DIR = frames.schema_dir("2.1")
VALIDATORS = {a: jsonschema.Draft6Validator(json.loads((SCHEMA_DIR / f"{a}Request.json").read_text()),
                                            format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
              for a in MESSAGES}


def test_message_sizes() -> None:
    assert 1700 <= len(MESSAGES["TransactionEvent"]) <= 2100, len(MESSAGES["TransactionEvent"])


def hilbench_parse(text: str) -> Any:
    return frames.parse(text)


def ocpp_lib(text: str) -> Any:
    msg = unpack(text)
    assert isinstance(msg, Call)
    _validate_payload(msg, "2.1")
    return msg


def orjson_only(text: str) -> Any:
    return orjson.loads(text)


def python_jsonschema(text: str) -> Any:
    msg = json.loads(text)
    VALIDATORS[msg[2]].validate(msg[3])
    return msg


PEERS: dict[str, Callable[[str], Any]] = {
    "hilbench": hilbench_parse, "ocpp_lib": ocpp_lib, "orjson_loads_only": orjson_only,
    "json+jsonschema": python_jsonschema}


@pytest.mark.parametrize("message", list(MESSAGES))
@pytest.mark.parametrize("peer", list(PEERS))
def test_parse_validate(benchmark: Any, message: str, peer: str) -> None:
    benchmark.group = f"parse+validate {message}"
    text = MESSAGES[message]
    PEERS[peer](text)  # each peer accepts the message
    benchmark(PEERS[peer], text)


def test_parse_validate_and_read_payload(benchmark: Any) -> None:
    """hilbench including building the payload dict (what orjson.loads returns)."""
    benchmark.group = "parse+validate TransactionEvent"
    text = MESSAGES["TransactionEvent"]
    benchmark(lambda: frames.parse(text).payload)


def test_ocpp_lib_peer_really_validates() -> None:
    """Guard against benchmarking a no-op: the peer must reject an invalid payload."""
    bad = json.dumps([2, "x", "BootNotification", {"reason": "Nope", "chargingStation": {}}])
    with pytest.raises(Exception):
        ocpp_lib(bad)
    with pytest.raises(Exception):
        python_jsonschema(bad)
