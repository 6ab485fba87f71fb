"""The grid simulator role: the AC source that feeds the charger, so that a test can set its voltage
per phase and its frequency, step and ramp them (DER tests), and measure what the charger draws or
feeds back."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from hilbench.drivers.ramp import check_ramp, ramp
from hilbench.drivers.scpi import ScpiInstrument
from hilbench.errors import InstrumentError

PHASES = (1, 2, 3)


@dataclass(frozen=True)
class GridMeasurement:
    """At the grid simulator's output. ``power_w`` positive = from the grid into the charger (the EV
    charges), negative = fed back (V2G)."""

    voltage_v: tuple[float, float, float]
    current_a: tuple[float, float, float]
    power_w: tuple[float, float, float]
    frequency_hz: float
    mono_ns: int

    @property
    def total_power_w(self) -> float:
        return sum(self.power_w)


class GridSimulator(ABC):
    name: str

    @abstractmethod
    def set_voltage(self, voltage_v: float, *, phase: int | None = None) -> None:
        """RMS line-to-neutral voltage of every phase, or of one (1, 2, 3)."""

    @abstractmethod
    def set_frequency(self, frequency_hz: float) -> None: ...

    @abstractmethod
    def set_current_limit(self, current_a: float) -> None: ...

    @abstractmethod
    def output(self, on: bool) -> None: ...

    @abstractmethod
    def output_is_on(self) -> bool: ...

    @abstractmethod
    def settings(self) -> dict[str, float]: ...

    @abstractmethod
    def measure(self) -> GridMeasurement: ...

    @abstractmethod
    def ramp_voltage(self, target_v: float, rate_v_per_s: float, *, step_s: float = 0.1) -> None: ...

    @abstractmethod
    def ramp_frequency(self, target_hz: float, rate_hz_per_s: float, *, step_s: float = 0.1) -> None: ...

    def step_frequency(self, frequency_hz: float) -> None:
        """A frequency step (one setpoint, as fast as the instrument slews)."""
        self.set_frequency(frequency_hz)

    def step_voltage(self, voltage_v: float) -> None:
        self.set_voltage(voltage_v)

    def safe_state(self) -> None:
        self.output(False)


class ScpiGridSimulator(ScpiInstrument, GridSimulator):
    """A grid simulator whose model speaks SCPI (Chroma 61800, …)."""

    SETTINGS = ("voltage_v", "frequency_hz", "current_limit_a")

    def set_voltage(self, voltage_v: float, *, phase: int | None = None) -> None:
        if phase is None:
            self.set("voltage_v", voltage_v)
            return
        if phase not in PHASES:
            raise InstrumentError(f"{self.name}: phase {phase!r} is not 1, 2 or 3", instrument=self.name)
        quantity = f"voltage_l{phase}_v"
        if quantity not in self.model.set:
            raise InstrumentError(f"{self.name}: {self.model.id} has no per-phase voltage command ({quantity})",
                                  instrument=self.name)
        self.set(quantity, voltage_v)  # checked against voltage_v's range: the window holds per phase

    def set_frequency(self, frequency_hz: float) -> None:
        self.set("frequency_hz", frequency_hz)

    def set_current_limit(self, current_a: float) -> None:
        self.set("current_limit_a", current_a)

    def output(self, on: bool) -> None:
        self.command("output_on" if on else "output_off")

    def safe_state(self) -> None:
        self.write_output_off()

    def output_is_on(self) -> bool:
        return self.state("output")

    def settings(self) -> dict[str, float]:
        return {q: self.get(q) for q in self.SETTINGS}

    def ramp_voltage(self, target_v: float, rate_v_per_s: float, *, step_s: float = 0.1) -> None:
        check_ramp(self.limits, "voltage_v", target_v, rate_v_per_s, "voltage_ramp_v_per_s", "V")
        ramp(self.set_voltage, self.get("voltage_v"), target_v, rate_v_per_s, step_s, instrument=self.name)

    def ramp_frequency(self, target_hz: float, rate_hz_per_s: float, *, step_s: float = 0.1) -> None:
        check_ramp(self.limits, "frequency_hz", target_hz, rate_hz_per_s, "frequency_ramp_hz_per_s", "Hz")
        ramp(self.set_frequency, self.get("frequency_hz"), target_hz, rate_hz_per_s, step_s, instrument=self.name)

    def measure(self) -> GridMeasurement:
        v_max = self.model.ranges["voltage_v"][1]
        i_max = self.model.ranges["current_limit_a"][1]
        m = self.model.readback_margin
        v = tuple(self.get(f"measured_voltage_l{k}_v", (0.0, v_max * m)) for k in PHASES)
        i = tuple(self.get(f"measured_current_l{k}_a", (0.0, i_max * m)) for k in PHASES)
        p = tuple(self.get(f"measured_power_l{k}_w", (-v_max * i_max * m, v_max * i_max * m)) for k in PHASES)
        f = self.get("measured_frequency_hz", self.plausible("frequency_hz"))
        return GridMeasurement(v, i, p, f, time.monotonic_ns())  # type: ignore[arg-type]
