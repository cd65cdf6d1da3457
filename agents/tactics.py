"""Small shared estimates for the built-in policy families.

The functions read only an :class:`~game.observation.Observation` (and, where given, the list of
the actor's own contracts, which :class:`ContractMemo` keeps cheaply) and return plain numbers; no
randomness. The families differ in how they *use* these estimates.

Prices: the outside demand is kinked at the reference price (inelastic below, elastic above), so
:func:`optimal_gpu_price` and :func:`optimal_wafer_price` sit at the reference (or a markup on a
high cost), rising toward :func:`clearing_price` only when supply runs short (:func:`gpu_supply`).
Labs' power, leases, campuses and own chips (with :func:`chip_programme_answer`, a designer's
answer to a lab's own chip programme) live in :mod:`agents.lab_tactics`, what the actor's own
contracts say (:func:`my_active`, :func:`gpu_owed`, :func:`debt_service`, ...) in
:mod:`agents.contract_tactics`, and :class:`DealView` in :mod:`agents.deal_view`; all are
re-exported here (this module stays under the 600-line
limit: new tactics go in such a module, re-exported here).

The bots call these many times a game: sums and minima here and in the basic bot run over lists
rather than generators (a comprehension runs inline in Python 3.12, a generator resumes a frame
for every item; the sum is the same, added in the same order). They and the basic bot read the
rules by key (``obs.rules["compute_life"]``): read as an attribute, a rule costs a failed lookup
(an exception made and dropped) before it is found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.contract_tactics import (
    ContractMemo,
    Mine,
    borrowers,
    debt_outstanding,
    debt_service,
    gpu_owed,
    my_active,
    purchase_obligations,
    shared_active,
    wafer_committed,
    wafers_contracted,
)
from agents.deal_view import DealView, offer_parties
from agents.lab_tactics import (
    KH100E_PER_GW,
    REF_DPW,
    campus_cost,
    can_host,
    chip_programme_answer,
    chip_programme_payoff,
    cloud_gw_ahead,
    fair_lease_rent,
    free_campus_gw,
    free_campus_gws,
    gw_for,
    kh100e_for,
    lab_power_room,
    lab_power_use,
    labs_power_short,
    landlords,
    lease_terms,
    leased_out,
    leases_offered,
    merchant_gpu_price,
    own_chip_cost,
    programme_labs,
)
from agents.memos import (
    active_capacity,
    capacity_by_foundry,
    own_contracts,
    per_observation,
    promised_wafers,
    remembered,
)
from agents.minmax import clamp, max2, min2
from game.ledger import CAPEX, FINANCING
from game.observation import Observation

__all__ = [
    "KH100E_PER_GW",
    "REF_DPW",
    "ContractMemo",
    "DealView",
    "active_capacity",
    "annual_revenue",
    "borrowers",
    "campus_cost",
    "can_host",
    "capex_room",
    "chip_programme_answer",
    "chip_programme_payoff",
    "clamp",
    "clearing_price",
    "cloud_gw_ahead",
    "debt_outstanding",
    "debt_service",
    "demand_growth",
    "equity_asks",
    "equity_capped",
    "fab_first_instalment",
    "fair_lease_rent",
    "foundry_output",
    "free_campus_gw",
    "free_campus_gws",
    "generation_ahead",
    "gpu_demand",
    "gpu_owed",
    "gpu_supply",
    "gpu_unit_cost",
    "gw_for",
    "jv_capex_per_quarter",
    "kh100e_for",
    "lab_operating_cash",
    "lab_power_room",
    "lab_power_use",
    "labs_power_short",
    "landlords",
    "lease_terms",
    "leased_out",
    "leases_offered",
    "loan_service",
    "merchant_gpu_price",
    "my_active",
    "offer_parties",
    "optimal_gpu_price",
    "optimal_wafer_price",
    "other_makers_units",
    "own_chip_cost",
    "own_contracts",
    "packaging_units",
    "packaging_wafers",
    "per_observation",
    "programme_labs",
    "promised_wafers",
    "purchase_obligations",
    "remembered",
    "shared_active",
    "wafer_committed",
    "wafer_demand",
    "wafer_reference",
    "wafers_contracted",
    "within_equity_left",
]


def gpu_demand(obs: Observation, name: str, price: float) -> float:
    """kH100e a quarter outside buyers would take from designer ``name`` at ``price``.

    The demand is kinked at the reference price (``obs.market_params``): ``gpu_elasticity`` at or
    below it, ``gpu_elasticity_above`` above it; events in force that move the outside demand
    (``obs.modifiers``) are counted. The quarter's noise is not foreseen.
    """
    m = obs.market
    ref = max2(1e-6, float(m["gpu_reference_price"]))
    rel = max2(price, 1e-6) / ref
    mods = obs.modifiers
    boost = mods.get("share_boost")  # (no empty dict made for the usual case: none)
    share = float(obs.public[name]["market_share"]) * float(boost.get(name, 1.0) if boost else 1.0)
    base = float(m["gpu_demand"]) * share * float(mods.get("gpu_demand", 1.0))
    return base * rel ** -_elasticity(obs, "gpu", rel)


def _elasticity(obs: Observation, good: str, rel: float) -> float:
    """The outside demand's elasticity for ``good`` (``gpu`` or ``wafer``) at ``rel`` × the
    reference price (the above-reference one falls back on the other in old scenarios)."""
    p = obs.market_params
    below_key, above_key = _ELASTICITY_KEYS[good]
    below = float(p[below_key])
    if rel <= 1.0:
        return below
    return float(p[above_key]) if above_key in p else below  # (`in`: cheaper than .get)


#: The market parameters :func:`_elasticity` reads for each good (below, above the reference),
#: named once rather than formatted on each of its hundreds of calls a game.
_ELASTICITY_KEYS: dict[str, tuple[str, str]] = {
    good: (f"{good}_elasticity", f"{good}_elasticity_above") for good in ("gpu", "wafer")
}


def generation_ahead(obs: Observation, quarters: float) -> float:
    """How many times the H100e per wafer grow in ``quarters`` (the scenario's
    ``generation_doubling_quarters``; a pause from events is not foreseen)."""
    return 2.0 ** (quarters / float(obs.market_params["generation_doubling_quarters"]))


def gpu_unit_cost(obs: Observation) -> float:
    """A designer's cost of one H100e ($k): the unit cost plus its share of the cheapest wafer."""
    b = obs.books
    gen = max2(1e-6, float(obs.market["generation"]))
    foundries = obs.others("foundry")
    wafer = min(
        [float(obs.public[f]["wafer_price"]) for f in foundries],
        default=float(obs.market["wafer_reference_price"]),
    )
    unit = float(b["unit_cost"]) * float(obs.modifiers.get("unit_cost", 1.0))
    return unit / gen + wafer / (max2(1.0, float(b["dies_per_wafer"])) * gen)


