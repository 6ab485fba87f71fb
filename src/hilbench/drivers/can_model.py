"""The CAN part of an instrument model: a DBC file (read by cantools) and which of its signals play
the role's settings and readings. Every mistake names the model file and the key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cantools

from hilbench.errors import ModelError

#: What the EV emulator role needs from a CAN model.
CAN_ROLE_NEEDS = {
    "set": ("cp_state", "contactor", "pp_resistance_ohm", "insulation_ohm"),
    "get": ("cp_state", "contactor", "fault", "cp_duty_percent", "cp_voltage_v", "pp_resistance_ohm", "insulation_ohm"),
}
CAN_KEYS = {"dbc", "bitrate", "period_s", "ident_request", "identity_format", "ident", "counter", "echo", "ev_frames",
            "charger_frames", "set", "get"}


@dataclass(frozen=True)
class CanSignal:
    message: str
    signal: str
    #: Factor from the signal's physical value to the role's unit (kΩ → Ω: 1000).
    scale: float = 1.0
    #: A raw value meaning "none" (no fault path), read and written as infinity.
    open: int | None = None


@dataclass(frozen=True)
class CanMap:
    dbc: Path
    db: Any  # cantools.database.can.Database
    bitrate: int
    period_s: float
    ident: str
    ident_request: CanSignal
    identity_format: str
    counter: CanSignal
    echo: CanSignal
    ev_frames: tuple[str, ...]
    charger_frames: tuple[str, ...]
    set: Mapping[str, CanSignal] = field(default_factory=dict)
    get: Mapping[str, CanSignal] = field(default_factory=dict)

    @property
    def control(self) -> str:
        return self.counter.message

    @property
    def status(self) -> str:
        return self.echo.message


def load_can_map(path: Path, table: Mapping[str, Any], fail: Callable[[str, str], ModelError]) -> CanMap:
    for key in table:
        if key not in CAN_KEYS:
            raise fail(f"can.{key}", f"unknown key (known: {', '.join(sorted(CAN_KEYS))})")

    def typed(key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise fail(f"can.{key}", "missing")
            return default
        value = table[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise fail(f"can.{key}", f"has the wrong type ({type(value).__name__}: {value!r})")
        return value

    dbc = path.parent / typed("dbc", str)
    try:
        db = cantools.database.can.Database(strict=True)
        db.add_dbc_file(dbc)
    except FileNotFoundError:
        raise fail("can.dbc", f"{dbc.name} does not exist next to {path.name}") from None
    except Exception as e:  # noqa: BLE001 - cantools raises many kinds of parse errors
        raise fail("can.dbc", f"{dbc.name} is not a valid DBC file: {e}") from None
    messages = {m.name: m for m in db.messages}

    def message(key: str, name: Any) -> str:
        if not isinstance(name, str) or name not in messages:
            raise fail(key, f"{name!r} is not a message of {dbc.name} (messages: {', '.join(messages)})")
        return name

    def signal(key: str, spec: Any) -> CanSignal:
        extra: Mapping[str, Any] = {}
        if isinstance(spec, Mapping):
            unknown = set(spec) - {"signal", "scale", "open"}
            if unknown:
                raise fail(key, f"unknown keys {sorted(unknown)}")
            extra, spec = spec, spec.get("signal")
        if not isinstance(spec, str) or spec.count(".") != 1:
            raise fail(key, f"must be 'Message.Signal' (or a table with 'signal'), not {spec!r}")
        msg, sig = spec.split(".")
        message(key, msg)
        if sig not in {s.name for s in messages[msg].signals}:
            raise fail(key, f"{msg} of {dbc.name} has no signal {sig!r}")
        return CanSignal(msg, sig, float(extra.get("scale", 1.0)), extra.get("open"))

    def signals(kind: str) -> dict[str, CanSignal]:
        spec = typed(kind, Mapping)
        out = {name: signal(f"can.{kind}.{name}", s) for name, s in spec.items()}
        missing = [n for n in CAN_ROLE_NEEDS[kind] if n not in out]
        if missing:
            raise fail(f"can.{kind}", f"the ev_emulator role needs {', '.join(missing)}")
        return out

    counter, echo = signal("can.counter", typed("counter", str)), signal("can.echo", typed("echo", str))
    sets, gets = signals("set"), signals("get")
    for kind, found, home in (("set", sets, counter.message), ("get", gets, echo.message)):
        for name, s in found.items():
            if s.message != home:
                raise fail(f"can.{kind}.{name}", f"is in {s.message}; every {kind} signal must be in {home} "
                                                  f"(one frame carries them all)")
    period = float(typed("period_s", (int, float), 0.1))
    if not 0.001 <= period <= 10:
        raise fail("can.period_s", f"{period} is not in [0.001, 10] s")
    identity_format = typed("identity_format", str)
    ident = message("can.ident", typed("ident", str))
    try:
        identity_format.format(**{s.name: 0 for s in messages[ident].signals})
    except (KeyError, IndexError, ValueError) as e:
        raise fail("can.identity_format", f"uses a field {ident} does not have: {e}") from None
    return CanMap(
        dbc=dbc, db=db, bitrate=typed("bitrate", int, 500_000), period_s=period, ident=ident,
        ident_request=signal("can.ident_request", typed("ident_request", str)), identity_format=identity_format,
        counter=counter, echo=echo,
        ev_frames=tuple(message("can.ev_frames", m) for m in typed("ev_frames", list, [])),
        charger_frames=tuple(message("can.charger_frames", m) for m in typed("charger_frames", list, [])),
        set=sets, get=gets,
    )
