"""The known state a campaign starts from and returns to between cases: the grid simulator at
nominal voltage and frequency (it powers the charger), the battery emulator holding the pack
voltage, the EV emulator unplugged; no transaction and no charging profile left on the DUT; the DUT
connected. And the virtual charger as the device under test, on the rig's plant."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hilbench.rig import Rig

if TYPE_CHECKING:
    from hilbench.runner.campaign import Campaign

#: The pack the battery emulator holds: the bench EV's model at half charge reports the same.
PACK_V = 370.0
PACK_A = 100.0
#: How long a call of the bench's own clean-up may take before it is given up (the DUT may still
#: owe the answer to a case's call).
CALL_S = 5.0
#: The longest the bench waits for the DUT to report its connector Available after an unplug, s.
UNPLUG_S = 3.0


def identities(rig: Rig) -> dict[str, str]:
    return {name: str(driver.identify()) for name, driver in rig.instruments.items()}


def power_up(rig: Rig) -> None:
    """The rig's baseline: supply on, battery held, EV unplugged, the analyzer not integrating."""
    roles = {i.role for i in rig.config.instruments.values()}
    if "grid_simulator" in roles:
        rig.grid_simulator.set_voltage(rig.config.grid_nominal_voltage_v)
        rig.grid_simulator.set_frequency(rig.config.grid_nominal_frequency_hz)
        rig.grid_simulator.output(True)
    if "dc_supply" in roles:
        rig.dc_supply.set_voltage(PACK_V)
        rig.dc_supply.set_current_limits(source_a=PACK_A, sink_a=PACK_A)
        rig.dc_supply.output(True)
    if "ev_emulator" in roles:
        unplug(rig)
    if "power_analyzer" in roles and rig.power_analyzer.integration_state() == "START":
        rig.power_analyzer.integration_stop()  # a case that failed mid-way left it integrating


def unplug(rig: Rig) -> bool:
    """The EV emulator's cable out; whether an EV was plugged in."""
    emulator = rig.ev_emulator
    before = emulator.set_contactor(False)
    emulator.set_cp_state("A")
    return before.cp_state in ("B", "C", "D")


async def start_virtual(campaign: Campaign) -> Any:
    """The virtual charger of the rig's [dut] table, its faults added, on the rig's plant (or on a
    plant of its own with grid and battery present when the rig has no simulated instruments)."""
    from hilbench.sim.charger.charger import VirtualCharger
    from hilbench.sim.charger.config import ChargerConfig
    from hilbench.sim.plant import Plant

    dut = campaign.config.dut
    assert dut is not None and campaign.csms is not None
    table = dict(dut.virtual or {})
    table["fault"] = sorted(set(table.get("fault", [])) | set(campaign.faults))
    if "state_dir" not in table:  # the campaign's own: a fresh charger, not the last run's upgraded slots
        state = campaign.out_dir / "dut-state"
        if state.is_dir():
            shutil.rmtree(state)
        table["state_dir"] = str(state)
    if campaign.pki is not None:  # it trusts the bench CSMS's CA (and, under profile 3, has its certificate)
        table.setdefault("pki_dir", str(campaign.pki.directory))
    table.setdefault("grid_nominal_voltage_v", campaign.config.grid_nominal_voltage_v)
    table.setdefault("grid_nominal_frequency_hz", campaign.config.grid_nominal_frequency_hz)
    if dut.rated_reactive_power_var is not None:  # what the lab declares is what the charger is built as
        table.setdefault("max_reactive_power_var", dut.rated_reactive_power_var)
    if dut.rated_active_power_w is not None:
        table.setdefault("max_power_w", dut.rated_active_power_w)
    config = ChargerConfig.from_table(table, where=f"{campaign.config.path.name}: dut", csms_url=campaign.csms.url)
    rig = campaign.rig
    if rig is not None and rig.sim is not None:
        plant = rig.sim.plant
    else:
        plant = Plant()
        plant.dc.output_on, plant.dc.voltage_v = True, PACK_V
        plant.dc.sink_current_a = plant.dc.source_current_a = PACK_A
    trust = campaign.v2g_pki.contract.root.read_bytes() if campaign.v2g_pki is not None else None
    charger = VirtualCharger(config, plant, pnc_trust_pem=trust)  # Plug & Charge: it trusts the bench's MO root
    await charger.start()
    return charger


async def known_state(campaign: Campaign) -> None:
    if campaign.rig is not None:  # first the supply: a DUT without power cannot be brought back
        await asyncio.to_thread(power_up, campaign.rig)
    link = campaign.dut_link() or await campaign.wait_for_dut(30.0)
    open_tx = _open_transactions(campaign)
    for tid in open_tx:
        try:
            await asyncio.wait_for(link.call("RequestStopTransaction", {"transactionId": tid}), CALL_S)
        except Exception:  # noqa: BLE001 - it may have ended meanwhile
            pass
    if campaign.rig is not None and "ev_emulator" in campaign.config.roles:
        await asyncio.to_thread(unplug, campaign.rig)
        await _connector_free(campaign)
    link = campaign.dut_link() or await campaign.wait_for_dut(30.0)
    clear: list[tuple[str, dict[str, Any]]] = [("ClearChargingProfile", {})]
    if campaign.der_controls_set:  # a case's scheduled DER controls; the DUT's default ones are its own settings
        clear.append(("ClearDERControl", {"isDefault": False}))
        campaign.der_controls_set = False
    if campaign.tariffs_set:  # a case's default tariffs
        clear.append(("ClearTariffs", {}))
        campaign.tariffs_set = False
    for action, payload in clear:
        try:
            await asyncio.wait_for(link.call(action, payload), CALL_S)
        except Exception:  # noqa: BLE001 - nothing to clear (a DUT without profiles may refuse)
            pass
    for _ in range(50):  # the Ended events of what was stopped
        if not _open_transactions(campaign):
            break
        await asyncio.sleep(0.1)


def _links(campaign: Campaign) -> list[Any]:
    assert campaign.csms is not None
    return [campaign.csms.stations.get(campaign.station_id)] + [link for link, _ in campaign._case_marks]  # noqa: SLF001


def _connector_status(campaign: Campaign) -> str | None:
    """The connector status the DUT reported last (StatusNotification), over every connection."""
    statuses = [ev.payload.get("connectorStatus") for link in _links(campaign) if link is not None
                for ev in link.received if ev.action == "StatusNotification"]
    return statuses[-1] if statuses else None


async def _connector_free(campaign: Campaign, timeout_s: float = UNPLUG_S) -> None:
    """Waits until the DUT has reported its connector no longer Occupied: the next case must not
    begin before the DUT saw the cable come out (a case's own unplug, or the baseline's), else a
    plug-in a few milliseconds later is no change to it."""
    deadline = time.monotonic() + timeout_s
    while _connector_status(campaign) == "Occupied":
        if time.monotonic() > deadline:
            campaign.recorder.note(f"the DUT still reports its connector Occupied {timeout_s:g} s after the unplug")
            return
        await asyncio.sleep(0.02)


def _open_transactions(campaign: Campaign) -> list[str]:
    """Transactions the DUT started (over every connection the CSMS saw) and has not ended."""
    states: dict[str, bool] = {}
    for link in _links(campaign):
        if link is None:
            continue
        for ev in link.received:
            if ev.action == "TransactionEvent":
                tid = ev.payload["transactionInfo"]["transactionId"]
                states[tid] = ev.payload["eventType"] != "Ended" and states.get(tid, True)
    return [tid for tid, running in states.items() if running]


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
