"""C — the 2.1 authorization and payment options a charger runs itself: a prepaid card whose credit
the CSMS gives as the transaction's maxCost (C17), an ad hoc payment at the DUT's own card
terminal (C18) settled at the end for the transaction's cost (C21), with a VAT number for a
company receipt validated by the CSMS first; a payment no transaction follows (C19) or whose
transaction bills nothing (C20) cancelled, a settlement the payment service provider declines or
cannot be reached for reported as such (C22); and a payment on the web behind the dynamic QR code
the DUT shows (C25). The amounts are judged against the bench's price of
the energy the power analyzer counted (``hilbench.cases.tariff_cost``), never the DUT's own meter.

A driver at the DUT's reader, terminal and display is the ``card_reader`` role: the virtual charger's on the
simulated rig."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from hilbench.cases.blocks.e_cost_limit import end_transaction, limit_measurements, until_cost_limit
from hilbench.cases.blocks.e_transactions import authorized_event, charging_power, unplugged
from hilbench.cases.blocks.i_tariff_cost import currency, set_default, simple_tariff
from hilbench.cases.sessions import integrating, priced_import
from hilbench.cases.model import CaseSkipped, Measurement, case
from hilbench.cases.power import session_dc
from hilbench.cases.qr_code import qr_problem
from hilbench.cases.v2x import end_session
from hilbench.ocpp.defaults import now_iso
from hilbench.runner.context import CaseContext

ROLES = ("csms", "ev", "ev_emulator", "power_analyzer", "card_reader")
#: The prepaid card's credit (the tariff's prices are x100: a few seconds' charging).
CREDIT = 0.60
#: How long after the credit is used up the DUT may still deliver energy, s.
REACTION_S = 0.5
#: A VAT number the bench CSMS does not know: VatNumberValidation Rejected.
UNKNOWN_VAT = "DE000000000"


async def _settlement(ctx: CaseContext, tid: str | None, timeout: float = 10.0) -> dict[str, Any]:
    """The DUT's NotifySettlement for transaction ``tid`` (before or after its Ended; None: one
    without a transaction, a payment no transaction followed)."""
    return await ctx.csms.latest("NotifySettlement", timeout, lambda p: p.get("transactionId") == tid,
                                 what=f"for transaction {tid}" if tid else "")


@case("HB_C_17_CS", "Prepaid card: the energy stops when the credit the CSMS gave as maxCost is used up, tax included",
      use_cases=["C17", "E16"], requirements=["C17.FR.01", "C17.FR.03", "E16.FR.05"], roles=ROLES, timeout_s=90,
      measurements=[Measurement("authorized", equals="Accepted"), *limit_measurements(REACTION_S)],
      kills=["prepaid-limit-overrun", "ignores-max-cost"])
async def prepaid_card(ctx: CaseContext) -> None:
    """The card is tapped at the reader; the CSMS authorizes it not to be cached (cacheExpiryDateTime
    now) and answers every TransactionEvent with the card's credit as maxCost. What flowed until
    the DUT suspended, priced by the tariff with its tax, may exceed the credit by at most
    REACTION_S of charging."""
    ctx.csms.answer("Authorize", lambda _a, _req: {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": now_iso()}})

    async def start() -> None:
        ctx.measure["authorized"] = await ctx.card.tap("HB-C17-PREPAID")

    if await until_cost_limit(ctx, start, CREDIT, tariff_id="HB-C17-PREPAID", reaction_s=REACTION_S) is not None:
        await end_transaction(ctx)


@case("HB_C_18_CS", "Ad hoc payment at the DUT's terminal: settled for the cost the analyzer measured, the refused VAT number left off",
      use_cases=["C18", "C21"], requirements=["C18.FR.08", "C18.FR.09", "C21.FR.01", "C21.FR.02"], roles=ROLES, timeout_s=90,
      measurements=[Measurement("paid", equals="Accepted"), Measurement("token_type", equals="DirectPayment"),
                    Measurement("vat_number_validated", equals=True, description="VatNumberValidation before the settlement"),
                    Measurement("limit_is_authorization", equals=True,
                                description="LimitSet with maxCost = PaymentCtrlr.AuthorizationAmount"),
                    Measurement("settlement_status", equals="Settled"),
                    Measurement("settlement_matches", equals=True, description="pspRef is the idToken, transactionId the transaction's"),
                    Measurement("refused_vat_on_settlement", equals=False),
                    Measurement("settlement_error", unit="currency", description="settlementAmount - the bench's cost incl. tax")],
      kills=["settlement-amount-wrong", "vat-number-not-validated"])
async def terminal_payment(ctx: CaseContext) -> None:
    """A bank card at the terminal with a VAT number the CSMS refuses; the EV charges a few seconds;
    the NotifySettlement after the transaction must settle its cost, tax included, as the bench
    prices the analyzer's energy by the tariff (rounded to the cent)."""
    tariff = simple_tariff("HB-C18", await currency(ctx), 60.0)
    ctx.check(await set_default(ctx, tariff) == "Accepted", "SetDefaultTariff was not Accepted")
    amount = await ctx.csms.get_variable("PaymentCtrlr", "AuthorizationAmount")
    await integrating(ctx)
    await ctx.io(ctx.ev.plug_in)
    ctx.measure["paid"] = await ctx.card.pay("VISA", "CC", UNKNOWN_VAT)
    paid = await authorized_event(ctx)
    token = paid["idToken"]
    ctx.measure["token_type"] = token.get("type", "absent")
    tid = paid["transactionInfo"]["transactionId"]
    await ctx.ev.start("auto", "dynamic")
    await charging_power(ctx)
    await asyncio.sleep(2.0)
    dc = session_dc(ctx)
    await end_transaction(ctx)
    settlement = await _settlement(ctx, tid)
    imported, cost = await priced_import(ctx, tariff, dc)
    vat = [p for p in ctx.csms.received("VatNumberValidation") if p.get("vatNumber") == UNKNOWN_VAT]
    ctx.measure["vat_number_validated"] = bool(vat)
    limits = [e["transactionInfo"].get("transactionLimit", {}) for e in ctx.csms.received("TransactionEvent")
              if e["triggerReason"] == "LimitSet"]
    ctx.measure["limit_is_authorization"] = amount is not None and any(
        abs(float(lim.get("maxCost", -1)) - float(amount)) < 1e-6 for lim in limits)
    ctx.measure["settlement_status"] = settlement["status"]
    ctx.measure["settlement_matches"] = settlement.get("pspRef") == token.get("idToken") and settlement.get("transactionId") == tid
    ctx.measure["refused_vat_on_settlement"] = "vatNumber" in settlement
    ctx.measure.limits("settlement_error", low=-cost.tolerance, high=cost.tolerance)
    ctx.measure["settlement_error"] = round(float(settlement["settlementAmount"]) - cost.incl, 4)
    ctx.note(f"analyzer {imported:.3f} Wh: {cost.incl:.4f} incl. tax; settled {settlement['settlementAmount']}")


