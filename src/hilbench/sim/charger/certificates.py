"""The virtual charger's own client certificate (A02, security profile 3): on the CSMS's request a new
EC key and a certificate signing request whose common name is the charger's identity; the certificate
CertificateSigned brings is checked — a chain that verifies up to the CSMS's CA, the key of the
outstanding request, the charger's identity, valid now — before it replaces the old one for the next
connection. Files live in the state folder: ``client-pending.key`` (from request to answer),
``client.pem`` and ``client.key`` (the installed certificate)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hilbench.pki import CertPair
from hilbench.sim.charger.faults import Faults

ORGANIZATION = "hilbench"


class CertificateStore:
    def __init__(self, state_dir: Path | None, station_id: str, ca: Path | None, faults: Faults) -> None:
        self.dir, self.station_id, self.ca, self.faults = state_dir, station_id, ca, faults
        self._pending_memory: ec.EllipticCurvePrivateKey | None = None  # without a state folder

    def _path(self, name: str) -> Path | None:
        return self.dir / name if self.dir is not None else None

    def installed(self) -> CertPair | None:
        cert, key = self._path("client.pem"), self._path("client.key")
        return CertPair(cert, key) if cert and key and cert.exists() and key.exists() else None

    def new_request(self) -> str:
        """A fresh key (kept until the certificate comes) and its CSR in PEM."""
        key = ec.generate_private_key(ec.SECP256R1())
        cn = f"{self.station_id}-NEW" if self.faults.on("csr-wrong-common-name") else self.station_id
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                                        x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
               .sign(key, hashes.SHA256()))
        pending = self._path("client-pending.key")
        if pending is None:
            self._pending_memory = key
        else:
            _write_private(pending, key)
        return csr.public_bytes(serialization.Encoding.PEM).decode()

    def _pending_key(self) -> ec.EllipticCurvePrivateKey | None:
        pending = self._path("client-pending.key")
        if pending is None or not pending.exists():
            return self._pending_memory
        key = serialization.load_pem_private_key(pending.read_bytes(), None)
        return key if isinstance(key, ec.EllipticCurvePrivateKey) else None

    def install(self, chain_pem: str) -> str | None:
        """Installs the certificate; None when it did, else why it was refused."""
        key = self._pending_key()
        if key is None:
            return "no certificate signing request is outstanding"
        try:
            chain = x509.load_pem_x509_certificates(chain_pem.encode())
        except ValueError as e:
            return f"not a PEM certificate chain: {e}"
        if not self.faults.on("certificate-signed-unchecked"):
            problem = self._problem(chain, key)
            if problem is not None:
                return problem
        cert_path, key_path = self._path("client.pem"), self._path("client.key")
        if cert_path is None or key_path is None:
            return "the charger has no state folder to keep a certificate in"
        cert_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
        _write_private(key_path, key)
        pending = self._path("client-pending.key")
        if pending is not None:
            pending.unlink(missing_ok=True)
        return None

    def _problem(self, chain: list[x509.Certificate], key: ec.EllipticCurvePrivateKey) -> str | None:
        leaf = chain[0]
        if leaf.public_key() != key.public_key():
            return "the certificate is not for the key of the outstanding request"
        cn = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if cn != [self.station_id]:
            return f"the certificate's common name {cn} is not this charger's identity {self.station_id!r}"
        now = dt.datetime.now(dt.timezone.utc)
        for c in chain:
            if not c.not_valid_before_utc <= now <= c.not_valid_after_utc:
                return f"{c.subject.rfc4514_string()} is not valid now"
        if self.ca is None:
            return "the charger has no CA to check the certificate against"
        root = x509.load_pem_x509_certificate(self.ca.read_bytes())
        path = chain + ([] if chain[-1] == root else [root])
        try:
            for child, parent in zip(path, path[1:]):
                child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            return "the certificate's chain does not verify up to the CSMS's CA"
        return None


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
