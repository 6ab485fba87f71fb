"""The hilbench command line (typer)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.exceptions import TyperException
from rich.console import Console

from hilbench import cli_args
from hilbench.cli_args import EXIT_FAILED, EXIT_USAGE, fail
from hilbench.errors import ConfigError, HilbenchError
from hilbench.signals import stop_on_signals
from hilbench.v2g.cli import v2g_app

app = typer.Typer(help="hilbench: hardware-in-the-loop test bench for bidirectional (V2G) EV chargers.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
sim_app = typer.Typer(help="Simulated peers and instruments.", no_args_is_help=True)
app.add_typer(sim_app, name="sim")
rig_app = typer.Typer(help="Rigs: the instruments around the charger.", no_args_is_help=True)
app.add_typer(rig_app, name="rig")
app.add_typer(v2g_app, name="v2g")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def main() -> None:
    """The ``hilbench`` entry point: every expected failure ends as one ``error:`` line on stderr,
    exit code 2 for a usage error and 1 for a failed run (``cli_args``); only a bench bug shows a
    traceback."""
    try:
        code = app(standalone_mode=False)
    except TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # a group called bare: its help, as usage
            print(e.format_message(), file=sys.stderr)
        else:
            print(f"error: {' '.join(e.format_message().split())}", file=sys.stderr)
        code = e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    except ConfigError as e:
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        code = EXIT_USAGE
    except (HilbenchError, OSError) as e:
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        code = EXIT_FAILED
    sys.exit(code if isinstance(code, int) else 0)


def _version(value: bool) -> None:
    if value:
        from hilbench import __version__

        print(f"hilbench {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit")] = False) -> None:
    # Every command stops on SIGINT and SIGTERM, whatever its parent did with them (a background
    # job inherits SIGINT as ignored): outputs off and results written on the way out.
    stop_on_signals()


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def demo(out: Annotated[Path, typer.Option(help="Output folder (PKI, traces, the campaign's report)")] = Path("out/demo"),
         block: Annotated[Optional[str], typer.Option(help="the campaign's blocks, comma-separated (default: all)")] = None,
         verbose: bool = False) -> None:
    """The bench on loopback (OCPP under Security Profile 3, the simulated rig, ISO 15118-20), then
    the test campaign on the simulated rig with its report and the verdicts per block."""
    from hilbench.demo import main

    _logging(verbose)
    raise typer.Exit(main(out, console, [b.strip() for b in block.split(",") if b.strip()] if block else None))


@app.command()
def pki(directory: Path, station: Annotated[Optional[list[str]], typer.Option(help="station id (repeat)")] = None) -> None:
    """Generate a test PKI: CA, CSMS certificate, one client certificate per station."""
    from hilbench.pki import generate

    cli_args.output_dir("DIRECTORY", directory)
    p = generate(directory, tuple(station if station is not None else ["CS001"]))
    console.print(f"CA {p.ca.cert}\nCSMS {p.csms.cert}\nstations {p.directory / 'stations'}")


Port = Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0 = any free)")]


@app.command()
def csms(port: Port = 9000,
         host: Annotated[str, typer.Option(help="address to listen on (IPv4, IPv6 or a host name)")] = "127.0.0.1",
         security_profile: Annotated[int, typer.Option(min=0, max=3, help="0 = plain ws, no auth (lab debugging)")] = 0,
         pki_dir: Annotated[Optional[Path], typer.Option(help="PKI from `hilbench pki` (profiles 2, 3)")] = None,
         password: Annotated[Optional[list[str]], typer.Option(help="STATION=PASSWORD (profiles 1, 2; repeat)")] = None,
         trace_dir: Optional[Path] = None,
         heartbeat_interval: Annotated[int, typer.Option(min=1, help="s, in BootNotification responses")] = 300,
         tls_min_version: Annotated[str, typer.Option(help="1.2 or 1.3 (profiles 2, 3)")] = "1.2",
         verbose: bool = False) -> None:
    """Run the bench CSMS until interrupted; stations connect to ws(s)://HOST:PORT/ocpp/<id>."""
    from hilbench.ocpp.csms import Csms
    from hilbench.ocpp.fleet import raise_fd_limit
    from hilbench.pki import load

    host = cli_args.host("--host", host)
    cli_args.choice("--tls-min-version", tls_min_version, ("1.2", "1.3"))
    for p in password or []:
        if "=" not in p or not p.partition("=")[0]:
            raise cli_args.bad("--password", f"{p!r} is not STATION=PASSWORD")
    if trace_dir is not None:
        cli_args.output_dir("--trace-dir", trace_dir)
    _logging(verbose)
    raise_fd_limit(65536)
    passwords = dict(p.split("=", 1) for p in (password or []))
    the_pki = load(pki_dir) if pki_dir else None

    async def serve() -> None:
        server = Csms(host, port, security_profile=security_profile, pki=the_pki, passwords=passwords,
                      trace_dir=trace_dir, heartbeat_interval=heartbeat_interval, tls_min_version=tls_min_version)
        try:
            await server.start()
        except OSError as e:
            fail(cli_args.listen_error(host, port, e), EXIT_USAGE)
        try:
            console.print(f"CSMS listening on {server.url} (security profile {security_profile})", highlight=False)
            await asyncio.Event().wait()
        finally:
            await server.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="JSONL of {ocmf, public_key} records, OCPP SignedMeterValue objects, "
                                              "bare OCMF lines, or a hilbench OCPP trace")],
    public_key: Annotated[Optional[str], typer.Option(help="key for records that carry none (hex/base64 DER)")] = None,
    strict: Annotated[bool, typer.Option(help="count deviations from the OCMF text as errors")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON verdict per line")] = False,
    transaction: Annotated[bool, typer.Option(help="also check the records as one transaction")] = False,
) -> None:
    """Verify signed meter values (OCMF) in FILE; exit code 1 when any record is invalid."""
    from hilbench.ocmf.report import run_verify

    try:
        code = run_verify(file, public_key=public_key, strict=strict, as_json=as_json, transaction=transaction,
                          console=console)
    except HilbenchError as e:
        fail(str(e), EXIT_USAGE)
    raise typer.Exit(code)


