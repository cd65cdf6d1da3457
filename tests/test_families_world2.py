"""The basic, greedy and cautious families in the second world: prices with an interior
optimum, power that binds labs, leases, own chips and a designer's answer to them."""

from __future__ import annotations

import tomllib

import pytest

from agents import new_game
from agents.basic import BasicPolicy
from agents.cautious import CautiousPolicy
from agents.greedy import GreedyPolicy
from agents.tactics import chip_programme_payoff, gpu_demand, gpu_owed, optimal_gpu_price
from game.decisions import StartChipProgramme
from game.legality import MOVE_BOUNDS
from game.scenario import load_scenario, scenario_dir, scenario_from_dict

FAMILIES = {"basic": BasicPolicy, "greedy": GreedyPolicy, "cautious": CautiousPolicy}
BASELINE = ("OpenAI", "Nvidia", "TSMC", "MGX", "PIF", "QIA", "SoftBank")


def test_the_best_gpu_price_is_the_reference_and_rises_only_when_supply_is_short() -> None:
    m = new_game("baseline-2024", seed=1)
    m.open_quarter()
    obs = m.observe("Nvidia")
    ref = float(obs.market["gpu_reference_price"])
    # Cost is far below the reference: demand is inelastic below it, elastic above it.
    assert optimal_gpu_price(obs) == pytest.approx(ref)
    wanted = gpu_demand(obs, "Nvidia", ref)
    assert optimal_gpu_price(obs, supply=2 * wanted) == pytest.approx(ref)
    short = optimal_gpu_price(obs, supply=0.5 * wanted)
    assert ref < short <= 2.5 * ref
    # ... to the price at which what it can sell clears: its contracts, then outside buyers.
    owed = gpu_owed(obs)
    assert gpu_demand(obs, "Nvidia", short) == pytest.approx(0.5 * wanted - owed, rel=1e-6)
    assert optimal_gpu_price(obs, supply=0.0) == pytest.approx(2.5 * ref)  # never at the cap


@pytest.mark.parametrize("cls", FAMILIES.values(), ids=FAMILIES)
def test_no_family_keeps_its_price_near_the_cap(cls: type[BasicPolicy]) -> None:
    m = new_game("baseline-2024", seed=3, policies={n: cls() for n in BASELINE}, quarters=24)
    capped = 0
    while not m.finished:
        m.step()
        gpu_cap = MOVE_BOUNDS["set_gpu_price"]["price"][1] * m.market.gpu_reference()
        wafer_cap = MOVE_BOUNDS["set_wafer_price"]["price"][1] * m.market.wafer_reference(
            m.modifiers
        )
        capped += m.actor("Nvidia").gpu_price >= 0.95 * gpu_cap
        capped += m.actor("TSMC").wafer_price >= 0.95 * wafer_cap
    assert capped == 0


@pytest.mark.parametrize("cls", FAMILIES.values(), ids=FAMILIES)
def test_a_lab_buys_no_accelerators_it_cannot_power(cls: type[BasicPolicy]) -> None:
    """Against a field of basic bots, the lab's compute stays (almost) all powered."""
    m = new_game("baseline-2024", seed=2, policies={"OpenAI": cls()}, quarters=28)
    while True:
        m.step()
        if m.finished:  # leases that run to the end close with the game
            break
        lab = m.actor("OpenAI")
        assert not lab.insolvent
        assert lab.served >= 0.95 * lab.compute, (m.label, lab.served, lab.compute)


@pytest.mark.parametrize("cls", FAMILIES.values(), ids=FAMILIES)
def test_a_designer_answers_a_labs_own_chip_programme(cls: type[BasicPolicy]) -> None:
    """Once the lab's programme is public, the designer offers it better terms than its list
    price: a supply contract at a discount, or vendor financing."""
    m = new_game("baseline-2024", seed=1, policies={"OpenAI": None, "Nvidia": cls()})
    m.open_quarter()
    assert m.submit("OpenAI", StartChipProgramme()).ok
    m.step()
    m.open_quarter()
    list_price = m.actor("Nvidia").gpu_price
    offers = [
        o.view()
        for o in m.negotiation.offers.values()
        if o.proposer == "Nvidia"
        and o.recipient == "OpenAI"
        and o.kind.value in ("supply", "vendor_financing")
    ]
    assert any(o["terms"]["price"] < list_price for o in offers), offers


def test_a_chip_programme_pays_only_with_spend_and_time_to_use_it() -> None:
    m = new_game("baseline-2024", seed=1)
    m.open_quarter()
    obs = m.observe("OpenAI")
    assert chip_programme_payoff(obs, 20.0) > 0  # a big buyer with ten years left
    assert chip_programme_payoff(obs, 0.5) < 0  # a small one does not recoup the R&D
    short = new_game("duel", seed=1)
    short.open_quarter()
    assert chip_programme_payoff(short.observe("OpenAI"), 20.0) < 0  # no time to use the chips


@pytest.mark.parametrize("cls", FAMILIES.values(), ids=FAMILIES)
def test_a_short_game_never_starts_a_chip_programme(cls: type[BasicPolicy]) -> None:
    m = new_game("duel", seed=4, policies={"OpenAI": cls()})
    m.run()
    assert m.actor("OpenAI").programme_left is None


def test_an_investor_leases_its_free_campus_to_a_lab_short_of_power() -> None:
    raw = tomllib.loads((scenario_dir() / "duel.toml").read_text())
    fund = next(a for a in raw["actors"] if a["name"] == "MGX")
    fund["licence"] = True
    fund["campus_gw"] = 1.0
    m = new_game(scenario_from_dict(raw), seed=3)  # all basic
    for _ in range(6):
        m.step()
    leases = [c for c in m.contracts.values() if c.kind.value == "lease"]
    assert leases and all(c.first == "OpenAI" and c.second == "MGX" for c in leases)
    lab = m.actor("OpenAI")
    assert lab.powered_gw() > lab.cloud_gw() + 0.05
    assert m.actor("MGX").totals.get("lease_rent", 0.0) > 0


def test_a_gulf_fund_without_a_licence_builds_no_campus_for_tenants() -> None:
    spec = load_scenario("duel")
    m = new_game(spec.model_copy(update={"events": []}), seed=2)  # MGX: UAE, no licence
    m.run()
    fund = m.actor("MGX")
    assert fund.campus_gw == 0 and not fund.campus_builds


def test_the_basic_foundry_beats_doing_nothing() -> None:
    for seed in (1, 2):
        scores = {}
        for fam in ("idle", "basic"):
            m = new_game("baseline-2024", seed=seed, policies={"TSMC": fam})
            m.run()
            scores[fam] = m.actor("TSMC").score
        assert scores["basic"] > scores["idle"], (seed, scores)
