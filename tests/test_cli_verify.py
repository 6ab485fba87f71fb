"""`hilbench verify FILE`: table or JSON lines, exit code 1 on any invalid record."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from hilbench.ocpp import frames
from hilbench.ocpp.trace import TraceWriter
from tests.ocmf_records import Signer, payload, reading

METER = Signer("brainpool256r1")
KEY = METER.public_key_hex
BEGIN = METER.record(payload(pg="T1", readings=[reading("2026-11-25T10:00:00,000+0100 S", "B", 10.0)]))
END = METER.record(payload(pg="T2", readings=[reading("2026-11-25T10:30:00,000+0100 S", "E", 17.5)]))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hilbench", "verify", *args], capture_output=True, text=True, timeout=120)


def jsonl(path: Path, *lines: object) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def verdicts(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_valid_records_exit_0(tmp_path: Path) -> None:
    f = jsonl(tmp_path / "r.jsonl", {"ocmf": BEGIN, "public_key": KEY}, {"ocmf": END, "public_key": KEY})
    p = run(str(f), "--json")
    assert p.returncode == 0, p.stderr
    rows = verdicts(p.stdout)
    assert [(r["index"], r["valid"], r["reason"], r["curve"], r["pagination"]) for r in rows] == [
        (0, True, None, "brainpool256r1", "T1"),
        (1, True, None, "brainpool256r1", "T2"),
    ]
    table = run(str(f))
    assert table.returncode == 0 and "2 records: 2 valid, 0 invalid" in table.stdout


def test_bad_lines_fail_alone(tmp_path: Path) -> None:
    f = jsonl(
        tmp_path / "r.jsonl",
        {"ocmf": BEGIN, "public_key": KEY},
        "{not json",
        {"ocmf": END.replace("17.5", "17.6"), "public_key": KEY},
        [1, 2],
        {"something": "else"},
        END,  # bare OCMF line: the key comes from --public-key
    )
    p = run(str(f), "--json", "--public-key", KEY)
    assert p.returncode == 1
    rows = verdicts(p.stdout)
    assert [r["valid"] for r in rows] == [True, False, False, False, False, True]
    assert rows[1]["reason"].startswith("line 2: not JSON")
    assert rows[2]["reason"] == "signature: does not match the payload and the public key"
    assert rows[3]["reason"] == "line 4: a JSON list, not an object"
    assert rows[4]["reason"] == "line 5: neither an OCMF record, a SignedMeterValue nor a trace line"


def test_transaction_option(tmp_path: Path) -> None:
    f = jsonl(tmp_path / "r.jsonl", {"ocmf": BEGIN, "public_key": KEY}, {"ocmf": END, "public_key": KEY})
    p = run(str(f), "--json", "--transaction")
    assert p.returncode == 0, p.stdout
    report = verdicts(p.stdout)[-1]["transaction"]
    assert report["valid"] and report["energy_wh"] == 7500.0
    only_end = jsonl(tmp_path / "e.jsonl", {"ocmf": END, "public_key": KEY})
    p = run(str(only_end), "--transaction")
    assert p.returncode == 1 and "without a begin (TX=B)" in p.stdout.replace("\n", "")


def test_signed_meter_values_in_a_trace(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "trace.jsonl", "CS-1")
    b64key = base64.b64encode(f"oca:base16:asn1:{KEY}".encode()).decode()
    for n, (record, key) in enumerate([(BEGIN, b64key), (END, None)]):
        smv = {"signedMeterData": base64.b64encode(record.encode()).decode(), "encodingMethod": "OCMF"}
        if key:
            smv["publicKey"] = key  # PublicKeyWithSignedMeterValue = OncePerTransaction
        event = {"eventType": "Started" if n == 0 else "Ended", "timestamp": "2026-11-25T09:00:00Z",
                 "triggerReason": "Authorized", "seqNo": n, "transactionInfo": {"transactionId": "T-1"},
                 "meterValue": [{"timestamp": "2026-11-25T09:00:00Z", "sampledValue": [
                     {"value": 10.0, "signedMeterValue": smv}]}]}
        frames.validate_payload("TransactionEvent", event)
        trace.write("rx", frames.call(f"id-{n}", "TransactionEvent", event))
        trace.write("tx", frames.call_result(f"id-{n}", {}))
    trace.write("note", "closed")
    trace.close()
    p = run(str(tmp_path / "trace.jsonl"), "--json", "--transaction")
    assert p.returncode == 0, p.stdout
    rows = verdicts(p.stdout)
    assert [r["where"] for r in rows[:2]] == [
        "line 1 TransactionEvent meterValue[0].sampledValue[0]",
        "line 3 TransactionEvent meterValue[0].sampledValue[0]",
    ]
    assert all(r["valid"] for r in rows[:2]) and rows[2]["transaction"]["energy_wh"] == 7500.0


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    p = run(str(tmp_path / "nope.jsonl"))
    assert p.returncode == 2 and "nope.jsonl: no such file" in p.stderr


def test_table_mode_streams_a_large_file(tmp_path: Path) -> None:
    """Rows appear while the file is read, in constant memory: the first row long before the end,
    and the peak memory of a 30,000-record file (about 20 MB) like that of a small one."""
    import os
    import time

    line = json.dumps({"ocmf": BEGIN, "public_key": KEY}) + "\n"

    def peak_kb(records: int) -> tuple[int, float, float]:
        f = tmp_path / f"big-{records}.jsonl"
        f.write_text(line * records)
        t0 = time.monotonic()
        p = subprocess.Popen([sys.executable, "-m", "hilbench", "verify", str(f)], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None
        p.stdout.readline()  # the header
        first = time.monotonic() - t0
        rows = sum(1 for _ in p.stdout)
        _pid, status, usage = os.wait4(p.pid, 0)  # this child's own peak memory
        total = time.monotonic() - t0
        assert os.waitstatus_to_exitcode(status) == 0 and rows == records + 1  # the rows and the summary line
        return usage.ru_maxrss, first, total

    small_kb, _, _ = peak_kb(100)
    big_kb, first, total = peak_kb(30_000)
    assert first < total / 2, (first, total)
    assert big_kb < small_kb + 60_000, (small_kb, big_kb)  # not the file's 20 MB several times over
