"""The running cost of one transaction from its tariff (OCPP 2.1 local cost calculation, I12): the
virtual charger's own meter registers and clock in, ``costDetails`` out — the charging periods with
their dimensions, the cost per dimension with and without tax, the total usage.

How the tariff is read (the 2.1 TariffType):
- In each dimension the first price element whose conditions all hold applies (the conditions are
  a logical AND); a dimension with no element that holds costs nothing for that while.
- Energy is billed signed: imported kWh at the element that holds for the charging power,
  exported kWh (negative volume) at the element that holds for the discharging power, so a
  positive ``priceKwh`` on a discharging element credits the driver. A condition's sign picks the
  direction: negative ``minPower``/``maxPower``/``minEnergy``/``maxEnergy`` hold for reverse flow
  only, with "min" the bound closest to zero and "max" the one furthest from it.
- The fixed fee is the first fixed element that holds at the start.
- Taxes stack as TaxRateType says: a stack level's rates apply to the price with every lower
  level's tax included.
- ``minCost`` / ``maxCost`` of the tariff in force bound the total (typeOfCost MinCost / MaxCost).
- Times of day and days of the week are the charger's local time (ClockCtrlr.TimeZone: the caller
  passes the instants in it).

Hand-written: no Python library evaluates OCPP 2.1 tariffs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hilbench.sim.charger.faults import Faults

Payload = dict[str, Any]
#: Power above this (W) counts as charging time, below as idle time.
FLOWING_W = 50.0
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Instant:
    """What the conditions of a price element are evaluated on."""

    local: dt.datetime
    power_w: float  #: + charging, - discharging
    energy_wh: float  #: net energy of the transaction so far, + imported
    elapsed_s: float
    charging_s: float
    idle_s: float
    evse_kind: str


def _minute(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:5])


def _bounded(value: float, low: float | None, high: float | None) -> bool:
    """The 2.1 range reading: negative bounds hold for reverse flow, min nearest zero."""
    for bound, is_min in ((low, True), (high, False)):
        if bound is None:
            continue
        if bound < 0:
            if value >= 0 or (abs(value) < abs(bound) if is_min else abs(value) >= abs(bound)):
                return False
        elif value < 0 or (value < bound if is_min else value >= bound):
            return False
    return True


def holds(c: Payload, i: Instant) -> bool:
    """Whether every condition of ``c`` holds at ``i``."""
    if "startTimeOfDay" in c or "endTimeOfDay" in c:
        now = i.local.hour * 60 + i.local.minute
        start, end = _minute(c.get("startTimeOfDay", "00:00")), _minute(c.get("endTimeOfDay", "00:00"))
        inside = (start <= now < end) if start < end else (now >= start or now < end)  # end 00:00: to midnight
        if not inside:
            return False
    if "dayOfWeek" in c and DAYS[i.local.weekday()] not in c["dayOfWeek"]:
        return False
    if "validFromDate" in c and i.local.date() < dt.date.fromisoformat(c["validFromDate"]):
        return False
    if "validToDate" in c and i.local.date() >= dt.date.fromisoformat(c["validToDate"]):
        return False
    if "evseKind" in c and c["evseKind"] != i.evse_kind:
        return False
    return (_bounded(i.power_w, c.get("minPower"), c.get("maxPower"))
            and _bounded(i.energy_wh, c.get("minEnergy"), c.get("maxEnergy"))
            and _bounded(i.elapsed_s, c.get("minTime"), c.get("maxTime"))
            and _bounded(i.charging_s, c.get("minChargingTime"), c.get("maxChargingTime"))
            and _bounded(i.idle_s, c.get("minIdleTime"), c.get("maxIdleTime")))


def with_tax(excl: float, rates: list[Payload]) -> float:
    total = excl
    for stack in sorted({int(r.get("stack", 0)) for r in rates}):
        base = total
        total += sum(base * float(r["tax"]) / 100.0 for r in rates if int(r.get("stack", 0)) == stack)
    return total


@dataclass
class Period:
    start: dt.datetime
    tariff_id: str
    key: tuple[Any, ...]
    energy_wh: float = 0.0
    charging_s: float = 0.0
    idle_s: float = 0.0
    max_power_w: float | None = None
    min_power_w: float | None = None

    def as_charging_period(self) -> Payload:
        dims = [{"type": "Energy", "volume": round(self.energy_wh, 3)},
                {"type": "ChargingTime", "volume": round(self.charging_s, 1)},
                {"type": "IdleTIme", "volume": round(self.idle_s, 1)}]  # the schema's spelling
        if self.max_power_w is not None and self.min_power_w is not None:
            dims += [{"type": "MaxPower", "volume": round(self.max_power_w, 1)},
                     {"type": "MinPower", "volume": round(self.min_power_w, 1)}]
        return {"startPeriod": self.start.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "tariffId": self.tariff_id, "dimensions": dims}


@dataclass
class RunningCost:
    tariff: Payload
    started: dt.datetime
    evse_kind: str
    faults: Faults
    #: cost excluding tax per dimension
    cost: dict[str, float] = field(default_factory=lambda: {"fixed": 0.0, "energy": 0.0, "chargingTime": 0.0, "idleTime": 0.0})
    energy_wh: float = 0.0
    charging_s: float = 0.0
    idle_s: float = 0.0
    periods: list[Period] = field(default_factory=list)
    #: (tariff, its cost per dimension) of the tariffs a ChangeTransactionTariff replaced: what was
    #: used under each stays billed and taxed by it
    earlier: list[tuple[Payload, dict[str, float]]] = field(default_factory=list)
    _last: dt.datetime | None = None

    def __post_init__(self) -> None:
        self._fix_fee(self.started)

    def _fix_fee(self, at: dt.datetime) -> None:
        element = self._element("fixedFee", self._instant(at, 0.0))
        self.cost["fixed"] = float(element["priceFixed"]) if element else 0.0

    def _instant(self, at: dt.datetime, power_w: float) -> Instant:
        return Instant(at, power_w, self.energy_wh, (at - self.started).total_seconds(), self.charging_s, self.idle_s,
                       self.evse_kind)

    def _element(self, dimension: str, i: Instant) -> Payload | None:
        prices = (self.tariff.get(dimension) or {}).get("prices", [])
        if self.faults.on("tariff-condition-ignored"):
            return prices[0] if prices else None
        return next((p for p in prices if holds(p.get("conditions") or {}, i)), None)

    def change_tariff(self, tariff: Payload, at: dt.datetime, *, charge_fixed_fee: bool = False) -> None:
        """ChangeTransactionTariff: what was used so far stays billed and taxed by the old tariff
        (a start fee is charged once, at the start; ``charge_fixed_fee``: the new tariff's too — a
        driver's tariff that takes over when the driver is known)."""
        self.advance(at, 0.0, 0.0, 0.0)
        self.earlier.append((self.tariff, self.cost))
        self.tariff, self.cost = tariff, dict.fromkeys(self.cost, 0.0)
        if charge_fixed_fee:
            self._fix_fee(at)

    def advance(self, now: dt.datetime, d_import_wh: float, d_export_wh: float, power_w: float) -> None:
        """Bills what flowed and the time that passed since the last call."""
        last, self._last = self._last or self.started, now
        seconds = max(0.0, (now - last).total_seconds())
        if self.faults.on("export-billed-as-import"):
            d_import_wh, d_export_wh = d_import_wh + d_export_wh, 0.0
        keys: list[Any] = []
        for volume in (d_import_wh, -d_export_wh):
            if volume == 0.0:
                continue
            direction = 1.0 if volume > 0 else -1.0
            element = self._element("energy", self._instant(now, direction * max(abs(power_w), 1.0)))
            if element is not None:
                self.cost["energy"] += float(element["priceKwh"]) * volume / 1000.0
            keys.append(("energy", direction, id(element)))
            self.energy_wh += volume
        flowing = abs(power_w) > FLOWING_W
        dimension = "chargingTime" if flowing or self.faults.on("idle-billed-as-charging") else "idleTime"
        element = self._element(dimension, self._instant(now, power_w))
        if element is not None:
            self.cost[dimension] += float(element["priceMinute"]) * seconds / 60.0
        keys.append((dimension, id(element)))
        if flowing:
            self.charging_s += seconds
        else:
            self.idle_s += seconds
        self._account(last, tuple(keys), d_import_wh - d_export_wh, seconds, flowing, power_w)

    def _account(self, since: dt.datetime, key: tuple[Any, ...], energy_wh: float, seconds: float, flowing: bool,
                 power_w: float) -> None:
        tid = self.tariff["tariffId"]
        p = self.periods[-1] if self.periods else None
        if p is None or p.tariff_id != tid or (key != p.key and energy_wh != 0.0):
            p = Period(since if self.periods else self.started, tid, key)  # from the start of the interval
            self.periods.append(p)
        p.energy_wh += energy_wh
        if flowing:
            p.charging_s += seconds
            p.max_power_w = power_w if p.max_power_w is None else max(p.max_power_w, power_w)
            p.min_power_w = power_w if p.min_power_w is None else min(p.min_power_w, power_w)
        else:
            p.idle_s += seconds

    # ---- what the charger reports ----------------------------------------------------------------
    def _segments(self) -> list[tuple[Payload, dict[str, float]]]:
        return [*self.earlier, (self.tariff, self.cost)]

    def _price(self, dimension: str, tariff_field: str) -> Payload:
        """One dimension's cost, each tariff's part taxed by that tariff's rates."""
        excl = incl = 0.0
        rates: list[Payload] = []
        for tariff, cost in self._segments():
            own = list((tariff.get(tariff_field) or {}).get("taxRates", []))
            excl += cost[dimension]
            incl += cost[dimension] if self.faults.on("cost-without-tax") else with_tax(cost[dimension], own)
            rates += [r for r in own if r not in rates]
        out: Payload = {"exclTax": round(excl, 4), "inclTax": round(incl, 4)}
        if rates:
            out["taxRates"] = rates
        return out

    def totals(self) -> tuple[str, float, float]:
        """(typeOfCost, total excluding tax, total including tax)."""
        parts = [self._price(d, f) for d, f in (("fixed", "fixedFee"), ("energy", "energy"), ("chargingTime", "chargingTime"),
                                                ("idleTime", "idleTime"))]
        excl, incl = sum(p["exclTax"] for p in parts), sum(p["inclTax"] for p in parts)
        for kind, bound, beyond in (("MinCost", self.tariff.get("minCost"), lambda a, b: a < b),
                                    ("MaxCost", self.tariff.get("maxCost"), lambda a, b: a > b)):
            if bound and "exclTax" in bound and beyond(excl, float(bound["exclTax"])):
                return kind, float(bound["exclTax"]), float(bound.get("inclTax", bound["exclTax"]))
        return "NormalCost", excl, incl

    def details(self, *, with_periods: bool = True) -> Payload:
        """CostDetailsType; a running-cost update has no charging periods (2.1 errata to I12.FR.02)."""
        kind, excl, incl = self.totals()
        total_cost: Payload = {"currency": self.tariff["currency"], "typeOfCost": kind,
                               "total": {"exclTax": round(excl, 4), "inclTax": round(incl, 4)}}
        for dimension, tariff_field in (("fixed", "fixedFee"), ("energy", "energy"), ("chargingTime", "chargingTime"),
                                        ("idleTime", "idleTime")):
            if any(tariff_field in tariff for tariff, _cost in self._segments()):
                total_cost[dimension] = self._price(dimension, tariff_field)
        # totalUsage.chargingTime: the time energy flowed, as I12's cost requirements pair it with
        # totalCost.chargingTime (the field's own note calls it the whole session)
        out: Payload = {"totalCost": total_cost,
                        "totalUsage": {"energy": round(self.energy_wh, 3), "chargingTime": int(round(self.charging_s)),
                                       "idleTime": int(round(self.idle_s))}}
        if self.periods and with_periods:
            out["chargingPeriods"] = [p.as_charging_period() for p in self.periods]
        return out
