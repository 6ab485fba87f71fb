"""What a transaction should cost, computed by the bench from the tariff it sent and the energy the
power analyzer measured — import and export apart — never from the DUT's meter or its own
``costDetails``. The DUT's report is then held against it within a declared tolerance.

It prices the tariffs the cases send (OCPP 2.1 TariffType): energy price elements whose conditions
stay the same for a whole session (time of day and day of week in the DUT's local time, dates, the
EVSE kind) or only pick the direction of flow (a power bound of at most 50 W: negative for
discharging), a fixed fee, and tax rates stacked by their ``stack`` level. In each dimension the
first element whose conditions hold applies. A condition that would change within a session (an
energy, a duration, a power level) is refused as a bench error: the bench could not say which
element held when. Exported energy is a negative volume: a positive price credits the driver.

Charging and idle time are priced when the case gives them as it measured them (the time the
analyzer saw energy flow, and the rest of the transaction).

The tolerance: the analyzer stands for a class-1 meter, so each energy cost may be 1 % off; each
reported dimension may be rounded to the cent (half a cent each); a measured time may be
``TIME_UNCERTAINTY_S`` off."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hilbench.errors import HilbenchError

Payload = dict[str, Any]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: A power bound this close to zero only says which way the energy flows, W.
DIRECTION_BOUND_W = 50.0
#: Conditions that can change during a session: the bench does not price them.
VARYING = ("minEnergy", "maxEnergy", "minCurrent", "maxCurrent", "minTime", "maxTime", "minChargingTime",
           "maxChargingTime", "minIdleTime", "maxIdleTime")
METER_CLASS_PCT = 1.0
ROUNDING = 0.005
#: How far the bench's measure of a charging or idle time may be from the DUT's: the analyzer's
#: sampling period and the messages' latency, s.
TIME_UNCERTAINTY_S = 0.3


class TariffNotPriceable(HilbenchError):
    """The bench cannot price this tariff from session totals (a bug in the case that sent it)."""


@dataclass(frozen=True)
class Expected:
    fixed: float
    energy: float  #: excluding tax, import less export credit
    time: float  #: excluding tax, charging and idle time
    excl: float
    incl: float
    tolerance: float  #: ± on ``excl`` and ``incl``
    import_price: float | None  #: per kWh, the element that held for charging (None: none did)
    export_price: float | None


def local_time(at: dt.datetime, time_zone: str | None) -> dt.datetime:
    """``at`` in the DUT's local time (ClockCtrlr.TimeZone, an IANA name; UTC when it has none)."""
    try:
        return at.astimezone(ZoneInfo(time_zone)) if time_zone else at.astimezone(dt.timezone.utc)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise TariffNotPriceable(f"the DUT's time zone {time_zone!r} is unknown: {e}") from e


def _in_window(c: Payload, local: dt.datetime) -> bool:
    if "startTimeOfDay" not in c and "endTimeOfDay" not in c:
        return True
    minute = local.hour * 60 + local.minute
    h, m = map(int, c.get("startTimeOfDay", "00:00").split(":"))
    start = h * 60 + m
    h, m = map(int, c.get("endTimeOfDay", "00:00").split(":"))
    end = h * 60 + m
    if end <= start:  # wraps past midnight ("00:00" = the end of the day)
        return minute >= start or minute < end
    return start <= minute < end


def _direction_holds(c: Payload, direction: int) -> bool:
    for key in ("minPower", "maxPower"):
        if key not in c:
            continue
        bound = float(c[key])
        if key == "maxPower" or abs(bound) > DIRECTION_BOUND_W:
            raise TariffNotPriceable(f"{key} {bound:g} W depends on the power level, not only its direction")
        if (bound < 0) != (direction < 0):
            return False
    return True


def applies(c: Payload, local: dt.datetime, direction: int, evse_kind: str) -> bool:
    """Whether conditions ``c`` hold for a whole session at ``local`` flowing in ``direction``."""
    varying = [k for k in VARYING if k in c]
    if varying:
        raise TariffNotPriceable(f"conditions {varying} change within a session")
    day = local.date()
    return (_in_window(c, local)
            and ("dayOfWeek" not in c or WEEKDAYS[local.weekday()] in c["dayOfWeek"])
            and ("validFromDate" not in c or day >= dt.date.fromisoformat(c["validFromDate"]))
            and ("validToDate" not in c or day < dt.date.fromisoformat(c["validToDate"]))
            and ("evseKind" not in c or c["evseKind"] == evse_kind)
            and _direction_holds(c, direction))