def optimal_gpu_price(
    obs: Observation, supply: float | None = None, demand: float | None = None, ceiling: float = 2.5
) -> float:
    """The price that maximises gross profit against the kinked outside demand.

    Below the reference price demand is inelastic (``gpu_elasticity`` < 1: a cut earns less),
    above it elastic (``gpu_elasticity_above`` > 1), so the best price is the reference or, if
    cost is high, ``e_above / (e_above - 1)`` × the unit cost (:func:`gpu_unit_cost`), whichever is
    higher.

    With ``supply`` (kH100e the designer can sell this quarter: :func:`gpu_supply`) short of
    ``demand`` (at that price; by default the outside demand plus what it owes under contract),
    the price rises to the one that clears the market, at most ``ceiling`` × the reference: selling
    all it has at a higher price earns more than rationing it at the optimum.
    """
    ref = max2(1e-6, float(obs.market["gpu_reference_price"]))
    e = max2(1.05, _elasticity(obs, "gpu", 2.0))
    best = max2(ref, gpu_unit_cost(obs) * e / (e - 1.0))
    if supply is None:
        return best
    owed = gpu_owed(obs) if demand is None else 0.0
    want = gpu_demand(obs, obs.actor, best) + owed if demand is None else demand
    return clearing_price(best, want, supply, owed, e, ceiling * ref)


