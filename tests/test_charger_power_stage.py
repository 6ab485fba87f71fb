"""The virtual charger's power stage and charging profiles on their own: the target in each OCPP 2.1
operation mode against limits and the EV's limits, the response time and ramp, the stacking of
profiles and the composite schedule — each with the faults that break them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.power_stage import EvLimits, PowerStage, curve_at
from hilbench.sim.charger.smart_charging import ChargingProfiles, Period
from hilbench.sim.plant import Plant

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)
EV = EvLimits(max_charge_w=11_000.0, max_discharge_w=10_000.0, request_w=11_000.0)


def stage(*faults: str, plant: Plant | None = None) -> PowerStage:
    return PowerStage(plant or Plant(), max_charge_w=22_000.0, max_discharge_w=22_000.0, ramp_w_per_s=44_000.0,
                      response_time_s=0.2, efficiency=0.96, faults=Faults(faults))


@pytest.mark.parametrize(("period", "expected"), [
    (Period(), 11_000.0),                                                       # ChargingOnly: the EV's request
    (Period(limit_w=6_000.0), 6_000.0),                                         # ... under the limit
    (Period(operation_mode="CentralSetpoint", setpoint_w=-7_000.0), -7_000.0),  # discharge at the setpoint
    (Period(operation_mode="CentralSetpoint", setpoint_w=-7_000.0, discharge_limit_w=-5_000.0), -5_000.0),
    (Period(operation_mode="CentralSetpoint", setpoint_w=-15_000.0), -10_000.0),  # the EV's discharge limit
    (Period(operation_mode="Idle"), 0.0),
    (Period(operation_mode="ExternalLimits", limit_w=3_000.0), 3_000.0),
])
def test_target_by_operation_mode(period: Period, expected: float) -> None:
    assert stage().target(period, EV, bpt=True) == expected


def test_no_discharge_without_a_bidirectional_service() -> None:
    assert stage().target(Period(operation_mode="CentralSetpoint", setpoint_w=-7_000.0), EV, bpt=False) == 0.0


def test_frequency_watt_curve_follows_the_grid() -> None:
    plant = Plant()
    curve = [{"frequency": 49.8, "power": 10_000.0}, {"frequency": 50.0, "power": 0.0}, {"frequency": 50.2, "power": -10_000.0}]
    period = Period(operation_mode="LocalFrequency", freq_watt_curve=curve)
    s = stage(plant=plant)
    for f, expected in ((50.0, 0.0), (50.1, -5_000.0), (49.9, 5_000.0), (50.5, -10_000.0), (49.0, 10_000.0)):
        plant.grid.frequency_hz = f
        assert s.target(period, EvLimits(20_000.0, 20_000.0, 0.0), bpt=True) == pytest.approx(expected)
    assert curve_at([], 50.0, "frequency") == 0.0


@pytest.mark.parametrize(("fault", "period", "clean", "faulty"), [
    ("setpoint-sign-inverted", Period(operation_mode="CentralSetpoint", setpoint_w=-7_000.0), -7_000.0, 7_000.0),
    ("ignores-discharge-limit", Period(operation_mode="CentralSetpoint", setpoint_w=-7_000.0, discharge_limit_w=-3_000.0),
     -3_000.0, -7_000.0),
    ("ignores-charging-limit", Period(limit_w=4_000.0), 4_000.0, 11_000.0),
    ("idle-mode-still-charges", Period(operation_mode="Idle"), 0.0, 11_000.0),
])
def test_each_power_fault_changes_the_target(fault: str, period: Period, clean: float, faulty: float) -> None:
    assert stage().target(period, EV, bpt=True) == clean
    assert stage(fault).target(period, EV, bpt=True) == faulty


def _settle(s: PowerStage, target: float, until_s: float, dt_s: float = 0.001) -> list[tuple[float, float]]:
    out, t = [], 0.0
    while t <= until_s:
        out.append((t, s.step(t, target, path_closed=True)))
        t += dt_s
    return out


@pytest.mark.parametrize(("faults", "reaction_s", "full_s"), [((), 0.2, 0.2 + 11_000 / 44_000),
                                                              (("slow-setpoint-ramp",), 0.6, 0.6 + 3 * 11_000 / 44_000)])
def test_response_time_and_ramp(faults: tuple[str, ...], reaction_s: float, full_s: float) -> None:
    """At 1 kHz: nothing moves before the response time; the ramp reaches the target at its rate."""
    trace = _settle(stage(*faults), 11_000.0, 2.0)
    first_move = next(t for t, p in trace if p > 0)
    reached = next(t for t, p in trace if p >= 11_000.0)
    assert first_move == pytest.approx(reaction_s, abs=0.003)
    assert reached == pytest.approx(full_s, abs=0.005)


def test_open_power_path_drops_to_zero_at_once() -> None:
    plant = Plant()
    s = stage(plant=plant)
    _settle(s, 11_000.0, 1.0)
    assert s.step(1.01, 11_000.0, path_closed=False) == 0.0 and plant.charger_power_w == 0.0


def _profile(pid: int, purpose: str, level: int, limit: float, **extra: object) -> dict[str, object]:
    return {"id": pid, "stackLevel": level, "chargingProfilePurpose": purpose, "chargingProfileKind": "Absolute",
            "chargingSchedule": [{"id": pid, "startSchedule": "2026-12-04T11:00:00Z", "chargingRateUnit": "W",
                                  "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}], **extra}


def test_stacking_and_composite() -> None:
    p = ChargingProfiles()
    p.install(0, _profile(1, "ChargingStationMaxProfile", 0, 15_000.0), NOW)
    p.install(1, _profile(2, "TxDefaultProfile", 0, 8_000.0), NOW)
    p.install(1, _profile(3, "TxDefaultProfile", 1, 12_000.0), NOW)
    assert p.period_at(1, NOW, None).limit_w == 12_000.0       # the higher stack level wins
    p.install(1, _profile(4, "TxProfile", 0, 20_000.0, transactionId="T1"), NOW)
    assert p.period_at(1, NOW, "T1").limit_w == 15_000.0       # the TxProfile, capped by the station maximum
    composite = p.composite(1, 60, "W", NOW, "T1", 22_000.0)
    assert composite["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 15_000.0}]
    wrong = p.composite(1, 60, "W", NOW, None, 22_000.0, lowest_level=True)  # the fault's misreading
    assert wrong["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 8_000.0}]
    p.end_transaction("T1")
    assert 4 not in p.installed and p.clear(criteria={"chargingProfilePurpose": "TxDefaultProfile"})
    assert set(p.installed) == {1}


def test_relative_profile_counts_from_the_transaction_start() -> None:
    p = ChargingProfiles()
    relative = {"id": 9, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
                "transactionId": "T1", "chargingSchedule": [{"id": 9, "chargingRateUnit": "A", "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 10.0}, {"startPeriod": 60, "limit": 20.0}]}]}
    p.install(1, relative, NOW)
    p.tx_started["T1"] = NOW
    p.dc_voltage_v = 400.0
    assert p.period_at(1, NOW + dt.timedelta(seconds=30), "T1").limit_w == 4_000.0
    assert p.period_at(1, NOW + dt.timedelta(seconds=90), "T1").limit_w == 8_000.0


@pytest.mark.parametrize(("evse", "profile", "why"), [
    (1, _profile(1, "ChargingStationMaxProfile", 0, 1.0), "EVSE 0 only"),
    (1, _profile(1, "TxProfile", 0, 1.0), "no such transaction"),
    (1, _profile(1, "TxDefaultProfile", 99, 1.0), "stackLevel 99 above"),
    (1, _profile(1, "TxDefaultProfile", 0, -5.0), "negative limit"),
    (1, {**_profile(1, "TxDefaultProfile", 0, 1.0), "chargingSchedule": [{"id": 1, "chargingRateUnit": "W",
      "chargingSchedulePeriod": [{"startPeriod": 0, "operationMode": "CentralSetpoint"}]}]}, "needs a setpoint"),
    (1, {**_profile(1, "TxDefaultProfile", 0, 1.0), "chargingSchedule": [{"id": 1, "chargingRateUnit": "W",
      "chargingSchedulePeriod": [{"startPeriod": 0, "operationMode": "LocalFrequency"}]}]}, "needs a v2xFreqWattCurve"),
    (1, {**_profile(1, "TxDefaultProfile", 0, 1.0), "chargingSchedule": [{"id": 1, "chargingRateUnit": "W",
      "chargingSchedulePeriod": [{"startPeriod": 5, "limit": 1.0}]}]}, "startPeriod must begin at 0"),
])
def test_refused_profiles_say_why(evse: int, profile: dict[str, object], why: str) -> None:
    reason = ChargingProfiles(max_stack_level=8).check(evse, profile, None)
    assert reason is not None and why in reason


@pytest.mark.parametrize("fault", [None, "composite-schedule-wrong"])
async def test_composite_schedule_against_what_the_charger_does(tmp_path: Path, fault: str | None) -> None:
    """Two default profiles stacked: the charger charges at the higher level's limit, and its
    GetCompositeSchedule must say so."""
    from tests.charger_bench import bench

    async with bench(tmp_path, *([fault] if fault else []), variant="ac") as b:
        link = await b.booted()
        for pid, level, limit in ((1, 0, 4_000.0), (2, 1, 6_000.0)):
            res = await link.call("SetChargingProfile", {"evseId": 1, "chargingProfile": _profile(pid, "TxDefaultProfile", level, limit)})
            assert res["status"] == "Accepted"
        b.plug("C")
        await b.remote_start()
        await b.until(lambda: abs(b.plant.ac_power_w() - 6_000.0) < 1.0, what="6 kW")  # at the AC outlet
        res = await link.call("GetCompositeSchedule", {"evseId": 1, "duration": 60, "chargingRateUnit": "W"})
        limit = res["schedule"]["chargingSchedulePeriod"][0]["limit"]
        assert (limit == 6_000.0) == (fault is None), res


@pytest.mark.parametrize("target_w", [6_000.0, -6_000.0])
def test_the_ac_variant_regulates_its_outlet_and_the_dc_variant_its_dc_link(target_w: float) -> None:
    """An AC wall box holds the power at its AC outlet (the grid side the analyzer's AC elements
    see); the EV's on-board charger loses its share behind it. A DC charger holds its DC link."""
    for ac, measured in ((True, Plant.ac_power_w), (False, Plant.dc_power_w)):
        plant = Plant()
        plant.dc.output_on, plant.dc.voltage_v = True, 370.0
        plant.dc.sink_current_a = plant.dc.source_current_a = 100.0
        s = PowerStage(plant, max_charge_w=22_000.0, max_discharge_w=22_000.0, ramp_w_per_s=1e9, response_time_s=0.0,
                       efficiency=0.96, faults=Faults(), ac_outlet=ac)
        s.step(0.0, target_w, path_closed=True)
        s.step(1.0, target_w, path_closed=True)
        plant.step()
        assert measured(plant) == pytest.approx(target_w), (ac, measured(plant))


