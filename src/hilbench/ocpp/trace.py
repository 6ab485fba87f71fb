"""Per-connection frame trace: JSON lines, appended and flushed per frame so that nothing is lost
when a test (or the bench) dies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Literal

from hilbench.ocpp.identity import station_file


class TraceWriter:
    """Writes ``{"t_ns", "mono_ns", "dir": "rx"|"tx"|"note", "station", "text"}`` per line."""

    def __init__(self, path: Path | str, station_id: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.station_id = station_id
        self._f: IO[str] | None = self.path.open("a", encoding="utf-8")

    @staticmethod
    def path_for(folder: Path | str, station_id: str) -> Path:
        """``<folder>/<station_id>.jsonl``: the id checked (``StationIdError``) and the path kept
        inside ``folder`` (``UnsafePathError``)."""
        return station_file(folder, station_id, ".jsonl")

    @classmethod
    def for_station(cls, folder: Path | str, station_id: str) -> TraceWriter:
        """The trace of one station in ``folder``; see ``path_for``."""
        return cls(cls.path_for(folder, station_id), station_id)

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
