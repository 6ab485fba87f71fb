"""The ISO 15118-20 message sequence as data: for each request, its namespace, and the requests
that may follow it (the SECC refuses anything else with FAILED_SequenceError). DC and AC share
the CommonMessages; ``{X}`` stands for ``DC_`` or ``AC_`` of the selected service."""

from __future__ import annotations

from hilbench.v2g.codec import AC, APP_PROTOCOL, COMMON, DC

FIRST = "supportedAppProtocolReq"
#: request → requests that may come next.
NEXT: dict[str, tuple[str, ...]] = {
    "supportedAppProtocolReq": ("SessionSetupReq",),
    "SessionSetupReq": ("AuthorizationSetupReq",),
    "AuthorizationSetupReq": ("AuthorizationReq",),
    # An EV whose authorization was refused (a WARNING_ code) stops the session.
    "AuthorizationReq": ("AuthorizationReq", "ServiceDiscoveryReq", "SessionStopReq"),
    "ServiceDiscoveryReq": ("ServiceDetailReq", "ServiceSelectionReq"),
    "ServiceDetailReq": ("ServiceDetailReq", "ServiceSelectionReq"),
    "ServiceSelectionReq": ("{X}ChargeParameterDiscoveryReq",),
    "{X}ChargeParameterDiscoveryReq": ("ScheduleExchangeReq",),
    "ScheduleExchangeReq": ("ScheduleExchangeReq", "DC_CableCheckReq", "PowerDeliveryReq"),
    "DC_CableCheckReq": ("DC_CableCheckReq", "DC_PreChargeReq"),
    "DC_PreChargeReq": ("DC_PreChargeReq", "PowerDeliveryReq"),
    # After PowerDelivery: the loop (Start), welding detection or stop (Stop), a new schedule
    # (ScheduleRenegotiation), or standby.
    "PowerDeliveryReq": ("{X}ChargeLoopReq", "DC_WeldingDetectionReq", "SessionStopReq", "ScheduleExchangeReq",
                         "PowerDeliveryReq"),
    "{X}ChargeLoopReq": ("{X}ChargeLoopReq", "PowerDeliveryReq"),
    "DC_WeldingDetectionReq": ("DC_WeldingDetectionReq", "SessionStopReq"),
    # SessionStop ends the session, unless ChargingSession = ServiceRenegotiation: then the EV
    # chooses its service again.
    "SessionStopReq": ("ServiceDiscoveryReq",),
}


def namespace_of(message: str) -> str:
    """The namespace a message (its root element) is encoded with."""
    if message.startswith("supportedAppProtocol"):
        return APP_PROTOCOL
    if message.startswith("DC_"):
        return DC
    if message.startswith("AC_"):
        return AC
    return COMMON


def allowed_after(previous: str | None, prefix: str) -> tuple[str, ...]:
    """The requests allowed after ``previous`` (None: the session's start) for a service whose
    messages start with ``prefix`` (``DC_`` / ``AC_``)."""
    if previous is None:
        return (FIRST,)
    other = "AC_" if prefix == "DC_" else "DC_"
    key = previous if previous in NEXT else previous.replace(prefix, "{X}", 1)
    return tuple(n.replace("{X}", prefix) for n in NEXT.get(key, ()) if not n.startswith(other))


def response_of(request: str) -> str:
    return request[:-3] + "Res"
