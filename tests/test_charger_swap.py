"""The virtual charger's battery swap station on its own: one slot charger that the batteries
coming in queue for, the battery a driver is given (never one off the charger while another is
left), and a lapsed swap whose battery still gets charged."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from hilbench.sim.charger import swap_station
from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.swap_station import Battery, SwapStation


class FakeTransactions:
    """Records what the station does with its slot transactions."""

    log: list[tuple[str, int, str]] = []

    def __init__(self, *_a: Any, evse_id: int, **_k: Any) -> None:
        self.evse_id, self.tx = evse_id, SimpleNamespace(charging_state="EVConnected", transaction_id=f"tx-{evse_id}")
        self.on_stopping = None

    def start(self, trigger: str, **_k: Any) -> None:
        self.log.append(("start", self.evse_id, trigger))

    def stop(self, trigger: str, *, stopped_reason: str) -> None:
        self.log.append(("stop", self.evse_id, stopped_reason))
        self.tx = None

    def event(self, *_a: Any, **_k: Any) -> None: ...


@pytest.fixture
def station(monkeypatch: pytest.MonkeyPatch) -> SwapStation:
    FakeTransactions.log = []
    monkeypatch.setattr(swap_station, "Transactions", FakeTransactions)
    emitted: list[tuple[str, dict[str, Any]]] = []
    fw = SimpleNamespace(config=SimpleNamespace(station_id="HB"), faults=Faults(), emitted=emitted,
                         emit=lambda action, payload: emitted.append((action, payload)), dm=None, signer=None, evseid="E",
                         meter=SimpleNamespace(update=lambda: None, import_wh=0.0, power_w=lambda: 0.0),
                         power_stage=SimpleNamespace(step=lambda *_a, **_k: 0.0))
    return SwapStation(fw, 4)  # type: ignore[arg-type]


def _swap(station: SwapStation, serial: str, soc: float) -> Battery | None:
    station.request = (7, {"idToken": "card", "type": "ISO14443"}, swap_station.time.monotonic())
    assert station.insert(Battery(serial, soc, 90.0, 1_500.0)) == "Accepted"
    return station.take()


def test_a_battery_that_comes_in_while_another_charges_waits_its_turn(station: SwapStation) -> None:
    out = _swap(station, "IN-1", 20.0)          # into slot 4; B01..B03 at 96 % go out, the fullest first
    assert out is not None and out.serial == "HB-B01" and station.charging is not None and station.charging[0] == 4
    out = _swap(station, "IN-2", 30.0)          # into slot 1, freed by the first swap: waits for the charger
    assert out is not None and out.serial == "HB-B02" and station.waiting == [1]
    station.stop_charging("tx-4")               # the first one's charge ends: the waiting one's begins
    assert station.charging is not None and station.charging[0] == 1 and station.waiting == []
    assert [e for e in FakeTransactions.log if e[0] == "start"] == [("start", 4, "EVDetected"), ("start", 1, "EVDetected")]


def test_the_battery_on_the_charger_goes_out_only_when_no_other_is_left(station: SwapStation) -> None:
    _swap(station, "IN-1", 20.0)                 # slot 4 charging; B02, B03 left
    for serial in ("IN-2", "IN-3"):
        out = _swap(station, serial, 10.0)
        assert out is not None and out.serial != "IN-1"
    # left: IN-1 charging in 4, and the two newcomers (waiting); the fullest not on the charger goes
    out = _swap(station, "IN-4", 5.0)
    assert out is not None and out.serial in ("IN-2", "IN-3")
    assert ("stop", 4, "EVDisconnected") not in FakeTransactions.log


def test_a_lapsed_swap_still_charges_the_battery_that_came_in(station: SwapStation, monkeypatch: pytest.MonkeyPatch) -> None:
    station.request = (9, {"idToken": "card", "type": "ISO14443"}, swap_station.time.monotonic())
    assert station.insert(Battery("IN-1", 20.0, 90.0, 1_500.0)) == "Accepted"
    monkeypatch.setattr(swap_station.time, "monotonic", lambda: 1e12)
    station.tick()  # the control loop finds the swap lapsed, no one need touch the station
    assert station.request is None and not station.authorized()
    assert station.charging is not None and station.charging[0] == 4 and station.take() is None
    timeout = [p for a, p in station.fw.emitted if p["eventType"] == "BatteryOutTimeout"]  # type: ignore[attr-defined]
    assert timeout and timeout[0]["requestId"] == 9


def test_with_no_other_battery_left_the_one_on_the_charger_goes_and_its_charge_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeTransactions.log = []
    monkeypatch.setattr(swap_station, "Transactions", FakeTransactions)
    fw = SimpleNamespace(config=SimpleNamespace(station_id="HB"), faults=Faults(), emit=lambda *_a: None, dm=None,
                         signer=None, evseid="E", meter=SimpleNamespace(update=lambda: None, import_wh=0.0, power_w=lambda: 0.0),
                         power_stage=SimpleNamespace(step=lambda *_a, **_k: 0.0))
    two = SwapStation(fw, 2)  # type: ignore[arg-type]
    assert _swap(two, "IN-1", 20.0).serial == "HB-B01"  # type: ignore[union-attr]
    out = _swap(two, "IN-2", 10.0)
    assert out is not None and out.serial == "IN-1" and ("stop", 2, "EVDisconnected") in FakeTransactions.log
    assert two.charging is not None and two.charging[0] == 1
