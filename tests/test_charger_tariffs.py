"""The virtual charger's tariffs and running cost (OCPP 2.1 block I), unit by unit: what it refuses
and with which status, which default tariff is in force, how it prices import, export, time and
fees with stacked taxes, and its costDetails against the 2.1 schema of the ``ocpp`` library."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import ocpp.v21
import pytest

from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.running_cost import Instant, RunningCost, holds, with_tax
from hilbench.sim.charger.tariff_store import TariffStore, check

SCHEMAS = Path(ocpp.v21.__file__).parent / "schemas"
T0 = dt.datetime(2026, 12, 5, 14, 30, tzinfo=dt.timezone.utc)  # a Saturday


def tariff(**more: Any) -> dict[str, Any]:
    return {"tariffId": "T1", "currency": "EUR", "energy": {"prices": [{"priceKwh": 0.30}]}, **more}


def store(tmp_path: Path, faults: tuple[str, ...] = ()) -> TariffStore:
    return TariffStore(tmp_path / "tariffs.json", currency=lambda: "EUR", max_elements=lambda: 3, faults=Faults(faults))


@pytest.mark.parametrize(("bad", "status", "where"), [
    (tariff(currency="USD"), "Rejected", "currency 'USD'; this station bills in EUR"),
    (tariff(energy={"prices": [{"priceKwh": 0.1}] * 4}), "TooManyElements", "energy has 4 price elements, at most 3"),
    (tariff(energy={"prices": [{"priceKwh": 0.1, "conditions": {"maxCurrent": 16}}]}), "ConditionNotSupported",
     "energy.prices[0]: condition maxCurrent"),
    (tariff(fixedFee={"prices": [{"priceFixed": -1}]}), "Rejected", "fixedFee.prices[0].priceFixed is negative"),
    (tariff(energy={"prices": [{"priceKwh": 0.1}], "taxRates": [{"type": "VAT", "tax": -5}]}), "Rejected",
     "energy.taxRates[0].tax is negative"),
    (tariff(energy={"prices": [{"priceKwh": 0.1, "conditions": {"startTimeOfDay": "25:00"}}]}), "Rejected",
     "startTimeOfDay '25:00' is not HH:MM"),
    (tariff(energy={"prices": [{"priceKwh": 0.1, "conditions": {"validFromDate": "2026-02-01", "validToDate": "2026-01-01"}}]}),
     "Rejected", "validToDate 2026-01-01 is not after validFromDate 2026-02-01"),
])
def test_a_malformed_tariff_is_refused_naming_what_and_where(bad: dict[str, Any], status: str, where: str) -> None:
    refusal = check(bad, currency="EUR", max_elements=3)
    assert refusal is not None and refusal.status == status and where in refusal.info, refusal


def test_a_negative_energy_price_is_allowed() -> None:
    assert check(tariff(energy={"prices": [{"priceKwh": -0.05}]}), currency="EUR", max_elements=3) is None


def test_defaults_per_evse_valid_from_duplicates_and_clear(tmp_path: Path) -> None:
    s = store(tmp_path)
    assert s.get(0) == {"status": "NoTariff"}
    assert s.set_default(0, tariff())["status"] == "Accepted"
    assert s.tariff_for(1, None)["tariffId"] == "T1"
    assert s.get(1)["tariffAssignments"] == [{"tariffId": "T1", "tariffKind": "DefaultTariff", "evseIds": [1]}]
    assert s.set_default(1, tariff(energy={"prices": [{"priceKwh": 0.9}]}))["status"] == "DuplicateTariffId"
    later = tariff(tariffId="T2", validFrom=(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat())
    assert s.set_default(1, later)["status"] == "Accepted"
    assert s.tariff_for(1, None)["tariffId"] == "T1"  # T2 takes over tomorrow; until then both are held
    assert {a["tariffId"] for a in s.get(0)["tariffAssignments"]} == {"T1", "T2"}
    assert s.set_default(1, tariff(tariffId="T3"))["status"] == "Accepted"  # in force now: T1 goes
    assert {a["tariffId"] for a in s.get(0)["tariffAssignments"]} == {"T2", "T3"}
    assert store(tmp_path).tariff_for(1, None)["tariffId"] == "T3"  # kept across a reboot
    assert s.clear(["T3", "T9"], None) == {"clearTariffsResult": [{"tariffId": "T3", "status": "Accepted"},
                                                                  {"tariffId": "T9", "status": "NoTariff"}]}
    assert s.clear(None, None) == {"clearTariffsResult": [{"tariffId": "T2", "status": "Accepted"}]}
    assert s.clear(None, None) == {"clearTariffsResult": [{"status": "NoTariff"}]}


def test_a_driver_tariff_goes_before_the_default_and_with_its_transaction(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.set_default(0, tariff())
    assert s.add_driver("CARD-1", tariff(tariffId="D1")) is None
    assert s.tariff_for(1, "CARD-1")["tariffId"] == "D1" and s.tariff_for(1, "CARD-2")["tariffId"] == "T1"
    s.drop_driver("CARD-1")
    assert s.tariff_for(1, "CARD-1")["tariffId"] == "T1"


def _at(local: dt.datetime, power_w: float = 5000.0, energy_wh: float = 0.0) -> Instant:
    return Instant(local, power_w, energy_wh, 0.0, 0.0, 0.0, "DC")


def test_conditions_time_of_day_wraps_and_negative_bounds_mean_discharging() -> None:
    night = {"startTimeOfDay": "22:00", "endTimeOfDay": "06:00"}
    assert holds(night, _at(T0.replace(hour=23))) and holds(night, _at(T0.replace(hour=5)))
    assert not holds(night, _at(T0))
    assert holds({"endTimeOfDay": "00:00", "startTimeOfDay": "14:00"}, _at(T0))  # to the end of the day
    assert holds({"dayOfWeek": ["Saturday"]}, _at(T0)) and not holds({"dayOfWeek": ["Monday"]}, _at(T0))
    discharging = {"minPower": -1000, "maxPower": -10000}  # 1 kW to 10 kW discharging
    assert holds(discharging, _at(T0, -5000)) and not holds(discharging, _at(T0, 5000))
    assert not holds(discharging, _at(T0, -500)) and not holds(discharging, _at(T0, -10000))
    assert holds({"minPower": 0}, _at(T0, 5000)) and not holds({"minPower": 0}, _at(T0, -5000))


def test_taxes_stack_on_the_levels_below() -> None:
    assert with_tax(100.0, [{"type": "VAT", "tax": 20.0}, {"type": "Levy", "tax": 10.0, "stack": 1}]) == pytest.approx(132.0)
    assert with_tax(100.0, [{"type": "A", "tax": 5.0}, {"type": "B", "tax": 10.0}]) == pytest.approx(115.0)


V2G = {"tariffId": "V2G", "currency": "EUR",
       "energy": {"prices": [{"priceKwh": 0.10, "conditions": {"minPower": -1}}, {"priceKwh": 0.30}],
                  "taxRates": [{"type": "VAT", "tax": 20.0}]},
       "chargingTime": {"prices": [{"priceMinute": 0.06}]},
       "fixedFee": {"prices": [{"priceFixed": 1.0}]}}


def _session(faults: tuple[str, ...] = ()) -> RunningCost:
    """10 kWh imported over 60 s at 600 kW, then 5 kWh exported over 60 s at 300 kW (big numbers:
    easy arithmetic), then 60 s idle."""
    cost = RunningCost(V2G, T0, "DC", Faults(faults))
    for i in range(1, 61):
        cost.advance(T0 + dt.timedelta(seconds=i), 10_000 / 60, 0.0, 600_000.0)
    for i in range(61, 121):
        cost.advance(T0 + dt.timedelta(seconds=i), 0.0, 5_000 / 60, -300_000.0)
    for i in range(121, 181):
        cost.advance(T0 + dt.timedelta(seconds=i), 0.0, 0.0, 0.0)
    return cost


def test_a_v2g_session_nets_import_against_export_with_tax() -> None:
    d = _session().details()
    total = d["totalCost"]
    assert total["fixed"] == {"exclTax": 1.0, "inclTax": 1.0}
    assert total["energy"]["exclTax"] == pytest.approx(10 * 0.30 - 5 * 0.10)  # 2.50
    assert total["energy"]["inclTax"] == pytest.approx(2.5 * 1.2)
    assert total["chargingTime"]["exclTax"] == pytest.approx(2 * 0.06)  # 2 minutes with energy flowing
    assert total["total"] == {"exclTax": pytest.approx(3.62), "inclTax": pytest.approx(4.12)}
    assert d["totalUsage"] == {"energy": pytest.approx(5000.0), "chargingTime": 120, "idleTime": 60}
    periods = d["chargingPeriods"]
    assert [p["startPeriod"] for p in periods] == ["2026-12-05T14:30:00Z", "2026-12-05T14:31:00Z"]
    assert periods[1]["dimensions"][0] == {"type": "Energy", "volume": pytest.approx(-5000.0)}


@pytest.mark.parametrize(("fault", "excl", "incl"), [
    ("export-billed-as-import", 1 + 15 * 0.30 + 0.12, 1 + 15 * 0.30 * 1.2 + 0.12),
    ("cost-without-tax", 3.62, 3.62),
    ("tariff-condition-ignored", 1 + 0.5 + 0.12, 1 + 0.5 * 1.2 + 0.12),  # everything at 0.10: 10 - 5 kWh
    ("idle-billed-as-charging", 3.62 + 0.06, 4.12 + 0.06),  # the idle minute at the charging-time price
])
def test_the_cost_faults_change_the_total_as_named(fault: str, excl: float, incl: float) -> None:
    assert _session((fault,)).details()["totalCost"]["total"] == {"exclTax": pytest.approx(excl), "inclTax": pytest.approx(incl)}


def test_min_and_max_cost_bound_the_total() -> None:
    cheap = RunningCost(V2G | {"minCost": {"exclTax": 5.0, "inclTax": 6.0}}, T0, "DC", Faults())
    assert cheap.totals() == ("MinCost", 5.0, 6.0)
    dear = _session()
    dear.tariff = V2G | {"maxCost": {"exclTax": 2.0}}
    assert dear.totals() == ("MaxCost", 2.0, 2.0)


def test_cost_details_are_valid_in_a_transaction_event_by_the_ocpp_library_schema() -> None:
    schema = json.loads((SCHEMAS / "TransactionEventRequest.json").read_text())
    for details in (_session().details(), _session().details(with_periods=False)):
        event = {"eventType": "Ended", "timestamp": "2026-12-05T14:33:00Z", "triggerReason": "RemoteStop", "seqNo": 3,
                 "transactionInfo": {"transactionId": "tx", "tariffId": "V2G"}, "costDetails": details}
        jsonschema.validate(event, schema)


def test_a_changed_tariff_leaves_what_was_used_billed_and_taxed_by_the_old_one() -> None:
    """ChangeTransactionTariff at 60 s: the first 10 kWh at 0.30 + 20 % VAT, the next 10 kWh at
    0.50 + 10 % VAT — not the whole 20 kWh at the new tax — and the start fee charged once."""
    old = {"tariffId": "OLD", "currency": "EUR", "energy": {"prices": [{"priceKwh": 0.30}], "taxRates": [{"type": "VAT", "tax": 20.0}]},
           "fixedFee": {"prices": [{"priceFixed": 1.0}]}}
    new = {"tariffId": "NEW", "currency": "EUR", "energy": {"prices": [{"priceKwh": 0.50}], "taxRates": [{"type": "VAT", "tax": 10.0}]},
           "fixedFee": {"prices": [{"priceFixed": 7.0}]}}
    cost = RunningCost(old, T0, "DC", Faults())
    for i in range(1, 61):
        cost.advance(T0 + dt.timedelta(seconds=i), 10_000 / 60, 0.0, 600_000.0)
    cost.change_tariff(new, T0 + dt.timedelta(seconds=60))
    for i in range(61, 121):
        cost.advance(T0 + dt.timedelta(seconds=i), 10_000 / 60, 0.0, 600_000.0)
    total = cost.details()["totalCost"]
    assert total["energy"] == {"exclTax": pytest.approx(3.0 + 5.0), "inclTax": pytest.approx(3.6 + 5.5),
                               "taxRates": [{"type": "VAT", "tax": 20.0}, {"type": "VAT", "tax": 10.0}]}
    assert total["fixed"] == {"exclTax": 1.0, "inclTax": 1.0}
    assert total["total"] == {"exclTax": pytest.approx(9.0), "inclTax": pytest.approx(10.1)}
    assert [p["tariffId"] for p in cost.details()["chargingPeriods"]] == ["OLD", "NEW"]


def test_a_time_of_day_condition_holds_in_the_local_time_given() -> None:
    """14:30 UTC is 20:00 in Asia/Kolkata: a 19:30-20:30 price applies there and not in UTC."""
    from zoneinfo import ZoneInfo

    evening = {"tariffId": "TOD", "currency": "EUR",
               "energy": {"prices": [{"priceKwh": 0.40, "conditions": {"startTimeOfDay": "19:30", "endTimeOfDay": "20:30"}},
                                     {"priceKwh": 0.60}]}}
    for start, price in ((T0.astimezone(ZoneInfo("Asia/Kolkata")), 0.40), (T0, 0.60)):
        cost = RunningCost(evening, start, "DC", Faults())
        cost.advance(start + dt.timedelta(seconds=1), 1_000.0, 0.0, 3_600_000.0)
        assert cost.details()["totalCost"]["energy"]["exclTax"] == pytest.approx(price)
