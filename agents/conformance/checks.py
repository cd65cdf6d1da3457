"""The checks of the policy contract, each judged in plain words.

``builds``, ``parameters`` and ``roles`` look at the policy class and a policy built from it
(:func:`check_builds`, :func:`check_parameters`, :func:`check_roles`); ``reproducible``,
``legal``, ``copies`` and ``time`` are judged from the games the harness played
(:func:`judge_reproducible`, :func:`judge_legal`, :func:`judge_copies`, :func:`judge_time`). Each
returns a :class:`~agents.conformance.report.CheckResult`; one that cannot be judged because of
another failure says so (``ran=False``) and names the check to fix first.
"""

from __future__ import annotations

import itertools
import math
import numbers
import random
from typing import Any

import numpy as np

from agents.conformance.games import SLOW_CALLS_LIMIT, Clock, Ctx, Game, Probe, Runner
from agents.conformance.report import CheckResult
from agents.conformance.wording import (
    describe_error,
    duration,
    fault_words,
    shorten,
    show_outcome,
    with_article,
)
from agents.policy import Param
from agents.registry import PolicyEntry, PolicyError
from game.budget import UserInterrupt
from game.calendar import quarter_label
from game.deals import ROLES

__all__ = [
    "check_builds",
    "check_parameters",
    "check_roles",
    "judge_copies",
    "judge_legal",
    "judge_reproducible",
    "judge_time",
]


def check_parameters(entry: PolicyEntry, builds: bool) -> CheckResult:
    cls = entry.cls
    table = getattr(cls, "parameters", None)
    if not isinstance(table, dict):
        return CheckResult(
            "parameters",
            False,
            f"'parameters' must be a dict of name to Param (it is a {type(table).__name__})",
        )
    problems = []
    for k, p in table.items():
        if not isinstance(k, str) or not k.isidentifier():
            problems.append(f"parameter name {k!r} is not a valid Python name")
            continue
        if not isinstance(p, Param):
            problems.append(
                f"{k!r} is {with_article(type(p).__name__)}, not a Param(default, lo, hi, doc)"
            )
            continue
        nums = {"default": p.default, "lo": p.lo, "hi": p.hi}
        bad = [
            n
            for n, v in nums.items()
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v)
        ]
        if bad:
            problems.append(f"{k!r}: {bad[0]} must be a finite number (got {nums[bad[0]]!r})")
            continue
        if p.lo > p.hi:
            problems.append(f"{k!r}: its range is empty (lo {p.lo:g} > hi {p.hi:g})")
        elif not p.lo <= p.default <= p.hi:
            problems.append(
                f"{k!r}: default {p.default:g} is outside its range {p.lo:g} to {p.hi:g}"
            )
        if not isinstance(p.doc, str) or not p.doc.strip():
            problems.append(f"{k!r} has no doc saying what it does")
    for k, v in entry.params.items():
        p = table.get(k)
        if not isinstance(p, Param):
            problems.append(f"the variant sets {k!r}, which the family does not have")
        elif not (isinstance(v, numbers.Real) and p.lo <= v <= p.hi):
            problems.append(f"the variant sets {k!r} = {v!r}, outside {p.lo:g} to {p.hi:g}")
    if not problems and builds:
        for end in ("lo", "hi"):
            values = {k: getattr(p, end) for k, p in table.items()}
            try:
                (entry.factory or cls)(**values)  # a file's function makes them, if it has one
            except UserInterrupt:
                raise
            except BaseException as e:
                where = "lowest" if end == "lo" else "highest"
                problems.append(
                    f"it cannot be built with every parameter at its {where} value: "
                    f"{describe_error(e)}"
                )
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return CheckResult("parameters", False, "; ".join(problems[:3]) + more)
    if not table:
        return CheckResult("parameters", True, "it has no parameters")
    names = ", ".join(table)
    ends = ", and it builds at both ends of every range" if builds else ""
    return CheckResult(
        "parameters",
        True,
        f"{len(table)} parameter{'s' if len(table) != 1 else ''} ({names}): each default within "
        f"its range, each with a meaning{ends}",
    )


def check_roles(entry: PolicyEntry) -> tuple[CheckResult, tuple[str, ...]]:
    cls = entry.cls
    problems = []
    roles = getattr(cls, "roles", None)
    valid: tuple[str, ...] = ()
    if isinstance(roles, str) or not isinstance(roles, tuple | list):
        problems.append(
            f"'roles' must be a tuple of roles such as ('lab', 'designer'), not {roles!r}"
        )
    else:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            problems.append(f"unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})")
        if len(set(map(str, roles))) != len(roles):
            problems.append("a role is listed twice")
        if not roles:
            problems.append("it claims no role")
        valid = tuple(dict.fromkeys(r for r in roles if r in ROLES))
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.strip():
        problems.append("'name' must be a non-empty text")
    desc = getattr(cls, "description", None)
    if not isinstance(desc, str) or not desc.strip():
        problems.append("'description' must say in a line what it does")
    if problems:
        return CheckResult("roles", False, "; ".join(problems)), valid
    assert isinstance(desc, str)  # checked above
    if entry.kind == "variant":  # its own name and description, on the family's roles
        name, desc = f"{entry.name} (a variant of {name})", entry.description or desc
    else:
        name = repr(name)
    plays = f"{name} plays {', '.join(valid)}: {shorten(desc, 120)}"
    return CheckResult("roles", True, plays), valid


