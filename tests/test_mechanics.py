"""The quarter's mechanics: builds, production, contracts, breach, insolvency, events, scores."""

from __future__ import annotations

import copy
import math
import tomllib
from typing import Any

import pytest

from agents import new_game
from game.decisions import (
    Accept,
    BuildFab,
    BuySpotGpus,
    BuySpotWafers,
    Propose,
    SetGpuPrice,
    StartChipProgramme,
)
from game.events import quarterly_probability
from game.model import FabRaceModel
from game.scenario import scenario_dir, scenario_from_dict
from game.scoring import raw_breakdown

DUEL: dict[str, Any] = tomllib.loads((scenario_dir() / "duel.toml").read_text())


def duel(**changes: Any) -> dict[str, Any]:
    """The duel scenario as a dict, with top-level sections replaced or actors patched."""
    raw = copy.deepcopy(DUEL)
    for key, value in changes.items():
        if key in raw["scenario"]:
            raw["scenario"][key] = value
        elif key.startswith("actor_"):
            name = key[len("actor_") :]
            actor = next(a for a in raw["actors"] if a["name"] == name)
            actor.update(value)
        else:
            raw[key] = value
    return raw


def external(raw: dict[str, Any], seed: int = 0, **kw: Any) -> FabRaceModel:
    """A game in which every actor is driven from outside (no bots), its first quarter open."""
    spec = scenario_from_dict(raw)
    m = new_game(spec, seed=seed, policies={a.name: None for a in spec.actors}, **kw)
    m.open_quarter()
    return m


def next_quarter(m: FabRaceModel) -> None:
    """Play the open quarter out and open the next one (as a player's End quarter does)."""
    m.step()
    m.open_quarter()


def test_fab_produces_after_its_build_lag_and_capex_is_paid_over_the_build():
    m = external(duel(events=[], quarters=20))
    fab = m.actor("TSMC")
    assert m.submit("TSMC", BuildFab("N3", "us", 40.0)).ok
    new = fab.fabs[-1]
    capex = m.fab_capex("N3", "us", 40.0)
    assert new.build_left == 13 and not new.producing
    for _ in range(12):
        next_quarter(m)
    assert not new.producing and new.capex_left > 0
    next_quarter(m)
    assert new.producing
    paid = -fab.totals["fab_capex"]
    assert paid == pytest.approx(capex)
    # Its first quarter of output is at the node's first-year yield, then it ramps up.
    y0 = new.yield_rate()
    next_quarter(m)
    assert new.yield_rate() > y0


def _capacity_duel(wafers: float) -> FabRaceModel:
    raw = duel(events=[])
    raw["actors"][2]["fabs"] = [{"node": "N5", "site": "taiwan", "capacity": 100.0, "age": 20}]
    raw["contracts"] = [
        {
            "kind": "capacity",
            "parties": ["Nvidia", "TSMC"],
            "terms": {"wafers": wafers, "quarters": 4, "price": 17.0, "prepay": 0.0},
        },
    ]
    return external(raw)


def test_capacity_contract_shortfall_is_a_breach_that_costs_trust():
    m = _capacity_duel(120.0)
    trust = m.graph.trust("Nvidia", "TSMC")
    # No event: the fab makes ~92k good wafers and owes 120k, so the contract is served short
    # and the buyer trusts the seller less.
    next_quarter(m)
    c = m.contracts[1]
    assert 80 < c.delivered < 100 and c.shortfall > 20
    assert m.graph.trust("Nvidia", "TSMC") < trust
    assert m.result()["totals"]["shortfalls"] == 1


def test_a_taiwan_event_is_force_majeure_every_buyer_shares_the_cut():
    m = _capacity_duel(80.0)
    trust = m.graph.trust("Nvidia", "TSMC")
    # An earthquake-free quarter: the fab makes ~92k good wafers, the contract needs 80k: served.
    next_quarter(m)
    c = m.contracts[1]
    assert c.delivered == pytest.approx(80.0) and c.shortfall == 0
    # A blockade cuts Taiwan output by 80 %: the contract and the outside market share the ~18k
    # wafers pro rata (the contract no longer takes all it is owed first), and the shortfall is
    # force majeure: counted, refunded, but no breach of trust.
    from game.events import ActiveEvent, fold_modifiers

    m.active_events = [ActiveEvent("blockade", m.quarter_index, 1, 0.8)]
    m.modifiers = fold_modifiers(m.active_events)
    trust = m.graph.trust("Nvidia", "TSMC")
    next_quarter(m)
    fab = m.actor("TSMC")
    got = c.delivered - 80.0
    assert 0 < got < 0.9 * fab.produced_last  # the outside market got a share
    assert c.shortfall > 60
    assert m.graph.trust("Nvidia", "TSMC") >= trust
    assert m.result()["totals"]["shortfalls"] == 1


