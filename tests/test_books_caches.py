"""The books' speed caches give what the plain computations give (see game/valuation.py and
game/graph.py): the remembered selections of active contracts, kept up to date as contracts are
signed and end."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from agents import new_game
from game.actors import Actor, Designer, Foundry, Investor, Lab
from game.contracts import ContractStatus
from game.deals import DealKind


def _plain_selection(m: Any, key: tuple[Any, ...]) -> list[Any]:
    """The active contracts of a selection key, filtering every contract (the plain way)."""
    if key[0] == "either side":
        _, kind, party = key
        return [
            c
            for c in m.contracts.values()
            if c.status == ContractStatus.ACTIVE
            and kind in (None, c.kind)
            and party in (c.first, c.second)
        ]
    kind, first, second = key
    return [
        c
        for c in m.contracts.values()
        if c.status == ContractStatus.ACTIVE
        and kind in (None, c.kind)
        and first in (None, c.first)
        and second in (None, c.second)
    ]


def _every_selection(m: Any) -> list[tuple[Any, ...]]:
    """A key of each selection a game can be asked for: every kind (or any) and party."""
    names: list[str | None] = [None, *m.actors_by_name]
    keys: list[tuple[Any, ...]] = []
    for kind in [None, *DealKind]:
        keys += [(kind, f, s) for f in names for s in names]
        keys += [("either side", kind, p) for p in names[1:]]
    return keys


@pytest.mark.parametrize(("scenario", "seed", "quarters"), [("baseline-2024", 3, 10)])
def test_remembered_selections_stay_the_plain_filters_as_contracts_are_signed_and_end(
    scenario, seed, quarters
):
    m = new_game(scenario, seed=seed, quarters=quarters)
    keys = _every_selection(m)
    for key in keys:  # remembered from the start: each kept up to date from here on
        m._selection(key)
    signed = ended = 0
    while not m.finished:
        before = {c.id: c.status for c in m.contracts.values()}
        m.step()
        signed += len(m.contracts) - len(before)
        ended += sum(before[i] != m.contracts[i].status for i in before)
        index = m._cache["active_contracts"]
        assert set(index) >= set(keys)  # none was dropped: each was kept up to date
        for key in keys:
            assert index[key] == _plain_selection(m, key), key
    assert signed and ended, "the game should sign and end contracts to test with"
    # a copy or a restored game starts without the selections and makes them from its contracts
    for copy in (m.clone(), pickle.loads(pickle.dumps(m))):
        assert "active_contracts" not in copy._cache
        for key in keys:
            assert [c.id for c in copy._selection(key)] == [c.id for c in m._selection(key)]


def test_each_actors_trust_given_and_received_is_its_row_and_column_of_the_table():
    m = new_game("baseline-2024", seed=5, quarters=8)
    g = m.graph
    g.trust_from(m.actor_list[0].name)  # the index exists from the start and is kept up to date
    moved = 0
    while not m.finished:
        before = g.trust_table()
        m.step()
        table = g.trust_table()
        moved += table != before
        for a in g.names:
            assert list(g.trust_from(a).items()) == [(b, table[(a, b)]) for b in g.names if b != a]
            assert list(g.trust_of(a).items()) == [(b, table[(b, a)]) for b in g.names if b != a]
    assert moved, "trust should move in the game to test with"
    name = g.names[0]
    row = g.trust_from(name)
    row[g.names[1]] = -1.0  # a new dict each time: changing it changes nothing else
    g.trust_of(name)[g.names[1]] = -1.0
    for copy in (m.clone(), pickle.loads(pickle.dumps(m))):  # the index made again from the table
        assert [copy.graph.trust_from(a) for a in g.names] == [g.trust_from(a) for a in g.names]
        assert [copy.graph.trust_of(a) for a in g.names] == [g.trust_of(a) for a in g.names]
    assert g.trust_from(name) != row
    assert g.trust_of(name)[g.names[1]] == g.trust(g.names[1], name) >= 0.0


def test_those_in_business_are_found_again_when_an_actor_becomes_insolvent():
    m = new_game("baseline-2024", seed=2, quarters=2)
    m.step()
    roles = [Actor, Lab, Designer, Foundry, Investor]

    def plain(cls):
        return [a for a in m.actor_list if isinstance(a, cls) and not a.insolvent]

    assert [m.alive(cls) for cls in roles] == [plain(cls) for cls in roles]
    m.alive(Lab).clear()  # a new list each time: changing it changes nothing else
    m.make_insolvent(m.alive(Lab)[0])
    assert [m.alive(cls) for cls in roles] == [plain(cls) for cls in roles]
    assert len(m.alive(Lab)) == len([a for a in m.actor_list if isinstance(a, Lab)]) - 1