def check_builds(entry: PolicyEntry, seed: int) -> tuple[CheckResult, Any]:
    try:
        p = entry.make()
    except PolicyError as e:
        return CheckResult("builds", False, str(e)), None
    except UserInterrupt:
        raise
    except BaseException as e:  # make() itself should not raise anything else
        return CheckResult("builds", False, f"building it raised {describe_error(e)}"), None
    params = getattr(p, "params", None)
    if not isinstance(params, dict) or not hasattr(p, "rng"):
        return (
            CheckResult(
                "builds",
                False,
                "its __init__ does not call Policy.__init__ (no self.params / self.rng): call "
                "super().__init__(**params) first",
            ),
            None,
        )
    table = getattr(entry.cls, "parameters", {})
    if isinstance(table, dict):
        want = {k: entry.params.get(k, getattr(v, "default", None)) for k, v in table.items()}
        if params != want:
            return (
                CheckResult(
                    "builds", False, f"built with its defaults it has params {params}, not {want}"
                ),
                None,
            )
    try:
        p.reset(seed)
    except UserInterrupt:
        raise
    except BaseException as e:
        return CheckResult("builds", False, f"reset({seed}) raised {describe_error(e)}"), None
    shown = ", ".join(f"{k}={v:g}" for k, v in params.items()) or "no parameters"
    return CheckResult("builds", True, f"built with {shown}, and reset with a seed"), p


def judge_reproducible(
    run: Runner, triples: list[tuple[Game, Game, Game]], roles: tuple[str, ...], clock: Clock
) -> CheckResult:
    over = max(len(clock.over), sum(g.timeouts for g in run.games))
    if over:
        return CheckResult(
            "reproducible",
            False,
            f"not checked: {over} of its calls ran past the time budget, which makes "
            f"games differ by chance (see 'time')",
            ran=False,
        )
    if not triples:
        return CheckResult(
            "reproducible", False, "not checked: no game could be played (see 'legal')", ran=False
        )
    for first, again, reused in triples:
        if first.crashed or again.crashed:
            continue
        ctx = first.ctx
        if not _same(first, again):
            hint = _global_random_hint(run, ctx)
            return CheckResult(
                "reproducible",
                False,
                f"two games with fresh policies, {ctx.where()}, differ: first at "
                f"{_first_difference(first, again)}. {hint}",
            )
        if reused.crashed:
            return CheckResult(
                "reproducible",
                False,
                f"seated again for a second game after one was played, {reused.crashed}",
            )
        if not _same(first, reused):
            return CheckResult(
                "reproducible",
                False,
                f"reset(seed) does not start afresh: the same policy objects seated again for a "
                f"game {ctx.where()} played it differently, first at "
                f"{_first_difference(first, reused)}. Clear in reset() whatever it remembers "
                f"from a game",
            )
    where = list(dict.fromkeys(t[0].ctx.scenario.name for t in triples))
    return CheckResult(
        "reproducible",
        True,
        f"as {', '.join(roles)} in {', '.join(where)}: the same seed gave the same decisions "
        f"and end state twice, and again with the same policy objects reset for a new game",
    )


def _first_difference(a: Game, b: Game) -> str:
    """Where two games of the same seed first part, in words."""
    start = a.ctx.scenario.start
    best: tuple[int, str] | None = None
    for actor, seat in a.seats.items():
        other = b.seats.get(actor)
        la, lb = seat.log, other.log if other is not None else []
        for x, y in itertools.zip_longest(la, lb):
            if x == y:
                continue
            q = (x or y)[0]
            if x is None or y is None or x[:2] != y[:2]:
                text = f"{quarter_label(start, q)}: {actor} was asked to decide at different times"
            else:
                text = (
                    f"{quarter_label(start, q)}, {x[1]} of {actor}: {show_outcome(x[2])} the "
                    f"first time, {show_outcome(y[2])} the second"
                )
            if best is None or q < best[0]:
                best = (q, text)
            break
    if best is not None:
        return best[1]
    for q, (x, y) in enumerate(zip(a.digests(), b.digests(), strict=False)):
        if x != y:
            return (
                f"the game states part in {quarter_label(start, q)} though its decisions were "
                f"the same"
            )
    return "the end states differ though its decisions were the same"


def _same(a: Game, b: Game) -> bool:
    logs_a = {n: s.log for n, s in a.seats.items()}
    logs_b = {n: s.log for n, s in b.seats.items()}
    return logs_a == logs_b and a.digest == b.digest and a.digests() == b.digests()


