"""The virtual charger's answers to CSMS-initiated calls: the device model (GetVariables,
SetVariables, GetBaseReport, GetReport → NotifyReport in parts), resets, remote start and stop,
availability, trigger messages, and smart charging (SetChargingProfile, GetChargingProfiles →
ReportChargingProfiles, ClearChargingProfile, GetCompositeSchedule, UpdateDynamicSchedule,
UsePriorityCharging), DER control (SetDERControl, GetDERControl → ReportDERControl,
ClearDERControl). Calls the charger has no behaviour for get the plain conformant answers of
``hilbench.ocpp.defaults``; a rejection carries a statusInfo saying why."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from hilbench.ocpp import frames
from hilbench.ocpp.defaults import now_iso, station_handlers
from hilbench.ocpp.link import CallError

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware

Payload = dict[str, Any]


def _status(status: str, reason: str | None = None, info: str | None = None) -> Payload:
    out: Payload = {"status": status}
    if reason:
        out["statusInfo"] = {"reasonCode": reason} | ({"additionalInfo": info[:500]} if info else {})
    return out


class Handlers:
    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self._pending_profile: Payload | None = None  #: a RequestStartTransaction's TxProfile, until the transaction starts

    def table(self) -> dict[str, Any]:
        table: dict[str, Any] = dict(station_handlers())
        for action in ("GetVariables", "SetVariables", "GetBaseReport", "GetReport", "Reset", "RequestStartTransaction",
                       "RequestStopTransaction", "GetTransactionStatus", "TriggerMessage", "ChangeAvailability",
                       "SetChargingProfile", "GetChargingProfiles", "ClearChargingProfile", "GetCompositeSchedule",
                       "UpdateDynamicSchedule", "UsePriorityCharging", "NotifyAllowedEnergyTransfer", "UnlockConnector",
                       "CertificateSigned", "SetNetworkProfile", "SetDERControl", "GetDERControl", "ClearDERControl", "AFRRSignal",
                       "NotifyWebPaymentStarted"):
            table[action] = getattr(self, "_" + action[0].lower() + action[1:])
        table.update(self.fw.billing.table())
        if self.fw.swap is not None:
            table.update(self.fw.swap.table())
        return table

    # ---- device model --------------------------------------------------------------------------
    def _getVariables(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        self._size_check("GetVariables", len(req["getVariableData"]))
        results = [self.fw.dm.get(d, writeonly_readable=self.fw.faults.on("writeonly-variable-readable"))
                   for d in req["getVariableData"]]
        if self.fw.faults.on("getvariables-unknown-accepted"):
            for r in results:
                if r["attributeStatus"] in ("UnknownComponent", "UnknownVariable"):
                    r["attributeStatus"], r["attributeValue"] = "Accepted", ""
        return {"getVariableResult": results}

    def _setVariables(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        self._size_check("SetVariables", len(req["setVariableData"]))
        f = self.fw.faults
        return {"setVariableResult": [self._network_priority(d) or
                                      self.fw.dm.set(d, readonly_accepted=f.on("readonly-variable-accepted"),
                                                     unknown_accepted=f.on("unknown-component-accepted"),
                                                     unchecked=f.on("out-of-range-variable-accepted"))
                                      for d in req["setVariableData"]]}

    def _network_priority(self, d: Payload) -> Payload | None:
        """The rejection of a NetworkConfigurationPriority no network profile allows (A05, B09)."""
        if d["component"].get("name") != "OCPPCommCtrlr" or d["variable"].get("name") != "NetworkConfigurationPriority" \
                or d.get("attributeType", "Actual") != "Actual":
            return None
        problem = self.fw.network.priority_problem(d["attributeValue"])
        if problem is None:
            return None
        return {"component": d["component"], "variable": d["variable"], "attributeType": "Actual",
                "attributeStatus": "Rejected", "attributeStatusInfo": {"reasonCode": "InvalidValue", "additionalInfo": problem}}

    def _setNetworkProfile(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        has_certificate = fw.certificates.installed() is not None or (
            fw.pki is not None and fw.pki.station_files(fw.config.station_id).cert.exists())
        status, reason, info = fw.network.set_profile(req["configurationSlot"], req["connectionData"], has_certificate)
        if status == "Accepted":
            fw.network.show(fw.dm)
        return _status(status, reason, info)

    def _size_check(self, instance: str, count: int) -> None:
        try:
            limit = self.fw.dm.get_int("DeviceDataCtrlr", "ItemsPerMessage", instance=instance)
        except (KeyError, ValueError):
            return
        if limit and count > limit:
            raise CallError("OccurrenceConstraintViolation", f"{count} items, more than ItemsPerMessage {limit}")

    def _getBaseReport(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        data = self.fw.dm.base_report(req["reportBase"])
        if data is None:
            return _status("NotSupported", "UnsupportedParam", f"reportBase {req['reportBase']}")
        if not data:
            return _status("EmptyResultSet")
        self._send_report(req["requestId"], data)
        return _status("Accepted")

    def _getReport(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        if self.fw.faults.on("custom-report-ignores-filter"):
            data = self.fw.dm.base_report("FullInventory") or []
        else:
            data = self.fw.dm.report(req.get("componentVariable"), req.get("componentCriteria"))
        if not data:
            return _status("EmptyResultSet")
        self._send_report(req["requestId"], data)
        return _status("Accepted")

    def _send_report(self, request_id: int, data: list[Payload]) -> None:
        try:
            per_part = self.fw.dm.get_int("DeviceDataCtrlr", "ItemsPerMessage", instance="GetReport") or 100
        except (KeyError, ValueError):
            per_part = 100
        parts = [data[i:i + per_part] for i in range(0, len(data), per_part)]
        if self.fw.faults.on("base-report-incomplete") and len(parts) > 1:
            parts = parts[:-1]

        async def send() -> None:
            generated = now_iso()
            for seq, part in enumerate(parts):
                await self.fw.call("NotifyReport", {"requestId": request_id, "generatedAt": generated, "seqNo": seq,
                                                    "tbc": seq < len(parts) - 1 or self.fw.faults.on("base-report-incomplete"),
                                                    "reportData": part})
        self.fw.spawn(send(), "NotifyReport")

    # ---- reset, availability, trigger ----------------------------------------------------------
    def _reset(self, _a: str, req: Payload) -> Payload:
        kind = req["type"]
        if "evseId" in req:
            return _status("Rejected", "UnsupportedRequest", "per-EVSE reset is not supported")
        fw = self.fw
        if kind == "ImmediateAndResume":
            try:
                timeout = fw.dm.get_int("TxCtrlr", "ResumptionTimeout")
            except (KeyError, ValueError):
                timeout = 0
            if timeout <= 0:
                return _status("Rejected", "NoResumption", "TxCtrlr.ResumptionTimeout is 0")
            fw.request_reset(kind)
            return _status("Accepted")
        if kind == "OnIdle" and fw.tx.tx is not None and not fw.faults.on("reset-on-idle-interrupts"):
            fw.request_reset("OnIdle")  # the charger resets when the transaction has ended
            return _status("Scheduled")
        if kind in ("Immediate", "OnIdle") and fw.tx.tx is not None:
            fw.tx.stop("ResetCommand", stopped_reason="ImmediateReset")
        fw.request_reset(kind)
        return _status("Accepted")

    def _changeAvailability(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        operative = req["operationalStatus"] == "Operative"
        if not operative and self.fw.tx.tx is not None:
            self.fw.unavailable_after_tx = True  # after the transaction: the status follows then
            return _status("Scheduled")
        self.fw.available = operative
        return _status("Accepted")

    def _triggerMessage(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw, what = self.fw, req["requestedMessage"]
        if what == "BootNotification":
            if fw.boot_status == "Accepted":
                return _status("Rejected", "NotEnabled", "already accepted")
            fw.spawn(self._boot_again(), "BootNotification")
        elif what == "Heartbeat":
            link = fw.station.link if fw.station else None
            if fw.faults.on("second-call-while-outstanding") and link is not None:  # past the one-CALL queue
                fw.spawn(link.send_raw(frames.call(frames.new_unique_id(), "Heartbeat", {})), "Heartbeat")
            else:
                fw.spawn(fw.call("Heartbeat", {}), "Heartbeat")
        elif what == "StatusNotification":
            fw.connector_status = None  # sent afresh at the next tick
        elif what == "MeterValues":
            values = fw.meter.sampled_values(fw.dm.get_list("AlignedDataCtrlr", "Measurands"), "Trigger")
            fw.spawn(fw.call("MeterValues", {"evseId": 1, "meterValue": [{"timestamp": now_iso(), "sampledValue": values}]}),
                     "MeterValues")
        elif what == "TransactionEvent":
            if fw.tx.tx is None:
                return _status("Rejected", "NoTransaction")
            fw.tx.event("Updated", "Trigger", context="Trigger", measurands=fw.dm.get_list("SampledDataCtrlr", "TxUpdatedMeasurands"))
        elif what == "SignChargingStationCertificate":
            if fw.network.current().security_profile != 3:
                return _status("Rejected", "NotEnabled", "the charger has no client certificate below security profile 3")
            fw.spawn(fw.call("SignCertificate", {"csr": fw.certificates.new_request(),
                                                 "certificateType": "ChargingStationCertificate"}), "SignCertificate")
        else:
            return _status("NotImplemented")
        return _status("Accepted")

    def _certificateSigned(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        """A02: the certificate for the outstanding request, checked, for the next connection."""
        if req.get("certificateType", "ChargingStationCertificate") != "ChargingStationCertificate":
            return _status("Rejected", "UnsupportedCertType", "the charger requests ChargingStationCertificate only")
        problem = self.fw.certificates.install(req["certificateChain"])
        if problem is not None:
            self.fw.spawn(self.fw.security_event("InvalidChargingStationCertificate", problem[:255]),
                          "SecurityEventNotification")
            return _status("Rejected", "InvalidCertificate", problem)
        self.fw.note("installed a new client certificate (used from the next connection)")
        return _status("Accepted")

    async def _boot_again(self) -> None:
        res = await self.fw.call("BootNotification", {"reason": "Triggered", "chargingStation": {
            "model": f"VirtualCharger-{self.fw.config.variant.upper()}", "vendorName": "hilbench"}})
        self.fw.boot_status = res["status"]

    def _unlockConnector(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        if self.fw.tx.tx is not None:
            return {"status": "OngoingAuthorizedTransaction"}
        return {"status": "Unlocked"}

    # ---- remote start and stop -----------------------------------------------------------------
    def _requestStartTransaction(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        if not fw.available:
            return _status("Rejected", "Unavailable")
        if fw.tx.tx is not None and fw.authorized:
            return _status("Rejected", "TxInProgress", "a transaction is running on the EVSE")
        fw.id_token, fw.authorized, fw.remote_start_id = req["idToken"], True, req["remoteStartId"]
        fw.web_payment.remote_start(int(req.get("evseId", 1)))
        fw._trigger_hint = "RemoteStart"
        self._pending_profile = req.get("chargingProfile")
        out = _status("Accepted")
        if fw.tx.tx is not None:
            out["transactionId"] = fw.tx.tx.transaction_id
            self.transaction_started(fw.tx.tx.transaction_id)
        return out

    def _notifyWebPaymentStarted(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        self.fw.web_payment.started(int(req["evseId"]), int(req["timeout"]))
        return {}

    def transaction_started(self, transaction_id: str) -> None:
        if self._pending_profile is not None:
            profile = {**self._pending_profile, "transactionId": transaction_id}
            self._pending_profile = None
            why = self.fw.profiles.check(1, profile, transaction_id)
            if why is None:
                self.fw.profiles.install(1, profile, dt.datetime.now(dt.timezone.utc))
            else:
                self.fw.note(f"remote start's profile refused: {why}")

    def _requestStopTransaction(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        if self.fw.swap is not None and self.fw.swap.stop_charging(req["transactionId"]):
            return _status("Accepted")
        tx = self.fw.tx.tx
        if tx is None or tx.transaction_id != req["transactionId"]:
            return _status("Rejected", "TxNotFound")
        if self.fw.faults.on("remote-stop-ignored"):
            return _status("Accepted")
        self.fw.tx.stop("RemoteStop")
        self.fw.authorized = False
        return _status("Accepted")

    def _getTransactionStatus(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        tid = req.get("transactionId")
        queued = any(i["payload"].get("transactionInfo", {}).get("transactionId") == tid or tid is None
                     for i in fw.queue.items)
        out: Payload = {"messagesInQueue": queued}
        if tid is not None:
            out["ongoingIndicator"] = fw.tx.tx is not None and fw.tx.tx.transaction_id == tid \
                and not fw.faults.on("transaction-status-wrong")
        return out

    # ---- smart charging ------------------------------------------------------------------------
    def _setChargingProfile(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        tx_id = fw.tx.tx.transaction_id if fw.tx.tx else None
        def ev_reports_phases() -> bool:
            needs = fw.hlc.charging_needs() if fw.hlc is not None and fw.hlc_active else {}
            return "maxDischargePower_L2" in needs.get("v2xChargingParameters", {})

        conflict = fw.profiles.phase_conflict(req["chargingProfile"], ev_reports_phases)
        if conflict is not None:
            return _status("Rejected", "PhaseConflict", conflict)
        why = fw.profiles.check(req["evseId"], req["chargingProfile"], tx_id)
        if why is not None:
            return _status("Rejected", "InvalidProfile", why)
        fw.profiles.install(req["evseId"], req["chargingProfile"], dt.datetime.now(dt.timezone.utc))
        fw.needs_answered = True
        return _status("Accepted")

    def _getChargingProfiles(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw, c = self.fw, req["chargingProfile"]
        found = [i for pid, i in fw.profiles.installed.items()
                 if ("evseId" not in req or i.evse_id == req["evseId"])
                 and (not c.get("chargingProfileId") or pid in c["chargingProfileId"])
                 and ("chargingProfilePurpose" not in c or i.profile["chargingProfilePurpose"] == c["chargingProfilePurpose"])
                 and ("stackLevel" not in c or i.profile["stackLevel"] == c["stackLevel"])]
        if not found:
            return _status("NoProfiles")
        by_evse: dict[int, list[Payload]] = {}
        for inst in found:
            by_evse.setdefault(inst.evse_id, []).append(inst.profile)

        async def report() -> None:
            items = list(by_evse.items())
            for n, (evse, profiles) in enumerate(items):
                await fw.call("ReportChargingProfiles", {"requestId": req["requestId"], "chargingLimitSource": "CSO",
                                                         "evseId": evse, "chargingProfile": profiles, "tbc": n < len(items) - 1})
        fw.spawn(report(), "ReportChargingProfiles")
        return _status("Accepted")

    def _clearChargingProfile(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        if self.fw.faults.on("clear-profile-keeps-limit") and self.fw.profiles.matching(
                req.get("chargingProfileId"), req.get("chargingProfileCriteria")):
            return _status("Accepted")  # and nothing goes
        gone = self.fw.profiles.clear(req.get("chargingProfileId"), req.get("chargingProfileCriteria"))
        return _status("Accepted" if gone else "Unknown")

    def _getCompositeSchedule(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        unit = req.get("chargingRateUnit", "W")
        if req["evseId"] not in (0, 1):
            return _status("Rejected", "UnknownEvse")
        tx_id = fw.tx.tx.transaction_id if fw.tx.tx else None
        schedule = fw.profiles.composite(req["evseId"], req["duration"], unit, dt.datetime.now(dt.timezone.utc), tx_id,
                                         fw.config.max_power_w or 0.0, lowest_level=fw.faults.on("composite-schedule-wrong"))
        return {"status": "Accepted", "schedule": schedule}

    def _updateDynamicSchedule(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        ok = self.fw.profiles.update_dynamic(req["chargingProfileId"], req["scheduleUpdate"], dt.datetime.now(dt.timezone.utc))
        return _status("Accepted") if ok else _status("Rejected", "UnknownProfile", "no Dynamic profile with that id")

    def pull_dynamic_updates(self, now: dt.datetime) -> None:
        """Every pass of the control loop: PullDynamicScheduleUpdate for each Dynamic profile whose
        dynUpdateInterval is up; the update the CSMS answers with applies as an UpdateDynamicSchedule's."""
        fw = self.fw
        for pid in fw.profiles.pulls_due(now):
            async def pull(profile_id: int = pid) -> None:
                res = await fw.call("PullDynamicScheduleUpdate", {"chargingProfileId": profile_id})
                if res.get("status") == "Accepted" and "scheduleUpdate" in res:
                    fw.profiles.update_dynamic(profile_id, res["scheduleUpdate"], dt.datetime.now(dt.timezone.utc))
            fw.spawn(pull(), "PullDynamicScheduleUpdate")

    def _usePriorityCharging(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        if fw.tx.tx is None or fw.tx.tx.transaction_id != req["transactionId"]:
            return _status("Rejected", "TxNotFound")
        if not any(i.profile["chargingProfilePurpose"] == "PriorityCharging" for i in fw.profiles.installed.values()):
            return _status("NoProfile")
        if not fw.faults.on("priority-charging-ignored"):
            fw.profiles.priority_charging = bool(req["activate"])
        fw.spawn(fw.call("NotifyPriorityCharging", {"transactionId": req["transactionId"], "activated": req["activate"]}),
                 "NotifyPriorityCharging")
        return _status("Accepted")

    def _notifyAllowedEnergyTransfer(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        fw = self.fw
        if fw.tx.tx is None or fw.tx.tx.transaction_id != req["transactionId"]:
            return _status("Rejected", "TxNotFound")
        token = (fw.tx.tx.id_token or {}).get("idToken", "")
        fw.allowed_energy_transfer = (str(token), list(req["allowedEnergyTransfer"]))
        return _status("Accepted")

    def _aFRRSignal(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        """Q07: the signal the v2xSignalWattCurve of a CentralFrequency period is read at, from its
        timestamp on (a later signal replaces an earlier one)."""
        try:
            at = dt.datetime.fromisoformat(req["timestamp"].replace("Z", "+00:00"))
        except ValueError:
            return _status("Rejected", "InvalidValue", f"timestamp {req['timestamp']!r} is not a date-time")
        if not self.fw.faults.on("ignores-afrr-signal"):
            self.fw.afrr_signals = [s for s in self.fw.afrr_signals if s[0] < at][-3:] + [(at, int(req["signal"]))]
        return _status("Accepted")

    # ---- DER control ---------------------------------------------------------------------------
    def _setDERControl(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        return self.fw.der.set(req)

    def _clearDERControl(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        return self.fw.der.clear(req)

    def _getDERControl(self, _a: str, req: Payload) -> Payload:  # noqa: N802
        response, report = self.fw.der.report(req)
        if report is not None:
            self.fw.spawn(self.fw.call("ReportDERControl", report), "ReportDERControl")
        return response