@case("HB_C_19_CS", "Card payment that no transaction follows: the authorization released, NotifySettlement Canceled",
      use_cases=["C19"], requirements=["C19.FR.01", "C19.FR.02"], roles=("csms", "ev_emulator", "card_reader"), timeout_s=30,
      measurements=[Measurement("paid", equals="Accepted"), Measurement("settlement_status", equals="Canceled"),
                    Measurement("settled_amount", low=0.0, high=0.0), Measurement("without_transaction", equals=True),
                    Measurement("transaction_after_timeout", equals=False,
                                description="a transaction the released card authorizes when an EV plugs in after the timeout")],
      kills=["payment-not-released"])
async def payment_cancelled(ctx: CaseContext) -> None:
    """TxCtrlr.EVConnectionTimeOut is 2 s; a card is presented at the terminal and no EV comes. The
    DUT must release the pre-authorization and say so; an EV plugged in afterwards must not start
    a transaction on the released card. A DUT whose transaction starts at the authorization
    (TxStartPoint Authorized) would start one with the payment — C20's flow, HB_C_20_CS's case —
    so the case moves its start point after the authorization, or skips when it cannot."""
    starts = (await ctx.csms.get_variable("TxCtrlr", "TxStartPoint") or "").split(",")
    if {"Authorized", "DataSigned"} & set(starts):
        res = await ctx.csms.set_variables(("TxCtrlr", "TxStartPoint", "PowerPathClosed"))
        if res[0]["attributeStatus"] != "Accepted":
            raise CaseSkipped(f"the DUT starts a transaction at the authorization (TxStartPoint {','.join(starts)}) and "
                              f"keeps it so: a payment no transaction follows cannot happen (HB_C_20_CS covers it)")
    await ctx.csms.set_variables(("TxCtrlr", "EVConnectionTimeOut", 2))
    ctx.measure["paid"] = await ctx.card.pay("MASTERCARD", "Debit")
    settlement = await _settlement(ctx, None, timeout=6.0)
    ctx.measure["settlement_status"] = settlement["status"]
    ctx.measure["settled_amount"] = float(settlement["settlementAmount"])
    ctx.measure["without_transaction"] = "transactionId" not in settlement
    await ctx.io(ctx.ev.plug_in)
    # any transaction the card's authorization reaches (a Started at plug-in without one is the
    # DUT's TxStartPoint, not the released card)
    reached = await ctx.csms.expect("TransactionEvent", 1.5, lambda p: "idToken" in p, required=False)
    ctx.measure["transaction_after_timeout"] = reached is not None


