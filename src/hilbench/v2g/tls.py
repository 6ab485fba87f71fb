"""TLS 1.3 for ISO 15118-20 over memory (the Rust core, OpenSSL): the SECC presents its chain to
the V2G root and requires the vehicle's chain to the OEM root; the EVCC the reverse. The defaults
are the -20 constraints; a negative test changes one of them on purpose."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hilbench import _core
from hilbench.v2g.pki import V2gPki

CIPHERSUITES = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
GROUPS = "P-521:X448"
SIGALGS = "ecdsa_secp521r1_sha512:ed448"


@dataclass(frozen=True)
class TlsProfile:
    ciphersuites: str = CIPHERSUITES
    groups: str = GROUPS
    sigalgs: str = SIGALGS
    min_version: str = "1.3"
    max_version: str = "1.3"

    def but(self, **changes: str) -> TlsProfile:
        return replace(self, **changes)


V2G20 = TlsProfile()


def secc_session(pki: V2gPki, profile: TlsProfile = V2G20) -> _core.TlsSession:
    return _core.TlsSession(server=True, chain_pem=pki.secc.chain.read_bytes(), key_pem=pki.secc.key.read_bytes(),
                            trust_pem=pki.vehicle.root.read_bytes(), **profile.__dict__)


def evcc_session(pki: V2gPki, profile: TlsProfile = V2G20) -> _core.TlsSession:
    return _core.TlsSession(server=False, chain_pem=pki.vehicle.chain.read_bytes(), key_pem=pki.vehicle.key.read_bytes(),
                            trust_pem=pki.secc.root.read_bytes(), **profile.__dict__)
