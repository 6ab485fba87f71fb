"""The DC supply driver against the simulated EA PSB over a real socket through pyvisa-py: identity,
set and read back, measurements that follow the plant, refused setpoints that never reach the
instrument, and each injected fault as a typed error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hilbench.drivers.dc_supply import ScpiDcSupply
from hilbench.drivers.limits import Limits
from hilbench.drivers.log import CommandLog
from hilbench.drivers.model import find_model
from hilbench.drivers.visa import VisaTransport
from hilbench.errors import (
    InstrumentDisconnected,
    InstrumentIdentityError,
    InstrumentReplyError,
    InstrumentTimeout,
    SetpointRefused,
)
from hilbench.sim.ea_psb import EaPsb
from hilbench.sim.plant import Plant
from hilbench.sim.scpi_server import ScpiServer

MODEL = find_model("ea-psb-10750-120")


@pytest.fixture
def rig() -> Iterator[tuple[ScpiDcSupply, EaPsb, Plant, CommandLog]]:
    plant = Plant()
    device = EaPsb(plant)
    log = CommandLog()
    with ScpiServer(device) as server:
        limits = Limits.of_ranges("battery", MODEL.ranges, f"model {MODEL.id}").narrowed(
            "voltage_v", None, 500.0, "rig test limits.dc_voltage_max_v")
        transport = VisaTransport(server.address, name="battery", log=log, timeout_s=0.5)
        supply = ScpiDcSupply("battery", MODEL, transport, limits)
        supply.identify()
        supply.setup()
        yield supply, device, plant, log
        transport.close()


def test_identity_and_readback(rig) -> None:  # type: ignore[no-untyped-def]
    supply, device, plant, _ = rig
    supply.set_voltage(400.0)
    supply.set_current_limits(source_a=80.0, sink_a=60.0)
    supply.set_power_limits(source_w=22000.0, sink_w=11000.0)
    supply.output(True)
    assert supply.output_is_on()
    assert supply.settings() == {"voltage_v": 400.0, "source_current_a": 80.0, "sink_current_a": 60.0,
                                 "source_power_w": 22000.0, "sink_power_w": 11000.0, "internal_resistance_ohm": 0.0}
    # What reached the instrument, in its own dialect.
    assert [(r.header, r.argument) for r in device.received] == [
        ("SYST:LOCK", "ON"), ("SOUR:VOLT", "400.00"), ("SOUR:CURR", "80.00"), ("SINK:CURR", "60.00"),
        ("SOUR:POW", "22000"), ("SINK:POW", "11000"), ("OUTP", "ON"),
    ]
    supply.safe_state()  # written without waiting for an answer: the query below is the sync point
    assert not supply.output_is_on() and not plant.dc.output_on


def test_measurements_follow_the_plant(rig) -> None:  # type: ignore[no-untyped-def]
    supply, _, plant, _ = rig
    supply.set_voltage(400.0)
    supply.set_current_limits(source_a=50.0, sink_a=50.0)
    supply.set_power_limits(source_w=30000.0, sink_w=30000.0)
    supply.output(True)
    plant.charger_power_w = 11_000.0  # the charger charges the EV: the supply sinks
    m = supply.measure()
    assert m.voltage_v == 400.0 and m.current_a == pytest.approx(27.5) and m.power_w == pytest.approx(11_000.0)
    plant.charger_power_w = -30_000.0  # V2G beyond the source current limit: 50 A at 400 V
    m = supply.measure()
    assert m.current_a == pytest.approx(-50.0) and m.power_w == pytest.approx(-20_000.0)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s: s.set_voltage(600.0), "battery: voltage_v = 600 is above 500 (rig test limits.dc_voltage_max_v)"),
        (lambda s: s.set_current_limits(source_a=121.0, sink_a=0.0), "battery: source_current_a = 121 is above 120 (model ea-psb-10750-120)"),
        (lambda s: s.set_voltage(-1.0), "battery: voltage_v = -1 is below 0 (model ea-psb-10750-120)"),
        (lambda s: s.set_voltage(float("nan")), "battery: voltage_v = nan is not a finite number"),
    ],
)
def test_refused_setpoints_never_reach_the_instrument(rig, action, message) -> None:  # type: ignore[no-untyped-def]
    supply, device, _, log = rig
    before = len(device.received)
    with pytest.raises(SetpointRefused) as e:
        action(supply)
    assert str(e.value) == message
    assert len(device.received) == before


def test_instrument_errors_are_read_from_its_queue(rig) -> None:  # type: ignore[no-untyped-def]
    supply, _, _, _ = rig
    supply.release()  # gives the lock back: the PSB now refuses set commands
    with pytest.raises(InstrumentReplyError, match=r"after 'SOUR:VOLT 10.00' the instrument reports '-203,\"Command protected\"'"):
        supply.set_voltage(10.0)


def test_wrong_identity(rig) -> None:  # type: ignore[no-untyped-def]
    supply, device, _, _ = rig
    device.identity = "EA Elektro-Automatik GmbH & Co. KG, PSB 10060-60, 1, V1"
    with pytest.raises(InstrumentIdentityError, match="which is not a EA Elektro-Automatik PSB 10750-120"):
        supply.identify()


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("mute", InstrumentTimeout, "battery: no answer to 'MEAS:VOLT?' within 500 ms"),
        ("garbage", InstrumentReplyError, "battery: reply to 'MEAS:VOLT?' is not a number"),
        ("out_of_range", InstrumentReplyError, "battery: MEAS:VOLT? read 7500, outside the plausible"),
        ("disconnect", InstrumentDisconnected, "battery: "),
    ],
)
def test_faults_are_typed_errors(rig, fault, error, message) -> None:  # type: ignore[no-untyped-def]
    supply, device, _, log = rig
    supply.set_voltage(400.0)
    supply.output(True)
    device.faults.add(fault)
    with pytest.raises(error) as e:
        supply.measure()
    assert str(e.value).startswith(message), str(e.value)
    assert any(x.direction == "error" for x in log.of("battery")[-3:])


def test_unit_mismatch_is_an_error() -> None:
    from hilbench.drivers.scpi import parse_number

    assert parse_number("400.00 V", "V", instrument="x", command="c") == 400.0
    assert parse_number(" -1.5e2", "A", instrument="x", command="c") == -150.0
    with pytest.raises(InstrumentReplyError, match="is in 'A', expected 'V'"):
        parse_number("400.00 A", "V", instrument="x", command="MEAS:VOLT?")


def test_no_late_reply_after_a_timeout(rig) -> None:  # type: ignore[no-untyped-def]
    # The instrument answers late: the transport starts a new session, so the late answer cannot
    # be taken for the reply to the next query.
    supply, device, _, log = rig
    supply.set_voltage(400.0)
    device.faults.add("mute")
    with pytest.raises(InstrumentTimeout):
        supply.get("voltage_v")
    device.faults.discard("mute")
    assert supply.get("sink_current_a") == 0.0
    assert supply.get("voltage_v") == 400.0
    assert [e.text for e in log.of("battery") if e.direction == "note"][-2:][0].startswith("closed")


def test_internal_resistance_in_uir_mode(rig) -> None:  # type: ignore[no-untyped-def]
    supply, device, plant, _ = rig
    supply.set_voltage(400.0)
    supply.set_current_limits(source_a=50.0, sink_a=50.0)
    supply.output(True)
    before = len(device.received)
    with pytest.raises(SetpointRefused, match=r"internal_resistance_ohm = 11 is above 10 \(model ea-psb-10750-120\)"):
        supply.set_internal_resistance(11.0)
    assert len(device.received) == before  # not even the mode change went out
    supply.set_internal_resistance(0.1)
    assert [(r.header, r.argument) for r in device.received[before:]] == [("SYST:CONF:MODE", "UIR"), ("SOUR:RES", "0.100")]
    plant.set_charger_power(8_000.0)  # charging: P = (V + R·I)·I at the terminals
    m = supply.measure()
    assert m.voltage_v == pytest.approx(400.0 + 0.1 * m.current_a, abs=0.01) and m.power_w == pytest.approx(8_000.0, abs=1.0)
    plant.set_charger_power(-8_000.0)  # V2G: the emulated battery's voltage sags
    m = supply.measure()
    assert m.current_a < 0 and m.voltage_v == pytest.approx(400.0 + 0.1 * m.current_a, abs=0.01)
    assert supply.settings()["internal_resistance_ohm"] == 0.1


def test_a_model_without_resistance_mode_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hilbench.rig import Rig

    path = tmp_path / "k.toml"
    path.write_text('[rig]\nsimulated = true\n[instruments.battery]\nrole = "dc_supply"\nmodel = "keysight-rp7952a"\naddress = "sim"\n')
    with Rig.open(path) as r:
        with pytest.raises(SetpointRefused, match="battery: internal_resistance_ohm has no declared range"):
            r.dc_supply.set_internal_resistance(0.1)
