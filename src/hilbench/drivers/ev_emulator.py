"""The EV emulator role: the vehicle's side of the plug as the charger sees it — control pilot
state (IEC 61851-1 A…F), proximity resistance, the vehicle contactor, an insulation fault to PE —
what the emulator measures of the charger (PWM duty, pilot voltage), and the vehicle's own CAN
signals.

Every setting goes out in one control frame carrying all of them and a new counter; it counts as
applied only when the emulator's status echoes that counter and reads back what was asked."""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cantools

from hilbench.drivers.can_bus import CanTransport
from hilbench.drivers.can_model import CanMap, CanSignal
from hilbench.drivers.limits import Limits
from hilbench.drivers.model import Model
from hilbench.errors import InstrumentError, InstrumentIdentityError, InstrumentReplyError, SetpointRefused

CP_STATES = ("A", "B", "C", "D", "E", "F")


@dataclass(frozen=True)
class EvEmulatorStatus:
    cp_state: str
    contactor_closed: bool
    fault: bool
    #: The charger's PWM duty on the pilot (100 = no PWM, 5 = digital communication requested).
    cp_duty_percent: float
    cp_voltage_v: float
    pp_resistance_ohm: float
    #: The insulation fault the emulator presents (inf = none).
    insulation_ohm: float
    mono_ns: int


class EvEmulator(ABC):
    name: str

    @abstractmethod
    def set_cp_state(self, state: str) -> EvEmulatorStatus: ...

    @abstractmethod
    def set_contactor(self, closed: bool) -> EvEmulatorStatus: ...

    @abstractmethod
    def set_proximity(self, resistance_ohm: float) -> EvEmulatorStatus: ...

    @abstractmethod
    def set_insulation_fault(self, resistance_ohm: float | None) -> EvEmulatorStatus:
        """A fault path of ``resistance_ohm`` from DC+/DC− to PE, or none."""

    @abstractmethod
    def status(self) -> EvEmulatorStatus: ...

    def measure(self) -> EvEmulatorStatus:
        return self.status()

    @abstractmethod
    def set_ev_frame(self, message: str, **signals: Any) -> None:
        """The vehicle's CAN frame ``message`` carries ``signals`` from now on (sent every period)."""

    @abstractmethod
    def charger_frame(self, message: str) -> dict[str, Any]:
        """The charger's latest ``message`` frame, decoded."""

    @abstractmethod
    def safe_state(self) -> None:
        """Pilot to B (connected, not ready: the charger must stop), contactor open, no fault."""


