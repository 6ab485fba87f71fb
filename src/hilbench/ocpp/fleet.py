"""Many emulated stations in one process (``hilbench sim stations``): each connects, boots and
heartbeats; the fleet reports counts and message rates."""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from dataclasses import dataclass, field
from typing import Any

from hilbench.ocpp.identity import check_station_id
from hilbench.ocpp.station import Station

log = logging.getLogger("hilbench.fleet")


@dataclass
class FleetReport:
    count: int
    connected: int = 0
    booted: int = 0
    heartbeats: int = 0
    calls: int = 0
    frames: int = 0
    violations: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and self.violations == 0 and self.booted == self.count

    def as_dict(self) -> dict[str, Any]:
        rate = self.frames / self.seconds if self.seconds else 0.0
        per_cpu = self.frames / self.cpu_seconds if self.cpu_seconds else 0.0
        return {"count": self.count, "connected": self.connected, "booted": self.booted,
                "heartbeats": self.heartbeats, "calls": self.calls, "frames": self.frames,
                "violations": self.violations, "errors": len(self.errors), "seconds": round(self.seconds, 2),
                "frames_per_s": round(rate, 1), "cpu_seconds": round(self.cpu_seconds, 2),
                "frames_per_cpu_s": round(per_cpu, 1), "ok": self.ok, "first_errors": self.errors[:5]}


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


async def run_fleet(url: str, count: int, *, duration_s: float = 10.0, heartbeat_interval_s: float = 2.0,
                    prefix: str = "SIM", version: str = "2.1", connect_concurrency: int = 100,
                    **station_kw: Any) -> FleetReport:
    # the last id is the longest: checked before anything connects (StationIdError names it)
    check_station_id(f"{prefix}{max(count - 1, 0):05d}", f"the fleet's last station id (prefix {prefix!r})")
    raise_fd_limit(count * 2 + 256)
    report = FleetReport(count)
    stations = [Station(url, f"{prefix}{i:05d}", version=version, **station_kw) for i in range(count)]
    gate = asyncio.Semaphore(connect_concurrency)
    t0 = time.monotonic()
    cpu0 = time.process_time()

    async def one(st: Station) -> None:
        try:
            async with gate:
                await st.connect()
                report.connected += 1
                await st.boot()
                report.booted += 1
            # Connected until the duration ends, heartbeating every interval meanwhile (interval 0:
            # back to back, to measure throughput).
            end = t0 + duration_s
            next_beat = time.monotonic() + heartbeat_interval_s
            while (now := time.monotonic()) < end:
                if now >= next_beat:
                    await st.heartbeat()
                    next_beat += heartbeat_interval_s
                else:
                    await asyncio.sleep(min(next_beat, end) - now)
        except Exception as e:  # counted and reported; one station's failure must not stop the fleet
            report.errors.append(f"{st.station_id}: {type(e).__name__}: {e}")

    await asyncio.gather(*(one(s) for s in stations))
    report.seconds = time.monotonic() - t0
    report.cpu_seconds = time.process_time() - cpu0
    for s in stations:
        if s.link is not None:
            report.heartbeats += s.heartbeats_sent
            report.calls += s.link.calls_sent
            report.frames += s.link.frames_rx + s.link.frames_tx
            report.violations += len(s.link.violations)
    await asyncio.gather(*(s.close() for s in stations), return_exceptions=True)
    return report
