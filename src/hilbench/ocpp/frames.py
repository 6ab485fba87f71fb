"""OCPP-J frames: parse (zero-copy, schema-validated in Rust) and serialise.

External tools rely on these names: ``parse``, ``Frame``, ``dumps`` and the per-type helpers.

>>> f = parse('[2,"19223201","Heartbeat",{}]')
>>> (f.message_type, f.unique_id, f.action, f.payload)
(2, '19223201', 'Heartbeat', {})
"""

from __future__ import annotations

import enum
import json
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from hilbench import _core
from hilbench._core import MAX_UNIQUE_ID_LEN, UNREADABLE_ID, Frame
from hilbench.errors import SchemaLoadError

__all__ = [
    "Frame", "MessageType", "parse", "dumps", "call", "call_result", "call_error",
    "call_result_error", "send", "actions", "ensure_schemas", "new_unique_id", "payload_json",
    "MAX_UNIQUE_ID_LEN", "UNREADABLE_ID", "VERSIONS", "SUBPROTOCOLS", "ERROR_CODES",
]


class MessageType(enum.IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5  # new in OCPP 2.1
    SEND = 6  # new in OCPP 2.1


#: OCPP version -> folder of the installed ``ocpp`` package that holds its official schemas.
VERSIONS: dict[str, str] = {"2.1": "v21", "2.0.1": "v201"}
#: websocket subprotocol -> OCPP version.
SUBPROTOCOLS: dict[str, str] = {"ocpp2.1": "2.1", "ocpp2.0.1": "2.0.1"}

ERROR_CODES: tuple[str, ...] = (
    "FormatViolation", "GenericError", "InternalError", "MessageTypeNotSupported", "NotImplemented",
    "NotSupported", "OccurrenceConstraintViolation", "PropertyConstraintViolation", "ProtocolError",
    "RpcFrameworkError", "SecurityError", "TypeConstraintViolation",
)

_loaded: set[str] = set()


def schema_dir(version: str) -> Path:
    """Folder of the official JSON schemas of ``version`` inside the installed ``ocpp`` package."""
    try:
        sub = VERSIONS[version]
    except KeyError:
        raise SchemaLoadError(f"unknown OCPP version {version!r}; known: {', '.join(VERSIONS)}") from None
    try:
        path = Path(str(resources.files("ocpp") / sub / "schemas"))
    except ModuleNotFoundError:
        raise SchemaLoadError("the 'ocpp' package (2.1.0) is not installed; it provides the official schemas") from None
    if not path.is_dir():
        raise SchemaLoadError(f"no schema folder {path} in the installed 'ocpp' package")
    return path


def ensure_schemas(version: str) -> None:
    """Compile ``version``'s schemas once per process."""
    if version not in _loaded:
        if not _core.schemas_loaded(version):
            _core.load_schemas(version, str(schema_dir(version)))  # raises SchemaLoadError
        _loaded.add(version)


def actions(version: str = "2.1") -> list[str]:
    """Every action of ``version`` that has a schema, sorted."""
    ensure_schemas(version)
    return _core.schema_actions(version)


#: Parse one websocket text message: ``parse(data, version="2.1", *, validate=True, action=None,
#: max_size=None) -> Frame``. This is the Rust function itself (no Python wrapper on the hot path);
#: a version's schemas are compiled on first use.
#:
#: Raises ``OcppFrameError`` with ``.code`` (the RPC error code to answer with) and ``.errors``
#: (every schema violation, with JSON pointer). ``action`` names the CALL that a CALLRESULT
#: answers, so that the result is validated against that action's response schema.
parse = _core.parse_frame


def validate_payload(action: str, payload: dict[str, Any] | str, *, version: str = "2.1",
                     response: bool = False) -> None:
    """Check a payload against ``action``'s request or response schema; raises ``OcppFrameError``."""
    ensure_schemas(version)
    text = payload_json(payload)
    _core.validate_payload(version, action, text, response=response)


def new_unique_id() -> str:
    return str(uuid.uuid4())


def payload_json(payload: dict[str, Any] | str | None) -> str:
    if payload is None:
        return "{}"
    if isinstance(payload, str):
        return payload
    try:
        return orjson.dumps(payload).decode()
    except TypeError:
        # orjson refuses integers beyond 64 bits; the stdlib writes them (the schema judges them).
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def call(unique_id: str, action: str, payload: dict[str, Any] | str) -> str:
    return _core.dump_call(unique_id, action, payload_json(payload))


def call_result(unique_id: str, payload: dict[str, Any] | str) -> str:
    return _core.dump_call_result(unique_id, payload_json(payload))


def call_error(unique_id: str, code: str, description: str = "",
               details: dict[str, Any] | str | None = None) -> str:
    return _core.dump_call_error(unique_id, code, description, payload_json(details))


def call_result_error(unique_id: str, code: str, description: str = "",
                      details: dict[str, Any] | str | None = None) -> str:
    return _core.dump_call_result_error(unique_id, code, description, payload_json(details))


def send(unique_id: str, action: str, payload: dict[str, Any] | str) -> str:
    return _core.dump_send(unique_id, action, payload_json(payload))


def dumps(message_type: int, unique_id: str, *, action: str | None = None,
          payload: dict[str, Any] | str | None = None, error_code: str | None = None,
          error_description: str = "", error_details: dict[str, Any] | str | None = None) -> str:
    """Serialise any frame type; the per-type helpers say the same more briefly."""
    mt = MessageType(message_type)
    if mt in (MessageType.CALL, MessageType.SEND):
        if action is None:
            raise TypeError(f"a {mt.name} needs an action")
        return (call if mt is MessageType.CALL else send)(unique_id, action, payload_json(payload))
    if mt is MessageType.CALLRESULT:
        return call_result(unique_id, payload_json(payload))
    if error_code is None:
        raise TypeError(f"a {mt.name} needs an error_code")
    fn = call_error if mt is MessageType.CALLERROR else call_result_error
    return fn(unique_id, error_code, error_description, error_details)
