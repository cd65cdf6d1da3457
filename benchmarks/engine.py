"""Engine speed: games per second and milliseconds per quarter, single process.

Plays each built-in scenario several times with the built-in bots and prints the median of the
runs, plus the cost per actor-quarter (to see how it grows with the number of actors). With
``--profile`` it also prints where the time goes in one baseline game.

Usage::

    .venv/bin/python benchmarks/engine.py [--runs 7] [--games 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from agents import new_game
from game.scenario import builtin_scenarios, load_scenario


def time_games(name: str, runs: int, games: int) -> tuple[float, float, int, int]:
    """(median, best) seconds per game over ``runs`` runs of ``games`` games each."""
    spec = load_scenario(name)
    new_game(spec, seed=999).run()  # warm-up: imports, caches
    per_game = []
    for r in range(runs):
        t0 = time.perf_counter()
        for g in range(games):
            new_game(spec, seed=r * games + g).run()
        per_game.append((time.perf_counter() - t0) / games)
    return statistics.median(per_game), min(per_game), spec.quarters, len(spec.actors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--games", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    header = (
        f"{'scenario':<15}{'actors':>7}{'quarters':>9}{'ms/game':>10}{'best':>8}{'games/s':>9}"
        f"{'ms/quarter':>12}{'us/actor-q':>12}"
    )
    print(header)
    print("-" * len(header))
    for name in builtin_scenarios():
        sec, best, quarters, actors = time_games(name, args.runs, args.games)
        print(
            f"{name:<15}{actors:>7}{quarters:>9}{sec * 1000:>10.1f}{best * 1000:>8.1f}"
            f"{1 / sec:>9.1f}"
            f"{sec * 1000 / quarters:>12.2f}{sec * 1e6 / quarters / actors:>12.0f}"
        )
    print(
        f"(median and best of {args.runs} runs of {args.games} games each; built-in bots; one "
        f"process; per-quarter figures from the median)"
    )
    if args.profile:
        spec = load_scenario("baseline-2024")
        prof = cProfile.Profile()
        prof.enable()
        new_game(spec, seed=1).run()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
