"""CAN through python-can, with frames encoded and decoded by the model's DBC (cantools): one bus
per instrument, a receive thread that keeps the latest frame of each id, periodic frames, and every
frame sent or used logged with its decoded signals.

Addresses: ``can://virtual/<channel>`` (python-can's in-process bus, used by the simulated
emulator) and ``can://socketcan/<interface>`` (a Linux CAN interface such as can0 or vcan0)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

import can
import cantools

from hilbench.drivers.log import CommandLog
from hilbench.errors import InstrumentDisconnected, InstrumentError, InstrumentReplyError, InstrumentTimeout

INTERFACES = ("virtual", "socketcan")


def parse_can_address(address: str) -> tuple[str, str]:
    """``can://socketcan/can0`` → ("socketcan", "can0")."""
    u = urlparse(address)
    channel = u.path.lstrip("/")
    if u.scheme != "can" or u.netloc not in INTERFACES or not channel or "/" in channel:
        raise InstrumentError(f"{address!r} is not a CAN address (can://socketcan/can0 or can://virtual/<channel>)")
    return u.netloc, channel


def plain(signals: Mapping[str, Any]) -> dict[str, Any]:
    """Decoded signals with named values (``NamedSignalValue``) as their names."""
    return {k: getattr(v, "name", v) for k, v in signals.items()}


class CanTransport:
    def __init__(self, address: str, *, name: str, log: CommandLog, db: Any, bitrate: int = 500_000,
                 timeout_s: float = 2.0) -> None:
        self.interface, self.channel = parse_can_address(address)
        self.name, self.log, self.db, self.address, self.timeout_s = name, log, db, address, timeout_s
        try:
            kw: dict[str, Any] = {"bitrate": bitrate} if self.interface != "virtual" else {}
            self.bus = can.Bus(interface=self.interface, channel=self.channel, **kw)
        except (can.CanError, OSError, ValueError) as e:
            log.add(name, "error", f"cannot open {address}: {e}")
            raise InstrumentDisconnected(f"{name}: cannot open {address}: {e}", instrument=name) from None
        self._latest: dict[int, tuple[can.Message, int]] = {}
        self._cond = threading.Condition()
        self._tasks: dict[str, Any] = {}
        self._notifier = can.Notifier(self.bus, [self._received])
        log.add(name, "note", f"opened {address}")

    def _received(self, msg: can.Message) -> None:
        if msg.is_error_frame or msg.is_remote_frame:
            return
        with self._cond:
            self._latest[msg.arbitration_id] = (msg, time.monotonic_ns())
            self._cond.notify_all()

    # -- sending ---------------------------------------------------------------------------------
    def encode(self, message: str, signals: Mapping[str, Any]) -> can.Message:
        """Raises ``cantools`` ``EncodeError`` for a value outside the DBC's range (the caller
        decides what that means)."""
        m = self.db.get_message_by_name(message)
        data = m.encode(dict(signals), strict=True)
        return can.Message(arbitration_id=m.frame_id, data=data, is_extended_id=m.is_extended_frame)

    def send(self, message: str, signals: Mapping[str, Any]) -> None:
        frame = self.encode(message, signals)
        self.log.add(self.name, "tx", f"{message} {frame.arbitration_id:#05x} {frame.data.hex(' ')} {plain(signals)}")
        try:
            self.bus.send(frame, timeout=self.timeout_s)
        except can.CanError as e:
            self.log.add(self.name, "error", f"{message}: {e}")
            raise InstrumentDisconnected(f"{self.name}: cannot send {message} on {self.address}: {e}",
                                         instrument=self.name, command=message) from None

    def send_periodic(self, message: str, signals: Mapping[str, Any], period_s: float) -> None:
        """Sends ``message`` every ``period_s`` from now on (new values replace the old ones)."""
        frame = self.encode(message, signals)
        self.log.add(self.name, "tx", f"{message} {frame.arbitration_id:#05x} {frame.data.hex(' ')} every "
                                      f"{period_s * 1000:g} ms {plain(signals)}")
        task = self._tasks.get(message)
        if task is not None:
            task.modify_data(frame)
        else:
            self._tasks[message] = self.bus.send_periodic(frame, period_s)

    # -- receiving -------------------------------------------------------------------------------
    def decode(self, message: str, msg: can.Message) -> dict[str, Any]:
        try:
            values = plain(self.db.decode_message(msg.arbitration_id, bytes(msg.data), decode_choices=True))
        except (cantools.database.DecodeError, KeyError, ValueError) as e:
            text = f"{message} {msg.arbitration_id:#05x} frame {bytes(msg.data).hex(' ')!r} does not decode: {e}"
            self.log.add(self.name, "error", text)
            raise InstrumentReplyError(f"{self.name}: {text}", instrument=self.name, command=message,
                                       reply=bytes(msg.data).hex()) from None
        self.log.add(self.name, "rx", f"{message} {msg.arbitration_id:#05x} {bytes(msg.data).hex(' ')} {values}")
        return values

    def wait_for(self, message: str, accept: Callable[[dict[str, Any]], bool], *, waiting_for: str,
                 since_ns: int | None = None, timeout_s: float | None = None) -> dict[str, Any]:
        """The first ``message`` frame arriving after ``since_ns`` (default: now) that ``accept``
        takes. No frame at all within the timeout is a lost instrument (or bus); frames that never
        satisfy it, a timeout."""
        frame_id = self.db.get_message_by_name(message).frame_id
        since = time.monotonic_ns() if since_ns is None else since_ns
        timeout = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        seen = False
        while True:
            with self._cond:
                got = self._latest.get(frame_id)
                while got is None or got[1] <= since:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return self._silent(message, waiting_for, seen, timeout)
                    self._cond.wait(left)
                    got = self._latest.get(frame_id)
            msg, since = got
            seen = True
            values = self.decode(message, msg)
            if accept(values):
                return values

    def _silent(self, message: str, waiting_for: str, seen: bool, timeout_s: float) -> dict[str, Any]:
        if seen:
            text = f"{message} frames arrive but none {waiting_for} within {timeout_s:g} s"
            self.log.add(self.name, "error", text)
            raise InstrumentTimeout(f"{self.name}: {text}", instrument=self.name, command=message)
        text = f"no {message} frame within {timeout_s:g} s on {self.address}: the instrument or the bus is lost"
        self.log.add(self.name, "error", text)
        raise InstrumentDisconnected(f"{self.name}: {text}", instrument=self.name, command=message)

    def latest(self, message: str, max_age_s: float) -> dict[str, Any]:
        """The last ``message`` frame, if it is not older than ``max_age_s``."""
        frame_id = self.db.get_message_by_name(message).frame_id
        with self._cond:
            got = self._latest.get(frame_id)
        if got is None or time.monotonic_ns() - got[1] > max_age_s * 1e9:
            text = f"no {message} frame in the last {max_age_s:g} s"
            self.log.add(self.name, "error", text)
            raise InstrumentTimeout(f"{self.name}: {text}", instrument=self.name, command=message)
        return self.decode(message, got[0])

    def close(self) -> None:
        for task in self._tasks.values():
            task.stop()
        self._tasks.clear()
        self._notifier.stop()
        self.bus.shutdown()
        self.log.add(self.name, "note", f"closed {self.address}")
