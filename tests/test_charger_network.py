"""The virtual charger's network connection profiles (A05, B09): what SetNetworkProfile and
NetworkConfigurationPriority accept and refuse, the slot order at boot, the hand-over after failed
attempts, and that an upgrade drops the lower slots for good (or keeps them under the fault
falls-back-to-lower-profile); the rig's upgrade_port. The whole upgrade through the bench CSMS is
case HB_A_05_CS (tests/test_cases_library.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hilbench.errors import RigError
from hilbench.rig_file import load_rig
from hilbench.sim.charger.config import ChargerConfig
from hilbench.sim.charger.device_model import DeviceModel
from hilbench.sim.charger.faults import Faults
from hilbench.sim.charger.network import NetworkProfiles

ATTEMPTS_PER_SLOT = 3  # the device model's NetworkProfileConnectionAttempts

UP = {"ocppCsmsUrl": "wss://127.0.0.1:9443/ocpp", "securityProfile": 3, "ocppInterface": "Wired0",
      "ocppTransport": "JSON", "messageTimeout": 30}


def _network(tmp_path: Path, *faults: str, profile: int = 2) -> tuple[NetworkProfiles, DeviceModel]:
    config = ChargerConfig(csms_url="wss://127.0.0.1:9000/ocpp", station_id="VC-NET", security_profile=profile,
                           password="pw-0123456789abcdef", pki_dir=tmp_path / "pki", state_dir=tmp_path)
    net = NetworkProfiles(config, tmp_path, Faults(list(faults)))
    dm = DeviceModel.load("dc", state_file=tmp_path / "device_model.json")
    net.start(dm)
    return net, dm


@pytest.mark.parametrize(("slot", "data", "has_cert", "reason"), [
    (7, UP, True, "InvalidValue"),
    (2, UP | {"securityProfile": 1, "ocppCsmsUrl": "ws://127.0.0.1:9000/ocpp"}, True, "NoSecurityDowngrade"),
    (2, UP, False, "NoCertificate"),
    (2, UP | {"ocppCsmsUrl": "ws://127.0.0.1:9443/ocpp"}, True, "InvalidURL"),
    (2, UP | {"securityProfile": 2, "ocppCsmsUrl": "http://x/ocpp"}, True, "InvalidURL"),
])
def test_set_network_profile_refuses_what_it_must(tmp_path: Path, slot: int, data: dict[str, object],
                                                  has_cert: bool, reason: str) -> None:
    net, _ = _network(tmp_path)
    status, code, info = net.set_profile(slot, data, has_cert)
    assert (status, code) == ("Rejected", reason) and info
    assert set(net.slots) == {1}


def test_a_downgrade_is_accepted_only_under_its_fault(tmp_path: Path) -> None:
    low = UP | {"securityProfile": 1, "ocppCsmsUrl": "ws://127.0.0.1:9000/ocpp"}
    net, _ = _network(tmp_path, "accepts-security-downgrade")
    assert net.set_profile(2, low, True)[0] == "Accepted"
    assert net.priority_problem("2,1") is None


def test_an_accepted_profile_persists_and_shows_in_the_device_model(tmp_path: Path) -> None:
    net, dm = _network(tmp_path)
    assert net.set_profile(2, UP, True) == ("Accepted", None, "")
    net.show(dm)
    assert dm.value("NetworkConfiguration", "OcppCsmsUrl", component_instance="2") == UP["ocppCsmsUrl"]
    assert dm.value("NetworkConfiguration", "SecurityProfile", component_instance="2") == "3"
    again, _ = _network(tmp_path)
    assert again.slots[2].url == UP["ocppCsmsUrl"] and again.slots[2].security_profile == 3
    assert again.slots[2].password == "pw-0123456789abcdef"  # kept from the slot in use


def test_priority_needs_configured_slots_at_no_lower_profile(tmp_path: Path) -> None:
    net, _ = _network(tmp_path, profile=3)
    assert net.priority_problem("2,1") == "slot 2 has no network profile"
    assert net.priority_problem("1,x") == "'x' is not a slot number"
    assert net.priority_problem("1") is None


def test_the_upgrade_takes_effect_at_boot_and_drops_the_lower_slot(tmp_path: Path) -> None:
    net, dm = _network(tmp_path)
    net.set_profile(2, UP, True)
    dm.set({"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
            "attributeValue": "2,1"})
    assert net.current().security_profile == 2  # RebootRequired: not before the next boot
    dm.apply_pending()
    net.start(dm)
    assert (net.active, net.current().security_profile) == (2, 3)
    net.connected(dm)
    assert set(net.slots) == {2} and dm.value("OCPPCommCtrlr", "NetworkConfigurationPriority") == "2"
    assert dm.value("SecurityCtrlr", "SecurityProfile") == "3"
    for _ in range(3 * ATTEMPTS_PER_SLOT):  # failures never lead back to profile 2
        net.failed(ATTEMPTS_PER_SLOT)
    assert net.current().security_profile == 3
    assert net.set_profile(1, UP | {"securityProfile": 2, "ocppCsmsUrl": "wss://h/ocpp"}, True)[1] == "NoSecurityDowngrade"


def test_failed_attempts_hand_over_to_the_next_slot(tmp_path: Path) -> None:
    net, dm = _network(tmp_path, "falls-back-to-lower-profile")
    net.set_profile(2, UP, True)
    dm.set({"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
            "attributeValue": "2,1"})
    dm.apply_pending()
    net.start(dm)
    net.connected(dm)  # the fault keeps slot 1
    for _ in range(ATTEMPTS_PER_SLOT - 1):
        net.failed(ATTEMPTS_PER_SLOT)
    assert net.active == 2
    net.failed(ATTEMPTS_PER_SLOT)
    assert (net.active, net.current().security_profile) == (1, 2)


@pytest.mark.parametrize(("csms", "message"), [
    ("security_profile = 3\npki_dir = \"auto\"\nupgrade_port = 0", "csms.upgrade_port: an upgrade goes from security profile 1 or 2"),
    ("security_profile = 1\nupgrade_port = 0", "csms.pki_dir: missing: the upgrade to security profile 2"),
    ("security_profile = 2\npki_dir = \"auto\"\nupgrade_port = 70000", "csms.upgrade_port: 70000 is not a TCP port"),
])
def test_bad_upgrade_ports_name_the_key(tmp_path: Path, csms: str, message: str) -> None:
    rig = tmp_path / "rig.toml"
    rig.write_text(f"[rig]\nname = \"t\"\n[csms]\n{csms}\n")
    with pytest.raises(RigError, match=message):
        load_rig(rig)


def test_the_shipped_upgrade_rig() -> None:
    config = load_rig("sim-sp2")
    assert (config.csms.security_profile, config.csms.upgrade_port, config.csms.pki_auto) == (2, 0, True)
