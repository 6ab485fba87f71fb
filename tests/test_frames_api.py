"""The public frames API: parse attributes, dumps for every type, round trips, versions."""

from __future__ import annotations

import pytest

from hilbench.errors import FrameSerializeError, OcppFrameError
from hilbench.ocpp import frames
from hilbench.ocpp.frames import MessageType


def test_parse_exposes_fields_and_lazy_payload() -> None:
    text = '[2,"id-7","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]'
    f = frames.parse(text)
    assert (f.message_type, f.unique_id, f.action) == (2, "id-7", "BootNotification")
    assert f.payload_raw == text[text.index("{"):-1]
    start, end = f.payload_span
    assert text[start:end] == f.payload_raw
    assert f.payload["chargingStation"]["vendorName"] == "V"
    assert f.payload is f.payload  # built once
    assert f.raw == text


@pytest.mark.parametrize("mt", list(MessageType))
def test_dumps_every_type_round_trips(mt: MessageType) -> None:
    if mt in (MessageType.CALL, MessageType.SEND):
        action = "Heartbeat" if mt is MessageType.CALL else "NotifyPeriodicEventStream"
        payload = {} if mt is MessageType.CALL else {
            "id": 1, "pending": 0, "basetime": "2025-01-01T00:00:00Z", "data": [{"t": 0.5, "v": "230.1"}]}
        text = frames.dumps(mt, "u-1", action=action, payload=payload)
        f = frames.parse(text)
        assert (f.action, f.payload) == (action, payload)
    elif mt is MessageType.CALLRESULT:
        f = frames.parse(frames.dumps(mt, "u-1", payload={"a": [1, 2.5, None, True]}), validate=False)
        assert f.payload == {"a": [1, 2.5, None, True]}
    else:
        text = frames.dumps(mt, "u-1", error_code="NotSupported", error_description='say "no"',
                            error_details={"why": "x"})
        f = frames.parse(text)
        assert (f.error_code, f.error_description, f.payload) == ("NotSupported", 'say "no"', {"why": "x"})
    assert f.message_type == mt and f.unique_id == "u-1"


@pytest.mark.parametrize(("fn", "args"), [
    (frames.call, ("x" * 37, "Heartbeat", {})),
    (frames.call, ("", "Heartbeat", {})),
    (frames.call, ("a", "", {})),
    (frames.call, ("a", "Heartbeat", "[1]")),
    (frames.call_error, ("a", "NotAnErrorCode")),
    (frames.call_error, ("a", "GenericError", "x" * 256)),
])
def test_dumps_refuses_what_ocpp_j_forbids(fn, args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FrameSerializeError):
        fn(*args)


def test_versions_have_their_own_action_sets() -> None:
    v21, v201 = set(frames.actions("2.1")), set(frames.actions("2.0.1"))
    assert len(v21) == 91 and len(v201) == 64
    assert v201 < v21
    assert "AFRRSignal" in v21 - v201
    frames.parse('[2,"a","AFRRSignal",{"timestamp":"2025-01-01T00:00:00Z","signal":1}]', version="2.1")
    with pytest.raises(OcppFrameError) as info:
        frames.parse('[2,"a","AFRRSignal",{"timestamp":"2025-01-01T00:00:00Z","signal":1}]', version="2.0.1")
    assert info.value.code == "NotImplemented"


def test_integer_valued_floats_are_integers_draft06() -> None:
    frames.parse('[3,"a",{"currentTime":"2025-01-01T00:00:00Z","interval":300.0,"status":"Accepted"}]',
                 action="BootNotification")
    with pytest.raises(OcppFrameError) as info:
        frames.parse('[3,"a",{"currentTime":"2025-01-01T00:00:00Z","interval":300.5,"status":"Accepted"}]',
                     action="BootNotification")
    assert info.value.code == "TypeConstraintViolation"


def test_unknown_version_is_a_clear_error() -> None:
    from hilbench.errors import SchemaLoadError

    with pytest.raises(SchemaLoadError, match="1.6"):
        frames.parse('[2,"a","Heartbeat",{}]', version="1.6")


def test_frame_error_pickles() -> None:
    import pickle

    with pytest.raises(OcppFrameError) as info:
        frames.parse('[2,"a","Heartbeat",{"x":1}]')
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.code, again.errors, again.unique_id) == (info.value.code, info.value.errors, "a")
