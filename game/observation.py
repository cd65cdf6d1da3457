"""Observations: what one actor sees when it decides, read-only.

An observation holds the actor's own books; everyone's public figures, prices, contracts, trust and
the news; the offers it has received and sent; and the decisions legal for it now. Mappings are
``MappingProxyType`` and sequences are tuples, all the way down, so a policy cannot change the game
through what it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import networkx as nx

from game.rules import LegalDecisions
from game.scenario import RulesSpec

__all__ = ["Observation", "freeze"]


_SCALARS = (str, int, float, bool, type(None))


def freeze(x: Any) -> Any:
    """A deep read-only copy: dicts become mapping proxies, lists and sets become tuples."""
    t = type(x)
    if t in _SCALARS or t is MappingProxyType:
        return x
    if t is dict or isinstance(x, Mapping):
        return MappingProxyType(
            {k: (v if type(v) in _SCALARS else freeze(v)) for k, v in x.items()}
        )
    if t is list or t is tuple:
        return tuple(v if type(v) in _SCALARS else freeze(v) for v in x)
    if isinstance(x, set | frozenset):
        return tuple(sorted(freeze(v) for v in x))
    return x


@dataclass(frozen=True, slots=True)
class Observation:
    """What ``actor`` sees now.

    Attributes:
        actor: its name. role: its role.
        quarter: index of the current quarter (0 = the scenario's start).
        label: the quarter as text, e.g. ``2024Q1``.
        quarters_left: quarters still to play, this one included.
        books: its own books (cash, stocks, last quarter's flows, score and breakdown, ...).
        public: every actor's public figures, by name.
        market: outside demand indices and reference prices.
        contracts: every contract signed so far (public record), oldest first (built on
            first use).
        trust_in: how far this actor trusts each other actor.
        trusted_by: how far each other actor trusts this one.
        news: this quarter's events and deals, as text.
        inbox: open offers addressed to this actor.
        sent: open offers this actor made.
        legal: the decisions legal for it now.
        rules: the scenario's rules.
    """

    actor: str
    role: str
    quarter: int
    label: str
    quarters_left: int
    books: Mapping[str, Any]
    public: Mapping[str, Mapping[str, Any]]
    market: Mapping[str, float]
    contracts_factory: Callable[[], tuple[Mapping[str, Any], ...]]
    trust_in: Mapping[str, float]
    trusted_by: Mapping[str, float]
    news: tuple[str, ...]
    inbox: tuple[Mapping[str, Any], ...]
    sent: tuple[Mapping[str, Any], ...]
    legal: LegalDecisions
    rules: RulesSpec
    graph_factory: Callable[[], nx.MultiDiGraph]

    @property
    def contracts(self) -> tuple[Mapping[str, Any], ...]:
        """Every contract signed so far (public record), oldest first."""
        return self.contracts_factory()

    @property
    def graph(self) -> nx.MultiDiGraph:
        """A frozen copy of the partnership graph (trust in ``graph.graph['trust']``)."""
        return self.graph_factory()

    def others(self, role: str | None = None) -> list[str]:
        """Names of the other actors still in the game (optionally of one role), in order."""
        return [
            n
            for n, p in self.public.items()
            if n != self.actor and not p["insolvent"] and (role is None or p["role"] == role)
        ]

    def my_contracts(self) -> list[Mapping[str, Any]]:
        """Contracts this actor is a party to."""
        return [c for c in self.contracts if self.actor in c["parties"]]
