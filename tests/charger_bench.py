"""A bench around one virtual charger, for tests: the bench CSMS on loopback, a plant with the grid
on and the battery emulator holding its voltage, the charger, and the bench EV when a test wants
one. The EV emulator's side of the plant (pilot state, contactor) is set directly here, as the
simulated EV emulator sets it from its CAN frames; the scenario tests drive it through the rig."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hilbench.ocpp.csms import Csms
from hilbench.ocpp.link import OcppLink
from hilbench.sim.charger.charger import VirtualCharger
from hilbench.sim.charger.config import ChargerConfig
from hilbench.sim.charger.faults import Faults
from hilbench.sim.plant import Plant
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.transport import run_evcc

#: The battery emulator's voltage: the bench EV's model reports the same (soc 0.5 of 330-410 V).
PACK_V = 370.0


@dataclass
class Bench:
    csms: Csms
    plant: Plant
    charger: VirtualCharger
    link: OcppLink | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    async def connected(self, timeout: float = 10.0, *, new: bool = False) -> OcppLink:
        """The charger's connection; with ``new``, one other than the last seen (after a reboot or a
        lost connection)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            link = self.csms.stations.get(self.charger.config.station_id)
            if link is not None and not link.closed.is_set() and not (new and link is self.link):
                self.link = link
                return link
            await asyncio.sleep(0.02)
        raise TimeoutError("the charger did not connect")

    async def booted(self, *, new: bool = False) -> OcppLink:
        link = await self.connected(new=new)
        await link.expect("BootNotification")
        return link

    def plug(self, state: str = "C", contactor: bool = True) -> None:
        with self.plant.lock:
            self.plant.ev.cp_state, self.plant.ev.contactor_closed = state, contactor

    def unplug(self) -> None:
        self.plug("A", False)

    async def remote_start(self, token: str = "04A1B2C3D4") -> str:
        """RequestStartTransaction, then the Started event's transaction id."""
        assert self.link is not None
        res = await self.link.call("RequestStartTransaction", {"idToken": {"idToken": token, "type": "ISO14443"},
                                                               "remoteStartId": 42})
        assert res["status"] == "Accepted", res
        started = await self.expect_event("Started")
        return str(started["transactionInfo"]["transactionId"])

    async def expect_event(self, event_type: str, timeout: float = 10.0, trigger: str | None = None) -> dict[str, Any]:
        assert self.link is not None
        deadline = time.monotonic() + timeout
        while True:
            ev = await self.link.expect("TransactionEvent", timeout=max(0.01, deadline - time.monotonic()))
            if ev.payload["eventType"] == event_type and (trigger is None or ev.payload["triggerReason"] == trigger):
                return ev.payload

    def events(self, link: OcppLink | None = None) -> list[dict[str, Any]]:
        """Every TransactionEvent the CSMS received on ``link`` (the current one by default)."""
        link = link or self.link
        assert link is not None
        return [e.payload for e in link.received if e.action == "TransactionEvent"]

    def ev(self, service: str = "DC_BPT", control: str = "dynamic", **ev_kw: Any) -> Evcc:
        """The bench EV, started against the charger's SECC; its task runs until it stops."""
        params = {"loop_cycles": 10**6, "loop_period_s": 0.1, "precharge_tolerance_v": 20.0} | ev_kw
        evcc = Evcc(service, control, ev=BatteryEv(**params))
        assert self.charger.secc_port is not None
        self.tasks.append(asyncio.create_task(run_evcc(evcc, "::1", self.charger.secc_port)))
        return evcc

    async def until(self, check: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not reached within {timeout} s")
            await asyncio.sleep(0.02)


def dc_plant(voltage_v: float = PACK_V) -> Plant:
    plant = Plant()
    plant.grid.output_on = True
    plant.dc.output_on, plant.dc.voltage_v = True, voltage_v
    plant.dc.sink_current_a = plant.dc.source_current_a = 120.0
    return plant


@contextlib.asynccontextmanager
async def bench(tmp_path: Path, *faults: str, plant: Plant | None = None, csms_kw: dict[str, Any] | None = None,
                **config_kw: Any) -> AsyncIterator[Bench]:
    plant = plant or dc_plant()
    async with Csms(port=0, **(csms_kw or {})) as csms:
        config = ChargerConfig(csms_url=csms.url, station_id="VC1", state_dir=tmp_path / "state", faults=Faults(faults),
                               **config_kw)
        charger = VirtualCharger(config, plant)
        b = Bench(csms, plant, charger)
        await charger.start()
        try:
            yield b
        finally:
            for t in b.tasks:
                t.cancel()
            await charger.stop()
