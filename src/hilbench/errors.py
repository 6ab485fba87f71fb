"""The one exception hierarchy of hilbench.

Protocol errors come in two families (DESIGN §6.3):

- ``LocalProtocolError``: the bench itself broke the protocol. That is a bug in hilbench or in a
  test case; a test that hits it ends with verdict *error*.
- ``RemoteProtocolError``: the peer (charger, CSMS, EV) broke the protocol. That is a finding
  against the device under test; verdict *fail*.

An instrument or transport failure is neither: it is an ``InfrastructureError`` and never looks
like a failing charger.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Violation(TypedDict):
    """One schema violation: JSON pointer into the payload, message, keyword, RPC error code."""

    pointer: str
    message: str
    keyword: str
    code: str


class HilbenchError(Exception):
    """Base of every error hilbench raises on purpose."""


class ConfigError(HilbenchError):
    """A configuration (CLI option, rig file, PKI path) is wrong; the message names what and where."""


class SchemaLoadError(ConfigError):
    """The official OCPP schemas could not be found or compiled."""


class MeteringInputError(HilbenchError, ValueError):
    """Samples that cannot be integrated or compared (length mismatch, time going backwards,
    NaN power, reading outside the reference span); the message names the index."""


class InfrastructureError(HilbenchError):
    """The bench's own infrastructure failed (network, TLS set-up, instrument)."""


class ModelError(ConfigError):
    """An instrument model file (``instruments/*.toml``) is wrong; the message names file and key."""


class RigError(ConfigError):
    """A rig file (``rigs/*.toml``) is wrong; the message names file, key and reason."""


class SafetyError(HilbenchError):
    """The bench refused to do something unsafe."""


class SetpointRefused(SafetyError):
    """A setpoint lies outside the rig's limits or the instrument model's range; nothing was sent.

    The message names the instrument, the quantity, the value and the allowed range with where each
    bound comes from (rig file or model)."""


class InstrumentError(InfrastructureError):
    """An instrument failed; the message names the instrument, the command and the reply."""

    def __init__(self, message: str, *, instrument: str = "", command: str | None = None, reply: str | None = None) -> None:
        super().__init__(message)
        self.instrument = instrument
        self.command = command
        self.reply = reply


class InstrumentTimeout(InstrumentError):
    """The instrument did not answer in time."""


class InstrumentDisconnected(InstrumentError):
    """The connection to the instrument is lost (or could not be made)."""


class InstrumentReplyError(InstrumentError):
    """The instrument answered something that does not parse, has the wrong unit, or is outside the
    model's range."""


class InstrumentIdentityError(InstrumentError):
    """The instrument is not the model the rig file says it is."""


class TransportError(InfrastructureError):
    """A connection could not be made or was lost."""


class PkiError(ConfigError):
    """Test PKI generation or loading failed."""


class StationIdError(ConfigError):
    """A charging-station id (URL path, Basic-auth user, certificate CN, ``--station``) is not an
    acceptable OCPP identity; the message names the id, where it came from and the rule it breaks."""

    def __init__(self, message: str, *, station_id: str = "") -> None:
        super().__init__(message)
        self.station_id = station_id


class UnsafePathError(ConfigError):
    """A file path built from outside input (a station id, a name) would lie outside its folder."""


class ProfileError(ConfigError):
    """An EV or EVSE profile (file or ``--set``) names an unknown key or a value out of its range."""


class RecordError(ConfigError):
    """A campaign record (``record.json``) or one of its trace files cannot be read or is incomplete;
    the message names the file, the JSON path inside it and what is wrong."""


class ProtocolError(HilbenchError):
    """A protocol rule was broken; see the Local/Remote subclasses for who broke it."""


class LocalProtocolError(ProtocolError):
    """The bench broke the protocol (a bench bug)."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol (a finding against the device under test)."""


class FrameSerializeError(LocalProtocolError):
    """The bench was asked to send a frame that OCPP-J does not allow."""


class OcppFrameError(RemoteProtocolError):
    """A received OCPP-J text is not an acceptable frame.

    ``code`` is the OCPP-J RPC error code the spec assigns to this kind of bad input (the code to
    answer a CALL with); ``errors`` lists every schema violation with its JSON pointer.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        errors: list[Violation] | None = None,
        unique_id: str | None = None,
        message_type: int | None = None,
        action: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors: list[Violation] = list(errors or [])
        self.unique_id = unique_id
        self.message_type = message_type
        self.action = action

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_frame_error, (self.message, self.code, self.errors, self.unique_id, self.message_type, self.action))


def _rebuild_frame_error(message: str, code: str, errors: list[Violation], unique_id: str | None,
                         message_type: int | None, action: str | None) -> OcppFrameError:
    return OcppFrameError(message, code=code, errors=errors, unique_id=unique_id,
                          message_type=message_type, action=action)


class OutgoingFrameError(LocalProtocolError):
    """The bench was about to send a payload that violates its schema (a bench bug, unless a test
    case asked to send it on purpose through the session hook)."""

    def __init__(self, cause: OcppFrameError) -> None:
        super().__init__(f"outgoing {cause.action or 'frame'} is invalid: {cause}")
        self.cause = cause
        self.code = cause.code
        self.errors = cause.errors


class ExiDecodeError(RemoteProtocolError):
    """ISO 15118-20: bytes that do not decode as EXI of the namespace; the message names the root
    element, the EXI error and the bit range where decoding stopped."""


class V2gMessageError(LocalProtocolError):
    """ISO 15118-20: a message dict that does not fit the schema (the path names the element), or
    an unknown namespace."""


class V2gTlsError(TransportError):
    """ISO 15118-20 TLS: a handshake that failed (the peer's offer or certificate), or a TLS
    configuration that could not be loaded; the message says which."""


class V2gPncError(LocalProtocolError):
    """ISO 15118-20 Plug & Charge: a signing or checking step that could not run (a contract key
    that does not load, a challenge of the wrong length) — not the SECC's verdict, which is a
    response code."""


class V2gtpFrameError(RemoteProtocolError):
    """A V2GTP frame with a wrong header, payload type or length."""


class CallErrorReceived(HilbenchError):
    """The peer answered our CALL with a CALLERROR. Not necessarily a protocol violation: a test
    case decides whether this answer is a finding."""

    def __init__(self, action: str, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(f"{action} answered with CALLERROR {code}: {description}")
        self.action = action
        self.code = code
        self.description = description
        self.details = details


class CallTimeout(RemoteProtocolError):
    """The peer did not answer our CALL within the call timeout."""

    def __init__(self, action: str, unique_id: str, timeout_s: float) -> None:
        super().__init__(f"no answer to {action} (id {unique_id}) within {timeout_s:g} s")
        self.action = action
        self.unique_id = unique_id
        self.timeout_s = timeout_s


class ConnectionRefused(TransportError):
    """The peer refused the connection (HTTP status, TLS alert, subprotocol)."""
