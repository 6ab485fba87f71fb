"""Instrument models as data: every shipped model loads; a broken one names its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hilbench.drivers.model import load_model, models_dir
from hilbench.errors import ModelError

SHIPPED = sorted(models_dir().glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_models_load(path: Path) -> None:
    m = load_model(path)
    assert m.id == path.stem and m.simulator, "every shipped model has a simulated counterpart"


PSB = (models_dir() / "ea-psb-10750-120.toml").read_text()
SDM = (models_dir() / "eastron-sdm630.toml").read_text()
WT = (models_dir() / "yokogawa-wt5000.toml").read_text()
CHROMA = (models_dir() / "chroma-61845.toml").read_text()
EVE = (models_dir() / "hilbench-can-ev-emulator.toml").read_text()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("ea-psb-10750-120", PSB.replace('role = "dc_supply"', 'role = "kettle"'), "model.role: 'kettle' is not a role"),
        ("ea-psb-10750-120", PSB.replace('transport = "scpi"', 'transport = "gpib"'), "model.transport: 'gpib' is not one of"),
        ("other-name", PSB, "model.id: 'ea-psb-10750-120' must equal the file name 'other-name'"),
        ("ea-psb-10750-120", PSB.replace("voltage_v = [0.0, 750.0]", "voltage_v = [750.0, 0.0]"), "ranges.voltage_v: min 750.0 must be below max 0.0"),
        ("ea-psb-10750-120", PSB.replace('output_off = "OUTP OFF"\n', ""), "scpi.set: the dc_supply role needs output_off"),
        ("ea-psb-10750-120", PSB.replace('"SOUR:VOLT {:.2f}"', '"SOUR:VOLT {:.2q}"'), "scpi.set.voltage_v: 'SOUR:VOLT {:.2q}' does not format a number"),
        ("ea-psb-10750-120", PSB.replace("identity = '^EA", "identity = '(^EA"), "model.identity: not a regular expression"),
        ("ea-psb-10750-120", PSB + "\n[scpi.extra]\n", "scpi.extra: unknown key"),
        ("ea-psb-10750-120", PSB.replace("port = 5025", "prot = 5025"), "model.prot: unknown key"),
        ("eastron-sdm630", SDM.replace("frequency_hz = 0x0046", "frequency_hz = 0x10000"), "modbus.read.frequency_hz.address: 65536 is not a Modbus address"),
        ("eastron-sdm630", SDM.replace("total_power_w = 0x0034\n", ""), "modbus.read: the energy_meter role needs total_power_w"),
        ("eastron-sdm630", SDM.replace("{ address = 0x0048, scale = 1000.0 }", "{ address = 0x0048, type = \"float64\" }"), "modbus.read.import_energy_wh.type: 'float64' is not one of"),
        ("eastron-sdm630", SDM.replace('word_order = "big"', 'word_order = "middle"'), "modbus.word_order: 'middle' is not big or little"),
        ("yokogawa-wt5000", WT.replace('integration_time_s = "TIME"\n', ""), "scpi.numeric.functions: the power_analyzer role needs integration_time_s"),
        ("yokogawa-wt5000", WT.replace("{function},{element}", "{function},{channel}"), "scpi.numeric.item: ':NUM:NORM:ITEM{index} {function},{channel}' must use {index}, {function} and {element} only"),
        ("yokogawa-wt5000", WT.replace("elements = [1, 2, 3, 4]", "elements = []"), "scpi.numeric.elements: must be a non-empty list"),
        ("yokogawa-wt5000", WT.replace('no_data = 9.91e37', 'no_data = "NAN"'), "scpi.numeric.no_data: must be an integer or a number, not 'NAN'"),
        ("yokogawa-wt5000", WT.replace('states = ["START"', 'states = [1, "START"'), "scpi.get.integration_state.states: must be a list of strings"),
        ("hilbench-can-ev-emulator", EVE.replace('dbc = "hilbench-ev-emulator.dbc"', 'dbc = "missing.dbc"'), "can.dbc: missing.dbc does not exist next to hilbench-can-ev-emulator.toml"),
        ("hilbench-can-ev-emulator", EVE.replace('dbc = "hilbench-ev-emulator.dbc"', 'dbc = "hilbench-can-ev-emulator.toml"'), "can.dbc: hilbench-can-ev-emulator.toml is not a valid DBC file"),
        ("hilbench-can-ev-emulator", EVE.replace('cp_voltage_v = "EMU_Status.CpVoltage"', 'cp_voltage_v = "EMU_Status.PilotVoltage"'), "can.get.cp_voltage_v: EMU_Status of hilbench-ev-emulator.dbc has no signal 'PilotVoltage'"),
        ("hilbench-can-ev-emulator", EVE.replace('contactor = "EMU_Control.ContactorCmd"', 'contactor = "EMU_Status.ContactorClosed"'), "can.set.contactor: is in EMU_Status; every set signal must be in EMU_Control"),
        ("hilbench-can-ev-emulator", EVE.replace('ev_frames = ["EV_100", "EV_102"]', 'ev_frames = ["EV_100", "EV_103"]'), "can.ev_frames: 'EV_103' is not a message of hilbench-ev-emulator.dbc"),
        ("hilbench-can-ev-emulator", EVE.replace('fault = "EMU_Status.Fault"\n', ""), "can.get: the ev_emulator role needs fault"),
        ("hilbench-can-ev-emulator", EVE.replace("fw={FwMajor}", "fw={Firmware}"), "can.identity_format: uses a field EMU_Ident does not have"),
        ("chroma-61845", CHROMA.replace('frequency_hz = [30.0, 100.0]\n', ""), "scpi.set.frequency_hz: takes a value but [ranges] has no range for it"),
        ("chroma-61845", CHROMA.replace('measured_power_l3_w = ', 'measured_power_l4_w = '), "scpi.get: the grid_simulator role needs measured_power_l3_w"),
        ("ea-psb-10750-120", PSB.replace("[model]", "[mdoel]"), "mdoel: unknown table"),
    ],
)
def test_bad_models(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    for dbc in models_dir().glob("*.dbc"):  # a CAN model's DBC lies next to it
        (tmp_path / dbc.name).write_text(dbc.read_text())
    with pytest.raises(ModelError) as e:
        load_model(path)
    assert str(e.value).startswith(f"{name}.toml: {message}"), str(e.value)
