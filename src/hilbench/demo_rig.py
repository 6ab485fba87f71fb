"""The instrument half of `make demo`, on the embedded all-simulated rig (rigs/sim.toml) with its
device under test, the virtual charger: the grid simulator powers the charger, which boots at the
bench CSMS; the EV emulator plugs the EV in and closes its contactor; the battery emulator holds the
pack voltage; the bench EV runs DC_BPT under dynamic control over ISO 15118-20; the CSMS starts the
transaction and sets a CentralSetpoint profile, 11 kW then -7 kW. The power analyzer measures what
the charger really did, the grid meter counts at the grid, the charger's signed meter values are
verified, and every output goes off when the rig closes."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hilbench.ocmf import verify_signed_meter_value
from hilbench.ocpp.csms import Csms
from hilbench.rig import Rig
from hilbench.rig_file import find_rig, load_rig
from hilbench.sim.charger.charger import VirtualCharger
from hilbench.sim.charger.config import ChargerConfig
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.transport import run_evcc

CHARGE_W, DISCHARGE_W, PHASE_S = 11_000.0, -7_000.0, 1.5
PACK_V = 370.0  # the bench EV's model at half charge: the battery emulator holds the same


@dataclass
class RigDemo:
    identities: dict[str, str]
    dut: str
    charge_dc_w: float
    discharge_dc_w: float
    dc_import_wh: float
    dc_export_wh: float
    reported_import_wh: float
    reported_export_wh: float
    meter_import_wh: float
    meter_export_wh: float
    signed_valid: int
    signed_total: int
    all_off: bool
    events: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        followed = abs(self.discharge_dc_w - DISCHARGE_W) <= 0.02 * abs(DISCHARGE_W) and \
            abs(self.charge_dc_w - CHARGE_W) <= 0.02 * CHARGE_W
        billed = abs(self.reported_export_wh - self.dc_export_wh) <= 0.01 * self.dc_export_wh
        return followed and billed and self.all_off and self.signed_valid == self.signed_total > 0


def _profile(transaction_id: str) -> dict[str, Any]:
    periods = [{"startPeriod": 0, "operationMode": "CentralSetpoint", "setpoint": CHARGE_W, "limit": 22_000.0,
                "dischargeLimit": -10_000.0},
               {"startPeriod": 3, "operationMode": "CentralSetpoint", "setpoint": DISCHARGE_W, "limit": 22_000.0,
                "dischargeLimit": -10_000.0}]
    return {"evseId": 1, "chargingProfile": {"id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
                                             "chargingProfileKind": "Relative", "transactionId": transaction_id,
                                             "chargingSchedule": [{"id": 1, "chargingRateUnit": "W",
                                                                   "chargingSchedulePeriod": periods}]}}


def _register(event: dict[str, Any], measurand: str) -> float:
    return float(next((s["value"] for mv in event.get("meterValue", []) for s in mv["sampledValue"]
                       if s["measurand"] == measurand), 0.0))


async def _campaign(rig: Rig, state_dir: Path) -> RigDemo:
    assert rig.sim is not None and rig.config.dut is not None
    step = asyncio.to_thread
    identities = {name: await step(driver.identify) for name, driver in rig.instruments.items()}
    await step(rig.grid_simulator.set_voltage, 230.0)
    await step(rig.grid_simulator.set_frequency, 50.0)
    await step(rig.grid_simulator.output, True)
    await step(rig.dc_supply.set_voltage, PACK_V)
    await step(lambda: rig.dc_supply.set_current_limits(source_a=60.0, sink_a=60.0))
    await step(rig.dc_supply.output, True)
    async with Csms(port=0) as csms:
        config = ChargerConfig.from_table(dict(rig.config.dut.virtual or {}), csms_url=csms.url, state_dir=state_dir)
        async with VirtualCharger(config, rig.sim.plant) as charger:
            link = await csms.wait_for_station(config.station_id)
            await link.expect("BootNotification")
            await link.call("SetVariables", {"setVariableData": [
                {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": name}, "attributeValue": value}
                for name, value in (("SignReadings", "true"),
                                    ("TxStartedMeasurands", "Energy.Active.Import.Register,Energy.Active.Export.Register"))]})
            for call in (lambda: rig.ev_emulator.set_proximity(220.0), lambda: rig.ev_emulator.set_cp_state("B"),
                         lambda: rig.ev_emulator.set_cp_state("C"), lambda: rig.ev_emulator.set_contactor(True)):
                await step(call)
            meter_before = await step(rig.energy_meter.measure)
            await step(rig.power_analyzer.integration_start)
            await link.call("RequestStartTransaction", {"idToken": {"idToken": "DEMO-TOKEN", "type": "ISO14443"},
                                                        "remoteStartId": 1})
            started = (await link.expect("TransactionEvent")).payload
            tid = started["transactionInfo"]["transactionId"]
            evcc = Evcc("DC_BPT", "dynamic", ev=BatteryEv(loop_cycles=10**6, loop_period_s=0.1))
            session = asyncio.create_task(run_evcc(evcc, "::1", charger.secc_port or 0))
            await link.expect("NotifyEVChargingNeeds", timeout=10)
            await link.call("SetChargingProfile", _profile(tid))
            await asyncio.sleep(PHASE_S)
            charge = await step(rig.power_analyzer.measure, 1)
            await asyncio.sleep(3.0 - PHASE_S + PHASE_S)
            discharge = await step(rig.power_analyzer.measure, 1)
            evcc.stop_charging()
            await asyncio.wait_for(session, 10)
            await link.call("RequestStopTransaction", {"transactionId": tid})
            ended: dict[str, Any] = {}
            while not ended:
                ev = (await link.expect("TransactionEvent", timeout=10)).payload
                ended = ev if ev["eventType"] == "Ended" else {}
            await step(rig.power_analyzer.integration_stop)
            dc = await step(rig.power_analyzer.measure, 1)
            meter = await step(rig.energy_meter.measure)
            events = [f"{p['eventType']} {p['triggerReason']}" for p in
                      (e.payload for e in link.received if e.action == "TransactionEvent")]
            signed = [s["signedMeterValue"] for e in link.received if e.action == "TransactionEvent"
                      for mv in e.payload.get("meterValue", []) for s in mv["sampledValue"] if "signedMeterValue" in s]
    key = next((s["publicKey"] for s in signed if "publicKey" in s), None)
    valid = sum(verify_signed_meter_value(s, key).valid for s in signed)
    return RigDemo(identities, rig.config.dut.describe(), charge.power_w, discharge.power_w, dc.import_wh, dc.export_wh,
                   _register(ended, "Energy.Active.Import.Register") - _register(started, "Energy.Active.Import.Register"),
                   _register(ended, "Energy.Active.Export.Register") - _register(started, "Energy.Active.Export.Register"),
                   meter.import_wh - meter_before.import_wh, meter.export_wh - meter_before.export_wh, valid, len(signed),
                   False, events)


def run_rig_demo(rig_path: str = "sim") -> RigDemo:
    rig = Rig(load_rig(find_rig(rig_path)))
    with tempfile.TemporaryDirectory(prefix="hilbench-demo-") as state, rig:
        result = asyncio.run(_campaign(rig, Path(state)))
        plant = rig.sim.plant if rig.sim else None
    assert plant is not None
    result.all_off = not (plant.dc.output_on or plant.grid.output_on or plant.ev.contactor_closed)
    return result
