"""The policy conformance harness: the policy contract as tests, :func:`check_policy`.

Like Axelrod's ``TestPlayer`` or PettingZoo's ``api_test``, one suite checks every built-in family
and any user policy alike (``fabrace policies check SPEC`` runs it from the command line). It plays
seeded games with the policy seated at every actor of each role it claims, the other seats keeping
their scenario's own bots, and reports for each named check whether it passed, in plain words:

``builds``
    it can be built with its defaults, and reset with a seed;
``parameters``
    its :class:`~agents.policy.Param` table is consistent: each default within its range, each
    with a meaning, and the policy can be built at either end of every range;
``roles``
    it declares a name, a one-line description and roles the game has;
``reproducible``
    in every role it claims, two games with the same seed (in the first scenario with that role
    and at most :data:`BIG_SCENARIO_ACTORS` actors: ``duel`` by default) give the same decisions
    and the same end state, and the same policy objects seated again for a game with that seed
    (the engine resets them) play it the same way: ``reset(seed)`` really starts afresh;
``legal``
    across many seeded games in every role it claims (``duel`` and ``baseline-2024``, and
    ``crowded`` for one shorter game when the policy is fast enough) it makes no decision the rules
    refuse and never faults (raises, or returns something other than decisions);
``copies``
    it survives a pickle round trip, ``clone()`` and ``copy.deepcopy``, fresh and mid-game, and
    each copy decides exactly as the original on the same observation;
``time``
    every call (``propose``, ``respond``, ``moves``) answers within the time budget; the mean and
    the slowest call are reported.

A broken policy never crashes the suite: whatever it does shows as failed checks. A check that
could not be run because of an earlier failure (nothing to seat if the policy cannot be built;
no fair comparison of games if its calls ran out of time) is reported as failed and *not checked*,
with the reason.

The harness is this package; :func:`check_policy` (with :func:`load_entry`, :data:`CHECKS`,
:class:`CheckResult` and :class:`ContractReport`) is its public entry point, and decides which
games are played. The rest is internal: :mod:`~agents.conformance.report` (the results),
:mod:`~agents.conformance.games` (playing the games with the policy seated, timed and copied),
:mod:`~agents.conformance.checks` (judging each check) and :mod:`~agents.conformance.wording`
(the plain words).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.conformance.checks import (
    check_builds,
    check_parameters,
    check_roles,
    judge_copies,
    judge_legal,
    judge_reproducible,
    judge_time,
)
from agents.conformance.games import (
    SLOW_CALLS_LIMIT,
    Clock,
    Ctx,
    Game,
    Probe,
    Runner,
    global_random_state,
    set_global_random_state,
)
from agents.conformance.report import CHECKS, CheckResult, ContractReport
from agents.conformance.wording import duration
from agents.policy import Policy
from agents.registry import PolicyEntry, PolicyError, PolicyRegistry
from game.scenario import ScenarioSpec, load_scenario

__all__ = [
    "BIG_SCENARIO_ACTORS",
    "BIG_SCENARIO_MAX_MEAN_CALL",
    "BIG_SCENARIO_QUARTERS",
    "CHECKS",
    "DEFAULT_SCENARIOS",
    "MID_GAME_QUARTER",
    "SLOW_CALLS_LIMIT",
    "CheckResult",
    "ContractReport",
    "check_policy",
    "load_entry",
]

DEFAULT_SCENARIOS = ("duel", "baseline-2024", "crowded")

#: A scenario with more actors than this is "big": one shorter game per role, and only when the
#: policy's calls are fast enough.
BIG_SCENARIO_ACTORS = 12
BIG_SCENARIO_QUARTERS = 12
BIG_SCENARIO_MAX_MEAN_CALL = 0.005  # seconds
#: The quarter from which copies are made mid-game (or the last quarter of a shorter game).
MID_GAME_QUARTER = 3


def load_entry(
    spec: str | type | PolicyEntry, registry: PolicyRegistry | None = None
) -> PolicyEntry:
    """The registry entry for a spec, a Policy subclass, or an entry.

    Raises:
        PolicyError: if the spec names nothing, or its file is missing or broken, or the class is
            not a :class:`~agents.policy.Policy` subclass.
    """
    if isinstance(spec, PolicyEntry):
        return spec
    if isinstance(spec, type):
        if not issubclass(spec, Policy):
            raise PolicyError(f"{spec.__qualname__} is not a Policy subclass")
        name = getattr(spec, "name", "")
        desc = getattr(spec, "description", "")
        return PolicyEntry(
            name if isinstance(name, str) and name else spec.__qualname__,
            "class",
            spec,
            {},
            desc if isinstance(desc, str) else "",
            spec.__module__,
        )
    if isinstance(spec, str):
        reg = registry if registry is not None else PolicyRegistry()
        return reg.entry(spec)
    raise PolicyError(f"cannot check {spec!r}: give a policy name, a file.py:Class or a class")


def check_policy(
    spec_or_class: str | type | PolicyEntry,
    *,
    registry: PolicyRegistry | None = None,
    games: int = 4,
    scenarios: Sequence[str | Path | ScenarioSpec] = DEFAULT_SCENARIOS,
    seconds: float = 0.2,
    seed: int = 1,
    quarters: int | None = None,
) -> ContractReport:
    """Run the policy contract on a policy and report each check.

    Args:
        spec_or_class: a policy name (family, variant, plugin), ``path/to/file.py:ClassName``, a
            :class:`~agents.policy.Policy` subclass, or a registry entry.
        registry: where names are looked up (default: built-ins, plugins and ``policies.toml``
            in the working directory).
        games: seeded games per role and scenario (at least 1; the first seed is also played
            twice more for the reproducibility check).
        scenarios: scenarios to play (names, paths or loaded specs); a big one (more than
            :data:`BIG_SCENARIO_ACTORS` actors) gets one shorter game per role, if the policy is
            fast enough.
        seconds: the time budget of one call.
        seed: the first seed (the games use ``seed``, ``seed + 1``, ...).
        quarters: play at most this many quarters a game (default: the scenario's length).

    Returns:
        The report; ``report.ok`` is True if every check passed.

    Raises:
        PolicyError: if the spec cannot be loaded (unknown name, missing or broken file, ...).
        ScenarioError: if a scenario cannot be loaded.
        ValueError: for a bad argument (no games, no scenario, a budget that is not positive).
    """
    if games < 1:
        raise ValueError("games must be at least 1")
    if not seconds > 0:
        raise ValueError("seconds must be positive")
    if quarters is not None and quarters < 1:
        raise ValueError("quarters must be at least 1")
    specs = [s if isinstance(s, ScenarioSpec) else load_scenario(s) for s in scenarios]
    if not specs:
        raise ValueError("give at least one scenario")
    t0 = time.perf_counter()
    entry = load_entry(spec_or_class, registry)
    label = spec_or_class if isinstance(spec_or_class, str) else entry.name
    seeds = list(range(seed, seed + games))
    settings = {
        "games": games,
        "scenarios": [s.name for s in specs],
        "seeds": seeds,
        "seconds": seconds,
        "quarters": quarters,
    }

    results: dict[str, CheckResult] = {}
    results["builds"], built = check_builds(entry, seed)
    results["parameters"] = check_parameters(entry, built is not None)
    results["roles"], roles = check_roles(entry)
    clock = Clock(seconds)

    def not_checked(name: str, why: str) -> None:
        results[name] = CheckResult(name, False, f"not checked: {why}", ran=False)

    if built is None or not roles:
        why = (
            "it cannot be built (see 'builds')"
            if built is None
            else "it claims no role the game has (see 'roles')"
        )
        for name in ("reproducible", "legal", "copies", "time"):
            not_checked(name, why)
    else:
        _play_and_judge(entry, built, roles, specs, seeds, quarters, clock, results)

    timing = {
        "calls": clock.calls,
        "mean_seconds": round(clock.mean, 6),
        "max_seconds": round(clock.slowest, 6),
        "over_budget": len(clock.over),
    }
    return ContractReport(
        policy=label,
        kind=entry.kind,
        roles=roles,
        checks=[results[name] for name in CHECKS],
        settings=settings,
        timing=timing,
        seconds=time.perf_counter() - t0,
    )


def _play_and_judge(
    entry: PolicyEntry,
    built: Any,
    roles: tuple[str, ...],
    specs: list[ScenarioSpec],
    seeds: list[int],
    quarters: int | None,
    clock: Clock,
    results: dict[str, CheckResult],
) -> None:
    run = Runner(entry, clock, quarters)
    triples: list[tuple[Game, Game, Game]] = []
    probes: list[Probe] = []
    skipped: list[str] = []
    played_in: dict[str, int] = {}
    rng_state = global_random_state()
    try:
        for role in roles:
            mine = [sc for sc in specs if any(a.role == role for a in sc.actors)]
            small = [sc for sc in mine if len(sc.actors) <= BIG_SCENARIO_ACTORS]
            home = next(iter(small or mine), None)  # where the reproducibility and copies are tried
            for spec in mine:
                if clock.silenced:
                    break
                n = 0
                if spec is not home and len(spec.actors) > BIG_SCENARIO_ACTORS:
                    if clock.mean > BIG_SCENARIO_MAX_MEAN_CALL:
                        skipped.append(
                            f"{spec.name} as {role}: its calls take {duration(clock.mean)} on "
                            f"average"
                        )
                        continue
                    q = min(quarters or spec.quarters, BIG_SCENARIO_QUARTERS)
                    run.play(Ctx(role, spec, seeds[0]), quarters=q)
                    n += 1
                elif spec is home:
                    ctx = Ctx(role, spec, seeds[0])
                    first, again = run.play(ctx), run.play(ctx)
                    n += 2
                    if first.seats and not first.crashed:
                        triples.append((first, again, run.play(ctx, first.policies)))
                        n += 1
                    q = min(quarters or spec.quarters, spec.quarters)
                    probe = Probe(clock.budget, min(MID_GAME_QUARTER, q - 1), spec.start)
                    probes.append(probe)
                    run.play(ctx, quarters=q, probe=probe)
                    n += 1
                else:
                    run.play(Ctx(role, spec, seeds[0]))
                    n += 1
                for s in seeds[1:]:
                    if clock.silenced or len(spec.actors) > BIG_SCENARIO_ACTORS:
                        break
                    run.play(Ctx(role, spec, s))
                    n += 1
                played_in[spec.name] = played_in.get(spec.name, 0) + n
            if clock.silenced:
                break
        results["reproducible"] = judge_reproducible(run, triples, roles, clock)
        results["legal"] = judge_legal(run, roles, clock, played_in, skipped)
        results["copies"] = judge_copies(built, probes, clock)
        results["time"] = judge_time(clock, run.games)
    finally:  # a policy that draws from the global random state leaves it as it was
        set_global_random_state(rng_state)
