"""The hand-written stubs of hilbench._core match the compiled module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_stubs_match_extension() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "hilbench._core",
                          "--allowlist", str(ROOT / ".mypy-stubtest-allowlist")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
