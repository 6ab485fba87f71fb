"""Security Profiles 1-3 over loopback with the generated PKI, and refusals with a log line."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest

from hilbench import pki as pki_mod
from hilbench.errors import ConnectionRefused
from hilbench.ocpp import tls
from hilbench.ocpp.csms import Csms
from hilbench.ocpp.station import Station

SID = "CS001"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> pki_mod.TestPki:
    p = pki_mod.generate(tmp_path_factory.mktemp("pki"), (SID, "CS002"))
    pki_mod.issue_station(p, "EXPIRED", expired=True)
    other = pki_mod.generate(tmp_path_factory.mktemp("other-ca"), (), ca_name="some other CA")
    pki_mod.issue_station(p, "FOREIGN", ca=other.ca)
    return p


async def boot_ok(csms: Csms, station: Station) -> None:
    async with station:
        res = await station.boot()
        assert res["status"] == "Accepted"
        link = await csms.wait_for_station(station.station_id)
        assert link.received_actions() == ["BootNotification"]
        assert link.violations == []


@pytest.mark.parametrize("profile", [0, 1, 2, 3])
async def test_profile_connects_and_boots(pki: pki_mod.TestPki, profile: int, tmp_path: Path) -> None:
    async with Csms(security_profile=profile, pki=pki, passwords={SID: "s3cret-password-16"},
                    trace_dir=tmp_path) as csms:
        assert csms.url.startswith("wss://" if profile >= 2 else "ws://")
        await boot_ok(csms, Station(csms.url, SID, security_profile=profile, pki=pki,
                                    password="s3cret-password-16" if profile in (1, 2) else None))
        assert (tmp_path / f"{SID}.jsonl").exists()


async def test_tls13_is_negotiated_on_profile_3(pki: pki_mod.TestPki) -> None:
    async with Csms(security_profile=3, pki=pki, tls_min_version="1.3") as csms:
        async with Station(csms.url, SID, security_profile=3, pki=pki) as st:
            assert st.link is not None
            assert st.link.ws.transport.get_extra_info("ssl_object").version() == "TLSv1.3"


async def test_tls12_with_an_allowed_suite_works(pki: pki_mod.TestPki) -> None:
    ctx = tls.client_context(3, pki.ca.cert, *astuple(pki.station(SID)))
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    async with Csms(security_profile=3, pki=pki) as csms:
        async with Station(csms.url, SID, security_profile=3, pki=pki, ssl_context=ctx) as st:
            assert st.link is not None
            obj = st.link.ws.transport.get_extra_info("ssl_object")
            assert obj.version() == "TLSv1.2" and obj.cipher()[0] in tls.OCPP_TLS12_CIPHERS.split(":")


def astuple(pair: pki_mod.CertPair) -> tuple[Path, Path]:
    return pair.cert, pair.key


def _refused_log(caplog: pytest.LogCaptureFixture, *needles: str) -> None:
    text = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert any(n.lower() in text.lower() for n in needles), text


async def refused(csms: Csms, station: Station) -> None:
    with pytest.raises(ConnectionRefused):
        await station.connect(open_timeout=5)
        try:  # with TLS 1.3 the client learns of a refused certificate only when it reads
            await station.boot()
        finally:
            await station.close()
    assert SID not in csms.stations or not csms.stations


async def test_wrong_password_is_refused(pki: pki_mod.TestPki, caplog: pytest.LogCaptureFixture) -> None:
    for profile in (1, 2):
        async with Csms(security_profile=profile, pki=pki, passwords={SID: "right-password-123"}) as csms:
            with pytest.raises(ConnectionRefused, match="401"):
                await Station(csms.url, SID, security_profile=profile, pki=pki, password="wrong").connect()
            assert list(csms.refusals) == [(SID, "wrong password")]
    _refused_log(caplog, "refused station CS001", "wrong password")


async def test_sp3_without_client_certificate(pki: pki_mod.TestPki, caplog: pytest.LogCaptureFixture) -> None:
    ctx = tls.client_context(2, pki.ca.cert)  # verifies the server, presents no certificate
    async with Csms(security_profile=3, pki=pki) as csms:
        await refused(csms, Station(csms.url, SID, security_profile=3, pki=pki, ssl_context=ctx))
    _refused_log(caplog, "TLS handshake refused", "certificate")


@pytest.mark.parametrize(("name", "reason"), [("FOREIGN", "local issuer"), ("EXPIRED", "expired")])
async def test_sp3_bad_client_certificates(pki: pki_mod.TestPki, caplog: pytest.LogCaptureFixture,
                                           name: str, reason: str) -> None:
    cert = pki.station(name)
    async with Csms(security_profile=3, pki=pki, check_certificate_cn=False) as csms:
        await refused(csms, Station(csms.url, SID, security_profile=3, pki=pki, cert=cert))
    _refused_log(caplog, "TLS handshake refused")
    _refused_log(caplog, reason)


async def test_sp3_certificate_of_another_station(pki: pki_mod.TestPki, caplog: pytest.LogCaptureFixture) -> None:
    async with Csms(security_profile=3, pki=pki) as csms:
        with pytest.raises(ConnectionRefused, match="403"):
            await Station(csms.url, SID, security_profile=3, pki=pki, cert=pki.station("CS002")).connect()
    _refused_log(caplog, "does not match station id")


async def test_tls_1_1_is_refused(pki: pki_mod.TestPki, caplog: pytest.LogCaptureFixture) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca.cert)
    ctx.load_cert_chain(*astuple(pki.station(SID)))
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    async with Csms(security_profile=3, pki=pki) as csms:
        await refused(csms, Station(csms.url, SID, security_profile=3, pki=pki, ssl_context=ctx))
    _refused_log(caplog, "TLS handshake refused", "protocol")


async def test_forbidden_tls12_cipher_is_refused(pki: pki_mod.TestPki, caplog: pytest.LogCaptureFixture) -> None:
    ctx = tls.client_context(3, pki.ca.cert, *astuple(pki.station(SID)))
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA")  # CBC-SHA1: not an OCPP suite
    async with Csms(security_profile=3, pki=pki) as csms:
        await refused(csms, Station(csms.url, SID, security_profile=3, pki=pki, ssl_context=ctx))
    _refused_log(caplog, "TLS handshake refused", "no shared cipher")


async def test_station_refuses_csms_with_unknown_certificate(pki: pki_mod.TestPki, tmp_path: Path) -> None:
    other = pki_mod.generate(tmp_path / "other", (SID,))
    async with Csms(security_profile=2, pki=other, passwords={SID: "p" * 16}) as csms:
        with pytest.raises(ConnectionRefused, match="certificate verify failed"):
            await Station(csms.url, SID, security_profile=2, pki=pki, password="p" * 16).connect()
