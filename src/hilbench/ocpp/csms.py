"""The bench as CSMS: a websocket server that accepts many charging stations (OCPP 2.1 and 2.0.1)
under Security Profile 0 (plain, no authentication: lab debugging only), 1, 2 or 3.

>>> async with Csms(port=0, security_profile=0) as csms:      # doctest: +SKIP
...     link = await csms.wait_for_station("CS001")
...     boot = await link.expect("BootNotification")
...     await link.call("SetChargingProfile", {...})
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import http
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from hilbench.errors import ConfigError
from hilbench.ocpp import frames, tls
from hilbench.ocpp.defaults import csms_handlers
from hilbench.ocpp.link import Handler, OcppLink
from hilbench.ocpp.session import Hook, Session
from hilbench.ocpp.trace import TraceWriter
from hilbench.pki import TestPki

log = logging.getLogger("hilbench.csms")


def station_id_from_path(path: str) -> str | None:
    """The station id is the last segment of the URL path (``/ocpp/CS001`` -> ``CS001``)."""
    segment = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    sid = unquote(segment)
    return sid if sid and len(sid) <= 48 else None


def basic_credentials(headers: Headers) -> tuple[str, str] | None:
    value = headers.get("Authorization")
    if not value or not value.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


class Csms:
    """CSMS emulator. ``passwords`` maps station id -> Basic-auth password (profiles 1 and 2)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, security_profile: int = 0,
                 pki: TestPki | None = None, passwords: Mapping[str, str] | None = None,
                 versions: tuple[str, ...] = ("2.1", "2.0.1"), trace_dir: Path | str | None = None,
                 heartbeat_interval: int = 300, call_timeout_s: float = 30.0, max_frame_size: int = 1 << 20,
                 tls_min_version: str = "1.2", ping_interval: float | None = 20.0,
                 handlers: Mapping[str, Handler] | None = None, hook_factory: Any = None,
                 check_certificate_cn: bool = True) -> None:
        if security_profile not in (0, 1, 2, 3):
            raise ConfigError(f"security profile must be 0-3, got {security_profile}")
        if security_profile in (2, 3) and pki is None:
            raise ConfigError(f"security profile {security_profile} needs a PKI (see hilbench.pki.generate)")
        unknown = [v for v in versions if v not in frames.VERSIONS]
        if unknown:
            raise ConfigError(f"unsupported OCPP versions {unknown}")
        self.host, self.port = host, port
        self.security_profile = security_profile
        self.pki = pki
        self.passwords = dict(passwords or {})
        self.subprotocols = [f"ocpp{v}" for v in versions]
        self.trace_dir = Path(trace_dir) if trace_dir else None
        self.call_timeout_s = call_timeout_s
        self.max_frame_size = max_frame_size
        self.ping_interval = ping_interval
        self.check_certificate_cn = check_certificate_cn
        self.handlers: dict[str, Handler] = {**csms_handlers(heartbeat_interval), **dict(handlers or {})}
        self.hook_factory = hook_factory  # station_id -> Hook | None, for tests
        self.stations: dict[str, OcppLink] = {}
        self.refusals: list[tuple[str, str]] = []
        self.connections_total = 0
        self._arrivals = asyncio.Condition()
        self._server: Server | None = None
        self._ssl = (tls.server_context(security_profile, pki.csms.cert, pki.csms.key,
                                        pki.ca.cert if security_profile == 3 else None,
                                        min_version=tls_min_version)
                     if security_profile in (2, 3) and pki else None)

    @property
    def url(self) -> str:
        scheme = "wss" if self._ssl else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/ocpp"

    async def start(self) -> Csms:
        self._server = await serve(
            self._handle, self.host, self.port, subprotocols=self.subprotocols,  # type: ignore[arg-type]
            process_request=self._check_request, ssl=self._ssl, max_size=self.max_frame_size,
            ping_interval=self.ping_interval, compression=None)
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        log.info("CSMS listening on %s (security profile %d)", self.url, self.security_profile)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for link in self.stations.values():
            if link.trace:
                link.trace.close()

    async def __aenter__(self) -> Csms:
        return await self.start()

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    async def wait_for_station(self, station_id: str, timeout: float = 10.0) -> OcppLink:
        async with self._arrivals:
            await asyncio.wait_for(self._arrivals.wait_for(lambda: station_id in self.stations), timeout)
        return self.stations[station_id]

    def trace_path(self, station_id: str) -> Path | None:
        return self.trace_dir / f"{station_id}.jsonl" if self.trace_dir else None

    # ---- handshake checks ---------------------------------------------------------------------

    def _refuse(self, conn: ServerConnection, station: str, status: http.HTTPStatus, reason: str) -> Response:
        log.warning("refused station %s from %s: %s", station, conn.remote_address, reason)
        self.refusals.append((station, reason))
        return conn.respond(status, reason + "\n")

    def _check_request(self, conn: ServerConnection, request: Request) -> Response | None:
        sid = station_id_from_path(request.path)
        if sid is None:
            return self._refuse(conn, "?", http.HTTPStatus.NOT_FOUND, f"no station id in path {request.path!r}")
        offered = request.headers.get_all("Sec-WebSocket-Protocol")
        if not any(p.strip() in self.subprotocols for h in offered for p in h.split(",")):
            return self._refuse(conn, sid, http.HTTPStatus.BAD_REQUEST,
                                f"no supported OCPP subprotocol offered ({offered or 'none'}; "
                                f"supported: {', '.join(self.subprotocols)})")
        if self.security_profile in (1, 2):
            creds = basic_credentials(request.headers)
            if creds is None:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED, "no HTTP Basic credentials")
            user, password = creds
            if user != sid:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED,
                                    f"Basic auth user {user!r} is not the station id")
            if sid not in self.passwords or self.passwords[sid] != password:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED, "wrong password")
        if self.security_profile == 3:
            cn = tls.peer_common_name(conn.transport.get_extra_info("ssl_object"))
            if cn is None:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED, "no client certificate")
            if self.check_certificate_cn and cn != sid:
                return self._refuse(conn, sid, http.HTTPStatus.FORBIDDEN,
                                    f"client certificate CN {cn!r} does not match station id")
        return None

    # ---- connection -----------------------------------------------------------------------------

    async def _handle(self, conn: ServerConnection) -> None:
        sid = station_id_from_path(conn.request.path if conn.request else "") or "?"
        version = frames.SUBPROTOCOLS.get(conn.subprotocol or "", "2.1")
        trace_path = self.trace_path(sid)
        trace = TraceWriter(trace_path, sid) if trace_path else None
        if trace:
            trace.write("note", f"connected from {conn.remote_address}, subprotocol {conn.subprotocol}, "
                                f"security profile {self.security_profile}")
        hook: Hook | None = self.hook_factory(sid) if self.hook_factory else None
        session = Session("csms", version, call_timeout_s=self.call_timeout_s,
                          max_frame_size=self.max_frame_size, hook=hook)
        link = OcppLink(conn, session, peer_id=sid, trace=trace, handlers=self.handlers)
        old = self.stations.get(sid)
        async with self._arrivals:
            self.stations[sid] = link
            self.connections_total += 1
            self._arrivals.notify_all()
        if old is not None:
            log.info("station %s reconnected; closing its previous connection", sid)
            await old.close()
        log.info("station %s connected (OCPP %s)", sid, version)
        t0 = time.monotonic()
        await link.run()
        log.info("station %s disconnected after %.1f s", sid, time.monotonic() - t0)
        if trace:
            trace.close()