@rig_app.command("check")
def rig_check(rig: Annotated[Path, typer.Argument(help="rig file (e.g. rigs/sim.toml) or a shipped rig's name (sim)")],
              as_json: Annotated[bool, typer.Option("--json", help="one JSON line per instrument")] = False) -> None:
    """Connect to every instrument, check identity and read back settings; exit 1 on any problem."""
    from hilbench.rig_check import check_rig, print_rows

    try:
        rows = check_rig(rig)
    except HilbenchError as e:
        fail(str(e), EXIT_USAGE)
    if as_json:
        for r in rows:
            print(json.dumps({"instrument": r.name, "role": r.role, "model": r.model, "address": r.address,
                              "identity": r.identity, "settings": r.settings, "problem": r.problem}))
    else:
        print_rows(rows, console)
    for r in rows:
        if r.problem:
            err_console.print(f"[red]{r.name}:[/] {r.problem}", highlight=False)
    raise typer.Exit(1 if any(r.problem for r in rows) else 0)


@sim_app.command("instruments")
def sim_instruments(
    rig: Annotated[Path, typer.Argument(help="rig file whose instruments to simulate")],
    fixed_ports: Annotated[bool, typer.Option(help="serve on each model's own port (e.g. 5025)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per instrument")] = False,
    charger_power_w: Annotated[float, typer.Option(help="power the plant's charger pushes into the DC link "
                                                        "(+ charges the emulated battery, - discharges it)")] = 0.0,
) -> None:
    """Serve the rig's simulated instruments on 127.0.0.1 until stopped (Ctrl-C, SIGINT or SIGTERM)."""
    import threading

    from hilbench.rig_file import load_rig
    from hilbench.sim.registry import SimulatedInstruments

    config = load_rig(rig)
    models = {n: i.model for n, i in config.instruments.items()}
    ports = {n: m.port for n, m in models.items() if fixed_ports and m.port} if fixed_ports else None
    try:
        sims = SimulatedInstruments(models, ports=ports).start()
    except OSError as e:
        fail(f"cannot start the simulated instruments: {e.strerror or e}", EXIT_USAGE)
    try:
        sims.plant.charger_power_w = charger_power_w
        for name, model in models.items():
            address = sims.address(name)
            # python-can's virtual bus joins buses of one process only (a Linux vcan would be shared).
            note = "python-can virtual bus: reachable from this process only" if address.startswith("can://virtual/") else None
            if as_json:
                print(json.dumps({"instrument": name, "model": model.id, "address": address} | ({"note": note} if note else {})),
                      flush=True)
            else:
                console.print(f"{name:>12}  {model.id:<24} {address}" + (f"  ({note})" if note else ""), highlight=False)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sims.stop()


def _register_commands() -> None:
    from hilbench.runner.cli import cases_command, mutate_command, report_command, run_command
    from hilbench.sim.charger.cli import charger_command, faults_command

    sim_app.command("charger")(charger_command)
    sim_app.command("faults")(faults_command)
    app.command("run")(run_command)
    app.command("cases")(cases_command)
    app.command("report")(report_command)
    app.command("mutate")(mutate_command)


_register_commands()


@sim_app.command("stations")
def sim_stations(url: Annotated[str, typer.Option(help="CSMS URL without station id, e.g. ws://127.0.0.1:9000/ocpp")],
                 count: Annotated[int, typer.Option(min=1, help="stations in this process")] = 10,
                 duration: Annotated[float, typer.Option(min=0.1, help="s each station stays connected")] = 10.0,
                 heartbeat_interval: Annotated[float, typer.Option(min=0.0, help="s (0: back to back)")] = 2.0,
                 version: Annotated[str, typer.Option(help="OCPP version: 2.1 or 2.0.1")] = "2.1",
                 prefix: Annotated[str, typer.Option(help="station ids are PREFIX00000, PREFIX00001, ...")] = "SIM",
                 as_json: Annotated[bool, typer.Option("--json")] = False,
                 verbose: bool = False) -> None:
    """Run COUNT emulated stations in this process: connect, boot, heartbeat for DURATION s."""
    from hilbench.ocpp.fleet import run_fleet

    cli_args.ws_url("--url", url)
    cli_args.choice("--version", version, ("2.1", "2.0.1"))
    _logging(verbose)
    try:
        report = asyncio.run(run_fleet(url, count, duration_s=duration, heartbeat_interval_s=heartbeat_interval,
                                       version=version, prefix=prefix))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    d = report.as_dict()
    if as_json:
        print(json.dumps(d))
    else:
        for k, v in d.items():
            console.print(f"{k:>14}: {v}", highlight=False)
    raise typer.Exit(0 if report.ok else 1)
