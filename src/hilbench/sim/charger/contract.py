"""A Plug & Charge contract as OCPP carries it: the eMAID (the contract certificate's subject CN)
and the certificates' hash data (OCSPRequestDataType: SHA-256 of the issuer's name and key, the
serial number in hex) for Authorize's ``iso15118CertificateHashData``, computed with ``cryptography``."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def _der(value: Any) -> bytes:
    return base64.b64decode(value) if isinstance(value, str) else bytes(value)


def _hash_data(cert: x509.Certificate, issuer: x509.Certificate | None, spki: bool = False) -> dict[str, str]:
    issuer_name = cert.issuer.public_bytes()
    # The issuer's key hash is over its subjectPublicKey BIT STRING contents (RFC 6960 CertID);
    # ``spki`` hashes the whole SubjectPublicKeyInfo instead (a fault's misreading).
    key = b"" if issuer is None else issuer.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) \
        if spki else issuer.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"hashAlgorithm": "SHA256", "issuerNameHash": hashlib.sha256(issuer_name).hexdigest(),
            "issuerKeyHash": hashlib.sha256(key).hexdigest(), "serialNumber": format(cert.serial_number, "x"),
            "responderURL": "http://ocsp.invalid/"}


def contract_hash_data(chain: dict[str, Any], roots_pem: bytes | None = None, *,
                       key_hash_of_spki: bool = False) -> tuple[str, list[dict[str, str]]]:
    """(eMAID, hash data of the contract certificate and its sub-CAs, leaf first; at most 4). The
    last sub-CA's issuer is looked up among the trusted MO roots ``roots_pem``."""
    leaf = x509.load_der_x509_certificate(_der(chain["Certificate"]))
    subs = [x509.load_der_x509_certificate(_der(c)) for c in (chain.get("SubCertificates") or {}).get("Certificate", [])]
    certs = [leaf, *subs]
    roots = x509.load_pem_x509_certificates(roots_pem) if roots_pem else []

    def issuer_of(i: int) -> x509.Certificate | None:
        if i + 1 < len(certs):
            return certs[i + 1]
        return next((r for r in roots if r.subject == certs[i].issuer), None)

    out = [_hash_data(cert, issuer_of(i), key_hash_of_spki) for i, cert in enumerate(certs)][:4]
    cn = leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    emaid = str(cn[0].value) if cn else format(leaf.serial_number, "X")
    return emaid, out
