"""The command log: every command and reply of every instrument, with the monotonic time, written
as JSON lines and flushed per line so that nothing is lost when a test dies."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

Direction = Literal["tx", "rx", "error", "note"]


@dataclass(frozen=True)
class Entry:
    mono_ns: int
    instrument: str
    direction: Direction
    text: str


class CommandLog:
    """Thread-safe; keeps every entry in memory and, with a path, appends it to a JSONL file."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.entries: list[Entry] = []
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._file = Path(path).open("a", encoding="utf-8")

    def add(self, instrument: str, direction: Direction, text: str) -> None:
        entry = Entry(time.monotonic_ns(), instrument, direction, text)
        with self._lock:
            self.entries.append(entry)
            if self._file is not None:
                self._file.write(json.dumps({"mono_ns": entry.mono_ns, "instrument": instrument, "dir": direction,
                                             "text": text}, ensure_ascii=False) + "\n")
                self._file.flush()

    def of(self, instrument: str) -> list[Entry]:
        with self._lock:
            return [e for e in self.entries if e.instrument == instrument]

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
