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
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import numbers
import pickle
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.policy import Param, Policy
from agents.registry import PolicyEntry, PolicyError, PolicyRegistry
from game.budget import call_with_budget
from game.calendar import quarter_label
from game.deals import ROLES
from game.decisions import Decision, decision_to_json
from game.model import MAX_DECISIONS_PER_CALL, FabRaceModel
from game.scenario import ScenarioSpec, load_scenario

__all__ = [
    "CHECKS",
    "DEFAULT_SCENARIOS",
    "CheckResult",
    "ContractReport",
    "check_policy",
    "load_entry",
]

#: The checks, in the order they are reported, with what each one asks.
CHECKS: dict[str, str] = {
    "builds": "it can be built with its defaults and reset with a seed",
    "parameters": "its parameter table is consistent",
    "roles": "it declares a name, a description and roles the game has",
    "reproducible": "the same seed gives the same game, and reset(seed) starts afresh",
    "legal": "it makes only legal decisions and never faults, in every role it claims",
    "copies": "it survives pickling and cloning, and a copy decides as the original",
    "time": "every call answers within the time budget",
}

DEFAULT_SCENARIOS = ("duel", "baseline-2024", "crowded")

#: A scenario with more actors than this is "big": one shorter game per role, and only when the
#: policy's calls are fast enough.
BIG_SCENARIO_ACTORS = 12
BIG_SCENARIO_QUARTERS = 12
BIG_SCENARIO_MAX_MEAN_CALL = 0.005  # seconds
#: After this many calls past the budget, the suite stops calling the policy.
SLOW_CALLS_LIMIT = 3
#: The quarter from which copies are made mid-game (or the last quarter of a shorter game).
MID_GAME_QUARTER = 3


# ==================================================================== results
@dataclass
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: the check's name (a key of :data:`CHECKS`).
        passed: whether it passed.
        detail: what was found, in plain words.
        ran: False if it could not be run (then ``passed`` is False and ``detail`` says why).
    """

    name: str
    passed: bool
    detail: str
    ran: bool = True

    @property
    def title(self) -> str:
        return CHECKS.get(self.name, self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "passed": self.passed,
            "ran": self.ran,
            "detail": self.detail,
        }


@dataclass
class ContractReport:
    """Every check's outcome for one policy.

    Attributes:
        policy: the spec (or class name) that was checked.
        kind: ``family``, ``variant``, ``plugin``, ``file`` or ``class``.
        roles: the roles it claims.
        checks: one result per check, in the order of :data:`CHECKS`.
        settings: games, scenarios, seeds, time budget.
        timing: calls timed, mean and slowest call in seconds, calls over budget.
        seconds: how long the whole check took.
    """

    policy: str
    kind: str
    roles: tuple[str, ...]
    checks: list[CheckResult]
    settings: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True if every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def check(self, name: str) -> CheckResult:
        """The result of the check of that name."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check {name!r} (checks: {', '.join(CHECKS)})")

    def summary(self) -> str:
        """One line: how many checks passed, which failed."""
        n = len(self.checks)
        if self.ok:
            return f"{self.policy}: all {n} checks passed ({self.seconds:.1f} s)"
        names = ", ".join(c.name for c in self.failed)
        return (
            f"{self.policy}: {n - len(self.failed)} of {n} checks passed; failed: {names} "
            f"({self.seconds:.1f} s)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "kind": self.kind,
            "roles": list(self.roles),
            "ok": self.ok,
            "checks": [c.to_json() for c in self.checks],
            "settings": self.settings,
            "timing": self.timing,
            "seconds": round(self.seconds, 3),
        }


# ==================================================================== loading
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


