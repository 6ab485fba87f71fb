"""``hilbench mutate``: the mutation kill matrix — the selected cases run against the virtual charger
once clean and once per named fault, each run a ``hilbench run`` of its own (its own process, CSMS,
rig and charger state), as many at a time as the machine has cores. The matrix says which cases
each fault fails: a fault no case fails is a defect the library would let through; a case that
fails no fault proves nothing; a clean run that does not all pass is a false finding (a case the rig
skips — a security profile it does not run — is neither).

``DIR/mutation.json``::

    {"clean": {"all_pass": bool, "verdicts": {id: verdict}}, "cases": [ids], "skipped_cases": [...],
     "faults": {fault: [ids of the cases that failed]}, "errors": {fault: [ids that ended error]},
     "unkilled_faults": [...], "cases_killing_nothing": [...], "wall_s": ...}

and ``DIR/mutation.html``, the matrix as a table."""

from __future__ import annotations

import asyncio
import html
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

WORKERS = max(1, (os.cpu_count() or 1))


async def _run(rig: str, out: Path, selection: list[str], fault: str | None) -> dict[str, str]:
    args = [sys.executable, "-m", "hilbench", "run", "--rig", rig, "--out", str(out), *selection]
    if fault:
        args += ["--fault", fault]
    child = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL,
                                                 stderr=asyncio.subprocess.PIPE)
    _out, err = await child.communicate()
    record = out / "record.json"
    if not record.exists():
        raise RuntimeError(f"the run {'with ' + fault if fault else 'clean'} wrote no record: {err.decode()[-500:]}")
    return {c["id"]: c["verdict"] for c in json.loads(record.read_text())["cases"]}


async def matrix(rig: str, out: Path, selection: list[str], faults: list[str],
                 progress: Any = lambda _name, _verdicts: None, *, workers: int | None = None) -> dict[str, Any]:
    t0 = time.monotonic()
    workers = workers or WORKERS
    gate = asyncio.Semaphore(workers)

    async def one(fault: str | None) -> tuple[str | None, dict[str, str]]:
        async with gate:
            verdicts = await _run(rig, out / ("clean" if fault is None else f"fault-{fault}"), selection, fault)
            progress(fault or "clean", verdicts)
            return fault, verdicts

    runs = dict(await asyncio.gather(*(one(f) for f in [None, *faults])))
    clean = runs.pop(None)
    results = {f: v for f, v in runs.items() if f is not None}
    cases = list(clean)
    killed = {f: [i for i, v in verdicts.items() if v == "fail"] for f, verdicts in results.items()}
    errors = {f: [i for i, v in verdicts.items() if v == "error"] for f, verdicts in results.items()}
    skipped = {i for i, v in clean.items() if v == "skipped"}  # a role or profile the rig lacks: no finding
    report = {"clean": {"all_pass": all(v in ("pass", "skipped") for v in clean.values()), "verdicts": clean},
              "cases": cases, "faults": killed, "errors": {f: e for f, e in errors.items() if e},
              "unkilled_faults": sorted(f for f, ids in killed.items() if not ids),
              "cases_killing_nothing": sorted(i for i in cases if i not in skipped
                                              and not any(i in ids for ids in killed.values())),
              "skipped_cases": sorted(skipped),
              "wall_s": round(time.monotonic() - t0, 1), "workers": workers}
    (out / "mutation.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (out / "mutation.html").write_text(matrix_html(report), encoding="utf-8")
    return report


def matrix_html(report: dict[str, Any]) -> str:
    """The kill matrix as one static page: a row per fault, a column per case, F where it failed."""
    cases, faults = report["cases"], report["faults"]
    head = "".join(f'<th class="v"><span>{html.escape(c)}</span></th>' for c in cases)
    rows = []
    for fault, ids in sorted(faults.items()):
        cells = "".join('<td class="k">F</td>' if c in ids else
                        ('<td class="e">E</td>' if c in report["errors"].get(fault, []) else "<td></td>") for c in cases)
        style = ' class="none"' if not ids else ""
        rows.append(f"<tr{style}><th>{html.escape(fault)}</th>{cells}</tr>")
    clean = "".join(f'<td class="{"p" if v == "pass" else "x"}">{html.escape(v[0].upper())}</td>'
                    for v in report["clean"]["verdicts"].values())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>hilbench mutation matrix</title><style>
body{{font-family:sans-serif;font-size:12px}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 4px}}
th.v{{height:140px;white-space:nowrap;vertical-align:bottom}} th.v span{{writing-mode:vertical-rl;transform:rotate(180deg)}}
td.k{{background:#c8e6c9;text-align:center}} td.e{{background:#f8bbd0;text-align:center}} td.p{{background:#e8f5e9}}
td.x{{background:#ffcdd2}} tr.none th{{color:#c62828}}</style></head><body>
<h1>Mutation kill matrix</h1>
<p>{len(faults)} faults, {len(cases)} cases, {report["wall_s"]} s with {report["workers"]} workers.
Clean run all pass: <b>{report["clean"]["all_pass"]}</b>. Faults no case fails: {len(report["unkilled_faults"])}
({html.escape(", ".join(report["unkilled_faults"])) or "none"}). Cases that fail no fault: {len(report["cases_killing_nothing"])}
({html.escape(", ".join(report["cases_killing_nothing"])) or "none"}).</p>
<table><tr><th>fault \\ case</th>{head}</tr><tr><th>clean</th>{clean}</tr>{"".join(rows)}</table></body></html>"""
