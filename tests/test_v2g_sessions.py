"""Bench EVCC ↔ bench SECC in memory (the sans-I/O engines, V2GTP and EXI on the wire between
them): DC, AC, DC_BPT and AC_BPT, each with scheduled and dynamic control, BPT sessions with a
charging and a discharging phase; the SECC's refusals of broken sequences; the EVCC's timing
report flagging a slow SECC."""

from __future__ import annotations

import pytest

from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.events import SessionEnded
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.evse_model import EvseModel
from hilbench.v2g.link import Delay, Raw
from hilbench.v2g.secc import Secc
from tests.v2g_loopback import run

DC_SEQUENCE = ["supportedAppProtocolReq", "SessionSetupReq", "AuthorizationSetupReq", "AuthorizationReq", "ServiceDiscoveryReq",
               "ServiceDetailReq", "ServiceSelectionReq", "DC_ChargeParameterDiscoveryReq", "ScheduleExchangeReq",
               "DC_CableCheckReq", "DC_CableCheckReq", "DC_PreChargeReq"]


def sent(engine, direction: str = "out") -> list[str]:  # type: ignore[no-untyped-def]
    return [name for d, name, _t in engine.log if d == direction]


@pytest.mark.parametrize("control", ["scheduled", "dynamic"])
@pytest.mark.parametrize("service", ["DC", "AC", "DC_BPT", "AC_BPT"])
def test_full_session(service: str, control: str) -> None:
    evcc, secc = Evcc(service, control, ev=BatteryEv(loop_cycles=10)), Secc()
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and secc.ended == SessionEnded(True, "SessionStop OK")
    requests = sent(evcc)
    assert requests == sent(secc, "in")  # every request arrived, in order
    prefix = service[:2] + "_"
    assert requests[-1] == "SessionStopReq" and requests.count(f"{prefix}ChargeLoopReq") == 10
    if prefix == "DC_":
        assert requests[:len(DC_SEQUENCE)] == DC_SEQUENCE and "DC_WeldingDetectionReq" in requests
    else:
        assert not any(r.startswith("DC_") for r in requests)
    powers = [r["power_w"] for r in secc.loop_reports]
    if service.endswith("BPT"):  # a charging phase, then a discharging phase (negative = EV → EVSE)
        assert powers[0] > 0 and powers[-1] < 0
        assert all(a >= b for a, b in zip(powers, powers[1:]) if (a > 0) != (b > 0))
    else:
        assert all(p > 0 for p in powers)
    assert [r["power_w"] for r in evcc.loop_reports] == pytest.approx(powers, rel=1e-3)  # what the EV was told
    report = evcc.timing.by_message()
    assert report[f"{prefix}ChargeLoopReq"]["count"] == 10 and report[f"{prefix}ChargeLoopReq"]["limit_ms"] == 250.0
    assert not evcc.timing.exceeded()


def test_out_of_sequence_request_is_refused_with_sequence_error() -> None:
    def skip_cable_check(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "DC_CableCheckReq":  # send PreCharge instead: out of sequence
            header = message[name]["Header"]
            return {"DC_PreChargeReq": {"Header": header, "EVProcessing": "Ongoing",
                                        "EVPresentVoltage": {"Exponent": 0, "Value": 400},
                                        "EVTargetVoltage": {"Exponent": 0, "Value": 400}}}
        return message

    evcc, secc = Evcc("DC_BPT", "scheduled", hook=skip_cable_check), Secc()
    run(evcc, secc)
    assert secc.ended is not None and secc.ended.reason == "FAILED_SequenceError: DC_PreChargeReq after ScheduleExchangeReq"
    assert evcc.ended is not None and not evcc.ended.ok and "FAILED_SequenceError" in evcc.ended.reason


def test_wrong_session_id_is_refused_with_unknown_session() -> None:
    def forge(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "ServiceDiscoveryReq":
            message[name]["Header"]["SessionID"] = "DEADBEEF00000000"
        return message

    evcc, secc = Evcc("AC", "dynamic", hook=forge), Secc()
    run(evcc, secc)
    assert secc.ended is not None and secc.ended.reason.startswith("FAILED_UnknownSession: session id DEADBEEF00000000")
    assert evcc.ended is not None and "ServiceDiscoveryRes: FAILED_UnknownSession" in evcc.ended.reason


def test_a_slow_secc_is_flagged_in_the_timing_report() -> None:
    def slow_loop(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "DC_ChargeLoopRes":
            return Delay(message, 0.3)  # above the 0.25 s performance time, below the EV's 0.5 s timeout
        return message

    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=3)), Secc(hook=slow_loop)
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK")
    late = evcc.timing.exceeded()
    assert [x.request for x in late] == ["DC_ChargeLoopReq"] * 3
    assert all(x.response_time_ms == pytest.approx(300.0, abs=2.0) for x in late)


def test_the_response_time_runs_from_when_the_request_left() -> None:
    """The EVCC's own delay before its request goes out (here a hook's) is not the SECC's."""
    def late_request(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "DC_ChargeLoopReq":
            return Delay(message, 0.2)
        return message

    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=3), hook=late_request), Secc()
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK")
    loop = [x for x in evcc.timing.exchanges if x.request == "DC_ChargeLoopReq"]
    assert len(loop) == 3 and all(x.response_time_ms is not None and x.response_time_ms < 5 for x in loop)
    assert not evcc.timing.exceeded()


