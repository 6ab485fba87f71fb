"""A — Security: security events the DUT must report (A04), and the security profile it runs
against the bench CSMS's (A00). Profile-specific cases skip on a rig whose CSMS runs another one."""

from __future__ import annotations

from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.runner.context import CaseContext


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
    if ctx.campaign.config.csms.security_profile in (1, 2):
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
    expected = str(ctx.campaign.config.csms.security_profile)
    reported = await ctx.csms.get_variable("SecurityCtrlr", "SecurityProfile")
    res = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"},
         "attributeValue": "1" if expected != "1" else "2"}]})
    after = await ctx.csms.get_variable("SecurityCtrlr", "SecurityProfile")
    ctx.note(f"reported {reported}, SetVariables answered {res['setVariableResult'][0]['attributeStatus']}, then {after}")
    ctx.measure["security_profile_matches"] = reported == expected == after and \
        res["setVariableResult"][0]["attributeStatus"] == "Rejected"
