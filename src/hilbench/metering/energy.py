"""Trapezoidal integration with the import/export split at zero crossings (Rust, GIL released).

The arrays are borrowed from numpy without a copy when ``t_ns`` is C-contiguous int64 and
``power_w`` C-contiguous float64 or float32; anything else is converted once here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hilbench import _core

#: Intervals longer than this (seconds) are gaps unless the caller says otherwise.
DEFAULT_MAX_GAP_S: float | None = 1.0


@dataclass(frozen=True)
class Gap:
    """An interval between two samples longer than the gap threshold, left out of the energy."""

    index: int  #: sample that starts the gap
    start_ns: int
    end_ns: int
    bridged_import_wh: float  #: what a straight line across the gap would have added
    bridged_export_wh: float

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9


@dataclass(frozen=True)
class Energy:
    """Energy of one power stream: import (into the EV) and export (out of it), both ≥ 0."""

    import_wh: float
    export_wh: float
    samples: int
    covered_ns: int  #: sampled span without the gaps
    gaps: tuple[Gap, ...] = ()

    @property
    def net_wh(self) -> float:
        return self.import_wh - self.export_wh

    @classmethod
    def _from_core(cls, t: tuple[float, float, int, int, list[tuple[int, int, int, float, float]]]) -> Energy:
        imp, exp, samples, covered, gaps = t
        return cls(imp, exp, samples, covered, tuple(Gap(*g) for g in gaps))


@dataclass(frozen=True)
class PhaseEnergy:
    """Per-phase energies and the energy of the phases' sum (what a meter's total register counts)."""

    phases: tuple[Energy, ...]
    total: Energy


def _max_gap_ns(max_gap_s: float | None) -> int | None:
    return None if max_gap_s is None else round(max_gap_s * 1e9)


def _times(t_ns: npt.ArrayLike) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(t_ns, dtype=np.int64)


def _power(power_w: Any) -> npt.NDArray[np.floating[Any]]:
    array = np.asarray(power_w)
    if array.dtype == np.float32:
        return np.ascontiguousarray(array)
    return np.ascontiguousarray(array, dtype=np.float64)


def integrate(t_ns: npt.ArrayLike, power_w: npt.ArrayLike, *, max_gap_s: float | None = DEFAULT_MAX_GAP_S) -> Energy:
    """Import and export energy of ``power_w`` (W) sampled at ``t_ns`` (monotonic ns).

    Raises :class:`hilbench.errors.MeteringInputError` naming the index when the lengths differ,
    a time stamp does not increase strictly, or a sample is NaN or infinite. Intervals longer than
    ``max_gap_s`` are reported in ``Energy.gaps`` and not counted (``None``: bridge everything).
    """
    return Energy._from_core(_core.integrate(_times(t_ns), _power(power_w), _max_gap_ns(max_gap_s)))


def integrate_phases(
    t_ns: npt.ArrayLike,
    power_w: npt.ArrayLike | Sequence[npt.ArrayLike],
    *,
    max_gap_s: float | None = DEFAULT_MAX_GAP_S,
) -> PhaseEnergy:
    """Per-phase energy from a 2-D array (one row per phase) or one array per phase."""
    if isinstance(power_w, np.ndarray) and power_w.ndim == 2:
        rows = [_power(row) for row in power_w]
    elif isinstance(power_w, np.ndarray):
        raise TypeError(f"power_w must be 2-D (phases × samples) or a sequence of 1-D arrays, got shape {power_w.shape}")
    else:
        rows = [_power(p) for p in power_w]  # type: ignore[union-attr]
    phases, total = _core.integrate_phases(_times(t_ns), rows, _max_gap_ns(max_gap_s))
    return PhaseEnergy(tuple(Energy._from_core(p) for p in phases), Energy._from_core(total))


def energy_at(
    t_ns: npt.ArrayLike,
    power_w: npt.ArrayLike,
    at_ns: npt.ArrayLike,
    *,
    max_gap_s: float | None = DEFAULT_MAX_GAP_S,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Cumulative import and export energy (Wh since the first sample) at each instant of ``at_ns``.

    ``at_ns`` must not decrease and must lie within the sampled span. The third array says, per
    instant, whether a gap lies before it (the reference is incomplete there).
    """
    imp, exp, after_gap = _core.energy_at(_times(t_ns), _power(power_w), _times(at_ns), _max_gap_ns(max_gap_s))
    return np.asarray(imp), np.asarray(exp), np.asarray(after_gap, dtype=bool)