def test_the_secc_measures_the_ev_against_the_sequence_timeout() -> None:
    """The bench as charger, testing an EV: the time from each response to the EV's next request,
    per response type, against V2G_SECC_Sequence_Timeout — a slow EV in the loop is seen, a
    stalled one ends the session with the open gap recorded."""
    def slow_ev(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "DC_ChargeLoopReq":
            return Delay(message, 0.4)  # within the 0.5 s after a ChargeLoopRes
        return message

    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=3), hook=slow_ev), Secc()
    run(evcc, secc)
    assert secc.ended == SessionEnded(True, "SessionStop OK")
    gaps = secc.timing.by_message()
    assert gaps["DC_ChargeLoopRes"]["limit_ms"] == 500.0 and gaps["DC_ChargeLoopRes"]["max_ms"] == pytest.approx(400, abs=2)
    assert gaps["PowerDeliveryRes"]["max_ms"] == pytest.approx(400, abs=2)  # the first loop request after Start
    assert gaps["SessionSetupRes"]["limit_ms"] == 60_000.0 and not secc.timing.exceeded()

    def stalled(direction, name, message):  # type: ignore[no-untyped-def]
        return Delay(message, 0.7) if direction == "out" and name == "DC_ChargeLoopReq" else message

    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=3), hook=stalled), Secc()
    run(evcc, secc)
    assert secc.ended is not None and "V2G_SECC_Sequence_Timeout" in secc.ended.reason
    assert secc.timing.exchanges[-1].request == "DC_ChargeLoopRes" and secc.timing.exchanges[-1].response is None


def test_a_secc_that_stops_answering_ends_the_session_at_the_timeout() -> None:
    evcc, secc = Evcc("DC", "scheduled"), Secc(hook=lambda d, n, m: None if d == "out" and n == "DC_CableCheckRes" else m)
    elapsed = run(evcc, secc)
    assert evcc.ended is not None and evcc.ended.reason == "no DC_CableCheckRes within 2.0 s (V2G_EVCC_Msg_Timeout)"
    assert elapsed < 3_000_000_000


def test_invalid_exi_from_the_ev_is_a_finding_with_the_bytes() -> None:
    evcc, secc = Evcc("AC", "scheduled", hook=lambda d, n, m: Raw(b"\x01\xfe\x80\x02\x00\x00\x00\x03\xff\xff\xff")
                      if d == "out" and n == "AuthorizationSetupReq" else m), Secc()
    run(evcc, secc)
    assert secc.ended is not None and not secc.ended.ok and "EXI (urn:iso:std:iso:15118:-20:CommonMessages)" in secc.ended.reason


def test_a_duplicated_request_is_refused_with_sequence_error() -> None:
    def twice(direction, name, message):  # type: ignore[no-untyped-def]
        return [message, message] if direction == "out" and name == "ServiceDiscoveryReq" else message

    evcc, secc = Evcc("DC", "dynamic", hook=twice), Secc()
    run(evcc, secc)
    assert secc.ended is not None and secc.ended.reason == "FAILED_SequenceError: ServiceDiscoveryReq after ServiceDiscoveryReq"


