"""The tariffs the virtual charger holds for its local cost calculation (OCPP 2.1 block I): default
tariffs per EVSE (SetDefaultTariff; EVSE 0 = every EVSE), the driver tariffs that came with an
authorization (AuthorizeResponse.tariff), GetTariffs and ClearTariffs, kept in the state folder.

A tariff is checked before it is taken, and refused with the status the 2.1 schemas name:
- more price elements in one dimension than ``TariffCostCtrlr.MaxElements[Tariff]`` → TooManyElements;
- a condition this charger's cost engine cannot evaluate (it samples no currents: ``minCurrent``
  / ``maxCurrent``) → ConditionNotSupported;
- a currency other than the one it bills in (``TariffCostCtrlr.Currency``), a negative time or
  fixed price or tax rate, a time of day that is not HH:MM, dates that end before they begin →
  Rejected with reason InvalidValue and what is wrong where;
- SetDefaultTariff of a tariffId it holds with other content → DuplicateTariffId.
A negative price per kWh is allowed: it is how a tariff pays the driver for energy."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hilbench.sim.charger.faults import Faults

Payload = dict[str, Any]
#: The tariff's dimensions that hold price elements, with the field of their price.
DIMENSIONS = {"energy": "priceKwh", "chargingTime": "priceMinute", "idleTime": "priceMinute", "fixedFee": "priceFixed",
              "reservationTime": "priceMinute", "reservationFixed": "priceFixed"}
UNSUPPORTED_CONDITIONS = ("minCurrent", "maxCurrent")
TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


@dataclass(frozen=True)
class Refusal:
    status: str
    reason: str
    info: str

    def answer(self) -> Payload:
        return {"status": self.status, "statusInfo": {"reasonCode": self.reason, "additionalInfo": self.info[:1024]}}


def check(tariff: Payload, *, currency: str, max_elements: int) -> Refusal | None:
    """Why the charger cannot take ``tariff`` (None: it can)."""
    tid = tariff.get("tariffId", "?")
    if tariff.get("currency") != currency:
        return Refusal("Rejected", "InvalidValue", f"tariff {tid}: currency {tariff.get('currency')!r}; this station bills in {currency}")
    for name, price_field in DIMENSIONS.items():
        prices = (tariff.get(name) or {}).get("prices", [])
        if len(prices) > max_elements:
            return Refusal("TooManyElements", "TooManyElements",
                           f"tariff {tid}: {name} has {len(prices)} price elements, at most {max_elements}")
        for i, element in enumerate(prices):
            where = f"tariff {tid}: {name}.prices[{i}]"
            conditions = element.get("conditions") or {}
            unsupported = [c for c in UNSUPPORTED_CONDITIONS if c in conditions]
            if unsupported:
                return Refusal("ConditionNotSupported", "UnsupportedParam", f"{where}: condition {', '.join(unsupported)}")
            if price_field != "priceKwh" and float(element.get(price_field, 0.0)) < 0:
                return Refusal("Rejected", "InvalidValue", f"{where}.{price_field} is negative ({element[price_field]})")
            problem = _conditions_problem(conditions)
            if problem:
                return Refusal("Rejected", "InvalidValue", f"{where}.conditions: {problem}")
        for i, rate in enumerate((tariff.get(name) or {}).get("taxRates", [])):
            if float(rate.get("tax", 0.0)) < 0:
                return Refusal("Rejected", "InvalidValue", f"tariff {tid}: {name}.taxRates[{i}].tax is negative ({rate['tax']})")
    return None


def _conditions_problem(c: Payload) -> str | None:
    for key in ("startTimeOfDay", "endTimeOfDay"):
        if key in c and not TIME_OF_DAY.fullmatch(str(c[key])):
            return f"{key} {c[key]!r} is not HH:MM"
    try:
        start = dt.date.fromisoformat(c["validFromDate"]) if "validFromDate" in c else None
        end = dt.date.fromisoformat(c["validToDate"]) if "validToDate" in c else None
    except ValueError as e:
        return f"a date is not YYYY-MM-DD ({e})"
    if start is not None and end is not None and end <= start:
        return f"validToDate {end} is not after validFromDate {start}"
    return None


def _valid_from(tariff: Payload) -> dt.datetime:
    """When a tariff takes effect (one without validFrom: always has)."""
    try:
        at = dt.datetime.fromisoformat(str(tariff["validFrom"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc)


@dataclass
class Assignment:
    tariff: Payload
    kind: str  #: DefaultTariff or DriverTariff
    evse_ids: list[int]
    id_tokens: list[str]

    def as_assignment(self) -> Payload:
        out: Payload = {"tariffId": self.tariff["tariffId"], "tariffKind": self.kind}
        if self.evse_ids:
            out["evseIds"] = list(self.evse_ids)
        if self.id_tokens:
            out["idTokens"] = list(self.id_tokens)
        if "validFrom" in self.tariff:
            out["validFrom"] = self.tariff["validFrom"]
        return out


class TariffStore:
    def __init__(self, state_file: Path | None, *, currency: Callable[[], str], max_elements: Callable[[], int],
                 faults: Faults, evse_ids: tuple[int, ...] = (1,)) -> None:
        self.evse_ids = evse_ids
        self.state_file, self._currency, self._max_elements, self.faults = state_file, currency, max_elements, faults
        self.assignments: list[Assignment] = []
        if state_file is not None and state_file.exists():
            try:
                self.assignments = [Assignment(**a) for a in json.loads(state_file.read_text(encoding="utf-8"))]
            except (OSError, ValueError, TypeError):
                self.assignments = []

    def save(self) -> None:
        if self.state_file is not None:
            self.state_file.write_text(json.dumps([a.__dict__ for a in self.assignments if a.kind == "DefaultTariff"]),
                                       encoding="utf-8")

    def check(self, tariff: Payload) -> Refusal | None:
        if self.faults.on("accepts-malformed-tariff"):
            return None
        return check(tariff, currency=self._currency(), max_elements=self._max_elements())

    # ---- SetDefaultTariff, driver tariffs --------------------------------------------------------
    def set_default(self, evse_id: int, tariff: Payload) -> Payload:
        refusal = self.check(tariff)
        if refusal is not None:
            return refusal.answer()
        held = next((a for a in self.assignments if a.tariff["tariffId"] == tariff["tariffId"]), None)
        if held is not None and held.tariff != tariff:
            return Refusal("DuplicateTariffId", "DuplicateTariffId",
                           f"tariff {tariff['tariffId']} is held with other content").answer()
        # EVSE 0 installs the tariff at each EVSE (I07.FR.12)
        targets = list(self.evse_ids) if evse_id == 0 else [evse_id]
        self.assignments.append(Assignment(tariff, "DefaultTariff", targets, []))
        self._prune()
        self.save()
        return {"status": "Accepted"}

    def _prune(self) -> None:
        """On each EVSE the default tariff in force is the one with the latest validFrom that has
        come; the ones it superseded go, the ones still to come stay until their time."""
        now = dt.datetime.now(dt.timezone.utc)
        for evse in self.evse_ids:
            on = [a for a in self.assignments if a.kind == "DefaultTariff" and evse in a.evse_ids]
            come = [a for a in on if _valid_from(a.tariff) <= now]
            if not come:
                continue
            newest = max(enumerate(come), key=lambda ia: (_valid_from(ia[1].tariff), ia[0]))[1]  # the later set wins a tie
            for a in come:
                if a is not newest:
                    a.evse_ids = [e for e in a.evse_ids if e != evse]
        self.assignments = [a for a in self.assignments if a.kind == "DriverTariff" or a.evse_ids]

    def add_driver(self, id_token: str, tariff: Payload) -> Refusal | None:
        refusal = self.check(tariff)
        if refusal is None:
            self.drop_driver(id_token)
            self.assignments.append(Assignment(tariff, "DriverTariff", [], [id_token]))
        return refusal

    def drop_driver(self, id_token: str) -> None:
        self.assignments = [a for a in self.assignments if not (a.kind == "DriverTariff" and id_token in a.id_tokens)]

    def tariff_for(self, evse_id: int, id_token: str | None) -> Payload | None:
        """The tariff a transaction at ``evse_id`` for ``id_token`` is billed by: the driver's, else
        the EVSE's default in force."""
        for a in self.assignments:
            if a.kind == "DriverTariff" and id_token is not None and id_token in a.id_tokens \
                    and not self.faults.on("driver-tariff-ignored"):
                return a.tariff
        self._prune()
        return next((a.tariff for a in self.assignments if a.kind == "DefaultTariff" and evse_id in a.evse_ids
                     and _valid_from(a.tariff) <= dt.datetime.now(dt.timezone.utc)), None)

    # ---- GetTariffs, ClearTariffs ----------------------------------------------------------------
    def get(self, evse_id: int) -> Payload:
        self._prune()
        found = [a.as_assignment() for a in self.assignments
                 if evse_id == 0 or a.kind == "DriverTariff" or evse_id in a.evse_ids]
        if self.faults.on("get-tariffs-forgets-default"):
            found = [f for f in found if f["tariffKind"] != "DefaultTariff"]
        return {"status": "Accepted", "tariffAssignments": found} if found else {"status": "NoTariff"}

    def clear(self, tariff_ids: list[str] | None, evse_id: int | None) -> Payload:
        """Clears default tariffs (a driver tariff lives as long as its authorization)."""
        def matches(a: Assignment) -> bool:
            return a.kind == "DefaultTariff" and (evse_id in (None, 0) or evse_id in a.evse_ids) \
                and (tariff_ids is None or a.tariff["tariffId"] in tariff_ids)

        cleared = [a for a in self.assignments if matches(a)]
        if not self.faults.on("clear-tariffs-ignored"):
            self.assignments = [a for a in self.assignments if not matches(a)]
            self.save()
        cleared_ids = [a.tariff["tariffId"] for a in cleared]
        if tariff_ids is None:
            results = [{"tariffId": t, "status": "Accepted"} for t in cleared_ids] or [{"status": "NoTariff"}]
        else:
            results = [{"tariffId": t, "status": "Accepted" if t in cleared_ids else "NoTariff"} for t in tariff_ids]
        return {"clearTariffsResult": results}
