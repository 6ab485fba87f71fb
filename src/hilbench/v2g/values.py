"""ISO 15118-20 value helpers: RationalNumber (``{"Exponent": e, "Value": v}``, value × 10^e, with
Value an int16) to and from floats, and the message header."""

from __future__ import annotations

import math
from typing import Any

I16 = 2**15 - 1


def rational(x: float) -> dict[str, int]:
    """The RationalNumber closest to ``x`` with the largest precision an int16 value allows."""
    if x == 0 or not math.isfinite(x):
        return {"Exponent": 0, "Value": 0}
    exponent = 0
    while abs(x) / 10.0**exponent > I16 and exponent < 127:
        exponent += 1
    while exponent > -128 and abs(x) / 10.0 ** (exponent - 1) <= I16 and round(x / 10.0**exponent) != x / 10.0**exponent:
        exponent -= 1
    return {"Exponent": exponent, "Value": int(round(x / 10.0**exponent))}


def number(r: dict[str, Any]) -> float:
    return float(r["Value"]) * 10.0 ** int(r["Exponent"])


def header(session_id: str, now_s: float) -> dict[str, Any]:
    return {"SessionID": session_id, "TimeStamp": int(now_s)}
