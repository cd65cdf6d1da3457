"""The look-ahead player: it imagines the game it sees and plays plans forward in it.

Every ``replan`` quarters, as the quarter opens, it builds from its own observation only a game of
what it can see (:mod:`agents.lookahead.world`: public figures, contracts, prices, the market now;
what it cannot see filled with documented estimates) and plays it forward for a few quarters with
the engine itself, once per candidate *plan*, the other seats played by the ``basic`` family
(:mod:`agents.lookahead.rollout`). A plan is a built-in family that plays its seat for those
quarters — "which of the built-in minds should I follow now". It follows the plan whose imagined
games end with its best score (its role's score, :mod:`game.scoring`) until it weighs them again:
its proposals, answers and moves are that family's.

Each candidate family is kept as a *mind* with its own memory and random stream (seeded from the
policy's seed); only the mind it follows is asked in a quarter, so a mind's memory is of the
quarters it played. In the imagined games every seat, its own included, is a fresh policy seeded
from the imagined game's seed, and every plan is played on the same seeds (common random
numbers), so plans are compared on the same imagined futures.

Its decisions are those of a built-in family, so they are as legal as theirs; the imagined games
are new :class:`~game.model.FabRaceModel` objects built from plain data, so the live game is
never touched. If the imagined world cannot be built (a scenario the rules refuse), it tries again
without the events, then without the contracts; failing that, it keeps the plan it follows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from agents.lookahead.rollout import CANDIDATES, OPPONENT, family, play_forward
from agents.lookahead.world import imagine
from agents.policy import Param, Policy
from game.decisions import Decision
from game.observation import Observation

__all__ = ["CANDIDATES", "OPPONENT", "LookaheadPolicy"]


class LookaheadPolicy(Policy):
    """Plays candidate plans forward in an imagined copy of what it sees and follows the best."""

    name = "lookahead"
    description = (
        "imagines the game it sees, plays a few built-in minds forward in it, follows the best"
    )
    #: The families it may follow, in order (see :data:`CANDIDATES`).
    families: ClassVar[tuple[str, ...]] = CANDIDATES
    parameters: ClassVar[dict[str, Param]] = {
        "candidates": Param(
            3,
            1,
            len(CANDIDATES),
            f"plans it weighs: the first N of {', '.join(CANDIDATES)} (1: always the first)",
        ),
        "horizon": Param(4, 1, 8, "quarters it plays each plan forward (fewer near the end)"),
        "rollouts": Param(1, 1, 8, "imagined games per plan, each on its own seed"),
        "replan": Param(
            4, 1, 8, "quarters it follows a chosen plan before it weighs the plans again"
        ),
        "stickiness": Param(
            0.0,
            0.0,
            10.0,
            "how much higher another plan's imagined score must be to replace the one it follows",
        ),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.reset(0)

    def reset(self, seed: int) -> None:
        """Start a new game: seed its own stream, then each mind's from it."""
        super().reset(seed)
        self._minds: dict[str, Policy] = {}
        for name in self.families:
            mind = family(name)()
            mind.params = {k: float(v) for k, v in mind.params.items()}  # as a restored one's
            mind.reset(int(self.rng.integers(2**32)))
            self._minds[name] = mind
        self._follow: str | None = None  # the plan it follows
        self._follow_q = -1  # the quarter it chose it
        self.last_scores: dict[str, float] = {}  # each plan's mean imagined score, last choice
        self.fallbacks = 0  # choices made without imagined games (the world could not be built)

    # ------------------------------------------------------------------ choosing a plan
    def plans(self, role: str) -> list[str]:
        """The candidate plans for ``role``, in order of preference on a tie."""
        k = int(self.params["candidates"])
        return [n for n in self.families[:k] if role in family(n).roles]

    def choose(self, obs: Observation) -> str:
        """The plan to follow this quarter: the one whose imagined games score best.

        Each plan plays its seat in ``rollouts`` imagined games of ``horizon`` quarters (the
        same seeds for every plan); ties go to the plan earlier in :attr:`families`, and the
        plan it follows is kept unless another beats it by more than ``stickiness``.
        """
        names = self.plans(obs.role)
        current = self._follow if self._follow in names else None
        fallback = current or names[0]
        self.last_scores = {}
        if len(names) == 1 or obs.quarters_left < 1 or not obs.legal.can_act:
            return fallback
        horizon = min(int(self.params["horizon"]), obs.quarters_left)
        world = imagine(obs, horizon)
        if world is None:
            self.fallbacks += 1
            return fallback
        seeds = [int(self.rng.integers(2**31)) for _ in range(int(self.params["rollouts"]))]
        scores = {
            n: sum(play_forward(world, obs.actor, n, s) for s in seeds) / len(seeds) for n in names
        }
        self.last_scores = scores
        best = max(names, key=lambda n: (scores[n], -names.index(n)))
        if current is not None and scores[best] - scores[current] <= self.params["stickiness"]:
            return current
        return best

    def _mind(self, obs: Observation) -> Policy:
        since = obs.quarter - self._follow_q
        if self._follow is None or not 0 <= since < self.params["replan"]:
            self._follow = self.choose(obs)
            self._follow_q = obs.quarter
        return self._minds[self._follow]

    @property
    def following(self) -> str | None:
        """The plan it follows now (None before its first choice)."""
        return self._follow

    # ------------------------------------------------------------------ the contract
    def propose(self, obs: Observation) -> list[Decision]:
        return self._mind(obs).propose(obs)

    def respond(self, obs: Observation) -> list[Decision]:
        return self._mind(obs).respond(obs)

    def moves(self, obs: Observation) -> list[Decision]:
        return self._mind(obs).moves(obs)

    # ------------------------------------------------------------------ snapshots
    def get_state(self) -> dict[str, Any]:
        """Its state as :meth:`Policy.get_state` gives it, each mind's state (JSON text) in it."""
        minds = self._minds
        text = json.dumps({n: m.get_state() for n, m in minds.items()}, sort_keys=True)
        self._minds = text  # type: ignore[assignment]  # for the moment of the encoding
        try:
            return super().get_state()
        finally:
            self._minds = minds

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Take the state :meth:`get_state` gave (all of it, or nothing).

        Raises:
            SnapshotError: if it is not such a state.
        """
        from game.snapshot import SnapshotError

        before = dict(vars(self))
        super().set_state(state)
        try:
            self._minds = self._load_minds(vars(self).get("_minds"))
        except SnapshotError as e:
            vars(self).clear()
            vars(self).update(before)
            raise SnapshotError(f"state of policy {self.label!r}: {e}") from None

    def _load_minds(self, text: Any) -> dict[str, Policy]:
        from game.snapshot import SnapshotError

        try:
            saved = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            saved = None
        if not isinstance(saved, dict):
            raise SnapshotError("_minds must be each plan's state, as JSON text")
        if set(saved) != set(self.families):
            raise SnapshotError(f"minds must be {', '.join(self.families)}")
        minds: dict[str, Policy] = {}
        for n in self.families:
            mind = family(n)()
            mind.set_state(saved[n])
            minds[n] = mind
        return minds
