"""Scenarios: validated TOML files that set the actors, the market, the rules and the event deck.

``load_scenario`` takes a built-in name (``baseline-2024``) or a path and returns a
:class:`ScenarioSpec`, or raises :class:`ScenarioError` whose message names the file, the field and
the problem. Built-in scenarios live in ``assets/scenarios/``.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from game.calendar import QUARTER_PATTERN, parse_quarter, quarter_label
from game.deals import NODES, ROLES, SITES, DealError, DealKind, parse_terms, resolve_parties
from game.events import EVENT_KINDS

__all__ = [
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
    "ScenarioError",
    "ScenarioSpec",
    "ScoringSpec",
    "builtin_scenarios",
    "extend",
    "load_scenario",
    "scenario_dir",
]


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file, the field and the problem."""


class _Strict(BaseModel):
    # strict: a number must be a TOML number (not "30" or true), a flag a TOML boolean
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


NonNeg = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class RulesSpec(_Strict):
    """Protocol and accounting rules."""

    action_budget: int = Field(3, ge=1, le=20, description="new offers an actor may open a quarter")
    max_rounds: int = Field(3, ge=1, le=10, description="offer + counters before an offer expires")
    initial_trust: Fraction = 0.5
    compute_life: int = Field(16, ge=1, le=60, description="quarters a kH100e stays in service")
    distress_quarters: int = Field(2, ge=0, le=12, description="quarters below zero cash allowed")
    chip_programme_cost: NonNeg = Field(1.25, description="$B a quarter during the R&D lag")
    chip_programme_quarters: int = Field(9, ge=1, le=40)
    chip_programme_slip: Fraction = Field(
        0.15, description="chance that a quarter of R&D brings the programme no closer"
    )
    own_chip_efficiency: Fraction = Field(0.7, description="own-chip H100e per wafer vs designers'")
    packaging_build_quarters: int = Field(3, ge=1, le=20)
    packaging_capex_per_kwafer: NonNeg = Field(0.05, description="$B per k CoWoS wafers/quarter")
    packages_per_wafer: float = Field(29.0, gt=0, description="H100e packaged per CoWoS wafer")
    campus_capex_per_gw: NonNeg = Field(45.0, description="$B per GW of data-centre campus")
    campus_build_quarters: int = Field(8, ge=1, le=40)
    campus_rent: NonNeg = Field(0.006, description="$B a quarter earned per kH100e hosted")
    campus_opex_per_gw: NonNeg = Field(
        0.25, description="$B a quarter per GW of campus owned, used or idle (power, staff)"
    )
    hosting_cost: NonNeg = Field(0.003, description="$B a quarter per kH100e in service")
    own_chip_unit_cost: NonNeg = Field(
        15.0,
        description="$k per own-chip H100e besides the wafer, falling with each generation: a "
        "design partner's margin, HBM, packaging, board (about half a merchant GPU's price)",
    )
    lab_multiple: float = Field(
        30.0, gt=0, description="lab valuation = cash + this x run-rate, when growing fast"
    )
    lab_multiple_mature: float = Field(8.0, gt=0, description="... when revenue no longer grows")
    designer_multiple: float = Field(20.0, gt=0, description="x annualised revenue, growing fast")
    designer_multiple_mature: float = Field(8.0, gt=0, description="... when not growing")
    foundry_multiple: float = Field(8.0, gt=0, description="x annualised revenue, growing fast")
    foundry_multiple_mature: float = Field(5.0, gt=0, description="... when not growing")
    full_multiple_growth: float = Field(
        1.0, gt=0, le=10, description="revenue growth over a year that earns the full multiple"
    )
    cash_reserve_years: float = Field(
        0.5, ge=0, le=10, description="designers and foundries keep this many years of revenue"
    )
    payout_rate: Fraction = Field(
        0.5, description="share of cash above the reserve paid to shareholders each quarter"
    )


