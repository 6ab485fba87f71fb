"""The virtual charger's DER controls (R04) on their own: which control is in force (a scheduled
one over a default one, then the lowest priority value), what SetDERControl says it superseded,
what the report flags, what ClearDERControl finds, and the cap LimitMaxDischarge puts on
discharging — with the DER faults flipping exactly the behaviour they name."""

from __future__ import annotations

import datetime as dt

from hilbench.sim.charger.der import DerControls
from hilbench.sim.charger.faults import Faults

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.timezone.utc)
EV_MAX_W = 11_000.0


def lmd(cid: str, priority: int, pct: float, *, default: bool = False, **extra: object) -> dict:
    return {"isDefault": default, "controlId": cid, "controlType": "LimitMaxDischarge",
            "limitMaxDischarge": {"priority": priority, "pctMaxDischargePower": pct, **extra}}


def test_lowest_priority_value_wins_and_supersedes() -> None:
    der = DerControls(Faults())
    assert der.set(lmd("A", 5, 70.0)) == {"status": "Accepted"}
    assert der.set(lmd("B", 2, 30.0)) == {"status": "Accepted", "supersededIds": ["A"]}
    assert der.set(lmd("C", 8, 90.0)) == {"status": "Accepted"}
    assert der.discharge_cap_w(NOW, EV_MAX_W) == 3_300.0
    response, report = der.report({"requestId": 7, "isDefault": False})
    assert response == {"status": "Accepted"} and report is not None and report["requestId"] == 7
    assert {e["id"]: e["isSuperseded"] for e in report["limitMaxDischarge"]} == {"A": True, "B": False, "C": True}


def test_priority_ignored_fault_applies_the_last_set() -> None:
    der = DerControls(Faults(["der-priority-ignored"]))
    der.set(lmd("B", 2, 30.0))
    der.set(lmd("C", 8, 90.0))
    assert der.discharge_cap_w(NOW, EV_MAX_W) == 9_900.0


def test_a_scheduled_control_beats_a_default_one_only_while_it_runs() -> None:
    der = DerControls(Faults())
    der.set(lmd("D", 0, 50.0, default=True))
    start = (NOW + dt.timedelta(seconds=60)).isoformat().replace("+00:00", "Z")
    der.set(lmd("S", 9, 20.0, startTime=start, duration=120))
    assert der.discharge_cap_w(NOW, EV_MAX_W) == 5_500.0
    assert der.discharge_cap_w(NOW + dt.timedelta(seconds=90), EV_MAX_W) == 2_200.0
    assert der.discharge_cap_w(NOW + dt.timedelta(seconds=200), EV_MAX_W) == 5_500.0


def test_a_control_no_higher_priority_overlaps_is_not_superseded() -> None:
    """isSuperseded is about priority over the control's own time: a later control (not started
    yet) of lower priority is not superseded by one that ends before it starts."""
    der = DerControls(Faults())
    iso = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
    der.set(lmd("NOW", 1, 40.0, startTime=iso(NOW - dt.timedelta(seconds=10)), duration=60))
    later = der.set(lmd("LATER", 5, 60.0, startTime=iso(NOW + dt.timedelta(seconds=120)), duration=60))
    over = der.set(lmd("OVERLAP", 7, 80.0, startTime=iso(NOW + dt.timedelta(seconds=30)), duration=60))
    assert later == {"status": "Accepted"} and over == {"status": "Accepted"}
    _, report = der.report({"requestId": 3, "isDefault": False})
    assert report is not None
    assert {e["id"]: e["isSuperseded"] for e in report["limitMaxDischarge"]} == \
        {"NOW": False, "LATER": False, "OVERLAP": True}
    assert der.set(lmd("TOP", 0, 10.0)) == {"status": "Accepted", "supersededIds": ["LATER", "NOW"]}


