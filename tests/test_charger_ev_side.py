"""The virtual charger with the bench EV over ISO 15118-20: DC_BPT under a CentralSetpoint profile
charging then discharging (the plant's power follows the setpoint within the response time), the
EV's needs reaching the CSMS unchanged, AC_BPT under dynamic control, and the faults of the EV side
(slow loop answers, out-of-sequence requests accepted, altered needs, a schema-breaking
NotifyEVChargingNeeds) and of the power stage (sign inverted, discharge limit ignored)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.charger_bench import PACK_V, Bench, bench

RESPONSE_S = 0.2


def central_setpoint(tid: str, steps: list[tuple[int, float]], discharge_limit: float = -10_000.0) -> dict[str, Any]:
    return {"evseId": 1, "chargingProfile": {
        "id": 11, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
        "transactionId": tid, "chargingSchedule": [{"id": 11, "chargingRateUnit": "W", "chargingSchedulePeriod": [
            {"startPeriod": start, "operationMode": "CentralSetpoint", "setpoint": w, "limit": 22_000.0,
             "dischargeLimit": discharge_limit} for start, w in steps]}]}}


async def _session(b: Bench, service: str = "DC_BPT", control: str = "dynamic") -> tuple[str, Any, dict[str, Any]]:
    """Plugged in, remotely started, the EV's session up to its needs at the CSMS."""
    await b.booted()
    b.plug("C")
    tid = await b.remote_start()
    evcc = b.ev(service, control)
    assert b.link is not None
    needs = await b.link.expect("NotifyEVChargingNeeds", timeout=10)
    return tid, evcc, needs.payload


async def _trace(b: Bench, seconds: float, dt_s: float = 0.02, *, ac: bool = False) -> list[tuple[float, float]]:
    """(t, power) sampled from the plant: on the DC link, as the battery emulator sees it, or with
    ``ac`` at the AC outlet (the grid side), where an AC charger holds its setpoint."""
    t0, out = time.monotonic(), []
    while time.monotonic() - t0 < seconds:
        with b.plant.lock:
            b.plant.step()
            out.append((time.monotonic() - t0, b.plant.ac_power_w() if ac else b.plant.dc_power_w()))
        await asyncio.sleep(dt_s)
    return out


def _settled_at(trace: list[tuple[float, float]], target: float, after: float, until: float = 1e9,
                tolerance: float = 0.02) -> float | None:
    """The first time in [after, until] from which the power stays within ``tolerance`` of
    ``target`` up to ``until`` (None: it never settles there)."""
    window = [(t, p) for t, p in trace if after <= t <= until]
    for i, (t, _p) in enumerate(window):
        if all(abs(p - target) <= tolerance * abs(target) for _t, p in window[i:]):
            return t
    return None


async def test_dc_bpt_central_setpoint_charge_then_discharge(tmp_path: Path) -> None:
    async with bench(tmp_path, response_time_s=RESPONSE_S) as b:
        tid, evcc, needs = await _session(b)
        v2x = needs["chargingNeeds"]["v2xChargingParameters"]
        ev = evcc.ev  # what the EV sent reaches the CSMS unchanged
        assert (v2x["maxChargePower"], v2x["maxDischargePower"], v2x["evMaxEnergyRequest"]) == \
            (ev.max_charge_power_w, ev.max_discharge_power_w, ev.max_energy_wh())
        assert needs["chargingNeeds"]["controlMode"] == "DynamicControl"
        assert b.link is not None
        assert (await b.link.call("SetChargingProfile", central_setpoint(tid, [(0, 11_000.0), (3, -7_000.0)])))["status"] \
            == "Accepted"
        trace = await _trace(b, 5.0)
        evcc.stop_charging()
        full = next(t for t, p in trace if p >= 10_990.0)
        switch = next(t for t, p in trace if t > full and p < 10_500.0)  # the stage leaves 11 kW
        charged = _settled_at(trace, 11_000.0, 0.0, switch - 0.01)
        discharged = _settled_at(trace, -7_000.0, switch)
        assert charged is not None and discharged is not None, [x for x in trace if switch - 0.3 < x[0] < switch + 0.6]
        # the step to -7 kW (3 s after the transaction start) is reached within the ramp (18 kW at
        # 88 kW/s) and one loop tick after the stage starts moving; it starts moving one response
        # time after the period changed, which the EV's loop shows as its new target
        assert discharged - switch <= 18_000 / 88_000 + 0.05
        # the EV was told the same targets in its loop (dynamic control)
        assert any(r["power_w"] > 10_000 for r in evcc.loop_reports) and any(r["power_w"] < -6_000 for r in evcc.loop_reports)
        modes = [e for e in b.events() if e["triggerReason"] == "OperationModeChanged"]
        assert modes and modes[0]["transactionInfo"]["operationMode"] == "CentralSetpoint"


