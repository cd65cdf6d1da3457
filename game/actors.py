"""The actors: one Mesa ``Agent`` subclass per role, holding that actor's books.

Actors hold state; the rules that change it live in :mod:`game` (the model calls the role methods
here on each actor in scenario order). Cash is not an attribute: it is the actor's balance in the
model's ledger, so that it can only change through a recorded transfer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

import mesa

from game.deals import DealKind, JointVentureTerms
from game.fabs import Fab, FabFigures, PackagingLine, fab_figures
from game.fleet import Campus, Cohort, Fleet
from game.ledger import OUTSIDE
from game.markets import cloud_factor, lab_revenue_target

if TYPE_CHECKING:
    from game.model import FabRaceModel
    from game.scenario import DesignerSpec, FoundrySpec, InvestorSpec, LabSpec

__all__ = ["ROLE_CLASSES", "Actor", "Cohort", "Designer", "Foundry", "Investor", "Lab"]


class Actor(mesa.Agent):
    """Base of the four roles: identity, cap table, stakes, distress and the quarter's P&L.

    Args:
        model: the game.
        spec: the actor's entry in the scenario.
    """

    role: ClassVar[str] = ""
    model: FabRaceModel
    _cache: dict[str, Any]  # set last in each role's __init__ (see _actor_cache)

    def __init__(self, model: FabRaceModel, spec: Any) -> None:
        super().__init__(model)
        self.name: str = spec.name
        self.country: str = spec.country
        self.policy_name: str = spec.policy
        self.outside_equity: float = getattr(spec, "outside_equity", 0.0)
        self.cap_table: dict[str, float] = {}  # in-game holders of this actor's equity
        self.stakes: dict[str, float] = {}  # this actor's stakes in others
        self.distress = 0  # consecutive quarter-ends with negative cash
        self.insolvent = False
        self.pnl: dict[str, float] = defaultdict(float)  # this quarter's flows by reason
        self.totals: dict[str, float] = defaultdict(float)  # all flows by reason
        self.tally: dict[str, float] = defaultdict(
            float
        )  # score counters (quarters low runway, ...)
        self.last_pnl: dict[str, float] = {}
        self.score = 0.0  # relative to the scenario's reference run where it has one
        self.raw_score = 0.0  # in the role's own units
        self.score_breakdown: dict[str, float] = {}
        self.initial: dict[str, float] = {}
        self.revenue_history: list[float] = []  # annualised revenue at the last 5 quarter-ends

    # -- money -----------------------------------------------------------------------------
    @property
    def cash(self) -> float:
        """Balance in the ledger ($B)."""
        return self.model.ledger.balances[self.name]

    def book(self, reason: str, amount: float) -> None:
        """Record a signed flow of this quarter (positive in, negative out)."""
        self.pnl[reason] += amount
        self.totals[reason] += amount

    def progress_builds(self) -> None:
        """Advance the actor's builds a quarter and pay their capex (no builds: nothing to do)."""

    def retire_compute(self, oldest: int) -> None:
        """Retire accelerators put in service in quarter ``oldest`` or before (if it has any)."""

    def book_running_flows(self) -> None:
        """Book the quarter's revenue and running costs that are the actor's alone."""

    def pay_out(self) -> None:
        """Pay shareholders (the outside world) a share of the cash above the reserve.

        A company keeps ``cash_reserve_years`` of revenue (this quarter's, annualised, or its
        last year's average if that is higher: a quarter of collapsed sales, as in a blockade,
        does not turn its whole reserve into a payout); of what it holds beyond that it pays
        ``payout_rate`` a quarter in buybacks and dividends, so that cash piles stay as real
        ones do.
        """
        m = self.model
        pnl = self.pnl
        annual = 4.0 * sum([pnl.get(r, 0.0) for r in self.revenue_reasons])
        year = self.revenue_history[-4:]
        if year:
            average = sum(year) / len(year)
            annual = average if average > annual else annual  # max(annual, average), no call
        excess = self.cash - m.rules.cash_reserve_years * annual
        if excess > 0:
            m.pay(self.name, OUTSIDE, m.rules.payout_rate * excess, "payout")

    def close_books(self) -> None:
        """Keep this quarter's P&L as ``last_pnl`` and start a new one; note the revenue."""
        self.last_pnl = dict(self.pnl)
        self.pnl = defaultdict(float)
        self.revenue_history = [*self.revenue_history[-4:], self.annual_revenue()]

    def annual_revenue(self) -> float:
        """Revenue at an annual rate ($B): last quarter's, times four."""
        return 4.0 * self.revenue()

    def growth(self) -> float:
        """Revenue growth over the last year (0.5 = +50 %; 0 when there is no history yet)."""
        h = self.revenue_history
        if len(h) < 2 or h[0] <= 0:
            return 0.0
        return h[-1] / h[0] - 1.0

    def _actor_cache(self) -> dict[str, Any]:
        """The actor's cache (set last in each role's ``__init__``, so that every actor of a
        role keeps its attributes in one order and Python shares their layout; made here for an
        actor restored from a snapshot of a version without it)."""
        try:
            return self._cache
        except AttributeError:
            self._cache = {}
            return self._cache

    def revenue(self) -> float:
        """Last quarter's operating revenue ($B), by role.

        Remembered for the quarter: ``last_pnl`` is a new dict each time the books close and
        nothing writes to it, so the dict itself says whether the figure is still good.
        """
        last = self.last_pnl
        try:  # self._actor_cache() without its call (asked for by every view and the scores)
            cache = self._cache
        except AttributeError:
            cache = self._actor_cache()
        hit: tuple[dict[str, float], float] | None = cache.get("revenue")
        if hit is None or hit[0] is not last:
            revenue = sum([last.get(r, 0.0) for r in self.revenue_reasons])
            hit = cache["revenue"] = (last, float(revenue))
        return hit[1]

    revenue_reasons: ClassVar[tuple[str, ...]] = ()

    @property
    def control(self) -> float:
        """Share of the actor's equity not held by others (in the game or outside it)."""
        share = 1.0 - self.outside_equity
        if self.cap_table:  # (no sum of no stakes: x - 0 is x)
            share -= sum(self.cap_table.values())
        return share if share > 0.0 else 0.0  # max(0.0, share) without the call (asked often)

    def equity_available(self) -> float:
        """Largest stake this actor can still sell."""
        return self.control

    # -- views -----------------------------------------------------------------------------
    def public(self) -> dict[str, Any]:
        """Figures everyone can see (a quarterly report)."""
        m = self.model
        return {
            "name": self.name,
            "role": self.role,
            "country": self.country,
            "cash": m.ledger.balances[self.name],  # self.cash
            "revenue": self.revenue(),  # remembered for the quarter: the valuation asks too
            "valuation": m.valuation(self),
            "control": self.control,
            "distressed": self.distress > 0,
            "insolvent": self.insolvent,
        }

    def books(self) -> dict[str, Any]:
        """The actor's own books: its public figures plus what only it sees."""
        return {**self.public(), **self.private()}

    def private(self) -> dict[str, Any]:
        """What only the actor itself sees."""
        return {
            "stakes": dict(self.stakes),
            "cap_table": dict(self.cap_table),
            "distress_quarters": self.distress,
            "last_quarter": dict(self.last_pnl),
            "score": self.score,
            "score_breakdown": dict(self.score_breakdown),
        }


