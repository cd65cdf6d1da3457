"""What the reciprocal family reads from the world before it decides (plain estimates).

Each function reads only an :class:`~game.observation.Observation` and returns plain numbers; no
memory, no randomness. The family's role parts (``lab``, ``designer``, ``foundry``, ``investor``)
use them to price, to size what they buy and build, and to judge a chip programme or a lease; the
family's character (whom it deals with, on what terms) stays in the role parts.

Units as in the game: money in $B, prices in $k, accelerators in kH100e, wafers in k, power in GW
(1 GW powers about 500 kH100e of H100s; a chip of generation ``g`` does ``g`` times the work on the
same power).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.tactics import REF_DPW, clamp
from game.events import GULF_COUNTRIES
from game.markets import cloud_growth_ahead
from game.observation import Observation

__all__ = [
    "GW_UNITS",
    "cloud_gw_ahead",
    "demand_growth_ahead",
    "fair_rent",
    "free_campus_gw",
    "gpu_outside_demand",
    "gpu_profit_price",
    "kinked_demand",
    "lab_compute_that_pays",
    "lab_power_need",
    "lab_power_room",
    "lab_revenue_margin",
    "lab_running_flow",
    "merchant_unit_cost",
    "own_chip_cost",
    "profit_price",
    "running_cost",
    "wafer_profit_price",
    "wafer_reference",
]

#: kH100e of H100-class chips one GW powers (about 2 kW all-in per H100e).
GW_UNITS = 500.0


# -- prices under the kinked outside demand --------------------------------------------------------
def kinked_demand(base: float, price: float, ref: float, e_below: float, e_above: float) -> float:
    """Outside demand at ``price``: ``base × (price / ref) ** -e``, with the elasticity ``e_below``
    at or below the reference price and ``e_above`` above it."""
    rel = max(price, 1e-9) / max(ref, 1e-9)
    return base * rel ** -(e_below if rel <= 1.0 else e_above)


def profit_price(ref: float, unit_cost: float, e_above: float) -> float:
    """The price that earns the most gross profit under the kinked demand.

    Below the reference buyers respond weakly (elasticity < 1: a higher price earns more), above it
    they leave fast; with a constant elasticity ``e`` > 1 above, profit peaks at
    ``e / (e - 1) × unit cost``. So the best price is the larger of the reference and that markup:
    never near the cap, where almost nothing sells.
    """
    if e_above <= 1.0:
        return ref * 1.5  # no interior optimum above the reference: stay modestly above it
    return max(ref, e_above / (e_above - 1.0) * unit_cost)


def merchant_unit_cost(obs: Observation) -> float:
    """A designer's cost of one H100e now ($k): its unit cost (events included) plus its share of
    the cheapest foundry's wafer."""
    b = obs.books
    gen = max(1e-6, float(obs.market["generation"]))
    wafer = min(
        (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
        default=wafer_reference(obs),
    )
    unit = float(b["unit_cost"]) * float(obs.modifiers["unit_cost"])
    return (unit + wafer / max(1.0, float(b["dies_per_wafer"]))) / gen


def gpu_outside_demand(obs: Observation, name: str, price: float) -> float:
    """kH100e a quarter outside buyers would take from designer ``name`` at ``price`` (expected:
    without the quarter's noise)."""
    mp = obs.market_params
    base = (
        float(obs.market["gpu_demand"])
        * float(obs.public[name]["market_share"])
        * float(obs.modifiers["gpu_demand"])
        * float(dict(obs.modifiers["share_boost"]).get(name, 1.0))
    )
    ref = float(obs.market["gpu_reference_price"])
    return kinked_demand(
        base, price, ref, float(mp["gpu_elasticity"]), float(mp["gpu_elasticity_above"])
    )


def gpu_profit_price(obs: Observation) -> float:
    """The designer's most profitable list price now ($k per H100e)."""
    ref = float(obs.market["gpu_reference_price"])
    e_above = float(obs.market_params["gpu_elasticity_above"])
    return profit_price(ref, merchant_unit_cost(obs), e_above)


def wafer_reference(obs: Observation) -> float:
    """The reference wafer price now ($k), moved by events such as a foundry price rise."""
    return float(obs.market_params["wafer_reference_price"]) * float(
        obs.modifiers["wafer_price_level"]
    )


def wafer_profit_price(obs: Observation) -> float:
    """The foundry's most profitable wafer price now ($k)."""
    e_above = float(obs.market_params["wafer_elasticity_above"])
    return profit_price(wafer_reference(obs), float(obs.books["wafer_cost"]), e_above)


# -- a lab's power and what its compute earns -----------------------------------------------------
def lab_power_need(obs: Observation, name: str | None = None) -> float:
    """GW a lab's compute in service draws (its own, from its books; another's, estimated).

    When some of it stands without power, ``served / compute`` is the powered share, which gives
    the draw exactly. Otherwise the lab's own hosting bill of last quarter does (hosting is paid
    per unit of power in service, and the fleet has not changed since); another lab's compute is
    then counted as drawing at most what powers it.
    """
    me = obs.actor if name is None else name
    pub = obs.public[me]
    compute, served = float(pub["compute"]), float(pub["served"])
    powered = float(pub["powered_gw"])
    if compute <= 1e-9:
        return 0.0
    if served < compute * (1 - 1e-6):
        return powered * compute / max(served, 1e-9)
    if me == obs.actor:
        hosting = -float(obs.books["last_quarter"].get("hosting", 0.0))
        per_unit = float(obs.rules.hosting_cost) * float(obs.modifiers["hosting_cost"])
        if hosting > 1e-9 and per_unit > 0:
            return min(powered, hosting / per_unit / GW_UNITS)
    return min(powered, compute / GW_UNITS)


def lab_power_room(obs: Observation, extra_gw: float = 0.0) -> float:
    """kH100e of today's chips the lab's powered GW (plus ``extra_gw``) could still run."""
    spare = float(obs.public[obs.actor]["powered_gw"]) + extra_gw - lab_power_need(obs)
    return max(0.0, spare) * GW_UNITS * float(obs.market["generation"])


def cloud_gw_ahead(obs: Observation, quarters: float) -> float:
    """GW the outside clouds will power for the lab ``quarters`` from now (they grow each
    quarter at ``cloud_growth``)."""
    return float(obs.books["cloud_gw"]) * cloud_growth_ahead(
        obs.market_params, obs.quarter, quarters
    )


def lab_revenue_margin(obs: Observation, extra: float = 0.0) -> float:
    """$B a quarter one more served kH100e adds to the lab's revenue target (the marginal revenue
    in the one AI market, where every kH100e served, its own included, lowers what each earns).

    ``extra``: kH100e it would add first (to judge a larger purchase at its margin).
    """
    mp = obs.market_params
    ai = float(obs.market["ai_index"])
    demand = ai * float(obs.modifiers["ai_demand"])
    per = float(mp["revenue_per_compute"])
    sat = float(mp["compute_saturation"]) * max(demand, 1e-9)
    labs = sum(float(p["served"]) for p in obs.public.values() if p["role"] == "lab")
    market = float(mp["outside_ai_compute"]) * ai + labs + extra
    mine = float(obs.public[obs.actor]["served"]) + extra
    x = 1.0 + market / sat
    return max(0.0, per * demand * (1.0 / x - mine / sat / x**2) / 4.0)


def running_cost(obs: Observation, on_cloud: bool = True) -> float:
    """$B a quarter to run one kH100e of today's chips: hosting, and cloud rent if on a cloud."""
    gen = max(1e-6, float(obs.market["generation"]))
    hosting = float(obs.rules.hosting_cost) * float(obs.modifiers["hosting_cost"])
    rent = float(obs.market_params["cloud_rent"]) / GW_UNITS if on_cloud else 0.0
    return (hosting + rent) / gen


def lab_running_flow(obs: Observation) -> float:
    """The lab's cash from running last quarter ($B): revenue less opex, hosting, clouds, campus
    opex and lease rents (no purchases, builds or financing)."""
    last: Mapping[str, Any] = obs.books["last_quarter"]
    keys = ("ai_revenue", "opex", "hosting", "cloud_rent", "campus_opex", "lease_rent")
    return sum(float(last.get(k, 0.0)) for k in keys)


def own_chip_cost(obs: Observation, wafer_price: float) -> float:
    """$k per H100e of a lab's own chip now: the unit cost besides the wafer, and the wafer shared
    by the chips cut from it (fewer than a designer's: ``own_chip_efficiency``)."""
    r = obs.rules
    gen = max(1e-6, float(obs.market["generation"]))
    per_wafer = float(r.own_chip_efficiency) * REF_DPW
    unit = float(r.own_chip_unit_cost) * float(obs.modifiers["unit_cost"])
    return (unit + wafer_price / per_wafer) / gen


# -- campuses and leases --------------------------------------------------------------------------
def fair_rent(obs: Observation) -> float:
    """A fair lease rent ($B per GW a quarter): what the outside clouds charge for power."""
    return float(obs.market_params["cloud_rent"])


def free_campus_gw(obs: Observation, landlord: str) -> float:
    """GW of an investor's campus that could still be leased (an estimate for others; its own
    books for itself): its campus less what it has leased out and what its own accelerators
    draw. A Gulf landlord without an export licence can host no tenant."""
    pub = obs.public[landlord]
    if pub["country"] in GULF_COUNTRIES and not pub["licence"]:
        return 0.0
    if landlord == obs.actor:
        gen = max(1e-6, float(obs.market["generation"]))
        return float(obs.books["campus_room"]) / (GW_UNITS * gen)
    leased = sum(
        float(c["terms"]["gw"])
        for c in obs.contracts
        if c["kind"] == "lease" and c["status"] == "active" and c["parties"][1] == landlord
    )
    own = float(pub["compute"]) / GW_UNITS  # as if all H100-class: an upper bound of its draw
    return clamp(float(pub["campus_gw"]) - leased - own, 0.0, 1e9)


def demand_growth_ahead(obs: Observation, which: str, quarters: int) -> float:
    """How many times the outside demand's trend (``which``: ``"gpu"`` or ``"wafer"``) grows in
    ``quarters``: its growth a quarter decays each quarter (``…_growth_decay``)."""
    mp = obs.market_params
    decay = float(mp[f"{which}_growth_decay"])
    g = float(mp[f"{which}_growth"]) * (1.0 - decay) ** obs.quarter
    out = 1.0
    for _ in range(max(0, quarters)):
        out *= 1.0 + g
        g *= 1.0 - decay
    return out


def lab_compute_that_pays(obs: Observation, cost_per_quarter: float) -> float:
    """kH100e more it could serve before one more would earn less than ``cost_per_quarter``
    ($B a quarter per kH100e: running it and its price spread over its life) in the one AI
    market; 0 if even the next one would not."""
    if lab_revenue_margin(obs) <= cost_per_quarter:
        return 0.0
    lo, hi = 0.0, 1.0
    while lab_revenue_margin(obs, hi) > cost_per_quarter and hi < 1e7:
        lo, hi = hi, hi * 4.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if lab_revenue_margin(obs, mid) > cost_per_quarter:
            lo = mid
        else:
            hi = mid
    return lo
