"""Typed access to a model file's TOML tree: every mistake is a :class:`ModelError` naming the file
and the key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hilbench.errors import ModelError


class Reader:
    """Typed access to the TOML tree; every mistake names file and key."""

    def __init__(self, path: Path, data: Mapping[str, Any]) -> None:
        self.path, self.data = path, data

    def fail(self, key: str, why: str) -> ModelError:
        return ModelError(f"{self.path.name}: {key}: {why}")

    def table(self, key: str, *, required: bool = True) -> Mapping[str, Any]:
        node: Any = self.data
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
            if node is None:
                if required:
                    raise self.fail(key, "missing")
                return {}
        if not isinstance(node, Mapping):
            raise self.fail(key, f"must be a table, not {type(node).__name__}")
        return node

    def only(self, table: str, keys: set[str]) -> None:
        """Refuses keys the format does not have (a typo must not pass silently)."""
        for key in self.table(table, required=False):
            if key not in keys:
                raise self.fail(f"{table}.{key}", f"unknown key (known: {', '.join(sorted(keys))})")

    def get(self, table: str, key: str, kind: type | tuple[type, ...], *, default: Any = ..., ) -> Any:
        node = self.table(table, required=default is ...)
        if key not in node:
            if default is ...:
                raise self.fail(f"{table}.{key}", "missing")
            return default
        value = node[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise self.fail(f"{table}.{key}", f"must be {kind_name(kind)}, not {value!r}")
        return value


def kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
