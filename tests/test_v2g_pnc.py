"""ISO 15118-20 Plug & Charge: the bench EV signs its PnC_AReqAuthorizationMode with its contract
key, the bench SECC checks the challenge, the signature and the contract chain; the signature is
checked again here with the `cryptography` library (not the Rust core's OpenSSL), and each way a
PnC authorization can be wrong shows the SECC's answer."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

from hilbench import _core
from hilbench.errors import V2gPncError
from hilbench.v2g import pki as v2g_pki
from hilbench.v2g import pnc, tls
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.events import MessageSent, SessionEnded
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.evse_model import EvseModel
from hilbench.v2g.secc import Secc
from hilbench.v2g.transport import SeccServer, run_evcc
from tests.v2g_loopback import run


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> v2g_pki.V2gPki:
    return v2g_pki.generate(tmp_path_factory.mktemp("v2gpki"))


@pytest.fixture(scope="module")
def contract(pki: v2g_pki.V2gPki) -> pnc.Contract:
    return pnc.Contract.from_chain(pki.contract)


def station(pki: v2g_pki.V2gPki, **kw: Any) -> Secc:
    return Secc(evse=EvseModel(pnc_trust_pem=pki.contract.root.read_bytes(), **kw))


def sent(engine: Evcc | Secc, name: str) -> dict[str, Any]:
    return next(e.message[name] for e in list(engine.events) if isinstance(e, MessageSent) and e.name == name)


@pytest.mark.parametrize(("service", "control"), [("DC_BPT", "dynamic"), ("AC_BPT", "scheduled"), ("DC", "scheduled")])
def test_a_pnc_session(pki: v2g_pki.V2gPki, contract: pnc.Contract, service: str, control: str) -> None:
    evcc, secc = Evcc(service, control, ev=BatteryEv(loop_cycles=4), contract=contract), station(pki)
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK")
    assert evcc.authorized_by == "PnC" and secc.authorization == {"service": "PnC", "code": "OK", "reason": ""}
    setup = sent(secc, "AuthorizationSetupRes")
    assert setup["AuthorizationServices"] == ["EIM", "PnC"]
    request = sent(evcc, "AuthorizationReq")
    assert request["PnC_AReqAuthorizationMode"]["GenChallenge"] == setup["PnC_ASResAuthorizationMode"]["GenChallenge"]
    assert "Signature" in request["Header"]


def test_without_a_contract_the_ev_uses_eim_and_without_trust_the_station_offers_only_eim(
        pki: v2g_pki.V2gPki, contract: pnc.Contract) -> None:
    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=2)), station(pki)
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and evcc.authorized_by == "EIM" and secc.authorization is None
    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=2), contract=contract), Secc()
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and evcc.authorized_by == "EIM"


def test_the_signature_checks_out_with_an_independent_ecdsa(pki: v2g_pki.V2gPki, contract: pnc.Contract) -> None:
    """The digest and the ECDSA value recomputed with `cryptography`: SHA-512 over the mode's EXI
    fragment is the Reference's DigestValue, and the raw r ‖ s value verifies over the SignedInfo
    fragment with the contract certificate's P-521 key."""
    challenge = pnc.new_challenge()
    mode, signature = pnc.sign(contract, challenge)
    info = signature["SignedInfo"]
    assert info["SignatureMethod"]["Algorithm"] == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
    assert [r["URI"] for r in info["Reference"]] == ["#" + mode["Id"]]
    fragment = _core.v2g_pnc_fragment(mode)
    assert hashlib.sha512(fragment).digest() == base64.b64decode(info["Reference"][0]["DigestValue"])
    value = base64.b64decode(signature["SignatureValue"]["value"])
    assert len(value) == 132  # r ‖ s, 66 bytes each on P-521
    der = encode_dss_signature(int.from_bytes(value[:66], "big"), int.from_bytes(value[66:], "big"))
    leaf = x509.load_der_x509_certificate(contract.leaf_der)
    key = leaf.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp521r1"
    key.verify(der, _core.v2g_pnc_signed_info(signature), ec.ECDSA(hashes.SHA512()))
    # ...and the mode and signature go through the message codec unchanged.
    message = {"AuthorizationReq": {"Header": {"SessionID": "00" * 8, "TimeStamp": 1, "Signature": signature},
                                    "SelectedAuthorizationService": "PnC", "PnC_AReqAuthorizationMode": mode}}
    assert _core.v2g_decode(_core.v2g_encode(message, pnc_ns()), pnc_ns()) == message


