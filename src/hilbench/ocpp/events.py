"""Events that the sans-I/O OCPP session emits. Frozen values; the session never does I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hilbench.errors import Violation


@dataclass(frozen=True)
class Event:
    """Base of every session event."""


@dataclass(frozen=True)
class CallReceived(Event):
    """The peer sent a valid CALL; answer it with ``Session.result`` or ``Session.error``."""

    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ResultReceived(Event):
    """The peer answered our CALL with a valid CALLRESULT."""

    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ErrorReceived(Event):
    """The peer answered our CALL with a CALLERROR."""

    unique_id: str
    action: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True)
class InvalidResult(Event):
    """The peer answered our CALL with a CALLRESULT that violates the response schema."""

    unique_id: str
    action: str
    code: str
    message: str
    errors: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class ResultErrorReceived(Event):
    """The peer could not process a CALLRESULT we sent (OCPP 2.1 CALLRESULTERROR)."""

    unique_id: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True)
class SendReceived(Event):
    """The peer sent a valid one-way SEND (OCPP 2.1)."""

    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallTimedOut(Event):
    """The peer did not answer our CALL in time; the next queued CALL may go."""

    unique_id: str
    action: str
    timeout_s: float


@dataclass(frozen=True)
class PeerViolation(Event):
    """The peer broke OCPP-J: a finding against the device under test. ``code`` is the RPC error
    code of the violation; ``raw`` the offending text (clipped to 2 kB)."""

    code: str
    message: str
    raw: str
    unique_id: str | None = None
    errors: list[Violation] = field(default_factory=list)
