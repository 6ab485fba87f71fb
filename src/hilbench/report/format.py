"""How numbers, limits and measurements read in every writer (JUnit text and HTML alike)."""

from __future__ import annotations

import json
import math

from hilbench.report.record import Measurement, Value


def number(value: Value) -> str:
    """A value as a person reads it: up to 6 significant digits, no exponent for everyday sizes."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if not isinstance(value, (int, float)):  # a list or an object a case measured
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.6g}"
    if "e" in text and 1e-4 <= abs(value) < 1e15:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def limits_text(m: Measurement) -> str:
    """``= Accepted``, ``[-7140, -6860] W``, ``>= 0 W``, ``<= 10 s`` or ``none``; a marginal band
    follows in parentheses."""
    unit = f" {m.unit}" if m.unit else ""
    if m.equals is not None:
        return f"= {number(m.equals)}{unit}"
    if isinstance(m.one_of, list):
        return "one of " + ", ".join(number(v) for v in m.one_of) + unit
    if m.low is not None and m.high is not None:
        text = f"[{number(m.low)}, {number(m.high)}]{unit}"
    elif m.low is not None:
        text = f">= {number(m.low)}{unit}"
    elif m.high is not None:
        text = f"<= {number(m.high)}{unit}"
    else:
        text = "none"
    if m.marginal_low is not None or m.marginal_high is not None:
        text += f" (marginal outside [{number(m.marginal_low)}, {number(m.marginal_high)}])"
    return text


def measurement_line(m: Measurement) -> str:
    unit = f" {m.unit}" if m.unit and m.value is not None else ""
    return f"{m.name} = {number(m.value)}{unit}   limits {limits_text(m)}   {m.outcome}"
