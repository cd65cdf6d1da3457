"""The partnership graph: actors as nodes, signed contracts as edges, and trust between pairs.

A ``networkx.MultiDiGraph`` owned by the model. Each edge runs from a contract's first party
(investor, lender, buyer, partner, vendor) to its second and is keyed by the contract id; its data
are plain values (kind, terms, value, start, end, status) so that a frozen copy can be handed to
policies and drawn by the UI. Trust is kept per ordered pair: ``trust(a, b)`` is how far ``a``
trusts ``b``, in [0, 1].
"""

from __future__ import annotations

from typing import Any, NoReturn

import networkx as nx

__all__ = ["TRUST_RULES", "PartnershipGraph"]

#: How trust moves. Keys name the occasions the engine reports.
TRUST_RULES: dict[str, float] = {
    "honoured": +0.02,  # a quarter of obligations met in full
    "completed": +0.05,  # a contract served to its end
    "shortfall": -0.05,  # part of a quarter's obligation not met (plus up to -0.10 by size)
    "default": -0.30,  # a payment default or a contract broken off
    "reneged": -0.10,  # accepted an offer, then could not make the first payment
    "insolvent": -0.50,  # went insolvent with the contract open
}

#: The keys of the indexes in a graph's cache (no actor's name: tuples): the active contracts'
#: values, and each actor's trust given and received.
_ACTIVE = ("active contracts",)
_BY_ACTOR = ("trust by actor",)