class MarketSpec(_Strict):
    """The outside world's demand for GPUs and wafers, and the AI demand trend."""

    gpu_demand: NonNeg = Field(800.0, description="kH100e/quarter wanted at the reference price")
    gpu_reference_price: float = Field(30.0, gt=0, description="$k per H100e")
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
    wafer_demand: NonNeg = Field(650.0, description="k wafers/quarter wanted at reference price")
    wafer_reference_price: float = Field(17.0, gt=0, description="$k per wafer")
    wafer_growth: float = Field(0.02, ge=-0.5, le=1.0)
    wafer_growth_decay: Fraction = 0.02
    wafer_elasticity: float = Field(
        0.6, ge=0, le=10, description="price elasticity of demand at or below the reference price"
    )
    wafer_elasticity_above: float = Field(
        2.0, ge=0, le=10, description="above the reference: > 1, so revenue peaks inside"
    )
    wafer_noise: Fraction = 0.03
    revenue_per_compute: NonNeg = Field(0.02, description="lab revenue $B/year per kH100e at start")
    compute_saturation: float = Field(
        3000.0,
        gt=0,
        description="kH100e in the AI market (all labs' and outside) at which revenue per kH100e "
        "has halved (grows with AI demand)",
    )
    cloud_gw: NonNeg = Field(
        0.3, description="GW outside clouds can power for each lab at the start"
    )
    cloud_growth: float = Field(
        0.08, ge=-0.5, le=1.0, description="growth a quarter of what outside clouds can power"
    )
    cloud_rent: NonNeg = Field(1.5, description="$B a quarter per GW of outside cloud used")
    outside_ai_compute: NonNeg = Field(
        0.0,
        description="kH100e serving AI customers outside the game at the start (grows with AI "
        "demand): the rivals every lab shares the market with",
    )
    revenue_adjustment: Fraction = Field(
        0.5, description="share of the gap to its target a lab's revenue closes each quarter"
    )
    ai_demand_growth: float = Field(0.04, ge=-0.5, le=1.0, description="growth a quarter at start")
    ai_demand_decay: Fraction = 0.03
    generation_doubling_quarters: float = Field(10.0, gt=0, description="H100e per wafer doubles")
    base_rate: Fraction = Field(0.05, description="risk-free rate a year")


class FabSpec(_Strict):
    """A fab, running or being built."""

    if TYPE_CHECKING:
        node: str
        site: str
    else:  # one of the tables' keys: pydantic checks them, a type checker cannot
        node: Literal[tuple(NODES)]
        site: Literal[tuple(SITES)]
    capacity: float = Field(gt=0, description="k wafers/quarter at full yield")
    first_yield: Fraction | None = Field(None, description="yield when new; default: the node's")
    age: int = Field(8, ge=0, description="quarters in operation")
    build_quarters_left: int = Field(0, ge=0, le=40, description="0 = producing")


_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.\-]*$"


class _ActorBase(_Strict):
    name: str = Field(min_length=1, max_length=40, pattern=_NAME_PATTERN)
    country: str = Field(min_length=2, max_length=20)
    cash: float = Field(ge=0, description="$B")
    policy: str = Field("basic", min_length=1)


class LabSpec(_ActorBase):
    role: Literal["lab"]
    compute: NonNeg = Field(description="kH100e in service")
    compute_vendor: str | None = Field(None, description="vendor of the starting compute")
    revenue_run_rate: NonNeg = Field(description="$B a year")
    fixed_opex: NonNeg = Field(description="$B a quarter besides hosting")
    outside_equity: float = Field(0.0, ge=0, lt=1, description="stake held outside the game")
    campus_gw: NonNeg = Field(0.0, description="GW of data-centre campus it owns at the start")


class DesignerSpec(_ActorBase):
    role: Literal["designer"]
    gpu_price: float = Field(gt=0, description="$k per H100e")
    inventory: NonNeg = Field(description="kH100e")
    market_share: Fraction = Field(description="share of outside GPU demand at equal prices")
    dies_per_wafer: float = Field(gt=0, description="good H100e per wafer at start")
    unit_cost: NonNeg = Field(description="$k per H100e besides the wafer (HBM, board)")
    fixed_opex: NonNeg = Field(description="$B a quarter")
    opex_share: Fraction = Field(0.12, description="R&D and SG&A as a share of revenue")
    outside_equity: float = Field(0.0, ge=0, lt=1)


