"""The PettingZoo AEC environment: every actor of a scenario an agent, acting in turn.

Agents are named after the actors (``"OpenAI"``, ``"Nvidia"``, ...) and act in scenario order,
one action each per cycle (see :mod:`game.envs.table` for cycles, rewards and bad actions). An
observation is ``{"observation": Box, "action_mask": Box(int8)}``, PettingZoo's convention for
masks; each agent's spaces are its own (:mod:`game.envs.catalogue`, :mod:`game.envs.encoding`).
Every agent terminates together when the game ends.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

from game.envs.encoding import OBS_BOUND
from game.envs.resolve import Opponents
from game.envs.table import DEFAULT_TURNS, Table
from game.scenario import ScenarioSpec

__all__ = ["env", "raw_env", "spaces_of"]


def spaces_of(table: Table, seat: str) -> tuple[spaces.Dict, spaces.Discrete]:
    """The observation space and action space of one seat of a table."""
    n = table.catalogues[seat].n
    size = table.encoders[seat].size
    obs = spaces.Dict(
        {
            "observation": spaces.Box(-OBS_BOUND, OBS_BOUND, (size,), np.float32),
            "action_mask": spaces.Box(0, 1, (n,), np.int8),
        }
    )
    return obs, spaces.Discrete(n)


class raw_env(AECEnv):  # PettingZoo's naming
    """Fab Race as a PettingZoo AEC environment.

    Args:
        scenario: a built-in scenario name, a scenario file's path, or a loaded spec.
        quarters: game length (default: the scenario's).
        turns: cycles of a quarter, at most.
        seats: the actors that are agents (default: all); the others are played by
            ``opponents`` (see :data:`game.envs.resolve.Opponents`).
        opponents: who plays the seats that are not agents.
        seed: seeds the games of resets without a seed (a reset with ``seed=s`` plays the
            engine's game of seed ``s``, like ``fabrace run --seed s``).
        render_mode: ``None`` or ``"ansi"``.
    """

    metadata: dict[str, Any] = {  # noqa: RUF012  # declared so by the base class
        "name": "fabrace_v0",
        "render_modes": ["ansi"],
        "is_parallelizable": True,
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
        super().__init__()
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi' (got {render_mode!r})")
        self.render_mode = render_mode
        self.table = Table(
            scenario, seats=seats, opponents=opponents, quarters=quarters, turns=turns
        )
        self.possible_agents = list(self.table.seats)
        self.agents = list(self.possible_agents)
        both = {a: spaces_of(self.table, a) for a in self.possible_agents}
        self.observation_spaces = {a: o for a, (o, _) in both.items()}
        self.action_spaces = {a: s for a, (_, s) in both.items()}
        self._seeds = np.random.default_rng(seed)
        self.rewards: dict[str, float] = {}
        self._cumulative_rewards: dict[str, float] = {}
        self.terminations: dict[str, bool] = {}
        self.truncations: dict[str, bool] = {}
        self.infos: dict[str, dict[str, Any]] = {}
        self.agent_selection = self.possible_agents[0]

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's observation space (the same object every time)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's action space (the same object every time)."""
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start a game: on the engine's ``seed`` if given, else on the next drawn seed."""
        if seed is not None:
            self._seeds = np.random.default_rng(seed)
            game_seed = int(seed)
        else:
            game_seed = int(self._seeds.integers(2**31))
        self.table.start(game_seed)
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos = {a: self.table.info(a) for a in self.agents}
        self.agent_selection = self.agents[0]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        """The agent's observation now (fresh arrays)."""
        return self.table.observation(agent)

    def step(self, action: Any) -> None:
        """Take the selected agent's action (``None`` once it has terminated).

        Raises:
            ValueError: for an action outside the agent's space; nothing changes then.
        """
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self.table.act(agent, action)
        self._cumulative_rewards[agent] = 0.0
        self.rewards = dict.fromkeys(self.agents, 0.0)
        i = self.agents.index(agent)
        if i == len(self.agents) - 1:
            rewards = self.table.end_cycle()
            if rewards is not None:
                self.rewards = {a: float(rewards[a]) for a in self.agents}
            if self.table.finished:
                self.terminations = dict.fromkeys(self.agents, True)
        self.infos = {a: self.table.info(a) for a in self.agents}
        self.agent_selection = self.agents[(i + 1) % len(self.agents)]
        self._accumulate_rewards()

    def render(self) -> str | None:
        """``"ansi"``: the quarter and each agent's score, as a line of text."""
        if self.render_mode != "ansi":
            return None
        got = self.table.scores
        scores = ", ".join(f"{a} {got.get(a, 0.0):+.3f}" for a in self.possible_agents)
        return f"{self.table.game.label}: {scores}"

    def close(self) -> None:
        """Nothing to release (the game lives in memory)."""


def env(scenario: ScenarioSpec | str = "duel", **kwargs: Any) -> AECEnv:
    """The AEC environment in PettingZoo's order-enforcing wrapper (arguments: :class:`raw_env`)."""
    return wrappers.OrderEnforcingWrapper(raw_env(scenario, **kwargs))