class PartnershipGraph:
    """Contracts and trust between actors.

    Args:
        actors: ``(name, attributes)`` of each actor, in a fixed order.
        initial_trust: trust of every ordered pair at the start.
    """

    def __init__(self, actors: list[tuple[str, dict[str, Any]]], initial_trust: float) -> None:
        self.g: nx.MultiDiGraph = nx.MultiDiGraph()
        for name, attrs in actors:
            self.g.add_node(name, **attrs)
        self.names = [n for n, _ in actors]
        self._trust: dict[tuple[str, str], float] = {
            (a, b): initial_trust for a in self.names for b in self.names if a != b
        }
        self._frozen: nx.MultiDiGraph | None = None
        self.trust_version = 0
        # A cache (not saved): per actor, a count of the changes to its trust in others or
        # theirs in it, so that views rebuild only the trust of the actors it concerns; under
        # _ACTIVE, the active contracts' values (see _active_values); under _BY_ACTOR, the
        # trust table by actor (see _trust_by_actor).
        self._cache: dict[Any, Any] = {}

    # -- contracts -------------------------------------------------------------------------
    def add_contract(self, cid: int, first: str, second: str, **data: Any) -> None:
        """Add a signed contract as an edge ``first -> second`` keyed by its id."""
        self.g.add_edge(first, second, key=cid, id=cid, **data)
        self._frozen = None
        index = self._changes().get(_ACTIVE)
        if index is not None:  # kept up to date, in the graph's own order (see _active_values)
            pairs = index[first].setdefault(second, {})
            if data.get("status") == "active":
                pairs[cid] = data["value"]

    def set_status(self, cid: int, first: str, second: str, status: str) -> None:
        """Update a contract edge's status."""
        self.g.edges[first, second, cid]["status"] = status
        self._frozen = None
        cache = self._changes()
        index = cache.get(_ACTIVE)
        if index is not None:
            pairs = index[first][second]
            if status != "active":
                pairs.pop(cid, None)
            elif cid not in pairs:  # active again: its place in the order is the graph's
                del cache[_ACTIVE]

    def _active_values(self) -> dict[str, dict[str, dict[int, float]]]:
        """The value of each active contract, as ``{first: {second: {id: value}}}`` in the
        graph's own edge order (nodes, then each node's successors as first linked, then ids).

        Summing over it adds the same numbers in the same order as a walk over every edge that
        skips the inactive ones, without walking the contracts of the past. Built from the
        graph when first asked for (and after a restore), then kept up to date as contracts are
        added or change status.
        """
        cache = self._changes()
        index: dict[str, dict[str, dict[int, float]]] | None = cache.get(_ACTIVE)
        if index is None:
            index = {n: {} for n in self.g}
            for u, v, k, d in self.g.edges(keys=True, data=True):
                pairs = index[u].setdefault(v, {})
                if d["status"] == "active":
                    pairs[k] = d["value"]
            cache[_ACTIVE] = index
        return index

    def contract_edges(self) -> list[tuple[str, str, int, dict[str, Any]]]:
        """Every contract edge as ``(first, second, id, data)``, in signing order."""
        return sorted(self.g.edges(keys=True, data=True), key=lambda e: e[2])

    # -- trust -----------------------------------------------------------------------------
    def trust(self, a: str, b: str) -> float:
        """How far ``a`` trusts ``b``."""
        return self._trust[(a, b)]

    def adjust_trust(self, a: str, b: str, delta: float) -> None:
        """Move ``a``'s trust in ``b`` by ``delta``, kept within [0, 1]."""
        if a == b:
            return
        trust = self._trust
        # min(1.0, max(0.0, trust + delta)) without the calls (each parses its arguments as a
        # tuple: ~1k machine instructions); the same value in every case, NaN included
        value = trust[(a, b)] + delta
        value = value if value > 0.0 else 0.0
        value = trust[(a, b)] = value if value < 1.0 else 1.0
        self._frozen = None
        self.trust_version += 1
        changes = self.__dict__.get("_cache")  # self._changes(), inlined (a hot path)
        if changes is None:
            changes = self._changes()
        changes[a] = changes.get(a, 0) + 1
        changes[b] = changes.get(b, 0) + 1
        by_actor = changes.get(_BY_ACTOR)
        if by_actor is not None:  # kept up to date (a pair keeps its place in the order)
            by_actor[0][a][b] = by_actor[1][b][a] = value

    def _changes(self) -> dict[Any, Any]:
        changes: dict[Any, Any] | None = self.__dict__.get("_cache")
        if changes is None:  # a graph restored from a document of before this cache
            changes = self.__dict__["_cache"] = {}
        return changes

    def trust_changes(self, name: str) -> int:
        """A counter that moves whenever ``name``'s trust in another actor, or another's in it,
        changes (for caches; it starts again from 0 in a copy or a restored game, whose caches
        start empty)."""
        changes = self.__dict__.get("_cache")  # self._changes(), inlined (asked once a view)
        return 0 if changes is None else changes.get(name, 0)

    def trust_from(self, a: str) -> dict[str, float]:
        """How far ``a`` trusts each other actor (a new dict, in the order of the actors)."""
        return dict(self._trust_by_actor()[0][a])

    def trust_of(self, b: str) -> dict[str, float]:
        """How far each other actor trusts ``b`` (a new dict, in the order of the actors)."""
        return dict(self._trust_by_actor()[1][b])

    def _trust_by_actor(self) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
        """The trust table by actor, ``(given, received)``: ``given[a][b]`` and
        ``received[b][a]`` are both ``trust(a, b)``, the others in the order of the actors.

        Made from the table when first asked for (and after a restore or a copy), then kept up
        to date by :meth:`adjust_trust`, so that an actor's row is a copy of a dict rather than
        a lookup of each pair.
        """
        cache = self._changes()
        by_actor: tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]] | None
        by_actor = cache.get(_BY_ACTOR)
        if by_actor is None:
            names, trust = self.names, self._trust
            given = {a: {b: trust[(a, b)] for b in names if b != a} for a in names}
            received = {b: {a: trust[(a, b)] for a in names if a != b} for b in names}
            by_actor = cache[_BY_ACTOR] = (given, received)
        return by_actor

    def trust_table(self) -> dict[tuple[str, str], float]:
        """A copy of the trust of every ordered pair."""
        return dict(self._trust)

    # -- position --------------------------------------------------------------------------
    def weighted_degree(self, status: str = "active") -> dict[str, float]:
        """Each actor's total value of contracts with the given status (in $B), both directions."""
        out = dict.fromkeys(self.names, 0.0)
        if status == "active":  # the index of active contracts: the same sums, in order
            for u, successors in self._active_values().items():
                for v, values in successors.items():
                    for value in values.values():
                        out[u] += value
                        out[v] += value
            return out
        for u, v, d in self.g.edges(data=True):
            if d["status"] == status:
                out[u] += d["value"]
                out[v] += d["value"]
        return out

    def centrality(self) -> dict[str, float]:
        """Share of all active contract value touching each actor (weighted degree, in [0, 1])."""
        deg = self.weighted_degree()
        total = sum(deg.values()) / 2.0
        if total <= 0:
            return dict.fromkeys(self.names, 0.0)
        return {n: d / total for n, d in deg.items()}

    def frozen(self) -> nx.MultiDiGraph:
        """A read-only copy for policies and the UI (trust as edge-less graph attribute).

        One copy is shared by every observation until the graph changes, so its attributes are
        read-only too: a policy cannot change what the others (or the UI) see.
        """
        if self._frozen is None:
            h = self.g.copy()
            h.graph["trust"] = dict(self._trust)
            self._frozen = freeze_graph(h)
        return self._frozen


def freeze_graph(h: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Freeze a graph of our own in place, attributes too (``terms`` and ``trust`` included)."""
    # networkx's own node and adjacency stores are the only way to swap in read-only dicts; its
    # stubs leave these internals out
    for n in h:
        h._node[n] = _ReadOnlyDict(h._node[n])  # type: ignore[attr-defined]
    for nbrs in h._succ.values():  # type: ignore[attr-defined]
        for keydict in nbrs.values():  # shared with h._pred
            for k, d in keydict.items():
                keydict[k] = _ReadOnlyDict({**d, "terms": _ReadOnlyDict(d["terms"])})
    h.graph = _ReadOnlyDict({k: _ReadOnlyDict(v) for k, v in h.graph.items()})
    return nx.freeze(h)


class _ReadOnlyDict(dict):
    """A dict that refuses changes; its copies (``copy``, ``deepcopy``, pickle) are plain dicts."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the partnership graph shown to policies is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))
