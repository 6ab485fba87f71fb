"""A simulated EA PSB 10000 battery emulator: the SCPI dialect of the real one (lock before set
commands, values returned with units, SINK:… set values), over the plant's DC link."""

from __future__ import annotations

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiCommandError, ScpiDevice, boolean, number


class EaPsb(ScpiDevice):
    def __init__(self, plant: Plant, *, model: str = "PSB 10750-120", serial: str = "2538170001",
                 nominal_v: float = 750.0, nominal_a: float = 120.0, nominal_w: float = 30000.0) -> None:
        super().__init__(f"EA Elektro-Automatik GmbH & Co. KG, {model}, {serial}, V3.02 17.06.2026 V3.01.1.0")
        self.plant = plant
        self.nominal = {"V": nominal_v, "A": nominal_a, "W": nominal_w}
        self.locked = False
        dc = plant.dc
        self.on("SYSTem:LOCK[:OWNer]?", lambda _: "REMOTE" if self.locked else "NONE")
        self.on("SYSTem:LOCK", self._lock)
        self._setting("[SOURce:]VOLTage", "voltage_v", "V")
        self._setting("[SOURce:]CURRent", "source_current_a", "A")
        self._setting("[SOURce:]POWer", "source_power_w", "W")
        self._setting("SINK:CURRent", "sink_current_a", "A")
        self._setting("SINK:POWer", "sink_power_w", "W")
        self.on("OUTPut[:STATe]", self._output)
        self.on("OUTPut[:STATe]?", lambda _: "ON" if dc.output_on else "OFF")
        self.on("MEASure[:SCALar]:VOLTage[:DC]?", lambda _: self._measured(self._voltage(), "V"))
        self.on("MEASure[:SCALar]:CURRent[:DC]?", lambda _: self._measured(self._current(), "A"))
        self.on("MEASure[:SCALar]:POWer[:DC]?", lambda _: self._measured(self._voltage() * self._current(), "W"))
        self.on("SYSTem:NOMinal:VOLTage?", lambda _: f"{nominal_v:.2f} V")
        self.on("SYSTem:NOMinal:CURRent?", lambda _: f"{nominal_a:.2f} A")
        self.on("SYSTem:NOMinal:POWer?", lambda _: f"{nominal_w:.0f} W")

    def _lock(self, argument: str) -> None:
        self.locked = boolean(argument)
        if not self.locked:
            self.plant.dc.output_on = False  # releasing remote control drops the output

    def _require_lock(self) -> None:
        if not self.locked:
            raise ScpiCommandError(-203, "Command protected")

    def _setting(self, pattern: str, attribute: str, unit: str) -> None:
        # Set values up to 102 % of nominal, as the instrument accepts.
        high = self.nominal[unit] * 1.02

        def set_value(argument: str) -> None:
            self._require_lock()
            value = number(argument, 0.0, high)
            with self.plant.lock:
                setattr(self.plant.dc, attribute, value)

        self.on(pattern, set_value)
        self.on(pattern + "?", lambda _: f"{getattr(self.plant.dc, attribute):.2f} {unit}")

    def _output(self, argument: str) -> None:
        self._require_lock()
        with self.plant.lock:
            self.plant.dc.output_on = boolean(argument)

    def _voltage(self) -> float:
        self.plant.step()
        return self.plant.dc.voltage_v if self.plant.dc.output_on else 0.0

    def _current(self) -> float:
        # Source positive, as the instrument counts it: sinking (battery charging) reads negative.
        self.plant.step()
        return -self.plant.dc.current_a

    def _measured(self, value: float, unit: str) -> str:
        if "out_of_range" in self.faults:
            value = 10 * self.nominal[unit] if value >= 0 else -10 * self.nominal[unit]
        return f"{value:.2f} {unit}"
