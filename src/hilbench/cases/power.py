"""Power as the instruments see it, for the cases that judge what the DUT did physically: the
power analyzer's element at the DUT's outlet (the DC element for a DC session, the sum of the AC
phases otherwise), sampled as fast as the analyzer answers into a series the report plots, and the
moment a trace settles within a tolerance of a target."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from hilbench.runner.context import CaseContext, Series


@dataclass(frozen=True)
class Sample:
    #: seconds since the trace began, by the host's monotonic clock when the reading came back (the
    #: analyzer's measurement period ended at most one update interval and one query before)
    t_s: float
    power_w: float  #: positive: towards the EV


def tolerance_w(target_w: float, pct: float, floor_w: float) -> float:
    """± band around a target: ``pct`` of it, at least ``floor_w`` (the analyzer's and the DUT's
    resolution near zero)."""
    return max(abs(target_w) * pct / 100.0, floor_w)


async def outlet_power(ctx: CaseContext) -> tuple[float, int]:
    """(W, the analyzer's monotonic ns) at the DUT's outlet."""
    return outlet_of(ctx, await ctx.io(ctx.power_analyzer.read))


def session_dc(ctx: CaseContext) -> bool:
    """Whether the bench EV's running session is a DC one (its outlet is the analyzer's DC element)."""
    evcc = ctx.ev.evcc
    return bool(evcc is not None and evcc.service is not None and evcc.service.dc)


def _outlet(reading: dict[str, Any], dc: bool) -> list[Any]:
    """The elements at the DUT's outlet: element 1 (the DC side) in a DC session, the AC phases
    otherwise."""
    return [reading["1"]] if dc else [r for name, r in reading.items() if name != "1"]


def outlet_of(ctx: CaseContext, reading: dict[str, Any]) -> tuple[float, int]:
    """(W, ns) at the DUT's outlet in one analyzer reading."""
    return sum(r.power_w for r in _outlet(reading, session_dc(ctx))), next(iter(reading.values())).mono_ns


def outlet_energy(reading: dict[str, Any], dc: bool) -> tuple[float, float]:
    """(import Wh, export Wh) the analyzer's integrator counted at the DUT's outlet (``dc``: of a
    DC session, from ``session_dc`` while the session ran)."""
    sides = _outlet(reading, dc)
    return sum(r.import_wh for r in sides), sum(r.export_wh for r in sides)


def grid_side(reading: dict[str, Any]) -> tuple[float, float, float]:
    """(W, var, V) at the charger's grid connection in one analyzer reading (the AC phases,
    elements 2-4): active power (+ = from the grid), reactive power (+ = the charger absorbs,
    the analyzer's load convention), the mean phase voltage."""
    phases = [r for name, r in reading.items() if name != "1"]
    return (sum(r.power_w for r in phases), sum(r.reactive_power_var for r in phases),
            sum(r.voltage_v for r in phases) / len(phases))


def highest_phase_v(reading: dict[str, Any]) -> float:
    """The highest AC phase voltage in one analyzer reading (the grid side: elements 2-4), V."""
    return max(r.voltage_v for name, r in reading.items() if name != "1")


def lowest_phase_v(reading: dict[str, Any]) -> float:
    """The lowest AC phase voltage in one analyzer reading (the grid side: elements 2-4), V."""
    return min(r.voltage_v for name, r in reading.items() if name != "1")


async def trace(ctx: CaseContext, seconds: float, series: Series, *, t0_ns: int | None = None) -> list[Sample]:
    """Samples the outlet power for ``seconds`` into ``series``; times count from ``t0_ns`` (now
    by default)."""
    start = time.monotonic_ns() if t0_ns is None else t0_ns
    end = time.monotonic() + seconds
    out = []
    while time.monotonic() < end:
        power, t_ns = await outlet_power(ctx)
        series.add(power, t_ns)
        out.append(Sample((t_ns - start) / 1e9, power))
    return out


def settled_at(samples: list[Sample], target_w: float, band_w: float) -> float | None:
    """The time from which every later sample stays within ``band_w`` of ``target_w`` (None: the
    trace never settles, or its last sample is outside)."""
    settled = None
    for s in samples:
        if abs(s.power_w - target_w) <= band_w:
            settled = s.t_s if settled is None else settled
        else:
            settled = None
    return settled


#: Fewer samples than this in an averaging window: the analyzer answered too slowly to judge.
MIN_SAMPLES = 5


def mean_after(samples: list[Sample], t_s: float) -> float | None:
    """The mean of every sample from ``t_s`` on, in band or not (a window fixed in time, so that an
    oscillating DUT is averaged as it is, not by its best moments); None below :data:`MIN_SAMPLES`."""
    tail = [s.power_w for s in samples if s.t_s >= t_s]
    return sum(tail) / len(tail) if len(tail) >= MIN_SAMPLES else None


def lowest_after(samples: list[Sample], t_s: float) -> float | None:
    """The most negative sample (the deepest discharge) from ``t_s`` on; None when there is none."""
    tail = [s.power_w for s in samples if s.t_s >= t_s]
    return min(tail) if tail else None
