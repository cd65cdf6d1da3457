"""The built-in bots' memos (agents/memos.py, agents/tactics.py, agents/lab_tactics.py) give
what plain computations give, over a whole game's observations asked in turn and back again, so
that each memo must notice every change of observation, record, figures or fabs."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

import pytest

from agents import new_game
from agents.lab_tactics import (
    KH100E_PER_GW,
    _campus_cost,
    _estimated_free_gw,
    _power_short,
    campus_cost,
    free_campus_gw,
    free_campus_gws,
    labs_power_short,
)
from agents.memos import about
from agents.tactics import (
    _foundry_output,
    foundry_output,
    gpu_supply,
    my_active,
    other_makers_units,
    packaging_units,
    promised_wafers,
    shared_active,
)
from game.markets import cloud_growth_ahead
from game.observation import Observation


@pytest.fixture(scope="module")
def seen() -> list[Observation]:
    """Every actor's observation at the start of each of 12 quarters and after its moves, of a
    baseline game (contracts are signed, fabs and campuses built meanwhile)."""
    game = new_game("baseline-2024", seed=5)
    names = [a.name for a in game.actor_list]
    out: list[Observation] = []
    for step in (game.open_quarter, game.step) * 12:
        step()
        out.extend(map(game.observe, names))
    assert len({len(o.contracts) for o in out}) > 2, "contracts should be signed meanwhile"
    return out


def _active(obs: Observation, kind: str | None) -> list[Any]:
    return [
        c
        for c in obs.my_contracts()
        if c["status"] == "active" and (kind is None or c["kind"] == kind)
    ]


def test_the_active_contracts_by_kind_are_the_plain_filter_whatever_list_was_asked_before(
    seen: list[Observation],
) -> None:
    """The slot of active contracts by kind follows the observation and the list asked about:
    the actor's own (``mine`` None or the list itself) or another list of its contracts."""
    for obs in seen + seen[::-1]:
        own = obs.my_contracts()
        other = list(own[::2])  # a different list: never served from the actor's own
        for kind in (None, "capacity", "supply", "loan", "lease"):
            want = _active(obs, kind)
            assert list(shared_active(obs, kind)) == want
            assert list(shared_active(obs, kind, other)) == [c for c in want if c in other]
            assert my_active(obs, kind) == want
            assert my_active(obs, kind, own) == want


def test_a_foundrys_output_follows_its_fabs_and_the_taiwan_cut(seen: list[Observation]) -> None:
    """The output remembered with the fabs it came from is the plain one, also for an
    observation whose fabs or Taiwan cut differ from the last one asked about."""
    foundries = {f for obs in seen for f in obs.others("foundry")}
    assert foundries
    for obs in seen + seen[::-1]:
        for f in obs.others("foundry"):
            assert foundry_output(obs, f) == _foundry_output(obs, f)
    obs = seen[-1]
    f = obs.others("foundry")[0]
    before = foundry_output(obs, f)
    fabs = tuple(obs.public[f]["fabs"])
    more = (*fabs, ("N3", "arizona", 40.0, 0))  # one more fab running
    public = dict(obs.public)
    public[f] = MappingProxyType({**obs.public[f], "fabs": more})
    grown = dataclasses.replace(obs, public=MappingProxyType(public))
    assert foundry_output(grown, f) == pytest.approx(before + 40.0 * 0.9)
    cut = dataclasses.replace(obs, modifiers={**obs.modifiers, "taiwan_output": 0.5})
    assert foundry_output(cut, f) == _foundry_output(cut, f) < before
    assert foundry_output(obs, f) == before


def test_a_designers_supply_reads_each_foundrys_terms_as_the_plain_sum(
    seen: list[Observation],
) -> None:
    """What a foundry serves, the other makers' wafers and its packaging, kept once an
    observation, give the supply the plain formula gives, with and without a spot order."""
    designers = [o for o in seen if o.role == "designer"]
    assert designers
    for obs in designers + designers[::-1]:
        for spot in (None, {f: 3.0 for f in obs.others("foundry")}):
            b = obs.books
            gen = float(obs.market["generation"])
            dpw = max(1.0, float(b.get("dies_per_wafer", 29.0)))
            due = dict(spot or {})
            for c in _active(obs, "capacity"):
                if c["parties"][0] == obs.actor:
                    f = c["parties"][1]
                    due[f] = due.get(f, 0.0) + float(c["terms"]["wafers"])
            units = float(b.get("inventory", 0.0))
            for f, wafers in due.items():
                promised = promised_wafers(obs, f)
                out = _foundry_output(obs, f)
                served = 1.0 if promised <= out or promised <= 0 else out / promised
                mine = wafers * served * dpw * gen
                total = mine + other_makers_units(obs, f)
                cap = packaging_units(obs, f)
                units += mine * (min(1.0, cap / total) if total > 0 else 0.0)
            assert gpu_supply(obs, None, spot) == units


def _plain_free(obs: Observation, landlord: str) -> float:
    pub = obs.public[landlord]
    leased = sum(
        [
            float(c["terms"]["gw"])
            for c in obs.contracts
            if c["kind"] == "lease" and c["status"] == "active" and c["parties"][1] == landlord
        ]
    )
    own = float(pub.get("compute", 0.0)) / (
        KH100E_PER_GW * max(1.0, float(obs.market["generation"]) / 1.5)
    )
    return max(0.0, float(pub.get("campus_gw", 0.0)) - leased - own)


