"""SCPI header matching for the simulated instruments: long and short forms (`SOURce` matches
`SOUR` and `SOURCE`), any case, optional nodes in brackets (`[SOURce:]VOLTage`), numeric suffixes
where the pattern says ``<n>`` (`ITEM<n>` matches `ITEM12`)."""

from __future__ import annotations

import re
from functools import lru_cache

@lru_cache(maxsize=None)
def _nodes(pattern: str) -> tuple[tuple[str, str, bool, bool], ...]:
    """(short, long, optional, numbered) per node of a pattern such as ``[SOURce:]VOLTage?``."""
    out = []
    for part in re.findall(r"\[[^\]]*\]|[^:\[\]]+", pattern):
        optional = part.startswith("[")
        word = part.strip("[]:")
        numbered = word.endswith("<n>")
        word = word.removesuffix("<n>")
        short = "".join(c for c in word if c.isupper() or c.isdigit() or c == "*") or word.upper()
        out.append((short, word.upper(), optional, numbered))
    return tuple(out)


def matches(header: str, pattern: str) -> bool:
    """Whether a received header (``SOUR:VOLT?``, ``:source:voltage``) is the pattern's command."""
    if header.endswith("?") != pattern.endswith("?"):
        return False
    words = [w.upper() for w in header.rstrip("?").lstrip(":").split(":")]
    nodes = _nodes(pattern.rstrip("?"))

    def walk(i: int, k: int) -> bool:
        if k == len(nodes):
            return i == len(words)
        short, long, optional, numbered = nodes[k]
        if i < len(words):
            word = words[i].rstrip("0123456789") if numbered else words[i]
            if word in (short, long) and walk(i + 1, k + 1):
                return True
        return optional and walk(i, k + 1)

    return walk(0, 0)


def suffix(header: str, default: int = 1) -> int:
    """The numeric suffix of a header's last node (``:NUM:NORM:ITEM12`` → 12)."""
    m = re.search(r"(\d+)\??$", header)
    return int(m.group(1)) if m else default