def test_clear_and_get_of_what_is_not_there_is_not_found() -> None:
    der = DerControls(Faults())
    assert der.clear({"isDefault": False, "controlId": "X"}) == {"status": "NotFound"}
    assert der.report({"requestId": 1, "controlId": "X"}) == ({"status": "NotFound"}, None)
    der.set(lmd("X", 1, 10.0))
    assert der.clear({"isDefault": False, "controlId": "X"}) == {"status": "Accepted"}
    assert der.discharge_cap_w(NOW, EV_MAX_W) is None
    assert DerControls(Faults(["clear-der-unknown-accepted"])).clear({"isDefault": False, "controlId": "X"}) == \
        {"status": "Accepted"}


def test_impossible_and_unsupported_controls_are_refused_with_the_reason() -> None:
    der = DerControls(Faults())
    res = der.set(lmd("P", 1, 150.0))
    assert res["status"] == "Rejected" and "150" in res["statusInfo"]["additionalInfo"]
    res = der.set({"isDefault": False, "controlId": "F", "controlType": "FixedPFInject",
                   "fixedPFInject": {"priority": 1, "displacement": 1.3, "excitation": True}})
    assert res["status"] == "Rejected" and "1.3" in res["statusInfo"]["additionalInfo"]
    res = der.set({"isDefault": False, "controlId": "W", "controlType": "VoltWatt",
                   "curve": {"priority": 1, "yUnit": "PctMaxW", "curveData": [{"x": 100.0, "y": 100.0}]}})
    assert res["status"] == "NotSupported" and "VoltWatt" in res["statusInfo"]["additionalInfo"]
    assert not der.controls


def test_limit_max_discharge_ignored_fault_lifts_the_cap() -> None:
    der = DerControls(Faults(["ignores-limit-max-discharge"]))
    der.set(lmd("A", 1, 40.0))
    assert der.discharge_cap_w(NOW, EV_MAX_W) is None


def hv_trip(**extra: object) -> dict:
    return {"isDefault": True, "controlId": "HV", "controlType": "HVMustTrip",
            "curve": {"priority": 1, "yUnit": "PctEffectiveV", "curveData": [{"x": 1.0, "y": 110.0}, {"x": 0.16, "y": 120.0}],
                      **extra}}


def test_hv_must_trip_ceases_before_the_clearing_time_and_alarms_both_ways() -> None:
    der = DerControls(Faults())
    assert der.set(hv_trip()) == {"status": "Accepted"}
    assert der.trips(0.0, (105.0, 104.0, 103.0), NOW) == [] and not der.ceased()  # inside the curve
    assert der.trips(10.0, (112.0, 104.0, 103.0), NOW) == []                        # beyond 110 %: 1 s to go
    assert der.trips(10.7, (112.0, 104.0, 103.0), NOW) == [] and not der.ceased()
    [alarm] = der.trips(10.85, (112.0, 104.0, 103.0), NOW)
    assert der.ceased() and alarm["controlType"] == "HVMustTrip" and alarm["gridEventFault"] == "OverVoltage"
    assert "alarmEnded" not in alarm and alarm["timestamp"].endswith("Z")
    [ended] = der.trips(12.0, (100.0, 100.0, 100.0), NOW)
    assert ended["alarmEnded"] is True and not der.ceased()
    der.trips(20.0, (121.0, 100.0, 100.0), NOW)                                      # beyond 120 %: 0.16 s
    assert der.trips(20.2, (121.0, 100.0, 100.0), NOW) and der.ceased()


def test_hv_trip_faults_trip_late_or_silently() -> None:
    late = DerControls(Faults(["trips-late-hv-must-trip"]))
    late.set(hv_trip())
    late.trips(0.0, (112.0,), NOW)
    assert not late.trips(2.9, (112.0,), NOW) and late.trips(3.0, (112.0,), NOW)
    silent = DerControls(Faults(["no-der-alarm-on-trip"]))
    silent.set(hv_trip())
    silent.trips(0.0, (112.0,), NOW)
    assert silent.trips(1.0, (112.0,), NOW) == [] and silent.ceased()