class CanEvEmulator(EvEmulator):
    def __init__(self, name: str, model: Model, transport: CanTransport, limits: Limits) -> None:
        assert model.can is not None
        self.name, self.model, self.transport, self.limits = name, model, transport, limits
        self.map: CanMap = model.can
        self._control: dict[str, Any] = {"cp_state": "A", "contactor": False, "pp_resistance_ohm": 0.0,
                                         "insulation_ohm": math.inf}
        self._counter = 0
        self._ev: dict[str, dict[str, Any]] = {}

    # -- session ---------------------------------------------------------------------------------
    def identify(self) -> str:
        m = self.map
        sent_ns = time.monotonic_ns()
        self._send({}, ident=True)
        values = self.transport.wait_for(m.ident, lambda _v: True, waiting_for="identifies the emulator", since_ns=sent_ns)
        identity = m.identity_format.format(**values)
        if self.model.identity is None or not self.model.identity.search(identity):
            self.transport.log.add(self.name, "error", f"identity {identity!r}")
            raise InstrumentIdentityError(
                f"{self.name}: {m.ident} reads {identity!r}, which is not a {self.model.vendor} {self.model.name} "
                f"(expected /{self.model.identity.pattern if self.model.identity else ''}/)",
                instrument=self.name, command=m.ident, reply=identity)
        return identity

    def setup(self) -> None:
        """The emulator starts as a vehicle not plugged in: A, contactor open, no fault."""
        self._apply({})

    def release(self) -> None:
        """Nothing to hand back: the emulator keeps its last (safe) control frame."""

    def settings(self) -> dict[str, float | str]:
        s = self.status()
        return {"cp_state": s.cp_state, "cp_duty_percent": s.cp_duty_percent, "pp_resistance_ohm": s.pp_resistance_ohm}

    def output_is_on(self) -> bool:
        return self.status().contactor_closed

    # -- settings --------------------------------------------------------------------------------
    def set_cp_state(self, state: str) -> EvEmulatorStatus:
        if state not in CP_STATES:
            raise SetpointRefused(f"{self.name}: control pilot state {state!r} is not one of {', '.join(CP_STATES)}")
        return self._apply({"cp_state": state})

    def set_contactor(self, closed: bool) -> EvEmulatorStatus:
        if not isinstance(closed, bool):
            raise SetpointRefused(f"{self.name}: contactor must be True or False, not {closed!r}")
        return self._apply({"contactor": closed})

    def set_proximity(self, resistance_ohm: float) -> EvEmulatorStatus:
        return self._apply({"pp_resistance_ohm": self.limits.check("pp_resistance_ohm", resistance_ohm)})

    def set_insulation_fault(self, resistance_ohm: float | None) -> EvEmulatorStatus:
        value = math.inf if resistance_ohm is None else self.limits.check("insulation_ohm", resistance_ohm)
        return self._apply({"insulation_ohm": value})

    def _apply(self, changes: Mapping[str, Any]) -> EvEmulatorStatus:
        """Sends the whole control frame with ``changes`` and waits until the status confirms it."""
        values = self._send_confirmed(changes, "echoes counter {}")
        status = self._status(values)
        self._control.update(changes)
        for key, got in (("cp_state", status.cp_state), ("contactor", status.contactor_closed),
                         ("pp_resistance_ohm", status.pp_resistance_ohm), ("insulation_ohm", status.insulation_ohm)):
            want = self._control[key]
            if got != want and not (isinstance(want, float) and math.isclose(float(got), want, rel_tol=1e-3, abs_tol=1.0)):
                raise self._logged(InstrumentReplyError(
                    f"{self.name}: asked for {key} = {want!r}, the emulator reports {got!r}",
                    instrument=self.name, command=self.map.control, reply=str(values)))
        return status

    def _send_confirmed(self, changes: Mapping[str, Any], waiting_for: str, *,
                        timeout_s: float | None = None) -> dict[str, Any]:
        """Sends the control frame with ``changes``; returns the status frame that echoes its
        counter (``waiting_for`` describes that wait, ``{}`` standing for the counter)."""
        sent_ns = time.monotonic_ns()  # before sending: the echo may come back at once
        counter = self._send(changes)
        echo = self.map.echo.signal
        return self.transport.wait_for(self.map.status, lambda v: v.get(echo) == counter, since_ns=sent_ns,
                                       waiting_for=waiting_for.format(counter), timeout_s=timeout_s)

    def _send(self, changes: Mapping[str, Any], *, ident: bool = False) -> int:
        self._counter = (self._counter + 1) % 256
        control = {**self._control, **changes}
        frame = {self.map.counter.signal: self._counter, self.map.ident_request.signal: int(ident)}
        for key, sig in self.map.set.items():
            frame[sig.signal] = _raw(sig, control[key])
        try:
            self.transport.send(self.map.control, frame)
        except cantools.database.EncodeError as e:
            raise SetpointRefused(f"{self.name}: {self.map.control} cannot carry {dict(changes)}: {e}") from None
        return self._counter

    # -- readings --------------------------------------------------------------------------------
    def status(self) -> EvEmulatorStatus:
        values = self.transport.wait_for(self.map.status, lambda _v: True, waiting_for="arrives")
        return self._status(values)

    def _status(self, values: Mapping[str, Any]) -> EvEmulatorStatus:
        g = self.map.get
        out: dict[str, Any] = {}
        for key in ("cp_duty_percent", "cp_voltage_v", "pp_resistance_ohm", "insulation_ohm"):
            out[key] = self._number(key, g[key], values)
        state = values.get(g["cp_state"].signal)
        if state not in CP_STATES:
            raise self._logged(InstrumentReplyError(f"{self.name}: {self.map.status} reports control pilot state "
                                                    f"{state!r}", instrument=self.name, command=self.map.status,
                                                    reply=str(values)))
        return EvEmulatorStatus(state, bool(values[g["contactor"].signal]), bool(values[g["fault"].signal]),
                                mono_ns=time.monotonic_ns(), **out)

    def _number(self, key: str, sig: CanSignal, values: Mapping[str, Any]) -> float:
        raw = values[sig.signal]
        spec = self.map.db.get_message_by_name(sig.message).get_signal_by_name(sig.signal)
        if sig.open is not None and raw == sig.open:
            return math.inf
        lo, hi = self.model.ranges.get(key, (spec.minimum, spec.maximum))
        value = float(raw) * sig.scale
        if not (spec.minimum is None or spec.minimum <= raw) or not (spec.maximum is None or raw <= spec.maximum) \
                or not lo <= value <= hi:
            raise self._logged(InstrumentReplyError(
                f"{self.name}: {sig.message}.{sig.signal} reads {raw:g}, outside the plausible "
                f"[{spec.minimum:g}, {spec.maximum:g}] of {self.model.id}", instrument=self.name,
                command=sig.message, reply=str(dict(values))))
        return value

    def _logged(self, error: InstrumentReplyError) -> InstrumentReplyError:
        self.transport.log.add(self.name, "error", str(error))
        return error

    # -- the vehicle's own frames ----------------------------------------------------------------
    def set_ev_frame(self, message: str, **signals: Any) -> None:
        if message not in self.map.ev_frames:
            raise InstrumentError(f"{self.name}: {message} is not a vehicle frame of {self.model.id} "
                                  f"(vehicle frames: {', '.join(self.map.ev_frames)})", instrument=self.name)
        spec = self.map.db.get_message_by_name(message)
        names = {s.name for s in spec.signals}
        unknown = set(signals) - names
        if unknown:
            raise InstrumentError(f"{self.name}: {message} has no signal {', '.join(sorted(unknown))}",
                                  instrument=self.name)
        frame = {**{n: 0 for n in names}, **self._ev.get(message, {}), **signals}
        try:
            self.transport.send_periodic(message, frame, self.map.period_s)
        except cantools.database.EncodeError as e:
            raise SetpointRefused(f"{self.name}: {message} cannot carry {signals}: {e}") from None
        self._ev[message] = frame

    def charger_frame(self, message: str) -> dict[str, Any]:
        if message not in self.map.charger_frames:
            raise InstrumentError(f"{self.name}: {message} is not a charger frame of {self.model.id} "
                                  f"(charger frames: {', '.join(self.map.charger_frames)})", instrument=self.name)
        return self.transport.latest(message, max_age_s=5 * self.map.period_s)

    # -- safety ----------------------------------------------------------------------------------
    def safe_state(self) -> None:
        """Sends the safe control frame, then waits at most three status periods for its echo (a
        silent emulator must not hold up the rig, but an unconfirmed safe state is reported)."""
        self._send_confirmed({"cp_state": "B", "contactor": False, "insulation_ohm": math.inf},
                             "confirms the safe state (counter {})",
                             timeout_s=min(self.transport.timeout_s, 3 * self.map.period_s))


def _raw(sig: CanSignal, value: Any) -> Any:
    """A role value as the signal's physical value (booleans as 0/1, infinity as the open code)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if math.isinf(value) and sig.open is not None:
            return sig.open
        return round(value / sig.scale, 6)
    return value
