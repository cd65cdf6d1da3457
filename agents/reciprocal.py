"""Reciprocal policy family (work in progress)."""

from __future__ import annotations

from typing import ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param

__all__ = ["ReciprocalPolicy"]


class ReciprocalPolicy(BasicPolicy):
    name = "reciprocal"
    description = "reciprocal bot"
    parameters: ClassVar[dict[str, Param]] = dict(BasicPolicy.parameters)
