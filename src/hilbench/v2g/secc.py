"""The charger side of an ISO 15118-20 session (sans-I/O): it negotiates the protocol, checks every
request against the sequence (``sequence.NEXT``) and the session id, answers from its EVSE model,
and refuses what breaks the rules as the standard says (FAILED_SequenceError,
FAILED_UnknownSession, FAILED_NoNegotiation), ending the session."""

from __future__ import annotations

from typing import Any

from hilbench.v2g import pnc
from hilbench.v2g.engine import Engine
from hilbench.v2g.events import Finding
from hilbench.v2g.evse_model import EvseModel
from hilbench.v2g.link import NS, Hook
from hilbench.v2g.sequence import allowed_after, response_of
from hilbench.v2g.services import BY_ID, CONTROL_MODES, MOBILITY_NEEDS, SERVICES
from hilbench.v2g.timing import Exchange, Limits
from hilbench.v2g.values import header, number, rational


class Secc(Engine):
    def __init__(self, *, evse: EvseModel | None = None, hook: Hook | None = None, limits: Limits | None = None,
                 namespaces: tuple[str, ...] = ("urn:iso:std:iso:15118:-20:DC", "urn:iso:std:iso:15118:-20:AC")) -> None:
        super().__init__(hook=hook, limits=limits)
        self.evse = evse or EvseModel()
        self.namespaces = namespaces
        self.previous: str | None = None
        self.control: str | None = None
        self.cycle = 0
        self.counts: dict[str, int] = {}
        self.loop_reports: list[dict[str, float]] = []
        self.progress: list[str] = []  #: every PowerDeliveryReq's ChargeProgress, in order
        self._deadline_ns: int | None = None
        self._negotiated: str | None = None
        #: The EV said EVProcessing = Ongoing in PowerDelivery: it owes another PowerDeliveryReq.
        self._power_delivery_ongoing = False
        self.gen_challenge: bytes | None = None  #: issued in AuthorizationSetupRes when PnC is offered
        #: The verdict on a PnC authorization: service, response code, reason.
        self.authorization: dict[str, str] | None = None

    # -- timers ----------------------------------------------------------------------------------
    def opened(self, now_ns: int) -> None:
        """The connection is up: the EV has V2G_SECC_Sequence_Timeout to start."""
        self._deadline_ns = now_ns + int(self.limits.sequence_timeout_s(None) * NS)

    def own_deadline_ns(self) -> int | None:
        return None if self.ended else self._deadline_ns

    def on_timer(self, now_ns: int) -> None:
        if self._deadline_ns is not None and now_ns >= self._deadline_ns and self.ended is None:
            self.close_pending(None, now_ns)  # the EV's request never came
            self._end(False, f"no request after {response_of(self.previous) if self.previous else 'connecting'} "
                             "(V2G_SECC_Sequence_Timeout)", Finding("sequence_timeout", "the EV stopped"))

    # -- requests --------------------------------------------------------------------------------
    def on_message(self, name: str, body: dict[str, Any], now_ns: int) -> None:
        self.close_pending(name, now_ns)  # the EV's time from our last response to this request
        prefix = self.service.prefix if self.service else ("AC_" if self._negotiated and self._negotiated.endswith("AC") else "DC_")
        if name not in allowed_after(self.previous, prefix) or (self._power_delivery_ongoing and name != "PowerDeliveryReq"):
            self.refuse(name, "FAILED_SequenceError", f"{name} after {self.previous or 'nothing'}", now_ns)
            return
        if name not in ("supportedAppProtocolReq", "SessionSetupReq"):
            sid = body.get("Header", {}).get("SessionID")
            if sid != self.session_id:
                self.refuse(name, "FAILED_UnknownSession", f"session id {sid}, expected {self.session_id}", now_ns)
                return
        self.counts[name] = self.counts.get(name, 0) + 1
        self.evse.ev_said(name, body)
        handler = getattr(self, "_" + name.replace("_", "").lower())
        self.previous = name
        handler(body, now_ns)
        if self.ended is None:
            self._deadline_ns = now_ns + int(self.limits.sequence_timeout_s(response_of(name)) * NS)

    def respond(self, request: str, body: dict[str, Any], now_ns: int, code: str = "OK") -> None:
        if request != "supportedAppProtocolReq":
            body = {"Header": header(self.session_id, 1_795_000_000.0), "ResponseCode": code, **body}
        response = response_of(request)
        self.start_pending(Exchange(response, now_ns, limit_s=self.limits.sequence_timeout_s(response)))
        self.send(response, body, now_ns)

    def refuse(self, request: str, code: str, why: str, now_ns: int) -> None:
        """A FAILED response of the request's own type, then the end of the session."""
        try:
            self.respond(request, self.minimal_body(request), now_ns, code)
        finally:
            self._end(False, f"{code}: {why}", Finding("refused", f"{request}: {code}: {why}"))

    def minimal_body(self, request: str) -> dict[str, Any]:
        """The mandatory content of a FAILED answer (the standard requires the elements even then)."""
        res = response_of(request)
        zero = rational(0.0)
        bodies: dict[str, dict[str, Any]] = {
            "SessionSetupRes": {"EVSEID": self.evse.evseid},
            "AuthorizationSetupRes": {"AuthorizationServices": ["EIM"], "CertificateInstallationService": False,
                                      "EIM_ASResAuthorizationMode": {}},
            "AuthorizationRes": {"EVSEProcessing": "Finished"},
            "ServiceDiscoveryRes": {"ServiceRenegotiationSupported": False,
                                    "EnergyTransferServiceList": {"Service": [{"ServiceID": 2, "FreeService": False}]}},
            "ServiceDetailRes": {"ServiceID": 2, "ServiceParameterList": {"ParameterSet": [
                {"ParameterSetID": 1, "Parameter": [{"Name": "ControlMode", "intValue": 1}]}]}},
            "ScheduleExchangeRes": {"EVSEProcessing": "Finished", "Dynamic_SEResControlMode": {}},
            "DC_ChargeParameterDiscoveryRes": {"DC_CPDResEnergyTransferMode": {k: zero for k in (
                "EVSEMaximumChargePower", "EVSEMinimumChargePower", "EVSEMaximumChargeCurrent", "EVSEMinimumChargeCurrent",
                "EVSEMaximumVoltage", "EVSEMinimumVoltage")}},
            "AC_ChargeParameterDiscoveryRes": {"AC_CPDResEnergyTransferMode": {k: zero for k in (
                "EVSEMaximumChargePower", "EVSEMinimumChargePower", "EVSENominalFrequency")}},
            "DC_CableCheckRes": {"EVSEProcessing": "Finished"},
            "DC_PreChargeRes": {"EVSEPresentVoltage": zero},
            "DC_ChargeLoopRes": {"EVSEPresentCurrent": zero, "EVSEPresentVoltage": zero, "EVSEPowerLimitAchieved": False,
                                 "EVSECurrentLimitAchieved": False, "EVSEVoltageLimitAchieved": False,
                                 "Scheduled_DC_CLResControlMode": {}},
            "AC_ChargeLoopRes": {"Scheduled_AC_CLResControlMode": {}},
            "DC_WeldingDetectionRes": {"EVSEPresentVoltage": zero},
            "supportedAppProtocolRes": {"ResponseCode": "Failed_NoNegotiation"},
        }
        return bodies.get(res, {})

    # -- the answers -----------------------------------------------------------------------------
    def _supportedappprotocolreq(self, body: dict[str, Any], now: int) -> None:
        offers = sorted(body["AppProtocol"], key=lambda p: p["Priority"])
        for offer in offers:
            if offer["ProtocolNamespace"] in self.namespaces and offer["VersionNumberMajor"] == 1:
                self._negotiated = offer["ProtocolNamespace"]
                self.respond("supportedAppProtocolReq", {"ResponseCode": "OK_SuccessfulNegotiation",
                                                         "SchemaID": offer["SchemaID"]}, now)
                return
        self.respond("supportedAppProtocolReq", {"ResponseCode": "Failed_NoNegotiation"}, now)
        self._end(False, "no common protocol", Finding("negotiation", f"offered {[o['ProtocolNamespace'] for o in offers]}"))

    def _sessionsetupreq(self, body: dict[str, Any], now: int) -> None:
        asked = body["Header"]["SessionID"]
        if asked in self.evse.paused_sessions:  # the EV resumes a paused session
            self.evse.paused_sessions.discard(asked)
            self.session_id = asked
            self.respond("SessionSetupReq", {"EVSEID": self.evse.evseid}, now, "OK_OldSessionJoined")
            return
        self.session_id = self.evse.new_session_id()
        self.respond("SessionSetupReq", {"EVSEID": self.evse.evseid}, now, "OK_NewSessionEstablished")

    def _authorizationsetupreq(self, body: dict[str, Any], now: int) -> None:
        if self.evse.pnc_trust_pem is None:
            self.respond("AuthorizationSetupReq", {"AuthorizationServices": ["EIM"], "CertificateInstallationService": False,
                                                   "EIM_ASResAuthorizationMode": {}}, now)
            return
        self.gen_challenge = pnc.new_challenge()
        self.respond("AuthorizationSetupReq", {"AuthorizationServices": ["EIM", "PnC"], "CertificateInstallationService": False,
                                               "PnC_ASResAuthorizationMode": {"GenChallenge": pnc.b64(self.gen_challenge)}}, now)

    def _authorizationreq(self, body: dict[str, Any], now: int) -> None:
        if body["SelectedAuthorizationService"] == "PnC":
            self._pnc_authorization(body, now)
            return
        processing, code = self.evse.authorization("EIM", self.counts["AuthorizationReq"])
        self.respond("AuthorizationReq", {"EVSEProcessing": processing}, now, code)

    def _pnc_authorization(self, body: dict[str, Any], now: int) -> None:
        """The EV's signed contract, checked (and checked again on a repeated request)."""
        mode = body.get("PnC_AReqAuthorizationMode")
        if self.evse.pnc_trust_pem is None or self.gen_challenge is None or mode is None:
            code, why = "WARNING_AuthorizationSelectionInvalid", "PnC was not offered"
        else:
            code, why = pnc.check(mode, body["Header"].get("Signature"), self.gen_challenge, self.evse.pnc_trust_pem,
                                  at_unix=self.evse.pnc_at_unix, suites=self.evse.pnc_suites)
        self.authorization = {"service": "PnC", "code": code, "reason": why}
        if code.startswith("FAILED"):
            self.refuse("AuthorizationReq", code, why, now)
            return
        if code != "OK":
            self.events.append(Finding("authorization", f"PnC refused: {code}: {why}"))
        processing = "Finished"
        if code == "OK":
            processing, code = self.evse.authorization("PnC", self.counts["AuthorizationReq"])
        self.respond("AuthorizationReq", {"EVSEProcessing": processing}, now, code)

    def _servicediscoveryreq(self, body: dict[str, Any], now: int) -> None:
        services = [{"ServiceID": SERVICES[s].service_id, "FreeService": False} for s in self.evse.services]
        self.respond("ServiceDiscoveryReq", {"ServiceRenegotiationSupported": False,
                                             "EnergyTransferServiceList": {"Service": services}}, now)

    def _servicedetailreq(self, body: dict[str, Any], now: int) -> None:
        service = BY_ID.get(body["ServiceID"])
        if service is None or service.name not in self.evse.services:
            self.refuse("ServiceDetailReq", "FAILED_ServiceIDInvalid", f"service {body['ServiceID']}", now)
            return
        sets = []
        for set_id, control in ((1, "scheduled"), (2, "dynamic")):
            params: list[dict[str, Any]] = [{"Name": "Connector", "intValue": 2 if not service.dc else 1},
                                            {"Name": "ControlMode", "intValue": CONTROL_MODES[control]},
                                            {"Name": "MobilityNeedsMode", "intValue": MOBILITY_NEEDS[control]},
                                            {"Name": "Pricing", "intValue": 0}]
            if not service.dc:
                params.append({"Name": "EVSENominalVoltage", "intValue": self.evse.ac_nominal_voltage_v})
            if service.bpt:
                params += [{"Name": "BPTChannel", "intValue": 1}, {"Name": "GeneratorMode", "intValue": 1}]
                if not service.dc:
                    params.append({"Name": "GridCodeIslandingDetectionMethod", "intValue": 1})
            sets.append({"ParameterSetID": set_id, "Parameter": params})
        self.respond("ServiceDetailReq", {"ServiceID": service.service_id, "ServiceParameterList": {"ParameterSet": sets}}, now)

    def _serviceselectionreq(self, body: dict[str, Any], now: int) -> None:
        selected = body["SelectedEnergyTransferService"]
        service = BY_ID.get(selected["ServiceID"])
        if service is None or service.name not in self.evse.services or selected["ParameterSetID"] not in (1, 2):
            self.refuse("ServiceSelectionReq", "FAILED_ServiceSelectionInvalid", str(selected), now)
            return
        self.service = service
        self.control = "scheduled" if selected["ParameterSetID"] == 1 else "dynamic"
        self.respond("ServiceSelectionReq", {}, now)

    def _dcchargeparameterdiscoveryreq(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        e, bpt = self.evse, self.service.bpt
        if bpt != ("BPT_DC_CPDReqEnergyTransferMode" in body):
            self.refuse("DC_ChargeParameterDiscoveryReq", "FAILED_WrongChargeParameter",
                        "the energy transfer mode does not match the selected service", now)
            return
        mode = {"EVSEMaximumChargePower": rational(e.max_charge_power_w), "EVSEMinimumChargePower": rational(e.min_power_w),
                "EVSEMaximumChargeCurrent": rational(e.max_current_a), "EVSEMinimumChargeCurrent": rational(1.0),
                "EVSEMaximumVoltage": rational(e.max_voltage_v), "EVSEMinimumVoltage": rational(e.min_voltage_v)}
        if bpt:
            mode |= {"EVSEMaximumDischargePower": rational(e.max_discharge_power_w), "EVSEMinimumDischargePower": rational(e.min_power_w),
                     "EVSEMaximumDischargeCurrent": rational(e.max_current_a), "EVSEMinimumDischargeCurrent": rational(1.0)}
        key = "BPT_DC_CPDResEnergyTransferMode" if bpt else "DC_CPDResEnergyTransferMode"
        self.respond("DC_ChargeParameterDiscoveryReq", {key: mode}, now)

    def _acchargeparameterdiscoveryreq(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        e, bpt = self.evse, self.service.bpt
        if bpt != ("BPT_AC_CPDReqEnergyTransferMode" in body):
            self.refuse("AC_ChargeParameterDiscoveryReq", "FAILED_WrongChargeParameter",
                        "the energy transfer mode does not match the selected service", now)
            return
        mode = {"EVSEMaximumChargePower": rational(e.max_charge_power_w), "EVSEMinimumChargePower": rational(e.min_power_w),
                "EVSENominalFrequency": rational(e.nominal_frequency_hz)}
        if bpt:
            mode |= {"EVSEMaximumDischargePower": rational(e.max_discharge_power_w), "EVSEMinimumDischargePower": rational(e.min_power_w)}
        key = "BPT_AC_CPDResEnergyTransferMode" if bpt else "AC_CPDResEnergyTransferMode"
        self.respond("AC_ChargeParameterDiscoveryReq", {key: mode}, now)

    def _scheduleexchangereq(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        e, bpt = self.evse, self.service.bpt
        processing, charging, discharging = e.schedule(self.counts["ScheduleExchangeReq"], bpt, self.control == "dynamic")
        if self.control == "dynamic":
            self.respond("ScheduleExchangeReq", {"EVSEProcessing": processing, "Dynamic_SEResControlMode": {}}, now)
            return
        # With a price level schedule (one level): optional in the schema, but EVs such as Josev's
        # refuse a ChargingSchedule without one of the two price schedules.
        prices = {"TimeAnchor": 0, "PriceScheduleID": 1, "NumberOfPriceLevels": 1,
                  "PriceLevelScheduleEntries": {"PriceLevelScheduleEntry": [{"Duration": 86_400, "PriceLevel": 0}]}}

        def power_schedule(entries: list[tuple[int, float]]) -> dict[str, Any]:
            return {"TimeAnchor": 0, "PowerScheduleEntries": {"PowerScheduleEntry": [
                {"Duration": duration, "Power": rational(power)} for duration, power in entries]}}

        charging_schedule = {"PowerSchedule": power_schedule(charging or [(86_400, e.max_charge_power_w)]),
                             "PriceLevelSchedule": prices}
        schedule_tuple: dict[str, Any] = {"ScheduleTupleID": 1, "ChargingSchedule": charging_schedule}
        if bpt:  # the discharging schedule: negative power = EV → EVSE
            schedule_tuple["DischargingSchedule"] = {
                "PowerSchedule": power_schedule(discharging or [(86_400, -e.max_discharge_power_w)]),
                "PriceLevelSchedule": prices | {"PriceScheduleID": 2}}
        self.respond("ScheduleExchangeReq", {"EVSEProcessing": processing,
                                             "Scheduled_SEResControlMode": {"ScheduleTuple": [schedule_tuple]}}, now)

    def _dccablecheckreq(self, body: dict[str, Any], now: int) -> None:
        ongoing = self.counts["DC_CableCheckReq"] <= self.evse.cable_check_ongoing
        self.respond("DC_CableCheckReq", {"EVSEProcessing": "Ongoing" if ongoing else "Finished"}, now)

    def _dcprechargereq(self, body: dict[str, Any], now: int) -> None:
        target = min(number(body["EVTargetVoltage"]), self.evse.max_voltage_v)
        e = self.evse
        e.present_voltage_v = target if abs(target - e.present_voltage_v) < 50 else (e.present_voltage_v + target) / 2
        self.respond("DC_PreChargeReq", {"EVSEPresentVoltage": rational(e.present_voltage_v)}, now)

    def _powerdeliveryreq(self, body: dict[str, Any], now: int) -> None:
        self._power_delivery_ongoing = body["EVProcessing"] == "Ongoing"
        progress = body["ChargeProgress"]
        self.progress.append(progress)
        if progress == "Standby" and not self.evse.standby_allowed:
            # A warning, not a failure: the EV goes on (it sends Start again).
            self.respond("PowerDeliveryReq", {}, now, "WARNING_StandbyNotAllowed")
            return
        self.respond("PowerDeliveryReq", {}, now)

    def _dcchargeloopreq(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        bpt, e = self.service.bpt, self.evse
        mode_name, mode = next((k, v) for k, v in body.items() if k.endswith("CLReqControlMode"))
        current, voltage = e.dc_loop(mode, number(body["EVPresentVoltage"]), self.cycle, bpt, self.control == "dynamic")
        res_mode: dict[str, Any] = {}
        if self.control == "dynamic":
            res_mode = {"EVSEMaximumChargePower": rational(e.max_charge_power_w), "EVSEMinimumChargePower": rational(e.min_power_w),
                        "EVSEMaximumChargeCurrent": rational(e.max_current_a), "EVSEMaximumVoltage": rational(e.max_voltage_v)}
            if bpt:
                res_mode |= {"EVSEMaximumDischargePower": rational(e.max_discharge_power_w),
                             "EVSEMinimumDischargePower": rational(e.min_power_w),
                             "EVSEMaximumDischargeCurrent": rational(e.max_current_a), "EVSEMinimumVoltage": rational(e.min_voltage_v)}
        self.loop_reports.append({"cycle": self.cycle, "current_a": current, "voltage_v": voltage, "power_w": current * voltage})
        self.cycle += 1
        self.respond("DC_ChargeLoopReq", {
            "EVSEPresentCurrent": rational(current), "EVSEPresentVoltage": rational(voltage), "EVSEPowerLimitAchieved": False,
            "EVSECurrentLimitAchieved": False, "EVSEVoltageLimitAchieved": False,
            mode_name.replace("Req", "Res"): res_mode}, now)

    def _acchargeloopreq(self, body: dict[str, Any], now: int) -> None:
        assert self.service is not None
        bpt, e = self.service.bpt, self.evse
        mode_name, mode = next((k, v) for k, v in body.items() if k.endswith("CLReqControlMode"))
        target = e.ac_loop(mode, self.cycle, bpt, self.control == "dynamic")
        self.loop_reports.append({"cycle": self.cycle, "power_w": target})
        self.cycle += 1
        self.respond("AC_ChargeLoopReq", {mode_name.replace("Req", "Res"): {"EVSETargetActivePower": rational(target)}}, now)

    def _dcweldingdetectionreq(self, body: dict[str, Any], now: int) -> None:
        self.evse.present_voltage_v = 0.0
        self.respond("DC_WeldingDetectionReq", {"EVSEPresentVoltage": rational(0.0)}, now)

    def _sessionstopreq(self, body: dict[str, Any], now: int) -> None:
        session = body["ChargingSession"]
        self.respond("SessionStopReq", {}, now)
        if session == "ServiceRenegotiation":
            return  # the EV goes back to ServiceDiscovery
        if session == "Pause":
            self.evse.paused_sessions.add(self.session_id)
        self._end(True, "SessionStop OK" + (" (Pause)" if session == "Pause" else ""))
