"""Campaign records built by hand for the report writers' tests (and benches/test_bench_report.py),
and the checks of ``hilbench.report.record``: a good record loads typed; a broken or incomplete one
is one RecordError naming the file, the JSON path and what is wrong, for every way in."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hilbench.errors import ConfigError, RecordError
from hilbench.report import load_record, write_reports

STATION = "HB-VC-001"
T_BASE = 5_000_000_000_000  # monotonic ns of the campaign's first case
S = 1_000_000_000


# ---- building records -----------------------------------------------------------------------------


def ocpp(t: int, direction: str, frame: list[Any]) -> dict[str, Any]:
    return {"t_ns": t, "channel": "ocpp", "dir": direction, "peer": STATION, "text": json.dumps(frame)}


def v2g(t: int, direction: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"t_ns": t, "channel": "v2g", "dir": direction, "peer": "dut-secc", "text": json.dumps({name: body})}


def scpi(t: int, direction: str, peer: str, text: str) -> dict[str, Any]:
    return {"t_ns": t, "channel": "instrument", "dir": direction, "peer": peer, "text": text}


def note(t: int, text: str) -> dict[str, Any]:
    return {"t_ns": t, "channel": "note", "dir": "note", "peer": "bench", "text": text}


def measurement(name: str, value: Any, unit: str, low: float | None, high: float | None, outcome: str,
                **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "low": low, "high": high, "marginal_low": None,
            "marginal_high": None, "outcome": outcome, **extra}


def series(name: str, unit: str, kind: str, t_ns: list[int] | np.ndarray, values: list[Any] | np.ndarray
           ) -> dict[str, Any]:
    return {"name": name, "unit": unit, "kind": kind, "t_ns": [int(t) for t in t_ns],
            "values": [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values]}


def iso(t0_ns: int) -> str:
    """A wall-clock time for a monotonic one (the campaign started 2026-12-04 21:00 UTC)."""
    ms = (t0_ns - T_BASE) // 1_000_000
    return f"2026-12-04T21:{ms // 60000:02d}:{(ms // 1000) % 60:02d}.{ms % 1000:03d}Z"


def case(cid: str, title: str, block: str, verdict: str, t0: int, duration_s: float, *, reason: str | None = None,
         use_cases: tuple[str, ...] = (), requirements: tuple[str, ...] = (), measurements: list[Any] = (),
         series_: list[Any] = (), trace: list[dict[str, Any]] | None = None) -> tuple[dict[str, Any], Any]:
    started = verdict != "skipped"
    c = {"id": cid, "title": title, "block": block, "use_cases": list(use_cases), "requirements": list(requirements),
         "roles": ["csms", "ev", "dc_supply"], "tags": [], "verdict": verdict, "reason": reason,
         "started_at": iso(t0) if started else None, "t0_ns": t0 if started else None,
         "duration_s": duration_s if started else 0.0, "measurements": list(measurements), "series": list(series_),
         "trace": {"file": f"trace/{cid}.jsonl", "lines": len(trace)} if trace is not None else None}
    return c, trace


def write_record(folder: Path, cases: list[tuple[dict[str, Any], Any]], **top: Any) -> Path:
    """record.json and trace/<id>.jsonl in ``folder``; returns the record's path."""
    (folder / "trace").mkdir(parents=True, exist_ok=True)
    for c, trace in cases:
        if trace is not None:
            with (folder / c["trace"]["file"]).open("w", encoding="utf-8") as f:
                f.writelines(json.dumps(line) + "\n" for line in trace)
    summary = {v: sum(1 for c, _ in cases if c["verdict"] == v) for v in ("pass", "fail", "error", "inconclusive", "skipped")}
    record = {
        "hilbench": {"version": "0.1.0", "git_commit": "abc1234def5678"},
        "started_at": "2026-12-04T21:00:00.000Z", "ended_at": "2026-12-04T21:03:10.500Z", "time_scale": 1.0,
        "rig": {"path": "rigs/sim.toml", "name": "sim", "instruments": [
            {"name": "battery", "role": "dc_supply", "model": "ea-psb-10750-120", "address": "TCPIP0::127.0.0.1::5025::SOCKET",
             "identity": "EA Elektro-Automatik, PSB 10750-120, 2000000001, V3.02"},
            {"name": "grid", "role": "grid_simulator", "model": "chroma-61830", "address": "TCPIP0::127.0.0.1::5026::SOCKET",
             "identity": None}]},
        "dut": {"kind": "virtual", "station_id": STATION,
                "boot": {"reason": "PowerUp", "chargingStation": {"model": "VC-22-BPT", "vendorName": "hilbench",
                                                                  "firmwareVersion": "0.1.0", "serialNumber": "SN-0001"}},
                "secc": {"address": "[::1]:50123"}, "faults": ["slow-setpoint-ramp"]},
        "selection": {"blocks": ["B", "E", "K", "Q", "R"], "pattern": None, "tags": []},
        "aborted": None, "summary": summary, "cases": [c for c, _ in cases],
    }
    record.update(top)
    path = folder / "record.json"
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")
    return path


