"""A campaign: the rig opened (its safe state guaranteed on every way out), the bench CSMS where the
rig's ``[csms]`` says, the device under test started (the virtual charger) or waited for (an
external one), every selected case run with its timeout and recorded, the DUT brought back to a
known state between cases, and the record written — also when a case hangs, the DUT never comes,
or Ctrl-C stops it. The writers (JUnit, HTML) work from the record alone."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import ssl
import time
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from hilbench.cases.model import Case
from hilbench.drivers.log import CommandLog
from hilbench.errors import ConfigError
from hilbench.ocpp.csms import Csms
from hilbench.ocpp.events import CallReceived, SendReceived
from hilbench.ocpp import tls
from hilbench.ocpp.link import OcppLink
from hilbench.ocpp.tls_probe import TlsProbe
from hilbench.pki import CertPair, TestPki
from hilbench.pki import generate as generate_pki
from hilbench.pki import load as load_pki
from hilbench.v2g.pki import V2gPki
from hilbench.v2g.pki import generate as generate_v2g_pki
from hilbench.v2g.pki import load as load_v2g_pki
from hilbench.rig import Rig
from hilbench.rig_file import RigConfig, load_rig
from hilbench.runner import baseline
from hilbench.runner.context import BenchError, CaseContext
from hilbench.runner.recorder import Recorder
from hilbench.runner.verdict import of_exception, with_measurements

Progress = Callable[[str, dict[str, Any]], None]


class Campaign:
    def __init__(self, rig: Path | str | RigConfig, cases: list[Case], out_dir: Path, *, faults: tuple[str, ...] = (),
                 connect_timeout_s: float = 60.0, progress: Progress | None = None) -> None:
        self.config = rig if isinstance(rig, RigConfig) else load_rig(rig)
        if self.config.dut is None:
            raise ConfigError(f"{self.config.path.name}: no [dut] section: the campaign has no device under test")
        if self.config.csms.pki_auto and self.config.dut.kind != "virtual":
            raise ConfigError(f"{self.config.path.name}: csms.pki_dir = \"auto\" makes a PKI only the virtual charger "
                              f"knows; an external DUT needs the folder of the PKI it was provisioned with")
        if faults and self.config.dut.kind != "virtual":
            raise ConfigError("--fault switches faults of the virtual charger on; this rig's DUT is external")
        self.cases = cases
        self.out_dir = out_dir
        self.faults = faults
        #: The ISO 15118-20 PKI of the bench EV's contracts (Plug & Charge cases), when one is selected.
        self.v2g_pki: V2gPki | None = None
        #: A case sent SetDERControl since the last baseline: the next one clears the scheduled controls.
        self.der_controls_set = False
        self.tariffs_set = False
        self.connect_timeout_s = connect_timeout_s
        self.progress = progress or (lambda _event, _data: None)
        self.station_id = self.config.dut.station_id
        self.rig: Rig | None = None
        self.csms: Csms | None = None
        self.pki: TestPki | None = None
        self.charger: Any = None
        self.recorder = Recorder(out_dir / "trace")
        self.boot: dict[str, Any] | None = None
        self.results: list[dict[str, Any]] = []
        self.identities: dict[str, str] = {}
        self._links: list[OcppLink] = []
        self._listeners: list[Csms] = []  #: the bench CSMS's other listeners (a profile upgrade's)
        self._case_marks: list[tuple[OcppLink, int]] = []
        self.started_at = _now()

    # ---- what cases reach --------------------------------------------------------------------
    def dut_link(self) -> OcppLink | None:
        link = self.csms.stations.get(self.station_id) if self.csms else None
        return link if link is not None and not link.closed.is_set() else None

    def received_since_case(self) -> list[CallReceived | SendReceived]:
        """Every CALL/SEND of the DUT since the case started, over every connection it had."""
        self._track_links()
        out: list[CallReceived | SendReceived] = []
        for link, start in self._case_marks:
            out += link.received[start:]
        return out

    def _track_links(self) -> None:
        link = self.csms.stations.get(self.station_id) if self.csms else None
        if link is not None and all(link is not known for known, _ in self._case_marks):
            self._case_marks.append((link, 0))

    def role(self, name: str) -> Any:
        if self.rig is None or name not in self.config.roles:
            raise BenchError(f"the rig has no {name}")
        return self.rig.role(name)

    def dut_info(self) -> dict[str, Any]:
        dut = self.config.dut
        assert dut is not None
        return {"kind": dut.kind, "station_id": dut.station_id, "virtual": self.charger is not None,
                "unsupported_tariff_conditions": list(dut.unsupported_tariff_conditions)}

    async def secc_address(self) -> tuple[str, int]:
        dut = self.config.dut
        assert dut is not None
        if self.charger is not None:
            if self.charger.secc_port is None:
                raise BenchError("the virtual charger's SECC is not listening")
            return self.charger.config.secc_host, int(self.charger.secc_port)
        if dut.secc_address:
            from hilbench.cli_args import ipv6_endpoint

            return ipv6_endpoint("dut.secc_address", dut.secc_address)
        if dut.secc_interface:
            from hilbench.v2g import sdp

            host, port, _tls = await sdp.discover(dut.secc_interface, tls=False)
            return host, port
        raise BenchError("the rig's [dut] names no SECC (secc_address or secc_interface)")

    async def cut_connection(self, seconds: float) -> None:
        """The CSMS goes away for ``seconds``: its listener closes, the DUT's connection drops."""
        async with self.csms_away():
            await asyncio.sleep(seconds)

    @contextlib.asynccontextmanager
    async def csms_away(self) -> AsyncIterator[None]:
        """While inside, the bench CSMS is gone: its listener closed, the DUT's connection dropped.
        It is back, on the same port, afterwards."""
        csms = self.csms
        assert csms is not None
        port = csms.port
        link = self.dut_link()
        await csms.stop()
        if link is not None:
            await link.close()
        try:
            yield
        finally:
            csms.port = port
            await csms.start()

    @contextlib.asynccontextmanager
    async def probe_csms(self, *, server_cert: CertPair | None = None, tls_max_version: str | None = None,
                         any_cipher: bool = False) -> AsyncIterator[TlsProbe]:
        """For a while, a handshake-only server at the bench CSMS's address: one no station may
        trust (another certificate, only an old TLS version), or with ``any_cipher`` one that takes
        every TLS 1.2+ cipher suite in the station's order of preference. The DUT's connection drops
        and each attempt it makes is recorded. The bench CSMS is back afterwards, whatever happened."""
        bench = self.csms
        assert bench is not None and self.pki is not None
        pair = server_cert or self.pki.csms
        context = tls.server_context(bench.security_profile, pair.cert, pair.key,
                                     self.pki.ca.cert if bench.security_profile == 3 else None, max_version=tls_max_version,
                                     **({"tls12_ciphers": "ALL:@SECLEVEL=0"} if any_cipher else {}))
        if any_cipher:  # the station's choice is what is measured
            context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
        port = bench.port
        link = self.dut_link()
        await bench.stop()
        if link is not None:
            await link.close()
        probe = TlsProbe(bench.host, port, context)
        try:
            probe.start()
            yield probe
        finally:
            await asyncio.to_thread(probe.stop)
            bench.port = port
            await bench.start()

    async def upgraded_csms(self) -> Csms:
        """The bench CSMS's second listener, at the rig's ``upgrade_port`` one security profile
        above the first (A05): the same handlers, recorder, passwords and PKI. It runs until the
        campaign ends."""
        c, bench = self.config.csms, self.csms
        assert bench is not None and c.upgrade_port is not None
        upgraded = Csms(c.host, c.upgrade_port, security_profile=bench.security_profile + 1,
                        heartbeat_interval=c.heartbeat_interval, pki=self.pki, passwords=bench.passwords,
                        hook_factory=bench.hook_factory)
        upgraded.handlers = bench.handlers  # one table: a case's changed answer holds on both
        upgraded.passwords = bench.passwords  # and one password table: a password a case sets holds on both
        await upgraded.start()
        self._listeners.append(upgraded)
        return upgraded

    def csms_url(self, csms: Csms | None = None) -> str:
        """Where ``csms`` (the bench CSMS in use by default) takes the DUT, without its identity."""
        csms = csms or self.csms
        assert csms is not None
        return replace(self.config.csms, port=csms.port, security_profile=csms.security_profile).url()

    def switch_csms(self, csms: Csms) -> None:
        """From now on the DUT's CSMS is ``csms``: after an upgrade the DUT never returns to the
        first listener, so every later case (and the baseline) works through this one."""
        if self.csms is not None and self.csms is not csms and self.csms not in self._listeners:
            self._listeners.append(self.csms)
        self.csms = csms

    async def wait_for_dut(self, timeout: float, *, new: bool = False) -> OcppLink:
        old = self.dut_link() if new else None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            link = self.dut_link()
            if link is not None and link is not old:
                self._track_links()
                return link
            await asyncio.sleep(0.05)
        raise BenchError(f"the DUT ({self.station_id}) did not connect within {timeout:g} s")

    # ---- the campaign ------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        """Runs every case and returns the record (written to ``out_dir/record.json``)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        aborted: str | None = None
        try:
            await self._open()
            for case in self.cases:
                self.progress("case", {"id": case.id, "title": case.title})
                result = await self._run_case(case)
                self.results.append(result)
                self.progress("verdict", result)
                await self._known_state()
        except asyncio.CancelledError:
            aborted = "interrupted (Ctrl-C): outputs off, the record holds the cases that ran"
            raise
        except BenchError as e:
            aborted = str(e)
        finally:
            ran = {r["id"] for r in self.results}
            for case in self.cases:
                if case.id not in ran:
                    self.results.append(_not_run(case, aborted or "the campaign stopped before this case"))
            await asyncio.shield(self._close())
            self.record = self._write_record(aborted)
        return self.record

    async def _open(self) -> None:
        if self.config.instruments:
            # every command and reply, flushed line by line: the record of the safe state even
            # when the campaign is stopped
            self.rig = Rig(self.config, log=CommandLog(self.out_dir / "trace" / "instruments.jsonl"))
            await asyncio.to_thread(self.rig.__enter__)
            self.recorder.log = self.rig.log
            self.identities = await asyncio.to_thread(baseline.identities, self.rig)
            await asyncio.to_thread(baseline.power_up, self.rig)
        c = self.config.csms
        if c.pki_auto:
            self.pki = await asyncio.to_thread(generate_pki, self.out_dir / "pki", (self.station_id,))
        elif c.pki_dir is not None:
            self.pki = load_pki(c.pki_dir)
        self.csms = Csms(c.host, c.port, security_profile=c.security_profile, heartbeat_interval=c.heartbeat_interval,
                         pki=self.pki, passwords=({self.station_id: self.config.dut.password}  # type: ignore[union-attr]
                                                          if self.config.dut.password else None),  # type: ignore[union-attr]
                         hook_factory=lambda sid: self.recorder.ocpp_hook(sid))
        await self.csms.start()
        if any("pnc" in case.tags for case in self.cases):
            self.v2g_pki = await asyncio.to_thread(self._v2g_pki)
        if self.config.dut.kind == "virtual":  # type: ignore[union-attr]
            self.charger = await baseline.start_virtual(self)
        try:
            link = await self.wait_for_dut(self.connect_timeout_s)
        except BenchError as e:
            raise BenchError(f"{e}: it connects to {self.config.csms.url(self.station_id)}") from None
        boot = await _first(link, "BootNotification", 30.0)
        self.boot = boot

    def _v2g_pki(self) -> V2gPki | None:
        """The ISO 15118-20 test PKI whose contracts the bench EV presents: the rig's [dut]
        v2g_pki_dir (an external DUT trusts its MO root, as the lab installed it), the virtual
        charger's own, or for the virtual charger a fresh one (it is then started trusting it)."""
        dut = self.config.dut
        assert dut is not None
        folder = dut.v2g_pki_dir or (Path(dut.virtual["v2g_pki_dir"]) if dut.virtual and "v2g_pki_dir" in dut.virtual
                                     else None)
        if folder is not None:
            return load_v2g_pki(folder)
        return generate_v2g_pki(self.out_dir / "v2g-pki") if dut.kind == "virtual" else None

    async def _close(self) -> None:
        if self.charger is not None:
            await self.charger.stop()
        for csms in {id(c): c for c in (self.csms, *self._listeners) if c is not None}.values():
            await csms.stop()
        if self.rig is not None:
            await asyncio.to_thread(self.rig.__exit__, None, None, None)

    async def _run_case(self, case: Case) -> dict[str, Any]:
        missing = [r for r in case.roles if r not in ("csms", "ev", "card_reader", "swap_bay") and r not in self.config.roles]
        if "card_reader" in case.roles and self.charger is None:
            missing.append("card_reader (a driver at the DUT's reader and terminal)")
        if "swap_bay" in case.roles and (self.charger is None or not self.charger.config.swap_slots):
            missing.append("swap_bay (the DUT is no battery swap station)")
        if "ev" in case.roles and self.charger is None and not (self.config.dut.secc_address or  # type: ignore[union-attr]
                                                                  self.config.dut.secc_interface):  # type: ignore[union-attr]
            missing.append("ev (the rig's [dut] names no SECC)")
        if missing:
            return _not_run(case, f"the rig lacks {', '.join(missing)}", verdict="skipped")
        ctx = CaseContext(self, case)
        self._case_marks = []
        self._track_links()
        self._case_marks = [(link, len(link.received)) for link, _ in self._case_marks]
        t0 = self.recorder.start_case()
        self.recorder.note(f"{case.id} starts: {case.title}")
        started, clock = _now(), time.monotonic()
        error: BaseException | None = None
        try:
            async with asyncio.timeout(case.timeout_s) as ctx.deadline:
                await case.body(ctx)
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # noqa: BLE001 - every way a case ends becomes its verdict
            error = e
            self.recorder.note(f"{case.id} ended with {type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}")
        verdict, reason = of_exception(error, case.timeout_s + ctx.extended_s)
        measurements = ctx.measure.judged()
        verdict, reason = with_measurements(verdict, reason, measurements)
        try:
            await ctx.ev.stop()
            await ctx.csms.restore()
        except Exception as e:  # noqa: BLE001 - a restore failure is the bench's, reported with the case
            self.recorder.note(f"{case.id}: restoring after the case failed: {e}")
        self.recorder.note(f"{case.id}: {verdict}" + (f" — {reason}" if reason else ""))
        trace = self.recorder.end_case(case.id)
        return {**case.summary(), "verdict": verdict, "reason": reason, "started_at": started, "t0_ns": t0,
                "t_end_ns": time.monotonic_ns(), "duration_s": round(time.monotonic() - clock, 3), "measurements": measurements,
                "series": [s.as_record() for s in ctx.series_list], "trace": trace}

    async def _known_state(self) -> None:
        """Between cases: the EV unplugged, no transaction, no charging profile, the DUT connected."""
        try:
            await baseline.known_state(self)
        except Exception as e:  # noqa: BLE001 - the next case will see it (its own error verdict)
            self.recorder.note(f"bringing the DUT back to its known state failed: {e}")

    # ---- the record ----------------------------------------------------------------------------
    def _write_record(self, aborted: str | None) -> dict[str, Any]:
        from hilbench import __version__

        summary = {v: 0 for v in ("pass", "fail", "error", "inconclusive", "skipped")}
        for r in self.results:
            summary[r["verdict"]] += 1
        instruments = []
        if self.rig is not None or self.config.instruments:
            for name, inst in self.config.instruments.items():
                instruments.append({"name": name, "role": inst.role, "model": inst.model.id, "address": inst.address,
                                    "identity": self.identities.get(name)})
        dut = self.config.dut
        assert dut is not None
        record = {
            "hilbench": {"version": __version__, "git_commit": baseline.git_commit()},
            "host": {"hostname": platform.node(), "platform": platform.platform(), "python": platform.python_version(),
                     "cpus": os.cpu_count()},
            "started_at": self.started_at, "ended_at": _now(), "time_scale": 1.0,
            "rig": {"path": str(self.config.path), "name": self.config.name, "instruments": instruments},
            "dut": {"kind": dut.kind, "station_id": dut.station_id, "boot": self.boot,
                    "secc": {"address": f"[{self.charger.config.secc_host}]:{self.charger.secc_port}"}
                    if self.charger is not None and self.charger.secc_port else None,
                    "faults": sorted(self.faults)},
            "aborted": aborted,
            "summary": summary,
            "cases": self.results,
        }
        record = _finite(record)
        path = self.out_dir / "record.json"
        path.write_text(json.dumps(record, indent=1, default=str, allow_nan=False), encoding="utf-8")
        return record


def _finite(value: Any) -> Any:
    """The record as strict JSON: a value that is not a finite number becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _not_run(case: Case, reason: str, verdict: str = "error") -> dict[str, Any]:
    return {**case.summary(), "verdict": verdict, "reason": reason, "started_at": None, "t0_ns": None, "duration_s": 0.0,
            "measurements": [m.as_record(None, "unset") for m in case.measurements], "series": [], "trace": None}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _first(link: OcppLink, action: str, timeout: float) -> dict[str, Any] | None:
    """The DUT's first ``action`` on ``link`` (already received, or within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ev in link.received:
            if ev.action == action:
                return ev.payload
        await asyncio.sleep(0.02)
    return None