def clearing_price(
    price: float, demand: float, supply: float, fixed: float, elasticity: float, ceiling: float
) -> float:
    """The price (at least ``price``) at which ``demand`` there, of which ``fixed`` is owed under
    contract at fixed prices and the rest falls with ``elasticity``, equals ``supply``; at most
    ``ceiling``."""
    free_supply = supply - fixed
    free_demand = demand - fixed
    if free_demand <= free_supply or free_demand <= 0:
        return price
    if free_supply <= 1e-9:
        return max2(price, ceiling)
    return clamp(
        price * (free_demand / free_supply) ** (1.0 / elasticity), price, max2(price, ceiling)
    )


def foundry_output(obs: Observation, name: str) -> float:
    """k wafers a quarter foundry ``name``'s running fabs turn out now (mature yields assumed,
    Taiwan fabs cut by the events in force)."""
    fabs = obs.public[name].get("fabs", ())
    taiwan = float(obs.modifiers.get("taiwan_output", 1.0))
    hit = _OUTPUT.get(name)
    if hit is not None and hit[1] == taiwan and hit[0] == fabs:
        return hit[2]
    out = _foundry_output(obs, name)
    _OUTPUT[name] = (fabs, taiwan, out)
    return out


#: The last fabs seen of each foundry (by name), with the Taiwan cut then and their output:
#: the output is a function of these alone, and a foundry's fabs change at most once a quarter
#: (a fab started, or one built), so most observations ask about the same ones.
_OUTPUT: dict[str, tuple[Any, float, float]] = {}


def _foundry_output(obs: Observation, name: str) -> float:
    taiwan = float(obs.modifiers.get("taiwan_output", 1.0))
    out = 0.0
    for node, site, capacity, build_left in obs.public[name].get("fabs", ()):
        if build_left:
            continue
        y = 0.9 if node not in ("N2",) else 0.85
        out += float(capacity) * y * (taiwan if site == "taiwan" else 1.0)
    return out


def packaging_units(obs: Observation, name: str) -> float:
    """kH100e foundry ``name``'s packaging can make this quarter (events in force counted: a
    Taiwan foundry's packaging is hit by what hits Taiwan's fabs)."""
    mods = obs.modifiers
    pub = obs.public[name]
    cut = float(mods.get("packaging", 1.0))
    if pub.get("country") == "Taiwan":
        cut *= float(mods.get("taiwan_output", 1.0))
    gen = float(obs.market["generation"])
    return float(pub["packaging_capacity"]) * cut * float(obs.rules["packages_per_wafer"]) * gen


def gpu_supply(
    obs: Observation, mine: Mine = None, spot: Mapping[str, float] | None = None
) -> float:
    """kH100e a designer can sell this quarter: its stock plus what the wafers due to it make.

    Wafers due: its capacity contracts (pro rata when a foundry's output falls short of what it
    promised) and the ``spot`` wafers it orders now (by foundry). Each foundry packages them
    within its packaging, shared with the other chip makers that have wafers contracted there.
    """
    b = obs.books
    gen = float(obs.market["generation"])
    dpw = max2(1.0, float(b.get("dies_per_wafer", REF_DPW)))
    me = obs.actor
    due: dict[str, float] = dict(spot or {})
    for c in shared_active(obs, "capacity", mine):
        if c["parties"][0] == me:
            f = c["parties"][1]
            due[f] = due.get(f, 0.0) + float(c["terms"]["wafers"])
    units = float(b.get("inventory", 0.0))
    for f, wafers in due.items():
        if f not in obs.public or obs.public[f]["insolvent"]:
            continue
        served, others, cap = _foundry_terms(obs, f)
        mine_units = wafers * served * dpw * gen
        total = mine_units + others
        units += mine_units * (min2(1.0, cap / total) if total > 0 else 0.0)
    return units


def _foundry_terms(obs: Observation, foundry: str) -> tuple[float, float, float]:
    """At ``foundry``, for :func:`gpu_supply` (asked twice a designer's move, once an
    observation): the share of the wafers promised there its output serves, the kH100e the
    other chip makers' wafers make and its packaging in kH100e."""
    memo = per_observation(obs)
    key = ("foundry_terms", foundry)
    terms: tuple[float, float, float] | None = memo.get(key)
    if terms is None:
        promised = promised_wafers(obs, foundry)
        out = foundry_output(obs, foundry)
        served = 1.0 if promised <= out or promised <= 0 else out / promised
        others = other_makers_units(obs, foundry)
        terms = memo[key] = (served, others, packaging_units(obs, foundry))
    return terms


