"""Money is conserved, and the books say where every dollar went.

Every quarter of many seeded games (the built-in bots, and random bots that sign, breach and go
insolvent a lot) is checked against the ledger: the total of all balances never changes, each
actor's cash is its ledger balance, every transfer is a well-formed movement between known
accounts, replaying the transfers from the opening balances gives today's balances, and each
actor's quarterly P&L (its flows by reason) adds up, reason by reason, to the transfers that moved
its cash that quarter.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

import pytest

from agents import new_game
from agents.random_policy import RandomPolicy
from game.ledger import OUTSIDE
from game.model import FabRaceModel
from game.scenario import load_scenario

TOL = 1e-6

#: (scenario, seed, bots): "default" seats the scenario's bots, "random" a random bot everywhere.
GAMES = (
    [("duel", s, "default") for s in range(15)]
    + [("baseline-2024", s, "default") for s in range(3)]
    + [("duel", s, "random") for s in range(6)]
    + [("baseline-2024", 1, "random")]
)


def _model(scenario: str, seed: int, bots: str) -> FabRaceModel:
    policies = None
    if bots == "random":
        spec = load_scenario(scenario)
        policies = {a.name: RandomPolicy(activity=0.9) for a in spec.actors}
    return new_game(scenario, seed=seed, policies=policies)


def _quarters(m: FabRaceModel) -> Iterator[int]:
    """Play the game, yielding after each quarter the index of the quarter just closed."""
    while not m.finished:
        q = m.quarter_index
        m.step()
        yield q


def _check_transfers(m: FabRaceModel, transfers: list, accounts: set[str]) -> None:
    for t in transfers:
        assert math.isfinite(t.amount) and t.amount > 0, t
        assert t.source in accounts and t.destination in accounts, t
        assert t.source != t.destination, t
        assert isinstance(t.reason, str) and t.reason, t


@pytest.mark.parametrize(("scenario", "seed", "bots"), GAMES)
def test_every_quarter_conserves_money_and_the_books_say_where_it_went(scenario, seed, bots):
    m = _model(scenario, seed, bots)
    ledger = m.ledger
    names = [a.name for a in m.actor_list]
    accounts = {OUTSIDE, *names}
    assert set(ledger.balances) == accounts
    # The scenario's starting cash: the game may already have moved money as its first quarter
    # opened (deals the bots signed), and those transfers are replayed below too.
    replayed = {OUTSIDE: 0.0, **{a.name: a.cash for a in m.spec.actors}}
    seen = 0
    for q in _quarters(m):
        new = ledger.transfers[seen:]
        seen = len(ledger.transfers)
        # Transfers are well formed and belong to the quarter just closed, or to the opening of
        # the next one (deals the bots sign as it opens).
        _check_transfers(m, new, accounts)
        assert all(t.quarter in (q, q + 1) for t in new)

        # The total of every balance, the outside's included, never changes.
        assert math.fsum(ledger.balances.values()) == pytest.approx(ledger.opening_total, abs=TOL)
        assert abs(ledger.imbalance()) < TOL
        result = m.result()
        assert result["ledger"]["imbalance"] == pytest.approx(0.0, abs=TOL)

        # Replaying the transfers from the opening balances gives every balance today.
        for t in new:
            replayed[t.source] -= t.amount
            replayed[t.destination] += t.amount
        for acc in accounts:
            assert replayed[acc] == pytest.approx(ledger.balances[acc], abs=TOL), acc

        # The quarter's books (last_pnl) are exactly its transfers, reason by reason.
        flows: dict[str, dict[str, float]] = {n: defaultdict(float) for n in names}
        for t in ledger.transfers:
            if t.quarter != q:
                continue
            if t.source != OUTSIDE:
                flows[t.source][t.reason] -= t.amount
            if t.destination != OUTSIDE:
                flows[t.destination][t.reason] += t.amount
        reported = {r["name"]: r["cash"] for r in result["actors"]}
        for a in m.actor_list:
            # Cash is the ledger balance, and the result reports it.
            assert a.cash == ledger.balances[a.name]
            assert reported[a.name] == pytest.approx(a.cash, abs=TOL)
            assert math.fsum(a.last_pnl.values()) == pytest.approx(
                math.fsum(flows[a.name].values()), abs=TOL
            ), (q, a.name)
            for reason in set(a.last_pnl) | set(flows[a.name]):
                assert a.last_pnl.get(reason, 0.0) == pytest.approx(
                    flows[a.name].get(reason, 0.0), abs=TOL
                ), (q, a.name, reason)
    assert m.finished and m.quarter_index == m.n_quarters


def test_the_random_games_do_exercise_breaches_and_insolvencies():
    """The games above are not all tame: contracts are breached and actors go under."""
    totals = defaultdict(int)
    for scenario, seed, bots in GAMES:
        if bots != "random":
            continue
        m = _model(scenario, seed, bots)
        m.run()
        for k, v in m.result()["totals"].items():
            totals[k] += v
    assert totals["contracts_signed"] > 0
    assert totals["contracts_breached"] > 0
    assert totals["failed_signings"] > 0
    assert totals["insolvencies"] > 0


@pytest.mark.parametrize(("scenario", "seed"), [("duel", 0), ("duel", 3), ("baseline-2024", 0)])
def test_a_designers_gross_profit_counts_what_it_paid_for_wafers(scenario, seed):
    """Gross profit = accelerator sales (net of refunds) − wafers bought − unit costs.

    A flow is booked under the same reason on both sides, so a designer's wafer purchases show on
    its books as negative ``wafer_sale``: the score must count them as costs.
    """
    m = new_game(scenario, seed=seed)
    m.run()
    foundries = {a.name for a in m.actor_list if a.role == "foundry"}
    for d in (a for a in m.actor_list if a.role == "designer"):
        sales = wafers = units = 0.0
        for t in m.ledger.transfers:
            if t.destination == d.name and t.reason in ("gpu_sale", "gpu_prepayment"):
                sales += t.amount
            elif t.source == d.name and t.reason == "gpu_refund":
                sales -= t.amount
            elif t.source == d.name and t.destination in foundries and t.reason != "equity":
                wafers += t.amount
            elif t.destination == d.name and t.source in foundries and t.reason == "wafer_refund":
                wafers -= t.amount
            elif t.source == d.name and t.reason == "unit_cost":
                units += t.amount
        assert wafers > 0, f"{d.name} bought no wafers: the check would be empty"
        assert d.tally["gross_profit"] == pytest.approx(sales - wafers - units, abs=TOL)
