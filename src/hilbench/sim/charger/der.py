"""The charger's DER controls (OCPP 2.1 R04): SetDERControl, GetDERControl → ReportDERControl,
ClearDERControl, and the control in force per type.

Controls are kept per type, as default controls (``isDefault``, in force when no scheduled one is)
and scheduled ones (in force from ``startTime`` for ``duration`` s, or at once and for good). Of a
type's controls in force, the one with the lowest ``priority`` value wins; the others are
superseded — SetDERControl names the ones a new control supersedes (``supersededIds``) and the
report marks them ``isSuperseded``.

What the power stage does with them:

- ``LimitMaxDischarge`` caps discharging at ``pctMaxDischargePower`` of the EV's rated maximum
  discharge power (as the schema defines the percentage; the EV's maximum is what it declared over
  ISO 15118-20).
- ``HVMustTrip`` / ``LVMustTrip`` (a DERCurve, ``yUnit`` PctEffectiveV): each point is a clearing
  time ``x`` (s) for a voltage ``y`` (% of nominal) — the voltage-versus-time form of the
  IEC 61850-7-420 and IEEE 1547 trip curves, with the unit on the y axis as DERCurveType puts it.
  At or beyond a point's voltage for its time the charger ceases to energize (output 0 at once) and
  sends NotifyDERAlarm; when the voltage is back it sends the alarm's end and resumes.
- ``HVMomCess`` / ``LVMomCess``: the same curves for momentary cessation — the output stops as a
  trip's does, and comes back the moment the voltage is inside again, without an EnterService's
  delay and ramp (a ride-through, not a disconnection: IEEE 1547's distinction).

- ``EnterService``: after a trip the charger returns to service only once the grid has been
  inside the window (``lowVoltage``-``highVoltage`` % of nominal, ``lowFreq``-``highFreq`` Hz)
  for ``delay`` s, then ramps its output from zero to the full setpoint over ``rampRate`` s
  (our reading of the schema's "enter service ramp rate in seconds": the time of the ramp).
  Without one in force it returns at once.
- ``FreqDroop``: outside ``underFreq``-``overFreq`` the active power moves by the frequency's
  distance from that band over ``droop`` × nominal frequency, in units of the rated power: above
  ``overFreq`` toward taking more from the grid (less discharge, more charge), below ``underFreq``
  toward giving more — a storage unit's part in frequency containment, the sign as IEEE 1547's
  frequency-droop has it (⚠ our reading: the OCPP schema gives the fields, not the formula).
- ``VoltVar``, ``FixedVar``, ``FixedPFInject`` and ``FixedPFAbsorb`` set the reactive power at
  the grid connection (``hilbench.sim.charger.reactive``).

The other control types (the active-power curves, gradients) are answered
``NotSupported`` — the charger says so, as the spec lets a station that lacks one, rather
than accepting and ignoring them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hilbench.sim.charger.faults import Faults

#: controlType -> the request's field that carries it (SetDERControlRequest).
FIELDS = {"LimitMaxDischarge": "limitMaxDischarge", "EnterService": "enterService", "FixedPFAbsorb": "fixedPFAbsorb",
          "FixedPFInject": "fixedPFInject", "FixedVar": "fixedVar", "FreqDroop": "freqDroop", "Gradients": "gradient"}
#: controlType -> ReportDERControlRequest's list and the key inside each entry.
REPORT = {"LimitMaxDischarge": ("limitMaxDischarge", "limitMaxDischarge"), "FixedPFAbsorb": ("fixedPFAbsorb", "fixedPF"),
          "FixedPFInject": ("fixedPFInject", "fixedPF"), "FixedVar": ("fixedVar", "fixedVar")}
#: The trip curves the charger keeps: controlType -> (above the curve's voltage, the grid event).
TRIPS = {"HVMustTrip": (True, "OverVoltage"), "LVMustTrip": (False, "UnderVoltage"),
         "HVMomCess": (True, "OverVoltage"), "LVMomCess": (False, "UnderVoltage")}
#: Momentary cessation: the output stops beyond the curve and comes back as soon as the voltage
#: does — no trip, so no EnterService delay or ramp.
MOMENTARY = ("HVMomCess", "LVMomCess")
for _curve in (*TRIPS, "VoltVar"):
    FIELDS[_curve], REPORT[_curve] = "curve", ("curve", "curve")
REPORT["EnterService"] = ("enterService", "enterService")
REPORT["FreqDroop"] = ("freqDroop", "freqDroop")
#: What the charger carries out (reactive power: ``hilbench.sim.charger.reactive``).
SUPPORTED = ("LimitMaxDischarge", *TRIPS, "VoltVar", "FixedVar", "FixedPFInject", "FixedPFAbsorb", "EnterService",
             "FreqDroop")
#: The charger's own trip delay as a share of a curve's clearing time: the clearing time is the
#: latest the output may be off, so the protection acts before it (detection and breaker time).
TRIP_MARGIN = 0.8


#: Controls that exist only as default ones (R04.FR.14/15).
DEFAULT_ONLY = ("EnterService", "Gradients")
#: Every control field SetDERControlRequest may carry.
CONTROL_FIELDS = ("curve", "enterService", "fixedPFAbsorb", "fixedPFInject", "fixedVar", "freqDroop", "gradient",
                  "limitMaxDischarge")


def _shape_problem(req: dict[str, Any], kind: str, default: bool) -> str | None:
    """What the 2.1 errata's R04.FR.13, 15 and 17 refuse: a default control with a schedule, a
    scheduled EnterService or Gradients, and a request whose control field is not its
    controlType's (or that carries more than one)."""
    fields = [f for f in CONTROL_FIELDS if f in req]
    if fields != [FIELDS[kind]]:
        return f"controlType {kind} takes the one field {FIELDS[kind]}, the request has {fields or 'none'} (R04.FR.17)"
    data = req[FIELDS[kind]]
    if default and ("startTime" in data or "duration" in data):
        return f"a default {kind} control cannot have a startTime or duration (R04.FR.13)"
    if not default and kind in DEFAULT_ONLY:
        return f"{kind} exists only as a default control: isDefault must be true (R04.FR.15)"
    return None


