from __future__ import annotations

import pytest

from hilbench.ocpp import frames


@pytest.fixture(scope="session", autouse=True)
def _schemas() -> None:
    frames.ensure_schemas("2.1")
