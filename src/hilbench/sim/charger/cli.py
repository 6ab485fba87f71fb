"""``hilbench sim charger`` (the virtual charger alone, toward any CSMS) and ``hilbench sim faults``
(its catalogue of named faults)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from hilbench import cli_args
from hilbench.sim.charger.config import VARIANTS, ChargerConfig
from hilbench.sim.charger.faults import CATALOGUE, Faults

console = Console()


def charger_command(
    csms: Annotated[str, typer.Option(help="CSMS URL without the station id, e.g. ws://127.0.0.1:9000/ocpp")],
    station_id: Annotated[str, typer.Option(help="the station's identity (the last URL segment)")] = "HB-VC-001",
    variant: Annotated[str, typer.Option(help="dc (bidirectional CCS, 22 kW) or ac (three-phase, 11 kW)")] = "dc",
    security_profile: Annotated[int, typer.Option(min=0, max=3, help="0-3; 1 and 2 need --password, 2 and 3 --pki-dir")] = 0,
    password: Annotated[Optional[str], typer.Option(help="Basic-auth password (profiles 1, 2)")] = None,
    pki_dir: Annotated[Optional[Path], typer.Option(help="OCPP test PKI from `hilbench pki` (profiles 2, 3)")] = None,
    fault: Annotated[Optional[list[str]], typer.Option(help="switch on a named fault (repeat; `hilbench sim faults`)")] = None,
    state_dir: Annotated[Optional[Path], typer.Option(help="where it keeps what survives a restart")] = None,
    ev_plugged: Annotated[bool, typer.Option(help="an EV is plugged in and ready from the start (pilot C)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line when ready")] = False,
) -> None:
    """Runs the virtual charger until stopped: boots at the CSMS, serves ISO 15118-20 on ::1 (the
    address is printed), powered by its own simulated grid and battery."""
    from hilbench.sim.charger.charger import VirtualCharger
    from hilbench.sim.plant import Plant

    cli_args.ws_url("--csms", csms)
    cli_args.choice("--variant", variant, list(VARIANTS))
    if state_dir is not None:
        cli_args.output_dir("--state-dir", state_dir)
    config = ChargerConfig(csms_url=csms, station_id=station_id, variant=variant, security_profile=security_profile,
                           password=password, pki_dir=pki_dir, faults=Faults(fault or ()), state_dir=state_dir)
    plant = Plant()
    plant.dc.output_on, plant.dc.voltage_v = True, 400.0
    plant.dc.sink_current_a = plant.dc.source_current_a = config.max_current_a or 0.0
    if ev_plugged:
        plant.ev.cp_state, plant.ev.contactor_closed = "C", True

    async def serve() -> None:
        charger = VirtualCharger(config, plant)
        await charger.start()
        try:
            while charger.secc_port is None:
                await asyncio.sleep(0.05)
            ready = {"station_id": station_id, "csms": f"{csms.rstrip('/')}/{station_id}", "variant": variant,
                     "secc": f"[{config.secc_host}]:{charger.secc_port}", "state_dir": str(config.state_dir),
                     "faults": sorted(config.faults.names)}
            if as_json:
                print(json.dumps(ready), flush=True)
            else:
                for k, v in ready.items():
                    console.print(f"{k:>10}: {v}", highlight=False)
            while True:
                await asyncio.sleep(3600)
        finally:
            await charger.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


def faults_command(as_json: Annotated[bool, typer.Option("--json", help="one JSON object per fault")] = False) -> None:
    """Lists the virtual charger's named faults: name, area, what it does."""
    for f in CATALOGUE:
        if as_json:
            print(json.dumps({"name": f.name, "area": f.area, "does": f.does}))
        else:
            print(f"{f.name:<44} {f.area:<13} {f.does}")
