"""The virtual charger toward the EV: the bench's ISO 15118-20 SECC with an EVSE model driven by the
charger — its limits from the charging profile in force, its present voltage and current measured
on the plant, the EV's requests handed to the power stage, the authorization held Ongoing until the
charger's OCPP side has authorized (EIM: an idToken or a remote start; PnC: Authorize with the
contract's hash data), and the EV's needs sent to the CSMS as NotifyEVChargingNeeds."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hilbench.v2g.evse_model import EvseModel
from hilbench.v2g.secc import Secc
from hilbench.v2g.sequence import allowed_after
from hilbench.v2g.values import number

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware

#: How long ScheduleExchange stays Ongoing while the CSMS has not answered the EV's needs, s.
NEEDS_WAIT_S = 5.0


@dataclass
class EvRequest:
    """What the EV last said, in W and Wh (discharge values non-negative)."""

    service: str | None = None
    dynamic: bool = False
    max_charge_w: float = math.inf
    max_discharge_w: float = 0.0
    request_w: float = math.inf
    soc_percent: float | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    departure_s: int | None = None
    #: The EV's energy offer (scheduled control, BPT): its power schedule as the EV sent it.
    energy_offer: dict[str, Any] | None = None
    evccid: str | None = None  #: from its SessionSetupReq


@dataclass
class PlantEvse(EvseModel):
    """An EVSE model whose answers come from the virtual charger (``firmware``)."""

    firmware: Any = None
    ev: EvRequest = field(default_factory=EvRequest)
    needs_sent_at: float | None = None
    #: The EV's AuthorizationReq (for PnC: its contract chain, authorized over OCPP).
    last_authorization: dict[str, Any] | None = None

    # -- authorization ---------------------------------------------------------------------------
    def authorization(self, service: str, count: int) -> tuple[str, str]:
        fw: Firmware = self.firmware
        if service == "PnC" and count == 1:
            fw.ev_facing.authorize_contract(self.evseid)
        return fw.ev_facing.hlc_authorization(service)

    # -- what the EV says ------------------------------------------------------------------------
    def ev_said(self, message: str, body: dict[str, Any]) -> None:
        fw: Firmware = self.firmware
        ev = self.ev
        mode: dict[str, Any] = next((v for k, v in body.items()
                                     if k.endswith("ReqEnergyTransferMode") or k.endswith("ReqControlMode")), {})
        if message == "SessionSetupReq":
            ev.evccid = body.get("EVCCID")
        elif message == "AuthorizationReq":
            self.last_authorization = body
        elif message == "ServiceSelectionReq":
            from hilbench.v2g.services import BY_ID

            chosen = BY_ID.get(body["SelectedEnergyTransferService"]["ServiceID"])
            ev.service = chosen.name if chosen else None
            ev.dynamic = body["SelectedEnergyTransferService"]["ParameterSetID"] == 2
        elif message.endswith("ChargeParameterDiscoveryReq"):
            ev.parameters |= _values(mode)
            ev.max_charge_w = number(mode["EVMaximumChargePower"]) if "EVMaximumChargePower" in mode else math.inf
            ev.max_discharge_w = number(mode["EVMaximumDischargePower"]) if "EVMaximumDischargePower" in mode else 0.0
        elif message == "ScheduleExchangeReq":
            ev.parameters |= _values(mode)
            if "EVEnergyOffer" in mode:
                ev.energy_offer = mode["EVEnergyOffer"]
            ev.departure_s = mode.get("DepartureTime")
            if self.needs_sent_at is None:
                self.needs_sent_at = fw.clock()
                fw.ev_facing.notify_ev_charging_needs(self.charging_needs())
        elif message.endswith("ChargeLoopReq"):
            display = body.get("DisplayParameters") or {}
            if "PresentSOC" in display:
                ev.soc_percent = float(display["PresentSOC"])
                fw.meter.soc_percent = ev.soc_percent
            for key in ("EVMaximumChargePower", "EVMaximumDischargePower"):
                if key in mode:
                    setattr(ev, "max_charge_w" if "Charge" in key else "max_discharge_w", number(mode[key]))
            if "EVTargetCurrent" in mode:
                ev.request_w = number(mode["EVTargetCurrent"]) * number(body["EVPresentVoltage"])
            elif "EVPresentActivePower" in mode and not ev.dynamic:
                ev.request_w = number(mode["EVPresentActivePower"])
            elif ev.dynamic:
                ev.request_w = ev.max_charge_w
        elif message == "PowerDeliveryReq":
            fw.ev_facing.hlc_power_delivery(body["ChargeProgress"])
            if body["ChargeProgress"] == "Start" and "EVPowerProfile" in body:
                fw.ev_facing.notify_ev_charging_schedule(self.ev_schedule(body["EVPowerProfile"]))
        elif message == "SessionStopReq":
            fw.ev_facing.hlc_ended(body["ChargingSession"])
        fw.ev_facing.ev_updated()

    def charging_needs(self) -> dict[str, Any]:
        """NotifyEVChargingNeeds' chargingNeeds from what the EV said, values as the EV sent them."""
        fw: Firmware = self.firmware
        ev, p = self.ev, self.ev.parameters
        transfer = {"DC": "DC", "DC_BPT": "DC_BPT", "AC": "AC_three_phase", "AC_BPT": "AC_BPT"}.get(ev.service or "", "DC")
        needs: dict[str, Any] = {"requestedEnergyTransfer": transfer,
                                 "controlMode": "DynamicControl" if ev.dynamic else "ScheduledControl",
                                 "mobilityNeedsMode": "EVCC"}
        if ev.departure_s is not None:
            departure = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=int(ev.departure_s))
            needs["departureTime"] = departure.isoformat(timespec="seconds").replace("+00:00", "Z")
        v2x = {"maxChargePower": p.get("EVMaximumChargePower"), "minChargePower": p.get("EVMinimumChargePower"),
               "maxDischargePower": p.get("EVMaximumDischargePower"), "minDischargePower": p.get("EVMinimumDischargePower"),
               "maxChargeCurrent": p.get("EVMaximumChargeCurrent"), "maxDischargeCurrent": p.get("EVMaximumDischargeCurrent"),
               "maxVoltage": p.get("EVMaximumVoltage"), "minVoltage": p.get("EVMinimumVoltage"),
               "evTargetEnergyRequest": p.get("EVTargetEnergyRequest"), "evMinEnergyRequest": p.get("EVMinimumEnergyRequest"),
               "evMaxEnergyRequest": p.get("EVMaximumEnergyRequest"),
               "evMinV2XEnergyRequest": p.get("EVMinimumV2XEnergyRequest"),
               "evMaxV2XEnergyRequest": p.get("EVMaximumV2XEnergyRequest"), "targetSoC": p.get("TargetSOC")}
        if fw.faults.on("charging-needs-altered") and v2x["evMaxEnergyRequest"] is not None:
            v2x["evMaxEnergyRequest"] = v2x["evMaxEnergyRequest"] * 0.9
        v2x = {k: (int(v) if k == "targetSoC" else v) for k, v in v2x.items() if v is not None}
        if ev.service in ("DC_BPT", "AC_BPT"):
            needs["v2xChargingParameters"] = v2x
        if ev.energy_offer and "EVPowerSchedule" in ev.energy_offer:
            schedule = ev.energy_offer["EVPowerSchedule"]
            anchor = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=int(schedule.get("TimeAnchor", 0)))
            entries = schedule["EVPowerScheduleEntries"]["EVPowerScheduleEntry"]
            needs["evEnergyOffer"] = {"evPowerSchedule": {
                "timeAnchor": anchor.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "evPowerScheduleEntries": [{"duration": e["Duration"], "power": number(e["Power"])} for e in entries]}}
        if ev.service in ("DC", "DC_BPT"):
            dc: dict[str, Any] = {"evMaxCurrent": p.get("EVMaximumChargeCurrent", 0.0), "evMaxVoltage": p.get("EVMaximumVoltage", 0.0)}
            if "EVMaximumChargePower" in p:
                dc["evMaxPower"] = p["EVMaximumChargePower"]
            if "EVTargetEnergyRequest" in p:
                dc["energyAmount"] = p["EVTargetEnergyRequest"]
            needs["dcChargingParameters"] = dc
        else:
            needs["acChargingParameters"] = {"energyAmount": p.get("EVTargetEnergyRequest", 0.0), "evMinCurrent": 0.0,
                                             "evMaxCurrent": fw.config.max_current_a, "evMaxVoltage": 400.0}
        return needs

    def ev_schedule(self, profile: dict[str, Any]) -> dict[str, Any]:
        """NotifyEVChargingSchedule from the EV's power profile in PowerDeliveryReq: its entries as
        periods (W), the tuple it selected and its answer to the power tolerance."""
        entries = profile.get("EVPowerProfileEntries", {}).get("EVPowerProfileEntry", [])
        periods, start = [], 0
        for e in entries:
            periods.append({"startPeriod": start, "limit": number(e["Power"])})
            start += int(e["Duration"])
        base = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=int(profile.get("TimeAnchor", 0)))
        out: dict[str, Any] = {"evseId": 1, "timeBase": base.isoformat(timespec="seconds").replace("+00:00", "Z"),
                               "chargingSchedule": {"id": 1, "chargingRateUnit": "W",
                                                    "chargingSchedulePeriod": periods or [{"startPeriod": 0, "limit": 0.0}]}}
        scheduled = profile.get("Scheduled_EVPPTControlMode") or {}
        if "SelectedScheduleTupleID" in scheduled:
            out["selectedChargingScheduleId"] = scheduled["SelectedScheduleTupleID"]
        if "PowerToleranceAcceptance" in scheduled:
            out["powerToleranceAcceptance"] = scheduled["PowerToleranceAcceptance"] == "PowerToleranceConfirmed"
        return out

    # -- schedule and loop -----------------------------------------------------------------------
    def schedule(self, count: int, bpt: bool, dynamic: bool) -> tuple[str, list[tuple[int, float]] | None,
                                                                     list[tuple[int, float]] | None]:
        fw: Firmware = self.firmware
        waited = fw.clock() - (self.needs_sent_at or fw.clock())
        if not fw.needs_answered and waited < NEEDS_WAIT_S:
            return "Ongoing", None, None
        charging, discharging = fw.ev_facing.ev_schedule(bpt)
        return "Finished", charging, discharging

    def dynamic_target_w(self, cycle: int, bpt: bool) -> float:
        return self.firmware.power_stage.target_w

    def dc_loop(self, mode: dict[str, Any], ev_voltage_v: float, cycle: int, bpt: bool, dynamic: bool) -> tuple[float, float]:
        plant = self.firmware.plant
        with plant.lock:
            plant.step()
            return plant.dc.current_a, plant.dc_terminal_voltage_v()

    def ac_loop(self, mode: dict[str, Any], cycle: int, bpt: bool, dynamic: bool) -> float:
        if dynamic:
            return self.firmware.power_stage.target_w
        return self.firmware.power_stage.output_w


