"""The bench as CSMS: a websocket server that accepts many charging stations (OCPP 2.1 and 2.0.1)
under Security Profile 0 (plain, no authentication: lab debugging only), 1, 2 or 3.

Anyone who reaches a profile-0 CSMS can connect, so nothing it keeps grows with the number of
stations that ever came: a station id from the URL, the Basic-auth user or the certificate CN is
checked (``hilbench.ocpp.identity``) before the upgrade and a bad one refused with 400 (404 when
there is none); a station's entry in ``stations`` goes when it disconnects; ``refusals`` and
``history`` keep only the latest.

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
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from hilbench.errors import ConfigError, StationIdError, UnsafePathError
from hilbench.ocpp import frames, tls
from hilbench.ocpp.defaults import csms_handlers
from hilbench.ocpp.identity import check_station_id, station_id_problem
from hilbench.ocpp.link import Handler, OcppLink
from hilbench.ocpp.session import Hook, Session
from hilbench.ocpp.trace import TraceWriter
from hilbench.pki import TestPki

log = logging.getLogger("hilbench.csms")


#: How many refusals and disconnected stations' summaries a CSMS keeps (the oldest go first).
REFUSALS_KEPT = 256
HISTORY_KEPT = 256


def station_id_from_path(path: str) -> str:
    """The station id is the last segment of the URL path, percent-decoded (``/ocpp/CS001`` ->
    ``CS001``; ``/ocpp/`` has none). Raises ``StationIdError`` unless it is an acceptable identity
    (``hilbench.ocpp.identity``): decoding first, so ``%2F`` or ``%00`` are refused as ``/`` and NUL."""
    segment = path.split("?", 1)[0].rsplit("/", 1)[-1]
    return check_station_id(unquote(segment), "station id in URL path")


@dataclass(frozen=True)
class StationSummary:
    """What the CSMS remembers of a station after it disconnected (``Csms.history``)."""

    station_id: str
    remote_address: str
    version: str
    connected_s: float
    frames_rx: int
    frames_tx: int
    calls_sent: int
    received: int
    violations: int


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
        bad = [f"{sid!r}: {problem}" for sid in self.passwords if (problem := station_id_problem(sid))]
        if bad:
            raise StationIdError(f"passwords name station ids that no station can connect with: {'; '.join(bad)}")
        #: The stations connected now; an entry goes when its connection closes.
        self.stations: dict[str, OcppLink] = {}
        #: The last REFUSALS_KEPT refused handshakes: (station id or "?", reason).
        self.refusals: deque[tuple[str, str]] = deque(maxlen=REFUSALS_KEPT)
        #: The last HISTORY_KEPT stations that disconnected, oldest first.
        self.history: deque[StationSummary] = deque(maxlen=HISTORY_KEPT)
        self.connections_total = 0
        #: Set: every handshake is refused with 503 and this reason, and recorded in ``refusals``
        #: (a CSMS that is "down" yet counts who tried, e.g. to see a station retry before it
        #: would fall back to another network profile).
        self.closed_for: str | None = None
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
        for link in list(self.stations.values()):  # normally none: each handler drops its own
            if link.trace:
                link.trace.close()

    async def __aenter__(self) -> Csms:
        return await self.start()

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    async def wait_for_station(self, station_id: str, timeout: float = 10.0) -> OcppLink:
        """The link of ``station_id`` once it is connected. A link stays usable for reading
        (``received``, ``violations``) after its station left; keep it to look at it then."""
        async with self._arrivals:
            await asyncio.wait_for(self._arrivals.wait_for(lambda: station_id in self.stations), timeout)
        return self.stations[station_id]

    async def wait_for_departure(self, link: OcppLink, timeout: float = 10.0) -> None:
        """Until ``link``'s connection closed and the CSMS let go of it (trace closed, entry dropped)."""
        async with self._arrivals:
            await asyncio.wait_for(self._arrivals.wait_for(lambda: self.stations.get(link.peer_id) is not link
                                                           and link.closed.is_set()), timeout)

    def trace_path(self, station_id: str) -> Path | None:
        """``<trace_dir>/<station_id>.jsonl``; ``StationIdError`` / ``UnsafePathError`` for an id
        that is not an identity or a path that would leave ``trace_dir``."""
        return TraceWriter.path_for(self.trace_dir, station_id) if self.trace_dir else None

    # ---- handshake checks ---------------------------------------------------------------------

    def _refuse(self, conn: ServerConnection, station: str, status: http.HTTPStatus, reason: str) -> Response:
        log.warning("refused station %s from %s: %s", station, conn.remote_address, reason)
        self.refusals.append((station, reason))
        return conn.respond(status, reason + "\n")

    def _check_request(self, conn: ServerConnection, request: Request) -> Response | None:
        try:
            sid = station_id_from_path(request.path)
        except StationIdError as e:
            if not e.station_id:
                return self._refuse(conn, "?", http.HTTPStatus.NOT_FOUND, f"no station id in path {request.path[:100]!r}")
            return self._refuse(conn, "?", http.HTTPStatus.BAD_REQUEST, str(e))
        if self.closed_for is not None:
            return self._refuse(conn, sid, http.HTTPStatus.SERVICE_UNAVAILABLE, f"closed: {self.closed_for}")
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
            if (problem := station_id_problem(user)) is not None:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED,
                                    f"Basic auth user {user[:60]!r} {problem}")
            if user != sid:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED,
                                    f"Basic auth user {user!r} is not the station id")
            if sid not in self.passwords or self.passwords[sid] != password:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED, "wrong password")
        if self.security_profile == 3:
            cn = tls.peer_common_name(conn.transport.get_extra_info("ssl_object"))
            if cn is None:
                return self._refuse(conn, sid, http.HTTPStatus.UNAUTHORIZED, "no client certificate")
            if self.check_certificate_cn and (problem := station_id_problem(cn)) is not None:
                return self._refuse(conn, sid, http.HTTPStatus.FORBIDDEN, f"client certificate CN {cn[:60]!r} {problem}")
            if self.check_certificate_cn and cn != sid:
                return self._refuse(conn, sid, http.HTTPStatus.FORBIDDEN,
                                    f"client certificate CN {cn!r} does not match station id")
        try:
            self.trace_path(sid)
        except UnsafePathError as e:  # e.g. a symbolic link in the trace folder
            return self._refuse(conn, sid, http.HTTPStatus.INTERNAL_SERVER_ERROR, f"trace file refused: {e}")
        return None

    # ---- connection -----------------------------------------------------------------------------

    async def _handle(self, conn: ServerConnection) -> None:
        assert conn.request is not None  # _check_request accepted this path
        sid = station_id_from_path(conn.request.path)
        version = frames.SUBPROTOCOLS.get(conn.subprotocol or "", "2.1")
        try:
            trace = TraceWriter.for_station(self.trace_dir, sid) if self.trace_dir else None
        except (UnsafePathError, OSError) as e:
            log.warning("closing station %s from %s: cannot open its trace: %s", sid, conn.remote_address, e)
            await conn.close(1011, "trace file refused")
            return
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
        try:
            await link.run()
        finally:
            if trace:
                trace.close()
            async with self._arrivals:  # a reconnection may already have replaced this link
                if self.stations.get(sid) is link:
                    del self.stations[sid]
                self._arrivals.notify_all()
            connected_s = time.monotonic() - t0
            self.history.append(StationSummary(
                sid, str(conn.remote_address), version, connected_s, link.frames_rx, link.frames_tx,
                link.calls_sent, len(link.received), len(link.violations)))
            log.info("station %s disconnected after %.1f s", sid, connected_s)
