"""A case's trace file (``trace/<case id>.jsonl``), read lazily from its end.

The message sequence chart shows the last messages before a case ended, so the file is read
backwards in blocks and parsing stops once the chart has its rows: a one-hour trace costs what its
last seconds cost. Only the lines read are checked; a bad one is a :class:`RecordError` naming the
file, its line number and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from hilbench.errors import RecordError
from hilbench.report.record import TraceRef

#: Bytes read per step from the end of the file.
BLOCK = 64 * 1024
FIELDS = ("channel", "dir", "peer", "text")


@dataclass(frozen=True, slots=True)
class TraceLine:
    t_ns: int
    channel: str  #: ocpp | v2g | instrument | note
    dir: str  #: rx | tx (as seen from the bench; rx = from the DUT) | cmd | reply | note
    peer: str
    text: str


def lines_backwards(ref: TraceRef) -> Iterator[TraceLine]:
    """The trace's lines from the last to the first."""
    try:
        f = ref.path.open("rb")
    except OSError as e:
        raise RecordError(f"{ref.path}: cannot read the trace file of the record: {e.strerror or e}") from None
    with f:
        for offset, raw in _raw_lines_backwards(f):
            yield _parse(ref.path, offset, raw)


def _raw_lines_backwards(f: Any) -> Iterator[tuple[int, bytes]]:
    """(byte offset, line) pairs from the file's end to its start; blank lines left out."""
    # Written here because no stdlib or library call reads a text file from its end by lines.
    pos = f.seek(0, 2)
    head = b""  # the start of the earliest line seen so far, still incomplete
    while pos > 0:
        step = min(BLOCK, pos)
        pos -= step
        f.seek(pos)
        parts = (f.read(step) + head).split(b"\n")
        head = parts[0]
        offset = pos + len(head) + 1
        found = []
        for part in parts[1:]:
            found.append((offset, part))
            offset += len(part) + 1
        for item in reversed(found):
            if item[1].strip():
                yield item
    if head.strip():
        yield 0, head


def _parse(path: Path, offset: int, raw: bytes) -> TraceLine:
    try:
        d = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise RecordError(f"{path}: line {_line_number(path, offset)}: not JSON: {e}") from None
    problem = _problem(d)
    if problem:
        raise RecordError(f"{path}: line {_line_number(path, offset)}: {problem}")
    return TraceLine(d["t_ns"], d["channel"], d["dir"], d["peer"], d["text"])


def _problem(d: Any) -> str | None:
    if not isinstance(d, dict):
        return "must be a JSON object"
    t = d.get("t_ns")
    if "t_ns" not in d:
        return "t_ns: missing"
    if not isinstance(t, int) or isinstance(t, bool):
        return f"t_ns: must be an integer (ns), not {t!r}"
    for key in FIELDS:
        if key not in d:
            return f"{key}: missing"
        if not isinstance(d[key], str):
            return f"{key}: must be a string, not {d[key]!r}"
    return None


def _line_number(path: Path, offset: int) -> int:
    """The 1-based line at a byte offset (only on the error path: it reads the file up to there)."""
    with path.open("rb") as f:
        return f.read(offset).count(b"\n") + 1
