"""What a case body works with (``async def body(ctx)``): the DUT's OCPP connection as the bench CSMS
sees it (``ctx.csms``), the bench EV toward the DUT's SECC (``ctx.ev``), the rig's roles
(``ctx.dc_supply``, ``ctx.grid_simulator``, ...), its declared measurements (``ctx.measure[name] =
value``), time series for the report's plots (``ctx.series(...)``), and ``ctx.fail`` /
``ctx.inconclusive``. Nothing here knows whether the DUT is the virtual charger or a real one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hilbench.cases.model import Case, CaseFailed, CaseInconclusive, Measurement
from hilbench.errors import InfrastructureError
from hilbench.ocpp.link import OcppLink
from hilbench.ocpp.session import Delay

if TYPE_CHECKING:
    from hilbench.runner.campaign import Campaign
    from hilbench.v2g.evcc import Evcc


class BenchError(InfrastructureError):
    """The bench could not do what a case asked (verdict ``error``, never ``fail``)."""


@dataclass
class Series:
    name: str
    unit: str
    kind: str = "measured"  #: measured | setpoint | limit | curve (what a curve asks for at the measured grid)
    t_ns: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, value: float, t_ns: int | None = None) -> None:
        self.t_ns.append(time.monotonic_ns() if t_ns is None else t_ns)
        self.values.append(float(value))

    def as_record(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "kind": self.kind, "t_ns": self.t_ns, "values": self.values}


class Measurements:
    """The case's declared measurements; assigning an undeclared name is a bench bug (error)."""

    def __init__(self, declared: tuple[Measurement, ...]) -> None:
        self.declared = {m.name: m for m in declared}
        self.values: dict[str, Any] = {}

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in self.declared:
            raise KeyError(f"measurement {name!r} is not declared by the case")
        self.values[name] = value

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def limits(self, name: str, **limits: Any) -> None:
        """Sets a measurement's limits at run time (from what the case chose or the rig allows)."""
        self.declared[name] = self.declared[name].with_limits(**limits)

    def judged(self) -> list[dict[str, Any]]:
        return [m.as_record(self.values.get(name), m.judge(self.values.get(name))) for name, m in self.declared.items()]


