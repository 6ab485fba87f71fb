"""Field types (issue 16): a record whose signature verifies is not failed for a harmless JSON type.

A departure from a field's type is an error where it changes what is billed or who is identified,
a deviation elsewhere, and never an error in a vendor field (U–Z; listed as a deviation when it
holds anything but a string); the table is the module
documentation of rust/core/src/ocmf/fields.rs, and ``hilbench.ocmf``'s docstring repeats it in
short. Records are edited from a valid one and signed again with a test key.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyocmf import OCMF

import hilbench.ocmf
from hilbench import ocmf
from tests.ocmf_records import Signer, payload, reading

FIELDS_RS = Path(__file__).parents[1] / "rust" / "core" / "src" / "ocmf" / "fields.rs"
METER = Signer("secp256r1")
STRANGER = Signer("secp256r1")
KEY = METER.public_key_hex


def table() -> dict[str, dict[str, str]]:
    """The field table of fields.rs's documentation: field → its columns."""
    rows = [line.removeprefix("//! ") for line in FIELDS_RS.read_text().splitlines() if line.startswith("//! | ")]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    out = {}
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        out[cells[0]] = dict(zip(head, cells, strict=True))
    return out


TABLE = table()
DEVIATION_FIELDS = sorted(f for f, row in TABLE.items() if row["wrong type"] == "deviation")
ERROR_FIELDS = sorted(f for f, row in TABLE.items() if row["wrong type"] == "error")


def base(**extra: Any) -> dict[str, Any]:
    """A complete payload with every deviation-class field present (LC, CL, EI) and vendor fields."""
    p = payload(
        readings=[
            reading("2026-11-25T10:00:00,000+0100 S", "B", 1234.56, CL=0.0, EI=1, UX="ISA"),
            reading("2026-11-25T10:45:00,000+0100 S", "E", 1262.34, CL=0.12, EI=2),
        ],
        TT="0.49 EUR/kWh",
        CF="2.1",
        LC={"LN": "cable", "LI": 1, "LR": 2.5, "LU": "mOhm"},
        XA="ESY",
    )
    p.update(extra)
    return p


