"""The EV side of an ISO 15118-20 session (sans-I/O): from supportedAppProtocol to SessionStop for
DC, AC, DC_BPT and AC_BPT, with scheduled or dynamic control. The EV's physical values come from
its model (``ev_model.BatteryEv`` by default). Every response is checked for the expected type and
ResponseCode and timed against the standard's limits; a late, wrong or failed answer ends the
session with a finding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hilbench.v2g import pnc
from hilbench.v2g.engine import Engine
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.pnc import Contract
from hilbench.v2g.events import Finding
from hilbench.v2g.link import NS, Hook
from hilbench.v2g.sequence import response_of
from hilbench.v2g.services import CONTROL_MODES, SERVICES
from hilbench.v2g.timing import Exchange, Limits
from hilbench.v2g.values import header, number, rational

EVCCID = "WMIV1234567890ABCDEX"
AUTO = "auto"
#: "auto": the services the EV takes, best first, in the namespace the SECC chose.
PREFERRED = {"urn:iso:std:iso:15118:-20:DC": ("DC_BPT", "DC"), "urn:iso:std:iso:15118:-20:AC": ("AC_BPT", "AC")}
#: How often the EV repeats a request the SECC answers with EVSEProcessing = Ongoing (PreCharge and
#: WeldingDetection, which have no Ongoing timer of their own here), and for how long it accepts
#: Ongoing in the other phases (V2G_EVCC_Ongoing_Timeout).
MAX_ONGOING = 50
ONGOING_TIMEOUT_S = 60.0


class Evcc(Engine):
    def __init__(self, service: str, control: str, *, ev: BatteryEv | None = None, hook: Hook | None = None,
                 limits: Limits | None = None, evccid: str = EVCCID, clock_s: Callable[[], float] | None = None,
                 standby_at: int | None = None, renegotiate_at: int | None = None,
                 service_renegotiation_at: int | None = None, end_with: str = "Terminate",
                 resume_session_id: str | None = None, contract: Contract | None = None) -> None:
        """The optional paths, each taken once in the charge loop at the cycle given: a standby
        (PowerDelivery Standby, then Start again), a schedule renegotiation (PowerDelivery
        ScheduleRenegotiation, ScheduleExchange, Start), a service renegotiation (Stop, SessionStop
        ServiceRenegotiation, back to ServiceDiscovery). ``end_with="Pause"`` pauses the session
        instead of terminating it; ``resume_session_id`` joins a paused one. With a ``contract``
        the EV authorizes by Plug & Charge where the SECC offers it, else by EIM."""
        super().__init__(hook=hook, limits=limits)
        if service not in SERVICES and service != AUTO:
            raise ValueError(f"service {service!r} is not one of {', '.join(SERVICES)} or {AUTO}")
        if control not in CONTROL_MODES:
            raise ValueError(f"control {control!r} is not scheduled or dynamic")
        #: With "auto" the EV offers both namespaces and takes the best service the SECC offers
        #: (bidirectional first): what an EV that does DC and AC does.
        self.service = SERVICES[service] if service != AUTO else None
        self.control = control
        self.ev = ev or BatteryEv()
        self.evccid = evccid
        self.clock_s = clock_s or (lambda: 1_795_000_000.0)
        self.cycle = 0
        self.ongoing = 0
        self.schedule_tuple_id: int | None = None
        self.parameter_set_id: int | None = None
        self.progress = "Start"
        self.standby_at, self.renegotiate_at, self.service_renegotiation_at = standby_at, renegotiate_at, service_renegotiation_at
        if end_with not in ("Terminate", "Pause"):
            raise ValueError(f"end_with {end_with!r} is not Terminate or Pause")
        self.end_with = end_with
        self.resume_session_id = resume_session_id
        self.taken: list[str] = []  #: the optional paths taken, in order
        self._renegotiating = False
        self._service_renegotiation = False
        self.loop_reports: list[dict[str, float]] = []  #: what the SECC said in each loop cycle
        self.contract = contract
        #: The AuthorizationReq as first sent (body, header Signature): repeated unaltered while Ongoing.
        self._authorization: tuple[dict[str, Any], dict[str, Any] | None] | None = None
        self.refused: str | None = None  #: the AuthorizationRes code that refused the EV, if one did
        #: When the next ChargeLoopReq is due (the EV model's loop_period_s), and whether the EV
        #: was asked to stop charging at the next cycle.
        self._next: tuple[int, Callable[[int], None]] | None = None
        self._stop_asked = False
        self._ongoing_since_ns: int | None = None
        self._offered_namespaces: list[str] = []
        self.namespace = self.service.namespace if self.service is not None else ""

    def stop_charging(self) -> None:
        """The EV ends its charge loop at the next cycle (PowerDelivery Stop, then SessionStop)."""
        self._stop_asked = True
        if self._next is not None and self._next[1] == self._charge_loop:
            self._next = (0, lambda now: self._power_delivery("Stop", now))  # due now

    def _later(self, now: int, delay_s: float, then: Callable[[int], None]) -> None:
        """``then(now)`` after ``delay_s`` (at once when it is 0): the EV's own pauses."""
        if delay_s <= 0:
            then(now)
        else:
            self._next = (now + int(delay_s * NS), then)

    # -- start and requests ----------------------------------------------------------------------
    def start(self, now_ns: int) -> None:
        namespaces = [self.service.namespace] if self.service is not None else list(PREFERRED)
        self.request("supportedAppProtocolReq", {"AppProtocol": [
            {"ProtocolNamespace": ns, "VersionNumberMajor": 1, "VersionNumberMinor": 0, "SchemaID": i + 1, "Priority": i + 1}
            for i, ns in enumerate(namespaces)]}, now_ns)
        self._offered_namespaces = namespaces

    def request(self, name: str, body: dict[str, Any], now_ns: int, signature: dict[str, Any] | None = None) -> None:
        if not name.startswith("supportedAppProtocol"):
            head = header(self.session_id, self.clock_s())
            if signature is not None:
                head["Signature"] = signature
            body = {"Header": head, **body}
        self.start_pending(Exchange(name, now_ns, limit_s=self.limits.performance_s(name)))
        self.send(name, body, now_ns)

    def own_deadline_ns(self) -> int | None:
        if self.ended is not None:
            return None
        if self.pending is None:
            return self._next[0] if self._next else None
        if not self.pending_left():
            return None  # the request has not left (a hook holds it back): its timeout starts when it does
        return self.pending.request_ns + int(self.limits.response_timeout_s(self.pending.request) * NS)

    def on_timer(self, now_ns: int) -> None:
        if self.pending is None and self._next is not None and now_ns >= self._next[0] and self.ended is None:
            then, self._next = self._next[1], None
            then(now_ns)
            return
        deadline = self.own_deadline_ns()
        if deadline is not None and now_ns >= deadline:
            unanswered = self.close_pending(None, now_ns)
            assert unanswered is not None
            request = unanswered.request
            self._end(False, f"no {response_of(request)} within {self.limits.response_timeout_s(request)} s "
                             f"(V2G_EVCC_Msg_Timeout)", Finding("timeout", f"{request} unanswered"))

    # -- responses -------------------------------------------------------------------------------
    def on_message(self, name: str, body: dict[str, Any], now_ns: int) -> None:
        waiting = self.pending
        code = body.get("ResponseCode", "OK")
        if str(code).startswith("FAILED") or code == "Failed_NoNegotiation":  # to what was sent, whatever a hook made of it
            self.close_pending(name, now_ns)
            self._end(False, f"{name}: {code}", Finding("response_code", f"{name} answered {code}"))
            return
        if waiting is None or name != response_of(waiting.request):
            expected = response_of(waiting.request) if waiting else "nothing"
            self._end(False, f"received {name}, expected {expected}", Finding("sequence", f"unexpected {name}"))
            return
        self.close_pending(name, now_ns)
        if name != "supportedAppProtocolRes" and body.get("Header", {}).get("SessionID") not in (self.session_id, None) \
                and name != "SessionSetupRes":
            self._end(False, f"{name} carries session id {body['Header']['SessionID']}, not {self.session_id}",
                      Finding("session_id", "wrong session id"))
            return
        handler = getattr(self, "_" + name.replace("_", "").lower(), None)
        if handler is None:
            self._end(False, f"no handling for {name}")
            return
        handler(body, now_ns)

    def _supportedappprotocolres(self, body: dict[str, Any], now: int) -> None:
        schema = body.get("SchemaID")
        if isinstance(schema, int) and 1 <= schema <= len(self._offered_namespaces):
            self.namespace = self._offered_namespaces[schema - 1]
        if self.resume_session_id:
            self.session_id = self.resume_session_id  # the header of SessionSetupReq names the paused session
        self.request("SessionSetupReq", {"EVCCID": self.evccid}, now)

    def _sessionsetupres(self, body: dict[str, Any], now: int) -> None:
        if self.resume_session_id and body["ResponseCode"] != "OK_OldSessionJoined":
            self._end(False, f"asked to join session {self.resume_session_id}, the SECC answered {body['ResponseCode']}")
            return
        self.session_id = body["Header"]["SessionID"]
        self.request("AuthorizationSetupReq", {}, now)

    def _authorizationsetupres(self, body: dict[str, Any], now: int) -> None:
        offered = body.get("AuthorizationServices", [])
        if self.contract is not None and "PnC" in offered and "PnC_ASResAuthorizationMode" in body:
            challenge = pnc.unb64(body["PnC_ASResAuthorizationMode"]["GenChallenge"])
            mode, signature = pnc.sign(self.contract, challenge)
            self._authorization = ({"SelectedAuthorizationService": "PnC", "PnC_AReqAuthorizationMode": mode}, signature)
        elif "EIM" in offered:
            self._authorization = ({"SelectedAuthorizationService": "EIM", "EIM_AReqAuthorizationMode": {}}, None)
        else:
            self._end(False, f"the SECC offers no authorization this EV can use ({offered})")
            return
        self._authorize(now)

    @property
    def authorized_by(self) -> str | None:
        """The authorization service the EV selected (EIM or PnC), once it has."""
        return None if self._authorization is None else str(self._authorization[0]["SelectedAuthorizationService"])

    def _authorize(self, now: int) -> None:
        assert self._authorization is not None
        body, signature = self._authorization
        self.request("AuthorizationReq", body, now, signature)

    def _authorizationres(self, body: dict[str, Any], now: int) -> None:
        if str(body["ResponseCode"]).startswith("WARNING"):  # refused: the EV stops the session
            self.refused = body["ResponseCode"]
            self.events.append(Finding("authorization", f"AuthorizationRes: {self.refused}"))
            self.request("SessionStopReq", {"ChargingSession": "Terminate"}, now)
            return
        if self._ongoing(body, "Authorization", self._authorize, now):
            return
        self.request("ServiceDiscoveryReq", {}, now)

    def _servicediscoveryres(self, body: dict[str, Any], now: int) -> None:
        offered = [s["ServiceID"] for s in body["EnergyTransferServiceList"]["Service"]]
        if self.service is None:  # auto: the best one offered in the negotiated namespace
            choice = next((SERVICES[n] for n in PREFERRED.get(self.namespace, ()) if SERVICES[n].service_id in offered), None)
            if choice is None:
                self._end(False, f"the SECC offers no service of {self.namespace} (offers {offered})")
                return
            self.service = choice
        if self.service.service_id not in offered:
            self._end(False, f"the SECC does not offer {self.service.name} (offers {offered})")
            return
        self.request("ServiceDetailReq", {"ServiceID": self.service.service_id}, now)

    def _servicedetailres(self, body: dict[str, Any], now: int) -> None:
        wanted = CONTROL_MODES[self.control]
        for parameter_set in body["ServiceParameterList"]["ParameterSet"]:
            values = {p["Name"]: p.get("intValue") for p in parameter_set["Parameter"]}
            if values.get("ControlMode") == wanted:
                self.parameter_set_id = parameter_set["ParameterSetID"]
                break
        else:
            self._end(False, f"no parameter set with ControlMode {wanted} ({self.control})")
            return
        assert self.service is not None
        self.request("ServiceSelectionReq", {"SelectedEnergyTransferService": {
            "ServiceID": self.service.service_id, "ParameterSetID": self.parameter_set_id}}, now)

    def _serviceselectionres(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        ev, bpt = self.ev, self.service.bpt
        if self.service.dc:
            mode = {"EVMaximumChargePower": rational(ev.max_charge_power_w), "EVMinimumChargePower": rational(ev.min_power_w),
                    "EVMaximumChargeCurrent": rational(ev.max_current_a), "EVMinimumChargeCurrent": rational(1.0),
                    "EVMaximumVoltage": rational(ev.max_voltage_v), "EVMinimumVoltage": rational(ev.min_voltage_v),
                    "TargetSOC": round(ev.target_soc * 100)}
            if bpt:
                mode |= {"EVMaximumDischargePower": rational(ev.max_discharge_power_w),
                         "EVMinimumDischargePower": rational(ev.min_power_w),
                         "EVMaximumDischargeCurrent": rational(ev.max_current_a), "EVMinimumDischargeCurrent": rational(1.0)}
            self.request("DC_ChargeParameterDiscoveryReq", {("BPT_DC_CPDReqEnergyTransferMode" if bpt else
                                                             "DC_CPDReqEnergyTransferMode"): mode}, now)
        else:
            mode = {"EVMaximumChargePower": rational(ev.max_charge_power_w), "EVMinimumChargePower": rational(ev.min_power_w)}
            if bpt:
                mode |= {"EVMaximumDischargePower": rational(ev.max_discharge_power_w),
                         "EVMinimumDischargePower": rational(ev.min_power_w)}
            self.request("AC_ChargeParameterDiscoveryReq", {("BPT_AC_CPDReqEnergyTransferMode" if bpt else
                                                             "AC_CPDReqEnergyTransferMode"): mode}, now)

    def _schedule_exchange(self, now: int) -> None:
        ev = self.ev
        energy = {"EVTargetEnergyRequest": rational(ev.target_energy_wh()), "EVMaximumEnergyRequest": rational(ev.max_energy_wh()),
                  "EVMinimumEnergyRequest": rational(ev.min_energy_wh())}
        if self.control == "dynamic":
            mode = {"Dynamic_SEReqControlMode": {"DepartureTime": ev.departure_time_s, **energy}}
            assert self.service is not None
            if self.service.bpt:
                mode["Dynamic_SEReqControlMode"] |= {"EVMaximumV2XEnergyRequest": rational(ev.max_energy_wh()),
                                                     "EVMinimumV2XEnergyRequest": rational(ev.min_energy_wh())}
        else:
            mode = {"Scheduled_SEReqControlMode": {"DepartureTime": ev.departure_time_s, **energy}}
        self.request("ScheduleExchangeReq", {"MaximumSupportingPoints": 1024, **mode}, now)

    def _dcchargeparameterdiscoveryres(self, body: dict[str, Any], now: int) -> None:
        self._schedule_exchange(now)

    _acchargeparameterdiscoveryres = _dcchargeparameterdiscoveryres

    def _scheduleexchangeres(self, body: dict[str, Any], now: int) -> None:
        if self._ongoing(body, "ScheduleExchange", self._schedule_exchange, now):
            return
        if self._renegotiating:  # a new schedule inside the loop: straight back to it
            self._renegotiating = False
            self._power_delivery("Start", now)
            return
        if self.control == "scheduled":
            tuples = body.get("Scheduled_SEResControlMode", {}).get("ScheduleTuple", [])
            if not tuples:
                self._end(False, "ScheduleExchangeRes carries no ScheduleTuple for scheduled control")
                return
            self.schedule_tuple_id = tuples[0]["ScheduleTupleID"]
        assert self.service is not None
        if self.service.dc:
            self.request("DC_CableCheckReq", {}, now)
        else:
            self._power_delivery("Start", now)

    def _dccablecheckres(self, body: dict[str, Any], now: int) -> None:
        if self._ongoing(body, "DC_CableCheck", lambda at: self.request("DC_CableCheckReq", {}, at), now):
            return
        self._precharge(now)

    def _precharge(self, now: int) -> None:
        v = self.ev.present_voltage_v()
        self.request("DC_PreChargeReq", {"EVProcessing": "Ongoing", "EVPresentVoltage": rational(v),
                                         "EVTargetVoltage": rational(v)}, now)

    def _dcprechargeres(self, body: dict[str, Any], now: int) -> None:
        tolerance = self.ev.precharge_tolerance_v
        if tolerance is not None and abs(number(body["EVSEPresentVoltage"]) - self.ev.present_voltage_v()) > tolerance:
            self.ongoing += 1
            if self.ongoing > MAX_ONGOING:
                self._end(False, f"the EVSE voltage never reached the EV's within {tolerance:g} V in PreCharge "
                                 f"(it reports {number(body['EVSEPresentVoltage']):g} V)")
                return
            self._precharge(now)
            return
        self.ongoing = 0
        self._power_delivery("Start", now)

    def _power_delivery(self, progress: str, now: int) -> None:
        # Finished: the EV is done with its power profile and ready (Ongoing would ask the SECC to
        # wait for another PowerDeliveryReq before the loop).
        body: dict[str, Any] = {"EVProcessing": "Finished", "ChargeProgress": progress}
        if progress == "Start" and self.control == "scheduled":
            body["EVPowerProfile"] = {"TimeAnchor": 0, "Scheduled_EVPPTControlMode": {
                "SelectedScheduleTupleID": self.schedule_tuple_id, "PowerToleranceAcceptance": "PowerToleranceConfirmed"},
                                      "EVPowerProfileEntries": {"EVPowerProfileEntry": [
                                          {"Duration": self.ev.departure_time_s, "Power": rational(self.ev.max_charge_power_w)}]}}
        elif progress == "Start":
            body["EVPowerProfile"] = {"TimeAnchor": 0, "Dynamic_EVPPTControlMode": {}, "EVPowerProfileEntries": {
                "EVPowerProfileEntry": [{"Duration": self.ev.departure_time_s, "Power": rational(self.ev.max_charge_power_w)}]}}
        self.progress = progress
        self.request("PowerDeliveryReq", body, now)

    def _powerdeliveryres(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        if self.progress == "Start":
            self._charge_loop(now)
        elif self.progress == "Standby":
            self._power_delivery("Start", now)  # out of standby, back to the loop
        elif self.progress == "ScheduleRenegotiation":
            self._renegotiating = True
            self._schedule_exchange(now)
        elif self.service.dc:
            self.request("DC_WeldingDetectionReq", {"EVProcessing": "Ongoing"}, now)
        else:
            self._session_stop(now)

    def _session_stop(self, now: int) -> None:
        session = "ServiceRenegotiation" if self._service_renegotiation else self.end_with
        self.request("SessionStopReq", {"ChargingSession": session}, now)

    def _charge_loop(self, now: int) -> None:
        assert self.service is not None
        ev, bpt, cycle = self.ev, self.service.bpt, self.cycle
        display = {"PresentSOC": ev.present_soc_percent(), "ChargingComplete": cycle + 1 >= ev.loop_cycles}
        limits = {"EVMaximumChargePower": rational(ev.max_charge_power_w), "EVMinimumChargePower": rational(ev.min_power_w)}
        energy = {"EVTargetEnergyRequest": rational(ev.target_energy_wh()), "EVMaximumEnergyRequest": rational(ev.max_energy_wh()),
                  "EVMinimumEnergyRequest": rational(ev.min_energy_wh())}
        prefix = "BPT_" if bpt else ""
        mode: dict[str, Any]
        if self.service.dc:
            voltage = ev.present_voltage_v()
            if self.control == "scheduled":
                mode = {"EVTargetCurrent": rational(ev.target_current_a(cycle, bpt)), "EVTargetVoltage": rational(ev.max_voltage_v)}
            else:
                mode = {"DepartureTime": ev.departure_time_s, **energy, **limits,
                        "EVMaximumChargeCurrent": rational(ev.max_current_a), "EVMaximumVoltage": rational(ev.max_voltage_v),
                        "EVMinimumVoltage": rational(ev.min_voltage_v)}
                if bpt:
                    mode |= {"EVMaximumDischargePower": rational(ev.max_discharge_power_w),
                             "EVMinimumDischargePower": rational(ev.min_power_w),
                             "EVMaximumDischargeCurrent": rational(ev.max_current_a)}
            control = f"{prefix}{'Scheduled' if self.control == 'scheduled' else 'Dynamic'}_DC_CLReqControlMode"
            body = {"DisplayParameters": display, "MeterInfoRequested": False, "EVPresentVoltage": rational(voltage), control: mode}
            self.request("DC_ChargeLoopReq", body, now)
        else:
            present = ev.target_power_w(cycle, bpt)
            if self.control == "scheduled":
                mode = {"EVPresentActivePower": rational(present)}
            else:
                mode = {"DepartureTime": ev.departure_time_s, **energy, **limits, "EVPresentActivePower": rational(present),
                        "EVPresentReactivePower": rational(0.0)}
                if bpt:
                    mode |= {"EVMaximumDischargePower": rational(ev.max_discharge_power_w),
                             "EVMinimumDischargePower": rational(ev.min_power_w)}
            control = f"{prefix}{'Scheduled' if self.control == 'scheduled' else 'Dynamic'}_AC_CLReqControlMode"
            self.request("AC_ChargeLoopReq", {"DisplayParameters": display, "MeterInfoRequested": False, control: mode}, now)

    def _dcchargeloopres(self, body: dict[str, Any], now: int) -> None:
        current, voltage = number(body["EVSEPresentCurrent"]), number(body["EVSEPresentVoltage"])
        self.loop_reports.append({"cycle": self.cycle, "current_a": current, "voltage_v": voltage, "power_w": current * voltage})
        self.ev.apply(current * voltage, 1.0)
        self._next_cycle(now)

    def _acchargeloopres(self, body: dict[str, Any], now: int) -> None:
        mode = next(v for k, v in body.items() if k.endswith("CLResControlMode"))
        target = number(mode["EVSETargetActivePower"]) if "EVSETargetActivePower" in mode else \
            self.ev.target_power_w(self.cycle, bool(self.service and self.service.bpt))
        self.loop_reports.append({"cycle": self.cycle, "power_w": target})
        self.ev.apply(target, 1.0)
        self._next_cycle(now)

    def _next_cycle(self, now: int) -> None:
        self.cycle += 1
        for path, at, progress in (("standby", self.standby_at, "Standby"),
                                   ("schedule_renegotiation", self.renegotiate_at, "ScheduleRenegotiation"),
                                   ("service_renegotiation", self.service_renegotiation_at, "Stop")):
            if self.cycle == at and path not in self.taken:
                self.taken.append(path)
                self._service_renegotiation = path == "service_renegotiation"
                self._power_delivery(progress, now)
                return
        if self.cycle >= self.ev.loop_cycles or self._stop_asked:
            self._power_delivery("Stop", now)
        else:
            self._later(now, self.ev.loop_period_s, self._charge_loop)

    def _dcweldingdetectionres(self, body: dict[str, Any], now: int) -> None:
        if number(body["EVSEPresentVoltage"]) > 60.0:
            self.ongoing += 1
            if self.ongoing <= MAX_ONGOING:
                self.request("DC_WeldingDetectionReq", {"EVProcessing": "Ongoing"}, now)
                return
        self.ongoing = 0
        self._session_stop(now)

    def _sessionstopres(self, body: dict[str, Any], now: int) -> None:
        if self.refused is not None:
            self._end(False, f"AuthorizationRes: {self.refused}")
            return
        if self._service_renegotiation:  # the session goes on with a new choice of service
            self._service_renegotiation = False
            self.cycle = 0
            self.request("ServiceDiscoveryReq", {}, now)
            return
        self._end(True, "SessionStop OK" + (" (Pause)" if self.end_with == "Pause" else ""))

    def _ongoing(self, body: dict[str, Any], what: str, again: Callable[[int], None], now: int) -> bool:
        """Repeats the request (``again``) after the EV's pause while the SECC answers
        EVSEProcessing = Ongoing, for at most V2G_EVCC_Ongoing_Timeout; True while it does."""
        if body.get("EVSEProcessing") != "Ongoing":
            self._ongoing_since_ns = None
            return False
        if self._ongoing_since_ns is None:
            self._ongoing_since_ns = now
        if now - self._ongoing_since_ns > ONGOING_TIMEOUT_S * NS:
            self._end(False, f"{what} stays Ongoing beyond {ONGOING_TIMEOUT_S:g} s (V2G_EVCC_Ongoing_Timeout)")
        else:
            self._later(now, self.ev.ongoing_pause_s, again)
        return True
