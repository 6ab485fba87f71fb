"""The ISO 15118-20 half of `make demo`: the bench as EV against the bench as charger on loopback,
over mutual TLS 1.3 with the -20 PKI (secp521r1), authorized by Plug & Charge, DC_BPT under dynamic
control — the station sets charging, then discharging — with both sides' timing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hilbench.v2g import pki as v2g_pki
from hilbench.v2g import pnc, tls
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.evse_model import EvseModel
from hilbench.v2g.secc import Secc
from hilbench.v2g.transport import SeccServer, run_evcc

LOOP_CYCLES = 10


@dataclass
class V2gDemo:
    ok: bool
    reason: str
    tls: tuple[str, str] | None
    authorization: str
    charge_w: float
    discharge_w: float
    loop_ms_max: float
    loop_limit_ms: float
    ev_loop_gap_ms_max: float
    ev_loop_gap_limit_ms: float
    messages: int


async def run_v2g_demo(out: Path) -> V2gDemo:
    the_pki = v2g_pki.generate(out / "v2g-pki")
    station = EvseModel(pnc_trust_pem=the_pki.contract.root.read_bytes(), dynamic_charge_cycles=LOOP_CYCLES // 2)
    async with SeccServer(lambda: Secc(evse=station), make_tls=lambda: tls.secc_session(the_pki)) as server:
        client = tls.evcc_session(the_pki)
        evcc = await run_evcc(Evcc("DC_BPT", "dynamic", ev=BatteryEv(loop_cycles=LOOP_CYCLES),
                                   contract=pnc.Contract.from_chain(the_pki.contract)), "::1", server.port, tls=client)
        await server.wait_for_sessions()
    secc = server.sessions[0] if server.sessions else None
    powers = [r["power_w"] for r in evcc.loop_reports]
    loop = evcc.timing.by_message().get("DC_ChargeLoopReq", {})
    gaps = secc.timing.by_message().get("DC_ChargeLoopRes", {}) if secc else {}
    return V2gDemo(
        ok=bool(evcc.ended and evcc.ended.ok and secc and secc.ended and secc.ended.ok),
        reason=evcc.ended.reason if evcc.ended else "no end",
        tls=client.negotiated,
        authorization=(secc.authorization or {}).get("code", "EIM") if secc else "-",
        charge_w=max(powers, default=0.0), discharge_w=min(powers, default=0.0),
        loop_ms_max=loop.get("max_ms", 0.0), loop_limit_ms=loop.get("limit_ms") or 0.0,
        ev_loop_gap_ms_max=gaps.get("max_ms", 0.0), ev_loop_gap_limit_ms=gaps.get("limit_ms") or 0.0,
        messages=len(evcc.log))
