"""A message sequence chart of the last messages before a case ended, as inline SVG.

Lifelines: the bench CSMS, the DUT, the bench EV, and the instruments when the window holds any of
their commands. OCPP-J frames run between the CSMS and the DUT, ISO 15118-20 messages between the
DUT and the EV; "rx" is always the DUT speaking. Instrument commands are drawn from the bench EV's
lifeline (the bench's side nearest to the instruments). The time left of each row is seconds from
the case's start.

The window is the last :data:`WINDOW` rows, where a row is one message, except that a run of more
than :data:`RUN_MAX` instrument lines with nothing else between them is one row (a bench polling its
meters does not push the protocol out of the window), and a message or request/response pair
repeated :data:`FOLD_MIN` or more times in a row (a charge loop, heartbeats) is drawn once as
"name ×count" with the times of its first and last repeat (instrument lines inside such a run are
counted in the row's tooltip, not drawn).

Drawn by hand: sequence-diagram tools either need a JavaScript runtime in the page (mermaid) or a
separate program (PlantUML, Java), and a report must open offline as one file; the chart itself is
a few lines, boxes and labels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

from hilbench.report.record import Case
from hilbench.report.trace import TraceLine, lines_backwards

#: Rows drawn for a case (the window before its end).
WINDOW = 40
#: Longer runs of consecutive instrument lines become one row.
RUN_MAX = 4
#: A message (or a request/response pair) repeated this often in a row is drawn once, with its count.
FOLD_MIN = 3
#: Trace lines read at most, from the end (a charge loop that folds into one row would otherwise
#: send the reader back through the whole hour).
MAX_SCAN = 20_000

CSMS, DUT, EV, INSTRUMENTS = 0, 1, 2, 3
LIFELINES = ("bench CSMS", "DUT", "bench EV", "instruments")
LEFT, COL, TOP, ROW = 104, 240, 52, 22
FONT = "font-family=\"sans-serif\" font-size=\"11\""
COLOURS = {"ocpp": "#1f5fa8", "v2g": "#2e7d32", "instrument": "#6d4c41", "note": "#555555", "bad": "#c62828"}
#: Pixels per character of the 11 px sans-serif labels (to shorten labels that would not fit).
CHAR_PX = 5.6


@dataclass(frozen=True, slots=True)
class Row:
    t_ns: int
    channel: str
    src: int
    dst: int  #: equal to src for a note row
    label: str
    reply: bool = False  #: drawn dashed
    bad: bool = False  #: a CALLERROR or a response code that is not OK: drawn red
    uid: str = ""  #: an OCPP-J message id, to name a result after its CALL
    count: int = 1  #: how many times the row repeats (folded)
    last_t_ns: int = 0  #: the time of the last repeat
    lines: int = 1  #: trace lines the row stands for
    hidden: int = 0  #: instrument lines inside a folded run, not drawn


def window(case: Case, n: int = WINDOW) -> list[Row]:
    """The last ``n`` rows of the case's trace, oldest first, repeats folded. The trace file holds the
    case's lines only, so its end is the case's end (also for the notes the runner writes after the
    case's clock stopped)."""
    if case.trace is None:
        return []
    raw: list[Row] = []  # newest first, as read
    run: list[TraceLine] = []
    check_at = n
    for scanned, line in enumerate(lines_backwards(case.trace), 1):
        if line.channel == "instrument":
            run.append(line)
        else:
            raw.extend(_instrument_rows(run))
            run = []
            raw.append(_row(line))
        if scanned >= MAX_SCAN:
            break
        if len(raw) >= check_at:  # checked at n, 2n, 4n, ...: linear in the rows read
            if len(_fold(raw[::-1])) > n + 2:
                break
            check_at *= 2
    raw.extend(_instrument_rows(run))
    return _fold(_name_results(raw[::-1]))[-n:]


def _fold(rows: list[Row]) -> list[Row]:
    """Rows (oldest first) with each run of at least :data:`FOLD_MIN` repeats of one message or of
    one request/response pair drawn once, with its count. Instrument rows do not break a run: those
    inside one are counted on its last row instead of drawn."""
    proto = [i for i, r in enumerate(rows) if r.channel != "instrument"]
    keys = [(rows[i].channel, rows[i].src, rows[i].dst, rows[i].label) for i in proto]
    out: list[Row] = []
    done = 0  # rows[:done] are in out (or folded away)
    j = 0
    while j < len(proto):
        for period in (1, 2):
            k = period
            while j + k < len(proto) and keys[j + k] == keys[j + k - period]:
                k += 1
            repeats = k // period
            if repeats >= FOLD_MIN:
                first, last = proto[j], proto[j + repeats * period - 1]
                out += rows[done:first]
                hidden = sum(r.lines for r in rows[first:last + 1] if r.channel == "instrument")
                for m in range(period):
                    out.append(replace(rows[proto[j + m]], count=repeats,
                                       last_t_ns=rows[proto[j + (repeats - 1) * period + m]].t_ns,
                                       hidden=hidden if m == period - 1 else 0))
                done = last + 1
                j += repeats * period
                break
        else:
            out += rows[done:proto[j] + 1]
            done = proto[j] + 1
            j += 1
    return out + rows[done:]


def sequence_chart(case: Case, n: int = WINDOW) -> str | None:
    """The chart as an ``<svg>`` element, or None when the case has no trace lines."""
    rows = window(case, n)
    if not rows:
        return None
    t0 = case.t0_ns if case.t0_ns is not None else rows[0].t_ns
    cols = 4 if any(INSTRUMENTS in (r.src, r.dst) for r in rows) else 3
    width = LEFT + cols * COL
    height = TOP + len(rows) * ROW + 16
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="msc" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" '
           f'aria-label={quoteattr(f"message sequence chart of {case.id}: the last {len(rows)} rows of its trace")}>']
    for c in range(cols):
        x = _x(c)
        out.append(f'<rect x="{x - 70}" y="6" width="140" height="24" rx="4" fill="#eef2f7" stroke="#8896a8"/>')
        out.append(f'<text x="{x}" y="22" text-anchor="middle" {FONT} font-weight="bold">{LIFELINES[c]}</text>')
        out.append(f'<line x1="{x}" y1="30" x2="{x}" y2="{height - 6}" stroke="#b0b8c4" stroke-dasharray="4 3"/>')
    out.append(f'<text x="4" y="{TOP - 8}" {FONT} fill="#555">t (s)</text>')
    for i, r in enumerate(rows):
        out.append(_draw(r, TOP + i * ROW + 14, t0, cols))
    out.append("</svg>")
    return "\n".join(out)


