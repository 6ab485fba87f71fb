"""The HTML report of a campaign record: one static file that opens offline.

Everything is inside the file: the CSS, the plots (inline SVG from :mod:`hilbench.report.plots`)
and the message sequence charts (inline SVG from :mod:`hilbench.report.msc`); there is no script.
A Content-Security-Policy in the page forbids loading anything from elsewhere, so a stray external
reference fails loudly in a browser (the report's Chromium test reads the console) instead of
working only while online.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from hilbench.report.format import limits_text, number
from hilbench.report.msc import WINDOW, sequence_chart
from hilbench.report.plots import case_plot
from hilbench.report.record import VERDICTS, Case, Record

TEMPLATES = Path(__file__).parent / "templates"
#: Cases whose report shows the message sequence chart of their last messages.
MSC_VERDICTS = ("fail", "error", "inconclusive")


def html_report(record: Record, out_dir: Path | None = None,
                plot: Callable[[Case], str | None] = case_plot,
                chart: Callable[[Case], str | None] = sequence_chart) -> str:
    """The report as one HTML document (the same record gives the same bytes). ``out_dir`` is where it will be written (links to the trace
    files are made relative to it); ``plot`` and ``chart`` draw a case's SVGs."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    env.filters["when"] = _when
    return env.get_template("report.html.j2").render(
        record=record, verdicts=VERDICTS, totals=_counts(record.cases), blocks=_blocks(record),
        duration=_duration((record.ended_at - record.started_at).total_seconds()),
        boot=_boot(record.dut.boot), selection=_selection(record.selection),
        cases=[_case_view(n, c, record, out_dir, plot, chart) for n, c in enumerate(record.cases)],
        msc_window=WINDOW, msc_verdicts=MSC_VERDICTS,
    )


def write_html(record: Record, path: Path) -> Path:
    path.write_text(html_report(record, path.parent), encoding="utf-8")
    return path


def _case_view(n: int, case: Case, record: Record, out_dir: Path | None,
               plot: Callable[[Case], str | None], chart: Callable[[Case], str | None]) -> dict[str, Any]:
    svg_plot = plot(case)
    svg_msc = chart(case) if case.verdict in MSC_VERDICTS else None
    trace_href = None
    if case.trace is not None:
        base = out_dir if out_dir is not None else record.folder
        trace_href = Path(os.path.relpath(case.trace.path, base)).as_posix()
    return {
        "case": case, "anchor": f"case-{n}-{re.sub(r'[^A-Za-z0-9_.-]', '-', case.id)}",
        "duration": _duration(case.duration_s),
        "measurements": [{"m": m, "value": number(m.value), "limits": limits_text(m)} for m in case.measurements],
        "plot": Markup(svg_plot) if svg_plot else None,  # noqa: S704 - SVG made by our own writers
        "msc": Markup(svg_msc) if svg_msc else None,  # noqa: S704 - every text in it is escaped
        "trace_href": trace_href,
    }


def _counts(cases: tuple[Case, ...] | list[Case]) -> dict[str, int]:
    return {v: sum(1 for c in cases if c.verdict == v) for v in VERDICTS}


def _blocks(record: Record) -> list[dict[str, Any]]:
    rows = []
    for block in record.blocks():
        cases = [c for c in record.cases if c.block == block]
        rows.append({"block": block, "total": len(cases), "counts": _counts(cases)})
    return rows


def _boot(boot: Any) -> str | None:
    """'vendor model, firmware x, serial y (reason)' from a BootNotification request."""
    if not isinstance(boot, dict):
        return None
    cs: dict[str, Any] = boot["chargingStation"] if isinstance(boot.get("chargingStation"), dict) else {}
    parts = [" ".join(str(cs[k]) for k in ("vendorName", "model") if cs.get(k))]
    if cs.get("firmwareVersion"):
        parts.append(f"firmware {cs['firmwareVersion']}")
    if cs.get("serialNumber"):
        parts.append(f"serial {cs['serialNumber']}")
    text = ", ".join(p for p in parts if p)
    if boot.get("reason"):
        text += f" (boot reason {boot['reason']})"
    return text or None


def _selection(selection: Any) -> str:
    if not isinstance(selection, dict):
        return "all"
    parts = []
    if selection.get("blocks"):
        parts.append("blocks " + ", ".join(map(str, selection["blocks"])))
    if selection.get("pattern"):
        parts.append(f"pattern {selection['pattern']}")
    if selection.get("tags"):
        parts.append("tags " + ", ".join(map(str, selection["tags"])))
    return "; ".join(parts) or "all"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2f} s"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min {s:02d} s" if h else f"{m} min {s:02d} s"


def _when(t: dt.datetime | None) -> str:
    if t is None:
        return "—"
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
