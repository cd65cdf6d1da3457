"""Policy families against each other: mean score and 95% CI per family and role (paired seeds).

For each scenario, role and seed, the focal seat (the scenario's first actor of that role) is
played by each family in turn while every other seat plays the same field policy on the same seed,
so families are compared on identical games (a paired, "duplicate" design). Prints, per scenario
and role, each family's mean focal score with a 95% confidence interval, and its mean paired
difference against each family of ``--against`` (default ``random``) that was played.

Usage::

    .venv/bin/python benchmarks/policies.py [--games 200] [--workers 2] [--field basic]
        [--scenarios baseline-2024,duel] [--families random,greedy,...] [--against random,...]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from agents.registry import PolicyRegistry
from game.model import FabRaceModel
from game.scenario import load_scenario

ROLES = ("lab", "designer", "foundry", "investor")


def play(task: tuple[str, str, str, str, int]) -> tuple[str, str, str, int, float, int]:
    """Play one game; return (scenario, role, family, seed, focal score, faults)."""
    scenario, role, family, field, seed = task
    spec = load_scenario(scenario)
    reg = PolicyRegistry(policies_file=None, plugins=False)
    focal = next(a.name for a in spec.actors if a.role == role)
    policies = {a.name: reg.make(family if a.name == focal else field, a.role) for a in spec.actors}
    m = FabRaceModel(spec, seed=seed, policies=policies)
    m.run()
    faults = m.result()["totals"]["faults"]
    return scenario, role, family, seed, m.actor(focal).score, faults


def ci95(xs: list[float]) -> float:
    return 1.96 * statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--games", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--field", default="basic")
    ap.add_argument("--scenarios", default="baseline-2024,duel")
    ap.add_argument("--families", default="")
    ap.add_argument("--seed", type=int, default=1, help="first seed of the paired seeds")
    ap.add_argument(
        "--against",
        default="random",
        help="families to show paired differences against (comma-separated; those played)",
    )
    args = ap.parse_args()
    reg = PolicyRegistry(policies_file=None, plugins=False)
    families = args.families.split(",") if args.families else reg.names(("family",))
    scenarios = args.scenarios.split(",")
    seeds = list(range(args.seed, args.seed + args.games))
    tasks = [
        (s, r, f, args.field, seed)
        for s in scenarios
        for r in ROLES
        for f in families
        for seed in seeds
    ]
    t0 = time.perf_counter()
    scores: dict[tuple[str, str, str], dict[int, float]] = {}
    faults = 0
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for scen, role, fam, seed, score, nf in pool.map(play, tasks, chunksize=16):
            scores.setdefault((scen, role, fam), {})[seed] = score
            faults += nf
    elapsed = time.perf_counter() - t0
    for scen in scenarios:
        print(
            f"\n{scen}: focal seat per role vs a field of '{args.field}', {args.games} paired seeds"
        )
        against = [a for a in args.against.split(",") if a in families]
        head = "".join(f"{'vs ' + a:>16}{'95% CI':>18}" for a in against)
        print(f"{'role':<10}{'family':<12}{'mean':>8}{'95% CI':>18}{head}")
        for role in ROLES:
            rows = []
            for fam in families:
                xs = [scores[(scen, role, fam)][s] for s in seeds]
                m, h = statistics.fmean(xs), ci95(xs)
                diff = ""
                for a in against:
                    if fam == a:
                        diff += f"{'':>34}"
                        continue
                    base = scores[(scen, role, a)]
                    ds = [scores[(scen, role, fam)][s] - base[s] for s in seeds]
                    dm, dh = statistics.fmean(ds), ci95(ds)
                    diff += f"{dm:>+16.3f}{f'[{dm - dh:+.3f}, {dm + dh:+.3f}]':>18}"
                rows.append(
                    (m, f"{role:<10}{fam:<12}{m:>8.3f}{f'[{m - h:.3f}, {m + h:.3f}]':>18}{diff}")
                )
            for _, line in sorted(rows, key=lambda r: -r[0]):
                print(line)
    n = len(tasks)
    print(
        f"\n{n} games in {elapsed:.0f} s ({n / elapsed:.1f} games/s, {args.workers} workers); "
        f"policy faults: {faults}"
    )


if __name__ == "__main__":
    main()
