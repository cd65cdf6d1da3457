"""Deprecated: the policy conformance harness is now :mod:`agents.conformance`.

``agents.contract`` was renamed because its name clashed with :mod:`game.contracts` (the deals
signed between actors). Importing it warns (:class:`DeprecationWarning`) and gives the same
objects as :mod:`agents.conformance`; import from there instead::

    from agents.conformance import check_policy
"""

from __future__ import annotations

import warnings

from agents.conformance import (
    BIG_SCENARIO_ACTORS,
    BIG_SCENARIO_MAX_MEAN_CALL,
    BIG_SCENARIO_QUARTERS,
    CHECKS,
    DEFAULT_SCENARIOS,
    MID_GAME_QUARTER,
    SLOW_CALLS_LIMIT,
    CheckResult,
    ContractReport,
    check_policy,
    load_entry,
)

__all__ = [
    "BIG_SCENARIO_ACTORS",
    "BIG_SCENARIO_MAX_MEAN_CALL",
    "BIG_SCENARIO_QUARTERS",
    "CHECKS",
    "DEFAULT_SCENARIOS",
    "MID_GAME_QUARTER",
    "SLOW_CALLS_LIMIT",
    "CheckResult",
    "ContractReport",
    "check_policy",
    "load_entry",
]

warnings.warn(
    "agents.contract is deprecated; use agents.conformance", DeprecationWarning, stacklevel=2
)