class CsmsView:
    """The bench CSMS toward the DUT: calls, expected messages since the case started, variables
    set for the case (restored after it), answers changed for the case."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._originals: list[dict[str, Any]] = []
        self._answers: dict[str, Any] = {}
        self._seen = 0

    @property
    def link(self) -> OcppLink:
        link = self.campaign.dut_link()
        if link is None:  # whose fault that is, the bench cannot tell (the network may be to blame)
            raise BenchError(f"the DUT ({self.campaign.station_id}) is not connected: it went away during the case")
        return link

    async def call(self, action: str, payload: dict[str, Any], **kw: Any) -> dict[str, Any]:
        if action == "SetDERControl":  # the baseline clears what a case left (a DUT without DER is not asked)
            self.campaign.der_controls_set = True
        if action == "SetDefaultTariff":
            self.campaign.tariffs_set = True
        return await self.link.call(action, payload, **kw)

    def received(self, action: str | None = None) -> list[dict[str, Any]]:
        """Every CALL/SEND of ``action`` the DUT sent since the case started, across reconnects."""
        return [ev.payload for ev in self.campaign.received_since_case() if action is None or ev.action == action]

    async def latest(self, action: str, timeout: float = 10.0, where: Callable[[dict[str, Any]], bool] | None = None,
                     *, what: str = "") -> dict[str, Any]:
        """The last ``action`` matching ``where`` the DUT has sent since the case started, whatever
        came before or after it (unlike :meth:`expect`, which takes messages in order), waiting up
        to ``timeout`` for one; none: a fail (``what`` says which one was awaited)."""
        deadline = time.monotonic() + timeout
        while not (found := [p for p in self.received(action) if where is None or where(p)]):
            if time.monotonic() > deadline:
                raise CaseFailed(f"no {action}{' ' + what if what else ''} from the DUT within {timeout:g} s")
            await asyncio.sleep(0.02)
        return found[-1]

    async def expect(self, action: str, timeout: float = 10.0, where: Callable[[dict[str, Any]], bool] | None = None,
                     *, required: bool = True) -> Any:
        """The next ``action`` (one not yet taken by an earlier ``expect``) matching ``where``; when
        none comes in ``timeout``: a fail, or None when not ``required`` (the case judges it)."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.campaign.received_since_case()
            for i in range(self._seen, len(events)):
                ev = events[i]
                if ev.action == action and (where is None or where(ev.payload)):
                    self._seen = i + 1
                    return ev.payload
            if time.monotonic() > deadline:
                if not required:
                    return None
                raise CaseFailed(f"no {action} from the DUT within {timeout:g} s")
            await asyncio.sleep(0.02)

    async def expect_event(self, event_type: str, trigger: str | None = None, timeout: float = 10.0, *,
                           required: bool = True) -> Any:
        return await self.expect("TransactionEvent", timeout, lambda p: p["eventType"] == event_type
                                 and (trigger is None or p["triggerReason"] == trigger), required=required)

    def answer(self, action: str, handler: Any) -> None:
        """The CSMS answers ``action`` with ``handler(action, payload)`` for the rest of the case."""
        csms = self.campaign.csms
        assert csms is not None
        self._answers.setdefault(action, csms.handlers.get(action))
        csms.handlers[action] = handler
        link = self.campaign.dut_link()
        if link is not None:
            link.handlers[action] = handler

    def alter_outgoing(self, change: Callable[[str], str | Delay]) -> None:
        """Every frame the bench CSMS sends passes ``change`` (raw text in, raw text out) for the
        rest of the case: to send what the bench's own stack would refuse to, or with
        ``Delay(text, s)`` later than it would."""
        self.campaign.recorder.alter_out = change

    async def get_variable(self, component: str, variable: str, **kw: Any) -> str | None:
        res = await self.call("GetVariables", {"getVariableData": [_cv(component, variable, **kw)]})
        r = res["getVariableResult"][0]
        return r.get("attributeValue") if r["attributeStatus"] == "Accepted" else None

    async def set_variables(self, *values: tuple[Any, ...]) -> list[dict[str, Any]]:
        """SetVariables of (component, variable, value[, evse/instance keywords as a dict]) —
        their values before the case are read first and set back when it ends."""
        data = [_cv(v[0], v[1], **(v[3] if len(v) > 3 else {})) for v in values]
        before = await self.call("GetVariables", {"getVariableData": data})
        for d, r in zip(data, before["getVariableResult"]):
            if r["attributeStatus"] == "Accepted" and "attributeValue" in r:
                self._originals.append(d | {"attributeValue": r["attributeValue"]})
        res = await self.call("SetVariables", {"setVariableData": [d | {"attributeValue": str(v[2])}
                                                                   for d, v in zip(data, values)]})
        return list(res["setVariableResult"])

    async def restore(self) -> None:
        """After the case: the answers, the outgoing frames and the variables as they were."""
        self.campaign.recorder.alter_out = None
        csms = self.campaign.csms
        for action, handler in self._answers.items():
            if csms is not None:
                if handler is None:
                    csms.handlers.pop(action, None)
                else:
                    csms.handlers[action] = handler
            link = self.campaign.dut_link()
            if link is not None and handler is not None:
                link.handlers[action] = handler
        self._answers.clear()
        if self._originals and self.campaign.dut_link() is not None:
            originals, self._originals = list(reversed(self._originals)), []
            await asyncio.wait_for(self.call("SetVariables", {"setVariableData": originals}), 10.0)

    async def cut(self, seconds: float) -> None:
        """The bench cuts the DUT's connection and refuses it for ``seconds`` (the CSMS goes away)."""
        await self.campaign.cut_connection(seconds)

    async def reconnected(self, timeout: float = 30.0) -> OcppLink:
        return await self.campaign.wait_for_dut(timeout, new=True)