# ---- rows from trace lines ------------------------------------------------------------------------


def _row(line: TraceLine) -> Row:
    rx = line.dir == "rx"
    if line.channel == "ocpp":
        label, reply, bad, uid = _ocpp_label(line.text)
        return Row(line.t_ns, "ocpp", DUT if rx else CSMS, CSMS if rx else DUT, label, reply, bad, uid)
    if line.channel == "v2g":
        label, bad = _v2g_label(line.text)
        return Row(line.t_ns, "v2g", DUT if rx else EV, EV if rx else DUT, label, label.endswith("Res"), bad)
    text = line.text.strip().splitlines()[0] if line.text.strip() else ""
    return Row(line.t_ns, "note", CSMS, CSMS, f"{line.peer}: {text}" if line.peer not in ("", "bench") else text)


def _instrument_rows(run: list[TraceLine]) -> list[Row]:
    """Rows for a run of instrument lines, given newest first (as read); returned newest first."""
    if not run:
        return []
    if len(run) > RUN_MAX:
        peers = ", ".join(dict.fromkeys(ln.peer for ln in reversed(run)))
        last = run[0]
        return [Row(last.t_ns, "instrument", EV, INSTRUMENTS,
                    f"{len(run)} commands and replies ({peers}); last: {last.peer} {last.text.strip()}",
                    lines=len(run))]
    rows = []
    for ln in run:
        if ln.dir == "reply":
            rows.append(Row(ln.t_ns, "instrument", INSTRUMENTS, EV, f"{ln.peer}: {ln.text.strip()}", reply=True))
        elif ln.dir == "cmd":
            rows.append(Row(ln.t_ns, "instrument", EV, INSTRUMENTS, f"{ln.peer}: {ln.text.strip()}"))
        else:
            rows.append(Row(ln.t_ns, "instrument", INSTRUMENTS, INSTRUMENTS, f"{ln.peer} {ln.dir}: {ln.text.strip()}"))
    return rows


def _ocpp_label(text: str) -> tuple[str, bool, bool, str]:
    """(label, is a reply, is bad, message id) of an OCPP-J frame; a result is named ``#<id>``
    until :func:`_name_results` finds its CALL."""
    try:
        f = orjson.loads(text)
    except orjson.JSONDecodeError:
        f = None
    if not isinstance(f, list) or len(f) < 3 or not isinstance(f[0], int) or isinstance(f[0], bool):
        return f"not an OCPP-J frame: {text[:40]}", False, True, ""
    kind, uid = f[0], str(f[1])
    if kind in (2, 6):
        return f"{f[2]}{' (SEND)' if kind == 6 else ''}", False, False, uid
    if kind == 3:
        status = _status(f[2])
        return f"#{uid} result{f' ({status})' if status else ''}", True, status in _BAD_STATUS, uid
    if kind in (4, 5):
        return f"#{uid} {'CALLERROR' if kind == 4 else 'CALLRESULTERROR'} {f[2]}", True, True, uid
    return f"OCPP-J frame of type {kind}", False, True, uid


