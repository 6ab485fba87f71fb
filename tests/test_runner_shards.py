"""A campaign split into shards (``hilbench.runner.shards``): the cases dealt out evenly by weight,
each shard in library order, and the shards' records merged into one."""

from __future__ import annotations

import pytest

from hilbench.cases.model import library
from hilbench.errors import ConfigError
from hilbench.runner.select import select
from hilbench.runner.shards import deal, merge, plan, weight


def test_every_case_goes_to_one_shard_in_library_order_and_the_loads_are_even() -> None:
    cases = select(library())
    parts = deal(cases, 2)
    assert sorted(c.id for p in parts for c in p) == sorted(c.id for c in cases)
    order = [c.id for c in cases]
    for p in parts:
        assert [c.id for c in p] == [i for i in order if i in {c.id for c in p}]
    loads = [sum(weight(c) for c in p) for p in parts]
    assert abs(loads[0] - loads[1]) <= max(weight(c) for c in cases)


def test_merged_record_has_one_summary_and_the_cases_in_order() -> None:
    def record(ids_verdicts: list[tuple[str, str]], start: str, end: str, aborted: str | None = None) -> dict[str, object]:
        return {"hilbench": {"version": "x"}, "started_at": start, "ended_at": end, "aborted": aborted, "dut": {"station_id": "A"},
                "summary": {}, "cases": [{"id": i, "verdict": v} for i, v in ids_verdicts]}

    merged = merge([record([("B", "pass"), ("D", "fail")], "2026-01-01T00:00:01Z", "2026-01-01T00:01:00Z"),
                    record([("A", "skipped"), ("C", "pass")], "2026-01-01T00:00:00Z", "2026-01-01T00:00:50Z", "Ctrl-C")],
                   ["A", "B", "C", "D"])
    assert [c["id"] for c in merged["cases"]] == ["A", "B", "C", "D"]
    assert merged["summary"] == {"pass": 2, "fail": 1, "error": 0, "inconclusive": 0, "skipped": 1}
    assert (merged["started_at"], merged["ended_at"]) == ("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z")
    assert merged["aborted"] == "shard 2: Ctrl-C" and len(merged["shards"]) == 2


def test_an_unknown_case_id_is_a_usage_error() -> None:
    with pytest.raises(ConfigError, match="--case HB_X_99_CS: no such case"):
        select(library(), ids=["HB_X_99_CS"])


def test_the_swap_station_cases_get_a_shard_on_its_rig() -> None:
    cases = select(library())
    parts = plan("sim", cases, 2, swap_rig="sim-swap")
    assert [rig for rig, _ in parts] == ["sim", "sim", "sim-swap"]
    assert {c.block for c in parts[2][1]} == {"S"} and all(c.block != "S" for _rig, p in parts[:2] for c in p)
