"""The sans-I/O session, tested back to back through a fake link (no sockets, explicit time)."""

from __future__ import annotations

from typing import Any

import pytest

from hilbench.errors import LocalProtocolError, OutgoingFrameError
from hilbench.ocpp import frames
from hilbench.ocpp.events import (
    CallReceived, CallTimedOut, ErrorReceived, InvalidResult, PeerViolation, ResultErrorReceived,
    ResultReceived, SendReceived,
)
from hilbench.ocpp.session import Delay, Session

S = 1_000_000_000
BOOT = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
BOOT_OK = {"currentTime": "2025-01-01T00:00:00Z", "interval": 300, "status": "Accepted"}


class Pair:
    """A station and a CSMS session joined by a fake link."""

    def __init__(self, version: str = "2.1", **kw: Any) -> None:
        self.station = Session("station", version, **kw)
        self.csms = Session("csms", version, **kw)
        self.wire: list[tuple[str, str]] = []

    def flow(self, now_ns: int = 0) -> None:
        moved = True
        while moved:
            moved = False
            for src, dst, name in ((self.station, self.csms, "cs>"), (self.csms, self.station, "<csms")):
                for text in src.data_to_send():
                    self.wire.append((name, text))
                    dst.receive_text(text, now_ns)
                    moved = True


def test_boot_round_trip() -> None:
    p = Pair()
    uid = p.station.call("BootNotification", BOOT, 0)
    p.flow()
    ev = p.csms.next_event()
    assert isinstance(ev, CallReceived) and ev.payload == BOOT and ev.unique_id == uid
    p.csms.result(uid, BOOT_OK)
    p.flow()
    assert p.station.next_event() == ResultReceived(uid, "BootNotification", BOOT_OK)


def test_one_outstanding_call_per_direction_and_send_meanwhile() -> None:
    p = Pair()
    a = p.station.call("Heartbeat", {}, 0)
    b = p.station.call("Heartbeat", {}, 0)
    out = p.station.data_to_send()
    assert len(out) == 1 and a in out[0]
    assert p.station.queued_calls == 1
    p.station.send("NotifyPeriodicEventStream", {"id": 1, "pending": 0, "basetime": "2025-01-01T00:00:00Z",
                                                 "data": [{"t": 0, "v": "1"}]})
    assert frames.parse(p.station.data_to_send()[0]).message_type == 6
    p.station.receive_text(frames.call_result(a, {"currentTime": "2025-01-01T00:00:00Z"}), 1)
    assert isinstance(p.station.next_event(), ResultReceived)
    assert b in p.station.data_to_send()[0]


def test_timeout_releases_the_next_call() -> None:
    s = Session("station", call_timeout_s=2.0)
    a = s.call("Heartbeat", {}, 0)
    s.call("Heartbeat", {}, 0)
    s.data_to_send()
    assert s.next_deadline_ns() == 2 * S
    s.handle_timer(S)
    assert s.next_event() is None
    s.handle_timer(2 * S)
    assert s.next_event() == CallTimedOut(a, "Heartbeat", 2.0)
    assert len(s.data_to_send()) == 1
    # A late answer to the timed-out call is a violation, not a result.
    s.receive_text(frames.call_result(a, {"currentTime": "2025-01-01T00:00:00Z"}), 3 * S)
    ev = s.next_event()
    assert isinstance(ev, PeerViolation) and ev.code == "ProtocolError"


@pytest.mark.parametrize(("text", "code"), [
    ('[2,"q1","NoSuchAction",{}]', "NotImplemented"),
    ('[2,"q1","Heartbeat",{"bad":1}]', "FormatViolation"),
    ('[2,"q1","SetChargingProfile",{}]', "OccurrenceConstraintViolation"),
    ('[2,"q1","RequestStartTransaction",{"idToken":{"idToken":"a","type":"Central"},"remoteStartId":1}]',
     "NotSupported"),  # CSMS->CS action sent to a CSMS
    ("nonsense", "RpcFrameworkError"),
    ('[2,"q1","Heartbeat",{"x":]', "FormatViolation"),
])
def test_bad_calls_are_answered_with_callerror(text: str, code: str) -> None:
    csms = Session("csms")
    csms.receive_text(text, 0)
    ev = csms.next_event()
    assert isinstance(ev, PeerViolation) and ev.code == code
    (answer,) = csms.data_to_send()
    f = frames.parse(answer)
    assert f.message_type == 4 and f.error_code == code
    assert f.unique_id == ("q1" if "q1" in text else frames.UNREADABLE_ID)


def test_invalid_result_gets_callresulterror_in_2_1_only() -> None:
    for version, answered in (("2.1", True), ("2.0.1", False)):
        s = Session("station", version)
        uid = s.call("Heartbeat", {}, 0)
        s.data_to_send()
        s.receive_text(f'[3,"{uid}",{{"currentTime":"yesterday"}}]', 1)
        evs = list(s.events())
        assert any(isinstance(e, InvalidResult) and e.code == "PropertyConstraintViolation" for e in evs)
        out = s.data_to_send()
        assert bool(out) is answered
        if answered:
            f = frames.parse(out[0])
            assert (f.message_type, f.unique_id, f.error_code) == (5, uid, "PropertyConstraintViolation")


