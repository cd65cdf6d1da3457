"""The actors: one Mesa ``Agent`` subclass per role, holding that actor's books.

Actors hold state; the rules that change it live in :mod:`game` (the model calls the role methods
here through Mesa ``AgentSet``s). Cash is not an attribute: it is the actor's balance in the
model's ledger, so that it can only change through a recorded transfer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import mesa

from game.deals import JointVentureTerms
from game.fabs import Fab, PackagingLine
from game.ledger import OUTSIDE
from game.markets import lab_revenue_target

if TYPE_CHECKING:
    from game.model import FabRaceModel
    from game.scenario import DesignerSpec, FoundrySpec, InvestorSpec, LabSpec

__all__ = ["ROLE_CLASSES", "Actor", "Cohort", "Designer", "Foundry", "Investor", "Lab"]


@dataclass
class Cohort:
    """Accelerators put in service in one quarter, from one vendor (kH100e).

    ``generation`` is the chips' H100e per H100-sized chip: a newer chip does more work for the
    same power, so hosting costs scale with ``amount / generation``.
    """

    quarter: int
    amount: float
    vendor: str
    generation: float = 1.0


class Actor(mesa.Agent):
    """Base of the four roles: identity, cap table, stakes, distress and the quarter's P&L.

    Args:
        model: the game.
        spec: the actor's entry in the scenario.
    """

    role: ClassVar[str] = ""
    model: FabRaceModel

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
        self.score = 0.0
        self.score_breakdown: dict[str, float] = {}
        self.initial: dict[str, float] = {}

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

    def close_books(self) -> None:
        """Keep this quarter's P&L as ``last_pnl`` and start a new one."""
        self.last_pnl = dict(self.pnl)
        self.pnl = defaultdict(float)

    def revenue(self) -> float:
        """Last quarter's operating revenue ($B), by role."""
        return sum(self.last_pnl.get(r, 0.0) for r in self.revenue_reasons)

    revenue_reasons: ClassVar[tuple[str, ...]] = ()

    @property
    def control(self) -> float:
        """Share of the actor's equity not held by others (in the game or outside it)."""
        return max(0.0, 1.0 - self.outside_equity - sum(self.cap_table.values()))

    def equity_available(self) -> float:
        """Largest stake this actor can still sell."""
        return self.control

    # -- views -----------------------------------------------------------------------------
    def public(self) -> dict[str, Any]:
        """Figures everyone can see (a quarterly report)."""
        return {
            "name": self.name,
            "role": self.role,
            "country": self.country,
            "cash": self.cash,
            "revenue": self.revenue(),
            "valuation": self.model.valuation(self),
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


class _Fleet:
    """Accelerators in service, by cohort (labs and investors' campuses have them).

    Change ``cohorts`` only through :meth:`add_cohort` and :meth:`retire_compute`, which keep the
    totals that :attr:`compute` and :meth:`power` read.
    """

    cohorts: list[Cohort]
    _compute: float
    _power: float

    def _init_fleet(self, cohorts: list[Cohort]) -> None:
        self.cohorts = list(cohorts)
        self._recount()

    def _recount(self) -> None:
        self._compute = math.fsum(c.amount for c in self.cohorts)
        self._power = math.fsum(c.amount / c.generation for c in self.cohorts)

    def add_cohort(self, cohort: Cohort) -> None:
        """Put accelerators in service."""
        self.cohorts.append(cohort)
        self._recount()

    @property
    def compute(self) -> float:
        """kH100e in service."""
        return self._compute

    def power(self) -> float:
        """Compute in service in H100-power units (kH100e / generation): what hosting costs."""
        return self._power

    def retire_compute(self, oldest: int) -> None:
        """Retire the cohorts put in service in quarter ``oldest`` or before."""
        if self.cohorts and self.cohorts[0].quarter <= oldest:
            self.cohorts = [c for c in self.cohorts if c.quarter > oldest]
            self._recount()


class Lab(_Fleet, Actor):
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

    @property
    def chips_ready(self) -> bool:
        return self.programme_left == 0

    def compute_by_vendor(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for c in self.cohorts:
            out[c.vendor] = out.get(c.vendor, 0.0) + c.amount
        return out

    def progress_builds(self) -> None:
        """Pay a quarter of chip R&D; the programme is ready when its quarters run out."""
        m = self.model
        if self.programme_left:
            m.pay(self.name, OUTSIDE, m.rules.chip_programme_cost, "chip_rnd")
            self.programme_left -= 1
            if self.programme_left == 0:
                m.say(f"{self.name}'s own accelerator is ready for production")

    def book_running_flows(self) -> None:
        """Revenue follows compute (see :func:`lab_revenue_target`); pay opex and hosting."""
        m = self.model
        mods, mk = m.modifiers, m.market
        target = lab_revenue_target(
            self.compute,
            mk.spec.revenue_per_compute,
            mk.spec.compute_saturation,
            mk.ai_index * mods.ai_demand,
        )
        self.revenue_run_rate += 0.35 * (target - self.revenue_run_rate)
        m.pay(OUTSIDE, self.name, self.revenue_run_rate / 4.0, "ai_revenue")
        m.pay(self.name, OUTSIDE, self.fixed_opex, "opex")
        m.pay(
            self.name, OUTSIDE, m.rules.hosting_cost * mods.hosting_cost * self.power(), "hosting"
        )

    def burn(self) -> float:
        """Cash spent last quarter beyond what came in (0 if cash-positive)."""
        net = sum(v for k, v in self.last_pnl.items() if k not in ("equity", "loan_principal"))
        return max(0.0, -net)

    def public(self) -> dict[str, Any]:
        return {
            **super().public(),
            "compute": self.compute,
            "revenue_run_rate": self.revenue_run_rate,
            "chip_programme": (
                None if self.programme_left is None else ("ready" if self.chips_ready else "in R&D")
            ),
        }

    def private(self) -> dict[str, Any]:
        return {
            **super().private(),
            "compute_by_vendor": self.compute_by_vendor(),
            "fixed_opex": self.fixed_opex,
            "programme_quarters_left": self.programme_left,
            "burn": self.burn(),
        }


class Designer(Actor):
    """A chip designer: turns wafers into accelerators and sells them at its price."""

    role = "designer"
    revenue_reasons = ("gpu_sale", "gpu_prepayment")

    def __init__(self, model: FabRaceModel, spec: DesignerSpec) -> None:
        super().__init__(model, spec)
        self.gpu_price: float = spec.gpu_price
        self.inventory: float = spec.inventory
        self.market_share: float = spec.market_share
        self.dies_per_wafer: float = spec.dies_per_wafer
        self.unit_cost: float = spec.unit_cost
        self.fixed_opex: float = spec.fixed_opex
        self.sold_last = 0.0  # kH100e delivered last quarter
        self.made_last = 0.0
        self.totals_sold = 0.0

    def book_running_flows(self) -> None:
        """Pay fixed operating costs (R&D, SG&A)."""
        self.model.pay(self.name, OUTSIDE, self.fixed_opex, "opex")

    def public(self) -> dict[str, Any]:
        return {
            **super().public(),
            "gpu_price": self.gpu_price,
            "sold": self.sold_last,
            "market_share": self.market_share,
        }

    def private(self) -> dict[str, Any]:
        return {
            **super().private(),
            "inventory": self.inventory,
            "made": self.made_last,
            "dies_per_wafer": self.dies_per_wafer,
            "unit_cost": self.unit_cost,
            "fixed_opex": self.fixed_opex,
        }


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
        self.other_revenue: float = spec.other_revenue
        self.other_margin: float = spec.other_margin
        self.market_share: float = spec.market_share
        self.margin_floor: float = spec.margin_floor
        self.produced_last = 0.0
        self.sold_last = 0.0
        self.utilisation = 1.0

    def capacity(self, producing_only: bool = True) -> float:
        """k wafers a quarter of fab capacity (running fabs, or all fabs including builds)."""
        return sum(f.capacity for f in self.fabs if f.producing or not producing_only)

    def progress_builds(self) -> None:
        """Pay each fab's capex instalment (shared with a JV partner) and open finished lines."""
        m = self.model
        for fab in self.fabs:
            if fab.producing:
                continue
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
        for line in self.packaging_lines:
            line.build_left -= 1
            if line.build_left <= 0:
                self.packaging_capacity += line.capacity
        self.packaging_lines = [ln for ln in self.packaging_lines if ln.build_left > 0]

    def book_running_flows(self) -> None:
        """Pay fixed costs; earn (and pay the costs of) the nodes outside the game."""
        m = self.model
        m.pay(self.name, OUTSIDE, self.fixed_opex, "opex")
        if self.other_revenue > 0:
            m.pay(OUTSIDE, self.name, self.other_revenue, "other_revenue")
            m.pay(self.name, OUTSIDE, self.other_revenue * (1 - self.other_margin), "other_cost")

    def building(self) -> float:
        return sum(f.capacity for f in self.fabs if not f.producing)

    def public(self) -> dict[str, Any]:
        return {
            **super().public(),
            "capacity": self.capacity(),
            "capacity_building": self.building(),
            "packaging_capacity": self.packaging_capacity,
            "wafer_price": self.wafer_price,
            "utilisation": self.utilisation,
            "fabs": [(f.node, f.site, f.capacity, f.build_left) for f in self.fabs],
        }

    def private(self) -> dict[str, Any]:
        return {
            **super().private(),
            "wafer_cost": self.wafer_cost,
            "produced": self.produced_last,
            "sold": self.sold_last,
            "fixed_opex": self.fixed_opex,
            "packaging_building": sum(p.capacity for p in self.packaging_lines),
        }


class Investor(_Fleet, Actor):
    """A sovereign fund or investment house: a capital pool, stakes, loans and a home campus."""

    role = "investor"
    revenue_reasons = ("campus_rent", "loan_interest")

    def __init__(self, model: FabRaceModel, spec: InvestorSpec) -> None:
        super().__init__(model, spec)
        self.inflow: float = spec.inflow
        self.licence: bool = spec.licence
        self.campus_gw: float = spec.campus_gw
        self.campus_builds: list[list[float]] = []  # [gw, quarters left, capex left]
        self._init_fleet([])

    def campus_room(self) -> float:
        """kH100e of today's chips the campus can still take (1 GW is about 500 H100s' power)."""
        free_power = max(0.0, self.campus_gw * 500.0 - self.power())
        return free_power * self.model.market.generation

    def progress_builds(self) -> None:
        """Pay each campus build's instalment; a finished campus adds its GW."""
        m = self.model
        for b in self.campus_builds:
            gw, left, capex_left = b
            instalment = capex_left / left
            m.pay(self.name, OUTSIDE, instalment, "campus_capex")
            b[1] = left - 1
            b[2] = capex_left - instalment
            if b[1] <= 0:
                self.campus_gw += gw
                m.say(f"{self.name}'s {gw:.2f} GW campus opens")
        self.campus_builds = [b for b in self.campus_builds if b[1] > 0]

    def book_running_flows(self) -> None:
        """New capital flows in; hosted compute earns rent."""
        m = self.model
        m.pay(OUTSIDE, self.name, self.inflow, "inflow")
        m.pay(OUTSIDE, self.name, self.compute * m.rules.campus_rent, "campus_rent")

    def can_import(self) -> bool:
        """Whether an export licence lets it buy accelerators now."""
        return self.licence and not (
            self.model.modifiers.gulf_licences_blocked and self.model.is_gulf(self)
        )

    def public(self) -> dict[str, Any]:
        return {
            **super().public(),
            "compute": self.compute,
            "campus_gw": self.campus_gw,
            "licence": self.can_import(),
        }

    def private(self) -> dict[str, Any]:
        return {
            **super().private(),
            "campus_room": self.campus_room(),
            "inflow": self.inflow,
            "campus_building_gw": sum(b[0] for b in self.campus_builds),
        }


ROLE_CLASSES: dict[str, type[Actor]] = {c.role: c for c in (Lab, Designer, Foundry, Investor)}
