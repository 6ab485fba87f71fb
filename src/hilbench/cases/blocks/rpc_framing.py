"""RPC — OCPP-J framing (OCPP 2.1 Part 4): the DUT answers what it cannot take with the CALLERROR the
specification assigns, answers valid calls within the call timeout, and takes a CALLERROR or a
CALLRESULTERROR of the CSMS without breaking. The bench sends the frames as raw text, so nothing of
its own stack stands between the bytes and the DUT."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.ocpp.session import Delay
from hilbench.runner.context import CaseContext

#: Part 4 §4.3: the error codes a CALLERROR may carry for a frame the receiver cannot take.
FRAMING_CODES = ("FormatViolation", "FormationViolation", "ProtocolError", "RpcFrameworkError")
PAYLOAD_CODES = ("TypeConstraintViolation", "OccurrenceConstraintViolation", "PropertyConstraintViolation",
                 "FormatViolation", "FormationViolation", "ProtocolError")


async def answer_to(ctx: CaseContext, text: str, uid: str, timeout: float = 3.0) -> list[Any] | None:
    """Sends ``text`` raw and returns the DUT's frame that answers ``uid`` (None: no answer)."""
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


def _unique_id(text: str) -> str | None:
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    return frame[1] if isinstance(frame, list) and len(frame) > 1 and isinstance(frame[1], str) else None


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
    frame = await answer_to(ctx, '[2,"hb-rpc-01","HilbenchNoSuchAction",{}]', "hb-rpc-01")
    ctx.measure["error_code"] = _code(frame)


@case("HB_RPC_02_CS", "A payload that breaks the schema is answered with the matching CALLERROR",
      use_cases=["RPC"], requirements=["OCPP-J 4.2.3", "OCPP-J 4.3"],
      measurements=[Measurement("error_code_type", equals=True), Measurement("error_code_missing", equals=True)],
      kills=["callerror-missing-for-malformed-call"])
async def schema_violations(ctx: CaseContext) -> None:
    wrong_type = await answer_to(ctx, '[2,"hb-rpc-02a","GetVariables",{"getVariableData":"all"}]', "hb-rpc-02a")
    missing = await answer_to(ctx, '[2,"hb-rpc-02b","GetVariables",{}]', "hb-rpc-02b")
    ctx.note(f"wrong type answered {_code(wrong_type)}, missing field answered {_code(missing)}")
    ctx.measure["error_code_type"] = _code(wrong_type) in PAYLOAD_CODES
    ctx.measure["error_code_missing"] = _code(missing) in PAYLOAD_CODES


@case("HB_RPC_03_CS", "A frame that is not an OCPP-J message is answered with a framing CALLERROR",
      use_cases=["RPC"], requirements=["OCPP-J 4.1.3", "OCPP-J 4.3"],
      measurements=[Measurement("error_code", equals=True)], kills=["callerror-missing-for-malformed-call"])
async def broken_frame(ctx: CaseContext) -> None:
    """A CALL with a truncated array: the unique id is readable, the frame is not."""
    frame = await answer_to(ctx, '[2,"hb-rpc-03","GetVariables"', "hb-rpc-03")
    if frame is None:  # a receiver may also answer with the id it could not read
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


#: How long the bench holds back its answer to the DUT's CALL in HB_RPC_06_CS, s.
HOLD_S = 3.0


def _overlapping_calls(rows: list[Any]) -> list[str]:
    """The DUT's CALLs sent while one of its earlier CALLs was still unanswered (Part 4 §4.1.1:
    one outstanding CALL per direction), from the recorded frames in time order."""
    open_call: str | None = None
    found = []
    for row in sorted(rows, key=lambda r: r[0]):
        if row[1] != "ocpp":
            continue
        try:
            frame = json.loads(row[4])
        except ValueError:
            continue
        if not isinstance(frame, list) or len(frame) < 2 or frame[0] not in (2, 3, 4):
            continue
        if row[2] == "rx" and frame[0] == 2:
            if open_call is not None:
                found.append(f"{frame[2]} ({frame[1]}) while {open_call} was unanswered")
            open_call = f"{frame[2]} ({frame[1]})"
        elif row[2] == "tx" and frame[0] in (3, 4) and open_call is not None and open_call.endswith(f"({frame[1]})"):
            open_call = None
    return found


