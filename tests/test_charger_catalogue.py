"""The fault catalogue and the charger's command line: every named fault has a test that shows its
effect; ``hilbench sim faults`` lists them; ``hilbench sim charger`` boots at a CSMS and stops on
SIGINT; a bad [dut] section or fault name is one clear error naming the key."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import pytest

from hilbench.errors import ConfigError, RigError
from hilbench.rig_file import load_rig
from hilbench.sim.charger.config import ChargerConfig
from hilbench.sim.charger.faults import CATALOGUE, Faults
from tests.procs import HILBENCH, popen

TESTS = Path(__file__).parent


def test_at_least_25_faults_each_shown_by_a_test() -> None:
    assert len(CATALOGUE) >= 25 and len({f.name for f in CATALOGUE}) == len(CATALOGUE)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", f.name) for f in CATALOGUE)  # kebab-case
    from hilbench.cases.model import library

    sources = "\n".join(p.read_text() for p in TESTS.glob("test_charger_*.py") if p.name != Path(__file__).name)
    # a fault a library case claims to catch is shown by tests/test_cases_library.py, which runs that
    # case against it and requires the fail
    killed = {f for c in library().values() for f in c.kills}
    untested = [f.name for f in CATALOGUE if f'"{f.name}"' not in sources and f.name not in killed]
    assert not untested, f"faults without a test showing their effect: {untested}"


def test_faults_are_off_unless_named() -> None:
    assert not Faults() and not any(Faults().names)
    assert Faults(["slow-setpoint-ramp"]).on("slow-setpoint-ramp") and not Faults(["slow-setpoint-ramp"]).on("ignores-max-energy")
    with pytest.raises(ConfigError, match="unknown fault 'no-such-fault'"):
        Faults(["no-such-fault"])


def test_sim_faults_lists_the_catalogue() -> None:
    p = subprocess.run([*HILBENCH, "sim", "faults", "--json"], capture_output=True, text=True, timeout=60)
    listed = [json.loads(line) for line in p.stdout.splitlines()]
    assert p.returncode == 0 and [f["name"] for f in listed] == [f.name for f in CATALOGUE]
    assert all(f["area"] and f["does"] for f in listed)


def test_sim_charger_boots_at_a_csms_and_stops_on_sigint(tmp_path: Path) -> None:
    csms = popen([*HILBENCH, "csms", "--port", "0"], stdout=subprocess.PIPE)
    try:
        assert csms.stdout is not None
        url = csms.stdout.readline().split()[3]
        charger = popen([*HILBENCH, "sim", "charger", "--csms", url, "--station-id", "VC-CLI", "--variant", "ac",
                         "--fault", "slow-setpoint-ramp", "--state-dir", str(tmp_path / "state"), "--json"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert charger.stdout is not None
            ready = json.loads(charger.stdout.readline())
            assert ready["csms"] == f"{url}/VC-CLI" and ready["faults"] == ["slow-setpoint-ramp"]
            assert ready["secc"].startswith("[::1]:")
            assert (tmp_path / "state" / "meter_key.pem").exists()
        finally:
            charger.send_signal(signal.SIGINT)
            charger.wait(10)
        assert charger.returncode == 0 and "Traceback" not in (charger.stderr.read() if charger.stderr else "")
    finally:
        csms.send_signal(signal.SIGINT)
        csms.wait(10)


@pytest.mark.parametrize(("dut", "message"), [
    ('kind = "robot"', 'dut.kind: \'robot\' is not "virtual" or "external"'),
    ('kind = "virtual"\nfault = ["no-such-fault"]', "unknown fault 'no-such-fault'"),
    ('kind = "virtual"\nvariant = "hydrogen"', "variant: 'hydrogen' is not one of dc, ac"),
    ('kind = "virtual"\nwheels = 4', "dut.wheels: unknown key"),
    ('kind = "external"', "dut.station_id: missing"),
    ('kind = "external"\nstation_id = "../x"', "dut.station_id: '../x' has characters outside"),
    ('kind = "virtual"\nstation_id = "a b"', "dut.station_id: 'a b' has characters outside"),
    ('kind = "external"\nstation_id = "CS1"\nsecurity_profile = 1', "dut.password: missing"),
    ('kind = "external"\nstation_id = "CS1"\nvariant = "dc"', "dut.variant: unknown key for an external charger"),
    ('kind = "virtual"\nsetpoint_settling_s = -1.0', "dut.setpoint_settling_s: -1.0 is not in (0, 600] s"),
    ('kind = "external"\nstation_id = "CS1"\nsetpoint_settling_s = "1"', "dut.setpoint_settling_s: has the wrong type"),
    ('kind = "virtual"\nrated_reactive_power_var = 0', "dut.rated_reactive_power_var: 0.0 is not in (0, 1e6] var"),
    ('kind = "external"\nstation_id = "CS1"\nrated_active_power_w = -22000', "dut.rated_active_power_w: -22000.0 is not in (0, 1e7] W"),
    ('kind = "external"\nstation_id = "CS1"\nunsupported_tariff_conditions = ["minAmps"]',
     "dut.unsupported_tariff_conditions: ['minAmps'] are not TariffConditionsType fields"),
    ('kind = "virtual"\nunsupported_tariff_conditions = "minCurrent"', "dut.unsupported_tariff_conditions: has the wrong type"),
])
def test_bad_dut_sections_name_the_key(tmp_path: Path, dut: str, message: str) -> None:
    rig = tmp_path / "rig.toml"
    rig.write_text(f"[rig]\nname = \"t\"\n[dut]\n{dut}\n")
    with pytest.raises(RigError) as e:
        load_rig(rig)
    assert message in str(e.value) and "rig.toml" in str(e.value)


def test_a_protocol_only_rig_has_no_instruments(tmp_path: Path) -> None:
    rig = tmp_path / "desk.toml"
    rig.write_text('[rig]\nname = "desk"\n[csms]\nport = 9100\n[dut]\nkind = "external"\nstation_id = "CS001"\n')
    config = load_rig(rig)
    assert not config.instruments and config.dut is not None and config.csms.url("CS001") == "ws://127.0.0.1:9100/ocpp/CS001"


def test_a_whole_number_of_seconds_is_a_settling_time(tmp_path: Path) -> None:
    rig = tmp_path / "lab.toml"
    rig.write_text('[rig]\nname = "lab"\n[dut]\nkind = "external"\nstation_id = "CS001"\nsetpoint_settling_s = 2\n')
    config = load_rig(rig)
    assert config.dut is not None and config.dut.setpoint_settling_s == 2.0
    assert isinstance(config.dut.setpoint_settling_s, float)
    assert config.dut.rated_reactive_power_var is None  # not declared: the VoltVar case skips


def test_dut_table_builds_the_charger_config() -> None:
    config = load_rig("sim")
    assert config.dut is not None and config.dut.setpoint_settling_s == 0.7  # declared, not a charger option
    c = ChargerConfig.from_table(dict(config.dut.virtual or {}), csms_url="ws://127.0.0.1:1/ocpp")
    assert (c.variant, c.station_id, c.max_power_w, c.max_current_a) == ("dc", "HB-VC-001", 22_000.0, 100.0)