@pytest.mark.parametrize(("fault", "setpoint", "limit", "expected"), [
    ("setpoint-sign-inverted", -7_000.0, -10_000.0, 7_000.0),
    ("ignores-discharge-limit", -7_000.0, -3_000.0, -7_000.0),
    (None, -7_000.0, -3_000.0, -3_000.0),
])
async def test_setpoint_faults_show_in_the_measured_power(tmp_path: Path, fault: str | None, setpoint: float,
                                                          limit: float, expected: float) -> None:
    async with bench(tmp_path, *([fault] if fault else [])) as b:
        tid, evcc, _needs = await _session(b)
        assert b.link is not None
        await b.link.call("SetChargingProfile", central_setpoint(tid, [(0, setpoint)], discharge_limit=limit))
        trace = await _trace(b, 1.5)
        evcc.stop_charging()
        assert _settled_at(trace, expected, 0.0) is not None, trace[::10]


async def test_ac_bpt_dynamic_control(tmp_path: Path) -> None:
    async with bench(tmp_path, variant="ac") as b:
        tid, evcc, needs = await _session(b, "AC_BPT")
        assert needs["chargingNeeds"]["requestedEnergyTransfer"] == "AC_BPT"
        assert b.link is not None
        await b.link.call("SetChargingProfile", central_setpoint(tid, [(0, 6_000.0), (2, -4_000.0)]))
        trace = await _trace(b, 3.5, ac=True)
        evcc.stop_charging()
        full = next(t for t, p in trace if p >= 5_990.0)
        switch = next(t for t, p in trace if t > full and p < 5_900.0)
        assert _settled_at(trace, -4_000.0, switch) is not None, trace[::10]
        targets = [r["power_w"] for r in evcc.loop_reports]
        assert 6_000.0 in targets and -4_000.0 in targets  # EVSETargetActivePower as the CSMS set it
        await asyncio.wait_for(b.tasks[0], 5)
        assert evcc.ended is not None and evcc.ended.ok


async def test_scheduled_control_gets_the_profile_as_its_schedule(tmp_path: Path) -> None:
    async with bench(tmp_path) as b:
        await b.booted()
        b.plug("C")
        tid = await b.remote_start()
        assert b.link is not None
        limit = {"evseId": 1, "chargingProfile": {
            "id": 3, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
            "transactionId": tid, "chargingSchedule": [{"id": 3, "chargingRateUnit": "W", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 9_000.0, "dischargeLimit": -4_000.0}]}]}}
        evcc = b.ev("DC_BPT", "scheduled", loop_cycles=3)
        await b.link.expect("NotifyEVChargingNeeds", timeout=10)
        await b.link.call("SetChargingProfile", limit)
        await asyncio.wait_for(b.tasks[0], 15)
        res = next(body for d, name, body in _bodies(b) if name == "ScheduleExchangeRes" and body.get("EVSEProcessing") == "Finished")
        schedule = res["Scheduled_SEResControlMode"]["ScheduleTuple"][0]
        charging = schedule["ChargingSchedule"]["PowerSchedule"]["PowerScheduleEntries"]["PowerScheduleEntry"][0]["Power"]
        discharging = schedule["DischargingSchedule"]["PowerSchedule"]["PowerScheduleEntries"]["PowerScheduleEntry"][0]["Power"]
        assert charging["Value"] * 10 ** charging["Exponent"] == 9_000.0
        assert discharging["Value"] * 10 ** discharging["Exponent"] == -4_000.0


def _bodies(b: Bench) -> list[tuple[str, str, dict[str, Any]]]:
    """The ISO 15118-20 messages the charger's SECC saw and sent."""
    assert b.charger.firmware is not None
    return list(b.charger.firmware.secc_messages)


