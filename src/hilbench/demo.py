"""`make demo`: the bench CSMS and an emulated station on loopback under Security Profile 3
(mutual TLS, generated PKI): boot, status, authorize, a charging transaction with meter values,
a SetChargingProfile from the CSMS during the transaction; prints a summary and the trace path. Then
the instrument half (``demo_rig``) on the embedded simulated rig, and the ISO 15118-20 half
(``demo_v2g``): bench EV against bench charger, TLS 1.3, Plug & Charge, charging then discharging.
Last, the test campaign (``demo_campaign``): the library's cases against the virtual charger on
the simulated rig, ending with the HTML report and the verdicts per block."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hilbench import pki as pki_mod
from hilbench.demo_campaign import campaign_ok, run_campaign_demo, summary_table
from hilbench.demo_rig import CHARGE_W, DISCHARGE_W, run_rig_demo
from hilbench.demo_v2g import run_v2g_demo
from hilbench.ocpp.csms import Csms
from hilbench.ocpp.station import Station
from hilbench.ocpp.trace import read_trace

STATION = "HILBENCH-DEMO-01"

PROFILE = {"chargingProfile": {
    "id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Absolute",
    "chargingSchedule": [{"id": 1, "chargingRateUnit": "W", "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 11000.0, "dischargeLimit": -7000.0, "setpoint": -7000.0,
         "operationMode": "CentralSetpoint"}]}]}}


async def run_demo(out: Path) -> dict[str, Any]:
    pki = pki_mod.generate(out / "pki", (STATION,))
    trace_dir = out / "trace"
    async with Csms(port=0, security_profile=3, pki=pki, trace_dir=trace_dir) as csms:
        async with Station(csms.url, STATION, security_profile=3, pki=pki) as st:
            boot = await st.boot()
            link = await csms.wait_for_station(STATION)
            await st.status(1, 1, "Available")
            auth = await st.authorize("04A1B2C3D4")
            tx_task = asyncio.create_task(st.run_transaction(samples=3, sample_interval_s=0.3))
            started = await link.expect("TransactionEvent")
            profile = dict(PROFILE, evseId=1)
            profile["chargingProfile"] = dict(PROFILE["chargingProfile"],
                                              transactionId=started.payload["transactionInfo"]["transactionId"])
            set_profile = await link.call("SetChargingProfile", profile)
            tx = await tx_task
            violations = len(link.violations) + len(st.link.violations if st.link else [])
    trace_path = csms.trace_path(STATION)
    assert trace_path is not None
    return {"boot": boot["status"], "interval": boot["interval"], "authorize": auth["idTokenInfo"]["status"],
            "transaction_id": tx.transaction_id, "seq_nos": tx.seq_nos, "energy_wh": tx.energy_wh,
            "set_charging_profile": set_profile["status"], "violations": violations,
            "frames": len([r for r in read_trace(trace_path) if r["dir"] in ("rx", "tx")]),
            "trace": str(trace_path), "pki": str(pki.directory), "url": csms.url}


def main(out: Path, console: Console | None = None, blocks: list[str] | None = None) -> int:
    console = console or Console()
    summary = asyncio.run(run_demo(out))
    table = Table(title="hilbench demo: CSMS <-> station, OCPP 2.1, Security Profile 3 (mutual TLS)")
    table.add_column("step")
    table.add_column("result")
    table.add_row("CSMS", summary["url"])
    table.add_row("BootNotification", f"{summary['boot']} (heartbeat interval {summary['interval']} s)")
    table.add_row("Authorize", summary["authorize"])
    table.add_row("Transaction", f"{summary['transaction_id']}  seqNo {summary['seq_nos']}")
    table.add_row("Energy delivered", f"{summary['energy_wh']:.1f} Wh")
    table.add_row("SetChargingProfile (V2X setpoint -7 kW)", summary["set_charging_profile"])
    table.add_row("OCPP-J violations", str(summary["violations"]))
    table.add_row("Frames traced", str(summary["frames"]))
    console.print(table)
    console.print(f"trace: {summary['trace']}", soft_wrap=True, highlight=False)
    console.print(f"PKI:   {summary['pki']}", soft_wrap=True, highlight=False)
    physical = run_rig_demo()
    rig = Table(title=f"the device under test on the simulated rig (rigs/sim.toml): {physical.dut}")
    rig.add_column("step")
    rig.add_column("result")
    for name, identity in physical.identities.items():
        rig.add_row(f"instrument {name}", identity)
    rig.add_row("transaction events", ", ".join(physical.events))
    rig.add_row("charge, analyzer DC element", f"{physical.charge_dc_w:+.0f} W (CSMS setpoint {CHARGE_W:+.0f} W)")
    rig.add_row("discharge, analyzer DC element", f"{physical.discharge_dc_w:+.0f} W (CSMS setpoint {DISCHARGE_W:+.0f} W)")
    rig.add_row("analyzer energy, DC", f"import {physical.dc_import_wh:.2f} Wh, export {physical.dc_export_wh:.2f} Wh")
    rig.add_row("charger's registers", f"import {physical.reported_import_wh:.2f} Wh, export {physical.reported_export_wh:.2f} Wh")
    rig.add_row("signed meter values", f"{physical.signed_valid} of {physical.signed_total} verified")
    rig.add_row("meter registers, grid (with losses)", f"import {physical.meter_import_wh:.2f} Wh, export {physical.meter_export_wh:.2f} Wh")
    rig.add_row("every output off after the rig closed", "yes" if physical.all_off else "[red]NO[/]")
    console.print(rig)
    v2g = asyncio.run(run_v2g_demo(out))
    iso = Table(title="ISO 15118-20: bench EV <-> bench charger, mutual TLS 1.3, Plug & Charge, DC_BPT dynamic")
    iso.add_column("step")
    iso.add_column("result")
    iso.add_row("TLS", " ".join(v2g.tls) if v2g.tls else "[red]none[/]")
    iso.add_row("Plug & Charge authorization", v2g.authorization)
    iso.add_row("station's targets (dynamic)", f"{v2g.charge_w:+.0f} W, then {v2g.discharge_w:+.0f} W")
    iso.add_row("charger's ChargeLoop response, max", f"{v2g.loop_ms_max:.2f} ms (limit {v2g.loop_limit_ms:.0f} ms)")
    iso.add_row("EV's next loop request, max", f"{v2g.ev_loop_gap_ms_max:.2f} ms (limit {v2g.ev_loop_gap_limit_ms:.0f} ms)")
    iso.add_row("session", f"{v2g.reason} after {v2g.messages} messages")
    console.print(iso)
    record = run_campaign_demo(out / "campaign", console, blocks)
    console.print(summary_table(record))
    for name, path in record["paths"].items():
        console.print(f"{name}: {path}", highlight=False, soft_wrap=True)
    ok = summary["violations"] == 0 and summary["boot"] == "Accepted" and physical.ok and v2g.ok and campaign_ok(record)
    return 0 if ok else 1
