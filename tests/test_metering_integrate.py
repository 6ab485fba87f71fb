"""Energy integration: closed forms, a numpy reference on random data, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hilbench import metering
from hilbench.errors import MeteringInputError

S = 1_000_000_000


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def test_constant_charge() -> None:
    t = np.arange(3601, dtype=np.int64) * S
    e = metering.integrate(t, np.full(3601, 7400.0))
    assert rel(e.import_wh, 7400.0) < 1e-12 and e.export_wh == 0.0
    assert e.covered_ns == 3600 * S and e.samples == 3601 and e.gaps == ()


def test_constant_discharge_float32() -> None:
    t = np.arange(7201, dtype=np.int64) * (S // 2)
    e = metering.integrate(t, np.full(7201, -11000.0, dtype=np.float32))
    assert rel(e.export_wh, 11000.0) < 1e-12 and e.import_wh == 0.0
    assert e.net_wh == -e.export_wh


def test_ramp_through_zero() -> None:
    # -2 kW to +6 kW linearly over one hour, sampled every 100 ms: zero at a quarter hour.
    n = 36001
    t = np.arange(n, dtype=np.int64) * (S // 10)
    p = np.linspace(-2000.0, 6000.0, n)
    e = metering.integrate(t, p)
    assert rel(e.export_wh, 0.5 * 2000 * 0.25) < 1e-9
    assert rel(e.import_wh, 0.5 * 6000 * 0.75) < 1e-9


def test_sine_through_zero() -> None:
    # 7 kW amplitude, 1 s period, 2 periods, 10 µs steps; each half period carries A/(πf) W·s.
    a, f = 7000.0, 1.0
    t = np.arange(0, 2 * S + 1, 10_000, dtype=np.int64)
    p = a * np.sin(2 * math.pi * f * t / S)
    e = metering.integrate(t, p)
    half_period_wh = a / (math.pi * f) / 3600.0
    assert rel(e.import_wh, 2 * half_period_wh) < 1e-9
    assert rel(e.export_wh, 2 * half_period_wh) < 1e-9


def test_square_wave_charge_discharge() -> None:
    # +7 kW for 10 s, -5 kW for 10 s, 30 periods; each edge takes 1 ns.
    t: list[int] = []
    p: list[float] = []
    for k in range(30):
        base = k * 20 * S
        t += [base + (1 if k else 0), base + 10 * S, base + 10 * S + 1, base + 20 * S]
        p += [7000.0, 7000.0, -5000.0, -5000.0]
    e = metering.integrate(np.array(t), np.array(p), max_gap_s=None)
    assert rel(e.import_wh, 30 * 7000 * 10 / 3600) < 1e-9
    assert rel(e.export_wh, 30 * 5000 * 10 / 3600) < 1e-9


def test_large_stream_matches_small_pieces() -> None:
    # Long enough for the parallel path; energy is additive over pieces.
    n = 2_000_001
    t = np.arange(n, dtype=np.int64) * 1_000_000
    p = 9000.0 * np.sin(np.arange(n) / 5000.0) + 500.0
    whole = metering.integrate(t, p)
    half = n // 2
    a, b = metering.integrate(t[: half + 1], p[: half + 1]), metering.integrate(t[half:], p[half:])
    assert rel(whole.import_wh, a.import_wh + b.import_wh) < 1e-12
    assert rel(whole.export_wh, a.export_wh + b.export_wh) < 1e-12


def reference(t: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Exact split in plain numpy: each interval's positive and negative area, with the zero
    crossing placed by linear interpolation."""
    p0, p1, dt = p[:-1], p[1:], np.diff(t).astype(np.float64) / 3.6e12
    crossing = p0 * p1 < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(crossing, p0 / (p0 - p1), 0.0)  # share of the interval before the crossing
    # Same sign (or a zero end): the trapezoid goes wholly to one side.
    area = 0.5 * (p0 + p1) * dt
    pos = np.where(~crossing & (area > 0), area, 0.0)
    neg = np.where(~crossing & (area < 0), -area, 0.0)
    # Crossing: a triangle on each side.
    first, second = 0.5 * p0 * frac * dt, 0.5 * p1 * (1 - frac) * dt
    pos += np.where(crossing, np.where(p0 > 0, first, second), 0.0)
    neg += np.where(crossing, -np.where(p0 > 0, second, first), 0.0)
    return float(pos.sum()), float(neg.sum())


powers = st.one_of(st.just(0.0), st.floats(-1e5, 1e5, allow_nan=False), st.sampled_from([-1e-3, 1e-3, 1.0, -1.0]))


