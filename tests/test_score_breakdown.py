"""Each role's score breakdown is the one the plain rules in one function give, bit for bit."""

from __future__ import annotations

import math

import pytest

from agents import new_game
from game.actors import Actor, Designer, Foundry, Investor, Lab
from game.model import FabRaceModel
from game.scoring import INSOLVENCY_PENALTY, raw_breakdown


def _log_ratio(now: float, start: float) -> float:
    return math.log((now + 1.0) / (start + 1.0))


# The breakdown as one function of isinstance branches (the engine dispatches by role).
def _plain_breakdown(model: FabRaceModel, a: Actor) -> dict[str, float]:
    """The raw breakdown, written out plainly."""
    init = a.initial
    t = a.tally
    q = max(1, model.quarter_index + 1)
    out: dict[str, float]
    if isinstance(a, Lab):
        by_vendor = a.compute_by_vendor()
        total = sum(by_vendor.values())
        hhi = (
            sum((v / total) ** 2 for k, v in by_vendor.items() if k != "own") if total > 0 else 1.0
        )
        played = max(1, model.quarter_index)
        flat = init["revenue_run_rate"] * played / 4.0  # what it would earn without growth
        out = {
            "compute": _log_ratio(a.served, init["compute"]),  # compute with power to run
            "revenue": _log_ratio(t["revenue_earned"], flat),
            "runway": -0.05 * t["low_runway"],
            "concentration": -0.5 * hhi,
            "control": -2.0 * max(0.0, 0.5 - a.control),
        }
    elif isinstance(a, Designer):
        scale = max(init["revenue"], 0.1) * q
        sold_all = (model.gpu_sold_total + model.own_chips_total) or 1.0  # labs' chips count
        out = {
            "gross_profit": t["gross_profit"] / scale,
            "share": a.totals_sold / sold_all if sold_all else 0.0,
            "backlog": 0.2 * model.backlog_value(a.name) / max(init["revenue"], 0.1),
            "write_downs": -t["write_downs"] / scale,
        }
    elif isinstance(a, Foundry):
        scale = max(init["revenue"], 0.1) * q
        out = {
            "operating_profit": t["operating_profit"] / scale,
            "utilisation": -0.02 * t["utilisation_quarters"],
            "margin": -0.02 * t["margin_quarters"],
            "overbuilding": -1.0 * max(0.0, t["idle_recent"] - 0.15),
        }
    else:
        assert isinstance(a, Investor)  # the last of the four roles
        nav = model.net_asset_value(a)
        stakes = {n: s * model.valuation(model.actors_by_name[n]) for n, s in a.stakes.items()}
        total = sum(stakes.values())
        hhi = sum((v / total) ** 2 for v in stakes.values()) if total > 0 else 0.0
        out = {
            # New money from the owners (inflows) is not a return on what was invested.
            "return": (nav - a.totals.get("inflow", 0.0)) / max(init["nav"], 0.1) - 1.0,
            "in_country": 0.2 * math.log1p(a.compute / 100.0),
            "influence": model.centrality().get(a.name, 0.0),
            "concentration": -0.3 * hhi,
        }
    if a.insolvent:
        out["insolvency"] = INSOLVENCY_PENALTY
    return out


@pytest.mark.parametrize("scenario", ["baseline-2024", "crowded"])
def test_every_actors_breakdown_is_the_plain_ones_each_quarter(scenario: str) -> None:
    m = new_game(scenario, seed=5, quarters=12)
    seen = set()
    for _ in range(12):
        m.step()
        for a in m.actor_list:
            seen.add(a.role)
            assert raw_breakdown(m, a) == _plain_breakdown(m, a), (a.name, m.quarter_index)
    assert seen == {"lab", "designer", "foundry", "investor"}
