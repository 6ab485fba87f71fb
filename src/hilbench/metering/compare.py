"""Accuracy verdicts: a charger's meter readings against the reference analyzer's energy.

The reference is integrated up to each reading's instant; each interval between consecutive
readings, and the whole span, is checked against an accuracy class, import and export apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hilbench.metering.energy import DEFAULT_MAX_GAP_S, energy_at
from hilbench.metering.readings import MeterReadings

Direction = Literal["import", "export"]
Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class AccuracyClass:
    """Allowed error: ``percent`` of the reference energy plus a fixed ``offset_wh``.

    The offset covers the register's resolution (a meter reporting kWh with two decimals is
    10 Wh coarse) and start-up effects.
    """

    percent: float = 1.0
    offset_wh: float = 0.0

    def tolerance_wh(self, reference_wh: float) -> float:
        return abs(reference_wh) * self.percent / 100.0 + self.offset_wh


@dataclass(frozen=True)
class IntervalCheck:
    """One interval between two readings (or the whole span) in one direction."""

    direction: Direction
    start_ns: int
    end_ns: int
    meter_wh: float  #: the register's increase
    reference_wh: float
    tolerance_wh: float
    verdict: Verdict
    reason: str | None = None

    @property
    def error_wh(self) -> float:
        return self.meter_wh - self.reference_wh

    @property
    def error_percent(self) -> float | None:
        return None if self.reference_wh == 0 else 100.0 * self.error_wh / self.reference_wh


@dataclass(frozen=True)
class Comparison:
    accuracy: AccuracyClass
    intervals: tuple[IntervalCheck, ...]
    totals: tuple[IntervalCheck, ...]  #: first to last reading, per direction compared

    @property
    def verdict(self) -> Verdict:
        checks = self.intervals + self.totals
        if any(c.verdict == "fail" for c in checks):
            return "fail"
        if not self.totals or any(c.verdict == "inconclusive" for c in checks):
            return "inconclusive"
        return "pass"

    def total(self, direction: Direction) -> IntervalCheck | None:
        return next((c for c in self.totals if c.direction == direction), None)


def compare(
    t_ns: npt.ArrayLike,
    power_w: npt.ArrayLike,
    readings: MeterReadings,
    accuracy: AccuracyClass = AccuracyClass(),
    *,
    max_gap_s: float | None = DEFAULT_MAX_GAP_S,
) -> Comparison:
    """Checks every interval between readings and the whole span, import and export apart.

    A direction is compared when at least two readings report its register. An interval across a
    gap in the reference is *inconclusive*; a register that goes down is a *fail*.
    """
    intervals: list[IntervalCheck] = []
    totals: list[IntervalCheck] = []
    ref_import, ref_export, after_gap = energy_at(t_ns, power_w, readings.t_ns, max_gap_s=max_gap_s)
    directions: tuple[tuple[Direction, npt.NDArray[np.float64], npt.NDArray[np.float64]], ...] = (
        ("import", readings.import_wh, ref_import),
        ("export", readings.export_wh, ref_export),
    )
    for direction, meter, ref in directions:
        present = np.flatnonzero(~np.isnan(meter))
        if len(present) < 2:
            continue
        for a, b in zip(present[:-1], present[1:]):
            intervals.append(_check(direction, readings, meter, ref, after_gap, int(a), int(b), accuracy))
        totals.append(_check(direction, readings, meter, ref, after_gap, int(present[0]), int(present[-1]), accuracy))
    return Comparison(accuracy, tuple(intervals), tuple(totals))


def _check(
    direction: Direction,
    readings: MeterReadings,
    meter: npt.NDArray[np.float64],
    ref: npt.NDArray[np.float64],
    after_gap: npt.NDArray[np.bool_],
    a: int,
    b: int,
    accuracy: AccuracyClass,
) -> IntervalCheck:
    meter_wh = float(meter[b] - meter[a])
    reference_wh = float(ref[b] - ref[a])
    tolerance = accuracy.tolerance_wh(reference_wh)
    verdict: Verdict
    if meter_wh < 0:
        verdict, reason = "fail", f"{direction} register decreased by {-meter_wh:.3f} Wh"
    elif bool(after_gap[b]) != bool(after_gap[a]):
        verdict, reason = "inconclusive", "the reference has a gap in this interval"
    elif math.fabs(meter_wh - reference_wh) <= tolerance:
        verdict, reason = "pass", None
    else:
        verdict = "fail"
        reason = f"error {meter_wh - reference_wh:+.3f} Wh exceeds ±{tolerance:.3f} Wh"
    start, end = int(readings.t_ns[a]), int(readings.t_ns[b])
    return IntervalCheck(direction, start, end, meter_wh, reference_wh, tolerance, verdict, reason)
