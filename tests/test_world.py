"""The world, second edition: prices with an interior optimum, payouts, power, leases, one AI
market, Taiwan risk reaching packaging, realistic own chips, scores relative to a reference."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from agents import new_game
from agents.registry import make_policy
from game.deals import SITES
from game.decisions import Accept, FundCampus, Propose, StartChipProgramme
from game.events import Modifiers
from game.markets import Market
from game.model import FabRaceModel
from game.scenario import load_scenario, scenario_dir, scenario_from_dict

DUEL: dict[str, Any] = tomllib.loads((scenario_dir() / "duel.toml").read_text())


def duel(**actors: dict[str, Any]) -> Any:
    """The duel scenario with no event deck, some actors' fields changed."""
    raw = copy.deepcopy(DUEL)
    raw["events"] = []
    for name, fields in actors.items():
        next(a for a in raw["actors"] if a["name"] == name).update(fields)
    return scenario_from_dict(raw)


def external(spec: Any, seed: int = 0) -> FabRaceModel:
    """A game with every seat driven from outside, its first quarter open."""
    m = new_game(spec, seed=seed, policies={a.name: None for a in spec.actors})
    m.open_quarter()
    return m


def next_quarter(m: FabRaceModel) -> None:
    m.step()
    m.open_quarter()


# ==================================================================== prices
def test_gpu_revenue_peaks_inside_the_price_range():
    market = Market.from_spec(load_scenario("baseline-2024").market)
    ref, mods = market.gpu_reference(), Modifiers()

    def revenue(rel: float) -> float:
        return rel * ref * market.outside_gpu_demand(1.0, rel * ref, mods)

    assert revenue(1.0) > revenue(0.5) > revenue(0.25)
    assert revenue(1.0) > revenue(1.5) > revenue(4.0)
    assert revenue(4.0) < 0.2 * revenue(1.0)  # at the cap it sells a thirtieth of the volume


def test_the_reference_gpu_price_halves_as_price_performance_doubles():
    market = Market.from_spec(load_scenario("baseline-2024").market)
    p0 = market.gpu_reference()
    market.generation = 2.0
    assert market.gpu_reference() == pytest.approx(p0 / 2)


def test_a_list_price_left_alone_falls_with_the_reference():
    m = external(duel())
    chips = m.actor("Nvidia")
    rel = chips.gpu_price / m.market.gpu_reference()
    for _ in range(4):
        next_quarter(m)
    assert m.market.generation > 1.0
    assert chips.gpu_price == pytest.approx(rel * m.market.gpu_reference())


def test_cash_above_the_reserve_is_paid_out_and_money_is_conserved():
    m = new_game(duel(Nvidia={"cash": 500.0}), seed=1)
    m.run()
    chips = m.actor("Nvidia")
    assert chips.totals["payout"] < 0  # paid to shareholders (the outside world)
    assert chips.cash < 100.0
    assert m.ledger.imbalance() == pytest.approx(0.0, abs=1e-6)


# ==================================================================== power and leases
def test_compute_beyond_powered_capacity_earns_nothing():
    spec = load_scenario("baseline-2024")
    raw = spec.model_dump(mode="json")
    raw["market"]["cloud_gw"] = 0.1  # 50 kH100e of power for 100 kH100e of compute
    raw["market"]["cloud_growth"] = 0.0
    m = external(scenario_from_dict(raw))
    lab = m.actor("OpenAI")
    assert lab.served_share() == pytest.approx(0.5)
    assert lab.served == pytest.approx(lab.compute / 2)
    next_quarter(m)
    assert lab.totals["cloud_rent"] < 0


def test_a_lease_powers_the_tenant_and_pays_the_landlord_each_quarter():
    spec = duel(MGX={"campus_gw": 1.0, "licence": True})
    m = external(spec)
    lab = m.actor("OpenAI")
    before = lab.powered_gw()
    out = m.submit("OpenAI", Propose("MGX", "lease", {"gw": 0.5, "quarters": 4, "rent": 1.2}))
    assert out.ok
    signed = m.submit("MGX", Accept(out.offer_id))
    assert signed.signed, signed.reason
    assert lab.powered_gw() == pytest.approx(before + 0.5)
    next_quarter(m)
    assert m.actor("MGX").totals["lease_rent"] == pytest.approx(0.6)
    assert lab.totals["lease_rent"] == pytest.approx(-0.6)


def test_a_gulf_campus_without_an_export_licence_cannot_host_a_tenant():
    m = external(duel(MGX={"campus_gw": 1.0, "licence": False}))
    out = m.submit("OpenAI", Propose("MGX", "lease", {"gw": 0.5, "quarters": 4, "rent": 1.2}))
    signed = m.submit("MGX", Accept(out.offer_id))
    assert signed.signed is False and "export licence" in signed.reason


def test_a_lease_larger_than_the_free_campus_is_not_signed():
    m = external(duel(MGX={"campus_gw": 0.2, "licence": True}))
    out = m.submit("OpenAI", Propose("MGX", "lease", {"gw": 0.5, "quarters": 4, "rent": 1.2}))
    signed = m.submit("MGX", Accept(out.offer_id))
    assert signed.signed is False and "GW of campus free" in signed.reason


def test_a_lab_may_build_its_own_campus_which_powers_it_when_it_opens():
    m = external(duel(OpenAI={"cash": 100.0}))
    lab = m.actor("OpenAI")
    assert m.submit("OpenAI", FundCampus(0.5)).ok
    for _ in range(m.rules.campus_build_quarters):
        next_quarter(m)
    assert lab.campus_gw == pytest.approx(0.5)
    assert lab.totals["campus_capex"] == pytest.approx(-0.5 * m.rules.campus_capex_per_gw)


