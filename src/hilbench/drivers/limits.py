"""Safety in one place: every setpoint passes :meth:`Limits.check` before any byte goes out.

The allowed range of a quantity is the intersection of the instrument model's range and the rig's
limit; a refusal names the instrument, the quantity, the value and where each bound comes from."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from hilbench.errors import SetpointRefused


@dataclass(frozen=True)
class Bound:
    value: float
    source: str  #: "model ea-psb-10750-120", "rig sim.toml limits.dc_voltage_max_v", ...


@dataclass(frozen=True)
class Range:
    low: Bound
    high: Bound

    @classmethod
    def of(cls, low: float, high: float, source: str) -> Range:
        return cls(Bound(low, source), Bound(high, source))

    def narrowed(self, low: float | None, high: float | None, source: str) -> Range:
        lo = Bound(low, source) if low is not None and low > self.low.value else self.low
        hi = Bound(high, source) if high is not None and high < self.high.value else self.high
        return Range(lo, hi)

    def __str__(self) -> str:
        return f"[{self.low.value:g}, {self.high.value:g}] ({self.low.source}; {self.high.source})"


class Limits:
    """The allowed setpoint range per quantity of one instrument."""

    def __init__(self, instrument: str, ranges: Mapping[str, Range]) -> None:
        self.instrument = instrument
        self.ranges = dict(ranges)

    @classmethod
    def of_ranges(cls, instrument: str, ranges: Mapping[str, tuple[float, float]], source: str) -> Limits:
        """The limits an instrument model allows on its own (a rig narrows them)."""
        return cls(instrument, {q: Range.of(lo, hi, source) for q, (lo, hi) in ranges.items()})

    def narrowed(self, quantity: str, low: float | None, high: float | None, source: str) -> Limits:
        """A copy with one quantity's range narrowed (never widened) by a rig limit."""
        ranges = dict(self.ranges)
        if quantity in ranges:
            ranges[quantity] = ranges[quantity].narrowed(low, high, source)
        else:  # a quantity only the rig bounds (a ramp rate)
            ranges[quantity] = Range.of(low if low is not None else 0.0, high if high is not None else math.inf, source)
        return Limits(self.instrument, ranges)

    def check(self, quantity: str, value: float) -> float:
        """Returns ``value`` when it is allowed; raises :class:`SetpointRefused` otherwise."""
        r = self.ranges.get(quantity)
        if r is None:
            raise SetpointRefused(f"{self.instrument}: {quantity} has no declared range; refusing {value!r}")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise SetpointRefused(f"{self.instrument}: {quantity} = {value!r} is not a finite number")
        if value < r.low.value:
            raise SetpointRefused(f"{self.instrument}: {quantity} = {value:g} is below {r.low.value:g} ({r.low.source})")
        if value > r.high.value:
            raise SetpointRefused(f"{self.instrument}: {quantity} = {value:g} is above {r.high.value:g} ({r.high.source})")
        return float(value)