def test_loan_is_repaid_with_interest_or_defaults():
    m = external(duel(events=[]))
    lab, fund = m.actor("OpenAI"), m.actor("MGX")
    offer = m.submit(
        "MGX", Propose("OpenAI", "loan", {"principal": 4.0, "rate": 0.1, "quarters": 4})
    )
    out = m.submit("OpenAI", Accept(offer.offer_id))
    assert out.signed
    c = m.contracts[out.contract_id]
    assert c.outstanding == 4.0
    fund_before = fund.cash
    next_quarter(m)
    assert c.outstanding == pytest.approx(3.0)
    assert fund.totals["loan_interest"] == pytest.approx(0.1)  # 4.0 x 10 % / 4
    assert fund.cash > fund_before
    # the terms' own schedule (what the browser previews) is what the quarter charged
    paid = fund.totals["loan_interest"] + fund.totals["loan_repayment"]
    assert c.terms.quarterly_payments() == (0.0, pytest.approx(paid))
    # Drain the lab: it cannot pay the next instalment, so it defaults.
    m.ledger.transfer("OpenAI", "outside", lab.cash, "test drain")
    next_quarter(m)
    assert c.status == "breached" and c.breached_by == "OpenAI"
    assert m.graph.trust("MGX", "OpenAI") < 0.5


def test_an_actor_below_zero_for_too_long_is_insolvent_and_its_contracts_breached():
    raw = duel(events=[])
    raw["contracts"] = [
        {
            "kind": "supply",
            "parties": ["OpenAI", "Nvidia"],
            "terms": {"quantity": 5.0, "quarters": 10, "price": 30.0, "prepay": 0.0},
        },
    ]
    raw["rules"] = {"distress_quarters": 1}
    m = external(raw)
    lab = m.actor("OpenAI")
    m.ledger.transfer("OpenAI", "outside", lab.cash + 30.0, "test drain")
    next_quarter(m)
    assert lab.distress == 1 and not lab.insolvent
    assert m.legal("OpenAI").proposals_left == m.rules.action_budget + 2  # may raise money
    next_quarter(m)
    assert lab.insolvent
    assert m.contracts[1].status == "breached"
    assert raw_breakdown(m, lab)["insolvency"] == -5.0  # in the role's own units
    ref = m.spec.scoring.reference["lab"]  # the score is relative to the scenario's reference
    assert lab.score_breakdown["insolvency"] == pytest.approx(-5.0 / ref.sd)
    assert m.check("OpenAI", SetGpuPrice(30.0)) is not None
    assert not m.legal("OpenAI").can_act


def test_own_chip_programme_turns_wafers_into_own_compute():
    raw = duel(events=[])
    raw["rules"] = {"chip_programme_quarters": 2}
    m = external(raw)
    lab = m.actor("OpenAI")
    assert m.check("OpenAI", BuySpotWafers("TSMC", 1.0)) is not None  # no chips of its own yet
    assert m.submit("OpenAI", StartChipProgramme()).ok
    next_quarter(m)
    next_quarter(m)
    assert lab.chips_ready
    assert m.submit("OpenAI", BuySpotWafers("TSMC", 2.0)).ok
    next_quarter(m)
    own = lab.compute_by_vendor().get("own", 0.0)
    expected = 2.0 * m.rules.own_chip_efficiency * m.reference_dpw
    assert 0.9 * expected < own <= expected * m.market.generation + 1e-9


def test_spot_gpus_are_delivered_and_paid_for():
    m = external(duel(events=[]))
    lab, chips = m.actor("OpenAI"), m.actor("Nvidia")
    cohorts = len(lab.cohorts)
    assert m.submit("OpenAI", BuySpotGpus("Nvidia", 10.0)).ok
    price = chips.gpu_price  # the quarter's list price (it moves with the generation after)
    next_quarter(m)
    # Stock is short of outside demand, so the order is filled pro rata with the market.
    new = lab.cohorts[cohorts:]
    assert [c.vendor for c in new] == ["Nvidia"]
    got = new[0].amount
    assert 0 < got <= 10.0
    assert -lab.totals["gpu_sale"] == pytest.approx(got * price / 1000)
    assert chips.totals["gpu_sale"] > -lab.totals["gpu_sale"]  # the outside market bought too


