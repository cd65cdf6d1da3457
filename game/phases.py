"""The phases of a quarter: it opens (news, bots' offers), stays open for decisions, and closes.

1. **Open** (:meth:`PhasesMixin.open_quarter`): offers left from the last quarter expire, events
   in force age, the news is drawn from the deck (or the caller's events put in force), and the
   bots open their offers and answer each other's.
2. **Open for decisions**: actors driven from outside submit offers, answers and moves
   (:meth:`~game.model.FabRaceModel.submit`); a bot answers an offer made to it at once.
3. **Close** (inside :meth:`~game.model.FabRaceModel.step`): bots answer what is still open and
   make their moves; operations and markets run (:mod:`game.operations`); score tallies, the
   books close, scores are updated and the data collected; the market's trends move on a
   quarter. The next quarter does not open by itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from game.operations import run_operations
from game.scoring import score_actor, update_tallies

if TYPE_CHECKING:
    import mesa

    from game.actors import Actor
    from game.chance import EventDraw
    from game.markets import Market
    from game.model import FabRaceModel
    from game.negotiation import Negotiation

__all__ = ["PhasesMixin"]


class PhasesMixin:
    """Opening and closing the quarters of a :class:`~game.model.FabRaceModel`."""

    actor_list: list[Actor]
    negotiation: Negotiation
    market: Market
    rng_market: np.random.Generator
    quarter_index: int
    n_quarters: int
    finished: bool
    running: bool
    quarter_open: bool
    spec: Any
    orders: list[Any]
    moves_made: dict[str, set[str]]
    news: list[str]
    datacollector: mesa.DataCollector
    _neg_version: int

    if TYPE_CHECKING:
        from game.events import Modifiers
        from game.ledger import Ledger

        ledger: Ledger
        modifiers: Modifiers
        recorder: Any

        @property
        def label(self) -> str: ...
        def touch(self, name: str) -> None: ...
        def touches_held(self, held: bool) -> None: ...
        def touch_all(self) -> None: ...
        def digest(self) -> str: ...
        def _record(self, rec: dict[str, Any]) -> None: ...
        def _age_events(self) -> None: ...
        def _draw_events(self) -> list[EventDraw]: ...
        def _chosen_events(self, events: Iterable[Any]) -> list[EventDraw]: ...
        def _fire(self, draws: list[EventDraw]) -> None: ...
        def _bot_offers(self) -> None: ...

    def open_quarter(self, events: Iterable[Any] | None = None) -> bool:
        """Open the coming quarter: its news, then the bots' offers and their answers.

        ``step()`` opens the quarter itself when it is not open yet; call this first to act in
        the quarter from outside (see the offers bots made you, then :meth:`submit`).

        Args:
            events: the quarter's events instead of a draw from the deck — kind names, mappings
                (``kind``, ``target``, ``magnitude``, ``duration``) or
                :class:`~game.chance.EventDraw` s; an empty list for none. ``None`` draws them.

        Returns:
            True if the quarter opened now, False if it was open already (or the game is over).

        Raises:
            ValueError: if ``events`` is malformed, or given for a quarter already open.
        """
        if self.finished:
            return False
        if self.quarter_open:
            if events is not None:
                raise ValueError(f"the news of {self.label} is already out: events come too late")
            return False
        chosen = None if events is None else self._chosen_events(events)
        self.news = []
        self.negotiation.new_quarter()
        self._neg_version += 1
        self._age_events()
        drawn = self._draw_events()  # always drawn, so later quarters' dice stay the same
        draws = drawn if chosen is None else chosen
        self.quarter_open = True
        if self.recorder is not None:  # (the record is made only for a recorder to take)
            self._record(
                {
                    "type": "quarter_open",
                    "q": self.quarter_index,
                    "label": self.label,
                    "chosen": chosen is not None,
                    "events": [d.to_json() for d in draws],
                }
            )
        self._fire(draws)
        self.touch_all()
        self._bot_offers()
        return True

    def _close_quarter(self) -> None:
        """Operations, accounting, scores and data; then the clock moves on a quarter."""
        model = cast("FabRaceModel", self)  # the mixins are parts of it and nothing else
        model.touches_held(True)  # every actor is touched below; no cache is read till then
        try:
            run_operations(model)
            for a in self.actor_list:
                update_tallies(model, a)
            for a in self.actor_list:  # scenario order, the order of model.agents
                a.close_books()
        finally:
            model.touches_held(False)
        self.touch_all()
        model.valuations_fixed(True)  # scoring changes no figure a valuation reads
        reference = self.spec.scoring.reference
        try:
            for a in self.actor_list:
                breakdown = a.score_breakdown = score_actor(model, a)
                score = a.score = math.fsum(breakdown.values())
                ref = reference.get(a.role)
                a.raw_score = score if ref is None else score * ref.sd + ref.mean
        finally:
            model.valuations_fixed(False)
        self.datacollector.collect(self)
        if self.recorder is not None:
            self._record(
                {
                    "type": "quarter_end",
                    "q": self.quarter_index,
                    "label": self.label,
                    "digest": self.digest(),
                }
            )
        self.orders = []
        self.moves_made = {}
        self.market.advance(self.rng_market, self.modifiers)
        self.quarter_index += 1
        self.ledger.quarter = self.quarter_index
        self.quarter_open = False
        if self.quarter_index >= self.n_quarters:
            self.finished = True
            self.running = False
            self.negotiation.new_quarter()
            self._neg_version += 1
            self.touch_all()
