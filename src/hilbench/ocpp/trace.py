"""Per-connection frame trace: JSON lines, appended and flushed per frame so that nothing is lost
when a test (or the bench) dies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Literal


class TraceWriter:
    """Writes ``{"t_ns", "mono_ns", "dir": "rx"|"tx"|"note", "station", "text"}`` per line."""

    def __init__(self, path: Path | str, station_id: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.station_id = station_id
        self._f: IO[str] | None = self.path.open("a", encoding="utf-8")

    def write(self, direction: Literal["rx", "tx", "note"], text: str) -> None:
        if self._f is None:
            return
        line = json.dumps({"t_ns": time.time_ns(), "mono_ns": time.monotonic_ns(), "dir": direction,
                           "station": self.station_id, "text": text}, ensure_ascii=False)
        self._f.write(line + "\n")
        self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None


def read_trace(path: Path | str) -> list[dict[str, object]]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
