"""The reciprocal policy as its role parts see it: for the type checker only.

The role parts (``lab``, ``designer``, ``foundry``, ``investor``) are mixins of
:class:`~agents.reciprocal.ReciprocalPolicy`, which is built from them and so cannot be their base.
Under ``TYPE_CHECKING`` they derive from :class:`ReciprocalParts` instead, which declares what they
use of the whole policy: the basic bot, the contract memory, and the family's memory and standing
(defined in ``agents/reciprocal/__init__.py``). At run time they derive from ``object``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.basic import BasicPolicy
from agents.tactics import ContractMemo

if TYPE_CHECKING:
    from game.observation import Observation

__all__ = ["ReciprocalParts"]


class ReciprocalParts(ContractMemo, BasicPolicy):
    """What a role part of the reciprocal family uses of the whole policy."""

    if TYPE_CHECKING:
        _last: dict[str, int]
        _need_hist: list[float]
        _revenue_hist: list[float]
        _spend_avg: float
        _asked: int
        _power_asked: dict[str, float]

        def _standing(self, obs: Observation, other: str) -> float: ...
        def _rescues(self, obs: Observation, other: str) -> bool: ...
        def _terms_factor(self, obs: Observation, other: str) -> float: ...
        def _ranked(self, obs: Observation, names: list[str], key: Any = None) -> list[str]: ...
        def _best_vendor(
            self, obs: Observation, names: tuple[str, ...], field: str
        ) -> str | None: ...
        def _borrowable(self, obs: Observation, rate: float, quarters: int) -> float: ...
        def _reserve(self, obs: Observation) -> float: ...
        def _shunned(self, obs: Observation, other: str) -> bool: ...
        def _supply_discount(self, obs: Observation, lab: str) -> float: ...
        def _power_value(self, obs: Observation) -> float: ...
        def _recip_power_gap(self, obs: Observation, quarters: float) -> float: ...
        def _remember_lab(self, obs: Observation) -> None: ...
        def _payoff(self, obs: Observation) -> float: ...
        def _compute_budget(self, obs: Observation, spare: float | None = None) -> float: ...
        def _wafers_to_reserve(self, obs: Observation) -> float: ...
