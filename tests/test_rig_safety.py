"""The rig's safe state: every output off on normal exit, on an exception, when an instrument is
lost or mute, and on SIGINT / SIGTERM during a ramp — checked on the simulated instruments."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import pyvisa

from hilbench.errors import InstrumentDisconnected, SetpointRefused
from hilbench.rig import Rig
from tests.procs import HILBENCH, popen

ROOT = Path(__file__).parent.parent
SIM_RIG = ROOT / "rigs" / "sim.toml"


def off_within(plant, seconds: float = 1.0) -> bool:  # type: ignore[no-untyped-def]
    """The safe state writes without waiting for answers: the instrument shows it within a second."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not (plant.dc.output_on or plant.grid.output_on):
            return True
        time.sleep(0.005)
    return False


def test_normal_exit_switches_off() -> None:
    with Rig.open(SIM_RIG) as rig:
        assert rig.sim is not None
        device, plant = rig.sim.devices["battery"], rig.sim.plant
        rig.dc_supply.set_voltage(400.0)
        rig.dc_supply.output(True)
        rig.grid_simulator.output(True)
        assert plant.dc.output_on and plant.grid.output_on
    assert off_within(plant)
    assert device.received[-1].header == "OUTP" and device.received[-1].argument == "OFF"
    assert rig.safe_state_report == []


def test_exception_switches_off_and_propagates() -> None:
    with pytest.raises(ZeroDivisionError):
        with Rig.open(SIM_RIG) as rig:
            assert rig.sim is not None
            plant = rig.sim.plant
            rig.dc_supply.set_voltage(400.0)
            rig.dc_supply.output(True)
            1 / 0  # noqa: B018 - a test case's bug
    assert off_within(plant)


@pytest.mark.parametrize("fault", ["disconnect", "mute"])
def test_lost_or_mute_instrument_is_reported_within_a_second(fault: str) -> None:
    with pytest.raises(Exception) as e:
        with Rig.open(SIM_RIG) as rig:
            assert rig.sim is not None
            device = rig.sim.devices["battery"]
            rig.dc_supply.output(True)
            device.faults.add(fault)
            if fault == "disconnect":
                rig.sim.servers["battery"].drop_clients()
            started = time.monotonic()
            rig.dc_supply.measure()
    elapsed = time.monotonic() - started
    assert isinstance(e.value, InstrumentDisconnected if fault == "disconnect" else Exception)
    # The time to notice (the mute instrument's timeout) is not the safe state's; the safe state's
    # own part is bounded by writes that never wait for an answer.
    log = [x for x in rig.log.entries if x.instrument == "battery"]
    assert any(x.direction == "error" for x in log)
    assert log[-1].text.startswith("closed")
    if fault == "mute":
        assert "safe state" in [x.text for x in log] and rig.safe_state_report == []
        assert elapsed < 2.0 + 1.0
    else:
        assert rig.safe_state_report and rig.safe_state_report[0].startswith("battery: safe state failed")


def test_ramp_steps_are_each_checked() -> None:
    with Rig.open(SIM_RIG) as rig:
        assert rig.sim is not None
        device = rig.sim.devices["battery"]
        rig.dc_supply.set_voltage(300.0)
        rig.dc_supply.ramp_voltage(340.0, 200.0, step_s=0.02)
        steps = [float(r.argument) for r in device.received if r.header == "SOUR:VOLT"]
        assert steps[0] == 300.0 and steps[-1] == 340.0 and len(steps) == 11
        assert all(b > a for a, b in zip(steps, steps[1:]))
        with pytest.raises(SetpointRefused, match=r"voltage_ramp_v_per_s = 500 is above 200 \(rig sim.toml"):
            rig.dc_supply.ramp_voltage(400.0, 500.0)
        before = len(device.received)
        with pytest.raises(SetpointRefused, match=r"voltage_v = 504 is above 500"):
            rig.dc_supply.ramp_voltage(520.0, 200.0, step_s=0.02)
        sent = [float(r.argument) for r in device.received[before:] if r.header == "SOUR:VOLT"]
        assert max(sent) == sent[-1] == 500.0  # stopped at the last allowed step


CHILD = textwrap.dedent("""
    import sys
    from hilbench.rig import Rig
    with Rig.open(sys.argv[1]) as rig:
        rig.dc_supply.set_voltage(100.0)
        rig.dc_supply.output(True)
        print("ramping", flush=True)
        rig.dc_supply.ramp_voltage(450.0, 10.0, step_s=0.1)
""")


@pytest.mark.parametrize("inherited", ["default", "ignored"], ids=["SIGINT-default", "SIGINT-ignored"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_ramp_switches_off(tmp_path: Path, sig: signal.Signals, inherited: str) -> None:
    # The instruments run in their own process, so what they report does not depend on the
    # process that is being interrupted. The rig's process may have inherited SIGINT as ignored (a
    # background job): the rig makes it interrupt again while it is open.
    server = popen([*HILBENCH, "sim", "instruments", str(SIM_RIG), "--json"], stdout=subprocess.PIPE)
    try:
        address = json.loads(server.stdout.readline())["address"]  # type: ignore[union-attr]
        rig = tmp_path / "rig.toml"
        rig.write_text(f"""
[rig]
safe_state_order = ["battery"]
[limits]
dc_voltage_max_v = 500.0
[instruments.battery]
role = "dc_supply"
model = "ea-psb-10750-120"
address = "{address}"
""")
        child = popen([sys.executable, "-c", CHILD, str(rig)], sigint=inherited, stdout=subprocess.PIPE)
        assert child.stdout is not None and child.stdout.readline().strip() == "ramping"
        time.sleep(0.3)
        sent = time.monotonic()
        child.send_signal(sig)
        child.wait(10)
        assert time.monotonic() - sent < 1.5
        assert child.returncode != 0
        rm = pyvisa.ResourceManager("@py")
        inst = rm.open_resource(address, read_termination="\n", write_termination="\n", timeout=2000)
        assert inst.query("OUTP?") == "OFF"  # type: ignore[attr-defined]
        volts = float(inst.query("SOUR:VOLT?").split()[0])  # type: ignore[attr-defined]
        assert 100.0 < volts < 450.0  # stopped mid-ramp
        inst.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)
