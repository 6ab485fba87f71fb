"""Rig files: the shipped ones load; each bad one gives one message naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hilbench.errors import RigError
from hilbench.rig_file import load_rig

ROOT = Path(__file__).parent.parent

GOOD = """
[rig]
name = "t"
simulated = true
[limits]
dc_voltage_max_v = 500.0
[instruments.battery]
role = "dc_supply"
model = "ea-psb-10750-120"
address = "sim"
"""
GRID = """
[instruments.grid]
role = "grid_simulator"
model = "chroma-61845"
address = "sim"
"""


def test_sim_rig_loads() -> None:
    rig = load_rig(ROOT / "rigs" / "sim.toml", require_roles=("dc_supply",))
    assert rig.simulated and list(rig.instruments) == ["battery", "grid", "ev", "grid_meter", "analyzer"]
    assert rig.safe_state_order == ("battery", "grid", "ev", "grid_meter", "analyzer")
    window = rig.limits_of("grid").ranges["frequency_hz"]
    assert (window.low.value, window.high.value) == (45.0, 55.0)
    assert window.low.source == "rig sim.toml limits.grid_frequency_min_hz"
    limits = rig.limits_of("battery")
    assert limits.ranges["voltage_v"].high.value == 500.0
    assert limits.ranges["voltage_v"].high.source == "rig sim.toml limits.dc_voltage_max_v"
    assert limits.ranges["source_current_a"].high.value == 100.0
    assert limits.ranges["voltage_v"].low.source == "model ea-psb-10750-120"


def test_lab_example_loads() -> None:
    rig = load_rig(ROOT / "rigs" / "lab-example.toml")
    assert not rig.simulated and rig.instruments["battery"].address.startswith("TCPIP0::")
    assert {i.role for i in rig.instruments.values()} == {"dc_supply", "grid_simulator", "ev_emulator", "energy_meter",
                                                          "power_analyzer"}


def test_a_shipped_rig_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no rigs/ here: "sim" is the package's own
    assert load_rig("sim").path.parent.name == "rigs" and load_rig("sim").name == "sim"
    with pytest.raises(RigError, match="nosuch: cannot read"):
        load_rig("nosuch")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('model = "ea-psb-10750-120"', 'model = "ea-psb-9999"'), "bad.toml: instruments.battery.model: unknown instrument model 'ea-psb-9999' (models: "),
        (lambda t: t.replace("500.0", "800.0"), "bad.toml: limits.dc_voltage_max_v: 800 is outside the range of battery (ea-psb-10750-120: 0 ≤ voltage_v ≤ 750)"),
        (lambda t: t + GRID + "[limits]\n", "bad.toml: not TOML: Cannot declare ('limits',) twice (at line 16"),
        (lambda t: t.replace("[limits]\n", "[limits]\ngrid_frequency_min_hz = 51.0\ngrid_frequency_max_hz = 49.0\n") + GRID,
         "bad.toml: limits.grid_frequency_min_hz: 51 must be below limits.grid_frequency_max_hz = 49"),
        (lambda t: t.replace("[limits]\n", "[limits]\ngrid_frequency_min_hz = 20.0\n") + GRID,
         "bad.toml: limits.grid_frequency_min_hz: 20 is outside the range of grid (chroma-61845: 30 ≤ frequency_hz ≤ 100)"),
        (lambda t: t.replace('role = "dc_supply"', 'role = "oven"'), "bad.toml: instruments.battery.role: 'oven' is not a role"),
        (lambda t: t.replace('role = "dc_supply"\n', ""), "bad.toml: instruments.battery.role: missing"),
        (lambda t: t.replace("dc_voltage_max_v", "dc_voltage_maximum"), "bad.toml: limits.dc_voltage_maximum: unknown limit"),
        (lambda t: t.replace("500.0", '"500 V"'), "bad.toml: limits.dc_voltage_max_v: must be a number ≥ 0, not '500 V'"),
        (lambda t: t.replace("simulated = true", "simulated = false"), 'bad.toml: instruments.battery.address: "sim" needs rig.simulated = true'),
        (lambda t: t.replace('address = "sim"', "adress = \"sim\""), "bad.toml: instruments.battery.adress: unknown key"),
        (lambda t: t + "[other]\n", "bad.toml: other: unknown table"),
        (lambda t: t.replace('name = "t"', 'name = "t"\nsafe_state_order = ["charger"]'), "bad.toml: rig.safe_state_order: 'charger' is not an instrument of this rig"),
        (lambda t: t.replace('name = "t"', 'name = "t"\nsafe_state_order = []'), "bad.toml: rig.safe_state_order: leaves out battery"),
        (lambda t: t.replace('address = "sim"', 'address = "sim"\ntimeout_s = 0'), "bad.toml: instruments.battery.timeout_s: 0.0 is not in (0, 60] s"),
        (lambda t: t.replace('address = "sim"', 'address = "sim"\nsim_faults = ["smoke"]'), "bad.toml: instruments.battery.sim_faults: 'smoke' is not a fault"),
        (lambda t: t.replace("[instruments.battery]", "[instruments.x]\nrole = 1\n[instruments.battery]"), "bad.toml: instruments.x.role: has the wrong type (int: 1)"),
        (lambda t: t.replace("[rig]", "[rig"), "bad.toml: not TOML:"),
        (lambda t: t.split("[instruments.battery]")[0], "bad.toml: instruments: no instruments"),
        (lambda t: t.replace('name = "t"', 'name = "t"\ngrid_nominal_frequency_hz = 55'),
         "bad.toml: rig.grid_nominal_frequency_hz: 55 Hz is neither 50 nor 60 Hz"),
        (lambda t: t.replace('name = "t"', 'name = "t"\ngrid_nominal_voltage_v = 1000'),
         "bad.toml: rig.grid_nominal_voltage_v: 1000 V is not a phase voltage"),
        (lambda t: t.replace("[limits]\n", "[limits]\ngrid_voltage_max_v = 220.0\n") + GRID,
         "bad.toml: limits.grid_voltage_max_v: 220 leaves out the rig's own nominal grid (230 V, 50 Hz)"),
    ],
)
def test_bad_rig_files(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.toml"
    path.write_text(edit(GOOD))
    with pytest.raises(RigError) as e:
        load_rig(path)
    assert str(e.value).startswith(message), str(e.value)


def test_missing_role(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text(GOOD)
    with pytest.raises(RigError, match="r.toml: instruments: no instrument plays the grid_simulator role"):
        load_rig(path, require_roles=("grid_simulator",))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="cannot read"):
        load_rig(tmp_path / "nope.toml")
