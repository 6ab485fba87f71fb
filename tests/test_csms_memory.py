"""A CSMS under Security Profile 0 can be reached by anyone: 10,000 connect-boot-close cycles with
new station ids (and a refused hostile id every third cycle) must leave its memory where it was
after the first 1,000 — every table it keeps is either per connection or bounded.

Memory is the process's resident set and the interpreter's count of allocated blocks
(``sys.getallocatedblocks``). Blocks, not traced bytes: CPython 3.11's pathlib interns every path
component, so the trace file names grow the interpreter's interned-string table in one
megabyte-sized step when it resizes — one block, not a CSMS table — while a station kept in a
table costs about a hundred blocks.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from hilbench.ocpp.csms import HISTORY_KEPT, REFUSALS_KEPT, Csms

CYCLES = 10_000
WARM_UP = 1_000
CLIENTS = 8
BOOT = ('[2,"b1","BootNotification",{"reason":"PowerUp","chargingStation":'
        '{"model":"MemTest","vendorName":"hilbench"}}]')


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def cycle(url: str, i: int) -> None:
    """One station's life: connect, boot, close; every third cycle a hostile id first."""
    if i % 3 == 0:
        try:
            async with connect(f"{url}/..%2F..%2F{i}", subprotocols=["ocpp2.1"], compression=None):  # type: ignore[list-item]
                raise AssertionError("a hostile id was accepted")
        except InvalidStatus as e:
            assert e.response.status_code == 400
    async with connect(f"{url}/MEM{i:06d}", subprotocols=["ocpp2.1"], compression=None) as ws:  # type: ignore[list-item]
        await ws.send(BOOT)
        answer = await ws.recv()
        assert '"Accepted"' in answer, answer


async def run_cycles(csms: Csms, ids: Iterator[int]) -> None:
    async def client() -> None:
        for i in ids:  # the clients share one iterator: each id is used once
            await cycle(csms.url, i)
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    async with asyncio.timeout(10):  # the CSMS side of the last closes may still be running
        while csms.stations:
            await asyncio.sleep(0.01)


@pytest.mark.slow
async def test_ten_thousand_stations_leave_no_trace_in_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="hilbench.csms")  # the test's log capture would keep every refusal
    assert WARM_UP // 3 > REFUSALS_KEPT and WARM_UP > HISTORY_KEPT  # the bounded records are full by then
    async with Csms(trace_dir=tmp_path / "trace", ping_interval=None) as csms:
        ids = iter(range(CYCLES))
        await run_cycles(csms, itertools.islice(ids, WARM_UP))
        gc.collect()
        blocks0, rss0, fds0 = sys.getallocatedblocks(), rss_bytes(), open_fds()
        await run_cycles(csms, ids)
        gc.collect()
        blocks1, rss1, fds1 = sys.getallocatedblocks(), rss_bytes(), open_fds()
        assert csms.connections_total == CYCLES
        assert len(csms.refusals) == REFUSALS_KEPT and len(csms.history) == HISTORY_KEPT
        assert csms.history[-1].received == 1  # the boot
    print(f"after {WARM_UP} cycles: {blocks0} blocks, RSS {rss0 / 1e6:.1f} MB, {fds0} fds; "
          f"after {CYCLES}: {blocks1} blocks, RSS {rss1 / 1e6:.1f} MB, {fds1} fds")
    assert blocks1 <= blocks0 * 1.10, (blocks0, blocks1)
    assert rss1 <= rss0 * 1.10, (rss0, rss1)
    assert fds1 <= fds0  # every trace file closed
    assert len(list((tmp_path / "trace").iterdir())) == CYCLES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trace"]  # no hostile id wrote outside
