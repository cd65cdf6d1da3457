"""The policy contract: how a bot (or a human, or a user's strategy) decides for one actor.

A policy sees only its :class:`~game.observation.Observation` and acts only through the decisions
it returns. The engine calls, each quarter:

1. :meth:`Policy.propose` — new offers (at most the action budget is taken);
2. :meth:`Policy.respond` — answers to the offers in ``obs.inbox`` (maybe several times a quarter,
   as counters come back);
3. :meth:`Policy.moves` — unilateral moves.

:meth:`Policy.reset` is called once with the policy's own seed before the game; a policy must draw
all its randomness from ``self.rng`` so that a seed gives the same game. A policy that raises or
returns something other than decisions loses that call, not the game.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from game.deals import ROLES
from game.decisions import Decision
from game.observation import Observation

__all__ = ["Policy"]


class Policy:
    """Base of every policy. Subclasses override the calls they need.

    Args:
        **params: named parameters of the policy family (see ``defaults``).
    """

    name: ClassVar[str] = "policy"
    description: ClassVar[str] = ""
    roles: ClassVar[tuple[str, ...]] = ROLES
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"policy {self.name!r} has no parameter {unknown[0]!r} "
                f"(parameters: {', '.join(self.defaults) or 'none'})"
            )
        self.params: dict[str, Any] = {**self.defaults, **params}
        self.rng = np.random.default_rng(0)

    @property
    def label(self) -> str:
        """The name shown in results."""
        return self.name

    def reset(self, seed: int) -> None:
        """Start a new game with this seed (the policy's own random stream)."""
        self.rng = np.random.default_rng(seed)

    def propose(self, obs: Observation) -> list[Decision]:
        """New offers to open this quarter. The default opens none."""
        return []

    def respond(self, obs: Observation) -> list[Decision]:
        """Answers to offers in ``obs.inbox``. The default leaves them to expire."""
        return []

    def moves(self, obs: Observation) -> list[Decision]:
        """Unilateral moves this quarter. The default makes none."""
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"
