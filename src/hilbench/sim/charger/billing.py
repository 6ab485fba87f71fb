"""Billing of the virtual charger's transaction and its tariff messages (OCPP 2.1 blocks I and E16):
the tariff a transaction is billed by (chosen at its start, reported as ``transactionInfo.tariffId``),
its running cost from the meter's registers, TransactionEvent ``RunningCost`` updates every
``TariffCostCtrlr.Interval[Cost]`` seconds, the final ``costDetails`` at Ended, the CSMS's
``maxCost`` limit (CostLimitReached), and the answers to SetDefaultTariff, GetTariffs, ClearTariffs
and ChangeTransactionTariff.

Local cost calculation runs while ``TariffCostCtrlr.Enabled[Cost]`` is true and a tariff applies."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hilbench.sim.charger.running_cost import RunningCost
from hilbench.sim.charger.tariff_store import Refusal, TariffStore

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware
    from hilbench.sim.charger.transactions import Transaction

Payload = dict[str, Any]


class Billing:
    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        dm = fw.dm
        state = fw.config.state_dir
        self.store = TariffStore(state / "tariffs.json" if state else None,
                                 currency=lambda: dm.value("TariffCostCtrlr", "Currency") or "EUR",
                                 max_elements=lambda: dm.get_int("TariffCostCtrlr", "MaxElements", instance="Tariff"),
                                 faults=fw.faults)
        self.cost: RunningCost | None = None
        #: The last transaction's final costDetails (what a payment terminal settles).
        self.final: Payload | None = None
        self._registers = (0.0, 0.0)
        self._last_update = 0.0

    def _now(self) -> dt.datetime:
        """Now in the charger's local time (ClockCtrlr.TimeZone): a tariff's time of day and day
        of week are the driver's, at the station."""
        zone = None if self.fw.faults.on("tariff-time-in-utc") else self.fw.dm.value("ClockCtrlr", "TimeZone")
        try:
            return dt.datetime.now(ZoneInfo(zone)) if zone else dt.datetime.now(dt.timezone.utc)
        except (ZoneInfoNotFoundError, ValueError):  # an unknown zone is not the CSMS's to crash us with
            return dt.datetime.now(dt.timezone.utc)

    def enabled(self, instance: str) -> bool:
        return self.fw.dm.get_bool("TariffCostCtrlr", "Enabled", instance=instance)

    def table(self) -> dict[str, Any]:
        return {"SetDefaultTariff": self._set_default, "GetTariffs": self._get, "ClearTariffs": self._clear,
                "ChangeTransactionTariff": self._change}

    # ---- the transaction -----------------------------------------------------------------------
    def begin(self, tx: Transaction) -> str | None:
        """At the start of ``tx``: the tariff it is billed by (its id), or None."""
        self.cost, self.final = None, None
        token = (tx.id_token or {}).get("idToken")
        tariff = self.store.tariff_for(tx.evse_id, token) if self.enabled("Cost") else None
        if tariff is None:
            return None
        meter = self.fw.meter
        self._registers = (meter.import_wh, meter.export_wh)
        self._last_update = time.monotonic()
        self.cost = RunningCost(tariff, self._now(), "DC" if self.fw.config.dc else "AC", self.fw.faults)
        return str(tariff["tariffId"])

    def authorized(self, tx: Transaction) -> str | None:
        """The driver's idToken arrived after the transaction started (TxStartPoint before
        Authorized): a tariff of the driver's own (I08) bills the transaction from now, its start
        fee included; what the default tariff billed before (idle time, its start fee) stays
        billed by it. Returns its id when it replaced the tariff in force."""
        token = (tx.id_token or {}).get("idToken")
        tariff = self.store.tariff_for(tx.evse_id, token) if self.enabled("Cost") else None
        if tariff is None or (self.cost is not None and self.cost.tariff["tariffId"] == tariff["tariffId"]):
            return None
        if self.cost is None:
            self.begin(tx)
        else:
            self.advance()
            self.cost.change_tariff(tariff, self._now(), charge_fixed_fee=True)
        return str(tariff["tariffId"])

    def advance(self) -> None:
        """Bills what the meter counted since the last call."""
        if self.cost is None:
            return
        meter = self.fw.meter
        meter.update()
        d_import, d_export = meter.import_wh - self._registers[0], meter.export_wh - self._registers[1]
        self._registers = (meter.import_wh, meter.export_wh)
        self.cost.advance(self._now(), d_import, d_export, meter.power_w())

    def tick(self) -> None:
        """Every pass of the control loop while a transaction runs: the running cost, and its
        update to the CSMS when one is due."""
        if self.cost is None or self.fw.tx.tx is None:
            return
        self.advance()
        interval = self.fw.dm.get_int("TariffCostCtrlr", "Interval", instance="Cost")
        now = time.monotonic()
        if interval > 0 and now - self._last_update >= interval and not self.fw.faults.on("no-running-cost-updates"):
            self._last_update = now
            self.fw.tx.event("Updated", "RunningCost", extra={"costDetails": self.cost.details(with_periods=False)})

    def details(self) -> Payload | None:
        """The cost so far (the final one at Ended)."""
        if self.cost is None:
            return None
        self.advance()
        self.final = self.cost.details()
        return self.final

    def total(self, *, incl_tax: bool = True) -> float | None:
        """The total cost so far (including tax: what a maxCost limit is in)."""
        if self.cost is None:
            return None
        self.advance()
        _kind, excl, incl = self.cost.totals()
        return incl if incl_tax else excl

    def end(self, tx: Transaction) -> None:
        """The transaction ended: its driver tariff goes with it."""
        self.cost = None
        token = (tx.id_token or {}).get("idToken")
        if token is not None:
            self.store.drop_driver(token)

    # ---- tariff messages -----------------------------------------------------------------------
    def _refused_while_disabled(self) -> Payload | None:
        if not self.enabled("Tariff"):
            return Refusal("Rejected", "NotEnabled", "TariffCostCtrlr.Enabled[Tariff] is false").answer()
        return None

    def _set_default(self, _a: str, req: Payload) -> Payload:
        return self._refused_while_disabled() or self.store.set_default(int(req["evseId"]), req["tariff"])

    def _get(self, _a: str, req: Payload) -> Payload:
        return self._refused_while_disabled() or self.store.get(int(req["evseId"]))

    def _clear(self, _a: str, req: Payload) -> Payload:
        if not self.enabled("Tariff"):
            return {"clearTariffsResult": [{"status": "Rejected", "statusInfo": {"reasonCode": "NotEnabled"}}]}
        return self.store.clear(req.get("tariffIds"), req.get("evseId"))

    def _change(self, _a: str, req: Payload) -> Payload:
        refused = self._refused_while_disabled()
        if refused is not None:
            return refused
        tx, tariff = self.fw.tx.tx, req["tariff"]
        if tx is None or tx.transaction_id != req["transactionId"]:
            return Refusal("TxNotFound", "TxNotFound", f"no transaction {req['transactionId']} is running").answer()
        if self.cost is not None and tariff.get("currency") != self.cost.tariff["currency"]:
            return Refusal("NoCurrencyChange", "InvalidValue",
                           f"the transaction is billed in {self.cost.tariff['currency']}, not {tariff.get('currency')}").answer()
        refusal = self.store.check(tariff)
        if refusal is not None:
            return refusal.answer()
        if self.cost is None:
            return Refusal("Rejected", "NotEnabled", "the transaction is not billed by a tariff").answer()
        if not self.fw.faults.on("change-tariff-ignored"):
            self.advance()
            self.cost.change_tariff(tariff, self._now())
        self.fw.tx.event("Updated", "TariffChanged", info={"tariffId": tariff["tariffId"]})
        return {"status": "Accepted"}
