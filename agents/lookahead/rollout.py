"""Playing a plan forward: one imagined game, one family in the player's seat, ``basic`` elsewhere.

:func:`play_forward` seats a fresh policy of the plan's family in the player's seat and a fresh
:data:`OPPONENT` in every other, plays the imagined world to its end (its few quarters) with the
engine and returns the player's score (its role's score, :mod:`game.scoring`; raw, as an imagined
scenario has no reference run: the order of plans is what counts).
"""

from __future__ import annotations

from functools import cache

from agents.lookahead.world import ImaginedWorld, start
from agents.policy import Policy

__all__ = ["CANDIDATES", "OPPONENT", "family", "play_forward"]

#: The built-in families it may follow, in order: ``candidates = N`` weighs the first N.
CANDIDATES = ("planner", "historical", "basic", "greedy", "cautious")
#: The family that plays every other seat of an imagined game.
OPPONENT = "basic"


@cache
def family(name: str) -> type[Policy]:
    """The built-in family of that name."""
    from agents.registry import builtin_families  # the registry lists this family too

    return builtin_families()[name]


def _opponent(actor: str, role: str, policy: str) -> Policy:
    return family(OPPONENT)()


def play_forward(world: ImaginedWorld, actor: str, plan: str, seed: int) -> float:
    """``actor``'s score at the end of ``world`` played by ``plan`` (others by :data:`OPPONENT`).

    Args:
        world: the imagined world (see :func:`agents.lookahead.world.imagine`).
        actor: the player's seat.
        plan: the family that plays it.
        seed: the imagined game's seed (its chance and every seat's random stream).
    """
    game = start(world, seed, {actor: family(plan)()}, _opponent)
    game.run()
    return float(game.observe(actor).books["score"])