def pnc_ns() -> str:
    return "urn:iso:std:iso:15118:-20:CommonMessages"


def altered(change):  # type: ignore[no-untyped-def]
    """A hook that alters the EV's AuthorizationReq (header and body) after it was signed."""
    def hook(direction, name, message):  # type: ignore[no-untyped-def]
        if direction == "out" and name == "AuthorizationReq":
            message = copy.deepcopy(message)
            change(message[name])
        return message
    return hook


def flip_signature(req: dict[str, Any]) -> None:
    value = bytearray(base64.b64decode(req["Header"]["Signature"]["SignatureValue"]["value"]))
    value[-1] ^= 1
    req["Header"]["Signature"]["SignatureValue"]["value"] = pnc.b64(bytes(value))


def other_challenge_signed(contract: pnc.Contract):  # type: ignore[no-untyped-def]
    def change(req: dict[str, Any]) -> None:  # a valid signature over a challenge the station did not issue
        req["PnC_AReqAuthorizationMode"], req["Header"]["Signature"] = pnc.sign(contract, pnc.new_challenge())
    return change


def typed_reference(req: dict[str, Any]) -> None:
    req["Header"]["Signature"]["SignedInfo"]["Reference"][0]["Type"] = "urn:forbidden"  # [V2G2-771]


def other_certificate(pki: v2g_pki.V2gPki):  # type: ignore[no-untyped-def]
    def change(req: dict[str, Any]) -> None:  # the SECC's certificate where the contract's should be
        secc_leaf = x509.load_pem_x509_certificates(pki.secc.chain.read_bytes())[0]
        req["PnC_AReqAuthorizationMode"]["ContractCertificateChain"]["Certificate"] = pnc.b64(secc_leaf.public_bytes(Encoding.DER))
    return change


@pytest.mark.parametrize(("fault", "code"), [
    ("signature value flipped", "FAILED_SignatureError"),
    ("no signature", "FAILED_SignatureError"),
    ("forbidden Reference/@Type", "FAILED_SignatureError"),
    ("GenChallenge altered after signing", "FAILED_SignatureError"),
    ("signed over another challenge", "WARNING_ChallengeInvalid"),
    ("a certificate that is not the signer's", "FAILED_SignatureError"),
])
def test_a_wrong_pnc_authorization_gets_the_response_code(pki: v2g_pki.V2gPki, contract: pnc.Contract, fault: str,
                                                          code: str) -> None:
    change = {
        "signature value flipped": flip_signature,
        "no signature": lambda req: req["Header"].pop("Signature"),
        "forbidden Reference/@Type": typed_reference,
        "GenChallenge altered after signing": lambda req: req["PnC_AReqAuthorizationMode"].update(GenChallenge=pnc.b64(bytes(16))),
        "signed over another challenge": other_challenge_signed(contract),
        "a certificate that is not the signer's": other_certificate(pki),
    }[fault]
    evcc, secc = Evcc("DC_BPT", "dynamic", contract=contract, hook=altered(change)), station(pki)
    run(evcc, secc)
    assert secc.authorization is not None and secc.authorization["code"] == code, secc.authorization
    assert evcc.ended is not None and not evcc.ended.ok and code in evcc.ended.reason
    assert "ServiceDiscoveryReq" not in [name for d, name, _ in secc.log if d == "in"]  # no energy without authorization


def test_a_contract_from_an_unknown_mo_root_is_refused(pki: v2g_pki.V2gPki, tmp_path: Path) -> None:
    stranger = v2g_pki.issue_chain(tmp_path, "contract", "another MO Root", "someone else's contract", eku=None)
    evcc, secc = Evcc("AC_BPT", "dynamic", contract=pnc.Contract.from_chain(stranger)), station(pki)
    run(evcc, secc)
    assert secc.authorization is not None and secc.authorization["code"] == "WARNING_CertificateValidationError"
    assert "unable to get local issuer certificate" in secc.authorization["reason"]
    assert evcc.ended == SessionEnded(False, "AuthorizationRes: WARNING_CertificateValidationError")
    assert [n for d, n, _ in evcc.log if d == "out"][-1] == "SessionStopReq"  # the EV stops the session itself


