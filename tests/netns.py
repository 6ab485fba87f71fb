"""A veth pair with one end in a new network namespace, for tests that need two IPv6 link-local
hosts (SDP, Josev): created for the test and removed after it."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hilbench.v2g import sdp


def _settled(command: list[str]) -> bool:
    out = subprocess.run(command, capture_output=True, text=True).stdout
    return "inet6" in out and "tentative" not in out


@contextmanager
def veth_pair() -> Iterator[tuple[str, str, str]]:
    """(namespace, our end, its end), both ends up with their link-local addresses settled."""
    if shutil.which("ip") is None:
        pytest.skip("no ip(8) to create network namespaces")
    tag = uuid.uuid4().hex[:6]
    ns, ours, theirs = f"hb{tag}", f"hbs{tag}", f"hbe{tag}"
    created = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if created.returncode != 0:
        pytest.skip(f"the kernel refuses network namespaces here: {created.stderr.strip()}")
    try:
        for cmd in (["ip", "link", "add", ours, "type", "veth", "peer", "name", theirs], ["ip", "link", "set", theirs, "netns", ns],
                    ["ip", "link", "set", ours, "up"], ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
                    ["ip", "netns", "exec", ns, "ip", "link", "set", theirs, "up"]):
            subprocess.run(cmd, check=True, capture_output=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # duplicate address detection
            here = _settled(["ip", "-6", "addr", "show", "dev", ours, "scope", "link"])
            there = _settled(["ip", "netns", "exec", ns, "ip", "-6", "addr", "show", "dev", theirs, "scope", "link"])
            if here and there:
                sdp.link_local_address(ours)
                break
            time.sleep(0.1)
        yield ns, ours, theirs
    finally:
        subprocess.run(["ip", "link", "del", ours], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