class FoundrySpec(_ActorBase):
    role: Literal["foundry"]
    fabs: list[FabSpec] = Field(default_factory=list)
    packaging_capacity: NonNeg = Field(description="k CoWoS wafers/quarter")
    wafer_price: float = Field(gt=0, description="$k per wafer, spot")
    wafer_cost: NonNeg = Field(description="$k variable cost per wafer")
    fixed_opex: NonNeg = Field(description="$B a quarter")
    opex_share: Fraction = Field(0.1, description="R&D and SG&A as a share of revenue")
    other_revenue: NonNeg = Field(0.0, description="$B a quarter from nodes outside the game")
    other_margin: Fraction = 0.4
    market_share: Fraction = Field(1.0, description="share of outside wafer demand")
    margin_floor: Fraction = 0.45
    outside_equity: float = Field(0.0, ge=0, lt=1)


class InvestorSpec(_ActorBase):
    role: Literal["investor"]
    inflow: NonNeg = Field(0.0, description="$B a quarter of new capital")
    licence: bool = Field(False, description="may import accelerators (export licence)")
    campus_gw: NonNeg = Field(0.0, description="data-centre campus capacity at start")


ActorSpec = Annotated[
    LabSpec | DesignerSpec | FoundrySpec | InvestorSpec, Field(discriminator="role")
]


class RoleReference(_Strict):
    """How a role scores in the scenario's reference run (all-``historical``), at the end."""

    mean: float = Field(ge=-1e6, le=1e6, description="mean raw score")
    sd: float = Field(gt=0, le=1e6, description="standard deviation of the raw score")


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
    quarters_done: int = Field(0, ge=0, description="quarters of the contract already served")


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


class ScenarioSpec(_Strict):
    """A whole scenario as read from its TOML file."""

    name: str = Field(min_length=1)
    description: str = ""
    start: str = Field("2024Q1", pattern=QUARTER_PATTERN)
    quarters: int = Field(40, ge=1, le=400)
    rules: RulesSpec = Field(default_factory=RulesSpec)
    market: MarketSpec = Field(default_factory=MarketSpec)
    actors: list[ActorSpec] = Field(min_length=3)
    contracts: list[ContractSpec] = Field(default_factory=list)
    scoring: ScoringSpec = Field(default_factory=ScoringSpec)
    events: list[EventSpec] = Field(default_factory=list)
    source: str = Field("", exclude=True, description="where it was read from")
    digest: str = Field("", exclude=True, description="sha256 of the file's bytes")

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        names = [a.name for a in self.actors]
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise _FieldError(("actors", i, "name"), f"duplicate actor name {n!r}")
            seen.add(n)
        roles = {a.role for a in self.actors}
        for r in ("lab", "designer", "foundry"):
            if r not in roles:
                raise _FieldError(("actors",), f"needs at least one actor of role {r!r}")
        by_name = {a.name: a for a in self.actors}
        for i, a in enumerate(self.actors):
            if (
                isinstance(a, LabSpec)
                and a.compute_vendor is not None
                and (
                    a.compute_vendor not in by_name or by_name[a.compute_vendor].role != "designer"
                )
            ):
                raise _FieldError(
                    ("actors", i, "compute_vendor"),
                    f"{a.compute_vendor!r} is not a designer in this scenario",
                )
        last = quarter_label(self.start, self.quarters - 1)
        for i, ev in enumerate(self.events):
            if ev.at is not None and not (
                parse_quarter(self.start) <= parse_quarter(ev.at) <= parse_quarter(last)
            ):
                raise _FieldError(
                    ("events", i, "at"), f"{ev.at} is not within the game ({self.start}-{last})"
                )
            if ev.target is not None:
                role = EVENT_KINDS[ev.kind].target_role
                if role is None:
                    raise _FieldError(
                        ("events", i, "target"), f"a {ev.kind} event is not aimed at an actor"
                    )
                if ev.target not in by_name or by_name[ev.target].role != role:
                    raise _FieldError(
                        ("events", i, "target"), f"{ev.target!r} is not a {role} in this scenario"
                    )
        for i, c in enumerate(self.contracts):
            for j, p in enumerate(c.parties):
                if p not in by_name:
                    raise _FieldError(
                        ("contracts", i, "parties", j),
                        f"unknown actor {p!r} (actors: {', '.join(names)})",
                    )
            a, b = (by_name[p] for p in c.parties)
            try:
                first, _ = resolve_parties(c.kind, (a.name, a.role), (b.name, b.role))
                if first != a.name:
                    raise DealError(
                        f"the first party of a {c.kind.value} deal must be "
                        f"{b.name}, not {a.name}; swap the parties"
                    )
            except DealError as e:
                raise _FieldError(("contracts", i, "parties"), str(e)) from None
            try:
                t = parse_terms(c.kind, c.terms)
            except DealError as e:
                raise _FieldError(("contracts", i, "terms"), str(e)) from None
            q = getattr(t, "quarters", None)
            if q is not None and c.quarters_done >= q:
                raise _FieldError(
                    ("contracts", i, "quarters_done"),
                    f"must be less than the contract's {q} quarters",
                )
        return self