#: TxCtrlr.EVConnectionTimeOut in HB_C_20_CS, s.
CONNECT_TIMEOUT_S = 2


@case("HB_C_20_CS", "Paid transaction no EV follows: it ends EVConnectTimeout, nothing billed, the pre-authorization Canceled",
      use_cases=["C20", "C01", "E03"], requirements=["C20.FR.02", "C01.FR.26", "E03.FR.05"],
      roles=("csms", "card_reader"), timeout_s=30,
      measurements=[Measurement("paid", equals="Accepted"),
                    Measurement("started_at_payment", equals=True,
                                description="a transaction with the payment's DirectPayment idToken, no EV connected"),
                    Measurement("ended_trigger", equals="EVConnectTimeout"),
                    Measurement("stopped_reason", equals="Timeout"),
                    Measurement("ended_after_s", unit="s", low=CONNECT_TIMEOUT_S, high=CONNECT_TIMEOUT_S + 2.0,
                                description="from the payment to the Ended"),
                    Measurement("settlement_status", equals="Canceled"),
                    Measurement("settled_amount", low=0.0, high=0.0),
                    Measurement("settlement_matches", equals=True, description="transactionId and pspRef the transaction's")],
      kills=["ev-connection-timeout-ignored", "unbilled-transaction-settled"])
