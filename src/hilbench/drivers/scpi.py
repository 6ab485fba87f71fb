"""A SCPI instrument driven by its model: setpoints through the limit check, queries parsed with
their units and held to the model's range, the error queue read after every setpoint."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from hilbench.drivers.limits import Limits
from hilbench.drivers.log import CommandLog
from hilbench.drivers.model import Model, range_key
from hilbench.errors import InstrumentError, InstrumentIdentityError, InstrumentReplyError

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d.+-][^\s]*)?\s*$")


class MessageTransport(Protocol):
    log: CommandLog

    def write(self, command: str) -> None: ...
    def query(self, command: str) -> str: ...
    def close(self) -> None: ...


def exclusive(transport: MessageTransport) -> AbstractContextManager[Any]:
    """The transport's lock over a command sequence (VISA has one; a test double may not)."""
    lock = getattr(transport, "exclusive", None)
    return lock() if lock is not None else nullcontext()


def parse_number(reply: str, unit: str | None, *, instrument: str, command: str) -> float:
    """A number, optionally followed by its unit (`400.00 V`); a different unit is an error."""
    m = _NUMBER.match(reply)
    if m is None:
        raise InstrumentReplyError(f"{instrument}: reply to {command!r} is not a number: {reply!r}",
                                   instrument=instrument, command=command, reply=reply)
    got = m.group(2)
    if got is not None and unit is not None and got != unit:
        raise InstrumentReplyError(f"{instrument}: reply to {command!r} is in {got!r}, expected {unit!r}: {reply!r}",
                                   instrument=instrument, command=command, reply=reply)
    if got is not None and unit is None:
        raise InstrumentReplyError(f"{instrument}: reply to {command!r} carries unit {got!r} the model does not "
                                   f"declare: {reply!r}", instrument=instrument, command=command, reply=reply)
    return float(m.group(1))


class ScpiInstrument:
    """The model-driven core every SCPI role driver builds on."""

    def __init__(self, name: str, model: Model, transport: MessageTransport, limits: Limits) -> None:
        self.name, self.model, self.transport, self.limits = name, model, transport, limits

    # -- session ---------------------------------------------------------------------------------
    def identify(self) -> str:
        """Queries the identity and checks it against the model."""
        reply = self.transport.query(self.model.identity_query).strip()
        if self.model.identity is None or not self.model.identity.search(reply):
            self.transport.log.add(self.name, "error", f"identity {reply!r}")
            raise InstrumentIdentityError(
                f"{self.name}: {self.model.identity_query} answered {reply!r}, which is not a {self.model.vendor} "
                f"{self.model.name} (expected /{self.model.identity.pattern if self.model.identity else ''}/)",
                instrument=self.name, command=self.model.identity_query, reply=reply)
        return reply

    def setup(self) -> None:
        with exclusive(self.transport):
            for command in self.model.setup:
                self.transport.write(command)
            self.check_errors("setup")

    def release(self) -> None:
        for command in self.model.release:
            self.transport.write(command)

    # -- setpoints and queries -------------------------------------------------------------------
    def set(self, quantity: str, value: float) -> float:
        """Checks ``value`` against the limits (nothing is sent when refused), sends it, and reads
        the error queue. Returns the value sent."""
        if quantity not in self.model.set:
            raise InstrumentError(f"{self.name}: {self.model.id} has no command for {quantity}", instrument=self.name)
        value = self.limits.check(range_key(quantity), value)
        command = self.model.set[quantity].format(value)
        with exclusive(self.transport):  # the error read after it is this command's
            self.transport.write(command)
            self.check_errors(command)
        return value

    def write_output_off(self) -> None:
        """The output-off command, written without waiting for any answer or reading the error
        queue: a mute instrument must not delay the rest of the rig's safe state."""
        self.transport.write(self.model.set["output_off"])

    def command(self, name: str) -> None:
        """A command without a value (``output_off``)."""
        command = self.model.set[name]
        with exclusive(self.transport):
            self.transport.write(command)
            self.check_errors(command)

    def get(self, quantity: str, plausible: tuple[float, float] | None = None) -> float:
        """A numeric query; a reply outside ``plausible`` (the model's range with its margin, by
        default) is an instrument fault, not a value."""
        q = self.model.get[quantity]
        reply = self.transport.query(q.query)
        try:
            value = parse_number(reply, q.unit, instrument=self.name, command=q.query) * q.scale
        except InstrumentReplyError as e:
            raise self._logged(e) from None
        lo, hi = plausible if plausible is not None else self.plausible(quantity)
        if not lo <= value <= hi:
            raise self._logged(InstrumentReplyError(
                f"{self.name}: {q.query} read {value:g}, outside the plausible [{lo:g}, {hi:g}] of {self.model.id}",
                instrument=self.name, command=q.query, reply=reply))
        return value

    def _logged(self, error: InstrumentReplyError) -> InstrumentReplyError:
        """Every refused reply is in the command log too, next to the exchange it is about."""
        self.transport.log.add(self.name, "error", str(error))
        return error

    def state(self, name: str) -> bool:
        q = self.model.get[name]
        reply = self.transport.query(q.query).strip()
        if reply == q.on:
            return True
        if reply == q.off:
            return False
        raise self._logged(InstrumentReplyError(f"{self.name}: {q.query} answered {reply!r}, expected {q.on!r} or "
                                                f"{q.off!r}", instrument=self.name, command=q.query, reply=reply))

    def plausible(self, quantity: str) -> tuple[float, float]:
        lo, hi = self.model.ranges[quantity]
        m = self.model.readback_margin
        return (lo * m if lo < 0 else -abs(hi) * (m - 1)), hi * m

    def check_errors(self, after: str) -> None:
        """Reads the error queue (if the model has one); any entry is an error naming the command."""
        if self.model.error_query is None:
            return
        reply = self.transport.query(self.model.error_query)
        if not self.model.no_error.search(reply):
            raise self._logged(InstrumentReplyError(f"{self.name}: after {after!r} the instrument reports "
                                                    f"{reply.strip()!r}", instrument=self.name, command=after, reply=reply))