@dataclass
class Control:
    id: str
    type: str
    is_default: bool
    data: dict[str, Any]
    seq: int  #: the order controls were set in

    @property
    def priority(self) -> int:
        return int(self.data["priority"])

    def window(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[begin, end) of its schedule (None: unbounded on that side)."""
        start = self.data.get("startTime")
        if start is None:
            return None, None
        begin = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
        duration = self.data.get("duration")
        return begin, None if duration is None else begin + dt.timedelta(seconds=float(duration))

    def in_force(self, now: dt.datetime) -> bool:
        begin, end = self.window()
        return (begin is None or begin <= now) and (end is None or now < end)

    def overlaps(self, other: Control) -> bool:
        (b1, e1), (b2, e2) = self.window(), other.window()
        return (e1 is None or b2 is None or b2 < e1) and (e2 is None or b1 is None or b1 < e2)

    def beats(self, other: Control) -> bool:
        """A higher priority (lower value) of the same kind, in force at some time ``other`` is."""
        return (other is not self and other.type == self.type and other.is_default == self.is_default
                and self.priority < other.priority and self.overlaps(other))


class DerControls:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.controls: dict[str, Control] = {}
        self._seq = 0
        #: per trip type: since when (monotonic s) the voltage is beyond the curve, and tripped or not
        self._beyond_since: dict[str, float | None] = {t: None for t in TRIPS}
        self.tripped: dict[str, bool] = {t: False for t in TRIPS}
        #: after a trip: not yet back in service; since when the grid is inside the EnterService
        #: window (monotonic s); when the ramp back began
        self._returning = False
        self._inside_since: float | None = None
        self._ramp_from: float | None = None

    def set(self, req: dict[str, Any]) -> dict[str, Any]:
        """SetDERControl: (the response)."""
        kind, cid, default = req["controlType"], req["controlId"], bool(req["isDefault"])
        if kind not in SUPPORTED:
            return {"status": "NotSupported", "statusInfo": {"reasonCode": "UnsupportedParam",
                                                             "additionalInfo": f"controlType {kind} is not implemented"}}
        data = req.get(FIELDS[kind])
        problem = None if self.faults.on("der-control-shape-unchecked") else _shape_problem(req, kind, default)
        problem = problem or self._problem(kind, data)
        if problem:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidValue", "additionalInfo": problem}}
        assert data is not None
        self._seq += 1
        new = Control(cid, kind, default, dict(data), self._seq)
        rivals = [c for c in self.controls.values() if c.id != cid]
        # the ones it beats that nothing beat before: a control already superseded is not named again
        superseded = sorted(c.id for c in rivals if new.beats(c) and not any(r.beats(c) for r in rivals))
        self.controls[cid] = new
        out: dict[str, Any] = {"status": "Accepted"}
        if superseded:
            out["supersededIds"] = superseded
        return out

    def _problem(self, kind: str, data: dict[str, Any] | None) -> str | None:
        if data is None:
            return f"controlType {kind} without its {FIELDS[kind]}"
        if kind in TRIPS:
            points = data.get("curveData") or []
            if data.get("yUnit") != "PctEffectiveV":
                return f"{kind} needs yUnit PctEffectiveV (the voltage), not {data.get('yUnit')}"
            bad = [p for p in points if p["x"] < 0.0 or p["y"] <= 0.0]
            if not points or bad:
                return f"{kind} curveData needs points of clearing time x >= 0 s and voltage y > 0 %: {bad or 'none'}"
        if kind == "VoltVar":
            points = data.get("curveData") or []
            if data.get("yUnit") != "PctMaxVar":
                return f"VoltVar needs yUnit PctMaxVar (the rated reactive power), not {data.get('yUnit')}"
            bad = [p for p in points if p["x"] <= 0.0 or abs(p["y"]) > 100.0]
            xs = [p["x"] for p in points]
            if not points or bad or xs != sorted(set(xs)):
                return f"VoltVar curveData needs rising voltages x > 0 % and |y| <= 100 %: {bad or xs}"
        if kind == "FixedVar":
            if data.get("unit") != "PctMaxVar" or abs(float(data["setpoint"])) > 100.0:
                return f"FixedVar needs unit PctMaxVar and |setpoint| <= 100 %, not {data.get('unit')} {data['setpoint']}"
        if kind.startswith("FixedPF") and not 0.0 < float(data["displacement"]) <= 1.0:
            return f"{kind} displacement {data['displacement']} is not a power factor in (0, 1]"
        if kind == "FreqDroop":
            if not (float(data["underFreq"]) < float(data["overFreq"]) and float(data["overDroop"]) > 0.0
                    and float(data["underDroop"]) > 0.0 and float(data["responseTime"]) >= 0.0):
                return (f"FreqDroop needs underFreq < overFreq, droops > 0 and responseTime >= 0: under {data['underFreq']} Hz, "
                        f"over {data['overFreq']} Hz, droops {data['underDroop']}/{data['overDroop']}, "
                        f"responseTime {data['responseTime']} s")
        if kind == "EnterService":
            if not (data["lowVoltage"] < data["highVoltage"] and data["lowFreq"] < data["highFreq"]):
                return (f"EnterService window is empty: voltage {data['lowVoltage']}-{data['highVoltage']} %, "
                        f"frequency {data['lowFreq']}-{data['highFreq']} Hz")
            if float(data.get("delay", 0)) < 0 or float(data.get("rampRate", 0)) < 0:
                return f"EnterService delay {data.get('delay')} s and rampRate {data.get('rampRate')} s cannot be negative"
        if kind == "LimitMaxDischarge":
            pct = data.get("pctMaxDischargePower")
            if pct is None:
                return "limitMaxDischarge without pctMaxDischargePower (powerMonitoringMustTrip is not implemented)"
            if not 0.0 <= float(pct) <= 100.0:
                return f"pctMaxDischargePower {pct} is not within 0-100 %"
        return None

    def in_force(self, kind: str, now: dt.datetime) -> Control | None:
        """The control of ``kind`` that applies now: a scheduled one over a default one, then the
        lowest priority value (the latest set on a tie)."""
        live = [c for c in self.controls.values() if c.type == kind and c.in_force(now)]
        scheduled = [c for c in live if not c.is_default]
        pool = scheduled or live
        if not pool:
            return None
        if self.faults.on("der-priority-ignored"):
            return max(pool, key=lambda c: c.seq)
        return min(pool, key=lambda c: (c.priority, -c.seq))

    def superseded(self, c: Control) -> bool:
        """A control of higher priority covers some of its time (ReportDERControl's isSuperseded);
        one merely not started yet, or over, is not superseded."""
        if self.faults.on("der-priority-ignored"):
            return any(r.seq > c.seq and r.type == c.type for r in self.controls.values())
        return any(r.beats(c) for r in self.controls.values())

    def discharge_cap_w(self, now: dt.datetime, ev_max_discharge_w: float) -> float | None:
        """The most the charger may discharge now under LimitMaxDischarge, W (None: no cap)."""
        c = self.in_force("LimitMaxDischarge", now)
        if c is None or self.faults.on("ignores-limit-max-discharge") or ev_max_discharge_w <= 0.0:
            return None
        return ev_max_discharge_w * float(c.data["pctMaxDischargePower"]) / 100.0

    def droop_w(self, now: dt.datetime, frequency_hz: float, nominal_hz: float, rated_w: float) -> float:
        """The FreqDroop control's change to the active power at ``frequency_hz``, W (positive:
        toward taking more from the grid); 0 inside its band or without one."""
        c = self.in_force("FreqDroop", now)
        if c is None or self.faults.on("freq-droop-ignored"):
            return 0.0
        d = c.data
        over, under = float(d["overFreq"]), float(d["underFreq"])
        if frequency_hz > over:
            change = (frequency_hz - over) / (float(d["overDroop"]) * nominal_hz) * rated_w
        elif frequency_hz < under:
            change = -(under - frequency_hz) / (float(d["underDroop"]) * nominal_hz) * rated_w
        else:
            return 0.0
        return -change if self.faults.on("freq-droop-sign-inverted") else change

    def clearing_time_s(self, kind: str, voltage_pct: float, now: dt.datetime) -> float | None:
        """How long the charger may stay energized at ``voltage_pct`` under the ``kind`` trip curve
        in force (None: the voltage is inside the curve, or no curve is in force)."""
        c = self.in_force(kind, now)
        if c is None:
            return None
        high = TRIPS[kind][0]
        times = [p["x"] for p in c.data["curveData"] if (voltage_pct >= p["y"] if high else voltage_pct <= p["y"])]
        if not times:
            return None
        if (kind == "HVMustTrip" and self.faults.on("trips-late-hv-must-trip")) \
                or (kind == "LVMustTrip" and self.faults.on("trips-late-lv-must-trip")):
            return min(times) * 3.0
        if kind in MOMENTARY and self.faults.on("momentary-cessation-ignored"):
            return None
        return min(times) * TRIP_MARGIN

    def trips(self, now_s: float, voltages_pct: tuple[float, ...], now: dt.datetime) -> list[dict[str, Any]]:
        """Advances the trip curves to ``now_s`` (monotonic) at the phases' voltages (% of nominal);
        returns the NotifyDERAlarm payloads of the trips that began or ended."""
        alarms = []
        for kind, (high, event) in TRIPS.items():
            v = max(voltages_pct) if high else min(voltages_pct)
            clearing = self.clearing_time_s(kind, v, now)
            if clearing is None:
                self._beyond_since[kind] = None
                if self.tripped[kind]:
                    self.tripped[kind] = False
                    alarms.append({"controlType": kind, "gridEventFault": event, "alarmEnded": True})
                continue
            since = self._beyond_since[kind]
            if since is None:
                since = self._beyond_since[kind] = now_s
            if not self.tripped[kind] and now_s - since >= clearing:
                self.tripped[kind] = True
                alarms.append({"controlType": kind, "gridEventFault": event})
        stamp = now.isoformat().replace("+00:00", "Z")
        return [] if self.faults.on("no-der-alarm-on-trip") else [a | {"timestamp": stamp} for a in alarms]

    def ceased(self) -> bool:
        """Tripped or in momentary cessation: the charger must not energize."""
        return any(self.tripped.values())

    def _out_of_service(self) -> bool:
        """A trip proper: the return waits for EnterService (a momentary cessation does not, unless
        the fault treats it as a trip)."""
        treat_as_trip = self.faults.on("momentary-cessation-as-trip")
        return any(on for kind, on in self.tripped.items() if kind not in MOMENTARY or treat_as_trip)

    def service_share(self, now_s: float, voltages_pct: tuple[float, ...], frequency_hz: float, now: dt.datetime) -> float:
        """The share of its output the charger may give now: 0 while tripped or waiting to enter
        service again, rising to 1 over the EnterService ramp."""
        if self.ceased():
            if self._out_of_service():
                self._returning, self._inside_since, self._ramp_from = True, None, None
            return 0.0
        c = self.in_force("EnterService", now)
        if not self._returning or c is None or self.faults.on("enter-service-ignored"):
            self._returning = False
            return 1.0
        d = c.data
        if self._ramp_from is None:
            inside = (float(d["lowVoltage"]) <= min(voltages_pct) and max(voltages_pct) <= float(d["highVoltage"])
                      and float(d["lowFreq"]) <= frequency_hz <= float(d["highFreq"]))
            if not inside:
                self._inside_since = None
                return 0.0
            if self._inside_since is None:
                self._inside_since = now_s
            if now_s - self._inside_since < float(d.get("delay", 0.0)):
                return 0.0
            self._ramp_from = now_s
        ramp = float(d.get("rampRate", 0.0))
        share = 1.0 if ramp <= 0.0 else min(1.0, (now_s - self._ramp_from) / ramp)
        if share >= 1.0:
            self._returning, self._ramp_from = False, None
        return share

    def _matching(self, req: dict[str, Any]) -> list[Control]:
        return [c for c in self.controls.values()
                if ("isDefault" not in req or c.is_default == bool(req["isDefault"]))
                and ("controlType" not in req or c.type == req["controlType"])
                and ("controlId" not in req or c.id == req["controlId"])]

    def clear(self, req: dict[str, Any]) -> dict[str, Any]:
        """ClearDERControl: the matching controls go; NotFound when none matches."""
        doomed = self._matching(req)
        for c in doomed:
            del self.controls[c.id]
        if not doomed and not self.faults.on("clear-der-unknown-accepted"):
            return {"status": "NotFound"}
        return {"status": "Accepted"}

    def report(self, req: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """GetDERControl: (the response, the ReportDERControl payload to send after it, or None)."""
        found = self._matching(req)
        if not found:
            return {"status": "NotFound"}, None
        report: dict[str, Any] = {"requestId": req["requestId"]}
        for c in found:
            listed, key = REPORT[c.type]
            entry = {"id": c.id, "isDefault": c.is_default, "isSuperseded": self.superseded(c), key: c.data}
            if c.type == "EnterService":  # EnterServiceGetType has neither flag
                entry = {"id": c.id, key: c.data}
            if listed == "curve":
                entry["curveType"] = c.type
            report.setdefault(listed, []).append(entry)
        return {"status": "Accepted"}, report
