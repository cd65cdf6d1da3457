"""Engine work that the machine's load does not move: Python bytecodes executed a game, by part.

Wall-clock figures (``benchmarks/engine.py``) swing several-fold on a shared machine; the number
of bytecode instructions the interpreter runs does not (``sys.monitoring``, Python 3.12+). It
counts Python work only (not time in C: dict lookups, numpy, allocation), so read it beside the
timings, not instead of them. Parts: the quarter close, applying decisions (``_submit``), the
events, the policies' own calls (the built-in bots), observations, and the rest.

Usage::

    .venv/bin/python benchmarks/bytecodes.py [--games 3] [scenario ...]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from agents import new_game
from game import model as game_model
from game import seats
from game.scenario import builtin_scenarios, load_scenario

TOOL = 4  # a sys.monitoring tool id (0-5; 0-2 belong to debuggers, coverage and profilers)
PARTS = ("close", "submit", "events", "bots", "observe", "other")


def _tracked(fn: Callable[..., Any], label: str, where: list[str]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        outer = where[0]
        where[0] = label
        try:
            return fn(*args, **kwargs)
        finally:
            where[0] = outer

    return run


def count(name: str, games: int) -> Counter[str]:
    """Bytecodes a game of scenario ``name`` runs in each part (mean of ``games`` seeds)."""
    where = ["other"]
    counts: Counter[str] = Counter()

    def on_instruction(code: Any, offset: int) -> None:
        counts[where[0]] += 1

    model = game_model.FabRaceModel
    patched = {
        (model, "_close_quarter"): "close",
        (model, "_submit"): "submit",
        (model, "_draw_events"): "events",
        (model, "_fire"): "events",
        (model, "_age_events"): "events",
        (model, "observe"): "observe",
        (seats, "call_with_budget"): "bots",
    }
    saved = {key: getattr(*key) for key in patched}
    mon = sys.monitoring
    mon.use_tool_id(TOOL, "fabrace-bytecodes")
    try:
        for (owner, attr), label in patched.items():
            setattr(owner, attr, _tracked(saved[(owner, attr)], label, where))
        mon.register_callback(TOOL, mon.events.INSTRUCTION, on_instruction)
        spec = load_scenario(name)
        played = [new_game(spec, seed=s, decision_seconds=None) for s in range(1, games + 1)]
        mon.set_events(TOOL, mon.events.INSTRUCTION)
        for g in played:
            g.run()
    finally:
        mon.set_events(TOOL, 0)
        mon.free_tool_id(TOOL)
        for (owner, attr), fn in saved.items():
            setattr(owner, attr, fn)
    return Counter({k: v // games for k, v in counts.items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenarios", nargs="*", help="built-in scenario names (default: all)")
    ap.add_argument("--games", type=int, default=3, help="seeds 1..N of each scenario")
    args = ap.parse_args()
    known = builtin_scenarios()
    names = args.scenarios or known
    unknown = [n for n in names if n not in known]
    if unknown or args.games < 1:
        problem = f"unknown scenario {unknown[0]!r}" if unknown else "--games must be 1 or more"
        print(f"bytecodes: {problem} (scenarios: {', '.join(known)})", file=sys.stderr)
        raise SystemExit(2)
    print(f"{'scenario':<15}" + "".join(f"{p:>11}" for p in PARTS) + f"{'total':>12}")
    for name in names:
        c = count(name, args.games)
        print(f"{name:<15}" + "".join(f"{c[p]:>11,}" for p in PARTS) + f"{sum(c.values()):>12,}")
    print(f"(Python bytecodes a game, mean of seeds 1-{args.games}; built-in bots; no time budget)")


if __name__ == "__main__":
    main()
