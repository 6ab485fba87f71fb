"""The charger side's physical values for the bench SECC: its limits, how it answers the EV's
requests in each phase, and — under dynamic control, where the station steers — the power it sets
in each loop cycle (for BPT services: charging, then discharging; negative = EV → EVSE)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass
class EvseModel:
    evseid: str = "DE*HIL*E0001"
    services: tuple[str, ...] = ("AC", "DC", "AC_BPT", "DC_BPT")
    max_charge_power_w: float = 50_000.0
    max_discharge_power_w: float = 50_000.0
    min_power_w: float = 100.0
    max_current_a: float = 200.0
    max_voltage_v: float = 500.0
    min_voltage_v: float = 150.0
    ac_nominal_voltage_v: int = 230
    nominal_frequency_hz: float = 50.0
    #: How many times CableCheck and the authorization answer Ongoing before Finished.
    cable_check_ongoing: int = 1
    authorization_ongoing: int = 0
    #: Dynamic control: the power the station sets, charging then (BPT) discharging.
    dynamic_charge_w: float = 11_000.0
    dynamic_discharge_w: float = -7_000.0
    dynamic_charge_cycles: int = 5
    present_voltage_v: float = 0.0
    standby_allowed: bool = True
    session_ids: set[str] = field(default_factory=set)
    #: Sessions the EV paused (SessionStop Pause): it may join them again with their id.
    paused_sessions: set[str] = field(default_factory=set)
    #: Plug & Charge: the MO roots (PEM) whose contracts this station accepts; None offers EIM only.
    pnc_trust_pem: bytes | None = None
    #: The time (Unix s) a contract's validity is checked at; None: now.
    pnc_at_unix: int | None = None
    #: The signature suites honoured (``hilbench.v2g.pnc.SUITES``).
    pnc_suites: tuple[str, ...] = ("ecdsa-sha512",)

    def new_session_id(self) -> str:
        sid = secrets.token_hex(8).upper()
        self.session_ids.add(sid)
        return sid

    def dynamic_target_w(self, cycle: int, bpt: bool) -> float:
        if bpt and cycle >= self.dynamic_charge_cycles:
            return max(self.dynamic_discharge_w, -self.max_discharge_power_w)
        return min(self.dynamic_charge_w, self.max_charge_power_w)

    def clamp_current_a(self, current_a: float, bpt: bool) -> float:
        low = -self.max_current_a if bpt else 0.0
        return max(low, min(self.max_current_a, current_a))
