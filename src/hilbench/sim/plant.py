"""The plant: the EV battery (emulated by the DC supply), the DC link and the charger's power stage,
advanced on the monotonic clock. Simulated instruments read and write it.

Sign convention: power positive = into the EV battery. The charger pushes ``charger_power_w`` into
the DC link; the DC supply, holding its voltage, sinks what arrives (the battery charges) or
sources what is drawn (V2G), within its current and power limits.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Battery:
    capacity_wh: float = 60_000.0
    soc: float = 0.5
    #: Open-circuit voltage by state of charge (linear in between).
    ocv_table: tuple[tuple[float, float], ...] = ((0.0, 330.0), (0.1, 360.0), (0.9, 400.0), (1.0, 410.0))
    r_internal_ohm: float = 0.05

    def ocv_v(self) -> float:
        t = self.ocv_table
        for (s0, v0), (s1, v1) in zip(t, t[1:]):
            if self.soc <= s1:
                return v0 + (v1 - v0) * (max(self.soc, s0) - s0) / (s1 - s0)
        return t[-1][1]


@dataclass
class DcSupplyState:
    output_on: bool = False
    voltage_v: float = 0.0
    source_current_a: float = 0.0
    sink_current_a: float = 0.0
    source_power_w: float = 0.0
    sink_power_w: float = 0.0
    #: Internal resistance in series with the set voltage (U/I/R mode), Ω; 0 = an ideal source.
    internal_resistance_ohm: float = 0.0
    resistance_mode: bool = False
    #: What flows, + = into the supply (the emulated battery charges).
    current_a: float = 0.0


@dataclass
class GridState:
    """The AC side of the charger. Without a grid simulator in the rig the charger is on the mains
    (``output_on`` stays true); a simulated grid simulator starts with its output off."""

    voltage_v: tuple[float, float, float] = (230.0, 230.0, 230.0)
    frequency_hz: float = 50.0
    output_on: bool = True
    #: RMS current limit per phase of the source feeding the charger (0 = none).
    current_limit_a: float = 0.0

    def present_voltage_v(self) -> tuple[float, float, float]:
        return self.voltage_v if self.output_on else (0.0, 0.0, 0.0)


@dataclass
class EvState:
    """The EV emulator's side of the plug: what the charger sees of the vehicle."""

    #: IEC 61851-1 control pilot state as the EV presents it (A…F).
    cp_state: str = "A"
    #: PWM duty the charger puts on the pilot, % (100 = no PWM, 5 = digital communication).
    cp_duty_percent: float = 100.0
    #: Proximity resistance between PP and PE, Ω (0 = no plug).
    pp_resistance_ohm: float = 0.0
    contactor_closed: bool = False
    #: Insulation resistance DC+/DC− to PE the emulator presents, Ω (inf = healthy).
    insulation_ohm: float = float("inf")
    #: The vehicle's CAN frames as the charger last received them (message name → signals).
    can_frames: dict[str, dict[str, float]] = field(default_factory=dict)

    def pilot_voltage_v(self) -> float:
        """The pilot's positive plateau for the state the EV presents (IEC 61851-1 nominal values)."""
        return {"A": 12.0, "B": 9.0, "C": 6.0, "D": 3.0, "E": 0.0, "F": -12.0}[self.cp_state]


