"""Tournament throughput, runner overhead and memory.

For each scenario: the bare time of playing the planned games in a loop (no store, no dispatch),
then the same tournament through the runner with 1 and 2 workers, printing games per second, the
2-worker speed-up, and the runner's overhead (dispatch + storage) as a fraction of the bare time.
With ``--memory N`` it also runs an N-game ``duel`` tournament and prints the peak resident memory
of the parent and of the worker processes (it should not grow with N).

Usage::

    .venv/bin/python benchmarks/runner.py [--games 20] [--memory 10000]
"""

from __future__ import annotations

import argparse
import math
import resource
import tempfile
import time
from pathlib import Path

from agents.registry import PolicyRegistry
from game.scenario import load_scenario
from tournament.design import TournamentConfig, plan
from tournament.runner import run_tournament
from tournament.worker import play_game

POLICIES = ["random", "basic", "greedy"]


def bare(config: TournamentConfig) -> float:
    t0 = time.perf_counter()
    for g in plan(config):
        play_game(config, g)  # within the configuration's limits, as the runner plays it
    return time.perf_counter() - t0


def through_runner(config: TournamentConfig, workers: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        run_tournament(config, Path(d) / "r.sqlite", workers=workers)
        return time.perf_counter() - t0


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--games", type=int, default=20, help="seeds per role")
    ap.add_argument("--scenarios", default="duel,baseline-2024")
    ap.add_argument("--memory", type=int, default=0, help="games of a duel memory run (0: skip)")
    args = ap.parse_args()
    reg = PolicyRegistry(policies_file=None, use_cwd_file=False)
    print(
        f"{'scenario':<15}{'games':>7}{'bare g/s':>10}{'1 worker':>10}{'2 workers':>11}"
        f"{'speed-up':>10}{'overhead':>10}"
    )
    for name in args.scenarios.split(","):
        cfg = TournamentConfig.build(load_scenario(name), reg, POLICIES, args.games, seed=1)
        n = len(plan(cfg))
        bare(TournamentConfig.build(load_scenario(name), reg, POLICIES, 1, seed=99))  # warm-up
        b = bare(cfg)
        one = through_runner(cfg, 1)
        two = through_runner(cfg, 2)
        print(
            f"{name:<15}{n:>7}{n / b:>10.1f}{n / one:>10.1f}{n / two:>11.1f}"
            f"{one / two:>10.2f}{(one - b) / b:>10.1%}"
        )
    if args.memory:
        per = math.ceil(args.memory / (4 * len(POLICIES)))
        cfg = TournamentConfig.build(load_scenario("duel"), reg, POLICIES, per, seed=2)
        n = len(plan(cfg))
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            run_tournament(cfg, Path(d) / "r.sqlite", workers=2)
            sec = time.perf_counter() - t0
            size = (Path(d) / "r.sqlite").stat().st_size / 2**20
        print(
            f"\nmemory run: {n} duel games in {sec:.0f} s ({n / sec:.1f} games/s, 2 workers); "
            f"peak RSS parent {peak_mib(resource.RUSAGE_SELF):.0f} MiB, largest worker "
            f"{peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB; store {size:.1f} MiB"
        )


if __name__ == "__main__":
    main()
