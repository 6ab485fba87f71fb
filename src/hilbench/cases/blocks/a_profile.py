"""A05 — Upgrade the charging station's security profile: the CSMS gives the DUT a network
profile one security profile higher (SetNetworkProfile), puts it first in
``NetworkConfigurationPriority`` and resets it; the DUT must come back through the bench CSMS's
second listener at that profile, and never fall back to the lower one, not even when the upgraded
CSMS is gone for a while. A DUT must also refuse a network profile below the one it uses.

The upgrade needs a rig whose ``[csms]`` names an ``upgrade_port`` (``rigs/sim-sp2.toml``): the
second listener takes the DUT only at the higher profile (TLS and its password for 2, its client
certificate for 3), so the DUT's connection there is the proof, not what it reports. It changes the
DUT for good (the spec forbids the way back), so the case is tagged ``irreversible`` and runs last;
later work of the campaign goes through the upgraded listener.

⚠ The A05/B09 requirement numbers are cited from the use-case table; their texts were not at hand."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hilbench.cases.model import CaseInconclusive, CaseSkipped, Measurement, case
from hilbench.runner.context import BenchError, CaseContext

#: Longest the upgraded listener stays closed while the bench watches the old one, s.
FALLBACK_WATCH_MAX_S = 180.0
#: The DUT's reboot and connection at the new profile, s.
UPGRADE_S = 90.0
#: Longest the bench waits for the DUT to come back after the fall-back watch, s (a DUT reporting
#: a longer back-off is not waited for beyond this: the case then says it did not come back).
BACK_MAX_S = 600.0
#: OCPPCommCtrlr's connection retry variables and the values assumed when the DUT reports none.
RETRY_DEFAULTS = {"NetworkProfileConnectionAttempts": 3, "RetryBackOffWaitMinimum": 10, "RetryBackOffRandomRange": 10,
                  "RetryBackOffRepeatTimes": 3}


def _network_data(ctx: CaseContext, url: str, profile: int) -> dict[str, Any]:
    """NetworkConnectionProfileType, in the OCPP version the DUT speaks now (2.0.1's enum names
    itself OCPP20; 2.1 made the field optional and added OCPP21)."""
    link = ctx.campaign.dut_link()
    version = "OCPP20" if link is not None and link.session.version == "2.0.1" else "OCPP21"
    return {"ocppVersion": version, "ocppCsmsUrl": url, "securityProfile": profile, "ocppInterface": "Wired0",
            "ocppTransport": "JSON", "messageTimeout": 30}


async def _free_slot(ctx: CaseContext) -> tuple[int, list[str]]:
    """A configuration slot the DUT has (the valuesList of its NetworkConfigurationPriority, as
    its own report gives it) and does not use now, and the priority list in use."""
    await ctx.csms.call("GetReport", {"requestId": 9505, "componentVariable": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"}}]})
    report = await ctx.csms.expect("NotifyReport", 10, lambda p: p["requestId"] == 9505)
    data = (report.get("reportData") or [{}])[0]
    in_use = [s.strip() for s in next((a.get("value", "") for a in data.get("variableAttribute", [])
                                       if a.get("type", "Actual") == "Actual"), "1").split(",") if s.strip()]
    available = [s.strip() for s in (data.get("variableCharacteristics", {}).get("valuesList") or "").split(",")
                 if s.strip().isdigit()]
    free = [int(s) for s in available if s not in in_use]
    if not free:
        raise CaseSkipped(f"the DUT reports no free network configuration slot (available: {available or 'none listed'}, "
                          f"in use: {in_use})")
    return free[0], in_use


async def _retry_window(ctx: CaseContext) -> tuple[int, float, float]:
    """(attempts after which the DUT may move to its next slot, the time those attempts take at
    most by its back-off variables plus one more attempt, its longest single back-off), as the DUT
    reports them."""
    got = {name: await ctx.csms.get_variable("OCPPCommCtrlr", name) for name in RETRY_DEFAULTS}
    v = {name: int(text) if (text := got[name] or "").isdigit() else default for name, default in RETRY_DEFAULTS.items()}
    attempts = max(1, v["NetworkProfileConnectionAttempts"])
    waits = sum(v["RetryBackOffWaitMinimum"] * 2 ** min(i, v["RetryBackOffRepeatTimes"]) + v["RetryBackOffRandomRange"]
                for i in range(attempts + 1))
    longest = v["RetryBackOffWaitMinimum"] * 2 ** v["RetryBackOffRepeatTimes"] + v["RetryBackOffRandomRange"]
    ctx.note(f"retry variables {v}: {attempts} attempts before another slot, within {waits} s; longest back-off {longest} s")
    return attempts, float(waits) + 5.0, float(longest)


@case("HB_A_05_CS", "The DUT moves up one security profile on request and never falls back",
      use_cases=["A05", "B09"], requirements=["A05.FR.02", "A05.FR.04", "A05.FR.05", "A05.FR.07", "B09.FR.01"],
      measurements=[Measurement("set_network_profile_status", equals="Accepted"),
                    Measurement("priority_accepted", equals=True,
                                description="SetVariables NetworkConfigurationPriority: Accepted or RebootRequired"),
                    Measurement("connected_at_new_profile", equals=True,
                                description="after the reset it connects to the listener at the higher profile"),
                    Measurement("connections_at_old_profile", equals=0,
                                description="connections to the old listener while the new one was away"),
                    Measurement("back_at_new_profile", equals=True)],
      tags=["upgrade", "irreversible"], timeout_s=200, kills=["falls-back-to-lower-profile"])
async def upgrade_profile(ctx: CaseContext) -> None:
    campaign = ctx.campaign
    old = campaign.csms
    assert old is not None
    if campaign.config.csms.upgrade_port is None:
        raise CaseSkipped("the rig's [csms] names no upgrade_port: no listener at a higher security profile")
    if old.security_profile not in (1, 2):
        raise CaseSkipped(f"the DUT's CSMS runs security profile {old.security_profile}: nothing to upgrade to")
    new = await campaign.upgraded_csms()
    slot, priority = await _free_slot(ctx)
    attempts, window, longest_backoff = await _retry_window(ctx)
    watch = min(window, FALLBACK_WATCH_MAX_S)
    # after the watch, the DUT may sit out its longest back-off (its own figure, capped)
    back = min(max(UPGRADE_S, longest_backoff + 30.0), BACK_MAX_S)
    ctx.extend_deadline(watch + back)  # timeout_s covers the protocol and the reboot; these the DUT declares
    ctx.note(f"security profile {old.security_profile} -> {new.security_profile} on slot {slot} "
             f"({campaign.csms_url(new)}); priority was {','.join(priority)}")
    res = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": slot, "connectionData": _network_data(
        ctx, campaign.csms_url(new), new.security_profile)})
    ctx.measure["set_network_profile_status"] = res["status"]
    if res["status"] != "Accepted":
        return
    res = await ctx.csms.call("SetVariables", {"setVariableData": [{
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": ",".join([str(slot), *priority])}]})
    status = res["setVariableResult"][0]["attributeStatus"]
    ctx.measure["priority_accepted"] = status in ("Accepted", "RebootRequired")
    if not ctx.measure["priority_accepted"]:
        return
    res = await ctx.csms.call("Reset", {"type": "OnIdle"})
    ctx.check(res["status"] == "Accepted", f"Reset OnIdle answered {res['status']} (the baseline left no transaction)")
    try:
        await new.wait_for_station(campaign.station_id, UPGRADE_S)
    except TimeoutError:
        ctx.measure["connected_at_new_profile"] = False
        return
    ctx.measure["connected_at_new_profile"] = True
    campaign.switch_csms(new)
    await ctx.csms.expect("BootNotification", 30)
    tried_new, tried_old = await _watch_fallback(ctx, old, new, attempts, watch)
    ctx.measure["connections_at_old_profile"] = tried_old
    await old.stop()  # nothing may use it any more: a DUT that fell back must come up again
    if (link := old.stations.get(campaign.station_id)) is not None:
        await link.close()
    try:
        await campaign.wait_for_dut(back)
        ctx.measure["back_at_new_profile"] = True
    except BenchError as e:
        ctx.note(str(e))
        ctx.measure["back_at_new_profile"] = False
    if not tried_old and tried_new <= attempts:
        raise CaseInconclusive(f"the DUT tried the upgraded CSMS {tried_new} times while it was closed, not the "
                               f"{attempts + 1} after which it could have fallen back: no fall-back was seen, "
                               f"but none was provoked (FALLBACK_WATCH_MAX_S {FALLBACK_WATCH_MAX_S:g} s)")


async def _watch_fallback(ctx: CaseContext, old: Any, new: Any, attempts: int, window_s: float) -> tuple[int, int]:
    """The upgraded listener refuses the DUT (503, each try counted) until the DUT has tried it
    more often than ``attempts`` or tried the old listener, at most ``window_s``: (tries at the
    new, connections and refused tries at the old)."""
    sid = ctx.campaign.station_id

    def tries(csms: Any, closed_only: bool) -> int:
        return sum(1 for s, why in list(csms.refusals) if s == sid and (why.startswith("closed:") or not closed_only))

    new_before, old_before, old_refused = tries(new, True), old.connections_total, tries(old, False)
    new.closed_for = "A05 fall-back watch"
    try:
        if (link := ctx.campaign.dut_link()) is not None:
            await link.close()
        deadline = time.monotonic() + window_s
        while time.monotonic() < deadline:
            tried_new = tries(new, True) - new_before
            tried_old = old.connections_total - old_before + tries(old, False) - old_refused
            if tried_old or tried_new > attempts:
                break
            await asyncio.sleep(0.1)
    finally:
        new.closed_for = None
    tried_new = tries(new, True) - new_before
    tried_old = old.connections_total - old_before + tries(old, False) - old_refused
    ctx.note(f"while the upgraded CSMS was closed: {tried_new} tries there, {tried_old} at the old profile")
    return tried_new, tried_old


@case("HB_A_05_LOW_CS", "The DUT refuses a network profile below the security profile it uses",
      use_cases=["A05", "B09"], requirements=["A05.FR.02", "B09.FR.02"],
      measurements=[Measurement("set_network_profile_status", equals="Rejected"),
                    Measurement("reason_code", equals="NoSecurityDowngrade",
                                description="statusInfo.reasonCode of the refusal")],
      tags=["tls"], timeout_s=60, kills=["accepts-security-downgrade"])
async def refuse_downgrade(ctx: CaseContext) -> None:
    """SetNetworkProfile on a free slot, one security profile below the DUT's, pointing at the
    bench's host (nothing listens there; the DUT is never asked to use it)."""
    profile = ctx.campaign.csms.security_profile if ctx.campaign.csms else 0
    if profile < 2:
        raise CaseSkipped(f"the rig's CSMS runs security profile {profile}: no OCPP profile below it to refuse")
    slot, _ = await _free_slot(ctx)
    host = ctx.campaign.config.csms.host
    url = f"{'wss' if profile - 1 >= 2 else 'ws'}://{f'[{host}]' if ':' in host else host}:9/ocpp"
    res = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": slot,
                                                    "connectionData": _network_data(ctx, url, profile - 1)})
    ctx.note(f"slot {slot}, security profile {profile - 1}: {res.get('statusInfo', {})}")
    ctx.measure["set_network_profile_status"] = res["status"]
    code = res.get("statusInfo", {}).get("reasonCode", "none")
    # reasonCode is case-insensitive (StatusInfoType)
    ctx.measure["reason_code"] = "NoSecurityDowngrade" if code.lower() == "nosecuritydowngrade" else code
