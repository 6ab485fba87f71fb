"""``hilbench cases --coverage`` counts against the full OCPP use-case list: the shipped list is the
reference table parsed (173 use cases, 1,857 distinct FR ids in the lettered blocks, as the table's
own summary says), every requirement id a case cites is in it, and the report names what is not
covered yet."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hilbench.cases.model import library
from hilbench.cases.use_case_list import DATA, all_requirements, known_requirements, load, parse
from tests.procs import HILBENCH

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ocpp2x-use-cases.md"


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference table is not beside the checkout")
def test_the_shipped_list_is_the_reference_table_parsed() -> None:
    assert parse(REFERENCE.read_text()) == json.loads(DATA.read_text())


def test_the_list_has_every_block_and_use_case() -> None:
    blocks = load()
    assert sorted(blocks) == list("ABCDEFGHIJKLMNOPQRS")
    assert sum(len(b["use_cases"]) for b in blocks.values()) == 173 and len(all_requirements()) == 1857
    assert blocks["Q"]["use_cases"]["Q08"]["requirements"][-2:] == ["Q08.FR.10", "Q08.FR.11"]
    assert blocks["A"]["use_cases"]["A00"]["requirements"][0] == "A00.FR.001"  # three-digit numbers kept


def test_every_cited_ocpp_requirement_is_in_the_list() -> None:
    known = known_requirements()
    cited = {(c.id, r) for c in library().values() for r in c.requirements if ".FR." in r}
    assert cited and not [(i, r) for i, r in cited if r not in known]


def test_the_coverage_report_counts_against_the_list() -> None:
    p = subprocess.run([*HILBENCH, "cases", "--coverage"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = {line.split(":")[0]: line for line in p.stdout.splitlines()}
    assert "of 11" in lines["Q Bidirectional Power Transfer"] and "not cited yet:" in lines["Q Bidirectional Power Transfer"]
    assert "of 5" in lines["R DER Control"] and "cited but not in" not in p.stdout
