"""Every shipped model's driver against its simulated instrument over the real transport: set and
read back every role operation, measurements that follow the plant, refusals that send nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hilbench.drivers.model import load_model, models_dir
from hilbench.errors import InstrumentError, SetpointRefused
from hilbench.rig import Rig

MODELS = [load_model(p) for p in sorted(models_dir().glob("*.toml"))]


def rig_for(tmp_path: Path, model_id: str, role: str) -> Path:
    path = tmp_path / "one.toml"
    path.write_text(f'[rig]\nsimulated = true\n[instruments.dut]\nrole = "{role}"\nmodel = "{model_id}"\naddress = "sim"\n')
    return path


@pytest.mark.parametrize("model", [m for m in MODELS if m.role == "dc_supply"], ids=lambda m: m.id)
def test_dc_supply_models(tmp_path: Path, model) -> None:  # type: ignore[no-untyped-def]
    with Rig.open(rig_for(tmp_path, model.id, "dc_supply")) as rig:
        assert rig.sim is not None
        plant, device, supply = rig.sim.plant, rig.sim.devices["dut"], rig.dc_supply
        v_max, i_max = model.ranges["voltage_v"][1], model.ranges["source_current_a"][1]
        supply.set_voltage(0.4 * v_max)
        supply.set_current_limits(source_a=0.5 * i_max, sink_a=0.25 * i_max)
        expected = {"voltage_v": 0.4 * v_max, "source_current_a": 0.5 * i_max, "sink_current_a": 0.25 * i_max}
        if "source_power_w" in model.set or model.modbus and "source_power_w" in model.modbus.write:
            p_max = model.ranges["source_power_w"][1]
            supply.set_power_limits(source_w=0.5 * p_max, sink_w=0.5 * p_max)
            expected |= {"source_power_w": 0.5 * p_max, "sink_power_w": 0.5 * p_max}
        else:
            with pytest.raises(InstrumentError, match=f"{model.id} has no (command|register) for source_power_w"):
                supply.set_power_limits(source_w=1.0, sink_w=1.0)
        if "internal_resistance_ohm" in model.ranges:
            r_max = model.ranges["internal_resistance_ohm"][1]
            supply.set_internal_resistance(0.01 * r_max)
            expected |= {"internal_resistance_ohm": 0.01 * r_max}
        supply.output(True)
        assert supply.output_is_on()
        assert supply.settings() == pytest.approx(expected, rel=1e-4)  # Modbus: 16-bit set values
        # The plant's charger charges the battery with more than the sink limit allows.
        plant.charger_power_w = 0.4 * v_max * 0.5 * i_max
        m = supply.measure()
        r = expected.get("internal_resistance_ohm", 0.0)
        assert m.current_a == pytest.approx(0.25 * i_max, rel=1e-3)  # held at the sink limit, + = into the battery
        assert m.voltage_v == pytest.approx(0.4 * v_max + r * m.current_a, rel=1e-4)
        plant.charger_power_w = -0.4 * v_max * 0.1 * i_max  # V2G within the source limit
        m = supply.measure()
        assert m.power_w == pytest.approx(plant.charger_power_w, rel=1e-3)  # the power the charger draws
        assert m.current_a == pytest.approx(-0.1 * i_max, rel=1e-3 + r * 0.1 * i_max / (0.4 * v_max))
        before = len(device.received)
        with pytest.raises(SetpointRefused):
            supply.set_voltage(v_max * 1.01)
        assert len(device.received) == before
        supply.output(False)
        assert not supply.output_is_on() and not plant.dc.output_on


@pytest.mark.parametrize("model", [m for m in MODELS if m.role == "energy_meter"], ids=lambda m: m.id)
def test_energy_meter_models(tmp_path: Path, model) -> None:  # type: ignore[no-untyped-def]
    with Rig.open(rig_for(tmp_path, model.id, "energy_meter")) as rig:
        assert rig.sim is not None
        rig.sim.plant.charger_power_w = 7_000.0
        first = rig.energy_meter.measure()
        time.sleep(0.2)
        later = rig.energy_meter.measure()
        assert first.power_w == pytest.approx(7_000.0) and later.import_wh > first.import_wh


@pytest.mark.parametrize("model", [m for m in MODELS if m.role == "grid_simulator"], ids=lambda m: m.id)
def test_grid_simulator_models(tmp_path: Path, model) -> None:  # type: ignore[no-untyped-def]
    with Rig.open(rig_for(tmp_path, model.id, "grid_simulator")) as rig:
        assert rig.sim is not None
        plant, device, grid = rig.sim.plant, rig.sim.devices["dut"], rig.grid_simulator
        assert not grid.output_is_on() and grid.measure().voltage_v == (0.0, 0.0, 0.0)
        grid.set_voltage(230.0)
        grid.set_frequency(50.0)
        grid.set_current_limit(0.5 * model.ranges["current_limit_a"][1])
        grid.output(True)
        assert grid.output_is_on() and plant.grid.output_on
        assert grid.settings() == pytest.approx({"voltage_v": 230.0, "frequency_hz": 50.0,
                                                 "current_limit_a": 0.5 * model.ranges["current_limit_a"][1]})
        grid.set_voltage(240.0, phase=2)
        assert plant.grid.voltage_v == pytest.approx((230.0, 240.0, 230.0))
        plant.charger_power_w = 6_900.0  # the charger draws from the grid
        m = grid.measure()
        assert m.voltage_v == pytest.approx((230.0, 240.0, 230.0))
        assert m.current_a == pytest.approx((10.0, 2300.0 / 240.0, 10.0), rel=1e-3)
        assert m.total_power_w == pytest.approx(6_900.0, rel=1e-3) and m.frequency_hz == pytest.approx(50.0)
        plant.charger_power_w = -3_450.0  # V2G: fed back
        assert grid.measure().total_power_w == pytest.approx(-3_450.0, rel=1e-3)
        grid.step_frequency(50.5)
        assert plant.grid.frequency_hz == pytest.approx(50.5)
        before = len(device.received)
        with pytest.raises(SetpointRefused):
            grid.set_voltage(model.ranges["voltage_v"][1] + 1.0, phase=3)
        with pytest.raises(SetpointRefused):
            grid.set_frequency(model.ranges["frequency_hz"][0] - 1.0)
        assert len(device.received) == before
        grid.output(False)
        assert not grid.output_is_on() and not plant.grid.output_on


@pytest.mark.parametrize("model", [m for m in MODELS if m.role == "power_analyzer"], ids=lambda m: m.id)
def test_power_analyzer_models(tmp_path: Path, model) -> None:  # type: ignore[no-untyped-def]
    with Rig.open(rig_for(tmp_path, model.id, "power_analyzer")) as rig:
        assert rig.sim is not None
        plant, analyzer = rig.sim.plant, rig.power_analyzer
        plant.dc.output_on, plant.dc.voltage_v, plant.dc.sink_current_a = True, 400.0, 20.0
        plant.set_charger_power(4_000.0)
        assert set(analyzer.read()) == set(model.numeric.elements)
        first = analyzer.measure(model.numeric.elements[0])
        assert (first.voltage_v, first.current_a, first.power_w) == pytest.approx((400.0, 10.0, 4_000.0), rel=1e-3)
        analyzer.integration_start()
        time.sleep(0.2)
        analyzer.integration_stop()
        assert analyzer.integration_state() == "STOP"
        assert analyzer.measure(model.numeric.elements[0]).import_wh == pytest.approx(4_000.0 * 0.2 / 3600, rel=0.1)
        analyzer.integration_reset()
        assert analyzer.integration_state() == "RESET"


@pytest.mark.parametrize("model", [m for m in MODELS if m.role == "ev_emulator"], ids=lambda m: m.id)
def test_ev_emulator_models(tmp_path: Path, model) -> None:  # type: ignore[no-untyped-def]
    with Rig.open(rig_for(tmp_path, model.id, "ev_emulator")) as rig:
        assert rig.sim is not None
        ev, plant = rig.ev_emulator, rig.sim.plant
        for state in "ABCDEF":
            assert ev.set_cp_state(state).cp_state == state == plant.ev.cp_state
        assert ev.set_proximity(1_500.0).pp_resistance_ohm == 1_500.0
        assert ev.set_insulation_fault(50_000.0).insulation_ohm == 50_000.0
        assert ev.set_contactor(True).contactor_closed and ev.output_is_on()
        for frame in model.can.ev_frames:
            ev.set_ev_frame(frame)
        time.sleep(3 * model.can.period_s)
        assert set(plant.ev.can_frames) == set(model.can.ev_frames)
        for frame in model.can.charger_frames[-1:]:  # the plant's charger sends its status frame
            assert ev.charger_frame(frame)
    assert not plant.ev.contactor_closed and plant.ev.cp_state == "B"  # the safe state


def test_every_model_is_exercised() -> None:
    assert {m.role for m in MODELS} == {"dc_supply", "energy_meter", "grid_simulator", "power_analyzer", "ev_emulator"}
    assert len(MODELS) >= 4
