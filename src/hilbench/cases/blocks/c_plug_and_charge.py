"""C — Plug & Charge end to end (OCPP 2.1 C07 with ISO 15118-20): the bench EV presents a contract
from the campaign's -20 test PKI (rig ``[dut] v2g_pki_dir``, or a fresh one the virtual charger is
started trusting); the DUT must authorize it over OCPP with ``Authorize`` carrying the contract's
eMAID and its certificates' hash data, charge when the CSMS accepts, and, when the CSMS refuses
the contract, refuse the EV with a -20 WARNING code and let no energy flow, as the analyzer
measures.

The hash data the DUT must send is computed by the bench on its own, as OCSP CertIDs by the
``cryptography`` library's OCSP request builder (a digest of the issuer's name and of its public
key, the serial number; with the algorithm the DUT names), for the contract certificate and each
sub-CA, the last one's issuer being the MO root. ⚠ A DUT that sends the 2.1 ``certificate`` (the
chain for the CSMS to check) instead of hash data fails this check; not yet accepted as the
alternative it is. ⚠ The C07 requirement numbers are cited from the use-case table (their texts were not
at hand); the -20 code for each refusal is hilbench's reading (a certificate the CSMS calls
revoked: WARNING_CertificateRevoked; an eMAID it does not know: WARNING_eMSPUnknown), and the
general WARNING_GeneralPnCAuthorizationError is accepted as well. The bench EV ends its session on
any WARNING, so on a DC charger (cable check and precharge before any energy) the code is what
judges the DUT; the outlet power watch matters for an AC one."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from hilbench.cases import power
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.v2x import flowing, last_v2g
from hilbench.runner.context import CaseContext
from hilbench.v2g import pnc

ROLES = ["csms", "ev", "ev_emulator", "power_analyzer"]
#: While the contract is refused the outlet must stay below this, W, for this long, s.
IDLE_W, IDLE_WATCH_S = 150.0, 3.0
GENERAL_REFUSAL = "WARNING_GeneralPnCAuthorizationError"


def contract(ctx: CaseContext) -> pnc.Contract:
    v2g = ctx.campaign.v2g_pki
    if v2g is None:
        raise CaseSkipped("the rig names no ISO 15118-20 PKI whose MO root the DUT trusts ([dut] v2g_pki_dir)")
    return pnc.Contract.from_chain(v2g.contract)


#: HashAlgorithmEnumType -> the digest the CertID is computed with.
DIGESTS: dict[str, hashes.HashAlgorithm] = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(),
                                            "SHA512": hashes.SHA512()}


def expected_authorize(ctx: CaseContext, c: pnc.Contract, algorithm: str = "SHA256") -> tuple[str, list[tuple[str, ...]]]:
    """(eMAID, the OCSP CertID of each certificate of the contract chain, leaf first, with
    ``algorithm``) in the form :func:`_comparable` gives."""
    assert ctx.campaign.v2g_pki is not None
    certs = [x509.load_der_x509_certificate(d) for d in (c.leaf_der, *c.sub_ca_ders)]
    root = x509.load_pem_x509_certificate(ctx.campaign.v2g_pki.contract.root.read_bytes())
    issuers = [*certs[1:], root]
    out = []
    for cert, issuer in zip(certs, issuers):
        cert_id = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, DIGESTS[algorithm]).build()
        out.append(_comparable({"hashAlgorithm": algorithm, "issuerNameHash": cert_id.issuer_name_hash.hex(),
                                "issuerKeyHash": cert_id.issuer_key_hash.hex(),
                                "serialNumber": format(cert_id.serial_number, "x")}))
    cn = certs[0].subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cn[0].value), out


def _comparable(entry: dict[str, Any]) -> tuple[str, ...]:
    """Hash data as compared: the algorithm, hex in lower case, the serial number without leading
    zeros."""
    return (str(entry.get("hashAlgorithm", "")), str(entry.get("issuerNameHash", "")).lower(),
            str(entry.get("issuerKeyHash", "")).lower(), str(entry.get("serialNumber", "")).lower().lstrip("0"))


def hash_data_matches(ctx: CaseContext, c: pnc.Contract, sent: list[dict[str, Any]]) -> bool:
    """Every entry the DUT sent is the CertID of a certificate of the chain, with the algorithm it
    names (SHA256, SHA384 or SHA512), and the contract certificate's own is among them (the order
    of the list is not judged)."""
    if not sent:
        return False
    chain = {a: expected_authorize(ctx, c, a)[1] for a in DIGESTS}  # leaf first, per algorithm
    for entry in sent:
        algorithm = str(entry.get("hashAlgorithm", ""))
        if algorithm not in DIGESTS:
            ctx.note(f"hash data with hashAlgorithm {algorithm!r}")
            return False
        if _comparable(entry) not in chain[algorithm]:
            ctx.note(f"hash data {entry} is no certificate of the contract chain")
            return False
    return any(_comparable(e) == chain[str(e["hashAlgorithm"])][0] for e in sent)


async def pnc_session(ctx: CaseContext, c: pnc.Contract, refusal: dict[str, Any] | None) -> dict[str, Any] | None:
    """EV plugged in, the bench EV in a session with contract ``c``; the CSMS answers the DUT's
    Authorize with ``refusal`` (None: Accepted). Returns the Authorize the DUT sent (None: none)."""
    if refusal is not None:
        ctx.csms.answer("Authorize", lambda _a, _p: refusal)
    await ctx.io(ctx.ev.plug_in)
    await ctx.ev.start("auto", "dynamic", contract=c)
    return await ctx.csms.expect("Authorize", 20, lambda p: p["idToken"].get("type") == "eMAID", required=False)


def ev_response_code(ctx: CaseContext) -> str:
    res = last_v2g(ctx, "rx").get("AuthorizationRes")
    return str(res.get("ResponseCode")) if res else "no AuthorizationRes"


async def _wait_for_response(ctx: CaseContext, seconds: float = 10.0) -> None:
    """Until the bench EV has an AuthorizationRes that is not Ongoing (the DUT asked the CSMS)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        res = last_v2g(ctx, "rx").get("AuthorizationRes")
        if res and res.get("EVSEProcessing") != "Ongoing":
            return
        await asyncio.sleep(0.1)


