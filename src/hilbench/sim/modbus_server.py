"""A simulated Modbus device served on Modbus TCP by pymodbus, on a background thread so that
synchronous clients can use it."""

from __future__ import annotations

import asyncio
import threading
from typing import Protocol

from pymodbus import FramerType
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import SimDevice


class ModbusDevice(Protocol):
    faults: set[str]

    def device(self) -> SimDevice: ...


class ModbusServer:
    """A simulated Modbus TCP device on a background thread."""

    def __init__(self, device: ModbusDevice, host: str = "127.0.0.1", port: int = 0, *, rtu: bool = False) -> None:
        """``rtu``: RTU frames (CRC, no MBAP header) over the TCP connection, as a serial gateway."""
        self.device, self.host, self.port, self.rtu = device, host, port, rtu
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sim-modbus", daemon=True)
        self._server: ModbusTcpServer | None = None

    @property
    def address(self) -> str:
        return f"{'modbus-rtu-tcp' if self.rtu else 'modbus-tcp'}://{self.host}:{self.port}"

    def start(self) -> ModbusServer:
        import socket

        if self.port == 0:  # pymodbus needs a concrete port: take a free one
            with socket.socket() as s:
                s.bind((self.host, 0))
                self.port = s.getsockname()[1]
        self._thread.start()

        async def serve() -> ModbusTcpServer:
            server = ModbusTcpServer(context=self.device.device(), address=(self.host, self.port),
                                     framer=FramerType.RTU if self.rtu else FramerType.SOCKET)
            asyncio.ensure_future(server.serve_forever())
            for _ in range(100):
                if server.is_active():
                    break
                await asyncio.sleep(0.01)
            return server

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(5)
        return self

    def drop_clients(self) -> None:
        server = self._server
        if server is not None:
            asyncio.run_coroutine_threadsafe(server.shutdown(), self._loop).result(5)
            self._server = None

    def stop(self) -> None:
        self.drop_clients()

        async def cancel_pending() -> None:  # a request held by the `mute` fault must not outlive the server
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(cancel_pending(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