async def cancelled_after_start(ctx: CaseContext) -> None:
    """TxStartPoint Authorized (a DUT that cannot start a transaction at the authorization skips
    the case), EVConnectionTimeOut 2 s, a tariff of energy alone. The driver pays at the terminal
    and no EV comes: the transaction the payment started must end EVConnectTimeout / Timeout when
    the time is up, not before, and the terminal must cancel the pre-authorization — nothing was
    billed — with NotifySettlement Canceled for that transaction."""
    res = await ctx.csms.set_variables(("TxCtrlr", "TxStartPoint", "Authorized"),
                                       ("TxCtrlr", "EVConnectionTimeOut", CONNECT_TIMEOUT_S))
    if res[0]["attributeStatus"] != "Accepted":
        raise CaseSkipped(f"the DUT does not start a transaction at the authorization (TxStartPoint Authorized: "
                          f"{res[0]['attributeStatus']}): a cancellation after the start needs one")
    ctx.check(res[1]["attributeStatus"] == "Accepted",
              f"the DUT refused TxCtrlr.EVConnectionTimeOut = {CONNECT_TIMEOUT_S} s ({res[1]['attributeStatus']})")
    ctx.check(await set_default(ctx, simple_tariff("HB-C20", await currency(ctx), 60.0)) == "Accepted",
              "SetDefaultTariff was not Accepted")
    t0 = time.monotonic()
    ctx.measure["paid"] = await ctx.card.pay("VISA", "CC")
    paid = await authorized_event(ctx, timeout=5)
    token, tid = paid["idToken"], paid["transactionInfo"]["transactionId"]
    ctx.measure["started_at_payment"] = token.get("type") == "DirectPayment"
    ended = await ctx.csms.expect("TransactionEvent", CONNECT_TIMEOUT_S + 6.0,
                                  lambda p: p["eventType"] == "Ended" and p["transactionInfo"]["transactionId"] == tid,
                                  required=False)
    if ended is None:
        ctx.fail(f"transaction {tid} did not end within {CONNECT_TIMEOUT_S + 6:g} s of a payment no EV followed "
                 f"(EVConnectionTimeOut {CONNECT_TIMEOUT_S} s)")
    ctx.measure["ended_after_s"] = round(time.monotonic() - t0, 2)
    ctx.measure["ended_trigger"] = ended["triggerReason"]
    ctx.measure["stopped_reason"] = ended["transactionInfo"].get("stoppedReason", "absent")
    settlement = await _settlement(ctx, tid)
    ctx.measure["settlement_status"] = settlement["status"]
    ctx.measure["settled_amount"] = float(settlement["settlementAmount"])
    ctx.measure["settlement_matches"] = settlement.get("pspRef") == token.get("idToken")


@case("HB_C_22_CS", "Settlement the payment service provider declines, then one it cannot be reached for: reported Rejected and Failed",
      use_cases=["C22", "C21"], requirements=["C22.FR.01", "C22.FR.02", "C21.FR.01"], roles=ROLES, timeout_s=60,
      measurements=[Measurement("declined_status", equals="Rejected"),
                    Measurement("unreachable_status", equals="Failed"),
                    Measurement("settlements_match", equals=True,
                                description="each NotifySettlement names its transaction and the payment's pspRef"),
                    Measurement("declined_amount_error", unit="currency",
                                description="settlementAmount - the bench's cost incl. tax of the analyzer's energy"),
                    Measurement("unreachable_amount_error", unit="currency",
                                description="settlementAmount - the bench's cost incl. tax of the analyzer's energy")],
      kills=["settlement-failure-reported-settled"])
async def settlement_fails(ctx: CaseContext) -> None:
    """Two paid transactions under a tariff with a start fee (billable without energy). The bench's
    payment service provider declines the first settlement and is unreachable for the second;
    the DUT must report each as it happened — a charger that reports Settled leaves the operator
    believing it was paid — for the amount it tried to settle: the transaction's cost as the
    bench prices the analyzer's energy."""
    tariff = simple_tariff("HB-C22", await currency(ctx), 60.0, fixedFee={"prices": [{"priceFixed": 1.0}]})
    ctx.check(await set_default(ctx, tariff) == "Accepted", "SetDefaultTariff was not Accepted")
    matches = []
    try:
        for name, outcome in (("declined", "Rejected"), ("unreachable", "Failed")):
            ctx.card.psp_answers(outcome)
            await integrating(ctx)
            await ctx.io(ctx.ev.plug_in)
            ctx.check(await ctx.card.pay("VISA", "CC") == "Accepted", "the terminal did not take the card")
            await ctx.ev.start("auto", "dynamic")
            paid = await authorized_event(ctx)
            tid = paid["transactionInfo"]["transactionId"]
            dc = session_dc(ctx)
            await end_session(ctx, tid)
            settlement = await _settlement(ctx, tid)
            _imported, cost = await priced_import(ctx, tariff, dc)
            ctx.measure[f"{name}_status"] = settlement["status"]
            matches.append(settlement.get("pspRef") == paid["idToken"].get("idToken"))
            ctx.measure.limits(f"{name}_amount_error", low=-cost.tolerance, high=cost.tolerance)
            ctx.measure[f"{name}_amount_error"] = round(float(settlement["settlementAmount"]) - cost.incl, 4)
            await unplugged(ctx)
    finally:
        ctx.card.psp_answers("Settled")  # the bench's PSP settles again for whatever case comes next
    ctx.measure["settlements_match"] = all(matches)


