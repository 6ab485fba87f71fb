"""The OCPP 2.0.1 / 2.1 use cases and their functional requirement ids, per functional block, as the
campaign's coverage counts them: ``use_cases.json`` beside this module, made by :func:`parse` from
the reference table (``ocpp2x-use-cases.md``: ids and titles only, from a public FR list) and checked
against it by the tests. A row's FR list is compact (``01–13, 19(2.1)``); parsing expands it."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("use_cases.json")
_ROW = re.compile(r"^\| ([A-S]\d\d)(?: \([^)]*\))? \| (.+?) \| \d+ \| \d+ \| (.*) \|$")
_HEADING = re.compile(r"^## ([A-S]) — (.+)$")


def _expand(use_case: str, ids: str) -> list[str]:
    """``01–03, 19(2.1)`` -> A01.FR.01, A01.FR.02, A01.FR.03, A01.FR.19."""
    out = []
    for part in (p.strip().removesuffix("(2.1)") for p in ids.split(",")):
        m = re.fullmatch(r"(\d+)(?:–(\d+))?", part)
        if not m:
            continue  # "none — ..." rows
        low, high = m.group(1), m.group(2) or m.group(1)
        out += [f"{use_case}.FR.{n:0{len(low)}d}" for n in range(int(low), int(high) + 1)]
    return sorted(set(out))


def parse(markdown: str) -> dict[str, Any]:
    """{block: {"name": ..., "use_cases": {id: {"title": ..., "requirements": [...]}}}}."""
    blocks: dict[str, Any] = {}
    block = None
    for line in markdown.splitlines():
        if (h := _HEADING.match(line)) is not None:
            block = blocks.setdefault(h.group(1), {"name": h.group(2).strip(), "use_cases": {}})
        elif line.startswith("## "):
            block = None
        elif block is not None and (r := _ROW.match(line)) is not None:
            block["use_cases"][r.group(1)] = {"title": r.group(2).replace("*(new in 2.1)*", "").strip(),
                                              "requirements": _expand(r.group(1), r.group(3))}
    return blocks


@cache
def load() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def all_requirements() -> set[str]:
    return {r for b in load().values() for u in b["use_cases"].values() for r in u["requirements"]}


#: Requirement ids the OCPP 2.1 errata (2025-06 and 2025-09) add, which the reference list (drawn
#: from the 2.1 text before them) does not hold: ids a case may cite, not counted in the totals.
ERRATA_ADDED = frozenset({
    *(f"R04.FR.{n}" for n in (12, 13, 14, 15, 16, 17, 37, 46)),  # SetDERControl shape, GetDERControl by isDefault, clear by id
    "Q05.FR.08", "Q06.FR.40", "Q06.FR.41",                        # a dynamic profile valid again after an update
    *(f"Q07.FR.0{n}" for n in (1, 2, 3, 4)), "Q08.FR.12", "Q08.FR.20",  # CentralFrequency, aFRR, LocalFrequency
    *(f"K01.FR.{n}" for n in (142, 143, 144, 145)),               # per-phase discharge values (V2X.08-10)
})


def known_requirements() -> set[str]:
    """Every id a case may cite: the list's and the errata's."""
    return all_requirements() | ERRATA_ADDED


if __name__ == "__main__":  # python -m hilbench.cases.use_case_list ../shared/reference/ocpp2x-use-cases.md
    import sys

    DATA.write_text(json.dumps(parse(Path(sys.argv[1]).read_text()), indent=1, ensure_ascii=False) + "\n")
    print(f"{DATA}: {sum(len(b['use_cases']) for b in load.__wrapped__().values())} use cases")
