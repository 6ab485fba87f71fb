"""`hilbench v2g ...`: one ISO 15118-20 session as the EV, or the bench SECC serving sessions."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from hilbench import cli_args
from hilbench.cli_args import EXIT_FAILED, EXIT_USAGE, bad, choice, fail, ipv6_endpoint
from hilbench.errors import HilbenchError, PkiError
from hilbench.v2g import pki as v2g_pki
from hilbench.v2g import pnc, profile, sdp, tls
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc
from hilbench.v2g.services import SERVICES
from hilbench.v2g.transport import SeccServer, run_evcc

v2g_app = typer.Typer(help="ISO 15118-20: the bench as EV (EVCC) or as charger (SECC).", no_args_is_help=True)
console = Console()
DEFAULT_PKI = Path("out/v2g/pki")


def _pki(directory: Path) -> v2g_pki.V2gPki:
    """The -20 test PKI in ``directory``, generated there the first time."""
    try:
        return v2g_pki.load(directory)
    except PkiError:
        return v2g_pki.generate(directory)


def _rounded(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()} for name, row in rows.items()}


EvOption = Annotated[Optional[str], typer.Option(
    "--ev", help="EV profile: a shipped one (small-car, large-car, van) or a TOML file")]
EvseOption = Annotated[Optional[str], typer.Option(
    "--evse", help="EVSE profile: a shipped one (dc-bpt-22kw, ac-bpt-11kw, hpc-400kw) or a TOML file")]
SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", help="KEY=VALUE over the profile (repeat; 'none' clears an optional value); --set help lists the keys")]


def _model(kind: str, chosen: str | None, overrides: list[str] | None, **fixed: Any) -> Any:
    if overrides and "help" in overrides:
        for line in profile.describe(kind):
            console.print(line, highlight=False)
        raise typer.Exit(0)
    return profile.load(kind, chosen, overrides or (), **fixed)


@v2g_app.command("evcc")
def evcc_command(
    service: Annotated[str, typer.Option(help=f"energy service: {', '.join(SERVICES)}")] = "DC",
    control: Annotated[str, typer.Option(help="scheduled or dynamic")] = "scheduled",
    secc: Annotated[Optional[str], typer.Option(help="the SECC as [IPV6]:PORT ([fe80::1%eth0]:50000), no SDP")] = None,
    interface: Annotated[Optional[str], typer.Option(help="discover the SECC with SDP on this interface")] = None,
    no_tls: Annotated[bool, typer.Option("--no-tls", help="plain TCP instead of mutual TLS 1.3")] = False,
    pki: Annotated[Path, typer.Option(help="the -20 test PKI (generated there if absent)")] = DEFAULT_PKI,
    auth: Annotated[str, typer.Option(help="EIM, or PnC with the PKI's contract (needs TLS)")] = "EIM",
    ev: EvOption = None,
    set_: SetOption = None,
    loop_cycles: Annotated[Optional[int], typer.Option(min=1, help="charge loop cycles (the profile's loop_cycles)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a last line {ok, messages, timings_ms}")] = False,
) -> None:
    """Runs one full session as the EV and prints the message log with timings; exit 0 only when it
    ended with SessionStop OK. The EV's battery, limits and targets come from --ev and --set."""
    choice("--service", service, list(SERVICES))
    choice("--control", control, ("scheduled", "dynamic"))
    choice("--auth", auth, ("EIM", "PnC"))
    if (secc is None) == (interface is None):
        raise bad("--secc / --interface", "give one: --secc [IPV6]:PORT, or --interface IFACE to discover it with SDP")
    if auth == "PnC" and no_tls:
        raise bad("--auth", "PnC needs TLS (ISO 15118-20 has no PnC over plain TCP): drop --no-tls")
    endpoint = ipv6_endpoint("--secc", secc) if secc is not None else None
    if interface is not None:
        cli_args.interface("--interface", interface)
    battery = _model("ev", ev, (set_ or []) + ([f"loop_cycles={loop_cycles}"] if loop_cycles else []))

    async def session() -> Evcc:
        if endpoint is None:
            assert interface is not None
            host, port, _tls = await sdp.discover(interface, tls=not no_tls)
        else:
            host, port = endpoint
        the_pki = None if no_tls else _pki(pki)
        session_tls = tls.evcc_session(the_pki) if the_pki else None
        contract = pnc.Contract.from_chain(the_pki.contract) if the_pki and auth == "PnC" else None
        evcc = Evcc(service, control, ev=battery, contract=contract)
        return await run_evcc(evcc, host, port, tls=session_tls)

    try:
        evcc = asyncio.run(session())
    except (OSError, TimeoutError, HilbenchError) as e:
        fail(_session_error(e, endpoint), EXIT_FAILED)
    t0 = evcc.log[0][2] if evcc.log else 0
    messages = [{"dir": d, "message": name, "t_ms": round((t - t0) / 1e6, 3)} for d, name, t in evcc.log]
    timings = _rounded(evcc.timing.by_message())
    ok = bool(evcc.ended and evcc.ended.ok)
    if as_json:
        print(json.dumps({"ok": ok, "reason": evcc.ended.reason if evcc.ended else None, "authorization": evcc.authorized_by,
                          "messages": messages, "timings_ms": timings}))
    else:
        for m in messages:
            console.print(f"{m['t_ms']:>10.3f} ms  {'->' if m['dir'] == 'out' else '<-'}  {m['message']}", highlight=False)
        for late in evcc.timing.exceeded():
            console.print(f"[red]late:[/] {late.response} after {late.response_time_ms or 0:.1f} ms "
                          f"(limit {(late.limit_s or 0) * 1000:.0f} ms)")
        console.print(("[green]" if ok else "[red]") + (evcc.ended.reason if evcc.ended else "no end") + "[/]")
    raise typer.Exit(0 if ok else 1)


