"""What the EVCC and the SECC engines share: the link (V2GTP, hook), the events they report, the
message log with monotonic timestamps, and turning incoming frames into named messages."""

from __future__ import annotations

from collections import deque
from typing import Any

from hilbench.errors import ExiDecodeError, V2gtpFrameError
from hilbench.v2g import codec
from hilbench.v2g.events import Event, Finding, MessageReceived, MessageSent, SessionEnded
from hilbench.v2g.link import Hook, Link
from hilbench.v2g.services import EnergyService
from hilbench.v2g.timing import Exchange, Limits, TimingReport

NAMESPACE_OF_TYPE = {v: k for k, v in codec.PAYLOAD_TYPE.items()}


class Engine:
    def __init__(self, *, hook: Hook | None = None, limits: Limits | None = None) -> None:
        self.link = Link(hook=hook)
        self.limits = limits or Limits()
        self.timing = TimingReport()
        #: The exchange timed from our last message: the EVCC's request until the SECC's response,
        #: the SECC's response until the EV's next request.
        self.pending: Exchange | None = None
        self._pending_sent = False
        self.events: deque[Event] = deque()
        self.log: list[tuple[str, str, int]] = []  #: (direction, message name, monotonic ns)
        self.session_id = "00" * 8
        self.service: EnergyService | None = None
        self.ended: SessionEnded | None = None

    # -- the sans-I/O surface --------------------------------------------------------------------
    def next_event(self) -> Event | None:
        return self.events.popleft() if self.events else None

    def data_to_send(self) -> bytes:
        return self.link.data_to_send()

    def data_sent(self, now_ns: int) -> None:
        """The transport handed the bytes of ``data_to_send`` to the network at ``now_ns``: the
        pending exchange's clock runs from here, so the time this side took to decide and encode
        its message (or a hook's delay) is not counted against the peer."""
        if self.pending is not None and not self._pending_sent:
            self.pending.request_ns = now_ns
            self._pending_sent = True

    def receive_data(self, data: bytes, now_ns: int) -> None:
        if self.ended is not None:
            return
        try:
            frames = self.link.receive_data(data)
        except V2gtpFrameError as e:
            self._end(False, str(e), Finding("v2gtp", str(e), data))
            return
        for frame in frames:
            namespace = NAMESPACE_OF_TYPE.get(frame.payload_type)
            if namespace is None:
                self.events.append(Finding("payload_type", f"payload type {frame.payload_type:#06x} ignored", frame.payload))
                continue
            try:
                message = codec.decode(frame.payload, namespace)
            except ExiDecodeError as e:
                self._end(False, str(e), Finding("exi", str(e), frame.payload))
                return
            name = next(iter(message))
            kept = self.link.incoming(name, message)
            if kept is None:
                continue  # the hook dropped it
            self.log.append(("in", name, now_ns))
            self.events.append(MessageReceived(name, kept, now_ns))
            self.on_message(name, kept[name], now_ns)
            if self.ended is not None:
                return

    def transport_failed(self, why: str, data: bytes) -> None:
        """The transport below the messages failed (a TLS handshake the peer could not pass)."""
        self._end(False, why, Finding("transport", why, data))

    def connection_lost(self, now_ns: int) -> None:
        """The transport closed (the peer hung up or the link dropped)."""
        self._end(False, "the connection closed", Finding("closed", "the peer closed the connection"))

    def next_deadline_ns(self) -> int | None:
        times = [t for t in (self.link.next_deadline_ns(), self.own_deadline_ns()) if t is not None]
        return min(times) if times else None

    def handle_timer(self, now_ns: int) -> None:
        self.link.release(now_ns)
        self.on_timer(now_ns)

    # -- for the roles ---------------------------------------------------------------------------
    def on_message(self, name: str, body: dict[str, Any], now_ns: int) -> None:
        raise NotImplementedError

    def own_deadline_ns(self) -> int | None:
        return None

    def on_timer(self, now_ns: int) -> None:
        """A role's own timeouts."""

    def start_pending(self, exchange: Exchange) -> None:
        """Our message of ``exchange`` goes out: the peer's answer is timed from when it leaves."""
        self.pending, self._pending_sent = exchange, False

    def pending_left(self) -> bool:
        """Whether the pending exchange's message has left (or can no longer be held back here)."""
        return self._pending_sent or not self.link.holding()

    def close_pending(self, answer: str | None, now_ns: int) -> Exchange | None:
        """The peer answered with ``answer`` at ``now_ns`` (None: it never did): the exchange goes
        into the timing report."""
        exchange, self.pending = self.pending, None
        if exchange is not None:
            if answer is not None:
                exchange.response, exchange.response_ns = answer, now_ns
            self.timing.exchanges.append(exchange)
        return exchange

    def send(self, name: str, body: dict[str, Any], now_ns: int) -> None:
        message = {name: body}
        self.log.append(("out", name, now_ns))
        self.events.append(MessageSent(name, message, now_ns))
        self.link.send(name, message, now_ns)

    def _end(self, ok: bool, reason: str, finding: Finding | None = None) -> None:
        if finding is not None:
            self.events.append(finding)
        if self.ended is None:
            self.ended = SessionEnded(ok, reason)
            self.events.append(self.ended)
