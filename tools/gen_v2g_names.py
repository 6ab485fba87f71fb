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
FIELD = re.compile(r"^\s*pub (\w+): (.+),\s*$")
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


def main(crate: Path) -> None:
    types: dict[str, dict] = {}
    for module in MODULES:
        path = crate / "src" / "generated" / "iso20" / f"{module}.rs"
        parse(path, module, types)
        for name, code in document_codes(path, module).items():
            types[name]["document_code"] = code
    out = Path(__file__).resolve().parents[1] / "rust" / "core" / "src" / "v2g" / "schema_names.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"crate": crate.name, "types": types}, indent=0, sort_keys=True) + "\n")
    print(f"{out}: {len(types)} types")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
