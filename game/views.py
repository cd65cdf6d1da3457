"""Views: what the engine shows — observations, public figures, contracts — built from caches.

Building an observation is the engine's hottest path (every policy call needs one), so each part
is cached under a counter of what it depends on: an actor's figures under its version (moved by
:meth:`~game.money.MoneyMixin.touch`), offers under the negotiation's version, contracts under
their count and status version, an actor's trust under the count of changes to it
(:meth:`~game.graph.PartnershipGraph.trust_changes`), and the rest under the quarter. Parts that
do not change are shared by every observation that shows them, and what every actor sees is
checked once an observation, under all its parts' versions together. Every part is plain read-only
data (see :mod:`game.observation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from game.actors import Actor, Foundry
from game.contracts import ContractStatus
from game.deals import NODES, SITES
from game.events import EVENT_KINDS, ActiveEvent, Modifiers
from game.legality import LegalDecisions, legal_decisions
from game.observation import (
    FrozenRules,
    Observation,
    ObservationDraft,
    carry_alive,
    freeze,
    note_parties,
)

if TYPE_CHECKING:
    from game.chronicle import Counters
    from game.contracts import Contract
    from game.graph import PartnershipGraph
    from game.markets import Market
    from game.model import FabRaceModel
    from game.negotiation import Negotiation, Offer
    from game.scenario import RulesSpec, ScenarioSpec

__all__ = ["ViewsMixin"]


def _frozen_figures(figures: dict[str, Any]) -> MappingProxyType[str, Any]:
    """``freeze(figures)`` for the fresh dict of an actor's public figures, made cheaply: its
    values are plain numbers, names and flags, but for a foundry's fabs (a list of tuples of
    plain values). (A test checks that every part of an observation is read-only.)"""
    fabs = figures.get("fabs")
    if fabs is not None:
        # A foundry's fabs are a list of tuples of plain values, which freeze() would turn
        # into the tuple of the same tuples: made directly (anything else is frozen).
        # (a list comprehension, not a generator: cheaper for these few items)
        plain = all([type(f) is tuple for f in fabs])
        figures["fabs"] = tuple(fabs) if plain else freeze(fabs)
    return MappingProxyType(figures)


def _frozen_private(figures: dict[str, Any]) -> dict[str, Any]:
    """``freeze(figures)`` (as a dict) for the fresh dict of what only an actor sees, made
    cheaply: its values are plain values or fresh flat dicts of numbers (stakes, last quarter's
    flows, ...), which need only a read-only view. (A test checks that every part of an
    observation is read-only.)"""
    for k, v in figures.items():
        t = type(v)
        if t is dict:
            figures[k] = MappingProxyType(v)  # only values change: the dict keeps its keys
        elif t is not float and t is not int and t is not str and v is not None:
            figures[k] = freeze(v)
    return figures


class ViewsMixin:
    """Observations and public views of a :class:`~game.model.FabRaceModel`."""

    spec: ScenarioSpec
    rules: RulesSpec
    market: Market
    modifiers: Modifiers
    active_events: list[ActiveEvent]
    actor_list: list[Actor]
    actors_by_name: dict[str, Actor]
    contracts: dict[int, Contract]
    graph: PartnershipGraph
    negotiation: Negotiation
    counters: Counters
    news: list[str]
    quarter_index: int
    n_quarters: int
    _cache: dict[Any, Any]
    _version: int
    _actor_version: dict[str, int]
    _neg_version: int
    _contracts_version: int
    _events_version: int  # moved whenever the events in force (and so the modifiers) change

    if TYPE_CHECKING:

        @property
        def label(self) -> str: ...
        def actor(self, name: str) -> Actor: ...
        def uncommitted_capacity(self, foundry: str) -> float: ...
        def fab_capex(self, node: str, site: str, capacity: float) -> float: ...
        def build_quarters(self, site: str) -> int: ...
        def valuations_fixed(self, fixed: bool) -> None: ...

    def observe(self, name: str) -> Observation:
        """What actor ``name`` sees now (read-only plain data).

        Built from a few caches, each kept for as long as what it depends on has not changed:
        what every actor sees (see :meth:`_shown_to_all`), the actor's books (its version),
        what it knows of trust (the changes to its trust) and its offers (the negotiation's
        version).
        """
        a = self.actors_by_name.get(name)
        if a is None:
            a = self.actor(name)  # (raises, saying what is wrong)
        c = self._cache
        # What every actor sees, checked once here under the versions of all its parts (the
        # parts have caches of their own, under fewer versions: see _shown_to_all).
        key = (
            self._version,
            self._events_version,
            self.quarter_index,
            len(self.contracts),
            self._contracts_version,
        )
        shared = c.get("shown_to_all")
        if shared is None or shared[0] != key:
            shared = c["shown_to_all"] = (key, self._shown_to_all())
        (
            quarter,
            label,
            quarters_left,
            public,
            market,
            free_capacity,
            contracts,
            news,
            rules,
            market_params,
            events,
            modifiers,
            build_costs,
        ) = shared[1]
        # What this actor alone sees, each part with the version it was made under: [books'
        # version, books, trust changes, trust in others, trust of others, the negotiation's
        # version, inbox, sent, open offers waiting for its answer].
        mine: list[Any] | None = c.get(("observe", name))
        if mine is None:
            mine = c[("observe", name)] = [None, None, None, None, None, None, None, None, None]
        av = self._actor_version.get(name, 0)
        if mine[0] != av:
            # {**public[name], **private}, made faster: a mapping proxy's copy() is its dict's,
            # copied in C (unpacking a proxy reads it key by key)
            books = public[name].copy()
            books.update(_frozen_private(a.private()))
            mine[1] = MappingProxyType(books)
            mine[0] = av
        tv = self.graph.trust_changes(name)
        if mine[2] != tv:
            # Trust is a number between 0 and 1 for each other actor: nothing to freeze inside.
            graph = self.graph
            mine[3] = MappingProxyType(graph.trust_from(name))
            mine[4] = MappingProxyType(graph.trust_of(name))
            mine[2] = tv
        nv = self._neg_version
        if mine[5] != nv:
            view = self._offer_view
            mine[8] = waiting = self.negotiation.inbox(name)
            mine[6] = tuple(map(view, waiting))
            mine[7] = tuple(map(view, self.negotiation.sent(name)))
            mine[5] = nv
        _, books, _, trust_in, trusted_by, _, inbox, sent, waiting = mine
        obs: Any = ObservationDraft()  # an Observation, made faster (see ObservationDraft)
        obs.actor = a.name
        obs.role = a.role
        obs.quarter = quarter
        obs.label = label
        obs.quarters_left = quarters_left
        obs.books = books
        obs.public = public
        obs.market = market
        obs.contracts = contracts
        obs.trust_in = trust_in
        obs.trusted_by = trusted_by
        obs.news = news
        obs.inbox = inbox
        obs.sent = sent
        obs.legal = legal_decisions(cast("FabRaceModel", self), a, waiting)
        obs.rules = rules
        obs.market_params = market_params
        obs.events = events
        obs.modifiers = modifiers
        obs.free_capacity = free_capacity
        obs.build_costs = build_costs
        return obs.done()

    def _shown_to_all(self) -> tuple[Any, ...]:
        """What every actor sees now, in :meth:`observe`'s order: the quarter, its label and
        the quarters left; the public figures, the market and free capacity (under the version
        of anything public); the contracts (their count, status version and the quarter); the
        news (the version of anything public); the rules, market parameters, events, modifiers
        and build costs (the events' version)."""
        pub = self._public()
        q = self.quarter_index
        hit = self._cache.get("quarter_data")
        if hit is None or hit[0] != self._events_version:
            hit = self._cache["quarter_data"] = (self._events_version, self._quarter_data())
        return (
            q,
            self.label,
            left if (left := self.n_quarters - q) > 0 else 0,  # max(0, left), without the call
            pub["actors"],
            pub["market"],
            pub["free_capacity"],
            self._contract_views(),
            tuple(self.news),
            *hit[1],
        )

    def _offer_view(self, o: Offer) -> Any:
        """An offer's read-only record, made once for each status it has (the rest of an offer
        never changes)."""
        memo = self._cache.get("offer_views")
        if memo is None or memo[0] != self.quarter_index:  # offers live one quarter
            memo = self._cache["offer_views"] = (self.quarter_index, {})
        views: dict[int, tuple[str, Any]] = memo[1]
        hit = views.get(o.id)
        if hit is None or hit[0] != o.status:
            hit = views[o.id] = (o.status, freeze(o.view()))
        return hit[1]

    def _quarter_data(self) -> tuple[Any, ...]:
        """What changes only with the events in force: rules, market parameters, events,
        modifiers and build costs, as shown to policies."""
        c = self._cache
        fixed = c.get("scenario_data")  # the scenario's rules and market never change
        if fixed is None:
            fixed = (FrozenRules(self.rules.model_dump()), freeze(self.spec.market.model_dump()))
            c["scenario_data"] = fixed
        return (*fixed, self._event_views(), self._modifiers_view(), self._build_costs_now())

    def _modifiers_view(self) -> Any:
        """The modifiers in force, as shown: the last view while the modifiers are the same
        (events come and go; most quarters fold to the modifiers of the one before)."""
        mods = self.modifiers
        last = self._cache.get("modifiers")
        # (a view equals the modifiers' own fields when the values are the same: a mapping
        # proxy compares as the mapping it shows, share_boost included)
        if last is None or last != vars(mods):
            last = freeze({f.name: getattr(mods, f.name) for f in fields(mods)})
            self._cache["modifiers"] = last
        return last

    def legal(self, name: str) -> LegalDecisions:
        """The decisions legal for actor ``name`` now."""
        model = cast("FabRaceModel", self)  # the mixins are parts of it and nothing else
        return legal_decisions(model, self.actor(name))

    def cached(self, key: Any, version: Any, make: Callable[[], Any]) -> Any:
        """``make()``'s value, remembered under ``key`` for as long as ``version`` is the same."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = make()
        self._cache[key] = (version, value)
        return value

    _cached = cached

    def offer(self, offer_id: int) -> Any:
        """The current record of an offer (its status shows a bot's answer).

        Raises:
            KeyError: if there is no such offer.
        """
        try:
            return freeze(self.negotiation.offers[offer_id].view())
        except KeyError:
            raise KeyError(f"no offer {offer_id!r}") from None

    def _public(self) -> dict[str, Any]:
        """Everyone's public figures, the market and free capacity, as read-only data.

        Rebuilt only when something public changed, and then only for the actors whose figures
        changed since (``touch`` notes them): the cost does not grow with the number of actors.
        """
        c = self._cache
        if c.get("public_version") == self._version:
            return c["public"]
        c["public_version"] = self._version
        actors: dict[str, Any] | None = c.get("public_actors")
        dirty: set[str] | None = c.get("dirty")
        shown = c.get("public")
        if actors is None or dirty is None or shown is None:
            actors = {a.name: _frozen_figures(a.public()) for a in self.actor_list}
            shown = None
        elif dirty:
            old = actors
            actors = dict(actors)  # a new mapping: observations already made keep theirs
            by_name = self.actors_by_name
            c["valuations"] = {}  # valuations_fixed(True): shareholders value the same companies
            try:
                for name in dirty:
                    actors[name] = _frozen_figures(by_name[name].public())
            finally:
                c.pop("valuations", None)  # valuations_fixed(False)
        c["public_actors"] = actors
        c["dirty"] = set()
        shown_actors = MappingProxyType(actors) if shown is None or dirty else shown["actors"]
        if (
            shown is not None
            and dirty
            and all([actors[n]["insolvent"] == old[n]["insolvent"] for n in dirty])
        ):
            # the same actors are in business: policies' index of them still holds
            carry_alive(shown["actors"], shown_actors)
        c["public"] = {
            "actors": shown_actors,
            "market": self._market_view(),
            "free_capacity": self._free_capacities(),
        }
        return c["public"]

    def _market_view(self) -> Any:
        """The market's indices and reference prices, as shown (they move once a quarter)."""
        hit = self._cache.get("market")
        if hit is not None and hit[0] == self.quarter_index:
            return hit[1]
        view = freeze(
            {
                **self.market.snapshot(),
                "wafer_reference_price": self.market.wafer_reference(self.modifiers),
            }
        )
        self._cache["market"] = (self.quarter_index, view)
        return view

    def _free_capacities(self) -> MappingProxyType[str, float]:
        """The capacity each foundry in business has not yet promised, remembered until a
        contract is signed or changes status, a fab is added, or a foundry goes insolvent.

        Free capacity reads only a foundry's fabs (their nameplate capacity and joint-venture
        shares, fixed when a fab is added: fabs are only ever added) and the active capacity
        contracts, so payments, which move the foundry's version, leave it as it is.
        """
        foundries = self.foundries()
        key = (
            len(self.contracts),
            self._contracts_version,
            self.counters.values.get("insolvencies", 0),
            *[len(f.fabs) for f in foundries],
        )
        hit = self._cache.get("free_capacity")
        if hit is not None and hit[0] == key:
            return hit[1]
        free = MappingProxyType({f.name: self.uncommitted_capacity(f.name) for f in foundries})
        self._cache["free_capacity"] = (key, free)
        return free

    def foundries(self) -> list[Foundry]:
        """The foundries still in business, in scenario order."""
        gone = self.counters.values.get("insolvencies", 0)  # only insolvency changes the list
        hit = self._cache.get("foundries")
        if hit is None or hit[0] != gone:
            alive = [a for a in self.actor_list if isinstance(a, Foundry) and not a.insolvent]
            hit = self._cache["foundries"] = (gone, alive)
        return list(hit[1])

    def _contract_views(self) -> tuple[Any, ...]:
        """Every contract's public record, oldest first.

        Rebuilt when a contract is signed or changes status and each quarter (the operations
        move deliveries and payments on), and then only in part: a contract's figures change
        only while it is active (in the operations, which end the quarter) and its status only
        through ``set_status``, which moves the version; so the records of the contracts that
        were active at the last build are made again, the new contracts' records are added, and
        the records of contracts completed or breached before stay as they are.
        """
        contracts = self.contracts
        n = len(contracts)
        key = (n, self._contracts_version, self.quarter_index)
        hit: Any = self._cache.get("contracts")
        if hit is not None and hit[0] == key:
            return hit[1]
        active = ContractStatus.ACTIVE
        every = list(contracts.values())
        if hit is None:
            views = [c.view() for c in every]
            live = [i for i, c in enumerate(every) if c.status == active]
            parties: dict[str, tuple[int, ...]] = {}
            new_from = 0
        else:
            old_key, old_views, old_live, parties = hit
            new_from = old_key[0]
            views = list(old_views)
            if old_key[1:] != key[1:]:  # statuses or the quarter moved on: the live may have
                for i in old_live:
                    views[i] = every[i].view()
                live = [i for i in old_live if every[i].status == active]
            else:  # only signings since: the records already made still hold
                live = list(old_live)
            for i in range(old_key[0], n):
                c = every[i]
                views.append(c.view())
                if c.status == active:
                    live.append(i)
        if new_from < n:  # a new dict (the last record's positions stay as they were)
            parties = dict(parties)
            for i in range(new_from, n):
                c = every[i]
                for party in (c.first, c.second):
                    parties[party] = (*parties.get(party, ()), i)
        record = tuple(views)
        self._cache["contracts"] = (key, record, live, parties)
        note_parties(record, parties)
        return record

    def _event_views(self) -> tuple[Any, ...]:
        """The events in force, as shown; each record is remembered under the figures it shows
        (an event's only change is its ``remaining`` quarters)."""
        memo: dict[tuple[Any, ...], Any] = self._cache.setdefault("event_views", {})
        out = []
        for ev in self.active_events:
            key = (ev.kind, ev.quarter, ev.remaining, ev.magnitude, ev.target)
            view = memo.get(key)
            if view is None:
                view = memo[key] = freeze(
                    {
                        "kind": ev.kind,
                        "title": EVENT_KINDS[ev.kind].title,
                        "quarter": ev.quarter,
                        "remaining": ev.remaining,
                        "magnitude": ev.magnitude,
                        "target": ev.target,
                        "description": ev.describe(),
                    }
                )
            out.append(view)
        return tuple(out)

    def _build_costs_now(self) -> Any:
        """The build costs shown now: they move only with the subsidies and delays in force,
        so each set of them is made once a game (events come and go)."""
        mods = self.modifiers
        memo: dict[tuple[float, int], Any] = self._cache.setdefault("build_costs", {})
        key = (mods.us_capex, mods.build_delay)
        costs = memo.get(key)
        if costs is None:
            costs = memo[key] = self._build_costs()
        return costs

    def _build_costs(self) -> Any:
        r, delay = self.rules, self.modifiers.build_delay
        return freeze(
            {
                "fab": {
                    site: {
                        node: {
                            "capex_per_kwafer": self.fab_capex(node, site, 1.0),
                            "build_quarters": self.build_quarters(site) + delay,
                            "cost_factor": SITES[site]["cost_factor"],
                        }
                        for node in NODES
                    }
                    for site in SITES
                },
                "packaging": {
                    "capex_per_kwafer": r.packaging_capex_per_kwafer,
                    "build_quarters": r.packaging_build_quarters,
                },
                "campus": {
                    "capex_per_gw": r.campus_capex_per_gw,
                    "build_quarters": r.campus_build_quarters + delay,
                },
                "chip_programme": {
                    "cost_per_quarter": r.chip_programme_cost,
                    "quarters": r.chip_programme_quarters,
                },
            }
        )