# ==================================================================== helpers
def _short(text: str, n: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _error(e: BaseException) -> str:
    msg = str(e)
    return _short(f"{type(e).__name__}: {msg}" if msg else type(e).__name__)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _seconds(s: float) -> str:
    if s < 0.001:
        return f"{s * 1e6:.0f} µs"
    return f"{s * 1000:.1f} ms" if s < 0.1 else f"{s:.2f} s"


def _materialise(result: Any) -> list[Any]:
    # exactly what the engine does with a call's result
    return list(itertools.islice(result or [], MAX_DECISIONS_PER_CALL + 1))


def _canon(out: list[Any]) -> tuple[str, ...]:
    """A comparable form of a call's result (decisions as JSON; anything else by its type)."""
    items = []
    for d in out:
        if isinstance(d, Decision):
            try:
                items.append(json.dumps(decision_to_json(d), sort_keys=True, default=repr))
            except Exception:
                items.append(f"<{type(d).__name__}>")
        else:
            items.append(f"<{type(d).__name__}>")
    return tuple(items)


def _show_one(item: str) -> str:
    if item.startswith("<"):
        return f"a {item[1:-1]} (not a decision)"
    try:
        d = json.loads(item)
    except ValueError:
        return item
    kind = d.pop("type", "?")

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.6g}"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {fmt(x)}" for k, x in v.items()) + "}"
        return str(v)

    return f"{kind}(" + ", ".join(f"{k}={fmt(v)}" for k, v in d.items()) + ")"


def _show(outcome: tuple[Any, ...]) -> str:
    """An outcome in words: ``("ok", items)`` or ``("raised", error)``."""
    if outcome[0] == "raised":
        return f"raised {outcome[1]}"
    items = outcome[1]
    if not items:
        return "no decisions"
    shown = "; ".join(_show_one(i) for i in items[:2])
    more = f" and {len(items) - 2} more" if len(items) > 2 else ""
    return _short(f"[{shown}{more}]", 300)


def _global_random_state() -> tuple[Any, Any]:
    return random.getstate(), np.random.get_state()


def _set_global_random_state(state: tuple[Any, Any]) -> None:
    random.setstate(state[0])
    np.random.set_state(state[1])


def _pickled(p: Any) -> Any:
    return pickle.loads(pickle.dumps(p))


def _culprit(obj: Any, how: Callable[[Any], Any]) -> str:
    """Which attribute of ``obj`` cannot be copied ``how`` (if one can be named)."""
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict):
        return ""
    for k, v in attrs.items():
        try:
            how(v)
        except Exception:
            return f"; its attribute {k!r} ({_a(type(v).__name__)}) cannot be copied"
    return ""


# ==================================================================== playing games
@dataclass(frozen=True)
class _Ctx:
    """Which game: the role played, the scenario, the seed."""

    role: str
    scenario: ScenarioSpec
    seed: int

    def where(self, quarter: int | None = None) -> str:
        out = f"as {self.role} in {self.scenario.name}, seed {self.seed}"
        if quarter is not None:
            out += f", {quarter_label(self.scenario.start, quarter)}"
        return out


