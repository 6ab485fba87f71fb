"""Reading the project's TOML data files (instrument models, rig files) with one error style:
``<file>: cannot read`` / ``<file>: not TOML: <where>``, raised as the caller's error class."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hilbench.errors import ConfigError


def read_toml(path: Path, error: type[ConfigError]) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path.name}: not TOML: {e}") from None
