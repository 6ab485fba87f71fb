"""A — Security over TLS (tag ``tls``; security profiles 2 and 3, skipped on a rig whose CSMS runs
0 or 1): the DUT refuses a CSMS it must not trust — a certificate from a CA it does not know, an
expired one, only TLS 1.0/1.1 — and says so with a security event once it is back on the bench
CSMS (A00); under profile 3 it renews its own certificate on the CSMS's request and refuses one that
does not chain to the CSMS's CA (A02).

What counts is what the bench sees on the wire: whether the DUT went past the handshake with the
untrusted server (sent its WebSocket upgrade), which certificate it presents on its next connection
— never what the DUT reports of itself."""

from __future__ import annotations

import asyncio
import time

from cryptography import x509
from cryptography.x509.oid import NameOID

from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.ocpp import tls
from hilbench.ocpp.link import OcppLink
from hilbench.ocpp.tls_probe import TlsProbe
from hilbench.pki import CertPair, TestPki, issue_csms, other_ca, sign_csr
from hilbench.runner.context import BenchError, CaseContext

#: How long the untrusted server waits for the DUT's attempts: two attempts suffice, a DUT with a
#: long back-off gets this long for the first, s.
ATTEMPT_WINDOW_S = 60.0
#: The DUT's way back to the bench CSMS, and its security event after that, s.
RETURN_S = 90.0
EVENT_S = 30.0


def _pki(ctx: CaseContext, *, profile_3: bool = False) -> TestPki:
    profile = ctx.campaign.csms.security_profile if ctx.campaign.csms else 0
    if profile < 2 or (profile_3 and profile != 3):
        raise CaseSkipped(f"the rig's CSMS runs security profile {profile}: "
                          f"{'the station certificate (A02) is profile 3' if profile_3 else 'no TLS'}")
    pki = ctx.campaign.pki
    if pki is None:
        raise BenchError("the rig's CSMS runs TLS but the campaign has no PKI")
    return pki


async def _refused(ctx: CaseContext, event_type: str, *, server_cert: CertPair | None = None,
                   tls_max_version: str | None = None) -> None:
    """The untrusted server for the DUT's attempts, then the bench CSMS for its security event."""
    async with ctx.campaign.probe_csms(server_cert=server_cert, tls_max_version=tls_max_version) as probe:
        await _attempts(probe, 2, ATTEMPT_WINDOW_S)
    for h in probe.handshakes:
        ctx.note(f"attempt from {h.peer}: {h.version or 'no handshake'}; "
                 + (f"went on: {h.request_line!r}{' with credentials' if h.sent_credentials else ''}"
                    if h.trusted else f"ended: {h.refused}"))
    if not probe.handshakes:
        ctx.inconclusive(f"the DUT made no connection attempt within {ATTEMPT_WINDOW_S:g} s: nothing to judge")
    ctx.measure["attempts_trusted"] = trusted = sum(h.trusted for h in probe.handshakes)
    await ctx.csms.reconnected(RETURN_S)
    if trusted:  # it refused nothing, so it has nothing to report: no need to wait for the event
        ctx.measure["security_event"] = "none: it went past the handshake"
        return
    event = await ctx.csms.expect("SecurityEventNotification", EVENT_S, lambda p: p["type"] == event_type,
                                  required=False)
    ctx.measure["security_event"] = event["type"] if event else f"none within {EVENT_S:g} s"


async def _attempts(probe: TlsProbe, count: int, window_s: float) -> None:
    deadline = time.monotonic() + window_s
    while len(probe.handshakes) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


_REFUSAL = [Measurement("attempts_trusted", equals=0,
                        description="attempts on which the DUT went past the TLS handshake with the untrusted server")]


@case("HB_A_00_CA_CS", "The DUT refuses a CSMS whose certificate is from a CA it does not trust",
      use_cases=["A00", "A04"], requirements=["A00.FR.308", "A00.FR.310", "A00.FR.311", "A04.FR.01"],
      measurements=[*_REFUSAL, Measurement("security_event", equals="InvalidCsmsCertificate")],
      tags=["tls"], timeout_s=240, kills=["accepts-unknown-csms-ca"])
async def unknown_ca(ctx: CaseContext) -> None:
    """The server at the CSMS's address presents a certificate with the CSMS's names and a new key,
    issued by a CA the DUT was never given."""
    pki = _pki(ctx)
    ca = other_ca(ctx.campaign.out_dir / "untrusted", "hilbench untrusted CA")
    await _refused(ctx, "InvalidCsmsCertificate", server_cert=issue_csms(pki, ctx.campaign.out_dir / "untrusted",
                                                                          "csms-other-ca", ca=ca))


