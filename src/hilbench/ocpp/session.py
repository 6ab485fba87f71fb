"""Sans-I/O OCPP-J session: text in -> events out; calls, results and errors -> text out.

No sockets, no clocks: the caller passes ``now_ns`` (monotonic nanoseconds) with every input and
calls ``handle_timer(now_ns)`` at ``next_deadline_ns()``. The session enforces OCPP-J's rule of at
most one outstanding CALL per direction (our further CALLs wait in a queue; SENDs may go
meanwhile), answers unknown actions and invalid payloads with the right CALLERROR, invalid results
with CALLRESULTERROR (2.1), and reports every rule the peer breaks as a ``PeerViolation`` event.

Every frame in either direction passes ``hook(direction, text)`` first; the hook returns the text
(unchanged or altered), ``None`` to drop it, ``Delay(text, seconds)`` to hold it back, or a list of
these to duplicate or reorder. ``send_raw`` puts any text on the wire as it is.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Union

from hilbench import _core
from hilbench.errors import LocalProtocolError, OcppFrameError, OutgoingFrameError
from hilbench.ocpp import frames
from hilbench.ocpp.actions import Role, may_send, peer_of
from hilbench.ocpp.events import (
    CallReceived, CallTimedOut, ErrorReceived, Event, InvalidResult, PeerViolation,
    ResultErrorReceived, ResultReceived, SendReceived,
)

Direction = Literal["in", "out"]


class Delay(NamedTuple):
    text: str
    seconds: float


HookResult = Union[str, None, Delay, Sequence[Union[str, Delay]]]
Hook = Callable[[Direction, str], HookResult]

_NS = 1_000_000_000
_RAW_CLIP = 2048


@dataclass
class _Pending:
    unique_id: str
    action: str
    deadline_ns: int


class Session:
    """One OCPP-J connection's RPC state, for either role."""

    def __init__(self, role: Role, version: str = "2.1", *, call_timeout_s: float = 30.0,
                 max_frame_size: int = 1 << 20, hook: Hook | None = None,
                 validate_outgoing: bool = True, answer_unknown_message_type: bool | None = None,
                 id_factory: Callable[[], str] = frames.new_unique_id) -> None:
        if version not in frames.VERSIONS:
            raise LocalProtocolError(f"unknown OCPP version {version!r}")
        frames.ensure_schemas(version)
        self.role: Role = role
        self.version = version
        self.call_timeout_s = call_timeout_s
        self.max_frame_size = max_frame_size
        self.hook = hook
        self.validate_outgoing = validate_outgoing
        # OCPP 2.0.1 answers an unknown message type with MessageTypeNotSupported. ⚠ For 2.1 a
        # third-party implementation reports that such frames are ignored; unconfirmed, so
        # configurable and off by default for 2.1.
        self.answer_unknown_message_type = (version == "2.0.1") if answer_unknown_message_type is None \
            else answer_unknown_message_type
        self._new_id = id_factory
        self._now = 0
        self._events: deque[Event] = deque()
        self._outbox: deque[str] = deque()
        self._delayed: list[tuple[int, int, Direction, str]] = []
        self._seq = itertools.count()
        self._pending: _Pending | None = None
        self._queued_calls: deque[tuple[str, str, str]] = deque()
        self._incoming: dict[str, str] = {}  # peer CALL id -> action, until we answer

    # ---- inputs -----------------------------------------------------------------------------

    def receive_text(self, text: str | bytes, now_ns: int | None = None) -> None:
        """Feed one websocket text message from the peer."""
        self._tick(now_ns)
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as e:
                self._violation("RpcFrameworkError", f"frame is not UTF-8 text: {e}", repr(text[:_RAW_CLIP]))
                self._outbox_error(frames.UNREADABLE_ID, "RpcFrameworkError", "frame is not UTF-8 text")
                return
        self._through_hook("in", text)

    def handle_timer(self, now_ns: int) -> None:
        """Advance time: release delayed frames, time out an unanswered CALL."""
        self._tick(now_ns)
        while self._delayed and self._delayed[0][0] <= now_ns:
            _, _, direction, text = heapq.heappop(self._delayed)
            self._deliver(direction, text)
        p = self._pending
        if p is not None and now_ns >= p.deadline_ns:
            self._pending = None
            self._events.append(CallTimedOut(p.unique_id, p.action, self.call_timeout_s))
            self._pump()

    # ---- outputs ----------------------------------------------------------------------------

    def next_event(self) -> Event | None:
        return self._events.popleft() if self._events else None

    def events(self) -> Iterator[Event]:
        while self._events:
            yield self._events.popleft()

    def data_to_send(self) -> list[str]:
        out = list(self._outbox)
        self._outbox.clear()
        return out

    def next_deadline_ns(self) -> int | None:
        times = [t for t in (self._pending.deadline_ns if self._pending else None,
                             self._delayed[0][0] if self._delayed else None) if t is not None]
        return min(times) if times else None

    @property
    def pending_call(self) -> tuple[str, str] | None:
        """(unique id, action) of our CALL awaiting an answer."""
        return (self._pending.unique_id, self._pending.action) if self._pending else None

    @property
    def queued_calls(self) -> int:
        return len(self._queued_calls)

    # ---- commands ---------------------------------------------------------------------------

    def call(self, action: str, payload: dict[str, Any], now_ns: int | None = None, *,
             unique_id: str | None = None, validate: bool | None = None) -> str:
        """Queue a CALL; it goes out when no other CALL of ours is outstanding. Returns its id."""
        self._tick(now_ns)
        text = self._checked(action, payload, response=False, validate=validate)
        uid = unique_id or self._new_id()
        self._queued_calls.append((uid, action, text))
        self._pump()
        return uid

    def result(self, unique_id: str, payload: dict[str, Any], now_ns: int | None = None, *,
               validate: bool | None = None) -> None:
        """Answer the peer's CALL ``unique_id``."""
        self._tick(now_ns)
        action = self._incoming.pop(unique_id, None)
        if action is None:
            raise LocalProtocolError(f"no unanswered CALL with id {unique_id!r} from the peer")
        text = self._checked(action, payload, response=True, validate=validate)
        self._emit(frames.call_result(unique_id, text))

    def error(self, unique_id: str, code: str, description: str = "",
              details: dict[str, Any] | None = None, now_ns: int | None = None) -> None:
        """Answer the peer's CALL ``unique_id`` with a CALLERROR."""
        self._tick(now_ns)
        self._incoming.pop(unique_id, None)
        self._emit(frames.call_error(unique_id, code, description[:255], details or {}))

    def send(self, action: str, payload: dict[str, Any], now_ns: int | None = None, *,
             validate: bool | None = None) -> str:
        """Send a one-way SEND (OCPP 2.1); allowed while a CALL is outstanding."""
        self._tick(now_ns)
        if self.version == "2.0.1":
            raise LocalProtocolError("SEND (message type 6) does not exist in OCPP 2.0.1")
        text = self._checked(action, payload, response=False, validate=validate)
        uid = self._new_id()
        self._emit(frames.send(uid, action, text))
        return uid

    def send_raw(self, text: str, now_ns: int | None = None) -> None:
        """Put any text on the wire (still through the hook), for negative tests."""
        self._tick(now_ns)
        self._emit(text)

    # ---- internals --------------------------------------------------------------------------

    def _tick(self, now_ns: int | None) -> None:
        if now_ns is not None:
            self._now = max(self._now, now_ns)

    def _checked(self, action: str, payload: dict[str, Any], *, response: bool, validate: bool | None) -> str:
        text = frames.payload_json(payload)
        if self.validate_outgoing if validate is None else validate:
            if not response and not may_send(self.role, action):
                raise LocalProtocolError(f"a {self.role} does not initiate {action}")
            try:
                _core.validate_payload(self.version, action, text, response=response)
            except OcppFrameError as e:
                raise OutgoingFrameError(e) from None
        return text

    def _pump(self) -> None:
        if self._pending is None and self._queued_calls:
            uid, action, payload = self._queued_calls.popleft()
            self._pending = _Pending(uid, action, self._now + int(self.call_timeout_s * _NS))
            self._emit(frames.call(uid, action, payload))

    def _emit(self, text: str) -> None:
        self._through_hook("out", text)

    def _through_hook(self, direction: Direction, text: str) -> None:
        result: HookResult = text if self.hook is None else self.hook(direction, text)
        items: Sequence[str | Delay | None] = (
            result if isinstance(result, list | tuple) and not isinstance(result, Delay) else [result])  # type: ignore[list-item]
        for item in items:
            if item is None:
                continue
            if isinstance(item, Delay):
                due = self._now + int(item.seconds * _NS)
                heapq.heappush(self._delayed, (due, next(self._seq), direction, item.text))
            else:
                self._deliver(direction, item)

    def _deliver(self, direction: Direction, text: str) -> None:
        if direction == "out":
            self._outbox.append(text)
        else:
            self._process(text)

    def _violation(self, code: str, message: str, raw: str, unique_id: str | None = None,
                   errors: list[Any] | None = None) -> None:
        self._events.append(PeerViolation(code, message, raw[:_RAW_CLIP], unique_id, list(errors or [])))

    def _process(self, text: str) -> None:
        # One validating parse: a CALL/SEND against its action's request schema, a CALLRESULT
        # against the response schema of our pending CALL (the only one that may be answered).
        p = self._pending
        try:
            f = _core.parse_frame(text, self.version, validate=True, action=p.action if p else None,
                                  max_size=self.max_frame_size)
        except OcppFrameError as e:
            if e.message_type == 3 and p is not None and e.unique_id != p.unique_id:
                # Checked against the wrong call's schema: it answers no pending CALL at all.
                try:
                    f = _core.parse_frame(text, self.version, validate=False, max_size=self.max_frame_size)
                except OcppFrameError:
                    pass
                else:
                    self._on_answer(f, text)
                    return
            self._on_invalid(e, text)
            return
        mt = f.message_type
        if self.version == "2.0.1" and mt in (5, 6):
            self._not_in_2_0_1(mt, f.unique_id, text)
        elif mt == 2:
            self._on_call(f, text)
        elif mt in (3, 4):
            self._on_answer(f, text)
        elif mt == 5:
            self._events.append(ResultErrorReceived(f.unique_id, f.error_code or "", f.error_description or "",
                                                    f.payload))
        else:
            self._events.append(SendReceived(f.unique_id, f.action or "", f.payload))

    def _not_in_2_0_1(self, mt: int, unique_id: str | None, text: str) -> None:
        self._violation("MessageTypeNotSupported", f"message type {mt} does not exist in OCPP 2.0.1", text, unique_id)
        if mt == 6 and self.answer_unknown_message_type:
            self._outbox_error(unique_id or frames.UNREADABLE_ID, "MessageTypeNotSupported", f"message type {mt}")

    def _on_invalid(self, e: OcppFrameError, text: str) -> None:
        """Answer a frame that failed parsing or validation as OCPP-J says for its type."""
        mt = e.message_type
        if self.version == "2.0.1" and mt in (5, 6):
            self._not_in_2_0_1(mt, e.unique_id, text)
            return
        self._violation(e.code, e.message, text, e.unique_id, e.errors)
        if mt == 2 or mt is None:
            # A CALL (or something whose type could not be read) must be answered, else the peer
            # waits for its timeout; an unreadable id is answered with the conventional "-1".
            self._outbox_error(e.unique_id or frames.UNREADABLE_ID, e.code, e.message, e.errors)
        elif e.code == "MessageTypeNotSupported" and self.answer_unknown_message_type:
            self._outbox_error(e.unique_id or frames.UNREADABLE_ID, e.code, e.message)
        elif mt == 3 and e.unique_id is not None:
            self._fail_pending_result(e.unique_id, e)
        # A SEND, CALLERROR or CALLRESULTERROR is never answered, not even with an error.

    def _outbox_error(self, unique_id: str, code: str, message: str, errors: list[Any] | None = None) -> None:
        details: dict[str, Any] = {}
        if errors:
            details["errors"] = [{"pointer": v["pointer"], "code": v["code"]} for v in errors[:10]]
        self._emit(frames.call_error(unique_id, code, message[:255], details))

    def _on_call(self, f: _core.Frame, text: str) -> None:
        action = f.action or ""
        if self._incoming:
            self._violation("ProtocolError",
                            f"CALL {action} (id {f.unique_id}) while the peer's CALL "
                            f"{next(iter(self._incoming.items()))} is unanswered", text, f.unique_id)
        if not may_send(peer_of(self.role), action):
            msg = f"{action} is not an action a {peer_of(self.role)} initiates"
            self._violation("NotSupported", msg, text, f.unique_id)
            self._outbox_error(f.unique_id, "NotSupported", msg)
            return
        self._incoming[f.unique_id] = action
        self._events.append(CallReceived(f.unique_id, action, f.payload))

    def _on_answer(self, f: _core.Frame, text: str) -> None:
        p = self._pending
        kind = "CALLRESULT" if f.message_type == 3 else "CALLERROR"
        if p is None or p.unique_id != f.unique_id:
            expected = f" (awaiting {p.unique_id})" if p else ""
            self._violation("ProtocolError", f"{kind} for unknown message id {f.unique_id}{expected}",
                            text, f.unique_id)
            return
        self._pending = None
        if f.message_type == 4:
            self._events.append(ErrorReceived(p.unique_id, p.action, f.error_code or "",
                                              f.error_description or "", f.payload))
        else:
            self._events.append(ResultReceived(p.unique_id, p.action, f.payload))
        self._pump()

    def _fail_pending_result(self, unique_id: str, e: OcppFrameError) -> None:
        p = self._pending
        if p is None or p.unique_id != unique_id:
            return
        self._pending = None
        self._events.append(InvalidResult(unique_id, p.action, e.code, e.message, e.errors))
        if self.version != "2.0.1":
            self._emit(frames.call_result_error(unique_id, e.code, e.message[:255], {}))
        self._pump()

