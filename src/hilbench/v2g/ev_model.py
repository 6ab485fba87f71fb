"""The EV side's physical values, pluggable: the EVCC asks its EV model for its present voltage,
state of charge, limits, energy requests and what to ask for in each cycle of the charge loop. The
battery model here is the default; the instruments layer can stand in for it later.

Sign convention (ISO 15118-20 [V2G20-1034/1035]): positive = EVSE → EV (charging), negative =
EV → EVSE (discharging)."""

from __future__ import annotations

from dataclasses import dataclass

from hilbench.v2g.params import param


@dataclass
class BatteryEv:
    capacity_wh: float = param(60_000.0, unit="Wh", above=0, doc="usable battery energy")
    soc: float = param(0.5, min=0, max=1, doc="state of charge at plug-in (0..1)")
    ocv_empty_v: float = param(330.0, unit="V", above=0, doc="open-circuit voltage at SoC 0")
    ocv_full_v: float = param(410.0, unit="V", above=0, doc="open-circuit voltage at SoC 1")
    max_voltage_v: float = param(450.0, unit="V", above=0)
    min_voltage_v: float = param(300.0, unit="V", above=0)
    max_current_a: float = param(125.0, unit="A", above=0)
    max_charge_power_w: float = param(11_000.0, unit="W", above=0)
    max_discharge_power_w: float = param(11_000.0, unit="W", min=0)
    min_power_w: float = param(100.0, unit="W", min=0)
    target_soc: float = param(0.8, min=0, max=1, doc="SoC wanted at departure (0..1)")
    departure_time_s: int = param(7200, unit="s", min=0, doc="from now until departure")
    #: BPT sessions: the share of the charge loop spent charging before the EV asks to discharge.
    charge_share: float = param(0.5, min=0, max=1, doc="BPT: share of the charge loop spent charging")
    loop_cycles: int = param(10, min=1, doc="charge loop cycles before the EV stops")
    loop_period_s: float = param(0.0, unit="s", min=0, doc="pause between a ChargeLoopRes and the next request (0: none)")
    ongoing_pause_s: float = param(0.02, unit="s", min=0, doc="pause before repeating a request answered Ongoing")
    #: PreCharge ends when the EVSE's voltage is within this of the EV's (None: after the first
    #: answer — for peers whose simulated EVSE reports no real voltage, as Josev's does).
    precharge_tolerance_v: float | None = param(20.0, unit="V", above=0,
                                                doc="PreCharge match; none: accept the first answer")

    def problems(self) -> list[str]:
        """What is inconsistent between parameters (each one alone is checked by its range)."""
        out = []
        if not self.min_voltage_v < self.max_voltage_v:
            out.append(f"min_voltage_v ({self.min_voltage_v:g} V) must be below max_voltage_v ({self.max_voltage_v:g} V)")
        if not self.ocv_empty_v < self.ocv_full_v:
            out.append(f"ocv_empty_v ({self.ocv_empty_v:g} V) must be below ocv_full_v ({self.ocv_full_v:g} V)")
        if not (self.min_voltage_v <= self.ocv_empty_v and self.ocv_full_v <= self.max_voltage_v):
            out.append(f"the open-circuit voltages ({self.ocv_empty_v:g}-{self.ocv_full_v:g} V) must lie within "
                       f"min_voltage_v-max_voltage_v ({self.min_voltage_v:g}-{self.max_voltage_v:g} V)")
        return out

    def present_voltage_v(self) -> float:
        return self.ocv_empty_v + (self.ocv_full_v - self.ocv_empty_v) * self.soc

    def present_soc_percent(self) -> int:
        return round(self.soc * 100)

    def target_energy_wh(self) -> float:
        return max(0.0, (self.target_soc - self.soc) * self.capacity_wh)

    def max_energy_wh(self) -> float:
        return (1.0 - self.soc) * self.capacity_wh

    def min_energy_wh(self) -> float:
        """Negative when the EV may give energy (V2X: it is above what it needs at departure)."""
        return -self.soc * self.capacity_wh * 0.5

    def charging(self, cycle: int, bpt: bool) -> bool:
        """Whether the EV wants to charge (True) or discharge (False) in loop cycle ``cycle``."""
        return not bpt or cycle < self.charge_share * self.loop_cycles

    def target_power_w(self, cycle: int, bpt: bool) -> float:
        return self.max_charge_power_w if self.charging(cycle, bpt) else -self.max_discharge_power_w

    def target_current_a(self, cycle: int, bpt: bool) -> float:
        return self.target_power_w(cycle, bpt) / self.present_voltage_v()

    def apply(self, power_w: float, seconds: float) -> None:
        """Energy through the inlet for ``seconds`` (positive into the battery)."""
        self.soc = min(1.0, max(0.0, self.soc + power_w * seconds / 3600.0 / self.capacity_wh))
