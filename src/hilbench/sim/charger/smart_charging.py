"""Charging profiles (OCPP 2.1 block K): what the CSMS installed, checked as the charger takes it,
and what is in force at a given time — the composite of the station's maximum, the external
constraints and the transaction's own (or default) profile, each a stack where the highest valid
level wins. A period carries the limit (charging), the discharge limit (negative), the setpoint,
the operation mode and the V2X curves; ``GetCompositeSchedule`` reports the same composite.

Rates in A are turned into W at the EVSE's voltage (DC: the link's voltage; AC: the phase voltage
times the phases used), so the power stage works in W throughout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from hilbench.sim.charger.faults import Faults

#: Per-phase discharge and setpoint fields of a ChargingSchedulePeriod (2.1).
PHASE_FIELDS = ("dischargeLimit_L2", "dischargeLimit_L3", "setpoint_L2", "setpoint_L3", "setpointReactive_L2",
                "setpointReactive_L3")
OPERATION_MODES = ("Idle", "ChargingOnly", "CentralSetpoint", "ExternalSetpoint", "ExternalLimits", "CentralFrequency",
                   "LocalFrequency", "LocalLoadBalancing")
PURPOSES = ("ChargingStationExternalConstraints", "ChargingStationMaxProfile", "TxDefaultProfile", "TxProfile",
            "PriorityCharging", "LocalGeneration")


@dataclass
class Period:
    """What is in force at one moment, in W (discharge limit and discharging setpoints negative)."""

    limit_w: float | None = None
    discharge_limit_w: float | None = None
    setpoint_w: float | None = None
    operation_mode: str = "ChargingOnly"
    freq_watt_curve: list[dict[str, float]] = field(default_factory=list)
    signal_watt_curve: list[dict[str, float]] = field(default_factory=list)
    baseline_w: float = 0.0
    #: the profile whose period this is (the transaction's, or the default), for reporting
    profile_id: int | None = None


@dataclass
class Installed:
    evse_id: int
    profile: dict[str, Any]
    #: When it was installed; for a Dynamic profile when it was last updated (its dynUpdateTime),
    #: from which its duration counts
    installed_at: dt.datetime
    pulled_at: dt.datetime | None = None  #: a Dynamic profile's last PullDynamicScheduleUpdate


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class ChargingProfiles:
    def __init__(self, *, max_stack_level: int = 8, max_periods: int = 24, units: tuple[str, ...] = ("A", "W"),
                 dc: bool = True, phase_voltage_v: float = 230.0, faults: Faults | None = None) -> None:
        self.faults = faults or Faults(())
        self.max_stack_level, self.max_periods, self.units = max_stack_level, max_periods, units
        self.dc, self.phase_voltage_v = dc, phase_voltage_v
        self.installed: dict[int, Installed] = {}
        #: Transaction start times, for Relative profiles (transaction id -> start).
        self.tx_started: dict[str, dt.datetime] = {}
        #: The DC link's voltage, for A -> W (set by the power stage each tick).
        self.dc_voltage_v = 400.0
        self.priority_charging = False

    # ---- SetChargingProfile --------------------------------------------------------------------
    def phase_conflict(self, profile: dict[str, Any], ev_reports_phases: Callable[[], bool]) -> str | None:
        """Why per-phase discharge values in ``profile`` conflict (the 2.1 errata's V2X.08-10,
        K01.FR.142-144: only in a TxProfile, and only when the EV reported per-phase discharge
        limits); None when they do not, or there are none."""
        used = sorted({f for s in profile["chargingSchedule"] for p in s["chargingSchedulePeriod"] for f in PHASE_FIELDS
                       if f in p})
        if not used or self.faults.on("phase-conflict-accepted"):
            return None
        if profile["chargingProfilePurpose"] != "TxProfile":
            return f"{', '.join(used)} in a {profile['chargingProfilePurpose']}: per-phase values only in a TxProfile (V2X.09)"
        if not ev_reports_phases():  # asked only now: most profiles have no per-phase values
            return f"{', '.join(used)}, but the EV reported no maxDischargePower_L2/_L3 (V2X.08)"
        return None

    def check(self, evse_id: int, profile: dict[str, Any], running_tx: str | None) -> str | None:
        """Why the charger refuses ``profile`` on ``evse_id`` (None: it takes it)."""
        purpose = profile["chargingProfilePurpose"]
        if purpose == "ChargingStationMaxProfile" and evse_id != 0:
            return "ChargingStationMaxProfile is for EVSE 0 only"
        if purpose == "TxProfile":
            if evse_id == 0:
                return "a TxProfile needs an EVSE"
            if running_tx is None or profile.get("transactionId") not in (None, running_tx):
                return "no such transaction on this EVSE"
        if profile["stackLevel"] > self.max_stack_level:
            return f"stackLevel {profile['stackLevel']} above ChargingProfileMaxStackLevel {self.max_stack_level}"
        rival = self._conflict(evse_id, profile)
        if rival is not None and not self.faults.on("stack-level-conflict-replaces"):
            return (f"profile {rival} has the same purpose and stackLevel {profile['stackLevel']}"
                    + (" for the same transaction (K01.FR.39)" if purpose == "TxProfile" else
                       " on this EVSE and an overlapping validity (K01.FR.06)"))
        kind = profile["chargingProfileKind"]
        if kind == "Recurring" and "recurrencyKind" not in profile:
            return "a Recurring profile needs recurrencyKind"
        for schedule in profile["chargingSchedule"]:
            if schedule["chargingRateUnit"] not in self.units:
                return f"chargingRateUnit {schedule['chargingRateUnit']} not supported"
            periods = schedule["chargingSchedulePeriod"]
            if len(periods) > self.max_periods:
                return f"{len(periods)} periods, more than PeriodsPerSchedule {self.max_periods}"
            starts = [p["startPeriod"] for p in periods]
            if starts[0] != 0 or starts != sorted(set(starts)):
                return "startPeriod must begin at 0 and rise"
            if kind == "Dynamic" and len(periods) != 1:
                return "a Dynamic profile has exactly one period"
            for p in periods:
                mode = p.get("operationMode", "ChargingOnly")
                if mode not in OPERATION_MODES:
                    return f"operationMode {mode} not supported"
                if mode == "CentralSetpoint" and "setpoint" not in p:
                    return "CentralSetpoint needs a setpoint"
                if mode == "CentralFrequency" and not p.get("v2xSignalWattCurve"):
                    return "CentralFrequency needs a v2xSignalWattCurve"
                if mode == "LocalFrequency" and not p.get("v2xFreqWattCurve") \
                        and not self.faults.on("accepts-frequency-mode-without-curve"):
                    return f"{mode} needs a v2xFreqWattCurve"
                if p.get("limit") is not None and p["limit"] < 0:
                    return "a negative limit (use dischargeLimit)"
        return None

    def _conflict(self, evse_id: int, profile: dict[str, Any]) -> int | None:
        """The id of an installed profile ``profile`` may not stand beside (a different id with the
        same purpose and stack level: for a TxProfile of the same transaction, K01.FR.39; otherwise
        on the same EVSE with an overlapping validity, K01.FR.06), or None."""
        for other_id, other in self.installed.items():
            p = other.profile
            if other_id == profile["id"] or p["chargingProfilePurpose"] != profile["chargingProfilePurpose"] \
                    or p["stackLevel"] != profile["stackLevel"]:
                continue
            if profile["chargingProfilePurpose"] == "TxProfile":
                if p.get("transactionId") == profile.get("transactionId"):
                    return other_id
            elif other.evse_id == evse_id and _overlap(p, profile):
                return other_id
        return None

    def install(self, evse_id: int, profile: dict[str, Any], now: dt.datetime) -> None:
        """Installs ``profile``: it replaces the one with its id (K01.FR.05)."""
        rival = self._conflict(evse_id, profile)  # only under stack-level-conflict-replaces: 1.6's rule
        if rival is not None:
            del self.installed[rival]
        self.installed.pop(profile["id"], None)
        self.installed[profile["id"]] = Installed(evse_id, profile, now)

    def update_dynamic(self, profile_id: int, update: dict[str, Any], now: dt.datetime) -> bool:
        """UpdateDynamicSchedule or a pulled update: the new values, and the profile valid for its
        duration again from now, its dynUpdateTime (K28; Q05.FR.08 / Q06.FR.41 in the 2.1 errata)."""
        found = self.installed.get(profile_id)
        if found is None or found.profile["chargingProfileKind"] != "Dynamic":
            return False
        period = found.profile["chargingSchedule"][0]["chargingSchedulePeriod"][0]
        period.update({k: v for k, v in update.items() if k != "customData"})
        if not self.faults.on("dynamic-duration-from-install"):
            found.installed_at = now
        found.profile["dynUpdateTime"] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return True

    def pulls_due(self, now: dt.datetime) -> list[int]:
        """The Dynamic profiles whose dynUpdateInterval has passed since their last update (and
        last pull): the charger asks the CSMS for an update (PullDynamicScheduleUpdate)."""
        due = []
        for pid, inst in self.installed.items():
            interval = inst.profile.get("dynUpdateInterval") or 0
            if inst.profile["chargingProfileKind"] != "Dynamic" or interval <= 0 or self.faults.on("dynamic-pull-never-sent"):
                continue
            last = max(inst.installed_at, inst.pulled_at or inst.installed_at)
            if (now - last).total_seconds() >= interval:
                inst.pulled_at = now
                due.append(pid)
        return due

    def matching(self, profile_id: int | None = None, criteria: dict[str, Any] | None = None) -> list[int]:
        """The installed profiles a ClearChargingProfile selects: by id, or by EVSE / purpose / stack level."""
        c = criteria or {}
        return [pid for pid, inst in self.installed.items()
                if (profile_id is None or pid == profile_id)
                and ("evseId" not in c or inst.evse_id == c["evseId"])
                and ("chargingProfilePurpose" not in c or inst.profile["chargingProfilePurpose"] == c["chargingProfilePurpose"])
                and ("stackLevel" not in c or inst.profile["stackLevel"] == c["stackLevel"])]

    def clear(self, profile_id: int | None = None, criteria: dict[str, Any] | None = None) -> bool:
        """ClearChargingProfile: the matching profiles go; True when one went."""
        doomed = self.matching(profile_id, criteria)
        for pid in doomed:
            del self.installed[pid]
        return bool(doomed)

    def end_transaction(self, transaction_id: str) -> None:
        """A transaction's TxProfiles end with it (K01.FR.08)."""
        self.installed = {pid: inst for pid, inst in self.installed.items()
                          if inst.profile["chargingProfilePurpose"] != "TxProfile"
                          or inst.profile.get("transactionId", transaction_id) != transaction_id}
        self.tx_started.pop(transaction_id, None)

    # ---- what is in force ----------------------------------------------------------------------
    def period_at(self, evse_id: int, when: dt.datetime, transaction_id: str | None, *, lowest_level: bool = False) -> Period:
        """The composite in force on ``evse_id`` at ``when``. ``lowest_level`` picks the lowest valid
        stack level instead of the highest (a fault's misreading of the stacking rule)."""
        tx_like = [i for i in self.installed.values() if i.evse_id in (evse_id, 0)
                   and i.profile["chargingProfilePurpose"] in ("TxProfile", "TxDefaultProfile", "PriorityCharging")]
        own = [i for i in tx_like if i.profile["chargingProfilePurpose"] == "TxProfile"
               and transaction_id is not None and i.profile.get("transactionId", transaction_id) == transaction_id]
        if self.priority_charging:
            own = [i for i in tx_like if i.profile["chargingProfilePurpose"] == "PriorityCharging"] or own
        candidates = own or [i for i in tx_like if i.profile["chargingProfilePurpose"] == "TxDefaultProfile"]
        chosen = self._stack_winner(candidates, when, transaction_id, lowest_level)
        period = chosen or Period()
        for purpose in ("ChargingStationMaxProfile", "ChargingStationExternalConstraints"):
            caps = [i for i in self.installed.values() if i.profile["chargingProfilePurpose"] == purpose
                    and i.evse_id in (0, evse_id)]
            cap = self._stack_winner(caps, when, transaction_id, False)
            if cap is not None and cap.limit_w is not None:
                period.limit_w = cap.limit_w if period.limit_w is None else min(period.limit_w, cap.limit_w)
            if cap is not None and cap.discharge_limit_w is not None:
                period.discharge_limit_w = cap.discharge_limit_w if period.discharge_limit_w is None \
                    else max(period.discharge_limit_w, cap.discharge_limit_w)
        return period

    def _stack_winner(self, candidates: list[Installed], when: dt.datetime, transaction_id: str | None,
                      lowest: bool) -> Period | None:
        valid = [(i, p) for i in candidates if (p := self._period_of(i, when, transaction_id)) is not None]
        if not valid:
            return None
        pick = min if lowest else max
        return pick(valid, key=lambda ip: ip[0].profile["stackLevel"])[1]

    def _period_of(self, inst: Installed, when: dt.datetime, transaction_id: str | None) -> Period | None:
        p = inst.profile
        if "validFrom" in p and when < parse_time(p["validFrom"]):
            return None
        if "validTo" in p and when >= parse_time(p["validTo"]):
            return None
        schedule = p["chargingSchedule"][0]
        start = self._schedule_start(inst, schedule, when, transaction_id)
        if start is None or when < start:
            return None
        elapsed = (when - start).total_seconds()
        never_lapses = p["chargingProfileKind"] == "Dynamic" and self.faults.on("dynamic-profile-never-lapses")
        if "duration" in schedule and elapsed >= schedule["duration"] and not never_lapses:
            return None
        current = None
        for period in schedule["chargingSchedulePeriod"]:
            if period["startPeriod"] <= elapsed:
                current = period
        if current is None:
            return None
        return self._to_watts(current, schedule["chargingRateUnit"], p["id"])

    def _schedule_start(self, inst: Installed, schedule: dict[str, Any], when: dt.datetime,
                        transaction_id: str | None) -> dt.datetime | None:
        kind = inst.profile["chargingProfileKind"]
        if kind == "Relative":
            return self.tx_started.get(transaction_id or "") if transaction_id else None
        if kind == "Dynamic":
            return inst.installed_at
        start = parse_time(schedule["startSchedule"]) if "startSchedule" in schedule else inst.installed_at
        if kind == "Recurring":
            cycle = dt.timedelta(days=7 if inst.profile["recurrencyKind"] == "Weekly" else 1)
            while start + cycle <= when:
                start += cycle
        return start

    def _to_watts(self, period: dict[str, Any], unit: str, profile_id: int) -> Period:
        phases = period.get("numberPhases", 3)
        factor = 1.0 if unit == "W" else (self.dc_voltage_v if self.dc else self.phase_voltage_v * phases)

        def w(key: str) -> float | None:
            value = period.get(key)
            if value is None:
                return None
            total = value + sum(period.get(f"{key}_{ph}", 0.0) for ph in ("L2", "L3")) if f"{key}_L2" in period else value
            return float(total) * factor

        return Period(limit_w=w("limit"), discharge_limit_w=w("dischargeLimit"), setpoint_w=w("setpoint"),
                      operation_mode=period.get("operationMode", "ChargingOnly"),
                      freq_watt_curve=list(period.get("v2xFreqWattCurve", [])),
                      signal_watt_curve=list(period.get("v2xSignalWattCurve", [])),
                      baseline_w=float(period.get("v2xBaseline", 0.0)), profile_id=profile_id)

    # ---- GetCompositeSchedule ------------------------------------------------------------------
    def composite(self, evse_id: int, duration_s: int, unit: str, now: dt.datetime, transaction_id: str | None,
                  rating_w: float, *, lowest_level: bool = False) -> dict[str, Any]:
        """The composite schedule from ``now`` for ``duration_s``, one period per change (probed
        every second — fine enough for schedules whose periods start at whole seconds)."""
        periods: list[dict[str, Any]] = []
        factor = 1.0 if unit == "W" else (self.dc_voltage_v if self.dc else self.phase_voltage_v * 3)
        last: tuple[Any, ...] | None = None
        for t in range(0, max(1, duration_s)):
            p = self.period_at(evse_id, now + dt.timedelta(seconds=t), transaction_id, lowest_level=lowest_level)
            limit = rating_w if p.limit_w is None else min(p.limit_w, rating_w)
            entry: dict[str, Any] = {"startPeriod": t, "limit": round(limit / factor, 1)}
            if p.discharge_limit_w is not None:
                entry["dischargeLimit"] = round(p.discharge_limit_w / factor, 1)
            if p.setpoint_w is not None:
                entry["setpoint"] = round(p.setpoint_w / factor, 1)
            if p.operation_mode != "ChargingOnly":
                entry["operationMode"] = p.operation_mode
            key = tuple(v for k, v in entry.items() if k != "startPeriod")
            if key != last:
                periods.append(entry)
                last = key
        return {"evseId": evse_id, "duration": duration_s, "scheduleStart": now.isoformat().replace("+00:00", "Z"),
                "chargingRateUnit": unit, "chargingSchedulePeriod": periods}


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two profiles' validFrom/validTo windows overlap (an open end is unbounded)."""
    def bounds(p: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
        lo, hi = p.get("validFrom"), p.get("validTo")
        return (dt.datetime.fromisoformat(lo.replace("Z", "+00:00")) if lo else dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                dt.datetime.fromisoformat(hi.replace("Z", "+00:00")) if hi else dt.datetime.max.replace(tzinfo=dt.timezone.utc))
    (a0, a1), (b0, b1) = bounds(a), bounds(b)
    return a0 < b1 and b0 < a1
