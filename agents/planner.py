"""The planner: a look-ahead policy (skeleton, being written)."""

from __future__ import annotations

from typing import ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param

__all__ = ["PlannerPolicy"]


class PlannerPolicy(BasicPolicy):
    name = "planner"
    description = "looks ahead: projects demand, build lags and cash runway before acting"
    parameters: ClassVar[dict[str, Param]] = dict(BasicPolicy.parameters)
