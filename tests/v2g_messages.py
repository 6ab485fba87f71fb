"""Hypothesis strategies for valid ISO 15118-20 messages in the schema's names, built from the
codec's own schema table (element occurrences and the facets the encoder enforces)."""

from __future__ import annotations

import base64

import json
import re
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from hilbench import _core

TABLE: dict[str, Any] = json.loads(_core.v2g_schema_table())["types"]
INT_BOUNDS = {"u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
              "i8": (-(2**7), 2**7 - 1), "i16": (-(2**15), 2**15 - 1), "i32": (-(2**31), 2**31 - 1),
              "i64": (-(2**63), 2**63 - 1)}
MAX_DEPTH = 7


def _unwrap(ty: str) -> tuple[str, str | None]:
    m = re.fullmatch(r"(Option|Vec|Box)<(.+)>", ty)
    return (m.group(2), m.group(1)) if m else (ty, None)


def lengths(facets: dict[str, Any]) -> tuple[int, int]:
    """(min, max) length from ``exact`` / ``new`` / ``max`` facets."""
    if "exact" in facets:
        return facets["exact"][0], facets["exact"][0]
    if "new" in facets:
        return facets["new"][0], facets["new"][1]
    return 0, facets.get("max", [64])[0]


def value(ty: str, facets: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    inner, wrapper = _unwrap(ty)
    if wrapper in ("Option", "Box"):
        return value(inner, facets, depth)
    if ty in ("hexBinary", "base64Binary"):  # each in its XSD lexical form
        low, high = lengths(facets)
        lexical = (lambda b: b.hex().upper()) if ty == "hexBinary" else (lambda b: base64.b64encode(b).decode())
        return st.binary(min_size=low, max_size=min(high, max(low, 24))).map(lexical)
    if ty == "bool":
        return st.booleans()
    if ty == "String":
        low, high = lengths(facets)
        return st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=low, max_size=min(high, max(low, 12)))
    if ty in INT_BOUNDS:
        low, high = facets.get("range", INT_BOUNDS[ty])
        low, high = max(low, INT_BOUNDS[ty][0]), min(high, INT_BOUNDS[ty][1])
        return st.integers(low, high)
    return of_type(ty, depth)


@lru_cache(maxsize=None)
def of_type(ty: str, depth: int = 0) -> st.SearchStrategy[Any]:
    definition = TABLE[ty]
    if definition["kind"] == "unit":
        return st.just({})
    if definition["kind"] == "enum":
        return _enum(definition, depth)
    return _struct(definition, depth)


def _enum(definition: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    options = []
    for _rust, schema, member_ty in definition["members"]:
        if member_ty is None:
            options.append(st.just(schema))
        else:
            facets = definition.get("elements", {}).get(schema, {})
            options.append(st.builds(lambda v, s=schema: {s: v}, value(_unwrap(member_ty)[0], facets, depth + 1)))
    return st.one_of(options)


def _struct(definition: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    parts: list[st.SearchStrategy[dict[str, Any]]] = []
    elements = definition.get("elements", {})
    for _rust, schema, member_ty in definition["members"]:
        inner, wrapper = _unwrap(member_ty)
        if schema.startswith("choice of"):
            choice = _enum(TABLE[inner], depth)
            part = choice.map(lambda c: c if isinstance(c, dict) else {c: {}})
            parts.append(st.one_of(st.just({}), part) if wrapper == "Option" else part)
            continue
        facets = elements.get(schema, {})
        low, high = facets.get("occurs", [0 if wrapper == "Option" else 1, 1])
        if wrapper == "Vec":
            high = low if depth >= MAX_DEPTH else min(high if high >= 0 else 3, max(low, 3))
            items = st.lists(value(inner, facets, depth + 1), min_size=low, max_size=high)
            parts.append(items.map(lambda xs, s=schema: {s: xs} if xs else {}))
        elif wrapper == "Option":
            if depth >= MAX_DEPTH:
                parts.append(st.just({}))
            else:
                parts.append(st.one_of(st.just({}), value(inner, facets, depth + 1).map(lambda v, s=schema: {s: v})))
        else:
            parts.append(value(member_ty, facets, depth + 1).map(lambda v, s=schema: {s: v}))

    def merge(dicts: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for d in dicts:
            out.update(d)
        return out

    return st.tuples(*parts).map(lambda t: merge(list(t))) if parts else st.just({})


ROOTS = {
    "urn:iso:std:iso:15118:-20:CommonMessages": "messages::Document",
    "urn:iso:std:iso:15118:-20:AC": "ac::Document",
    "urn:iso:std:iso:15118:-20:DC": "dc::Document",
}


def roots() -> list[tuple[str, str, str]]:
    """(namespace, root element, its type) of every document root of the three -20 sets."""
    return [(ns, schema, member_ty) for ns, doc in ROOTS.items() for _r, schema, member_ty in TABLE[doc]["members"]]


def message(root_type: str, root: str) -> st.SearchStrategy[dict[str, Any]]:
    return of_type(root_type).map(lambda body: {root: body})
