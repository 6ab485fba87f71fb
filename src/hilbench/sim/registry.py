"""The rig's simulated instruments: one plant, one real server per instrument, each speaking its
model's dialect (the model TOML names its simulator)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hilbench.drivers.model import Model
from hilbench.errors import ConfigError
from hilbench.sim.can_ev_emulator import CanEvEmulator
from hilbench.sim.chroma_61800 import Chroma61800
from hilbench.sim.ea_psb import EaPsb
from hilbench.sim.ea_psb_modbus import EaPsbModbus
from hilbench.sim.itech_it6000c import ItechIt6000c
from hilbench.sim.keysight_rp7900 import KeysightRp7900
from hilbench.sim.plant import Plant
from hilbench.sim.scpi_server import ScpiServer
from hilbench.sim.modbus_server import ModbusServer
from hilbench.sim.sdm630 import Sdm630
from hilbench.sim.yokogawa_wt import YokogawaWt


def _psb(plant: Plant, model: Model, port: int) -> ScpiServer:
    r = model.ranges
    device = EaPsb(plant, model=model.name, nominal_v=r["voltage_v"][1], nominal_a=r["source_current_a"][1],
                   nominal_w=r["source_power_w"][1], nominal_r=r.get("internal_resistance_ohm", (0.0, 10.0))[1])
    return ScpiServer(device, port=port)


def _supply(cls: Any) -> Callable[[Plant, Model, int], ScpiServer]:
    def build(plant: Plant, model: Model, port: int) -> ScpiServer:
        r = model.ranges
        power = r.get("source_power_w", (0.0, r["voltage_v"][1] * r["source_current_a"][1]))[1]
        return ScpiServer(cls(plant, model=model.name, nominal_v=r["voltage_v"][1], nominal_a=r["source_current_a"][1],
                              nominal_w=power), port=port)
    return build


def _chroma(plant: Plant, model: Model, port: int) -> ScpiServer:
    r = model.ranges
    return ScpiServer(Chroma61800(plant, model=model.name, max_voltage_v=r["voltage_v"][1],
                                  max_current_a=r["current_limit_a"][1], frequency_range_hz=r["frequency_hz"]), port=port)


def _yokogawa(plant: Plant, model: Model, port: int) -> ScpiServer:
    elements = len(model.numeric.elements) if model.numeric else 4
    return ScpiServer(YokogawaWt(plant, model=model.name, elements=elements,
                                 max_current_a=model.ranges["current_a"][1]), port=port)


def _can_ev_emulator(plant: Plant, model: Model, port: int) -> CanEvEmulator:
    assert model.can is not None
    return CanEvEmulator(plant, model.can.dbc, period_s=model.can.period_s)


def _psb_modbus(plant: Plant, model: Model, port: int) -> ModbusServer:
    r = model.ranges
    device = EaPsbModbus(plant, model=model.name, nominal_v=r["voltage_v"][1], nominal_a=r["source_current_a"][1],
                         nominal_w=r["source_power_w"][1], unit_id=model.modbus.unit_id if model.modbus else 1)
    return ModbusServer(device, port=port)


def _sdm630(plant: Plant, model: Model, port: int) -> ModbusServer:
    return ModbusServer(Sdm630(plant, unit_id=model.modbus.unit_id if model.modbus else 1), port=port)


#: model.simulator → a server (not started) speaking that model's dialect over the plant.
SIMULATORS: dict[str, Callable[[Plant, Model, int], Any]] = {
    "ea_psb": _psb,
    "keysight_rp7900": _supply(KeysightRp7900),
    "itech_it6000c": _supply(ItechIt6000c),
    "sdm630": _sdm630,
    "chroma_61800": _chroma,
    "yokogawa_wt": _yokogawa,
    "can_ev_emulator": _can_ev_emulator,
    "ea_psb_modbus": _psb_modbus,
}


class SimulatedInstruments:
    """Starts a server per instrument on loopback (any free port unless ``ports`` says otherwise)."""

    def __init__(self, models: Mapping[str, Model], *, plant: Plant | None = None,
                 ports: Mapping[str, int] | None = None, host: str = "127.0.0.1",
                 faults: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.plant = plant or Plant()
        self.devices: dict[str, Any] = {}
        self.servers: dict[str, Any] = {}
        for name, model in models.items():
            factory = SIMULATORS.get(model.simulator or "")
            if factory is None:
                raise ConfigError(f"{name}: model {model.id} has no simulator (model.simulator = {model.simulator!r})")
            self.servers[name] = factory(self.plant, model, (ports or {}).get(name, 0))
            self.devices[name] = self.servers[name].device
            self.devices[name].faults.update((faults or {}).get(name, ()))

    def start(self) -> SimulatedInstruments:
        for server in self.servers.values():
            server.start()
        return self

    def address(self, name: str) -> str:
        return self.servers[name].address

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