class _Clock:
    """Times every call of the policy under test, across all games of a check."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.calls = 0
        self.total = 0.0
        self.slowest = 0.0
        self.slowest_at = ""
        self.over: list[tuple[float, str]] = []
        self.silenced = False  # too slow: the rest of the games are not played

    def add(self, elapsed: float, ctx: _Ctx, quarter: int, call: str, actor: str) -> None:
        self.calls += 1
        self.total += elapsed
        if elapsed > self.slowest:
            self.slowest = elapsed
            self.slowest_at = f"{call} of {actor} {ctx.where(quarter)}"
        if elapsed > self.budget:
            self.over.append((elapsed, f"{call} of {actor} {ctx.where(quarter)}"))
            if len(self.over) >= SLOW_CALLS_LIMIT:
                self.silenced = True

    @property
    def mean(self) -> float:
        return self.total / self.calls if self.calls else 0.0


class _Seat:
    """Sits in an actor's seat for the policy under test: times its calls and logs its results."""

    def __init__(
        self,
        policy: Any,
        actor: str,
        clock: _Clock,
        ctx: _Ctx,
        probe: _Probe | None = None,
        budget: float | None = None,
    ) -> None:
        self.policy = policy
        self.actor = actor
        self.clock = clock
        self.ctx = ctx
        self.probe = probe
        self.budget = budget  # set when the seat keeps the time budget instead of the engine
        self.log: list[tuple[int, str, tuple[Any, ...]]] = []  # (quarter, call, outcome)

    @property
    def label(self) -> str:
        try:
            label = self.policy.label
        except Exception:
            label = None
        return label if isinstance(label, str) and label else type(self.policy).__name__

    def reset(self, seed: int) -> None:
        self.policy.reset(seed)
        if self.probe is not None:
            self.probe.fresh(self.policy)

    def propose(self, obs: Any) -> list[Any]:
        return self._call("propose", obs)

    def respond(self, obs: Any) -> list[Any]:
        return self._call("respond", obs)

    def moves(self, obs: Any) -> list[Any]:
        return self._call("moves", obs)

    def _call(self, call: str, obs: Any) -> list[Any]:
        if self.clock.silenced:
            return []
        if self.probe is not None:
            return self.probe.call(self, call, obs)
        if self.budget is not None:
            return call_with_budget(lambda: self.timed(call, obs), self.budget)
        return self.timed(call, obs)

    def timed(self, call: str, obs: Any) -> list[Any]:
        """Call the policy (timed), log what it returned or raised, and pass it on."""
        t0 = time.perf_counter()
        try:
            out = _materialise(getattr(self.policy, call)(obs))
        except BaseException as e:
            self.log.append((obs.quarter, call, ("raised", type(e).__name__)))
            raise
        finally:
            self.clock.add(time.perf_counter() - t0, self.ctx, obs.quarter, call, self.actor)
        self.log.append((obs.quarter, call, ("ok", _canon(out))))
        return out


class _Probe:
    """Makes copies of the policy (fresh, and mid-game) and checks they decide as it does."""

    def __init__(self, budget: float, mid_quarter: int, start: str) -> None:
        self.budget = budget
        self.mid_quarter = mid_quarter
        self.start = start
        self.fresh_copies: list[tuple[str, Any]] | None = None
        self.fresh_done = False
        self.mid_done: set[str] = set()
        self.problems: list[str] = []
        self.seen: set[str] = set()  # one problem per way of copying is enough
        self.keys: list[str] = []
        self.compared = 0
        self.slow = False

    def problem(self, text: str, key: str | None = None) -> None:
        key = key or text
        if key not in self.seen:
            self.seen.add(key)
            self.keys.append(key)
            self.problems.append(text)

    def copies(self, policy: Any, when: str) -> list[tuple[str, Any]]:
        """Copies of ``policy`` made by pickling, clone() and deepcopy; problems are noted."""
        out = []
        makers: tuple[tuple[str, Callable[[Any], Any], Callable[[Any], Any]], ...] = (
            ("a pickle round trip", _pickled, pickle.dumps),
            ("clone()", lambda p: p.clone(), copy.deepcopy),
            ("copy.deepcopy", copy.deepcopy, copy.deepcopy),
        )
        for how, make, part in makers:
            try:
                c = make(policy)
            except Exception as e:
                self.problem(f"{how} {when} failed: {_error(e)}{_culprit(policy, part)}", how)
                continue
            if c is policy:
                self.problem(f"{how} {when} gave back the policy itself, not a copy", how)
                continue
            if type(c) is not type(policy):
                self.problem(
                    f"{how} {when} gave a {type(c).__name__}, not a {type(policy).__name__}",
                    how,
                )
                continue
            if getattr(c, "params", None) != getattr(policy, "params", None):
                self.problem(f"{how} {when} changed its parameters", how)
                continue
            out.append((how, c))
        return out

    def fresh(self, policy: Any) -> None:
        self.fresh_copies = self.copies(policy, "of a fresh policy")

    def _outcome(self, fn: Callable[[], list[Any]]) -> tuple[tuple[Any, ...], BaseException | None]:
        try:
            out = call_with_budget(fn, self.budget)
        except Exception as e:
            return ("raised", _error(e)), e
        return ("ok", _canon(out)), None

    def call(self, seat: _Seat, call: str, obs: Any) -> list[Any]:
        copies: list[tuple[str, Any]] | None = None
        label = quarter_label(self.start, obs.quarter)
        if not self.fresh_done:
            self.fresh_done = True
            copies, when = self.fresh_copies, f"of a fresh policy ({label}, {call})"
        elif obs.quarter >= self.mid_quarter and call not in self.mid_done:
            self.mid_done.add(call)
            when = f"mid-game ({label}, before its {call} call)"
            copies = self.copies(seat.policy, when)
        if not copies or self.slow:
            return call_with_budget(lambda: seat.timed(call, obs), self.budget)
        before = _global_random_state()  # a copy draws the same "global" numbers as the original
        result: list[Any] = []

        def original() -> list[Any]:
            result[:] = seat.timed(call, obs)
            return result

        mine, error = self._outcome(original)
        after = _global_random_state()
        try:
            for how, c in copies:
                _set_global_random_state(before)
                theirs, _ = self._outcome(lambda c=c: _materialise(getattr(c, call)(obs)))
                if "DecisionTimeout" in str(theirs[1]) or "PolicyHung" in str(theirs[1]):
                    self.slow = True
                    break
                self.compared += 1
                if theirs != mine:
                    self.problem(
                        f"a copy made by {how} {when} decided differently from the original "
                        f"on the same observation: {_show(theirs)}, where the original "
                        f"gave {_show(mine)}",
                        f"decided:{how}",
                    )
        finally:
            _set_global_random_state(after)
        if error is not None:
            raise error
        return result