class Lab(Campus, Fleet, Actor):
    """An AI lab: compute in service, a revenue run-rate that follows it, maybe its own chips."""

    role = "lab"
    revenue_reasons = ("ai_revenue",)

    def __init__(self, model: FabRaceModel, spec: LabSpec) -> None:
        super().__init__(model, spec)
        vendor = spec.compute_vendor or "legacy"
        start: list[Cohort] = []
        if spec.compute > 0:
            # Spread the starting fleet over past quarters so that it retires gradually.
            life = model.rules.compute_life
            per = spec.compute / life
            start = [Cohort(-i, per, vendor) for i in range(life - 1, -1, -1)]
        self._init_fleet(start)
        self.revenue_run_rate: float = spec.revenue_run_rate
        self.fixed_opex: float = spec.fixed_opex
        self.programme_left: int | None = None  # quarters of R&D left; 0 = own chips ready
        self._init_campus(spec.campus_gw)
        self._cache: dict[str, Any] = {}  # see _actor_cache (a cache: never saved)

    @property
    def chips_ready(self) -> bool:
        return self.programme_left == 0

    def compute_by_vendor(self) -> dict[str, float]:
        """kH100e in service by vendor (``own``: its own chips), in the order first put in
        service (a new dict).

        Remembered until the fleet changes: cohorts are only ever added at the end or the
        oldest retired (a new list), so the list and its length say whether it has.
        """
        cohorts = self.cohorts
        cache = self._actor_cache()
        hit = cache.get("compute_by_vendor")
        if hit is None or hit[0] is not cohorts or hit[1] != len(cohorts):
            out: dict[str, float] = {}
            for c in cohorts:
                out[c.vendor] = out.get(c.vendor, 0.0) + c.amount
            hit = cache["compute_by_vendor"] = (cohorts, len(cohorts), out)
        return dict(hit[2])

    def cloud_gw(self) -> float:
        """GW the outside world's clouds can power for this lab now (grows each quarter)."""
        m = self.model
        s = m.market.spec
        return s.cloud_gw * cloud_factor(s.cloud_growth, s.cloud_growth_decay, m.quarter_index)

    def powered_gw(self) -> float:
        """GW that can power its accelerators: own campuses, leases in force, outside clouds.

        A lease on a Gulf campus powers nothing while export licences there are blocked.
        """
        return self.campus_gw + self._leases_in_force() + self.cloud_gw()

    def _leases_in_force(self) -> float:
        m = self.model
        gw = 0.0
        for c in m._selection((DealKind.LEASE, self.name, None)):  # active leases as tenant
            landlord = m.actors_by_name[c.second]
            if m.is_gulf(landlord) and not landlord.can_import():
                continue
            gw += c.terms.gw
        return gw

    def served_share(self) -> float:
        """Share of its compute that has power (the rest stands idle, earning nothing)."""
        need = self.power() / 500.0  # GW its accelerators draw (1 GW ~ 500 H100s)
        share = 1.0 if need <= 0 else self.powered_gw() / need
        return share if share < 1.0 else 1.0  # min(1.0, share) without the call (as below)

    @property
    def served(self) -> float:
        """kH100e in service with power: what earns revenue."""
        return self.compute * self.served_share()

    def progress_builds(self) -> None:
        """Pay a quarter of chip R&D and of campus builds; a programme may slip a quarter.

        A quarter of R&D may slip (``chip_programme_slip``): paid for, but no closer.
        """
        m = self.model
        self._build_campuses()
        if self.programme_left:
            m.pay(self.name, OUTSIDE, m.rules.chip_programme_cost, "chip_rnd")
            if m.rng_ops.random() < m.rules.chip_programme_slip:
                m.say(f"{self.name}'s accelerator programme slips a quarter")
                return
            self.programme_left -= 1
            if self.programme_left == 0:
                m.say(f"{self.name}'s own accelerator is ready for production")

    def book_running_flows(self) -> None:
        """Revenue follows compute (see :func:`lab_revenue_target`); pay opex and hosting."""
        m = self.model
        mods, mk = m.modifiers, m.market
        # Payments move money only: its power and compute stay as they are, so its served share
        # (served_share(), with powered_gw() spelt out) is worked out once.
        leased = self._leases_in_force()
        powered = self.campus_gw + leased + self.cloud_gw()
        need = self.power() / 500.0
        share = 1.0 if need <= 0 else powered / need
        share = share if share < 1.0 else 1.0  # min(1.0, share) without the call
        target = lab_revenue_target(
            self.compute * share,  # self.served
            mk.spec.revenue_per_compute,
            mk.spec.compute_saturation,
            mk.ai_index * mods.ai_demand,
            m.ai_market_compute(),
        )
        self.revenue_run_rate += mk.spec.revenue_adjustment * (target - self.revenue_run_rate)
        m.pay(OUTSIDE, self.name, self.revenue_run_rate / 4.0, "ai_revenue")
        m.pay(self.name, OUTSIDE, self.fixed_opex, "opex")
        served_power = self.power() * share
        m.pay(
            self.name, OUTSIDE, m.rules.hosting_cost * mods.hosting_cost * served_power, "hosting"
        )
        # Outside clouds charge rent for the power they provide beyond own and leased campuses.
        cloud = served_power / 500.0 - self.campus_gw - leased
        cloud = cloud if cloud > 0.0 else 0.0  # max(0.0, cloud) without the call
        m.pay(self.name, OUTSIDE, cloud * m.market.spec.cloud_rent, "cloud_rent")
        self._pay_campus_opex()

    def annual_revenue(self) -> float:
        """The revenue run-rate ($B a year)."""
        return self.revenue_run_rate

    def burn(self) -> float:
        """Cash spent last quarter beyond what came in (0 if cash-positive)."""
        net = sum([v for k, v in self.last_pnl.items() if k not in ("equity", "loan_principal")])
        return -net if -net > 0.0 else 0.0  # max(0.0, -net) without the call

    def public(self) -> dict[str, Any]:
        powered = self.powered_gw()
        need = self.power() / 500.0  # as in served_share, with its powered GW worked out once
        share = 1.0 if need <= 0 else powered / need
        served = self.compute * (share if share < 1.0 else 1.0)  # min(1.0, share), no call
        # A new dict: the role's figures follow its keys, set one by one (the same dict as
        # {**super().public(), ...}, without copying it: the views ask for these often).
        out = super().public()
        out["compute"] = self.compute
        out["served"] = served
        out["powered_gw"] = powered
        out["campus_gw"] = self.campus_gw
        out["revenue_run_rate"] = self.revenue_run_rate
        out["chip_programme"] = (
            None if self.programme_left is None else ("ready" if self.chips_ready else "in R&D")
        )
        return out

    def private(self) -> dict[str, Any]:
        out = super().private()  # a new dict: the role's figures follow its keys
        out["compute_by_vendor"] = self.compute_by_vendor()
        out["fixed_opex"] = self.fixed_opex
        out["programme_quarters_left"] = self.programme_left
        out["leased_gw"] = self._leases_in_force()
        out["cloud_gw"] = self.cloud_gw()
        out["campus_building_gw"] = sum([b[0] for b in self.campus_builds])
        out["burn"] = self.burn()
        return out


