"""The last part of ``make demo``: the library's campaign on the embedded all-simulated rig
(``rigs/sim.toml``: simulated instruments, the virtual charger as the DUT), every block by default,
with progress as it runs; it ends with the HTML report's path and the verdicts per block on one
screen. The cases that need another rig (TLS on ``sim-sp3``, passwords and the profile upgrade on
``sim-sp2``) skip here, as a lab's campaign would show them. The campaign runs in two shards side
by side (``hilbench.runner.shards``: two simulated rigs, two virtual chargers), one per core, and
the battery swap cases in a third on ``sim-swap`` (the virtual charger as a swap station)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hilbench.runner.cli import VERDICT_STYLE, run_with_progress, write_reports

RIG = "sim"
#: The battery swap station's rig: the S cases run there, in a shard of their own.
SWAP_RIG = "sim-swap"
SHARDS = 2


def run_campaign_demo(out: Path, console: Console, blocks: list[str] | None = None, shards: int = SHARDS) -> dict[str, Any]:
    """Runs the campaign into ``out``; returns its record with ``paths`` and ``wall_s`` added."""
    from hilbench.cases.model import library
    from hilbench.rig_file import load_rig
    from hilbench.runner.select import select

    config = load_rig(Path(RIG))
    cases = select(library(), blocks=blocks)
    console.print(f"\n[bold]the test campaign[/] on rigs/{RIG}.toml ({config.dut.describe() if config.dut else 'no DUT'}): "
                  f"{len(cases)} cases, blocks {', '.join(sorted({c.block for c in cases}))}", highlight=False, soft_wrap=True)
    t0 = time.monotonic()
    record = run_with_progress(config, cases, out) if shards <= 1 else _sharded(cases, out, console, shards)
    record["wall_s"] = time.monotonic() - t0
    record["paths"] = write_reports(out)
    return record


def _sharded(cases: list[Any], out: Path, console: Console, shards: int) -> dict[str, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hilbench.runner.shards import plan, run_shards

    counts = {v: 0 for v in VERDICT_STYLE}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(f"{shards} shards", total=len(cases), counts="")

        def verdict(v: dict[str, Any]) -> None:
            counts[v["verdict"]] += 1
            bar.update(task, advance=1, description=v["id"],
                       counts=" ".join(f"[{VERDICT_STYLE[k]}]{k} {n}[/]" for k, n in counts.items() if n))
            if v["verdict"] in ("fail", "error", "inconclusive"):
                bar.console.print(f"[{VERDICT_STYLE[v['verdict']]}]{v['verdict']:>12}[/] {v['id']}: {v['reason']}",
                                  highlight=False, soft_wrap=True)

        return run_shards(plan(RIG, cases, shards, swap_rig=SWAP_RIG), out, [c.id for c in cases], verdict)


def summary_table(record: dict[str, Any]) -> Table:
    """One row per block: its verdict counts and its slowest case."""
    shards = len(record.get("shards", [])) or 1
    table = Table(title=f"verdicts per block ({len(record['cases'])} cases, {record['wall_s']:.0f} s"
                        + (f" in {shards} shards side by side)" if shards > 1 else ")"))
    table.add_column("block")
    for verdict in VERDICT_STYLE:
        table.add_column(verdict, justify="right", style=VERDICT_STYLE[verdict])
    table.add_column("slowest case")
    by_block: dict[str, list[dict[str, Any]]] = {}
    for c in record["cases"]:
        by_block.setdefault(c["block"], []).append(c)
    for block, cases in sorted(by_block.items()):
        counts = Counter(c["verdict"] for c in cases)
        slowest = max(cases, key=lambda c: c.get("duration_s") or 0.0)
        table.add_row(block, *(str(counts.get(v, 0) or "") for v in VERDICT_STYLE),
                      f"{slowest['id']} {slowest.get('duration_s') or 0.0:.1f} s")
    return table


def campaign_ok(record: dict[str, Any]) -> bool:
    s = record["summary"]
    return not (s["fail"] or s["error"] or s["inconclusive"] or record.get("aborted"))
