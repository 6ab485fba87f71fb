"""The campaign record (``record.json``) as the writers read it: loaded once, checked whole, typed.

A file that cannot be read, is not JSON, or lacks what the writers need is one
:class:`hilbench.errors.RecordError` naming the file, the JSON path of each problem
(``$.cases[2].verdict``) and what is wrong — every problem of the file at once (DESIGN §6.5), never a
traceback. Keys the writers do not know are left alone, so a newer runner's record still renders.

Series arrive as numpy arrays (``t_ns`` int64, ``values`` float64 with NaN for a gap), ready for the
plots. Trace files are not opened here: :mod:`hilbench.report.trace` reads them when a chart needs
one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import numpy as np

from hilbench.errors import RecordError

VERDICTS = ("pass", "fail", "error", "inconclusive", "skipped")
OUTCOMES = ("pass", "marginal", "fail", "unset")
SERIES_KINDS = ("measured", "setpoint", "limit", "curve")
DUT_KINDS = ("virtual", "external")
#: How many problems one error message lists before it says how many more there are.
MAX_LISTED = 12

#: A measurement's value: a number mostly; a status string, a flag, or any JSON a case measured.
Value = Any
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    value: Value
    unit: str
    low: float | None
    high: float | None
    marginal_low: float | None
    marginal_high: float | None
    outcome: str  #: pass | marginal | fail | unset
    equals: Value = None  #: an exact expected value (a status, a string) instead of limits
    one_of: Value = None  #: the allowed values (a list), instead of limits

    @property
    def has_limits(self) -> bool:
        return self.equals is not None or self.one_of is not None or self.low is not None or self.high is not None


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    unit: str
    kind: str  #: measured | setpoint | limit | curve
    t_ns: np.ndarray  #: int64, monotonic ns (same clock as the case's ``t0_ns``)
    values: np.ndarray  #: float64, NaN where the record holds null


@dataclass(frozen=True, slots=True)
class TraceRef:
    file: str  #: as the record writes it, relative to the record's folder
    path: Path  #: the file itself
    lines: int


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    title: str
    block: str
    use_cases: tuple[str, ...]
    requirements: tuple[str, ...]
    roles: tuple[str, ...]
    verdict: str
    reason: str | None
    started_at: dt.datetime | None  #: None for a case that never started
    t0_ns: int | None
    duration_s: float
    measurements: tuple[Measurement, ...]
    series: tuple[Series, ...]
    trace: TraceRef | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str
    role: str
    model: str
    address: str
    identity: str | None


@dataclass(frozen=True, slots=True)
class Dut:
    kind: str  #: virtual | external
    station_id: str
    boot: Mapping[str, Any] | None  #: the BootNotification request payload
    secc: Mapping[str, Any] | None
    faults: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Record:
    path: Path
    version: str
    git_commit: str | None
    started_at: dt.datetime
    ended_at: dt.datetime
    time_scale: float
    rig_path: str
    rig_name: str
    instruments: tuple[Instrument, ...]
    dut: Dut
    selection: Mapping[str, Any]
    summary: Mapping[str, int]
    cases: tuple[Case, ...]
    aborted: str | None = None  #: why the campaign stopped early, when it did

    @property
    def folder(self) -> Path:
        return self.path.parent

    def blocks(self) -> list[str]:
        """The functional blocks in the order the campaign ran them."""
        return list(dict.fromkeys(c.block for c in self.cases))


def load_record(path: Path) -> Record:
    """Reads and checks ``record.json``; raises :class:`RecordError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RecordError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise RecordError(f"{path}: not UTF-8 text (byte {e.start})") from None
    try:
        # The standard parser, not orjson: it takes the NaN/Infinity tokens that Python's json.dumps
        # writes for a non-finite float, which the record then shows as a gap.
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise RecordError(f"{path}: not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    checker = _Checker(path)
    record = checker.record(raw)
    checker.raise_if_any()
    assert record is not None
    return record


# ---- checking ---------------------------------------------------------------------------------


class _Checker:
    """Walks the parsed JSON, collecting each problem with its path instead of stopping at the first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def bad(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        if len(self.problems) == 1:
            raise RecordError(f"{self.path}: {self.problems[0]}")
        listed = "; ".join(self.problems[:MAX_LISTED])
        more = f"; and {len(self.problems) - MAX_LISTED} more" if len(self.problems) > MAX_LISTED else ""
        raise RecordError(f"{self.path}: {len(self.problems)} problems: {listed}{more}")

    # -- typed getters: each returns a usable stand-in after recording a problem --

    def obj(self, value: Any, where: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.bad(where, f"must be an object, not {_kind(value)}")
        return None

    def get(self, d: dict[str, Any], key: str, where: str, check: Callable[[Any], bool], want: str,
            default: T, optional: bool = False) -> Any:
        here = f"{where}.{key}"
        if key not in d:
            if not optional:
                self.bad(here, "missing")
            return default
        value = d[key]
        if value is None and optional:
            return None
        if not check(value):
            self.bad(here, f"must be {want}{' or null' if optional else ''}, not {_show(value)}")
            return default
        return value

    def text(self, d: dict[str, Any], key: str, where: str, optional: bool = False) -> Any:
        return self.get(d, key, where, lambda v: isinstance(v, str), "a string", "", optional)

    def number(self, d: dict[str, Any], key: str, where: str, optional: bool = False) -> Any:
        v = self.get(d, key, where, _is_number, "a number", 0.0, optional)
        return None if v is None else float(v)

    def one_of(self, d: dict[str, Any], key: str, where: str, choices: tuple[str, ...]) -> str:
        v = self.get(d, key, where, lambda x: x in choices, f"one of {', '.join(choices)}", choices[0])
        return str(v)

    def texts(self, d: dict[str, Any], key: str, where: str, optional: bool = False) -> tuple[str, ...]:
        v = self.get(d, key, where, lambda x: isinstance(x, list) and all(isinstance(s, str) for s in x),
                     "a list of strings", [], optional)
        return tuple(v or ())

    def when(self, d: dict[str, Any], key: str, where: str, optional: bool = False) -> dt.datetime | None:
        v = self.text(d, key, where, optional)
        if not v:
            return None if optional else _EPOCH
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            self.bad(f"{where}.{key}", f"not an ISO 8601 time: {v!r}")
            return _EPOCH
        return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)

    # -- the record's parts --

    def record(self, raw: Any) -> Record | None:
        top = self.obj(raw, "$")
        if top is None:
            return None
        hb = self.section(top, "hilbench")
        rig = self.section(top, "rig")
        summary = self.summary(top)
        cases = self.cases(top)
        instruments: list[Instrument] = []
        if rig is not None:
            items = self.get(rig, "instruments", "$.rig", lambda x: isinstance(x, list), "a list", [])
            instruments = [i for n, raw_i in enumerate(items)
                           if (i := self.instrument(raw_i, f"$.rig.instruments[{n}]")) is not None]
        if "selection" in top:
            selection = self.obj(top["selection"], "$.selection") or {}
        else:
            selection = {}
        record = Record(
            path=self.path,
            version=self.text(hb, "version", "$.hilbench") if hb else "",
            git_commit=self.text(hb, "git_commit", "$.hilbench", optional=True) if hb else None,
            started_at=self.when(top, "started_at", "$") or _EPOCH,
            ended_at=self.when(top, "ended_at", "$") or _EPOCH,
            time_scale=self.number(top, "time_scale", "$", optional=True) or 1.0,
            rig_path=self.text(rig, "path", "$.rig") if rig else "",
            rig_name=self.text(rig, "name", "$.rig") if rig else "",
            instruments=tuple(instruments),
            dut=self.dut(top),
            selection=selection,
            summary=summary,
            cases=cases,
            aborted=self.text(top, "aborted", "$", optional=True),
        )
        self.summary_agrees(summary, cases)
        return record

    def section(self, top: dict[str, Any], key: str) -> dict[str, Any] | None:
        """A required object at the top level, or None after saying why it is not usable."""
        if key not in top:
            self.bad(f"$.{key}", "missing")
            return None
        return self.obj(top[key], f"$.{key}")

    def instrument(self, raw: Any, where: str) -> Instrument | None:
        d = self.obj(raw, where)
        if d is None:
            return None
        return Instrument(self.text(d, "name", where), self.text(d, "role", where), self.text(d, "model", where),
                          self.text(d, "address", where), self.text(d, "identity", where, optional=True))

    def dut(self, top: dict[str, Any]) -> Dut:
        d = self.section(top, "dut")
        if d is None:
            return Dut("external", "", None, None, ())
        is_obj = lambda x: isinstance(x, dict)  # noqa: E731
        return Dut(self.one_of(d, "kind", "$.dut", DUT_KINDS), self.text(d, "station_id", "$.dut"),
                   self.get(d, "boot", "$.dut", is_obj, "an object", None, optional=True),
                   self.get(d, "secc", "$.dut", is_obj, "an object", None, optional=True),
                   self.texts(d, "faults", "$.dut", optional=True))

    def summary(self, top: dict[str, Any]) -> dict[str, int]:
        if "summary" not in top:
            self.bad("$.summary", "missing")
            return {}
        d = self.obj(top["summary"], "$.summary")
        if d is None:
            return {}
        return {v: self.get(d, v, "$.summary", _is_count, "a count (an integer >= 0)", 0) for v in VERDICTS}

    def summary_agrees(self, summary: dict[str, int], cases: tuple[Case, ...]) -> None:
        if self.problems or not summary:  # a count off because of a problem above says nothing new
            return
        for v in VERDICTS:
            n = sum(1 for c in cases if c.verdict == v)
            if summary.get(v, 0) != n:
                self.bad(f"$.summary.{v}", f"says {summary.get(v, 0)} but {n} case(s) have verdict {v}")

    def cases(self, top: dict[str, Any]) -> tuple[Case, ...]:
        if "cases" not in top:
            self.bad("$.cases", "missing")
            return ()
        items = top["cases"]
        if not isinstance(items, list):
            self.bad("$.cases", f"must be a list, not {_kind(items)}")
            return ()
        cases: list[Case] = []
        seen: dict[str, int] = {}
        for n, raw in enumerate(items):
            c = self.case(raw, f"$.cases[{n}]")
            if c is None:
                continue
            if c.id in seen:
                self.bad(f"$.cases[{n}].id", f"{c.id!r} again (first at $.cases[{seen[c.id]}])")
            seen.setdefault(c.id, n)
            cases.append(c)
        return tuple(cases)

    def case(self, raw: Any, where: str) -> Case | None:
        d = self.obj(raw, where)
        if d is None:
            return None
        first_problem = len(self.problems)
        case_id = self.text(d, "id", where)
        case = self._case(d, where, case_id)
        if case_id:  # the id beside every problem of the case: easier to find than an index
            self.problems[first_problem:] = [f"{p} (case {case_id})" for p in self.problems[first_problem:]]
        return case

    def _case(self, d: dict[str, Any], where: str, case_id: str) -> Case:
        t0 = self.get(d, "t0_ns", where, _is_int, "an integer", None, optional=True)
        duration = self.number(d, "duration_s", where)
        if duration < 0:
            self.bad(f"{where}.duration_s", f"must not be negative ({duration:g})")
        measurements = self.items(d, "measurements", where, self.measurement)
        series = self.items(d, "series", where, self.series)
        return Case(
            id=case_id, title=self.text(d, "title", where), block=self.text(d, "block", where),
            use_cases=self.texts(d, "use_cases", where), requirements=self.texts(d, "requirements", where),
            roles=self.texts(d, "roles", where, optional=True),
            verdict=self.one_of(d, "verdict", where, VERDICTS),
            reason=self.text(d, "reason", where, optional=True),
            started_at=self.when(d, "started_at", where, optional=True), t0_ns=t0, duration_s=duration,
            measurements=tuple(measurements), series=tuple(series),
            trace=self.trace(d, where), tags=self.texts(d, "tags", where, optional=True),
        )

    def items(self, d: dict[str, Any], key: str, where: str, one: Callable[[Any, str], T | None]) -> list[T]:
        raw = self.get(d, key, where, lambda x: isinstance(x, list), "a list", [], optional=True) or []
        return [x for n, r in enumerate(raw) if (x := one(r, f"{where}.{key}[{n}]")) is not None]

    def measurement(self, raw: Any, where: str) -> Measurement | None:
        d = self.obj(raw, where)
        if d is None:
            return None
        value = d.get("value")
        return Measurement(
            name=self.text(d, "name", where), value=value,
            unit=self.text(d, "unit", where, optional=True) or "",
            low=self.number(d, "low", where, optional=True), high=self.number(d, "high", where, optional=True),
            marginal_low=self.number(d, "marginal_low", where, optional=True),
            marginal_high=self.number(d, "marginal_high", where, optional=True),
            outcome=self.one_of(d, "outcome", where, OUTCOMES),
            equals=d.get("equals"), one_of=d.get("one_of"),
        )

    def series(self, raw: Any, where: str) -> Series | None:
        d = self.obj(raw, where)
        if d is None:
            return None
        name, unit = self.text(d, "name", where), self.text(d, "unit", where, optional=True) or ""
        kind = self.one_of(d, "kind", where, SERIES_KINDS)
        t_raw = self.get(d, "t_ns", where, lambda x: isinstance(x, list), "a list", [])
        v_raw = self.get(d, "values", where, lambda x: isinstance(x, list), "a list", [])
        t_ns = np.zeros(0, dtype=np.int64)
        values = np.zeros(0, dtype=np.float64)
        bad_t = next((n for n, t in enumerate(t_raw) if not _is_int(t)), None)
        if bad_t is not None:
            self.bad(f"{where}.t_ns[{bad_t}]", f"must be an integer (ns), not {_show(t_raw[bad_t])}")
        else:
            try:
                t_ns = np.asarray(t_raw, dtype=np.int64)
            except OverflowError:
                self.bad(f"{where}.t_ns", "holds a time beyond 64 bits")
        bad_v = next((n for n, v in enumerate(v_raw) if not (v is None or _is_number(v))), None)
        if bad_v is not None:
            self.bad(f"{where}.values[{bad_v}]", f"must be a number or null, not {_show(v_raw[bad_v])}")
        else:
            try:
                values = np.asarray([math.nan if v is None else v for v in v_raw], dtype=np.float64)
            except OverflowError:
                self.bad(f"{where}.values", "holds a number beyond 64-bit floats")
        if len(t_raw) != len(v_raw):
            self.bad(f"{where}.values", f"has {len(v_raw)} values for {len(t_raw)} times (t_ns)")
            return None
        return Series(name, unit, kind, t_ns, values)

    def trace(self, d: dict[str, Any], where: str) -> TraceRef | None:
        t = self.get(d, "trace", where, lambda x: isinstance(x, dict), "an object", None, optional=True)
        if t is None:
            return None
        here = f"{where}.trace"
        file = self.text(t, "file", here)
        lines = self.get(t, "lines", here, _is_count, "a count (an integer >= 0)", 0)
        rel = PurePosixPath(file)
        if not file or rel.is_absolute() or ".." in rel.parts or "\\" in file:
            if file:
                self.bad(f"{here}.file", f"must be a path inside the record's folder, not {file!r}")
            return None
        return TraceRef(file, self.path.parent.joinpath(*rel.parts), lines)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_count(v: Any) -> bool:
    return _is_int(v) and v >= 0


def _kind(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number")


def _show(v: Any) -> str:
    if isinstance(v, (dict, list)):
        return _kind(v)
    text = json.dumps(v)
    return text if len(text) <= 40 else text[:37] + "..."
