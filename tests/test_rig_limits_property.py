"""No setpoint beyond the rig's limits ever reaches an instrument: 10,000 random command sequences
against the simulated rig with tight limits, checked on what the simulated instrument received
(not on what the driver says it sent)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hilbench.errors import SetpointRefused
from hilbench.rig import Rig

TIGHT = """
[rig]
name = "tight"
simulated = true
[limits]
dc_voltage_max_v = 60.0
dc_current_source_max_a = 5.0
dc_current_sink_max_a = 3.0
dc_power_max_w = 200.0
dc_voltage_ramp_max_v_per_s = 1000.0
grid_voltage_min_v = 220.0
grid_voltage_max_v = 240.0
grid_frequency_min_hz = 49.5
grid_frequency_max_hz = 50.5
grid_current_max_a = 16.0
grid_frequency_ramp_max_hz_per_s = 100.0
grid_voltage_ramp_max_v_per_s = 1000.0
[instruments.battery]
role = "dc_supply"
model = "ea-psb-10750-120"
address = "sim"
[instruments.grid]
role = "grid_simulator"
model = "chroma-61845"
address = "sim"
"""
# What each instrument received, by command, and the window each value must lie in.
ALLOWED = {
    "battery": {"SOUR:VOLT": (0.0, 60.0), "SOUR:CURR": (0.0, 5.0), "SINK:CURR": (0.0, 3.0), "SOUR:POW": (0.0, 200.0),
                "SINK:POW": (0.0, 200.0)},
    "grid": {"SOUR:VOLT:LEV:IMM:AMPL:AC": (220.0, 240.0), "SOUR:FREQ": (49.5, 50.5), "SOUR:CURR:LIM": (0.0, 16.0)},
}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    path: Path = tmp_path_factory.mktemp("rig") / "tight.toml"
    path.write_text(TIGHT)
    # The ramp's pauses do not matter here (limits do): no waiting between steps.
    mp = pytest.MonkeyPatch()
    mp.setattr("hilbench.drivers.ramp.time.sleep", lambda _s: None)
    with Rig.open(path) as r:
        yield r
    mp.undo()


values = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-100, 300),
    st.sampled_from([0.0, 60.0, 60.0000001, 3.0, 3.0001, 5.0, 200.0, 200.5, -0.0, math.nan, math.inf, -math.inf]),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("voltage"), values),
        st.tuples(st.just("current"), values, values),
        st.tuples(st.just("power"), values, values),
        st.tuples(st.just("ramp"), values, st.one_of(st.floats(-10, 0), st.floats(100, 5000))),
        st.tuples(st.just("output"), st.booleans()),
        st.tuples(st.just("grid_voltage"), values, st.sampled_from([None, 1, 2, 3])),
        st.tuples(st.just("grid_frequency"), st.one_of(values, st.floats(49.0, 51.0))),
        st.tuples(st.just("grid_current"), values),
        st.tuples(st.just("grid_ramp_v"), st.one_of(values, st.floats(200, 260)), st.floats(100, 2000)),
        st.tuples(st.just("grid_ramp_f"), st.one_of(values, st.floats(49.0, 51.0)), st.floats(1, 200)),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=int(os.environ.get("HILBENCH_PROPERTY_EXAMPLES", "10000")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
@given(ops=operations)
def test_no_setpoint_beyond_the_limits_reaches_the_instrument(rig: Rig, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    assert rig.sim is not None
    supply, grid = rig.dc_supply, rig.grid_simulator
    for op in ops:
        try:
            if op[0] == "grid_voltage":
                grid.set_voltage(op[1], phase=op[2])
            elif op[0] == "grid_frequency":
                grid.set_frequency(op[1])
            elif op[0] == "grid_current":
                grid.set_current_limit(op[1])
            elif op[0] == "grid_ramp_v":
                grid.ramp_voltage(op[1], op[2], step_s=0.05)
            elif op[0] == "grid_ramp_f":
                grid.ramp_frequency(op[1], op[2], step_s=0.05)
            elif op[0] == "voltage":
                supply.set_voltage(op[1])
            elif op[0] == "current":
                supply.set_current_limits(source_a=op[1], sink_a=op[2])
            elif op[0] == "power":
                supply.set_power_limits(source_w=op[1], sink_w=op[2])
            elif op[0] == "ramp":
                supply.ramp_voltage(op[1], op[2], step_s=0.05)
            else:
                supply.output(op[1])
        except SetpointRefused:
            pass
    for name, allowed in ALLOWED.items():
        device = rig.sim.devices[name]
        for r in device.received:
            window = allowed.get(r.header.lstrip(":"))
            if window is not None:
                assert window[0] <= float(r.argument) <= window[1], (name, r, ops)
        device.received.clear()
