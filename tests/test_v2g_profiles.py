"""EV and EVSE profiles as data: every shipped profile completes a session against the bench's
other side; the command line reaches them (--ev, --evse, --set); a bad key or value is one clear
error naming the file or option, the key and what it may be."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hilbench.errors import ProfileError
from hilbench.v2g import profile
from hilbench.v2g.events import SessionEnded
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc
from tests.procs import HILBENCH, popen
from tests.v2g_loopback import run

#: Which charger each EV profile is tried against, and the service (the 800 V car needs a charger
#: that reaches its voltage).
EV_RUNS = {"small-car": ("dc-bpt-22kw", "DC_BPT"), "large-car": ("hpc-400kw", "DC_BPT"), "van": ("dc-bpt-22kw", "DC_BPT")}
EVSE_RUNS = {"dc-bpt-22kw": "DC_BPT", "ac-bpt-11kw": "AC_BPT", "hpc-400kw": "DC"}


def test_the_shipped_profiles_are_the_tested_ones() -> None:
    assert profile.shipped("ev") == sorted(EV_RUNS) and profile.shipped("evse") == sorted(EVSE_RUNS)


@pytest.mark.parametrize("control", ["scheduled", "dynamic"])
@pytest.mark.parametrize("ev_name", sorted(EV_RUNS))
def test_each_ev_profile_completes_a_session(ev_name: str, control: str) -> None:
    evse_name, service = EV_RUNS[ev_name]
    ev = profile.load("ev", ev_name)
    evcc, secc = Evcc(service, control, ev=ev), Secc(evse=profile.load("evse", evse_name))
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK"), evcc.ended
    loops = [r for d, r, _t in evcc.log if d == "out" and r.endswith("ChargeLoopReq")]
    assert len(loops) == ev.loop_cycles
    assert any(r["power_w"] < 0 for r in secc.loop_reports), "a BPT session discharges too"


@pytest.mark.parametrize("evse_name", sorted(EVSE_RUNS))
def test_each_evse_profile_completes_a_session(evse_name: str) -> None:
    evse = profile.load("evse", evse_name)
    evcc, secc = Evcc(EVSE_RUNS[evse_name], "dynamic", ev=profile.load("ev", "small-car")), Secc(evse=evse)
    run(evcc, secc)
    assert evcc.ended == SessionEnded(True, "SessionStop OK"), evcc.ended
    assert max(abs(r["power_w"]) for r in secc.loop_reports) <= evse.max_charge_power_w


def test_an_800_v_car_stops_in_precharge_at_a_500_v_charger() -> None:
    """The profiles' values reach the engines: the bench SECC's default EVSE tops out at 500 V."""
    evcc, secc = Evcc("DC", "scheduled", ev=profile.load("ev", "large-car")), Secc()
    run(evcc, secc)
    assert evcc.ended is not None and not evcc.ended.ok and "PreCharge" in evcc.ended.reason, evcc.ended


def test_overrides_follow_the_profile(tmp_path: Path) -> None:
    ev = profile.load("ev", "van", ["soc=0.9", "precharge_tolerance_v=none", "loop_cycles=3", "departure_time_s=60"])
    assert (ev.soc, ev.precharge_tolerance_v, ev.loop_cycles, ev.departure_time_s, ev.capacity_wh) == (0.9, None, 3, 60, 75000.0)
    own = tmp_path / "mine.toml"
    own.write_text('description = "x"\n[evse]\nservices = ["AC"]\nmax_current_a = 32\n')
    evse = profile.load("evse", own, ["evseid=DE*ABC*E1"])
    assert evse.services == ("AC",) and evse.max_current_a == 32.0 and evse.evseid == "DE*ABC*E1"


@pytest.mark.parametrize(("kind", "source", "overrides", "message"), [
    ("ev", None, ["capacity=3"], "--set capacity: unknown parameter (known: capacity_wh, soc,"),
    ("ev", None, ["soc=1.5"], "--set soc: 1.5 is out of range (>= 0 and <= 1)"),
    ("ev", None, ["capacity_wh=0"], "--set capacity_wh: 0 Wh is out of range (> 0)"),
    ("ev", None, ["capacity_wh=lots"], "--set capacity_wh: expected a number in Wh, got 'lots'"),
    ("ev", None, ["loop_cycles=2.5"], "--set loop_cycles: expected an integer, got 2.5"),
    ("ev", None, ["soc=none"], "--set soc: may not be none (expected number)"),
    ("ev", None, ["soc"], "--set 'soc': expected KEY=VALUE"),
    ("ev", None, ["max_voltage_v=310"], "ev defaults with --set: the open-circuit voltages (330-410 V) must lie"),
    ("ev", "tiny", [], "no ev profile 'tiny' (shipped: large-car, small-car, van; or give a file)"),
    ("evse", None, ["services=DC,XX"], "services: XX (known: AC, DC, AC_BPT, DC_BPT)"),
    ("evse", None, ["standby_allowed=1"], "--set standby_allowed: expected true or false, got 1"),
    ("evse", None, ["session_ids=a"], "--set session_ids: unknown parameter"),
    ("evse", None, ["pnc_trust_pem=x"], "--set pnc_trust_pem: unknown parameter"),
])
def test_bad_values_name_the_key(kind: str, source: str | None, overrides: list[str], message: str) -> None:
    with pytest.raises(ProfileError) as e:
        profile.load(kind, source, overrides)
    assert message in str(e.value)


@pytest.mark.parametrize(("text", "message"), [
    ("[ev]\nsoc = \"half\"\n", "bad.toml: ev.soc: expected a number, got 'half'"),
    ("[ev]\nwheels = 4\n", "bad.toml: ev.wheels: unknown parameter"),
    ("[car]\nsoc = 0.5\n", "bad.toml: unknown key car (a profile has 'description' and a [ev] table)"),
    ("ev = 3\n", "bad.toml: ev must be a table"),
    ("[ev\n", "bad.toml: not TOML"),
])
def test_bad_files_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(ProfileError) as e:
        profile.load("ev", bad)
    assert message in str(e.value)


def test_every_parameter_is_described() -> None:
    lines = profile.describe("ev")
    assert len(lines) == len(profile.parameters("ev")) and lines[0].startswith("capacity_wh = 60000.0  (number Wh, > 0)")


def test_the_command_line_reaches_the_profiles() -> None:
    secc = popen([*HILBENCH, "v2g", "secc", "--no-tls", "--evse", "hpc-400kw"], stdout=subprocess.PIPE)
    try:
        listening = json.loads(secc.stdout.readline())["listening"]  # type: ignore[union-attr]
        p = subprocess.run([*HILBENCH, "v2g", "evcc", "--secc", listening, "--no-tls", "--service", "DC_BPT",
                            "--ev", "large-car", "--set", "loop_cycles=3", "--json"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        result = json.loads(p.stdout.splitlines()[-1])
        assert result["ok"] and [m["message"] for m in result["messages"]].count("DC_ChargeLoopReq") == 3
        # the 800 V car at the bench SECC's default 500 V charger: refused in PreCharge, exit 1
        secc.send_signal(2)
        secc.wait(10)
        secc = popen([*HILBENCH, "v2g", "secc", "--no-tls"], stdout=subprocess.PIPE)
        listening = json.loads(secc.stdout.readline())["listening"]  # type: ignore[union-attr]
        p = subprocess.run([*HILBENCH, "v2g", "evcc", "--secc", listening, "--no-tls", "--service", "DC", "--ev", "large-car"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 1 and "PreCharge" in p.stdout, p.stdout + p.stderr
    finally:
        secc.send_signal(2)
        secc.wait(10)
