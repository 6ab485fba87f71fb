"""ISO 15118-20 through hilbench, called from Python (run: make bench): the EXI codec, side by side
with Josev's EXIficient codec (in .venv-peers) in one run; and what the bench adds to a response
time it measures on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hilbench.v2g import codec

VECTORS = [json.loads(x) for x in (Path(__file__).parent.parent / "tests" / "data" / "v2g" / "exi-vectors.jsonl").read_text().splitlines()]
# The DC_BPT loop messages and a ScheduleExchangeRes with a full (price) schedule, as recorded.
CASES = {name: next(v for v in VECTORS if v["message"] == name and v["session"] in ("dc_bpt", "dc"))
         for name in ("DC_ChargeLoopReq", "DC_ChargeLoopRes", "ScheduleExchangeRes")}


@pytest.mark.benchmark(group="v2g decode")
@pytest.mark.parametrize("name", list(CASES))
def test_decode(benchmark, name: str) -> None:  # type: ignore[no-untyped-def]
    v = CASES[name]
    exi = bytes.fromhex(v["exi_hex"])
    benchmark(codec.decode, exi, v["namespace"])


@pytest.mark.benchmark(group="v2g encode")
@pytest.mark.parametrize("name", list(CASES))
def test_encode(benchmark, name: str) -> None:  # type: ignore[no-untyped-def]
    v = CASES[name]
    message = codec.decode(bytes.fromhex(v["exi_hex"]), v["namespace"])
    benchmark(codec.encode, message, v["namespace"])


JOSEV = Path(__file__).parent.parent / ".venv-peers" / "josev" / "bin" / "python"
JOSEV_TIMING = """
import json, sys, time
from iso15118.shared.exificient_exi_codec import ExificientEXICodec
codec = ExificientEXICodec()
out = {}
for name, ns, hexdata in json.loads(sys.argv[1]):
    exi = bytes.fromhex(hexdata)
    text = codec.decode(exi, ns)
    for _ in range(50):  # warm-up: the JVM compiles the hot paths
        codec.decode(exi, ns); codec.encode(text, ns)
    n = 200
    t = time.perf_counter()
    for _ in range(n):
        codec.decode(exi, ns)
    dec = (time.perf_counter() - t) / n
    t = time.perf_counter()
    for _ in range(n):
        codec.encode(text, ns)
    enc = (time.perf_counter() - t) / n
    out[name] = {"decode_us": dec * 1e6, "encode_us": enc * 1e6}
print(json.dumps(out))
"""


@pytest.mark.benchmark(group="v2g side by side")
def test_side_by_side_with_josev(benchmark) -> None:  # type: ignore[no-untyped-def]
    """Josev's EXIficient codec (in its own venv, through py4j and Java) and hilbench's, on the same
    recorded messages, in one run: the ratio is the figure to quote."""
    import subprocess
    import timeit

    if not JOSEV.exists():
        pytest.skip("Josev is not installed: make peers")
    cases = [(name, v["namespace"], v["exi_hex"]) for name, v in CASES.items()]
    josev = json.loads(subprocess.run([str(JOSEV), "-c", JOSEV_TIMING, json.dumps(cases)], capture_output=True, text=True,
                                      timeout=300, check=True).stdout.strip().splitlines()[-1])
    rows = {}
    for name, ns, hexdata in cases:
        exi = bytes.fromhex(hexdata)
        message = codec.decode(exi, ns)
        n = 5000
        ours_dec = min(timeit.repeat(lambda: codec.decode(exi, ns), number=n, repeat=3)) / n * 1e6
        ours_enc = min(timeit.repeat(lambda: codec.encode(message, ns), number=n, repeat=3)) / n * 1e6
        rows[name] = {"josev_decode_us": round(josev[name]["decode_us"], 1), "hilbench_decode_us": round(ours_dec, 2),
                      "decode_ratio": round(josev[name]["decode_us"] / ours_dec),
                      "josev_encode_us": round(josev[name]["encode_us"], 1), "hilbench_encode_us": round(ours_enc, 2),
                      "encode_ratio": round(josev[name]["encode_us"] / ours_enc)}
        print(f"\n{name}: {rows[name]}")
    benchmark.extra_info.update(rows)
    exi = bytes.fromhex(CASES["DC_ChargeLoopReq"]["exi_hex"])
    benchmark(codec.decode, exi, CASES["DC_ChargeLoopReq"]["namespace"])


SECC_CHILD = """
import asyncio, json, sys
from hilbench.v2g.secc import Secc
from hilbench.v2g.transport import SeccServer
async def main():
    async with SeccServer(Secc) as server:
        print(server.port, flush=True)
        while not server.sessions:
            await asyncio.sleep(0.01)
        print(json.dumps(server.sessions[0].log), flush=True)
asyncio.run(main())
"""


def exchanges(log: list[tuple[str, str, int]], first: str) -> list[tuple[int, int]]:
    """(time a ``first`` message was logged, time the answer to it was), in order."""
    out, pending = [], None
    for direction, _name, ns in log:
        if direction == first:
            pending = ns
        elif pending is not None:
            out.append((pending, ns))
            pending = None
    return out


@pytest.mark.benchmark(group="v2g timing overhead")
def test_timing_overhead_on_loopback(benchmark) -> None:  # type: ignore[no-untyped-def]
    """What the bench adds to a response time it measures: a DC_BPT dynamic session of 2000 loop
    cycles, the bench SECC in its own process, both stamping CLOCK_MONOTONIC. Per exchange, the
    EVCC's measured response time (request handed to the socket → response read) less the SECC's
    own (request read → answer logged) is the bench's share: the loopback both ways, the EVCC's
    wake-up, and all of the bench SECC's work but the stamp itself — it stamps its answer with the
    time the request came in, so its decoding, deciding, encoding and sending all count here. An
    upper bound on what the bench EVCC adds to a real charger's response time."""
    import asyncio
    import statistics
    import subprocess
    import sys

    from hilbench.v2g.ev_model import BatteryEv
    from hilbench.v2g.evcc import Evcc
    from hilbench.v2g.transport import run_evcc

    secc = subprocess.Popen([sys.executable, "-c", SECC_CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert secc.stdout is not None
        port = int(secc.stdout.readline())
        session = lambda: asyncio.run(run_evcc(Evcc("DC_BPT", "dynamic", ev=BatteryEv(loop_cycles=2000)), "::1", port))  # noqa: E731
        evcc = benchmark.pedantic(session, rounds=1, iterations=1)  # the whole session is the timed run
        secc_log = json.loads(secc.stdout.readline())
    finally:
        secc.wait(timeout=30)
    assert evcc.ended is not None and evcc.ended.ok
    ours = [(x.request_ns, x.response_ns) for x in evcc.timing.exchanges]
    theirs = exchanges([tuple(x) for x in secc_log], "in")
    assert len(ours) == len(theirs) > 2000
    overhead_us = sorted(((r - q) - (a - b)) / 1e3 for (q, r), (b, a) in zip(ours, theirs, strict=True))
    p50, p99 = statistics.median(overhead_us), overhead_us[int(len(overhead_us) * 0.99)]
    row = {"exchanges": len(overhead_us), "p50_us": round(p50, 1), "p99_us": round(p99, 1), "max_us": round(overhead_us[-1], 1)}
    print(f"\nbench overhead on a loopback response time: {row}")
    benchmark.extra_info.update(row)
