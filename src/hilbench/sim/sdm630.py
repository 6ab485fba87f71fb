"""A simulated Eastron SDM630 on Modbus TCP: its input-register map (float32, big-endian words),
filled from the plant's grid connection on every read; the register addresses are written here
from the meter's published map, independently of the model file the driver reads."""

from __future__ import annotations

import asyncio
import struct
import threading

from pymodbus.constants import ExcCodes
from pymodbus.simulator import DataType, SimData, SimDevice

from hilbench.sim.plant import Plant

INPUT_REGISTERS = 0x0160  # up to total kWh (0x0156) and a little beyond


def _f32(value: float) -> tuple[int, int]:
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return hi, lo


class Sdm630:
    def __init__(self, plant: Plant, *, unit_id: int = 1) -> None:
        self.plant, self.unit_id = plant, unit_id
        self.faults: set[str] = set()
        self.received: list[tuple[int, int]] = []  # (function code, address) of every request
        self.lock = threading.RLock()

    def values(self) -> dict[int, float]:
        p = self.plant
        p.step()
        v = p.grid.present_voltage_v()
        total = p.ac_power_w()
        per_phase = total / 3
        currents = p.ac_current_a()
        out = {
            0x0000: v[0], 0x0002: v[1], 0x0004: v[2],
            0x0006: currents[0], 0x0008: currents[1], 0x000A: currents[2],
            0x000C: per_phase, 0x000E: per_phase, 0x0010: per_phase,
            0x0034: total,
            0x0046: p.grid.frequency_hz,
            0x0048: p.ac_import_wh / 1000.0,
            0x004A: p.ac_export_wh / 1000.0,
            0x0156: (p.ac_import_wh + p.ac_export_wh) / 1000.0,
        }
        if "out_of_range" in self.faults:
            out = {a: x * 10 for a, x in out.items()}
        if "garbage" in self.faults:
            out = {a: float("nan") for a in out}
        if "wrong_identity" in self.faults:
            out[0x0046] = 0.0
        return out

    async def action(self, function_code: int, start_address: int, address: int, count: int,
                     current_registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        self.received.append((function_code, address))
        if "mute" in self.faults:
            await asyncio.sleep(30)
        if set_values is not None:
            return ExcCodes.ILLEGAL_FUNCTION  # the measurement registers are read-only
        for reg, value in self.values().items():
            hi, lo = _f32(value)
            i = reg - start_address
            if 0 <= i < len(current_registers) - 1:
                current_registers[i], current_registers[i + 1] = hi, lo
        return None

    def device(self) -> SimDevice:
        blocks = [SimData(0, count=INPUT_REGISTERS, values=0, datatype=DataType.REGISTERS)]
        holding = [SimData(0, count=0x50, values=0, datatype=DataType.REGISTERS)]
        bits = [SimData(0, count=1, values=False, datatype=DataType.BITS)]
        return SimDevice(id=self.unit_id, simdata=(bits, bits, holding, blocks), action=self.action)
