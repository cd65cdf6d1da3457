"""The type check: mypy over the engine and the agents, with the settings in pyproject.toml.

A test rather than a step of its own in ``make test``, so that it runs beside the rest of the
suite on another core instead of before it (without a cache, on a fresh clone, mypy reads ~900
modules: half a minute of CPU).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_the_engine_and_the_agents_type_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # mypy reads [tool.mypy] from ./pyproject.toml
    out, err, status = api.run([])
    assert status == 0, f"mypy found problems:\n{out}{err}"
    assert "Success" in out, out
