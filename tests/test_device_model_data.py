"""The virtual charger's device model data (src/hilbench/sim/charger/device_model.toml), checked as
data: every entry has the keys it must have and no others, uses the OCPP 2.1 enumerations (read from
the installed ``ocpp`` package's JSON schemas), has attribute values that parse as its data type and
lie within its limits and values list, fits the NotifyReport field lengths, and is unique by
(component, instance, evse, connector, variable, instance) as the engine looks it up (case-insensitive).
Every problem is collected with its location before the test fails. A table of broken entries shows
that each rule does catch what it is meant to."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "hilbench" / "sim" / "charger" / "device_model.toml"
NOTES = DATA.with_name("DEVICE_MODEL.md")

DATA_TYPES = ("string", "decimal", "integer", "dateTime", "boolean", "OptionList", "SequenceList", "MemberList")
MUTABILITIES = ("ReadOnly", "WriteOnly", "ReadWrite")
LIST_TYPES = ("OptionList", "SequenceList", "MemberList")
#: device_model.toml key of each attribute type (AttributeEnumType)
ATTRIBUTE_KEYS = {"Actual": "actual", "Target": "target", "MinSet": "min_set", "MaxSet": "max_set"}

COMPONENT_KEYS = {"name", "evse", "connector", "instance", "variable"}
VARIABLE_REQUIRED = {"name": str, "data_type": str, "mutability": str, "persistent": bool, "constant": bool,
                     "required": bool, "reboot_required": bool, "confirmed": bool, "description": str}
VARIABLE_OPTIONAL = {"instance": str, "unit": str, "actual": str, "ac": str, "min_set": str, "max_set": str,
                     "target": str, "min_limit": (int, float), "max_limit": (int, float), "values_list": str}

# NotifyReport field lengths (OCPP 2.1 schemas; the same in 2.0.1)
NAME_MAX = 50          # ComponentType.name/instance, VariableType.name/instance
UNIT_MAX = 16          # VariableCharacteristicsType.unit
VALUES_LIST_MAX = 1000  # VariableCharacteristicsType.valuesList
VALUE_MAX = 2500       # VariableAttributeType.value

INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")               # Part 2 2.1.4: no leading zeros, no plus sign
DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]{1,6})?")  # at most six decimals towards the station
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)")  # RFC 3339, ≤ 3 fractions

#: ConnectorEnumStringType values (OCPP 2.1 Appendix 7.3)
CONNECTOR_TYPES = frozenset((
    "cCCS1 cCCS2 cChaoJi cG105 cGBT-DC cLECCS cMCS cNACS cNACS-CCS1 cCCS1-NACS cTesla cType1 cType2 cUltraChaoJi "
    "s309-1P-16A s309-1P-32A s309-3P-16A s309-3P-32A sBS1361 sCEE-7-7 sType1 sType2 sType3 wInductive wResonant "
    "Other1PhMax16A Other1PhOver16A Other3Ph Pan Undetermined Unknown BatterySlot").split())
#: IdTokenEnumStringType values (OCPP 2.1 Appendix 7.1)
ID_TOKEN_TYPES = frozenset("Central DirectPayment eMAID EVCCID ISO14443 ISO15693 KeyCode Local MacAddress "
                           "NoAuthorization VIN".split())

#: values lists drawn from an OCPP 2.1 enumeration: variable name -> (schema, definition)
ENUM_SOURCES = {
    "AvailabilityState": ("StatusNotificationRequest", "ConnectorStatusEnumType"),
    "Measurands": ("MeterValuesRequest", "MeasurandEnumType"),
    "TxStartedMeasurands": ("MeterValuesRequest", "MeasurandEnumType"),
    "TxUpdatedMeasurands": ("MeterValuesRequest", "MeasurandEnumType"),
    "TxEndedMeasurands": ("MeterValuesRequest", "MeasurandEnumType"),
    "SupportedEnergyTransferModes": ("NotifyEVChargingNeedsRequest", "EnergyTransferModeEnumType"),
    "SupportedOperationModes": ("SetChargingProfileRequest", "OperationModeEnumType"),
    "SupportedAdditionalPurposes": ("SetChargingProfileRequest", "ChargingProfilePurposeEnumType"),
    "RateUnit": ("SetChargingProfileRequest", "ChargingRateUnitEnumType"),
    "ModesSupported": ("SetDERControlRequest", "DERControlEnumType"),
    "SupportedFormats": ("SetDisplayMessageRequest", "MessageFormatEnumType"),
    "SupportedPriorities": ("SetDisplayMessageRequest", "MessagePriorityEnumType"),
    "SupportedStates": ("SetDisplayMessageRequest", "MessageStateEnumType"),
    "OcppInterface": ("SetNetworkProfileRequest", "OCPPInterfaceEnumType"),
    "OcppTransport": ("SetNetworkProfileRequest", "OCPPTransportEnumType"),
    "OcppVersion": ("SetNetworkProfileRequest", "OCPPVersionEnumType"),
}

#: Variables OCPP 2.1 Part 2 marks required for the functional blocks this charger supports
#: (General, Security, Authorization, Transactions, Metering, Smart Charging, Charging Infrastructure,
#: Display Message, V2X): (component, evse, variable, variable instance).
REQUIRED = [
    ("ChargingStation", None, "Available", None), ("ChargingStation", None, "AvailabilityState", None),
    ("ChargingStation", None, "SupplyPhases", None),
    ("EVSE", 1, "Available", None), ("EVSE", 1, "AvailabilityState", None), ("EVSE", 1, "SupplyPhases", None),
    ("EVSE", 1, "Power", None),
    ("Connector", 1, "Available", None), ("Connector", 1, "AvailabilityState", None),
    ("Connector", 1, "ConnectorType", None), ("Connector", 1, "SupplyPhases", None),
    ("OCPPCommCtrlr", None, "ActiveNetworkProfile", None), ("OCPPCommCtrlr", None, "FileTransferProtocols", None),
    ("OCPPCommCtrlr", None, "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", None, "MessageAttempts", "TransactionEvent"),
    ("OCPPCommCtrlr", None, "MessageAttemptInterval", "TransactionEvent"),
    ("OCPPCommCtrlr", None, "NetworkConfigurationPriority", None),
    ("OCPPCommCtrlr", None, "NetworkProfileConnectionAttempts", None),
    ("OCPPCommCtrlr", None, "OfflineThreshold", None), ("OCPPCommCtrlr", None, "ResetRetries", None),
    ("OCPPCommCtrlr", None, "UnlockOnEVSideDisconnect", None),
    ("OCPPCommCtrlr", None, "RetryBackOffRandomRange", None), ("OCPPCommCtrlr", None, "RetryBackOffRepeatTimes", None),
    ("OCPPCommCtrlr", None, "RetryBackOffWaitMinimum", None), ("OCPPCommCtrlr", None, "WebSocketPingInterval", None),
    ("DeviceDataCtrlr", None, "ItemsPerMessage", "GetReport"), ("DeviceDataCtrlr", None, "ItemsPerMessage", "GetVariables"),
    ("DeviceDataCtrlr", None, "ItemsPerMessage", "SetVariables"), ("DeviceDataCtrlr", None, "BytesPerMessage", "GetReport"),
    ("DeviceDataCtrlr", None, "BytesPerMessage", "GetVariables"), ("DeviceDataCtrlr", None, "BytesPerMessage", "SetVariables"),
    ("ClockCtrlr", None, "DateTime", None), ("ClockCtrlr", None, "TimeSource", None),
    ("SecurityCtrlr", None, "OrganizationName", None), ("SecurityCtrlr", None, "CertificateEntries", None),
    ("SecurityCtrlr", None, "SecurityProfile", None),
    ("AuthCtrlr", None, "AuthorizeRemoteStart", None), ("AuthCtrlr", None, "LocalAuthorizeOffline", None),
    ("AuthCtrlr", None, "LocalPreAuthorize", None), ("AuthCtrlr", None, "SupportedIdTokenTypes", None),
    ("TxCtrlr", None, "EVConnectionTimeOut", None), ("TxCtrlr", None, "StopTxOnEVSideDisconnect", None),
    ("TxCtrlr", None, "StopTxOnInvalidId", None), ("TxCtrlr", None, "TxStartPoint", None),
    ("TxCtrlr", None, "TxStopPoint", None),
    ("SampledDataCtrlr", None, "TxEndedMeasurands", None), ("SampledDataCtrlr", None, "TxStartedMeasurands", None),
    ("SampledDataCtrlr", None, "TxUpdatedMeasurands", None), ("SampledDataCtrlr", None, "TxUpdatedInterval", None),
    ("AlignedDataCtrlr", None, "Interval", None), ("AlignedDataCtrlr", None, "Measurands", None),
    ("AlignedDataCtrlr", None, "TxEndedMeasurands", None),
    ("SmartChargingCtrlr", None, "ProfileStackLevel", None), ("SmartChargingCtrlr", None, "RateUnit", None),
    ("SmartChargingCtrlr", None, "PeriodsPerSchedule", None), ("SmartChargingCtrlr", None, "Entries", "ChargingProfiles"),
    ("SmartChargingCtrlr", None, "LimitChangeSignificance", None),
    ("ISO15118Ctrlr", None, "ContractValidationOffline", None),
    ("V2XChargingCtrlr", 1, "Enabled", None), ("V2XChargingCtrlr", 1, "SupportedEnergyTransferModes", None),
    ("V2XChargingCtrlr", 1, "SupportedOperationModes", None),
]


# ---- loading -------------------------------------------------------------------------------------
@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(DATA.read_text(encoding="utf-8"))


@cache
def _schema(name: str) -> dict[str, Any]:
    base = resources.files("ocpp") / "v21" / "schemas"
    return json.loads((base / f"{name}.json").read_text(encoding="utf-8"))["definitions"]


def _enum(schema: str, definition: str) -> frozenset[str]:
    d = _schema(schema)[definition]
    return frozenset(d["enum"] if "enum" in d else (k for k in d["properties"] if k != "customData"))


def _entries(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for c in data.get("component", []):
        for v in c.get("variable", []):
            yield _where(c, v), c, v


def _where(c: dict[str, Any], v: dict[str, Any] | None = None) -> str:
    text = str(c.get("name"))
    if c.get("instance") is not None:
        text += f"[{c['instance']}]"
    if c.get("evse") is not None:
        text += f"@evse{c['evse']}" + (f"/{c['connector']}" if c.get("connector") is not None else "")
    if v is not None:
        text += f".{v.get('name')}" + (f"[{v['instance']}]" if v.get("instance") is not None else "")
    return text


def _items(value: str) -> list[str]:
    return [s.strip() for s in value.split(",")] if value else []


# ---- the rules -----------------------------------------------------------------------------------
def _value_problems(v: dict[str, Any], key: str, value: str) -> list[str]:
    """Why ``value`` (of attribute ``key``) is not a valid value of variable ``v``."""
    t, lo, hi = v.get("data_type"), v.get("min_limit"), v.get("max_limit")
    out = []
    if len(value) > VALUE_MAX:
        out.append(f"{key} longer than {VALUE_MAX} characters")
    number: float | None = None
    if t == "integer":
        if not INTEGER.fullmatch(value):
            return [f"{key} {value!r} is not an OCPP integer"]
        number = int(value)
    elif t == "decimal":
        if not DECIMAL.fullmatch(value):
            return [f"{key} {value!r} is not an OCPP decimal"]
        number = float(value)
    elif t == "boolean":
        if value not in ("true", "false"):
            out.append(f"{key} {value!r} is not true or false")
    elif t == "dateTime":
        try:
            ok = bool(DATETIME.fullmatch(value)) and dt.datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            ok = False
        if not ok:
            out.append(f"{key} {value!r} is not an RFC 3339 date-time with offset")
    else:  # string and the list types: max_limit is the longest allowed value
        if hi is not None and len(value) > hi:
            out.append(f"{key} is {len(value)} characters, more than max_limit {hi}")
        if t in LIST_TYPES:
            items = _items(value)
            allowed = _items(v.get("values_list") or "")
            if t == "OptionList" and len(items) != 1:
                out.append(f"{key} {value!r}: an OptionList holds exactly one value")
            odd = [i for i in items if i not in allowed]
            if odd:
                out.append(f"{key}: {', '.join(odd)} not in values_list")
            if len(set(items)) != len(items):
                out.append(f"{key} {value!r} repeats a member")
    if number is not None:
        if not math.isfinite(number):
            out.append(f"{key} {value!r} is not finite")
        if lo is not None and number < lo:
            out.append(f"{key} {value} below min_limit {lo}")
        if hi is not None and number > hi:
            out.append(f"{key} {value} above max_limit {hi}")
    return out


def _variable_problems(v: dict[str, Any]) -> list[str]:
    out = []
    for key, kind in VARIABLE_REQUIRED.items():
        if key not in v:
            out.append(f"{key} missing")
        elif not isinstance(v[key], kind):
            out.append(f"{key} is not a {kind.__name__}")
    for key, kind in VARIABLE_OPTIONAL.items():
        if key in v and (not isinstance(v[key], kind) or isinstance(v[key], bool)):
            out.append(f"{key} has the wrong type")
    odd = set(v) - set(VARIABLE_REQUIRED) - set(VARIABLE_OPTIONAL)
    if odd:
        out.append(f"unknown keys {sorted(odd)}")
    if out:
        return out
    t, mutability = v["data_type"], v["mutability"]
    if t not in DATA_TYPES:
        out.append(f"data_type {t!r} is not a DataEnumType value")
    if mutability not in MUTABILITIES:
        out.append(f"mutability {mutability!r} is not a MutabilityEnumType value")
    for key in ("name", "instance"):
        if key in v and not 0 < len(v[key]) <= NAME_MAX:
            out.append(f"{key} must be 1 to {NAME_MAX} characters")
    if len(v.get("unit", "")) > UNIT_MAX:
        out.append(f"unit longer than {UNIT_MAX} characters")
    if not v["description"].strip() or "\n" in v["description"]:
        out.append("description must be one non-empty line")
    lo, hi = v.get("min_limit"), v.get("max_limit")
    if lo is not None and hi is not None and lo > hi:
        out.append(f"min_limit {lo} above max_limit {hi}")
    if t in ("boolean", "dateTime") and (lo is not None or hi is not None):
        out.append(f"a {t} has no limits")
    # values lists belong to the list types, and list types need one
    values_list = v.get("values_list")
    if values_list is not None:
        members = _items(values_list)
        if t not in LIST_TYPES:
            out.append(f"values_list on a {t}")
        if len(values_list) > VALUES_LIST_MAX:
            out.append(f"values_list longer than {VALUES_LIST_MAX} characters")
        if not members or any(not m for m in members) or len(set(members)) != len(members):
            out.append("values_list has empty or repeated members")
    elif t in LIST_TYPES:
        out.append(f"a {t} without values_list")
    # mutability and the attributes
    if mutability == "WriteOnly":
        for key in ("actual", "ac"):
            if key in v:
                out.append(f"a WriteOnly variable reports no {key}")
    elif "actual" not in v:
        out.append("actual missing")
    if mutability != "ReadOnly" and not v["persistent"]:
        out.append("writable variables are persistent (Part 2, general requirements)")
    if v["constant"] and mutability != "ReadOnly":
        out.append("a constant variable must be ReadOnly")
    if v["reboot_required"] and mutability == "ReadOnly":
        out.append("reboot_required on a ReadOnly variable")
    if "ac" in v and v["ac"] == v.get("actual"):
        out.append("ac repeats actual")
    for key in ("actual", "ac", "min_set", "max_set", "target"):
        if key in v:
            out.extend(_value_problems(v, key, v[key]))
    return out


def _component_problems(c: dict[str, Any]) -> list[str]:
    out = []
    odd = set(c) - COMPONENT_KEYS
    if odd:
        out.append(f"unknown keys {sorted(odd)}")
    if not isinstance(c.get("name"), str) or not 0 < len(c["name"]) <= NAME_MAX:
        out.append(f"name must be 1 to {NAME_MAX} characters")
    if "instance" in c and (not isinstance(c["instance"], str) or not 0 < len(c["instance"]) <= NAME_MAX):
        out.append(f"instance must be 1 to {NAME_MAX} characters")
    for key in ("evse", "connector"):
        if key in c and (not isinstance(c[key], int) or isinstance(c[key], bool) or c[key] < 1):
            out.append(f"{key} must be an integer from 1")
    if "connector" in c and "evse" not in c:
        out.append("connector without evse")
    if not c.get("variable"):
        out.append("no variables")
    return out


def problems(data: dict[str, Any]) -> list[str]:
    """Every problem of the device model ``data``, each with its location."""
    out = [f"{_where(c)}: {p}" for c in data.get("component", []) for p in _component_problems(c)]
    seen: dict[tuple[Any, ...], str] = {}
    for where, c, v in _entries(data):
        out.extend(f"{where}: {p}" for p in _variable_problems(v))
        key = (str(c.get("name")).lower(), (c.get("instance") or "").lower(), c.get("evse"), c.get("connector"),
               str(v.get("name")).lower(), (v.get("instance") or "").lower())
        if key in seen:
            out.append(f"{where}: the same (component, evse, connector, instance, variable) as {seen[key]}")
        seen.setdefault(key, where)
    return out


# ---- the shipped data ----------------------------------------------------------------------------
def test_the_device_model_is_well_formed() -> None:
    found = problems(_data())
    assert not found, "\n".join(found)


def test_the_enumerations_are_the_ocpp_21_ones() -> None:
    """The data types and mutabilities above are the schemas' (no SelectionList: NotifyReport's
    DataEnumType has none); the attribute keys cover AttributeEnumType."""
    assert set(DATA_TYPES) == _enum("NotifyReportRequest", "DataEnumType")
    assert set(MUTABILITIES) == _enum("NotifyReportRequest", "MutabilityEnumType")
    assert set(ATTRIBUTE_KEYS) == _enum("NotifyReportRequest", "AttributeEnumType")
    d = _schema("NotifyReportRequest")
    assert d["VariableCharacteristicsType"]["properties"]["unit"]["maxLength"] == UNIT_MAX
    assert d["VariableCharacteristicsType"]["properties"]["valuesList"]["maxLength"] == VALUES_LIST_MAX
    assert d["VariableAttributeType"]["properties"]["value"]["maxLength"] == VALUE_MAX
    assert d["ComponentType"]["properties"]["name"]["maxLength"] == NAME_MAX
    assert d["VariableType"]["properties"]["instance"]["maxLength"] == NAME_MAX


def test_values_lists_hold_ocpp_enumeration_values() -> None:
    found = []
    for where, _c, v in _entries(_data()):
        if v["name"] in ENUM_SOURCES:
            allowed = _enum(*ENUM_SOURCES[v["name"]])
            found += [f"{where}: {m} is not a {ENUM_SOURCES[v['name']][1]} value"
                      for m in _items(v.get("values_list", "")) if m not in allowed]
        if v["name"] == "SupportedLimits":
            allowed = _enum("TransactionEventResponse", "TransactionLimitType")
            found += [f"{where}: {m} is not a TransactionLimitType field" for m in _items(v["values_list"]) if m not in allowed]
        if v["name"] == "SupportedIdTokenTypes":
            found += [f"{where}: {m} is not an IdTokenEnumStringType value" for m in _items(v["values_list"])
                      if m not in ID_TOKEN_TYPES]
        if v["name"] == "ConnectorType":
            found += [f"{where}: {v[k]!r} is not a ConnectorEnumStringType value" for k in ("actual", "ac")
                      if k in v and v[k] not in CONNECTOR_TYPES]
    assert not found, "\n".join(found)


def test_the_required_variables_are_there_and_marked() -> None:
    index = {(c["name"], c.get("evse"), v["name"], v.get("instance")): v for _w, c, v in _entries(_data())}
    missing = [key for key in REQUIRED if key not in index]
    unmarked = [key for key in REQUIRED if key in index and not index[key]["required"]]
    assert not missing and not unmarked, (missing, unmarked)


def test_both_variants_hold_valid_values() -> None:
    """What the engine loads for "dc" (actual) and for "ac" (ac, else actual) passes the same checks."""
    for variant in ("dc", "ac"):
        for where, _c, v in _entries(_data()):
            if v["mutability"] == "WriteOnly":
                continue
            value = v.get("ac", v["actual"]) if variant == "ac" else v["actual"]
            assert not _value_problems(v, "actual", value), (variant, where)


def test_every_unconfirmed_entry_is_explained() -> None:
    """Each ⚠ (confirmed = false) entry is named in DEVICE_MODEL.md, and the notes stay short."""
    notes = NOTES.read_text(encoding="utf-8")
    assert len(notes.splitlines()) <= 80
    shown = [f"{c['name']}.{v['name']}" + (f"[{v['instance']}]" if v.get("instance") else "")
             for _w, c, v in _entries(_data()) if not v["confirmed"]]
    assert shown, "no ⚠ entries: then DEVICE_MODEL.md should say so"
    assert [s for s in shown if s not in notes] == []


# ---- the rules catch what they are meant to ------------------------------------------------------
def _one(variable: dict[str, Any], **component: Any) -> dict[str, Any]:
    return {"component": [{"name": "OCPPCommCtrlr", **component, "variable": [variable]}]}


GOOD = {"name": "HeartbeatInterval", "data_type": "integer", "unit": "s", "mutability": "ReadWrite", "persistent": True,
        "constant": False, "required": False, "reboot_required": False, "actual": "300", "min_limit": 1,
        "confirmed": True, "description": "Heartbeat period."}
LIST = {**GOOD, "name": "TxStartPoint", "data_type": "MemberList", "actual": "EVConnected",
        "values_list": "EVConnected,Authorized", "min_limit": None}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base) | changes
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize(("data", "expected"), [
    (_one(GOOD), None),
    (_one(_with(GOOD, actual="0")), "below min_limit"),
    (_one(_with(GOOD, actual="+5")), "not an OCPP integer"),
    (_one(_with(GOOD, actual="05")), "not an OCPP integer"),
    (_one(_with(GOOD, data_type="decimal", actual="1.1234567")), "not an OCPP decimal"),
    (_one(_with(GOOD, data_type="SelectionList")), "not a DataEnumType value"),
    (_one(_with(GOOD, mutability="WriteMostly")), "not a MutabilityEnumType value"),
    (_one(_with(GOOD, persistent=False)), "writable variables are persistent"),
    (_one(_with(GOOD, constant=True)), "constant variable must be ReadOnly"),
    (_one(_with(GOOD, mutability="ReadOnly", persistent=False, reboot_required=True)), "reboot_required on a ReadOnly"),
    (_one(_with(GOOD, mutability="WriteOnly")), "WriteOnly variable reports no actual"),
    (_one(_with(GOOD, actual=None)), "actual missing"),
    (_one(_with(GOOD, confirmed=None)), "confirmed missing"),
    (_one(_with(GOOD, colour="red")), "unknown keys"),
    (_one(_with(GOOD, ac="300")), "ac repeats actual"),
    (_one(_with(GOOD, max_set="99999", max_limit=86400)), "max_set 99999 above max_limit"),
    (_one(_with(GOOD, unit="seconds-since-epoch")), "unit longer than"),
    (_one(_with(GOOD, data_type="boolean", actual="yes", min_limit=None)), "not true or false"),
    (_one(_with(GOOD, data_type="dateTime", actual="2026-01-01 12:00", min_limit=None)), "not an RFC 3339"),
    (_one(_with(GOOD, data_type="string", actual="x" * 9, min_limit=None, max_limit=8)), "more than max_limit 8"),
    (_one(_with(GOOD, values_list="1,2")), "values_list on a integer"),
    (_one(_with(LIST, values_list=None)), "without values_list"),
    (_one(_with(LIST, actual="Whenever")), "Whenever not in values_list"),
    (_one(_with(LIST, actual="EVConnected,EVConnected")), "repeats a member"),
    (_one(_with(LIST, data_type="OptionList", actual="EVConnected,Authorized")), "exactly one value"),
    (_one(_with(LIST, values_list="EVConnected,,Authorized")), "empty or repeated members"),
    (_one(GOOD, connector=1), "connector without evse"),
    (_one(GOOD, evse=0), "evse must be an integer from 1"),
    ({"component": [{"name": "OCPPCommCtrlr", "variable": [GOOD, _with(GOOD, name="heartbeatinterval")]}]},
     "the same (component, evse, connector, instance, variable)"),
], ids=lambda x: x if isinstance(x, str) else None)
def test_each_rule_catches_its_defect(data: dict[str, Any], expected: str | None) -> None:
    found = problems(data)
    if expected is None:
        assert found == []
    else:
        assert any(expected in p for p in found), found
