"""The table: one game of Fab Race, with some seats played by learners one action at a time.

The shared core of the PettingZoo and Gymnasium environments, and a thin adapter over the public
engine API (:class:`game.model.FabRaceModel`): it builds the game with the learners' seats
driven from outside (policy ``None``) and the others played by policies, opens each quarter
(``open_quarter``: news, the bots' offers), hands the learners' decisions to ``submit`` (a bot
answers an offer at once), and closes the quarter with ``step`` (bots answer and move,
operations and accounting). Every rule stays in the engine: the mask of a slot is the engine's
own ``check`` of the decision the slot stands for.

**Turns.** A quarter is played in *cycles*: in each, every learner seat takes one action (a
decision, or pass), in scenario order. The quarter closes after ``turns`` cycles, or sooner,
after a cycle in which every learner passed.

**Rewards.** When a quarter closes, each seat's reward is the change of its role score
(``books["score"]``) over the quarter, so the rewards of a game add up to the seat's final score;
every other step's reward is 0.

**Bad actions.** An action outside the action space (not a whole number in ``0..n-1``) raises
``ValueError`` naming the seat, the action and the range, and changes nothing. An action in the
space but masked (not legal now) is a *no-op*: nothing reaches the engine, the seat's turn in
this cycle ends as if it had passed, and it is counted (``info["masked_actions"]``).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from game.decisions import Decision
from game.envs.catalogue import ActionCatalogue
from game.envs.encoding import ObservationEncoder
from game.envs.resolve import Opponents, seat_factory
from game.model import FabRaceModel
from game.scenario import ScenarioSpec, load_scenario

__all__ = ["DEFAULT_TURNS", "Table"]

#: Cycles of a quarter, at most.
DEFAULT_TURNS = 4


class Table:
    """One game with learner seats, played action by action.

    Args:
        scenario: a built-in scenario name, a scenario file's path, or a loaded spec.
        seats: the actors learners play (default: every actor).
        opponents: who plays the other seats (see :data:`game.envs.resolve.Opponents`).
        quarters: game length (default: the scenario's).
        turns: cycles of a quarter, at most.
        decision_seconds: time budget of one bot call (None: none).

    Raises:
        ValueError: for an unknown seat, no seats, or ``turns`` under 1.
    """

    def __init__(
        self,
        scenario: ScenarioSpec | str,
        *,
        seats: list[str] | None = None,
        opponents: Opponents = None,
        quarters: int | None = None,
        turns: int = DEFAULT_TURNS,
        decision_seconds: float | None = None,
    ) -> None:
        self.spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
        actors: list[tuple[str, str]] = [(a.name, a.role) for a in self.spec.actors]
        names = [n for n, _ in actors]
        self.seats: list[str] = list(seats) if seats is not None else names
        if not self.seats:
            raise ValueError("at least one seat must be played by a learner")
        for s in self.seats:
            if s not in names:
                raise ValueError(f"no actor named {s!r} in {self.spec.name} (actors: {names})")
        if len(set(self.seats)) != len(self.seats):
            raise ValueError(f"a seat is named twice in {self.seats}")
        self.seats = [n for n in names if n in self.seats]  # scenario order
        if int(turns) < 1:
            raise ValueError(f"turns must be at least 1 (got {turns})")
        self.turns = int(turns)
        self.quarters = quarters
        self.decision_seconds = decision_seconds
        self.factory = seat_factory(opponents) if len(self.seats) < len(names) else None
        self.catalogues = {s: ActionCatalogue(actors, s) for s in self.seats}
        probe = self._build(0)
        self.encoders = {s: ObservationEncoder(probe.observe(s)) for s in self.seats}
        self.game: FabRaceModel = probe
        self.cycle = 0
        self.passed: set[str] = set()
        self.masked: dict[str, int] = {}
        self.scores: dict[str, float] = {}
        self._decisions: dict[str, list[Decision | None]] = {}
        self._masks: dict[str, np.ndarray] = {}

    def _build(self, seed: int) -> FabRaceModel:
        return FabRaceModel(
            self.spec,
            seed=seed,
            policies=dict.fromkeys(self.seats),
            quarters=self.quarters,
            decision_seconds=self.decision_seconds,
            policy_factory=self.factory,
        )

    # ------------------------------------------------------------------ the game
    def start(self, seed: int) -> None:
        """A new game on ``seed`` (the engine's seed: the same game as ``fabrace run --seed``)."""
        self.game = self._build(seed)
        self.game.open_quarter()
        self.cycle = 0
        self.passed = set()
        self.masked = dict.fromkeys(self.seats, 0)
        self.scores = {s: self._score(s) for s in self.seats}
        self._stale()

    @property
    def finished(self) -> bool:
        """Whether the game is over."""
        return bool(self.game.finished)

    def _score(self, seat: str) -> float:
        return float(self.game.actor(seat).score)

    def _stale(self) -> None:
        self._decisions.clear()
        self._masks.clear()

    def _legal(self, seat: str) -> tuple[list[Decision | None], np.ndarray]:
        """Each slot's decision and the mask (the engine's ``check`` of each), cached."""
        if seat not in self._masks:
            decisions = self.catalogues[seat].decisions(self.game.observe(seat))
            if self.game.quarter_open:
                check = self.game.check
                decisions = [
                    d if d is not None and check(seat, d) is None else None for d in decisions
                ]
            else:
                decisions = [None] * len(decisions)
            self._decisions[seat] = decisions
            self._masks[seat] = self.catalogues[seat].mask(decisions)
        return self._decisions[seat], self._masks[seat]

    def mask(self, seat: str) -> np.ndarray:
        """The seat's action mask now (a fresh ``int8`` array; 1 = allowed)."""
        return self._legal(seat)[1].copy()

    def observation(self, seat: str) -> dict[str, np.ndarray]:
        """The seat's observation: ``{"observation": vector, "action_mask": mask}``."""
        vec = self.encoders[seat].encode(self.game.observe(seat))
        return {"observation": vec, "action_mask": self.mask(seat)}

    def info(self, seat: str) -> dict[str, Any]:
        """A fresh info dict: the quarter's label and the seat's masked actions so far."""
        return {"quarter": self.game.label, "masked_actions": self.masked.get(seat, 0)}

    def check_action(self, seat: str, action: Any) -> int:
        """The action as an index of the seat's catalogue.

        Raises:
            ValueError: if it is not a whole number in ``0..n-1``.
        """
        n = self.catalogues[seat].n
        ok = isinstance(action, numbers.Integral) and not isinstance(action, bool)
        if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu":
            action, ok = action.item(), True
        if not ok or not 0 <= int(action) < n:
            raise ValueError(
                f"action {action!r} for {seat} is outside its action space: "
                f"a whole number from 0 to {n - 1} (see the catalogue's labels)"
            )
        return int(action)

    def act(self, seat: str, action: Any) -> None:
        """Take ``seat``'s action now: pass, a masked no-op, or a decision the engine applies.

        Raises:
            ValueError: if the action is outside the space (nothing changes).
        """
        a = self.check_action(seat, action)
        decisions, mask = self._legal(seat)
        if a == 0:
            self.passed.add(seat)
            return
        if not mask[a]:
            self.masked[seat] += 1
            self.passed.add(seat)
            return
        decision = decisions[a]
        assert decision is not None  # an allowed slot other than pass has one
        self.game.submit(seat, decision)
        self._stale()

    def end_cycle(self) -> dict[str, float] | None:
        """End a cycle; when the quarter closes, return each seat's reward (else None)."""
        self.cycle += 1
        if self.cycle < self.turns and not self.passed.issuperset(self.seats):
            self.passed = set()
            return None
        self.game.step()
        if not self.game.finished:
            self.game.open_quarter()
        self.cycle = 0
        self.passed = set()
        self._stale()
        rewards = {}
        for s in self.seats:
            now = self._score(s)
            rewards[s] = now - self.scores[s]
            self.scores[s] = now
        return rewards
