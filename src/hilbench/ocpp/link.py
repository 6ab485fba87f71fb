"""An OCPP session on a live websocket: the asyncio glue between ``Session`` (sans-I/O) and a
``websockets`` connection. Used by the CSMS emulator (one link per station) and the station
emulator.

Test code uses ``call`` (send a CALL, await its result), ``expect`` (await an incoming CALL or
SEND), ``handlers`` (answer incoming CALLs), ``violations`` (everything the peer did wrong) and
``session.hook`` (alter, drop, delay, inject frames).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.exceptions import ConnectionClosed

from hilbench.errors import CallErrorReceived, CallTimeout, HilbenchError, RemoteProtocolError
from hilbench.ocpp.events import (
    CallReceived, CallTimedOut, ErrorReceived, Event, InvalidResult, PeerViolation, ResultReceived,
    SendReceived,
)
from hilbench.ocpp.session import Session
from hilbench.ocpp.trace import TraceWriter

log = logging.getLogger("hilbench.ocpp")

Handler = Callable[[str, dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any]]]


class CallError(HilbenchError):
    """Raise from a handler to answer the CALL with a CALLERROR."""

    def __init__(self, code: str, description: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.details = code, description, details or {}


class OcppLink:
    def __init__(self, ws: Any, session: Session, *, peer_id: str, trace: TraceWriter | None = None,
                 handlers: dict[str, Handler] | None = None) -> None:
        self.ws = ws
        self.session = session
        self.peer_id = peer_id
        self.trace = trace
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.received: list[CallReceived | SendReceived] = []
        self.violations: list[PeerViolation] = []
        self.calls_sent = 0
        self.frames_rx = 0
        self.frames_tx = 0
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._arrived = asyncio.Condition()
        self._consumed: set[int] = set()
        self._wake = asyncio.Event()
        self.closed = asyncio.Event()

    # ---- public API ---------------------------------------------------------------------------

    async def call(self, action: str, payload: dict[str, Any], *, validate: bool | None = None) -> dict[str, Any]:
        """Send a CALL and return the CALLRESULT payload. Raises ``CallErrorReceived`` for a
        CALLERROR, ``CallTimeout`` when unanswered, ``RemoteProtocolError`` for an invalid result."""
        uid = self.session.call(action, payload, time.monotonic_ns(), validate=validate)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[uid] = fut
        self.calls_sent += 1
        await self._flush()
        return await fut

    async def send(self, action: str, payload: dict[str, Any]) -> None:
        """Send a one-way SEND (OCPP 2.1)."""
        self.session.send(action, payload, time.monotonic_ns())
        await self._flush()

    async def send_raw(self, text: str) -> None:
        self.session.send_raw(text, time.monotonic_ns())
        await self._flush()

    async def expect(self, action: str | None = None, timeout: float = 10.0) -> CallReceived | SendReceived:
        """Wait for the next not-yet-expected incoming CALL/SEND of ``action`` (any if None)."""
        def find() -> CallReceived | SendReceived | None:
            for i, ev in enumerate(self.received):
                if i not in self._consumed and (action is None or ev.action == action):
                    self._consumed.add(i)
                    return ev
            return None

        async with self._arrived:
            found = await asyncio.wait_for(self._arrived.wait_for(find), timeout)
        assert found is not None  # wait_for returns once find() is truthy
        return found

    def received_actions(self) -> list[str]:
        return [e.action for e in self.received]

    async def close(self) -> None:
        await self.ws.close()

    # ---- plumbing -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Read until the connection closes; runs the timer alongside."""
        timer = asyncio.create_task(self._timer())
        try:
            async for message in self.ws:
                self.frames_rx += 1
                if self.trace:
                    self.trace.write("rx", message if isinstance(message, str) else repr(message))
                self.session.receive_text(message, time.monotonic_ns())
                await self._after_input()
        except ConnectionClosed:
            pass
        finally:
            timer.cancel()
            self.closed.set()
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(RemoteProtocolError(f"connection to {self.peer_id} closed before the answer"))
            if self.trace:
                self.trace.write("note", "connection closed")

    async def _timer(self) -> None:
        while True:
            deadline = self.session.next_deadline_ns()
            self._wake.clear()
            wait = None if deadline is None else max(0.0, (deadline - time.monotonic_ns()) / 1e9)
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                self.session.handle_timer(time.monotonic_ns())
                await self._after_input()

    async def _after_input(self) -> None:
        await self._flush()
        for ev in self.session.events():
            await self._dispatch(ev)
        await self._flush()

    async def _flush(self) -> None:
        self._wake.set()  # deadlines may have changed
        for text in self.session.data_to_send():
            if self.trace:
                self.trace.write("tx", text)
            self.frames_tx += 1
            try:
                await self.ws.send(text)
            except ConnectionClosed:
                log.info("%s: connection closed while sending", self.peer_id)
                return

    async def _dispatch(self, ev: Event) -> None:
        if isinstance(ev, CallReceived | SendReceived):
            async with self._arrived:
                self.received.append(ev)
                self._arrived.notify_all()
            if isinstance(ev, CallReceived):
                await self._answer(ev)
        elif isinstance(ev, ResultReceived):
            self._settle(ev.unique_id, result=ev.payload)
        elif isinstance(ev, ErrorReceived):
            self._settle(ev.unique_id, error=CallErrorReceived(ev.action, ev.code, ev.description, ev.details))
        elif isinstance(ev, InvalidResult):
            self._settle(ev.unique_id, error=RemoteProtocolError(f"invalid {ev.action} result: {ev.code}: {ev.message}"))
        elif isinstance(ev, CallTimedOut):
            self._settle(ev.unique_id, error=CallTimeout(ev.action, ev.unique_id, ev.timeout_s))
        elif isinstance(ev, PeerViolation):
            self.violations.append(ev)
            log.warning("%s violated OCPP-J: %s: %s; received: %r", self.peer_id, ev.code, ev.message, ev.raw[:300])
            if self.trace:
                self.trace.write("note", f"peer violation {ev.code}: {ev.message}")

    def _settle(self, uid: str, *, result: dict[str, Any] | None = None, error: Exception | None = None) -> None:
        fut = self._waiting.pop(uid, None)
        if fut is None or fut.done():
            return
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(result or {})

    async def _answer(self, ev: CallReceived) -> None:
        handler = self.handlers.get(ev.action)
        now = time.monotonic_ns()
        if handler is None:
            self.session.error(ev.unique_id, "NotSupported", f"{ev.action} is not supported by this emulator", now_ns=now)
            return
        try:
            out = handler(ev.action, ev.payload)
            if inspect.isawaitable(out):
                out = await out
            self.session.result(ev.unique_id, out, time.monotonic_ns())  # type: ignore[arg-type]
        except CallError as e:
            self.session.error(ev.unique_id, e.code, e.description, e.details, time.monotonic_ns())
        except Exception as e:  # a handler bug must not kill the link; the peer gets InternalError
            log.exception("%s: handler for %s failed", self.peer_id, ev.action)
            self.session.error(ev.unique_id, "InternalError", f"{type(e).__name__}", now_ns=time.monotonic_ns())
