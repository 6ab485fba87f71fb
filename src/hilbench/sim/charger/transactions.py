"""Transactions of the virtual charger (OCPP 2.1 block E): when one starts and stops (the device
model's TxStartPoint / TxStopPoint over what the plant shows), its events with seqNo from 0 without
gaps, trigger and stopped reasons, sampled meter values (periodic, clock-aligned, begin and end,
signed where SampledDataCtrlr.SignReadings says so), the limits a CSMS sets (maxEnergy, maxTime,
maxSoC), and its state in the state folder so that a charger that loses power resumes it
(TxResumed within TxCtrlr.ResumptionTimeout, else Ended with AbnormalCondition)."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hilbench.ocpp.defaults import now_iso
from hilbench.sim.charger.device_model import DeviceModel
from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.meter import Meter
from hilbench.sim.charger.signed_meter import OcmfSigner, reading

#: Stopped reasons by the trigger that ends a transaction (ReasonEnumType spellings).
STOPPED = {"EnergyLimitReached": "EnergyLimitReached", "TimeLimitReached": "TimeLimitReached",
           "SoCLimitReached": "SOCLimitReached", "RemoteStop": "Remote", "StopAuthorized": "Local",
           "EVCommunicationLost": "EVDisconnected", "Deauthorized": "DeAuthorized", "ResetCommand": "ImmediateReset",
           "AbnormalCondition": "PowerLoss", "EVConnectTimeout": "Timeout"}


@dataclass
class Conditions:
    """What the charger sees at one instant, for TxStartPoint / TxStopPoint."""

    ev_connected: bool = False
    authorized: bool = False
    power_path_closed: bool = False
    energy_transfer: bool = False

    def holds(self, point: str) -> bool:
        return {"EVConnected": self.ev_connected, "Authorized": self.authorized, "PowerPathClosed": self.power_path_closed,
                "EnergyTransfer": self.energy_transfer, "ParkingBayOccupancy": self.ev_connected,
                "DataSigned": self.authorized}.get(point, False)


@dataclass
class Transaction:
    transaction_id: str
    evse_id: int = 1
    seq_no: int = 0
    started_at: str = ""
    started_monotonic: float = 0.0
    id_token: dict[str, Any] | None = None
    remote_start_id: int | None = None
    limits: dict[str, Any] = field(default_factory=dict)
    start_import_wh: float = 0.0
    start_export_wh: float = 0.0
    charging_state: str = "EVConnected"
    last_periodic: float = 0.0
    ev_seen: bool = False  #: an EV was connected during it (an EVConnected stop point is its leaving)
    #: wall-clock seconds of the last save: a restarted charger measures its outage from here
    saved_at: float = 0.0
    operation_mode: str = "ChargingOnly"
    reported_limits: dict[str, Any] = field(default_factory=dict)
    #: The energy is suspended at the transaction's maxCost (E16.FR.05) until the CSMS raises it.
    cost_limited: bool = False


class Transactions:
    """One EVSE's transaction. ``emit(action, payload)`` sends (through the queue)."""

    def __init__(self, dm: DeviceModel, meter: Meter, signer: OcmfSigner, faults: Faults,
                 emit: Callable[[str, dict[str, Any]], None], *, state_file: Path | None = None, evse_id: int = 1,
                 charge_point: str = "") -> None:
        self.dm, self.meter, self.signer, self.faults, self.emit = dm, meter, signer, faults, emit
        self.state_file, self.evse_id, self.charge_point = state_file, evse_id, charge_point
        self.tx: Transaction | None = None
        self.ended: list[dict[str, Any]] = []  #: finished transactions (id, reason), for reports
        self._last_conditions = Conditions()
        self._pending_trigger: str | None = None  #: what made the last condition change (for Started)
        self._last_clock: float | None = None
        #: Called before the end reading (the firmware opens the power path: energy stops first) and
        #: with the transaction that just ended (the firmware clears its authorization).
        self.on_stopping: Callable[[], None] = lambda: None
        self.on_end: Callable[[Transaction], None] = lambda _tx: None
        #: The transaction's cost (``billing.Billing``): None on a charger that does not bill.
        self.billing: Any = None

    # ---- persistence ---------------------------------------------------------------------------
    def save(self) -> None:
        if self.state_file is None:
            return
        if self.tx is None:
            self.state_file.unlink(missing_ok=True)
            return
        self.tx.saved_at = time.time()
        self.state_file.write_text(json.dumps(asdict(self.tx)), encoding="utf-8")

    def restore(self) -> Transaction | None:
        """A transaction that was running when the charger lost power (None when there was none)."""
        if self.state_file is None or not self.state_file.exists():
            return None
        try:
            return Transaction(**json.loads(self.state_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    # ---- the event -----------------------------------------------------------------------------
    def event(self, event_type: str, trigger: str, *, context: str | None = None, measurands: list[str] | None = None,
              extra: dict[str, Any] | None = None, info: dict[str, Any] | None = None, signed: str | None = None) -> None:
        tx = self.tx
        assert tx is not None
        payload: dict[str, Any] = {
            "eventType": event_type, "timestamp": now_iso(), "triggerReason": trigger, "seqNo": tx.seq_no,
            "transactionInfo": {"transactionId": tx.transaction_id, "chargingState": tx.charging_state, **(info or {})},
        }
        if tx.operation_mode != "ChargingOnly":
            payload["transactionInfo"]["operationMode"] = tx.operation_mode
        if event_type == "Started":
            payload["evse"] = {"id": self.evse_id, "connectorId": 1}
            if tx.remote_start_id is not None and not self.faults.on("remote-start-id-missing"):
                payload["transactionInfo"]["remoteStartId"] = tx.remote_start_id
        if context is not None and measurands:
            values = self.meter.sampled_values(measurands, context)
            if signed is not None:
                self._sign(values, signed)
            if values:
                payload["meterValue"] = [{"timestamp": now_iso(), "sampledValue": values}]
        payload.update(extra or {})
        tx.seq_no += 1
        self.save()
        self.emit("TransactionEvent", payload)

    def _sign(self, values: list[dict[str, Any]], kind: str) -> None:
        """Puts an OCMF record on the import register's sampled value: B (begin), C (a reading
        while charging) and E (end) in the transaction context T; F a fiscal reading outside one."""
        if not self.dm.get_bool("SampledDataCtrlr", "SignReadings"):
            return
        register = next((v for v in values if v.get("measurand") == "Energy.Active.Import.Register"), None)
        if register is None:
            return
        tx = self.tx
        kwh = register["value"] / 1000.0
        if kind == "B" and self.faults.on("ocmf-reading-not-monotonic"):
            kwh += 1.0  # the begin reading signed 1 kWh high: the end reading comes out below it
        token = (tx.id_token or {}).get("idToken") if tx is not None and kind != "F" else None
        record = self.signer.record("F" if kind == "F" else "T",
                                    [reading(dt.datetime.now(dt.timezone.utc), None if kind == "F" else kind, kwh)],
                                    id_token=token, charge_point=self.charge_point,
                                    break_signature=kind == "E" and self.faults.on("ocmf-bad-signature-end"))
        policy = self.dm.value("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue") or "Never"
        with_key = policy == "EveryMeterValue" or (policy == "OncePerTransaction" and kind in ("B", "F"))
        register["signedMeterValue"] = self.signer.signed_meter_value(record, with_key=with_key)

    def fiscal_values(self, measurands: list[str], context: str) -> list[dict[str, Any]]:
        """Sampled values outside a transaction, the register signed as a fiscal (F) record."""
        values = self.meter.sampled_values(measurands, context)
        self._sign(values, "F")
        return values

    # ---- start and stop ------------------------------------------------------------------------
    def start(self, trigger: str, *, id_token: dict[str, Any] | None, remote_start_id: int | None) -> Transaction:
        self.meter.update()
        tx = Transaction(str(uuid.uuid4()), self.evse_id, started_at=now_iso(), started_monotonic=time.monotonic(),
                         id_token=id_token, remote_start_id=remote_start_id, start_import_wh=self.meter.import_wh,
                         start_export_wh=self.meter.export_wh, last_periodic=time.monotonic())
        self.tx = tx
        extra = {"idToken": id_token} if id_token else {}
        tariff_id = self.billing.begin(tx) if self.billing is not None else None
        self.event("Started", trigger, context="Transaction.Begin", measurands=self.dm.get_list("SampledDataCtrlr", "TxStartedMeasurands"),
                   extra=extra, signed="B", info={"tariffId": tariff_id} if tariff_id else None)
        return tx

    def stop(self, trigger: str, *, stopped_reason: str | None = None, offline: bool = False) -> None:
        tx = self.tx
        if tx is None:
            return
        self.on_stopping()
        reason = stopped_reason or STOPPED.get(trigger, "Other")
        if trigger == "EVCommunicationLost" and self.faults.on("unplug-stop-reason-wrong"):
            reason = "Local"
        if self.faults.on("limit-stop-wrong-reason") and trigger in ("EnergyLimitReached", "TimeLimitReached", "SoCLimitReached"):
            reason = "Other"
        tx.charging_state = "Idle" if not self._last_conditions.ev_connected else "EVConnected"
        measurands = self.dm.get_list("SampledDataCtrlr", "TxEndedMeasurands") or ["Energy.Active.Import.Register"]
        if "Energy.Active.Import.Register" not in measurands:
            measurands = ["Energy.Active.Import.Register", *measurands]
        extra = {"idToken": tx.id_token} if tx.id_token and trigger == "StopAuthorized" else {}
        cost = self.billing.details() if self.billing is not None else None
        if cost is not None:
            extra["costDetails"] = cost
        self.event("Ended", trigger, context="Transaction.End", measurands=measurands, extra=extra,
                   info={"stoppedReason": reason}, signed="E")
        self.ended.append({"transactionId": tx.transaction_id, "trigger": trigger, "stoppedReason": reason})
        self.tx = None
        if self.billing is not None:
            self.billing.end(tx)
        self.save()
        self.on_end(tx)

    # ---- every tick ----------------------------------------------------------------------------
    def tick(self, c: Conditions, charging_state: str, *, id_token: dict[str, Any] | None, remote_start_id: int | None,
             soc_percent: float | None, trigger_hint: str | None = None) -> None:
        """Starts, stops and updates the transaction from what the charger sees now."""
        previous, self._last_conditions = self._last_conditions, c
        if trigger_hint:
            self._pending_trigger = trigger_hint
        starts = self.dm.get_list("TxCtrlr", "TxStartPoint") or ["PowerPathClosed"]
        stops = self.dm.get_list("TxCtrlr", "TxStopPoint") or ["EVConnected", "Authorized"]
        if self.tx is None:
            if any(c.holds(p) for p in starts):
                trigger = self._pending_trigger or _start_trigger(previous, c)
                self._pending_trigger = None
                started = self.start(trigger, id_token=id_token if c.authorized else None, remote_start_id=remote_start_id)
                started.charging_state = charging_state
            return
        tx = self.tx
        tx.ev_seen = tx.ev_seen or c.ev_connected
        for point in stops:
            if not c.holds(point):
                if point in ("EVConnected", "ParkingBayOccupancy"):
                    if not tx.ev_seen:
                        continue  # started before any EV (TxStartPoint Authorized): nothing has left yet
                    self.stop("EVCommunicationLost")
                elif point in ("Authorized", "DataSigned"):
                    self.stop(self._pending_trigger or "Deauthorized")
                    self._pending_trigger = None
                else:  # PowerPathClosed / EnergyTransfer ended
                    self.stop("ChargingStateChanged", stopped_reason="StoppedByEV")
                return
        if c.authorized and not previous.authorized and tx.id_token is None and id_token is not None:
            tx.id_token = id_token
            tariff_id = self.billing.authorized(tx) if self.billing is not None else None
            self.event("Updated", self._pending_trigger or "Authorized", extra={"idToken": id_token},
                       info={"tariffId": tariff_id} if tariff_id else None)
            self._pending_trigger = None
        if charging_state != tx.charging_state:
            tx.charging_state = charging_state
            self.event("Updated", "ChargingStateChanged")
        self._limits(soc_percent)
        if self.tx is not None:
            self._periodic()

    def _periodic(self) -> None:
        tx = self.tx
        assert tx is not None
        interval = 60 if self.faults.on("meter-values-interval-ignored") else self.dm.get_int("SampledDataCtrlr", "TxUpdatedInterval")
        now = time.monotonic()
        if interval > 0 and now - tx.last_periodic >= interval:
            tx.last_periodic = now
            measurands = ["Energy.Active.Import.Register"] if self.faults.on("measurands-config-ignored") \
                else self.dm.get_list("SampledDataCtrlr", "TxUpdatedMeasurands")
            self.event("Updated", "MeterValuePeriodic", context="Sample.Periodic", measurands=measurands, signed="C")

    def clock_aligned_due(self) -> bool:
        """Whether a clock-aligned sample is due (AlignedDataCtrlr.Interval, aligned to midnight UTC)."""
        interval = self.dm.get_int("AlignedDataCtrlr", "Interval")
        if interval <= 0 or self.faults.on("aligned-data-ignored"):
            return False
        slot = int(time.time() // interval)
        due = self._last_clock is not None and slot != self._last_clock
        self._last_clock = slot
        return due

    def set_limit(self, limit: dict[str, Any]) -> None:
        """The CSMS's transactionLimit (TransactionEventResponse): reported back with LimitSet."""
        tx = self.tx
        if tx is None or not limit or limit == tx.limits:
            return
        tx.limits = dict(limit)
        self.event("Updated", "LimitSet", info={"transactionLimit": dict(limit)})
        if tx.cost_limited and self.billing is not None:  # a raised cost limit lets the energy flow again
            total = self.billing.total()
            tx.cost_limited = "maxCost" in limit and total is not None and total >= float(limit["maxCost"])

    def _limits(self, soc_percent: float | None) -> None:
        tx = self.tx
        assert tx is not None
        limits = tx.limits
        if "maxEnergy" in limits and not self.faults.on("ignores-max-energy"):
            self.meter.update()
            if self.meter.import_wh - tx.start_import_wh >= float(limits["maxEnergy"]):
                self.stop("EnergyLimitReached")
                return
        if "maxCost" in limits and self.billing is not None and not tx.cost_limited and not self.faults.on("ignores-max-cost"):
            total = self.billing.total(incl_tax=not self.faults.on("prepaid-limit-overrun"))
            if total is not None and total >= float(limits["maxCost"]):
                tx.cost_limited, tx.charging_state = True, "SuspendedEVSE"
                self.event("Updated", "CostLimitReached")
        if "maxTime" in limits and time.monotonic() - tx.started_monotonic >= float(limits["maxTime"]):
            self.stop("TimeLimitReached")
            return
        if "maxSoC" in limits and soc_percent is not None and soc_percent >= float(limits["maxSoC"]):
            self.stop("SoCLimitReached")


def _start_trigger(previous: Conditions, now: Conditions) -> str:
    """The trigger of Started: whatever completed the start condition last."""
    if now.authorized and not previous.authorized:
        return "Authorized"
    if now.ev_connected and not previous.ev_connected:
        return "CablePluggedIn"
    if now.energy_transfer and not previous.energy_transfer:
        return "ChargingStateChanged"
    return "EVDetected"
