"""The virtual charger connects as a real station does under each OCPP security profile: Basic auth
with the device model's password (1, 2), TLS with the CSMS's CA (2, 3) and its own client certificate
(3); a CSMS that refuses it sees it retry, never boot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hilbench.ocpp.csms import Csms
from hilbench.pki import generate
from hilbench.sim.charger.charger import VirtualCharger
from hilbench.sim.charger.config import ChargerConfig
from tests.charger_bench import dc_plant

PASSWORD = "s3cret-password-1234"


@pytest.mark.parametrize("profile", [1, 2, 3])
async def test_boots_under_each_security_profile(tmp_path: Path, profile: int) -> None:
    pki = generate(tmp_path / "pki", ("VC-SEC",)) if profile >= 2 else None
    async with Csms(port=0, security_profile=profile, pki=pki, passwords={"VC-SEC": PASSWORD},
                    tls_min_version="1.3") as csms:
        config = ChargerConfig(csms_url=csms.url, station_id="VC-SEC", security_profile=profile,
                               password=PASSWORD if profile in (1, 2) else None,
                               pki_dir=tmp_path / "pki" if pki else None, state_dir=tmp_path / "state")
        async with VirtualCharger(config, dc_plant()):
            link = await csms.wait_for_station("VC-SEC", timeout=10)
            await link.expect("BootNotification")
            got = await link.call("GetVariables", {"getVariableData": [
                {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"}}]})
            assert got["getVariableResult"][0]["attributeValue"] == str(profile)
            if profile == 3:
                ssl_object = link.ws.transport.get_extra_info("ssl_object")
                assert ssl_object.version() == "TLSv1.3"


async def test_a_wrong_password_is_refused_and_retried(tmp_path: Path) -> None:
    async with Csms(port=0, security_profile=1, passwords={"VC-SEC": PASSWORD}) as csms:
        config = ChargerConfig(csms_url=csms.url, station_id="VC-SEC", security_profile=1, password="wrong-password-00",
                               state_dir=tmp_path / "state")
        async with VirtualCharger(config, dc_plant()) as charger:
            for _ in range(80):  # RetryBackOffWaitMinimum 1 s + up to RetryBackOffRandomRange 2 s
                if len([r for r in csms.refusals if r[0] == "VC-SEC"]) >= 2:
                    break
                await asyncio.sleep(0.1)
            assert len([r for r in csms.refusals if r[0] == "VC-SEC"]) >= 2  # it tries again, with back-off
            assert "VC-SEC" not in csms.stations
            assert charger.firmware is not None and charger.firmware.boot_status is None
