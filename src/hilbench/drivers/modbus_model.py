"""The Modbus part of an instrument model: which registers hold the role's readings and setpoints,
how each is encoded (type, word order, scale — or a raw full scale such as EA's 0xCCCC = 100 %),
which coils switch it, which state bits report it, and how its identity is read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hilbench.drivers.model_reader import Reader

MODBUS_TYPES = ("float32", "int16", "uint16", "int32", "uint32")
#: What each role needs from a Modbus model.
MODBUS_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "energy_meter": {
        "read": ("voltage_l1_v", "voltage_l2_v", "voltage_l3_v", "current_l1_a", "current_l2_a", "current_l3_a",
                 "total_power_w", "frequency_hz", "import_energy_wh", "export_energy_wh"),
    },
    "dc_supply": {
        "read": ("voltage_v", "source_current_a", "sink_current_a", "measured_voltage_v", "measured_current_a",
                 "measured_power_w", "device_state"),
        "write": ("voltage_v", "source_current_a", "sink_current_a"),
        "coils": ("remote", "output"),
        "bits": ("output_on", "sink"),
    },
}
REGISTER_KEYS = {"address", "table", "type", "scale", "full_scale", "full_scale_raw", "max_raw", "negative_when",
                 "confirmed"}


@dataclass(frozen=True)
class Register:
    """A Modbus value: where it is, how it is encoded, and the factor to the quantity's unit."""

    address: int
    table: str = "input"  #: "input" (FC4) or "holding" (FC3; written with FC6/FC16)
    type: str = "float32"  #: float32 | int16 | uint16 | int32 | uint32
    scale: float = 1.0
    confirmed: bool = True
    #: Largest raw value the instrument accepts (a write beyond it is refused before it is sent).
    max_raw: int | None = None
    #: The value is negative while this state bit is set (``device_state.12``: sinking).
    negative_when: str | None = None

    @property
    def count(self) -> int:
        return 2 if self.type in ("float32", "int32", "uint32") else 1


@dataclass(frozen=True)
class ModbusMap:
    unit_id: int = 1
    word_order: str = "big"
    read: Mapping[str, Register] = field(default_factory=dict)
    #: A read that proves the device is the model: the quantity and its plausible range ...
    identity_register: str = ""
    identity_range: tuple[float, float] = (0.0, 0.0)
    #: ... or text registers (20 registers of ASCII each) whose contents, joined by ", ", the
    #: model's identity pattern must match.
    identity_text: tuple[int, ...] = ()
    write: Mapping[str, Register] = field(default_factory=dict)
    coils: Mapping[str, int] = field(default_factory=dict)
    bits: Mapping[str, int] = field(default_factory=dict)


def _register(r: Reader, key: str, spec: Any, *, writable: bool) -> Register:
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = {"address": spec}
    if not isinstance(spec, Mapping) or not isinstance(spec.get("address"), int):
        raise r.fail(key, "must be an address or a table with 'address'")
    unknown = set(spec) - REGISTER_KEYS
    if unknown:
        raise r.fail(key, f"unknown keys {sorted(unknown)}")
    scale = float(spec.get("scale", 1.0))
    if "full_scale" in spec or "full_scale_raw" in spec:
        if "scale" in spec or not all(isinstance(spec.get(k), (int, float)) for k in ("full_scale", "full_scale_raw")):
            raise r.fail(key, "full_scale and full_scale_raw go together (numbers), instead of scale")
        scale = float(spec["full_scale"]) / float(spec["full_scale_raw"])
    reg = Register(spec["address"], spec.get("table", "holding" if writable else "input"), spec.get("type", "float32"),
                   scale, bool(spec.get("confirmed", True)), spec.get("max_raw"), spec.get("negative_when"))
    if reg.table not in ("input", "holding") or writable and reg.table != "holding":
        raise r.fail(f"{key}.table", f"{reg.table!r} is not {'holding' if writable else 'input or holding'}")
    if reg.type not in MODBUS_TYPES:
        raise r.fail(f"{key}.type", f"{reg.type!r} is not one of {', '.join(MODBUS_TYPES)}")
    if not 0 <= reg.address <= 0xFFFF:
        raise r.fail(f"{key}.address", f"{reg.address} is not a Modbus address (0..65535)")
    return reg


def _addresses(r: Reader, table: str, needs: tuple[str, ...], role: str, *, high: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, value in r.table(table, required=bool(needs)).items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
            raise r.fail(f"{table}.{name}", f"must be an integer in 0..{high}, not {value!r}")
        out[name] = value
    missing = [n for n in needs if n not in out]
    if missing:
        raise r.fail(table, f"the {role} role needs {', '.join(missing)}")
    return out


def load_modbus_map(r: Reader, role: str) -> ModbusMap:
    r.only("modbus", {"unit_id", "word_order", "identity_register", "identity_range", "identity_text", "read", "write",
                      "coils", "bits"})
    needs = MODBUS_NEEDS.get(role)
    if needs is None:
        raise r.fail("model.transport", f"no {role} driver speaks Modbus (Modbus roles: {', '.join(MODBUS_NEEDS)})")
    reads = {n: _register(r, f"modbus.read.{n}", s, writable=False) for n, s in r.table("modbus.read").items()}
    writes = {n: _register(r, f"modbus.write.{n}", s, writable=True)
              for n, s in r.table("modbus.write", required=bool(needs.get("write"))).items()}
    for kind, found in (("read", reads), ("write", writes)):
        missing = [n for n in needs.get(kind, ()) if n not in found]
        if missing:
            raise r.fail(f"modbus.{kind}", f"the {role} role needs {', '.join(missing)}")
    for name, reg in reads.items():
        if reg.negative_when is not None:
            source, _, bit = reg.negative_when.partition(".")
            if source not in reads or not bit.isdigit() or int(bit) >= 16 * reads[source].count:
                raise r.fail(f"modbus.read.{name}.negative_when", f"{reg.negative_when!r} is not <read register>.<bit>")
    coils = _addresses(r, "modbus.coils", needs.get("coils", ()), role, high=0xFFFF)
    bits = _addresses(r, "modbus.bits", needs.get("bits", ()), role, high=31)
    order = r.get("modbus", "word_order", str, default="big")
    if order not in ("big", "little"):
        raise r.fail("modbus.word_order", f"{order!r} is not big or little")
    text = r.get("modbus", "identity_text", list, default=[])
    if text:
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in text):
            raise r.fail("modbus.identity_text", f"must be a list of register addresses, not {text!r}")
        return ModbusMap(r.get("modbus", "unit_id", int, default=1), order, reads, identity_text=tuple(text),
                         write=writes, coils=coils, bits=bits)
    ident = r.get("modbus", "identity_register", str)
    if ident not in reads:
        raise r.fail("modbus.identity_register", f"{ident!r} is not in [modbus.read]")
    bounds = r.get("modbus", "identity_range", list)
    if len(bounds) != 2 or not bounds[0] < bounds[1]:
        raise r.fail("modbus.identity_range", f"must be [min, max], not {bounds!r}")
    return ModbusMap(r.get("modbus", "unit_id", int, default=1), order, reads, ident, (float(bounds[0]), float(bounds[1])),
                     write=writes, coils=coils, bits=bits)
