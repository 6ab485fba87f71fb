"""TCP (and TLS 1.3) over IPv6 for the ISO 15118-20 engines: a thin asyncio driver that moves bytes between a
socket and a sans-I/O engine and calls its timers on the monotonic clock. Link-local addresses take
their scope (``fe80::1%eth0``); any address works for LAN rigs and ``::1`` for tests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hilbench import _core
from hilbench.errors import V2gTlsError
from hilbench.v2g.engine import Engine
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc


#: ISO 15118: the SECC's TCP port lies in the dynamic range.
DYNAMIC_PORTS = (49152, 65535)


class _QuietGc:
    """No automatic garbage collection while any session runs: a full pass over a long session's
    record takes milliseconds and would land inside a measured response time. ``drive`` collects
    the young generations by hand after each message is handled; the rest waits until the last
    session ends, when the collector is put back as it was."""

    def __init__(self) -> None:
        self.sessions = 0
        self.was_enabled = True

    def enter(self) -> None:
        if self.sessions == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
        self.sessions += 1

    def leave(self) -> None:
        self.sessions -= 1
        if self.sessions == 0 and self.was_enabled:
            gc.enable()


_quiet_gc = _QuietGc()


async def drive(engine: Engine, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                clock: Callable[[], int] = time.monotonic_ns, tls: _core.TlsSession | None = None) -> None:
    """Until the engine's session ends (or the connection does). With ``tls``, the engine's bytes
    go through it (a failed handshake ends the session with a ``tls`` finding)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # every message goes out at once

    async def flush() -> None:
        out = engine.data_to_send()
        if tls is not None:
            if out:
                tls.send(out)
            out = tls.take_outgoing()
        if out:
            writer.write(out)
            engine.data_sent(clock())
            await writer.drain()

    _quiet_gc.enter()
    try:
        while engine.ended is None:
            await flush()
            deadline = engine.next_deadline_ns()
            timeout = None if deadline is None else max(0.0, (deadline - clock()) / 1e9)
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout)
            except asyncio.TimeoutError:
                engine.handle_timer(clock())
                continue
            if not data:
                engine.connection_lost(clock())
                break
            if tls is not None:
                try:
                    data = tls.receive(data)
                except V2gTlsError as e:
                    engine.transport_failed(str(e), data)
                    writer.write(tls.take_outgoing())  # the alert, so the peer learns why
                    break
                if not data:
                    continue
            engine.receive_data(data, clock())
            gc.collect(1)  # the young objects of this exchange, before the answer or next request is sent
        await flush()
    except (ConnectionError, OSError, V2gTlsError) as e:
        engine.transport_failed(str(e), b"")
    finally:
        _quiet_gc.leave()
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def run_evcc(evcc: Evcc, host: str, port: int, tls: _core.TlsSession | None = None) -> Evcc:
    """One session: connect, run it to its end, close."""
    reader, writer = await asyncio.open_connection(host, port, family=socket.AF_INET6)
    evcc.start(time.monotonic_ns())
    await drive(evcc, reader, writer, tls=tls)
    return evcc


@dataclass
class SeccServer:
    """Serves one bench SECC engine per TCP connection; finished sessions are kept in ``sessions``."""

    make_secc: Callable[[], Secc]
    host: str = "::1"
    port: int = 0
    #: A new TLS session per connection (``tls.secc_session``), or None for plain TCP.
    make_tls: Callable[[], _core.TlsSession] | None = None
    sessions: list[Secc] = field(default_factory=list)
    _server: asyncio.base_events.Server | None = None

    async def start(self) -> SeccServer:
        """Listens on ``port``, or with 0 on a free port of the dynamic range 49152–65535 that the
        SDP response must announce (EVs refuse another)."""
        if self.port:
            self._server = await asyncio.start_server(self._serve, self.host, self.port, family=socket.AF_INET6)
            return self
        for port in random.sample(range(DYNAMIC_PORTS[0], DYNAMIC_PORTS[1] + 1), 64):
            try:
                self._server = await asyncio.start_server(self._serve, self.host, port, family=socket.AF_INET6)
            except OSError:
                continue  # taken
            self.port = port
            return self
        raise OSError(f"no free TCP port in {DYNAMIC_PORTS[0]}–{DYNAMIC_PORTS[1]} on {self.host}")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        secc = self.make_secc()
        secc.opened(time.monotonic_ns())
        try:
            tls = self.make_tls() if self.make_tls else None
        except V2gTlsError as e:
            secc.transport_failed(str(e), b"")
            tls = None
            writer.close()
        else:
            await drive(secc, reader, writer, tls=tls)
        self.sessions.append(secc)

    async def wait_for_sessions(self, n: int = 1, timeout_s: float = 3.0) -> bool:
        """Whether ``n`` sessions have finished within ``timeout_s`` (the server records a session
        when its connection closes, just after the EV's side has seen it end)."""
        deadline = time.monotonic() + timeout_s
        while len(self.sessions) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return len(self.sessions) >= n

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> SeccServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
