"""The virtual charger's reactive power on its own: what FixedVar, VoltVar and the fixed power
factors ask of it, bounded by its ratings, reaching the plant in the analyzer's load convention
with the lag its response time gives — and the reactive faults flipping what they name."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from hilbench.sim.charger.der import DerControls
from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.reactive import ReactivePower
from hilbench.sim.plant import Plant

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.timezone.utc)
CURVE = [{"x": 92.0, "y": 44.0}, {"x": 98.0, "y": 0.0}, {"x": 102.0, "y": 0.0}, {"x": 108.0, "y": -44.0}]


def rig(*faults: str) -> tuple[Plant, DerControls, ReactivePower]:
    plant, f = Plant(), Faults(list(faults))
    der = DerControls(f)
    return plant, der, ReactivePower(plant, der, rated_var=10_000.0, rated_va=22_000.0, nominal_v=230.0,
                                     response_time_s=0.2, faults=f)


def volt_var(der: DerControls, **extra: object) -> None:
    res = der.set({"isDefault": False, "controlId": "VV", "controlType": "VoltVar",
                   "curve": {"priority": 1, "yUnit": "PctMaxVar", "curveData": CURVE, **extra}})
    assert res == {"status": "Accepted"}


@pytest.mark.parametrize(("voltage_pct", "injected"), [(90.0, 4_400.0), (95.0, 2_200.0), (100.0, 0.0), (105.0, -2_200.0),
                                                       (110.0, -4_400.0)])
def test_volt_var_follows_the_curve(voltage_pct: float, injected: float) -> None:
    _, der, reactive = rig()
    volt_var(der)
    assert reactive.target_var(NOW, -6_000.0, 230.0 * voltage_pct / 100.0)[0] == pytest.approx(injected)


def test_volt_var_vref_shifts_the_curve_and_the_fault_inverts_it() -> None:
    _, der, reactive = rig()
    volt_var(der, reactivePowerParams={"vRef": 105.0})
    assert reactive.target_var(NOW, 0.0, 230.0 * 1.05)[0] == pytest.approx(0.0)  # 105 % of nominal is 100 % of vRef
    _, der, inverted = rig("volt-var-sign-inverted")
    volt_var(der)
    assert inverted.target_var(NOW, 0.0, 230.0 * 0.95)[0] == pytest.approx(-2_200.0)


def test_fixed_pf_by_direction_of_the_active_power() -> None:
    _, der, reactive = rig()
    der.set({"isDefault": False, "controlId": "I", "controlType": "FixedPFInject",
             "fixedPFInject": {"priority": 1, "displacement": 0.9, "excitation": False}})
    der.set({"isDefault": False, "controlId": "A", "controlType": "FixedPFAbsorb",
             "fixedPFAbsorb": {"priority": 1, "displacement": 0.95, "excitation": True}})
    q_inject = reactive.target_var(NOW, -8_000.0, 230.0)[0]
    q_absorb = reactive.target_var(NOW, 8_000.0, 230.0)[0]
    assert 8_000.0 / math.hypot(8_000.0, q_inject) == pytest.approx(0.9) and q_inject > 0
    assert 8_000.0 / math.hypot(8_000.0, q_absorb) == pytest.approx(0.95) and q_absorb < 0
    assert reactive.target_var(NOW, 0.0, 230.0)[0] == 0.0  # no active power, no power factor to hold


def test_bounded_by_the_ratings_and_rejected_when_impossible() -> None:
    _, der, reactive = rig()
    assert der.set({"isDefault": False, "controlId": "F", "controlType": "FixedVar",
                    "fixedVar": {"priority": 1, "setpoint": 100.0, "unit": "PctMaxVar"}})["status"] == "Accepted"
    assert reactive.target_var(NOW, 0.0, 230.0)[0] == 10_000.0
    assert reactive.target_var(NOW, 20_000.0, 230.0)[0] == pytest.approx(math.sqrt(22_000.0 ** 2 - 20_000.0 ** 2))
    bad = der.set({"isDefault": False, "controlId": "B", "controlType": "VoltVar",
                   "curve": {"priority": 1, "yUnit": "PctMaxVar", "curveData": [{"x": 100.0, "y": 150.0}]}})
    assert bad["status"] == "Rejected"


def test_the_plant_sees_it_in_the_load_convention_after_the_lag() -> None:
    plant, der, reactive = rig()
    volt_var(der, responseTime=1.0)
    plant.grid.voltage_v = (230.0 * 0.95,) * 3
    reactive.step(0.0, NOW, energized=True)
    reactive.step(1.0, NOW, energized=True)  # one response time: 90 % of the step
    assert reactive.injected_var == pytest.approx(0.9 * 2_200.0, rel=1e-3)
    assert plant.ac_reactive_var() == pytest.approx(-0.9 * 2_200.0, rel=1e-3)
    reactive.step(1.1, NOW, energized=False)
    assert plant.ac_reactive_var() == 0.0
