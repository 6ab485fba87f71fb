"""``hilbench run`` (a campaign on a rig), ``hilbench cases`` (the library) and ``hilbench report``
(the writers again, from a record)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from hilbench import cli_args
from hilbench.cli_args import EXIT_FAILED, EXIT_USAGE

console = Console()
VERDICT_STYLE = {"pass": "green", "fail": "red", "error": "magenta", "inconclusive": "yellow", "skipped": "dim"}


def run_command(
    rig: Annotated[Path, typer.Option(help="rig file (rigs/sim.toml) or a shipped rig's name (sim)")],
    out: Annotated[Path, typer.Option(help="folder for record.json, junit.xml, report.html and trace/")],
    block: Annotated[Optional[str], typer.Option(help="functional blocks, comma-separated (A,B,C,E,I,ISO,J,K,Q,R,RPC)")] = None,
    k: Annotated[Optional[str], typer.Option("-k", help="cases whose id or title contains this (or matches a * pattern)")] = None,
    tag: Annotated[Optional[list[str]], typer.Option(help="cases with this tag (repeat)")] = None,
    case: Annotated[Optional[list[str]], typer.Option(help="a case by its id (repeat)")] = None,
    progress_file: Annotated[Optional[Path], typer.Option(hidden=True, help="append each verdict as a JSON line")] = None,
    fault: Annotated[Optional[list[str]], typer.Option(help="a named fault of the virtual charger (repeat)")] = None,
    connect_timeout: Annotated[float, typer.Option(min=1.0, help="s to wait for an external DUT to connect")] = 60.0,
    verbose: Annotated[bool, typer.Option(help="log what the bench and the virtual charger do")] = False,
) -> None:
    """Runs the selected cases against the rig's device under test; exit 0 when none ended fail,
    error or inconclusive (skipped cases do not fail a run), 1 when one did, 2 for a usage error."""
    from hilbench.cases.model import library
    from hilbench.rig_file import load_rig
    from hilbench.runner.select import select
    from hilbench.sim.charger.faults import Faults

    import logging

    cli_args.output_dir("--out", out)
    # The campaign's findings are in the record; the logs of the bench (and of the virtual charger,
    # which runs in this process) only with --verbose.
    logging.basicConfig(level=logging.INFO if verbose else logging.CRITICAL,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_rig(rig)
    Faults(fault or ())  # unknown names are a usage error before anything starts
    cases = select(library(), blocks=[b.strip() for b in block.split(",") if b.strip()] if block else None,
                   pattern=k, tags=tag, ids=case)
    t0 = time.monotonic()
    record = run_with_progress(config, cases, out, faults=tuple(fault or ()), connect_timeout_s=connect_timeout,
                               progress_file=progress_file)
    paths = write_reports(out)
    summary = record["summary"]
    console.print(" ".join(f"[{VERDICT_STYLE[v]}]{v}: {summary[v]}[/]" for v in VERDICT_STYLE)
                  + f"  ({time.monotonic() - t0:.1f} s)", highlight=False)
    if record.get("aborted"):
        console.print(f"[red]campaign stopped[/]: {record['aborted']}", highlight=False, soft_wrap=True)
    for name, path in paths.items():
        console.print(f"{name}: {path}", highlight=False, soft_wrap=True)
    bad = summary["fail"] + summary["error"] + summary["inconclusive"]
    raise typer.Exit(EXIT_FAILED if bad or record.get("aborted") else 0)


def run_with_progress(config: Any, cases: list[Any], out: Path, *, faults: tuple[str, ...] = (),
                      connect_timeout_s: float = 60.0, progress_file: Path | None = None) -> dict[str, Any]:
    """The campaign with a progress bar, each fail, error or inconclusive printed as it comes (and,
    with ``progress_file``, each verdict appended to it as a JSON line); returns the record (a
    partial one after Ctrl-C)."""
    from hilbench.runner.campaign import Campaign

    counts = {v: 0 for v in VERDICT_STYLE}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("starting", total=len(cases), counts="")

        def progress(event: str, data: dict[str, Any]) -> None:
            if event == "case":
                bar.update(task, description=f"{data['id']}")
            elif event == "verdict":
                if progress_file is not None:
                    with progress_file.open("a", encoding="utf-8") as f:
                        f.write(json.dumps({k: data.get(k) for k in ("id", "verdict", "reason")}) + "\n")
                counts[data["verdict"]] += 1
                line = " ".join(f"[{VERDICT_STYLE[v]}]{v} {n}[/]" for v, n in counts.items() if n)
                bar.update(task, advance=1, counts=line)
                if data["verdict"] in ("fail", "error", "inconclusive"):
                    bar.console.print(f"[{VERDICT_STYLE[data['verdict']]}]{data['verdict']:>12}[/] {data['id']}: "
                                      f"{data['reason']}", highlight=False, soft_wrap=True)

        campaign = Campaign(config, cases, out, faults=faults, connect_timeout_s=connect_timeout_s, progress=progress)
        try:
            record: dict[str, Any] = asyncio.run(campaign.run())
        except KeyboardInterrupt:
            partial: dict[str, Any] | None = getattr(campaign, "record", None)
            console.print("[yellow]interrupted[/]: every output is off; the record holds the cases that ran")
            if partial is None:
                raise typer.Exit(130) from None
            record = partial
    return record


def write_reports(out: Path) -> dict[str, Path]:
    paths = {"record": out / "record.json"}
    try:
        from hilbench.report import write_reports
    except ImportError:  # the writers are optional at this stage of the package
        return paths
    return paths | write_reports(out / "record.json", out)


def cases_command(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON list of {id, title, block, use_cases, requirements, roles}")] = False,
    coverage: Annotated[bool, typer.Option(help="per block, the use cases and requirement ids the library's cases cite")] = False,
) -> None:
    """Lists the test-case library."""
    from hilbench.cases.model import library

    cases = library()
    if coverage:
        from hilbench.cases.coverage import coverage_lines

        for line in coverage_lines(cases):
            console.print(line, highlight=False, soft_wrap=True)
        return
    if as_json:
        print(json.dumps([{k: v for k, v in c.summary().items() if k in ("id", "title", "block", "use_cases",
                                                                          "requirements", "roles")}
                          for c in cases.values()], indent=1))
        return
    for c in cases.values():
        console.print(f"{c.id:<22} {c.block:<4} {', '.join(c.use_cases):<10} {c.title}", highlight=False, soft_wrap=True)


def report_command(record: Annotated[Path, typer.Argument(help="a campaign's record.json")],
                   out: Annotated[Path, typer.Option(help="folder for junit.xml and report.html")]) -> None:
    """Writes JUnit XML and the HTML report again from a record alone."""
    cli_args.output_dir("--out", out)
    from hilbench.report import write_reports

    for name, path in write_reports(record, out).items():
        console.print(f"{name}: {path}", highlight=False, soft_wrap=True)
    raise typer.Exit(0)


__all__ = ["EXIT_USAGE", "cases_command", "report_command", "run_command"]


def mutate_command(
    rig: Annotated[Path, typer.Option(help="rig file whose DUT is the virtual charger (sim)")],
    out: Annotated[Path, typer.Option(help="folder for mutation.json, mutation.html and every run's files")],
    block: Annotated[Optional[str], typer.Option(help="functional blocks, comma-separated")] = None,
    k: Annotated[Optional[str], typer.Option("-k", help="cases whose id or title contains this")] = None,
    tag: Annotated[Optional[list[str]], typer.Option(help="cases with this tag (repeat)")] = None,
    case: Annotated[Optional[list[str]], typer.Option(help="a case by its id (repeat)")] = None,
    fault: Annotated[Optional[list[str]], typer.Option(help="only these faults (repeat; default: every fault "
                                                            "the rig can show)")] = None,
    jobs: Annotated[Optional[int], typer.Option(min=1, help="runs at a time (default: the CPU count; a simulated "
                                                            "campaign mostly waits on real time, so more can fit)")] = None,
) -> None:
    """The mutation kill matrix: the selected cases once clean and once per named fault of the
    virtual charger; exit 0 when the clean run all passes, every fault is failed by a case and every
    case fails a fault."""
    from hilbench.cases.model import library
    from hilbench.rig_file import load_rig
    from hilbench.runner.mutate import matrix
    from hilbench.runner.select import select
    from hilbench.sim.charger.faults import CATALOGUE, Faults

    cli_args.output_dir("--out", out)
    config = load_rig(rig)
    if config.dut is None or config.dut.kind != "virtual":
        raise cli_args.bad("--rig", "mutation needs the virtual charger as the rig's DUT ([dut] kind = \"virtual\")")
    Faults(fault or ())
    select(library(), blocks=[b.strip() for b in block.split(",")] if block else None, pattern=k,
           tags=tag, ids=case)  # usage errors now
    selection = (["--block", block] if block else []) + (["-k", k] if k else []) + \
        [a for t in tag or [] for a in ("--tag", t)] + [a for c in case or [] for a in ("--case", c)]
    faults = list(fault) if fault else [f.name for f in CATALOGUE]
    lacking = {tag for tag, ok in (("tls", config.csms.security_profile >= 2),
                                   ("password", config.csms.security_profile in (1, 2)),
                                   ("upgrade", config.csms.upgrade_port is not None)) if not ok}
    if not (config.dut.virtual or {}).get("swap_slots"):
        lacking.add("swap_bay")  # a role, not a tag: the battery swap cases need a swap station
    if not fault and lacking:  # what only cases this rig cannot run can show is left out
        cases = library().values()

        def unrunnable(c: Any) -> bool:
            return bool(lacking & (set(c.tags) | set(c.roles)))

        only = {f for c in cases if unrunnable(c) for f in c.kills} - {f for c in cases if not unrunnable(c) for f in c.kills}
        faults = [f for f in faults if f not in only]
        console.print(f"{len(only)} faults only the {' and '.join(sorted(lacking))} cases show are left out: the rig "
                      f"cannot run those cases (their matrices: --rig sim-sp3 --tag tls; --rig sim-sp2 --tag upgrade "
                      f"--tag password; --rig sim-swap --block S)", highlight=False, soft_wrap=True)

    def progress(name: str, verdicts: dict[str, str]) -> None:
        failed = [i for i, v in verdicts.items() if v == "fail"]
        console.print(f"{name:<44} {len(failed)} failed: {', '.join(failed)}", highlight=False, soft_wrap=True)

    report = asyncio.run(matrix(str(rig), out, selection, faults, progress, workers=jobs))
    console.print(f"clean all pass: {report['clean']['all_pass']}; faults no case fails: {report['unkilled_faults'] or 'none'}; "
                  f"cases that fail no fault: {report['cases_killing_nothing'] or 'none'}; {report['wall_s']} s",
                  highlight=False, soft_wrap=True)
    console.print(f"matrix: {out / 'mutation.json'}, {out / 'mutation.html'}", highlight=False, soft_wrap=True)
    ok = report["clean"]["all_pass"] and not report["unkilled_faults"] and not report["cases_killing_nothing"]
    raise typer.Exit(0 if ok else EXIT_FAILED)
