"""Instrument round trips through each real transport to the simulated instruments, and the plant
model's step rate: the time budget later test cases work with (run: make bench; p99 in
extra_info and printed)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hilbench.rig import Rig
from hilbench.sim.plant import Plant

SIM_RIG = Path(__file__).parent.parent / "rigs" / "sim.toml"


@pytest.fixture(scope="module")
def rig():  # type: ignore[no-untyped-def]
    with Rig.open(SIM_RIG) as r:
        yield r


def spread(fn: Callable[[], object], n: int = 2000) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t)
    samples.sort()
    return statistics.median(samples) / 1e3, samples[int(0.99 * len(samples))] / 1e3


def record(benchmark, fn: Callable[[], object], label: str) -> None:  # type: ignore[no-untyped-def]
    median_us, p99_us = spread(fn)
    benchmark.extra_info.update({"median_us": round(median_us, 1), "p99_us": round(p99_us, 1)})
    print(f"\n{label}: median {median_us:.1f} µs, p99 {p99_us:.1f} µs")
    benchmark(fn)


@pytest.mark.benchmark(group="instrument round trip")
def test_scpi_query_pyvisa_socket(benchmark, rig) -> None:  # type: ignore[no-untyped-def]
    record(benchmark, lambda: rig.dc_supply.get("voltage_v"), "SCPI query over pyvisa-py socket")


@pytest.mark.benchmark(group="instrument round trip")
def test_scpi_setpoint_with_error_check(benchmark, rig) -> None:  # type: ignore[no-untyped-def]
    record(benchmark, lambda: rig.dc_supply.set_voltage(400.0), "SCPI setpoint + SYST:ERR?")


@pytest.mark.benchmark(group="instrument round trip")
def test_modbus_read_register(benchmark, rig) -> None:  # type: ignore[no-untyped-def]
    record(benchmark, lambda: rig.energy_meter.read("total_power_w"), "Modbus TCP read (2 registers)")


@pytest.mark.benchmark(group="instrument round trip")
def test_modbus_full_measurement(benchmark, rig) -> None:  # type: ignore[no-untyped-def]
    benchmark(rig.energy_meter.measure)


@pytest.mark.benchmark(group="instrument round trip")
def test_analyzer_numeric_list(benchmark, rig) -> None:  # type: ignore[no-untyped-def]
    record(benchmark, rig.power_analyzer.read, "WT5000 numeric list (40 items, one query)")


@pytest.mark.benchmark(group="instrument round trip")
def test_can_command_confirmed_by_echo(benchmark, rig) -> None:  # type: ignore[no-untyped-def]
    record(benchmark, lambda: rig.ev_emulator.set_cp_state("B"), "CAN control frame + status echo (virtual bus)")


@pytest.mark.benchmark(group="instrument round trip")
def test_modbus_setpoint_with_readback(benchmark, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("psb") / "psb.toml"
    path.write_text('[rig]\nsimulated = true\n[instruments.battery]\nrole = "dc_supply"\n'
                    'model = "ea-psb-10750-120-modbus"\naddress = "sim"\n')
    with Rig.open(path) as r:
        record(benchmark, lambda: r.dc_supply.set_voltage(400.0), "Modbus TCP setpoint (FC6) + read back")


@pytest.mark.benchmark(group="plant")
def test_plant_step(benchmark) -> None:  # type: ignore[no-untyped-def]
    plant = Plant()
    plant.dc.output_on, plant.dc.voltage_v, plant.dc.sink_current_a, plant.charger_power_w = True, 400.0, 50.0, 11000.0
    t = [plant.last_ns]

    def step() -> None:
        t[0] += 1_000_000
        plant.step(t[0])

    benchmark(step)
