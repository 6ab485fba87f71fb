"""The dynamic payment QR code (OCPP 2.1 C25): the virtual charger's one-time password and the
bench's, written apart, agree over time steps; the bench's check names what is wrong with a code."""

from __future__ import annotations

import pytest

from hilbench.cases.qr_code import password_at, qr_problem
from hilbench.sim.charger.web_payment import one_time_password

TEMPLATE = "https://pay.example/{chargingstationid}/{evse}/{totp}?v={version}"
SECRET = "s3cr3t-shared-with-the-csms"
T = 1_764_950_000.0


@pytest.mark.parametrize("length", [6, 8, 32])
def test_the_two_implementations_agree(length: int) -> None:
    for step in range(50):
        at = T + 60 * step
        assert one_time_password(SECRET, length, 60, at) == password_at(SECRET, length, 60, at)
    assert len(password_at(SECRET, length, 60, T)) == length


def test_the_password_changes_with_the_step_and_the_secret() -> None:
    assert password_at(SECRET, 8, 60, T) != password_at(SECRET, 8, 60, T + 60)
    assert password_at(SECRET, 8, 60, T) != password_at("other", 8, 60, T)
    assert password_at(SECRET, 8, 60, T - T % 60) == password_at(SECRET, 8, 60, T - T % 60 + 59)


def _url(station: str = "CS-1", evse: int = 1, totp: str | None = None, version: str = "v1") -> str:
    return TEMPLATE.format(chargingstationid=station, evse=evse, totp=totp or password_at(SECRET, 8, 60, T), version=version)


@pytest.mark.parametrize(("url", "problem"), [
    (_url(), None),
    (_url(totp=password_at(SECRET, 8, 60, T - 60)), None),  # read as it changed: the step before is accepted
    (_url(totp=password_at(SECRET, 8, 60, T - 120)), "is not the one the shared secret gives now"),
    (_url(totp=password_at("", 8, 60, T)), "is not the one the shared secret gives now"),
    (_url(station="CS-2"), "names station 'CS-2', not 'CS-1'"),
    (_url(evse=2), "names EVSE '2', not 1"),
    ("https://elsewhere.example/CS-1/1/x?v=v1", "does not follow the URL template"),
    (None, "shows no QR code"),
])
def test_the_bench_check_names_what_is_wrong(url: str | None, problem: str | None) -> None:
    got = qr_problem(url, template=TEMPLATE, station_id="CS-1", evse_id=1, secret=SECRET, length=8, validity_s=60, now=T)
    assert (got is None) if problem is None else (got is not None and problem in got), got
