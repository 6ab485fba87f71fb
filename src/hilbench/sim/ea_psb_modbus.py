"""A simulated EA PSB 10000 on Modbus TCP, over the plant's DC link: EA's register map as public
drivers use it — ASCII identity registers, set values as raw 16-bit integers where 0xCCCC is 100 %
of nominal (at most 0xD0E5, 102 %), remote control and output by coils, a 32-bit state word, and
unsigned actual values with the sink bit. Written from those drivers, independently of the model
file the driver reads."""

from __future__ import annotations

import asyncio
import threading

from pymodbus.constants import ExcCodes
from pymodbus.simulator import DataType, SimData, SimDevice

from hilbench.sim.plant import Plant

FULL = 0xCCCC  # 100 % of nominal
SET_MAX = 0xD0E5  # 102 %
HOLDING = 9010
COILS = 410
#: Set-value register → (plant attribute, nominal unit).
SETPOINTS = {500: ("voltage_v", "V"), 501: ("source_current_a", "A"), 502: ("source_power_w", "W"),
             498: ("sink_power_w", "W"), 499: ("sink_current_a", "A")}
REMOTE_COIL, OUTPUT_COIL = 402, 405


def _text(value: str) -> list[int]:
    raw = value.encode("ascii")[:40].ljust(40, b"\0")
    return [int.from_bytes(raw[k:k + 2], "big") for k in range(0, 40, 2)]


class EaPsbModbus:
    def __init__(self, plant: Plant, *, model: str = "PSB 10750-120", serial: str = "2538170001",
                 nominal_v: float = 750.0, nominal_a: float = 120.0, nominal_w: float = 30000.0,
                 unit_id: int = 1) -> None:
        self.plant, self.model, self.serial, self.unit_id = plant, model, serial, unit_id
        self.nominal = {"V": nominal_v, "A": nominal_a, "W": nominal_w}
        self.remote = False
        self.faults: set[str] = set()
        self.received: list[tuple[int, int, object]] = []  # (function code, address, value) of every write
        self.lock = threading.RLock()

    def _raw(self, value: float, unit: str) -> int:
        return min(0xFFFF, round(abs(value) / self.nominal[unit] * FULL))

    def registers(self) -> dict[int, int]:
        """Every readable holding register, from the plant."""
        p = self.plant
        p.step()
        dc = p.dc
        on = dc.output_on
        volts, amps = (dc.voltage_v if on else 0.0), dc.current_a
        sinking = on and amps > 0  # current into the supply: it sinks (the battery charges)
        state = (0x01 if self.remote else 0) | (1 << 7 if on else 0) | (1 << 11 if self.remote else 0) | (1 << 12 if sinking else 0)
        regs: dict[int, int] = {}
        for base, text in ((1, "PSB 10750-120" if "wrong_identity" not in self.faults else "PS 10080-60"),
                           (21, "EA Elektro-Automatik"), (151, self.serial)):
            regs.update({base + k: w for k, w in enumerate(_text(text))})
        for address, (attribute, unit) in SETPOINTS.items():
            regs[address] = self._raw(getattr(dc, attribute), unit)
        regs |= {505: state >> 16, 506: state & 0xFFFF, 507: self._raw(volts, "V"), 508: self._raw(amps, "A"),
                 509: self._raw(volts * amps, "W")}
        if "out_of_range" in self.faults:
            regs |= {507: 0xFFFF, 508: 0xFFFF, 509: 0xFFFF}
        if "garbage" in self.faults:
            regs = {a: 0xFFFF for a in regs}
        return regs

    async def action(self, function_code: int, start_address: int, address: int, count: int,
                     current_registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        if "mute" in self.faults:
            await asyncio.sleep(30)
        if set_values is not None:
            return self._write(function_code, address, list(set_values))
        if function_code == 3:
            for reg, value in self.registers().items():
                i = reg - start_address
                if 0 <= i < len(current_registers):
                    current_registers[i] = value
        return None

    def _write(self, function_code: int, address: int, values: list[int] | list[bool]) -> ExcCodes | None:
        with self.lock, self.plant.lock:
            self.received.append((function_code, address, values[0] if len(values) == 1 else values))
            if function_code in (5, 15):
                on = bool(values[0])
                if address == REMOTE_COIL:
                    self.remote = on
                    if not on:
                        self.plant.dc.output_on = False
                    return None
                if address == OUTPUT_COIL:
                    if not self.remote:
                        return ExcCodes.DEVICE_FAILURE  # not in remote control ⚠ (the code EA returns is not known)
                    self.plant.dc.output_on = on
                    return None
                return ExcCodes.ILLEGAL_ADDRESS
            for k, raw in enumerate(values):
                attribute, unit = SETPOINTS.get(address + k, (None, ""))
                if attribute is None:
                    return ExcCodes.ILLEGAL_ADDRESS
                if not self.remote:
                    return ExcCodes.DEVICE_FAILURE
                if not 0 <= int(raw) <= SET_MAX:
                    return ExcCodes.ILLEGAL_VALUE
                setattr(self.plant.dc, attribute, int(raw) * self.nominal[unit] / FULL)
        return None

    def device(self) -> SimDevice:
        coils = [SimData(0, count=COILS, values=False, datatype=DataType.BITS)]
        holding = [SimData(0, count=HOLDING, values=0, datatype=DataType.REGISTERS)]
        inputs = [SimData(0, count=1, values=0, datatype=DataType.REGISTERS)]
        return SimDevice(id=self.unit_id, simdata=(coils, coils, holding, inputs), action=self.action)