@pytest.mark.parametrize("fault", [None, "secc-slow-chargeloop-response"])
async def test_chargeloop_response_time(tmp_path: Path, fault: str | None) -> None:
    """The EV times every ChargeLoopRes against V2G_SECC_Msg_Performance_Time (0.25 s)."""
    async with bench(tmp_path, *([fault] if fault else [])) as b:
        _tid, evcc, _needs = await _session(b)
        await b.until(lambda: len(evcc.loop_reports) >= 4, timeout=10, what="four loop cycles")
        evcc.stop_charging()
        late = [x.response for x in evcc.timing.exceeded()]
        assert ("DC_ChargeLoopRes" in late) == bool(fault), late


@pytest.mark.parametrize("fault", [None, "secc-accepts-out-of-sequence"])
async def test_out_of_sequence_request(tmp_path: Path, fault: str | None) -> None:
    """The EV sends a second SessionSetupReq in the charge loop: FAILED_SequenceError, unless faulty."""
    async with bench(tmp_path, *([fault] if fault else [])) as b:
        await b.booted()
        b.plug("C")
        await b.remote_start()
        sent = {"done": False}

        def hook(direction: str, name: str, message: dict[str, Any]) -> Any:
            if direction == "out" and name == "DC_ChargeLoopReq" and not sent["done"]:
                sent["done"] = True
                setup = {"SessionSetupReq": {"Header": message["DC_ChargeLoopReq"]["Header"], "EVCCID": "WMIV1234567890ABCDEX"}}
                return setup
            return message
        evcc = b.ev("DC_BPT", "dynamic")
        evcc.link.hook = hook
        await b.until(lambda: [n for _d, n, _b in _bodies(b)].count("SessionSetupRes") == 2, timeout=10,
                      what="the answer to the second SessionSetupReq")
        evcc.stop_charging()
        codes = [body.get("ResponseCode") for d, name, body in _bodies(b) if name == "SessionSetupRes"]
        assert codes[-1] == ("OK" if fault else "FAILED_SequenceError"), codes


async def test_needs_altered_and_schema_violation(tmp_path: Path) -> None:
    async with bench(tmp_path, "charging-needs-altered") as b:
        _tid, evcc, needs = await _session(b)
        evcc.stop_charging()
        assert needs["chargingNeeds"]["v2xChargingParameters"]["evMaxEnergyRequest"] == pytest.approx(0.9 * evcc.ev.max_energy_wh())
    async with bench(tmp_path / "2", "schema-violation-notify-ev-charging-needs") as b:
        await b.booted()
        b.plug("C")
        await b.remote_start()
        evcc = b.ev()
        assert b.link is not None
        await b.until(lambda: bool(b.link.violations), timeout=10, what="a violation at the CSMS")
        evcc.stop_charging()
        assert any("departureTime" in v.message or "NotifyEVChargingNeeds" in v.message for v in b.link.violations)


async def test_pack_voltage_reported(tmp_path: Path) -> None:
    """The SECC reports the DC link's voltage as measured on the plant, not the EV's own."""
    async with bench(tmp_path) as b:
        _tid, evcc, _ = await _session(b)
        await b.until(lambda: len(evcc.loop_reports) > 3, what="loop cycles")
        evcc.stop_charging()
        assert {r["voltage_v"] for r in evcc.loop_reports} == {PACK_V}


async def test_malformed_exi_ends_the_session_and_the_charger_goes_on(tmp_path: Path) -> None:
    """Garbage in a V2GTP frame: the SECC closes that session with a finding, and the next EV charges."""
    import struct

    async with bench(tmp_path) as b:
        await b.booted()
        assert b.charger.secc_port is not None
        reader, writer = await asyncio.open_connection("::1", b.charger.secc_port)
        payload = b"\x80\x00\xde\xad\xbe\xef"
        writer.write(struct.pack(">BBHI", 0x01, 0xFE, 0x8001, len(payload)) + payload)
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed
        writer.close()
        fw = b.charger.firmware
        assert fw is not None and fw.secc_server is not None
        await fw.secc_server.wait_for_sessions(1)
        broken = fw.secc_server.sessions[0]
        assert broken.ended is not None and not broken.ended.ok
        b.plug("C")
        await b.remote_start()
        evcc = b.ev("DC_BPT", "dynamic", loop_cycles=3, loop_period_s=0.0)
        await asyncio.wait_for(b.tasks[0], 15)
        assert evcc.ended is not None and evcc.ended.ok


