"""The environments' stepping overhead: env steps per second against bare engine decisions.

Three figures per scenario, single process, the median of ``--runs`` runs:

- **engine**: whole games with ``random`` bots in every seat; decisions per second (every
  decision the engine is handed, counted from its log records) and quarters per second;
- **AEC**: the PettingZoo AEC environment, every actor an agent taking a random allowed action
  (pass one time in five); environment steps per second, and the decisions among them per second;
- **single**: ``SingleSeatEnv`` with the first actor as learner (random allowed actions) and the
  scenario's bots in the other seats; steps per second.

Rates are per CPU second of this process (``time.process_time``), so that other work on a shared
machine does not skew them. An environment step costs the engine's work for the decision plus
the adapter's: the mask (the engine's ``check`` of every slot the observation allows) and the
observation vector.

Usage::

    .venv/bin/python benchmarks/envs.py [--runs 3] [--quarters 8] [--scenarios duel,baseline-2024]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from agents import new_game
from game.envs import SingleSeatEnv, raw_env


def engine_rate(scenario: str, quarters: int, seed: int) -> tuple[float, float]:
    """(decisions/s, quarters/s) of one game with random bots everywhere."""
    counted = [0]

    def record(rec: dict[str, Any]) -> None:
        if rec.get("type") == "decision":
            counted[0] += 1

    probe = new_game(scenario, seed=seed, quarters=1)
    seats = dict.fromkeys(probe.actors_by_name, "random")
    game = new_game(scenario, seed=seed, policies=seats, quarters=quarters, recorder=record)
    t0 = time.process_time()
    game.run()
    dt = time.process_time() - t0
    return counted[0] / dt, quarters / dt


def aec_rate(scenario: str, quarters: int, seed: int) -> tuple[float, float, float]:
    """(steps/s, decisions/s, quarters/s) of one AEC game with random allowed actions."""
    env = raw_env(scenario, quarters=quarters)
    rng = np.random.default_rng(seed)
    t0 = time.process_time()
    env.reset(seed=seed)
    steps = decisions = 0
    for _agent in env.agent_iter():
        obs, _, term, trunc, _ = env.last()
        if term or trunc:
            env.step(None)
            continue
        allowed = np.flatnonzero(obs["action_mask"])
        a = int(rng.choice(allowed[1:])) if len(allowed) > 1 and rng.random() < 0.8 else 0
        env.step(a)
        steps += 1
        decisions += a != 0
    dt = time.process_time() - t0
    return steps / dt, decisions / dt, quarters / dt


def single_rate(scenario: str, quarters: int, seed: int) -> float:
    """Steps/s of one SingleSeatEnv game with random allowed actions."""
    env = SingleSeatEnv(scenario, quarters=quarters)
    rng = np.random.default_rng(seed)
    t0 = time.process_time()
    obs, _ = env.reset(seed=seed)
    steps, done = 0, False
    while not done:
        obs, _, done, _, _ = env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
        steps += 1
    return steps / (time.process_time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quarters", type=int, default=8)
    ap.add_argument("--scenarios", default="duel,baseline-2024")
    args = ap.parse_args()
    head = (
        f"{'scenario':<15}{'engine dec/s':>13}{'engine q/s':>11}{'AEC steps/s':>12}"
        f"{'AEC dec/s':>10}{'AEC q/s':>9}{'single steps/s':>15}"
    )
    print(head)
    print("-" * len(head))
    for name in args.scenarios.split(","):
        engine_rate(name, 1, 999)  # warm-up: imports, caches
        eng = [engine_rate(name, args.quarters, r + 1) for r in range(args.runs)]
        aec = [aec_rate(name, args.quarters, r + 1) for r in range(args.runs)]
        one = [single_rate(name, args.quarters, r + 1) for r in range(args.runs)]

        def med(rows: list[Any], i: int) -> float:
            return statistics.median(r[i] for r in rows)

        print(
            f"{name:<15}{med(eng, 0):>13,.0f}{med(eng, 1):>11,.1f}{med(aec, 0):>12,.0f}"
            f"{med(aec, 1):>10,.0f}{med(aec, 2):>9,.1f}{statistics.median(one):>15,.0f}"
        )


if __name__ == "__main__":
    main()
