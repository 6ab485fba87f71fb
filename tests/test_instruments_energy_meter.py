"""The energy meter driver against the simulated Eastron SDM630 over Modbus TCP: readings that
follow the plant, the register map checked by a plain pymodbus client, and faults as typed errors."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pymodbus.client import ModbusTcpClient

from hilbench.drivers.energy_meter import ModbusEnergyMeter
from hilbench.drivers.log import CommandLog
from hilbench.drivers.model import find_model
from hilbench.drivers.modbus import ModbusTransport, parse_address
from hilbench.errors import (
    InstrumentDisconnected,
    InstrumentError,
    InstrumentIdentityError,
    InstrumentReplyError,
    InstrumentTimeout,
)
from hilbench.sim.plant import Plant
from hilbench.sim.modbus_server import ModbusServer
from hilbench.sim.sdm630 import Sdm630

MODEL = find_model("eastron-sdm630")


@pytest.fixture
def meter() -> Iterator[tuple[ModbusEnergyMeter, ModbusServer, Plant, CommandLog]]:
    plant = Plant()
    server = ModbusServer(Sdm630(plant)).start()
    log = CommandLog()
    driver = ModbusEnergyMeter("grid_meter", MODEL, ModbusTransport(server.address, name="grid_meter", log=log,
                                                                     unit_id=1, timeout_s=0.5))
    yield driver, server, plant, log
    driver.transport.close()
    server.stop()


def test_identity_and_readings_follow_the_plant(meter) -> None:  # type: ignore[no-untyped-def]
    driver, _, plant, _ = meter
    assert driver.identify() == "Eastron SDM630 (unit 1, frequency_hz = 50)"
    plant.charger_power_w = 11_040.0
    first = driver.measure()
    assert first.power_w == pytest.approx(11_040.0) and first.frequency_hz == 50.0
    assert first.voltage_v == (230.0, 230.0, 230.0) and first.current_a[0] == pytest.approx(16.0)
    time.sleep(0.3)
    plant.step()
    plant.charger_power_w = -7_000.0  # V2G: the charger feeds the grid
    time.sleep(0.3)
    later = driver.measure()
    assert later.import_wh > first.import_wh and later.export_wh > 0
    assert later.power_w == pytest.approx(-7_000.0)


def test_register_map_read_by_a_plain_client(meter) -> None:  # type: ignore[no-untyped-def]
    # No hilbench code on this side: the addresses and encoding of the published SDM630 map.
    _, server, plant, _ = meter
    plant.grid.frequency_hz = 49.8
    plant.charger_power_w = 3_000.0
    host, port, _ = parse_address(server.address)
    client = ModbusTcpClient(host, port=port)
    assert client.connect()
    as_float = lambda rr: client.convert_from_registers(rr.registers, client.DATATYPE.FLOAT32, word_order="big")  # noqa: E731
    assert as_float(client.read_input_registers(0x0046, count=2, device_id=1)) == pytest.approx(49.8)
    assert as_float(client.read_input_registers(0x0034, count=2, device_id=1)) == pytest.approx(3000.0)
    assert as_float(client.read_input_registers(0x0000, count=2, device_id=1)) == pytest.approx(230.0)
    assert client.read_input_registers(0x4000, count=2, device_id=1).isError()  # beyond the map
    client.close()


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("mute", InstrumentTimeout, "grid_meter: no answer to read input 0x0000×2 unit 1"),
        ("garbage", InstrumentReplyError, "grid_meter: voltage_l1_v at 0x0000 read nan, outside the plausible"),
        ("out_of_range", InstrumentReplyError, "grid_meter: voltage_l1_v at 0x0000 read 2300, outside the plausible [0, 360]"),
        ("disconnect", InstrumentError, "grid_meter: "),
    ],
)
def test_faults_are_typed_errors(meter, fault, error, message) -> None:  # type: ignore[no-untyped-def]
    driver, server, _, log = meter
    driver.measure()
    server.device.faults.add(fault)
    if fault == "disconnect":
        server.drop_clients()
    with pytest.raises(error) as e:
        driver.measure()
    assert str(e.value).startswith(message), str(e.value)
    assert log.of("grid_meter")[-1].direction == "error"


def test_wrong_identity(meter) -> None:  # type: ignore[no-untyped-def]
    driver, server, _, _ = meter
    server.device.faults.add("wrong_identity")
    with pytest.raises(InstrumentIdentityError, match="frequency_hz at 0x0046 reads 0, not in \\[45, 65\\]"):
        driver.identify()


def test_rtu_frames_through_a_gateway() -> None:
    """The same meter behind an RS485-to-TCP gateway: RTU frames (CRC, no MBAP header) on TCP."""
    plant = Plant()
    plant.charger_power_w = 3_000.0
    server = ModbusServer(Sdm630(plant), rtu=True).start()
    try:
        assert server.address.startswith("modbus-rtu-tcp://127.0.0.1:")
        log = CommandLog()
        driver = ModbusEnergyMeter("grid_meter", MODEL, ModbusTransport(server.address, name="grid_meter", log=log,
                                                                        unit_id=1, timeout_s=1.0))
        assert driver.identify().startswith("Eastron SDM630")
        assert driver.measure().power_w == pytest.approx(3_000.0)
        driver.transport.close()
    finally:
        server.stop()


def test_bad_addresses() -> None:
    with pytest.raises(InstrumentError, match="is not a Modbus TCP address"):
        parse_address("tcp://127.0.0.1:502")
    assert parse_address("modbus-tcp://10.0.0.5:5020?unit=3") == ("10.0.0.5", 5020, 3)
    for bad, why in (("modbus-rtu://", "no serial device"), ("modbus-rtu:///dev/ttyS0?parity=X", "parity 'X' is not N, E or O"),
                     ("modbus-tcp://10.0.0.5:502?unit=1&speed=9", "unknown parameters \\['speed'\\]"),
                     ("modbus-rtu:///dev/ttyS0?baudrate=fast", "invalid literal")):
        with pytest.raises(InstrumentError, match=f"is not a Modbus address \\({why}"):
            ModbusTransport(bad, name="m", log=CommandLog(), unit_id=1)
    with pytest.raises(InstrumentDisconnected, match="cannot connect to modbus-tcp://127.0.0.1:1"):
        ModbusTransport("modbus-tcp://127.0.0.1:1", name="m", log=CommandLog(), unit_id=1, timeout_s=0.2)