async def test_a_crash_is_reported_not_hung(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hilbench.sim.charger import firmware

    def broken(self: object, *_a: object) -> None:
        raise RuntimeError("firmware bug")

    monkeypatch.setattr(firmware.Firmware, "__init__", broken)
    async with bench(tmp_path) as b:
        await b.until(lambda: b.charger.crashed is not None, what="the crash to be reported")
        assert "firmware bug" in str(b.charger.crashed)


@pytest.fixture(scope="module")
def v2g_pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hilbench.v2g import pki as v2g_pki

    folder = tmp_path_factory.mktemp("v2gpki")
    v2g_pki.generate(folder)
    return folder


@pytest.mark.parametrize("answer", ["Accepted", "Invalid"])
async def test_plug_and_charge_authorized_over_ocpp(tmp_path: Path, v2g_pki_dir: Path, answer: str) -> None:
    """The EV's contract over mutual TLS 1.3: the charger checks it, asks the CSMS with Authorize and
    the contract's hash data, and holds the EV Ongoing until the answer; a refusal reaches the EV."""
    from hilbench.sim.charger.charger import VirtualCharger
    from hilbench.sim.charger.config import ChargerConfig
    from hilbench.ocpp.csms import Csms
    from hilbench.v2g import pki as v2g_pki
    from hilbench.v2g import pnc, tls
    from hilbench.v2g.ev_model import BatteryEv
    from hilbench.v2g.evcc import Evcc
    from hilbench.v2g.transport import run_evcc
    from tests.charger_bench import dc_plant

    pki = v2g_pki.load(v2g_pki_dir)
    asked: list[dict[str, Any]] = []

    async def authorize(_a: str, req: dict[str, Any]) -> dict[str, Any]:
        asked.append(req)
        await asyncio.sleep(0.3)  # a slow backend: the EV waits in Ongoing
        # the EV wants DC_BPT: the CSMS allows it (without, the charger offers charging only: Q01)
        return {"idTokenInfo": {"status": answer}, "allowedEnergyTransfer": ["DC", "DC_BPT"]}

    plant = dc_plant()
    plant.ev.cp_state, plant.ev.contactor_closed = "C", True
    async with Csms(port=0, handlers={"Authorize": authorize}) as csms:
        config = ChargerConfig(csms_url=csms.url, station_id="VC-PNC", secc_tls=True, v2g_pki_dir=v2g_pki_dir,
                               state_dir=tmp_path / "state")
        async with VirtualCharger(config, plant, pnc_trust_pem=pki.contract.root.read_bytes()) as charger:
            link = await csms.wait_for_station("VC-PNC")
            await link.expect("BootNotification")
            evcc = Evcc("DC_BPT", "dynamic", ev=BatteryEv(loop_cycles=3), contract=pnc.Contract.from_chain(pki.contract))
            await asyncio.wait_for(run_evcc(evcc, "::1", charger.secc_port or 0, tls=tls.evcc_session(pki)), 20)
    assert len(asked) == 1
    token, hashes = asked[0]["idToken"], asked[0]["iso15118CertificateHashData"]
    assert token["type"] == "eMAID" and token["idToken"]
    assert hashes and all(h["hashAlgorithm"] == "SHA256" and len(h["issuerNameHash"]) == 64 for h in hashes)
    if answer == "Accepted":
        assert evcc.authorized_by == "PnC" and evcc.ended is not None and evcc.ended.ok
    else:
        assert evcc.ended is not None and not evcc.ended.ok and "WARNING_GeneralPnCAuthorizationError" in evcc.ended.reason


async def test_ev_schedule_reaches_the_csms(tmp_path: Path) -> None:
    """Scheduled control: the power profile the EV chose in PowerDeliveryReq arrives as
    NotifyEVChargingSchedule, with the schedule tuple it selected."""
    async with bench(tmp_path) as b:
        await b.booted()
        b.plug("C")
        await b.remote_start()
        evcc = b.ev("DC_BPT", "scheduled", loop_cycles=2, loop_period_s=0.0)
        assert b.link is not None
        schedule = (await b.link.expect("NotifyEVChargingSchedule", timeout=15)).payload
        await asyncio.wait_for(b.tasks[0], 15)
        periods = schedule["chargingSchedule"]["chargingSchedulePeriod"]
        assert periods[0] == {"startPeriod": 0, "limit": evcc.ev.max_charge_power_w}
        assert schedule["selectedChargingScheduleId"] == 1 and schedule["powerToleranceAcceptance"] is True
