"""``hilbench mutate`` on a representative subset (the full matrix is `make mutate`): the clean run
all passes, each chosen fault is failed by the case that names it and by no unrelated case, and the
matrix is written as JSON and HTML."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.procs import HILBENCH


def test_a_subset_of_the_matrix(tmp_path: Path) -> None:
    faults = ["heartbeat-interval-ignored", "readonly-variable-accepted", "remote-start-id-missing"]
    p = subprocess.run([*HILBENCH, "mutate", "--rig", "sim", "--out", str(tmp_path), "-k", "HB_B_05",
                        *[a for f in faults for a in ("--fault", f)]], capture_output=True, text=True, timeout=600)
    report = json.loads((tmp_path / "mutation.json").read_text())
    assert report["clean"]["all_pass"], report["clean"]
    assert set(report["cases"]) == {"HB_B_05_CS", "HB_B_05_RO_CS", "HB_B_05_UC_CS", "HB_B_05_RANGE_CS", "HB_B_05_PERSIST_CS"}
    assert report["faults"]["heartbeat-interval-ignored"] == ["HB_B_05_CS"]
    assert report["faults"]["readonly-variable-accepted"] == ["HB_B_05_RO_CS"]
    assert report["faults"]["remote-start-id-missing"] == [] and report["unkilled_faults"] == ["remote-start-id-missing"]
    assert "HB_B_05_UC_CS" in report["cases_killing_nothing"]  # its fault was not among those chosen
    assert p.returncode == 1  # the matrix is incomplete: the command says so
    html = (tmp_path / "mutation.html").read_text()
    assert "heartbeat-interval-ignored" in html and "HB_B_05_RO_CS" in html
