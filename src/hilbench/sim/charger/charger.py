"""The virtual charger as hardware: it is powered from the plant's grid (the grid simulator), boots
its firmware when the power comes, loses everything but its state folder when the power goes, and
reboots on a reset. It sees the world only through the plant (the EV emulator's pilot and contactor,
the grid's voltage and frequency, the battery emulator's DC link) and the network (OCPP to the
CSMS, ISO 15118-20 to the EV), as a real charger would.

It runs on an asyncio loop: the caller's (``await charger.start()``), or its own thread
(``charger.start_thread()``) for callers that block on instruments."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from hilbench.sim.charger.config import ChargerConfig
from hilbench.sim.charger.firmware import Firmware
from hilbench.sim.plant import Plant

log = logging.getLogger("hilbench.charger")
#: The charger rides through a supply dip shorter than this, s.
HOLD_UP_S = 0.05
#: A reset takes effect this long after its answer went out, s.
RESET_DELAY_S = 0.2
#: ... and waits up to this long for its queued messages to go out before it reboots, s.
RESET_FLUSH_S = 2.0


class VirtualCharger:
    def __init__(self, config: ChargerConfig, plant: Plant, *, pnc_trust_pem: bytes | None = None) -> None:
        self.config = config
        self.plant = plant
        if config.state_dir is None:
            config.state_dir = Path(tempfile.mkdtemp(prefix=f"hilbench-vc-{config.station_id}-"))
        config.state_dir.mkdir(parents=True, exist_ok=True)
        self.pnc_trust_pem = pnc_trust_pem
        self.firmware: Firmware | None = None
        self.boots: list[str] = []  #: the boot reason of every boot, in order
        #: What survives a reboot outside the state folder's files (same hardware): the SECC's port,
        #: the meter's pagination counters, the reset that caused the boot.
        self.secc_port: int | None = None
        self.signer_pages: dict[str, int] | None = None
        self.last_reset: str | None = None
        self._reset_kind: str | None = None
        self._reset_at: float | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._unpowered_since: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.crashed: BaseException | None = None

    # ---- asyncio API ---------------------------------------------------------------------------
    async def start(self) -> VirtualCharger:
        """Starts supervising its supply; boots when the grid is there."""
        self._loop = asyncio.get_running_loop()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"charger {self.config.station_id}")
        await asyncio.sleep(0)
        return self

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # a crash is in self.crashed
                await self._supervisor
        await self._power_down()

    async def __aenter__(self) -> VirtualCharger:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def powered(self) -> bool:
        return self.firmware is not None

    def _supply_present(self) -> bool:
        g = self.plant.grid
        return g.output_on and min(g.present_voltage_v()) > 100.0

    async def _supervise(self) -> None:
        try:
            while True:
                now = time.monotonic()
                present = self._supply_present()
                if present:
                    self._unpowered_since = None
                elif self._unpowered_since is None:
                    self._unpowered_since = now
                if self.firmware is None and present:
                    await self._power_up("PowerUp" if self._reset_kind is None else "RemoteReset")
                elif self.firmware is not None and self._unpowered_since is not None and now - self._unpowered_since > HOLD_UP_S:
                    log.info("%s: supply lost", self.config.station_id)
                    await self._power_down()
                elif self.firmware is not None and self._reset_at is not None and now >= self._reset_at \
                        and (not self.firmware.queue or now >= self._reset_at + RESET_FLUSH_S):  # messages out first
                    await self._power_down()
                    self._reset_at = None
                    await self._power_up("RemoteReset")
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # a crash of the charger must show as one (the rig reports it as an error)
            self.crashed = e
            log.exception("%s: the virtual charger crashed", self.config.station_id)
            raise

    async def _power_up(self, reason: str) -> None:
        self.last_reset, self._reset_kind = self._reset_kind, None
        self.boots.append(reason)
        self.firmware = Firmware(self, reason)
        await self.firmware.start()

    async def _power_down(self) -> None:
        fw, self.firmware = self.firmware, None
        if fw is not None:
            await fw.stop()

    def schedule_reset(self, kind: str) -> None:
        """Called by the firmware: an Immediate reset happens now (after the answer went out); an
        OnIdle one when the transaction has ended."""
        self._reset_kind = kind
        fw = self.firmware
        if kind == "OnIdle" and fw is not None and fw.tx.tx is not None and not fw.faults.on("reset-on-idle-interrupts"):
            return  # transaction_ended() sets it off
        self._reset_at = time.monotonic() + RESET_DELAY_S

    def transaction_ended(self) -> None:
        if self._reset_kind == "OnIdle" and self._reset_at is None:
            self._reset_at = time.monotonic() + RESET_DELAY_S

    # ---- a thread of its own -------------------------------------------------------------------
    def start_thread(self, timeout_s: float = 10.0) -> VirtualCharger:
        """Runs the charger on its own loop in a daemon thread."""
        ready = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=main, name=f"charger-{self.config.station_id}", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise TimeoutError("the virtual charger did not start")
        return self

    def stop_thread(self, timeout_s: float = 10.0) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout_s)
            self._thread = None

    def run(self, coro: Any, timeout_s: float = 30.0) -> Any:
        """Runs ``coro`` on the charger's loop from another thread and returns its result."""
        assert self._loop is not None
        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout_s)

    # ---- a person at the charger ---------------------------------------------------------------
    async def tap(self, id_token: str, token_type: str = "ISO14443") -> str:
        """A card at the reader (the EIM path): the CSMS's answer to Authorize."""
        if self.firmware is None:
            raise RuntimeError("the charger has no power")
        return await self.firmware.ev_facing.tap(id_token, token_type)

    def insert_battery(self, serial: str, soc: float, *, soh: float = 90.0, capacity_wh: float = 1_500.0) -> str:
        """A driver puts a battery into the swap station's free slot: "Accepted", or why not."""
        from hilbench.sim.charger.swap_station import Battery

        swap = self._swap_station()
        return swap.insert(Battery(serial, soc, soh, capacity_wh))

    def take_battery(self) -> dict[str, Any] | None:
        """The driver takes the battery the swap station releases (its serial, soC, soH), or None."""
        battery = self._swap_station().take()
        return None if battery is None else {"serialNumber": battery.serial, "soC": battery.soc, "soH": battery.soh}

    def _swap_station(self) -> Any:
        if self.firmware is None or self.firmware.swap is None:
            raise RuntimeError("not a powered battery swap station")
        return self.firmware.swap

    def display_qr(self, evse_id: int = 1) -> str | None:
        """The payment URL the display shows as a QR code at ``evse_id`` (None: none shown)."""
        return self.firmware.web_payment.qr_url(evse_id) if self.firmware is not None else None

    def psp_answers(self, outcome: str) -> None:
        """How the payment service provider behind the terminal answers the next settlement:
        Settled, Rejected or Failed (unreachable)."""
        if outcome not in ("Settled", "Rejected", "Failed"):
            raise ValueError(f"a payment service provider answers Settled, Rejected or Failed, not {outcome!r}")
        if self.firmware is None:
            raise RuntimeError("the charger has no power")
        self.firmware.payment.psp_next = outcome

    async def pay(self, brand: str = "VISA", recognition: str = "CC", vat_number: str | None = None) -> str:
        """A bank card at the payment terminal (ad hoc payment), a VAT number entered for a company
        receipt: "Accepted" when the charger authorized the driver with it."""
        if self.firmware is None:
            raise RuntimeError("the charger has no power")
        return await self.firmware.payment.present(brand, recognition, vat_number)
