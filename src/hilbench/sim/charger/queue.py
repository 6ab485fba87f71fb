"""The charger's transaction message queue (E11–E14 in OCPP 2.x): every TransactionEvent goes
through it in order; while the charger is offline the events wait here, marked ``offline = true``,
and go out in order when the connection is back. The queue is a file in the state folder, rewritten
on every change, so neither a lost connection nor a killed process loses an event.

When the queue grows beyond ``max_len``, periodic meter-value updates are thinned (every other one
dropped, oldest first); Started and Ended and every event with another trigger are never dropped."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

#: Updated events that only carry meter values: the ones a full queue may thin.
THINNABLE = ("MeterValuePeriodic", "MeterValueClock")


class MessageQueue:
    def __init__(self, path: Path | None, *, max_len: int = 1000) -> None:
        self.path = path
        self.max_len = max_len
        self.items: deque[dict[str, Any]] = deque()
        self.dropped = 0
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    self.items.append(json.loads(line))
                except ValueError:
                    continue  # a line torn by a kill mid-write: the rest is still good

    def __len__(self) -> int:
        return len(self.items)

    def put(self, action: str, payload: dict[str, Any]) -> None:
        self.items.append({"action": action, "payload": payload})
        if len(self.items) > self.max_len:
            self._thin()
        self._save()

    def head(self) -> dict[str, Any] | None:
        return self.items[0] if self.items else None

    def pop(self) -> None:
        self.items.popleft()
        self._save()

    def drop_where(self, predicate: Any) -> int:
        """Removes the items ``predicate(item)`` is true for; returns how many."""
        before = len(self.items)
        self.items = deque(i for i in self.items if not predicate(i))
        self._save()
        return before - len(self.items)

    def _thin(self) -> None:
        periodic = [i for i, item in enumerate(self.items)
                    if item["action"] == "TransactionEvent" and item["payload"].get("eventType") == "Updated"
                    and item["payload"].get("triggerReason") in THINNABLE]
        doomed = set(periodic[::2][: max(1, len(self.items) - self.max_len)])
        self.items = deque(item for i, item in enumerate(self.items) if i not in doomed)
        self.dropped += len(doomed)

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(i, separators=(",", ":")) + "\n" for i in self.items), encoding="utf-8")
        tmp.replace(self.path)
