"""Every kind of malformed frame gets the RPC error code the spec assigns, and nothing else is
ever raised."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from hilbench.errors import OcppFrameError
from hilbench.ocpp import frames

LONG_ID = "x" * 37
BOOT = '{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}'

# (frame, expected code, expected unique id in the error or None when unreadable)
TABLE = [
    ("", "RpcFrameworkError", None),
    ("   ", "RpcFrameworkError", None),
    ("hello", "RpcFrameworkError", None),
    ('{"messageTypeId":2}', "RpcFrameworkError", None),
    ("42", "RpcFrameworkError", None),
    ("[]", "RpcFrameworkError", None),
    ("[2", "RpcFrameworkError", None),
    ('["2","a","Heartbeat",{}]', "RpcFrameworkError", None),
    ('[2.0,"a","Heartbeat",{}]', "RpcFrameworkError", None),
    ('[null,"a","Heartbeat",{}]', "RpcFrameworkError", None),
    ('[7,"a","Heartbeat",{}]', "MessageTypeNotSupported", "a"),
    ('[0,"a",{}]', "MessageTypeNotSupported", "a"),
    ('[2,19223201,"Heartbeat",{}]', "RpcFrameworkError", None),
    ('[2,"","Heartbeat",{}]', "RpcFrameworkError", None),
    (f'[2,"{LONG_ID}","Heartbeat",{{}}]', "RpcFrameworkError", None),
    ('[2,"a"]', "RpcFrameworkError", "a"),
    ('[2,"a","Heartbeat"]', "RpcFrameworkError", "a"),
    ('[2,"a","Heartbeat",{},{}]', "RpcFrameworkError", "a"),
    ('[3,"a"]', "RpcFrameworkError", "a"),
    ('[4,"a","GenericError","x"]', "RpcFrameworkError", "a"),
    ('[2,"a",5,{}]', "RpcFrameworkError", "a"),
    ('[2,"a","",{}]', "RpcFrameworkError", "a"),
    ('[2,"a","Heartbeat",[]]', "FormatViolation", "a"),
    ('[2,"a","Heartbeat","{}"]', "FormatViolation", "a"),
    ('[2,"a","Heartbeat",{"x":}]', "FormatViolation", "a"),
    ('[3,"a",null]', "FormatViolation", "a"),
    ('[2,"a","NoSuchAction",{}]', "NotImplemented", "a"),
    ('[2,"a","Heartbeat",{"extra":1}]', "FormatViolation", "a"),
    ('[2,"a","BootNotification",{"reason":"PowerUp"}]', "OccurrenceConstraintViolation", "a"),
    ('[2,"a","BootNotification",{"reason":"PowerUp","chargingStation":{"model":5,"vendorName":"V"}}]',
     "TypeConstraintViolation", "a"),
    ('[2,"a","BootNotification",{"reason":"Sunrise","chargingStation":{"model":"M","vendorName":"V"}}]',
     "PropertyConstraintViolation", "a"),
    ('[2,"a","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"' + "M" * 21 + '","vendorName":"V"}}]',
     "PropertyConstraintViolation", "a"),
    ('[2,"a","NotifyPeriodicEventStream",{"id":1,"pending":0,"basetime":"2025-01-01T00:00:00Z","data":[{"t":0,"v":"1"}]}]',
     "ProtocolError", "a"),
    ('[6,"a","Heartbeat",{}]', "ProtocolError", "a"),
    ('[4,"a",7,"x",{}]', "FormatViolation", "a"),
    ('[4,"a","Oops","x",{}]', "PropertyConstraintViolation", "a"),
    ('[4,"a","GenericError","' + "d" * 256 + '",{}]', "PropertyConstraintViolation", "a"),
    ('[5,"a","GenericError","x",[]]', "FormatViolation", "a"),
]


@pytest.mark.parametrize(("text", "code", "uid"), TABLE, ids=[f"{i:02d}" for i in range(len(TABLE))])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_malformed_frame_gets_spec_code(text: str, code: str, uid: str | None, as_bytes: bool) -> None:
    data = text.encode() if as_bytes else text
    with pytest.raises(OcppFrameError) as info:
        frames.parse(data)
    assert info.value.code == code, str(info.value)
    assert info.value.unique_id == uid
    assert str(info.value).startswith(code)


def test_table_is_large_enough() -> None:
    assert len(TABLE) >= 25


def test_result_for_pending_call_is_validated_against_response_schema() -> None:
    ok = frames.parse('[3,"a",{"currentTime":"2025-01-01T00:00:00Z"}]', action="Heartbeat")
    assert ok.payload == {"currentTime": "2025-01-01T00:00:00Z"}
    with pytest.raises(OcppFrameError) as info:
        frames.parse('[3,"a",{"currentTime":"yesterday"}]', action="Heartbeat")
    assert info.value.code == "PropertyConstraintViolation"
    assert info.value.errors[0]["pointer"] == "/currentTime"


def test_not_utf8_bytes() -> None:
    with pytest.raises(OcppFrameError) as info:
        frames.parse(b'[2,"a","Heartbeat",{"x":"\xff"}]')
    assert info.value.code == "RpcFrameworkError"


def test_oversized_frame_is_refused_before_parsing() -> None:
    big = '[2,"a","DataTransfer",{"vendorId":"v","data":"' + "x" * 10_000_000 + '"}]'
    with pytest.raises(OcppFrameError, match="exceeds the limit"):
        frames.parse(big, max_size=65536)


def test_every_violation_is_listed_with_pointer() -> None:
    text = ('[2,"a","BootNotification",{"reason":"Nope","chargingStation":{"model":5},"bogus":true}]')
    with pytest.raises(OcppFrameError) as info:
        frames.parse(text)
    got = {(e["pointer"], e["code"]) for e in info.value.errors}
    assert got == {
        ("", "FormatViolation"),
        ("/reason", "PropertyConstraintViolation"),
        ("/chargingStation/model", "TypeConstraintViolation"),
        ("/chargingStation/vendorName", "OccurrenceConstraintViolation"),
    }
    assert info.value.code == "FormatViolation"


def test_spec_corner_cases_the_ocpp_library_lets_through() -> None:
    for text in (f'[2,"{LONG_ID}","Heartbeat",{{}}]', '[2,42,"Heartbeat",{}]'):
        with pytest.raises(OcppFrameError):
            frames.parse(text)
    with pytest.raises(OcppFrameError, match="date-time"):
        frames.parse('[3,"a",{"currentTime":"yesterday"}]', action="Heartbeat")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_frame_errors(data: bytes) -> None:
    try:
        frames.parse(data)
    except OcppFrameError as e:
        assert e.code in frames.ERROR_CODES


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=10), c, max_size=5),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_json, max_size=6))
def test_random_json_arrays_only_ever_raise_frame_errors(items: list[object]) -> None:
    import json

    try:
        frames.parse(json.dumps(items))
    except OcppFrameError as e:
        assert e.code in frames.ERROR_CODES