class Designer(Actor):
    """A chip designer: turns wafers into accelerators and sells them at its price."""

    role = "designer"
    revenue_reasons = ("gpu_sale", "gpu_prepayment")

    def __init__(self, model: FabRaceModel, spec: DesignerSpec) -> None:
        super().__init__(model, spec)
        # The list price is kept relative to the market's reference price: a price left alone
        # falls with each generation as the reference does (prices are per H100e of work).
        self.price_rel: float = spec.gpu_price / model.market.gpu_reference()
        self.inventory: float = spec.inventory
        self.market_share: float = spec.market_share
        self.dies_per_wafer: float = spec.dies_per_wafer
        self.unit_cost: float = spec.unit_cost
        self.fixed_opex: float = spec.fixed_opex
        self.opex_share: float = spec.opex_share
        self.sold_last = 0.0  # kH100e delivered last quarter
        self.made_last = 0.0
        self.totals_sold = 0.0
        self._cache: dict[str, Any] = {}  # see _actor_cache (a cache: never saved)

    @property
    def gpu_price(self) -> float:
        """The list price ($k per H100e): its price relative to the reference, times that."""
        return self.price_rel * self.model.market.gpu_reference()

    @gpu_price.setter
    def gpu_price(self, price: float) -> None:
        self.price_rel = price / self.model.market.gpu_reference()

    def book_running_flows(self) -> None:
        """Pay operating costs (R&D, SG&A: fixed plus a share of revenue); pay shareholders."""
        pnl = self.pnl
        revenue = sum([pnl.get(r, 0.0) for r in self.revenue_reasons])
        opex = self.fixed_opex + self.opex_share * max(0.0, revenue)
        self.model.pay(self.name, OUTSIDE, opex, "opex")
        self.pay_out()

    def public(self) -> dict[str, Any]:
        out = super().public()  # a new dict: the role's figures follow its keys
        out["gpu_price"] = self.gpu_price
        out["sold"] = self.sold_last
        out["market_share"] = self.market_share
        return out

    def private(self) -> dict[str, Any]:
        out = super().private()  # a new dict: the role's figures follow its keys
        out["inventory"] = self.inventory
        out["made"] = self.made_last
        out["dies_per_wafer"] = self.dies_per_wafer
        out["unit_cost"] = self.unit_cost
        out["fixed_opex"] = self.fixed_opex
        return out


