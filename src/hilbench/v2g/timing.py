"""ISO 15118-20 timing: the limits (§8.5.4 tables, as the project's research notes quote them) and a
per-session record of every exchange with monotonic nanosecond timestamps.

Our side enforces the EVCC's message timeouts (as the EV) or its own answer time (as the SECC);
the peer's side is measured: each response time against V2G_SECC_Msg_Performance_Time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

S = 1_000_000_000


@dataclass(frozen=True)
class Limits:
    """Seconds; override any of them for a lab's needs (the defaults are the standard's)."""

    evcc_msg_timeout_s: float = 2.0
    evcc_msg_timeout_long_s: float = 5.0  #: ServiceDetailReq, CertificateInstallationReq
    evcc_msg_timeout_loop_s: float = 0.5  #: AC/DC ChargeLoopReq
    secc_performance_loop_s: float = 0.25  #: ChargeLoop
    secc_performance_dc_s: float = 1.5  #: DC CableCheck, PreCharge, WeldingDetection
    secc_sequence_timeout_s: float = 60.0
    secc_sequence_timeout_loop_s: float = 0.5  #: after AC/DC_ChargeLoopRes ([V2G20-1500])
    evcc_communication_setup_s: float = 20.0
    evcc_ongoing_s: float = 60.0
    evcc_cable_check_s: float = 40.0
    evcc_pre_charge_s: float = 10.0

    def response_timeout_s(self, request: str) -> float:
        """How long the EVCC waits for the answer to ``request``."""
        if request in ("ServiceDetailReq", "CertificateInstallationReq"):
            return self.evcc_msg_timeout_long_s
        if request.endswith("ChargeLoopReq"):
            return self.evcc_msg_timeout_loop_s
        return self.evcc_msg_timeout_s

    def performance_s(self, request: str) -> float | None:
        """V2G_SECC_Msg_Performance_Time for ``request`` where the standard gives one."""
        if request.endswith("ChargeLoopReq"):
            return self.secc_performance_loop_s
        if request in ("DC_CableCheckReq", "DC_PreChargeReq", "DC_WeldingDetectionReq"):
            return self.secc_performance_dc_s
        return None

    def sequence_timeout_s(self, last_response: str | None) -> float:
        """How long the SECC waits for the next request after ``last_response``."""
        if last_response is not None and last_response.endswith("ChargeLoopRes"):
            return self.secc_sequence_timeout_loop_s
        return self.secc_sequence_timeout_s


@dataclass
class Exchange:
    request: str
    request_ns: int
    response: str | None = None
    response_ns: int | None = None
    limit_s: float | None = None

    @property
    def response_time_ms(self) -> float | None:
        return None if self.response_ns is None else (self.response_ns - self.request_ns) / 1e6

    @property
    def exceeded(self) -> bool:
        t = self.response_time_ms
        return t is not None and self.limit_s is not None and t > self.limit_s * 1000


@dataclass
class TimingReport:
    """The EVCC's: each request, the SECC's response, against V2G_SECC_Msg_Performance_Time. The
    SECC's: each of its responses, the EV's next request, against V2G_SECC_Sequence_Timeout (the
    ``request`` of such an exchange is the SECC's response, its ``response`` the EV's request)."""

    exchanges: list[Exchange] = field(default_factory=list)

    def by_message(self) -> dict[str, dict[str, Any]]:
        """Per request type: count, max and mean response time (ms), the limit, and how often it
        was exceeded."""
        out: dict[str, dict[str, Any]] = {}
        for x in self.exchanges:
            t = x.response_time_ms
            if t is None:
                continue
            row = out.setdefault(x.request, {"count": 0, "max_ms": 0.0, "total_ms": 0.0, "limit_ms": None, "exceeded": 0})
            row["count"] += 1
            row["max_ms"] = max(row["max_ms"], t)
            row["total_ms"] += t
            row["limit_ms"] = None if x.limit_s is None else x.limit_s * 1000
            row["exceeded"] += int(x.exceeded)
        for row in out.values():
            row["mean_ms"] = row.pop("total_ms") / row["count"]
        return out

    def exceeded(self) -> list[Exchange]:
        return [x for x in self.exchanges if x.exceeded]
