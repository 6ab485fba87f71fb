"""`hilbench rig check` and `hilbench sim instruments`, the latter used by a plain pyvisa-py client
(no hilbench code) as if it were hardware."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pyvisa

from tests.procs import HILBENCH, popen

ROOT = Path(__file__).parent.parent
SIM_RIG = ROOT / "rigs" / "sim.toml"


def hilbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hilbench", *args], capture_output=True, text=True, timeout=120)


def test_rig_check_sim() -> None:
    p = hilbench("rig", "check", str(SIM_RIG))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "rig check" in p.stdout and "battery" in p.stdout
    p = hilbench("rig", "check", str(SIM_RIG), "--json")
    rows = {r["instrument"]: r for r in map(json.loads, p.stdout.splitlines())}
    row, grid, meter = rows["battery"], rows["grid"], rows["grid_meter"]
    assert grid["identity"].startswith("Chroma ATE,61845,") and grid["settings"]["output"] is False
    assert meter["identity"] == "Eastron SDM630 (unit 1, frequency_hz = 50)" and meter["address"].startswith("modbus-tcp://")
    assert row["identity"].startswith("EA Elektro-Automatik GmbH & Co. KG, PSB 10750-120, ") and row["problem"] is None
    assert row["settings"] == {"voltage_v": 0.0, "source_current_a": 0.0, "sink_current_a": 0.0,
                               "source_power_w": 0.0, "sink_power_w": 0.0, "internal_resistance_ohm": 0.0, "output": False}


def test_rig_check_wrong_identity(tmp_path: Path) -> None:
    rig = tmp_path / "wrong.toml"
    rig.write_text(SIM_RIG.read_text().replace('address = "sim"', 'address = "sim"\nsim_faults = ["wrong_identity"]'))
    p = hilbench("rig", "check", str(rig))
    assert p.returncode == 1
    assert "battery: *IDN? answered 'Simulated Instruments Inc., OTHER-MODEL, 0, 0', which is not a EA " \
           "Elektro-Automatik PSB 10750-120" in p.stderr.replace("\n", "")


def test_rig_check_bad_file(tmp_path: Path) -> None:
    rig = tmp_path / "bad.toml"
    rig.write_text("[rig]\nname = 1\n")
    p = hilbench("rig", "check", str(rig))
    assert p.returncode == 2 and "bad.toml: rig.name: has the wrong type" in p.stderr


def test_plain_pyvisa_client_gets_the_real_dialect() -> None:
    server = popen([*HILBENCH, "sim", "instruments", str(SIM_RIG), "--json", "--charger-power-w", "11000"],
                   stdout=subprocess.PIPE)
    try:
        lines = {x["instrument"]: x for x in (json.loads(server.stdout.readline()) for _ in range(5))}  # type: ignore[union-attr]
        assert lines["ev"]["address"].startswith("can://virtual/") and "this process only" in lines["ev"]["note"]
        assert lines["analyzer"]["model"] == "yokogawa-wt5000"
        line, grid, meter = lines["battery"], lines["grid"], lines["grid_meter"]
        assert meter["address"].startswith("modbus-tcp://127.0.0.1:")
        assert line["model"] == "ea-psb-10750-120" and grid["model"] == "chroma-61845"
        rm = pyvisa.ResourceManager("@py")
        # The grid simulator powers the charger: switched on in its own dialect.
        chroma = rm.open_resource(grid["address"], read_termination="\n", write_termination="\n", timeout=2000)
        assert chroma.query("*IDN?").startswith("Chroma ATE,61845,")  # type: ignore[attr-defined]
        for command in ("SYST:REM", "INST:EDIT ALL;:SOUR:VOLT:LEV:IMM:AMPL:AC 230", "SOUR:FREQ 50", "OUTP:STAT ON"):
            chroma.write(command)  # type: ignore[attr-defined]
        assert chroma.query("SYST:ERR?") == '0,"No error"'  # type: ignore[attr-defined]
        psb = rm.open_resource(line["address"], read_termination="\n", write_termination="\n", timeout=2000)
        q, w = psb.query, psb.write  # type: ignore[attr-defined]
        assert q("*IDN?").startswith("EA Elektro-Automatik GmbH & Co. KG, PSB 10750-120, ")
        w("SOUR:VOLT 400")  # not locked yet: refused, as the real one does
        assert q("SYST:ERR?") == '-203,"Command protected"'
        for command in ("SYST:LOCK ON", "SOUR:VOLT 400", "SINK:CURR 50", "SINK:POW 30000", "OUTP ON"):
            w(command)
        assert q("SYST:ERR?") == '0,"No error"'
        assert q("SOUR:VOLT?") == "400.00 V" and q("OUTP?") == "ON"
        # The plant's charger pushes 11 kW into the DC link: the supply sinks 27.5 A (negative, as
        # the instrument counts source current positive).
        assert q("MEAS:CURR?") == "-27.50 A" and q("MEAS:POW?") == "-11000.00 W"
        assert float(chroma.query("FETC:POW:AC?")) == 11000.0  # type: ignore[attr-defined]
        chroma.close()
        w("FOO:BAR 1")
        w("SOUR:VOLT 9999")
        assert [q("SYST:ERR?") for _ in range(3)] == ['-113,"Undefined header"', '-222,"Data out of range"', '0,"No error"']
        psb.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)
