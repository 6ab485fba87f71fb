"""Test PKI for the bench: a CA, a CSMS server certificate and charging-station client
certificates (OCPP Security Profiles 2 and 3), generated with ``cryptography``.

Station certificates carry the station id as CN (OCPP 2.x: the CSMS checks it against the id in
the URL). Everything is ECDSA P-256, the curve of the ECDHE-ECDSA TLS 1.2 suites OCPP allows.
The ISO 15118-20 PKI (V2G root, CPO sub-CAs, secp521r1) is in ``hilbench.v2g.pki``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hilbench.errors import PkiError
from hilbench.ocpp.identity import check_station_id, station_file

_ORG = "hilbench test PKI"


@dataclass(frozen=True)
class CertPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class TestPki:
    """Paths of a generated test PKI (PEM files)."""

    directory: Path
    ca: CertPair
    csms: CertPair

    def station_files(self, station_id: str) -> CertPair:
        """Where the certificate and key of ``station_id`` live: ``stations/<id>.pem`` and
        ``.key``, the id checked (``StationIdError``) and both kept inside ``stations/``."""
        folder = self.directory / "stations"
        return CertPair(station_file(folder, station_id, ".pem"), station_file(folder, station_id, ".key"))

    def station(self, station_id: str) -> CertPair:
        pair = self.station_files(station_id)
        if not pair.cert.exists():
            raise PkiError(f"no certificate for station {station_id!r} in {self.directory}; "
                           f"issue one with issue_station()")
        return pair


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORG),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(pair: CertPair, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    pair.cert.parent.mkdir(parents=True, exist_ok=True)
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    pair.key.chmod(0o600)


def _load(pair: CertPair) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
        key = serialization.load_pem_private_key(pair.key.read_bytes(), None)
    except (OSError, ValueError) as e:
        raise PkiError(f"cannot load {pair.cert} / {pair.key}: {e}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{pair.key} is not an EC key")
    return cert, key


def _issue(subject: x509.Name, key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, issuer: x509.Name,
           issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool, days: int, not_before: dt.datetime,
           eku: x509.ObjectIdentifier | None = None, san: list[x509.GeneralName] | None = None,
           hash_algorithm: hashes.SHA256 | hashes.SHA512 | None = None) -> x509.Certificate:
    public = key if isinstance(key, ec.EllipticCurvePublicKey) else key.public_key()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public)
         .serial_number(x509.random_serial_number()).not_valid_before(not_before)
         .not_valid_after(not_before + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=ca, crl_sign=ca,
                                      content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=not ca,
                                      encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))
    if issuer != subject:  # RFC 5280 §4.2.1.1; strict path validation (the PnC contract check) requires it
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(issuer_key, hash_algorithm or hashes.SHA256())


def generate(directory: Path | str, station_ids: tuple[str, ...] = ("CS001",), *, days: int = 365,
             ca_name: str = "hilbench test CA") -> TestPki:
    """Create a CA, a CSMS certificate for localhost / 127.0.0.1 / ::1 and one client
    certificate per station id under ``directory``. Every id is checked first
    (``StationIdError``), so a bad one writes nothing."""
    directory = Path(directory)
    for sid in station_ids:
        check_station_id(sid, "station id for the test PKI")
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue(_name(ca_name), ca_key, _name(ca_name), ca_key, ca=True, days=days * 2, not_before=now)
    pki = TestPki(directory, CertPair(directory / "ca.pem", directory / "ca.key"),
                  CertPair(directory / "csms.pem", directory / "csms.key"))
    _write(pki.ca, ca_cert, ca_key)
    key = ec.generate_private_key(ec.SECP256R1())
    san: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                   x509.IPAddress(ipaddress.ip_address("::1"))]
    _write(pki.csms, _issue(_name("localhost"), key, ca_cert.subject, ca_key, ca=False, days=days,
                            not_before=now, eku=ExtendedKeyUsageOID.SERVER_AUTH, san=san), key)
    for sid in station_ids:
        issue_station(pki, sid, days=days)
    return pki


def issue_station(pki: TestPki, station_id: str, *, days: int = 365, expired: bool = False,
                  ca: CertPair | None = None) -> CertPair:
    """Issue a client certificate with CN = ``station_id``; ``expired`` makes one that ended
    yesterday, ``ca`` signs with another CA (both for negative tests)."""
    pair = pki.station_files(station_id)
    ca_cert, ca_key = _load(ca or pki.ca)
    now = dt.datetime.now(dt.timezone.utc)
    not_before = now - dt.timedelta(days=days + 1) if expired else now - dt.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue(_name(station_id), key, ca_cert.subject, ca_key, ca=False, days=days, not_before=not_before,
                  eku=ExtendedKeyUsageOID.CLIENT_AUTH)
    _write(pair, cert, key)
    return pair


def load(directory: Path | str) -> TestPki:
    """Open a PKI made by ``generate``."""
    directory = Path(directory)
    pki = TestPki(directory, CertPair(directory / "ca.pem", directory / "ca.key"),
                  CertPair(directory / "csms.pem", directory / "csms.key"))
    for p in (pki.ca.cert, pki.csms.cert, pki.csms.key):
        if not p.exists():
            raise PkiError(f"{p} is missing; generate the test PKI with `hilbench pki DIR`")
    return pki


def issue_csms(pki: TestPki, directory: Path | str, name: str, *, expired: bool = False,
               ca: CertPair | None = None, days: int = 365) -> CertPair:
    """A twin of the PKI's CSMS certificate (same subject and names, a new key) in ``directory``
    as ``<name>.pem`` / ``.key``: one that ended yesterday, or one from another CA ``ca`` —
    what a charging station must refuse to connect to."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pair = CertPair(directory / f"{name}.pem", directory / f"{name}.key")
    real, _ = _load(pki.csms)
    ca_cert, ca_key = _load(ca or pki.ca)
    now = dt.datetime.now(dt.timezone.utc)
    not_before = now - dt.timedelta(days=days + 1) if expired else now - dt.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        san = list(real.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        san = []
    _write(pair, _issue(real.subject, key, ca_cert.subject, ca_key, ca=False, days=days, not_before=not_before,
                        eku=ExtendedKeyUsageOID.SERVER_AUTH, san=san or None), key)
    return pair


def other_ca(directory: Path | str, name: str = "another CA") -> CertPair:
    """A CA nobody trusts (for negative tests), in ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pair = CertPair(directory / "other-ca.pem", directory / "other-ca.key")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    _write(pair, _issue(_name(name), key, _name(name), key, ca=True, days=365, not_before=now), key)
    return pair


def sign_csr(pki: TestPki, csr_pem: bytes, *, days: int = 365, ca: CertPair | None = None) -> bytes:
    """The CA's certificate for a certificate signing request (a charging station's client
    certificate: its subject and key as requested, clientAuth), in PEM; ``ca`` another issuer
    than the PKI's CA (for negative tests)."""
    csr = x509.load_pem_x509_csr(csr_pem)
    if not csr.is_signature_valid:
        raise PkiError("the CSR's signature does not verify")
    ca_cert, ca_key = _load(ca or pki.ca)
    key = csr.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise PkiError(f"the CSR's key is {type(key).__name__}; the test PKI issues EC keys only")
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    cert = _issue(csr.subject, key, ca_cert.subject, ca_key, ca=False, days=days, not_before=now,
                  eku=ExtendedKeyUsageOID.CLIENT_AUTH)
    return cert.public_bytes(serialization.Encoding.PEM)