_BAD_STATUS = {"Rejected", "Invalid", "Blocked", "Expired", "Unknown", "NotSupported", "Faulted", "Failed"}


def _status(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    s = payload.get("status")
    if s is None and isinstance(payload.get("idTokenInfo"), dict):
        s = payload["idTokenInfo"].get("status")
    return s if isinstance(s, str) else None


def _v2g_label(text: str) -> tuple[str, bool]:
    try:
        m = orjson.loads(text)
    except orjson.JSONDecodeError:
        return f"not a message: {text[:40]}", True
    if not isinstance(m, dict) or len(m) != 1:
        return "not a message: " + text[:40], True
    name, body = next(iter(m.items()))
    code = None
    if isinstance(body, dict):
        code = body.get("ResponseCode", body.get("response_code"))
        if isinstance(body.get("Header"), dict) and code is None:
            code = body["Header"].get("ResponseCode")
    if isinstance(code, str) and not code.startswith("OK"):
        return f"{name} ({code})", True
    return str(name), False


def _name_results(rows: list[Row]) -> list[Row]:
    """Puts the action into each OCPP result or error whose CALL lies in the window."""
    actions: dict[str, str] = {}
    named = []
    for r in rows:
        if r.channel == "ocpp" and r.uid:
            if not r.reply:
                actions[r.uid] = r.label.removesuffix(" (SEND)")
            elif r.uid in actions:
                r = replace(r, label=r.label.replace(f"#{r.uid}", actions[r.uid], 1))
        named.append(r)
    return named


# ---- drawing ------------------------------------------------------------------------------------------


def _x(col: int) -> int:
    return LEFT + COL // 2 + col * COL


def _fit(text: str, px: float) -> str:
    n = max(4, int(px / CHAR_PX))
    return text if len(text) <= n else text[: n - 1] + "…"


def _draw(r: Row, y: int, t0: int, cols: int) -> str:
    colour = COLOURS["bad"] if r.bad else COLOURS[r.channel]
    when = f"{(r.t_ns - t0) / 1e9:.3f}"
    full = r.label
    if r.count > 1:
        when = f"{(r.t_ns - t0) / 1e9:.2f}–{(r.last_t_ns - t0) / 1e9:.2f}"
        full = f"{r.label} ×{r.count}, {when} s" + (f", with {r.hidden} instrument lines" if r.hidden else "")
        r = replace(r, label=f"{r.label} ×{r.count}")
    title = f"<title>{escape(full)}</title>"
    time = f'<text x="4" y="{y + 4}" {FONT} fill="#555">{when}</text>'
    if r.src == r.dst:  # a note: a box across the lifelines (or on the instruments' own)
        x0 = _x(r.src) - 100 if r.channel == "instrument" else LEFT + 6
        w = 200 if r.channel == "instrument" else cols * COL - 12
        return (f'<g>{title}{time}<rect x="{x0}" y="{y - 8}" width="{w}" height="16" rx="3" fill="#fff8e1" '
                f'stroke="#d8c690"/><text x="{x0 + 6}" y="{y + 4}" {FONT} fill="{colour}">'
                f'{escape(_fit(r.label, w - 12))}</text></g>')
    x1, x2 = _x(r.src), _x(r.dst)
    d = 1 if x2 > x1 else -1
    dash = ' stroke-dasharray="5 3"' if r.reply else ""
    head = f"{x2},{y + 4} {x2 - 8 * d},{y} {x2 - 8 * d},{y + 8}"
    label = escape(_fit(r.label, abs(x2 - x1) - 8))
    weight = ' font-weight="bold"' if r.bad else ""
    return (f'<g>{title}{time}<line x1="{x1}" y1="{y + 4}" x2="{x2 - 8 * d}" y2="{y + 4}" stroke="{colour}" '
            f'stroke-width="1.4"{dash}/><polygon points="{head}" fill="{colour}"/>'
            f'<text x="{(x1 + x2) // 2}" y="{y}" text-anchor="middle" {FONT} fill="{colour}"{weight}>{label}</text></g>')
