"""Charging profiles the cases send, built in one place (OCPP 2.1 ChargingProfileType)."""

from __future__ import annotations

from typing import Any


def central_setpoint(transaction_id: str, steps: list[tuple[int, float]], *, discharge_limit_w: float = -10_000.0,
                     limit_w: float = 22_000.0, profile_id: int = 11) -> dict[str, Any]:
    """SetChargingProfile: a Relative TxProfile under CentralSetpoint, ``steps`` of (s from the
    transaction's start, setpoint W; negative discharges)."""
    return tx_profile(transaction_id, [{"startPeriod": start, "operationMode": "CentralSetpoint", "setpoint": w,
                                        "limit": limit_w, "dischargeLimit": discharge_limit_w} for start, w in steps],
                      profile_id=profile_id)


def tx_profile(transaction_id: str, periods: list[dict[str, Any]], *, profile_id: int = 11) -> dict[str, Any]:
    """SetChargingProfile: a Relative TxProfile of ``periods`` (ChargingSchedulePeriodType, in W)."""
    return {"evseId": 1, "chargingProfile": {
        "id": profile_id, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
        "transactionId": transaction_id,
        "chargingSchedule": [{"id": profile_id, "chargingRateUnit": "W", "chargingSchedulePeriod": periods}]}}
