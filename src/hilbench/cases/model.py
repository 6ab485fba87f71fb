"""The test-case model: a case is an async function with metadata — its id (``HB_<block>_<nn>_CS``,
a charger-side case for use case ``<block><nn>``), title, block, the OCPP 2.1 / ISO 15118-20 use
cases and requirement ids it covers, the roles it needs, and its declared measurements with units
and limits (marginal limits too). The body assigns measured values; the framework judges them
(OpenHTF's way), so a limit is written once, next to its name and unit.

Verdicts stay apart: ``pass``; ``fail`` — a finding against the device under test (a measurement
outside its limits, a rejection it should not make, a protocol error of its own); ``inconclusive``
— the case could not decide (the DUT did something the case cannot judge); ``error`` — the bench
failed (an instrument fault, a bug in the case, a timeout of ours); ``skipped`` — the rig lacks a
role the case needs."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

VERDICTS = ("pass", "fail", "inconclusive", "error", "skipped")
#: Roles a case may ask for: the bench's own (csms, ev), the rig's instruments, a driver at the
#: DUT's card reader, payment terminal and display (card_reader), and a driver at a battery swap
#: station's slots (swap_bay). The last two are the virtual charger's; a real DUT's would need a
#: person or robot the rig does not have yet.
ROLES = ("csms", "ev", "dc_supply", "grid_simulator", "power_analyzer", "energy_meter", "ev_emulator", "card_reader",
         "swap_bay")
ID = re.compile(r"HB_([A-Z]+)_(\d{2})(_[A-Z0-9]+)*_CS")


class CaseFailed(Exception):
    """Raised in a case body: a finding against the DUT (verdict ``fail``)."""


class CaseInconclusive(Exception):
    """Raised in a case body: the case cannot decide (verdict ``inconclusive``)."""


class CaseSkipped(Exception):
    """Raised in a case body: the DUT or rig does not offer what the case checks (``skipped``)."""


@dataclass(frozen=True)
class Measurement:
    """A declared measurement: ``low``/``high`` the limits (inclusive), ``marginal_*`` the inner
    limits beyond which a passing value is marked marginal; ``equals`` for an exact expected value
    (a status, a count), ``one_of`` for a value among several allowed ones."""

    name: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    marginal_low: float | None = None
    marginal_high: float | None = None
    equals: Any = None
    description: str = ""
    one_of: tuple[Any, ...] | None = None

    def judge(self, value: Any) -> str:
        """``pass``, ``marginal``, ``fail`` or ``unset``."""
        if value is None:
            return "unset"
        if self.equals is not None:
            return "pass" if value == self.equals else "fail"
        if self.one_of is not None:
            return "pass" if value in self.one_of else "fail"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return "fail" if (self.low is not None or self.high is not None) else "pass"
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return "fail"
        if (self.marginal_low is not None and value < self.marginal_low) or \
                (self.marginal_high is not None and value > self.marginal_high):
            return "marginal"
        return "pass"

    def with_limits(self, **limits: Any) -> Measurement:
        """The same measurement with limits decided at run time (from the DUT's configuration or
        the rig's), e.g. a tolerance around a setpoint the case chose."""
        from dataclasses import replace
        return replace(self, **limits)

    def as_record(self, value: Any, outcome: str) -> dict[str, Any]:
        return {"name": self.name, "value": value, "unit": self.unit, "low": self.low, "high": self.high,
                "marginal_low": self.marginal_low, "marginal_high": self.marginal_high,
                **({"equals": self.equals} if self.equals is not None else {}),
                **({"one_of": list(self.one_of)} if self.one_of is not None else {}), "outcome": outcome}


Body = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    block: str
    use_cases: tuple[str, ...]
    requirements: tuple[str, ...]
    roles: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    body: Body
    tags: tuple[str, ...] = ()
    timeout_s: float = 60.0
    description: str = ""
    #: Named faults of the virtual charger this case must fail on (the proof that it tests something).
    kills: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "block": self.block, "use_cases": list(self.use_cases),
                "requirements": list(self.requirements), "roles": list(self.roles), "tags": list(self.tags),
                "kills": list(self.kills)}


REGISTRY: dict[str, Case] = {}


def case(id: str, title: str, *, use_cases: tuple[str, ...] | list[str], requirements: tuple[str, ...] | list[str],
         roles: tuple[str, ...] | list[str] = ("csms",), measurements: tuple[Measurement, ...] | list[Measurement] = (),
         tags: tuple[str, ...] | list[str] = (), timeout_s: float = 60.0,
         kills: tuple[str, ...] | list[str] = ()) -> Callable[[Body], Body]:
    """Registers the decorated ``async def body(ctx)`` as a case of the library."""
    m = ID.fullmatch(id)
    if m is None:
        raise ValueError(f"case id {id!r} is not HB_<block>_<nn>[_<suffix>]_CS")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"{id}: unknown roles {unknown} (known: {', '.join(ROLES)})")
    if id in REGISTRY:
        raise ValueError(f"{id}: registered twice")
    names = [x.name for x in measurements]
    if len(set(names)) != len(names):
        raise ValueError(f"{id}: a measurement name repeats")

    def register(body: Body) -> Body:
        REGISTRY[id] = Case(id, title, m.group(1), tuple(use_cases), tuple(requirements), tuple(roles), tuple(measurements),
                            body, tuple(tags), timeout_s, (body.__doc__ or "").strip(), tuple(kills))
        return body
    return register


def library() -> dict[str, Case]:
    """Every case of the library (importing the block modules registers them)."""
    from hilbench.cases import blocks  # noqa: F401 - the import registers the cases

    return dict(sorted(REGISTRY.items()))
