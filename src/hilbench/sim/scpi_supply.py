"""A simulated bidirectional DC supply over the plant's DC link; each family's dialect (headers,
the sign of the sink limit, reply formats, how remote control is taken) is spelled out in its own
module from that family's documentation, independently of the model files the drivers read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiCommandError, ScpiDevice, boolean, number


@dataclass(frozen=True)
class Setting:
    """One settable value: its header (the query adds ``?``), the plant attribute it drives, the
    unit, and how the instrument's number maps to the magnitude the plant keeps."""

    header: str
    attribute: str
    unit: str  #: V, A, W or R (Ω): which nominal bounds it
    negative: bool = False  #: the instrument takes and reports this value as ≤ 0 (a sink limit)


@dataclass(frozen=True)
class Dialect:
    identity: str
    settings: tuple[Setting, ...]
    output: str  #: header of the output switch
    output_on: str  #: reply to ``<output>?`` when on
    output_off: str
    measure: dict[str, str]  #: "V" / "A" / "W" → query header
    #: Reply format of a number with its unit (``{:.2f} V``) or without (``{:+.5E}``).
    number_format: Callable[[float, str], str]
    #: The command that must come before set commands (``SYST:LOCK ON``, ``SYST:REM``) and how its
    #: argument reads (on or off); None if the instrument takes commands at once.
    remote: tuple[str, Callable[[str], bool]] | None = None
    #: A command that gives control back (``SYST:LOC``), if the family has one.
    local: str | None = None
    extra: dict[str, Callable[[str], str | None]] = field(default_factory=dict)


class ScpiSupply(ScpiDevice):
    def __init__(self, plant: Plant, dialect: Dialect, nominal: dict[str, float]) -> None:
        super().__init__(dialect.identity)
        self.plant, self.dialect, self.nominal = plant, dialect, nominal
        self.remote = dialect.remote is None
        if dialect.remote is not None:
            header, turns_on = dialect.remote
            self.on(header, lambda arg: self._set_remote(turns_on(arg)))
        if dialect.local is not None:
            self.on(dialect.local, lambda _arg: self._set_remote(False))
        for s in dialect.settings:
            self._setting(s)
        dc = plant.dc
        self.on(dialect.output, self._output)
        self.on(dialect.output + "?", lambda _: dialect.output_on if dc.output_on else dialect.output_off)
        fmt = dialect.number_format
        self.on(dialect.measure["V"], lambda _: fmt(self._measured(self._voltage(), "V"), "V"))
        self.on(dialect.measure["A"], lambda _: fmt(self._measured(self._current(), "A"), "A"))
        self.on(dialect.measure["W"], lambda _: fmt(self._measured(self._voltage() * self._current(), "W"), "W"))
        for header, handler in dialect.extra.items():
            self.on(header, handler)

    def _set_remote(self, on: bool) -> None:
        self.remote = on
        if not on:
            self.plant.dc.output_on = False  # giving control back drops the output

    def _require_remote(self) -> None:
        if not self.remote:
            raise ScpiCommandError(-203, "Command protected")

    def _setting(self, s: Setting) -> None:
        high = self.nominal[s.unit] * 1.02  # set values up to 102 % of nominal

        def set_value(argument: str) -> None:
            self._require_remote()
            value = number(argument, -high, 0.0) if s.negative else number(argument, 0.0, high)
            with self.plant.lock:
                setattr(self.plant.dc, s.attribute, abs(value))

        def get_value(_argument: str) -> str:
            value = getattr(self.plant.dc, s.attribute)
            return self.dialect.number_format(-value if s.negative else value, s.unit)

        self.on(s.header, set_value)
        self.on(s.header + "?", get_value)

    def _output(self, argument: str) -> None:
        self._require_remote()
        with self.plant.lock:
            self.plant.dc.output_on = boolean(argument)

    def _voltage(self) -> float:
        self.plant.step()
        return self.plant.dc_terminal_voltage_v()

    def _current(self) -> float:
        # Source positive, as these instruments count it: sinking (battery charging) reads negative.
        self.plant.step()
        return -self.plant.dc.current_a

    def _measured(self, value: float, unit: str) -> float:
        if "out_of_range" in self.faults:
            return 10 * self.nominal[unit] if value >= 0 else -10 * self.nominal[unit]
        return value
