"""SECC Discovery Protocol (ISO 15118-2 §7.10, unchanged in -20): the EV multicasts a request to
ff02::1 port 15118 on its interface and retries every 250 ms (at most 50 times); the SECC answers
with its IPv6 address, TCP port and whether it uses TLS. Frames are V2GTP 0x9000 (2 bytes) and 0x9001
(20 bytes)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

from hilbench.errors import V2gtpFrameError
from hilbench.v2g import codec

SDP_PORT = 15118
ALL_NODES = "ff02::1"
TLS, NO_TLS, TCP = 0x00, 0x10, 0x00


@dataclass(frozen=True)
class SdpResponse:
    address: ipaddress.IPv6Address
    port: int
    tls: bool


def request_frame(tls: bool) -> bytes:
    return codec.frame(0x9000, bytes([TLS if tls else NO_TLS, TCP]))


def parse_request(data: bytes) -> bool:
    """The EV's request → whether it asks for TLS."""
    payload_type, payload = codec.split(data)
    if payload_type != 0x9000 or len(payload) != 2 or payload[0] not in (TLS, NO_TLS) or payload[1] != TCP:
        raise V2gtpFrameError(f"SDP: not a TCP SDP request: {data.hex()}")
    return payload[0] == TLS


def response_frame(address: ipaddress.IPv6Address, port: int, tls: bool) -> bytes:
    return codec.frame(0x9001, address.packed + struct.pack(">H", port) + bytes([TLS if tls else NO_TLS, TCP]))


def parse_response(data: bytes) -> SdpResponse:
    payload_type, payload = codec.split(data)
    if payload_type != 0x9001 or len(payload) != 20:
        raise V2gtpFrameError(f"SDP: not an SDP response: {data.hex()}")
    return SdpResponse(ipaddress.IPv6Address(payload[:16]), struct.unpack(">H", payload[16:18])[0], payload[18] == TLS)


def link_local_address(interface: str) -> ipaddress.IPv6Address:
    """The interface's IPv6 link-local address (Linux: /proc/net/if_inet6)."""
    for line in Path("/proc/net/if_inet6").read_text().splitlines():
        hexaddr, _index, _prefix, scope, _flags, name = line.split()
        if name == interface and int(scope, 16) == 0x20:
            return ipaddress.IPv6Address(bytes.fromhex(hexaddr))
    raise OSError(f"{interface} has no IPv6 link-local address (yet: duplicate address detection takes a moment)")


class SdpResponder(asyncio.DatagramProtocol):
    """Answers SDP requests on ``interface`` with the SECC's address and port."""

    def __init__(self, address: ipaddress.IPv6Address, port: int, tls: bool) -> None:
        self.answer = response_frame(address, port, tls)
        self.tls = tls
        self.transport: asyncio.DatagramTransport | None = None
        self.requests = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[type-arg]
        try:
            parse_request(data)
        except V2gtpFrameError:
            return  # not for us
        self.requests += 1
        assert self.transport is not None
        self.transport.sendto(self.answer, addr)


async def serve_sdp(interface: str, port: int, *, tls: bool) -> tuple[asyncio.DatagramTransport, SdpResponder]:
    index = socket.if_nametoindex(interface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    sock.bind(("::", SDP_PORT))
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, ALL_NODES) + struct.pack("@I", index))
    responder = SdpResponder(link_local_address(interface), port, tls)
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(lambda: responder, sock=sock)
    return transport, responder  # type: ignore[return-value]


async def discover(interface: str, *, tls: bool, interval_s: float = 0.25, attempts: int = 50) -> tuple[str, int, bool]:
    """The SECC's ``(host%interface, port, tls)``; raises TimeoutError after ``attempts`` tries."""
    index = socket.if_nametoindex(interface)
    loop = asyncio.get_running_loop()
    answers: asyncio.Queue[bytes] = asyncio.Queue()

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[type-arg]
            answers.put_nowait(data)

    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    sock.bind(("::", 0, 0, index))
    transport, _ = await loop.create_datagram_endpoint(Client, sock=sock)
    try:
        for _ in range(attempts):
            transport.sendto(request_frame(tls), (ALL_NODES, SDP_PORT, 0, index))
            try:
                data = await asyncio.wait_for(answers.get(), interval_s)
            except asyncio.TimeoutError:
                continue
            try:
                response = parse_response(data)
            except V2gtpFrameError:
                continue
            host = f"{response.address}%{interface}" if response.address.is_link_local else str(response.address)
            return host, response.port, response.tls
    finally:
        transport.close()
    raise TimeoutError(f"no SDP response on {interface} after {attempts} requests")