# ==================================================================== one AI market
def test_a_rivals_compute_lowers_a_labs_revenue():
    def run_rate(rival_compute: float) -> float:
        spec = load_scenario("crowded")
        raw = spec.model_dump(mode="json")
        labs = [a for a in raw["actors"] if a["role"] == "lab"]
        labs[1]["compute"] = rival_compute
        m = external(scenario_from_dict(raw))
        for _ in range(4):
            next_quarter(m)
        return m.actor(labs[0]["name"]).revenue_run_rate

    assert run_rate(3000.0) < run_rate(10.0)


# ==================================================================== Taiwan risk
def _designer_revenue(scenario: str, seed: int, quarters: range) -> float:
    spec = load_scenario(scenario)
    seats = {a.name: make_policy("historical", a.role) for a in spec.actors}
    m = new_game(spec, seed=seed, policies=seats)
    total = 0.0
    while not m.finished:
        q = m.quarter_index
        m.step()
        if q in quarters:
            total += m.actor("Nvidia").revenue()
    return total


def test_a_blockade_cuts_a_taiwan_dependent_designers_revenue_by_a_fifth_or_more():
    blockade = range(12, 16)  # 2027Q1 to 2027Q4 in taiwan-crisis
    for seed in (1, 2):
        calm = _designer_revenue("baseline-2024", seed, blockade)
        hit = _designer_revenue("taiwan-crisis", seed, blockade)
        assert hit <= 0.8 * calm, (seed, hit, calm)


# ==================================================================== own chips
def test_a_chip_programme_costs_its_quarters_and_may_slip():
    slipped = 0
    for seed in range(6):
        m = external(duel(OpenAI={"cash": 60.0}), seed=seed)
        lab = m.actor("OpenAI")
        assert m.submit("OpenAI", StartChipProgramme()).ok
        quarters = 0
        while lab.programme_left and not m.finished:
            next_quarter(m)
            quarters += 1
        if lab.programme_left == 0:
            assert quarters >= m.rules.chip_programme_quarters
            slipped += quarters > m.rules.chip_programme_quarters
            assert -lab.totals["chip_rnd"] == pytest.approx(quarters * m.rules.chip_programme_cost)
    assert slipped > 0


def _jv_quarter(site: str, blockade: float) -> FabRaceModel:
    """A quarter of a duel in which the lab's own chips are ready and a 20k-wafer JV fab (80 %
    of its output the lab's) produces at ``site``, with Taiwan's output cut by ``blockade``."""
    from game.events import ActiveEvent, fold_modifiers
    from game.fabs import Fab

    m = external(duel(OpenAI={"cash": 60.0, "campus_gw": 5.0}))  # power to spare for new chips
    m.actor("OpenAI").programme_left = 0
    fab = Fab(
        "N3", site, 20.0, age=20, partner="OpenAI", partner_output_share=0.8, operator_fee=0.1
    )
    m.actor("TSMC").fabs.append(fab)
    if blockade:
        m.active_events = [ActiveEvent("blockade", m.quarter_index, 1, blockade)]
        m.modifiers = fold_modifiers(m.active_events)
    m.step()
    return m


def test_a_jv_fab_outside_taiwan_keeps_its_partners_chips_coming_through_a_blockade():
    own = {}
    for site in ("us", "taiwan"):
        for blockade in (0.0, 0.9):
            m = _jv_quarter(site, blockade)
            own[site, blockade] = m.actor("OpenAI").compute_by_vendor().get("own", 0.0)
    # Outside Taiwan, fab and packaging line stand at the JV's site: the blockade changes nothing.
    assert own["us", 0.9] == pytest.approx(own["us", 0.0]) and own["us", 0.0] > 0
    # The same fab in Taiwan loses nine tenths of its output.
    assert own["taiwan", 0.9] == pytest.approx(0.1 * own["taiwan", 0.0], rel=1e-6)


def test_a_jv_partner_pays_its_share_of_the_running_cost_and_the_fee():
    m = _jv_quarter("us", 0.0)
    lab, fab = m.actor("OpenAI"), m.actor("TSMC")
    from game.fabs import Fab

    made = Fab("N3", "us", 20.0, age=20).output(m.modifiers.new_fab_yield)  # in its quarter
    wafers = made * fab.fabs[-1].partner_output_share
    # At the site's running cost: a US fab costs half as much again to run as a Taiwan one.
    us_cost = fab.wafer_cost * SITES["us"]["cost_factor"]
    assert us_cost > fab.wafer_cost
    assert -lab.totals["jv_cost"] == pytest.approx(wafers * us_cost / 1000)
    assert -lab.totals["jv_fee"] == pytest.approx(0.1 * wafers * fab.wafer_price / 1000)


# ==================================================================== scores
def test_scores_are_relative_to_the_scenarios_reference_run():
    spec = load_scenario("duel")
    raw = spec.model_dump(mode="json")
    raw["scoring"] = {"reference": {"lab": {"mean": 1.0, "sd": 0.5}}}
    m = new_game(scenario_from_dict(raw), seed=3)
    m.run()
    lab, fund = m.actor("OpenAI"), m.actor("MGX")
    assert lab.score == pytest.approx((lab.raw_score - 1.0) / 0.5)
    assert lab.score_breakdown["reference"] == pytest.approx(-2.0)
    assert fund.score == pytest.approx(fund.raw_score)  # no reference for investors here


def test_an_investors_inflows_are_not_a_return():
    m = new_game(
        duel(MGX={"inflow": 5.0}), seed=2, policies={"MGX": make_policy("idle", "investor")}
    )
    m.run()
    fund = m.actor("MGX")
    assert fund.totals["inflow"] == pytest.approx(5.0 * m.n_quarters)
    assert fund.score_breakdown["return"] < 0.5  # 60 $B of new money is not a 60 $B gain
