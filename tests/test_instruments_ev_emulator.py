"""The EV emulator driver against the simulated emulator over a python-can virtual bus, frames
encoded and decoded by the model's DBC: every setting confirmed by the status echo, the vehicle's
CHAdeMO frame byte-exact against the published example, the charger's frame following the plant,
refusals that send nothing, and each fault as a typed error."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import can
import pytest

from hilbench.drivers.can_bus import parse_can_address
from hilbench.errors import (
    InstrumentDisconnected,
    InstrumentError,
    InstrumentIdentityError,
    InstrumentReplyError,
    InstrumentTimeout,
    SetpointRefused,
)
from hilbench.rig import Rig
from tests.instrument_checks import assert_failure_logged

ROOT = Path(__file__).parent.parent
EV_RIG = """
[rig]
simulated = true
[instruments.ev]
role = "ev_emulator"
model = "hilbench-can-ev-emulator"
address = "sim"
timeout_s = 0.5
"""


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    path = tmp_path / "ev.toml"
    path.write_text(EV_RIG)
    with Rig.open(path) as r:
        yield r


@pytest.mark.parametrize(("state", "pilot_v"), [("A", 12.0), ("B", 9.0), ("C", 6.0), ("D", 3.0), ("E", 0.0), ("F", -12.0)])
def test_control_pilot_states_are_confirmed(rig: Rig, state: str, pilot_v: float) -> None:
    assert rig.sim is not None
    status = rig.ev_emulator.set_cp_state(state)
    assert status.cp_state == state and status.cp_voltage_v == pytest.approx(pilot_v)
    assert rig.sim.plant.ev.cp_state == state
    assert rig.sim.devices["ev"].received[-1]["CpState"] == "ABCDEF".index(state)


def test_settings_reach_the_emulator_and_read_back(rig: Rig) -> None:
    assert rig.sim is not None
    ev, plant = rig.ev_emulator, rig.sim.plant
    assert ev.set_proximity(220.0).pp_resistance_ohm == 220.0  # 32 A cable coding
    status = ev.set_insulation_fault(100_000.0)  # 100 kΩ to PE: an IMD must trip on it
    assert status.insulation_ohm == 100_000.0 and plant.ev.insulation_ohm == 100_000.0
    assert math.isinf(ev.set_insulation_fault(None).insulation_ohm)
    assert ev.set_contactor(True).contactor_closed and plant.ev.contactor_closed
    plant.ev.cp_duty_percent = 5.0  # the charger asks for digital communication
    assert rig.ev_emulator.status().cp_duty_percent == pytest.approx(5.0)
    received = rig.sim.devices["ev"].received
    assert [r["Counter"] for r in received] == list(range(1, len(received) + 1))  # each frame once, in order


@pytest.mark.parametrize(("action", "error", "message"), [
    (lambda ev: ev.set_cp_state("G"), SetpointRefused, "ev: control pilot state 'G' is not one of A, B, C, D, E, F"),
    (lambda ev: ev.set_proximity(20_000.0), SetpointRefused, r"ev: pp_resistance_ohm = 20000 is above 16383 \(model hilbench-can-ev-emulator\)"),
    (lambda ev: ev.set_insulation_fault(-1.0), SetpointRefused, "ev: insulation_ohm = -1 is below 0"),
    (lambda ev: ev.set_contactor(1), SetpointRefused, "ev: contactor must be True or False, not 1"),
    (lambda ev: ev.set_ev_frame("EV_102", TargetVoltage=1200), SetpointRefused, "ev: EV_102 cannot carry {'TargetVoltage': 1200}"),
    (lambda ev: ev.set_ev_frame("EV_102", Voltage=400), InstrumentError, "ev: EV_102 has no signal Voltage"),
    (lambda ev: ev.set_ev_frame("EVSE_109", PresentVoltage=400), InstrumentError, "ev: EVSE_109 is not a vehicle frame"),
])
def test_refusals_send_nothing(rig: Rig, action, error: type, message: str) -> None:  # type: ignore[no-untyped-def]
    assert rig.sim is not None
    before = len(rig.sim.devices["ev"].received)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)") if "\\(" not in message else message):
        action(rig.ev_emulator)
    assert len(rig.sim.devices["ev"].received) == before and "EV_102" not in rig.sim.plant.ev.can_frames


def test_vehicle_frame_is_the_published_chademo_layout(rig: Rig) -> None:
    """A plain python-can node on the same bus sees the bytes of the published example frame
    (0x102 = 02 9A 01 00 00 C9 56 00: protocol 2, 410 V, 0 A, status 0xC9, SoC 86 %)."""
    assert rig.sim is not None
    interface, channel = parse_can_address(rig.sim.address("ev"))
    with can.Bus(interface=interface, channel=channel) as listener:
        rig.ev_emulator.set_ev_frame("EV_102", ProtocolNo=2, TargetVoltage=410, CurrentRequest=0, Faults=0,
                                     Status=0xC9, SoC=86)
        deadline = time.monotonic() + 2.0
        frame = listener.recv(1.0)
        while frame is None or frame.arbitration_id != 0x102:
            assert time.monotonic() < deadline, "no 0x102 frame on the bus"
            frame = listener.recv(1.0)
        assert bytes(frame.data) == bytes.fromhex("029A010000C95600") and not frame.is_extended_id
    while "EV_102" not in rig.sim.plant.ev.can_frames and time.monotonic() < deadline:
        time.sleep(0.01)  # the emulator's thread takes it off the bus
    assert rig.sim.plant.ev.can_frames["EV_102"]["TargetVoltage"] == 410


def test_charger_frame_follows_the_plant(rig: Rig) -> None:
    assert rig.sim is not None
    plant = rig.sim.plant
    plant.dc.output_on, plant.dc.voltage_v, plant.dc.sink_current_a = True, 400.0, 100.0
    plant.set_charger_power(12_000.0)
    time.sleep(0.25)  # a cycle or two of the charger's frame
    frame = rig.ev_emulator.charger_frame("EVSE_109")
    assert (frame["PresentVoltage"], frame["PresentCurrent"]) == (400, 30)


@pytest.mark.parametrize(("fault", "error", "message"), [
    ("disconnect", InstrumentDisconnected, r"ev: no EMU_Status frame within 0.5 s on can://virtual/.*: the instrument or the bus is lost"),
    ("mute", InstrumentTimeout, r"ev: EMU_Status frames arrive but none echoes counter \d+ within 0.5 s"),
    ("garbage", InstrumentReplyError, r"ev: EMU_Status 0x601 frame 'de ad 01' does not decode"),
    ("out_of_range", InstrumentReplyError, r"ev: EMU_Status.CpDuty reads 102.3, outside the plausible \[0, 100\]"),
])
def test_faults_are_typed_errors(rig: Rig, fault: str, error: type, message: str) -> None:
    assert rig.sim is not None
    rig.sim.devices["ev"].faults.add(fault)
    with pytest.raises(error, match=message):
        rig.ev_emulator.set_cp_state("B")
    assert_failure_logged(rig.log.of("ev"))


def test_wrong_identity(tmp_path: Path) -> None:
    path = tmp_path / "ev.toml"
    path.write_text(EV_RIG.replace("timeout_s = 0.5", 'timeout_s = 0.5\nsim_faults = ["wrong_identity"]'))
    with pytest.raises(InstrumentIdentityError, match=r"ev: EMU_Ident reads 'vendor=0x4842 product=0x0bad fw=1.3', "
                                                      r"which is not a hilbench CAN EV emulator interface 1.0"):
        with Rig.open(path):
            pass


def test_can_addresses() -> None:
    assert parse_can_address("can://socketcan/can0") == ("socketcan", "can0")
    for bad in ("can://pcan/usb1", "can0", "can://socketcan/", "modbus-tcp://x:1"):
        with pytest.raises(InstrumentError, match="is not a CAN address"):
            parse_can_address(bad)
