"""What an ISO 15118-20 session engine reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MessageReceived:
    name: str
    message: dict[str, Any]
    t_ns: int


@dataclass(frozen=True)
class MessageSent:
    name: str
    message: dict[str, Any]
    t_ns: int


@dataclass(frozen=True)
class Finding:
    """The peer broke a rule (or did something a test wants to see): what, and the bytes."""

    kind: str
    text: str
    data: bytes = b""


@dataclass(frozen=True)
class SessionEnded:
    ok: bool
    reason: str


Event = MessageReceived | MessageSent | Finding | SessionEnded
