"""Everything a campaign sees, with its monotonic time in ns: every OCPP-J frame between the bench
CSMS and the device under test, every ISO 15118-20 message of the bench EV, every instrument command
and reply (from the rig's command log), and the notes of the cases. Each case's share is written to
``trace/<case id>.jsonl`` when the case ends; the record points to it.

Adding a frame is on the hot path of every message: a tuple appended to a list, nothing else (the
JSON is made when the case's file is written)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from hilbench.drivers.log import CommandLog
from hilbench.ocpp.identity import confined
from hilbench.ocpp.session import Delay

Row = tuple[int, str, str, str, str]  # (t_ns, channel, dir, peer, text)


class Recorder:
    def __init__(self, folder: Path, log: CommandLog | None = None) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = log
        self.rows: list[Row] = []
        self._case_start = 0
        self._log_seen = 0
        #: A case's change to the bench CSMS's outgoing frames, if any: raw text in; raw text out, or
        #: ``Delay(text, s)`` to hold the frame back (recorded at the time it goes out).
        self.alter_out: Any = None

    def add(self, channel: str, direction: str, peer: str, text: str) -> None:
        self.rows.append((time.monotonic_ns(), channel, direction, peer, text))

    def note(self, text: str) -> None:
        self.add("note", "note", "bench", text)

    def ocpp_hook(self, peer: str) -> Any:
        """A bench CSMS session hook that records every frame and lets it through unchanged (a case
        may chain its own hook after it)."""
        def hook(direction: str, text: str) -> str | Delay:
            out: str | Delay = text
            if direction == "out" and self.alter_out is not None:
                out = self.alter_out(text)
            if isinstance(out, Delay):
                self.rows.append((time.monotonic_ns() + int(out.seconds * 1e9), "ocpp", "tx", peer, out.text))
            else:
                self.rows.append((time.monotonic_ns(), "ocpp", "rx" if direction == "in" else "tx", peer, out))
            return out
        return hook

    def v2g_hook(self, peer: str = "dut-secc") -> Any:
        """A bench EV hook: records each message as ``{name: body}`` and lets it through."""
        def hook(direction: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
            self.rows.append((time.monotonic_ns(), "v2g", "rx" if direction == "in" else "tx", peer,
                              json.dumps(message, default=str, separators=(",", ":"))))
            return message
        return hook

    def start_case(self) -> int:
        self.rows.clear()
        self._case_start = time.monotonic_ns()
        return self._case_start

    def end_case(self, case_id: str) -> dict[str, Any]:
        """Writes the case's rows (with the instrument commands of the same time) and returns the
        record's trace entry."""
        rows = list(self.rows)
        if self.log is not None:
            with self.log._lock:  # noqa: SLF001 - the log's own lock, for a consistent copy
                entries = self.log.entries[self._log_seen:]
                self._log_seen = len(self.log.entries)
            rows += [(e.mono_ns, "instrument", "cmd" if e.direction == "tx" else "reply" if e.direction == "rx"
                      else e.direction, e.instrument, e.text) for e in entries if e.mono_ns >= self._case_start]
        rows.sort(key=lambda r: r[0])
        path = confined(self.folder, f"{case_id}.jsonl")
        with path.open("w", encoding="utf-8") as f:
            for t, channel, direction, peer, text in rows:
                f.write(json.dumps({"t_ns": t, "channel": channel, "dir": direction, "peer": peer, "text": text},
                                   ensure_ascii=False) + "\n")
        self.rows.clear()
        return {"file": f"{self.folder.name}/{path.name}", "lines": len(rows)}
