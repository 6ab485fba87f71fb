"""Station ids from outside (URL path, Basic-auth user, certificate CN, ``--station``, fleet prefix)
pass one check before they become a key or a file name: a hostile id is refused with an HTTP status
and one log line, and nothing is written outside the folder it belongs in."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from hilbench import pki as pki_mod
from hilbench.errors import ConfigError, HilbenchError, StationIdError, UnsafePathError
from hilbench.ocpp.csms import Csms, station_id_from_path
from hilbench.ocpp.fleet import run_fleet
from hilbench.ocpp.identity import check_station_id, confined, station_id_problem
from hilbench.ocpp.station import Station
from hilbench.ocpp.trace import TraceWriter, read_trace

HILBENCH = Path(sys.executable).with_name("hilbench")

# (last URL segment as the client sends it, HTTP status of the refusal, words of the reason)
HOSTILE = [
    ("..%2F..%2Fx", 400, "'/'"),
    ("x%2Fy", 400, "'/'"),
    ("%2E%2E", 400, "'..'"),
    ("%2E", 400, "'.'"),
    ("a%00b", 400, "'\\x00'"),
    ("a%0Ab", 400, "'\\n'"),  # a newline must not split the log line
    ("", 404, "no station id"),
    ("A" * 49, 400, "49 characters"),
    ("a%20b", 400, "' '"),
    ("CS%3A1", 400, "':'"),  # a Basic-auth user-id cannot hold a colon
    ("%C3%A9t%C3%A9", 400, "'é'"),
    ("%FF%FE", 400, "'\ufffd'"),  # not UTF-8: decoded as replacement characters
    ("..", 400, "'..'"),
]


def files_under(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert "Traceback" not in caplog.text


@pytest.fixture
def trace_dir(tmp_path: Path) -> Path:
    """Two levels below tmp_path, so that ``../../x`` would land in tmp_path where we look."""
    return tmp_path / "lab" / "trace"


async def refusal_status(url: str, headers: dict[str, str] | None = None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=["ocpp2.1"], additional_headers=headers, open_timeout=5):  # type: ignore[list-item]
            pass
    return refused.value.response.status_code


@pytest.mark.parametrize(("segment", "status", "reason"), HOSTILE, ids=[h[0][:12] or "empty" for h in HOSTILE])
async def test_hostile_ids_are_refused_before_the_upgrade(tmp_path: Path, trace_dir: Path, caplog: pytest.LogCaptureFixture,
                                                          segment: str, status: int, reason: str) -> None:
    caplog.set_level(logging.INFO)
    before = files_under(tmp_path)
    async with Csms(trace_dir=trace_dir) as csms:
        assert await refusal_status(f"{csms.url}/{segment}") == status
        assert csms.stations == {} and csms.connections_total == 0
        assert len(csms.refusals) == 1 and reason in csms.refusals[0][1]
        async with Station(csms.url, "GOOD1") as st:  # and it keeps serving
            assert (await st.boot())["status"] == "Accepted"
    assert files_under(tmp_path) - before == {Path("lab"), Path("lab/trace"), Path("lab/trace/GOOD1.jsonl")}
    refusals = [r.getMessage() for r in caplog.records if "refused station" in r.getMessage()]
    assert len(refusals) == 1 and "\n" not in refusals[0] and reason in refusals[0], refusals
    no_traceback(caplog)


async def test_raw_space_in_the_request_line_gets_no_upgrade(tmp_path: Path, trace_dir: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with Csms(trace_dir=trace_dir) as csms:
        with pytest.raises(InvalidMessage):  # not HTTP: the server closes without an answer
            async with connect(f"{csms.url}/a b", subprotocols=["ocpp2.1"], open_timeout=5):  # type: ignore[list-item]
                pass
        assert csms.stations == {}
    assert files_under(tmp_path) == set()
    no_traceback(caplog)


async def test_a_raw_dot_dot_path_only_names_its_last_segment(tmp_path: Path, trace_dir: Path) -> None:
    """Unencoded ``..`` segments are path structure the CSMS ignores: the id is the last segment."""
    async with Csms(trace_dir=trace_dir) as csms:
        async with connect(f"{csms.url}/../../x", subprotocols=["ocpp2.1"]) as ws:  # type: ignore[list-item]
            link = await csms.wait_for_station("x")
            await ws.close()
        await csms.wait_for_departure(link)
    assert files_under(tmp_path) == {Path("lab"), Path("lab/trace"), Path("lab/trace/x.jsonl")}


async def test_unusual_but_allowed_id_round_trips(trace_dir: Path) -> None:
    sid = "DE*HIL-1_a=b+c|d@e.f"  # every allowed punctuation mark; '|' travels as %7C
    async with Csms(trace_dir=trace_dir) as csms:
        async with Station(csms.url, sid, trace_dir=trace_dir / "station") as st:
            assert st.url.endswith("/DE*HIL-1_a=b+c%7Cd@e.f")
            assert (await st.boot())["status"] == "Accepted"
            link = await csms.wait_for_station(sid)
        await csms.wait_for_departure(link)
    assert read_trace(trace_dir / f"{sid}.jsonl")[0]["station"] == sid
    assert (trace_dir / "station" / f"{sid}.jsonl").exists()


def test_path_segment_rule_table() -> None:
    assert station_id_from_path("/ocpp/CS001") == "CS001"
    assert station_id_from_path("/ocpp/CS001?x=1") == "CS001"
    assert station_id_from_path("/CS%2D1") == "CS-1"
    for path in ("/ocpp/", "/ocpp/CS001/", "/", ""):
        with pytest.raises(StationIdError, match="is empty"):
            station_id_from_path(path)
    assert station_id_problem("A" * 48) is None
    assert station_id_problem(".") is not None and station_id_problem("a..b") is not None
    assert station_id_problem("a.b") is None


async def test_basic_auth_user_is_checked(trace_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with Csms(security_profile=1, passwords={"CS001": "right-password-123"}, trace_dir=trace_dir) as csms:
        for user in ("../../x", "a\x00b", "x" * 49):
            token = base64.b64encode(f"{user}:right-password-123".encode()).decode()
            assert await refusal_status(f"{csms.url}/CS001", {"Authorization": f"Basic {token}"}) == 401
        assert all("Basic auth user" in reason for _, reason in csms.refusals)
    assert not trace_dir.exists()
    no_traceback(caplog)


def test_passwords_for_impossible_ids_are_a_config_error() -> None:
    with pytest.raises(StationIdError, match=r"'a:b'"):
        Csms(passwords={"a:b": "right-password-123"})


async def test_certificate_cn_is_checked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A client certificate whose CN is no identity (made by hand: issue_station refuses it)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from hilbench.errors import ConnectionRefused
    pki = pki_mod.generate(tmp_path / "pki", ("CS001",))
    ca_cert, ca_key = pki_mod._load(pki.ca)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki_mod._issue(pki_mod._name("../../x"), key, ca_cert.subject, ca_key, ca=False, days=1,
                          not_before=ca_cert.not_valid_before_utc, eku=ExtendedKeyUsageOID.CLIENT_AUTH)
    pair = pki_mod.CertPair(tmp_path / "bad.pem", tmp_path / "bad.key")
    pki_mod._write(pair, cert, key)
    async with Csms(security_profile=3, pki=pki) as csms:
        with pytest.raises(ConnectionRefused, match="403"):
            await Station(csms.url, "CS001", security_profile=3, pki=pki, cert=pair).connect()
        assert csms.refusals[-1] == ("CS001", "client certificate CN '../../x' has characters outside letters, "
                                              "digits and '*-_=+|@.': '/'")
    no_traceback(caplog)


async def test_a_symlink_in_the_trace_folder_cannot_lead_out(tmp_path: Path, trace_dir: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched\n")
    trace_dir.mkdir(parents=True)
    (trace_dir / "CS009.jsonl").symlink_to(outside)
    async with Csms(trace_dir=trace_dir) as csms:
        assert await refusal_status(f"{csms.url}/CS009") == 500
        assert "outside" in csms.refusals[-1][1]
    assert outside.read_text() == "untouched\n"
    no_traceback(caplog)


@pytest.mark.parametrize("sid", ["../../evil", "", "a/b", "x" * 49, "a\x00b", ".."])
def test_pki_refuses_bad_station_ids_and_writes_nothing(tmp_path: Path, sid: str) -> None:
    with pytest.raises(StationIdError) as refused:
        pki_mod.generate(tmp_path / "pki", (sid,))
    assert repr(sid)[:20] in str(refused.value) and refused.value.station_id == sid
    assert isinstance(refused.value, ConfigError) and isinstance(refused.value, HilbenchError)
    assert files_under(tmp_path) == set()


def test_pki_station_files_stay_in_stations(tmp_path: Path) -> None:
    pki = pki_mod.generate(tmp_path / "pki", ("CS001",))
    before = files_under(tmp_path)
    for sid in ("../../evil", "../ca", ""):
        with pytest.raises(StationIdError):
            pki_mod.issue_station(pki, sid)
        with pytest.raises(StationIdError):
            pki.station(sid)
    assert files_under(tmp_path) == before
    assert pki.station("CS001").cert.parent == tmp_path / "pki" / "stations"


def test_pki_cli_station_option_writes_nothing_outside(tmp_path: Path) -> None:
    """The library raises the typed error; how the CLI prints it is the CLI's business, but the id
    must be named and nothing may be written."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    for sid in ("../../evil", ""):
        done = subprocess.run([str(HILBENCH), "pki", str(work / "pki"), "--station", sid], capture_output=True,
                              text=True, timeout=60, cwd=work)
        assert done.returncode != 0
        assert "StationIdError" in done.stderr or "station id" in done.stderr + done.stdout
        if sid:
            assert sid in done.stderr + done.stdout
    # the CLI makes DIR itself before it generates; the PKI writes nothing, in DIR or outside
    assert files_under(tmp_path) <= {Path("a"), Path("a/b"), Path("a/b/pki")}


