"""V2GTP over a byte stream, for either side of an ISO 15118-20 session (sans-I/O): bytes and time
in, decoded messages out; messages in, bytes out. Every message in either direction passes the
hook, which may return it altered, ``None`` to drop it, ``Delay(message, s)`` to hold it back,
``Raw(bytes)`` to put other bytes on the wire (not even a frame, or invalid EXI), or a list of
these to duplicate or reorder. Incoming frames are bounded (``max_payload``): a huge V2GTP length
is an error before any memory is spent on it."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

from hilbench.errors import V2gtpFrameError
from hilbench.v2g import codec
from hilbench.v2g.sequence import namespace_of

Direction = Literal["in", "out"]
NS = 1_000_000_000


@dataclass(frozen=True)
class Delay:
    message: Any
    seconds: float


@dataclass(frozen=True)
class Raw:
    data: bytes


HookResult = Union[dict, None, Delay, Raw, Sequence[Union[dict, Delay, Raw]]]
Hook = Callable[[Direction, str, dict], HookResult]


@dataclass(frozen=True)
class Frame:
    payload_type: int
    payload: bytes


class Link:
    def __init__(self, *, hook: Hook | None = None, max_payload: int = 64 * 1024) -> None:
        self.hook = hook
        self.max_payload = max_payload
        self._in = bytearray()
        self._out = bytearray()
        self._delayed: list[tuple[int, int, bytes]] = []
        self._seq = itertools.count()

    # -- incoming --------------------------------------------------------------------------------
    def receive_data(self, data: bytes) -> list[Frame]:
        """The complete frames in the stream so far; raises ``V2gtpFrameError`` for a frame that
        cannot be right (its header is checked as soon as it is complete)."""
        self._in += data
        frames = []
        while len(self._in) >= 8:
            header = bytes(self._in[:8])
            length = int.from_bytes(header[4:8], "big")
            if header[0] != 0x01 or header[1] != 0xFE:
                raise V2gtpFrameError(f"V2GTP: protocol version {header[0]:#04x}/{header[1]:#04x} is not 0x01/0xFE")
            if length > self.max_payload:
                raise V2gtpFrameError(f"V2GTP: payload length {length} is above the limit of {self.max_payload} bytes")
            if len(self._in) < 8 + length:
                break
            payload_type, payload = codec.split(bytes(self._in[:8 + length]))
            del self._in[:8 + length]
            frames.append(Frame(payload_type, payload))
        return frames

    def incoming(self, name: str, message: dict) -> dict | None:
        """An incoming message through the hook (a test may alter or drop it)."""
        if self.hook is None:
            return message
        result = self.hook("in", name, message)
        return result if isinstance(result, dict) or result is None else message

    # -- outgoing --------------------------------------------------------------------------------
    def send(self, name: str, message: dict, now_ns: int) -> None:
        results: HookResult = self.hook("out", name, message) if self.hook else message
        items = results if isinstance(results, list | tuple) else [results]
        for item in items:
            self._queue(item, now_ns)

    def _queue(self, item: Any, now_ns: int, delay_s: float = 0.0) -> None:
        if item is None:
            return
        if isinstance(item, Delay):
            self._queue(item.message, now_ns, delay_s + item.seconds)
            return
        if isinstance(item, Raw):
            data = item.data
        else:  # encoded in its own root's namespace, whatever a hook made of the message
            namespace = namespace_of(next(iter(item)))
            exi = codec.encode(item, namespace)
            data = codec.frame(codec.PAYLOAD_TYPE[namespace], exi)
        if delay_s > 0:
            heapq.heappush(self._delayed, (now_ns + int(delay_s * NS), next(self._seq), data))
        else:
            self._out += data

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def next_deadline_ns(self) -> int | None:
        return self._delayed[0][0] if self._delayed else None

    def holding(self) -> bool:
        """Whether bytes wait to go out: delayed by a hook, or not yet taken by the transport."""
        return bool(self._delayed or self._out)

    def release(self, now_ns: int) -> None:
        """Puts the delayed messages whose time has come on the wire."""
        while self._delayed and self._delayed[0][0] <= now_ns:
            self._out += heapq.heappop(self._delayed)[2]
