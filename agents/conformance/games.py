"""Playing the games of a conformance check, with the policy under test in its seats.

A :class:`Runner` plays seeded games (:class:`Ctx`: the role played, the scenario, the seed) with
a fresh copy of the policy in every seat of that role and the scenario's own bots elsewhere. Each
seat is a :class:`Seat`, which times every call on the shared :class:`Clock` (after
:data:`SLOW_CALLS_LIMIT` calls past the budget the policy is no longer called) and logs what it
returned, so that two games can be compared call by call. In the game chosen for the ``copies``
check a :class:`Probe` also copies the policy (by pickling, ``clone()`` and ``copy.deepcopy``,
fresh and mid-game) and checks that each copy decides as the original on the same observation.
The outcome of a game (its digest, refusals, faults, timeouts, or why it crashed) is a
:class:`Game`.
"""

from __future__ import annotations

import copy
import itertools
import json
import pickle
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents import new_game
from agents.conformance.wording import (
    describe_error,
    fault_words,
    show_decision,
    show_outcome,
    with_article,
)
from agents.registry import PolicyEntry
from agents.sandbox import SandboxedPolicy
from game.budget import UserInterrupt, call_with_budget
from game.calendar import quarter_label
from game.decisions import Decision, decision_to_json
from game.model import MAX_DECISIONS_PER_CALL
from game.scenario import ScenarioSpec

__all__ = [
    "SLOW_CALLS_LIMIT",
    "Clock",
    "Ctx",
    "Game",
    "Probe",
    "Runner",
    "Seat",
    "canon",
    "global_random_state",
    "materialise",
    "set_global_random_state",
]

#: After this many calls past the budget, the suite stops calling the policy.
SLOW_CALLS_LIMIT = 3
COPY_BUDGET_FACTOR = 10.0  # a copy's call may take this many times the budget ...
COPY_BUDGET_FLOOR = 2.0  # ... and at least this many seconds before the copies go unchecked


def materialise(result: Any) -> list[Any]:
    # exactly what the engine does with a call's result
    return list(itertools.islice(result or [], MAX_DECISIONS_PER_CALL + 1))


def _calling(policy: Any, call: str, obs: Any) -> Callable[[], list[Any]]:
    """What makes ``policy``'s ``call`` on ``obs`` and materialises its result."""
    return lambda: materialise(getattr(policy, call)(obs))


def canon(out: list[Any]) -> tuple[str, ...]:
    """A comparable form of a call's result (decisions as JSON; anything else by its type)."""
    items = []
    for d in out:
        if isinstance(d, Decision):
            try:
                items.append(json.dumps(decision_to_json(d), sort_keys=True, default=repr))
            except UserInterrupt:
                raise
            except BaseException:
                items.append(f"<{type(d).__name__}>")
        else:
            items.append(f"<{type(d).__name__}>")
    return tuple(items)


def global_random_state() -> tuple[Any, Any]:
    return random.getstate(), np.random.get_state()


def set_global_random_state(state: tuple[Any, Any]) -> None:
    random.setstate(state[0])
    np.random.set_state(state[1])


def pickled(p: Any) -> Any:
    return pickle.loads(pickle.dumps(p))


def culprit(obj: Any, how: Callable[[Any], Any]) -> str:
    """Which attribute of ``obj`` cannot be copied ``how`` (if one can be named)."""
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict):
        return ""
    for k, v in attrs.items():
        try:
            how(v)
        except UserInterrupt:
            raise
        except BaseException:
            return f"; its attribute {k!r} ({with_article(type(v).__name__)}) cannot be copied"
    return ""


@dataclass(frozen=True)
class Ctx:
    """Which game: the role played, the scenario, the seed."""

    role: str
    scenario: ScenarioSpec
    seed: int

    def where(self, quarter: int | None = None) -> str:
        out = f"as {self.role} in {self.scenario.name}, seed {self.seed}"
        if quarter is not None:
            out += f", {quarter_label(self.scenario.start, quarter)}"
        return out


