"""SCPI over VISA with the pure-Python backend (pyvisa-py): raw sockets (`TCPIP0::host::port::SOCKET`),
VXI-11 / HiSLIP (`…::INSTR`) and serial ports, no vendor VISA installed. Every command and reply
goes to the command log."""

from __future__ import annotations

import socket
import threading
import time
from typing import cast

import pyvisa
import pyvisa.constants
from pyvisa.resources import MessageBasedResource

from hilbench.drivers.log import CommandLog
from hilbench.errors import InstrumentDisconnected, InstrumentError, InstrumentTimeout


class VisaTransport:
    """One instrument session. Commands are never retried: after a timeout a late reply may still
    arrive and would be read as the answer to the next query, so the session is closed instead
    (the caller's safe-state path reconnects). Opening the session is retried, which is safe."""

    def __init__(self, address: str, *, name: str, log: CommandLog, timeout_s: float = 2.0,
                 open_attempts: int = 3) -> None:
        self.address, self.name, self.log = address, name, log
        self.timeout_s, self.open_attempts = timeout_s, open_attempts
        #: One exchange at a time: a case's sampler and its other reads run in worker threads, and
        #: two queries interleaved on one session would each read the other's reply.
        self._lock = threading.RLock()
        self._rm = pyvisa.ResourceManager("@py")
        self._res = self._open()

    def _open(self) -> MessageBasedResource:
        last: Exception | None = None
        for attempt in range(self.open_attempts):
            try:
                # A socket has no END indicator: both terminations must be set, or reads time out.
                res = cast(MessageBasedResource, self._rm.open_resource(
                    self.address, read_termination="\n", write_termination="\n", timeout=round(self.timeout_s * 1000)))
                break
            except (pyvisa.errors.VisaIOError, OSError, ValueError, Exception) as e:  # pyvisa-py raises bare Exception
                last = e
                time.sleep(0.05 * (attempt + 1))
        else:
            self.log.add(self.name, "error", f"cannot open {self.address}: {last}")
            raise InstrumentDisconnected(f"{self.name}: cannot open {self.address}: {last}", instrument=self.name)
        self._socket_option(res, socket.TCP_NODELAY)
        self.log.add(self.name, "note", f"opened {self.address}")
        return res

    def _socket_option(self, res: MessageBasedResource, option: int) -> None:
        """Command then query in two small writes: without TCP_NODELAY, Nagle's algorithm holds the
        query back until the instrument's delayed ACK (40 ms per setpoint)."""
        try:
            sock = getattr(self._rm.visalib, "sessions")[res.session].interface  # pyvisa-py internals
            sock.setsockopt(socket.IPPROTO_TCP, option, 1)
        except Exception:  # noqa: BLE001 - not a raw socket (VXI-11, serial): nothing to tune
            pass

    def exclusive(self) -> threading.RLock:
        """Held around a sequence of exchanges that belong together (a setpoint and the error
        queue read after it): no other thread's query comes between them."""
        return self._lock

    def write(self, command: str) -> None:
        with self._lock:
            self.log.add(self.name, "tx", command)
            self._guard(command, lambda: self._res.write(command))

    def query(self, command: str) -> str:
        with self._lock:
            self.log.add(self.name, "tx", command)
            reply: str = self._guard(command, lambda: self._res.query(command))
            self.log.add(self.name, "rx", reply)
            return reply

    def _guard(self, command: str, action):  # type: ignore[no-untyped-def]
        try:
            return action()
        except pyvisa.errors.VisaIOError as e:
            self.log.add(self.name, "error", f"{command}: {e.abbreviation}")
            if e.error_code == pyvisa.constants.StatusCode.error_timeout and not self._peer_closed():
                # A late reply would be read as the answer to the next query: start a new session.
                self._reconnect()
                raise InstrumentTimeout(f"{self.name}: no answer to {command!r} within {self._res.timeout} ms",
                                        instrument=self.name, command=command) from None
            raise InstrumentDisconnected(f"{self.name}: connection lost during {command!r} ({e.abbreviation})",
                                         instrument=self.name, command=command) from None
        except (OSError, EOFError) as e:
            self.log.add(self.name, "error", f"{command}: {e}")
            raise InstrumentDisconnected(f"{self.name}: connection lost during {command!r}: {e}",
                                         instrument=self.name, command=command) from None
        except UnicodeDecodeError as e:
            self.log.add(self.name, "error", f"{command}: undecodable reply")
            raise InstrumentError(f"{self.name}: reply to {command!r} is not text: {e}", instrument=self.name,
                                  command=command) from None

    def _reconnect(self) -> None:
        self.close()
        try:
            self._res = self._open()
        except InstrumentDisconnected:
            pass  # the next command reports it

    def _peer_closed(self) -> bool:
        """Whether the instrument closed a raw socket: pyvisa-py reports that as a timeout, which
        would send a lab looking for a slow instrument instead of a dropped connection."""
        try:
            sock = getattr(self._rm.visalib, "sessions")[self._res.session].interface  # pyvisa-py internals
            return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False  # open, nothing to read
        except OSError:
            return True
        except Exception:  # noqa: BLE001 - not a raw socket session (VXI-11, serial): cannot tell
            return False

    def close(self) -> None:
        try:
            self._res.close()
        except Exception:  # noqa: BLE001 - closing a dead session must not raise
            pass
        self.log.add(self.name, "note", f"closed {self.address}")
