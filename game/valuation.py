"""Valuation: what actors and their books are worth, and what they still owe or have free.

Public valuations (cash plus a revenue multiple by role; an investor's net asset value), the
backlog a designer still has to deliver, a foundry's capacity not yet promised, and each actor's
centrality on the partnership graph (share of active contract value).
"""

from __future__ import annotations

import bisect
import itertools
import operator
from typing import TYPE_CHECKING, Any

from game.actors import Actor, Foundry, Investor, Lab
from game.contracts import Contract, ContractStatus
from game.deals import CapacityTerms, DealKind
from game.events import GULF_COUNTRIES

if TYPE_CHECKING:
    from game.graph import PartnershipGraph
    from game.ledger import Ledger
    from game.markets import Market
    from game.scenario import RulesSpec

__all__ = ["ValuationMixin"]

_ID = operator.attrgetter("id")
_BACKLOG_KINDS = (DealKind.SUPPLY, DealKind.VENDOR_FINANCING)  # contracts a designer delivers


def _selection_keys(c: Contract) -> tuple[tuple[Any, ...], ...]:
    """The keys of every selection of :meth:`ValuationMixin._selection` a contract is in (a key
    twice if its parties are one: adding and dropping it are done once all the same)."""
    k, f, s = c.kind, c.first, c.second
    either = "either side"
    return (
        *itertools.product((k, None), (f, None), (s, None)),  # (kind, first, second), None: any
        (either, k, f),
        (either, k, s),
        (either, None, f),
        (either, None, s),
    )


