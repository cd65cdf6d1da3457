"""A quarter's operations and accounting, after the negotiation and the moves.

In order: builds progress (capex paid), fabs produce, wafers go to joint-venture partners, then to
capacity contracts (pro rata when short: the shortfall is a breach), then to spot orders and the
outside market; packaging turns wafers into accelerators (a joint venture's share at the JV's own
site); accelerators go to supply contracts, then to spot orders and the outside market; compute
ages and retires; revenue, costs and loan payments are booked; finished contracts close; actors
below zero cash fall into distress and, after ``distress_quarters``, insolvency.

**Force majeure.** While a Taiwan event cuts output, a seller short of what it owes and what the
market asks shares what it has pro rata between its contracts, spot orders and the outside market
(every buyer of Taiwan's chips feels the cut, as the industry's allocation rules would have it),
instead of serving contracts first; the shortfall on a contract is refunded but not held against
the seller's trust.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from game.actors import Cohort, Designer, Foundry, Investor, Lab
from game.contracts import Contract, ContractStatus
from game.deals import (
    SITES,
    CapacityTerms,
    DealKind,
    LoanTerms,
    SupplyTerms,
    VendorFinancingTerms,
    delivery_due,
)
from game.fabs import yield_ramp
from game.graph import TRUST_RULES
from game.ledger import OUTSIDE
from game.markets import pro_rata

if TYPE_CHECKING:
    from game.apply import SpotOrder
    from game.model import FabRaceModel

__all__ = ["run_operations"]

EPS = 1e-9

#: A wafer's running cost at each site against Taiwan's (``SITES``' ``cost_factor``, looked up
#: once per fab and quarter).
_COST_FACTOR = {site: figures["cost_factor"] for site, figures in SITES.items()}


def run_operations(m: FabRaceModel) -> None:
    """Run everything that happens in a quarter after the decisions.

    The actors' own steps run in scenario order (the order of ``m.agents``) in plain loops
    rather than through Mesa ``AgentSet`` calls, which cost more than the steps themselves.
    Nobody falls insolvent before :func:`_solvency`, so the solvent actors are chosen once.
    """
    solvent = [a for a in m.actor_list if not a.insolvent]
    for a in solvent:
        a.progress_builds()  # each role's own builds (game/actors.py)
    orders = _orders_by_seller(m)
    made_by_foundry, made_by_jvs = _wafers(m, orders)
    _package(m, made_by_foundry, made_by_jvs)
    _gpus(m, orders)
    oldest = m.quarter_index - m.rules.compute_life
    for a in m.actor_list:
        a.retire_compute(oldest)
    m.compute_fixed(True)  # the running flows move money only: no lab's served compute
    try:
        for a in solvent:
            a.book_running_flows()  # each role's revenue and running costs
    finally:
        m.compute_fixed(False)
    _loans(m)
    _leases(m)
    _close_contracts(m)
    _solvency(m)


def _orders_by_seller(m: FabRaceModel) -> dict[tuple[str, str], list[SpotOrder]]:
    """The quarter's spot orders by (seller, kind), each seller's in the order placed."""
    out: dict[tuple[str, str], list[SpotOrder]] = {}
    for o in m.orders:
        key = (o.seller, o.kind)
        got = out.get(key)
        if got is None:
            out[key] = [o]
        else:
            got.append(o)
    return out


# -- wafers -------------------------------------------------------------------------------------
def _is_maker(m: FabRaceModel, name: str) -> bool:
    a = m.actors_by_name[name]
    return isinstance(a, Designer) or (isinstance(a, Lab) and a.chips_ready)


def _serve(
    m: FabRaceModel,
    c: Contract,
    seller: str,
    buyer: str,
    owed: float,
    got: float,
    price: float,
    prepay: float,
    sale: str,
    refund: str,
    excused: bool = False,
) -> float:
    """Deliver ``got`` of ``owed`` units; the buyer pays, the seller refunds prepaid shortfall.

    ``excused``: the shortfall comes from force majeure (a Taiwan event), so it costs the seller
    no trust. Returns the units delivered (0 after a payment default).
    """
    due = delivery_due(prepay, price, got)
    paid = m.pay_obligation(buyer, seller, due, sale)
    short = owed - got
    if short > EPS:
        m.pay(seller, buyer, prepay * price * short / 1000.0, refund)
        c.shortfall += short
        if not excused:
            m.graph.adjust_trust(buyer, seller, TRUST_RULES["shortfall"] - 0.1 * short / owed)
        if short / owed > 0.01:
            m.say(
                f"{seller} delivered {got:.1f} of {owed:.1f} owed to {buyer} "
                f"(contract {c.id}): shortfall"
            )
            m.count("shortfalls")
    else:
        m.graph.adjust_trust(buyer, seller, TRUST_RULES["honoured"])
    c.delivered += got
    c.quarters_done += 1
    if paid < due - EPS:
        m.breach(c, buyer, f"{buyer} could not pay ${due:.2f}B to {seller}")
    else:
        m.graph.adjust_trust(seller, buyer, TRUST_RULES["honoured"])
    return got


def _usable(m: FabRaceModel, maker: str, wafers: float, room: dict[str, float]) -> float:
    """Wafers of its JV share a chip maker turns into chips this quarter.

    A designer takes them all (it can stock and sell chips); a lab only as many as its power
    still takes (chips it could not run would stand idle): the operator sells the rest for it.
    ``room`` carries what each lab's power still takes over its JV fabs in the quarter.
    """
    a = m.actors_by_name[maker]
    if not isinstance(a, Lab):
        return wafers
    if maker not in room:
        # Power units are kH100e / generation (newer chips do more per watt): 500 a GW.
        room[maker] = max(0.0, a.powered_gw() * 500.0 - a.power()) * m.market.generation
    per_wafer = m.rules.own_chip_efficiency * m.reference_dpw * m.market.generation
    used = min(wafers, room[maker] / per_wafer)
    room[maker] -= used * per_wafer
    return used


def _wafers(
    m: FabRaceModel, orders_by: dict[tuple[str, str], list[SpotOrder]]
) -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], float]]:
    """Produce and sell wafers (``orders_by``: the spot orders, see :func:`_orders_by_seller`).

    Returns, per foundry, the wafers delivered to each chip maker (packaged at the foundry's
    lines), and per (chip maker, site) the wafers its joint-venture fabs gave it (packaged at the
    JV's own line at that site).
    """
    mods = m.modifiers
    young, taiwan_output = mods.new_fab_yield, mods.taiwan_output
    cut = taiwan_output < 1.0
    by_name = m.actors_by_name
    made: dict[str, dict[str, float]] = {}
    jv_made: dict[tuple[str, str], float] = {}
    room: dict[str, float] = {}  # kH100e a lab's power still takes this quarter
    for f in m.alive(Foundry):
        to_makers: dict[str, float] = {}
        produced = 0.0
        avail = 0.0
        hit = False  # a Taiwan event cut this foundry's output: force majeure
        running = 0.0  # $B it costs to run its fabs this quarter
        wafer_cost = f.wafer_cost
        for fab in f.fabs:
            if fab.build_left:  # not fab.producing
                continue
            site = fab.site
            taiwan = site == "taiwan"
            if taiwan and cut:
                hit = True
            # fab.output(young, site) of a producing fab, with fab.yield_rate(young) spelt out
            # (a hot loop: every producing fab, every quarter): the same product
            age = fab.age
            y = yield_ramp(fab.node, fab.first_yield, age)
            if age < 8:
                y *= young
            out = fab.capacity * y * (taiwan_output if taiwan else 1)
            fab.age = age + 1
            produced += out
            unit_cost = wafer_cost * _COST_FACTOR[site]  # $k a wafer made here
            running += out * unit_cost / 1000.0
            partner = fab.partner
            if partner is not None and not by_name[partner].insolvent:
                # The partner's share of the output is its own, and so is its share of the
                # running cost (the operator's cost per wafer at the site): a chip maker takes
                # the wafers it can use and pays the fee on their value; the operator sells the
                # rest for it, and pays it the price less the fee and the cost.
                part = out * fab.partner_output_share
                used = _usable(m, partner, part, room) if _is_maker(m, partner) else 0.0
                if used > EPS:
                    key = (partner, site)
                    jv_made[key] = jv_made.get(key, 0.0) + used
                    value = used * f.wafer_price / 1000.0
                    cost = used * unit_cost / 1000.0
                    m.pay_obligation(partner, f.name, cost, "jv_cost")
                    m.pay_obligation(partner, f.name, fab.operator_fee * value, "jv_fee")
                    out -= used
                    part -= used
                if part > EPS:  # the rest the operator sells for it
                    value = part * f.wafer_price / 1000.0
                    cost = part * unit_cost / 1000.0
                    net = (1 - fab.operator_fee) * value - cost
                    if net >= 0:
                        m.pay(f.name, partner, net, "jv_proceeds")
                    else:
                        m.pay_obligation(partner, f.name, -net, "jv_cost")
            avail += out
        f.produced_last = produced
        contracts = m.active_contracts(DealKind.CAPACITY, second=f.name)
        owed = [c.terms_as(CapacityTerms).wafers for c in contracts]
        orders = orders_by.get((f.name, "wafers"), [])
        outside = m.market.outside_wafer_demand(f.market_share, f.wafer_price, mods)
        asks = [o.quantity for o in orders] + [outside]
        if hit:  # everyone shares the cut
            shares = pro_rata(avail, owed + asks)
            to_contracts, got = shares[: len(owed)], shares[len(owed) :]
        else:  # capacity contracts first, pro rata when short
            to_contracts = pro_rata(avail, owed)
            got = pro_rata(avail - math.fsum(to_contracts), asks)
        for c, due, g in zip(contracts, owed, to_contracts, strict=True):
            t = c.terms_as(CapacityTerms)
            served = _serve(
                m,
                c,
                f.name,
                c.first,
                due,
                g,
                t.price,
                t.prepay,
                "wafer_sale",
                "wafer_refund",
                excused=hit,
            )
            avail -= g
            if _is_maker(m, c.first):
                to_makers[c.first] = to_makers.get(c.first, 0.0) + served
        # Spot orders and the outside market share what is left.
        sold_spot = 0.0
        for o, g in zip(orders, got[:-1], strict=True):
            paid = m.pay_obligation(o.buyer, f.name, g * f.wafer_price / 1000.0, "wafer_sale")
            g = paid * 1000.0 / f.wafer_price
            sold_spot += g
            if _is_maker(m, o.buyer):
                to_makers[o.buyer] = to_makers.get(o.buyer, 0.0) + g
        m.pay(OUTSIDE, f.name, got[-1] * f.wafer_price / 1000.0, "wafer_sale")
        sold_spot += got[-1]
        avail -= sold_spot
        f.sold_last = produced - max(0.0, avail)
        f.utilisation = f.sold_last / produced if produced > EPS else 0.0
        m.pay(f.name, OUTSIDE, running, "wafer_cost")
        made[f.name] = to_makers
    return made, jv_made


def _package(
    m: FabRaceModel,
    made: dict[str, dict[str, float]],
    jv_made: dict[tuple[str, str], float],
) -> None:
    """Turn delivered wafers into accelerators.

    Wafers a foundry delivers are packaged at its own lines, within their capacity; a joint
    venture's share is packaged at the JV's own line at its site (built with the fab and sized to
    it), so a JV outside Taiwan is untouched by what hits Taiwan's packaging.
    """
    gen = m.market.generation
    for d in m.alive(Designer):
        d.made_last = 0.0
    for fname, to_makers in made.items():
        if not to_makers:
            continue
        f = m.actors_by_name[fname]
        assert isinstance(f, Foundry)
        potential = {maker: _units(m, maker, wafers) for maker, wafers in to_makers.items()}
        # A foundry's packaging stands at home: Taiwan's is hit by what hits Taiwan's fabs.
        site = m.modifiers.taiwan_output if f.country == "Taiwan" else 1.0
        cap = f.packaging_capacity * m.modifiers.packaging * site * m.rules.packages_per_wafer * gen
        total = sum(potential.values())
        scale = min(1.0, cap / total) if total > 0 else 0.0
        for maker, units in potential.items():
            _deliver_made(m, maker, units * scale)
    for (maker, _site), wafers in jv_made.items():
        _deliver_made(m, maker, _units(m, maker, wafers) * m.modifiers.packaging)


def _units(m: FabRaceModel, maker: str, wafers: float) -> float:
    """Accelerators (kH100e) a chip maker's design gets out of ``wafers`` k wafers."""
    a = m.actors_by_name[maker]
    dpw = (
        a.dies_per_wafer
        if isinstance(a, Designer)
        else (m.rules.own_chip_efficiency * m.reference_dpw)
    )
    return wafers * dpw * m.market.generation


def _deliver_made(m: FabRaceModel, maker: str, units: float) -> None:
    """Packaged accelerators reach their maker: a designer's stock or a lab's fleet (paid for)."""
    gen = m.market.generation
    a = m.actors_by_name[maker]
    if isinstance(a, Designer):
        a.inventory += units
        a.made_last += units
        m.pay(
            a.name, OUTSIDE, units * a.unit_cost * m.modifiers.unit_cost / gen / 1000.0, "unit_cost"
        )
    elif isinstance(a, Lab):
        a.add_cohort(Cohort(m.quarter_index, units, "own", gen))
        m.own_chips_total += units
        cost = units * m.rules.own_chip_unit_cost * m.modifiers.unit_cost / gen / 1000.0
        m.pay(a.name, OUTSIDE, cost, "unit_cost")


# -- accelerators -------------------------------------------------------------------------------
def _receive(m: FabRaceModel, buyer: str, units: float, vendor: str) -> None:
    a = m.actors_by_name[buyer]
    if units > EPS and isinstance(a, Lab | Investor):
        a.add_cohort(Cohort(m.quarter_index, units, vendor, m.market.generation))


def _delivery_terms(c: Contract) -> SupplyTerms | VendorFinancingTerms:
    """The terms of a contract that delivers accelerators (a supply or vendor-financing deal)."""
    t = c.terms
    assert isinstance(t, SupplyTerms | VendorFinancingTerms), (c.id, c.kind)
    return t


def _gpus(m: FabRaceModel, orders_by: dict[tuple[str, str], list[SpotOrder]]) -> None:
    """Sell accelerators (``orders_by``: the spot orders, see :func:`_orders_by_seller`)."""
    mods = m.modifiers
    hit = mods.taiwan_output < 1.0  # a Taiwan event: force majeure, everyone shares the cut
    for d in m.alive(Designer):
        avail = d.inventory
        delivered = 0.0
        contracts = m.active_contracts(DealKind.SUPPLY, second=d.name) + m.active_contracts(
            DealKind.VENDOR_FINANCING, first=d.name
        )
        owed = [_delivery_terms(c).quantity for c in contracts]
        orders = orders_by.get((d.name, "gpus"), [])
        share = d.market_share * mods.share_boost.get(d.name, 1.0)
        outside = m.market.outside_gpu_demand(share, d.gpu_price, mods)
        asks = [o.quantity for o in orders] + [outside]
        if hit:
            shares = pro_rata(avail, owed + asks)
            to_contracts, got = shares[: len(owed)], shares[len(owed) :]
        else:  # supply contracts first, pro rata when short
            to_contracts = pro_rata(avail, owed)
            got = pro_rata(max(0.0, avail - math.fsum(to_contracts)), asks)
        for c, due, g in zip(contracts, owed, to_contracts, strict=True):
            buyer = c.other(d.name)
            t = _delivery_terms(c)
            prepay = t.prepay if isinstance(t, SupplyTerms) else 0.0  # vendor financing: none
            _serve(
                m,
                c,
                d.name,
                buyer,
                due,
                g,
                t.price,
                prepay,
                "gpu_sale",
                "gpu_refund",
                excused=hit,
            )
            _receive(m, buyer, g, d.name)
            delivered += g
        for o, g in zip(orders, got[:-1], strict=True):
            paid = m.pay_obligation(o.buyer, d.name, g * d.gpu_price / 1000.0, "gpu_sale")
            g = paid * 1000.0 / d.gpu_price
            _receive(m, o.buyer, g, d.name)
            delivered += g
        m.pay(OUTSIDE, d.name, got[-1] * d.gpu_price / 1000.0, "gpu_sale")
        delivered += got[-1]
        d.inventory = max(0.0, d.inventory - delivered)
        d.sold_last = delivered
        d.totals_sold += delivered
        m.gpu_sold_total += delivered


def _loans(m: FabRaceModel) -> None:
    for c in m.active_contracts(DealKind.LOAN):
        t = c.terms_as(LoanTerms)
        lender, borrower = c.first, c.second
        principal, interest = t.instalment(c.outstanding)
        paid_i = m.pay_obligation(borrower, lender, interest, "loan_interest")
        paid_p = m.pay_obligation(borrower, lender, principal, "loan_repayment")
        c.outstanding -= paid_p
        c.quarters_done += 1
        if paid_i < interest - EPS or paid_p < principal - EPS:
            m.breach(c, borrower, f"{borrower} defaulted on its loan from {lender}")
        else:
            m.graph.adjust_trust(lender, borrower, TRUST_RULES["honoured"])


def _leases(m: FabRaceModel) -> None:
    """Tenants pay their landlords the quarter's rent; one that cannot pay breaches."""
    for c in m.active_contracts(DealKind.LEASE):
        t = c.terms
        tenant, landlord = c.first, c.second
        rent = t.rent_due()  # type: ignore[attr-defined]
        paid = m.pay_obligation(tenant, landlord, rent, "lease_rent")
        c.quarters_done += 1
        if paid < rent - EPS:
            m.breach(c, tenant, f"{tenant} could not pay its rent to {landlord}")
        else:
            m.graph.adjust_trust(landlord, tenant, TRUST_RULES["honoured"])


def _close_contracts(m: FabRaceModel) -> None:
    for c in m.active_contracts():
        duration = c.duration  # a property: asked once
        if duration is not None and c.quarters_done >= duration:
            m.set_status(c, ContractStatus.COMPLETED)
            m.graph.adjust_trust(c.first, c.second, TRUST_RULES["completed"])
            m.graph.adjust_trust(c.second, c.first, TRUST_RULES["completed"])


def _solvency(m: FabRaceModel) -> None:
    for a in m.actor_list:
        if a.insolvent:
            continue
        if a.cash < -EPS:
            a.distress += 1
            if a.distress > m.rules.distress_quarters:
                m.make_insolvent(a)
            else:
                m.say(f"{a.name} is short of cash (${a.cash:.2f}B): it must raise money")
        else:
            a.distress = 0
