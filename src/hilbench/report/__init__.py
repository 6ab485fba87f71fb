"""The writers over a finished campaign record (DESIGN §3 "one flow"): JUnit XML and one static
HTML page, both made from ``record.json`` (and, for the message sequence charts, the trace files
beside it) alone.

``hilbench report RECORD --out DIR`` is :func:`write_reports`; a record that cannot be read or is
incomplete raises :class:`hilbench.errors.RecordError` (a ``ConfigError``) naming the file, the JSON
path and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from hilbench.errors import ConfigError, RecordError
from hilbench.report.html import html_report, write_html
from hilbench.report.junit import junit_xml, write_junit
from hilbench.report.record import Record, load_record

__all__ = ["Record", "RecordError", "html_report", "junit_xml", "load_record", "write_html", "write_junit",
           "write_reports"]


def write_reports(record_path: Path, out_dir: Path) -> dict[str, Path]:
    """Writes ``junit.xml`` and ``report.html`` for the record into ``out_dir`` (made if missing);
    returns their paths by kind ("junit", "html")."""
    record = load_record(Path(record_path))
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"{out_dir}: cannot make the report folder: {e.strerror or e}") from None
    return {"junit": write_junit(record, out_dir / "junit.xml"), "html": write_html(record, out_dir / "report.html")}
