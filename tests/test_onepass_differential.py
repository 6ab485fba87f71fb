"""The one-pass validator (fast path) never accepts a payload that the full JSON-schema validator
rejects, on every official schema of 2.1 and 2.0.1, for generated, mutated and randomly altered
payloads. When it cannot prove a payload valid, the full validator decides, so this implication
is all that soundness needs; the tests also show that it proves the valid payloads (it is used)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis_jsonschema import from_schema

from hilbench import _core
from hilbench.errors import OcppFrameError
from hilbench.ocpp import frames

from test_schemas_all_actions import _bounded

CASES = [(v, path.stem) for v in ("2.1", "2.0.1") for path in sorted(frames.schema_dir(v).glob("*.json"))]


def split(stem: str) -> tuple[str, bool]:
    if stem.endswith("Response"):
        return stem[: -len("Response")], True
    return (stem[: -len("Request")] if stem.endswith("Request") else stem), False


def full_valid(version: str, action: str, text: str, response: bool) -> bool:
    try:
        _core.validate_payload(version, action, text, response=response, one_pass=False)
        return True
    except OcppFrameError:
        return False


def check_implication(version: str, action: str, text: str, response: bool) -> bool | None:
    fast = _core.one_pass_verdict(version, action, text, response=response)
    full = full_valid(version, action, text, response)
    assert not (fast and not full), f"one-pass accepted what the full validator rejects: {action} {text[:300]}"
    return fast if full else None


def get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def systematic(payload: Any) -> list[Any]:
    """Every class of mutation at every place: strings (enum, length, type, date-time), numbers
    (fraction, range, type), objects (extra, missing and null members), arrays (empty, long)."""
    out: list[Any] = []
    for path in paths(payload):
        v = get(payload, path)
        if isinstance(v, str):
            out += [replace(payload, path, x) for x in
                    ("NotAnEnumValue_x", v + "x" * 600, "é" * (len(v) + 1), 12, None, "2025-01-01T00:00:00",
                     "2025-02-30T00:00:00Z", v.upper(), "")]
        elif isinstance(v, bool):
            out += [replace(payload, path, x) for x in (0, "true", None)]
        elif isinstance(v, int | float):
            out += [replace(payload, path, x) for x in (v + 0.5, -(10**9), 10**12, -1, str(v), True, None)]
        elif isinstance(v, dict):
            out.append(replace(payload, path, {**v, "zzUnknown": 1}))
            out += [replace(payload, path, {k: x for k, x in v.items() if k != key}) for key in v]
            out += [replace(payload, path, {**v, key: None}) for key in v]
            out.append(replace(payload, path, [v]))
        elif isinstance(v, list):
            out += [replace(payload, path, []), replace(payload, path, v * 30), replace(payload, path, {"x": v})]
    return out


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


def replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = copy.deepcopy(node)
    cur = node
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return node


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([42.0, 1e2, -0.0, 1.5, "", "x" * 300, "é" * 50, "2025-01-01T00:00:60Z", "Accepted",
                       "2025-02-29T00:00:00Z", "2024-02-29T23:59:59.5+01:00"]) | st.text(max_size=30),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)

_SETTINGS = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))


def test_every_schema_has_a_one_pass_model() -> None:
    for version, total in (("2.1", 181), ("2.0.1", 128)):
        frames.ensure_schemas(version)
        assert _core.one_pass_coverage(version) == (total, total)


@pytest.mark.parametrize(("version", "stem"), CASES, ids=[f"{v}-{s}" for v, s in CASES])
def test_one_pass_never_accepts_what_the_full_validator_rejects(version: str, stem: str) -> None:
    frames.ensure_schemas(version)
    action, response = split(stem)
    schema = _bounded(json.loads((frames.schema_dir(version) / f"{stem}.json").read_text(encoding="utf-8-sig")))
    proven = 0

    @_SETTINGS
    @given(from_schema(schema), st.data())
    def check(payload: dict[str, Any], data: st.DataObject) -> None:
        nonlocal proven
        text = json.dumps(payload)
        if check_implication(version, action, text, response):
            proven += 1
        for mutated in systematic(payload):
            check_implication(version, action, json.dumps(mutated), response)
        where = data.draw(st.sampled_from(paths(payload)))
        altered = replace(payload, where, data.draw(_json))
        check_implication(version, action, json.dumps(altered), response)
        if isinstance(payload, dict) and payload:
            # a duplicate key, written by hand: json.dumps cannot
            key = next(iter(payload))
            dup = text[:-1] + ("," if len(payload) else "") + json.dumps(key) + ":" + json.dumps(data.draw(_json)) + "}"
            check_implication(version, action, dup, response)

    check()
    assert proven > 0, "the one-pass path proved no generated payload valid"


@pytest.mark.parametrize("text", [
    '{"currentTime":"2025-01-01T00:00:60Z"}', '{"currentTime":"2016-12-31T23:59:60Z"}',
    '{"currentTime":"2025-01-01t00:00:00z"}', '{"currentTime":"2025-01-01T00:00:00Z","currentTime":"x"}',
    '{"currentTime":"2025-01-01T00:00:00Z","customData":{"vendorId":"v","extra":[1,{"a":null}]}}',
    '{"currentTime":"2025-01-01T00:00:00Z","customData":{"extra":1}}',
    '{"current\\u0054ime":"2025-01-01T00:00:00Z"}', '{"currentTime":"2025-01-01T00:00:00Z"} ',
    '{"currentTime":"2025-01-01T00:00:00Z"}x', '{"currentTime":1}', "[]", "{}",
])
def test_one_pass_corner_cases(text: str) -> None:
    check_implication("2.1", "Heartbeat", text, True)


@pytest.mark.parametrize(("payload", "valid"), [
    ({"currentTime": "2025-01-01T00:00:00Z", "interval": 42.0, "status": "Accepted"}, True),
    ({"currentTime": "2025-01-01T00:00:00Z", "interval": 1e2, "status": "Accepted"}, True),
    ({"currentTime": "2025-01-01T00:00:00Z", "interval": 4.5, "status": "Accepted"}, False),
    ({"currentTime": "2025-01-01T00:00:00Z", "interval": 2**63, "status": "Accepted"}, True),
    ({"currentTime": "2025-01-01T00:00:00Z", "interval": 1, "status": "accepted"}, False),
])
def test_numbers_follow_draft06_on_both_paths(payload: dict[str, Any], valid: bool) -> None:
    text = json.dumps(payload)
    assert full_valid("2.1", "BootNotification", text, True) is valid
    verdict = check_implication("2.1", "BootNotification", text, True)
    # valid: the fast path proves it, or (past exact f64, like 2**63) leaves it to the full validator
    assert (verdict is not None) is valid
