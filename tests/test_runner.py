"""The campaign runner as a lab uses it: the command line's exit codes and files, a fault named on
screen and in the record, a protocol-only rig with an external station (an ``ocpp``-library one),
and every way a campaign can go wrong kept apart from a finding — an instrument that fails, a case
that raises or hangs, a DUT that never connects or goes away, Ctrl-C."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hilbench.cases.model import Case, Measurement, library
from hilbench.rig_file import load_rig
from hilbench.runner.campaign import Campaign
from hilbench.runner.context import CaseContext
from tests.procs import HILBENCH, popen

CASES = library()


def _case(id: str, body: Any, roles: tuple[str, ...] = ("csms",), timeout_s: float = 10.0,
          measurements: tuple[Measurement, ...] = (Measurement("x", low=0),)) -> Case:
    return Case(id, f"ad hoc {id}", "T", ("T01",), ("T01.FR.01",), roles, measurements, body, timeout_s=timeout_s,
                kills=("slow-setpoint-ramp",))


def _campaign(tmp_path: Path, cases: list[Case], rig: Any = "sim", **kw: Any) -> dict[str, Any]:
    config = load_rig(rig) if not isinstance(rig, Path) else load_rig(rig)
    return asyncio.run(Campaign(config, cases, tmp_path, **kw).run())


def test_cli_with_a_fault_exits_1_and_names_the_case(tmp_path: Path) -> None:
    p = subprocess.run([*HILBENCH, "run", "--rig", "sim", "-k", "HB_B_05_CS", "--fault", "heartbeat-interval-ignored",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=180)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "fail HB_B_05_CS" in " ".join(p.stdout.split()) and "Heartbeat" in p.stdout
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["dut"]["faults"] == ["heartbeat-interval-ignored"]
    assert [(c["id"], c["verdict"]) for c in record["cases"]] == [("HB_B_05_CS", "fail")]
    assert {f.name for f in tmp_path.iterdir()} >= {"record.json", "junit.xml", "report.html", "trace"}


@pytest.mark.parametrize(("args", "message"), [
    (["--block", "Q9"], "--block Q9: no case in block Q9"),
    (["--fault", "no-such-fault"], "unknown fault 'no-such-fault'"),
    (["-k", "nothing-matches-this"], "no case matches the selection"),
])
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    p = subprocess.run([*HILBENCH, "run", "--rig", "sim", "--out", str(tmp_path), *args], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2 and message in p.stderr and "Traceback" not in p.stderr


def test_an_instrument_fault_is_an_error_and_the_next_case_runs(tmp_path: Path) -> None:
    async def analyzer_lost(ctx: CaseContext) -> None:
        ctx.campaign.rig.sim.devices["analyzer"].faults.add("disconnect")  # type: ignore[union-attr]
        try:
            await ctx.io(ctx.power_analyzer.read)
        finally:
            ctx.campaign.rig.sim.devices["analyzer"].faults.discard("disconnect")  # type: ignore[union-attr]
    record = _campaign(tmp_path, [_case("HB_T_01_CS", analyzer_lost, ("csms", "power_analyzer")), CASES["HB_B_06_CS"]])
    verdicts = {c["id"]: c["verdict"] for c in record["cases"]}
    assert verdicts == {"HB_T_01_CS": "error", "HB_B_06_CS": "pass"}, record["cases"]
    assert "Instrument" in record["cases"][0]["reason"]


def test_a_case_that_raises_or_hangs_is_an_error(tmp_path: Path) -> None:
    async def raises(ctx: CaseContext) -> None:
        raise ZeroDivisionError("a bug in the case")

    async def hangs(ctx: CaseContext) -> None:
        await asyncio.sleep(3600)

    async def forgets(ctx: CaseContext) -> None:
        pass
    record = _campaign(tmp_path, [_case("HB_T_02_CS", raises), _case("HB_T_03_CS", hangs, timeout_s=1.0),
                                  _case("HB_T_04_CS", forgets), CASES["HB_B_06_CS"]])
    by_id = {c["id"]: c for c in record["cases"]}
    assert by_id["HB_T_02_CS"]["verdict"] == "error" and "ZeroDivisionError" in by_id["HB_T_02_CS"]["reason"]
    assert by_id["HB_T_03_CS"]["verdict"] == "error" and "within its 1 s" in by_id["HB_T_03_CS"]["reason"]
    assert by_id["HB_T_04_CS"]["verdict"] == "error" and "did not measure x" in by_id["HB_T_04_CS"]["reason"]
    assert by_id["HB_B_06_CS"]["verdict"] == "pass"


def test_a_dut_that_goes_away_mid_case_is_an_error(tmp_path: Path) -> None:
    async def dut_gone(ctx: CaseContext) -> None:
        await ctx.io(ctx.grid_simulator.output, False)  # the charger loses its supply
        await asyncio.sleep(0.5)
        await ctx.csms.call("GetVariables", {"getVariableData": []})
    record = _campaign(tmp_path, [_case("HB_T_05_CS", dut_gone, ("csms", "grid_simulator")), CASES["HB_B_06_CS"]])
    verdicts = {c["id"]: (c["verdict"], c["reason"]) for c in record["cases"]}
    assert verdicts["HB_T_05_CS"][0] == "error" and "not connected" in verdicts["HB_T_05_CS"][1]
    assert verdicts["HB_B_06_CS"][0] == "pass"  # the grid comes back in the known state: the charger boots again


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _desk_rig(tmp_path: Path, port: int) -> Path:
    rig = tmp_path / "desk.toml"
    rig.write_text(f'[rig]\nname = "desk"\n[csms]\nport = {port}\n[dut]\nkind = "external"\nstation_id = "LIB-DUT"\n')
    return rig


def test_a_dut_that_never_connects(tmp_path: Path) -> None:
    rig = _desk_rig(tmp_path, _free_port())
    p = subprocess.run([*HILBENCH, "run", "--rig", str(rig), "--block", "RPC", "--connect-timeout", "1",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stdout + p.stderr
    record = json.loads((tmp_path / "out" / "record.json").read_text())
    assert "did not connect within 1 s" in record["aborted"]
    assert {c["verdict"] for c in record["cases"]} == {"error"}


def test_protocol_only_rig_with_an_ocpp_library_station(tmp_path: Path) -> None:
    """No instruments: the cases that need one are skipped, naming the role; the framing cases run
    against a station written with the ``ocpp`` library. It answers a schema violation and a valid
    call as it must; it does not answer an unknown 2.1 action at all (ocpp 2.1.0 raises no error
    for an action it has no handler for under 2.1) — a finding about the peer, which the case
    reports as a fail with that reason."""
    from ocpp.routing import on
    from ocpp.v21 import ChargePoint, call, call_result
    from websockets.asyncio.client import connect

    port = _free_port()
    rig = _desk_rig(tmp_path, port)
    selected = [CASES[i] for i in ("HB_RPC_01_CS", "HB_RPC_02_CS", "HB_RPC_04_CS", "HB_E_02_CS", "HB_J_02_ACC_CS")]

    class LibStation(ChargePoint):  # type: ignore[misc]
        @on("GetVariables")
        async def get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
            return call_result.GetVariables(get_variable_result=[
                {"attribute_status": "Accepted", "attribute_value": "60", "component": d["component"],
                 "variable": d["variable"]} for d in get_variable_data])

        @on("ClearChargingProfile")
        async def clear(self, **_: Any) -> Any:
            return call_result.ClearChargingProfile(status="Unknown")

    async def station() -> None:
        for _ in range(100):
            try:
                ws = await connect(f"ws://127.0.0.1:{port}/ocpp/LIB-DUT", subprotocols=["ocpp2.1"])  # type: ignore[list-item]
                break
            except OSError:
                await asyncio.sleep(0.1)
        cp = LibStation("LIB-DUT", ws)
        task = asyncio.create_task(cp.start())
        await cp.call(call.BootNotification(charging_station={"model": "Lib", "vendor_name": "LibVendor"}, reason="PowerUp"))
        await task

    async def main() -> dict[str, Any]:
        peer = asyncio.create_task(station())
        try:
            return await Campaign(load_rig(rig), selected, tmp_path / "out", connect_timeout_s=20).run()
        finally:
            peer.cancel()

    record = asyncio.run(main())
    by_id = {c["id"]: c for c in record["cases"]}
    assert record["dut"]["boot"]["chargingStation"]["vendorName"] == "LibVendor"
    for i in ("HB_RPC_02_CS", "HB_RPC_04_CS"):
        assert by_id[i]["verdict"] == "pass", by_id[i]
    assert by_id["HB_RPC_01_CS"]["verdict"] == "fail" and "no answer" in by_id["HB_RPC_01_CS"]["reason"]
    assert by_id["HB_E_02_CS"]["verdict"] == "skipped" and "ev_emulator" in by_id["HB_E_02_CS"]["reason"]
    assert by_id["HB_J_02_ACC_CS"]["verdict"] == "skipped" and "power_analyzer" in by_id["HB_J_02_ACC_CS"]["reason"]


def test_ctrl_c_writes_the_partial_record_with_outputs_off(tmp_path: Path) -> None:
    run = popen([*HILBENCH, "run", "--rig", "sim", "--block", "E", "--out", str(tmp_path)], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
    time.sleep(12)  # a few cases in
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode != 0 and "Traceback" not in err, err[-3000:]
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["aborted"] and "interrupted" in record["aborted"]
    ran = [c for c in record["cases"] if c["started_at"]]
    assert ran and all(c["verdict"] in ("pass", "error") for c in ran)
    assert dt.datetime.fromisoformat(record["ended_at"].replace("Z", "+00:00"))
    commands = [json.loads(line) for line in (tmp_path / "trace" / "instruments.jsonl").read_text().splitlines()]
    safe = [c["instrument"] for c in commands if c["dir"] == "note" and c["text"] == "safe state"]
    assert set(safe) >= {"battery", "grid", "ev"}, safe[-10:]  # every output off, after the interrupt


async def test_a_stopping_campaign_is_not_held_by_the_bench_ev_stopping() -> None:
    """Ctrl-C cancels the campaign while the bench EV's session is being ended: the cancellation
    must go on (it had been taken for the session task's own and swallowed, and the campaign ran
    on with the rig's outputs on)."""
    from types import SimpleNamespace

    from hilbench.runner.context import EvView

    ev = EvView.__new__(EvView)
    ev.evcc = SimpleNamespace(loop_reports=[{}], stop_charging=lambda: None)  # type: ignore[assignment]
    ev._task = asyncio.create_task(asyncio.sleep(60))  # a session that does not end by itself
    stopping = asyncio.create_task(ev.stop(timeout=30))
    await asyncio.sleep(0.1)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    await asyncio.sleep(0)
    assert ev._task is None or ev._task.cancelled()
