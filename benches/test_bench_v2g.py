"""ISO 15118-20 EXI through hilbench's codec, called from Python (run: make bench). The side-by-side
with Josev's EXIficient codec (in .venv-peers) comes with the interop step of the V2G issue."""

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
