"""The EA PSB over its Modbus map against the simulated PSB on Modbus TCP: raw set values scaled to
the nominal as a plain pymodbus client reads them, refusals that send nothing, remote control
required by the instrument, the sink bit giving the current's sign, and each fault as a typed error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pymodbus.client import ModbusTcpClient

from hilbench.errors import (
    InstrumentDisconnected,
    InstrumentIdentityError,
    InstrumentReplyError,
    InstrumentTimeout,
    SetpointRefused,
)
from hilbench.rig import Rig

RIG = """
[rig]
simulated = true
[limits]
dc_voltage_max_v = 500.0
[instruments.battery]
role = "dc_supply"
model = "ea-psb-10750-120-modbus"
address = "sim"
timeout_s = 0.5
"""


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    path = tmp_path / "psb.toml"
    path.write_text(RIG)
    with Rig.open(path) as r:
        yield r


def test_raw_set_values_on_the_wire(rig: Rig) -> None:
    assert rig.sim is not None
    supply = rig.dc_supply
    supply.set_voltage(375.0)  # 50 % of 750 V
    supply.set_current_limits(source_a=120.0, sink_a=60.0)
    supply.output(True)
    host, port = rig.sim.address("battery").removeprefix("modbus-tcp://").split(":")
    client = ModbusTcpClient(host, port=int(port))
    assert client.connect()
    try:
        regs = client.read_holding_registers(498, count=12, device_id=1).registers
    finally:
        client.close()
    assert regs[500 - 498] == 0x6666 and regs[501 - 498] == 0xCCCC and regs[499 - 498] == 0x6666
    assert (regs[505 - 498] << 16 | regs[506 - 498]) >> 7 & 1 == 1  # DC on in the state word
    assert rig.sim.devices["battery"].received[:2] == [(5, 402, True), (6, 500, 0x6666)]


def test_sign_from_the_sink_bit(rig: Rig) -> None:
    assert rig.sim is not None
    supply, plant = rig.dc_supply, rig.sim.plant
    supply.set_voltage(400.0)
    supply.set_current_limits(source_a=50.0, sink_a=50.0)
    supply.output(True)
    plant.set_charger_power(8_000.0)
    assert supply.measure().current_a == pytest.approx(20.0, rel=1e-3)  # sinking: into the battery
    plant.set_charger_power(-4_000.0)
    assert supply.measure().current_a == pytest.approx(-10.0, rel=1e-3)


def test_refusals_send_nothing(rig: Rig) -> None:
    assert rig.sim is not None
    before = len(rig.sim.devices["battery"].received)
    with pytest.raises(SetpointRefused, match=r"battery: voltage_v = 500.1 is above 500 \(rig psb.toml limits.dc_voltage_max_v\)"):
        rig.dc_supply.set_voltage(500.1)
    assert len(rig.sim.devices["battery"].received) == before


def test_the_instrument_refuses_without_remote_control(rig: Rig) -> None:
    rig.dc_supply.release()  # type: ignore[attr-defined]
    with pytest.raises(InstrumentReplyError, match=r"battery: write holding 0x01f4 = 27962 unit 1 answered"):
        rig.dc_supply.set_voltage(400.0)


@pytest.mark.parametrize(("fault", "error", "message"), [
    ("disconnect", InstrumentDisconnected, "battery: connection lost during read holding 0x01f9"),
    ("mute", InstrumentTimeout, "battery: no answer to read holding 0x01f9"),
    ("garbage", InstrumentReplyError, r"battery: measured_voltage_v at 0x01fb read 937.5, outside the plausible \[0, 825\]"),
    ("out_of_range", InstrumentReplyError, r"battery: measured_voltage_v at 0x01fb read 937.5, outside the plausible"),
])
def test_faults_are_typed_errors(rig: Rig, fault: str, error: type, message: str) -> None:
    assert rig.sim is not None
    rig.sim.devices["battery"].faults.add(fault)
    if fault == "disconnect":
        rig.sim.servers["battery"].drop_clients()
    with pytest.raises(error, match=message):
        rig.dc_supply.measure()


def test_wrong_identity(tmp_path: Path) -> None:
    path = tmp_path / "psb.toml"
    path.write_text(RIG.replace("timeout_s = 0.5", 'timeout_s = 0.5\nsim_faults = ["wrong_identity"]'))
    with pytest.raises(InstrumentIdentityError, match=r"battery: registers 21, 1 read 'EA Elektro-Automatik, PS 10080-60'"):
        with Rig.open(path):
            pass
