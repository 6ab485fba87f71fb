"""RPC — OCPP-J framing (OCPP 2.1 Part 4): the DUT answers what it cannot take with the CALLERROR the
specification assigns, answers valid calls within the call timeout, and takes a CALLERROR or a
CALLRESULTERROR of the CSMS without breaking. The bench sends the frames as raw text, so nothing of
its own stack stands between the bytes and the DUT."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hilbench.cases.model import Measurement, case
from hilbench.runner.context import CaseContext

#: Part 4 §4.3: the error codes a CALLERROR may carry for a frame the receiver cannot take.
FRAMING_CODES = ("FormatViolation", "FormationViolation", "ProtocolError", "RpcFrameworkError")
PAYLOAD_CODES = ("TypeConstraintViolation", "OccurrenceConstraintViolation", "PropertyConstraintViolation",
                 "FormatViolation", "FormationViolation", "ProtocolError")


async def _answer_to(ctx: CaseContext, text: str, uid: str, timeout: float = 3.0) -> list[Any] | None:
    """Sends ``text`` raw and returns the DUT's frame that answers ``uid`` (None: no answer)."""
    import json

    start = len(ctx.campaign.recorder.rows)
    await ctx.csms.link.send_raw(text)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for row in ctx.campaign.recorder.rows[start:]:
            if row[1] == "ocpp" and row[2] == "rx" and f'"{uid}"' in row[4]:
                try:
                    frame = json.loads(row[4])
                except ValueError:
                    continue
                if isinstance(frame, list) and len(frame) > 1 and frame[1] == uid:
                    return frame
        await asyncio.sleep(0.02)
    return None


def _code(frame: list[Any] | None) -> str:
    if frame is None:
        return "no answer"
    if frame[0] == 4:
        return str(frame[2])
    return f"message type {frame[0]}"


@case("HB_RPC_01_CS", "An unknown action is answered with CALLERROR NotImplemented",
      use_cases=["RPC"], requirements=["OCPP-J 4.2.3", "OCPP-J 4.3"],
      measurements=[Measurement("error_code", equals="NotImplemented")], kills=["callerror-missing-for-malformed-call"])
async def unknown_action(ctx: CaseContext) -> None:
    frame = await _answer_to(ctx, '[2,"hb-rpc-01","HilbenchNoSuchAction",{}]', "hb-rpc-01")
    ctx.measure["error_code"] = _code(frame)


@case("HB_RPC_02_CS", "A payload that breaks the schema is answered with the matching CALLERROR",
      use_cases=["RPC"], requirements=["OCPP-J 4.2.3", "OCPP-J 4.3"],
      measurements=[Measurement("error_code_type", equals=True), Measurement("error_code_missing", equals=True)],
      kills=["callerror-missing-for-malformed-call"])
async def schema_violations(ctx: CaseContext) -> None:
    wrong_type = await _answer_to(ctx, '[2,"hb-rpc-02a","GetVariables",{"getVariableData":"all"}]', "hb-rpc-02a")
    missing = await _answer_to(ctx, '[2,"hb-rpc-02b","GetVariables",{}]', "hb-rpc-02b")
    ctx.note(f"wrong type answered {_code(wrong_type)}, missing field answered {_code(missing)}")
    ctx.measure["error_code_type"] = _code(wrong_type) in PAYLOAD_CODES
    ctx.measure["error_code_missing"] = _code(missing) in PAYLOAD_CODES


@case("HB_RPC_03_CS", "A frame that is not an OCPP-J message is answered with a framing CALLERROR",
      use_cases=["RPC"], requirements=["OCPP-J 4.1.3", "OCPP-J 4.3"],
      measurements=[Measurement("error_code", equals=True)], kills=["callerror-missing-for-malformed-call"])
async def broken_frame(ctx: CaseContext) -> None:
    """A CALL with a truncated array: the unique id is readable, the frame is not."""
    frame = await _answer_to(ctx, '[2,"hb-rpc-03","GetVariables"', "hb-rpc-03")
    if frame is None:  # a receiver may also answer with the id it could not read
        import json

        for row in ctx.campaign.recorder.rows:
            if row[1] == "ocpp" and row[2] == "rx" and row[4].startswith("[4,"):
                candidate = json.loads(row[4])
                if candidate[2] in FRAMING_CODES:
                    frame = candidate
    ctx.note(f"answered {_code(frame)}")
    ctx.measure["error_code"] = _code(frame) in FRAMING_CODES


@case("HB_RPC_04_CS", "Valid calls are answered within the call timeout",
      use_cases=["RPC", "B06"], requirements=["OCPP-J 4.1.1"],
      measurements=[Measurement("slowest_answer_s", unit="s", high=5.0)], kills=["answers-call-after-timeout"])
async def answered_in_time(ctx: CaseContext) -> None:
    """Ten GetVariables in a row, each timed; the bench's call timeout is 30 s, the limit here 5 s."""
    slowest = 0.0
    for _ in range(10):
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(ctx.csms.call("GetVariables", {"getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}), 10.0)
        except asyncio.TimeoutError:
            slowest = max(slowest, 10.0)
            break
        slowest = max(slowest, time.monotonic() - t0)
    ctx.measure["slowest_answer_s"] = round(slowest, 3)


@case("HB_RPC_05_CS", "A CALLRESULT the DUT cannot take is answered with CALLRESULTERROR (OCPP 2.1)",
      use_cases=["RPC"], requirements=["OCPP-J 4.2.4"],
      measurements=[Measurement("callresulterror", equals=True), Measurement("still_answering", equals=True)],
      kills=["no-callresulterror"])
async def callresulterror(ctx: CaseContext) -> None:
    """The bench asks for a Heartbeat (TriggerMessage) and answers it with a CALLRESULT whose
    currentTime is not a date-time; the DUT must send a CALLRESULTERROR with that message id and
    go on answering calls."""
    import json

    sent: dict[str, str] = {}

    def break_heartbeat_result(text: str) -> str:
        frame = json.loads(text)
        if frame[0] == 3 and isinstance(frame[2], dict) and "currentTime" in frame[2] and "status" not in frame[2]:
            sent["id"] = frame[1]
            return json.dumps([3, frame[1], {"currentTime": "not a time"}])
        return text

    ctx.csms.alter_outgoing(break_heartbeat_result)
    await ctx.csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    await ctx.csms.expect("Heartbeat", 5)
    deadline = time.monotonic() + 3
    answer = None
    while answer is None and time.monotonic() < deadline:
        for row in ctx.campaign.recorder.rows:
            if row[1] == "ocpp" and row[2] == "rx" and row[4].startswith("[5,") and sent.get("id", "?") in row[4]:
                answer = row[4]
        await asyncio.sleep(0.05)
    ctx.measure["callresulterror"] = answer is not None
    res = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    ctx.measure["still_answering"] = res["getVariableResult"][0]["attributeStatus"] == "Accepted"