@dataclass
class _Game:
    ctx: _Ctx
    seats: dict[str, _Seat]
    quarters: int
    records: list[dict[str, Any]] | None
    digest: str = ""
    refused: int = 0
    faults: list[tuple[str, str, str]] = field(default_factory=list)  # (actor, call, error)
    timeouts: int = 0
    crashed: str = ""

    @property
    def policies(self) -> dict[str, Any]:
        return {name: s.policy for name, s in self.seats.items()}

    def digests(self) -> list[str]:
        return [r["digest"] for r in self.records or () if r["type"] == "quarter_end"]

    def first_problem(self) -> str:
        """The first refusal or fault of the policy under test, in words (records needed)."""
        for r in self.records or ():
            if r.get("actor") not in self.seats:
                continue
            q = self.ctx.where(r["q"])
            if r["type"] == "decision" and not r["outcome"].get("ok", True):
                shown = _show_one(json.dumps(r["decision"]))
                return f"{r['actor']} {q}: {shown} was refused: {r['outcome'].get('reason', '')}"
            if r["type"] == "fault" and "ran past its" not in r["error"]:
                return f"{r['actor']} {q}: its {r['call']} call {_fault_words(r['error'])}"
        return ""


def _fault_words(error: str) -> str:
    if error.startswith("returned "):
        return error
    return f"raised {error}"