def test_estimates_about_other_actors_follow_their_figures_the_record_and_the_market(
    seen: list[Observation],
) -> None:
    """An investor's free campus and a lab's coming shortage, remembered across observers,
    are the plain ones for every observer, in turn and back again."""
    asked = 0
    for obs in seen + seen[::-1]:
        investors = obs.others("investor")
        assert free_campus_gws(obs, investors) == [_plain_free(obs, n) for n in investors]
        for n in investors:
            assert free_campus_gw(obs, n) == _plain_free(obs, n) == _estimated_free_gw(obs, n)
            asked += 1
        for quarters, growth in ((2.0, 0.08), (4.0, 0.1)):
            ahead = cloud_growth_ahead(obs.market_params, obs.quarter, quarters)
            assert labs_power_short(obs, quarters, growth) == {
                lab: _power_short(obs, lab, ahead, quarters, growth) for lab in obs.others("lab")
            }
    assert asked > 100


def test_an_estimate_about_another_actor_is_made_again_when_what_it_reads_changes(
    seen: list[Observation],
) -> None:
    """The same observation with another actor's figures, the record or the market replaced
    (as a test or a tool may make one) gets a fresh estimate, not the remembered one."""
    obs = next(o for o in seen if o.role != "investor" and o.others("investor"))
    n = obs.others("investor")[0]
    before = free_campus_gw(obs, n)
    public = dict(obs.public)
    public[n] = MappingProxyType({**obs.public[n], "campus_gw": obs.public[n]["campus_gw"] + 7})
    bigger = dataclasses.replace(obs, public=MappingProxyType(public))
    assert free_campus_gw(bigger, n) == _plain_free(bigger, n) > before
    lease = {
        "kind": "lease",
        "status": "active",
        "parties": ("someone", n),
        "terms": {"gw": 0.5, "quarters": 4, "rent": 1.0},
    }
    leased = dataclasses.replace(bigger, contracts=(*bigger.contracts, MappingProxyType(lease)))
    assert free_campus_gw(leased, n) == _plain_free(leased, n)
    market = MappingProxyType({**obs.market, "generation": obs.market["generation"] * 4})
    later = dataclasses.replace(leased, market=market)
    assert free_campus_gw(later, n) == _plain_free(later, n)
    assert free_campus_gw(obs, n) == before


def _reads_all(obs: Observation, name: str) -> float:
    """A stand-in estimate that reads each thing :func:`about` may assume unchanged."""
    return (
        float(obs.public[name]["cash"])
        + len(obs.contracts)
        + float(obs.market["generation"])
        + float(obs.market_params["cloud_growth"])
        + float(obs.rules["compute_life"])
    )


def test_about_works_an_estimate_out_again_when_any_of_what_it_may_read_is_replaced(
    seen: list[Observation],
) -> None:
    """:func:`agents.memos.about` serves its last value only to an observation with the same
    figures of that actor, record, market, market parameters and rules."""
    obs = seen[-1]
    n = obs.others()[0]
    key = ("test_about", n)
    assert about(obs, n, key, _reads_all) == _reads_all(obs, n)
    public = dict(obs.public)
    public[n] = MappingProxyType({**obs.public[n], "cash": obs.public[n]["cash"] + 1})
    changes: dict[str, Any] = {
        "public": MappingProxyType(public),
        "contracts": obs.contracts[:-1],
        "market": MappingProxyType({**obs.market, "generation": obs.market["generation"] + 1}),
        "market_params": MappingProxyType(
            {**obs.market_params, "cloud_growth": obs.market_params["cloud_growth"] + 1}
        ),
        "rules": type(obs.rules)({**obs.rules, "compute_life": obs.rules["compute_life"] + 1}),
    }
    for field, value in changes.items():
        other = dataclasses.replace(obs, **{field: value})
        assert about(obs, n, key, _reads_all) == _reads_all(obs, n)
        assert about(other, n, key, _reads_all) == _reads_all(other, n) != _reads_all(obs, n), field


def test_a_campus_cost_follows_the_build_costs_and_rules_it_is_read_from(
    seen: list[Observation],
) -> None:
    """:func:`agents.lab_tactics.campus_cost` serves its last answer only to an observation with
    the same build costs and rules (a delay or another game's rules give another answer)."""
    obs = seen[-1]
    campus = obs.build_costs["campus"]
    slower = dataclasses.replace(
        obs,
        build_costs=MappingProxyType(
            {
                **obs.build_costs,
                "campus": {**campus, "build_quarters": campus["build_quarters"] + 2},
            }
        ),
    )
    no_campus = MappingProxyType({k: v for k, v in obs.build_costs.items() if k != "campus"})
    other_rules = type(obs.rules)(
        {**obs.rules, "campus_capex_per_gw": obs.rules["campus_capex_per_gw"] + 1}
    )
    by_rules = [
        dataclasses.replace(obs, build_costs=no_campus, rules=rules)  # the same build costs
        for rules in (obs.rules, other_rules)
    ]
    asked = [obs, slower, *by_rules]
    for o in seen + asked + asked[::-1] + seen[::-1]:
        assert campus_cost(o) == _campus_cost(o.build_costs, o.rules)
    assert len({campus_cost(o) for o in asked}) == 3, "the test should see three answers"
