"""TLS contexts for OCPP Security Profiles 2 and 3, with a log line for every refused handshake.

SP2: TLS with server authentication + HTTP Basic. SP3: mutual TLS. TLS 1.3 works; TLS 1.2 only
with the cipher suites the OCPP 2.x security part allows; TLS <= 1.1 never.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import Any

from hilbench.errors import ConfigError

log = logging.getLogger("hilbench.ocpp.tls")

# ⚠ The TLS 1.2 suites OCPP 2.0.1/2.1 Part 2 allow, as recalled from the spec (A00.FR.318/319 and
# errata): ECDHE-ECDSA with AES-GCM, ECDHE-RSA with AES-GCM, and the RSA key-exchange GCM suites
# kept for older stations. Configurable through ``tls12_ciphers``.
OCPP_TLS12_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
    "AES128-GCM-SHA256", "AES256-GCM-SHA384",
])

_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
#: OpenSSL's flag to skip the validity dates in verification (not exposed by ``ssl``).
X509_V_FLAG_NO_CHECK_TIME = 0x200000
#: Only for negative tests: a server that offers what no charger may accept.
_OLD_VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1}


class _LoggingSSLObject(ssl.SSLObject):
    """Logs why a server-side handshake failed: asyncio only reports it in debug mode."""

    def do_handshake(self) -> None:
        try:
            super().do_handshake()
        except ssl.SSLWantReadError:
            raise
        except ssl.SSLError as e:
            log.warning("TLS handshake refused: %s (%s)", e.reason or e, e.verify_message if isinstance(
                e, ssl.SSLCertVerificationError) else e.library or "ssl")
            raise


def _min_version(minimum: str) -> ssl.TLSVersion:
    try:
        return _VERSIONS[minimum]
    except KeyError:
        raise ConfigError(f"TLS minimum version must be one of {', '.join(_VERSIONS)}, got {minimum!r}") from None


def _context(protocol: int, profile: int, min_version: str, tls12_ciphers: str) -> ssl.SSLContext:
    if profile not in (2, 3):
        raise ConfigError(f"TLS is used by security profiles 2 and 3, not {profile}")
    ctx = ssl.SSLContext(protocol)
    ctx.minimum_version = _min_version(min_version)
    ctx.set_ciphers(tls12_ciphers)
    return ctx


def server_context(profile: int, cert: Path, key: Path, ca: Path | None = None, *,
                   min_version: str = "1.2", tls12_ciphers: str = OCPP_TLS12_CIPHERS,
                   max_version: str | None = None) -> ssl.SSLContext:
    """Server context for SP2 (server auth) or SP3 (client certificate required, from ``ca``).
    ``max_version`` "1.0" or "1.1" makes a server that offers only what OCPP forbids (a test of
    the charger's refusal)."""
    if max_version in _OLD_VERSIONS:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ctx.maximum_version = _OLD_VERSIONS[max_version]
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        ctx = _context(ssl.PROTOCOL_TLS_SERVER, profile, min_version, tls12_ciphers)
        if max_version is not None:
            ctx.maximum_version = _min_version(max_version)
    try:
        ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load server certificate {cert} / {key}: {e}") from e
    if profile == 3:
        if ca is None:
            raise ConfigError("security profile 3 needs the CA that issues station certificates")
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=ca)
    ctx.sslobject_class = _LoggingSSLObject
    return ctx


def client_context(profile: int, ca: Path, cert: Path | None = None, key: Path | None = None, *,
                   min_version: str = "1.2", tls12_ciphers: str = OCPP_TLS12_CIPHERS,
                   max_version: str | None = None, verify: bool = True, check_time: bool = True) -> ssl.SSLContext:
    """Station-side context: verifies the CSMS against ``ca``; SP3 presents ``cert``.
    ``min_version`` "1.0"/"1.1", ``max_version``, ``verify=False`` and ``check_time=False`` exist
    for the virtual charger's faults (a station that accepts what it must refuse)."""
    if min_version in _OLD_VERSIONS:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = _OLD_VERSIONS[min_version]
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        ctx = _context(ssl.PROTOCOL_TLS_CLIENT, profile, min_version, tls12_ciphers)
    if max_version is not None:
        ctx.maximum_version = _min_version(max_version)
    ctx.load_verify_locations(cafile=ca)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if not check_time:
        ctx.verify_flags |= X509_V_FLAG_NO_CHECK_TIME  # type: ignore[assignment]
    if profile == 3:
        if cert is None or key is None:
            raise ConfigError("security profile 3 needs the station's client certificate and key")
        ctx.load_cert_chain(cert, key)
    return ctx


def peer_common_name(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> str | None:
    """CN of the verified peer certificate, if any."""
    if ssl_object is None:
        return None
    cert = ssl_object.getpeercert() or {}
    subject: Any = cert.get("subject", ())
    for rdn in subject:
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None