class _Runner:
    def __init__(
        self,
        entry: PolicyEntry,
        clock: _Clock,
        quarters: int | None,
    ) -> None:
        self.entry = entry
        self.clock = clock
        self.quarters = quarters
        self.games: list[_Game] = []

    def fresh(self, ctx: _Ctx) -> dict[str, Any]:
        return {
            a.name: self.entry.make(ctx.role) for a in ctx.scenario.actors if a.role == ctx.role
        }

    def play(
        self,
        ctx: _Ctx,
        policies: dict[str, Any] | None = None,
        *,
        record: bool = False,
        quarters: int | None = None,
        probe: _Probe | None = None,
        count: bool = True,
    ) -> _Game:
        """Play one game with the policy in the role's seats (fresh policies unless given)."""
        q = quarters if quarters is not None else self.quarters
        q = min(q, ctx.scenario.quarters) if q is not None else ctx.scenario.quarters
        game = _Game(ctx, {}, q, [] if record else None)
        if count:
            self.games.append(game)
        try:
            pols = policies if policies is not None else self.fresh(ctx)
        except Exception as e:
            game.crashed = f"it could not be built for the game: {_error(e)}"
            return game
        first = next(iter(pols)) if pols else None
        # A probe calls copies of the policy besides it, so that the seats, not the engine, keep
        # the time budget of each call.
        budget = self.clock.budget if probe is not None else None
        game.seats = {
            name: _Seat(p, name, self.clock, ctx, probe if name == first else None, budget)
            for name, p in pols.items()
        }
        try:
            model = FabRaceModel(
                ctx.scenario,
                seed=ctx.seed,
                policies=game.seats,
                quarters=q,
                recorder=game.records.append if game.records is not None else None,
                decision_seconds=None if probe is not None else self.clock.budget,
            )
            model.run()
        except Exception as e:
            game.crashed = f"the game {ctx.where()} stopped with {_error(e)}"
            return game
        game.digest = model.digest()
        game.refused = sum(model.refused_by.get(n, 0) for n in game.seats)
        for f in model.faults:
            if f.actor not in game.seats:
                continue
            if "ran past its" in f.error:
                game.timeouts += 1
            else:
                game.faults.append((f.actor, f.call, f.error))
        return game


