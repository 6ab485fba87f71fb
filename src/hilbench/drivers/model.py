"""Instrument models as data: ``instruments/<id>.toml`` says how a role maps to one instrument's
command set. A new model whose dialect fits the role needs no Python code.

Validation names the file and the key of every mistake (:class:`hilbench.errors.ModelError`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hilbench.drivers.can_model import CanMap, load_can_map
from hilbench.drivers.model_reader import Reader
from hilbench.drivers.modbus_model import ModbusMap, load_modbus_map
from hilbench.tomlfile import read_toml
from hilbench.errors import ModelError

#: What each role needs from a SCPI model: setpoint templates and queries.
ROLE_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "energy_meter": {},  # its registers: hilbench.drivers.modbus_model.MODBUS_NEEDS
    "dc_supply": {
        "set": ("voltage_v", "source_current_a", "sink_current_a", "output_on", "output_off"),
        "get": ("voltage_v", "source_current_a", "sink_current_a", "output", "measured_voltage_v",
                "measured_current_a", "measured_power_w"),
    },
    "grid_simulator": {
        "set": ("voltage_v", "frequency_hz", "current_limit_a", "output_on", "output_off"),
        "get": ("voltage_v", "frequency_hz", "current_limit_a", "output", "measured_frequency_hz",
                *(f"measured_{q}_l{k}_{u}" for q, u in (("voltage", "v"), ("current", "a"), ("power", "w"))
                  for k in (1, 2, 3))),
    },
    "ev_emulator": {},  # its CAN signals: hilbench.drivers.can_model.CAN_ROLE_NEEDS
    "power_analyzer": {
        "set": ("integration_start", "integration_stop", "integration_reset"),
        "get": ("integration_state",),
        "numeric": ("voltage_v", "current_a", "power_w", "reactive_power_var", "apparent_power_va", "power_factor",
                    "frequency_hz", "import_energy_wh", "export_energy_wh", "integration_time_s"),
    },
}
TRANSPORTS = ("scpi", "modbus", "can")
CURRENT_SIGNS = ("source_positive", "sink_positive")


def range_key(quantity: str) -> str:
    """The quantity whose range bounds ``quantity``: one phase's value shares the all-phase range
    (``voltage_l2_v`` → ``voltage_v``)."""
    return re.sub(r"_l[123]_", "_", quantity)


def models_dir() -> Path:
    """The shipped models: ``hilbench/instruments`` in the package (``instruments/`` at the top of
    the checkout points there, so the wheel carries them too)."""
    path = Path(__file__).resolve().parents[1] / "instruments"
    if not path.is_dir():
        raise ModelError(f"no instrument models at {path}")
    return path


@dataclass(frozen=True)
class Query:
    """A SCPI query and how to read its reply: a number (with ``unit`` when the instrument appends
    one) or, with ``on``/``off``, a state."""

    query: str
    unit: str | None = None
    on: str | None = None
    off: str | None = None
    confirmed: bool = True
    #: Factor from the instrument's number to the role's (−1 for a sink limit it reports negative).
    scale: float = 1.0
    #: The replies a state query may give (an integration's START / STOP / RESET …).
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class NumericItem:
    """One measurement function of an analyzer's numeric list (``URMS``, ``WHP``, …)."""

    function: str
    scale: float = 1.0
    confirmed: bool = True


@dataclass(frozen=True)
class NumericList:
    """How an analyzer reads many values in one query: the list is configured once (item k =
    function, element), then one query returns every item, comma-separated, in list order."""

    count: str  #: command template taking the number of items, ``{count}``
    item: str  #: command template with ``{index}``, ``{function}`` and ``{element}``
    read: str  #: the query returning every item
    elements: tuple[str, ...]
    functions: Mapping[str, NumericItem]
    #: Reply values that are markers, not numbers: no data (→ NaN), and over-range (→ an error).
    no_data: float | None = None
    over_range: float | None = None