def other_makers_units(obs: Observation, foundry: str) -> float:
    """kH100e the other chip makers' contracted wafers at ``foundry`` would make (designers at
    the typical dies per wafer, labs with their own chips at their efficiency)."""
    gen = float(obs.market["generation"])
    eff = float(obs.rules.get("own_chip_efficiency", 0.7))
    out = 0.0
    for buyer, wafers in capacity_by_foundry(obs).get(foundry, ()):
        if buyer == obs.actor or buyer not in obs.public:
            continue
        pub = obs.public[buyer]
        if pub["role"] == "designer":
            out += wafers * REF_DPW * gen
        elif pub.get("chip_programme") == "ready":
            out += wafers * eff * REF_DPW * gen
    return out


def wafer_demand(obs: Observation, name: str, price: float) -> float:
    """k wafers a quarter outside buyers would take from foundry ``name`` at ``price`` (kinked
    at the reference wafer price like the GPU demand; the quarter's noise is not foreseen)."""
    m = obs.market
    ref = float(obs.market_params["wafer_reference_price"]) * float(
        obs.modifiers.get("wafer_price_level", 1.0)
    )
    rel = max2(price, 1e-6) / max2(ref, 1e-6)
    share = float(obs.public[name].get("market_share", 1.0))
    return float(m["wafer_demand"]) * share * rel ** -_elasticity(obs, "wafer", rel)


def demand_growth(obs: Observation, good: str, quarters: float) -> float:
    """How many times the outside demand for ``good`` (``gpu`` or ``wafer``) grows in
    ``quarters`` from now: its trend's growth, which decays each quarter (``market_params``)."""
    p = obs.market_params
    g = float(p.get(f"{good}_growth", 0.0))
    decay = float(p.get(f"{good}_growth_decay", 0.0))
    g *= (1.0 - decay) ** obs.quarter
    out = 1.0
    for _ in range(int(quarters)):
        g *= 1.0 - decay
        out *= 1.0 + g
    return out


def wafer_reference(obs: Observation) -> float:
    """The reference wafer price now ($k; moved by events such as a foundry price rise)."""
    return float(obs.market_params["wafer_reference_price"]) * float(
        obs.modifiers.get("wafer_price_level", 1.0)
    )


def optimal_wafer_price(obs: Observation, sold_out: bool = False, step: float = 0.04) -> float:
    """A foundry's best wafer price: the reference (revenue peaks there, and a produced wafer
    costs the same sold or not), or, while it sells out, its price raised by ``step`` toward the
    one that clears the market (at most 1.6 × the reference)."""
    ref = wafer_reference(obs)
    wc = float(obs.books.get("wafer_cost", 0.0))
    e = max2(1.05, _elasticity(obs, "wafer", 2.0))
    best = max2(ref, wc * e / (e - 1.0))
    if not sold_out:
        return best
    price = float(obs.public[obs.actor]["wafer_price"])
    return clamp(max2(best, price) * (1.0 + step), best, 1.6 * ref)


def packaging_wafers(obs: Observation) -> float:
    """Designer wafers a quarter all the foundries' packaging could turn into accelerators."""
    dpw = max2(1.0, float(obs.books.get("dies_per_wafer", 29.0)))
    ppw = float(obs.rules["packages_per_wafer"])
    return sum(
        [float(obs.public[f]["packaging_capacity"]) * ppw / dpw for f in obs.others("foundry")]
    )


def fab_first_instalment(obs: Observation, node: str, site: str, capacity: float) -> float:
    """A quarter's capex of a fab started now ($B; subsidies and build delays in force included,
    from ``obs.build_costs``)."""
    return obs.fab_capex(node, site, capacity) / obs.fab_build_quarters(site)


