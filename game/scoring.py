"""Scores per role, each with a breakdown the UI can show.

Every component is scaled by the actor's own starting figures (log ratios, profit over starting
revenue), so scores of one role are comparable across games of a scenario and across actors of
different size. The total is the sum of the breakdown. The rules, in words:

- **lab**: + log growth of powered compute in service at the end (its position) + log of the revenue
  earned over the game against its starting run-rate kept flat (the path: a quarter of compute
  lost to a blockade is revenue lost for good) − quarters of runway under a year − dependence on
  merchant vendors (Herfindahl of its compute by outside vendor; its own chips depend on no one)
  − lost control.
- **designer**: + gross profit over starting revenue + share of accelerators sold + backlog −
  inventory write-downs.
- **foundry**: + operating profit over starting revenue − quarters with utilisation outside
  85–100 % − quarters with gross margin under the floor − idle capacity at the end (overbuilding).
- **investor**: + portfolio return (net asset value) + compute hosted at home + influence
  (share of contract value touching it) − concentration of its stakes.
- every role: a heavy penalty for insolvency.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from game.actors import Actor, Designer, Foundry, Investor, Lab
from game.ledger import CAPEX, FINANCING

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.model import FabRaceModel

__all__ = ["INSOLVENCY_PENALTY", "raw_breakdown", "score_actor", "update_tallies"]

INSOLVENCY_PENALTY = -5.0


def _log_ratio(now: float, start: float) -> float:
    return math.log((now + 1.0) / (start + 1.0))


def update_tallies(model: FabRaceModel, a: Actor) -> None:
    """Update the per-quarter counters the scores need (called once at each quarter's end)."""
    t = a.tally
    pnl = a.pnl
    if isinstance(a, Lab):
        t["revenue_earned"] += pnl.get("ai_revenue", 0.0)
        net = sum([v for k, v in pnl.items() if k not in FINANCING])
        burn = -net if -net > 0.0 else 0.0  # max(0.0, -net): see _lab_breakdown
        if burn > 0 and a.cash < 4 * burn:
            t["low_runway"] += 1
    elif isinstance(a, Designer):
        # A flow is booked under one reason on both sides: what the designer pays for wafers
        # shows as negative "wafer_sale" / "wafer_prepayment" / "jv_fee" on its books, refunds
        # it receives as positive "wafer_refund", refunds it pays as negative "gpu_refund".
        sales = (
            pnl.get("gpu_sale", 0.0) + pnl.get("gpu_prepayment", 0.0) + pnl.get("gpu_refund", 0.0)
        )
        cogs = -(
            pnl.get("wafer_sale", 0.0)
            + pnl.get("wafer_prepayment", 0.0)
            + pnl.get("wafer_refund", 0.0)
            + pnl.get("jv_fee", 0.0)
            + pnl.get("jv_cost", 0.0)
            + pnl.get("unit_cost", 0.0)
        )
        t["gross_profit"] += sales - cogs
        sold = a.sold_last
        if sold < 1.0:  # max(sold, 1.0): see _lab_breakdown
            sold = 1.0
        if a.inventory > sold * 1.5:
            excess = a.inventory - sold * 1.5
            t["write_downs"] += 0.1 * excess * a.gpu_price / 1000.0
    elif isinstance(a, Foundry):
        op = sum([v for k, v in pnl.items() if k not in FINANCING and k not in CAPEX])
        t["operating_profit"] += op
        if not 0.85 <= a.utilisation <= 1.0 + 1e-9 and a.capacity() > 0:
            t["utilisation_quarters"] += 1
        rev = sum([pnl.get(r, 0.0) for r in a.revenue_reasons])
        # A JV partner's share of the running cost reimburses the operator's wafer cost.
        cost = -(pnl.get("wafer_cost", 0.0) + pnl.get("other_cost", 0.0) + pnl.get("jv_cost", 0.0))
        if rev > 0 and (rev - cost) / rev < a.margin_floor:
            t["margin_quarters"] += 1
        idle = 1.0 - a.utilisation
        idle = idle if idle > 0.0 else 0.0  # max(0.0, idle): see _lab_breakdown
        t["idle_recent"] = 0.75 * t["idle_recent"] + 0.25 * idle


def score_actor(model: FabRaceModel, a: Actor) -> dict[str, float]:
    """The score breakdown of an actor now (sum = score), relative to the reference run.

    Where the scenario gives its reference run's mean and spread for the role
    (``[scoring.reference]``), every component is in units of that spread and a last component,
    ``reference``, subtracts the reference mean: a score of 0 is what a competent
    (``historical``) player of the role ends with, +1 one spread better — so scores compare
    across roles. Elsewhere the score is the raw one (:func:`raw_breakdown`).
    """
    raw = raw_breakdown(model, a)
    ref = model.spec.scoring.reference.get(a.role)
    if ref is None:
        return raw
    sd = ref.sd
    out = {k: v / sd for k, v in raw.items()}
    out["reference"] = -ref.mean / ref.sd
    return out


def raw_breakdown(model: FabRaceModel, a: Actor) -> dict[str, float]:
    """The raw score breakdown of an actor now, in the role's own units."""
    out = _ROLE_BREAKDOWNS[a.role](model, a)
    if a.insolvent:
        out["insolvency"] = INSOLVENCY_PENALTY
    return out


def _lab_breakdown(model: FabRaceModel, a: Actor) -> dict[str, float]:
    assert isinstance(a, Lab)
    init = a.initial
    t = a.tally
    by_vendor = a.compute_by_vendor()
    total = sum(by_vendor.values())
    # (lists, not generators, summed: the same sums, without a generator's frame)
    hhi = sum([(v / total) ** 2 for k, v in by_vendor.items() if k != "own"]) if total > 0 else 1.0
    # (max() spelt out as comparisons here and below: each call of the builtin costs more than
    # the figures it picks from; max(a, b) is b if b > a else a)
    q = model.quarter_index
    played = q if q > 1 else 1  # max(1, q)
    flat = init["revenue_run_rate"] * played / 4.0  # what it would earn without growth
    gap = 0.5 - a.control  # lost control
    return {
        "compute": _log_ratio(a.served, init["compute"]),  # compute with power to run
        "revenue": _log_ratio(t["revenue_earned"], flat),
        "runway": -0.05 * t["low_runway"],
        "concentration": -0.5 * hhi,
        "control": -2.0 * (gap if gap > 0.0 else 0.0),
    }


def _designer_breakdown(model: FabRaceModel, a: Actor) -> dict[str, float]:
    assert isinstance(a, Designer)
    t = a.tally
    start = _start_revenue(a)
    scale = start * (model.quarter_index + 1)  # (quarters are counted from 0)
    sold_all = (model.gpu_sold_total + model.own_chips_total) or 1.0  # labs' chips count
    return {
        "gross_profit": t["gross_profit"] / scale,
        "share": a.totals_sold / sold_all if sold_all else 0.0,
        "backlog": 0.2 * model.backlog_value(a.name) / start,
        "write_downs": -t["write_downs"] / scale,
    }


def _foundry_breakdown(model: FabRaceModel, a: Actor) -> dict[str, float]:
    t = a.tally
    scale = _start_revenue(a) * (model.quarter_index + 1)  # (quarters are counted from 0)
    idle = t["idle_recent"] - 0.15
    return {
        "operating_profit": t["operating_profit"] / scale,
        "utilisation": -0.02 * t["utilisation_quarters"],
        "margin": -0.02 * t["margin_quarters"],
        "overbuilding": -1.0 * (idle if idle > 0.0 else 0.0),  # max(0.0, idle)
    }


def _investor_breakdown(model: FabRaceModel, a: Actor) -> dict[str, float]:
    assert isinstance(a, Investor)
    nav = model.net_asset_value(a)
    by_name = model.actors_by_name
    stakes = [s * model.valuation(by_name[n]) for n, s in a.stakes.items()]
    total = sum(stakes)
    hhi = sum([(v / total) ** 2 for v in stakes]) if total > 0 else 0.0
    start = a.initial["nav"]
    if start < 0.1:  # max(start, 0.1)
        start = 0.1
    return {
        # New money from the owners (inflows) is not a return on what was invested.
        "return": (nav - a.totals.get("inflow", 0.0)) / start - 1.0,
        "in_country": 0.2 * math.log1p(a.compute / 100.0),
        "influence": model.centrality().get(a.name, 0.0),
        "concentration": -0.3 * hhi,
    }


def _start_revenue(a: Actor) -> float:
    """The starting revenue a company's figures are scaled by (at least $0.1B): ``max(revenue,
    0.1)`` spelt out as a comparison (cheaper than the builtin's call)."""
    start: float = a.initial["revenue"]
    return 0.1 if start < 0.1 else start


#: Each role's raw breakdown (without the insolvency penalty every role may have).
_ROLE_BREAKDOWNS: dict[str, Callable[[FabRaceModel, Actor], dict[str, float]]] = {
    "lab": _lab_breakdown,
    "designer": _designer_breakdown,
    "foundry": _foundry_breakdown,
    "investor": _investor_breakdown,
}
