"""Ramps as steps: a setpoint moved at a rate is a series of setpoints, each of which passes the
limit check on its own (a refused step stops the ramp where it is)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from hilbench.drivers.limits import Limits
from hilbench.errors import SetpointRefused


def check_ramp(limits: Limits, quantity: str, target: float, rate: float, rate_quantity: str, unit: str) -> None:
    """Refuses a target that is no number, a rate that is not positive, and a rate beyond the rig's
    limit for ``rate_quantity`` (when the rig sets one)."""
    if not (isinstance(target, (int, float)) and math.isfinite(target)):
        limits.check(quantity, target)  # refuses, naming the value
    if not (isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0 and math.isfinite(rate)):
        raise SetpointRefused(f"{limits.instrument}: a {quantity} ramp needs a positive rate, not {rate!r} {unit}/s")
    if rate_quantity in limits.ranges:
        limits.check(rate_quantity, rate)


def ramp(set_value: Callable[[float], object], start: float, target: float, rate_per_s: float, step_s: float,
         *, instrument: str) -> int:
    """Sets ``start → target`` in steps of ``step_s`` at ``rate_per_s``; returns the number of steps."""
    if not (isinstance(step_s, (int, float)) and step_s > 0 and math.isfinite(step_s)):
        raise SetpointRefused(f"{instrument}: a ramp needs a positive step time, not {step_s!r} s")
    steps = max(1, math.ceil(abs(target - start) / (rate_per_s * step_s)))
    for k in range(1, steps + 1):
        set_value(start + (target - start) * k / steps)
        if k < steps:
            time.sleep(step_s)
    return steps
