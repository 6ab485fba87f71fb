"""The power analyzer role: the reference measurement on both sides of the charger (V, I, P, Q, S,
PF, f per element) and its integrator (start, stop, reset) with import and export energy apart.

A SCPI analyzer is read through its numeric list: every (function, element) pair is configured
once at setup, and one query then returns them all from the same measurement period, so that the
values of one reading belong together."""

from __future__ import annotations

import math
import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from hilbench.drivers.model import NumericList
from hilbench.drivers.scpi import ScpiInstrument, exclusive
from hilbench.errors import InstrumentError, InstrumentReplyError

_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
#: Role quantity → field of :class:`AnalyzerReading`.
FIELDS = {"voltage_v": "voltage_v", "current_a": "current_a", "power_w": "power_w",
          "reactive_power_var": "reactive_power_var", "apparent_power_va": "apparent_power_va",
          "power_factor": "power_factor", "frequency_hz": "frequency_hz", "import_energy_wh": "import_wh",
          "export_energy_wh": "export_wh", "integration_time_s": "integration_time_s"}


@dataclass(frozen=True)
class AnalyzerReading:
    """One element, one measurement period. Power and energy directions as wired: positive =
    towards the EV. Reactive power in the load convention of an analyzer on the charger's grid
    side: positive with the current lagging (the charger absorbs reactive power), negative with it
    leading (the charger injects). A value the analyzer has no data for (a frequency on a DC
    input) is NaN."""

    element: str
    voltage_v: float
    current_a: float
    power_w: float
    reactive_power_var: float
    apparent_power_va: float
    power_factor: float
    frequency_hz: float
    #: Integrated since the last reset: positive (import) and negative (export) energy, both ≥ 0.
    import_wh: float
    export_wh: float
    integration_time_s: float
    mono_ns: int


class PowerAnalyzer(ABC):
    name: str

    @abstractmethod
    def read(self) -> dict[str, AnalyzerReading]:
        """Every element, from one measurement period."""

    def measure(self, element: str | int) -> AnalyzerReading:
        readings = self.read()
        try:
            return readings[str(element)]
        except KeyError:
            raise InstrumentError(f"{self.name}: no element {element!r} (elements: {', '.join(readings)})",
                                  instrument=self.name) from None

    @abstractmethod
    def integration_start(self) -> None: ...

    @abstractmethod
    def integration_stop(self) -> None: ...

    @abstractmethod
    def integration_reset(self) -> None: ...

    @abstractmethod
    def integration_state(self) -> str:
        """START, STOP, RESET (and TIMEUP or ERROR where the model has them)."""

    def safe_state(self) -> None:
        """An analyzer has no output to switch off; its integration is left as it is (the record
        of what happened before the fault)."""


class ScpiPowerAnalyzer(ScpiInstrument, PowerAnalyzer):
    @property
    def numeric(self) -> NumericList:
        assert self.model.numeric is not None
        return self.model.numeric

    def items(self) -> list[tuple[str, str]]:
        """The numeric list, in order: (role quantity, element)."""
        return [(q, e) for e in self.numeric.elements for q in self.numeric.functions]

    def setup(self) -> None:
        with exclusive(self.transport):  # the numeric list is set up whole before any read of it
            for command in self.model.setup:
                self.transport.write(command)
            items = self.items()
            self.transport.write(self.numeric.count.format(count=len(items)))
            for index, (quantity, element) in enumerate(items, start=1):
                function = self.numeric.functions[quantity].function
                self.transport.write(self.numeric.item.format(index=index, function=function, element=element))
            self.check_errors("setup")

    def settings(self) -> dict[str, float]:
        return {"elements": float(len(self.numeric.elements)), "items": float(len(self.items()))}

    def integration_start(self) -> None:
        self.command("integration_start")

    def integration_stop(self) -> None:
        self.command("integration_stop")

    def integration_reset(self) -> None:
        self.command("integration_reset")

    def integration_state(self) -> str:
        q = self.model.get["integration_state"]
        reply = self.transport.query(q.query).strip().upper()
        if q.states and reply not in q.states:
            raise self._logged(InstrumentReplyError(
                f"{self.name}: {q.query} answered {reply!r}, expected one of {', '.join(q.states)}",
                instrument=self.name, command=q.query, reply=reply))
        return reply

    def read(self) -> dict[str, AnalyzerReading]:
        numeric, items = self.numeric, self.items()
        reply = self.transport.query(numeric.read)
        fields = reply.strip().split(",")
        if len(fields) != len(items):
            raise self._logged(InstrumentReplyError(
                f"{self.name}: {numeric.read} returned {len(fields)} values, {len(items)} items are configured: "
                f"{reply[:120]!r}", instrument=self.name, command=numeric.read, reply=reply))
        values: dict[str, dict[str, float]] = {e: {} for e in numeric.elements}
        for k, ((quantity, element), text) in enumerate(zip(items, fields), start=1):
            values[element][FIELDS[quantity]] = self._value(k, quantity, element, text, reply)
        now = time.monotonic_ns()
        return {e: AnalyzerReading(element=e, mono_ns=now, **v) for e, v in values.items()}

    def _value(self, index: int, quantity: str, element: str, text: str, reply: str) -> float:
        item = self.numeric.functions[quantity]
        where = f"item {index} ({item.function},{element})"

        def fail(why: str) -> InstrumentReplyError:
            return self._logged(InstrumentReplyError(f"{self.name}: {self.numeric.read} {where} {why}: {text!r}",
                                                     instrument=self.name, command=self.numeric.read, reply=reply))

        if not _NUMBER.match(text):
            raise fail("is not a number")
        raw = float(text)
        if self.numeric.no_data is not None and math.isclose(raw, self.numeric.no_data, rel_tol=1e-6):
            return math.nan
        if self.numeric.over_range is not None and math.isclose(abs(raw), self.numeric.over_range, rel_tol=1e-6):
            raise fail("is over its range")
        value = raw * item.scale
        if quantity in self.model.ranges:
            lo, hi = self.plausible(quantity)
            if not lo <= value <= hi:
                raise fail(f"reads {value:g}, outside the plausible [{lo:g}, {hi:g}] of {self.model.id}")
        elif not math.isfinite(value) or (quantity.endswith("_wh") or quantity.endswith("_s")) and value < 0:
            raise fail(f"reads {value:g}, which an integrator cannot")
        return value
