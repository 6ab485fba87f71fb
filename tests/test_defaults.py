"""The emulators' default answers are schema-valid for every action they answer, for requests
generated from the official schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from hilbench.ocpp import frames
from hilbench.ocpp.actions import CSMS_INITIATED, STATION_INITIATED
from hilbench.ocpp.defaults import csms_handlers, station_handlers

from test_schemas_all_actions import schema


def test_every_action_has_a_direction_and_a_default_answer() -> None:
    actions = set(frames.actions("2.1"))
    assert STATION_INITIATED | CSMS_INITIATED == actions
    oneway = {"NotifyPeriodicEventStream"}
    assert set(csms_handlers()) == STATION_INITIATED - oneway
    assert set(station_handlers()) == CSMS_INITIATED


CASES = [("csms", a) for a in sorted(csms_handlers())] + [("station", a) for a in sorted(station_handlers())]


@pytest.mark.parametrize(("side", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_default_answer_validates(side: str, action: str) -> None:
    handler = (csms_handlers() if side == "csms" else station_handlers())[action]

    @settings(max_examples=3, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(from_schema(schema(action, "Request")))
    def check(request: dict[str, Any]) -> None:
        frames.validate_payload(action, request)
        answer = handler(action, request)
        frames.validate_payload(action, json.loads(json.dumps(answer)), response=True)

    check()