@dataclass
class Plant:
    battery: Battery = field(default_factory=Battery)
    dc: DcSupplyState = field(default_factory=DcSupplyState)
    #: The charger's power stage: power pushed into the DC link (+ = charging the EV).
    charger_power_w: float = 0.0
    #: Energy into the emulated battery since start, Wh (+ import, − export), and its two directions.
    energy_wh: float = 0.0
    dc_import_wh: float = 0.0
    dc_export_wh: float = 0.0
    grid: GridState = field(default_factory=GridState)
    ev: EvState = field(default_factory=EvState)
    #: The charger's conversion efficiency between its grid connection and the DC link (1 = none
    #: lost): the grid side draws more than the link gets while charging, and returns less.
    charger_efficiency: float = 1.0
    #: Reactive power at the charger's grid connection, var, as the analyzer there sees it: + = the
    #: charger absorbs (inductive, current lagging), − = it injects (capacitive, current leading).
    charger_reactive_var: float = 0.0
    #: The charger's grid connection: registers as a meter there counts them.
    ac_import_wh: float = 0.0
    ac_export_wh: float = 0.0
    last_ns: int = field(default_factory=time.monotonic_ns)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def step(self, now_ns: int | None = None) -> None:
        """Advances to ``now_ns`` (monotonic clock)."""
        with self.lock:
            now = time.monotonic_ns() if now_ns is None else now_ns
            dt_h = max(0, now - self.last_ns) / 3.6e12
            self.last_ns = now
            self.dc.current_a = self._dc_current()
            p = self.dc_terminal_voltage_v() * self.dc.current_a
            self.energy_wh += p * dt_h
            if p >= 0:
                self.dc_import_wh += p * dt_h
            else:
                self.dc_export_wh -= p * dt_h
            self.battery.soc = min(1.0, max(0.0, self.battery.soc + p * dt_h / self.battery.capacity_wh))
            ac = self.ac_power_w()
            if ac >= 0:
                self.ac_import_wh += ac * dt_h
            else:
                self.ac_export_wh -= ac * dt_h

    def dc_terminal_voltage_v(self) -> float:
        """The voltage at the supply's terminals: the set voltage, plus I·R in U/I/R mode (a battery's
        voltage rises while it is charged and sags while it is discharged)."""
        d = self.dc
        if not d.output_on:
            return 0.0
        return d.voltage_v + (d.internal_resistance_ohm * d.current_a if d.resistance_mode else 0.0)

    def set_charger_power(self, power_w: float) -> None:
        """Changes the charger's power at this instant: the time before it is counted at the old one."""
        with self.lock:
            self.step()
            self.charger_power_w = power_w

    def dc_power_w(self) -> float:
        """On the DC link, + = into the EV battery."""
        if not self.grid.output_on:
            return 0.0
        return self.dc_terminal_voltage_v() * self.dc.current_a if self.dc.output_on else self.charger_power_w

    def ac_power_w(self) -> float:
        """At the charger's grid connection, + = from the grid (towards the EV): the DC link's power
        with the conversion losses on the grid side."""
        p = self.dc_power_w()
        return p / self.charger_efficiency if p >= 0 else p * self.charger_efficiency

    def ac_reactive_var(self) -> float:
        """Reactive power at the grid connection (the sign of :attr:`charger_reactive_var`); none
        without a grid."""
        return self.charger_reactive_var if self.grid.output_on else 0.0

    def ac_current_a(self) -> tuple[float, float, float]:
        """RMS current per phase, the apparent power shared evenly (a balanced three-phase charger)."""
        per_phase = math.hypot(self.ac_power_w(), self.ac_reactive_var()) / 3
        return tuple(per_phase / u if u > 0 else 0.0 for u in self.grid.present_voltage_v())  # type: ignore[return-value]

    def _dc_current(self) -> float:
        d = self.dc
        if not d.output_on or d.voltage_v <= 0 or not self.grid.output_on:
            return 0.0
        r = d.internal_resistance_ohm if d.resistance_mode else 0.0
        if r > 0:  # the charger's power at the terminals: P = (V + R·I)·I
            i = (-d.voltage_v + math.sqrt(max(0.0, d.voltage_v ** 2 + 4 * r * self.charger_power_w))) / (2 * r)
        else:
            i = self.charger_power_w / d.voltage_v
        if i >= 0:
            limit = min(d.sink_current_a, d.sink_power_w / d.voltage_v if d.sink_power_w else d.sink_current_a)
            return min(i, limit)
        limit = min(d.source_current_a, d.source_power_w / d.voltage_v if d.source_power_w else d.source_current_a)
        return max(i, -limit)
