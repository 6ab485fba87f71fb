"""hilbench as a pytest plugin (``pytest11`` entry point): ``pytest --hilbench-rig RIG`` opens the
rig, the bench CSMS and the device under test once for the session, and runs

- the library (``--hilbench-library``, narrowed with ``--hilbench-block`` and pytest's ``-k``), and
- a lab's own cases: ``async def test_x(ctx)`` functions marked ``@pytest.mark.hilbench(...)`` with
  the same metadata as a library case, whose ``ctx`` is the same case context (``ctx.csms``,
  ``ctx.ev``, ``ctx.dc_supply``, ``ctx.measure``, ...).

Verdicts map onto pytest's outcomes: pass → passed, fail and inconclusive → failed (the reason
says which), error → error, skipped → skipped. The session writes the same record, JUnit XML and
HTML report as ``hilbench run`` into ``--hilbench-out``.

The campaign runs on an event loop of its own in a background thread, so a case's asyncio never
meets the test process's (pytest-asyncio's) loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from typing import Any

import pytest

from hilbench.cases.model import Case, Measurement

KEY = pytest.StashKey["_Session"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hilbench", "hilbench: cases against a charger on a rig")
    group.addoption("--hilbench-rig", help="rig file (or a shipped rig's name, e.g. sim): enables the plugin")
    group.addoption("--hilbench-out", default="out/pytest", help="folder for record.json, junit.xml, report.html")
    group.addoption("--hilbench-library", action="store_true", help="run the hilbench case library")
    group.addoption("--hilbench-block", help="library blocks to run, comma-separated")
    group.addoption("--hilbench-fault", action="append", default=[], help="a named fault of the virtual charger")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hilbench(id, title, use_cases, requirements, roles, measurements, timeout_s): "
                                       "a hilbench case run against the rig's device under test")


class _Session:
    """The campaign for the pytest session, on its own loop in a thread."""

    def __init__(self, config: pytest.Config) -> None:
        from hilbench.rig_file import load_rig
        from hilbench.runner.campaign import Campaign

        self.out = Path(config.getoption("--hilbench-out"))
        self.out.mkdir(parents=True, exist_ok=True)
        self.campaign = Campaign(load_rig(config.getoption("--hilbench-rig")), [], self.out,
                                 faults=tuple(config.getoption("--hilbench-fault")))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="hilbench-campaign", daemon=True)
        self.thread.start()
        self.opened = False

    def run(self, coro: Any, timeout: float | None = None) -> Any:
        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def case(self, case: Case) -> dict[str, Any]:
        if not self.opened:
            self.run(self.campaign._open())  # noqa: SLF001 - the plugin drives the campaign's steps itself
            self.opened = True
        self.campaign.cases.append(case)
        result: dict[str, Any] = self.run(self.campaign._run_case(case))  # noqa: SLF001
        self.campaign.results.append(result)
        self.run(self.campaign._known_state())  # noqa: SLF001
        return result

    def close(self) -> None:
        try:
            if self.opened:
                self.run(self.campaign._close())  # noqa: SLF001
            self.campaign.record = self.campaign._write_record(None)  # noqa: SLF001
            try:
                from hilbench.report import write_reports

                write_reports(self.out / "record.json", self.out)
            except ImportError:
                pass
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


def _session(config: pytest.Config) -> _Session:
    if KEY not in config.stash:
        config.stash[KEY] = _Session(config)
    return config.stash[KEY]


def pytest_unconfigure(config: pytest.Config) -> None:
    if KEY in config.stash:
        config.stash[KEY].close()


class LibraryItem(pytest.Item):
    def __init__(self, *, case: Case, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case
        self.add_marker(pytest.mark.hilbench)

    def runtest(self) -> None:
        _outcome(_session(self.config).case(self.case))

    def reportinfo(self) -> tuple[Path, int, str]:
        return Path(self.case.body.__code__.co_filename), self.case.body.__code__.co_firstlineno, self.case.id

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseOutcome):
            return str(excinfo.value)
        return super().repr_failure(excinfo)  # type: ignore[return-value]


class CaseOutcome(AssertionError):
    """A case's fail or inconclusive verdict, as pytest's failure."""


class BenchErrorOutcome(Exception):
    """A case's error verdict: the bench's trouble, not a finding."""


def _outcome(result: dict[str, Any]) -> None:
    verdict, reason = result["verdict"], result["reason"] or ""
    if verdict == "skipped":
        pytest.skip(reason)
    if verdict in ("fail", "inconclusive"):
        raise CaseOutcome(f"{verdict}: {reason}")
    if verdict == "error":
        raise BenchErrorOutcome(f"error: {reason}")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--hilbench-rig") or not config.getoption("--hilbench-library"):
        return
    from hilbench.cases.model import library
    from hilbench.runner.select import matches

    blocks = config.getoption("--hilbench-block")
    wanted = {b.strip() for b in blocks.split(",")} if blocks else None
    keyword = config.getoption("keyword")
    for case in library().values():
        if wanted and case.block not in wanted:
            continue
        if keyword and not matches(keyword, case):
            continue
        items.append(LibraryItem.from_parent(session, name=case.id, case=case))
    # a case that changes the DUT for good (a security profile upgrade) after every other test,
    # the lab's own included, as ``hilbench run`` orders them
    items.sort(key=lambda item: isinstance(item, LibraryItem) and "irreversible" in item.case.tags)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A lab's own ``async def test_x(ctx)`` marked ``hilbench``: run as a case of the campaign."""
    marker = pyfuncitem.get_closest_marker("hilbench")
    if marker is None or not pyfuncitem.config.getoption("--hilbench-rig"):
        return None
    kw = dict(marker.kwargs)
    function = getattr(pyfuncitem.obj, "__wrapped__", pyfuncitem.obj)  # the coroutine function itself
    names = [n for n in pyfuncitem._fixtureinfo.argnames if n in FIXTURES]  # noqa: SLF001

    async def body(ctx: Any) -> None:
        await function(**{n: _fixture_value(ctx, n) for n in names})

    case = Case(kw.get("id", f"HB_LAB_{abs(hash(pyfuncitem.nodeid)) % 100:02d}_CS"), kw.get("title", pyfuncitem.name),
                kw.get("block", "LAB"), tuple(kw.get("use_cases", ())), tuple(kw.get("requirements", ())),
                tuple(kw.get("roles", ("csms",))), tuple(kw.get("measurements", (Measurement("done", equals=True),))),
                body, timeout_s=float(kw.get("timeout_s", 60.0)))
    _outcome(_session(pyfuncitem.config).case(case))
    return True


#: What a lab's case may ask for by name: the whole case context, or a part of it.
FIXTURES = ("ctx", "rig", "csms", "ev", "dut", "measure")


def _fixture_value(ctx: Any, name: str) -> Any:
    return {"ctx": ctx, "rig": ctx.campaign.rig, "csms": ctx.csms, "ev": ctx.ev, "dut": ctx.dut,
            "measure": ctx.measure}[name]


def _placeholder(name: str) -> Any:
    def fixture() -> None:
        """Named so that pytest accepts it as an argument of a hilbench case; the plugin passes
        the real value (from the case's context) when it runs the case."""
        return None
    fixture.__name__ = name
    return pytest.fixture(name=name)(fixture)


ctx, rig, csms, ev, dut, measure = (_placeholder(n) for n in FIXTURES)
