"""The energy meter role: voltages, currents, powers, frequency and the import / export registers
of a (Modbus) meter, e.g. at the charger's grid connection."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from hilbench.drivers.modbus import ModbusInstrument, decode
from hilbench.errors import InstrumentIdentityError


@dataclass(frozen=True)
class MeterReading:
    voltage_v: tuple[float, float, float]
    current_a: tuple[float, float, float]
    #: Total active power, + = import (energy towards the EV).
    power_w: float
    frequency_hz: float
    import_wh: float
    export_wh: float
    mono_ns: int


class EnergyMeter(ABC):
    name: str

    @abstractmethod
    def measure(self) -> MeterReading: ...

    def safe_state(self) -> None:
        """A meter has no output to switch off."""


class ModbusEnergyMeter(ModbusInstrument, EnergyMeter):
    def identify(self) -> str:
        """A meter over Modbus has no identity string: a register that must read within a known
        range (the grid frequency) shows that the map is this model's."""
        q, (lo, hi) = self.map.identity_register, self.map.identity_range
        reg = self.map.read[q]
        value = decode(self.transport.read(reg), reg, self.map.word_order)
        if not lo <= value <= hi:
            self.transport.log.add(self.name, "error", f"identity: {q} = {value:g}")
            raise InstrumentIdentityError(
                f"{self.name}: {q} at {reg.address:#06x} reads {value:g}, not in [{lo:g}, {hi:g}]: not a "
                f"{self.model.vendor} {self.model.name} (or a different register map)", instrument=self.name)
        return f"{self.model.vendor} {self.model.name} (unit {self.transport.unit_id}, {q} = {value:g})"

    def setup(self) -> None:
        """Nothing to configure: the meter is only read."""

    def settings(self) -> dict[str, float]:
        return {"frequency_hz": self.read("frequency_hz"), "import_energy_wh": self.read("import_energy_wh"),
                "export_energy_wh": self.read("export_energy_wh")}

    def measure(self) -> MeterReading:
        r = self.read
        sign = -1.0 if self.model.current_sign == "sink_positive" else 1.0
        return MeterReading(
            (r("voltage_l1_v"), r("voltage_l2_v"), r("voltage_l3_v")),
            (r("current_l1_a"), r("current_l2_a"), r("current_l3_a")),
            sign * r("total_power_w"), r("frequency_hz"), r("import_energy_wh"), r("export_energy_wh"),
            time.monotonic_ns(),
        )
