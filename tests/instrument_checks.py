"""Checks the instrument tests share."""

from __future__ import annotations

from hilbench.drivers.log import Entry


def assert_failure_logged(log: list[Entry]) -> None:
    """The failed exchange is in the command log: an error entry after the last command sent."""
    last_tx = max(k for k, x in enumerate(log) if x.direction == "tx")
    assert any(x.direction == "error" for x in log[last_tx:]), log[last_tx:]
