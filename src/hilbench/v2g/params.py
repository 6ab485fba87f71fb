"""Parameters of the V2G models (the EV's battery, the charger's EVSE) declared with their unit and
range, so that a profile file or a ``--set key=value`` is checked in one place (``profile.py``)
and a wrong value names its key, its unit and what it may be.

A field declared with :func:`param` is a profile key; one declared with :func:`state` is run-time
state (session ids, the present voltage) and never read from a profile."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def param(default: Any, *, unit: str = "", min: float | None = None, max: float | None = None,
          above: float | None = None, doc: str = "") -> Any:
    """A profile parameter: ``min``/``max`` inclusive bounds, ``above`` an exclusive lower bound."""
    return field(default=default, metadata={"param": True, "unit": unit, "min": min, "max": max,
                                            "above": above, "doc": doc})


def state(factory: Any = None, *, default: Any = None) -> Any:
    """Run-time state of a model: not a profile key."""
    if factory is not None:
        return field(default_factory=factory, metadata={"param": False})
    return field(default=default, metadata={"param": False})
