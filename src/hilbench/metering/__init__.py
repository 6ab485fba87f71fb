"""Energy from power samples and accuracy verdicts of a charger's meter (over ``hilbench._core``).

Sign convention: power positive = energy into the EV (import), negative = out of the EV (export);
both energies are reported as non-negative watt-hours.
"""

from hilbench.metering.compare import AccuracyClass, Comparison, IntervalCheck, compare
from hilbench.metering.energy import DEFAULT_MAX_GAP_S, Energy, Gap, PhaseEnergy, energy_at, integrate, integrate_phases
from hilbench.metering.readings import MeterReadings

__all__ = [
    "DEFAULT_MAX_GAP_S",
    "AccuracyClass",
    "Comparison",
    "Energy",
    "Gap",
    "IntervalCheck",
    "MeterReadings",
    "PhaseEnergy",
    "compare",
    "energy_at",
    "integrate",
    "integrate_phases",
]
