"""Every instrument of the default rig × every injected fault: the driver raises a typed error
naming the instrument, every output of the rig is off within 1 s (checked on the plant the
simulated instruments drive), and the command log — the file, flushed line by line — is complete."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from hilbench.errors import InstrumentError
from hilbench.rig import Rig
from hilbench.sim.plant import Plant

ROOT = Path(__file__).parent.parent
FAULTS = ("disconnect", "mute", "garbage", "out_of_range")
READ = {  # one reading per role: what a test case does all the time
    "dc_supply": lambda d: d.measure(),
    "grid_simulator": lambda d: d.measure(),
    "ev_emulator": lambda d: d.set_cp_state("C"),  # a command: a deaf emulator still sends its status
    "energy_meter": lambda d: d.measure(),
    "power_analyzer": lambda d: d.read(),
}
#: Instruments whose faults leave them unable to take the off command: the rig must say so.
DEAF = {("battery", "disconnect"), ("grid", "disconnect"), ("analyzer", "disconnect"), ("ev", "disconnect"),
        ("ev", "mute")}


def outputs_on(plant: Plant) -> dict[str, bool]:
    return {"battery": plant.dc.output_on, "grid": plant.grid.output_on, "ev": plant.ev.contactor_closed}


def all_off_within(plant: Plant, spare: str, seconds: float = 1.0) -> dict[str, bool]:
    deadline = time.monotonic() + seconds
    while True:
        on = {k: v for k, v in outputs_on(plant).items() if v and k != spare}
        if not on or time.monotonic() > deadline:
            return on
        time.sleep(0.005)


@pytest.fixture(scope="module")
def rig_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "sim-fast.toml"
    text = (ROOT / "rigs" / "sim.toml").read_text().replace('address = "sim"', 'address = "sim"\ntimeout_s = 0.4')
    path.write_text(text.replace('simulated = true', f'simulated = true\ncommand_log = "{path.parent / "log.jsonl"}"'))
    return path


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", ["battery", "grid", "ev", "grid_meter", "analyzer"])
def test_fault_is_typed_and_the_rig_goes_safe(rig_file: Path, name: str, fault: str) -> None:
    log_path = rig_file.parent / "log.jsonl"
    log_path.unlink(missing_ok=True)
    rig = Rig.open(rig_file)
    error: Any = None
    try:
        with rig:
            assert rig.sim is not None
            plant = rig.sim.plant
            rig.dc_supply.set_voltage(400.0)
            rig.dc_supply.output(True)
            rig.grid_simulator.set_voltage(230.0)
            rig.grid_simulator.output(True)
            rig.ev_emulator.set_cp_state("C")
            rig.ev_emulator.set_contactor(True)
            assert all(outputs_on(plant).values())
            rig.sim.devices[name].faults.add(fault)
            if fault == "disconnect":
                rig.sim.servers[name].drop_clients()
            READ[rig.config.instruments[name].role](rig.instruments[name])
    except InstrumentError as e:
        error = e
    assert error is not None, f"{fault} on {name} went unnoticed"
    assert error.instrument == name and str(error).startswith(f"{name}: ")
    still_on = all_off_within(plant, spare=name)
    assert still_on == {}, f"outputs left on after {fault} on {name}: {still_on}"
    reported = [r for r in rig.safe_state_report if r.startswith(f"{name}: ")]
    if name in outputs_on(plant) and outputs_on(plant)[name]:
        assert (name, fault) in DEAF and reported, "an output the rig could not switch off must be reported"
    # The command log file has every entry, ends with each instrument closed, and holds the error.
    lines = [json.loads(x) for x in log_path.read_text().splitlines()]
    assert len(lines) == len(rig.log.entries)
    assert any(x["instrument"] == name and x["dir"] == "error" for x in lines)
    for inst in rig.config.instruments:
        assert [x for x in lines if x["instrument"] == inst][-1]["text"].startswith("closed")
