"""The quarter close's fast figures give what the plain computations give, bit for bit: the fab
yield ramp (remembered), the clouds' growth (products kept and extended), a fleet's retirements,
a fleet's totals (its summed lists kept), a foundry's fab figures and the charts' rows."""

from __future__ import annotations

import math
import random

import mesa
import pytest

from agents import new_game
from game.actors import Actor, Foundry
from game.deals import NODES
from game.fabs import Fab, FabFigures, fab_figures
from game.fleet import Cohort, Fleet
from game.markets import cloud_factor


def _plain_yield(fab: Fab, young: float) -> float:
    n = NODES[fab.node]
    first = n["first_yield"] if fab.first_yield is None else fab.first_yield
    mature = max(first, n["mature_yield"])
    y = mature - (mature - first) * math.exp(-fab.age / 4.0)
    return y * young if fab.age < 8 else y


def test_a_fabs_yield_is_the_plain_ramp_for_every_node_age_and_first_yield():
    for node in NODES:
        for first in (None, 0.3, 0.55, 0.99):
            fab = Fab(node=node, site="taiwan", capacity=10.0, first_yield=first)
            for age in (0, 1, 2, 7, 8, 9, 30, 80, 2, 0):  # ages again, from the memory
                fab.age = age
                for young in (1.0, 0.8):
                    assert fab.yield_rate(young) == _plain_yield(fab, young), (node, first, age)


@pytest.mark.parametrize("growth, decay", [(0.05, 0.03), (0.2, 0.1), (-0.01, 0.5), (0.1, 0.0)])
def test_the_clouds_growth_is_the_plain_product_asked_in_any_order(growth, decay):
    quarters = list(range(-2, 70))
    random.Random(5).shuffle(quarters)  # shorter and longer products, asked out of order
    for q in quarters:
        plain = (
            (1.0 + growth) ** q
            if decay == 0.0
            else math.prod(1.0 + growth * (1.0 - decay) ** k for k in range(q))
        )
        got = cloud_factor(growth, decay, q)
        assert got == plain and type(got) is type(plain), q


class _Fleet(Fleet):
    def __init__(self, cohorts: list[Cohort]) -> None:
        self._init_fleet(cohorts)


def _cohorts(rng: random.Random, n: int) -> list[Cohort]:
    vendors = ["legacy", "NVIDIA", "own", "AMD"]
    return [Cohort(q, rng.uniform(0.1, 50.0), rng.choice(vendors), 1.3**q) for q in range(-5, n)]


def test_retiring_compute_keeps_exactly_the_younger_cohorts_in_order_even_unsorted():
    rng = random.Random(12)
    cohorts = _cohorts(rng, 30)
    for oldest in (-10, -5, 0, 3, 29, 40):
        fleet = _Fleet(cohorts)
        fleet.retire_compute(oldest)
        kept = [c for c in cohorts if c.quarter > oldest]
        assert fleet.cohorts == kept
        assert fleet.compute == math.fsum(c.amount for c in kept)
    shuffled = _Fleet([Cohort(-3, 1.0, "a"), Cohort(5, 2.0, "b"), Cohort(-4, 4.0, "c")])
    shuffled.retire_compute(0)  # a snapshot's cohorts need not be in order: all go that should
    assert [c.quarter for c in shuffled.cohorts] == [5]


def _plain_fab_figures(fabs: list[Fab]) -> FabFigures:
    running: float = 0
    producing, building, rows = [], [], []
    for f in fabs:
        if f.build_left:
            building.append(f.capacity)
        else:
            running += f.capacity
            producing.append(f.capacity)
        rows.append((f.node, f.site, f.capacity, f.build_left))
    return running, sum(producing), sum(building), rows


def test_a_foundrys_fab_figures_and_builds_are_the_plain_loop_over_its_fabs():
    rng = random.Random(14)
    for n in (0, 1, 3, 25):
        fabs = [
            Fab(
                node=rng.choice(list(NODES)),
                site=rng.choice(["taiwan", "us", "japan"]),
                capacity=rng.uniform(1.0, 100.0),
                build_left=rng.choice([0, 0, 1, 5]),
            )
            for _ in range(n)
        ]
        got, plain = fab_figures(fabs), _plain_fab_figures(fabs)
        assert got == plain and [type(x) for x in got[:3]] == [type(x) for x in plain[:3]]


def _plain_totals(fleet: Fleet) -> tuple[float, float]:
    return (
        math.fsum(c.amount for c in fleet.cohorts),
        math.fsum(c.amount / c.generation for c in fleet.cohorts),
    )


def test_a_fleets_totals_are_the_plain_sums_as_cohorts_come_and_go():
    m = new_game("baseline-2024", seed=5, quarters=10)
    fleets = [a for a in m.actor_list if isinstance(a, Fleet)]
    for _ in range(10):
        m.step()
        for a in fleets:
            assert (a.compute, a.power()) == _plain_totals(a)
    rng = random.Random(15)
    for a in [*fleets, *(c.actor(a.name) for c in [m.clone()] for a in fleets)]:
        for q in range(60):  # cohorts added one by one and retired, in any mix and order
            quarter = 100 + q if q < 30 else rng.randint(100, 160)
            a.add_cohort(Cohort(quarter, rng.uniform(0.01, 90.0), "v", rng.uniform(1.0, 9.0)))
            if q % 7 == 6:
                a.retire_compute(100 + q - 3)
            assert (a.compute, a.power()) == _plain_totals(a)


def _plain_compute(a: Actor) -> float:
    return getattr(a, "compute", 0.0)


def _plain_capacity(a: Actor) -> float:
    return a.capacity() if isinstance(a, Foundry) else 0.0


def _plain_revenue(a: Actor) -> float:
    return a.revenue()


def test_the_games_charts_are_the_rows_mesas_own_datacollector_collects():
    m = new_game("crowded", seed=2, quarters=5)
    dc = m.datacollector
    # the series written out plainly, one reporter each (the game's make every row at once)
    plain = mesa.DataCollector(
        model_reporters=dict(dc.model_reporters),
        agent_reporters={
            "cash": "cash",  # as Mesa wraps a name
            "score": "score",
            "compute": _plain_compute,
            "capacity": _plain_capacity,
            "revenue": _plain_revenue,
        },
    )
    collect = dc.collect

    def both(model: object) -> None:  # the plain collector collects at the same moment
        plain.collect(model)
        collect(model)

    dc.collect = both  # type: ignore[method-assign]
    for _ in range(5):
        m.step()
        assert dc._record_agents(m) == list(mesa.DataCollector._record_agents(dc, m))
    assert dc.get_agent_vars_dataframe().equals(plain.get_agent_vars_dataframe())
    assert dc.get_model_vars_dataframe().equals(plain.get_model_vars_dataframe())
    assert list(dc.get_agent_vars_dataframe().columns) == list(plain.agent_reporters)
    assert dc._collection_steps == plain._collection_steps  # the steps of every collection
    assert dc.model_vars == plain.model_vars and dc._agent_records == plain._agent_records
