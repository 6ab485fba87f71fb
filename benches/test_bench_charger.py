"""The virtual charger's own CPU per second of transaction (run: make bench): the charger on a thread
of its own (its CPU clock measured alone) while the bench CSMS and a DC_BPT EV at a 100 ms loop
drive it, at the default 100 Hz control loop and at 1 kHz; and the plant's own step rate."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from hilbench.ocpp.csms import Csms
from hilbench.sim.charger.charger import VirtualCharger
from hilbench.sim.charger.config import ChargerConfig
from hilbench.sim.plant import Plant
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.transport import run_evcc

SECONDS = 5.0


def _plant() -> Plant:
    plant = Plant()
    plant.grid.output_on = True
    plant.dc.output_on, plant.dc.voltage_v = True, 370.0
    plant.dc.sink_current_a = plant.dc.source_current_a = 120.0
    plant.ev.cp_state, plant.ev.contactor_closed = "C", True
    return plant


async def _cpu_per_transaction_second(tmp_path: Path, tick_s: float) -> tuple[float, int, float]:
    async with Csms(port=0) as csms:
        charger = VirtualCharger(ChargerConfig(csms_url=csms.url, station_id="VC-BENCH", tick_s=tick_s,
                                               state_dir=tmp_path / f"state-{tick_s}"), _plant())
        await asyncio.to_thread(charger.start_thread)
        assert charger._thread is not None and charger._thread.ident is not None
        clock = time.pthread_getcpuclockid(charger._thread.ident)
        try:
            link = await csms.wait_for_station("VC-BENCH")
            await link.expect("BootNotification")
            await link.call("RequestStartTransaction", {"idToken": {"idToken": "B", "type": "ISO14443"}, "remoteStartId": 1})
            await link.expect("TransactionEvent")
            while charger.secc_port is None:
                await asyncio.sleep(0.01)
            evcc = Evcc("DC_BPT", "dynamic", ev=BatteryEv(loop_cycles=10**6, loop_period_s=0.1))
            session = asyncio.create_task(run_evcc(evcc, "::1", charger.secc_port))
            await link.expect("NotifyEVChargingNeeds", timeout=10)
            assert charger.firmware is not None
            cpu0, ticks0 = time.clock_gettime(clock), charger.firmware.ticks
            await asyncio.sleep(SECONDS)
            cpu, ticks = time.clock_gettime(clock) - cpu0, charger.firmware.ticks - ticks0
            evcc.stop_charging()
            await asyncio.wait_for(session, 5)
            return cpu / SECONDS, len(evcc.loop_reports), ticks / SECONDS
        finally:
            await asyncio.to_thread(charger.stop_thread)


@pytest.mark.parametrize("tick_s", [0.01, 0.001], ids=["100Hz", "1kHz"])
def test_charger_cpu_per_transaction_second(tmp_path: Path, tick_s: float) -> None:
    share, loops, rate = asyncio.run(_cpu_per_transaction_second(tmp_path, tick_s))
    print(f"\nvirtual charger, control loop set to {1 / tick_s:.0f} Hz (achieved {rate:.0f} Hz): {share * 1000:.1f} ms "
          f"CPU per transaction-second ({share:.1%} of a core), {loops} EV loop cycles in {SECONDS:g} s")


@pytest.mark.benchmark(group="plant")
def test_plant_step(benchmark) -> None:  # type: ignore[no-untyped-def]
    plant = _plant()
    plant.set_charger_power(11_000.0)
    benchmark(plant.step)
