"""The virtual charger's firmware toward the driver and the EV: a card at the reader (EIM), the
ISO 15118-20 SECC it serves (with the EV's needs and chosen schedule sent to the CSMS, Plug & Charge
contracts authorized over OCPP, the schedule offered from the profile in force) and the EV's
PowerDelivery and SessionStop. Held by ``Firmware`` as ``ev_facing``; the state it shares lives on the firmware."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from hilbench.ocpp.defaults import now_iso
from hilbench.sim.charger.contract import contract_hash_data
from hilbench.sim.charger.ev_side import ChargerSecc, PlantEvse
from hilbench.v2g import sdp
from hilbench.v2g.link import Delay as V2gDelay
from hilbench.v2g.transport import SeccServer

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware


#: The -20 services each OCPP energy transfer mode allows (AuthorizeResponse.allowedEnergyTransfer):
#: a bidirectional mode allows charging only as well.
SERVICES_BY_TRANSFER_MODE = {
    "DC": ("DC",), "DC_ACDP": ("DC",), "DC_BPT": ("DC", "DC_BPT"), "DC_ACDP_BPT": ("DC", "DC_BPT"),
    "AC_single_phase": ("AC",), "AC_two_phase": ("AC",), "AC_three_phase": ("AC",), "AC_DER": ("AC",),
    "AC_BPT": ("AC", "AC_BPT"), "AC_BPT_DER": ("AC", "AC_BPT")}
#: What a driver may use when the AuthorizeResponse has no allowedEnergyTransfer: charging only
#: (the field's definition in the 2.1 schema; Q01.FR.08/09).
DEFAULT_TRANSFER = ["DC", "AC_three_phase"]

#: The CSMS's refusal of a contract (AuthorizeResponse certificateStatus, else idTokenInfo status) as
#: the -20 ResponseCode the EV gets: hilbench's reading, the texts at hand give no table ⚠.
PNC_REFUSALS = {"CertificateRevoked": "WARNING_CertificateRevoked", "CertificateExpired": "WARNING_CertificateExpired",
                "NoCertificateAvailable": "WARNING_NoCertificateAvailable",
                "CertChainError": "WARNING_CertificateValidationError", "SignatureError": "WARNING_CertificateValidationError",
                "Unknown": "WARNING_eMSPUnknown"}


class EvFacing:
    """The firmware's side toward the driver and the EV; ``fw`` holds the state both sides share."""

    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self._authorized_at: float | None = None  #: when an authorization began waiting for an EV

    def connection_timeout(self, ev_connected: bool) -> None:
        """TxCtrlr.EVConnectionTimeOut: an authorization no EV follows in time lapses (C01.FR.26),
        and a transaction it started (TxStartPoint Authorized) ends EVConnectTimeout (E03.FR.05)."""
        fw = self.fw
        if not fw.authorized or ev_connected:
            self._authorized_at = None
            return
        now = time.monotonic()
        if self._authorized_at is None:
            self._authorized_at = now
        timeout = fw.dm.get_int("TxCtrlr", "EVConnectionTimeOut")
        if timeout > 0 and now - self._authorized_at > timeout and not fw.faults.on("ev-connection-timeout-ignored"):
            fw.note(f"no EV within EVConnectionTimeOut ({timeout} s): the authorization lapsed")
            fw.authorized, fw.id_token, fw.remote_start_id = False, None, None
            self._authorized_at = None
            tx = fw.tx.tx
            if tx is not None and not tx.ev_seen:  # whatever TxStopPoint says: no EV ever came (E03.FR.05)
                fw.tx.stop("EVConnectTimeout", stopped_reason="Timeout")

    def token_with_evccid(self) -> dict[str, Any] | None:
        """The idToken a transaction starts with: with an ISO 15118-20 EV and V2X enabled, the EV's
        EVCCID added as additional info (Q01.FR.02: the CSMS may decide V2X by the vehicle)."""
        fw = self.fw
        token, hlc = fw.id_token, fw.hlc
        evccid = hlc.ev.evccid if hlc is not None and fw.hlc_active else None
        if token is None or evccid is None or fw.faults.on("evccid-missing-in-started") \
                or not (fw.dm.get_bool("ISO15118Ctrlr", "Enabled") and fw.dm.get_bool("V2XChargingCtrlr", "Enabled", evse=1)):
            return token
        info = [i for i in token.get("additionalInfo", []) if i.get("type") != "EVCCID"]
        return token | {"additionalInfo": [*info, {"additionalIdToken": evccid, "type": "EVCCID"}]}

    # ---- authorization -------------------------------------------------------------------------
    async def tap(self, id_token: str, token_type: str = "ISO14443") -> str:
        """A card at the charger's reader (the EIM path): Authorize, then start or stop."""
        token = {"idToken": id_token, "type": token_type}
        if self.fw.swap is not None:  # a swap station's reader authorizes a battery swap (S01)
            return await self.fw.swap.authorize_local(token)
        if self.fw.tx.tx is not None and self.fw.authorized and self.fw.id_token and self.fw.id_token["idToken"] == id_token:
            self.fw.authorized = False
            self.fw._trigger_hint = "StopAuthorized"
            return "Accepted"
        if self.fw.web_payment.blocked():
            self.fw.note("card refused: a web payment is under way at the EVSE")
            return "Blocked"
        res = await self.fw.call("Authorize", {"idToken": token})
        status = res["idTokenInfo"]["status"]
        if status == "Accepted" and "tariff" in res:  # a driver tariff (I08): it cannot bill by one it cannot take
            refusal = self.fw.billing.store.add_driver(token["idToken"], res["tariff"])
            if refusal is not None:
                self.fw.note(f"driver tariff refused, not authorized: {refusal.info}")
                return "TariffNotAccepted"
        if status == "Accepted":
            self.authorized_by(token, res)
        return str(status)

    def authorized_by(self, token: dict[str, Any], res: dict[str, Any]) -> None:
        """The driver's ``token`` authorized by AuthorizeResponse ``res``: with the energy transfers
        it allows (charging only when it names none: Q01) held for that token alone."""
        self.fw.allowed_energy_transfer = (str(token["idToken"]), list(res.get("allowedEnergyTransfer") or DEFAULT_TRANSFER))
        self.fw.id_token, self.fw.authorized, self.fw._trigger_hint = token, True, "Authorized"

    def hlc_authorization(self, service: str) -> tuple[str, str]:
        if service == "PnC":
            if self.fw.contract_status is None:
                return "Ongoing", "OK"
            code = "OK" if self.fw.contract_status == "Accepted" else \
                PNC_REFUSALS.get(self.fw.contract_status, "WARNING_GeneralPnCAuthorizationError")
            if code == "OK":
                self._offer_allowed()
            return "Finished", code
        if not self.fw.authorized:
            return "Ongoing", "OK"
        self._offer_allowed()
        return "Finished", "OK"

    def _offer_allowed(self) -> None:
        """Authorized: the services the SECC then offers are the ones the driver may use (Q01) —
        the EV cannot select bidirectional transfer the CSMS did not allow."""
        granted, hlc, token = self.fw.allowed_energy_transfer, self.fw.hlc, self.fw.id_token
        if granted is None or hlc is None or token is None or granted[0] != token["idToken"] \
                or self.fw.faults.on("v2x-offered-without-authorization"):
            return  # no driver's grant in force (a remote start, a lapsed tap): nothing to narrow
        usable = {service for mode in granted[1] for service in SERVICES_BY_TRANSFER_MODE.get(mode, ())}
        hlc.services = tuple(s for s in hlc.services if s in usable)

    def authorize_contract(self, evseid: str) -> None:
        """PnC: the EV's contract, authorized over OCPP with its certificate hash data."""
        self.fw.contract_status = None
        body = self.fw.hlc.last_authorization if self.fw.hlc is not None else None
        mode = (body or {}).get("PnC_AReqAuthorizationMode", {})

        async def ask() -> None:
            emaid, hashes = contract_hash_data(mode.get("ContractCertificateChain", {}), self.fw.hw.pnc_trust_pem,
                                               key_hash_of_spki=self.fw.faults.on("pnc-hash-data-wrong"))
            token = {"idToken": emaid, "type": "eMAID"}
            res = await self.fw.call("Authorize", {"idToken": token, "iso15118CertificateHashData": hashes})
            status = res["idTokenInfo"]["status"]
            certificate = res.get("certificateStatus", "Accepted")
            # the CSMS's word on the contract: the certificate's status when it refuses it, else the token's
            self.fw.contract_status = certificate if certificate != "Accepted" else status
            if self.fw.faults.on("pnc-charges-despite-refusal"):
                self.fw.contract_status = "Accepted"
            if self.fw.contract_status == "Accepted":
                self.authorized_by(token, res)
        self.fw.spawn(ask(), "Authorize (PnC)")

    # ---- the EV side ---------------------------------------------------------------------------
    async def start_secc(self) -> None:
        c = self.fw.config

        def make() -> ChargerSecc:
            self.fw.hlc = PlantEvse(evseid=self.fw.evseid, services=("DC", "DC_BPT") if c.dc else ("AC", "AC_BPT"),
                                 max_charge_power_w=c.max_power_w or 0.0, max_discharge_power_w=c.max_discharge_power_w or 0.0,
                                 max_current_a=c.max_current_a or 0.0, max_voltage_v=c.max_voltage_v or 0.0,
                                 min_voltage_v=c.min_voltage_v or 0.0, firmware=self.fw,
                                 pnc_trust_pem=self.fw.hw.pnc_trust_pem)
            self.fw.hlc_active, self.fw.hlc_energy, self.fw.needs_answered, self.fw.contract_status = True, False, False, None
            namespace = "urn:iso:std:iso:15118:-20:DC" if c.dc else "urn:iso:std:iso:15118:-20:AC"
            return ChargerSecc(evse=self.fw.hlc, faults=self.fw.faults, hook=self._v2g_hook, namespaces=(namespace,))

        make_tls = None
        if c.secc_tls:
            from hilbench.v2g import tls as v2g_tls
            from hilbench.v2g.pki import load as load_v2g

            v2g_pki = load_v2g(c.v2g_pki_dir) if c.v2g_pki_dir else None
            if v2g_pki is not None:
                make_tls = lambda: v2g_tls.secc_session(v2g_pki)  # noqa: E731
        host = f"{sdp.link_local_address(c.secc_interface)}%{c.secc_interface}" if c.secc_interface else c.secc_host
        self.fw.secc_server = await SeccServer(make, host=host, port=self.fw.hw.secc_port or c.secc_port,
                                            make_tls=make_tls).start()
        self.fw.hw.secc_port = self.fw.secc_server.port
        if c.secc_interface:
            self.fw._sdp = (await sdp.serve_sdp(c.secc_interface, self.fw.secc_server.port, tls=make_tls is not None))[0]

    def _v2g_hook(self, direction: str, name: str, message: dict[str, Any]) -> Any:
        self.fw.secc_messages.append((direction, name, message.get(name, message)))
        if direction == "out" and name.endswith("ChargeLoopRes") and self.fw.faults.on("secc-slow-chargeloop-response"):
            return V2gDelay(message, 0.3)
        return message

    def notify_ev_charging_needs(self, needs: dict[str, Any]) -> None:
        async def send() -> None:
            payload: dict[str, Any] = {"evseId": 1, "chargingNeeds": needs, "timestamp": now_iso()}
            bad = self.fw.faults.on("schema-violation-notify-ev-charging-needs")
            if bad:
                payload["chargingNeeds"] = {**needs, "departureTime": 3600}
            res = await self.fw.call("NotifyEVChargingNeeds", payload, validate=False if bad else None)
            self.fw.note(f"NotifyEVChargingNeeds {res.get('status')}")
            tx = self.fw.tx.tx
            if res.get("status") == "Rejected" and tx is not None and not self.fw.faults.on("charging-needs-rejection-ignored"):
                # the CSMS will not have the requested energy transfer (Q01.FR.06): the transaction ends
                self.fw.tx.stop("ChargingStateChanged", stopped_reason="ReqEnergyTransferRejected")
                return
            await asyncio.sleep(0.3 if res.get("status") in ("Accepted", "Processing") else 0.0)  # time for a profile
            self.fw.needs_answered = True
        self.fw.spawn(send(), "NotifyEVChargingNeeds")

    def notify_ev_charging_schedule(self, payload: dict[str, Any]) -> None:
        self.fw.spawn(self.fw.call("NotifyEVChargingSchedule", payload), "NotifyEVChargingSchedule")

    def ev_schedule(self, bpt: bool) -> tuple[list[tuple[int, float]], list[tuple[int, float]] | None]:
        """The -20 schedule from the composite in force: (duration s, W) entries for a day."""
        c = self.fw.config
        tx_id = self.fw.tx.tx.transaction_id if self.fw.tx.tx else None
        composite = self.fw.profiles.composite(1, 86_400, "W", dt.datetime.now(dt.timezone.utc), tx_id, c.max_power_w or 0.0)
        periods = composite["chargingSchedulePeriod"]
        if self.fw.faults.on("ev-schedule-ignores-profile"):
            periods = [{"startPeriod": 0, "limit": c.max_power_w or 0.0}]
        charging, discharging = [], []
        for i, p in enumerate(periods):
            end = periods[i + 1]["startPeriod"] if i + 1 < len(periods) else 86_400
            charging.append((end - p["startPeriod"], p["limit"]))
            discharging.append((end - p["startPeriod"], p.get("dischargeLimit", -(c.max_discharge_power_w or 0.0))))
        return charging, discharging if bpt else None

    def hlc_power_delivery(self, progress: str) -> None:
        self.fw.hlc_energy = progress == "Start"
        self.fw.note(f"PowerDelivery {progress}")

    def hlc_ended(self, how: str) -> None:
        self.fw.hlc_active, self.fw.hlc_energy = how == "ServiceRenegotiation", False
        self.fw.note(f"SessionStop {how}")

    def hlc_lost(self, reason: str) -> None:
        """The -20 session failed: no energy until a new one (the AC variant does not fall back to
        basic charging on the pilot either: the session was there and failed)."""
        self.fw.hlc_energy = False
        self.fw.note(f"ISO 15118-20 session failed ({reason}): power path opened")

    def ev_updated(self) -> None:
        """The EV said something: the control loop picks it up at its next tick."""

