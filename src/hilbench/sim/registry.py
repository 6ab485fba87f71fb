"""The rig's simulated instruments: one plant, one real server per instrument, each speaking its
model's dialect (the model TOML names its simulator)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hilbench.drivers.model import Model
from hilbench.errors import ConfigError
from hilbench.sim.ea_psb import EaPsb
from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiDevice
from hilbench.sim.scpi_server import ScpiServer

SIMULATORS: dict[str, Callable[[Plant, Model], ScpiDevice]] = {
    "ea_psb": lambda plant, model: EaPsb(plant, model=model.name, nominal_v=model.ranges["voltage_v"][1],
                                         nominal_a=model.ranges["source_current_a"][1],
                                         nominal_w=model.ranges["source_power_w"][1]),
}


class SimulatedInstruments:
    """Starts a server per instrument on loopback (any free port unless ``ports`` says otherwise)."""

    def __init__(self, models: Mapping[str, Model], *, plant: Plant | None = None,
                 ports: Mapping[str, int] | None = None, host: str = "127.0.0.1",
                 faults: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.plant = plant or Plant()
        self.devices: dict[str, ScpiDevice] = {}
        self.servers: dict[str, ScpiServer] = {}
        for name, model in models.items():
            factory = SIMULATORS.get(model.simulator or "")
            if factory is None:
                raise ConfigError(f"{name}: model {model.id} has no simulator (model.simulator = {model.simulator!r})")
            self.devices[name] = factory(self.plant, model)
            self.devices[name].faults.update((faults or {}).get(name, ()))
            self.servers[name] = ScpiServer(self.devices[name], host, (ports or {}).get(name, 0))

    def start(self) -> SimulatedInstruments:
        for server in self.servers.values():
            server.start()
        return self

    def address(self, name: str) -> str:
        return self.servers[name].address

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
