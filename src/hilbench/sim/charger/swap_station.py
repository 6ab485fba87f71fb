"""The virtual charger as a battery swap station (OCPP 2.1 block S, for two- and three-wheelers):
``swap_slots`` slots (EVSEs 1..N) hold batteries, each with its serial number, state of charge and
health; one slot is left empty for the battery that comes in.

A swap is authorized locally by a card (S01: Authorize) or remotely by the CSMS (S02:
RequestBatterySwap with its requestId); a driver then puts the depleted battery into the empty
slot (S03: BatterySwap BatteryIn) and takes the fullest one out (BatteryOut), both events with the
swap's requestId, idToken and battery data. The battery that came in is then charged in its slot
(S04): a transaction on that slot's EVSE, the power through the plant's DC link (the battery
emulator plays the battery, the analyzer's DC element measures it), its state of charge raised by
the energy the meter counts over its capacity, until it is full. The station has one slot charger:
a battery that comes in while another charges waits its turn; the driver is given a battery off
the charger only when no other is left (its transaction then ends, EVDisconnected). A swap whose
authorization lapses after a battery came in (BatteryOutTimeout) still charges that battery."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hilbench.errors import HilbenchError
from hilbench.ocpp.defaults import now_iso
from hilbench.sim.charger.transactions import Transactions

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware

Payload = dict[str, Any]
#: The charged batteries the station starts with: state of charge %, capacity Wh.
STOCK_SOC, STOCK_CAPACITY_WH = 96.0, 1_500.0
#: A slot charger's power, W (one slot charges at a time through the station's DC stage).
SLOT_CHARGE_W = 3_000.0
#: A swap not completed this long after its authorization lapses, s.
SWAP_TIMEOUT_S = 60.0


@dataclass
class Battery:
    serial: str
    soc: float  #: %
    soh: float  #: %
    capacity_wh: float

    def data(self, slot: int) -> Payload:
        return {"evseId": slot, "serialNumber": self.serial, "soC": round(self.soc, 1), "soH": round(self.soh, 1)}


class SwapStation:
    def __init__(self, fw: Firmware, slots: int) -> None:
        self.fw = fw
        self.slots: dict[int, Battery | None] = {
            n: Battery(f"{fw.config.station_id}-B{n:02d}", STOCK_SOC, 98.0, STOCK_CAPACITY_WH) for n in range(1, slots)}
        self.slots[slots] = None
        self.request: tuple[int, Payload, float] | None = None  #: the authorized swap: requestId, idToken, when
        self._ids = itertools.count(1)
        self._swapped_in: int | None = None  #: the slot the last battery came into, until it is taken out of
        self.charging: tuple[int, Transactions, float] | None = None  #: slot, its transaction, meter at start (Wh)
        self.waiting: list[int] = []  #: slots whose battery waits for the one slot charger, first come first

    def table(self) -> dict[str, Any]:
        return {"RequestBatterySwap": self._request_battery_swap}

    # ---- authorization -------------------------------------------------------------------------
    def authorized(self) -> bool:
        self._lapse()
        return self.request is not None

    def _lapse(self) -> None:
        """A swap not completed SWAP_TIMEOUT_S after its authorization lapses (BatteryOutTimeout);
        checked every pass of the control loop and before every use of the authorization."""
        if self.request is not None and time.monotonic() - self.request[2] > SWAP_TIMEOUT_S:
            self.fw.emit("BatterySwap", {"eventType": "BatteryOutTimeout", "requestId": self.request[0],
                                         "idToken": self.request[1],
                                         "batteryData": [b.data(n) for n, b in self.slots.items() if b]})
            self.request = None
            if self._swapped_in is not None:  # a battery came in, none went out: it is charged all the same
                self._start_charging(self._swapped_in)
                self._swapped_in = None

    async def authorize_local(self, token: Payload) -> str:
        """S01: a card at the station's reader."""
        if self.authorized():
            return "Busy"
        try:
            res = await self.fw.call("Authorize", {"idToken": token})
        except (HilbenchError, ConnectionError) as e:  # no CSMS to ask: no swap, nothing held
            self.fw.note(f"swap authorization not asked: {e}")
            return "Offline"
        status = str(res["idTokenInfo"]["status"])
        if status == "Accepted":
            self.request = (-next(self._ids), token, time.monotonic())  # negative: the station's own request ids
        return status

    def _request_battery_swap(self, _a: str, req: Payload) -> Payload:
        """S02: the CSMS authorizes a swap remotely."""
        if self.authorized() or all(b is not None for b in self.slots.values()):
            why = "a swap is under way" if self.request else "no slot is free for the battery to come in"
            return {"status": "Rejected", "statusInfo": {"reasonCode": "Busy", "additionalInfo": why}}
        self.request = (int(req["requestId"]), req["idToken"], time.monotonic())
        return {"status": "Accepted"}

    # ---- the driver at the slots ---------------------------------------------------------------
    def insert(self, battery: Battery) -> str:
        """The driver puts ``battery`` into the empty slot: "Accepted", or why the slot stays shut."""
        free = next((n for n, b in self.slots.items() if b is None), None)
        if free is None:
            return "NoFreeSlot"
        if not self.authorized() and not self.fw.faults.on("swap-out-without-authorization"):
            return "NotAuthorized"
        self.slots[free] = battery
        self._swapped_in = free
        data = [battery.data(free)]
        if self.fw.faults.on("swap-battery-data-missing"):
            data = [{k: v for k, v in data[0].items() if k != "serialNumber"}]
        self._event("BatteryIn", data)
        return "Accepted"

    def take(self) -> Battery | None:
        """The driver takes the fullest battery out (after putting one in); None when the station
        does not release one."""
        if self._swapped_in is None or (not self.authorized() and not self.fw.faults.on("swap-out-without-authorization")):
            return None
        charging = self.charging[0] if self.charging is not None else None
        # the fullest battery, one on the slot charger only when nothing else is left
        slot, battery = max(((n, b) for n, b in self.slots.items() if b is not None and n != self._swapped_in),
                            key=lambda nb: (nb[0] != charging, nb[1].soc))
        self.slots[slot] = None
        if slot in self.waiting:
            self.waiting.remove(slot)
        if slot == charging:  # taken off the charger: its transaction ends with the battery gone
            self._stop_charging("EVCommunicationLost", "EVDisconnected")
        self._event("BatteryOut", [battery.data(slot)])
        charge = self._swapped_in
        self.request, self._swapped_in = None, None
        self._start_charging(charge)
        return battery

    def _event(self, kind: str, data: list[Payload]) -> None:
        assert self.request is not None or self.fw.faults.on("swap-out-without-authorization")
        request_id, token = (self.request[0], self.request[1]) if self.request else (0, {"idToken": "", "type": "NoAuthorization"})
        self.fw.emit("BatterySwap", {"eventType": kind, "requestId": request_id, "idToken": token, "batteryData": data})

    # ---- charging the battery that came in -----------------------------------------------------
    def _start_charging(self, slot: int) -> None:
        if self.charging is not None:
            self.waiting.append(slot)
            return
        reported = slot % len(self.slots) + 1 if self.fw.faults.on("swap-charges-wrong-slot") else slot
        fw = self.fw
        tx = Transactions(fw.dm, fw.meter, fw.signer, fw.faults, fw.emit, evse_id=reported, charge_point=fw.evseid)
        tx.on_stopping = self._open_power_path
        fw.meter.update()
        tx.start("EVDetected", id_token=None, remote_start_id=None)
        self.charging = (slot, tx, fw.meter.import_wh)

    def _open_power_path(self) -> None:
        self.fw.power_stage.step(time.monotonic(), 0.0, path_closed=False)

    def tick(self) -> None:
        """Every pass of the control loop: the slot charger's power, the battery's state of charge."""
        fw = self.fw
        now = time.monotonic()
        self._lapse()
        if self.charging is None:
            self._open_power_path()
            return
        slot, tx, last_wh = self.charging
        battery = self.slots[slot]
        fw.meter.update()
        if battery is not None:
            battery.soc = min(100.0, battery.soc + 100.0 * (fw.meter.import_wh - last_wh) / battery.capacity_wh)
        self.charging = (slot, tx, fw.meter.import_wh)
        if battery is None or battery.soc >= 100.0:
            self._stop_charging("SoCLimitReached", "SOCLimitReached")
            return
        fw.power_stage.step(now, SLOT_CHARGE_W, path_closed=True)
        if tx.tx is not None and tx.tx.charging_state != "Charging" and fw.meter.power_w() > 50.0:
            tx.tx.charging_state = "Charging"
            tx.event("Updated", "ChargingStateChanged")

    def stop_charging(self, transaction_id: str) -> bool:
        """RequestStopTransaction of the slot's charging transaction."""
        if self.charging is None or self.charging[1].tx is None or self.charging[1].tx.transaction_id != transaction_id:
            return False
        self._stop_charging("RemoteStop", "Remote")
        return True

    def _stop_charging(self, trigger: str, reason: str) -> None:
        """The slot's transaction ends; the next battery waiting for the charger gets it."""
        assert self.charging is not None
        self._open_power_path()
        self.charging[1].stop(trigger, stopped_reason=reason)
        self.charging = None
        while self.waiting:
            slot = self.waiting.pop(0)
            if self.slots.get(slot) is not None:
                self._start_charging(slot)
                break

    def inventory(self) -> list[Payload]:
        """The batteries in the slots, for tests and reports."""
        return [{"slot": n, **(b.data(n) if b else {}), "at": now_iso()} for n, b in self.slots.items()]
