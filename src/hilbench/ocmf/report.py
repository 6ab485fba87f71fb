"""`hilbench verify FILE`: a verdict per record as a table or as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

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
    """Prints the verdicts; returns the exit code (1 when any record, or the transaction, is invalid)."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    rows = verify_records(read_records(path), public_key=public_key, strict=strict)
    kept: list[Result] = []
    counts = {"valid": 0, "invalid": 0, "deviations": 0}
    for row in rows:
        counts["valid" if row.valid else "invalid"] += 1
        counts["deviations"] += bool(row.deviations)
        if as_json:
            print(json.dumps(row.to_json(), ensure_ascii=False), flush=False)
        if transaction or not as_json:
            kept.append(row)
    failed = counts["invalid"] > 0
    if not as_json:
        console.print(_table(kept))
        console.print(
            f"{counts['valid'] + counts['invalid']} records: {counts['valid']} valid, {counts['invalid']} invalid, "
            f"{counts['deviations']} with deviations",
            highlight=False,
        )
    if transaction:
        verdicts = [r.verdict for r in kept if r.verdict is not None]
        report = check_transaction(verdicts)
        failed = failed or not report.valid or len(verdicts) != len(kept)
        if as_json:
            print(json.dumps({"transaction": {"valid": report.valid, "reason": report.reason, "energy_wh": report.energy_wh,
                                              "meter": report.meter, "findings": list(report.findings)}}))
        else:
            energy = "—" if report.energy_wh is None else f"{report.energy_wh:.3f} Wh"
            state = "[green]valid[/]" if report.valid else f"[red]invalid[/]: {report.reason}"
            console.print(f"transaction: {state}; energy {energy}", highlight=False)
    return 1 if failed else 0


def _table(rows: list[Result]) -> Table:
    table = Table(title="OCMF verdicts", show_lines=False)
    for name in ("#", "where", "valid", "curve", "meter", "PG", "reason / deviations"):
        table.add_column(name, overflow="fold")
    for r in rows:
        mark = "[green]✔[/]" if r.valid else "[red]✘[/]"
        note = r.reason or "; ".join(r.deviations)
        table.add_row(str(r.index), r.where, mark, r.curve or "", r.meter or "", r.pagination or "", note)
    return table
