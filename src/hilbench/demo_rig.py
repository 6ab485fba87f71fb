"""The instrument half of `make demo`, on the embedded all-simulated rig (rigs/sim.toml): the grid
simulator powers the charger, the EV emulator plugs in and closes its contactor, the battery
emulator holds the pack voltage; the plant's charger stage (a stand-in until the virtual charger
exists) charges at 11 kW, then discharges at the setpoint the CSMS sent (-7 kW). The power
analyzer integrates both directions, the meter counts at the grid, and every output goes off when
the rig closes."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hilbench.rig import Rig
from hilbench.rig_file import find_rig

CHARGE_W, DISCHARGE_W, PHASE_S = 11_000.0, -7_000.0, 0.5


@dataclass
class RigDemo:
    identities: dict[str, str]
    charge_dc_w: float
    discharge_dc_w: float
    dc_import_wh: float
    dc_export_wh: float
    meter_import_wh: float
    meter_export_wh: float
    all_off: bool

    @property
    def ok(self) -> bool:
        within = abs(self.discharge_dc_w - DISCHARGE_W) <= 0.01 * abs(DISCHARGE_W)
        return within and self.all_off and self.dc_export_wh > 0 and self.meter_export_wh > 0


def run_rig_demo(rig_path: str = "sim") -> RigDemo:
    with Rig.open(find_rig(rig_path)) as rig:
        assert rig.sim is not None, "the demo runs on the simulated rig"
        plant = rig.sim.plant
        identities = {name: driver.identify() for name, driver in rig.instruments.items()}
        rig.grid_simulator.set_voltage(230.0)
        rig.grid_simulator.set_frequency(50.0)
        rig.grid_simulator.output(True)
        rig.dc_supply.set_voltage(400.0)
        rig.dc_supply.set_current_limits(source_a=60.0, sink_a=60.0)
        rig.dc_supply.output(True)
        rig.ev_emulator.set_proximity(220.0)
        rig.ev_emulator.set_cp_state("B")
        rig.ev_emulator.set_cp_state("C")
        rig.ev_emulator.set_contactor(True)
        meter_before = rig.energy_meter.measure()
        rig.power_analyzer.integration_start()
        plant.set_charger_power(CHARGE_W)
        time.sleep(PHASE_S)
        charge = rig.power_analyzer.measure(1)
        plant.set_charger_power(DISCHARGE_W)
        time.sleep(PHASE_S)
        discharge = rig.power_analyzer.measure(1)
        plant.set_charger_power(0.0)
        rig.power_analyzer.integration_stop()
        dc = rig.power_analyzer.measure(1)
        meter = rig.energy_meter.measure()
    all_off = not (plant.dc.output_on or plant.grid.output_on or plant.ev.contactor_closed)
    return RigDemo(identities, charge.power_w, discharge.power_w, dc.import_wh, dc.export_wh,
                   meter.import_wh - meter_before.import_wh, meter.export_wh - meter_before.export_wh, all_off)
