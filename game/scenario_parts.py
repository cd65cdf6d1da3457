"""The parts of a scenario: rules, market, fabs, actors, contracts, scoring and event cards.

Each is a strict pydantic model (no unknown keys, TOML types, numbers finite and within the range
each field declares: see :mod:`game.scenario_fields`); :class:`game.scenario.ScenarioSpec` holds
them. Units: $B for money, $k for unit prices, kH100e for compute, k wafers a quarter for capacity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator

from game.calendar import QUARTER_PATTERN
from game.deals import NODES, ROLES, SITES, DealKind
from game.events import EVENT_KINDS
from game.scenario_fields import Fraction, NonNeg, Trend
from game.scenario_fields import Strict as _Strict

__all__ = [
    "NAME_PATTERN",
    "ActorSpec",
    "ContractSpec",
    "DesignerSpec",
    "EventSpec",
    "FabSpec",
    "FoundrySpec",
    "InvestorSpec",
    "LabSpec",
    "MarketSpec",
    "RoleReference",
    "RulesSpec",
    "ScoringSpec",
]


class RulesSpec(_Strict):
    """Protocol and accounting rules."""

    action_budget: int = Field(3, ge=1, le=20, description="new offers an actor may open a quarter")
    max_rounds: int = Field(3, ge=1, le=10, description="offer + counters before an offer expires")
    initial_trust: Fraction = 0.5
    compute_life: int = Field(16, ge=1, le=60, description="quarters a kH100e stays in service")
    distress_quarters: int = Field(2, ge=0, le=12, description="quarters below zero cash allowed")
    chip_programme_cost: NonNeg = Field(1.25, le=100, description="$B a quarter during the R&D lag")
    chip_programme_quarters: int = Field(9, ge=1, le=40)
    chip_programme_slip: Fraction = Field(
        0.15, description="chance that a quarter of R&D brings the programme no closer"
    )
    own_chip_efficiency: Fraction = Field(0.7, description="own-chip H100e per wafer vs designers'")
    packaging_build_quarters: int = Field(3, ge=1, le=20)
    packaging_capex_per_kwafer: NonNeg = Field(
        0.05, le=10, description="$B per k CoWoS wafers/quarter"
    )
    packages_per_wafer: float = Field(
        29.0, ge=1, le=1000, description="H100e packaged per CoWoS wafer"
    )
    campus_capex_per_gw: NonNeg = Field(
        45.0, le=1000, description="$B per GW of data-centre campus"
    )
    campus_build_quarters: int = Field(8, ge=1, le=40)
    campus_rent: NonNeg = Field(0.006, le=1, description="$B a quarter earned per kH100e hosted")
    campus_opex_per_gw: NonNeg = Field(
        0.25, le=100, description="$B a quarter per GW of campus owned, used or idle (power, staff)"
    )
    hosting_cost: NonNeg = Field(0.003, le=1, description="$B a quarter per kH100e in service")
    own_chip_unit_cost: NonNeg = Field(
        15.0,
        le=1000,
        description="$k per own-chip H100e besides the wafer, falling with each generation: a "
        "design partner's margin, HBM, packaging, board (about half a merchant GPU's price)",
    )
    lab_multiple: float = Field(
        30.0,
        ge=0.1,
        le=1000,
        description="lab valuation = cash + this x run-rate, when growing fast",
    )
    lab_multiple_mature: float = Field(
        8.0, ge=0.1, le=1000, description="... when revenue no longer grows"
    )
    designer_multiple: float = Field(
        20.0, ge=0.1, le=1000, description="x annualised revenue, growing fast"
    )
    designer_multiple_mature: float = Field(
        8.0, ge=0.1, le=1000, description="... when not growing"
    )
    foundry_multiple: float = Field(
        8.0, ge=0.1, le=1000, description="x annualised revenue, growing fast"
    )
    foundry_multiple_mature: float = Field(5.0, ge=0.1, le=1000, description="... when not growing")
    full_multiple_growth: float = Field(
        1.0, ge=0.01, le=10, description="revenue growth over a year that earns the full multiple"
    )
    cash_reserve_years: float = Field(
        0.5, ge=0, le=10, description="designers and foundries keep this many years of revenue"
    )
    payout_rate: Fraction = Field(
        0.5, description="share of cash above the reserve paid to shareholders each quarter"
    )


class MarketSpec(_Strict):
    """The outside world's demand for GPUs and wafers, and the AI demand trend."""

    # labs' revenue follows AI demand, designers' and foundries' follow GPU and wafer demand, and
    # their cash compounds it: unbounded, it overflows
    trends = (
        Trend("ai_demand_growth", "ai_demand_decay"),
        Trend("gpu_growth", "gpu_growth_decay"),
        Trend("wafer_growth", "wafer_growth_decay"),
    )

    gpu_demand: NonNeg = Field(
        800.0, le=1e6, description="kH100e/quarter wanted at the reference price"
    )
    gpu_reference_price: float = Field(30.0, ge=0.1, le=1000, description="$k per H100e")
    gpu_growth: float = Field(0.10, ge=-0.5, le=1.0, description="demand growth a quarter at start")
    gpu_growth_decay: Fraction = Field(0.05, description="share of growth lost each quarter")
    gpu_elasticity: float = Field(
        0.8, ge=0, le=10, description="price elasticity of demand at or below the reference price"
    )
    gpu_elasticity_above: float = Field(
        2.5,
        ge=0,
        le=10,
        description="above the reference: > 1, so revenue peaks inside the price range",
    )
    gpu_price_decline: float = Field(
        1.0,
        ge=0,
        le=2,
        description="reference price per H100e ~ 1 / generation ** this (1: it halves as "
        "price-performance doubles)",
    )
    gpu_noise: Fraction = 0.05
    wafer_demand: NonNeg = Field(
        650.0, le=1e6, description="k wafers/quarter wanted at reference price"
    )
    wafer_reference_price: float = Field(17.0, ge=0.1, le=1000, description="$k per wafer")
    wafer_growth: float = Field(0.02, ge=-0.5, le=1.0)
    wafer_growth_decay: Fraction = 0.02
    wafer_elasticity: float = Field(
        0.6, ge=0, le=10, description="price elasticity of demand at or below the reference price"
    )
    wafer_elasticity_above: float = Field(
        2.0, ge=0, le=10, description="above the reference: > 1, so revenue peaks inside"
    )
    wafer_noise: Fraction = 0.03
    revenue_per_compute: NonNeg = Field(
        0.02, le=10, description="lab revenue $B/year per kH100e at start"
    )
    compute_saturation: float = Field(
        3000.0,
        ge=1,
        le=1e8,
        description="kH100e in the AI market (all labs' and outside) at which revenue per kH100e "
        "has halved (grows with AI demand)",
    )
    cloud_gw: NonNeg = Field(
        0.3, le=1e4, description="GW outside clouds can power for each lab at the start"
    )
    cloud_growth: float = Field(
        0.08, ge=-0.5, le=1.0, description="growth a quarter of what outside clouds can power"
    )
    cloud_growth_decay: Fraction = Field(
        0.0, description="share of the clouds' growth lost each quarter (0: steady growth)"
    )
    cloud_rent: NonNeg = Field(
        1.5, le=1000, description="$B a quarter per GW of outside cloud used"
    )
    outside_ai_compute: NonNeg = Field(
        0.0,
        le=1e8,
        description="kH100e serving AI customers outside the game at the start (grows with AI "
        "demand): the rivals every lab shares the market with",
    )
    revenue_adjustment: Fraction = Field(
        0.5, description="share of the gap to its target a lab's revenue closes each quarter"
    )
    ai_demand_growth: float = Field(0.04, ge=-0.5, le=1.0, description="growth a quarter at start")
    ai_demand_decay: Fraction = 0.03
    generation_doubling_quarters: float = Field(
        10.0, ge=1, le=400, description="H100e per wafer doubles"
    )
    base_rate: Fraction = Field(0.05, description="risk-free rate a year")


