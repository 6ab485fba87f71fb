"""Default, schema-valid and conformant answers of the emulators: the CSMS's to every
station-initiated action, the station's to every CSMS-initiated action. Each takes the request
payload and returns the response payload; emulators copy this table and tests override entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _const(value: Payload) -> Callable[[str, Payload], Payload]:
    return lambda _action, _req: dict(value)


def _empty(_action: str, _req: Payload) -> Payload:
    return {}


def csms_handlers(heartbeat_interval: int = 300) -> dict[str, Callable[[str, Payload], Payload]]:
    """The bench CSMS's answers: boots are accepted, tokens authorized, notifications acknowledged.
    Services the emulator does not provide (OCSP, contract certificates) answer Failed/Unknown."""

    def boot(_a: str, _r: Payload) -> Payload:
        return {"currentTime": now_iso(), "interval": heartbeat_interval, "status": "Accepted"}

    def heartbeat(_a: str, _r: Payload) -> Payload:
        return {"currentTime": now_iso()}

    def transaction_event(_a: str, req: Payload) -> Payload:
        return {"idTokenInfo": {"status": "Accepted"}} if "idToken" in req else {}

    def chain_status(_a: str, req: Payload) -> Payload:
        return {"certificateStatus": [
            {"certificateHashData": item["certificateHashData"], "source": item["source"], "status": "Unknown",
             "nextUpdate": now_iso()} for item in req.get("certificateStatusRequests", [])[:4]]}

    def vat(_a: str, req: Payload) -> Payload:
        return {"vatNumber": req["vatNumber"], "status": "Rejected"}

    table: dict[str, Callable[[str, Payload], Payload]] = {
        "BootNotification": boot,
        "Heartbeat": heartbeat,
        "Authorize": _const({"idTokenInfo": {"status": "Accepted"}}),
        "TransactionEvent": transaction_event,
        "NotifyEVChargingNeeds": _const({"status": "Accepted"}),
        "NotifyEVChargingSchedule": _const({"status": "Accepted"}),
        "SignCertificate": _const({"status": "Accepted"}),
        "Get15118EVCertificate": _const({"status": "Failed", "exiResponse": ""}),
        "GetCertificateStatus": _const({"status": "Failed"}),
        "GetCertificateChainStatus": chain_status,
        "DataTransfer": _const({"status": "UnknownVendorId"}),
        "VatNumberValidation": vat,
        "PullDynamicScheduleUpdate": _const({"status": "Rejected"}),
        "OpenPeriodicEventStream": _const({"status": "Accepted"}),
    }
    for action in ("StatusNotification", "MeterValues", "NotifyReport", "SecurityEventNotification",
                   "FirmwareStatusNotification", "PublishFirmwareStatusNotification", "LogStatusNotification",
                   "NotifyEvent", "NotifyMonitoringReport", "NotifyCustomerInformation", "NotifyDisplayMessages",
                   "ReservationStatusUpdate", "ReportChargingProfiles", "NotifyChargingLimit",
                   "ClearedChargingLimit", "NotifySettlement", "NotifyPriorityCharging",
                   "ClosePeriodicEventStream", "ReportDERControl", "NotifyDERAlarm", "NotifyDERStartStop",
                   "BatterySwap"):
        table[action] = _empty
    return table


def station_handlers() -> dict[str, Callable[[str, Payload], Payload]]:
    """The emulated station's answers to CSMS-initiated calls: what a simple, healthy AC/DC station
    with no optional features would answer."""

    def get_variables(_a: str, req: Payload) -> Payload:
        return {"getVariableResult": [
            {"attributeStatus": "UnknownComponent", "component": d["component"], "variable": d["variable"]}
            for d in req["getVariableData"]]}

    def set_variables(_a: str, req: Payload) -> Payload:
        return {"setVariableResult": [
            {"attributeStatus": "UnknownComponent", "component": d["component"], "variable": d["variable"]}
            for d in req["setVariableData"]]}

    def set_monitoring(_a: str, req: Payload) -> Payload:
        return {"setMonitoringResult": [
            {"status": "UnknownComponent", "type": d["type"], "severity": d["severity"],
             "component": d["component"], "variable": d["variable"]} for d in req["setMonitoringData"]]}

    def clear_monitoring(_a: str, req: Payload) -> Payload:
        return {"clearMonitoringResult": [{"status": "NotFound", "id": i} for i in req["id"]]}

    def clear_tariffs(_a: str, req: Payload) -> Payload:
        ids = req.get("tariffIds") or [None]
        return {"clearTariffsResult": [{"status": "NoTariff", **({"tariffId": t} if t else {})} for t in ids]}

    accepted = _const({"status": "Accepted"})
    rejected = _const({"status": "Rejected"})
    return {
        "CertificateSigned": rejected,  # no CSR outstanding
        "GetBaseReport": accepted, "GetReport": _const({"status": "NotSupported"}),
        "GetVariables": get_variables, "SetVariables": set_variables,
        "SetNetworkProfile": rejected, "Reset": accepted, "ClearCache": accepted,
        "NotifyWebPaymentStarted": _empty, "SendLocalList": accepted,
        "GetLocalListVersion": _const({"versionNumber": 0}),
        "GetTransactionStatus": _const({"messagesInQueue": False}),
        "RequestStartTransaction": accepted, "RequestStopTransaction": accepted,
        "TriggerMessage": accepted, "UnlockConnector": _const({"status": "Unlocked"}),
        "ChangeAvailability": accepted, "ReserveNow": accepted, "CancelReservation": rejected,
        "CostUpdated": _empty, "SetDefaultTariff": rejected, "GetTariffs": _const({"status": "NoTariff"}),
        "ClearTariffs": clear_tariffs, "ChangeTransactionTariff": _const({"status": "TxNotFound"}),
        "SetChargingProfile": accepted, "GetChargingProfiles": _const({"status": "NoProfiles"}),
        "ClearChargingProfile": _const({"status": "Unknown"}), "GetCompositeSchedule": rejected,
        "UpdateDynamicSchedule": rejected, "UsePriorityCharging": _const({"status": "NoProfile"}),
        "UpdateFirmware": rejected, "PublishFirmware": rejected,
        "UnpublishFirmware": _const({"status": "NoFirmware"}), "InstallCertificate": rejected,
        "DeleteCertificate": _const({"status": "NotFound"}),
        "GetInstalledCertificateIds": _const({"status": "NotFound"}), "GetLog": rejected,
        "SetMonitoringBase": _const({"status": "NotSupported"}), "SetVariableMonitoring": set_monitoring,
        "SetMonitoringLevel": rejected, "ClearVariableMonitoring": clear_monitoring,
        "GetMonitoringReport": _const({"status": "NotSupported"}), "CustomerInformation": rejected,
        "GetPeriodicEventStream": _empty, "AdjustPeriodicEventStream": rejected,
        "SetDisplayMessage": rejected, "GetDisplayMessages": _const({"status": "Unknown"}),
        "ClearDisplayMessage": _const({"status": "Unknown"}), "DataTransfer": _const({"status": "UnknownVendorId"}),
        "NotifyAllowedEnergyTransfer": accepted, "AFRRSignal": rejected,
        "SetDERControl": _const({"status": "NotSupported"}), "GetDERControl": _const({"status": "NotSupported"}),
        "ClearDERControl": _const({"status": "NotSupported"}), "RequestBatterySwap": rejected,
    }
