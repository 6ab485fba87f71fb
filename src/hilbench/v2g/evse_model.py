"""The charger side's physical values for the bench SECC: its limits, how it answers the EV's
requests in each phase, and — under dynamic control, where the station steers — the power it sets
in each loop cycle (for BPT services: charging, then discharging; negative = EV → EVSE)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from hilbench.v2g.params import param, state
from hilbench.v2g.values import number

#: The signature suites the Plug & Charge check knows (rust/core/src/v2g/pnc.rs).
PNC_SUITES = ("ecdsa-sha512", "ecdsa-sha256")


@dataclass
class EvseModel:
    evseid: str = param("DE*HIL*E0001", doc="EVSEID sent in SessionSetupRes")
    services: tuple[str, ...] = param(("AC", "DC", "AC_BPT", "DC_BPT"), doc="energy services offered")
    max_charge_power_w: float = param(50_000.0, unit="W", above=0)
    max_discharge_power_w: float = param(50_000.0, unit="W", min=0)
    min_power_w: float = param(100.0, unit="W", min=0)
    max_current_a: float = param(200.0, unit="A", above=0)
    max_voltage_v: float = param(500.0, unit="V", above=0)
    min_voltage_v: float = param(150.0, unit="V", above=0)
    ac_nominal_voltage_v: int = param(230, unit="V", above=0)
    nominal_frequency_hz: float = param(50.0, unit="Hz", above=0)
    #: How many times CableCheck and the authorization answer Ongoing before Finished.
    cable_check_ongoing: int = param(1, min=0, doc="CableCheck answers Ongoing this often first")
    authorization_ongoing: int = param(0, min=0, doc="Authorization answers Ongoing this often first")
    #: Dynamic control: the power the station sets, charging then (BPT) discharging.
    dynamic_charge_w: float = param(11_000.0, unit="W", min=0, doc="dynamic control: target while charging")
    dynamic_discharge_w: float = param(-7_000.0, unit="W", max=0, doc="dynamic control: target while discharging")
    dynamic_charge_cycles: int = param(5, min=0, doc="dynamic BPT: loop cycles charging before discharging")
    standby_allowed: bool = param(True, doc="whether the EV may go to Standby")
    #: The time (Unix s) a contract's validity is checked at; None: now.
    pnc_at_unix: int | None = param(None, unit="s", min=0, doc="Plug & Charge: check contracts at this time")
    #: The signature suites honoured (``hilbench.v2g.pnc.SUITES``).
    pnc_suites: tuple[str, ...] = param(("ecdsa-sha512",), doc="Plug & Charge signature suites honoured")
    present_voltage_v: float = state(default=0.0)
    session_ids: set[str] = state(set)
    #: Sessions the EV paused (SessionStop Pause): it may join them again with their id.
    paused_sessions: set[str] = state(set)
    #: Plug & Charge: the MO roots (PEM) whose contracts this station accepts; None offers EIM only.
    #: (Set from the PKI, not from a profile.)
    pnc_trust_pem: bytes | None = state(default=None)

    def problems(self) -> list[str]:
        """What is inconsistent between parameters (each one alone is checked by its range)."""
        from hilbench.v2g.services import SERVICES

        out = []
        if not self.min_voltage_v < self.max_voltage_v:
            out.append(f"min_voltage_v ({self.min_voltage_v:g} V) must be below max_voltage_v ({self.max_voltage_v:g} V)")
        unknown = [s for s in self.services if s not in SERVICES]
        if unknown or not self.services:
            out.append(f"services: {', '.join(unknown) or 'none given'} (known: {', '.join(SERVICES)})")
        odd = [s for s in self.pnc_suites if s not in PNC_SUITES]
        if odd:
            out.append(f"pnc_suites: {', '.join(odd)} (known: {', '.join(PNC_SUITES)})")
        return out

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

    # -- what a charger behind the SECC decides (the bench's own answers by default; the virtual
    #    charger overrides these with its power stage and its OCPP authorization) ----------------
    def authorization(self, service: str, count: int) -> tuple[str, str]:
        """(EVSEProcessing, ResponseCode) for the ``count``-th AuthorizationReq whose service
        (EIM, or PnC with the contract already checked) is ``service``."""
        return ("Ongoing" if count <= self.authorization_ongoing else "Finished"), "OK"

    def schedule(self, count: int, bpt: bool, dynamic: bool) -> tuple[str, list[tuple[int, float]] | None,
                                                                     list[tuple[int, float]] | None]:
        """The ``count``-th ScheduleExchangeReq's answer: (EVSEProcessing, charging schedule,
        discharging schedule), each a list of (duration s, power W) or None for the station's
        maximum for a day."""
        return "Finished", None, None

    def ev_said(self, message: str, body: dict[str, Any]) -> None:
        """Every request of the EV, for a charger that acts on its parameters and limits."""

    def dc_loop(self, mode: dict[str, Any], ev_voltage_v: float, cycle: int, bpt: bool, dynamic: bool) -> tuple[float, float]:
        """The DC charge loop: (present current A, present voltage V) for the EV's request ``mode``."""
        if dynamic:
            return self.clamp_current_a(self.dynamic_target_w(cycle, bpt) / ev_voltage_v, bpt), ev_voltage_v
        return self.clamp_current_a(number(mode["EVTargetCurrent"]), bpt), ev_voltage_v

    def ac_loop(self, mode: dict[str, Any], cycle: int, bpt: bool, dynamic: bool) -> float:
        """The AC charge loop: the active power (W) for the EV's request ``mode``."""
        if dynamic:
            return self.dynamic_target_w(cycle, bpt)
        target = number(mode["EVPresentActivePower"])
        return target if bpt else max(0.0, target)
