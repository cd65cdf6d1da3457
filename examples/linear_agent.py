"""A linear agent for Fab Race: trained in ``game.envs`` by random search, seated by ``fabrace``.

The agent scores each action as ``W @ x`` (``x``: the observation vector of ``game.envs``), and
takes the best one its mask allows. One weight matrix per seat shape (actions x features), so a
file trained for a duel's lab holds the lab's matrix; in any seat it has no matrix for, it passes
(plays as ``idle``).

Train it (numpy only; a few thousand environment steps, about a minute)::

    python examples/linear_agent.py --scenario duel --seat OpenAI --steps 3000 \\
        --out examples/linear_agent.npz

then seat it: ``make`` below loads ``linear_agent.npz`` beside this file if there is one::

    fabrace run --scenario duel --seed 7 --policy OpenAI=examples/linear_agent.py:make
    fabrace tournament --scenario duel --policies examples/linear_agent.py:make,basic,random \\
        --games 8 --seed 1 --out /tmp/linear.sqlite

The training is a plain (1+1) random search: perturb the weights, keep the change if the mean
return over a few fixed seeds improves. See docs/ENVS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from agents.callable_policy import ActionPolicy

WEIGHTS = Path(__file__).with_name("linear_agent.npz")


class Linear:
    """``argmax`` over the allowed actions of ``W @ x``, with one ``W`` per (actions, features)."""

    def __init__(self, weights: Mapping[tuple[int, int], np.ndarray] | None = None) -> None:
        self.weights = dict(weights or {})

    def __call__(self, obs: Mapping[str, np.ndarray]) -> int:
        x, mask = obs["observation"], obs["action_mask"]
        w = self.weights.get((len(mask), len(x)))
        if w is None:
            return 0  # a seat it was not trained for: pass
        scores = w @ x
        scores[mask == 0] = -np.inf
        return int(np.argmax(scores))

    def save(self, path: Path) -> None:
        np.savez(path, **{f"w_{a}_{f}": w for (a, f), w in self.weights.items()})

    @classmethod
    def load(cls, path: Path) -> Linear:
        with np.load(path) as data:
            weights = {}
            for key in data.files:
                _, a, f = key.split("_")
                weights[(int(a), int(f))] = data[key]
        return cls(weights)


def make() -> ActionPolicy:
    """The policy ``fabrace run --policy SEAT=examples/linear_agent.py:make`` seats."""
    agent = Linear.load(WEIGHTS) if WEIGHTS.is_file() else Linear()
    return ActionPolicy(agent, name="linear")


def episode_return(env: Any, agent: Linear, seed: int) -> tuple[float, int]:
    """One game of ``env`` on ``seed``: the agent's total reward and the steps it took."""
    obs, _ = env.reset(seed=seed)
    total, steps, done = 0.0, 0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(agent(obs))
        total += reward
        steps += 1
        done = terminated or truncated
    return total, steps


def train(
    env: Any, steps: int, *, seeds: tuple[int, ...] = (1, 2, 3), sigma: float = 0.1, seed: int = 0
) -> tuple[Linear, list[float]]:
    """(1+1) random search on a linear agent until ``steps`` environment steps are spent.

    Returns:
        The best agent and the best mean return after each round.
    """
    rng = np.random.default_rng(seed)
    shape = (int(env.action_space.n), int(env.observation_space["observation"].shape[0]))
    key = shape
    best = Linear({key: np.zeros(shape)})
    best_score, used = 0.0, 0
    scores = [episode_return(env, best, s) for s in seeds]
    best_score = float(np.mean([r for r, _ in scores]))
    used += sum(n for _, n in scores)
    history = [best_score]
    while used < steps:
        trial = Linear({key: best.weights[key] + sigma * rng.standard_normal(shape)})
        scores = [episode_return(env, trial, s) for s in seeds]
        used += sum(n for _, n in scores)
        score = float(np.mean([r for r, _ in scores]))
        if score > best_score:
            best, best_score = trial, score
        history.append(best_score)
    return best, history


def main(argv: list[str] | None = None) -> int:
    from game.envs import SingleSeatEnv

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="duel")
    p.add_argument("--seat", default="OpenAI")
    p.add_argument("--opponents", default=None, help="a policy name for the other seats")
    p.add_argument("--quarters", type=int, default=None)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--out", type=Path, default=WEIGHTS)
    args = p.parse_args(argv)
    env = SingleSeatEnv(
        args.scenario, seat=args.seat, opponents=args.opponents, quarters=args.quarters
    )
    t0 = time.perf_counter()
    agent, history = train(env, args.steps)
    print(
        f"{len(history) - 1} rounds, {time.perf_counter() - t0:.1f} s: mean return "
        f"{history[0]:+.3f} (untrained) -> {history[-1]:+.3f}"
    )
    agent.save(args.out)
    print(f"weights saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
