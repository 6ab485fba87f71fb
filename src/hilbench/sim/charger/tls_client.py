"""How the virtual charger opens TLS to the CSMS (security profiles 2 and 3): the CSMS's CA from the
PKI folder, TLS 1.2 or higher with the certificate's path and dates checked (A00.FR.308, A00.FR.313),
and under profile 3 the client certificate CertificateSigned installed (``certificates.py``), else
the PKI's. The security faults loosen exactly those checks. A refused handshake is named as the
security event the charger reports once it is connected again (A00.FR.310, A00.FR.316)."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from hilbench.ocpp import tls

if TYPE_CHECKING:
    from hilbench.pki import CertPair, TestPki
    from hilbench.sim.charger.config import ChargerConfig

#: What the fault tls12-weak-cipher prefers: CBC suites OCPP does not list.
WEAK_TLS12_CIPHERS = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"
#: OpenSSL reasons that mean "no TLS version both ends accept".
_VERSION_REASONS = {"UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE",
                    "WRONG_SSL_VERSION", "WRONG_VERSION_NUMBER", "TLSV1_ALERT_INSUFFICIENT_SECURITY"}


def client_context(config: ChargerConfig, pki: TestPki, installed: CertPair | None,
                   profile: int | None = None) -> ssl.SSLContext:
    """The context for one connection attempt; ``profile``: the network slot's security profile."""
    faults = config.faults
    profile = config.security_profile if profile is None else profile
    own = None
    if profile == 3:
        own = installed or pki.station(config.station_id)
    weak = faults.on("tls12-weak-cipher")  # CBC first, then what OCPP allows: the bench CSMS still takes it
    return tls.client_context(profile, pki.ca.cert, own.cert if own else None, own.key if own else None,
                              min_version="1.0" if faults.on("accepts-old-tls") else "1.2",
                              max_version="1.2" if weak else None,
                              tls12_ciphers=f"{WEAK_TLS12_CIPHERS}:{tls.OCPP_TLS12_CIPHERS}" if weak else tls.OCPP_TLS12_CIPHERS,
                              verify=not faults.on("accepts-unknown-csms-ca"),
                              check_time=not faults.on("accepts-expired-csms-cert"))


def security_event(error: BaseException) -> tuple[str, str] | None:
    """The security event a failed connection is, from the exception chain: the CSMS's certificate
    did not verify (InvalidCsmsCertificate) or no TLS version both accept (InvalidTLSVersion)."""
    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ssl.SSLCertVerificationError):
            return "InvalidCsmsCertificate", str(e.verify_message or e)[:255]
        if isinstance(e, ssl.SSLError) and (e.reason or "") in _VERSION_REASONS:
            return "InvalidTLSVersion", f"{e.reason}"[:255]
        e = e.__cause__ or e.__context__
    return None