QR_TEMPLATE = "https://pay.hilbench.test/{chargingstationid}/{evse}/{totp}?v={version}"


@case("HB_C_25_CS", "Dynamic QR code: the one-time password verifies, a card cannot start the EVSE while the driver pays, the paid transaction starts",
      use_cases=["C25"], requirements=["C25.FR.01", "C25.FR.07"],
      roles=("csms", "ev", "ev_emulator", "power_analyzer", "card_reader"), timeout_s=60,
      measurements=[Measurement("qr_code_valid", equals=True, description="the URL and one-time password the CSMS expects"),
                    Measurement("card_during_web_payment", one_of=("Blocked", "Rejected", "Invalid", "NotAllowedTypeEVSE"),
                                description="a card tapped while the driver pays on the web"),
                    Measurement("paid_transaction", equals=True, description="the transaction carries the pspRef as a DirectPayment idToken"),
                    Measurement("charging_power", unit="W", low=500.0)],
      kills=["qr-code-unsigned", "web-payment-lock-ignored"])
async def dynamic_qr(ctx: CaseContext) -> None:
    """The bench, as the CSMS, gives the DUT a URL template and a fresh shared secret, reads the QR
    code off the DUT's display and checks it as its payment page would; it then tells the DUT the
    driver is paying (NotifyWebPaymentStarted), has another driver tap a card, and starts the paid
    transaction remotely with the payment's pspRef."""
    secret = secrets.token_urlsafe(24)
    await ctx.csms.set_variables(("WebPaymentsCtrlr", "Enabled", "true"), ("WebPaymentsCtrlr", "URLTemplate", QR_TEMPLATE),
                                 ("WebPaymentsCtrlr", "ValidityTime", 60), ("WebPaymentsCtrlr", "Length", 8),
                                 ("WebPaymentsCtrlr", "SharedSecret", secret))
    url = ctx.card.read_qr(1)
    problem = qr_problem(url, template=QR_TEMPLATE, station_id=ctx.dut["station_id"], evse_id=1, secret=secret,
                         length=8, validity_s=60, now=time.time())
    if problem:
        ctx.note(f"QR code {url!r}: {problem}")
    ctx.measure["qr_code_valid"] = problem is None
    await ctx.csms.call("NotifyWebPaymentStarted", {"evseId": 1, "timeout": 30})
    ctx.measure["card_during_web_payment"] = await ctx.card.tap("HB-C25-OTHER-CARD")
    await ctx.io(ctx.ev.plug_in)
    psp_ref = f"PSP-HB-{secrets.token_hex(6).upper()}"
    res = await ctx.csms.call("RequestStartTransaction", {"evseId": 1, "remoteStartId": 2501,
                                                          "idToken": {"idToken": psp_ref, "type": "DirectPayment"}})
    ctx.check(res["status"] == "Accepted", f"RequestStartTransaction for the paid session answered {res['status']}")
    token = (await authorized_event(ctx))["idToken"]
    ctx.measure["paid_transaction"] = token.get("idToken") == psp_ref and token.get("type") == "DirectPayment"
    await ctx.ev.start("auto", "dynamic")
    ctx.measure["charging_power"] = round(await charging_power(ctx), 1)
    await end_transaction(ctx)
