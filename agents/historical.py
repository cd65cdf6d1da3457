"""The historical policy: what each 2024 actor actually did (skeleton, being written)."""

from __future__ import annotations

from typing import ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param

__all__ = ["HistoricalPolicy"]


class HistoricalPolicy(BasicPolicy):
    name = "historical"
    description = "each 2024 actor follows the strategy it actually followed in 2024-25"
    parameters: ClassVar[dict[str, Param]] = dict(BasicPolicy.parameters)
