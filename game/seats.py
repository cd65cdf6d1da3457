"""Seats: who decides for each actor, and when the engine asks the bots.

A seat holds a policy object (a bot) or ``None`` (the actor is driven from outside through
:meth:`~game.model.FabRaceModel.submit`: a person in the browser, a replayed log, a learner).
The engine never builds policies itself: they are handed to it (see :func:`agents.new_game` for
the default bots). Bots are asked at fixed moments of the quarter only:

- when a quarter opens, each bot opens its offers (``propose``) and the bots answer each other's
  (``respond``), round after round, until nothing moves;
- when an outside seat opens an offer to a bot (or counters one), that bot answers it at once;
- when the quarter closes, bots answer what is still open, then make their moves (``moves``).

Every call runs under the game's time budget; a policy that raises (anything, ``SystemExit`` and
``KeyboardInterrupt`` included), runs past it or returns something that is not a decision loses
that call's decisions (a *fault*), not the game. The user's Ctrl-C still stops the game
(:class:`~game.budget.UserInterrupt`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from game.actors import Actor
from game.budget import (
    DecisionTimeout,
    PolicyHung,
    UserInterrupt,
    alarm_scope,
    call_with_budget,
)
from game.decisions import MAX_DECISIONS_PER_CALL, Answer, Decision

if TYPE_CHECKING:
    from game.negotiation import Negotiation
    from game.observation import Observation
    from game.outcome import Outcome
    from game.scenario import RulesSpec

__all__ = ["MAX_DECISIONS_PER_CALL", "Fault", "SeatsMixin"]


@dataclass
class Fault:
    """A policy call that lost its decisions: who, which call, and why."""

    actor: str
    call: str
    error: str


def _decisions(method: Callable[[Observation], Any], obs: Observation) -> list[Any]:
    """A policy's decisions: what ``method(obs)`` returns (None: none), as a list.

    Never takes more than one past the limit (an endless iterator must not hang the game).
    """
    found = method(obs)
    if type(found) is list:  # what bots return: a copy of its first items, without the islice
        return found[: MAX_DECISIONS_PER_CALL + 1]
    return list(itertools.islice(found or [], MAX_DECISIONS_PER_CALL + 1))


class SeatsMixin:
    """The seats of a :class:`~game.model.FabRaceModel` and the moments bots are asked."""

    actor_list: list[Actor]
    policies: dict[str, Any]
    negotiation: Negotiation
    rules: RulesSpec
    rng_order: np.random.Generator
    decision_seconds: float | None
    hung: set[str]
    faults: list[Fault]
    faults_by: dict[str, int]
    finished: bool
    quarter_index: int
    _order: list[Actor]

    if TYPE_CHECKING:

        def observe(self, name: str) -> Observation: ...
        def count(self, key: str, n: int = 1) -> None: ...
        def _record(self, rec: dict[str, Any]) -> None: ...
        def _submit(self, a: Actor, d: Decision) -> Outcome: ...

    def policy_label(self, name: str) -> str:
        """The name of the policy seated for an actor (``external`` for outside control)."""
        p = self.policies.get(name)
        return "external" if p is None else getattr(p, "label", type(p).__name__)

    def _ask(self, a: Actor, call: str) -> list[Decision]:
        """Ask actor ``a``'s policy for its decisions (``propose``, ``respond`` or ``moves``)."""
        policy = self.policies.get(a.name)
        if policy is None or a.insolvent or self.finished or a.name in self.hung:
            return []
        obs = self.observe(a.name)
        try:
            decisions = call_with_budget(
                _decisions, self.decision_seconds, getattr(policy, call), obs
            )
        except PolicyHung:
            self.hung.add(a.name)
            return self._fault(
                a,
                call,
                f"ran past its {self._budget_text()} and could not be "
                f"stopped; it makes no more decisions this game",
            )
        except DecisionTimeout:
            return self._fault(a, call, f"ran past its {self._budget_text()}")
        except UserInterrupt:  # the user's Ctrl-C: stop the game
            raise
        except BaseException as e:  # a policy that raises (even SystemExit or
            # KeyboardInterrupt) loses this decision, not the game
            return self._fault(a, call, f"{type(e).__name__}: {e}")
        bad = [d for d in decisions if not isinstance(d, Decision)]
        if bad:
            return self._fault(a, call, f"returned {type(bad[0]).__name__}, not a Decision")
        if len(decisions) > MAX_DECISIONS_PER_CALL:
            self._fault(
                a,
                call,
                f"returned more than {MAX_DECISIONS_PER_CALL} decisions; "
                f"kept the first {MAX_DECISIONS_PER_CALL}",
            )
            decisions = decisions[:MAX_DECISIONS_PER_CALL]
        return decisions

    def _budget_text(self) -> str:
        s = self.decision_seconds  # None: no budget of the game's own (the policy timed itself)
        return "time budget" if s is None else f"{s:g} s budget"

    def _fault(self, a: Actor, call: str, error: str) -> list[Decision]:
        self.faults.append(Fault(a.name, call, error))
        self.faults_by[a.name] = self.faults_by.get(a.name, 0) + 1
        self.count("faults")
        self._record(
            {
                "type": "fault",
                "q": self.quarter_index,
                "actor": a.name,
                "call": call,
                "error": error,
            }
        )
        return []

    def _bot_offers(self) -> None:
        """At the opening of a quarter, bots open their offers and answer each other's.

        The order in which bots act is drawn afresh each quarter. Offers to an actor driven from
        outside wait in its inbox for the rest of the quarter.
        """
        actors = self.actor_list  # (indexed by Python ints: numpy's are slower to index with)
        self._order = [actors[i] for i in self.rng_order.permutation(len(actors)).tolist()]
        with alarm_scope():
            for a in self._order:
                for d in self._ask(a, "propose"):
                    self._submit(a, d)
            self._settle(self._order)

    def _bot_turn(self) -> None:
        """At the close of a quarter, bots answer what is still open, then make their moves."""
        with alarm_scope():  # one handler for all the quarter's budgeted policy calls
            self._settle(self._order)
            for a in self._order:
                for d in self._ask(a, "moves"):
                    self._submit(a, d)

    def _settle(self, order: Iterable[Actor]) -> None:
        """Let bots answer the offers waiting for them, until none is left or rounds run out."""
        order = list(order)
        negotiation = self.negotiation
        for _ in range(2 * self.rules.max_rounds + 2):
            progressed = False
            waiting = negotiation.waiting()  # (one pass, not one a bot: only answers change it)
            for a in order:
                if a.name not in waiting or self.policies.get(a.name) is None:
                    continue
                decisions = self._ask(a, "respond")
                for d in decisions:
                    if self._submit(a, d).ok:
                        progressed = True
                if decisions:  # its answers changed who waits (a counter reaches another bot)
                    waiting = negotiation.waiting()
            if not progressed:
                break

    def _answer(self, offer_id: int) -> None:
        """A bot answers one offer made to it from outside (its other answers wait)."""
        offer = self.negotiation.offers[offer_id]
        bot = next(a for a in self.actor_list if a.name == offer.recipient)
        if self.policies.get(bot.name) is None:
            return
        with alarm_scope():
            for d in self._ask(bot, "respond"):
                if isinstance(d, Answer) and d.offer_id == offer_id:
                    self._submit(bot, d)
                    return