def boot_case(t0: int) -> tuple[dict[str, Any], Any]:
    trace = [note(t0, "HB_B_01_CS starts: Cold boot"),
             ocpp(t0 + S // 10, "rx", [2, "b-1", "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "VC-22-BPT", "vendorName": "hilbench"}}]),
             ocpp(t0 + S // 5, "tx", [3, "b-1", {"currentTime": "2026-12-04T21:00:00Z", "interval": 300, "status": "Accepted"}]),
             ocpp(t0 + S // 2, "rx", [2, "b-2", "StatusNotification", {"timestamp": "2026-12-04T21:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}]),
             ocpp(t0 + S // 2 + 1000, "tx", [3, "b-2", {}]),
             ocpp(t0 + S, "rx", [2, "b-3", "Heartbeat", {}]),
             ocpp(t0 + S + 1000, "tx", [3, "b-3", {"currentTime": "2026-12-04T21:00:01Z"}]),
             note(t0 + 2 * S, "HB_B_01_CS: pass")]
    return case("HB_B_01_CS", "Cold boot: BootNotification accepted, then Available", "B", "pass", t0, 2.1,
                use_cases=("B01",), requirements=("B01.FR.01", "B01.FR.02"), trace=trace,
                measurements=[measurement("boot_time", 0.1, "s", None, 30.0, "pass"),
                              measurement("boot_status", "Accepted", "", None, None, "pass", equals="Accepted")])


def power_series(t0: int, seconds: float, hz: float, setpoints: list[tuple[float, float]], tau_s: float,
                 voltage: float = 400.0, noise: float = 20.0, seed: int = 1) -> dict[str, np.ndarray]:
    """A first-order response to a setpoint schedule [(from s, W), ...], sampled at ``hz``."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, seconds, 1.0 / hz)
    target = np.zeros_like(t)
    for start, w in setpoints:
        target[t >= start] = w
    p = np.zeros_like(t)
    alpha = 1 - math.exp(-1.0 / (hz * tau_s))
    for i in range(1, len(t)):
        p[i] = p[i - 1] + alpha * (target[i] - p[i - 1])
    p += rng.normal(0, noise, len(t))
    v = voltage + p / 2000 + rng.normal(0, 0.2, len(t))
    return {"t_ns": (t0 + t * S).astype(np.int64), "power": p, "voltage": v, "current": p / v}


def v2x_fail_case(t0: int) -> tuple[dict[str, Any], Any]:
    seconds = 30.0
    s = power_series(t0, seconds, 10.0, [(0.0, 0.0), (5.0, -7000.0)], tau_s=6.0)
    trace = [note(t0, "HB_Q_05_CS starts"),
             ocpp(t0 + S, "tx", [2, "q-1", "SetChargingProfile", {"evseId": 1, "chargingProfile": {"id": 7, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Dynamic"}}]),
             ocpp(t0 + S + 30_000_000, "rx", [3, "q-1", {"status": "Accepted"}]),
             v2g(t0 + 2 * S, "tx", "ScheduleExchangeReq", {"MaximumSupportingPoints": 24}),
             v2g(t0 + 2 * S + 40_000_000, "rx", "ScheduleExchangeRes", {"ResponseCode": "OK", "EVSEProcessing": "Finished"})]
    for k in range(60):
        t = t0 + 5 * S + k * S // 3
        trace.append(v2g(t, "tx", "DC_ChargeLoopReq", {"EVPresentVoltage": 400.0}))
        trace.append(v2g(t + 20_000_000, "rx", "DC_ChargeLoopRes", {"ResponseCode": "OK", "EVSEPresentCurrent": -16.0}))
        if k % 10 == 0:
            trace.append(scpi(t + 50_000_000, "cmd", "battery", "MEAS:POW?"))
            trace.append(scpi(t + 60_000_000, "reply", "battery", f"{-6500.0 + k:.1f}"))
    trace.append(ocpp(t0 + 28 * S, "rx", [2, "t-9", "TransactionEvent", {"eventType": "Updated", "triggerReason": "ChargingRateChanged", "seqNo": 9}]))
    trace.append(ocpp(t0 + 28 * S + 1000, "tx", [3, "t-9", {}]))
    trace.append(note(t0 + 29 * S, "HB_Q_05_CS: fail — discharge power -6500 W outside [-7140, -6860] W"))
    sp_t = [t0, t0 + 5 * S, t0 + 30 * S - 1]
    lim_t = [t0 + 10 * S, t0 + 30 * S - 1]
    return case("HB_Q_05_CS", "V2X setpoint from the CSMS: discharge 7 kW", "Q", "fail", t0, seconds,
                reason="discharge power -6500 W outside [-7140, -6860] W 5 s after the setpoint",
                use_cases=("Q05",), requirements=("Q05.FR.01", "Q05.FR.04"), trace=trace,
                measurements=[measurement("discharge_power", -6500.0, "W", -7140.0, -6860.0, "fail"),
                              measurement("setpoint_ack_time", 0.03, "s", None, 5.0, "pass"),
                              {**measurement("grid_voltage", 229.1, "V", 207.0, 253.0, "marginal"),
                               "marginal_low": 230.0, "marginal_high": 250.0}],
                series_=[series("measured power", "W", "measured", s["t_ns"], s["power"]),
                         series("power setpoint", "W", "setpoint", sp_t, [0.0, -7000.0, -7000.0]),
                         series("lower limit", "W", "limit", lim_t, [-7140.0, -7140.0]),
                         series("upper limit", "W", "limit", lim_t, [-6860.0, -6860.0]),
                         series("measured current", "A", "measured", s["t_ns"], s["current"]),
                         series("measured voltage", "V", "measured", s["t_ns"], s["voltage"])])


def charge_case(t0: int) -> tuple[dict[str, Any], Any]:
    s = power_series(t0, 20.0, 10.0, [(1.0, 11000.0)], tau_s=1.5, seed=2)
    trace = [ocpp(t0 + S, "tx", [2, "e-1", "RequestStartTransaction", {"idToken": {"idToken": "TAG1", "type": "ISO14443"}, "remoteStartId": 1}]),
             ocpp(t0 + S + 5000, "rx", [3, "e-1", {"status": "Accepted"}]),
             ocpp(t0 + 2 * S, "rx", [2, "e-2", "TransactionEvent", {"eventType": "Started", "seqNo": 0}]),
             ocpp(t0 + 2 * S + 1000, "tx", [3, "e-2", {"idTokenInfo": {"status": "Accepted"}}])]
    return case("HB_E_01_CS", "Remote start: energy flows into the EV", "E", "pass", t0, 20.0,
                use_cases=("E01", "F01"), requirements=("E01.FR.01", "F01.FR.01"), trace=trace,
                measurements=[measurement("charge_power", 10985.0, "W", 10780.0, 11220.0, "pass")],
                series_=[series("measured power", "W", "measured", s["t_ns"], s["power"]),
                         series("power setpoint", "W", "setpoint", [t0, t0 + S, t0 + 20 * S - 1], [0.0, 11000.0, 11000.0])])


def error_case(t0: int) -> tuple[dict[str, Any], Any]:
    trace = [ocpp(t0 + S, "tx", [2, "k-1", "SetChargingProfile", {"evseId": 0, "chargingProfile": {"id": 1}}]),
             ocpp(t0 + S + 4000, "rx", [4, "k-1", "FormationViolation", "Payload is syntactically incorrect", {}]),
             scpi(t0 + 2 * S, "cmd", "battery", "MEAS:POW?"),
             note(t0 + 4 * S, "HB_K_01_CS ended with InstrumentTimeout: battery did not answer MEAS:POW? within 2 s")]
    return case("HB_K_01_CS", "TxDefaultProfile on EVSE 0", "K", "error", t0, 4.2,
                reason="InstrumentTimeout: battery did not answer MEAS:POW? within 2 s",
                use_cases=("K01",), requirements=("K01.FR.01",), trace=trace,
                measurements=[measurement("limit_power", None, "W", 0.0, 11000.0, "unset")])


def inconclusive_case(t0: int) -> tuple[dict[str, Any], Any]:
    trace = [v2g(t0 + S, "tx", "DC_ChargeParameterDiscoveryReq", {"EVMaximumChargePower": 11000}),
             v2g(t0 + S + 30_000_000, "rx", "DC_ChargeParameterDiscoveryRes", {"ResponseCode": "FAILED_WrongChargeParameter"}),
             scpi(t0 + 2 * S, "cmd", "grid", "SOUR:FREQ 49.8"), scpi(t0 + 2 * S + 10_000_000, "reply", "grid", "OK")]
    return case("HB_Q_08_CS", "Local V2X control for frequency support", "Q", "inconclusive", t0, 6.0,
                reason="the grid simulator did not reach 49.8 Hz within 5 s: the DUT's response cannot be judged",
                use_cases=("Q08",), requirements=("Q08.FR.01",), trace=trace,
                measurements=[measurement("grid_frequency", 49.95, "Hz", 49.75, 49.85, "fail")])


def skipped_case() -> tuple[dict[str, Any], Any]:
    return case("HB_R_01_CS", "V2X with DER control in the EVSE", "R", "skipped", 0, 0.0,
                reason="needs the role der_controller, which the rig does not have",
                use_cases=("R01",), requirements=("R01.FR.01",))


def sample_record(folder: Path) -> Path:
    """A campaign of every verdict: 2 pass, 1 fail, 1 error, 1 inconclusive, 1 skipped."""
    t = T_BASE
    cases = [boot_case(t), charge_case(t + 10 * S), v2x_fail_case(t + 40 * S), error_case(t + 80 * S),
             inconclusive_case(t + 90 * S), skipped_case()]
    return write_record(folder, cases)


def one_hour_record(folder: Path, seconds: int = 3600) -> Path:
    """A campaign whose V2X case ran for an hour: series at 10 Hz, and a trace with a charge loop
    every 250 ms, the meters polled at 5 Hz and OCPP meter values every 10 s (about 120,000 lines)."""
    t0 = T_BASE + 60 * S
    sched = [(float(k * 300), -7000.0 if k % 2 else 7000.0) for k in range(seconds // 300 + 1)]
    s = power_series(t0, float(seconds), 10.0, sched, tau_s=4.0, seed=3)
    trace_path = folder / "trace" / "HB_Q_06_CS.jsonl"
    trace_path.parent.mkdir(parents=True, exist_ok=True)
    lines = 0
    with trace_path.open("w", encoding="utf-8") as f:
        for ms in range(0, seconds * 1000, 50):
            t = t0 + ms * 1_000_000
            out = []
            if ms % 250 == 0:
                out += [v2g(t, "tx", "DC_ChargeLoopReq", {"EVPresentVoltage": 400.0}),
                        v2g(t + 15_000_000, "rx", "DC_ChargeLoopRes", {"ResponseCode": "OK"})]
            if ms % 200 == 0:
                out += [scpi(t + 20_000_000, "cmd", "battery", "MEAS:POW?"),
                        scpi(t + 25_000_000, "reply", "battery", "-6990.0")]
            if ms % 10_000 == 0:
                out += [ocpp(t + 30_000_000, "rx", [2, f"m-{ms}", "MeterValues", {"evseId": 1, "meterValue": []}]),
                        ocpp(t + 31_000_000, "tx", [3, f"m-{ms}", {}])]
            f.writelines(json.dumps(line) + "\n" for line in out)
            lines += len(out)
        end = t0 + seconds * S - S
        f.write(json.dumps(ocpp(end, "tx", [2, "last-1", "GetVariables", {"getVariableData": []}])) + "\n")
        f.write(json.dumps(note(end + 1000, "HB_Q_06_CS: fail — export energy off by 2.1 %")) + "\n")
        lines += 2
    sp_t = [t0 + int(a * S) for a, _ in sched] + [t0 + seconds * S - 1]
    sp_v = [w for _, w in sched] + [sched[-1][1]]
    long_case = case("HB_Q_06_CS", "External V2X control for an hour", "Q", "fail", t0, float(seconds),
                     reason="export energy off by 2.1 % (limit 1 %)", use_cases=("Q06",), requirements=("Q06.FR.01",),
                     measurements=[measurement("export_energy_error", 2.1, "%", -1.0, 1.0, "fail")],
                     series_=[series("measured power", "W", "measured", s["t_ns"], s["power"]),
                              series("measured current", "A", "measured", s["t_ns"], s["current"]),
                              series("measured voltage", "V", "measured", s["t_ns"], s["voltage"]),
                              series("power setpoint", "W", "setpoint", sp_t, sp_v)],
                     trace=None)
    long_case[0]["trace"] = {"file": "trace/HB_Q_06_CS.jsonl", "lines": lines}
    return write_record(folder, [boot_case(T_BASE), long_case], ended_at="2026-12-04T22:01:10.000Z")


@pytest.fixture
def record_path(tmp_path: Path) -> Path:
    return sample_record(tmp_path / "campaign")


# ---- a good record ------------------------------------------------------------------------------------------


def test_sample_record_loads_typed(record_path: Path) -> None:
    r = load_record(record_path)
    assert [c.verdict for c in r.cases] == ["pass", "pass", "fail", "error", "inconclusive", "skipped"]
    assert r.blocks() == ["B", "E", "Q", "K", "R"]
    assert r.dut.station_id == STATION and r.dut.faults == ("slow-setpoint-ramp",)
    assert r.instruments[0].identity.startswith("EA") and r.instruments[1].identity is None
    fail = r.cases[2]
    assert fail.series[0].t_ns.dtype == np.int64 and fail.series[0].values.dtype == np.float64
    assert fail.trace is not None and fail.trace.path == record_path.parent / "trace" / "HB_Q_05_CS.jsonl"
    assert fail.t0_ns == T_BASE + 40 * S and fail.duration_s == 30.0
    assert r.cases[0].measurements[1].equals == "Accepted"
    skipped = r.cases[5]
    assert skipped.started_at is None and skipped.t0_ns is None and skipped.trace is None


def test_nulls_and_nan_tokens_in_series_are_gaps(tmp_path: Path) -> None:
    """Python's json.dumps writes NaN for a non-finite float; the record shows it as a gap."""
    c, trace = charge_case(T_BASE)
    c["series"][0]["values"][3] = None
    path = write_record(tmp_path, [(c, trace)])
    path.write_text(path.read_text().replace('"values": [\n', '"values": [\n    NaN,\n', 1).replace(
        '"t_ns": [\n', f'"t_ns": [\n    {T_BASE - 1},\n', 1))
    values = load_record(path).cases[0].series[0].values
    assert math.isnan(values[0]) and math.isnan(values[4]) and not math.isnan(values[1])


def test_unknown_keys_are_left_alone(tmp_path: Path) -> None:
    c, trace = boot_case(T_BASE)
    c["kills"] = ["slow-boot"]
    path = write_record(tmp_path, [(c, trace)], host={"name": "lab-7"})
    assert load_record(path).cases[0].id == "HB_B_01_CS"


# ---- broken records: one typed error naming the file, the JSON path and the fault ----------------------------


def _broken(tmp_path: Path, change: Any) -> Path:
    path = sample_record(tmp_path / "campaign")
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    return path


def _drop(d: dict[str, Any], key: str) -> None:
    del d[key]


BROKEN = [
    ("no cases", lambda r: _drop(r, "cases"), ["$.cases: missing"]),
    ("cases not a list", lambda r: r.update(cases={}), ["$.cases: must be a list, not an object"]),
    ("case without verdict", lambda r: _drop(r["cases"][2], "verdict"), ["$.cases[2].verdict: missing (case HB_Q_05_CS)"]),
    ("verdict not one of five", lambda r: r["cases"][1].update(verdict="passed"),
     ["$.cases[1].verdict: must be one of pass, fail, error, inconclusive, skipped, not \"passed\" (case HB_E_01_CS)"]),
    ("verdict null", lambda r: r["cases"][0].update(verdict=None), ["$.cases[0].verdict: must be one of"]),
    ("no summary", lambda r: _drop(r, "summary"), ["$.summary: missing"]),
    ("summary off", lambda r: r["summary"].update(fail=3), ["$.summary.fail: says 3 but 1 case(s) have verdict fail"]),
    ("no dut", lambda r: _drop(r, "dut"), ["$.dut: missing"]),
    ("bad dut kind", lambda r: r["dut"].update(kind="real"), ["$.dut.kind: must be one of virtual, external"]),
    ("bad time", lambda r: r.update(started_at="yesterday"), ["$.started_at: not an ISO 8601 time: 'yesterday'"]),
    ("an empty object", lambda r: r.clear(), ["$.hilbench: missing", "$.rig: missing", "$.cases: missing"]),
    ("series lengths differ", lambda r: r["cases"][2]["series"][0]["values"].pop(),
     ["$.cases[2].series[0].values: has 299 values for 300 times (t_ns) (case HB_Q_05_CS)"]),
    ("series value a string", lambda r: r["cases"][2]["series"][1]["values"].__setitem__(1, "7000"),
     ["$.cases[2].series[1].values[1]: must be a number or null, not \"7000\""]),
    ("series time a float", lambda r: r["cases"][1]["series"][0]["t_ns"].__setitem__(2, 1.5),
     ["$.cases[1].series[0].t_ns[2]: must be an integer (ns), not 1.5"]),
    ("measurement outcome", lambda r: r["cases"][0]["measurements"][0].update(outcome="ok"),
     ["$.cases[0].measurements[0].outcome: must be one of pass, marginal, fail, unset"]),
    ("negative duration", lambda r: r["cases"][0].update(duration_s=-1), ["$.cases[0].duration_s: must not be negative"]),
    ("duplicate id", lambda r: r["cases"][1].update(id="HB_B_01_CS"), ["$.cases[1].id: 'HB_B_01_CS' again (first at $.cases[0])"]),
    ("trace outside the folder", lambda r: r["cases"][0]["trace"].update(file="../../etc/passwd"),
     ["$.cases[0].trace.file: must be a path inside the record's folder, not '../../etc/passwd'"]),
    ("trace absolute", lambda r: r["cases"][0]["trace"].update(file="/etc/passwd"), ["$.cases[0].trace.file: must be a path inside"]),
]


@pytest.mark.parametrize("change,expected", [(c, e) for _, c, e in BROKEN], ids=[n for n, _, _ in BROKEN])
@pytest.mark.parametrize("way_in", ["load_record", "write_reports"])
def test_broken_record_is_one_record_error(tmp_path: Path, change: Any, expected: list[str], way_in: str) -> None:
    path = _broken(tmp_path, change)
    with pytest.raises(RecordError) as err:
        if way_in == "load_record":
            load_record(path)
        else:
            write_reports(path, tmp_path / "out")
    message = str(err.value)
    assert isinstance(err.value, ConfigError)
    assert message.startswith(str(path) + ": ")
    for part in expected:
        assert part in message
    assert "Traceback" not in message and "\n" not in message
    if way_in == "write_reports":
        assert not (tmp_path / "out" / "report.html").exists()


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    def change(r: dict[str, Any]) -> None:
        del r["cases"][0]["verdict"]
        r["cases"][3]["verdict"] = "ok"
        del r["rig"]["name"]
    message = str(pytest.raises(RecordError, load_record, _broken(tmp_path, change)).value)
    assert "3 problems" in message
    assert "$.rig.name: missing" in message and "$.cases[0].verdict: missing" in message
    assert "$.cases[3].verdict: must be one of" in message


def test_a_long_list_of_problems_is_cut(tmp_path: Path) -> None:
    def change(r: dict[str, Any]) -> None:
        for c in r["cases"]:
            c.update(verdict=None, block=1, title=2)
    message = str(pytest.raises(RecordError, load_record, _broken(tmp_path, change)).value)
    assert "18 problems" in message and "and 6 more" in message


@pytest.mark.parametrize("content,expected", [
    ('{"cases": [', "not JSON: Expecting value at line 1 column 12"),
    ("", "not JSON: Expecting value at line 1 column 1"),
    ("[1, 2]", "$: must be an object, not a list"),
    ("null", "$: must be an object, not null"),
])
def test_not_a_record_at_all(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "record.json"
    path.write_text(content)
    assert str(pytest.raises(RecordError, load_record, path).value) == f"{path}: {expected}"


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_bytes(b'{"x": "\xff"}')
    assert "not UTF-8" in str(pytest.raises(RecordError, load_record, path).value)
    missing = tmp_path / "nope.json"
    assert str(pytest.raises(RecordError, load_record, missing).value) == f"{missing}: cannot read: No such file or directory"
    assert "cannot read" in str(pytest.raises(RecordError, load_record, tmp_path).value)


def test_a_missing_trace_is_an_error_when_a_chart_needs_it(tmp_path: Path) -> None:
    path = sample_record(tmp_path / "campaign")
    (path.parent / "trace" / "HB_Q_05_CS.jsonl").unlink()
    message = str(pytest.raises(RecordError, write_reports, path, tmp_path / "out").value)
    assert "HB_Q_05_CS.jsonl: cannot read the trace file of the record" in message