@case("HB_A_00_EXP_CS", "The DUT refuses a CSMS whose certificate has expired",
      use_cases=["A00", "A04"], requirements=["A00.FR.308", "A00.FR.310", "A00.FR.311", "A04.FR.01"],
      measurements=[*_REFUSAL, Measurement("security_event", equals="InvalidCsmsCertificate")],
      tags=["tls"], timeout_s=240, kills=["accepts-expired-csms-cert"])
async def expired_certificate(ctx: CaseContext) -> None:
    """The server presents a certificate from the right CA that ended yesterday (the DUT's clock
    must be right: the bench set it at boot)."""
    pki = _pki(ctx)
    await _refused(ctx, "InvalidCsmsCertificate",
                   server_cert=issue_csms(pki, ctx.campaign.out_dir / "untrusted", "csms-expired", expired=True))


@case("HB_A_00_TLS11_CS", "The DUT refuses a CSMS that offers only TLS 1.1 (or older)",
      use_cases=["A00", "A04"], requirements=["A00.FR.313", "A00.FR.314", "A00.FR.316", "A04.FR.01"],
      measurements=[*_REFUSAL, Measurement("security_event", equals="InvalidTLSVersion")],
      tags=["tls"], timeout_s=240, kills=["accepts-old-tls"])
async def old_tls(ctx: CaseContext) -> None:
    """The server has the CSMS's own certificate but speaks TLS 1.1 at most; its protocol_version
    alert reaches the DUT (the bench does not drop it)."""
    _pki(ctx)
    await _refused(ctx, "InvalidTLSVersion", tls_max_version="1.1")


@case("HB_A_00_TLS_CS", "The DUT negotiates TLS 1.3, or TLS 1.2 with a cipher suite OCPP allows",
      use_cases=["A00"], requirements=["A00.FR.313", "A00.FR.318", "A00.FR.405"],
      measurements=[Measurement("connections_judged", low=1,
                                description="the DUT's handshakes with the server that takes anything"),
                    Measurement("connections_outside_ocpp", equals=0,
                                description="of those, below TLS 1.3 with a TLS 1.2 suite OCPP does not list"),
                    Measurement("client_certificate_cn",
                                description="profile 3: the CN of the certificate it presented, its identity")],
      tags=["tls"], timeout_s=180, kills=["tls12-weak-cipher"])
async def negotiated_tls(ctx: CaseContext) -> None:
    """The server at the CSMS's address accepts every version from 1.2 and every cipher suite, in
    the DUT's order of preference: what it negotiates is the DUT's own choice. TLS 1.3 passes
    (its suites are all AEAD); TLS 1.2 must use one of the suites the OCPP security chapter lists
    (⚠ A00.FR.318's list as recalled: the ECDHE and RSA key-exchange AES-GCM suites). Under profile
    3 the client certificate's CN must be the DUT's identity. Then the DUT must come back to the
    bench CSMS."""
    _pki(ctx)
    profile = ctx.campaign.csms.security_profile if ctx.campaign.csms else 0
    async with ctx.campaign.probe_csms(any_cipher=True) as probe:
        await _attempts(probe, 1, ATTEMPT_WINDOW_S)
    done = [h for h in probe.handshakes if h.version]
    allowed = set(tls.OCPP_TLS12_CIPHERS.split(":"))
    for h in probe.handshakes:
        ctx.note(f"attempt from {h.peer}: {h.version or 'no handshake'} {h.cipher or ''}"
                 f"{f', client certificate CN {h.client_cn}' if h.client_cn else ''}"
                 f"{f'; ended: {h.refused}' if h.refused else ''}")
    if not probe.handshakes:
        ctx.inconclusive(f"the DUT made no connection attempt within {ATTEMPT_WINDOW_S:g} s: nothing to judge")
    ctx.measure["connections_judged"] = len(done)  # none: it refused a server with the CSMS's own certificate
    if not done:
        return
    ctx.measure["connections_outside_ocpp"] = sum(
        h.version != "TLSv1.3" and (h.version != "TLSv1.2" or h.cipher not in allowed) for h in done)
    if profile == 3:
        ctx.measure.limits("client_certificate_cn", equals=ctx.campaign.station_id)
        ctx.measure["client_certificate_cn"] = ",".join(sorted({h.client_cn or "(none)" for h in done}))
    else:
        ctx.measure["client_certificate_cn"] = "none: profile 2 has no client certificate"
    await ctx.csms.reconnected(RETURN_S)


# ---- A02: the station certificate renewed on the CSMS's request ---------------------------------------