class ValuationMixin:
    """Figures derived from the books of a :class:`~game.model.FabRaceModel`."""

    actor_list: list[Actor]
    actors_by_name: dict[str, Actor]
    ledger: Ledger
    contracts: dict[int, Contract]
    rules: RulesSpec
    market: Market
    graph: PartnershipGraph
    _cache: dict[Any, Any]
    _version: int
    _contracts_version: int
    _actor_version: dict[str, int]

    def alive(self, cls: type[Actor]) -> list[Any]:
        """Actors of a role class that are not insolvent, in scenario order (a new list).

        Remembered until an actor becomes insolvent (see ``make_insolvent``, which forgets
        them): the only way the answer can change.
        """
        memo: dict[type[Actor], list[Actor]] = self._cache.setdefault("alive", {})
        chosen = memo.get(cls)
        if chosen is None:
            chosen = memo[cls] = [
                a for a in self.actor_list if isinstance(a, cls) and not a.insolvent
            ]
        return list(chosen)

    @staticmethod
    def is_gulf(a: Actor) -> bool:
        """Whether an actor's home is a Gulf state (export licences apply)."""
        return a.country in GULF_COUNTRIES

    def active_contracts(
        self, kind: DealKind | None = None, *, first: str | None = None, second: str | None = None
    ) -> list[Contract]:
        """Active contracts, oldest first, optionally of one kind and party (a new list).

        Each selection is remembered, and kept up to date as contracts are signed and end (the
        only ways the answer can change; see :meth:`_selections_signed` and
        :meth:`_selections_ended`). So the cost does not grow with the contracts of the past.
        """
        return list(self._selection((kind, first, second)))

    def _selection(self, key: tuple[Any, ...]) -> list[Contract]:
        """The active contracts of a selection, oldest first, shared (the caller must not
        change the list): ``(kind, first, second)`` (None: any), or ``("either side", kind,
        party)``."""
        index: dict[tuple[Any, ...], list[Contract]] | None = self._cache.get("active_contracts")
        if index is None:  # a new game, a copy or a restored one: remembered from now on
            index = self._cache["active_contracts"] = {}
        else:
            chosen = index.get(key)
            if chosen is not None:
                return chosen
        active = ContractStatus.ACTIVE
        if key[0] == "either side":
            _, kind, party = key
            first = second = None
        else:
            kind, first, second = key
            party = None
        chosen = index[key] = [
            c
            for c in self.contracts.values()
            if c.status == active
            and (kind is None or c.kind == kind)
            and (first is None or c.first == first)
            and (second is None or c.second == second)
            and (party is None or c.first == party or c.second == party)
        ]
        return chosen

    def _selections_signed(self, c: Contract) -> None:
        """Add a contract just signed (the newest: last in order) to the remembered selections
        it belongs to. Called as it enters ``contracts`` (a selection made since has it)."""
        index = self._cache.get("active_contracts")
        if index:
            for key in _selection_keys(c):
                chosen = index.get(key)
                if chosen is not None and (not chosen or chosen[-1] is not c):
                    index[key] = [*chosen, c]  # a new list: callers may hold the old

    def _selections_ended(self, c: Contract) -> None:
        """Drop a contract that is no longer active from the remembered selections it is in
        (statuses go only from active to ended: it never comes back)."""
        index = self._cache.get("active_contracts")
        if index:
            cid = c.id
            for key in _selection_keys(c):
                chosen = index.get(key)
                if chosen is not None:
                    # found by its id (a selection is in the order of the ids), so that no
                    # Python-level comparison runs over a long selection
                    i = bisect.bisect_left(chosen, cid, key=_ID)
                    if i < len(chosen) and chosen[i] is c:
                        index[key] = chosen[:i] + chosen[i + 1 :]  # a new list, as above
                    elif c in chosen:  # out of order (never so): by a walk instead
                        index[key] = [x for x in chosen if x is not c]

    def _active_of(self, kind: DealKind, party: str) -> list[Contract]:
        """Active contracts of ``kind`` that ``party`` is either side of, oldest first (the
        order of :meth:`active_contracts`). Remembered as its selections are, and shared: the
        caller must not change the list."""
        return self._selection(("either side", kind, party))

    def ai_market_compute(self) -> float:
        """kH100e serving AI customers: every solvent lab's, and the outside world's."""
        memo: list[float] | None = self._cache.get("ai_market_compute")
        if memo:  # a stretch in which it cannot change: worked out once (see compute_fixed)
            return memo[0]
        outside = self.market.spec.outside_ai_compute * self.market.ai_index
        total = outside + sum(a.served for a in self.alive(Lab))
        if memo is not None:
            memo.append(total)
        return total

    def compute_fixed(self, fixed: bool) -> None:
        """Start (``True``) or end a stretch in which no lab's served compute changes (the
        quarter's running flows, which only move money), so that :meth:`ai_market_compute`, which
        each lab's revenue reads, is worked out once in it rather than once a lab."""
        if fixed:
            self._cache["ai_market_compute"] = []
        else:
            self._cache.pop("ai_market_compute", None)

    def uncommitted_capacity(self, foundry: str) -> float:
        """k wafers a quarter of a foundry's capacity (built or building) not yet promised.

        95 % of the capacity, less what capacity contracts and joint-venture partners are owed.
        """
        f = self.actors_by_name[foundry]
        assert isinstance(f, Foundry)
        # A fab's capacity and partner are fixed when it is added, and fabs are only ever
        # added: the totals over them are kept until a foundry has another fab. What is
        # promised reads only the foundry's active capacity contracts, a selection that is
        # made anew (never changed in place) when one is signed or ends: the answer is kept
        # while both the fabs' count and that list (compared by identity) are the same.
        n = len(f.fabs)
        contracts = self._selection((DealKind.CAPACITY, None, foundry))
        memo: dict[str, tuple[int, float, float, list[Contract], float]]
        memo = self._cache.setdefault("fab_totals", {})
        hit = memo.get(foundry)
        if hit is not None and hit[0] == n and hit[3] is contracts:
            return hit[4]
        if hit is None or hit[0] != n:
            total = f.capacity(producing_only=False)
            jv = sum(fab.capacity * fab.partner_output_share for fab in f.fabs if fab.partner)
        else:
            total, jv = hit[1], hit[2]
        promised = sum(c.terms_as(CapacityTerms).wafers for c in contracts)
        free = total * 0.95 - promised - jv
        free = free if free > 0.0 else 0.0  # max(0.0, free), without the call
        memo[foundry] = (n, total, jv, contracts, free)
        return free

    def backlog_value(self, designer: str) -> float:
        """$B of accelerators a designer still has to deliver under contract."""
        out = 0.0
        # its active contracts of any kind (shared, not copied), in order: the same additions
        for c in self._selection(("either side", None, designer)):
            if c.kind in _BACKLOG_KINDS:
                t: Any = c.terms
                out += t.quantity * (t.quarters - c.quarters_done) * t.price / 1000.0
        return out

    def valuation(self, a: Actor) -> float:
        """Public valuation of an actor's equity ($B), from its cash and revenue."""
        memo: dict[str, float] | None = self._cache.get("valuations")
        if memo is None:
            return self._valuation(a)
        # Figures are being read while nothing changes (see valuations_fixed): once an actor.
        v = memo.get(a.name)
        if v is None:
            if isinstance(a, Investor):
                v = self._valuation(a)  # its stakes' values move with other actors' figures
            else:
                # A company's value reads only its cash, its last quarter's books and its
                # revenue history (both made anew when the books close, never changed in
                # place), a lab's revenue run-rate and whether it is insolvent: kept from one
                # stretch to the next while they are the same. (Not its version: that moves
                # with every touch, and with those of the companies it holds stakes in, which
                # leave its value as it was.)
                kept = self._cache.setdefault("company_values", {})
                key = (
                    self.ledger.balances[a.name],
                    a.last_pnl,
                    a.revenue_history,
                    a.__dict__.get("revenue_run_rate"),  # a lab's (its annual revenue)
                    a.insolvent,
                )
                hit = kept.get(a.name)
                if hit is not None and hit[0] == key:
                    v = hit[1]
                else:
                    v = self._valuation(a)
                    kept[a.name] = (key, v)
            memo[a.name] = v
        return v

    def valuations_fixed(self, fixed: bool) -> None:
        """Start (``True``) or end a stretch in which nothing changes, so that each actor's
        valuation is worked out once in it (an investor's holds every stake it has), and a
        company's is kept from one stretch to the next while its figures stay put."""
        if fixed:
            self._cache["valuations"] = {}
        else:
            self._cache.pop("valuations", None)

    def _valuation(self, a: Actor) -> float:
        r = self.rules
        if isinstance(a, Investor):
            v = self.net_asset_value(a)
        else:
            role = a.role
            if role == "lab":
                full, mature = r.lab_multiple, r.lab_multiple_mature
            elif role == "designer":
                full, mature = r.designer_multiple, r.designer_multiple_mature
            elif role == "foundry":
                full, mature = r.foundry_multiple, r.foundry_multiple_mature
            else:
                raise KeyError(role)
            v = a.cash + self.multiple(full, mature, a.growth()) * a.annual_revenue()
        # comparisons, not max(): the same value, far fewer instructions (a hot path)
        return 0.0 if a.insolvent or not v > 0.0 else v

    def multiple(self, full: float, mature: float, growth: float) -> float:
        """The revenue multiple of a company growing ``growth`` a year.

        It falls from ``full`` (growth of ``full_multiple_growth`` or more) to ``mature`` (no
        growth) as growth slows, as markets price growth (OpenAI's 2024 round valued ~26x a
        run-rate that had tripled; mature chip companies trade at a fraction of that).
        """
        x = growth / self.rules.full_multiple_growth
        # clamped to [0, 1] by comparisons, not min()/max(): the same value, far fewer
        # instructions (a hot path: every company's value reads it)
        x = x if x > 0.0 else 0.0
        x = x if x < 1.0 else 1.0
        return mature + (full - mature) * x

    def net_asset_value(self, inv: Investor) -> float:
        """An investor's cash, stakes, loans and campus at today's values ($B)."""
        v = self.ledger.balances[inv.name]  # inv.cash
        by_name = self.actors_by_name
        # valuation(target), its memo of a fixed stretch read here first (a hot path: investors
        # value every company they hold each time their figures are shown)
        memo: dict[str, float] = self._cache.get("valuations") or {}
        for name, stake in inv.stakes.items():
            target = by_name[name]
            if not isinstance(target, Investor):
                value = memo.get(name)
                v += stake * (self.valuation(target) if value is None else value)
        for c in self._active_of(DealKind.LOAN, inv.name):
            if c.first == inv.name:
                v += c.outstanding
            elif c.second == inv.name:
                v -= c.outstanding
        v += inv.campus_gw * self.rules.campus_capex_per_gw * 0.5
        compute = inv.compute
        # its accelerators at half the reference price; with none (most investors most of the
        # time: a hot path) the term is the zero itself, added without working the price out
        v += compute * self.market.gpu_reference() / 1000.0 * 0.5 if compute else compute
        return v

    def centrality(self) -> dict[str, float]:
        """Share of active contract value touching each actor (cached until the graph changes)."""
        key = ("centrality", self._version)
        if self._cache.get("centrality_key") != key:
            self._cache["centrality_key"] = key
            self._cache["centrality"] = self.graph.centrality()
        return self._cache["centrality"]
