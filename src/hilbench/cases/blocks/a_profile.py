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

from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.runner.context import BenchError, CaseContext

#: How long the upgraded listener stays away while the bench watches the old one, s.
FALLBACK_WATCH_S = 30.0
#: The DUT's reboot and connection at the new profile, s.
UPGRADE_S = 90.0


def _network_data(url: str, profile: int) -> dict[str, Any]:
    return {"ocppCsmsUrl": url, "securityProfile": profile, "ocppInterface": "Wired0",
            "ocppTransport": "JSON", "messageTimeout": 30}


async def _free_slot(ctx: CaseContext) -> tuple[int, list[str]]:
    """A configuration slot the DUT does not use now (the one after the highest in its priority
    list), and that list."""
    priority = await ctx.csms.get_variable("OCPPCommCtrlr", "NetworkConfigurationPriority")
    slots = [s.strip() for s in (priority or "1").split(",") if s.strip()]
    return max((int(s) for s in slots if s.isdigit()), default=0) + 1, slots


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
      tags=["upgrade", "irreversible"], timeout_s=300, kills=["falls-back-to-lower-profile"])
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
    ctx.note(f"security profile {old.security_profile} -> {new.security_profile} on slot {slot} "
             f"({campaign.csms_url(new)}); priority was {','.join(priority)}")
    res = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": slot, "connectionData": _network_data(
        campaign.csms_url(new), new.security_profile)})
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
    before = old.connections_total
    async with campaign.csms_away():  # the DUT's only way out is the old profile
        deadline = time.monotonic() + FALLBACK_WATCH_S
        while old.connections_total == before and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    ctx.measure["connections_at_old_profile"] = old.connections_total - before
    await old.stop()  # nothing may use it any more: a DUT that fell back must come up again
    if (link := old.stations.get(campaign.station_id)) is not None:
        await link.close()
    try:
        await ctx.csms.reconnected(UPGRADE_S)
        ctx.measure["back_at_new_profile"] = True
    except BenchError as e:
        ctx.note(str(e))
        ctx.measure["back_at_new_profile"] = False


@case("HB_A_05_LOW_CS", "The DUT refuses a network profile below the security profile it uses",
      use_cases=["A05", "B09"], requirements=["A05.FR.02", "B09.FR.02"],
      measurements=[Measurement("set_network_profile_status", equals="Rejected")],
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
                                                    "connectionData": _network_data(url, profile - 1)})
    ctx.note(f"slot {slot}, security profile {profile - 1}: {res.get('statusInfo', {})}")
    ctx.measure["set_network_profile_status"] = res["status"]