def _values(mode: dict[str, Any]) -> dict[str, Any]:
    """The EV's scalar parameters: rationals as numbers, plain values as they are."""
    return {k: number(v) if isinstance(v, dict) and "Exponent" in v else v for k, v in mode.items()
            if not isinstance(v, dict) or "Exponent" in v}


class ChargerSecc(Secc):
    """The bench SECC with the charger's faults on the EV side."""

    def __init__(self, *, faults: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.faults = faults

    def on_message(self, name: str, body: dict[str, Any], now_ns: int) -> None:
        prefix = self.service.prefix if self.service else "DC_"
        header = body.get("Header")
        if self.faults.on("secc-ignores-session-id") and isinstance(header, dict) and self.session_id \
                and name not in ("supportedAppProtocolReq", "SessionSetupReq"):
            body = {**body, "Header": {**header, "SessionID": self.session_id}}  # whatever the EV said
        if self.faults.on("secc-accepts-out-of-sequence") and self.previous is not None \
                and name not in allowed_after(self.previous, prefix) and name != "SessionStopReq":
            self.counts[name] = self.counts.get(name, 0) + 1
            self.respond(name, self.minimal_body(name), now_ns, "OK")  # a charger that answers anything
            return
        super().on_message(name, body, now_ns)

    def _end(self, ok: bool, reason: str, finding: Any = None) -> None:
        """A session that fails (a FAILED answer, undecodable EXI, a timeout, the connection lost)
        ends the energy transfer it carried: the charger opens its power path."""
        first = self.ended is None
        super()._end(ok, reason, finding)
        firmware = getattr(self.evse, "firmware", None)
        if first and not ok and firmware is not None and not self.faults.on("keeps-power-after-v2g-error"):
            firmware.ev_facing.hlc_lost(reason)
