"""Observations: what one actor sees when it decides — plain, read-only data.

An observation holds the actor's own books; everyone's public figures, prices, the market's
parameters, the contracts, trust and the news; the events in force and what they change; the
cost of every build it may start and the capacity each foundry has not yet promised; the offers
it has received and sent; and the decisions legal for it now. Mappings are ``MappingProxyType``
and sequences are tuples, all the way down, and nothing in it leads back to the live game: no
bound methods, no closures, only values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "FrozenRules",
    "LegalDecisions",
    "Observation",
    "carry_alive",
    "freeze",
    "note_parties",
]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def freeze(x: Any) -> Any:
    """A deep read-only copy: dicts become mapping proxies, lists and sets become tuples."""
    t = type(x)
    if t in _SCALARS or t is MappingProxyType:
        return x
    if t is dict or isinstance(x, Mapping):
        out = dict(x)
        if not _SCALARS.issuperset(map(type, out.values())):  # (checked in C: the usual case)
            for k, v in out.items():
                if type(v) not in _SCALARS:
                    out[k] = freeze(v)  # only values change: the dict keeps its size and order
        return MappingProxyType(out)
    if t is list or t is tuple:
        if _SCALARS.issuperset(map(type, x)):
            return x if t is tuple else tuple(x)  # a tuple of plain values is read-only already
        return tuple([v if type(v) in _SCALARS else freeze(v) for v in x])
    if isinstance(x, set | frozenset):
        return tuple(sorted(freeze(v) for v in x))
    return x


@dataclass(frozen=True)
class LegalDecisions:
    """Everything one actor may decide at this moment.

    Attributes:
        can_act: False when the game is over or the actor is insolvent.
        proposals_left: new offers it may still open this quarter.
        partners: for each deal kind, the actors it may propose that kind to.
        answers: for each offer in its inbox, the answers allowed (accept, reject, counter).
        moves: for each move it may still make this quarter, the bounds of its fields (and for
            moves that name a counterparty, the names allowed).
        term_bounds: for each deal kind, the bounds of each term.
    """

    can_act: bool
    proposals_left: int
    partners: MappingProxyType
    answers: MappingProxyType
    moves: MappingProxyType
    term_bounds: MappingProxyType


@dataclass(frozen=True, slots=True)
class Observation:
    """What ``actor`` sees now.

    Attributes:
        actor: its name.
        role: its role (``lab``, ``designer``, ``foundry``, ``investor``).
        quarter: index of the current quarter (0 = the scenario's start).
        label: the quarter as text, e.g. ``2024Q1``.
        quarters_left: quarters still to play, this one included.
        books: its own books (cash, stocks, last quarter's flows, score and breakdown, ...).
        public: every actor's public figures, by name.
        market: outside demand indices and reference prices now.
        contracts: every contract signed so far (public record), oldest first.
        trust_in: how far this actor trusts each other actor.
        trusted_by: how far each other actor trusts this one.
        news: this quarter's events and deals, as text.
        inbox: open offers addressed to this actor.
        sent: open offers this actor made.
        legal: the decisions legal for it now.
        rules: the scenario's rules (costs, lags, multiples, the action budget), as a mapping
            that also reads as attributes (``obs.rules.action_budget``).
        market_params: the scenario's market parameters (elasticities, growth, noise, ...).
        events: the events in force (``kind``, ``title``, ``quarter`` fired, ``remaining``
            quarters or -1, ``magnitude``, ``target``, ``description``).
        modifiers: what the events in force change this quarter (``taiwan_output``,
            ``packaging``, ``us_capex``, ``build_delay``, ...; 1.0 / 0 / False when none).
        free_capacity: k wafers a quarter of each foundry's capacity (built or building) not yet
            promised under contract, by name.
        build_costs: the cost and lag of each build now, subsidies and delays included:
            ``fab[site][node]`` (``capex_per_kwafer`` in $B, ``build_quarters``,
            ``cost_factor``: a wafer's running cost there against Taiwan's), ``packaging``,
            ``campus`` and ``chip_programme``.
    """

    actor: str
    role: str
    quarter: int
    label: str
    quarters_left: int
    books: Mapping[str, Any]
    public: Mapping[str, Mapping[str, Any]]
    market: Mapping[str, float]
    contracts: tuple[Mapping[str, Any], ...]
    trust_in: Mapping[str, float]
    trusted_by: Mapping[str, float]
    news: tuple[str, ...]
    inbox: tuple[Mapping[str, Any], ...]
    sent: tuple[Mapping[str, Any], ...]
    legal: LegalDecisions
    rules: Any
    market_params: Mapping[str, float]
    events: tuple[Mapping[str, Any], ...]
    modifiers: Mapping[str, Any]
    free_capacity: Mapping[str, float]
    build_costs: Mapping[str, Any]

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The partnership graph as a frozen networkx graph, built from this observation's data.

        Nodes are actors (their public figures), edges are contracts ``first -> second`` keyed by
        id (kind, terms, value, start, end, status), and ``graph.graph["trust"]`` maps the
        ordered pairs this actor knows — its trust in others and theirs in it, ``(a, b) -> a's
        trust in b`` (how far two others trust each other is theirs to know). Built anew on each
        access: keep it if you use it more than once.
        """
        import networkx as nx  # here, not at the top: a sandboxed policy's process imports

        # networkx (and what it pulls in) only if the policy uses the graph
        from game.graph import freeze_graph

        trust = {(self.actor, b): v for b, v in self.trust_in.items()}
        trust.update({(a, self.actor): v for a, v in self.trusted_by.items()})
        g: nx.MultiDiGraph[str] = nx.MultiDiGraph(trust=trust)
        for name, pub in self.public.items():
            g.add_node(name, role=pub["role"], country=pub["country"])
        for c in self.contracts:
            first, second = c["parties"]
            g.add_edge(
                first,
                second,
                key=c["id"],
                id=c["id"],
                kind=c["kind"],
                terms=c["terms"],
                value=c["value"],
                start=c["start"],
                end=c["end"],
                status=c["status"],
            )
        return freeze_graph(g)

    def others(self, role: str | None = None) -> list[str]:
        """Names of the other actors still in the game (optionally of one role), in order."""
        me = self.actor
        memo = _ALIVE  # (_alive's memo, read here first: a hot path of the bots)
        public = self.public
        alive = (memo[1] if memo[0] is public else _alive(public)).get(role)
        if not alive:
            return []
        if me in alive:  # (once at most: the names are unique) cut out in C, not a scan
            i = alive.index(me)
            return alive[:i] + alive[i + 1 :]
        return list(alive)

    def my_contracts(self) -> list[Mapping[str, Any]]:
        """Contracts this actor is a party to."""
        record = self.contracts
        memo = _PARTIES  # read once: another thread may replace it (the whole tuple at once)
        if memo[0] is record:
            return [record[i] for i in memo[1].get(self.actor, ())]
        return list(_by_party(record).get(self.actor, ()))

    def fab_capex(self, node: str, site: str, capacity: float) -> float:
        """Total capex ($B) of a fab of ``capacity`` k wafers a quarter started now."""
        return capacity * self.build_costs["fab"][site][node]["capex_per_kwafer"]

    def fab_build_quarters(self, site: str) -> int:
        """Quarters a fab started now at ``site`` takes to build (delays included)."""
        first = next(iter(self.build_costs["fab"][site].values()))
        return int(first["build_quarters"])


class ObservationDraft:
    """An :class:`Observation` being filled in, field by field, by the engine.

    It has the observation's fields (its slots are the same) and they can be set; :meth:`done`
    then makes it the frozen :class:`Observation` itself. The engine makes an observation for
    every policy call, and a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, some times slower than this.
    """

    __slots__ = Observation.__slots__

    def done(self) -> Observation:
        """This object, now an :class:`Observation` (every field must have been set)."""
        self.__class__ = Observation  # type: ignore[assignment]  # the same slots: allowed
        return cast(Observation, self)


#: The last public record of contracts indexed, and each party's contracts in it, oldest first.
#: Every observation of a quarter shares one record until a contract is signed, so it is read
#: once, not once per actor.
_BY_PARTY: tuple[tuple[Mapping[str, Any], ...], dict[str, list[Mapping[str, Any]]]] = ((), {})


def _by_party(record: tuple[Mapping[str, Any], ...]) -> dict[str, list[Mapping[str, Any]]]:
    """Each party's contracts in ``record``, oldest first (remembered for the last record)."""
    global _BY_PARTY
    memo = _BY_PARTY  # read once: another thread may replace it (the whole tuple at once)
    if memo[0] is record:
        return memo[1]
    index: dict[str, list[Mapping[str, Any]]] = {}
    for c in record:
        for party in c["parties"]:
            index.setdefault(party, []).append(c)
    if type(record) is tuple:
        _BY_PARTY = (record, index)  # the engine's record: read-only, never changes
    return index


#: The engine's last public record of contracts and, for each party, the positions in it of the
#: contracts it is a party to, ascending (see :func:`note_parties`).
_PARTIES: tuple[tuple[Mapping[str, Any], ...], Mapping[str, tuple[int, ...]]] = ((), {})


def note_parties(
    record: tuple[Mapping[str, Any], ...], positions: Mapping[str, tuple[int, ...]]
) -> None:
    """The engine's note of a new public record of contracts and, for each party, the positions
    of its contracts in it (once for each of the contract's two parties, in the order of its
    ``parties``), ascending: :meth:`Observation.my_contracts` reads them instead of indexing the
    whole record again. The record never changes and the positions must not change either."""
    global _PARTIES
    _PARTIES = (record, positions)


#: The last public figures read, and the actors still in the game in them, in order: all of them
#: (under ``None``) and by role. The engine makes a new mapping whenever a figure changes, and
#: every observation shares it until then.
_ALIVE: tuple[Any, dict[str | None, list[str]]] = (None, {})


def _alive(public: Mapping[str, Mapping[str, Any]]) -> dict[str | None, list[str]]:
    """The actors not insolvent in ``public``, in order, all and by role (remembered)."""
    global _ALIVE
    memo = _ALIVE  # read once: another thread may replace it (the whole tuple at once)
    if memo[0] is public:
        return memo[1]
    alive: dict[str | None, list[str]] = {None: []}
    for n, p in public.items():
        if not p["insolvent"]:
            alive[None].append(n)
            alive.setdefault(p["role"], []).append(n)
    if type(public) is MappingProxyType:  # the engine's: never changes (a new one would come)
        _ALIVE = (public, alive)
    return alive


def carry_alive(old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """The engine's note that the public figures ``new``, which replace ``old``, show the same
    actors in business: the index :meth:`Observation.others` keeps for ``old`` serves ``new``
    (instead of being made again for every new set of figures)."""
    global _ALIVE
    memo = _ALIVE  # read once: another thread may replace it (the whole tuple at once)
    if memo[0] is old and type(new) is MappingProxyType:
        _ALIVE = (new, memo[1])


class FrozenRules(Mapping[str, Any]):
    """The scenario's rules as a read-only mapping that also reads as attributes.

    A copy: changing it (which it refuses) could not change the game's own rules anyway.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", MappingProxyType(dict(data)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the rules shown to policies are read-only")

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenRules({dict(self._data)!r})"

    def __reduce__(self) -> Any:
        return (FrozenRules, (dict(self._data),))