@case("HB_C_07_CS", "Plug & Charge: the contract is authorized over OCPP with its hash data, and energy flows",
      use_cases=["C07", "ISO15118-20 PnC"], requirements=["C07.FR.01", "C07.FR.02", "C07.FR.04"], roles=ROLES,
      tags=["pnc"],
      measurements=[Measurement("emaid", description="Authorize's idToken: the contract certificate's eMAID"),
                    Measurement("hash_data_matches", equals=True,
                                description="iso15118CertificateHashData: the OCSP CertIDs of the contract chain"),
                    Measurement("ev_response_code", equals="OK", description="the bench EV's AuthorizationRes"),
                    Measurement("charge_power", unit="W", low=1_000.0,
                                description="outlet power once authorized (the EV asks to charge)")],
      kills=["pnc-hash-data-wrong"], timeout_s=60)
async def plug_and_charge(ctx: CaseContext) -> None:
    c = contract(ctx)
    emaid, hashes_expected = expected_authorize(ctx, c)
    ctx.measure.limits("emaid", equals=emaid)
    authorize = await pnc_session(ctx, c, None)
    ctx.check(authorize is not None, "no Authorize with an eMAID idToken within 20 s of the EV's PnC request")
    assert authorize is not None
    ctx.measure["emaid"] = authorize["idToken"]["idToken"]
    sent = authorize.get("iso15118CertificateHashData", [])
    ctx.note(f"hash data sent {sent}; expected (SHA256) {hashes_expected}")
    ctx.measure["hash_data_matches"] = hash_data_matches(ctx, c, sent)
    started = await ctx.csms.expect_event("Started", timeout=15)
    await _wait_for_response(ctx)
    ctx.measure["ev_response_code"] = ev_response_code(ctx)
    await flowing(ctx)
    ctx.measure["charge_power"] = round((await power.outlet_power(ctx))[0], 1)
    await ctx.ev.stop()
    await ctx.csms.call("RequestStopTransaction", {"transactionId": started["transactionInfo"]["transactionId"]})


async def refused(ctx: CaseContext, answer: dict[str, Any], codes: tuple[str, ...]) -> None:
    """The CSMS refuses the contract with ``answer``: the EV must get one of ``codes`` and the
    outlet must stay idle."""
    ctx.measure.limits("ev_response_code", one_of=codes)
    authorize = await pnc_session(ctx, contract(ctx), answer)
    ctx.check(authorize is not None, "no Authorize with an eMAID idToken within 20 s of the EV's PnC request")
    await _wait_for_response(ctx)
    ctx.measure["ev_response_code"] = ev_response_code(ctx)
    series = ctx.series("outlet power", "W")
    peak, end = 0.0, time.monotonic() + IDLE_WATCH_S
    while time.monotonic() < end:
        p, t_ns = await power.outlet_power(ctx)
        series.add(p, t_ns)
        peak = max(peak, abs(p))
        await asyncio.sleep(0.05)
    ctx.measure["peak_power"] = round(peak, 1)
    await ctx.ev.stop()


REFUSED_MEASUREMENTS = [Measurement("ev_response_code", description="the bench EV's AuthorizationRes"),
                        Measurement("peak_power", unit="W", low=0.0, high=IDLE_W,
                                    description=f"the largest outlet power over {IDLE_WATCH_S:g} s after the refusal")]


@case("HB_C_07_REV_CS", "Plug & Charge: a contract the CSMS calls revoked is refused to the EV; no energy flows",
      use_cases=["C07", "ISO15118-20 PnC"], requirements=["C07.FR.05", "C07.FR.06"], roles=ROLES, tags=["pnc"],
      measurements=REFUSED_MEASUREMENTS, kills=["pnc-charges-despite-refusal"], timeout_s=60)
async def revoked_contract(ctx: CaseContext) -> None:
    await refused(ctx, {"idTokenInfo": {"status": "Blocked"}, "certificateStatus": "CertificateRevoked"},
                  ("WARNING_CertificateRevoked", GENERAL_REFUSAL))


@case("HB_C_07_UNK_CS", "Plug & Charge: an eMAID the CSMS does not know is refused to the EV; no energy flows",
      use_cases=["C07", "ISO15118-20 PnC"], requirements=["C07.FR.05", "C07.FR.07"], roles=ROLES, tags=["pnc"],
      measurements=REFUSED_MEASUREMENTS, kills=["pnc-charges-despite-refusal"], timeout_s=60)
async def unknown_emaid(ctx: CaseContext) -> None:
    await refused(ctx, {"idTokenInfo": {"status": "Unknown"}}, ("WARNING_eMSPUnknown", GENERAL_REFUSAL))
