"""The power analyzer driver against the simulated Yokogawa WT5000 over a real socket: the numeric
list configured on the wire, readings that follow the plant on the DC and AC sides, the integrator
against the plant's own energy counters, the instrument's marker values, and each fault as a typed
error."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hilbench.errors import InstrumentDisconnected, InstrumentError, InstrumentReplyError, InstrumentTimeout
from hilbench.rig import Rig
from tests.instrument_checks import assert_failure_logged

SIM_RIG = Path(__file__).parent.parent / "rigs" / "sim.toml"


@pytest.fixture
def rig() -> Iterator[Rig]:
    with Rig.open(SIM_RIG) as r:
        assert r.sim is not None
        r.grid_simulator.set_voltage(230.0)
        r.grid_simulator.output(True)
        r.dc_supply.set_voltage(400.0)
        r.dc_supply.set_current_limits(source_a=25.0, sink_a=25.0)
        r.dc_supply.output(True)
        yield r


def test_numeric_list_on_the_wire(rig: Rig) -> None:
    assert rig.sim is not None
    received = [(r.header, r.argument) for r in rig.sim.devices["analyzer"].received]
    assert received[:6] == [(":COMM:REM", "ON"), (":COMM:HEAD", "OFF"), (":COMM:VERB", "OFF"), (":NUM:FORM", "ASC"),
                            (":INTEG:MODE", "NORM"), (":NUM:NORM:NUM", "40")]
    assert received[6:9] == [(":NUM:NORM:ITEM1", "U,1"), (":NUM:NORM:ITEM2", "I,1"), (":NUM:NORM:ITEM3", "P,1")]
    assert received[-1] == (":NUM:NORM:ITEM40", "TIME,4")


def test_readings_follow_the_plant(rig: Rig) -> None:
    assert rig.sim is not None
    rig.sim.plant.set_charger_power(6_900.0)
    r = rig.power_analyzer.read()
    dc, l1 = r["1"], r["2"]
    assert (dc.voltage_v, dc.current_a, dc.power_w) == pytest.approx((400.0, 17.25, 6_900.0), rel=1e-4)
    assert math.isnan(dc.frequency_hz)  # 9.91E+37: no frequency on a DC input
    assert (l1.voltage_v, l1.current_a, l1.power_w, l1.frequency_hz) == pytest.approx((230.0, 10.0, 2_300.0, 50.0), rel=1e-4)
    assert l1.power_factor == pytest.approx(1.0) and r["1"].mono_ns == r["4"].mono_ns  # one period
    rig.sim.plant.set_charger_power(-4_600.0)  # V2G
    r = rig.power_analyzer.read()
    assert r["1"].power_w == pytest.approx(-4_600.0, rel=1e-4) and r["1"].current_a == pytest.approx(-11.5, rel=1e-4)
    assert r["3"].power_w == pytest.approx(-4_600.0 / 3, rel=1e-4) and r["3"].power_factor == pytest.approx(-1.0)


def test_integration_keeps_import_and_export_apart(rig: Rig) -> None:
    assert rig.sim is not None
    plant, analyzer = rig.sim.plant, rig.power_analyzer
    assert analyzer.integration_state() == "RESET"
    # The power is zero at both edges of the integration, so the moments at which the analyzer and
    # this test read the plant's counters may differ (they do under load) without changing the sums.
    plant.set_charger_power(0.0)
    start = (plant.dc_import_wh, plant.dc_export_wh, plant.ac_import_wh, plant.ac_export_wh)
    analyzer.integration_start()
    assert analyzer.integration_state() == "START"
    plant.set_charger_power(9_000.0)
    time.sleep(0.3)
    plant.set_charger_power(-6_000.0)
    time.sleep(0.3)
    plant.set_charger_power(0.0)
    analyzer.integration_stop()
    plant.step()
    end = (plant.dc_import_wh, plant.dc_export_wh, plant.ac_import_wh, plant.ac_export_wh)
    stopped = analyzer.read()
    time.sleep(0.1)
    assert analyzer.read()["1"].import_wh == stopped["1"].import_wh  # held while stopped
    dc, l2 = stopped["1"], stopped["3"]
    # Against the plant's own counters over the same interval: within 0.3 %.
    assert dc.import_wh == pytest.approx(end[0] - start[0], rel=3e-3) and dc.import_wh > 0.7
    assert dc.export_wh == pytest.approx(end[1] - start[1], rel=3e-3) and dc.export_wh > 0.45
    assert l2.import_wh == pytest.approx((end[2] - start[2]) / 3, rel=3e-3)
    assert l2.export_wh == pytest.approx((end[3] - start[3]) / 3, rel=3e-3)
    assert dc.integration_time_s == pytest.approx(0.6, abs=0.05)
    analyzer.integration_reset()
    assert analyzer.integration_state() == "RESET" and analyzer.read()["1"].import_wh == 0.0


def test_instrument_refusals_are_errors(rig: Rig) -> None:
    analyzer = rig.power_analyzer
    with pytest.raises(InstrumentReplyError, match=r"analyzer: after ':INTEG:RES' the instrument reports '-221,"):
        analyzer.integration_start()
        analyzer.integration_reset()  # reset while running: the instrument refuses
    with pytest.raises(InstrumentError, match=r"analyzer: no element 7 \(elements: 1, 2, 3, 4\)"):
        analyzer.measure(7)


def test_over_range_current_is_an_error_naming_the_item(rig: Rig) -> None:
    assert rig.sim is not None
    rig.dc_supply.set_current_limits(source_a=50.0, sink_a=50.0)
    rig.sim.plant.set_charger_power(20_000.0)  # 50 A through a 30 A input
    with pytest.raises(InstrumentReplyError, match=r"analyzer: :NUM:NORM:VAL\? item 1 \(U,1\) is over its range: '9.90E\+37'"):
        rig.power_analyzer.read()


@pytest.mark.parametrize(("fault", "error", "message"), [
    ("disconnect", InstrumentDisconnected, "analyzer: "),
    ("mute", InstrumentTimeout, r"analyzer: no answer to ':NUM:NORM:VAL\?'"),
    ("garbage", InstrumentReplyError, r"analyzer: :NUM:NORM:VAL\? returned 1 values, 40 items are configured"),
    ("out_of_range", InstrumentReplyError, r"analyzer: :NUM:NORM:VAL\? item 1 \(U,1\) is over its range"),
])
def test_faults_are_typed_errors(rig: Rig, fault: str, error: type, message: str) -> None:
    assert rig.sim is not None
    rig.sim.devices["analyzer"].faults.add(fault)
    if fault == "disconnect":
        rig.sim.servers["analyzer"].drop_clients()
    with pytest.raises(error, match=message):
        rig.power_analyzer.read()
    assert_failure_logged(rig.log.of("analyzer"))
