"""Memos for the built-in policies: values worked out once an observation or once a record.

A policy call reads one observation many times over, and every observation of a quarter shares
one public record of contracts until a contract is signed. :func:`per_observation` keeps values
that depend on one observation alone while it is the last one asked about; the index of active
capacity contracts is kept per record, and estimates about other actors (:func:`about_each`)
while that actor's figures, the record, the market and the rules shown are the same objects.
Observations and records are read-only, so nothing kept here can go stale, and nothing is kept
in a policy's own state: policies pickle and snapshot as before. Re-exported by
:mod:`agents.tactics`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from game.observation import Observation

__all__ = [
    "about",
    "about_each",
    "active_capacity",
    "capacity_by_foundry",
    "own_contracts",
    "per_observation",
    "promised_wafers",
    "remembered",
]


#: The observation last asked about and the values worked out from it alone (see
#: :func:`per_observation`). One entry: a policy call reads one observation many times over.
_PER_OBS: tuple[Any, dict[Any, Any]] = (None, {})


def per_observation(obs: Observation) -> dict[Any, Any]:
    """A scratch dict for values that depend on ``obs`` alone, kept while ``obs`` is the last
    observation asked about (an observation is read-only, so they cannot go stale).

    Keys name the function and its arguments. Only the last observation's values are kept (the
    dict holds it, so its ``id`` cannot be reused); nothing is kept in a policy's own state, so
    policies still pickle and snapshot as before.
    """
    global _PER_OBS
    last, memo = _PER_OBS  # read once: another thread may replace it (the whole tuple at once)
    if last is obs:
        return memo
    values: dict[Any, Any] = {}
    _PER_OBS = (obs, values)
    return values


def remembered(obs: Observation, key: Any, make: Callable[[], float]) -> float:
    """``make()`` for ``obs``, worked out once while ``obs`` is the last observation asked about
    (``key`` names the function and its arguments; see :func:`per_observation`)."""
    memo = per_observation(obs)
    value = memo.get(key)
    if value is None:
        value = memo[key] = make()
    return float(value)


#: Estimates about other actors (see :func:`about_each`), by key: ``(record, market, market
#: parameters, rules, {name: (its figures, value)})`` as last worked out.
_ABOUT: dict[Any, tuple[Any, Any, Any, Any, dict[str, tuple[Any, float]]]] = {}


def about_each(
    obs: Observation, names: Sequence[str], key: Any, make: Callable[..., float], *args: Any
) -> list[float]:
    """``make(obs, name, *args)`` for each of ``names``: an estimate about another actor that
    reads only its public figures, the public record of contracts, the market, the market
    parameters and the rules (never what only the observer sees), remembered while they are
    the same objects.

    Every observation of a quarter shares these until they change (an actor's figures are made
    anew whenever one of them changes), so an estimate about another actor is worked out once,
    not once per observer; asked of many actors at once, the record, market, parameters and
    rules are checked once for them all (a hot path: every investor asks about every other).
    ``key`` names the estimate and ``args``; only the last value for each name is kept (holding
    what it was worked out from, so no ``id`` is reused), and only for the engine's read-only
    data.
    """
    record, market, params, rules = obs.contracts, obs.market, obs.market_params, obs.rules
    table = _ABOUT.get(key)
    if (
        table is None
        or table[0] is not record
        or table[1] is not market
        or table[2] is not params
        or table[3] is not rules
    ):
        table = (record, market, params, rules, {})
        if type(record) is tuple:  # the engine's record: read-only, as is the rest
            _ABOUT[key] = table
    known = table[4]
    public = obs.public
    out: list[float] = []
    for name in names:
        figures = public[name]
        hit = known.get(name)
        if hit is not None and hit[0] is figures:
            out.append(hit[1])
            continue
        value = make(obs, name, *args)
        if type(figures) is MappingProxyType:  # the engine's figures: read-only
            known[name] = (figures, value)
        out.append(value)
    return out


def about(obs: Observation, name: str, key: Any, make: Callable[..., float], *args: Any) -> float:
    """:func:`about_each` for one actor."""
    return about_each(obs, (name,), key, make, *args)[0]


def own_contracts(obs: Observation) -> list[Mapping[str, Any]]:
    """``obs.my_contracts()``, made once an observation: the list is shared, do not change it."""
    memo = per_observation(obs)
    mine: list[Mapping[str, Any]] | None = memo.get("my_contracts")
    if mine is None:
        mine = memo["my_contracts"] = obs.my_contracts()
    return mine


#: The active capacity contracts in the last public record of contracts seen:
#: ``(record, {foundry: [(buyer, wafers), ...]}, [(buyer, foundry, wafers), ...])``, oldest first.
#: Every observation of a quarter shares one record until a contract is signed, so it is read
#: once, not once per question.
_CAPACITY: tuple[Any, dict[str, list[tuple[str, float]]], list[tuple[str, str, float]]] = (
    (),
    {},
    [],
)


def _capacity_index(
    obs: Observation,
) -> tuple[dict[str, list[tuple[str, float]]], list[tuple[str, str, float]]]:
    global _CAPACITY
    record = obs.contracts
    memo = _CAPACITY  # read once: another thread may replace it (the whole tuple at once)
    if memo[0] is record:
        return memo[1], memo[2]
    by_foundry: dict[str, list[tuple[str, float]]] = {}
    flat: list[tuple[str, str, float]] = []
    for c in record:
        if c["kind"] == "capacity" and c["status"] == "active":
            buyer, seller = c["parties"]
            wafers = float(c["terms"]["wafers"])
            by_foundry.setdefault(seller, []).append((buyer, wafers))
            flat.append((buyer, seller, wafers))
    if type(record) is tuple:  # the engine's record is read-only: remember it
        _CAPACITY = (record, by_foundry, flat)
    return by_foundry, flat


def capacity_by_foundry(obs: Observation) -> dict[str, list[tuple[str, float]]]:
    """(buyer, k wafers a quarter) of each active capacity contract, by foundry, oldest first
    (a shared dict: do not change it)."""
    return _capacity_index(obs)[0]


def active_capacity(obs: Observation) -> list[tuple[str, str, float]]:
    """(buyer, foundry, k wafers a quarter) of each active capacity contract in the public
    record, oldest first (a shared list: do not change it)."""
    return _capacity_index(obs)[1]


def promised_wafers(obs: Observation, foundry: str) -> float:
    """k wafers a quarter ``foundry`` has promised under active capacity contracts (public
    record), summed oldest first."""
    return sum([w for _, w in capacity_by_foundry(obs).get(foundry, ())])
