"""EV and EVSE profiles as data: a TOML file sets every parameter of the bench EV's battery model
(``[ev]``) or of the bench charger's EVSE model (``[evse]``), and single values can be overridden
(``--set precharge_tolerance_v=none``). The shipped profiles live in ``hilbench/profiles/{ev,evse}/``
(``profiles/`` at the top of the checkout points there); ``--ev van`` finds the shipped one, a path
finds any other file.

Every key is checked against the model's declared parameters (``params.py``): an unknown key, a
value of the wrong type or outside its range is a :class:`~hilbench.errors.ProfileError` naming the
file or option, the key, and what the key may be."""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hilbench.errors import ProfileError
from hilbench.tomlfile import read_toml
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.evse_model import EvseModel

MODELS: dict[str, type[Any]] = {"ev": BatteryEv, "evse": EvseModel}
NONE_WORDS = ("none", "null")


def profiles_dir(kind: str) -> Path:
    return Path(__file__).resolve().parents[1] / "profiles" / kind


def shipped(kind: str) -> list[str]:
    """The names of the shipped profiles of ``kind`` (``ev`` or ``evse``)."""
    return sorted(p.stem for p in profiles_dir(kind).glob("*.toml"))


def parameters(kind: str) -> dict[str, dataclasses.Field[Any]]:
    """The profile keys of ``kind``'s model, in declaration order."""
    return {f.name: f for f in dataclasses.fields(MODELS[kind]) if f.metadata.get("param")}


def find_profile(kind: str, name: str | Path) -> Path:
    path = Path(name)
    if path.suffix == "" and path.parent == Path(".") and not path.exists():
        found = profiles_dir(kind) / f"{path.name}.toml"
        if not found.is_file():
            raise ProfileError(f"no {kind} profile {str(name)!r} (shipped: {', '.join(shipped(kind))}; or give a file)")
        return found
    if not path.is_file():
        raise ProfileError(f"{path}: no such {kind} profile file")
    return path


def load(kind: str, profile: str | Path | None = None, overrides: Iterable[str] = (), **fixed: Any) -> Any:
    """The ``kind`` model (``BatteryEv`` or ``EvseModel``) from a profile (name or file; None: the
    model's defaults), then the ``KEY=VALUE`` overrides, then ``fixed`` (values the caller sets in
    code, e.g. the PKI's trust anchors)."""
    model, keys = MODELS[kind], parameters(kind)
    values: dict[str, Any] = {}
    if profile is not None:
        path = find_profile(kind, profile)
        data = read_toml(path, ProfileError)
        unknown = set(data) - {"description", kind}
        if unknown:
            raise ProfileError(f"{path.name}: unknown key {', '.join(sorted(unknown))} "
                               f"(a profile has 'description' and a [{kind}] table)")
        table = data.get(kind, {})
        if not isinstance(table, dict):
            raise ProfileError(f"{path.name}: {kind} must be a table")
        for key, value in table.items():
            values[key] = _checked(keys, key, value, f"{path.name}: {kind}.{key}")
    for text in overrides:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ProfileError(f"--set {text!r}: expected KEY=VALUE (e.g. precharge_tolerance_v=none)")
        values[key] = _checked(keys, key, _literal(raw.strip()), f"--set {key}")
    instance = model(**values, **fixed)
    problems = instance.problems()
    if problems:
        where = f"{Path(profile).name if profile else kind + ' defaults'}{' with --set' if values and overrides else ''}"
        raise ProfileError(f"{where}: " + "; ".join(problems))
    return instance


def describe(kind: str) -> list[str]:
    """One line per parameter: name, type, unit, range, default and what it is."""
    lines = []
    hints = typing.get_type_hints(MODELS[kind])
    for name, f in parameters(kind).items():
        m = f.metadata
        unit = f" {m['unit']}" if m["unit"] else ""
        lines.append(f"{name} = {f.default!r}  ({_type_name(hints[name])}{unit}{_range_text(m)})"
                     + (f"  {m['doc']}" if m["doc"] else ""))
    return lines


# ---- checking one value ---------------------------------------------------------------------------

def _literal(raw: str) -> Any:
    """A ``--set`` value: a TOML literal where it is one (3.5, true, "x", [..]), ``none``, or else
    the bare text (a string, or a comma-separated list for tuple parameters)."""
    if raw.lower() in NONE_WORDS:
        return None
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _checked(keys: dict[str, dataclasses.Field[Any]], key: str, value: Any, where: str) -> Any:
    f = keys.get(key)
    if f is None:
        raise ProfileError(f"{where}: unknown parameter (known: {', '.join(keys)})")
    hint = typing.get_type_hints(_owner(f))[key]
    return _coerce(hint, value, f.metadata, where)


def _owner(f: dataclasses.Field[Any]) -> type[Any]:
    return next(m for m in MODELS.values() if f in dataclasses.fields(m))


def _coerce(hint: Any, value: Any, meta: Any, where: str) -> Any:
    args = typing.get_args(hint)
    optional = isinstance(hint, types.UnionType) and type(None) in args
    if value is None:
        if optional:
            return None
        raise ProfileError(f"{where}: may not be none (expected {_type_name(hint)})")
    base = next(a for a in args if a is not type(None)) if optional else hint
    if typing.get_origin(base) is tuple:
        items = [s.strip() for s in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise ProfileError(f"{where}: expected a list of names, got {value!r}")
        return tuple(items)
    if base is bool:
        if not isinstance(value, bool):
            raise ProfileError(f"{where}: expected true or false, got {value!r}")
        return value
    if base is str:
        if not isinstance(value, str) or not value:
            raise ProfileError(f"{where}: expected a non-empty string, got {value!r}")
        return value
    if base in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (base is int and not isinstance(value, int)):
            raise ProfileError(f"{where}: expected {'an integer' if base is int else 'a number'}"
                               f"{' in ' + meta['unit'] if meta['unit'] else ''}, got {value!r}")
        value = base(value)
        if not _in_range(value, meta):
            raise ProfileError(f"{where}: {value:g}{' ' + meta['unit'] if meta['unit'] else ''} is out of range "
                               f"({_range_text(meta).strip(', ')})")
        return value
    raise ProfileError(f"{where}: parameter of type {hint} cannot be set from a profile")  # a bench bug


def _in_range(value: float, meta: Any) -> bool:
    return ((meta["min"] is None or value >= meta["min"]) and (meta["max"] is None or value <= meta["max"])
            and (meta["above"] is None or value > meta["above"]) and value == value)


def _range_text(meta: Any) -> str:
    parts = []
    if meta["above"] is not None:
        parts.append(f"> {meta['above']:g}")
    if meta["min"] is not None:
        parts.append(f">= {meta['min']:g}")
    if meta["max"] is not None:
        parts.append(f"<= {meta['max']:g}")
    return (", " + " and ".join(parts)) if parts else ""


def _type_name(hint: Any) -> str:
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        return _type_name(next(a for a in args if a is not type(None))) + " or none"
    if typing.get_origin(hint) is tuple:
        return "list of names"
    return {int: "integer", float: "number", str: "string", bool: "true/false"}.get(hint, str(hint))
