"""Bad OCMF input: every case gets a verdict with a reason naming the field and the check, never
an exception."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from hilbench import ocmf
from tests.ocmf_records import Signer, payload, reading

P256 = Signer("secp256r1")
K256 = Signer("secp256k1")
KEY = P256.public_key_hex
P521_KEY = (
    ec.generate_private_key(ec.SECP521R1())
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    .hex()
)


def signed(p: dict | str) -> str:
    return P256.record(p)


def with_sig(sig: dict) -> str:
    text = json.dumps(payload(), separators=(",", ":"))
    return f"OCMF|{text}|{json.dumps(sig)}"


GOOD = signed(payload())
GOOD_TEXT = json.dumps(payload(), separators=(",", ":"))
GOOD_SD = P256.sign(GOOD_TEXT.encode()).hex().upper()


def rd(*readings: dict) -> str:
    return signed(payload(readings=list(readings)))


B = reading("2026-11-25T10:00:00,000+0100 S", "B", 1.0)
E = reading("2026-11-25T10:30:00,000+0100 S", "E", 2.0)

# (name, record, key, expected reason — the whole text or its start)
CASES: list[tuple[str, str | bytes, str | None, str]] = [
    ("empty", "", KEY, 'record: does not start with "OCMF|"'),
    ("only white space", " \t\n ", KEY, 'record: does not start with "OCMF|"'),  # found by the fuzzer
    ("wrong header", "OCMX|" + GOOD[5:], KEY, 'record: does not start with "OCMF|" (starts with "OCMX|'),
    ("wrong separator", GOOD.replace("|", ";"), KEY, 'record: does not start with "OCMF|" (starts with "OCMF;'),
    ("truncated payload", GOOD[:60], KEY, "payload: invalid JSON: EOF while parsing"),
    ("truncated after payload", f"OCMF|{GOOD_TEXT}", KEY, "signature section: missing: the record ends after the payload (truncated?)"),
    ("truncated signature", GOOD[:-10], KEY, "signature section: invalid JSON: EOF while parsing"),
    ("separator between sections", f'OCMF|{GOOD_TEXT}#{{"SD":"{GOOD_SD}"}}', KEY, "signature section: expected '|' after the payload at byte"),
    ("bad JSON payload", signed('{"FV":"1.4",}'), KEY, "payload: invalid JSON: "),
    ("payload not an object", signed('["FV","1.4"]'), KEY, "payload: must be a JSON object, found an array"),
    ("text after signature", GOOD + "garbage", KEY, "record: unexpected text after the signature section at byte"),
    ("not UTF-8", GOOD.encode().replace(b"VERIFIED", b"VERIFI\xc3\x28"), KEY, "record: not UTF-8 text: invalid byte at"),
    ("unknown algorithm", with_sig({"SA": "ECDSA-secp521r1-SHA512", "SD": GOOD_SD}), KEY, 'SA: "ECDSA-secp521r1-SHA512" is not an OCMF signature algorithm'),
    ("SHA-384 variant", with_sig({"SA": "ECDSA-secp384r1-SHA384", "SD": GOOD_SD}), KEY, 'SA: "ECDSA-secp384r1-SHA384" is not an OCMF signature algorithm'),
    ("malformed algorithm", with_sig({"SA": "RSA", "SD": GOOD_SD}), KEY, 'SA: "RSA" is not of the form ECDSA-<curve>-SHA256'),
    ("wrong curve for key", GOOD, K256.public_key_hex, "public key: a secp256k1 key, but SA is ECDSA-secp256r1-SHA256"),
    ("bad hex signature", with_sig({"SD": "30ZZ" + GOOD_SD[4:]}), KEY, "SD: not hex: 'Z' at position 2"),
    ("odd hex signature", with_sig({"SD": GOOD_SD[:-1]}), KEY, "SD: odd number of hex digits"),
    ("bad base64 signature", with_sig({"SE": "base64", "SD": "***"}), KEY, "SD: not base64"),
    ("unknown signature encoding", with_sig({"SE": "base32", "SD": GOOD_SD}), KEY, 'SE: "base32" is not a signature encoding OCMF defines (hex, base64)'),
    ("unknown signature format", with_sig({"SM": "application/x-raw", "SD": GOOD_SD}), KEY, 'SM: "application/x-raw" is not a signature format OCMF defines'),
    ("non-DER signature", with_sig({"SD": "31" + GOOD_SD[2:]}), KEY, "SD: not a DER ECDSA signature: starts with tag 0x31, not SEQUENCE"),
    ("DER truncated inside", with_sig({"SD": GOOD_SD[:40]}), KEY, "SD: not a DER ECDSA signature: truncated"),
    ("signature missing", with_sig({"SA": "ECDSA-secp256r1-SHA256"}), KEY, "SD: missing: the record carries no signature"),
    ("signature not a string", with_sig({"SD": 12}), KEY, "SD: expected a string, found a number"),
    ("readings missing", signed({k: v for k, v in payload().items() if k != "RD"}), KEY, "RD: missing: a record needs readings"),
    ("readings empty", rd(), KEY, "RD: no readings"),
    ("readings not an array", signed(payload(readings=None) | {"RD": {"RV": 1}}), KEY, "RD: expected an array of readings, found an object"),
    ("value missing", rd({k: v for k, v in B.items() if k != "RV"}, E), KEY, "RD[0].RV: missing: a reading needs its value"),
    ("value not a number", rd(B | {"RV": True}, E), KEY, "RD[0].RV: expected a number, found a boolean"),
    ("value text not a number", rd(B | {"RV": "12,5"}, E), KEY, 'RD[0].RV: "12,5" is not a number'),
    ("transaction type", rd(B, E | {"TX": "Q"}), KEY, 'RD[1].TX: "Q" is not a transaction type (B, C, X, E, L, R, A, P, S, T)'),
    ("meter status U (a time status)", rd(B | {"ST": "U"}, E), KEY, 'RD[0].ST: "U" is not a meter status'),
    ("error flags", rd(B | {"EF": "Ex"}, E), KEY, "RD[0].EF: \"Ex\": error flags are only 'E' (energy) and 't' (time)"),
    ("time status", rd(B | {"TM": "2026-11-25T10:00:00,000+0100 Q"}, E), KEY, "RD[0].TM: \"2026-11-25T10:00:00,000+0100 Q\": time status 'Q' is not one of U, I, S, R"),
    ("no such date", rd(B | {"TM": "2026-02-30T10:00:00,000+0100 S"}, E), KEY, "RD[0].TM: \"2026-02-30T10:00:00,000+0100 S\": no such date"),
    ("time missing", rd({k: v for k, v in B.items() if k != "TM"}, E), KEY, "RD[0].TM: missing: the first reading needs its time"),
    ("duplicate field", signed(GOOD_TEXT.replace('"RV":1234.56', '"RV":1234.56,"RV":1.0')), KEY, "RD[0].RV: appears twice (the signed payload is ambiguous)"),
    ("identification status type", signed(payload(IS=1)), KEY, "IS: expected a boolean, found a number"),
    ("pagination type", signed(payload(PG=7)), KEY, "PG: expected a string, found a number"),
    ("key neither hex nor base64", GOOD, "30 59 zz ??", "public key: neither hex nor base64"),
    ("key not on the curve", GOOD, KEY[:-2] + ("00" if KEY[-2:] != "00" else "01"), "public key: 91 bytes starting 0x30 but not a valid DER SubjectPublicKeyInfo: the point is not on secp256r1"),
    ("key naming no OCMF curve", GOOD, KEY.replace("2A8648CE3D030107", "2A8648CE3D030106"), "public key: 91 bytes starting 0x30 but not a valid DER SubjectPublicKeyInfo: it names no OCMF curve"),
    ("key on a curve OCMF does not use", GOOD, P521_KEY, "public key: on curve secp521r1, which OCMF does not use"),
    ("no key", GOOD, None, "public key: none given (and the record carries none)"),
    ("signature of another payload", signed(payload()).replace("1262.34", "1262.35"), KEY, "signature: does not match the payload and the public key"),
]


@pytest.mark.parametrize(("name", "record", "key", "reason"), CASES, ids=[c[0] for c in CASES])
def test_bad_record_gets_a_reason(name: str, record: str | bytes, key: str | None, reason: str) -> None:
    v = ocmf.verify(record, key)
    assert not v.valid
    assert v.reason is not None and v.reason.startswith(reason), v.reason
    batch = ocmf.verify_many([(record if isinstance(record, str) else record.decode(errors="replace"), key)])
    assert not batch[0].valid


def test_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


def test_good_record_is_valid() -> None:
    assert ocmf.verify(GOOD, KEY).valid


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300) | st.builds(lambda a, b: f"OCMF|{a}|{b}", st.text(max_size=100), st.text(max_size=60)))
def test_arbitrary_text_never_raises(text: str) -> None:
    v = ocmf.verify(text, KEY)
    assert not v.valid and v.reason


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(GOOD)), st.text(max_size=8))
def test_edits_of_a_good_record_never_raise(at: int, insert: str) -> None:
    v = ocmf.verify(GOOD[:at] + insert + GOOD[at:], KEY)
    assert v.valid is (insert == "" or v.valid)
    if not v.valid:
        assert v.reason
