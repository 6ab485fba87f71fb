"""The charger's power stage: what it is allowed to do (its ratings, the charging profile's limit,
discharge limit and setpoint, the operation mode, the EV's own limits) decides its target; it
reacts after its response time and moves at its ramp rate; the power goes through the plant, so the
battery emulator, the analyzer and the grid meter measure it.

Sign convention: + = into the EV (charging), − = out of the EV (discharging). The target in each
operation mode (OCPP 2.1 OperationModeEnumType):

- ChargingOnly: the EV's request, from 0 up to the limit;
- CentralSetpoint / ExternalSetpoint: the setpoint, held within [discharge limit, limit];
- ExternalLimits / LocalLoadBalancing: the EV's request within [discharge limit, limit];
- LocalFrequency: the baseline plus the frequency-watt curve at the grid's frequency
  (interpolated, held flat beyond its ends);
- CentralFrequency: the baseline plus the signal-watt curve at the CSMS's last AFRR signal (the
  baseline alone before the first);
- Idle: nothing."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.smart_charging import Period
from hilbench.sim.plant import Plant

SETPOINT_MODES = ("CentralSetpoint", "ExternalSetpoint")


@dataclass
class EvLimits:
    """What the EV allows, W (both non-negative); infinite when it said nothing (basic charging)."""

    max_charge_w: float = math.inf
    max_discharge_w: float = 0.0
    request_w: float = math.inf


def curve_at(curve: list[dict[str, float]], x: float, key: str) -> float:
    """Piecewise-linear ``power`` over ``key`` (frequency, signal), flat beyond the ends."""
    points = sorted((p[key], p["power"]) for p in curve)
    if not points:
        return 0.0
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return points[-1][1]


class PowerStage:
    def __init__(self, plant: Plant, *, max_charge_w: float, max_discharge_w: float, ramp_w_per_s: float,
                 response_time_s: float, efficiency: float, faults: Faults, ac_outlet: bool = False) -> None:
        self.plant, self.faults = plant, faults
        #: The AC variant regulates the power at its AC outlet; the EV's on-board charger between
        #: the outlet and the battery loses its share (the plant's efficiency) on the EV's side.
        self.ac_outlet = ac_outlet
        self.max_charge_w, self.max_discharge_w = max_charge_w, max_discharge_w
        slow = 3.0 if faults.on("slow-setpoint-ramp") else 1.0
        self.ramp_w_per_s = ramp_w_per_s / slow
        self.response_time_s = response_time_s * slow
        plant.charger_efficiency = efficiency
        self.target_w = 0.0
        self.output_w = 0.0
        self.mode = "ChargingOnly"
        self._last_wanted = 0.0
        self._history: deque[tuple[float, float]] = deque()  # (t, target) for the response delay
        self._last_t: float | None = None

    def target(self, period: Period, ev: EvLimits, *, bpt: bool, discharge_cap_w: float | None = None,
               afrr_signal: int | None = None, droop_w: float = 0.0) -> float:
        """What the stage aims at under ``period``, the EV's limits, a DER control's cap on
        discharging (W, ≥ 0), the AFRR signal in force (None: none received) and a DER control's
        frequency droop (W added to what the mode wants; none in Idle)."""
        mode = period.operation_mode
        if mode == "Idle" and self.faults.on("idle-mode-still-charges"):
            mode = "ChargingOnly"
        self.mode = mode
        upper = min(self.max_charge_w, ev.max_charge_w)
        if period.limit_w is not None and not self.faults.on("ignores-charging-limit"):
            upper = min(upper, period.limit_w)
        ev_discharge = self.max_discharge_w if self.faults.on("ignores-ev-discharge-limit") else ev.max_discharge_w
        lower = -min(self.max_discharge_w, ev_discharge) if bpt else 0.0
        if period.discharge_limit_w is not None and not self.faults.on("ignores-discharge-limit"):
            lower = max(lower, period.discharge_limit_w)
        if discharge_cap_w is not None:
            lower = max(lower, -discharge_cap_w)
        if mode == "Idle":
            wanted = min(0.0, self._last_wanted) if self.faults.on("idle-mode-still-discharges") else 0.0
        elif mode == "ChargingOnly":
            wanted = max(0.0, ev.request_w)
        elif mode in SETPOINT_MODES:
            wanted = period.setpoint_w if period.setpoint_w is not None else 0.0
            if self.faults.on("setpoint-sign-inverted"):
                wanted = -wanted
        elif mode == "LocalFrequency":
            f = self.plant.grid.frequency_hz
            wanted = period.baseline_w
            if not self.faults.on("freq-watt-curve-ignored"):
                wanted += curve_at(period.freq_watt_curve, f, "frequency")
        elif mode == "CentralFrequency":  # the CSMS's AFRR signal on the signal-watt curve
            wanted = period.baseline_w
            if afrr_signal is not None:
                wanted += curve_at(period.signal_watt_curve, afrr_signal, "signal")
        else:  # ExternalLimits, LocalLoadBalancing: the EV decides within the limits
            wanted = ev.request_w
        self._last_wanted = wanted
        if mode != "Idle":
            wanted += droop_w
        if mode == "ChargingOnly":  # a droop moves the charging power between zero and what the EV asks
            wanted = min(max(0.0, wanted), max(0.0, ev.request_w))
        return min(upper, max(lower, wanted))

    def step(self, now_s: float, target_w: float, *, path_closed: bool) -> float:
        """Advances the stage to ``now_s`` toward ``target_w`` and puts its output on the plant.
        With the power path open the output is 0 at once (the contactor opens)."""
        if self._last_t is None:
            self._last_t = now_s
        dt = max(0.0, now_s - self._last_t)
        self._last_t = now_s
        if not self._history or self._history[-1][1] != target_w:
            self._history.append((now_s, target_w))
        # the target in force is the latest one older than the response time
        effective = self.target_w
        while self._history and self._history[0][0] <= now_s - self.response_time_s:
            effective = self._history.popleft()[1]
        self.target_w = effective
        if not path_closed:
            self.output_w = 0.0
        else:
            step = self.ramp_w_per_s * dt
            self.output_w = min(self.output_w + step, max(self.output_w - step, effective))
        eff = self.plant.charger_efficiency
        at_battery = self.output_w if not self.ac_outlet else self.output_w * eff if self.output_w >= 0 \
            else self.output_w / eff
        self.plant.set_charger_power(at_battery)
        return self.output_w