def capex_room(obs: Observation, share: float) -> float:
    """$B a quarter of new fab instalments a foundry can take on: those of every fab it builds
    stay within ``share`` of last quarter's operating cash flow plus a tenth of its cash (TSMC
    funds its capex from operations: $29.8B on ~$57B of operating cash flow in 2024)."""
    last = obs.books.get("last_quarter", {})
    ocf = sum([float(v) for k, v in last.items() if k not in _NOT_OPERATING])
    committed = sum(
        [
            fab_first_instalment(obs, node, site, cap)
            for node, site, cap, left in obs.public[obs.actor]["fabs"]
            if left > 0
        ]
    )
    return share * max2(0.0, ocf) + 0.1 * float(obs.books["cash"]) - committed


#: The ledger's entries that are not operating cash flow (see :func:`capex_room`).
_NOT_OPERATING = frozenset((*CAPEX, *FINANCING))


def jv_capex_per_quarter(obs: Observation, t: Mapping[str, Any]) -> float:
    """Capex a quarter of a JV fab with these terms, if signed now ($B; subsidies and build
    delays in force included)."""
    return fab_first_instalment(obs, t["node"], t["site"], float(t["capacity"]))


def annual_revenue(obs: Observation) -> float:
    """The actor's revenue over a year ($B): last quarter's × 4, or a lab's run-rate if higher."""
    out = 4.0 * float(obs.books["revenue"])
    if obs.role == "lab":
        out = max2(out, float(obs.public[obs.actor]["revenue_run_rate"]))
    return out


def lab_operating_cash(obs: Observation) -> float:
    """A lab's cash from running its compute last quarter: revenue less opex and hosting ($B)."""
    last = obs.books["last_quarter"]
    return sum([float(last.get(k, 0.0)) for k in ("ai_revenue", "opex", "hosting")])


def loan_service(principal: float, rate: float, quarters: int) -> float:
    """A new loan's first-quarter payment: principal share plus interest ($B)."""
    return principal / max2(1, quarters) + principal * rate / 4


def within_equity_left(
    obs: Observation, offer: Mapping[str, Any], terms: dict[str, Any]
) -> dict[str, Any] | None:
    """Counter terms with the stake cut to what the company has left to sell (the amount cut
    with it, so that the implied valuation holds); None if nothing is left."""
    _, company = offer_parties(obs, offer)
    left = 0.999 * min2(0.5, float(obs.public[company]["control"]))
    stake = float(terms["stake"])
    if stake <= left:
        return terms
    if left < 1e-4:
        return None
    return {**terms, "stake": left, "amount": terms["amount"] * left / stake}


def equity_asks(
    obs: Observation,
    investors: Sequence[str],
    need: float,
    share_of_cash: float,
    control: float,
    floor: float,
    price: float,
    room: int,
) -> list[tuple[str, float, float]]:
    """How a company raising ``need`` slices an equity round over ``investors``, in order.

    Each is asked for ``share_of_cash`` of its cash, no more than is still needed and no more
    than keeps the company's control at ``floor`` or above (stakes priced at ``price``, the
    company's value); asks under $0.2B are skipped; at most ``room`` asks.

    Returns:
        ``(investor, amount, stake)`` for each ask, in order.
    """
    asks: list[tuple[str, float, float]] = []
    for inv in investors:
        if need < 0.2 or len(asks) >= room:
            break
        amount = min(
            need, share_of_cash * float(obs.public[inv]["cash"]), (control - floor) * price
        )
        if amount < 0.2:
            continue
        stake = amount / price
        asks.append((inv, amount, stake))
        control -= stake
        need -= amount
    return asks


def equity_capped(
    obs: Observation, offer: Mapping[str, Any], verdict: bool | dict[str, Any] | None
) -> bool | dict[str, Any] | None:
    """A verdict on an offer, with the stake in a counter to an equity or vendor-financing offer
    cut to what the company has left to sell (:func:`within_equity_left`).

    Args:
        obs: the observation of the actor answering.
        offer: the offer from the inbox.
        verdict: True to accept, a dict of terms to counter, None to reject.

    Returns:
        The verdict, its counter capped; None if the company has nothing left to sell.
    """
    if isinstance(verdict, dict) and offer["kind"] in ("equity", "vendor_financing"):
        return within_equity_left(obs, offer, verdict)
    return verdict
