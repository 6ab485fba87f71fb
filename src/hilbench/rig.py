"""The rig at run time: instruments opened and identified, limits from the rig file, and the safe
state in one place. ``with Rig.open(path) as rig:`` switches every output off in the rig's order
on normal exit, on any exception, on SIGINT/SIGTERM and when an instrument is lost, then flushes
and closes the command log."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from hilbench.drivers.dc_supply import DcSupply, ScpiDcSupply
from hilbench.drivers.dc_supply_modbus import ModbusDcSupply
from hilbench.drivers.can_bus import CanTransport
from hilbench.drivers.ev_emulator import CanEvEmulator, EvEmulator
from hilbench.drivers.log import CommandLog
from hilbench.drivers.power_analyzer import PowerAnalyzer, ScpiPowerAnalyzer
from hilbench.drivers.energy_meter import EnergyMeter, ModbusEnergyMeter
from hilbench.drivers.grid_simulator import GridSimulator, ScpiGridSimulator
from hilbench.drivers.modbus import ModbusTransport
from hilbench.drivers.visa import VisaTransport
from hilbench.errors import ConfigError
from hilbench.rig_file import InstrumentConfig, RigConfig, load_rig
from hilbench.signals import interruptible_sigint, restore
from hilbench.sim.registry import SimulatedInstruments

#: (role, transport) → driver class.
DRIVERS: dict[tuple[str, str], type[Any]] = {
    ("dc_supply", "scpi"): ScpiDcSupply,
    ("dc_supply", "modbus"): ModbusDcSupply,
    ("energy_meter", "modbus"): ModbusEnergyMeter,
    ("grid_simulator", "scpi"): ScpiGridSimulator,
    ("power_analyzer", "scpi"): ScpiPowerAnalyzer,
    ("ev_emulator", "can"): CanEvEmulator,
}
#: The safe state must be reached within this time, whatever the instruments do.
SAFE_STATE_BUDGET_S = 1.0


class Rig:
    def __init__(self, config: RigConfig, *, log: CommandLog | None = None) -> None:
        self.config = config
        self.log = log or CommandLog(config.command_log)
        self.sim: SimulatedInstruments | None = None
        self.instruments: dict[str, Any] = {}
        self.safe_state_report: list[str] = []
        self._previous_sigterm: Any = None
        self._previous_sigint: Any = None

    @classmethod
    def open(cls, path: Path | str, **kw: Any) -> Rig:
        return cls(load_rig(path), **kw)

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Rig:
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_system_exit)
            # A process started in the background inherits SIGINT as ignored: Ctrl-C must still
            # reach the safe state.
            self._previous_sigint = interruptible_sigint()
        try:
            self.connect()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.safe_state()
        finally:
            self.close()
            if self._previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self._previous_sigterm)
                self._previous_sigterm = None
            restore(signal.SIGINT, self._previous_sigint)
            self._previous_sigint = None

    def connect(self) -> None:
        """Starts the simulated instruments (if the rig is simulated), opens every instrument,
        checks its identity and runs its setup."""
        self.start_simulated()
        for name, inst in self.config.instruments.items():
            self.instruments[name] = self.open_instrument(inst)

    def start_simulated(self) -> None:
        sims = {n: i for n, i in self.config.instruments.items() if i.address == "sim"}
        if sims and self.sim is None:
            self.sim = SimulatedInstruments({n: i.model for n, i in sims.items()},
                                            faults={n: i.sim_faults for n, i in sims.items()}).start()

    def open_instrument(self, inst: InstrumentConfig) -> Any:
        driver_class = DRIVERS.get((inst.role, inst.model.transport))
        if driver_class is None:
            raise ConfigError(f"{inst.name}: no driver for role {inst.role} over {inst.model.transport}")
        address = self.address_of(inst)
        if inst.model.transport == "modbus":
            unit = inst.model.modbus.unit_id if inst.model.modbus else 1
            driver = driver_class(inst.name, inst.model,
                                  ModbusTransport(address, name=inst.name, log=self.log, unit_id=unit, timeout_s=inst.timeout_s),
                                  self.config.limits_of(inst.name))
        elif inst.model.transport == "can":
            assert inst.model.can is not None
            bus = CanTransport(address, name=inst.name, log=self.log, db=inst.model.can.db,
                               bitrate=inst.model.can.bitrate, timeout_s=inst.timeout_s)
            driver = driver_class(inst.name, inst.model, bus, self.config.limits_of(inst.name))
        else:
            transport = VisaTransport(address, name=inst.name, log=self.log, timeout_s=inst.timeout_s)
            driver = driver_class(inst.name, inst.model, transport, self.config.limits_of(inst.name))
        self.instruments[inst.name] = driver  # from here on, the safe state covers it
        driver.identify()
        driver.setup()
        return driver

    def address_of(self, inst: InstrumentConfig) -> str:
        """Where the instrument is: the rig file's address, or its simulated server's."""
        return self.sim.address(inst.name) if inst.address == "sim" and self.sim else inst.address

    def safe_state(self) -> list[str]:
        """Every output off, in the rig's order. Never raises: a failing instrument is logged and
        reported, and the others are still switched off."""
        report = []
        deadline = time.monotonic() + SAFE_STATE_BUDGET_S
        for name in self.config.safe_state_order:
            driver = self.instruments.get(name)
            if driver is None:
                continue
            try:
                driver.safe_state()  # type: ignore[attr-defined]
                self.log.add(name, "note", "safe state")
            except Exception as e:  # noqa: BLE001 - keep going: the next instrument must still go off
                report.append(f"{name}: safe state failed: {e}")
                self.log.add(name, "error", f"safe state failed: {e}")
            if time.monotonic() > deadline:
                report.append(f"safe state took longer than {SAFE_STATE_BUDGET_S} s (at {name})")
        self.safe_state_report = report
        return report

    def close(self) -> None:
        for driver in self.instruments.values():
            driver.transport.close()
        self.instruments.clear()
        if self.sim is not None:
            self.sim.stop()
            self.sim = None
        self.log.close()

    # -- roles -----------------------------------------------------------------------------------
    def role(self, role: str) -> Any:
        found = [d for n, d in self.instruments.items() if self.config.instruments[n].role == role]
        if len(found) != 1:
            raise ConfigError(f"rig {self.config.name}: {len(found)} instruments play {role} (one expected)")
        return found[0]

    @property
    def dc_supply(self) -> DcSupply:
        return self.role("dc_supply")  # type: ignore[no-any-return]

    @property
    def energy_meter(self) -> EnergyMeter:
        return self.role("energy_meter")  # type: ignore[no-any-return]

    @property
    def grid_simulator(self) -> GridSimulator:
        return self.role("grid_simulator")  # type: ignore[no-any-return]

    @property
    def ev_emulator(self) -> EvEmulator:
        return self.role("ev_emulator")  # type: ignore[no-any-return]

    @property
    def power_analyzer(self) -> PowerAnalyzer:
        return self.role("power_analyzer")  # type: ignore[no-any-return]


def _raise_system_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)