def _global_random_hint(run: Runner, ctx: Ctx) -> str:
    """Does it draw from Python's or numpy's global random state? (Same games when seeded.)"""
    pair = []
    for _ in range(2):
        random.seed(12345)
        np.random.seed(12345)
        pair.append(run.play(ctx, count=False))
    if not any(g.crashed for g in pair) and _same(*pair):
        return (
            "It seems to draw from Python's global 'random' module or 'numpy.random' instead "
            "of self.rng, which reset(seed) seeds"
        )
    return (
        "Draw every random number from self.rng (which reset(seed) seeds), and do not depend on "
        "the clock, object ids or the order of a set"
    )


def judge_legal(
    run: Runner,
    roles: tuple[str, ...],
    clock: Clock,
    played_in: dict[str, int],
    skipped: list[str],
) -> CheckResult:
    if clock.silenced:
        return CheckResult(
            "legal",
            False,
            f"not checked: after {len(clock.over)} calls past the time budget the games were "
            f"stopped (see 'time')",
            ran=False,
        )
    games = run.games
    crashed = [g for g in games if g.crashed]
    refused = sum(g.refused for g in games)
    faults = sum(len(g.faults) for g in games)
    n = len(games)
    where = ", ".join(f"{k} ×{v}" for k, v in played_in.items())
    scope = f"{n} games as {', '.join(roles)} ({where})"
    if skipped:
        scope += f"; skipped {', '.join(skipped)}"
    if crashed:
        return CheckResult("legal", False, f"{crashed[0].crashed} ({len(crashed)} of {scope})")
    if refused or faults:
        first = ""
        bad = next(g for g in games if g.refused or g.faults)
        if bad.records is None:  # play it again, recorded, to say what went wrong
            bad = run.play(bad.ctx, record=True, quarters=bad.quarters, count=False)
        first = bad.first_problem()
        if not first and bad.faults:
            actor, call, error = bad.faults[0]
            first = f"{actor} {bad.ctx.where()}: its {call} call {fault_words(error)}"
        words = []
        if refused:
            words.append(f"{refused} refused decision{'s' if refused != 1 else ''}")
        if faults:
            words.append(f"{faults} fault{'s' if faults != 1 else ''}")
        return CheckResult(
            "legal",
            False,
            f"{' and '.join(words)} in {scope}. First: {first or 'not found again on replay'}",
        )
    timeouts = sum(g.timeouts for g in games)
    note = f" ({timeouts} calls ran out of time: see 'time')" if timeouts else ""
    return CheckResult("legal", True, f"no refused decision and no fault in {scope}{note}")


def judge_copies(built: Any, probes: list[Probe], clock: Clock) -> CheckResult:
    fresh = Probe(clock.budget, 0, "2024Q1")
    fresh.copies(built, "of a fresh policy")
    problems, seen = list(fresh.problems), set(fresh.seen)
    for p in probes:
        for key, text in zip(p.keys, p.problems, strict=True):
            if key not in seen:
                seen.add(key)
                problems.append(text)
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        return CheckResult("copies", False, "; ".join(problems[:2]) + more)
    compared = sum(p.compared for p in probes)
    if clock.silenced or any(p.slow for p in probes) or not compared:
        why = (
            "its calls ran past the time budget (see 'time')"
            if clock.silenced or any(p.slow for p in probes)
            else "no game reached a call to compare on"
        )
        return CheckResult(
            "copies",
            False,
            f"not checked: pickling, clone() and deepcopy work, but the copies' decisions were "
            f"not compared: {why}",
            ran=False,
        )
    return CheckResult(
        "copies",
        True,
        f"a pickle round trip, clone() and deepcopy, fresh and mid-game, each decided as the "
        f"original on the same observation ({compared} comparisons)",
    )


def judge_time(clock: Clock, games: list[Game]) -> CheckResult:
    budget = f"{clock.budget:g} s"
    # a call abandoned in a helper thread may not have reported its time yet: count the engine's
    over = max(len(clock.over), sum(g.timeouts for g in games))
    if over:
        if clock.over:
            slow, at = max(clock.over)
            slowest = f"; the slowest ran {duration(slow)} before it returned or was stopped: {at}"
        else:
            slowest = ""
        stopped = (
            f". After {SLOW_CALLS_LIMIT} slow calls the suite stopped calling it"
            if clock.silenced
            else ""
        )
        return CheckResult(
            "time",
            False,
            f"{over} call{'s' if over != 1 else ''} ran past the {budget} budget{slowest}"
            f"{stopped}. Mean call {duration(clock.mean)} over {clock.calls} calls",
        )
    if not clock.calls:
        return CheckResult("time", False, "not checked: it was never called", ran=False)
    return CheckResult(
        "time",
        True,
        f"{clock.calls} calls in {len(games)} games, all within the {budget} budget: mean "
        f"{duration(clock.mean)}, slowest {duration(clock.slowest)} ({clock.slowest_at})",
    )
