"""`hilbench rig check RIG`: connect to every instrument, check its identity against its model,
read back its key settings, and print a table. Every problem is a row, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hilbench.errors import HilbenchError
from hilbench.rig import Rig
from hilbench.rig_file import load_rig


@dataclass
class Row:
    name: str
    role: str
    model: str
    address: str
    identity: str = ""
    settings: dict[str, float | bool | str] = field(default_factory=dict)
    problem: str | None = None


def check_rig(path: Path | str) -> list[Row]:
    config = load_rig(path)
    rig = Rig(config)
    rows = []
    try:
        rig.start_simulated()
        for name, inst in config.instruments.items():
            row = Row(name, inst.role, inst.model.id, rig.address_of(inst))
            try:
                driver = rig.open_instrument(inst)
                row.identity = driver.identify()
                row.settings = dict(driver.settings())
                if hasattr(driver, "output_is_on"):
                    row.settings["output"] = driver.output_is_on()
            except HilbenchError as e:
                row.problem = str(e)
            except Exception as e:  # noqa: BLE001 - a bug in a driver is still a row, not a traceback
                row.problem = f"internal error: {type(e).__name__}: {e}"
            rows.append(row)
    finally:
        rig.safe_state()
        rig.close()
    if config.dut is not None:  # the device under test: where it connects, what it is
        rows.append(Row("dut", "charger", config.dut.kind, config.csms.url(config.dut.station_id),
                        identity=config.dut.describe()))
    return rows


def print_rows(rows: list[Row], console: Console) -> None:
    table = Table(title="rig check")
    for column in ("instrument", "role", "model", "address", "identity / problem", "settings"):
        table.add_column(column, overflow="fold")
    for r in rows:
        status = f"[red]{r.problem}[/]" if r.problem else r.identity
        settings = ", ".join(f"{k}={_setting(v)}" for k, v in r.settings.items())
        table.add_row(r.name, r.role, r.model, r.address, status, settings)
    console.print(table)


def _setting(value: float | bool | str) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return value if isinstance(value, str) else f"{value:g}"
