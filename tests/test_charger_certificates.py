"""The virtual charger's TLS side: its certificate store (A02) refuses what does not belong to the
outstanding request or the CSMS's CA; a refused handshake becomes the security event the charger
reports; the bench's untrusted server (TlsProbe) sees each attempt and delivers its TLS alert; a
rig with ``pki_dir = "auto"`` gets a fresh PKI for a virtual DUT only."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hilbench.errors import ConfigError
from hilbench.ocpp import tls
from hilbench.ocpp.tls_probe import TlsProbe
from hilbench.pki import generate, issue_csms, other_ca, sign_csr
from hilbench.rig_file import load_rig
from hilbench.runner.campaign import Campaign
from hilbench.sim.charger import tls_client
from hilbench.sim.charger.certificates import CertificateStore
from hilbench.sim.charger.faults import Faults


def _store(tmp_path: Path, *faults: str) -> tuple[CertificateStore, object]:
    pki = generate(tmp_path / "pki", ("VC-1",))
    return CertificateStore(tmp_path / "state", "VC-1", pki.ca.cert, Faults(list(faults))), pki


def test_a_certificate_for_the_request_from_the_ca_is_installed(tmp_path: Path) -> None:
    store, pki = _store(tmp_path)
    csr_pem = store.new_request()
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert csr.is_signature_valid and csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "VC-1"
    assert store.installed() is None
    assert store.install(sign_csr(pki, csr_pem.encode()).decode()) is None
    pair = store.installed()
    assert pair is not None and stat.S_IMODE(pair.key.stat().st_mode) == 0o600
    assert not (tmp_path / "state" / "client-pending.key").exists()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_cert_chain(pair.cert, pair.key)  # the key belongs to the certificate


def test_what_does_not_belong_is_refused(tmp_path: Path) -> None:
    store, pki = _store(tmp_path)
    assert store.install("x") == "no certificate signing request is outstanding"
    csr_pem = store.new_request().encode()
    stranger = other_ca(tmp_path / "other")
    assert "does not verify up to the CSMS's CA" in (store.install(sign_csr(pki, csr_pem, ca=stranger).decode()) or "")
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_csr = (x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VC-1")])).sign(other_key, hashes.SHA256()))
    foreign = sign_csr(pki, other_csr.public_bytes(serialization.Encoding.PEM)).decode()
    assert "not for the key of the outstanding request" in (store.install(foreign) or "")
    assert "not a PEM certificate chain" in (store.install("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                                             or "")
    assert store.installed() is None


def test_a_certificate_for_another_identity_is_refused(tmp_path: Path) -> None:
    store, pki = _store(tmp_path, "csr-wrong-common-name")
    csr_pem = store.new_request()
    assert x509.load_pem_x509_csr(csr_pem.encode()).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value != "VC-1"
    assert "is not this charger's identity" in (store.install(sign_csr(pki, csr_pem.encode()).decode()) or "")


def test_the_unchecked_fault_installs_anything_for_its_key(tmp_path: Path) -> None:
    store, pki = _store(tmp_path, "certificate-signed-unchecked")
    csr_pem = store.new_request().encode()
    assert store.install(sign_csr(pki, csr_pem, ca=other_ca(tmp_path / "other")).decode()) is None


def test_an_expired_twin_of_the_csms_certificate(tmp_path: Path) -> None:
    pki = generate(tmp_path / "pki", ("VC-1",))
    twin = x509.load_pem_x509_certificate(issue_csms(pki, tmp_path / "bad", "old", expired=True).cert.read_bytes())
    real = x509.load_pem_x509_certificate(pki.csms.cert.read_bytes())
    assert twin.subject == real.subject and twin.not_valid_after_utc < dt.datetime.now(dt.timezone.utc)
    assert twin.extensions.get_extension_for_class(x509.SubjectAlternativeName).value == \
        real.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert not (pki.directory / "old.pem").exists()  # nothing lands in the lab's PKI folder


@pytest.mark.parametrize(("server", "event"), [("other-ca", "InvalidCsmsCertificate"),
                                               ("expired", "InvalidCsmsCertificate"),
                                               ("tls-1.1", "InvalidTLSVersion")])
async def test_a_refused_server_is_named_and_seen(tmp_path: Path, server: str, event: str) -> None:
    pki = generate(tmp_path / "pki", ("VC-1",))
    cert = {"other-ca": lambda: issue_csms(pki, tmp_path / "bad", "x", ca=other_ca(tmp_path / "o")),
            "expired": lambda: issue_csms(pki, tmp_path / "bad", "x", expired=True),
            "tls-1.1": lambda: pki.csms}[server]()
    probe = TlsProbe("127.0.0.1", 0, tls.server_context(2, cert.cert, cert.key,
                                                        max_version="1.1" if server == "tls-1.1" else None)).start()
    try:
        with pytest.raises(ssl.SSLError) as info:
            await asyncio.open_connection("127.0.0.1", probe.port, ssl=tls.client_context(2, pki.ca.cert),
                                          server_hostname="127.0.0.1")
        assert tls_client.security_event(info.value)[0] == event  # type: ignore[index]
        for _ in range(50):
            if probe.handshakes:
                break
            await asyncio.sleep(0.05)
        assert len(probe.handshakes) == 1 and not probe.handshakes[0].trusted and probe.handshakes[0].refused
    finally:
        probe.stop()


async def test_the_probe_sees_a_station_that_goes_on(tmp_path: Path) -> None:
    pki = generate(tmp_path / "pki", ("VC-1",))
    probe = TlsProbe("127.0.0.1", 0, tls.server_context(2, pki.csms.cert, pki.csms.key, max_version="1.1")).start()
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", probe.port, ssl=tls.client_context(2, pki.ca.cert, min_version="1.0"), server_hostname="127.0.0.1")
        writer.write(b"GET /ocpp/VC-1 HTTP/1.1\r\nAuthorization: Basic eA==\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 503")
        writer.close()
        for _ in range(50):  # the probe's thread records the handshake after it has answered
            if probe.handshakes:
                break
            await asyncio.sleep(0.05)
        h = probe.handshakes[0]
        assert h.trusted and h.version == "TLSv1.1" and h.sent_credentials and h.request_line == "GET /ocpp/VC-1 HTTP/1.1"
    finally:
        probe.stop()


def test_an_auto_pki_is_for_the_virtual_charger_only(tmp_path: Path) -> None:
    rig = tmp_path / "rig.toml"
    rig.write_text('[rig]\nname = "x"\n[csms]\nsecurity_profile = 2\npki_dir = "auto"\n'
                   '[dut]\nkind = "external"\nstation_id = "CS-1"\npassword = "p4ssword-0123456"\nsecurity_profile = 2\n')
    with pytest.raises(ConfigError, match='pki_dir = "auto" makes a PKI only the virtual charger'):
        Campaign(load_rig(rig), [], tmp_path / "out")
    assert load_rig("sim-sp3").csms.pki_auto
