"""Child processes for tests that signal them: started with SIGINT at its default (or, to test that
case, ignored) whatever this pytest process inherited, so the suite behaves the same when it runs
as a background job (which inherits SIGINT as ignored)."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

HILBENCH = [sys.executable, "-m", "hilbench"]


def popen(args: list[str], *, sigint: str = "default", **kw: Any) -> subprocess.Popen[str]:
    """``args`` started with SIGINT ``"default"`` or ``"ignored"`` (as a background job gets it)."""
    handler = {"default": signal.SIG_DFL, "ignored": signal.SIG_IGN}[sigint]
    kw.setdefault("text", True)
    return subprocess.Popen(args, preexec_fn=lambda: signal.signal(signal.SIGINT, handler), **kw)  # noqa: PLW1509
