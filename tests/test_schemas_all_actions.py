"""For every OCPP 2.1 action, payloads generated from its official request and response schemas
validate, and mutated ones are rejected with the right error code and JSON pointer."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis_jsonschema import from_schema

from hilbench.errors import OcppFrameError
from hilbench.ocpp import frames

VERSION = "2.1"
ACTIONS = frames.actions(VERSION)
CASES = [(a, kind) for a in ACTIONS for kind in ("Request", "Response")
         if (frames.schema_dir(VERSION) / f"{a}{kind}.json").exists()]
CASES.append(("NotifyPeriodicEventStream", ""))


@cache
def schema(action: str, kind: str) -> dict[str, Any]:
    s = json.loads((frames.schema_dir(VERSION) / f"{action}{kind}.json").read_text())
    # Keep generated examples small and fast: bound arrays, keep date-times RFC 3339.
    return _bounded(s)


def _bounded(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _bounded(v) for k, v in node.items() if k not in ("$schema", "$id", "comment", "javaType")}
        if out.get("type") == "array":
            out["maxItems"] = min(out.get("maxItems", 2), 2)
        if out.get("type") == "integer":
            # OCPP integers are 32-bit; unbounded ones make hypothesis draw arbitrary bigints.
            out.setdefault("minimum", -(2**31))
            out.setdefault("maximum", 2**31 - 1)
        if out.get("format") == "date-time":
            # hypothesis-jsonschema's date-times may lack an offset; generate RFC 3339 ones.
            out.pop("format")
            out["pattern"] = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,3})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$"
        return out
    if isinstance(node, list):
        return [_bounded(v) for v in node]
    return node


def validate(action: str, kind: str, payload: dict[str, Any]) -> None:
    frames.validate_payload(action, payload, version=VERSION, response=(kind == "Response"))


def test_every_action_of_2_1_is_covered() -> None:
    assert len(ACTIONS) == 91
    assert len(CASES) == 181


_SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(("action", "kind"), CASES, ids=[f"{a}{k}" for a, k in CASES])
def test_generated_payloads_validate(action: str, kind: str) -> None:
    @_SETTINGS
    @given(from_schema(schema(action, kind)))
    def check(payload: dict[str, Any]) -> None:
        validate(action, kind, payload)

    check()


def _first_required(s: dict[str, Any]) -> str | None:
    req = s.get("required") or []
    return req[0] if req else None


def _string_props(s: dict[str, Any], defs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, p in s.get("properties", {}).items():
        if "$ref" in p:
            p = defs[p["$ref"].split("/")[-1]]
        if p.get("type") == "string":
            out.append((name, p))
    return out


@pytest.mark.parametrize(("action", "kind"), CASES, ids=[f"{a}{k}" for a, k in CASES])
def test_mutations_are_rejected_with_code_and_pointer(action: str, kind: str) -> None:
    raw = json.loads((frames.schema_dir(VERSION) / f"{action}{kind}.json").read_text())
    defs = raw.get("definitions", {})
    mutated = 0

    @_SETTINGS
    @given(from_schema(schema(action, kind)), st.data())
    def check(payload: dict[str, Any], data: st.DataObject) -> None:
        nonlocal mutated
        # extra property
        bad = dict(payload, hilbenchUnknownField=1)
        expect(action, kind, bad, "FormatViolation", "")
        # missing required field
        req = _first_required(raw)
        if req is not None:
            bad = {k: v for k, v in payload.items() if k != req}
            expect(action, kind, bad, "OccurrenceConstraintViolation", f"/{req}")
        for name, p in _string_props(raw, defs):
            if name not in payload:
                continue
            # wrong type
            expect(action, kind, dict(payload, **{name: 12}), "TypeConstraintViolation", f"/{name}")
            if "enum" in p:
                expect(action, kind, dict(payload, **{name: "NotAnEnumValue_x"}), "PropertyConstraintViolation", f"/{name}")
            elif "maxLength" in p and "format" not in p:
                expect(action, kind, dict(payload, **{name: "x" * (p["maxLength"] + 1)}),
                       "PropertyConstraintViolation", f"/{name}")
        mutated += 1

    check()
    assert mutated > 0


def expect(action: str, kind: str, payload: dict[str, Any], code: str, pointer: str) -> None:
    with pytest.raises(OcppFrameError) as info:
        validate(action, kind, copy.deepcopy(payload))
    got = [(e["code"], e["pointer"]) for e in info.value.errors]
    assert (code, pointer) in got, got
