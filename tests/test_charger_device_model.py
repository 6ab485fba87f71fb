"""The virtual charger's device model engine over its data: the rules of GetVariables, SetVariables
and the reports (Part 2 B05-B08), the values the charger fills in at start, reboot-required values
and persistence."""

from __future__ import annotations

from pathlib import Path

from hilbench.sim.charger.device_model import DeviceModel


def _get(dm: DeviceModel, component: str, variable: str, **kw: object) -> dict[str, object]:
    return dm.get({"component": {"name": component}, "variable": {"name": variable}} | kw)


def _set(dm: DeviceModel, component: str, variable: str, value: str, **kw: object) -> dict[str, object]:
    return dm.set({"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value} | kw)


def test_results_name_the_attribute_type_and_reasons() -> None:
    dm = DeviceModel.load("dc")
    assert _get(dm, "OCPPCommCtrlr", "HeartbeatInterval")["attributeType"] == "Actual"  # B06.FR.11
    assert _set(dm, "OCPPCommCtrlr", "HeartbeatInterval", "60")["attributeType"] == "Actual"  # B05.FR.12
    low = _set(dm, "OCPPCommCtrlr", "HeartbeatInterval", "0")
    assert low["attributeStatus"] == "Rejected" and low["attributeStatusInfo"]["reasonCode"] == "ValueTooLow"
    odd = _set(dm, "TxCtrlr", "TxStartPoint", "Whenever")
    assert odd["attributeStatusInfo"]["reasonCode"] == "InvalidValue"
    assert _get(dm, "SecurityCtrlr", "BasicAuthPassword")["attributeStatus"] == "Rejected"  # write-only


def test_ac_variant_and_runtime_values() -> None:
    dc = DeviceModel.load("dc", overrides=[("EVSE", "Power", {"evse": 1}, {"MaxSet": "11000"})])
    assert dc.find("EVSE", "Power", evse=1).attributes["MaxSet"] == "11000"
    assert DeviceModel.load("dc", overrides=[("NoSuchCtrlr", "X", {}, {"Actual": "1"})])  # skipped, not an error


def test_report_criteria() -> None:
    dm = DeviceModel.load("dc")
    enabled = {d["component"]["name"] for d in dm.report(None, ["Enabled"])}
    problem = dm.report(None, ["Problem"])
    assert "OCPPCommCtrlr" in enabled  # no Enabled variable: it meets the criterion (B08.FR.07-09)
    assert all(d["component"]["name"] != "OCPPCommCtrlr" for d in problem)
    writeonly = [d for d in dm.base_report("FullInventory") or [] if d["variable"]["name"] == "BasicAuthPassword"]
    assert writeonly and all("value" not in a for d in writeonly for a in d["variableAttribute"])  # B07.FR.03


def test_reboot_required_and_persistence(tmp_path: Path) -> None:
    state = tmp_path / "dm.json"
    dm = DeviceModel.load("dc", state_file=state)
    needs_boot = [v for v in dm.variables if v.reboot_required and v.mutability != "ReadOnly"]
    assert needs_boot
    var = needs_boot[0]
    current = var.attributes["Actual"]
    value = var.values_list[-1] if var.values_list else current
    res = dm.set({"component": var.component_ocpp(), "variable": var.variable_ocpp(), "attributeValue": value})
    assert res["attributeStatus"] == "RebootRequired" and var.attributes["Actual"] == current
    assert _set(dm, "OCPPCommCtrlr", "HeartbeatInterval", "77")["attributeStatus"] == "Accepted"
    again = DeviceModel.load("dc", state_file=state)
    assert again.value("OCPPCommCtrlr", "HeartbeatInterval") == "77"
    again.apply_pending()  # the next boot
    assert again.find(var.component, var.name, instance=var.instance, evse=var.key.evse,
                      component_instance=var.component_instance).attributes["Actual"] == value