class Foundry(Actor):
    """A foundry: fabs, packaging capacity and a spot wafer price."""

    role = "foundry"
    revenue_reasons = ("wafer_sale", "wafer_prepayment", "other_revenue", "jv_fee")

    def __init__(self, model: FabRaceModel, spec: FoundrySpec) -> None:
        super().__init__(model, spec)
        self.fabs: list[Fab] = []
        for f in spec.fabs:
            self.fabs.append(
                Fab(
                    node=f.node,
                    site=f.site,
                    capacity=f.capacity,
                    build_left=f.build_quarters_left,
                    age=f.age if f.build_quarters_left == 0 else 0,
                    first_yield=f.first_yield,
                )
            )
            if f.build_quarters_left:
                fab = self.fabs[-1]
                fab.capex_left = model.fab_capex(f.node, f.site, f.capacity) * (
                    f.build_quarters_left / model.build_quarters(f.site)
                )
        self.packaging_capacity: float = spec.packaging_capacity
        self.packaging_lines: list[PackagingLine] = []
        self.wafer_price: float = spec.wafer_price
        self.wafer_cost: float = spec.wafer_cost
        self.fixed_opex: float = spec.fixed_opex
        self.opex_share: float = spec.opex_share
        self.other_revenue: float = spec.other_revenue
        self.other_margin: float = spec.other_margin
        self.market_share: float = spec.market_share
        self.margin_floor: float = spec.margin_floor
        self.produced_last = 0.0
        self.sold_last = 0.0
        self.utilisation = 1.0
        self._cache: dict[str, Any] = {}  # see _actor_cache (a cache: never saved)

    def capacity(self, producing_only: bool = True) -> float:
        """k wafers a quarter of fab capacity (running fabs, or all fabs including builds)."""
        if producing_only:
            return self._fab_figures()[0]
        # sum(f.capacity for f in fabs), spelt out as additions in order (sum() of floats
        # compensates its rounding, so the figure would not be the same to the bit)
        total: float = 0
        for f in self.fabs:
            total += f.capacity
        return total

    def _fab_figures(self) -> FabFigures:
        """:func:`~game.fabs.fab_figures` of its fabs, shared (the caller must not change them):
        kept until a fab is added (the list grows) or the builds progress (the only change to a
        fab they read: :meth:`progress_builds` moves its count of builds)."""
        fabs = self.fabs
        cache = self._actor_cache()
        stamp = cache.get("fab_builds", 0)
        hit = cache.get("fab_figures")
        if hit is None or hit[0] is not fabs or hit[1] != len(fabs) or hit[2] != stamp:
            hit = cache["fab_figures"] = (fabs, len(fabs), stamp, fab_figures(fabs))
        return hit[3]

    def progress_builds(self) -> None:
        """Pay each fab's capex instalment (shared with a JV partner) and open finished lines."""
        m = self.model
        builds = 0
        for fab in self.fabs:
            if fab.build_left == 0:  # fab.producing
                continue
            builds += 1
            instalment = fab.capex_left / fab.build_left
            if fab.partner is not None and fab.contract_id is not None:
                share = m.contracts[fab.contract_id].terms_as(JointVentureTerms).partner_capex_share
                m.pay(fab.partner, OUTSIDE, instalment * share, "jv_capex")
                m.pay(self.name, OUTSIDE, instalment * (1 - share), "jv_capex")
            else:
                m.pay(self.name, OUTSIDE, instalment, "fab_capex")
            fab.capex_left -= instalment
            fab.build_left -= 1
            if fab.build_left == 0:
                fab.capex_left = 0.0
                m.say(
                    f"{self.name}'s {fab.node} fab in {fab.site} ({fab.capacity:.0f}k wafers/q) "
                    f"starts producing"
                )
        if builds:  # the fabs' figures changed (see _fab_figures)
            cache = self._actor_cache()
            cache["fab_builds"] = cache.get("fab_builds", 0) + 1
        for line in self.packaging_lines:
            line.build_left -= 1
            if line.build_left <= 0:
                self.packaging_capacity += line.capacity
        self.packaging_lines = [ln for ln in self.packaging_lines if ln.build_left > 0]

    def book_running_flows(self) -> None:
        """Earn (and pay the costs of) the nodes outside the game; pay operating costs (fixed
        plus a share of revenue); pay shareholders."""
        m = self.model
        if self.other_revenue > 0:
            m.pay(OUTSIDE, self.name, self.other_revenue, "other_revenue")
            m.pay(self.name, OUTSIDE, self.other_revenue * (1 - self.other_margin), "other_cost")
        pnl = self.pnl
        revenue = sum([pnl.get(r, 0.0) for r in self.revenue_reasons])
        m.pay(self.name, OUTSIDE, self.fixed_opex + self.opex_share * max(0.0, revenue), "opex")
        self.pay_out()

    def building(self) -> float:
        return self._fab_figures()[2]

    def public(self) -> dict[str, Any]:
        _, capacity, building, rows = self._fab_figures()
        out = super().public()  # a new dict: the role's figures follow its keys
        out["capacity"] = capacity  # capacity(), summed by sum()
        out["capacity_building"] = building  # building()
        out["packaging_capacity"] = self.packaging_capacity
        out["wafer_price"] = self.wafer_price
        out["wafer_cost"] = self.wafer_cost
        out["utilisation"] = self.utilisation
        out["fabs"] = list(rows)
        return out

    def private(self) -> dict[str, Any]:
        out = super().private()  # a new dict: the role's figures follow its keys
        out["produced"] = self.produced_last
        out["sold"] = self.sold_last
        out["fixed_opex"] = self.fixed_opex
        out["packaging_building"] = sum([p.capacity for p in self.packaging_lines])
        return out