def test_a_trip_curve_is_reported_with_its_type_and_a_bad_one_rejected() -> None:
    der = DerControls(Faults())
    der.set(hv_trip())
    _, report = der.report({"requestId": 2, "controlType": "HVMustTrip"})
    assert report is not None and report["curve"][0]["curveType"] == "HVMustTrip" and not report["curve"][0]["isSuperseded"]
    res = der.set(dict(hv_trip(), curve={"priority": 1, "yUnit": "PctMaxW", "curveData": [{"x": 1.0, "y": 110.0}]}))
    assert res["status"] == "Rejected" and "PctEffectiveV" in res["statusInfo"]["additionalInfo"]


def enter_service(**more: object) -> dict:
    return {"isDefault": True, "controlId": "ES", "controlType": "EnterService",
            "enterService": {"priority": 1, "lowVoltage": 90.0, "highVoltage": 106.0, "lowFreq": 49.9, "highFreq": 50.1,
                             "delay": 3.0, "rampRate": 2.0, **more}}


def _tripped(der: DerControls) -> None:
    der.trips(0.0, (112.0,), NOW)
    der.trips(1.0, (112.0,), NOW)
    assert der.ceased() and der.service_share(1.0, (112.0,), 50.0, NOW) == 0.0


def test_enter_service_waits_the_delay_inside_the_window_then_ramps() -> None:
    der = DerControls(Faults())
    assert der.set(hv_trip())["status"] == der.set(enter_service())["status"] == "Accepted"
    assert der.service_share(0.0, (100.0,), 50.0, NOW) == 1.0  # never tripped: in service
    _tripped(der)
    der.trips(2.0, (108.0,), NOW)                                     # trip over, but above the window
    assert not der.ceased() and der.service_share(2.0, (108.0,), 50.0, NOW) == 0.0
    assert der.service_share(3.0, (100.0,), 50.0, NOW) == 0.0         # inside from 3.0 s
    assert der.service_share(4.0, (100.0,), 50.3, NOW) == 0.0         # frequency out: the delay starts again
    assert der.service_share(5.0, (100.0,), 50.0, NOW) == 0.0
    assert der.service_share(7.9, (100.0,), 50.0, NOW) == 0.0         # 2.9 s of the 3 s
    assert der.service_share(8.0, (100.0,), 50.0, NOW) == 0.0         # ramp starts
    assert der.service_share(9.0, (100.0,), 50.0, NOW) == 0.5
    assert der.service_share(10.0, (100.0,), 50.0, NOW) == 1.0
    assert der.service_share(10.5, (108.0,), 50.0, NOW) == 1.0        # back in service: the window no longer gates
    _, report = der.report({"requestId": 1, "controlType": "EnterService"})
    assert report == {"requestId": 1, "enterService": [{"id": "ES", "enterService": enter_service()["enterService"]}]}


def test_without_enter_service_or_under_its_fault_the_output_returns_at_once() -> None:
    for der, control in ((DerControls(Faults()), None), (DerControls(Faults(["enter-service-ignored"])), enter_service())):
        der.set(hv_trip())
        if control is not None:
            der.set(control)
        _tripped(der)
        der.trips(2.0, (100.0,), NOW)
        assert der.service_share(2.0, (100.0,), 50.0, NOW) == 1.0


def test_an_empty_enter_service_window_is_rejected() -> None:
    res = DerControls(Faults()).set(enter_service(lowVoltage=110.0))
    assert res["status"] == "Rejected" and "window is empty" in res["statusInfo"]["additionalInfo"]


