"""A simulated SCPI instrument: commands dispatched by header pattern, a real error queue
(`-113,"Undefined header"`, `-222,"Data out of range"`, …), every received setpoint recorded (so
tests check what reached the instrument, not what the driver says it sent), and injectable faults."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hilbench.sim.scpi_syntax import matches

Handler = Callable[[str], "str | None"]

#: Faults a simulated instrument can be told to show.
FAULTS = ("disconnect", "mute", "garbage", "out_of_range", "wrong_identity")


class ScpiCommandError(Exception):
    """Raised by a handler: becomes an entry in the error queue."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Received:
    header: str
    argument: str


class ScpiDevice:
    """Subclasses register handlers with :meth:`on`; :meth:`handle` answers one line."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self._handlers: list[tuple[str, Handler]] = []
        self.errors: deque[tuple[int, str]] = deque(maxlen=20)
        self.received: list[Received] = []
        self.faults: set[str] = set()
        #: The header being handled (for handlers of numbered headers such as ``ITEM<n>``).
        self.header = ""
        self.lock = threading.RLock()
        self.on("*IDN?", lambda _: "Simulated Instruments Inc., OTHER-MODEL, 0, 0" if "wrong_identity" in self.faults
                else self.identity)
        self.on("*CLS", lambda _: self.errors.clear())
        self.on("*RST", lambda _: self.reset())
        self.on("SYSTem:ERRor[:NEXT]?", lambda _: self._next_error())

    def on(self, pattern: str, handler: Handler) -> None:
        self._handlers.append((pattern, handler))

    def reset(self) -> None:
        """``*RST``: subclasses return to their power-on state."""

    def _next_error(self) -> str:
        if not self.errors:
            return '0,"No error"'
        code, message = self.errors.popleft()
        return f'{code},"{message}"'

    def handle(self, line: str) -> str | None:
        """Answers one received line (commands separated by ``;`` are run in order); ``None`` when
        nothing is to be sent back."""
        replies = []
        with self.lock:
            for part in line.strip().split(";"):
                part = part.strip()
                if not part:
                    continue
                header, _, argument = part.partition(" ")
                argument = argument.strip()
                handler = next((h for p, h in self._handlers if matches(header, p)), None)
                if handler is None:
                    self.errors.append((-113, "Undefined header"))
                    continue
                if not header.endswith("?"):
                    self.received.append(Received(header.upper(), argument))
                self.header = header
                try:
                    reply = handler(argument)
                except ScpiCommandError as e:
                    self.errors.append((e.code, e.message))
                    continue
                if reply is not None:
                    replies.append(reply)
        if not replies:
            return None
        if "garbage" in self.faults:
            return "\x7f#?garbage?#"
        return ";".join(replies)


def number(argument: str, low: float, high: float) -> float:
    """A numeric argument (an optional unit suffix is accepted, as real instruments do)."""
    m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*[A-Za-z]*\s*", argument)
    if m is None:
        raise ScpiCommandError(-104, "Data type error")
    value = float(m.group(1))
    if not low <= value <= high:
        raise ScpiCommandError(-222, "Data out of range")
    return value


def boolean(argument: str) -> bool:
    a = argument.strip().upper()
    if a in ("ON", "1"):
        return True
    if a in ("OFF", "0"):
        return False
    raise ScpiCommandError(-104, "Data type error")