class Investor(Campus, Fleet, Actor):
    """A sovereign fund or investment house: a capital pool, stakes, loans and a home campus."""

    role = "investor"
    revenue_reasons = ("campus_rent", "lease_rent", "loan_interest")

    def __init__(self, model: FabRaceModel, spec: InvestorSpec) -> None:
        super().__init__(model, spec)
        self.inflow: float = spec.inflow
        self.licence: bool = spec.licence
        self._init_campus(spec.campus_gw)
        self._init_fleet([])
        self._cache: dict[str, Any] = {}  # see _actor_cache (a cache: never saved)

    def progress_builds(self) -> None:
        """Advance campus builds."""
        self._build_campuses()

    def free_gw(self) -> float:
        """GW of its campus neither leased out nor powering its own accelerators."""
        return max(0.0, self.campus_gw - self.leased_gw(1) - self.power() / 500.0)

    def campus_room(self) -> float:
        """kH100e of today's chips the campus can still take (1 GW is about 500 H100s' power)."""
        free = (self.campus_gw - self.leased_gw(1)) * 500.0 - self.power()  # free power
        free = free if free > 0.0 else 0.0  # max(0.0, free) without the call (asked often)
        return free * self.model.market.generation

    def book_running_flows(self) -> None:
        """New capital flows in; hosted compute earns rent."""
        m = self.model
        m.pay(OUTSIDE, self.name, self.inflow, "inflow")
        rent = self.compute * m.rules.campus_rent
        if rent > 0:  # (paying nothing moves nothing: the ledger records no transfer)
            m.pay(OUTSIDE, self.name, rent, "campus_rent")
        self._pay_campus_opex()

    def can_import(self) -> bool:
        """Whether an export licence lets it buy accelerators now."""
        return self.licence and not (
            self.model.modifiers.gulf_licences_blocked and self.model.is_gulf(self)
        )

    def public(self) -> dict[str, Any]:
        out = super().public()  # a new dict: the role's figures follow its keys
        out["compute"] = self.compute
        out["campus_gw"] = self.campus_gw
        out["licence"] = self.can_import()
        return out

    def private(self) -> dict[str, Any]:
        out = super().private()  # a new dict: the role's figures follow its keys
        out["campus_room"] = self.campus_room()
        out["inflow"] = self.inflow
        out["campus_building_gw"] = sum([b[0] for b in self.campus_builds])
        return out


ROLE_CLASSES: dict[str, type[Actor]] = {c.role: c for c in (Lab, Designer, Foundry, Investor)}