def put(p: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """A copy of `p` with `field` (``FV``, ``RD[].CL`` — in the first reading —, ``LC.LR``) set."""
    p = json.loads(json.dumps(p))
    if field.startswith("RD[]."):
        p["RD"][0][field.removeprefix("RD[].")] = value
    elif field.startswith("LC."):
        p["LC"][field.removeprefix("LC.")] = value
    else:
        p[field] = value
    return p


def pyocmf_accepts(record: str, key: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(OCMF.from_string(record).verify_signature(key))


def parsed(v: ocmf.Verdict) -> dict[str, Any]:
    """The verdict's payload as a dict."""
    assert v.record is not None, v.reason
    return v.record["payload"]


def test_base_record_is_clean() -> None:
    v = ocmf.verify(METER.record(base()), KEY, strict=True)
    assert v.valid and v.deviations == [], v.deviations


def test_table_classes() -> None:
    # The decision of issue 16, pinned: what changes what is billed or who is identified is an
    # error; the rest is informative.
    assert ERROR_FIELDS == sorted(
        ["PG", "MS", "GS", "IS", "IL", "IT", "ID", "RD", "SA", "SE", "SM", "SD"]
        + [f"RD[].{f}" for f in ("TM", "TX", "RV", "RI", "RU", "RT", "EF", "ST")]
    )
    assert {"FV", "CT", "GI", "TT", "LC", "RD[].CL", "LC.LR"} <= set(DEVIATION_FIELDS)
    assert TABLE["VI"]["wrong type"] == TABLE["VV"]["wrong type"] == "deviation"
    assert set(TABLE) == set(ERROR_FIELDS) | set(DEVIATION_FIELDS)


def test_python_docstring_repeats_the_table() -> None:
    doc = hilbench.ocmf.__doc__ or ""
    short: dict[str, set[str]] = {}
    for line in doc.splitlines():
        m = re.match(r"\s+(error|deviation)\s{2,}(.*)$", line)
        if m:
            names = set()
            for group in re.split(r"\s{2,}", m.group(2)):  # a group per object: payload, RD[]., LC.
                prefix = group.split()[0].rpartition(".")[0] + "." if "." in group else ""
                names |= {prefix + token.rpartition(".")[2] for token in group.split()}
            short[m.group(1)] = names
    assert short == {"error": set(ERROR_FIELDS), "deviation": set(DEVIATION_FIELDS)}
    assert "VI VV" in doc and "fields.rs" in doc


# --- the classes seen in real devices ------------------------------------------------------------

# DZG-metered TwinCharger: FV and CT as JSON numbers.
TWINCHARGER = METER.record(base(FV=1.0, CT=0))
# Enercharge gateway with ISA and ESY meters: vendor-range fields holding numbers, objects, arrays.
ENERCHARGE = METER.record(base(VI=12, VV={"ISA": "1.2", "ESY": [3, 1]}, XI=[1, "ESY", None], UC={"n": 2.5}))


def test_twincharger_fv_and_ct_numbers_are_deviations() -> None:
    v = ocmf.verify(TWINCHARGER, KEY)
    assert v.valid, v.reason
    assert v.deviations == [
        'FV: expected a string, found a number (1.0), kept as "1.0"',
        'CT: expected a string, found a number (0), kept as "0"',
    ]
    assert (parsed(v)["format_version"], parsed(v)["charge_point_id_type"]) == ("1.0", "0")
    strict = ocmf.verify(TWINCHARGER, KEY, strict=True)
    assert not strict.valid and strict.signature_valid is True
    assert strict.reason == 'FV: expected a string, found a number (1.0), kept as "1.0"'
    # The independent peer accepts this record too.
    assert pyocmf_accepts(TWINCHARGER, KEY)


def test_enercharge_vendor_fields_are_never_errors() -> None:
    # U–Z fields belong to the vendor whatever their JSON type: never an error. What is not a string
    # in them is listed as a deviation, which --strict counts; the verdict names them in the
    # record's vendor_fields.
    v = ocmf.verify(ENERCHARGE, KEY)
    assert v.valid and all(f["severity"] == "deviation" for f in v.findings), v.findings
    assert {f["field"] for f in v.findings} == {"VI", "VV", "XI", "UC"}
    assert parsed(v)["vendor_fields"] == ["XA", "VI", "VV", "XI", "UC"]
    assert parsed(v)["gateway_id"] == "HILBENCH VIRTUAL CHARGER"  # VI=12 does not replace GI
    assert not ocmf.verify(ENERCHARGE, KEY, strict=True).valid
    assert pyocmf_accepts(ENERCHARGE, KEY)


def test_vi_string_names_the_gateway_of_an_ocmf_01_record() -> None:
    p = base(FV="0.1", VI="OLD GATEWAY", VV="0.9")
    del p["GI"], p["GV"]
    v = ocmf.verify(METER.record(p), KEY, strict=True)
    assert v.valid, v.reason
    assert (parsed(v)["gateway_id"], parsed(v)["gateway_version"]) == ("OLD GATEWAY", "0.9")


def test_pyocmf_is_stricter_on_other_informative_fields() -> None:
    # Where the peers differ, said rather than hidden: pyocmf accepts a number in FV and CT (the
    # TwinCharger class) but refuses one in its other string fields (GI, TT, CI, …), which
    # hilbench reports as a deviation. hilbench keeps its verdict: the field is informative and
    # the signature verifies.
    record = METER.record(base(GI=7, TT=0.49))
    v = ocmf.verify(record, KEY)
    assert v.valid and [d.split(":")[0] for d in v.deviations] == ["GI", "TT"], v.deviations
    with pytest.raises(Exception, match="GI"):
        pyocmf_accepts(record, KEY)


@pytest.mark.parametrize("field", ERROR_FIELDS)
def test_error_fields_of_the_wrong_type_fail(field: str) -> None:
    if field in ("SA", "SE", "SM", "SD"):
        text = json.dumps(base(), separators=(",", ":"))
        sig = {"SA": "ECDSA-secp256r1-SHA256", "SD": METER.sign(text.encode()).hex()} | {field: {"x": 1}}
        record = f"OCMF|{text}|{json.dumps(sig)}"
    else:
        record = METER.record(put(base(), field, {"x": 1}))
    v = ocmf.verify(record, KEY)
    shown = field.replace("RD[].", "RD[0].")
    assert not v.valid and v.reason is not None and v.reason.startswith(f"{shown}: expected "), v.reason


def test_cli_lists_the_deviation_and_strict_fails(tmp_path: Path) -> None:
    f = tmp_path / "records.jsonl"
    f.write_text("".join(json.dumps({"ocmf": r, "public_key": KEY}) + "\n" for r in (TWINCHARGER, ENERCHARGE)))

    def run(*args: str) -> tuple[int, list[dict[str, Any]]]:
        p = subprocess.run([sys.executable, "-m", "hilbench", "verify", str(f), "--json", *args],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    code, rows = run()
    assert code == 0
    assert [(r["valid"], r["reason"]) for r in rows] == [(True, None), (True, None)]
    assert [d.split(":")[0] for d in rows[0]["deviations"]] == ["FV", "CT"]
    assert [d.split(":")[0] for d in rows[1]["deviations"]] == ["VI", "VV", "XI", "UC"]
    code, rows = run("--strict")
    assert code == 1
    assert rows[0]["valid"] is False and rows[0]["reason"].startswith("FV: expected a string, found a number")
    assert rows[1]["valid"] is False and rows[1]["reason"].startswith("VI: expected a string, found a number")


# --- property: a harmless type never flips the verdict ---------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
VENDOR_NAMES = st.sampled_from(["XA", "VI", "VV", "RD[].UX"]) | st.from_regex(r"(RD\[\]\.)?[U-Z][A-Z0-9]{0,2}", fullmatch=True)

# Records of each verdict: valid; invalid by the signature (another meter's key); invalid by an
# error field (a meter status that does not exist).
BASES = {
    "valid": (base(), KEY),
    "wrong key": (base(), STRANGER.public_key_hex),
    "bad status": (put(base(), "RD[].ST", "U"), KEY),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)), st.sampled_from(DEVIATION_FIELDS) | VENDOR_NAMES, JSON_VALUES)
def test_harmless_type_changes_never_flip_the_verdict(which: str, field: str, value: Any) -> None:
    p, key = BASES[which]
    before = ocmf.verify(METER.record(p), key)
    after = ocmf.verify(METER.record(put(p, field, value)), key)
    assert after.valid is before.valid, (field, value, after.reason)
    assert after.signature_valid is before.signature_valid
    name = field.removeprefix("RD[].")
    if name[0] in "UVWXYZ":
        # Never an error about a vendor field (a '|' in its text is one about the payload section,
        # which OCMF forbids it in), whatever it holds.
        assert not [f for f in after.findings if f["field"].rpartition(".")[2] == name and f["severity"] == "error"], \
            after.findings
