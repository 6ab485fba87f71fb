"""The ISO 15118-20 codec against the vectors recorded on the wire between two Josev instances
(EXIficient): every one decodes to exactly Josev's view of the message — same root element, same
element names, same values — and encodes back to the same bytes. Bad input is a typed error that
says what and where; never a crash."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from hilbench.errors import ExiDecodeError, V2gMessageError, V2gtpFrameError
from hilbench.v2g import codec

VECTORS = [json.loads(line) for line in (Path(__file__).parent / "data" / "v2g" / "exi-vectors.jsonl").read_text().splitlines()]


def test_the_vectors_cover_every_session_kind() -> None:
    assert len(VECTORS) == 96
    assert {v["session"] for v in VECTORS} == {"dc", "ac", "dc_bpt", "ac_bpt"}
    assert len({v["message"] for v in VECTORS}) == 34


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{k}-{v['session']}-{v['message']}" for k, v in enumerate(VECTORS)])
def test_vector_decodes_to_the_recorded_message_and_back(vector: dict[str, Any]) -> None:
    exi = bytes.fromhex(vector["exi_hex"])
    message = codec.decode(exi, vector["namespace"])
    assert list(message) == [vector["message"]]
    assert message == vector["josev_json"]  # the independent implementation's view, value for value
    assert codec.encode(message, vector["namespace"]) == exi
    framed = codec.frame(codec.PAYLOAD_TYPE[vector["namespace"]], exi)
    assert codec.split(framed) == (codec.PAYLOAD_TYPE[vector["namespace"]], exi)


LOOP = next(v for v in VECTORS if v["message"] == "DC_ChargeLoopReq" and v["session"] == "dc_bpt")
LOOP_EXI = bytes.fromhex(LOOP["exi_hex"])


def test_truncated_exi_names_the_element_and_the_end() -> None:
    with pytest.raises(ExiDecodeError, match=rf"unexpected end .* while decoding DC_ChargeLoopReq, between bits "
                                             rf"{(len(LOOP_EXI) - 3) * 8} and {(len(LOOP_EXI) - 3) * 8} of {(len(LOOP_EXI) - 3) * 8}"):
        codec.decode(LOOP_EXI[:-3], codec.DC)


def test_every_prefix_and_bit_flip_is_an_error_or_a_message() -> None:
    for cut in range(len(LOOP_EXI)):
        try:
            codec.decode(LOOP_EXI[:cut], codec.DC)
        except ExiDecodeError as e:
            assert "between bits" in str(e)
    for bit in range(len(LOOP_EXI) * 8):
        flipped = bytearray(LOOP_EXI)
        flipped[bit // 8] ^= 0x80 >> (bit % 8)
        try:
            message = codec.decode(bytes(flipped), codec.DC)
        except ExiDecodeError:
            continue
        assert codec.encode(message, codec.DC)  # whatever decodes also encodes


def test_trailing_data_and_the_wrong_namespace() -> None:
    with pytest.raises(ExiDecodeError, match=r"while decoding DC_ChargeLoopReq, between bits (\d+) and \1"):
        codec.decode(LOOP_EXI + b"\x00\x55", codec.DC)
    with pytest.raises(ExiDecodeError, match=r"EXI \(urn:iso:std:iso:15118:-20:AC\)"):
        codec.decode(LOOP_EXI, codec.AC)
    with pytest.raises(V2gMessageError, match=r'unknown namespace "urn:iso:15118:2:2013:MsgDef" \(known: urn:iso:15118:2:2010:AppProtocol, '):
        codec.decode(LOOP_EXI, "urn:iso:15118:2:2013:MsgDef")


def edited(path: list[str], value: Any = ..., *, delete: bool = False) -> dict[str, Any]:
    message = copy.deepcopy(LOOP["josev_json"])
    node = message
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return message


@pytest.mark.parametrize(("message", "error"), [
    (edited(["DC_ChargeLoopReq", "EVPresentVoltage"], delete=True), r"/DC_ChargeLoopReq/EVPresentVoltage: missing"),
    (edited(["DC_ChargeLoopReq", "EVPresntVoltage"], {"Exponent": 0, "Value": 1}), r"/DC_ChargeLoopReq/EVPresntVoltage: not an element of this type"),
    (edited(["DC_ChargeLoopReq", "Header", "SessionID"], "XYZ"), r"/DC_ChargeLoopReq/Header/SessionID: \"XYZ\" is not an even number of hex digits"),
    (edited(["DC_ChargeLoopReq", "EVPresentVoltage", "Value"], 70000), r"/DC_ChargeLoopReq/EVPresentVoltage/Value: 70000 is not a i16"),
    (edited(["DC_ChargeLoopReq", "MeterInfoRequested"], "no"), r"/DC_ChargeLoopReq/MeterInfoRequested: \"no\" is not a bool"),
    (edited(["DC_ChargeLoopReq", "BPT_Scheduled_DC_CLReqControlMode"], delete=True), r"/DC_ChargeLoopReq: missing one of BPT_Dynamic_DC_CLReqControlMode"),
    (edited(["DC_ChargeLoopReq", "Scheduled_DC_CLReqControlMode"], {"EVTargetCurrent": {"Exponent": 0, "Value": 1},
                                                                    "EVTargetVoltage": {"Exponent": 0, "Value": 1}}), r"/DC_ChargeLoopReq: more than one of"),
    ({"DC_ChargeLoopReq": {}, "DC_PreChargeReq": {}}, r"a message is a dict with one key, its root element"),
    ({"DC_ChargeLoopRequest": {}}, r"\"DC_ChargeLoopRequest\" is not one of"),
])
def test_messages_that_do_not_fit_the_schema(message: dict[str, Any], error: str) -> None:
    with pytest.raises(V2gMessageError, match=error):
        codec.encode(message, codec.DC)


def test_attributes_with_rust_keyword_names_survive_the_round_trip() -> None:
    """``Reference/@Type`` is ``r#type`` in the crate: the name table once missed it, and the view
    dropped the attribute without a word."""
    reference = {"Type": "urn:hilbench:test", "URI": "#id1", "DigestMethod": {"Algorithm": "http://www.w3.org/2001/04/xmlenc#sha512"},
                 "DigestValue": "ABCD"}
    signature = {"SignedInfo": {"CanonicalizationMethod": {"Algorithm": "http://www.w3.org/TR/canonical-exi/"},
                                "SignatureMethod": {"Algorithm": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"},
                                "Reference": [reference]},
                 "SignatureValue": {"value": "0102"}}
    message = {"AuthorizationReq": {"Header": {"SessionID": "0000000000000001", "TimeStamp": 5, "Signature": signature},
                                    "SelectedAuthorizationService": "EIM", "EIM_AReqAuthorizationMode": {}}}
    assert codec.decode(codec.encode(message, codec.COMMON), codec.COMMON) == message


def test_binary_values_take_the_lexical_form_of_their_xsd_type() -> None:
    """xs:hexBinary (SessionID) as hex, xs:base64Binary (GenChallenge, certificates, digests,
    signatures) as base64 — as EXIficient's JSON writes them; each refused in the other's form
    where the two cannot be told apart."""
    challenge = bytes(range(16))
    message = {"AuthorizationSetupRes": {"Header": {"SessionID": "00112233445566AA", "TimeStamp": 5}, "ResponseCode": "OK",
                                         "AuthorizationServices": ["EIM", "PnC"], "CertificateInstallationService": False,
                                         "PnC_ASResAuthorizationMode": {"GenChallenge": base64.b64encode(challenge).decode()}}}
    exi = codec.encode(message, codec.COMMON)
    assert codec.decode(exi, codec.COMMON) == message
    wrong = copy.deepcopy(message)
    wrong["AuthorizationSetupRes"]["PnC_ASResAuthorizationMode"]["GenChallenge"] = "zz!"
    with pytest.raises(V2gMessageError, match=r"GenChallenge: \"zz!\" is not base64 \(xs:base64Binary\)"):
        codec.encode(wrong, codec.COMMON)


def test_a_value_beyond_the_schema_facets_is_refused_by_the_encoder() -> None:
    message = edited(["DC_ChargeLoopReq", "Header", "SessionID"], "00" * 9)  # SessionID is 8 bytes
    with pytest.raises(V2gMessageError, match=r"cannot encode DC_ChargeLoopReq"):
        codec.encode(message, codec.DC)


@pytest.mark.parametrize(("data", "error"), [
    (b"\x01\xfe\x80", r"3 bytes is shorter than the 8-byte header"),
    (b"\x02\xfd\x80\x04\x00\x00\x00\x00", r"protocol version 0x02/0xfd is not 0x01/0xFE"),
    (b"\x01\xfe\x70\x00\x00\x00\x00\x00", r"payload type 0x7000 is not one of ISO 15118-20's"),
    (b"\x01\xfe\x80\x04\x00\x00\x00\x05abc", r"the header announces 5 payload bytes, 3 follow"),
])
def test_malformed_v2gtp_frames(data: bytes, error: str) -> None:
    with pytest.raises(V2gtpFrameError, match=error):
        codec.split(data)


def test_the_minus_20_payload_types_beyond_the_main_ones_are_framed() -> None:
    for payload_type in (0x8101, 0x8102, 0x8103, 0x8104, 0x9000, 0x9003):
        assert codec.split(codec.frame(payload_type, b"\x01\x02")) == (payload_type, b"\x01\x02")