@v2g_app.command("secc")
def secc_command(
    interface: Annotated[Optional[str], typer.Option(help="serve SDP and TCP on this interface's link-local address")] = None,
    host: Annotated[str, typer.Option(help="IPv6 address to listen on without --interface")] = "::1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0 = any free)")] = 0,
    no_tls: Annotated[bool, typer.Option("--no-tls", help="plain TCP instead of mutual TLS 1.3")] = False,
    pki: Annotated[Path, typer.Option(help="the -20 test PKI (generated there if absent)")] = DEFAULT_PKI,
    evse: EvseOption = None,
    set_: SetOption = None,
) -> None:
    """Serves sessions until stopped (Ctrl-C), one line per finished session with the EV's timing
    (from each response to its next request, against V2G_SECC_Sequence_Timeout). Over TLS it offers
    Plug & Charge too, trusting the PKI's MO root. The charger's limits come from --evse and --set."""
    if interface is not None:
        cli_args.interface("--interface", interface)
    else:
        host = cli_args.host("--host", host)
        if ":" not in host:
            raise bad("--host", f"{host!r}: ISO 15118-20 runs over IPv6 (e.g. ::1)")
    charger = _model("evse", evse, set_)  # checked before anything listens

    async def serve() -> None:
        listen = f"{sdp.link_local_address(interface)}%{interface}" if interface else host
        the_pki = None if no_tls else _pki(pki)
        make_tls = (lambda: tls.secc_session(the_pki)) if the_pki else None  # noqa: E731
        trust = the_pki.contract.root.read_bytes() if the_pki else None
        paused: set[str] = set()  # one charger: a session paused on one connection resumes on another

        def new_secc() -> Secc:
            return Secc(evse=dataclasses.replace(charger, pnc_trust_pem=trust, session_ids=set(), paused_sessions=paused))

        try:
            server = await SeccServer(new_secc, host=listen, port=port, make_tls=make_tls).start()
        except OSError as e:
            fail(cli_args.listen_error(listen, port, e), EXIT_USAGE)
        sdp_transport = (await sdp.serve_sdp(interface, server.port, tls=not no_tls))[0] if interface else None
        print(json.dumps({"listening": f"[{listen}]:{server.port}", "sdp": interface, "tls": not no_tls}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        reported = 0
        while not stop.is_set():
            for s in server.sessions[reported:]:
                print(json.dumps({"ok": bool(s.ended and s.ended.ok), "reason": s.ended.reason if s.ended else None,
                                  "service": s.service.name if s.service else None, "control": s.control,
                                  "authorization": s.authorization or {"service": "EIM"},
                                  "ev_timing_ms": _rounded(s.timing.by_message())}), flush=True)
            reported = len(server.sessions)
            try:
                await asyncio.wait_for(stop.wait(), 0.2)
            except asyncio.TimeoutError:
                pass
        if sdp_transport is not None:
            sdp_transport.close()
        await server.close()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    except (OSError, HilbenchError) as e:
        fail(str(e), EXIT_FAILED)


@v2g_app.command("pki")
def pki_command(out: Annotated[Path, typer.Option(help="folder for the PEM files")] = DEFAULT_PKI) -> None:
    """Generates the -20 test PKI (secp521r1): V2G root → CPO sub-CAs → SECC leaf, OEM root → sub-CAs →
    vehicle leaf, MO root → sub-CAs → contract leaf."""
    cli_args.output_dir("--out", out)
    generated = v2g_pki.generate(out)
    for name in ("secc", "vehicle", "contract"):
        chain = getattr(generated, name)
        console.print(f"{name:>8}: {chain.chain}  (root {chain.root})", highlight=False)


def _session_error(e: BaseException, endpoint: tuple[str, int] | None) -> str:
    """One line for a session that could not run: where the SECC was looked for and what happened."""
    where = f"the SECC at [{endpoint[0]}]:{endpoint[1]}" if endpoint else "the SECC"
    if isinstance(e, ConnectionRefusedError):
        return f"cannot reach {where}: connection refused (nothing listens there)"
    if isinstance(e, TimeoutError) and endpoint is None:
        return f"no SECC answered SDP: {e}" if str(e) else "no SECC answered SDP"
    if isinstance(e, OSError):
        return f"cannot reach {where}: {e.strerror or e}"
    return str(e) or type(e).__name__
