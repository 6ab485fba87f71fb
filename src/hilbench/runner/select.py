"""Which cases a campaign runs: by functional block (A, B, E, ...), by a pattern on the id or the
title (``-k``: a case-insensitive substring, or a shell pattern with * and ?), by tag, by id. Cases run in
library order, except that those tagged ``irreversible`` (they change the DUT for good, e.g. a
security profile upgrade) come last."""

from __future__ import annotations

import fnmatch

from hilbench.cases.model import Case
from hilbench.errors import ConfigError


def select(cases: dict[str, Case], *, blocks: list[str] | None = None, pattern: str | None = None,
           tags: list[str] | None = None, ids: list[str] | None = None) -> list[Case]:
    known_blocks = {c.block for c in cases.values()}
    unknown = [i for i in ids or [] if i not in cases]
    if unknown:
        raise ConfigError(f"--case {', '.join(unknown)}: no such case (hilbench cases lists them)")
    for b in blocks or []:
        if b not in known_blocks:
            raise ConfigError(f"--block {b}: no case in block {b} (blocks: {', '.join(sorted(known_blocks))})")
    chosen = []
    for c in cases.values():
        if blocks and c.block not in blocks:
            continue
        if tags and not set(tags) & set(c.tags):
            continue
        if pattern and not matches(pattern, c):
            continue
        if ids and c.id not in ids:
            continue
        chosen.append(c)
    if not chosen:
        raise ConfigError("no case matches the selection")
    return sorted(chosen, key=lambda c: "irreversible" in c.tags)  # stable: library order otherwise


def matches(pattern: str, c: Case) -> bool:
    p = pattern.lower()
    text = f"{c.id} {c.title}".lower()
    if any(ch in p for ch in "*?["):
        return fnmatch.fnmatch(c.id.lower(), p) or fnmatch.fnmatch(text, p)
    return p in text
