"""The Gymnasium environment: a learner plays one seat, policies play the others.

``SingleSeatEnv("baseline-2024", seat="OpenAI", opponents="historical")``: each step is one
action of the learner's seat; with one learner a cycle is one action, so a quarter closes after
``turns`` actions or at the first pass (:mod:`game.envs.table` has the rules of turns, rewards
and bad actions). ``reset(seed=s)`` plays the engine's game of seed ``s`` (the same game for the
same seed); ``reset()`` draws the next seed from the environment's generator. The observation is
``{"observation": Box, "action_mask": Box(int8)}``, and :meth:`SingleSeatEnv.action_masks` gives
the mask alone (the convention of maskable learners such as sb3-contrib's ``MaskablePPO``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from game.envs.aec import spaces_of
from game.envs.resolve import Opponents
from game.envs.table import DEFAULT_TURNS, Table
from game.scenario import ScenarioSpec, load_scenario

__all__ = ["SingleSeatEnv"]


class SingleSeatEnv(gym.Env[dict[str, Any], Any]):
    """Fab Race for one learner.

    Args:
        scenario: a built-in scenario name, a scenario file's path, or a loaded spec.
        seat: the actor the learner plays (default: the scenario's first).
        opponents: who plays the other seats: ``None`` (the scenario's own policies), a policy
            name for all (``"historical"``), a mapping actor -> name or policy object, or a
            factory ``(actor, role, scenario's policy name) -> policy``.
        quarters: game length (default: the scenario's).
        turns: the learner's actions in a quarter, at most.
        render_mode: ``None`` or ``"ansi"``.

    Raises:
        ValueError: for an unknown seat or render mode.
    """

    metadata: dict[str, Any] = {  # noqa: RUF012  # declared so by the base class
        "render_modes": ["ansi"],
    }

    def __init__(
        self,
        scenario: ScenarioSpec | str = "duel",
        seat: str | None = None,
        opponents: Opponents = None,
        *,
        quarters: int | None = None,
        turns: int = DEFAULT_TURNS,
        render_mode: str | None = None,
    ) -> None:
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi' (got {render_mode!r})")
        self.render_mode = render_mode
        spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
        first = spec.actors[0].name if seat is None else str(seat)
        self.seat = first
        self.table = Table(spec, seats=[first], opponents=opponents, quarters=quarters, turns=turns)
        self.observation_space, self.action_space = spaces_of(self.table, first)
        self.labels = self.table.catalogues[first].labels

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start a game on the engine's ``seed`` (or one drawn from the generator)."""
        super().reset(seed=seed)
        game_seed = int(seed) if seed is not None else int(self.np_random.integers(2**31))
        self.table.start(game_seed)
        return self.table.observation(self.seat), self.table.info(self.seat)

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        """Take the learner's action; the reward is the score gained when a quarter closes.

        Raises:
            ValueError: for an action outside the space; nothing changes then.
        """
        self.table.act(self.seat, action)
        rewards = self.table.end_cycle()
        reward = float(rewards[self.seat]) if rewards is not None else 0.0
        obs = self.table.observation(self.seat)
        return obs, reward, self.table.finished, False, self.table.info(self.seat)

    def action_masks(self) -> np.ndarray:
        """The action mask now, as booleans."""
        return self.table.mask(self.seat).astype(bool)

    def render(self) -> str | None:
        """``"ansi"``: the quarter and the learner's score, as a line of text."""
        if self.render_mode != "ansi":
            return None
        return f"{self.table.game.label}: {self.seat} {self.table.scores.get(self.seat, 0.0):+.3f}"