class _FieldError(ValueError):
    def __init__(self, loc: tuple[Any, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


def scenario_dir() -> Path:
    """The folder of built-in scenarios (the repo's ``assets/scenarios``, or the wheel's copy)."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "assets" / "scenarios", here / "_scenarios"):
        if cand.is_dir():
            return cand
    return here.parent / "assets" / "scenarios"


def builtin_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif i == 2 and loc[0] == "actors" and part in ROLES:
            continue  # pydantic puts the union tag after the index: actors[2].lab.cash
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


_PATTERN_HELP = {
    QUARTER_PATTERN: "must be a quarter such as 2024Q1 (a year, 'Q' and 1 to 4)",
    _NAME_PATTERN: (
        "must start with a letter or digit and hold only letters, digits, spaces, '_', '.', '-'"
    ),
}

_TYPE_HELP = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string (text in quotes)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _describe(path: str, err: ValidationError, raw: dict[str, Any]) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        ctx = e.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, _FieldError):
            loc, msg = inner.loc, inner.msg
        else:
            msg = e["msg"]
            if e["type"] == "extra_forbidden":
                msg = "unknown key"
            elif e["type"] == "missing":
                msg = "missing required key"
            elif e["type"] == "union_tag_invalid":
                msg = f"unknown role {ctx.get('tag')!r} (roles: lab, designer, foundry, investor)"
                loc = (*loc, "role")
            elif e["type"] == "union_tag_not_found":
                msg = "missing required key (lab, designer, foundry or investor)"
                loc = (*loc, "role")
            elif e["type"] == "string_pattern_mismatch":
                msg = _PATTERN_HELP.get(str(ctx.get("pattern")), msg)
            elif e["type"] in _TYPE_HELP:
                msg = _TYPE_HELP[e["type"]]
            if e["type"] == "missing" and loc[-2:-1] == ("parties",):
                loc = loc[:-1]  # parties[1] missing: the list is too short
            if loc[-1:] == ("parties",):
                msg = "must be a list of two actor names, [first party, second party]"
            msg = msg.replace("Input should be", "must be", 1)
            if (
                "input" in e
                and e["type"] not in ("missing", "extra_forbidden")
                and not isinstance(e["input"], dict | list)
                and repr(e["input"]) not in msg
            ):
                got = e["input"]
                msg += f" (got {str(got).lower() if isinstance(got, bool) else repr(got)})"
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        lines.append(f"{path}: {_format_loc(loc)}: {msg}")
    lines = list(dict.fromkeys(lines))  # e.g. both parties missing: one line
    if len(lines) == 1:
        return lines[0]
    return f"{path}: {len(lines)} problems\n" + "\n".join("  " + ln for ln in lines)


def _resolve(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in str(name_or_path):
        if not p.exists():
            raise ScenarioError(f"{p}: no such scenario file")
        if p.is_dir():
            raise ScenarioError(f"{p}: is a folder, not a scenario file")
        return p
    cand = scenario_dir() / f"{name_or_path}.toml"
    if cand.exists():
        return cand
    raise ScenarioError(
        f"{name_or_path}: unknown scenario (built-in: {', '.join(builtin_scenarios())}; "
        f"or give a path to a .toml file)"
    )


def load_scenario(name_or_path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario by built-in name or file path.

    A scenario may extend another (``extends = "baseline-2024"`` in ``[scenario]``: a built-in
    name, or a file path relative to the extending file): see :func:`extend`.

    Raises:
        ScenarioError: with one message naming the file, the field and the problem.
    """
    raw, digest, path = _read_raw(_resolve(name_or_path), ())
    return scenario_from_dict(raw, source=str(path), digest=digest)


def _read_raw(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], str, Path]:
    """A scenario file's table with what it extends merged in, and the digest of every file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (UTF-8 TOML expected)") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: invalid TOML: {e}") from None
    head = raw.get("scenario")
    base_name = head.pop("extends", None) if isinstance(head, dict) else None
    if base_name is None:
        return raw, hashlib.sha256(data).hexdigest(), path
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError(f"{path}: scenario.extends: must be a scenario's name or path")
    if len(chain) >= 4 or path in chain:
        raise ScenarioError(f"{path}: scenario.extends: too deep or circular ({base_name})")
    local = path.parent / base_name
    base_path = local if base_name.endswith(".toml") and local.is_file() else None
    try:
        base_path = base_path or _resolve(base_name)
    except ScenarioError as e:
        raise ScenarioError(f"{path}: scenario.extends: {e}") from None
    base, base_digest, _ = _read_raw(base_path, (*chain, path))
    merged = extend(base, raw)
    digest = hashlib.sha256(base_digest.encode() + data).hexdigest()
    return merged, digest, path


def extend(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A scenario's table laid over the one it extends.

    Tables (``[scenario]``, ``[rules]``, ``[market]``) merge key by key; an ``[[actors]]`` entry
    with a base actor's name changes only the fields it gives (a ``fabs`` list replaces the
    base's), others are added; ``[[contracts]]``, if given, replace the base's; ``[[events]]``
    are added to the base's deck.
    """
    out = dict(base)
    for key, value in over.items():
        old = base.get(key)
        if key == "actors" and isinstance(value, list) and isinstance(old, list):
            actors = [dict(a) if isinstance(a, dict) else a for a in old]
            index = {a.get("name"): i for i, a in enumerate(actors) if isinstance(a, dict)}
            for a in value:
                name = a.get("name") if isinstance(a, dict) else None
                if name in index:
                    actors[index[name]] = {**actors[index[name]], **a}
                else:
                    actors.append(a)
            out[key] = actors
        elif key == "events" and isinstance(value, list) and isinstance(old, list):
            out[key] = [*old, *value]
        elif isinstance(value, dict) and isinstance(old, dict):
            out[key] = {**old, **value}
        else:
            out[key] = value
    return out


def scenario_from_dict(
    raw: dict[str, Any], *, source: str = "<dict>", digest: str = ""
) -> ScenarioSpec:
    """Validate a scenario given as a dict (as parsed from TOML).

    Raises:
        ScenarioError: as :func:`load_scenario`.
    """
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: (top level): must be a table")
    body = raw.get("scenario", {})
    if not isinstance(body, dict):
        raise ScenarioError(f"{source}: scenario: must be a table")
    merged = {**body, **{k: v for k, v in raw.items() if k != "scenario"}}
    clash = set(body) & (set(raw) - {"scenario"})
    if clash:
        raise ScenarioError(
            f"{source}: {sorted(clash)[0]}: given both in [scenario] and at top level"
        )
    if not digest:
        digest = hashlib.sha256(repr(sorted(raw.items())).encode()).hexdigest()
    try:
        spec = ScenarioSpec.model_validate({**merged, "source": source, "digest": digest})
    except ValidationError as e:
        raise ScenarioError(_describe(source, e, merged)) from None
    return spec