def test_an_expired_contract_and_one_not_yet_valid(pki: v2g_pki.V2gPki, contract: pnc.Contract, tmp_path: Path) -> None:
    expired = v2g_pki.issue_chain(tmp_path, "contract", "hilbench MO Root", "an expired contract", eku=None, expired=True)
    evcc, secc = Evcc("DC", "scheduled", contract=pnc.Contract.from_chain(expired)), Secc(
        evse=EvseModel(pnc_trust_pem=expired.root.read_bytes()))
    run(evcc, secc)
    assert secc.authorization is not None and secc.authorization["code"] == "WARNING_CertificateExpired"
    a_year_ago = int((dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365)).timestamp())
    evcc, secc = Evcc("DC", "scheduled", contract=contract), station(pki, pnc_at_unix=a_year_ago)
    run(evcc, secc)
    assert secc.authorization is not None and secc.authorization["code"] == "WARNING_CertificateNotYetValid"


def test_only_the_suites_the_station_honours(pki: v2g_pki.V2gPki, contract: pnc.Contract) -> None:
    challenge = pnc.new_challenge()
    mode, signature = pnc.sign(contract, challenge)
    trust = pki.contract.root.read_bytes()
    assert pnc.check(mode, signature, challenge, trust) == ("OK", "")
    code, why = pnc.check(mode, signature, challenge, trust, suites=("ecdsa-sha256",))
    assert code == "FAILED_SignatureError" and "ecdsa-sha512" in why
    with pytest.raises(V2gPncError, match="unknown signature suite"):
        pnc.check(mode, signature, challenge, trust, suites=("rsa",))


def test_a_p256_contract_is_refused_unless_the_station_honours_ecdsa_sha256(tmp_path: Path) -> None:
    """secp256r1 with SHA-256 is a suite the signature profile knows but -20's certificates do not
    use: the bench station refuses it by default, and takes it when told to."""
    chain = v2g_pki.issue_chain(tmp_path, "contract", "a P-256 MO Root", "a P-256 contract", eku=None, curve=ec.SECP256R1)
    contract = pnc.Contract.from_chain(chain)
    evcc, secc = Evcc("DC", "scheduled", contract=contract), Secc(evse=EvseModel(pnc_trust_pem=chain.root.read_bytes()))
    run(evcc, secc)
    assert secc.authorization is not None and secc.authorization["code"] == "FAILED_SignatureError"
    evcc, secc = Evcc("DC", "scheduled", ev=BatteryEv(loop_cycles=2), contract=contract), Secc(
        evse=EvseModel(pnc_trust_pem=chain.root.read_bytes(), pnc_suites=("ecdsa-sha512", "ecdsa-sha256")))
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK") and secc.authorization is not None
    assert secc.authorization["code"] == "OK"
    assert "ecdsa-sha256" in sent(evcc, "AuthorizationReq")["Header"]["Signature"]["SignedInfo"]["SignatureMethod"]["Algorithm"]


def test_bad_inputs_are_typed_errors(contract: pnc.Contract) -> None:
    with pytest.raises(V2gPncError, match="16"):
        pnc.sign(contract, b"short")
    with pytest.raises(V2gPncError):
        pnc.sign(pnc.Contract(b"not a key", contract.leaf_der, contract.sub_ca_ders), pnc.new_challenge())


async def test_pnc_over_mutual_tls(pki: v2g_pki.V2gPki, contract: pnc.Contract) -> None:
    async with SeccServer(lambda: station(pki), make_tls=lambda: tls.secc_session(pki)) as server:
        evcc = await run_evcc(Evcc("DC_BPT", "scheduled", ev=BatteryEv(loop_cycles=3), contract=contract), "::1", server.port,
                              tls=tls.evcc_session(pki))
        await server.wait_for_sessions()
    assert evcc.ended == SessionEnded(True, "SessionStop OK")
    assert server.sessions[0].authorization == {"service": "PnC", "code": "OK", "reason": ""}
