"""How the way a case ended becomes its verdict, kept apart so that a lab can trust a ``fail``:
a finding against the DUT (a ``CaseFailed`` of the body, a protocol error of the DUT's, a CALLERROR
to a valid call, no answer within the call timeout, a measurement outside its limits) is ``fail``;
the bench's own trouble (an instrument fault, a refused setpoint, a local protocol error, a bug in
the case, the case's own timeout) is ``error``."""

from __future__ import annotations

import asyncio
from typing import Any

from hilbench.cases.model import CaseFailed, CaseInconclusive, CaseSkipped
from hilbench.errors import (
    CallErrorReceived, HilbenchError, InfrastructureError, LocalProtocolError, RemoteProtocolError, SafetyError,
)


def of_exception(e: BaseException | None, timeout_s: float) -> tuple[str, str | None]:
    """(verdict, reason) for how the body ended (None: it returned)."""
    if e is None:
        return "pass", None
    if isinstance(e, CaseFailed):
        return "fail", str(e)
    if isinstance(e, CaseInconclusive):
        return "inconclusive", str(e)
    if isinstance(e, CaseSkipped):
        return "skipped", str(e)
    if isinstance(e, CallErrorReceived):
        return "fail", f"the DUT answered with CALLERROR: {e}"
    if isinstance(e, RemoteProtocolError):
        return "fail", f"the DUT broke the protocol: {e}"
    if isinstance(e, (asyncio.TimeoutError, TimeoutError)):
        return "error", f"the case did not finish within its {timeout_s:g} s (a bench timeout)"
    if isinstance(e, LocalProtocolError):
        return "error", f"the bench broke the protocol (a bench bug): {e}"
    if isinstance(e, (InfrastructureError, SafetyError)):
        return "error", f"{type(e).__name__}: {e}"
    if isinstance(e, HilbenchError):
        return "error", f"{type(e).__name__}: {e}"
    return "error", f"the case raised {type(e).__name__}: {e} (a bench bug)"


def with_measurements(verdict: str, reason: str | None, measurements: list[dict[str, Any]]) -> tuple[str, str | None]:
    """A passing body still fails on a measurement outside its limits, and errs on one it never set."""
    if verdict != "pass":
        return verdict, reason
    failed = [m for m in measurements if m["outcome"] == "fail"]
    if failed:
        return "fail", "; ".join(f"{m['name']} = {_value(m)} {m['unit']} outside {_limits(m)}".replace("  ", " ")
                                 for m in failed)
    unset = [m["name"] for m in measurements if m["outcome"] == "unset"]
    if unset:
        return "error", f"the case did not measure {', '.join(unset)} (a bench bug)"
    return "pass", None


def _value(m: dict[str, Any]) -> str:
    v = m["value"]
    return f"{v:.6g}" if isinstance(v, float) else repr(v)


def _limits(m: dict[str, Any]) -> str:
    if "equals" in m:
        return f"the expected {m['equals']!r}"
    if "one_of" in m:
        return "the expected one of " + ", ".join(repr(v) for v in m["one_of"])
    low, high = m["low"], m["high"]
    if low is not None and high is not None:
        return f"[{low:g}, {high:g}]"
    if low is None and high is None:  # a measurement without limits never fails; said for completeness
        return "no limits"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}"