def test_callerror_and_resulterror_and_send_events() -> None:
    s = Session("csms")
    uid = s.call("Reset", {"type": "Immediate"}, 0)
    s.data_to_send()
    s.receive_text(frames.call_error(uid, "NotSupported", "no", {"k": 1}), 1)
    assert s.next_event() == ErrorReceived(uid, "Reset", "NotSupported", "no", {"k": 1})
    s.receive_text(frames.call_result_error("r1", "FormatViolation", "bad", {}), 1)
    assert s.next_event() == ResultErrorReceived("r1", "FormatViolation", "bad", {})
    s.receive_text(frames.send("s1", "NotifyPeriodicEventStream", {
        "id": 1, "pending": 0, "basetime": "2025-01-01T00:00:00Z", "data": [{"t": 0, "v": "1"}]}), 1)
    assert isinstance(s.next_event(), SendReceived)
    s.receive_text('[6,"s2","NotifyPeriodicEventStream",{"id":"x"}]', 1)
    assert isinstance(s.next_event(), PeerViolation)
    assert s.data_to_send() == []  # a SEND is never answered


def test_2_0_1_refuses_types_5_and_6() -> None:
    s = Session("csms", "2.0.1")
    s.receive_text('[6,"s1","Heartbeat",{}]', 0)
    ev = s.next_event()
    assert isinstance(ev, PeerViolation) and ev.code == "MessageTypeNotSupported"
    with pytest.raises(LocalProtocolError):
        s.send("NotifyPeriodicEventStream", {})


def test_second_call_from_peer_while_first_unanswered_is_a_finding() -> None:
    csms = Session("csms")
    csms.receive_text('[2,"a","Heartbeat",{}]', 0)
    csms.receive_text('[2,"b","Heartbeat",{}]', 0)
    evs = list(csms.events())
    assert [type(e).__name__ for e in evs] == ["CallReceived", "PeerViolation", "CallReceived"]


def test_outgoing_payloads_are_checked_unless_asked_not_to() -> None:
    s = Session("station")
    with pytest.raises(OutgoingFrameError) as info:
        s.call("BootNotification", {"reason": "PowerUp"})
    assert info.value.code == "OccurrenceConstraintViolation"
    with pytest.raises(LocalProtocolError):
        s.call("SetChargingProfile", {})  # not a station's action
    s.call("BootNotification", {"reason": "PowerUp"}, validate=False)
    assert "BootNotification" in s.data_to_send()[0]
    csms = Session("csms")
    csms.receive_text('[2,"a","Heartbeat",{}]', 0)
    with pytest.raises(OutgoingFrameError):
        csms.result("a", {"currentTime": "soon"})
    with pytest.raises(LocalProtocolError):
        csms.result("zzz", {})


def test_hook_alters_drops_delays_duplicates_and_raw() -> None:
    seen: list[tuple[str, str]] = []

    def hook(direction: str, text: str) -> Any:
        seen.append((direction, text))
        if '"Heartbeat"' in text and direction == "out":
            return Delay(text, 1.0)
        if '"StatusNotification"' in text:
            return None
        if '"Authorize"' in text:
            return [text, text]
        return text.replace('"PowerUp"', '"Watchdog"')

    s = Session("station", hook=hook)
    s.call("BootNotification", BOOT, 0)
    assert '"Watchdog"' in s.data_to_send()[0]
    s.receive_text(frames.call_result(s.pending_call[0], BOOT_OK), 0)  # type: ignore[index]
    s.call("Heartbeat", {}, 0)
    assert s.data_to_send() == []
    s.handle_timer(S)
    assert '"Heartbeat"' in s.data_to_send()[0]
    s.send_raw("not json at all")
    assert s.data_to_send() == ["not json at all"]
    assert seen[1][0] == "in" and '"currentTime"' in seen[1][1]  # incoming frames pass the hook too


def test_hook_drops_and_duplicates() -> None:
    def hook(direction: str, text: str) -> Any:
        if '"StatusNotification"' in text:
            return None
        return [text, text] if direction == "in" else text

    s = Session("station", hook=hook)
    s.call("StatusNotification", {"timestamp": "2025-01-01T00:00:00Z", "connectorStatus": "Available",
                                  "evseId": 1, "connectorId": 1}, 0)
    assert s.data_to_send() == []  # dropped: the CSMS never sees it, our call will time out
    csms = Session("csms")
    csms.receive_text('[2,"d","Heartbeat",{}]', 0)
    csms.result("d", {"currentTime": "2025-01-01T00:00:00Z"})
    dup = Session("station", hook=hook)
    uid = dup.call("Heartbeat", {}, 0)
    dup.data_to_send()
    dup.receive_text(frames.call_result(uid, {"currentTime": "2025-01-01T00:00:00Z"}), 0)
    kinds = [type(e).__name__ for e in dup.events()]
    assert kinds == ["ResultReceived", "PeerViolation"]  # the duplicate is a result for an unknown id


def test_result_for_another_id_is_unknown_not_judged_by_the_pending_schema() -> None:
    s = Session("station")
    uid = s.call("Heartbeat", {}, 0)
    s.data_to_send()
    s.receive_text('[3,"someone-else",{"status":"Accepted"}]', 1)  # not a HeartbeatResponse, but not ours
    (ev,) = list(s.events())
    assert isinstance(ev, PeerViolation) and ev.code == "ProtocolError" and "unknown message id" in ev.message
    assert s.data_to_send() == []  # no CALLRESULTERROR for a result that answers nothing
    assert s.pending_call == (uid, "Heartbeat")  # still waiting for the real answer