# ==================================================================== the checks
def _check_parameters(entry: PolicyEntry, builds: bool) -> CheckResult:
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
            problems.append(f"{k!r} is {_a(type(p).__name__)}, not a Param(default, lo, hi, doc)")
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
                cls(**values)
            except Exception as e:
                where = "lowest" if end == "lo" else "highest"
                problems.append(
                    f"it cannot be built with every parameter at its {where} value: {_error(e)}"
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


def _check_roles(entry: PolicyEntry) -> tuple[CheckResult, tuple[str, ...]]:
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
    if entry.kind == "variant":  # its own name and description, on the family's roles
        name, desc = f"{entry.name} (a variant of {name})", entry.description or desc
    else:
        name = repr(name)
    plays = f"{name} plays {', '.join(valid)}: {_short(desc, 120)}"
    return CheckResult("roles", True, plays), valid


def _check_builds(entry: PolicyEntry, seed: int) -> tuple[CheckResult, Any]:
    try:
        p = entry.make()
    except PolicyError as e:
        return CheckResult("builds", False, str(e)), None
    except Exception as e:  # make() itself should not raise anything else
        return CheckResult("builds", False, f"building it raised {_error(e)}"), None
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
    except Exception as e:
        return CheckResult("builds", False, f"reset({seed}) raised {_error(e)}"), None
    shown = ", ".join(f"{k}={v:g}" for k, v in params.items()) or "no parameters"
    return CheckResult("builds", True, f"built with {shown}, and reset with a seed"), p


def _first_difference(a: _Game, b: _Game) -> str:
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
                    f"{quarter_label(start, q)}, {x[1]} of {actor}: {_show(x[2])} the first time, "
                    f"{_show(y[2])} the second"
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


def _same(a: _Game, b: _Game) -> bool:
    logs_a = {n: s.log for n, s in a.seats.items()}
    logs_b = {n: s.log for n, s in b.seats.items()}
    return logs_a == logs_b and a.digest == b.digest and a.digests() == b.digests()


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
    results["builds"], built = _check_builds(entry, seed)
    results["parameters"] = _check_parameters(entry, built is not None)
    results["roles"], roles = _check_roles(entry)
    clock = _Clock(seconds)

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
    clock: _Clock,
    results: dict[str, CheckResult],
) -> None:
    run = _Runner(entry, clock, quarters)
    triples: list[tuple[_Game, _Game, _Game]] = []
    probes: list[_Probe] = []
    skipped: list[str] = []
    played_in: dict[str, int] = {}
    rng_state = _global_random_state()
    try:
        for role in roles:
            mine = [sc for sc in specs if any(a.role == role for a in sc.actors)]
            small = [sc for sc in mine if len(sc.actors) <= BIG_SCENARIO_ACTORS]
            home = (small or mine or [None])[0]  # where the reproducibility and copies are tried
            for spec in mine:
                if clock.silenced:
                    break
                n = 0
                if spec is not home and len(spec.actors) > BIG_SCENARIO_ACTORS:
                    if clock.mean > BIG_SCENARIO_MAX_MEAN_CALL:
                        skipped.append(
                            f"{spec.name} as {role}: its calls take {_seconds(clock.mean)} on "
                            f"average"
                        )
                        continue
                    q = min(quarters or spec.quarters, BIG_SCENARIO_QUARTERS)
                    run.play(_Ctx(role, spec, seeds[0]), quarters=q)
                    n += 1
                elif spec is home:
                    ctx = _Ctx(role, spec, seeds[0])
                    first, again = run.play(ctx), run.play(ctx)
                    n += 2
                    if first.seats and not first.crashed:
                        triples.append((first, again, run.play(ctx, first.policies)))
                        n += 1
                    q = min(quarters or spec.quarters, spec.quarters)
                    probe = _Probe(clock.budget, min(MID_GAME_QUARTER, q - 1), spec.start)
                    probes.append(probe)
                    run.play(ctx, quarters=q, probe=probe)
                    n += 1
                else:
                    run.play(_Ctx(role, spec, seeds[0]))
                    n += 1
                for s in seeds[1:]:
                    if clock.silenced or len(spec.actors) > BIG_SCENARIO_ACTORS:
                        break
                    run.play(_Ctx(role, spec, s))
                    n += 1
                played_in[spec.name] = played_in.get(spec.name, 0) + n
            if clock.silenced:
                break
        results["reproducible"] = _judge_reproducible(run, triples, roles, clock)
        results["legal"] = _judge_legal(run, roles, clock, played_in, skipped)
        results["copies"] = _judge_copies(built, probes, clock)
        results["time"] = _judge_time(clock, run.games)
    finally:  # a policy that draws from the global random state leaves it as it was
        _set_global_random_state(rng_state)


def _judge_reproducible(
    run: _Runner, triples: list[tuple[_Game, _Game, _Game]], roles: tuple[str, ...], clock: _Clock
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


def _global_random_hint(run: _Runner, ctx: _Ctx) -> str:
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


def _judge_legal(
    run: _Runner,
    roles: tuple[str, ...],
    clock: _Clock,
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
            first = f"{actor} {bad.ctx.where()}: its {call} call {_fault_words(error)}"
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


def _judge_copies(built: Any, probes: list[_Probe], clock: _Clock) -> CheckResult:
    fresh = _Probe(clock.budget, 0, "2024Q1")
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


def _judge_time(clock: _Clock, games: list[_Game]) -> CheckResult:
    budget = f"{clock.budget:g} s"
    # a call abandoned in a helper thread may not have reported its time yet: count the engine's
    over = max(len(clock.over), sum(g.timeouts for g in games))
    if over:
        if clock.over:
            slow, at = max(clock.over)
            slowest = f"; the slowest ran {_seconds(slow)} before it returned or was stopped: {at}"
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
            f"{stopped}. Mean call {_seconds(clock.mean)} over {clock.calls} calls",
        )
    if not clock.calls:
        return CheckResult("time", False, "not checked: it was never called", ran=False)
    return CheckResult(
        "time",
        True,
        f"{clock.calls} calls in {len(games)} games, all within the {budget} budget: mean "
        f"{_seconds(clock.mean)}, slowest {_seconds(clock.slowest)} ({clock.slowest_at})",
    )
