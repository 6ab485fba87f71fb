"""A TLS server at the bench CSMS's address that only shakes hands: a stand-in for a CSMS no charging
station may trust (a certificate from another CA, an expired one, only TLS 1.0/1.1), or one that
accepts any version and cipher suite to see what the station itself picks. It reads what the
station sends next and records each attempt: the version and cipher suite negotiated and the
client certificate's CN, or why the handshake ended (the station's alert, e.g.
``TLSV1_ALERT_UNKNOWN_CA``), and whether the station went on to send its WebSocket upgrade (and
its Basic-auth password).

Blocking sockets in a thread, by design: asyncio's TLS transport drops the alert of a handshake it
refuses, and a station must receive that alert to know why it cannot connect (A00.FR.316)."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass

from hilbench.ocpp.tls import peer_common_name

#: How long one attempt may take (the handshake, then the station's first bytes), s.
ATTEMPT_S = 5.0


@dataclass(frozen=True)
class Handshake:
    peer: str
    version: str | None            #: negotiated, when the handshake completed on this side
    refused: str | None            #: why it ended: the OpenSSL reason (the station's alert or ours)
    request_line: str | None       #: the station's first line after the handshake (its HTTP upgrade)
    sent_credentials: bool = False  #: that request carried an Authorization header
    cipher: str | None = None      #: the cipher suite negotiated (OpenSSL's name)
    client_cn: str | None = None   #: CN of the client certificate the station presented (verified)

    @property
    def trusted(self) -> bool:
        """The station went past the handshake: it accepted this server."""
        return self.request_line is not None


class TlsProbe:
    def __init__(self, host: str, port: int, context: ssl.SSLContext) -> None:
        self.host, self.port, self.context = host, port, context
        self.handshakes: list[Handshake] = []
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> TlsProbe:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._sock = socket.create_server((self.host, self.port), family=family, reuse_port=False)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="tls-probe", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(ATTEMPT_S + 1)
        if self._sock is not None:
            self._sock.close()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, addr = self._sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.handshakes.append(self._attempt(conn, f"{addr[0]}:{addr[1]}"))

    def _attempt(self, conn: socket.socket, peer: str) -> Handshake:
        conn.settimeout(ATTEMPT_S)
        version = cipher = cn = None
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                version, cipher = tls.version(), (tls.cipher() or (None,))[0]
                cn = peer_common_name(tls)
                data = tls.recv(4096)  # with TLS 1.3 the station's verdict on our certificate comes here
                if not data:
                    return Handshake(peer, version, "closed by the station after the handshake", None,
                                     cipher=cipher, client_cn=cn)
                head = data.decode("latin-1").split("\r\n")
                tls.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return Handshake(peer, version, None, head[0][:200],
                                 any(h.lower().startswith("authorization:") for h in head[1:]), cipher, cn)
        except ssl.SSLError as e:
            return Handshake(peer, version, e.reason or str(e), None, cipher=cipher, client_cn=cn)
        except OSError as e:
            return Handshake(peer, version, f"{type(e).__name__}: {e}", None, cipher=cipher, client_cn=cn)
        finally:
            conn.close()
