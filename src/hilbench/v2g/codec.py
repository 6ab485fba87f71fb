"""ISO 15118-20 messages as plain dicts in the schema's own names, to and from EXI (the Rust core
does the work, through the `iso15118` crate's schema-informed codec).

``decode(exi, namespace)`` returns a dict with one key, the root element as the schema spells it
(``DC_ChargeLoopReq``); inside, element names as in the XSD, a choice as the chosen element itself,
absent optional elements left out, binary values (``SessionID``) as upper-case hex text.
``encode(message, namespace)`` is its inverse. V2GTP framing: ``frame`` and ``split``."""

from __future__ import annotations

from typing import Any

from hilbench import _core

APP_PROTOCOL = "urn:iso:15118:2:2010:AppProtocol"
COMMON = "urn:iso:std:iso:15118:-20:CommonMessages"
AC = "urn:iso:std:iso:15118:-20:AC"
DC = "urn:iso:std:iso:15118:-20:DC"
NAMESPACES = (APP_PROTOCOL, COMMON, AC, DC)

#: V2GTP payload type of each namespace's messages.
PAYLOAD_TYPE = {APP_PROTOCOL: 0x8001, COMMON: 0x8002, AC: 0x8003, DC: 0x8004}


def decode(exi: bytes, namespace: str) -> dict[str, Any]:
    """Raises :class:`hilbench.errors.ExiDecodeError` (bytes) or ``V2gMessageError`` (namespace)."""
    return _core.v2g_decode(exi, namespace)  # type: ignore[no-any-return]


def encode(message: dict[str, Any], namespace: str) -> bytes:
    """Raises :class:`hilbench.errors.V2gMessageError` naming the element that does not fit."""
    return _core.v2g_encode(message, namespace)


def frame(payload_type: int, payload: bytes) -> bytes:
    return _core.v2gtp_frame(payload_type, payload)


def split(data: bytes) -> tuple[int, bytes]:
    """One complete V2GTP frame → (payload type, payload); raises ``V2gtpFrameError``."""
    return _core.v2gtp_split(data)
