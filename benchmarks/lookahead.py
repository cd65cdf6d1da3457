"""Cost of a decision: milliseconds per policy call and per quarter, family by family.

For each scenario, role, family and seed, the focal seat (the scenario's first actor of that role)
plays the family while every other seat plays ``basic``; each of the focal policy's calls
(``propose``, ``respond``, ``moves``) is timed, without the game's time budget (no helper
thread). Prints, per scenario and family, the mean milliseconds per call, per quarter (all its
calls in a quarter: for ``lookahead``, the quarter's imagined games are in its first call) and the
slowest call, over every role.

Usage::

    .venv/bin/python benchmarks/lookahead.py [--games 3] [--scenarios baseline-2024,duel]
        [--families basic,planner,lookahead] [--policies-file variants.toml] [--quarters N]

Variants of a policies file (e.g. ``[la-h4]`` with ``family = "lookahead"`` and ``horizon = 4``)
can be named in ``--families``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from agents.policy import Policy
from agents.registry import PolicyError, PolicyRegistry
from game.decisions import Decision
from game.model import FabRaceModel
from game.observation import Observation
from game.scenario import ScenarioError, load_scenario

ROLES = ("lab", "designer", "foundry", "investor")


def timed(policy: Policy, calls: list[tuple[int, float]]) -> None:
    """Time the policy's calls: each appends (quarter, seconds) to ``calls``."""
    for name in ("propose", "respond", "moves"):
        inner: Callable[[Observation], list[Decision]] = getattr(policy, name)

        def call(
            obs: Observation, inner: Callable[[Observation], list[Decision]] = inner
        ) -> list[Decision]:
            t = time.perf_counter()
            try:
                return inner(obs)
            finally:
                calls.append((obs.quarter, time.perf_counter() - t))

        setattr(policy, name, call)


def play(
    reg: PolicyRegistry, scenario: str, role: str, family: str, seed: int, quarters: int | None
) -> list[tuple[int, float]]:
    """One game with ``family`` in the focal seat of ``role``; its calls' (quarter, seconds)."""
    spec = load_scenario(scenario)
    focal = next(a.name for a in spec.actors if a.role == role)
    calls: list[tuple[int, float]] = []
    policies: dict[str, Any] = {}
    for a in spec.actors:
        p = reg.make(family if a.name == focal else "basic", a.role)
        if a.name == focal:
            timed(p, calls)
        policies[a.name] = p
    FabRaceModel(spec, seed=seed, policies=policies, quarters=quarters, decision_seconds=None).run()
    return calls


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--games", type=int, default=3, help="seeds per scenario and role")
    ap.add_argument("--scenarios", default="baseline-2024,duel")
    ap.add_argument("--families", default="basic,planner,lookahead")
    ap.add_argument("--policies-file", default=None, help="a TOML file of variants to name")
    ap.add_argument("--quarters", type=int, default=None, help="game length (default: scenario's)")
    ap.add_argument("--seed", type=int, default=1, help="first seed")
    args = ap.parse_args()
    if args.games < 1 or (args.quarters is not None and args.quarters < 1):
        print("error: --games and --quarters must be at least 1", file=sys.stderr)
        return 2
    try:
        reg = PolicyRegistry(policies_file=args.policies_file, plugins=False)
        families = args.families.split(",")
        for f in families:
            reg.entry(f)
        scenarios = args.scenarios.split(",")
        for s in scenarios:
            load_scenario(s)
    except (PolicyError, ScenarioError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    seeds = range(args.seed, args.seed + args.games)
    head = f"{'ms/call':>9}{'ms/quarter':>12}{'max ms':>9}{'calls':>8}"
    print(f"{'scenario':<15}{'family':<14}{head}")
    for scen in scenarios:
        for fam in families:
            calls: list[tuple[int, float]] = []
            per_quarter: list[float] = []
            for role in ROLES:
                for seed in seeds:
                    game_calls = play(reg, scen, role, fam, seed, args.quarters)
                    calls += game_calls
                    by_q: dict[int, float] = {}
                    for q, s in game_calls:
                        by_q[q] = by_q.get(q, 0.0) + s
                    per_quarter += by_q.values()
            secs = [s for _, s in calls]
            print(
                f"{scen:<15}{fam:<14}{1e3 * statistics.fmean(secs):>9.2f}"
                f"{1e3 * statistics.fmean(per_quarter):>12.2f}{1e3 * max(secs):>9.1f}"
                f"{len(secs):>8}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