def _cv(component: str, variable: str, *, evse: int | None = None, instance: str | None = None,
        component_instance: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": component}
    if component_instance:
        c["instance"] = component_instance
    if evse is not None:
        c["evse"] = {"id": evse}
    v: dict[str, Any] = {"name": variable}
    if instance:
        v["instance"] = instance
    return {"component": c, "variable": v}


class EvView:
    """The bench EV toward the DUT's SECC, and the EV emulator's plug (pilot, contactor)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.evcc: Evcc | None = None
        self._task: asyncio.Task[Any] | None = None

    def plug_in(self, state: str = "C") -> None:
        """The EV emulator: cable in (PP), pilot B, then ``state``, contactor closed."""
        emulator = self.campaign.role("ev_emulator")
        emulator.set_proximity(220.0)
        emulator.set_cp_state("B")
        if state != "B":
            emulator.set_cp_state(state)
            emulator.set_contactor(True)

    def unplug(self) -> None:
        emulator = self.campaign.role("ev_emulator")
        emulator.set_contactor(False)
        emulator.set_cp_state("A")
        emulator.set_proximity(0.0)  # no cable

    async def start(self, service: str = "DC_BPT", control: str = "dynamic", *, contract: Any = None, **ev: Any) -> Evcc:
        """A session of the bench EV against the DUT's SECC, running until ``stop``; with a
        ``contract`` (``hilbench.v2g.pnc.Contract``) it authorizes by Plug & Charge where offered."""
        from hilbench.v2g.ev_model import BatteryEv
        from hilbench.v2g.evcc import Evcc
        from hilbench.v2g.transport import run_evcc

        host, port = await self.campaign.secc_address()
        params = {"loop_cycles": 10**6, "loop_period_s": 0.1} | ev
        self.evcc = Evcc(service, control, ev=BatteryEv(**params), hook=self.campaign.recorder.v2g_hook(),
                         contract=contract)
        self._task = asyncio.create_task(run_evcc(self.evcc, host, port))
        return self.evcc

    async def stop(self, timeout: float = 10.0) -> Evcc | None:
        """Ends the session: from the charge loop by PowerDelivery Stop and SessionStop; before it
        (the EV still waiting to be authorized, say) by dropping the connection."""
        if self.evcc is not None and self._task is not None:
            if not self.evcc.loop_reports:
                self._task.cancel()
            self.evcc.stop_charging()
            try:
                await asyncio.wait_for(self._task, timeout)
            except (asyncio.TimeoutError, OSError):
                self._task.cancel()
            except asyncio.CancelledError:
                self._task.cancel()
                current = asyncio.current_task()
                if current is not None and current.cancelling():  # the campaign itself is stopping (Ctrl-C)
                    self.evcc, self._task = None, None
                    raise
                # else: the session's own task was cancelled above (before the charge loop): done
        evcc, self.evcc, self._task = self.evcc, None, None
        return evcc


class CardView:
    """A driver at the DUT's card reader, payment terminal and display (the virtual charger's)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign

    def _charger(self) -> Any:
        if self.campaign.charger is None:
            raise BenchError("no card reader on this rig: the DUT is not the virtual charger")
        return self.campaign.charger

    async def tap(self, id_token: str, token_type: str = "ISO14443") -> str:
        """A card at the reader: the DUT's answer ("Accepted" when it authorized it)."""
        return str(await self._charger().tap(id_token, token_type))

    async def pay(self, brand: str = "VISA", recognition: str = "CC", vat_number: str | None = None) -> str:
        """A bank card at the payment terminal, with a VAT number for a company receipt."""
        return str(await self._charger().pay(brand, recognition, vat_number))

    def psp_answers(self, outcome: str) -> None:
        """The payment service provider behind the DUT's terminal answers its next settlement with
        ``outcome`` (Rejected: it declines; Failed: it cannot be reached) — the bench's PSP, as a
        lab's payment simulator would be."""
        self._charger().psp_answers(outcome)

    def read_qr(self, evse_id: int = 1) -> str | None:
        """The payment QR code the DUT's display shows at ``evse_id``, as its URL."""
        url = self._charger().display_qr(evse_id)
        return None if url is None else str(url)