@case("HB_RPC_06_CS", "The DUT sends no CALL while one of its CALLs is unanswered",
      use_cases=["RPC", "F06"], requirements=["OCPP-J 4.1.1"],
      measurements=[Measurement("calls_while_outstanding", equals=0),
                    Measurement("heartbeat_after_answer", equals=True,
                                description="the triggered Heartbeat came, after the held-back answer")],
      kills=["second-call-while-outstanding"])
async def one_outstanding_call(ctx: CaseContext) -> None:
    """TriggerMessage(StatusNotification); the bench holds its answer to the DUT's
    StatusNotification back for 3 s (well inside any call timeout) and meanwhile sends
    TriggerMessage(Heartbeat). The DUT must queue the Heartbeat until its StatusNotification is
    answered (the ⚠ section number is OCPP 2.0.1's Part 4; 2.1 keeps the rule)."""
    rows = ctx.campaign.recorder.rows
    held: dict[str, float] = {}

    def received_call(uid: str, action: str) -> bool:
        for r in rows:
            if r[1] == "ocpp" and r[2] == "rx":
                try:
                    f = json.loads(r[4])
                except ValueError:
                    continue
                if isinstance(f, list) and len(f) >= 3 and f[0] == 2 and f[1] == uid and f[2] == action:
                    return True
        return False

    def hold_status_answer(text: str) -> str | Delay:
        frame = json.loads(text)
        if frame[0] == 3 and not held and received_call(frame[1], "StatusNotification"):
            held[frame[1]] = time.monotonic() + HOLD_S
            return Delay(text, HOLD_S)
        return text

    ctx.csms.alter_outgoing(hold_status_answer)
    res = await ctx.csms.call("TriggerMessage", {"requestedMessage": "StatusNotification",
                                                 "evse": {"id": 1, "connectorId": 1}})
    ctx.check(res["status"] == "Accepted", f"TriggerMessage StatusNotification answered {res['status']}")
    await ctx.csms.expect("StatusNotification", 10)
    res = await ctx.csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    ctx.check(res["status"] == "Accepted", f"TriggerMessage Heartbeat answered {res['status']}")
    heartbeat = await ctx.csms.expect("Heartbeat", HOLD_S + 10, required=False)
    arrived = time.monotonic()
    ctx.measure["heartbeat_after_answer"] = heartbeat is not None and bool(held) and arrived >= min(held.values())
    ctx.measure["calls_while_outstanding"] = len(found := _overlapping_calls(list(rows)))
    for what in found:
        ctx.note(what)


@case("HB_RPC_07_CS", "A SEND is never answered, not even with an error (OCPP 2.1)",
      use_cases=["RPC"], requirements=["OCPP-J 4.2.5"],
      measurements=[Measurement("sends_answered", equals=0), Measurement("still_answering", equals=True)],
      kills=["answers-send"])
async def send_unanswered(ctx: CaseContext) -> None:
    """Three SEND frames (message type 6): an action the DUT does not know, one a CSMS never sends,
    and one with a payload that breaks its schema. Each goes unanswered for 3 s (⚠ the section
    number of the SEND message in OCPP 2.1 Part 4 is as recalled); then the DUT must still answer
    a CALL."""
    version = ctx.csms.link.session.version
    if version != "2.1":
        raise CaseSkipped(f"the DUT speaks OCPP {version}: SEND is OCPP 2.1")
    sends = {"hb-rpc-07a": '[6,"hb-rpc-07a","HilbenchNoSuchAction",{}]',
             "hb-rpc-07b": '[6,"hb-rpc-07b","NotifyPeriodicEventStream",{"id":1,"pending":0,"basetime":'
                           '"2026-01-01T00:00:00Z","data":[{"t":0,"v":"1"}]}]',
             "hb-rpc-07c": '[6,"hb-rpc-07c","NotifyPeriodicEventStream",{"id":"one"}]'}
    start = len(ctx.campaign.recorder.rows)
    for text in sends.values():
        await ctx.csms.link.send_raw(text)
    await asyncio.sleep(3.0)
    answers = [row[4] for row in ctx.campaign.recorder.rows[start:]
               if row[1] == "ocpp" and row[2] == "rx" and _unique_id(row[4]) in sends]
    for text in answers:
        ctx.note(f"a SEND was answered: {text[:200]}")
    ctx.measure["sends_answered"] = len(answers)
    res = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    ctx.measure["still_answering"] = res["getVariableResult"][0]["attributeStatus"] == "Accepted"
