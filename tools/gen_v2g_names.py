"""Generates rust/core/src/v2g/schema_names.json from the `iso15118` crate's generated ISO 15118-20
types: for every struct its fields (Rust name, schema name, Rust type) and for every enum its
variants (Rust name, schema name, payload type), read from the doc comments the crate's code
generator writes (``/// `EVPresentVoltage` element, 1..1.``).

hilbench's codec speaks the schema's names to Python (``DC_ChargeLoopReq``, ``EVPresentVoltage``),
while the crate's serde names are Rust's (``DCChargeLoopReq``, ``ev_present_voltage``): this table
is the bridge. Run it again when the pinned crate version changes:

    python tools/gen_v2g_names.py ~/.cargo/registry/src/*/iso15118-<version>
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MODULES = ("common", "messages", "ac", "dc")
DOC = re.compile(r"^\s*///\s*`([^`]+)`(?: element, (\d+)\.\.(\d+|unbounded))?")
FIELD = re.compile(r"^\s*pub (?:r#)?(\w+): (.+),\s*$")  # serde drops the r# of a raw identifier
VARIANT = re.compile(r"^\s*(\w+)(?:\((.+)\))?(?: = \d+)?,\s*$")
PRIMITIVES = {"bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "String", "f32", "f64"}


def qualify(rust_type: str, module: str) -> str:
    t = rust_type.strip()
    for wrapper in ("Option", "Vec", "Box"):
        if t.startswith(wrapper + "<") and t.endswith(">"):
            inner = t[len(wrapper) + 1:-1]
            if wrapper == "Vec" and inner == "u8":
                return "bytes"
            return f"{wrapper}<{qualify(inner, module)}>"
    if t in PRIMITIVES:
        return t
    t = t.removeprefix("super::")
    return t.replace("::", "::") if "::" in t else f"{module}::{t}"


def parse(path: Path, module: str, types: dict[str, dict]) -> None:
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        unit = re.match(r"^pub struct (\w+);", lines[i])
        if unit:  # an element with no content (EIM_AReqAuthorizationMode)
            types[f"{module}::{unit.group(1)}"] = {"kind": "unit", "members": []}
        m = re.match(r"^pub (struct|enum) (\w+) \{", lines[i])
        if not m:
            i += 1
            continue
        kind, name = m.groups()
        members: list[list] = []
        doc: tuple[str, str | None, str | None] | None = None
        i += 1
        while not lines[i].startswith("}"):
            d = DOC.match(lines[i])
            if d:
                doc = d.groups()
            elif kind == "struct" and (f := FIELD.match(lines[i])) and doc:
                members.append([f.group(1), doc[0], qualify(f.group(2), module)])
                doc = None
            elif kind == "enum" and (v := VARIANT.match(lines[i])) and doc:
                members.append([v.group(1), doc[0], qualify(v.group(2), module) if v.group(2) else None])
                doc = None
            i += 1
        types[f"{module}::{name}"] = {"kind": kind, "members": members}


def document_codes(path: Path, module: str) -> dict[str, int]:
    """``impl X { ... pub const DOCUMENT_CODE: u64 = N; }``: the document event code of each root."""
    text = path.read_text()
    return {f"{module}::{name}": int(code) for name, code in
            re.findall(r"impl (\w+) \{\n(?:\s*///[^\n]*\n)*\s*pub const DOCUMENT_CODE: u64 = (\d+);", text)}


BLOCK = re.compile(r"^\s*// (\w+) \((\d+)\.\.(\d+|unbounded)\)")
FACETS = (
    (re.compile(r"restricted\([^,]+(?:\([^)]*\))?[^,]*, (-?\d+), (-?\d+)\)"), "range"),
    (re.compile(r"Lengths::exact\((\d+)\)"), "exact"),
    (re.compile(r"Lengths::max\((\d+)\)"), "max"),
    (re.compile(r"Lengths::new\((\d+), (\d+)\)"), "new"),
)


def facets(path: Path, module: str, types: dict[str, dict]) -> None:
    """From each struct's ``encode_body``: per element its occurrences (``// Name (1..3)``) and the
    facets the encoder enforces (``restricted(v, 0, 100)``, ``Lengths::exact(8)``) — what a
    generator of valid messages needs."""
    lines = path.read_text().splitlines()
    current = None
    element = None
    for line in lines:
        m = re.match(r"^impl (\w+) \{", line)
        if m:
            current = types.get(f"{module}::{m.group(1)}")
            element = None
            continue
        if current is None or current["kind"] != "struct":
            continue
        if "pub fn decode_body" in line:
            current = None
            continue
        b = BLOCK.match(line)
        if b:
            name, low, high = b.groups()
            element = current.setdefault("elements", {}).setdefault(name, {})
            element["occurs"] = [int(low), -1 if high == "unbounded" else int(high)]
            continue
        v = re.match(r"^\s*(?:super::\w+::)?(\w+)::(\w+)\((?:value|item)\) => \{", line)
        if v and f"{module}::{v.group(1)}" in types:  # a choice's variant, with facets of its own
            choice = types[f"{module}::{v.group(1)}"]
            schema = next((m[1] for m in choice["members"] if m[0] == v.group(2)), None)
            element = choice.setdefault("elements", {}).setdefault(schema, {}) if schema else None
            continue
        if element is not None:
            for pattern, kind in FACETS:
                f = pattern.search(line)
                if f:
                    values = [int(x) for x in f.groups()]
                    element[kind] = values


#: The binary elements whose XSD type is xs:hexBinary: only ``sessionIDType`` in the -20 schemas.
#: Every other binary type (certificateType, genChallengeType, meterSignatureType,
#: dHpublickeyType, the encrypted private key types, xmldsig's DigestValueType, CryptoBinary and
#: SignatureValueType) is xs:base64Binary. EXI codes both alike, so the crate's types do not say
#: which; the view writes each in its XSD lexical form (as EXIficient's JSON does, which the interop
#: tests compare against).
HEX_BINARY = {"SessionID"}


#: An element's simple content next to its attributes (``SignatureValue``'s base64 beside its
#: ``Id``): the crate documents it as "character data"; EXIficient's JSON, which Josev and the
#: recorded vectors use, calls it ``value``.
SIMPLE_CONTENT = "value"


def lexical_forms(types: dict[str, dict]) -> None:
    """``bytes`` → ``hexBinary`` or ``base64Binary``, by the element's XSD type; simple content named
    as EXIficient's JSON names it."""
    for t in types.values():
        for m in t["members"]:
            if m[1] == "character data":
                m[1] = SIMPLE_CONTENT
            if m[2] is not None and "bytes" in m[2]:
                m[2] = m[2].replace("bytes", "hexBinary" if m[1] in HEX_BINARY else "base64Binary")


def main(crate: Path) -> None:
    types: dict[str, dict] = {}
    for module in MODULES:
        path = crate / "src" / "generated" / "iso20" / f"{module}.rs"
        parse(path, module, types)
        for name, code in document_codes(path, module).items():
            types[name]["document_code"] = code
        facets(path, module, types)
    lexical_forms(types)
    out = Path(__file__).resolve().parents[1] / "rust" / "core" / "src" / "v2g" / "schema_names.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"crate": crate.name, "types": types}, indent=0, sort_keys=True) + "\n")
    print(f"{out}: {len(types)} types")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
