"""The charger's reactive power at its grid connection, from the DER controls in force (OCPP 2.1
R04): what the grid-side inverter of the DC variant, or the AC variant's, does with

- ``FixedVar``: a fixed share (``setpoint``, PctMaxVar) of the rated reactive power;
- ``VoltVar`` (a DERCurve): reactive power (y, PctMaxVar) over the grid voltage (x, % of nominal,
  or of ``reactivePowerParams.vRef`` % of it when given), linear between the points and flat beyond;
- ``FixedPFInject`` / ``FixedPFAbsorb``: a displacement power factor (``displacement``) held while
  the charger injects / absorbs active power, over-excited (``excitation`` false: it injects
  reactive power) or under-excited (true: it absorbs).

Of these, one acts at a time, in that order (a fixed var setting first, then the curve, then the
power factor for the direction the active power flows).

Signs: the controls speak of reactive power as the DER produces it — positive = injected
(over-excited, capacitive, raising the grid voltage). ⚠ The schema states the sign for a
power-factor y (positive = absorbing, DERCurvePointsType) and ties FixedVar's to the active power
("negative refers to charging, positive to discharging"), which does not say which way the vars
go; for a var y and FixedVar's setpoint the bench and this charger read positive as injected, the
direction IEEE 1547 volt-var curves take (inject at low voltage). Only PctMaxVar is carried out
(the other units are refused when the control is set). The plant keeps the analyzer's load convention (positive = absorbed), so
it gets the negative.

The reactive power follows its target with a first-order lag that reaches 90 % in the curve's
``responseTime`` when given, else in the charger's own response time; it is bounded by the rated
reactive power and by the apparent power the rating leaves beside the active power."""

from __future__ import annotations

import datetime as dt
import math

from hilbench.sim.charger.der import DerControls
from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.power_stage import curve_at
from hilbench.sim.plant import Plant

#: Below this the active power counts as neither injected nor absorbed (FixedPF holds no var), W.
FLOWING_W = 50.0
#: ln(10): a first-order lag is at 90 % of a step after 2.3 time constants.
TO_90 = math.log(10.0)


class ReactivePower:
    def __init__(self, plant: Plant, der: DerControls, *, rated_var: float, rated_va: float, nominal_v: float,
                 response_time_s: float, faults: Faults) -> None:
        self.plant, self.der, self.faults = plant, der, faults
        self.rated_var, self.rated_va, self.nominal_v = rated_var, rated_va, nominal_v
        self.response_time_s = response_time_s
        self.injected_var = 0.0
        self._last_t: float | None = None

    def target_var(self, now: dt.datetime, active_w: float, voltage_v: float) -> tuple[float, float]:
        """(var injected, the response time s to 90 %) under the controls in force, at ``active_w``
        (+ = from the grid) and the grid's ``voltage_v``."""
        fixed = self.der.in_force("FixedVar", now)
        if fixed is not None:
            return self._bounded(float(fixed.data["setpoint"]) / 100.0 * self.rated_var, active_w), self.response_time_s
        curve = self.der.in_force("VoltVar", now)
        if curve is not None:
            vref = float((curve.data.get("reactivePowerParams") or {}).get("vRef", 100.0))
            v_pct = 100.0 * voltage_v / (self.nominal_v * vref / 100.0)
            points = [{"x": p["x"], "power": p["y"]} for p in curve.data["curveData"]]
            share = curve_at(points, v_pct, "x")
            if self.faults.on("volt-var-sign-inverted"):
                share = -share
            response = float(curve.data.get("responseTime") or 0.0) or self.response_time_s
            return self._bounded(share / 100.0 * self.rated_var, active_w), response
        kind = "FixedPFInject" if active_w < -FLOWING_W else "FixedPFAbsorb" if active_w > FLOWING_W else None
        pf = self.der.in_force(kind, now) if kind else None
        if pf is None or self.faults.on("fixed-pf-ignored"):
            return 0.0, self.response_time_s
        displacement = min(1.0, max(1e-3, abs(float(pf.data["displacement"]))))
        magnitude = abs(active_w) * math.tan(math.acos(displacement))
        return self._bounded(-magnitude if pf.data["excitation"] else magnitude, active_w), self.response_time_s

    def _bounded(self, var: float, active_w: float) -> float:
        room = math.sqrt(max(0.0, self.rated_va ** 2 - active_w ** 2))
        limit = min(self.rated_var, room)
        return max(-limit, min(limit, var))

    def step(self, now_s: float, now: dt.datetime, *, energized: bool) -> float:
        """Advances to ``now_s`` (monotonic) and puts the reactive power on the plant; an inverter
        that is not energized (no grid, tripped) holds none. Returns the var injected."""
        dt_s = 0.0 if self._last_t is None else max(0.0, now_s - self._last_t)
        self._last_t = now_s
        if not energized:
            self.injected_var = 0.0
        else:
            voltage = sum(self.plant.grid.present_voltage_v()) / 3.0
            target, response = self.target_var(now, self.plant.ac_power_w(), voltage)
            alpha = 1.0 - math.exp(-dt_s * TO_90 / response) if response > 0 else 1.0
            self.injected_var += (target - self.injected_var) * alpha
        with self.plant.lock:
            self.plant.step()
            self.plant.charger_reactive_var = -self.injected_var
        return self.injected_var