@dataclass(frozen=True)
class Model:
    id: str
    vendor: str
    name: str
    role: str
    transport: str
    path: Path
    identity: re.Pattern[str] | None
    identity_query: str = "*IDN?"
    port: int | None = None
    current_sign: str = "source_positive"
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: Readbacks beyond ``margin`` × the range's bound are faults (EA reports up to 125 %).
    readback_margin: float = 1.25
    setup: tuple[str, ...] = ()
    release: tuple[str, ...] = ()
    error_query: str | None = None
    no_error: re.Pattern[str] = re.compile(r"^\s*[+]?0\s*,")
    set: Mapping[str, str] = field(default_factory=dict)
    get: Mapping[str, Query] = field(default_factory=dict)
    manual_public: bool = False
    #: The simulated instrument that speaks this model's dialect (``hilbench.sim.registry``).
    simulator: str | None = None
    modbus: ModbusMap | None = None
    numeric: NumericList | None = None
    can: CanMap | None = None


def load_model(path: Path | str) -> Model:
    path = Path(path)
    data = read_toml(path, ModelError)
    r = Reader(path, data)
    known = {"model", "ranges", "scpi", "modbus", "can"}
    for key in data:
        if key not in known:
            raise r.fail(key, f"unknown table (known: {', '.join(sorted(known))})")
    r.only("model", {"id", "vendor", "name", "role", "transport", "port", "identity", "identity_query", "current_sign",
                      "readback_margin", "manual_public", "simulator"})
    r.only("scpi", {"setup", "release", "error_query", "no_error", "set", "get", "numeric"})
    r.only("scpi.numeric", {"count", "item", "read", "elements", "functions", "no_data", "over_range"})
    role = r.get("model", "role", str)
    if role not in ROLE_NEEDS:
        raise r.fail("model.role", f"{role!r} is not a role (roles: {', '.join(ROLE_NEEDS)})")
    transport = r.get("model", "transport", str)
    if transport not in TRANSPORTS:
        raise r.fail("model.transport", f"{transport!r} is not one of {', '.join(TRANSPORTS)}")
    sign = r.get("model", "current_sign", str, default="source_positive")
    if sign not in CURRENT_SIGNS:
        raise r.fail("model.current_sign", f"{sign!r} is not one of {', '.join(CURRENT_SIGNS)}")
    model_id = r.get("model", "id", str)
    if model_id != path.stem:
        raise r.fail("model.id", f"{model_id!r} must equal the file name {path.stem!r}")
    try:
        pattern = r.get("model", "identity", str, default=None if transport == "modbus" else ...)
        identity = re.compile(pattern) if pattern is not None else None
    except re.error as e:
        raise r.fail("model.identity", f"not a regular expression: {e}") from None
    ranges: dict[str, tuple[float, float]] = {}
    for name, bounds in r.table("ranges").items():
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)):
            raise r.fail(f"ranges.{name}", f"must be [min, max], not {bounds!r}")
        if not bounds[0] < bounds[1]:
            raise r.fail(f"ranges.{name}", f"min {bounds[0]} must be below max {bounds[1]}")
        ranges[name] = (float(bounds[0]), float(bounds[1]))
    model = Model(
        id=model_id,
        vendor=r.get("model", "vendor", str),
        name=r.get("model", "name", str),
        role=role,
        transport=transport,
        path=path,
        identity=identity,
        identity_query=r.get("model", "identity_query", str, default="*IDN?"),
        port=r.get("model", "port", int, default=None),
        current_sign=sign,
        ranges=ranges,
        readback_margin=float(r.get("model", "readback_margin", (int, float), default=1.25)),
        manual_public=r.get("model", "manual_public", bool, default=False),
        simulator=r.get("model", "simulator", str, default=None),
        **(_scpi(r, role, ranges) if transport == "scpi" else {}),
    )
    if transport == "modbus":
        model = dataclasses.replace(model, modbus=load_modbus_map(r, role))
    if transport == "can":
        model = dataclasses.replace(model, can=load_can_map(path, r.table("can"), r.fail))
    return model


