"""Rig files (``rigs/*.toml``): which instrument plays which role, where it is, and the rig's safety
limits. Every mistake is one :class:`hilbench.errors.RigError` naming the file, the key and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hilbench.drivers.limits import Limits
from hilbench.drivers.model import ROLE_NEEDS, Model, find_model
from hilbench.rig_dut import CsmsConfig, DutConfig, parse_csms, parse_dut
from hilbench.tomlfile import read_toml
from hilbench.errors import ModelError, RigError
from hilbench.sim.scpi_device import FAULTS

#: Rig limit key → (role, quantities, bound): "max" narrows the top of each quantity's range, "min"
#: the bottom (the grid's voltage and frequency windows).
LIMIT_KEYS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "dc_voltage_max_v": ("dc_supply", ("voltage_v",), "max"),
    "dc_current_source_max_a": ("dc_supply", ("source_current_a",), "max"),
    "dc_current_sink_max_a": ("dc_supply", ("sink_current_a",), "max"),
    "dc_power_max_w": ("dc_supply", ("source_power_w", "sink_power_w"), "max"),
    "dc_voltage_ramp_max_v_per_s": ("dc_supply", ("voltage_ramp_v_per_s",), "max"),
    "grid_voltage_min_v": ("grid_simulator", ("voltage_v",), "min"),
    "grid_voltage_max_v": ("grid_simulator", ("voltage_v",), "max"),
    "grid_frequency_min_hz": ("grid_simulator", ("frequency_hz",), "min"),
    "grid_frequency_max_hz": ("grid_simulator", ("frequency_hz",), "max"),
    "grid_current_max_a": ("grid_simulator", ("current_limit_a",), "max"),
    "grid_voltage_ramp_max_v_per_s": ("grid_simulator", ("voltage_ramp_v_per_s",), "max"),
    "grid_frequency_ramp_max_hz_per_s": ("grid_simulator", ("frequency_ramp_hz_per_s",), "max"),
}
#: Windows: (min key, max key) pairs whose min must lie below the max.
WINDOWS = (("grid_voltage_min_v", "grid_voltage_max_v"), ("grid_frequency_min_hz", "grid_frequency_max_hz"))
RIG_KEYS = {"name", "description", "simulated", "command_log", "safe_state_order", "grid_nominal_voltage_v",
            "grid_nominal_frequency_hz"}
INSTRUMENT_KEYS = {"role", "model", "address", "timeout_s", "sim_faults"}


@dataclass(frozen=True)
class InstrumentConfig:
    name: str
    role: str
    model: Model
    address: str  #: a VISA resource, or "sim" for the rig's own simulated instrument
    timeout_s: float = 2.0
    #: Faults the simulated instrument shows from the start (``hilbench.sim.scpi_device.FAULTS``).
    sim_faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class RigConfig:
    path: Path
    name: str
    simulated: bool
    instruments: Mapping[str, InstrumentConfig]
    limits: Mapping[str, float]
    safe_state_order: tuple[str, ...]
    description: str = ""
    command_log: Path | None = None
    required_roles: tuple[str, ...] = field(default=())
    #: Where the bench CSMS listens, and the device under test (None: the rig has no [dut]).
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    dut: DutConfig | None = None
    #: The grid the rig's grid simulator holds between cases (phase voltage, frequency): what the
    #: DER cases' percentages of nominal refer to.
    grid_nominal_voltage_v: float = 230.0
    grid_nominal_frequency_hz: float = 50.0

    @property
    def roles(self) -> set[str]:
        return {i.role for i in self.instruments.values()}

    def limits_of(self, name: str) -> Limits:
        """The model's ranges narrowed by the rig's limits: what :meth:`Limits.check` enforces."""
        inst = self.instruments[name]
        limits = Limits.of_ranges(name, inst.model.ranges, f"model {inst.model.id}")
        for key, value in self.limits.items():
            role, quantities, bound = LIMIT_KEYS[key]
            if role == inst.role:
                low, high = (value, None) if bound == "min" else (None, value)
                for q in quantities:
                    limits = limits.narrowed(q, low, high, f"rig {self.path.name} limits.{key}")
        return limits


def rigs_dir() -> Path:
    """The shipped rig files (``rigs/`` at the top of the checkout points here)."""
    return Path(__file__).resolve().parent / "rigs"


def find_rig(path: Path | str) -> Path:
    """A rig file's path, or the name of a shipped rig (``sim`` → the package's ``rigs/sim.toml``)."""
    path = Path(path)
    shipped = rigs_dir() / f"{path.name}.toml"
    if not path.exists() and path.suffix == "" and path.parent == Path(".") and shipped.is_file():
        return shipped
    return path


def load_rig(path: Path | str, *, require_roles: tuple[str, ...] = ()) -> RigConfig:
    path = find_rig(path)
    where = path.name

    def fail(key: str, why: str) -> RigError:
        return RigError(f"{where}: {key}: {why}")

    data = read_toml(path, RigError)
    for key in data:
        if key not in ("rig", "limits", "instruments", "csms", "dut"):
            raise fail(key, "unknown table (known: rig, limits, instruments, csms, dut)")
    csms = parse_csms(_table(data, "csms", fail), where)
    dut = parse_dut(_table(data, "dut", fail), where, csms) if "dut" in data else None
    rig = _table(data, "rig", fail)
    for key in rig:
        if key not in RIG_KEYS:
            raise fail(f"rig.{key}", f"unknown key (known: {', '.join(sorted(RIG_KEYS))})")
    name = _typed(rig, "rig.name", str, fail, default=path.stem)
    simulated = _typed(rig, "rig.simulated", bool, fail, default=False)
    instruments: dict[str, InstrumentConfig] = {}
    for inst_name, spec in _table(data, "instruments", fail).items():
        key = f"instruments.{inst_name}"
        if not isinstance(spec, Mapping):
            raise fail(key, "must be a table")
        for k in spec:
            if k not in INSTRUMENT_KEYS:
                raise fail(f"{key}.{k}", f"unknown key (known: {', '.join(sorted(INSTRUMENT_KEYS))})")
        role = _typed(spec, f"{key}.role", str, fail)
        if role not in ROLE_NEEDS:
            raise fail(f"{key}.role", f"{role!r} is not a role (roles: {', '.join(ROLE_NEEDS)})")
        model_id = _typed(spec, f"{key}.model", str, fail)
        try:
            model = find_model(model_id)
        except ModelError as e:
            raise fail(f"{key}.model", str(e)) from None
        if model.role != role:
            raise fail(f"{key}.model", f"{model_id} is a {model.role}, not a {role}")
        address = _typed(spec, f"{key}.address", str, fail, default="sim" if simulated else None)
        if address is None:
            raise fail(f"{key}.address", "missing (a VISA resource such as TCPIP0::192.168.0.10::5025::SOCKET)")
        if address == "sim" and not simulated:
            raise fail(f"{key}.address", '"sim" needs rig.simulated = true')
        timeout = float(_typed(spec, f"{key}.timeout_s", (int, float), fail, default=2.0))
        if not 0 < timeout <= 60:
            raise fail(f"{key}.timeout_s", f"{timeout} is not in (0, 60] s")
        faults = _typed(spec, f"{key}.sim_faults", list, fail, default=[])
        for fault in faults:
            if fault not in FAULTS:
                raise fail(f"{key}.sim_faults", f"{fault!r} is not a fault (faults: {', '.join(FAULTS)})")
        if faults and address != "sim":
            raise fail(f"{key}.sim_faults", "only a simulated instrument (address = \"sim\") can inject faults")
        instruments[inst_name] = InstrumentConfig(inst_name, role, model, address, timeout, tuple(faults))
    if not instruments and dut is None:
        raise fail("instruments", "no instruments (a protocol-only rig needs a [dut] section)")
    limits = _limits(_table(data, "limits", fail), instruments, fail)
    order = _typed(rig, "rig.safe_state_order", list, fail, default=list(instruments))
    for item in order:
        if item not in instruments:
            raise fail("rig.safe_state_order", f"{item!r} is not an instrument of this rig")
    missing_order = [n for n in instruments if n not in order]
    if missing_order:
        raise fail("rig.safe_state_order", f"leaves out {', '.join(missing_order)}: every instrument needs its place")
    for role in require_roles:
        if not any(i.role == role for i in instruments.values()):
            raise fail("instruments", f"no instrument plays the {role} role")
    log = _typed(rig, "rig.command_log", str, fail, default=None)
    nominal_v = float(_typed(rig, "rig.grid_nominal_voltage_v", (int, float), fail, default=230.0))
    nominal_hz = float(_typed(rig, "rig.grid_nominal_frequency_hz", (int, float), fail, default=50.0))
    if not 50.0 <= nominal_v <= 400.0:
        raise fail("rig.grid_nominal_voltage_v", f"{nominal_v:g} V is not a phase voltage in [50, 400] V")
    if nominal_hz not in (50.0, 60.0):
        raise fail("rig.grid_nominal_frequency_hz", f"{nominal_hz:g} Hz is neither 50 nor 60 Hz")
    for key, low, high in (("grid_voltage_min_v", None, nominal_v), ("grid_voltage_max_v", nominal_v, None),
                           ("grid_frequency_min_hz", None, nominal_hz), ("grid_frequency_max_hz", nominal_hz, None)):
        value = limits.get(key)
        if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            raise fail(f"limits.{key}", f"{value:g} leaves out the rig's own nominal grid "
                                        f"({nominal_v:g} V, {nominal_hz:g} Hz)")
    return RigConfig(path, name, simulated, instruments, limits, tuple(order),
                     _typed(rig, "rig.description", str, fail, default=""),
                     Path(log) if log else None, require_roles, csms, dut, nominal_v, nominal_hz)


def _limits(table: Mapping[str, Any], instruments: Mapping[str, InstrumentConfig], fail: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        if key not in LIMIT_KEYS:
            raise fail(f"limits.{key}", f"unknown limit (known: {', '.join(sorted(LIMIT_KEYS))})")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise fail(f"limits.{key}", f"must be a number ≥ 0, not {value!r}")
        role, quantities, bound = LIMIT_KEYS[key]
        for inst in instruments.values():
            if inst.role != role:
                continue
            for q in quantities:
                low, high = inst.model.ranges.get(q, (0.0, float("inf")))
                if not low <= value <= high:
                    raise fail(f"limits.{key}", f"{value:g} is outside the range of {inst.name} "
                                                f"({inst.model.id}: {low:g} ≤ {q} ≤ {high:g})")
        out[key] = float(value)
    for low_key, high_key in WINDOWS:
        if low_key in out and high_key in out and not out[low_key] < out[high_key]:
            raise fail(f"limits.{low_key}", f"{out[low_key]:g} must be below limits.{high_key} = {out[high_key]:g}")
    return out


def _table(data: Mapping[str, Any], key: str, fail: Any) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise fail(key, "must be a table")
    return value


def _typed(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], fail: Any, *, default: Any = ...) -> Any:
    name = key.rsplit(".", 1)[-1]
    if name not in table:
        if default is ...:
            raise fail(key, "missing")
        return default
    value = table[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise fail(key, f"has the wrong type ({type(value).__name__}: {value!r})")
    return value
