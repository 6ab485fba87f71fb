"""Runs a bench EVCC against a bench SECC in memory: each side's bytes go to the other, on a
simulated monotonic clock, with each side's timers handled — the sans-I/O engines exactly as the
transports drive them, without sockets."""

from __future__ import annotations

from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc

MS = 1_000_000


def run(evcc: Evcc, secc: Secc, *, step_ns: int = MS, limit_ns: int = 600_000 * MS) -> int:
    """Until the EVCC's session ends; returns the simulated time taken (ns)."""
    now = 0
    secc.opened(now)
    evcc.start(now)
    while evcc.ended is None and now < limit_ns:
        moved = False
        data = evcc.data_to_send()
        if data:
            evcc.data_sent(now)
            secc.receive_data(data, now)
            moved = True
        data = secc.data_to_send()
        if data:
            secc.data_sent(now)
            evcc.receive_data(data, now)
            moved = True
        if not moved:
            deadlines = [d for d in (evcc.next_deadline_ns(), secc.next_deadline_ns()) if d is not None]
            if not deadlines:
                break
            now = max(now + step_ns, min(deadlines))
            evcc.handle_timer(now)
            secc.handle_timer(now)
        else:
            now += step_ns
    return now
