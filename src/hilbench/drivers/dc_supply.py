"""The DC supply role: a bidirectional supply that emulates the EV battery (sources when the charger
discharges the EV, sinks when it charges it)."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from hilbench.drivers.limits import Limits
from hilbench.drivers.ramp import check_ramp, ramp
from hilbench.drivers.scpi import ScpiInstrument


@dataclass(frozen=True)
class DcMeasurement:
    """Measured at the supply's output. ``current_a`` / ``power_w`` positive = into the emulated
    battery (the charger charges the EV), negative = out of it (V2G)."""

    voltage_v: float
    current_a: float
    power_w: float
    mono_ns: int


class DcSupply(ABC):
    """What a test case may ask of a battery emulator, whatever its brand."""

    name: str
    limits: Limits

    @abstractmethod
    def setpoint(self, quantity: str, value: float) -> object:
        """Sends one setpoint after :meth:`Limits.check` (nothing is sent when it is refused)."""

    def set_voltage(self, voltage_v: float) -> None:
        self.setpoint("voltage_v", voltage_v)

    def set_current_limits(self, *, source_a: float, sink_a: float) -> None:
        """Magnitudes (≥ 0): the most the supply may source (EV discharging) and sink (EV charging)."""
        self.setpoint("source_current_a", source_a)
        self.setpoint("sink_current_a", sink_a)

    def set_power_limits(self, *, source_w: float, sink_w: float) -> None:
        self.setpoint("source_power_w", source_w)
        self.setpoint("sink_power_w", sink_w)

    def set_internal_resistance(self, resistance_ohm: float) -> None:
        """The emulated battery's internal resistance, where the model has a resistance mode (the
        terminal voltage then rises by I·R while charging and sags while discharging)."""
        self.setpoint("internal_resistance_ohm", resistance_ohm)

    @abstractmethod
    def output(self, on: bool) -> None: ...

    @abstractmethod
    def output_is_on(self) -> bool: ...

    @abstractmethod
    def settings(self) -> dict[str, float]:
        """The setpoints read back from the instrument."""

    @abstractmethod
    def measure(self) -> DcMeasurement: ...

    def safe_state(self) -> None:
        """Output off."""
        self.output(False)

    def ramp_voltage(self, target_v: float, rate_v_per_s: float, *, step_s: float = 0.1) -> None:
        """Moves the voltage setpoint to ``target_v`` at ``rate_v_per_s`` in steps of ``step_s``; the
        rate and every step pass the limit check (a refused step stops the ramp where it is)."""
        check_ramp(self.limits, "voltage_v", target_v, rate_v_per_s, "voltage_ramp_v_per_s", "V")
        ramp(self.set_voltage, self.voltage_setpoint(), target_v, rate_v_per_s, step_s, instrument=self.name)

    @abstractmethod
    def voltage_setpoint(self) -> float: ...


class ScpiDcSupply(ScpiInstrument, DcSupply):
    """A DC supply whose model speaks SCPI (EA PSB, Keysight RP7900, ITECH IT6000C, …)."""

    SETTINGS = ("voltage_v", "source_current_a", "sink_current_a", "source_power_w", "sink_power_w",
                "internal_resistance_ohm")

    def setpoint(self, quantity: str, value: float) -> float:
        return self.set(quantity, value)

    def set_internal_resistance(self, resistance_ohm: float) -> None:
        self.limits.check("internal_resistance_ohm", resistance_ohm)  # refused before the mode changes
        if "resistance_mode" in self.model.set:
            self.command("resistance_mode")
        self.set("internal_resistance_ohm", resistance_ohm)

    def output(self, on: bool) -> None:
        self.command("output_on" if on else "output_off")

    def safe_state(self) -> None:
        self.write_output_off()

    def output_is_on(self) -> bool:
        return self.state("output")

    def settings(self) -> dict[str, float]:
        return {q: self.get(q) for q in self.SETTINGS if q in self.model.get}

    def voltage_setpoint(self) -> float:
        return self.get("voltage_v")


    def measure(self) -> DcMeasurement:
        v = self.get("measured_voltage_v", self.plausible("voltage_v"))
        i_max = max(self.model.ranges["source_current_a"][1], self.model.ranges["sink_current_a"][1])
        i = self.get("measured_current_a", self._symmetric(i_max))
        p_max = max(self.model.ranges.get("source_power_w", (0.0, v * i_max))[1], self.model.ranges.get("sink_power_w", (0.0, 0.0))[1])
        p = self.get("measured_power_w", self._symmetric(p_max))
        # The instrument's sign (source positive for most supplies) to hilbench's (into the EV).
        sign = -1.0 if self.model.current_sign == "source_positive" else 1.0
        return DcMeasurement(v, sign * i, sign * p, time.monotonic_ns())

    def _symmetric(self, bound: float) -> tuple[float, float]:
        m = self.model.readback_margin
        return -bound * m, bound * m