@settings(max_examples=300, deadline=None)
@given(
    steps=hnp.arrays(np.int64, st.integers(1, 300), elements=st.integers(1, 2 * S)),
    data=st.data(),
)
def test_matches_reference_on_random_streams(steps: np.ndarray, data: st.DataObject) -> None:
    t = np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
    p = data.draw(hnp.arrays(np.float64, len(t), elements=powers))
    e = metering.integrate(t, p, max_gap_s=None)
    imp, exp = reference(t, p)
    assert e.import_wh >= 0 and e.export_wh >= 0
    assert math.isclose(e.import_wh, imp, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(e.export_wh, exp, rel_tol=1e-9, abs_tol=1e-12)
    # Net energy does not depend on the split.
    net = float(np.sum((p[1:] + p[:-1]) * np.diff(t))) / 2 / 3.6e12
    assert math.isclose(e.net_wh, net, rel_tol=1e-9, abs_tol=1e-9)


def test_gaps_reported_not_bridged() -> None:
    t = np.array([0, S // 2, S, 6 * S, 6 * S + S // 2], dtype=np.int64)
    e = metering.integrate(t, np.full(5, 3600.0), max_gap_s=2.0)
    assert len(e.gaps) == 1
    gap = e.gaps[0]
    assert (gap.index, gap.start_ns, gap.end_ns, gap.duration_s) == (2, S, 6 * S, 5.0)
    assert rel(gap.bridged_import_wh, 5.0) < 1e-12
    assert rel(e.import_wh, 1.5) < 1e-12 and e.covered_ns == 3 * S // 2
    bridged = metering.integrate(t, np.full(5, 3600.0), max_gap_s=None)
    assert rel(bridged.import_wh, 6.5) < 1e-12 and bridged.gaps == ()


@pytest.mark.parametrize(
    ("t", "p", "message"),
    [
        ([0, 1, 2], [1.0, 2.0], "t_ns has 3 samples but power_w has 2"),
        ([0, 10, 5], [1.0, 2.0, 3.0], "t_ns[2] = 5 follows t_ns[1] = 10"),
        ([0, 10, 10], [1.0, 2.0, 3.0], "t_ns[2] = 10 follows t_ns[1] = 10"),
        ([0, 1, 2], [1.0, float("nan"), 3.0], "power_w[1] is NaN"),
        ([0, 1, 2], [1.0, 2.0, float("inf")], "power_w[2] is inf"),
        ([0], [float("nan")], "power_w[0] is NaN"),
    ],
)
def test_bad_streams_name_the_index(t: list[int], p: list[float], message: str) -> None:
    with pytest.raises(MeteringInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        metering.integrate(np.array(t, dtype=np.int64), np.array(p))


def test_bad_index_found_in_long_streams() -> None:
    t = np.arange(3_000_000, dtype=np.int64) * 1000
    t[2_345_678] = t[2_345_677]
    with pytest.raises(MeteringInputError, match=r"t_ns\[2345678\]"):
        metering.integrate(t, np.ones(len(t)))


def test_empty_and_single() -> None:
    assert metering.integrate([], []).import_wh == 0.0
    assert metering.integrate([5], [100.0]).samples == 1


def test_non_contiguous_and_other_dtypes_are_converted() -> None:
    t = np.arange(0, 2001, dtype=np.int64)[::2] * S // 100
    p = np.full(2001, 360, dtype=np.int32)[::2]
    e = metering.integrate(t, p)
    assert rel(e.import_wh, 360 * 20 / 3600) < 1e-12


def test_phases_2d_and_list() -> None:
    t = np.arange(3601, dtype=np.int64) * S
    rows = np.vstack([np.full(3601, 2000.0), np.full(3601, 3000.0), np.full(3601, -1000.0)])
    by_rows = metering.integrate_phases(t, rows)
    by_list = metering.integrate_phases(t, [rows[0], rows[1].astype(np.float32), rows[2]])
    for e in (by_rows, by_list):
        assert [round(ph.import_wh, 6) for ph in e.phases] == [2000.0, 3000.0, 0.0]
        assert round(e.phases[2].export_wh, 6) == 1000.0
        # The total register counts the sum of the phases: net 4 kW, no export.
        assert rel(e.total.import_wh, 4000.0) < 1e-12 and e.total.export_wh == 0.0
    with pytest.raises(MeteringInputError, match=r"phase 1: t_ns has 3601 samples but power_w has 3"):
        metering.integrate_phases(t, [rows[0], np.ones(3)])
    with pytest.raises(TypeError, match="2-D"):
        metering.integrate_phases(t, np.ones(3601))


def test_energy_at_is_the_running_integral() -> None:
    t = np.arange(1001, dtype=np.int64) * S
    p = np.linspace(-1800.0, 1800.0, 1001)
    at = np.array([0, 250 * S, 500 * S, 1000 * S])
    imp, exp, after_gap = metering.energy_at(t, p, at)
    assert imp[0] == exp[0] == 0.0 and not after_gap.any()
    whole = metering.integrate(t, p)
    assert rel(imp[-1], whole.import_wh) < 1e-12 and rel(exp[-1], whole.export_wh) < 1e-12
    first_half = metering.integrate(t[:501], p[:501])
    assert rel(exp[2], first_half.export_wh) < 1e-12
    with pytest.raises(MeteringInputError, match=r"at_ns\[0\] = 1000000000001 is outside"):
        metering.energy_at(t, p, [1000 * S + 1])
