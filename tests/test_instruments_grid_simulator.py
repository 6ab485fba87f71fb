"""The grid simulator driver against the simulated Chroma 61845 over a real socket: the rig's voltage
and frequency windows (each phase too), ramps and steps checked step by step, and each injected
fault as a typed error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hilbench.drivers.grid_simulator import ScpiGridSimulator
from hilbench.errors import InstrumentDisconnected, InstrumentReplyError, InstrumentTimeout, SetpointRefused
from hilbench.rig import Rig
from tests.instrument_checks import assert_failure_logged

SIM_RIG = Path(__file__).parent.parent / "rigs" / "sim.toml"


@pytest.fixture
def rig() -> Iterator[Rig]:
    with Rig.open(SIM_RIG) as r:
        yield r


def sent(rig: Rig, header: str) -> list[float]:
    assert rig.sim is not None
    return [float(r.argument) for r in rig.sim.devices["grid"].received if r.header.lstrip(":") == header]


def test_dialect_on_the_wire(rig: Rig) -> None:
    grid = rig.grid_simulator
    grid.set_voltage(230.0)
    grid.set_voltage(207.0, phase=3)
    grid.set_frequency(49.9)
    grid.set_current_limit(32.0)
    grid.output(True)
    assert rig.sim is not None
    assert [(r.header, r.argument) for r in rig.sim.devices["grid"].received] == [
        ("SYST:REM", ""), ("INST:PHASE", "THREE"), ("OUTP:MODE", "FIXED"), ("SOUR:FUNC:SHAP:A", "SINE"),
        ("SOUR:FUNC:SHAP", "A"),
        ("INST:EDIT", "ALL"), (":SOUR:VOLT:LEV:IMM:AMPL:AC", "230.00"),
        ("INST:COUP", "NONE"), (":INST:NSEL", "3"), (":SOUR:VOLT:LEV:IMM:AMPL:AC", "207.00"),
        ("SOUR:FREQ", "49.900"), ("INST:COUP", "ALL"), (":SOUR:CURR:LIM", "32.00"), ("OUTP:STAT", "ON"),
    ]
    assert rig.sim.plant.grid.voltage_v == (230.0, 230.0, 207.0)


@pytest.mark.parametrize(("action", "message"), [
    (lambda g: g.set_voltage(179.0), r"voltage_v = 179 is below 180 \(rig sim.toml limits.grid_voltage_min_v\)"),
    (lambda g: g.set_voltage(266.0, phase=1), r"voltage_v = 266 is above 265 \(rig sim.toml limits.grid_voltage_max_v\)"),
    (lambda g: g.set_frequency(44.99), r"frequency_hz = 44.99 is below 45 \(rig sim.toml limits.grid_frequency_min_hz\)"),
    (lambda g: g.set_frequency(float("nan")), r"frequency_hz = nan is not a finite number"),
    (lambda g: g.set_current_limit(41.0), r"current_limit_a = 41 is above 40 \(rig sim.toml limits.grid_current_max_a\)"),
    (lambda g: g.ramp_frequency(51.0, 6.0), r"frequency_ramp_hz_per_s = 6 is above 5"),
    (lambda g: g.ramp_voltage(250.0, 0.0), r"a voltage_v ramp needs a positive rate"),
])
def test_window_refusals_send_nothing(rig: Rig, action, message: str) -> None:  # type: ignore[no-untyped-def]
    assert rig.sim is not None
    before = len(rig.sim.devices["grid"].received)
    with pytest.raises(SetpointRefused, match=message):
        action(rig.grid_simulator)
    assert len(rig.sim.devices["grid"].received) == before


def test_frequency_ramp_is_stepped_and_stops_at_the_window(rig: Rig) -> None:
    grid = rig.grid_simulator
    grid.set_frequency(50.0)
    grid.ramp_frequency(50.5, 5.0, step_s=0.02)  # 0.1 Hz per step
    steps = sent(rig, "SOUR:FREQ")
    assert steps == pytest.approx([50.0, 50.1, 50.2, 50.3, 50.4, 50.5])
    with pytest.raises(SetpointRefused, match=r"frequency_hz = 55.1 is above 55"):
        grid.ramp_frequency(56.0, 5.0, step_s=0.02)
    assert max(sent(rig, "SOUR:FREQ")) <= 55.0
    assert rig.sim is not None and rig.sim.plant.grid.frequency_hz <= 55.0


def test_voltage_ramp_reaches_every_phase(rig: Rig) -> None:
    grid = rig.grid_simulator
    grid.set_voltage(230.0)
    grid.ramp_voltage(240.0, 100.0, step_s=0.02)
    assert sent(rig, "SOUR:VOLT:LEV:IMM:AMPL:AC")[-1] == 240.0
    assert rig.sim is not None and rig.sim.plant.grid.voltage_v == (240.0, 240.0, 240.0)


@pytest.mark.parametrize(("fault", "error", "message"), [
    ("disconnect", InstrumentDisconnected, "grid: "),
    ("mute", InstrumentTimeout, "grid: no answer to 'INST:COUP NONE;:INST:NSEL 1;:FETC:VOLT:ACDC?'"),
    ("garbage", InstrumentReplyError, "grid: reply to 'INST:COUP NONE;:INST:NSEL 1;:FETC:VOLT:ACDC?' is not a number"),
    ("out_of_range", InstrumentReplyError, "grid: INST:COUP NONE;:INST:NSEL 1;:FETC:VOLT:ACDC? read 3000, outside the plausible"),
])
def test_faults_are_typed_errors(rig: Rig, fault: str, error: type, message: str) -> None:
    assert rig.sim is not None
    grid = rig.grid_simulator
    assert isinstance(grid, ScpiGridSimulator)
    grid.output(True)
    rig.sim.devices["grid"].faults.add(fault)
    if fault == "disconnect":
        rig.sim.servers["grid"].drop_clients()
    with pytest.raises(error, match=message.replace("?", r"\?").replace("(", r"\(")) as e:
        grid.measure()
    assert e.value.instrument == "grid"  # type: ignore[attr-defined]
    assert_failure_logged(rig.log.of("grid"))
