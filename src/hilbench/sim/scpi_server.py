"""A simulated SCPI instrument served on a TCP socket (the `TCPIP0::host::port::SOCKET` resource of
VISA), newline-terminated, on a background thread so that synchronous clients can use it."""

from __future__ import annotations

import asyncio
import socket
import threading

from hilbench.sim.scpi_device import ScpiDevice


class ScpiServer:
    def __init__(self, device: ScpiDevice, host: str = "127.0.0.1", port: int = 0) -> None:
        self.device, self.host, self.port = device, host, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"sim-scpi-{port}", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def address(self) -> str:
        return f"TCPIP0::{self.host}::{self.port}::SOCKET"

    def start(self) -> ScpiServer:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._client, self.host, self.port), self._loop).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # answers go out at once, as on hardware
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if "disconnect" in self.device.faults:
                    break
                reply = self.device.handle(line.decode("utf-8", "replace"))
                if reply is None or "mute" in self.device.faults:
                    continue
                writer.write(reply.encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def drop_clients(self) -> None:
        """Closes every open connection (the `disconnect` fault for clients already connected)."""
        for w in list(self._writers):
            self._loop.call_soon_threadsafe(w.close)

    def stop(self) -> None:
        server = self._server
        if server is not None:
            async def shutdown() -> None:  # on the server's own loop: asyncio is not thread-safe
                server.close()
                for w in list(self._writers):
                    w.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
            self._server = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> ScpiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