def test_joint_venture_builds_a_shared_fab():
    m = external(duel(events=[]))
    terms = {
        "site": "gulf",
        "node": "N3",
        "capacity": 40.0,
        "partner_capex_share": 0.5,
        "partner_output_share": 0.4,
        "operator_fee": 0.1,
    }
    offer = m.submit("MGX", Propose("TSMC", "joint_venture", terms))
    assert offer.ok
    out = m.submit("TSMC", Accept(offer.offer_id))
    assert out.signed
    fab = m.actor("TSMC").fabs[-1]
    assert fab.partner == "MGX" and fab.site == "gulf" and not fab.producing
    next_quarter(m)
    fund_paid = -m.actor("MGX").totals["jv_capex"]
    fab_paid = -m.actor("TSMC").totals["jv_capex"]
    assert fund_paid == pytest.approx(fab_paid) and fund_paid > 0
    assert m.graph.g.has_edge("MGX", "TSMC", out.contract_id)


@pytest.mark.parametrize("p_year", [0.0, 0.1, 0.5, 1.0])
def test_quarterly_probability_compounds_to_the_yearly_one(p_year):
    q = quarterly_probability(p_year)
    assert 1 - (1 - q) ** 4 == pytest.approx(p_year)


def test_event_deck_draws_from_the_seed():
    certain = [{"kind": "taiwan_earthquake", "p_year": 1.0, "duration": 1}]
    never = [{"kind": "blockade", "p_year": 0.0, "duration": 4}]
    m = external(duel(events=certain + never))
    m.run()
    kinds = [e["kind"] for e in m.event_log]
    assert kinds == ["taiwan_earthquake"] * m.n_quarters
    # An earthquake cuts Taiwan output in its quarter.
    assert m.modifiers.taiwan_output == pytest.approx(0.85)
    frequent = [{"kind": "drought", "p_year": 0.5, "duration": 1}]
    games = [external(duel(events=frequent, quarters=40), seed=s) for s in range(10)]
    for g in games:
        g.run()
    again = external(duel(events=frequent, quarters=40), seed=3)
    again.run()
    assert again.event_log == games[3].event_log
    counts = [len(g.event_log) for g in games]
    assert len(set(counts)) > 1
    # 40 quarters at 1 - 0.5 ** 0.25 = 15.9 % a quarter: about 6.4 droughts a game.
    assert 4 < sum(counts) / len(counts) < 9


def test_scores_have_breakdowns_that_sum_to_the_score():
    m = new_game("duel", seed=2)
    m.run()
    for a in m.actor_list:
        assert a.score_breakdown, a.name
        assert a.score == pytest.approx(math.fsum(a.score_breakdown.values()))
    roles = {a.role: set(a.score_breakdown) for a in m.actor_list}
    assert {"compute", "revenue", "runway", "concentration", "control"} <= roles["lab"]
    assert {"gross_profit", "share", "backlog", "write_downs"} <= roles["designer"]
    assert {"operating_profit", "utilisation", "margin", "overbuilding"} <= roles["foundry"]
    assert {"return", "in_country", "influence", "concentration"} <= roles["investor"]


def test_data_collector_holds_a_row_per_quarter_for_model_and_actors():
    m = new_game("duel", seed=1, quarters=5)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 5
    assert {"gpu_price", "wafer_price", "lab_compute", "fab_capacity"} <= set(df.columns)
    agents = m.datacollector.get_agent_vars_dataframe()
    assert len(agents) == 5 * len(m.actor_list)
    assert {"cash", "score", "compute", "capacity", "revenue"} <= set(agents.columns)


def test_game_ends_after_its_quarters_and_refuses_further_decisions():
    m = new_game("duel", seed=1, quarters=3)
    m.run()
    assert m.finished and not m.running and m.quarter_index == 3
    assert m.check("Nvidia", SetGpuPrice(30.0)) == "the game is over"
    next_quarter(m)  # a no-op, not an error
    assert m.quarter_index == 3


def test_bots_answer_a_human_offer_within_the_quarter():
    m = new_game("duel", seed=5, policies={"OpenAI": None})
    m.open_quarter()
    out = m.submit("OpenAI", Propose("MGX", "equity", {"amount": 1.0, "stake": 0.01}))
    assert out.ok
    status = m.offer(out.offer_id)["status"]
    assert status in ("accepted", "rejected", "countered", "failed")
    assert m.quarter_index == 0