class FabSpec(_Strict):
    """A fab, running or being built."""

    if TYPE_CHECKING:
        node: str
        site: str
    else:  # one of the tables' keys: pydantic checks them, a type checker cannot
        node: Literal[tuple(NODES)]
        site: Literal[tuple(SITES)]
    capacity: float = Field(ge=0.1, le=1e5, description="k wafers/quarter at full yield")
    first_yield: float | None = Field(
        None, ge=0.01, le=1, description="yield when new; default: the node's"
    )
    age: int = Field(8, ge=0, le=400, description="quarters in operation")
    build_quarters_left: int = Field(0, ge=0, le=40, description="0 = producing")


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.\-]*$"


class _ActorBase(_Strict):
    name: str = Field(min_length=1, max_length=40, pattern=NAME_PATTERN)
    country: str = Field(min_length=2, max_length=20)
    cash: float = Field(ge=0, le=1e5, description="$B")
    policy: str = Field("basic", min_length=1)


class LabSpec(_ActorBase):
    role: Literal["lab"]
    compute: NonNeg = Field(le=1e7, description="kH100e in service")
    compute_vendor: str | None = Field(None, description="vendor of the starting compute")
    revenue_run_rate: NonNeg = Field(le=1e5, description="$B a year")
    fixed_opex: NonNeg = Field(le=1e4, description="$B a quarter besides hosting")
    outside_equity: float = Field(0.0, ge=0, le=0.95, description="stake held outside the game")
    campus_gw: NonNeg = Field(
        0.0, le=1e4, description="GW of data-centre campus it owns at the start"
    )


