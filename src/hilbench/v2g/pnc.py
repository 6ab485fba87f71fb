"""ISO 15118-20 Plug & Charge authorization. The EV holds a contract (its key and its certificate
chain up to an MO root) and signs its ``PnC_AReqAuthorizationMode`` — the SECC's GenChallenge, an
Id, the chain — into the AuthorizationReq header; the SECC checks the echoed challenge, the
signature with the contract certificate's key, and the chain against the MO roots it trusts, and
answers with the -20 response code for what it found.

The signature profile (digests over EXI fragments, the xmldsig-coded SignedInfo, what a verifier
refuses) is the ``iso15118`` crate's, run on OpenSSL in the Rust core."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hilbench import _core
from hilbench.errors import PkiError
from hilbench.v2g.pki import Chain

#: Signature suites a bench SECC honours by default: -20's secp521r1 with SHA-512.
SUITES = ("ecdsa-sha512",)
GEN_CHALLENGE_BYTES = 16


@dataclass(frozen=True)
class Contract:
    """An EV's contract: the leaf's private key, the leaf and its sub-CAs (DER, leaf's issuer first)."""

    key_pem: bytes
    leaf_der: bytes
    sub_ca_ders: tuple[bytes, ...]

    @classmethod
    def from_chain(cls, chain: Chain) -> Contract:
        try:
            certs = x509.load_pem_x509_certificates(chain.chain.read_bytes())
            key = chain.key.read_bytes()
        except (OSError, ValueError) as e:
            raise PkiError(f"cannot load the contract chain {chain.chain}: {e}") from e
        ders = [c.public_bytes(Encoding.DER) for c in certs]
        return cls(key, ders[0], tuple(ders[1:]))

    def mode(self, challenge: bytes, element_id: str = "id1") -> dict[str, Any]:
        """The unsigned ``PnC_AReqAuthorizationMode`` for ``challenge`` (binary as base64, as its
        XSD types are base64Binary)."""
        return {"Id": element_id, "GenChallenge": b64(challenge),
                "ContractCertificateChain": {"Certificate": b64(self.leaf_der),
                                             "SubCertificates": {"Certificate": [b64(d) for d in self.sub_ca_ders]}}}


def b64(data: bytes) -> str:
    """An xs:base64Binary value as the message view writes it."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def new_challenge() -> bytes:
    return secrets.token_bytes(GEN_CHALLENGE_BYTES)


def sign(contract: Contract, challenge: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The EV's ``PnC_AReqAuthorizationMode`` for ``challenge`` and the header's ``Signature`` over it."""
    return _core.v2g_pnc_sign(contract.mode(challenge), challenge, contract.key_pem)


def check(mode: dict[str, Any], signature: dict[str, Any] | None, challenge: bytes, trust_pem: bytes, *,
          at_unix: int | None = None, suites: tuple[str, ...] = SUITES) -> tuple[str, str]:
    """The SECC's verdict: ``("OK", "")`` or (the response code it answers with, why)."""
    if signature is None:
        return "FAILED_SignatureError", "the AuthorizationReq header carries no Signature"
    return _core.v2g_pnc_check(mode, signature, challenge, trust_pem, at_unix=at_unix, suites=list(suites))
