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
[instruments.battery]
role = "dc_supply"
model = "ea-psb-10750-120"
address = "sim"
"""
# What the instrument received, by command, and the most each may carry.
ALLOWED = {"SOUR:VOLT": 60.0, "SOUR:CURR": 5.0, "SINK:CURR": 3.0, "SOUR:POW": 200.0, "SINK:POW": 200.0}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    path: Path = tmp_path_factory.mktemp("rig") / "tight.toml"
    path.write_text(TIGHT)
    # The ramp's pauses do not matter here (limits do): no waiting between steps.
    mp = pytest.MonkeyPatch()
    mp.setattr("hilbench.drivers.dc_supply.time.sleep", lambda _s: None)
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
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=int(os.environ.get("HILBENCH_PROPERTY_EXAMPLES", "10000")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
@given(ops=operations)
def test_no_setpoint_beyond_the_limits_reaches_the_instrument(rig: Rig, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    assert rig.sim is not None
    device = rig.sim.devices["battery"]
    supply = rig.dc_supply
    for op in ops:
        try:
            if op[0] == "voltage":
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
    for r in device.received:
        if r.header in ALLOWED:
            value = float(r.argument)
            assert 0.0 <= value <= ALLOWED[r.header], (r, ops)
    device.received.clear()
