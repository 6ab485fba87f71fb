"""Every long-running command stops on SIGINT and SIGTERM, also when it was started as a background
job and so inherited SIGINT as ignored (Python then installs no KeyboardInterrupt handler of its
own); a rig driven from such a process still reaches its safe state."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.procs import HILBENCH, popen

#: (command, how to tell it is ready from its first line of stdout)
COMMANDS = {
    "sim instruments": (["sim", "instruments", "sim", "--json"], lambda line: "address" in json.loads(line)),
    "csms": (["csms", "--port", "0"], lambda line: line.startswith("CSMS listening on ws://")),
    "v2g secc": (["v2g", "secc", "--no-tls"], lambda line: "listening" in json.loads(line)),
}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_stops_on_a_signal_with_sigint_inherited_as_ignored(command: str, sig: signal.Signals) -> None:
    args, ready = COMMANDS[command]
    child = popen([*HILBENCH, *args], sigint="ignored", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert ready(first), first
        sent = time.monotonic()
        child.send_signal(sig)
        child.wait(5)
        took = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    stderr = child.stderr.read() if child.stderr else ""
    assert took < 2.0, f"{command} took {took:.2f} s to stop on {sig.name}"
    assert "Traceback" not in stderr, stderr[-2000:]
