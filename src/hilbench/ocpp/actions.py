"""Which side of OCPP 2.1 initiates each action (the schemas do not say; from the spec's use cases,
see shared reference ocpp21-facts §1). DataTransfer goes both ways."""

from __future__ import annotations

from typing import Literal

Role = Literal["csms", "station"]

STATION_INITIATED: frozenset[str] = frozenset({
    "SecurityEventNotification", "SignCertificate", "BootNotification", "NotifyReport", "Authorize",
    "VatNumberValidation", "NotifySettlement", "TransactionEvent", "StatusNotification", "Heartbeat",
    "ReservationStatusUpdate", "MeterValues", "ReportChargingProfiles", "NotifyChargingLimit",
    "ClearedChargingLimit", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule",
    "PullDynamicScheduleUpdate", "NotifyPriorityCharging", "FirmwareStatusNotification",
    "PublishFirmwareStatusNotification", "Get15118EVCertificate", "GetCertificateStatus",
    "GetCertificateChainStatus", "LogStatusNotification", "NotifyEvent", "NotifyMonitoringReport",
    "NotifyCustomerInformation", "OpenPeriodicEventStream", "ClosePeriodicEventStream",
    "NotifyPeriodicEventStream", "NotifyDisplayMessages", "DataTransfer", "ReportDERControl",
    "NotifyDERAlarm", "NotifyDERStartStop", "BatterySwap",
})

CSMS_INITIATED: frozenset[str] = frozenset({
    "CertificateSigned", "GetBaseReport", "GetReport", "GetVariables", "SetVariables",
    "SetNetworkProfile", "Reset", "ClearCache", "NotifyWebPaymentStarted", "SendLocalList",
    "GetLocalListVersion", "GetTransactionStatus", "RequestStartTransaction", "RequestStopTransaction",
    "TriggerMessage", "UnlockConnector", "ChangeAvailability", "ReserveNow", "CancelReservation",
    "CostUpdated", "SetDefaultTariff", "GetTariffs", "ClearTariffs", "ChangeTransactionTariff",
    "SetChargingProfile", "GetChargingProfiles", "ClearChargingProfile", "GetCompositeSchedule",
    "UpdateDynamicSchedule", "UsePriorityCharging", "UpdateFirmware", "PublishFirmware",
    "UnpublishFirmware", "InstallCertificate", "DeleteCertificate", "GetInstalledCertificateIds",
    "GetLog", "SetMonitoringBase", "SetVariableMonitoring", "SetMonitoringLevel",
    "ClearVariableMonitoring", "GetMonitoringReport", "CustomerInformation", "GetPeriodicEventStream",
    "AdjustPeriodicEventStream", "SetDisplayMessage", "GetDisplayMessages", "ClearDisplayMessage",
    "DataTransfer", "NotifyAllowedEnergyTransfer", "AFRRSignal", "SetDERControl", "GetDERControl",
    "ClearDERControl", "RequestBatterySwap",
})


def may_send(role: Role, action: str) -> bool:
    """True when ``role`` may initiate ``action``."""
    return action in (STATION_INITIATED if role == "station" else CSMS_INITIATED)


def peer_of(role: Role) -> Role:
    return "csms" if role == "station" else "station"
