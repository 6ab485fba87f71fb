"""The virtual charger's OCPP 2.x device model: components and variables as data
(``device_model.toml``, the standardized names of OCPP 2.1 Part 2), with attribute types (Actual,
Target, MinSet, MaxSet), mutability, characteristics and persistence, and the rules of
GetVariables / SetVariables / reports applied to them.

Names of components and variables are case-insensitive (Part 2, ComponentType / VariableType); a
component is found by name, instance and EVSE / connector. A value is checked against its data
type, limits and values list before it is taken; a variable marked ``reboot_required`` takes its new
value at the next boot and answers RebootRequired. Persistent variables are kept in the charger's
state folder, so a restarted charger comes back with what was set."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hilbench.errors import ConfigError

DATA = Path(__file__).with_name("device_model.toml")
ATTRIBUTES = ("Actual", "Target", "MinSet", "MaxSet")
#: device_model.toml key of each attribute type
ATTRIBUTE_KEYS = {"Actual": "actual", "Target": "target", "MinSet": "min_set", "MaxSet": "max_set"}
LIST_TYPES = ("OptionList", "SelectionList", "MemberList", "SequenceList")


@dataclass(frozen=True)
class ComponentKey:
    name: str
    instance: str | None = None
    evse: int | None = None
    connector: int | None = None

    @classmethod
    def of(cls, component: dict[str, Any]) -> ComponentKey:
        evse = component.get("evse") or {}
        return cls(component["name"].lower(), (component.get("instance") or "").lower() or None,
                   evse.get("id"), evse.get("connectorId"))

    def ocpp(self, spelling: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": spelling}
        if self.instance is not None:
            out["instance"] = self.instance
        if self.evse is not None:
            out["evse"] = {"id": self.evse} | ({"connectorId": self.connector} if self.connector is not None else {})
        return out


@dataclass
class Variable:
    component: str          #: the component's name as the data spells it
    key: ComponentKey
    component_instance: str | None
    name: str
    instance: str | None
    data_type: str
    mutability: str
    attributes: dict[str, str | None]
    unit: str | None = None
    persistent: bool = False
    constant: bool = False
    required: bool = False
    reboot_required: bool = False
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] = ()
    confirmed: bool = True
    description: str = ""
    #: A new value waiting for the next boot (reboot_required variables).
    pending: dict[str, str] = field(default_factory=dict)

    @property
    def ident(self) -> tuple[ComponentKey, str, str | None]:
        return self.key, self.name.lower(), (self.instance or "").lower() or None

    def component_ocpp(self) -> dict[str, Any]:
        out = self.key.ocpp(self.component)
        if self.component_instance is not None:
            out["instance"] = self.component_instance
        return out

    def variable_ocpp(self) -> dict[str, Any]:
        return {"name": self.name} | ({"instance": self.instance} if self.instance else {})

    def check(self, value: str) -> str | None:
        """Why ``value`` is not a valid value of this variable (None when it is)."""
        t = self.data_type
        if t == "integer":
            try:
                number: float = int(value)
            except ValueError:
                return f"{value!r} is not an integer"
        elif t == "decimal":
            try:
                number = float(value)
            except ValueError:
                return f"{value!r} is not a decimal"
            if not math.isfinite(number):
                return f"{value!r} is not a finite decimal"
        elif t == "boolean":
            if value not in ("true", "false"):
                return f"{value!r} is not a boolean (true or false)"
            return None
        elif t == "dateTime":
            return None if len(value) >= 10 and value[4] == "-" else f"{value!r} is not a date-time"
        else:
            if self.max_limit is not None and len(value) > self.max_limit:
                return f"longer than {self.max_limit:g} characters"
            if t in LIST_TYPES and self.values_list:
                items = [v.strip() for v in value.split(",")] if value else []
                if t in ("OptionList", "SelectionList") and len(items) != 1:
                    return f"{value!r}: one value of {','.join(self.values_list)} expected"
                odd = [v for v in items if v not in self.values_list]
                if odd:
                    return f"{', '.join(odd)} not in the values list ({','.join(self.values_list)})"
                if len(set(items)) != len(items):
                    return f"{value!r} repeats a value"
            return None
        if self.min_limit is not None and number < self.min_limit:
            return f"{value} is below the minimum {self.min_limit:g}"
        if self.max_limit is not None and number > self.max_limit:
            return f"{value} is above the maximum {self.max_limit:g}"
        return None

    def characteristics(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dataType": self.data_type, "supportsMonitoring": False}
        if self.unit:
            out["unit"] = self.unit
        if self.min_limit is not None:
            out["minLimit"] = self.min_limit
        if self.max_limit is not None:
            out["maxLimit"] = self.max_limit
        if self.values_list:
            out["valuesList"] = ",".join(self.values_list)
        return out

    def attribute_list(self) -> list[dict[str, Any]]:
        out = []
        for kind, value in self.attributes.items():
            entry: dict[str, Any] = {"type": kind, "mutability": self.mutability,
                                     "persistent": self.persistent, "constant": self.constant}
            if self.mutability != "WriteOnly" and value is not None:
                entry["value"] = value
            out.append(entry)
        return out


class DeviceModel:
    """The variables of one charger, with get / set / report and change listeners."""

    def __init__(self, variables: list[Variable], *, state_file: Path | None = None) -> None:
        self.variables = variables
        self._by_ident = {v.ident: v for v in variables}
        self._components = {v.key for v in variables}
        self._component_names = {v.key.name for v in variables}
        self.state_file = state_file
        self._listeners: list[Callable[[Variable, str], None]] = []
        if state_file is not None and state_file.exists():
            self._restore(state_file)

    # ---- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, variant: str = "dc", *, path: Path | None = None, state_file: Path | None = None,
             overrides: list[tuple[str, str, dict[str, Any], dict[str, str]]] | None = None) -> DeviceModel:
        """The model of ``variant`` ("dc" or "ac"), with ``overrides``: (component, variable, where —
        the ``find`` keywords —, attribute values) for what the charger knows at start (its
        identity, security profile, ratings). Persistent values saved earlier come on top."""
        path = path or DATA
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{path.name}: cannot read the device model: {e}") from None
        variables = []
        for comp in data.get("component", []):
            key = ComponentKey(comp["name"].lower(), (comp.get("instance") or "").lower() or None,
                               comp.get("evse"), comp.get("connector"))
            for v in comp.get("variable", []):
                attributes: dict[str, str | None] = {}
                for kind, k in ATTRIBUTE_KEYS.items():
                    if k in v or (kind == "Actual" and v["mutability"] == "WriteOnly"):
                        value = v.get("ac", v.get(k)) if variant == "ac" and kind == "Actual" else v.get(k)
                        attributes[kind] = None if value is None else str(value)
                variables.append(Variable(
                    component=comp["name"], key=key, component_instance=comp.get("instance"), name=v["name"],
                    instance=v.get("instance"), data_type=v["data_type"], mutability=v["mutability"],
                    attributes=attributes, unit=v.get("unit"), persistent=v.get("persistent", False),
                    constant=v.get("constant", False), required=v.get("required", False),
                    reboot_required=v.get("reboot_required", False), min_limit=v.get("min_limit"),
                    max_limit=v.get("max_limit"),
                    values_list=tuple(s.strip() for s in v["values_list"].split(",")) if v.get("values_list") else (),
                    confirmed=v.get("confirmed", True), description=v.get("description", "")))
        model = cls(variables, state_file=None)
        for component, name, where, values in overrides or ():
            try:
                var = model.find(component, name, **where)
            except KeyError:
                continue  # not in this model's data
            var.attributes.update({k: v for k, v in values.items() if k in var.attributes})
        model.state_file = state_file
        if state_file is not None and state_file.exists():
            model._restore(state_file)
        return model

    # ---- lookup --------------------------------------------------------------------------------
    def find(self, component: str, variable: str, *, instance: str | None = None, evse: int | None = None,
             connector: int | None = None, component_instance: str | None = None) -> Variable:
        key = ComponentKey(component.lower(), (component_instance or "").lower() or None, evse, connector)
        found = self._by_ident.get((key, variable.lower(), (instance or "").lower() or None))
        if found is None:
            raise KeyError(f"{component}.{variable}{'[' + instance + ']' if instance else ''} is not in the device model")
        return found

    def value(self, component: str, variable: str, **kw: Any) -> str | None:
        return self.find(component, variable, **kw).attributes.get("Actual")

    def get_int(self, component: str, variable: str, **kw: Any) -> int:
        return int(self.value(component, variable, **kw) or 0)

    def get_float(self, component: str, variable: str, **kw: Any) -> float:
        return float(self.value(component, variable, **kw) or 0.0)

    def get_bool(self, component: str, variable: str, **kw: Any) -> bool:
        return self.value(component, variable, **kw) == "true"

    def get_list(self, component: str, variable: str, **kw: Any) -> list[str]:
        text = self.value(component, variable, **kw) or ""
        return [s.strip() for s in text.split(",") if s.strip()]

    def on_change(self, listener: Callable[[Variable, str], None]) -> None:
        """``listener(variable, attribute_type)`` after every accepted change."""
        self._listeners.append(listener)

    # ---- GetVariables / SetVariables -----------------------------------------------------------
    def _lookup(self, component: dict[str, Any], variable: dict[str, Any]) -> tuple[str | None, Variable | None]:
        key = ComponentKey.of(component)
        if key not in self._components:
            return "UnknownComponent", None
        found = self._by_ident.get((key, variable["name"].lower(), (variable.get("instance") or "").lower() or None))
        return (None, found) if found is not None else ("UnknownVariable", None)

    def get(self, data: dict[str, Any], *, writeonly_readable: bool = False) -> dict[str, Any]:
        """One GetVariableResult for one GetVariableData (``writeonly_readable``: the fault of a
        charger that reads back what must stay secret)."""
        kind = data.get("attributeType", "Actual")
        # the result names the attribute type even where the request left it out (B06.FR.11)
        out: dict[str, Any] = {"component": data["component"], "variable": data["variable"], "attributeType": kind}
        status, var = self._lookup(data["component"], data["variable"])
        if var is None:
            return out | {"attributeStatus": status}
        if kind not in var.attributes:
            return out | {"attributeStatus": "NotSupportedAttributeType"}
        if var.mutability == "WriteOnly" and not writeonly_readable:
            return out | {"attributeStatus": "Rejected",
                          "attributeStatusInfo": {"reasonCode": "WriteOnly", "additionalInfo": "write-only variable"}}
        value = var.attributes[kind]
        return out | {"attributeStatus": "Accepted", "attributeValue": value if value is not None else ""}  # B06.FR.13

    def set(self, data: dict[str, Any], *, readonly_accepted: bool = False, unknown_accepted: bool = False,
            unchecked: bool = False) -> dict[str, Any]:
        """One SetVariableResult for one SetVariableData. ``readonly_accepted``, ``unknown_accepted``
        and ``unchecked`` (limits not checked) are the faults of a charger that says yes where it
        must refuse."""
        kind = data.get("attributeType", "Actual")
        out: dict[str, Any] = {"component": data["component"], "variable": data["variable"], "attributeType": kind}  # B05.FR.12
        status, var = self._lookup(data["component"], data["variable"])
        if var is None:
            return out | {"attributeStatus": "Accepted" if unknown_accepted else status}
        value = data["attributeValue"]
        if kind not in var.attributes:
            return out | {"attributeStatus": "NotSupportedAttributeType"}
        if var.mutability == "ReadOnly" or var.constant:
            if readonly_accepted:
                return out | {"attributeStatus": "Accepted"}
            return out | {"attributeStatus": "Rejected",
                          "attributeStatusInfo": {"reasonCode": "ReadOnly", "additionalInfo": "read-only variable"}}
        why = None if unchecked else var.check(value)
        if why is not None:
            code = "ValueTooLow" if "below the minimum" in why else "ValueTooHigh" if "above the maximum" in why \
                else "InvalidValue"
            return out | {"attributeStatus": "Rejected",
                          "attributeStatusInfo": {"reasonCode": code, "additionalInfo": why[:500]}}
        if var.reboot_required:
            var.pending[kind] = value
            self._save()
            return out | {"attributeStatus": "RebootRequired"}
        self._assign(var, kind, value)
        return out | {"attributeStatus": "Accepted"}

    def _assign(self, var: Variable, kind: str, value: str) -> None:
        var.attributes[kind] = value
        self._save()
        for listener in self._listeners:
            listener(var, kind)

    def set_actual(self, component: str, variable: str, value: str, **kw: Any) -> None:
        """The charger itself changes a value (its availability, its clock)."""
        self._assign(self.find(component, variable, **kw), "Actual", value)

    def apply_pending(self) -> None:
        """At boot: the values that waited for a reboot take effect."""
        for var in self.variables:
            for kind, value in var.pending.items():
                var.attributes[kind] = value
            var.pending.clear()
        self._save()

    # ---- reports -------------------------------------------------------------------------------
    def report_data(self, var: Variable) -> dict[str, Any]:
        return {"component": var.component_ocpp(), "variable": var.variable_ocpp(),
                "variableAttribute": var.attribute_list(), "variableCharacteristics": var.characteristics()}

    def base_report(self, base: str) -> list[dict[str, Any]] | None:
        """ReportDataType entries of GetBaseReport's ``reportBase``; None when not supported."""
        if base == "FullInventory":
            chosen: Iterator[Variable] = iter(self.variables)
        elif base == "ConfigurationInventory":
            chosen = (v for v in self.variables if v.mutability != "ReadOnly")
        elif base == "SummaryInventory":
            chosen = (v for v in self.variables if v.name.lower() in ("availabilitystate", "available", "problem", "tripped"))
        else:
            return None
        return [self.report_data(v) for v in chosen]

    def report(self, component_variables: list[dict[str, Any]] | None, criteria: list[str] | None) -> list[dict[str, Any]]:
        """GetReport: the variables named (a component alone names all of its variables; a variable
        without an instance names all its instances), then filtered by the component criteria."""
        chosen = []
        for var in self.variables:
            if component_variables and not any(_names(var, cv) for cv in component_variables):
                continue
            if criteria and not any(self._meets(var.key, c) for c in criteria):
                continue
            chosen.append(var)
        return [self.report_data(v) for v in chosen]

    def _meets(self, key: ComponentKey, criterion: str) -> bool:
        """A component meets Active / Available / Enabled unless its variable of that name is false
        (one without the variable meets them, B08.FR.07-09); it meets Problem when its Problem
        variable is true."""
        found = self._by_ident.get((key, criterion.lower(), None))
        if criterion == "Problem":
            return found is not None and found.attributes.get("Actual") == "true"
        return found is None or found.attributes.get("Actual") != "false"

    # ---- persistence ---------------------------------------------------------------------------
    def _save(self) -> None:
        if self.state_file is None:
            return
        state = {f"{_ident_text(v)}": {"attributes": v.attributes, "pending": v.pending}
                 for v in self.variables if v.persistent}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        tmp.replace(self.state_file)

    def _restore(self, path: Path) -> None:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # a damaged state file: the defaults, as after a factory reset
        for var in self.variables:
            saved = state.get(_ident_text(var))
            if var.persistent and saved:
                var.attributes.update({k: v for k, v in saved["attributes"].items() if k in var.attributes})
                var.pending.update(saved.get("pending", {}))


def _ident_text(var: Variable) -> str:
    key, name, instance = var.ident
    return f"{key.name}/{key.instance or ''}/{key.evse or ''}/{key.connector or ''}/{name}/{instance or ''}"


def _names(var: Variable, cv: dict[str, Any]) -> bool:
    if ComponentKey.of(cv["component"]).name != var.key.name:
        return False
    comp = ComponentKey.of(cv["component"])
    if comp.instance is not None and comp.instance != var.key.instance:
        return False
    if comp.evse is not None and (comp.evse != var.key.evse or (comp.connector is not None and comp.connector != var.key.connector)):
        return False
    wanted = cv.get("variable")
    if not wanted:
        return True
    if wanted["name"].lower() != var.name.lower():
        return False
    return not wanted.get("instance") or wanted["instance"].lower() == (var.instance or "").lower()
