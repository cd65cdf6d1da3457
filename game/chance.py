"""Chance: the quarter's news, drawn from the event deck or chosen by the caller.

In the manner of OpenSpiel's chance nodes, the engine says what may happen and with what odds
(:meth:`ChanceMixin.event_odds`), and a caller may choose the outcome instead of drawing it
(``open_quarter(events=[...])`` / ``step(events=[...])``). A draw goes card by card through the
scenario's deck: a card fires with ``1 - (1 - p_year) ** 0.25``; an AI demand shock is a rise or
a fall with even odds; an event aimed at an actor picks one of the eligible actors with equal odds.

The draw is always made, even when the caller chooses the events (and then discarded), so that
the random draws of later quarters are the same as in the game left to chance: forcing a blockade
in one quarter changes nothing else the dice say.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from game.actors import Actor, Designer, Investor
from game.events import EVENT_KINDS, ActiveEvent, Modifiers, fold_modifiers, quarterly_probability

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.scenario import EventSpec, ScenarioSpec

__all__ = ["DEFAULT_DURATION", "ChanceMixin", "EventDraw", "uniform"]

#: Duration (quarters) of a chosen event whose kind is not in the scenario's deck.
DEFAULT_DURATION = 4

#: 2 ** -53: the step between the doubles :func:`uniform` makes of a draw's top 53 bits.
_DOUBLE_STEP = 1.0 / 9007199254740992.0


def uniform(rng: np.random.Generator) -> float:
    """``rng.random()`` of a generator on numpy's ``PCG64`` (``default_rng``'s): the same double
    from the same 64-bit draw (its top 53 bits, as numpy's ``next_double`` makes it), the stream
    moved on alike, for about half the machine's work (a hot path: each card of the deck, each
    quarter; a test checks the two agree).
    """
    draw: int = rng.bit_generator.random_raw()
    return (draw >> 11) * _DOUBLE_STEP


@dataclass(frozen=True)
class EventDraw:
    """One event of a quarter's news: drawn from the deck, or chosen by the caller.

    Attributes:
        kind: an event kind (see :data:`game.events.EVENT_KINDS`).
        target: the actor it is aimed at, for kinds aimed at one (else None).
        magnitude: its size (e.g. 0.3 = 30 %); negative for a falling demand shock.
        duration: quarters in force (0: permanent).
    """

    kind: str
    target: str | None
    magnitude: float
    duration: int

    def to_json(self) -> dict[str, Any]:
        """The draw as a JSON-ready dict (as the game log records it)."""
        return {
            "kind": self.kind,
            "target": self.target,
            "magnitude": self.magnitude,
            "duration": self.duration,
        }


class ChanceMixin:
    """The event deck of a :class:`~game.model.FabRaceModel`: odds, draws and their effects."""

    spec: ScenarioSpec
    actor_list: list[Actor]
    actors_by_name: dict[str, Actor]
    rng_events: np.random.Generator
    active_events: list[ActiveEvent]
    modifiers: Modifiers
    news: list[str]
    chronicle: list[tuple[str, str]]
    event_log: list[dict[str, Any]]
    quarter_index: int
    _events_version: int
    _cache: dict[Any, Any]

    if TYPE_CHECKING:

        @property
        def label(self) -> str: ...
        def is_gulf(self, a: Actor) -> bool: ...
        def _record(self, rec: dict[str, Any]) -> None: ...

        recorder: Callable[[dict[str, Any]], None] | None

    # ------------------------------------------------------------------ odds
    def event_odds(self) -> list[dict[str, Any]]:
        """The odds of each card of the deck for the coming draw, in deck order.

        Each entry: ``card`` (its index in the deck), ``kind``, ``title``, ``probability`` (that
        it fires this quarter), ``magnitude``, ``duration``, ``signs`` (``{+1: p, -1: p}``: an AI
        demand shock rises or falls with even odds; others always +1) and ``targets`` (actor
        name → probability, for kinds aimed at an actor; empty if none is eligible, in which
        case a card aimed at an investor cannot fire). Targets are those eligible now; a card
        that fires earlier in the same draw can change them (a licence granted by one card is
        not granted again by the next).
        """
        out = []
        for i, card in enumerate(self.spec.events):
            kind = EVENT_KINDS[card.kind]
            mag = kind.magnitude if card.magnitude is None else card.magnitude
            targets = [a.name for a in self._eligible(card.kind, set())]
            if card.at is not None:  # scheduled: certain in its quarter, impossible elsewhere
                p = 1.0 if card.at == self.label else 0.0
                if card.target is not None or targets:
                    targets = [card.target or targets[0]]
            else:
                p = quarterly_probability(card.p_year)
            entry: dict[str, Any] = {
                "card": i,
                "kind": card.kind,
                "title": kind.title,
                "scheduled": card.at,
                "probability": p,
                "magnitude": mag,
                "duration": card.duration,
                "signs": {1: 0.5, -1: 0.5}
                if card.kind == "demand_shock" and card.at is None
                else {1: 1.0},
                "targets": {n: 1.0 / len(targets) for n in targets},
            }
            if kind.target_role == "investor" and not targets:
                entry["probability"] = 0.0
            out.append(entry)
        return out

    def _eligible(self, kind: str, licensed: set[str]) -> list[Actor]:
        """The actors an event of ``kind`` may be aimed at now (none if it aims at no one)."""
        role = EVENT_KINDS[kind].target_role
        if role is None:
            return []
        cands = [a for a in self.actor_list if a.role == role and not a.insolvent]
        if kind == "gulf_licence":
            cands = [
                a
                for a in cands
                if isinstance(a, Investor)
                and self.is_gulf(a)
                and not a.licence
                and a.name not in licensed
            ]
        elif kind == "competitor_leapfrog":
            if len(cands) < 2:
                return []
            designers = [a for a in cands if isinstance(a, Designer)]  # all of them: the role
            leader = max(designers, key=lambda d: d.market_share)
            cands = [d for d in cands if d is not leader]
        return cands

    # ------------------------------------------------------------------ draws
    def _draw_events(self) -> list[EventDraw]:
        """Draw this quarter's events from the deck with the game's event stream."""
        rng = self.rng_events
        out: list[EventDraw] = []
        licensed: set[str] = set()
        for card, p in self._drawn_cards():
            if uniform(rng) >= p:  # rng.random()
                continue
            kind = EVENT_KINDS[card.kind]
            mag = kind.magnitude if card.magnitude is None else card.magnitude
            if card.kind == "demand_shock" and uniform(rng) < 0.5:
                mag = -mag
            cands = self._eligible(card.kind, licensed)
            target = cands[int(rng.integers(len(cands)))].name if cands else None
            if kind.target_role == "investor" and target is None:
                continue  # nobody to grant a licence to
            if card.kind == "gulf_licence" and target is not None:
                licensed.add(target)
            out.append(EventDraw(card.kind, target, mag, card.duration))
        return out + self._scheduled_events(licensed)

    def _drawn_cards(self) -> list[tuple[EventSpec, float]]:
        """The deck's cards that are drawn (scheduled ones are not: see
        :meth:`_scheduled_events`), each with its odds a quarter; the deck never changes, so
        they are worked out once a game (a cache: never saved)."""
        cards: list[tuple[EventSpec, float]] | None = self._cache.get("drawn_cards")
        if cards is None:
            cards = [(c, quarterly_probability(c.p_year)) for c in self.spec.events if c.at is None]
            self._cache["drawn_cards"] = cards
        return cards

    def _scheduled_events(self, licensed: set[str]) -> list[EventDraw]:
        """The scenario's events scheduled for this quarter, in deck order.

        A scheduled card aimed at an actor hits its ``target``, or the first eligible actor; one
        with no eligible actor left (a licence already granted) does not fire.
        """
        out: list[EventDraw] = []
        label = self.label
        for card in self.spec.events:
            if card.at != label:
                continue
            kind = EVENT_KINDS[card.kind]
            mag = kind.magnitude if card.magnitude is None else card.magnitude
            target = None
            if kind.target_role is not None:
                eligible = [a.name for a in self._eligible(card.kind, licensed)]
                target = card.target if card.target in eligible else None
                if target is None and card.target is None and eligible:
                    target = eligible[0]
                if target is None:
                    continue
            if card.kind == "gulf_licence" and target is not None:
                licensed.add(target)
            out.append(EventDraw(card.kind, target, mag, card.duration))
        return out

    def _chosen_events(self, events: Iterable[Any]) -> list[EventDraw]:
        """Read the caller's events: kind names, mappings or :class:`EventDraw` s.

        A kind alone takes its card's magnitude and duration (the first card of that kind in the
        deck; else the kind's magnitude and :data:`DEFAULT_DURATION` quarters) and, if it aims at
        an actor, the first eligible one in scenario order.

        Raises:
            ValueError: for an unknown kind, an ineligible target, or a malformed entry.
        """
        if isinstance(events, str | bytes | Mapping):
            raise ValueError("events must be a list of event kinds or event records")
        out: list[EventDraw] = []
        licensed: set[str] = set()
        for e in events:
            if isinstance(e, EventDraw):
                e = e.to_json()
            elif isinstance(e, str):
                e = {"kind": e}
            if not isinstance(e, Mapping):
                raise ValueError(f"an event must be a kind name or a record, not {e!r}")
            unknown = set(e) - {"kind", "target", "magnitude", "duration"}
            if unknown:
                raise ValueError(f"unknown field(s) in an event: {', '.join(sorted(unknown))}")
            kind = e.get("kind")
            if kind not in EVENT_KINDS:
                raise ValueError(
                    f"unknown event kind {kind!r} (kinds: {', '.join(sorted(EVENT_KINDS))})"
                )
            card = next((c for c in self.spec.events if c.kind == kind), None)
            mag = e.get("magnitude")
            if mag is None:
                mag = EVENT_KINDS[kind].magnitude
                if card is not None and card.magnitude is not None:
                    mag = card.magnitude
            dur = e.get("duration")
            if dur is None:
                dur = card.duration if card is not None else DEFAULT_DURATION
            if isinstance(mag, bool) or not isinstance(mag, int | float) or not math.isfinite(mag):
                raise ValueError(f"{kind}: magnitude must be a finite number, not {mag!r}")
            if isinstance(dur, bool) or not isinstance(dur, int) or not 0 <= dur <= 400:
                raise ValueError(f"{kind}: duration must be a whole number of quarters, 0-400")
            cands = self._eligible(kind, licensed)
            target = e.get("target")
            if EVENT_KINDS[kind].target_role is None:
                if target is not None:
                    raise ValueError(f"{kind} is not aimed at an actor (target {target!r})")
            elif target is None:
                if not cands:
                    raise ValueError(f"{kind}: no actor is eligible now")
                target = cands[0].name
            elif target not in {a.name for a in cands}:
                raise ValueError(
                    f"{kind}: {target!r} is not eligible now "
                    f"(eligible: {', '.join(a.name for a in cands) or 'none'})"
                )
            if kind == "gulf_licence":
                assert target is not None  # a licence is aimed at an investor, named above
                licensed.add(target)
            out.append(EventDraw(kind, target, float(mag), int(dur)))
        return out

    def _fire(self, draws: list[EventDraw]) -> None:
        """Put the quarter's events in force, in the news and in the log."""
        for d in draws:
            kind = EVENT_KINDS[d.kind]
            ev = ActiveEvent(
                d.kind,
                self.quarter_index,
                d.duration if d.duration > 0 else -1,
                d.magnitude,
                d.target,
            )
            if d.kind == "gulf_licence" and d.target is not None:
                target = self.actors_by_name[d.target]
                assert isinstance(target, Investor)
                target.licence = True
            if d.duration > 0 and kind.apply.__name__ != "_noop":
                self.active_events.append(ev)
            text = ev.describe()
            self.news.append(text)
            self.chronicle.append((self.label, text))
            self.event_log.append(
                {
                    "quarter": self.label,
                    "kind": d.kind,
                    "target": d.target,
                    "magnitude": round(d.magnitude, 6),
                    "duration": d.duration,
                    "description": text,
                }
            )
            self._record(
                {
                    "type": "event",
                    "q": self.quarter_index,
                    "kind": d.kind,
                    "target": d.target,
                    "description": text,
                }
            )
        self.modifiers = fold_modifiers(self.active_events)
        self._events_version += 1

    def _age_events(self) -> None:
        """A quarter passes for the events in force: those whose time is up end."""
        still: list[ActiveEvent] = []
        for ev in self.active_events:
            if ev.remaining < 0:
                still.append(ev)
            elif ev.remaining > 1:
                ev.remaining -= 1
                still.append(ev)
        self.active_events = still
