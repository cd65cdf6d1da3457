"""Behaviour of the greedy, cautious and reciprocal policy families, as a user would check it."""

from __future__ import annotations

import copy
import pickle

import pytest

from agents import new_game
from agents.basic import BasicPolicy
from agents.cautious import CautiousPolicy
from agents.greedy import GreedyPolicy
from agents.policy import ParamError
from agents.reciprocal import ReciprocalPolicy
from agents.registry import builtin_families
from game.deals import ROLES
from game.decisions import BuySpotGpus, Propose
from game.model import FabRaceModel

FAMILIES = (GreedyPolicy, CautiousPolicy, ReciprocalPolicy)


@pytest.mark.parametrize("cls", FAMILIES)
def test_family_is_registered_and_tunable(cls: type[BasicPolicy]) -> None:
    assert builtin_families()[cls.name] is cls
    assert issubclass(cls, BasicPolicy)
    assert cls.description and "\n" not in cls.description
    assert set(cls.roles) == set(ROLES)
    assert len(cls.parameters) >= 3
    for name, p in cls.parameters.items():
        assert p.lo <= p.default <= p.hi, name
        assert p.doc
    name, p = next(iter(cls.parameters.items()))
    assert cls(**{name: p.hi}).params[name] == p.hi
    with pytest.raises(ParamError):
        cls(**{name: p.hi + 1})


@pytest.mark.parametrize("cls", FAMILIES)
def test_every_seat_plays_cleanly_and_deterministically(cls: type[BasicPolicy]) -> None:
    """The family in every seat of the duel: no refused decision, no fault, same game per seed,
    and a policy copied (deepcopy, pickle) mid-game carries on exactly as the original."""

    def play(copy_at: int | None) -> FabRaceModel:
        m = new_game(
            "duel", seed=5, policies={n: cls() for n in ("OpenAI", "Nvidia", "TSMC", "MGX")}
        )
        while not m.finished:
            if m.quarter_index == copy_at:
                m.policies = {
                    k: pickle.loads(pickle.dumps(copy.deepcopy(v))) for k, v in m.policies.items()
                }
            m.step()
        return m

    a, b = play(None), play(4)
    totals = a.result()["totals"]
    assert totals["refused"] == 0 and totals["faults"] == 0
    assert a.digest() == b.digest()


def _designer_prices(cls: type[BasicPolicy], seed: int, quarters: int) -> float:
    m = new_game("duel", seed=seed, policies={"Nvidia": cls()}, quarters=quarters)
    m.run()
    return m.actor("Nvidia").gpu_price


def test_greedy_designer_prices_higher_than_cautious() -> None:
    for seed in (1, 2, 3):
        greedy = _designer_prices(GreedyPolicy, seed, 8)
        cautious = _designer_prices(CautiousPolicy, seed, 8)
        assert greedy > 1.03 * cautious, (seed, greedy, cautious)


def _lab_min_runway(cls: type[BasicPolicy], seed: int) -> tuple[float, float, float]:
    """The duel lab's thinnest quarter (least cash at a quarter's end over that quarter's
    outflows: purchases, running costs and debt payments), what it committed over the game
    (accelerators, campuses, leases, chip R&D) and what it borrowed."""
    m = new_game("duel", seed=seed, policies={"OpenAI": cls()})
    runway = []
    while not m.finished:
        m.step()
        lab = m.actor("OpenAI")
        out = -sum(v for v in lab.last_pnl.values() if v < 0)
        runway.append(lab.cash / max(out, 1e-9))
    spent = -sum(
        v
        for k, v in lab.totals.items()
        if k in ("gpu_sale", "gpu_prepayment", "campus_capex", "lease_rent", "chip_rnd")
    )
    loans = sum(
        c.terms.principal  # type: ignore[attr-defined]
        for c in m.contracts.values()
        if c.kind.value == "loan" and c.second == "OpenAI"
    )
    return min(runway), spent, loans


def test_cautious_lab_never_runs_its_cash_down_and_commits_less_than_greedy() -> None:
    # Power binds labs in the second world: neither can pour its cash into accelerators it
    # could not run, so greedy no longer runs its cash down to a sliver (it raises money to
    # keep thin reserves full). The difference that remains: the cautious lab always keeps a
    # quarter's outgoings in hand, commits less and borrows no more than the greedy one.
    for seed in (1, 2):
        _, g_spent, g_loans = _lab_min_runway(GreedyPolicy, seed)
        runway, c_spent, c_loans = _lab_min_runway(CautiousPolicy, seed)
        assert runway >= 1.0, (seed, runway)
        assert c_spent < g_spent and c_loans <= g_loans, (seed, g_spent, c_spent)


def _default_then_ask_again(fund: BasicPolicy) -> tuple[str, str]:
    """The duel's lab (driven from outside) borrows from the fund, spends everything so that it
    defaults, then asks the fund for another loan at a generous rate.

    Returns the status of the first loan offer and of the second one.
    """
    m = new_game("duel", seed=1, policies={"OpenAI": None, "MGX": fund})
    m.open_quarter()
    first = m.submit(
        "OpenAI", Propose("MGX", "loan", {"principal": 3.0, "rate": 0.08, "quarters": 2})
    )
    assert first.ok
    status_first = m.offer(first.offer_id)["status"]
    # Prepay a big supply contract with all its cash, so the loan cannot be repaid.
    cash = m.actor("OpenAI").cash
    qty = cash * 1000 / 30.0 / 4 * 0.99
    terms = {"quantity": qty, "quarters": 4, "price": 30.0, "prepay": 1.0}
    supply = m.submit("OpenAI", Propose("Nvidia", "supply", terms))
    assert m.offer(supply.offer_id)["status"] == "accepted"
    m.submit("OpenAI", BuySpotGpus("Nvidia", 0.1))
    m.step()
    m.open_quarter()
    loans = [c for c in m.contracts.values() if c.kind == "loan" and c.first == "MGX"]
    assert loans and loans[0].breached_by == "OpenAI"  # it defaulted on the fund
    again = m.submit(
        "OpenAI", Propose("MGX", "loan", {"principal": 1.0, "rate": 0.12, "quarters": 4})
    )
    assert again.ok
    return status_first, m.offer(again.offer_id)["status"]


def test_reciprocal_refuses_a_partner_that_defaulted_on_it() -> None:
    first, second = _default_then_ask_again(ReciprocalPolicy())
    assert first == "accepted"
    assert second == "rejected"
    # The plain bot, in the same spot, takes the generous rate: the refusal is the family's.
    _, basic_second = _default_then_ask_again(BasicPolicy())
    assert basic_second == "accepted"