class Clock:
    """Times every call of the policy under test, across all games of a check."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.calls = 0
        self.total = 0.0
        self.slowest = 0.0
        self.slowest_at = ""
        self.over: list[tuple[float, str]] = []
        self.silenced = False  # too slow: the rest of the games are not played

    def add(self, elapsed: float, ctx: Ctx, quarter: int, call: str, actor: str) -> None:
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


class Seat:
    """Sits in an actor's seat for the policy under test: times its calls and logs its results."""

    def __init__(
        self,
        policy: Any,
        actor: str,
        clock: Clock,
        ctx: Ctx,
        probe: Probe | None = None,
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
        except UserInterrupt:
            raise
        except BaseException:
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
            out = materialise(getattr(self.policy, call)(obs))
        except BaseException as e:
            self.log.append((obs.quarter, call, ("raised", type(e).__name__)))
            raise
        finally:
            self.clock.add(time.perf_counter() - t0, self.ctx, obs.quarter, call, self.actor)
        self.log.append((obs.quarter, call, ("ok", canon(out))))
        return out


class Probe:
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
        self.copy_budget = max(COPY_BUDGET_FACTOR * budget, COPY_BUDGET_FLOOR)

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
            ("a pickle round trip", pickled, pickle.dumps),
            ("clone()", lambda p: p.clone(), copy.deepcopy),
            ("copy.deepcopy", copy.deepcopy, copy.deepcopy),
        )
        for how, make, part in makers:
            try:
                c = make(policy)
            except UserInterrupt:
                raise
            except BaseException as e:
                self.problem(
                    f"{how} {when} failed: {describe_error(e)}{culprit(policy, part)}", how
                )
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

    def _outcome(
        self, fn: Callable[[], list[Any]], budget: float
    ) -> tuple[tuple[Any, ...], BaseException | None]:
        try:
            out = call_with_budget(fn, budget)
        except UserInterrupt:
            raise
        except BaseException as e:
            return ("raised", describe_error(e)), e
        return ("ok", canon(out)), None

    def call(self, seat: Seat, call: str, obs: Any) -> list[Any]:
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
        before = global_random_state()  # a copy draws the same "global" numbers as the original
        result: list[Any] = []

        def original() -> list[Any]:
            result[:] = seat.timed(call, obs)
            return result

        mine, error = self._outcome(original, self.budget)
        after = global_random_state()
        try:
            for how, c in copies:
                set_global_random_state(before)
                # A copy is judged on what it decides, not on its speed (the 'time' check's
                # job): a generous budget keeps a busy machine from leaving copies unchecked.
                theirs, _ = self._outcome(_calling(c, call, obs), self.copy_budget)
                if "DecisionTimeout" in str(theirs[1]) or "PolicyHung" in str(theirs[1]):
                    self.slow = True
                    break
                self.compared += 1
                if theirs != mine:
                    self.problem(
                        f"a copy made by {how} {when} decided differently from the original "
                        f"on the same observation: {show_outcome(theirs)}, where the original "
                        f"gave {show_outcome(mine)}",
                        f"decided:{how}",
                    )
        finally:
            set_global_random_state(after)
        if error is not None:
            raise error
        return result


@dataclass
class Game:
    ctx: Ctx
    seats: dict[str, Seat]
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
                shown = show_decision(json.dumps(r["decision"]))
                return f"{r['actor']} {q}: {shown} was refused: {r['outcome'].get('reason', '')}"
            if r["type"] == "fault" and "ran past its" not in r["error"]:
                return f"{r['actor']} {q}: its {r['call']} call {fault_words(r['error'])}"
        return ""


class Runner:
    def __init__(
        self,
        entry: PolicyEntry,
        clock: Clock,
        quarters: int | None,
    ) -> None:
        self.entry = entry
        self.clock = clock
        self.quarters = quarters
        self.games: list[Game] = []

    def fresh(self, ctx: Ctx) -> dict[str, Any]:
        return {
            a.name: self.entry.make(ctx.role) for a in ctx.scenario.actors if a.role == ctx.role
        }

    def play(
        self,
        ctx: Ctx,
        policies: dict[str, Any] | None = None,
        *,
        record: bool = False,
        quarters: int | None = None,
        probe: Probe | None = None,
        count: bool = True,
    ) -> Game:
        """Play one game with the policy in the role's seats (fresh policies unless given)."""
        q = quarters if quarters is not None else self.quarters
        q = min(q, ctx.scenario.quarters) if q is not None else ctx.scenario.quarters
        game = Game(ctx, {}, q, [] if record else None)
        if count:
            self.games.append(game)
        try:
            pols = policies if policies is not None else self.fresh(ctx)
        except UserInterrupt:
            raise
        except BaseException as e:
            game.crashed = f"it could not be built for the game: {describe_error(e)}"
            return game
        first = next(iter(pols)) if pols else None
        # The seats of the policy under test keep the time budget of each call, not the engine:
        # the other seats' bots run unbudgeted, so that a busy machine cannot make them lose a
        # call and the games differ by chance (a probe also calls copies of the policy).
        budget = self.clock.budget
        game.seats = {
            name: Seat(p, name, self.clock, ctx, probe if name == first else None, budget)
            for name, p in pols.items()
        }
        rules_before = ctx.scenario.model_dump_json()
        try:
            model = new_game(
                ctx.scenario,
                seed=ctx.seed,
                policies=game.seats,
                quarters=q,
                recorder=game.records.append if game.records is not None else None,
                decision_seconds=None,
            )
            model.run()
        except UserInterrupt:
            raise
        except BaseException as e:
            game.crashed = f"the game {ctx.where()} stopped with {describe_error(e)}"
            return game
        finally:
            for p in pols.values():  # sandbox processes go back to their pool between games
                if isinstance(p, SandboxedPolicy):
                    p.close()
        # An in-process policy can reach the game's objects; the rules must come out as they went
        # in (a sandboxed one cannot, and its reaches are faults)
        if (
            ctx.scenario.model_dump_json() != rules_before
            or model.rules.model_dump_json() != ctx.scenario.rules.model_dump_json()
        ):
            game.crashed = (
                f"the game {ctx.where()} ended with its scenario or rules changed: the policy "
                f"reached into the engine"
            )
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
