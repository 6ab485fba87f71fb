"""ISO 15118-20 energy services and their parameters (ServiceID, ControlMode, BPT) — facts from the
standard as implemented by public stacks (see the project's research notes)."""

from __future__ import annotations

from dataclasses import dataclass

from hilbench.v2g.codec import AC, DC


@dataclass(frozen=True)
class EnergyService:
    name: str
    service_id: int
    namespace: str  #: the -20 schema set of its charge parameter and loop messages
    bpt: bool

    @property
    def dc(self) -> bool:
        return self.namespace == DC

    @property
    def prefix(self) -> str:
        """``DC_`` or ``AC_``: the messages of its set."""
        return "DC_" if self.dc else "AC_"


SERVICES = {s.name: s for s in (
    EnergyService("AC", 1, AC, False),
    EnergyService("DC", 2, DC, False),
    EnergyService("AC_BPT", 5, AC, True),
    EnergyService("DC_BPT", 6, DC, True),
)}
BY_ID = {s.service_id: s for s in SERVICES.values()}
#: ServiceDetail parameter ControlMode values.
CONTROL_MODES = {"scheduled": 1, "dynamic": 2}
#: MobilityNeedsMode: 1 provided by the EVCC, 2 by the SECC (only with dynamic control).
MOBILITY_NEEDS = {"scheduled": 1, "dynamic": 2}
