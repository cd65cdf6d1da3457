"""The PettingZoo Parallel environment: every agent acts at once, one action a cycle.

The same game, spaces, rewards and bad-action convention as :mod:`game.envs.aec`. The actions of
a step are applied in scenario order, so an action the mask allowed may have become illegal by
its turn (an offer an earlier agent withdrew): it is then a masked no-op, as documented in
:mod:`game.envs.table`. A live agent missing from the actions passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from game.envs.aec import spaces_of
from game.envs.resolve import Opponents
from game.envs.table import DEFAULT_TURNS, Table
from game.scenario import ScenarioSpec

__all__ = ["parallel_env"]


class parallel_env(ParallelEnv):  # PettingZoo's naming
    """Fab Race as a PettingZoo Parallel environment (arguments as :class:`game.envs.raw_env`)."""

    metadata: dict[str, Any] = {  # noqa: RUF012  # declared so by the base class
        "name": "fabrace_parallel_v0",
        "render_modes": ["ansi"],
    }

    def __init__(
        self,
        scenario: ScenarioSpec | str = "duel",
        *,
        quarters: int | None = None,
        turns: int = DEFAULT_TURNS,
        seats: list[str] | None = None,
        opponents: Opponents = None,
        seed: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi' (got {render_mode!r})")
        self.render_mode = render_mode
        self.table = Table(
            scenario, seats=seats, opponents=opponents, quarters=quarters, turns=turns
        )
        self.possible_agents = list(self.table.seats)
        self.agents: list[str] = []
        both = {a: spaces_of(self.table, a) for a in self.possible_agents}
        self.observation_spaces = {a: o for a, (o, _) in both.items()}
        self.action_spaces = {a: s for a, (_, s) in both.items()}
        self._seeds = np.random.default_rng(seed)

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's observation space (the same object every time)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's action space (the same object every time)."""
        return self.action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict[str, Any]]]:
        """Start a game: on the engine's ``seed`` if given, else on the next drawn seed."""
        if seed is not None:
            self._seeds = np.random.default_rng(seed)
            game_seed = int(seed)
        else:
            game_seed = int(self._seeds.integers(2**31))
        self.table.start(game_seed)
        self.agents = list(self.possible_agents)
        obs = {a: self.table.observation(a) for a in self.agents}
        return obs, {a: self.table.info(a) for a in self.agents}

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[
        dict[str, dict[str, np.ndarray]],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Apply every live agent's action (in scenario order) and end the cycle.

        Raises:
            ValueError: for an action outside its space or an agent not in the game; nothing
                changes then.
        """
        unknown = sorted(set(actions) - set(self.agents))
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a live agent (agents: {self.agents})")
        chosen = {a: self.table.check_action(a, actions.get(a, 0)) for a in self.agents}
        for a in self.agents:
            self.table.act(a, chosen[a])
        rewards = self.table.end_cycle() or {}
        live = list(self.agents)
        done = self.table.finished
        obs = {a: self.table.observation(a) for a in live}
        rew = {a: float(rewards.get(a, 0.0)) for a in live}
        terms = dict.fromkeys(live, done)
        truncs = dict.fromkeys(live, False)
        infos = {a: self.table.info(a) for a in live}
        if done:
            self.agents = []
        return obs, rew, terms, truncs, infos

    def render(self) -> str | None:
        """``"ansi"``: the quarter and each agent's score, as a line of text."""
        if self.render_mode != "ansi":
            return None
        got = self.table.scores
        scores = ", ".join(f"{a} {got.get(a, 0.0):+.3f}" for a in self.possible_agents)
        return f"{self.table.game.label}: {scores}"

    def close(self) -> None:
        """Nothing to release (the game lives in memory)."""
