"""One boot of the virtual charger: from power-up (or a reset) to the next power loss or reset. It
connects to the CSMS (retrying with back-off), boots as OCPP 2.1 says (no transaction messages while
Pending, the retry after the CSMS's interval), heartbeats at the device model's interval, sends its
transaction messages in order through the persisted queue, and runs the control loop: the EVSE's
state from the plant, the power stage, the transaction's start and stop, status notifications and
clock-aligned values. The CSMS-initiated calls are answered in ``handlers.py``; the EV side runs in
``ev_side.py``. Everything that must outlive a power cut is in the charger's state folder."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
import datetime as dt
import logging
import random
import time
from typing import TYPE_CHECKING, Any

from hilbench.errors import CallErrorReceived, CallTimeout, HilbenchError
from hilbench.ocpp import frames
from hilbench.ocpp.defaults import now_iso
from hilbench.ocpp.session import Delay
from hilbench.ocpp.station import Station
from hilbench.pki import load as load_pki
from hilbench.sim.charger import tls_client
from hilbench.sim.charger.billing import Billing
from hilbench.sim.charger.certificates import CertificateStore
from hilbench.sim.charger.der import DerControls
from hilbench.sim.charger.device_model import DeviceModel
from hilbench.sim.charger.ev_facing import EvFacing
from hilbench.sim.charger.ev_side import PlantEvse
from hilbench.sim.charger.handlers import Handlers
from hilbench.sim.charger.meter import Meter
from hilbench.sim.charger.network import NetworkProfiles
from hilbench.sim.charger.payment import PaymentTerminal
from hilbench.sim.charger.power_stage import EvLimits, PowerStage
from hilbench.sim.charger.queue import MessageQueue
from hilbench.sim.charger.reactive import ReactivePower
from hilbench.sim.charger.signed_meter import OcmfSigner
from hilbench.sim.charger.smart_charging import ChargingProfiles
from hilbench.sim.charger.swap_station import SwapStation
from hilbench.sim.charger.transactions import Conditions, Transactions
from hilbench.sim.charger.web_payment import WebPayment
from hilbench.v2g.transport import SeccServer

if TYPE_CHECKING:
    from hilbench.sim.charger.charger import VirtualCharger

log = logging.getLogger("hilbench.charger")
#: Below this the power stage counts as idle, W.
FLOWING_W = 10.0


class Firmware:
    def __init__(self, hw: VirtualCharger, boot_reason: str) -> None:
        self.hw, self.config, self.plant = hw, hw.config, hw.plant
        c = self.config
        self.faults = c.faults
        self.boot_reason = boot_reason
        state = c.state_dir
        self.evseid = f"DE*HIL*E{''.join(ch for ch in c.station_id if ch.isalnum())[-4:].upper():0>4}"
        dm_state = state / "device_model.json" if state else None
        if dm_state is not None and self.faults.on("settings-lost-on-reboot"):
            dm_state.unlink(missing_ok=True)
        self.network = NetworkProfiles(c, state, self.faults)
        self.dm = DeviceModel.load(c.variant, state_file=dm_state, overrides=self._runtime_values())
        self.dm.apply_pending()
        self.network.start(self.dm)
        self.meter = Meter(self.plant, dc=c.dc, faults=self.faults, state_file=state / "meter.json" if state else None)
        self.signer = OcmfSigner(state / "meter_key.pem" if state else None, c.ocmf_curve,
                                 meter_serial=f"{c.station_id}-M1", gateway_id=c.station_id, current_type="DC" if c.dc else "AC")
        if hw.signer_pages is not None:
            self.signer.pages = hw.signer_pages  # the meter's counters survive a reboot
        hw.signer_pages = self.signer.pages
        self.queue = MessageQueue(state / "queue.jsonl" if state else None, max_len=c.offline_queue_max)
        self.pki = load_pki(c.pki_dir) if c.pki_dir else None
        self.certificates = CertificateStore(state, c.station_id, self.pki.ca.cert if self.pki else None, self.faults)
        self.profiles = ChargingProfiles(max_stack_level=_int(self.dm, "SmartChargingCtrlr", "ProfileStackLevel", 8),
                                         max_periods=_int(self.dm, "SmartChargingCtrlr", "PeriodsPerSchedule", 24), dc=c.dc,
                                         faults=self.faults)
        assert c.max_power_w is not None and c.max_discharge_power_w is not None
        self.power_stage = PowerStage(self.plant, max_charge_w=c.max_power_w, max_discharge_w=c.max_discharge_power_w,
                                      ramp_w_per_s=c.ramp_w_per_s, response_time_s=c.response_time_s,
                                      efficiency=c.efficiency, faults=self.faults, ac_outlet=not c.dc)
        self.tx = Transactions(self.dm, self.meter, self.signer, self.faults, self.emit,
                               state_file=state / "transaction.json" if state else None, charge_point=self.evseid)
        self.tx.on_end = self._transaction_ended
        self.tx.on_stopping = self._open_power_path
        self.billing = Billing(self)
        self.tx.billing = self.billing
        self.payment = PaymentTerminal(self)
        self.web_payment = WebPayment(self)
        self.swap = SwapStation(self, c.swap_slots) if c.swap_slots else None
        self.handlers = Handlers(self)
        self.ev_facing = EvFacing(self)
        self.station: Station | None = None
        self.online = False
        self.boot_status: str | None = None
        self.boot_interval = 0
        #: The authorization in force: the idToken and whether the CSMS (or a remote start) allowed it.
        self.id_token: dict[str, Any] | None = None
        self.authorized = False
        self.remote_start_id: int | None = None
        self._trigger_hint: str | None = None
        self.available = True
        self.unavailable_after_tx = False
        #: The energy transfers the CSMS allowed a driver (idToken, modes) in the AuthorizeResponse;
        #: NotifyAllowedEnergyTransfer replaces the modes during a transaction.
        self.allowed_energy_transfer: tuple[str, list[str]] | None = None
        #: AFRRSignal: (active from, signal), oldest first.
        self.afrr_signals: list[tuple[dt.datetime, int]] = []
        self.der = DerControls(self.faults)
        self.reactive = ReactivePower(self.plant, self.der, rated_var=c.max_reactive_power_var, rated_va=c.max_power_w,
                                      nominal_v=c.grid_nominal_voltage_v, response_time_s=c.response_time_s,
                                      faults=self.faults)
        self.connector_status: str | None = None
        self.hlc: PlantEvse | None = None
        self.hlc_active = False
        #: The EV asked for energy (PowerDelivery Start) in its ISO 15118-20 session.
        self.hlc_energy = False
        self.needs_answered = False
        self.contract_status: str | None = None  #: the CSMS's verdict on the EV's contract (PnC)
        self.secc_server: SeccServer | None = None
        #: Every ISO 15118-20 message of this boot's sessions: (direction, name, body).
        self.secc_messages: deque[tuple[str, str, dict[str, Any]]] = deque(maxlen=10_000)
        self._sdp: Any = None
        self.events: list[tuple[float, str]] = []  #: what the firmware did, for tests and reports
        self._tasks: list[asyncio.Task[Any]] = []
        self.ticks = 0  #: control loop passes since boot (its achieved rate, for benches)
        #: Security events that happened while the charger could not send them.
        self._security_pending: list[tuple[str, str]] = []
        self.dm.on_change(self._security_change)
        self._reset: str | None = hw.last_reset

    def _runtime_values(self) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
        """What this charger knows of itself at start: its identity, profile, ratings and clock."""
        c = self.config
        evse = {"evse": 1}
        values = [("SecurityCtrlr", "SecurityProfile", {}, {"Actual": str(c.security_profile)}),
                  ("SecurityCtrlr", "Identity", {}, {"Actual": c.station_id}),
                  ("ChargingStation", "SerialNumber", {}, {"Actual": f"{c.station_id}-SN"}),
                  ("EVSE", "Power", evse, {"MaxSet": f"{c.max_power_w:g}"}),
                  ("EVSE", "DischargePower", evse, {"MaxSet": f"{c.max_discharge_power_w:g}"}),
                  ("EVSE", "EvseId", evse, {"Actual": self.evseid}),
                  ("EVSE", "ISO15118EvseId", evse, {"Actual": self.evseid}),
                  ("ISO15118Ctrlr", "SeccId", {}, {"Actual": self.evseid}),
                  ("ISO15118Ctrlr", "SeccId", evse, {"Actual": self.evseid}),
                  ("ClockCtrlr", "DateTime", {}, {"Actual": now_iso()})]
        return values

    def clock(self) -> float:
        return time.monotonic()

    def note(self, what: str) -> None:
        self.events.append((time.monotonic(), what))
        log.info("%s: %s", self.config.station_id, what)

    # ---- life cycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self._resume_check()
        await self.ev_facing.start_secc()  # the EV side listens before the charger shows itself to the CSMS
        self._tasks = [asyncio.create_task(self._connection_loop(), name="connection"),
                       asyncio.create_task(self._control_loop(), name="control"),
                       asyncio.create_task(self._queue_sender(), name="queue")]

    async def stop(self) -> None:
        """Power off: every task ends, nothing more is sent; the state folder keeps what matters."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self.power_stage.output_w = 0.0
        self.plant.set_charger_power(0.0)
        self.meter.update()
        self.meter.save()
        if self._sdp is not None:
            self._sdp.close()
        if self.secc_server is not None:
            await self.secc_server.close()
        if self.station is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.station.close(), 2.0)

    # ---- OCPP connection and boot ---------------------------------------------------------------
    async def _connection_loop(self) -> None:
        c = self.config
        attempt = 0
        while True:
            slot = self.network.current()
            context = (tls_client.client_context(c, self.pki, self.certificates.installed(), slot.security_profile)
                       if self.pki is not None and slot.security_profile in (2, 3) else None)
            station = Station(slot.url, c.station_id, version="2.1", security_profile=slot.security_profile,
                              password=self._password(slot.password),
                              pki=self.pki, ssl_context=context,
                              handlers=self.handlers.table(), call_timeout_s=c.call_timeout_s, hook=self._ocpp_hook,
                              vendor="hilbench", model=f"VirtualCharger-{c.variant.upper()}",
                              serial_number=f"{c.station_id}-SN")
            try:
                await station.connect()
            except HilbenchError as e:
                attempt += 1
                wait = self._backoff(attempt)
                event = ("FailedToAuthenticateAtCsms", str(e)[:255]) if "HTTP 401" in str(e) else \
                    tls_client.security_event(e)
                if event is not None and event[0] not in {kind for kind, _ in self._security_pending}:
                    self._security_pending.append(event)  # once per kind until it can be sent
                self.network.failed(_int(self.dm, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 3))
                self.note(f"connect failed ({e}); retry in {wait:.2f} s")
                await asyncio.sleep(wait)
                continue
            attempt = 0
            self.network.connected(self.dm)
            self.station = station
            self.online = True
            assert station.link is not None
            try:
                if self.boot_status != "Accepted":
                    await self._boot()
                else:
                    self.note("reconnected")
                    self._send_pending_security_events([])
                    if self.faults.on("seqno-gap-after-reconnect") and self.tx.tx is not None:
                        self.tx.tx.seq_no += 1
                await station.link.closed.wait()
            except (HilbenchError, ConnectionError) as e:
                self.note(f"connection lost during boot: {e}")
            finally:
                self.online = False
                self.note("offline")
                with contextlib.suppress(Exception):
                    await station.close()
                self.station = None
            await asyncio.sleep(self._backoff(1))

    def _password(self, configured: str | None) -> str | None:
        """The Basic-auth password: the one the CSMS set last (A01), else the network slot's."""
        if self.faults.on("password-change-ignored"):
            return configured
        return self.dm.value("SecurityCtrlr", "BasicAuthPassword") or configured

    def _backoff(self, attempt: int) -> float:
        base = _int(self.dm, "OCPPCommCtrlr", "RetryBackOffWaitMinimum", 1)
        spread = _int(self.dm, "OCPPCommCtrlr", "RetryBackOffRandomRange", 0)
        repeats = _int(self.dm, "OCPPCommCtrlr", "RetryBackOffRepeatTimes", 3)
        return base * 2 ** min(attempt - 1, repeats) + random.uniform(0, spread)

    async def _boot(self) -> None:
        c = self.config
        reason = "PowerUp" if self.faults.on("boot-reason-wrong-after-reset") else self.boot_reason
        payload = {"reason": reason, "chargingStation": {
            "model": f"VirtualCharger-{c.variant.upper()}", "vendorName": "hilbench", "serialNumber": f"{c.station_id}-SN",
            "firmwareVersion": "hilbench-vc-1"}}
        while True:
            res = await self.call("BootNotification", payload)
            self.boot_status = res["status"]
            self.boot_interval = int(res.get("interval") or 0)
            self.note(f"boot {self.boot_status} (interval {self.boot_interval} s)")
            if self.boot_status == "Accepted":
                break
            if self.boot_status == "Rejected" and self.faults.on("boot-retry-too-early"):
                await asyncio.sleep(1.0)
            else:
                await asyncio.sleep(max(1, self.boot_interval or 30))
            if self.boot_status == "Accepted":  # a TriggerMessage(BootNotification) got it accepted meanwhile
                break
        if self.boot_interval > 0:
            self.dm.set_actual("OCPPCommCtrlr", "HeartbeatInterval", str(self.boot_interval))
        self.connector_status = None  # report the connector afresh
        self._tasks.append(asyncio.create_task(self._heartbeats(), name="heartbeat"))
        first: list[tuple[str, str]] = []
        if self._reset is not None:
            if not self.faults.on("no-security-event-on-reset"):
                first.append(("ResetOrReboot", f"{self._reset} reset"))
        elif self.boot_reason == "PowerUp":
            first.append(("StartupOfTheDevice", "power up"))
        self._send_pending_security_events(first)

    def _send_pending_security_events(self, first: list[tuple[str, str]]) -> None:
        """``first``, then what happened while the charger could not tell (a refused connection)."""
        events = first + self._security_pending
        self._security_pending.clear()
        for kind, info in events:  # a CSMS that refuses them must not undo the boot
            self.spawn(self.security_event(kind, info), "SecurityEventNotification")

    async def _heartbeats(self) -> None:
        changed = asyncio.Event()
        self.dm.on_change(lambda var, _kind: changed.set() if var.name == "HeartbeatInterval" else None)
        while True:
            interval = self.boot_interval if self.faults.on("heartbeat-interval-ignored") else \
                self.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval")
            changed.clear()
            try:  # a new interval applies at once, not after the old one ran out
                await asyncio.wait_for(changed.wait(), max(1, interval))
                continue
            except asyncio.TimeoutError:
                pass
            if self.online:
                with contextlib.suppress(HilbenchError):
                    await self.call("Heartbeat", {})

    async def call(self, action: str, payload: dict[str, Any], *, validate: bool | None = None) -> dict[str, Any]:
        if self.station is None or self.station.link is None:
            raise HilbenchError(f"{action}: offline")
        return await self.station.link.call(action, payload, validate=validate)

    def spawn(self, coro: Any, name: str) -> None:
        """A call in the background, whose failure is noted, never raised into the loop."""
        async def guarded() -> None:
            try:
                await coro
            except (HilbenchError, ConnectionError) as e:
                self.note(f"{name} failed: {e}")
        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def security_event(self, kind: str, info: str) -> None:
        if self.online or self.station is not None:
            await self.call("SecurityEventNotification", {"type": kind, "timestamp": now_iso(), "techInfo": info[:255]})

    def _security_change(self, var: Any, _kind: str) -> None:
        if var.component == "SecurityCtrlr" and self.online and not self.faults.on("no-security-event-on-reconfiguration"):
            self.spawn(self.security_event("ReconfigurationOfSecurityParameters", f"{var.component}.{var.name} changed"),
                       "SecurityEventNotification")

    def _ocpp_hook(self, direction: str, text: str) -> Any:
        """Faults on the wire: a late answer to GetVariables, silence on a malformed CALL."""
        if direction == "out" and self.faults.on("answers-call-after-timeout") and text.startswith("[3,") \
                and '"getVariableResult"' in text:
            return Delay(text, 35.0)
        if direction == "out" and self.faults.on("no-callresulterror") and text.startswith("[5,"):
            return None
        if direction == "in" and self.faults.on("answers-send") and text.startswith("[6,"):
            self._answer_send(text)
        if direction == "in" and self.faults.on("callerror-missing-for-malformed-call") and text.startswith("[2") \
                and not _well_formed(text):
            return None  # a malformed or schema-breaking CALL goes unanswered
        return text

    def _answer_send(self, text: str) -> None:
        """Fault answers-send: a SEND taken for an unknown message type, as an OCPP 2.0.1 stack would."""
        try:
            uid = json.loads(text)[1]
        except (ValueError, IndexError):
            return
        link = self.station.link if self.station else None
        if link is not None and isinstance(uid, str):
            self.spawn(link.send_raw(frames.call_error(uid, "MessageTypeNotSupported", "unknown message type", {})),
                       "CALLERROR")

    # ---- the transaction message queue ---------------------------------------------------------
    def emit(self, action: str, payload: dict[str, Any]) -> None:
        """Queues a transaction-related message (TransactionEvent, NotifySettlement): sent in order,
        kept while offline."""
        offline = not self.online or self.boot_status != "Accepted"
        if offline and action == "TransactionEvent":
            if payload.get("eventType") == "Ended" and self.faults.on("drops-ended-while-offline"):
                self.note("Ended lost (fault)")
                return
            if not self.faults.on("offline-flag-missing"):
                payload["offline"] = True
        self.queue.put(action, payload)

    async def _queue_sender(self) -> None:
        while True:
            item = self.queue.head()
            may_send = self.online and (self.boot_status == "Accepted" or
                                        (self.boot_status == "Pending" and self.faults.on("pending-boot-sends-transactions")))
            if item is None or not may_send:
                await asyncio.sleep(0.02)
                continue
            attempts = _int(self.dm, "OCPPCommCtrlr", "MessageAttempts", 3, instance="TransactionEvent")
            try:
                res = await self.call(item["action"], item["payload"])
            except CallErrorReceived as e:
                item["attempts"] = item.get("attempts", 0) + 1
                if item["attempts"] >= attempts:
                    self.note(f"{item['action']} dropped after {attempts} attempts: {e}")
                    self.queue.pop()
                continue
            except CallTimeout:
                continue
            except HilbenchError:
                await asyncio.sleep(0.05)  # offline: wait for the connection
                continue
            self.queue.pop()
            self._transaction_answer(item["payload"], res)

    def _transaction_answer(self, sent: dict[str, Any], res: dict[str, Any]) -> None:
        info = res.get("idTokenInfo")
        tx = self.tx.tx
        if info is not None and info.get("status") != "Accepted" and tx is not None \
                and not self.faults.on("invalid-token-keeps-charging") \
                and tx.transaction_id == sent["transactionInfo"]["transactionId"]:
            self.note(f"idToken {info.get('status')}: deauthorized")
            self.authorized = False
            self._trigger_hint = "Deauthorized"
        if "transactionLimit" in res and tx is not None:
            self.tx.set_limit(res["transactionLimit"])

    # ---- the control loop ----------------------------------------------------------------------
    def _resume_check(self) -> None:
        """At boot: a transaction that was running when the power went (E17 in 2.1)."""
        saved = self.tx.restore()
        if saved is None:
            return
        if self.faults.on("no-resume-after-reboot"):
            self.tx.state_file.unlink(missing_ok=True)  # type: ignore[union-attr]
            self.note("forgot the running transaction (fault)")
            return
        outage = time.time() - saved.saved_at
        timeout = _int(self.dm, "TxCtrlr", "ResumptionTimeout", 0)
        saved.started_monotonic = time.monotonic() - (time.time() - _epoch(saved.started_at))
        saved.last_periodic = time.monotonic()
        self.tx.tx = saved
        self.id_token = saved.id_token
        self.remote_start_id = saved.remote_start_id
        self.profiles.tx_started[saved.transaction_id] = dt.datetime.fromtimestamp(_epoch(saved.started_at), dt.timezone.utc)
        if timeout > 0 and outage <= timeout:
            self.authorized = saved.id_token is not None or saved.remote_start_id is not None
            self.tx.event("Updated", "TxResumed")
            self.note(f"transaction {saved.transaction_id} resumed after {outage:.1f} s")
        else:
            self.tx.stop("AbnormalCondition", stopped_reason="PowerLoss")
            self.note(f"transaction {saved.transaction_id} ended after {outage:.1f} s without power")

    async def _control_loop(self) -> None:
        last_save = 0.0
        period = self.config.tick_s
        due = time.monotonic()
        while True:
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a firmware bug must show, not stop the charger silently
                log.exception("%s: control loop", self.config.station_id)
            now = time.monotonic()
            if now - last_save > 1.0:
                self.meter.save()
                last_save = now
            due += period  # on a fixed grid: late passes are made up, up to ten of them
            if due < now - 10 * period:
                due = now
            await asyncio.sleep(max(0.0, due - now))

    def tick(self) -> None:
        self.ticks += 1
        c, plant = self.config, self.plant
        if self.swap is not None:  # a swap station: its slots, not a plugged-in EV
            self.swap.tick()
            self._status(False, "A")
            return
        ev = plant.ev
        grid_ok = plant.grid.output_on and min(plant.grid.present_voltage_v()) > 100.0
        ev_connected = ev.cp_state in ("B", "C", "D")
        if ev.cp_state == "A" and self.hlc_active and (self.hlc is None or not self.hlc_energy):
            self.hlc_active = False  # unplugged: the next EV starts afresh (basic charging, or a new session)
        ev_ready = ev.cp_state in ("C", "D")
        self.ev_facing.connection_timeout(ev_connected)
        supply_ok = grid_ok and (plant.dc.output_on and plant.dc_terminal_voltage_v() >= (c.min_voltage_v or 0.0)
                                 if c.dc else True)
        # With an ISO 15118-20 session, energy flows from the EV's PowerDelivery Start to its Stop; a
        # DC charger has no other way (an AC one charges on the pilot alone without a session).
        hlc_allows = self.hlc_energy if c.dc else (self.hlc_energy or not self.hlc_active)
        path_closed = ev_connected and ev_ready and self.authorized and ev.contactor_closed and supply_ok and self.available \
            and self.tx.tx is not None and hlc_allows
        tx_id = self.tx.tx.transaction_id if self.tx.tx else None
        self.profiles.dc_voltage_v = plant.dc_terminal_voltage_v() or 400.0
        period = self.profiles.period_at(1, dt.datetime.now(dt.timezone.utc), tx_id)
        hlc = self.hlc.ev if self.hlc is not None and self.hlc_active else None
        bpt = bool(hlc and hlc.service in ("DC_BPT", "AC_BPT"))
        limits = EvLimits(hlc.max_charge_w, hlc.max_discharge_w, hlc.request_w) if hlc else EvLimits()
        now = dt.datetime.now(dt.timezone.utc)
        voltages_pct = tuple(100.0 * v / c.grid_nominal_voltage_v for v in plant.grid.present_voltage_v())
        for alarm in self.der.trips(time.monotonic(), voltages_pct, now):
            self.spawn(self.call("NotifyDERAlarm", alarm), "NotifyDERAlarm")
        cap = self.der.discharge_cap_w(now, limits.max_discharge_w)
        signal = next((v for at, v in reversed(self.afrr_signals) if at <= now), None)
        droop = self.der.droop_w(now, plant.grid.frequency_hz, c.grid_nominal_frequency_hz, c.max_power_w or 0.0)
        target = self.power_stage.target(period, limits, bpt=bpt, discharge_cap_w=cap, afrr_signal=signal, droop_w=droop) \
            if path_closed else 0.0
        cost_limited = self.tx.tx is not None and self.tx.tx.cost_limited
        if cost_limited:
            target = 0.0
        # a must-trip curve ceases the output at once, as an open power path does; it comes back as
        # an EnterService control allows
        share = self.der.service_share(time.monotonic(), voltages_pct, plant.grid.frequency_hz, now)
        output = self.power_stage.step(time.monotonic(), target * share, path_closed=path_closed and share > 0.0)
        self.reactive.step(time.monotonic(), now, energized=grid_ok and self.available and share > 0.0)
        self.meter.offered_w = max(0.0, target)
        if not ev_connected:
            state = "Idle"
        elif cost_limited:
            state = "SuspendedEVSE"
        elif abs(output) > FLOWING_W:
            state = "Charging"
        elif path_closed and abs(target) <= FLOWING_W:
            state = "SuspendedEVSE" if self.power_stage.mode == "Idle" or (period.limit_w == 0.0) else "SuspendedEV"
        else:
            state = "EVConnected"
        conditions = Conditions(ev_connected, self.authorized, ev_connected and ev_ready and self.authorized
                                and ev.contactor_closed, abs(output) > FLOWING_W)
        self.payment.tick()
        hint, self._trigger_hint = self._trigger_hint, None
        had_tx = self.tx.tx
        self.tx.tick(conditions, state, id_token=self.ev_facing.token_with_evccid(), remote_start_id=self.remote_start_id,
                     soc_percent=self.meter.soc_percent, trigger_hint=hint)
        if self.tx.tx is not None and had_tx is None:
            self.profiles.tx_started[self.tx.tx.transaction_id] = dt.datetime.now(dt.timezone.utc)
            self.handlers.transaction_started(self.tx.tx.transaction_id)
        if self.tx.tx is not None:
            self.payment.transaction_started(self.tx.tx)
        self.billing.tick()
        if self.tx.tx is not None and period.operation_mode != self.tx.tx.operation_mode:
            self.tx.tx.operation_mode = period.operation_mode
            if not self.faults.on("no-operation-mode-changed-event"):
                self.tx.event("Updated", "OperationModeChanged")
        self._status(ev_connected, ev.cp_state)
        self._clock_aligned()
        self.handlers.pull_dynamic_updates(now)

    def _open_power_path(self) -> None:
        """Energy stops before a transaction's end reading is taken."""
        self.power_stage.step(time.monotonic(), 0.0, path_closed=False)

    def _transaction_ended(self, tx: Any) -> None:
        self.profiles.end_transaction(tx.transaction_id)
        self.profiles.priority_charging = False  # UsePriorityCharging is for one transaction
        self.afrr_signals = []
        self.payment.transaction_ended(tx)
        self.authorized, self.id_token, self.remote_start_id = False, None, None
        self.allowed_energy_transfer = None
        if self.unavailable_after_tx:
            self.available, self.unavailable_after_tx = False, False
        self.hw.transaction_ended()

    def _status(self, ev_connected: bool, cp_state: str) -> None:
        status = "Unavailable" if not self.available else "Faulted" if cp_state in ("E", "F") else \
            "Occupied" if ev_connected else "Available"
        if status != self.connector_status and self.online and self.boot_status == "Accepted":
            first, self.connector_status = self.connector_status is None, status
            if first and self.faults.on("status-notification-missing-after-boot"):
                return
            self.spawn(self.call("StatusNotification", {"timestamp": now_iso(), "connectorStatus": status,
                                                        "evseId": 1, "connectorId": 1}), "StatusNotification")

    def _clock_aligned(self) -> None:
        """Clock-aligned values (AlignedDataCtrlr): in the transaction's events while one runs —
        unless SendDuringIdle says to send them only when idle — and as MeterValues otherwise."""
        if not self.tx.clock_aligned_due():
            return
        measurands = self.dm.get_list("AlignedDataCtrlr", "Measurands")
        if not measurands:
            return
        if self.tx.tx is not None:
            if not self.dm.get_bool("AlignedDataCtrlr", "SendDuringIdle"):
                self.tx.event("Updated", "MeterValueClock", context="Sample.Clock", measurands=measurands)
        elif self.online:
            values = self.tx.fiscal_values(measurands, "Sample.Clock")
            self.spawn(self.call("MeterValues", {"evseId": 1, "meterValue": [{"timestamp": now_iso(), "sampledValue": values}]}),
                       "MeterValues")

    # ---- resets --------------------------------------------------------------------------------
    def request_reset(self, kind: str) -> None:
        self._reset = kind
        self.hw.schedule_reset(kind)


def _well_formed(text: str) -> bool:
    """Whether ``text`` is a CALL the charger's session would take (valid frame, known action,
    payload within the schema)."""
    try:
        frames.parse(text, version="2.1")
    except HilbenchError:
        return False
    return True


def _int(dm: DeviceModel, component: str, variable: str, default: int, **kw: Any) -> int:
    try:
        return dm.get_int(component, variable, **kw)
    except (KeyError, ValueError):
        return default


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
