"""The bench's own price of a session (``hilbench.cases.tariff_cost``): worked by hand on the
tariffs the cases send, the conditions it refuses to guess at, and a DUT's cost that is no number."""

from __future__ import annotations

import datetime as dt

import pytest

from hilbench.cases.blocks.i_tariff_cost import v2g_tariff
from hilbench.cases.model import CaseFailed
from hilbench.cases.tariff_cost import TariffNotPriceable, expected_cost, local_time, reported_total, taxed

NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.timezone.utc)


def test_the_v2g_tariff_priced_by_hand() -> None:
    """8 Wh in at 40.00/kWh, 4 Wh out credited at 20.00, a 0.50 start fee; VAT 19 % then a 5 % levy
    on top of it on the energy, VAT on the fee."""
    tariff = v2g_tariff("T", "EUR", NOON)
    e = expected_cost(tariff, import_wh=8.0, export_wh=4.0, local=NOON, evse_kind="DC")
    assert (e.import_price, e.export_price) == (40.0, 20.0)
    assert e.energy == pytest.approx(0.32 - 0.08)
    assert e.excl == pytest.approx(0.74)
    assert e.incl == pytest.approx(0.24 * 1.19 * 1.05 + 0.5 * 1.19)
    assert e.tolerance == pytest.approx(0.01 * 0.40 * 1.19 * 1.05 + 0.015)


def test_the_hour_decides_the_import_price() -> None:
    tariff = v2g_tariff("T", "EUR", NOON)  # free from 15:00 to 16:00, 40.00 from 11:00 to 13:00, else 60.00
    assert expected_cost(tariff, import_wh=1.0, export_wh=0.0, local=NOON.replace(hour=15, minute=30),
                         evse_kind="DC").import_price == 0.0
    assert expected_cost(tariff, import_wh=1.0, export_wh=0.0, local=NOON.replace(hour=18), evse_kind="DC").import_price == 60.0


def test_local_time_follows_the_dut_time_zone() -> None:
    assert local_time(NOON, "Europe/Berlin").hour == 13 and local_time(NOON, None).hour == 12
    with pytest.raises(TariffNotPriceable, match="Mars/Olympus"):
        local_time(NOON, "Mars/Olympus")


@pytest.mark.parametrize(("conditions", "why"), [
    ({"minEnergy": 1000}, "change within a session"),
    ({"minPower": 5000}, "depends on the power level"),
    ({"maxPower": -1}, "depends on the power level"),
])
def test_conditions_that_change_within_a_session_are_refused(conditions: dict[str, float], why: str) -> None:
    tariff = {"tariffId": "T", "currency": "EUR", "energy": {"prices": [{"priceKwh": 1.0, "conditions": conditions}]}}
    with pytest.raises(TariffNotPriceable, match=why):
        expected_cost(tariff, import_wh=1.0, export_wh=0.0, local=NOON, evse_kind="DC")


def test_charging_and_idle_time_are_priced_as_measured() -> None:
    tariff = {"tariffId": "T", "currency": "EUR", "chargingTime": {"prices": [{"priceMinute": 6.0}]},
              "idleTime": {"prices": [{"priceMinute": 1.5}], "taxRates": [{"type": "VAT", "tax": 20.0}]}}
    e = expected_cost(tariff, import_wh=0.0, export_wh=0.0, local=NOON, evse_kind="DC", charging_s=30.0, idle_s=60.0)
    assert (e.time, e.excl) == (pytest.approx(3.0 + 1.5), pytest.approx(4.5))
    assert e.incl == pytest.approx(3.0 + 1.5 * 1.2)
    assert e.tolerance == pytest.approx(0.015 + 0.1 * 0.3 + 0.025 * 0.3 * 1.2)
    with pytest.raises(TariffNotPriceable, match="chargingTime prices need the session's chargingTime"):
        expected_cost(tariff, import_wh=0.0, export_wh=0.0, local=NOON, evse_kind="DC")


def test_taxes_stack() -> None:
    assert taxed(100.0, [{"type": "VAT", "tax": 20.0}, {"type": "Levy", "tax": 10.0, "stack": 1}]) == pytest.approx(132.0)


@pytest.mark.parametrize(("details", "message"), [
    (None, "costDetails has no totalCost.total"),
    ({"totalCost": {"total": {"exclTax": "1.20", "inclTax": 1.4}}}, r"totalCost.total.exclTax is '1.20', not a number"),
    ({"totalCost": {"total": {"exclTax": 1.2}}}, "totalCost.total.inclTax is None, not a number"),
    ({"totalCost": {"total": {"exclTax": float("nan"), "inclTax": 1.0}}}, "exclTax is nan"),
])
def test_a_cost_that_is_no_number_is_a_finding_naming_where(details: object, message: str) -> None:
    with pytest.raises(CaseFailed, match=f"TransactionEvent Ended: .*{message}"):
        reported_total(details, "TransactionEvent Ended")
