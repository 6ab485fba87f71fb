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