async def _csr(ctx: CaseContext) -> tuple[x509.CertificateSigningRequest, bytes]:
    res = await ctx.csms.call("TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"})
    ctx.check(res["status"] == "Accepted", f"TriggerMessage SignChargingStationCertificate answered {res['status']}")
    req = await ctx.csms.expect("SignCertificate", 30)
    pem = req["csr"].encode()
    try:
        csr = x509.load_pem_x509_csr(pem)
    except ValueError as e:
        ctx.fail(f"SignCertificate.csr is not a PEM PKCS#10 request: {e}")
    ctx.check(csr.is_signature_valid, "the CSR's signature does not verify (it was not made with its key)")
    return csr, pem


def _common_name(name: x509.Name) -> str:
    return ",".join(str(a.value) for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)) or "(none)"


@case("HB_A_02_CS", "The DUT renews its certificate on request and connects with the new one",
      use_cases=["A02", "A00"], requirements=["A02.FR.02", "A02.FR.06", "A00.FR.405"],
      measurements=[Measurement("csr_common_name", description="the CN it asks for: its identity"),
                    Measurement("certificate_signed_status", equals="Accepted"),
                    Measurement("presents_new_certificate", equals=True,
                                description="its next TLS connection presents the certificate the bench issued")],
      tags=["tls"], timeout_s=180, kills=["csr-wrong-common-name"])
async def renew_certificate(ctx: CaseContext) -> None:
    """TriggerMessage(SignChargingStationCertificate); the CSR must name the DUT's identity (the
    CSMS checks the CN against it on every profile 3 connection). The bench's CA signs it,
    CertificateSigned delivers it; the connection after that must present it."""
    pki = _pki(ctx, profile_3=True)
    ctx.measure.limits("csr_common_name", equals=ctx.campaign.station_id)
    csr, pem = await _csr(ctx)
    ctx.measure["csr_common_name"] = cn = _common_name(csr.subject)
    if cn != ctx.campaign.station_id:  # signing it would lock the DUT out of the bench CSMS
        ctx.measure["certificate_signed_status"] = "not sent: the CSR names another identity"
        return
    chain = sign_csr(pki, pem)
    issued = x509.load_pem_x509_certificate(chain)
    res = await ctx.csms.call("CertificateSigned", {"certificateChain": chain.decode(),
                                                    "certificateType": "ChargingStationCertificate"})
    ctx.measure["certificate_signed_status"] = res["status"]
    if res["status"] != "Accepted":
        return
    link = await _reconnect(ctx)
    if link is None:
        ctx.measure["presents_new_certificate"] = False
        return
    ssl_object = link.ws.transport.get_extra_info("ssl_object")
    presented = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    ctx.measure["presents_new_certificate"] = presented is not None and \
        x509.load_der_x509_certificate(presented).serial_number == issued.serial_number


@case("HB_A_02_BAD_CS", "The DUT refuses a certificate that does not chain to the CSMS's CA",
      use_cases=["A02"], requirements=["A02.FR.06", "A02.FR.07"],
      measurements=[Measurement("certificate_signed_status", equals="Rejected"),
                    Measurement("connects_with_old_certificate", equals=True)],
      tags=["tls"], timeout_s=180, kills=["certificate-signed-unchecked"])
async def refuse_bad_certificate(ctx: CaseContext) -> None:
    """The bench answers a good CSR with a certificate for the CSR's own key and subject — issued
    by a CA the DUT does not trust. The DUT must reject it and keep connecting with its old one."""
    pki = _pki(ctx, profile_3=True)
    _, pem = await _csr(ctx)
    stranger = other_ca(ctx.campaign.out_dir / "untrusted", "hilbench untrusted CA")
    chain = sign_csr(pki, pem, ca=stranger)
    res = await ctx.csms.call("CertificateSigned", {"certificateChain": chain.decode(),
                                                    "certificateType": "ChargingStationCertificate"})
    ctx.measure["certificate_signed_status"] = res["status"]
    event = await ctx.csms.expect("SecurityEventNotification", 10,
                                  lambda p: p["type"] == "InvalidChargingStationCertificate", required=False)
    ctx.note(f"security event: {event['type'] if event else 'none within 10 s'} (recorded, not judged)")
    if res["status"] != "Rejected":  # it would present the stranger's certificate: the bench cannot take it back
        return
    ctx.measure["connects_with_old_certificate"] = await _reconnect(ctx) is not None


async def _reconnect(ctx: CaseContext) -> OcppLink | None:
    """The bench CSMS drops the connection for a second; the DUT's next one (None when it does not
    come back: the same CSMS took its certificate before, so that is the DUT's doing)."""
    await ctx.campaign.cut_connection(1.0)
    try:
        return await ctx.csms.reconnected(RETURN_S)
    except BenchError as e:
        csms = ctx.campaign.csms
        refused = [why for sid, why in (csms.refusals if csms else ()) if sid == ctx.campaign.station_id]
        ctx.note(f"{e}; the bench CSMS refused it: {refused[-3:] or 'no HTTP-level refusal (TLS)'}")
        return None