class DesignerSpec(_ActorBase):
    role: Literal["designer"]
    gpu_price: float = Field(ge=0.1, le=1000, description="$k per H100e")
    inventory: NonNeg = Field(le=1e7, description="kH100e")
    market_share: Fraction = Field(description="share of outside GPU demand at equal prices")
    dies_per_wafer: float = Field(ge=1, le=1000, description="good H100e per wafer at start")
    unit_cost: NonNeg = Field(le=1000, description="$k per H100e besides the wafer (HBM, board)")
    fixed_opex: NonNeg = Field(le=1e4, description="$B a quarter")
    opex_share: Fraction = Field(0.12, description="R&D and SG&A as a share of revenue")
    outside_equity: float = Field(0.0, ge=0, le=0.95, description="stake held outside the game")


class FoundrySpec(_ActorBase):
    role: Literal["foundry"]
    fabs: list[FabSpec] = Field(default_factory=list, max_length=200)
    packaging_capacity: NonNeg = Field(le=1e5, description="k CoWoS wafers/quarter")
    wafer_price: float = Field(ge=0.1, le=1000, description="$k per wafer, spot")
    wafer_cost: NonNeg = Field(le=1000, description="$k variable cost per wafer")
    fixed_opex: NonNeg = Field(le=1e4, description="$B a quarter")
    opex_share: Fraction = Field(0.1, description="R&D and SG&A as a share of revenue")
    other_revenue: NonNeg = Field(
        0.0, le=1e4, description="$B a quarter from nodes outside the game"
    )
    other_margin: Fraction = 0.4
    market_share: Fraction = Field(1.0, description="share of outside wafer demand")
    margin_floor: Fraction = 0.45
    outside_equity: float = Field(0.0, ge=0, le=0.95, description="stake held outside the game")


class InvestorSpec(_ActorBase):
    role: Literal["investor"]
    inflow: NonNeg = Field(0.0, le=1e4, description="$B a quarter of new capital")
    licence: bool = Field(False, description="may import accelerators (export licence)")
    campus_gw: NonNeg = Field(0.0, le=1e4, description="data-centre campus capacity at start")


ActorSpec = Annotated[
    LabSpec | DesignerSpec | FoundrySpec | InvestorSpec, Field(discriminator="role")
]


class RoleReference(_Strict):
    """How a role scores in the scenario's reference run (all-``historical``), at the end."""

    mean: float = Field(ge=-1e6, le=1e6, description="mean raw score")
    sd: float = Field(ge=0.001, le=1e6, description="standard deviation of the raw score")


class ScoringSpec(_Strict):
    """Scores relative to the reference run, so that roles compare (see game.scoring)."""

    #: per role; a role not given keeps raw scores
    reference: dict[Literal[ROLES], RoleReference] = Field(default_factory=dict)  # type: ignore[valid-type]


class ContractSpec(_Strict):
    """A contract already signed when the game starts."""

    kind: DealKind = Field(strict=False)
    parties: tuple[str, str] = Field(
        strict=False, description="[first party, second party], as in GAME.md"
    )
    terms: dict[str, Any]
    quarters_done: int = Field(
        0, ge=0, le=400, description="quarters of the contract already served"
    )


class EventSpec(_Strict):
    """One card of the event deck: drawn at random each quarter, or scheduled at a quarter.

    A card with ``at`` (a quarter such as ``2027Q1``) is a *scheduled* event, as a tabletop
    exercise's facilitator injects one: it fires in that quarter, once, and never at random
    (``p_year`` is then ignored). ``target`` names the actor an event aimed at one hits (default:
    drawn among the eligible, or the first eligible for a scheduled card).
    """

    kind: str
    p_year: Fraction = Field(0.0, description="yearly probability (random cards)")
    duration: int = Field(1, ge=0, le=40, description="quarters; 0 = permanent")
    magnitude: float | None = Field(None, ge=0, le=1)
    at: str | None = Field(None, pattern=QUARTER_PATTERN, description="scheduled quarter")
    target: str | None = Field(None, min_length=1, description="the actor it hits")

    @field_validator("kind")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {v!r} (known: {', '.join(EVENT_KINDS)})")
        return v
