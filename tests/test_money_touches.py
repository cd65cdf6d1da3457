"""Payments and touches: what the quarter's close holds back, and the fleet's totals."""

from __future__ import annotations

import dataclasses
import math

import pytest

from agents import new_game
from game.actors import Designer, Foundry, Lab
from game.deals import DealKind
from game.fleet import Cohort
from game.ledger import OUTSIDE


@pytest.fixture
def game():
    """A baseline game two quarters in, the third open."""
    m = new_game("baseline-2024", seed=3)
    for _ in range(2):
        m.step()
    m.open_quarter()
    return m


def test_a_payment_while_touches_are_held_books_both_sides_but_moves_no_version(game):
    payer, payee = game.actor_list[0], game.actor_list[1]
    versions = dict(game._actor_version)
    version = game._version
    before = payer.pnl["test"], payee.totals["test"], payer.cash, payee.cash
    game._cache["dirty"] = set()
    game.touches_held(True)
    try:
        assert game.pay(payer.name, payee.name, 0.25, "test") == 0.25
        game.touch(payer.name)
        game.touch_all()
        assert game._actor_version == versions and game._version == version
        assert game._cache["dirty"] == set()
    finally:
        game.touches_held(False)
    assert payer.pnl["test"] == before[0] - 0.25 and payee.totals["test"] == before[1] + 0.25
    assert payer.cash == before[2] - 0.25 and payee.cash == before[3] + 0.25
    assert "_touches_held" not in vars(game), "the hold ends with no attribute left behind"
    game.pay(payee.name, payer.name, 0.25, "test")  # not held: both sides move again
    assert game.actor_version(payer.name) > versions.get(payer.name, 0)
    assert game.actor_version(payee.name) > versions.get(payee.name, 0)
    assert {payer.name, payee.name} <= game._cache["dirty"]


def test_touch_all_moves_every_actors_version_and_marks_every_actor_changed(game):
    versions = {a.name: game.actor_version(a.name) for a in game.actor_list}
    version = game._version
    game._cache["dirty"] = set()
    game.touch_all()
    assert all(game.actor_version(n) > v for n, v in versions.items())
    assert game._version > version
    assert game._cache["dirty"] == set(versions)


def test_the_close_touches_every_actor_and_ends_its_hold_even_when_it_fails(game, monkeypatch):
    versions = {a.name: game.actor_version(a.name) for a in game.actor_list}
    game.step()
    assert all(game.actor_version(n) > v for n, v in versions.items())
    assert not game._touches_held
    game.open_quarter()

    def broken(*args: object) -> None:
        raise RuntimeError("operations failed")

    monkeypatch.setattr("game.phases.run_operations", broken)
    with pytest.raises(RuntimeError):
        game.step()
    assert not game._touches_held, "a failed close must not leave touches held"


def test_a_payment_books_the_same_bits_as_adding_the_negated_amount(game):
    payer = game.actor_list[0]
    payer.pnl["odd"] = 0.1
    expected = 0.1 + (-0.7)
    game.pay(payer.name, OUTSIDE, 0.7, "odd")
    assert payer.pnl["odd"] == expected and math.copysign(1.0, payer.pnl["odd"]) < 0


def test_the_fleet_totals_are_the_exact_sums_over_its_cohorts_in_order(game):
    lab = game.alive(Lab)[0]
    for i, (amount, generation) in enumerate([(0.1, 3.0), (1e-17, 1.0), (2.7, 0.7)]):
        lab.add_cohort(Cohort(game.quarter_index + i, amount, "test", generation))
    assert lab.compute == math.fsum(c.amount for c in lab.cohorts)
    assert lab.power() == math.fsum(c.amount / c.generation for c in lab.cohorts)
    lab.retire_compute(game.quarter_index)
    assert lab.compute == math.fsum(c.amount for c in lab.cohorts)
    assert lab.power() == math.fsum(c.amount / c.generation for c in lab.cohorts)


def test_a_foundrys_kept_fab_figures_follow_its_builds_and_new_fabs():
    m = new_game("baseline-2024", seed=5)
    foundry = max(m.alive(Foundry), key=lambda f: len(f.fabs))

    def plain() -> tuple[float, float, float, list[tuple[str, str, float, int]]]:
        running: float = 0
        for f in foundry.fabs:
            if f.producing:
                running += f.capacity
        return (
            running,
            sum([f.capacity for f in foundry.fabs if f.producing]),
            sum(f.capacity for f in foundry.fabs if not f.producing),
            [(f.node, f.site, f.capacity, f.build_left) for f in foundry.fabs],
        )

    building_seen = set()
    for _ in range(12):
        m.step()
        figures = foundry.public()
        running, public, building, rows = plain()
        assert foundry.capacity() == running and foundry.building() == building
        assert figures["capacity"] == public and figures["capacity_building"] == building
        assert figures["fabs"] == rows
        figures["fabs"].clear()  # a new list each time: changing it changes nothing kept
        assert foundry.public()["fabs"] == rows
        building_seen.add(building)
    foundry.fabs.append(dataclasses.replace(foundry.fabs[0], build_left=3))
    assert foundry.building() == plain()[2] and foundry.public()["fabs"] == plain()[3]
    assert len(building_seen) > 1, "the foundry should have builds progress to test with"


def test_a_designers_backlog_is_the_plain_sum_over_its_active_supply_contracts():
    m = new_game("crowded", seed=2)
    seen = 0.0
    for _ in range(6):
        m.step()
        for d in m.alive(Designer):
            plain = 0.0
            for c in m.active_contracts():
                if c.kind in (DealKind.SUPPLY, DealKind.VENDOR_FINANCING) and d.name in c.parties():
                    t = c.terms
                    plain += t.quantity * (t.quarters - c.quarters_done) * t.price / 1000.0
            assert m.backlog_value(d.name) == plain
            seen += plain
    assert seen > 0, "designers should have a backlog to test with"