def _scpi(r: Reader, role: str, ranges: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    sets: dict[str, str] = {}
    for name, template in r.table("scpi.set").items():
        if isinstance(template, Mapping):
            unknown = set(template) - {"command", "confirmed"}
            if unknown:
                raise r.fail(f"scpi.set.{name}", f"unknown keys {sorted(unknown)}")
            template = template.get("command")
        if not isinstance(template, str):
            raise r.fail(f"scpi.set.{name}", f"must be a command string (or {{ command = ..., confirmed = ... }}), not {template!r}")
        try:
            template.format(1.0)
        except (IndexError, KeyError, ValueError) as e:
            raise r.fail(f"scpi.set.{name}", f"{template!r} does not format a number: {e}") from None
        if "{" in template and range_key(name) not in ranges:
            raise r.fail(f"scpi.set.{name}", "takes a value but [ranges] has no range for it")
        sets[name] = template
    gets: dict[str, Query] = {}
    for name, spec in r.table("scpi.get").items():
        if isinstance(spec, str):
            spec = {"query": spec}
        if not isinstance(spec, Mapping) or not isinstance(spec.get("query"), str):
            raise r.fail(f"scpi.get.{name}", "must be a query string or a table with 'query'")
        unknown = set(spec) - {"query", "unit", "on", "off", "confirmed", "scale", "states"}
        if unknown:
            raise r.fail(f"scpi.get.{name}", f"unknown keys {sorted(unknown)}")
        states = spec.get("states", [])
        if not (isinstance(states, list) and all(isinstance(x, str) for x in states)):
            raise r.fail(f"scpi.get.{name}.states", f"must be a list of strings, not {states!r}")
        gets[name] = Query(spec["query"], spec.get("unit"), spec.get("on"), spec.get("off"),
                           bool(spec.get("confirmed", True)), float(spec.get("scale", 1.0)), tuple(states))
    needs = ROLE_NEEDS[role]
    for kind, have in (("set", sets), ("get", gets)):
        missing = [n for n in needs[kind] if n not in have]
        if missing:
            raise r.fail(f"scpi.{kind}", f"the {role} role needs {', '.join(missing)}")
    no_error = r.get("scpi", "no_error", str, default=r"^\s*[+]?0\s*,")
    numeric = _numeric(r, role) if "numeric" in needs or r.table("scpi.numeric", required=False) else None
    return {
        "numeric": numeric,
        "setup": tuple(r.get("scpi", "setup", list, default=[])),
        "release": tuple(r.get("scpi", "release", list, default=[])),
        "error_query": r.get("scpi", "error_query", str, default=None),
        "no_error": re.compile(no_error),
        "set": sets,
        "get": gets,
    }


def _numeric(r: Reader, role: str) -> NumericList:
    key = "scpi.numeric"
    functions: dict[str, NumericItem] = {}
    for name, spec in r.table(f"{key}.functions").items():
        if isinstance(spec, str):
            spec = {"function": spec}
        if not isinstance(spec, Mapping) or not isinstance(spec.get("function"), str):
            raise r.fail(f"{key}.functions.{name}", "must be a function name or a table with 'function'")
        unknown = set(spec) - {"function", "scale", "confirmed"}
        if unknown:
            raise r.fail(f"{key}.functions.{name}", f"unknown keys {sorted(unknown)}")
        functions[name] = NumericItem(spec["function"], float(spec.get("scale", 1.0)), bool(spec.get("confirmed", True)))
    missing = [n for n in ROLE_NEEDS[role].get("numeric", ()) if n not in functions]
    if missing:
        raise r.fail(f"{key}.functions", f"the {role} role needs {', '.join(missing)}")
    item = r.get(key, "item", str)
    try:
        item.format(index=1, function="U", element="1")
    except (IndexError, KeyError, ValueError) as e:
        raise r.fail(f"{key}.item", f"{item!r} must use {{index}}, {{function}} and {{element}} only: {e}") from None
    count = r.get(key, "count", str)
    try:
        count.format(count=1)
    except (IndexError, KeyError, ValueError) as e:
        raise r.fail(f"{key}.count", f"{count!r} must use {{count}} only: {e}") from None
    elements = r.get(key, "elements", list)
    if not elements or not all(isinstance(e, (str, int)) and not isinstance(e, bool) for e in elements):
        raise r.fail(f"{key}.elements", f"must be a non-empty list of element names, not {elements!r}")
    markers = {m: r.get(key, m, (int, float), default=None) for m in ("no_data", "over_range")}
    return NumericList(count, item, r.get(key, "read", str), tuple(str(e) for e in elements), functions,
                       **{m: float(v) if v is not None else None for m, v in markers.items()})


def find_model(model_id: str) -> Model:
    path = models_dir() / f"{model_id}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in models_dir().glob("*.toml"))
        raise ModelError(f"unknown instrument model {model_id!r} (models: {', '.join(known)})")
    return load_model(path)
