"""What the campaign runner adds per frame (run: make bench): recording one OCPP-J frame through the
bench CSMS's recording hook, and writing a case's trace file per frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from hilbench.runner.recorder import Recorder

FRAME = '[2,"19223201","TransactionEvent",{"eventType":"Updated","timestamp":"2026-12-04T12:00:00.000Z",' \
        '"triggerReason":"MeterValuePeriodic","seqNo":4,"transactionInfo":{"transactionId":"b7d1"},' \
        '"meterValue":[{"timestamp":"2026-12-04T12:00:00.000Z","sampledValue":[{"value":1234.5}]}]}]'


@pytest.mark.benchmark(group="runner")
def test_record_one_frame(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(tmp_path / "trace")
    hook = recorder.ocpp_hook("HB-VC-001")
    benchmark(hook, "in", FRAME)


@pytest.mark.benchmark(group="runner")
def test_write_a_case_of_10000_frames(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(tmp_path / "trace")
    hook = recorder.ocpp_hook("HB-VC-001")

    def case() -> None:
        recorder.start_case()
        for _ in range(10_000):
            hook("in", FRAME)
        recorder.end_case("HB_B_01_CS")
    benchmark.pedantic(case, rounds=5, iterations=1)
