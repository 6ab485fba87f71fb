"""``hilbench cases --coverage``: per functional block, the use cases and requirement ids the library
covers."""

from __future__ import annotations

from hilbench.cases.model import Case


def coverage_lines(cases: dict[str, Case]) -> list[str]:
    blocks: dict[str, dict[str, set[str]]] = {}
    for c in cases.values():
        b = blocks.setdefault(c.block, {"use_cases": set(), "requirements": set(), "cases": set()})
        b["use_cases"] |= set(c.use_cases)
        b["requirements"] |= set(c.requirements)
        b["cases"].add(c.id)
    lines = []
    for block, b in sorted(blocks.items()):
        lines.append(f"{block}: {len(b['cases'])} cases; use cases {', '.join(sorted(b['use_cases']))}; "
                     f"{len(b['requirements'])} requirement ids")
    return lines
