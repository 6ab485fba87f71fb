"""``hilbench cases --coverage``: per functional block, the OCPP use cases and requirement ids the
library's cases cite, against the full list of the block (``use_case_list``), with the use cases
no case cites yet (a case citing an id checks some of what it asks, not necessarily all); blocks outside OCPP (ISO 15118-20, OCPP-J framing) are listed by what they cite.
An id a case cites that the list does not hold is reported (ids the 2.1 errata added are known,
not counted in the totals): a typo, or a number from another edition."""

from __future__ import annotations

from hilbench.cases.model import Case
from hilbench.cases.use_case_list import known_requirements, load


def coverage_lines(cases: dict[str, Case]) -> list[str]:
    reference = load()
    known = known_requirements()
    cited_uc: dict[str, set[str]] = {}
    cited_fr: dict[str, set[str]] = {}
    count: dict[str, int] = {}
    for c in cases.values():
        count[c.block] = count.get(c.block, 0) + 1
        for u in c.use_cases:
            cited_uc.setdefault(u[0] if u[:1] in reference and u[1:3].isdigit() else c.block, set()).add(u)
        for r in c.requirements:
            cited_fr.setdefault(r[0] if r[:1] in reference and r[1:3].isdigit() else c.block, set()).add(r)
    lines = []
    for letter, block in sorted(reference.items()):
        ucs, frs = cited_uc.get(letter, set()), cited_fr.get(letter, set())
        if not ucs and not frs and letter not in count:
            continue
        listed = block["use_cases"]
        total_fr = {r for u in listed.values() for r in u["requirements"]}
        missing = sorted(set(listed) - ucs)
        lines.append(f"{letter} {block['name']}: {count.get(letter, 0)} cases; use cases {len(ucs & set(listed))} of "
                     f"{len(listed)} cited ({', '.join(sorted(ucs & set(listed)))}); requirement ids {len(frs & total_fr)} of "
                     f"{len(total_fr)} cited ({100.0 * len(frs & total_fr) / max(1, len(total_fr)):.0f} %)"
                     + (f"; not cited yet: {', '.join(missing)}" if missing else ""))
    for block in sorted(set(count) - set(reference)):
        lines.append(f"{block}: {count[block]} cases; topics {', '.join(sorted(cited_uc.get(block, set())))}; "
                     f"rules {', '.join(sorted(cited_fr.get(block, set())))}")
    unknown = sorted({r for c in cases.values() for r in c.requirements if r[:1] in reference and r[1:3].isdigit()
                      and ".FR." in r} - known)
    if unknown:
        lines.append(f"cited but not in the OCPP list: {', '.join(unknown)}")
    return lines