def test_a_message_of_another_namespace_in_its_place_is_refused() -> None:
    def swap(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "DC_ChargeParameterDiscoveryReq":  # CommonMessages instead of DC
            return {"SessionStopReq": {"Header": message[name]["Header"], "ChargingSession": "Terminate"}}
        return message

    evcc, secc = Evcc("DC_BPT", "dynamic", hook=swap), Secc()
    run(evcc, secc)
    assert secc.ended is not None and secc.ended.reason == "FAILED_SequenceError: SessionStopReq after ServiceSelectionReq"


def test_reordered_requests_are_refused_with_sequence_error() -> None:
    def ahead(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "AuthorizationSetupReq":  # the next request first, then this one
            header = message[name]["Header"]
            early = {"AuthorizationReq": {"Header": header, "SelectedAuthorizationService": "EIM", "EIM_AReqAuthorizationMode": {}}}
            return [early, message]
        return message

    evcc, secc = Evcc("AC_BPT", "scheduled", hook=ahead), Secc()
    run(evcc, secc)
    assert secc.ended is not None and secc.ended.reason == "FAILED_SequenceError: AuthorizationReq after SessionSetupReq"


def test_a_huge_v2gtp_length_is_refused_before_it_is_buffered() -> None:
    secc = Secc()
    secc.opened(0)
    secc.receive_data(b"\x01\xfe\x80\x02" + (100_000_000).to_bytes(4, "big") + b"\x00" * 1000, 0)
    assert secc.ended is not None and secc.ended.reason == "V2GTP: payload length 100000000 is above the limit of 65536 bytes"
    assert len(secc.link._in) <= 1008  # nothing waits for the 100 MB


def test_standby_then_back_to_the_loop() -> None:
    evcc, secc = Evcc("DC_BPT", "dynamic", ev=BatteryEv(loop_cycles=6), standby_at=2), Secc()
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and evcc.taken == ["standby"]
    assert secc.progress == ["Start", "Standby", "Start", "Stop"]
    assert sent(evcc).count("DC_ChargeLoopReq") == 6


def test_standby_refused_with_a_warning_and_the_loop_goes_on() -> None:
    from hilbench.v2g.evse_model import EvseModel

    evcc, secc = Evcc("AC", "scheduled", ev=BatteryEv(loop_cycles=4), standby_at=1), Secc(evse=EvseModel(standby_allowed=False))
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK")
    assert ("out", "PowerDeliveryRes") in [(d, n) for d, n, _t in secc.log]
    assert secc.progress == ["Start", "Standby", "Start", "Stop"]


@pytest.mark.parametrize("service", ["DC_BPT", "AC"])
def test_schedule_renegotiation_inside_the_loop(service: str) -> None:
    evcc, secc = Evcc(service, "scheduled", ev=BatteryEv(loop_cycles=5), renegotiate_at=2), Secc()
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and evcc.taken == ["schedule_renegotiation"]
    requests = sent(evcc)
    i = requests.index("PowerDeliveryReq", requests.index(f"{service[:2]}_ChargeLoopReq"))
    assert requests[i:i + 3] == ["PowerDeliveryReq", "ScheduleExchangeReq", "PowerDeliveryReq"]
    assert secc.progress == ["Start", "ScheduleRenegotiation", "Start", "Stop"]


def test_service_renegotiation_goes_back_to_discovery() -> None:
    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=3), service_renegotiation_at=1), Secc()
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and secc.ended == SessionEnded(True, "SessionStop OK")
    requests = sent(evcc)
    assert requests.count("ServiceDiscoveryReq") == 2 and requests.count("SessionStopReq") == 2
    first_stop = requests.index("SessionStopReq")
    assert requests[first_stop + 1] == "ServiceDiscoveryReq"


def test_pause_and_resume_with_the_same_session_id() -> None:
    from hilbench.v2g.evse_model import EvseModel

    evse = EvseModel()
    first, secc = Evcc("AC_BPT", "dynamic", ev=BatteryEv(loop_cycles=2), end_with="Pause"), Secc(evse=evse)
    run(first, secc)
    assert first.ended == SessionEnded(True, "SessionStop OK (Pause)") and first.session_id in evse.paused_sessions
    second, secc2 = Evcc("AC_BPT", "dynamic", ev=BatteryEv(loop_cycles=2), resume_session_id=first.session_id), Secc(evse=evse)
    run(second, secc2)
    assert second.ended == SessionEnded(True, "SessionStop OK")
    assert second.session_id == first.session_id and secc2.session_id == first.session_id
    joined = [e for e in second.timing.exchanges if e.request == "SessionSetupReq"]
    assert joined and first.session_id not in evse.paused_sessions
    # An unknown session id to join: the SECC opens a new session, and the EV says it did not get its own.
    third = Evcc("AC", "scheduled", resume_session_id="0123456789ABCDEF")
    run(third, Secc(evse=evse))
    assert third.ended is not None and third.ended.reason == ("asked to join session 0123456789ABCDEF, the SECC answered "
                                                              "OK_NewSessionEstablished")


@pytest.mark.parametrize(("namespaces", "services", "expected"), [
    (("urn:iso:std:iso:15118:-20:DC", "urn:iso:std:iso:15118:-20:AC"), ("AC", "DC", "AC_BPT", "DC_BPT"), "DC_BPT"),
    (("urn:iso:std:iso:15118:-20:AC",), ("AC", "AC_BPT"), "AC_BPT"),
    (("urn:iso:std:iso:15118:-20:DC",), ("DC",), "DC"),
])
def test_auto_takes_the_best_service_offered(namespaces: tuple[str, ...], services: tuple[str, ...], expected: str) -> None:
    """An EV that does both offers both namespaces and takes the best service of the one chosen."""
    evcc, secc = Evcc("auto", "dynamic", ev=BatteryEv(loop_cycles=2)), Secc(evse=EvseModel(services=services), namespaces=namespaces)
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and evcc.service is not None and evcc.service.name == expected