class SwapView:
    """A driver at a battery swap station's reader and slots (the virtual charger's: its insert and
    take run on the campaign's loop, where the charger runs)."""

    def __init__(self, campaign: Campaign) -> None:
        self.card = CardView(campaign)
        self.campaign = campaign

    async def tap(self, id_token: str, token_type: str = "ISO14443") -> str:
        return await self.card.tap(id_token, token_type)

    def insert(self, serial: str, soc: float, *, soh: float = 90.0, capacity_wh: float = 1_500.0) -> str:
        """The driver's battery into the free slot: "Accepted", or why the slot stays shut."""
        return str(self.card._charger().insert_battery(serial, soc, soh=soh, capacity_wh=capacity_wh))  # noqa: SLF001

    def take(self) -> dict[str, Any] | None:
        """The battery the station releases to the driver (serialNumber, soC, soH), or None."""
        out = self.card._charger().take_battery()  # noqa: SLF001
        return None if out is None else dict(out)


class CaseContext:
    def __init__(self, campaign: Campaign, case: Case) -> None:
        self.campaign = campaign
        self.case = case
        self.csms = CsmsView(campaign)
        self.ev = EvView(campaign)
        self.card = CardView(campaign)
        self.swap = SwapView(campaign)
        self.measure = Measurements(case.measurements)
        self.series_list: list[Series] = []
        self.t0_ns = time.monotonic_ns()
        #: The case's time limit, set by the campaign; :meth:`extend_deadline` moves it.
        self.deadline: asyncio.Timeout | None = None
        self.extended_s = 0.0

    def extend_deadline(self, seconds: float) -> None:
        """Gives the case ``seconds`` more than its ``timeout_s``: for waits the DUT declares (its
        settling time), which a fixed limit would cut short on a slow but conforming DUT."""
        if self.deadline is not None and self.deadline.expired():
            return  # too late: the case has timed out (a clean-up path may still call this)
        self.extended_s += seconds
        when = self.deadline.when() if self.deadline is not None else None
        if self.deadline is not None and when is not None:
            self.deadline.reschedule(when + seconds)

    # -- the rig's roles -------------------------------------------------------------------------
    @property
    def dc_supply(self) -> Any:
        return self.campaign.role("dc_supply")

    @property
    def grid_simulator(self) -> Any:
        return self.campaign.role("grid_simulator")

    @property
    def power_analyzer(self) -> Any:
        return self.campaign.role("power_analyzer")

    @property
    def energy_meter(self) -> Any:
        return self.campaign.role("energy_meter")

    @property
    def ev_emulator(self) -> Any:
        return self.campaign.role("ev_emulator")

    async def io(self, fn: Callable[..., Any], *args: Any) -> Any:
        """An instrument call (blocking I/O) off the event loop, so the CSMS and the EV keep pace."""
        return await asyncio.to_thread(fn, *args)

    # -- what the case found ---------------------------------------------------------------------
    def series(self, name: str, unit: str, kind: str = "measured") -> Series:
        s = Series(name, unit, kind)
        self.series_list.append(s)
        return s

    def note(self, text: str) -> None:
        self.campaign.recorder.note(f"{self.case.id}: {text}")

    @staticmethod
    def fail(reason: str) -> None:
        raise CaseFailed(reason)

    @staticmethod
    def inconclusive(reason: str) -> None:
        raise CaseInconclusive(reason)

    def check(self, condition: bool, reason: str) -> None:
        """A finding when ``condition`` is false."""
        if not condition:
            raise CaseFailed(reason)

    @property
    def dut(self) -> Any:
        return self.campaign.dut_info()
