"""The virtual charger's local payment terminal (OCPP 2.1 ad hoc payment: C18 authorization at a
locally connected terminal, C21 settlement at the end, C20 a paid transaction nothing was billed
in — the pre-authorization cancelled —, C22 a settlement the payment service provider declines
or cannot be reached for): a bank card
pre-authorizes ``PaymentCtrlr.AuthorizationAmount`` with the payment service provider (here: the
terminal itself, which always grants it) and yields its reference, pspRef, which becomes the
idToken (type DirectPayment, with the card's brand and recognition as additional info). The
transaction it starts is limited to the pre-authorized amount (maxCost, reported with LimitSet);
when no transaction starts within ``TxCtrlr.EVConnectionTimeOut``, the terminal releases the
pre-authorization and the charger reports NotifySettlement Canceled (C19).
A VAT number the driver enters for a company receipt is validated with the CSMS
(VatNumberValidation) and goes on the settlement only when the CSMS accepted it. At the end the
terminal settles the transaction's final cost, tax included, and the charger reports it with
NotifySettlement."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hilbench.errors import HilbenchError
from hilbench.ocpp.defaults import now_iso

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware
    from hilbench.sim.charger.transactions import Transaction

Payload = dict[str, Any]


@dataclass
class CardPayment:
    psp_ref: str
    amount: float  #: pre-authorized, in the charger's currency
    token: Payload
    vat_number: str | None = None
    vat_company: Payload | None = None
    transaction_id: str | None = None
    at: float = field(default_factory=time.monotonic)  #: when the card was presented


class PaymentTerminal:
    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self.payment: CardPayment | None = None
        self.settlements: list[Payload] = []  #: what was settled, for tests and reports
        #: How the payment service provider answers the next settlement: Settled, Rejected (it
        #: declines: C22) or Failed (unreachable after the last attempt); once, then Settled again.
        self.psp_next = "Settled"

    async def present(self, brand: str = "VISA", recognition: str = "CC", vat_number: str | None = None) -> str:
        """A bank card at the terminal: "Accepted" when the charger authorized the driver with it."""
        dm = self.fw.dm
        if not dm.get_bool("PaymentCtrlr", "Enabled"):
            return "NotEnabled"
        if self.fw.web_payment.blocked():
            return "Blocked"  # a driver is paying for the EVSE on the web (C25)
        running = self.fw.tx.tx
        if self.payment is not None or (running is not None and running.id_token is not None):
            return "Blocked"  # the one EVSE has a payment under way, or a transaction another driver authorized
        try:
            return await self._pay(brand, recognition, vat_number)
        except (HilbenchError, ConnectionError) as e:  # the CSMS away: the driver sees it, nothing is held
            self.fw.note(f"card payment not taken: {e}")
            return "Offline"

    async def _pay(self, brand: str, recognition: str, vat_number: str | None) -> str:
        dm = self.fw.dm
        psp_ref = f"PSP-{uuid.uuid4().hex[:16].upper()}"
        token = {"idToken": psp_ref, "type": "DirectPayment",
                 "additionalInfo": [{"additionalIdToken": brand, "type": "PaymentBrand"},
                                    {"additionalIdToken": recognition, "type": "PaymentRecognition"}]}
        res: Payload = {}
        if dm.get_bool("PaymentCtrlr", "AuthorizeDirectPayment"):
            res = await self.fw.call("Authorize", {"idToken": token})
            if res["idTokenInfo"]["status"] != "Accepted":
                return str(res["idTokenInfo"]["status"])
        payment = CardPayment(psp_ref, dm.get_float("PaymentCtrlr", "AuthorizationAmount"), token)
        if vat_number is not None:
            if self.fw.faults.on("vat-number-not-validated"):
                payment.vat_number = vat_number
            else:
                res = await self.fw.call("VatNumberValidation", {"vatNumber": vat_number, "evseId": 1})
                if res["status"] == "Accepted":
                    payment.vat_number, payment.vat_company = vat_number, res.get("company")
        self.payment = payment
        self.fw.ev_facing.authorized_by(token, res)
        return "Accepted"

    def tick(self) -> None:
        """A card payment that no transaction followed in EVConnectionTimeOut is cancelled (C19)."""
        p = self.payment
        timeout = self.fw.dm.get_int("TxCtrlr", "EVConnectionTimeOut")
        if p is None or p.transaction_id is not None or time.monotonic() - p.at <= timeout \
                or self.fw.faults.on("payment-not-released"):
            return
        self.payment = None
        if (self.fw.id_token or {}).get("idToken") == p.psp_ref:
            self.fw.authorized, self.fw.id_token = False, None
        settlement = {"pspRef": p.psp_ref, "status": "Canceled", "settlementAmount": 0.0, "settlementTime": now_iso(),
                      "statusInfo": f"no transaction within EVConnectionTimeOut ({timeout} s): the authorization released"}
        self.settlements.append(settlement)
        self.fw.emit("NotifySettlement", settlement)

    def transaction_started(self, tx: Transaction) -> None:
        """A transaction of the card's token is limited to the pre-authorized amount (called every
        pass while a transaction runs: the card may authorize one that started at plug-in)."""
        p = self.payment
        if p is None or p.transaction_id is not None or (tx.id_token or {}).get("idToken") != p.psp_ref:
            return
        p.transaction_id = tx.transaction_id
        self.fw.tx.set_limit({"maxCost": p.amount})

    def transaction_ended(self, tx: Transaction) -> None:
        p = self.payment
        if p is None or p.transaction_id != tx.transaction_id:
            return
        self.payment = None
        final = self.fw.billing.final
        settlement: Payload = {"transactionId": tx.transaction_id, "pspRef": p.psp_ref, "settlementTime": now_iso()}
        outcome, self.psp_next = self.psp_next, "Settled"
        why: str | None
        if final is None:
            settlement |= {"status": "Failed", "settlementAmount": 0.0, "statusInfo": "no cost was calculated"}
        else:
            total = final["totalCost"]["total"]
            amount = round(float(total["exclTax"] if self.fw.faults.on("settlement-amount-wrong") else total["inclTax"]), 2)
            if amount == 0.0 and not self.fw.faults.on("unbilled-transaction-settled"):
                # nothing billable (C20): the pre-authorization is cancelled, not settled for nothing
                outcome, why = "Canceled", "nothing was billed: the pre-authorization cancelled"
            else:
                why = {"Rejected": "the payment service provider declined the settlement",
                       "Failed": "the payment service provider could not be reached (last attempt)"}.get(outcome)
                if why is not None and self.fw.faults.on("settlement-failure-reported-settled"):
                    outcome, why = "Settled", None
            settlement |= {"status": outcome, "settlementAmount": amount}
            if why is not None:
                settlement["statusInfo"] = why
        if p.vat_number is not None:
            settlement["vatNumber"] = p.vat_number
            if p.vat_company is not None:
                settlement["vatCompany"] = p.vat_company
        self.settlements.append(settlement)
        self.fw.emit("NotifySettlement", settlement)  # queued: after the transaction's Ended
