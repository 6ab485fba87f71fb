"""A — Security: security events the DUT must report (A04), the security profile it runs against
the bench CSMS's (A00), and a new Basic-auth password (A01). Profile-specific cases skip on a rig
whose CSMS runs another one."""

from __future__ import annotations

import asyncio
import secrets
import time

from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.runner.context import CaseContext

#: How long the DUT has to come back after the bench dropped its connection, s.
RECONNECT_S = 60.0


@case("HB_A_04_CS", "A reset is reported as a security event (ResetOrReboot)",
      use_cases=["A04", "B11"], requirements=["A04.FR.01", "A04.FR.02"],
      measurements=[Measurement("event_type", equals="ResetOrReboot")], kills=["no-security-event-on-reset"])
async def reset_event(ctx: CaseContext) -> None:
    res = await ctx.csms.call("Reset", {"type": "Immediate"})
    ctx.check(res["status"] == "Accepted", f"Reset Immediate answered {res['status']}")
    await ctx.csms.reconnected(60)
    await ctx.csms.expect("BootNotification", 30)
    event = await ctx.csms.expect("SecurityEventNotification", 6, lambda p: p["type"] == "ResetOrReboot", required=False)
    ctx.measure["event_type"] = event["type"] if event else "none within 6 s"


@case("HB_A_04_CFG_CS", "A change of a security parameter is reported as a security event",
      use_cases=["A04", "A01"], requirements=["A04.FR.01", "A01.FR.01"],
      measurements=[Measurement("event_type", equals="ReconfigurationOfSecurityParameters")],
      kills=["no-security-event-on-reconfiguration"])
async def reconfiguration_event(ctx: CaseContext) -> None:
    """SetVariables SecurityCtrlr.BasicAuthPassword — under security profile 0 the password is not
    used for the connection, so changing it cannot lock the bench out."""
    if ctx.campaign.csms is not None and ctx.campaign.csms.security_profile in (1, 2):
        raise CaseSkipped("the rig's CSMS authenticates by password: changing it would end the connection")
    res = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"},
         "attributeValue": "hb-a04-rotated-password-16"}]})
    ctx.check(res["setVariableResult"][0]["attributeStatus"] in ("Accepted", "RebootRequired"),
              f"SetVariables BasicAuthPassword answered {res['setVariableResult'][0]['attributeStatus']}")
    event = await ctx.csms.expect("SecurityEventNotification", 6,
                                  lambda p: p["type"] == "ReconfigurationOfSecurityParameters", required=False)
    ctx.measure["event_type"] = event["type"] if event else "none within 6 s"


@case("HB_A_00_CS", "The DUT runs the security profile the bench CSMS requires",
      use_cases=["A00"], requirements=["A00.FR.001", "A00.FR.002"],
      measurements=[Measurement("security_profile_matches", equals=True)], kills=["readonly-variable-accepted"])
async def security_profile(ctx: CaseContext) -> None:
    """SecurityCtrlr.SecurityProfile equals the profile the DUT connected with, and a CSMS cannot
    lower it with SetVariables (the variable is read-only; A05 upgrades by SetNetworkProfile)."""
    assert ctx.campaign.csms is not None
    expected = str(ctx.campaign.csms.security_profile)
    reported = await ctx.csms.get_variable("SecurityCtrlr", "SecurityProfile")
    res = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"},
         "attributeValue": "1" if expected != "1" else "2"}]})
    after = await ctx.csms.get_variable("SecurityCtrlr", "SecurityProfile")
    ctx.note(f"reported {reported}, SetVariables answered {res['setVariableResult'][0]['attributeStatus']}, then {after}")
    ctx.measure["security_profile_matches"] = reported == expected == after and \
        res["setVariableResult"][0]["attributeStatus"] == "Rejected"


@case("HB_A_01_CS", "The DUT connects with the new Basic-auth password the CSMS set",
      use_cases=["A01"], requirements=["A01.FR.01", "A01.FR.02", "A01.FR.03"],
      measurements=[Measurement("set_status", equals="Accepted"),
                    Measurement("reconnected_with_new_password", equals=True,
                                description="the bench CSMS takes only the new password from then on")],
      tags=["password"], timeout_s=150, kills=["password-change-ignored"])
async def new_password(ctx: CaseContext) -> None:
    """SetVariables SecurityCtrlr.BasicAuthPassword with a fresh 32-character password; the bench
    CSMS then takes only that one and drops the connection. The DUT's next connection must carry
    it: the first attempt with another password is the finding (⚠ the A01 FR numbers are cited
    from the use-case table, their texts were not at hand). Afterwards the DUT has the rig's
    password again either way — set back by SetVariables if it took the new one — so that the
    campaign goes on and a real charger is not left with a password nobody wrote down."""
    csms, sid = ctx.campaign.csms, ctx.campaign.station_id
    if csms is None or csms.security_profile not in (1, 2):
        raise CaseSkipped(f"the rig's CSMS runs security profile {csms.security_profile if csms else '?'}: "
                          f"no Basic-auth password (profiles 1 and 2)")
    password = "hb-a01-" + secrets.token_hex(13)
    res = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}, "attributeValue": password}]})
    ctx.measure["set_status"] = status = res["setVariableResult"][0]["attributeStatus"]
    if status != "Accepted":
        return
    old, csms.passwords[sid] = csms.passwords.get(sid), password
    refused = len(csms.refusals)
    await ctx.campaign.cut_connection(1.0)
    deadline = time.monotonic() + RECONNECT_S
    wrong: list[str] = []
    while ctx.campaign.dut_link() is None and not wrong and time.monotonic() < deadline:
        wrong = [why for s, why in list(csms.refusals)[refused:] if s == sid]  # it tried another password
        await asyncio.sleep(0.05)
    ctx.measure["reconnected_with_new_password"] = ctx.campaign.dut_link() is not None
    if wrong:
        ctx.note(f"the bench refused the DUT: {wrong[0]}")
    if old is None:
        ctx.note("the rig declares no password for the DUT: the new one stays set")
    elif ctx.campaign.dut_link() is None:  # it kept the old one: the bench takes that again
        csms.passwords[sid] = old
        await ctx.csms.reconnected(RECONNECT_S)
    else:
        await _restore_password(ctx, old)


async def _restore_password(ctx: CaseContext, password: str) -> None:
    """The rig's password back on the DUT, the bench CSMS taking only that one again."""
    csms, sid = ctx.campaign.csms, ctx.campaign.station_id
    assert csms is not None
    res = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}, "attributeValue": password}]})
    status = res["setVariableResult"][0]["attributeStatus"]
    ctx.check(status == "Accepted", f"setting the rig's password back answered {status}: the DUT keeps the case's password")
    csms.passwords[sid] = password
    await ctx.campaign.cut_connection(1.0)
    await ctx.csms.reconnected(RECONNECT_S)
    ctx.note("the rig's password is set back on the DUT, which reconnected with it")
