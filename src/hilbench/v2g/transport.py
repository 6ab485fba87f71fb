"""TCP over IPv6 for the ISO 15118-20 engines: a thin asyncio driver that moves bytes between a
socket and a sans-I/O engine and calls its timers on the monotonic clock. Link-local addresses take
their scope (``fe80::1%eth0``); any address works for LAN rigs and ``::1`` for tests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hilbench.v2g.engine import Engine
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc


async def drive(engine: Engine, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                clock: Callable[[], int] = time.monotonic_ns) -> None:
    """Until the engine's session ends (or the connection does)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # every message goes out at once
    try:
        while engine.ended is None:
            out = engine.data_to_send()
            if out:
                writer.write(out)
                await writer.drain()
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
            engine.receive_data(data, clock())
        out = engine.data_to_send()
        if out:
            writer.write(out)
            await writer.drain()
    except (ConnectionError, OSError):
        engine.connection_lost(clock())
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def run_evcc(evcc: Evcc, host: str, port: int) -> Evcc:
    """One session: connect, run it to its end, close."""
    reader, writer = await asyncio.open_connection(host, port, family=socket.AF_INET6)
    evcc.start(time.monotonic_ns())
    await drive(evcc, reader, writer)
    return evcc


@dataclass
class SeccServer:
    """Serves one bench SECC engine per TCP connection; finished sessions are kept in ``sessions``."""

    make_secc: Callable[[], Secc]
    host: str = "::1"
    port: int = 0
    sessions: list[Secc] = field(default_factory=list)
    _server: asyncio.base_events.Server | None = None

    async def start(self) -> SeccServer:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, family=socket.AF_INET6)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        secc = self.make_secc()
        secc.opened(time.monotonic_ns())
        await drive(secc, reader, writer)
        self.sessions.append(secc)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> SeccServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
