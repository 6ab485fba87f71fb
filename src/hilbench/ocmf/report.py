"""`hilbench verify FILE`: a verdict per record as a table or as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from hilbench.errors import ConfigError
from hilbench.ocmf.inputs import Result, read_records, verify_records
from hilbench.ocmf.verify import check_transaction


def run_verify(
    path: Path,
    *,
    public_key: str | None,
    strict: bool,
    as_json: bool,
    transaction: bool,
    console: Console,
) -> int:
    """Prints the verdicts as they come — a line each, JSON or text, so a file of any size streams
    in constant memory — and returns the exit code (1 when any record, or the transaction, is
    invalid). A missing file, a folder, or a file without a single record is a ConfigError."""
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a file of records")
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    counts = {"valid": 0, "invalid": 0, "deviations": 0}
    verdicts = []  # only for --transaction, which checks the records together
    missing_verdicts = 0
    for row in verify_records(read_records(path), public_key=public_key, strict=strict):
        if not as_json and not counts["valid"] + counts["invalid"]:
            console.print(HEADER, highlight=False, soft_wrap=True)
        counts["valid" if row.valid else "invalid"] += 1
        counts["deviations"] += bool(row.deviations)
        if as_json:
            print(json.dumps(row.to_json(), ensure_ascii=False), flush=False)
        else:
            console.print(_line(row), highlight=False, soft_wrap=True)
        if transaction:
            if row.verdict is not None:
                verdicts.append(row.verdict)
            else:
                missing_verdicts += 1
    total = counts["valid"] + counts["invalid"]
    if total == 0:
        raise ConfigError(f"{path}: no records (the file is empty or no line holds an OCMF record, "
                          "a SignedMeterValue or a hilbench trace frame with one)")
    failed = counts["invalid"] > 0
    if not as_json:
        console.print(
            f"{total} records: {counts['valid']} valid, {counts['invalid']} invalid, "
            f"{counts['deviations']} with deviations",
            highlight=False,
        )
    if transaction:
        report = check_transaction(verdicts)
        failed = failed or not report.valid or missing_verdicts > 0
        if as_json:
            print(json.dumps({"transaction": {"valid": report.valid, "reason": report.reason, "energy_wh": report.energy_wh,
                                              "meter": report.meter, "findings": list(report.findings)}}))
        else:
            energy = "—" if report.energy_wh is None else f"{report.energy_wh:.3f} Wh"
            state = "[green]valid[/]" if report.valid else f"[red]invalid[/]: {report.reason}"
            console.print(f"transaction: {state}; energy {energy}", highlight=False)
    return 1 if failed else 0


HEADER = f"{'#':>5}  {'where':<29} {'valid':<5}  {'curve':<16} {'meter':<16} {'PG':<8} reason / deviations"


def _line(r: Result) -> str:
    mark = "[green]✔[/]    " if r.valid else "[red]✘[/]    "
    note = r.reason or "; ".join(r.deviations)
    return f"{r.index:>5}  {r.where:<29} {mark}  {r.curve or '':<16} {r.meter or '':<16} {r.pagination or '':<8} {note}"