def test_misshapen_controls_are_rejected_as_the_errata_says_unless_the_fault_lets_them_by() -> None:
    """R04.FR.13 (a default with a schedule), R04.FR.15 (a scheduled EnterService), R04.FR.17 (a
    field not the controlType's)."""
    bad = [lmd("D", 1, 50.0, default=True, startTime="2026-12-05T12:00:00Z", duration=60),
           enter_service() | {"isDefault": False},
           {"isDefault": False, "controlId": "F", "controlType": "LimitMaxDischarge",
            "fixedVar": {"priority": 1, "setpoint": 10.0, "unit": "PctMaxVar"}}]
    for request, why in zip(bad, ("R04.FR.13", "R04.FR.15", "R04.FR.17")):
        res = DerControls(Faults()).set(request)
        assert res["status"] == "Rejected" and why in res["statusInfo"]["additionalInfo"], res
    lax = DerControls(Faults(["der-control-shape-unchecked"]))
    assert [lax.set(r)["status"] for r in bad[:2]] == ["Accepted", "Accepted"]


def freq_droop(**more: object) -> dict:
    return {"isDefault": False, "controlId": "FD", "controlType": "FreqDroop",
            "freqDroop": {"priority": 1, "overFreq": 50.1, "underFreq": 49.9, "overDroop": 0.02, "underDroop": 0.04,
                          "responseTime": 0.5, **more}}


def test_freq_droop_moves_the_power_by_the_distance_from_the_band_over_the_droop() -> None:
    der = DerControls(Faults())
    assert der.droop_w(NOW, 50.3, 50.0, 22_000.0) == 0.0  # no control: nothing
    assert der.set(freq_droop())["status"] == "Accepted"
    assert der.droop_w(NOW, 50.05, 50.0, 22_000.0) == 0.0 and der.droop_w(NOW, 49.95, 50.0, 22_000.0) == 0.0
    assert abs(der.droop_w(NOW, 50.2, 50.0, 22_000.0) - 0.1 / (0.02 * 50.0) * 22_000.0) < 1e-6   # +2.2 kW: take more
    assert abs(der.droop_w(NOW, 49.8, 50.0, 22_000.0) + 0.1 / (0.04 * 50.0) * 22_000.0) < 1e-6   # -1.1 kW: give more
    assert DerControls(Faults(["freq-droop-ignored"])).droop_w(NOW, 50.2, 50.0, 22_000.0) == 0.0
    inverted = DerControls(Faults(["freq-droop-sign-inverted"]))
    inverted.set(freq_droop())
    assert inverted.droop_w(NOW, 50.2, 50.0, 22_000.0) < 0.0
    _, report = der.report({"requestId": 4, "controlType": "FreqDroop"})
    assert report is not None and report["freqDroop"][0]["freqDroop"]["overDroop"] == 0.02


def test_an_inverted_droop_band_is_rejected() -> None:
    res = DerControls(Faults()).set(freq_droop(underFreq=50.2))
    assert res["status"] == "Rejected" and "underFreq < overFreq" in res["statusInfo"]["additionalInfo"]


def mom_cess() -> dict:
    return {"isDefault": False, "controlId": "MC", "controlType": "HVMomCess",
            "curve": {"priority": 1, "yUnit": "PctEffectiveV", "curveData": [{"x": 0.5, "y": 110.0}]}}


def test_momentary_cessation_comes_back_at_once_whatever_enter_service_says() -> None:
    for faults, back_at_once in (((), True), (("momentary-cessation-as-trip",), False)):
        der = DerControls(Faults(faults))
        der.set(mom_cess())
        der.set(enter_service())
        der.trips(0.0, (112.0,), NOW)
        [alarm] = der.trips(0.5, (112.0,), NOW)
        assert alarm["controlType"] == "HVMomCess" and der.service_share(0.5, (112.0,), 50.0, NOW) == 0.0
        der.trips(1.0, (100.0,), NOW)
        assert (der.service_share(1.0, (100.0,), 50.0, NOW) == 1.0) is back_at_once
    ignored = DerControls(Faults(["momentary-cessation-ignored"]))
    ignored.set(mom_cess())
    ignored.trips(0.0, (112.0,), NOW)
    assert ignored.trips(5.0, (112.0,), NOW) == [] and not ignored.ceased()
