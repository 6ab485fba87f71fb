"""A campaign on a simulated rig split into shards that run side by side: each shard is a
``hilbench run`` of its own (its own plant, simulated instruments and virtual charger, as the
mutation matrix's runs are), the cases dealt out so that the shards take about as long, and the
shards' records merged into one — cases in library order, one summary, the traces side by side —
from which the usual JUnit XML and HTML report are written.

Only for simulated rigs: a lab has one DUT and one set of instruments, and runs its campaign in one
piece. The cases wait on real time far more than they compute, so two shards on two cores take
about half the time of one campaign."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hilbench.cases.model import VERDICTS, Case
from hilbench.runner.context import BenchError

#: A case's expected length by what it needs, s: what the dealing balances (the order within a
#: shard stays the library's).
WEIGHTS = (("ev", 5.0), ("power_analyzer", 3.0), ("grid_simulator", 3.0), ("ev_emulator", 2.0))


def weight(case: Case) -> float:
    return next((w for role, w in WEIGHTS if role in case.roles), 0.5)


def deal(cases: list[Case], shards: int) -> list[list[Case]]:
    """The heaviest case first to the lightest shard; each shard in the selection's order."""
    loads = [0.0] * shards
    where: dict[str, int] = {}
    for c in sorted(cases, key=weight, reverse=True):
        i = loads.index(min(loads))
        where[c.id] = i
        loads[i] += weight(c)
    return [[c for c in cases if where[c.id] == i] for i in range(shards)]


def plan(rig: str, cases: list[Case], shards: int, *, swap_rig: str | None = None) -> list[tuple[str, list[Case]]]:
    """(rig, cases) per shard: ``cases`` dealt into ``shards`` on ``rig``, and those that need a
    battery swap station (role swap_bay) in a shard of their own on ``swap_rig``."""
    swap = [c for c in cases if "swap_bay" in c.roles] if swap_rig else []
    rest = [c for c in cases if c not in swap]
    parts = [(rig, p) for p in deal(rest, shards) if p]
    return parts + ([(swap_rig, swap)] if swap_rig and swap else [])


def run_shards(parts: list[tuple[str, list[Case]]], out: Path, order: list[str],
               on_verdict: Callable[[dict[str, Any]], None] = lambda _v: None) -> dict[str, Any]:
    """Runs each (rig, cases) of ``parts`` as a campaign of its own, all at once; writes the record
    merged in the case ``order`` to ``out/record.json`` and returns it. ``on_verdict`` sees each
    verdict as it comes."""
    out.mkdir(parents=True, exist_ok=True)
    children, feeds = [], []
    for i, (rig, part) in enumerate(parts):
        folder = out / f"shard-{i + 1}"
        feed = folder / "verdicts.jsonl"
        folder.mkdir(parents=True, exist_ok=True)
        feed.unlink(missing_ok=True)
        args = [sys.executable, "-m", "hilbench", "run", "--rig", rig, "--out", str(folder), "--progress-file", str(feed)]
        for c in part:
            args += ["--case", c.id]
        # stderr to a file, not a pipe: a shard that logs much would block on a pipe nobody reads
        with (folder / "stderr.log").open("w", encoding="utf-8") as log:
            children.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, text=True))
        feeds.append([feed, 0])
    try:
        while any(child.poll() is None for child in children):
            _read_feeds(feeds, on_verdict)
            time.sleep(0.2)
    finally:
        for child in children:  # Ctrl-C reaches the shards too: each puts its outputs off and ends
            child.wait()
    _read_feeds(feeds, on_verdict)
    records = []
    for i, child in enumerate(children):
        path = out / f"shard-{i + 1}" / "record.json"
        if not path.exists():
            err = (out / f"shard-{i + 1}" / "stderr.log").read_text(encoding="utf-8", errors="replace")
            raise BenchError(f"shard {i + 1} wrote no record: {err[-800:]}")
        records.append(json.loads(path.read_text(encoding="utf-8")))
        _gather_traces(out / f"shard-{i + 1}", out, i + 1)
    record = merge(records, order)
    (out / "record.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def _read_feeds(feeds: list[list[Any]], on_verdict: Callable[[dict[str, Any]], None]) -> None:
    for feed in feeds:
        path, done = feed
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        complete = [line for line in lines[done:] if line.endswith("}")]
        for line in complete:
            on_verdict(json.loads(line))
        feed[1] = done + len(complete)


def _gather_traces(shard: Path, out: Path, n: int) -> None:
    (out / "trace").mkdir(exist_ok=True)
    for f in (shard / "trace").glob("*.jsonl"):
        name = f"instruments-shard-{n}.jsonl" if f.name == "instruments.jsonl" else f.name
        shutil.copyfile(f, out / "trace" / name)


def merge(records: list[dict[str, Any]], order: list[str]) -> dict[str, Any]:
    """One record of the shards' records: their cases in ``order``, one summary, the earliest start
    and latest end; each shard's DUT and span under ``shards``."""
    by_id = {c["id"]: c for r in records for c in r["cases"]}
    merged = {k: v for k, v in records[0].items() if k not in ("cases", "summary")}
    merged["cases"] = [by_id[i] for i in order if i in by_id]
    merged["summary"] = {v: sum(1 for c in merged["cases"] if c["verdict"] == v) for v in VERDICTS}
    merged["started_at"] = min(r["started_at"] for r in records)
    merged["ended_at"] = max(r["ended_at"] for r in records)
    merged["aborted"] = "; ".join(f"shard {i + 1}: {r['aborted']}" for i, r in enumerate(records) if r.get("aborted")) or None
    merged["shards"] = [{"rig": (r.get("rig") or {}).get("name"), "cases": [c["id"] for c in r["cases"]], "dut": r.get("dut"),
                         "started_at": r["started_at"], "ended_at": r["ended_at"]} for r in records]
    return merged