def taxed(net: float, rates: list[Payload]) -> float:
    """``net`` with ``rates`` added, each stack level's on top of the levels below it."""
    gross = net
    levels = sorted({int(r.get("stack", 0)) for r in rates})
    for level in levels:
        percent = sum(float(r["tax"]) for r in rates if int(r.get("stack", 0)) == level)
        gross *= 1.0 + percent / 100.0
    return gross


def energy_price(tariff: Payload, local: dt.datetime, direction: int, evse_kind: str) -> float | None:
    for element in (tariff.get("energy") or {}).get("prices", []):
        if applies(element.get("conditions") or {}, local, direction, evse_kind):
            return float(element["priceKwh"])
    return None


def _time_cost(tariff: Payload, seconds: dict[str, float | None], local: dt.datetime,
               evse_kind: str) -> tuple[float, float, float]:
    """(excl. tax, incl. tax, tolerance) of the charging and idle time prices."""
    excl = incl = tolerance = 0.0
    for name, spent in seconds.items():
        dimension = tariff.get(name) or {}
        prices = dimension.get("prices", [])
        if not any(float(p.get("priceMinute", 0)) for p in prices):
            continue
        if spent is None:
            raise TariffNotPriceable(f"{name} prices need the session's {name} as the analyzer measured it")
        per_minute = next((float(p["priceMinute"]) for p in prices if applies(p.get("conditions") or {}, local, 1, evse_kind)), 0.0)
        rates = dimension.get("taxRates", [])
        excl += per_minute * spent / 60.0
        incl += taxed(per_minute * spent / 60.0, rates)
        tolerance += abs(per_minute) / 60.0 * TIME_UNCERTAINTY_S * max(1.0, taxed(1.0, rates))
    return excl, incl, tolerance


def expected_cost(tariff: Payload, *, import_wh: float, export_wh: float, local: dt.datetime,
                  evse_kind: str, charging_s: float | None = None, idle_s: float | None = None) -> Expected:
    """The cost of a session that imported ``import_wh`` and exported ``export_wh`` (both ≥ 0)
    under ``tariff``, at local time ``local``; with time prices, ``charging_s`` and ``idle_s`` are
    the time the analyzer saw energy flow and the rest of the transaction."""
    time_excl, time_incl, time_tolerance = _time_cost(tariff, {"chargingTime": charging_s, "idleTime": idle_s},
                                                       local, evse_kind)
    fixed = next((float(p["priceFixed"]) for p in (tariff.get("fixedFee") or {}).get("prices", [])
                  if applies(p.get("conditions") or {}, local, 1, evse_kind)), 0.0)
    p_import = energy_price(tariff, local, 1, evse_kind)
    p_export = energy_price(tariff, local, -1, evse_kind)
    import_cost = (p_import or 0.0) * import_wh / 1000.0
    export_cost = -(p_export or 0.0) * export_wh / 1000.0
    energy = import_cost + export_cost
    energy_rates = (tariff.get("energy") or {}).get("taxRates", [])
    fixed_rates = (tariff.get("fixedFee") or {}).get("taxRates", [])
    incl = taxed(energy, energy_rates) + taxed(fixed, fixed_rates) + time_incl
    gross_factor = max(1.0, taxed(1.0, energy_rates))
    tolerance = METER_CLASS_PCT / 100.0 * (abs(import_cost) + abs(export_cost)) * gross_factor + 3 * ROUNDING + time_tolerance
    return Expected(fixed, energy, time_excl, fixed + energy + time_excl, incl, tolerance, p_import, p_export)


def reported_total(details: Any, where: str) -> tuple[float, float]:
    """(exclTax, inclTax) of a DUT's ``costDetails.totalCost.total``; a value that is absent or not
    a finite number is a finding against the DUT naming where it is."""
    from hilbench.cases.model import CaseFailed

    try:
        total = details["totalCost"]["total"]
    except (KeyError, TypeError) as e:
        raise CaseFailed(f"{where}: costDetails has no totalCost.total ({e!r} missing)") from e
    out = []
    for key in ("exclTax", "inclTax"):
        value = total.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CaseFailed(f"{where}: costDetails.totalCost.total.{key} is {value!r}, not a number")
        out.append(float(value))
    return out[0], out[1]