def test_station_emulator_refuses_bad_ids(tmp_path: Path) -> None:
    for sid in ("../x", "", "a b", "a:b"):
        with pytest.raises(StationIdError):
            Station("ws://127.0.0.1:9/ocpp", sid, trace_dir=tmp_path)
    assert files_under(tmp_path) == set()


async def test_fleet_prefix_is_checked_before_connecting() -> None:
    with pytest.raises(StationIdError, match="fleet's last station id"):
        await run_fleet("ws://127.0.0.1:9/ocpp", 3, prefix="../")
    with pytest.raises(StationIdError, match="49 characters"):
        await run_fleet("ws://127.0.0.1:9/ocpp", 3, prefix="P" * 44)


def test_confined_and_trace_paths(tmp_path: Path) -> None:
    assert confined(tmp_path, "a/b.jsonl") == tmp_path / "a" / "b.jsonl"
    for name in ("../x", "/etc/passwd", ".", "a/../../x"):
        with pytest.raises(UnsafePathError, match="outside"):
            confined(tmp_path, name)
    assert TraceWriter.path_for(tmp_path, "CS001") == tmp_path / "CS001.jsonl"
    with pytest.raises(StationIdError, match="'/'"):
        TraceWriter.for_station(tmp_path, "../CS001")
    with pytest.raises(StationIdError, match="--station '../x'"):
        check_station_id("../x", "--station")
    assert files_under(tmp_path) == set()


async def test_reconnect_keeps_the_new_link_and_leaving_frees_the_entry() -> None:
    async with Csms() as csms:
        first = Station(csms.url, "RE1")
        await first.connect()
        old = await csms.wait_for_station("RE1")
        second = Station(csms.url, "RE1")
        await second.connect()
        await csms.wait_for_departure(old)
        new = csms.stations["RE1"]
        assert new is not old and not new.closed.is_set()
        await second.close()
        await first.close()
        await csms.wait_for_departure(new)
        assert csms.stations == {}
        assert [h.station_id for h in csms.history] == ["RE1", "RE1"]
