"""Stop signals for long-running commands, whatever the parent process did with them.

A process started in the background by a non-interactive shell (``cmd &`` in a script, ``nohup``,
some CI runners and service managers) inherits SIGINT as *ignored*, and CPython then installs no
KeyboardInterrupt handler: such a process would never stop on Ctrl-C or ``kill -INT``, and a rig it
drives would keep its outputs on. Every long-running command therefore calls :func:`stop_on_signals`
first: SIGINT raises KeyboardInterrupt again (so ``asyncio.run`` cancels its main task as on a
terminal's Ctrl-C) and SIGTERM does the same, so one ``except KeyboardInterrupt`` path (outputs off,
record written) serves both."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def stop_on_signals() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread from now on (no-op elsewhere:
    Python delivers signals to the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)


def interruptible_sigint() -> Any:
    """Makes SIGINT raise KeyboardInterrupt when it is ignored or at its default (a library such as
    the rig calls this so that Ctrl-C reaches its safe state); returns the previous handler for
    :func:`restore`, or None when nothing was changed."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, signal.SIG_DFL, None):
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return previous
    return None


def restore(signum: int, previous: Any) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signum, previous)