def _dynamic(setpoint: float, **more: object) -> dict[str, object]:
    return {"id": 28, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Dynamic",
            "transactionId": "T1", **more,
            "chargingSchedule": [{"id": 28, "chargingRateUnit": "W", "duration": 4, "chargingSchedulePeriod": [
                {"startPeriod": 0, "operationMode": "CentralSetpoint", "setpoint": setpoint}]}]}


def test_a_dynamic_profile_lasts_its_duration_from_the_last_update_and_is_pulled_at_its_interval() -> None:
    p = ChargingProfiles()
    p.install(1, _dynamic(-4_000.0, dynUpdateInterval=1), NOW)
    at = lambda s: NOW + dt.timedelta(seconds=s)  # noqa: E731
    assert p.period_at(1, at(3), "T1").setpoint_w == -4_000.0
    assert p.pulls_due(at(0.5)) == [] and p.pulls_due(at(1.0)) == [28] and p.pulls_due(at(1.5)) == []
    assert p.update_dynamic(28, {"setpoint": -6_000.0}, at(3))
    assert p.installed[28].profile["dynUpdateTime"].startswith("2026-")
    assert p.period_at(1, at(5), "T1").setpoint_w == -6_000.0   # past 4 s from install, within 4 s of the update
    assert p.period_at(1, at(7.5), "T1").setpoint_w is None     # lapsed: no profile in force
    assert not p.update_dynamic(99, {"setpoint": 1.0}, at(8))
    late = ChargingProfiles(faults=Faults(["dynamic-duration-from-install"]))
    late.install(1, _dynamic(-4_000.0), NOW)
    late.update_dynamic(28, {"setpoint": -6_000.0}, at(3))
    assert late.period_at(1, at(5), "T1").setpoint_w is None
    forever = ChargingProfiles(faults=Faults(["dynamic-profile-never-lapses"]))
    forever.install(1, _dynamic(-4_000.0), NOW)
    assert forever.period_at(1, at(60), "T1").setpoint_w == -4_000.0
