"""Deal kinds, their terms, and which roles may sign them.

A deal is what an offer proposes and what a contract records. Every kind has a frozen terms class
whose fields carry their bounds, so that one parser validates terms for the scenario loader, the
engine and the UI alike. Prices are in $k per unit (per wafer, per H100e); quantities in thousands
a quarter; money in $B, so a flow of ``q`` thousand units at ``p`` $k each is worth
``q * p / 1000`` $B.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, SupportsInt, cast

__all__ = [
    "DEAL_ROLES",
    "NODES",
    "ROLES",
    "SITES",
    "CapacityTerms",
    "DealError",
    "DealKind",
    "EquityTerms",
    "JointVentureTerms",
    "LeaseTerms",
    "LoanTerms",
    "SupplyTerms",
    "Terms",
    "VendorFinancingTerms",
    "delivery_due",
    "parse_terms",
    "resolve_parties",
    "terms_class",
    "with_article",
]

ROLES = ("lab", "designer", "foundry", "investor")

#: Sites a fab can be built at: build lag (quarters), capex and running cost per wafer relative to
#: Taiwan. Running costs: TSMC's founder put US costs at least 50 % above Taiwan's (Morris Chang,
#: 2022, B); Kumamoto (Japan) and Korea near Taiwan's; Dresden (Europe) between; a Gulf fab, with
#: no supply chain around it, like the US (assumption).
SITES: dict[str, dict[str, float]] = {
    "taiwan": {"build_quarters": 7, "capex_factor": 1.0, "cost_factor": 1.0},
    "japan": {"build_quarters": 9, "capex_factor": 1.2, "cost_factor": 1.1},
    "korea": {"build_quarters": 8, "capex_factor": 1.1, "cost_factor": 1.0},
    "us": {"build_quarters": 13, "capex_factor": 1.5, "cost_factor": 1.5},
    "europe": {"build_quarters": 12, "capex_factor": 1.4, "cost_factor": 1.3},
    "gulf": {"build_quarters": 12, "capex_factor": 1.5, "cost_factor": 1.5},
}

#: Process nodes: capex per thousand wafers a quarter of capacity ($B), first-year yield, mature
#: yield, and the quarter (from 2024) when the node is first available.
NODES: dict[str, dict[str, float]] = {
    "N5": {"capex_per_kwafer": 0.10, "first_yield": 0.80, "mature_yield": 0.92},
    "N3": {"capex_per_kwafer": 0.133, "first_yield": 0.60, "mature_yield": 0.90},
    "N2": {"capex_per_kwafer": 0.18, "first_yield": 0.55, "mature_yield": 0.88},
}


class DealError(ValueError):
    """Raised when terms or parties are not valid for a deal; the message is the reason."""


class DealKind(StrEnum):
    """The kinds of offer in GAME.md."""

    EQUITY = "equity"
    LOAN = "loan"
    CAPACITY = "capacity"
    SUPPLY = "supply"
    JOINT_VENTURE = "joint_venture"
    VENDOR_FINANCING = "vendor_financing"
    LEASE = "lease"


#: For each kind: (roles of the first party, roles of the second party). The first party is the
#: one whose money moves first: the investor, the lender, the buyer, the JV partner, the vendor.
DEAL_ROLES: dict[DealKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    DealKind.EQUITY: (("investor", "designer"), ("lab", "designer", "foundry")),
    DealKind.LOAN: (("investor",), ("lab", "designer", "foundry", "investor")),
    DealKind.CAPACITY: (("designer", "lab"), ("foundry",)),
    DealKind.SUPPLY: (("lab",), ("designer",)),
    DealKind.JOINT_VENTURE: (("investor", "lab", "designer", "foundry"), ("foundry",)),
    DealKind.VENDOR_FINANCING: (("designer",), ("lab",)),
    DealKind.LEASE: (("lab",), ("investor",)),
}

_PARTY_WORDS: dict[DealKind, tuple[str, str]] = {
    DealKind.EQUITY: ("investor", "company"),
    DealKind.LOAN: ("lender", "borrower"),
    DealKind.CAPACITY: ("buyer", "foundry"),
    DealKind.SUPPLY: ("buyer", "designer"),
    DealKind.JOINT_VENTURE: ("partner", "operator"),
    DealKind.VENDOR_FINANCING: ("designer", "lab"),
    DealKind.LEASE: ("tenant", "landlord"),
}


def _bound(
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    integer: bool = False,
    choices: tuple[str, ...] | None = None,
    unit: str = "",
) -> Any:
    return field(
        metadata={
            "lo": lo,
            "hi": hi,
            "lo_open": lo_open,
            "integer": integer,
            "choices": choices,
            "unit": unit,
        }
    )


def with_article(noun: str) -> str:
    """``an equity``, ``a loan``: a noun with its indefinite article (for messages)."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def delivery_due(prepay: float, price: float, units: float) -> float:
    """What a buyer pays on delivery of ``units`` (k units) at ``price`` ($k each) when
    ``prepay`` of the price was paid on signing, in $B."""
    return (1 - prepay) * price * units / 1000.0


#: Each terms class's field names, in order (filled as the classes are first used).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A terms class's field names, in order."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, slots=True)
class Terms:
    """Base of every terms class: parsing, bounds and value."""

    kind: ClassVar[DealKind]

    def to_dict(self) -> dict[str, Any]:
        """Return the terms as a plain dict (JSON-ready)."""
        # Every field is a number or a name (the parser checks), so no deep copy is needed.
        return {name: getattr(self, name) for name in _field_names(type(self))}

    def value(self) -> float:
        """Total money the deal moves over its life, in $B."""
        raise TypeError("abstract")

    def first_payments(self) -> tuple[float, float]:
        """Money (first party, second party) must pay on signing, in $B."""
        return (0.0, 0.0)

    def quarterly_payments(self) -> tuple[float, float]:
        """Money (first party, second party) pays each quarter while the deal runs, in $B, at
        full delivery (a loan: its first instalment; a fab venture: each build quarter)."""
        return (0.0, 0.0)

    @classmethod
    def bounds(cls) -> dict[str, dict[str, Any]]:
        """Each field's bounds, for a UI or a random policy to draw from."""
        return {f.name: dict(f.metadata) for f in fields(cls)}


@dataclass(frozen=True, slots=True)
class EquityTerms(Terms):
    """Cash now for a stake: ``amount / stake`` is the implied valuation."""

    kind: ClassVar[DealKind] = DealKind.EQUITY
    amount: float = _bound(0, 500, lo_open=True, unit="$B")
    stake: float = _bound(0, 0.5, lo_open=True, unit="fraction")

    def value(self) -> float:
        return self.amount

    def first_payments(self) -> tuple[float, float]:
        return (self.amount, 0.0)

    def implied_valuation(self) -> float:
        """The valuation the deal puts on the issuer ($B): ``amount / stake``."""
        return self.amount / self.stake


@dataclass(frozen=True, slots=True)
class LoanTerms(Terms):
    """Principal now; the borrower repays principal evenly plus interest each quarter."""

    kind: ClassVar[DealKind] = DealKind.LOAN
    principal: float = _bound(0, 500, lo_open=True, unit="$B")
    rate: float = _bound(0, 0.5, unit="a year")
    quarters: int = _bound(1, 40, integer=True, unit="quarters")

    def value(self) -> float:
        return self.principal

    def first_payments(self) -> tuple[float, float]:
        return (self.principal, 0.0)

    def instalment(self, outstanding: float) -> tuple[float, float]:
        """(principal, interest) the borrower owes this quarter with ``outstanding`` left."""
        due = self.principal / self.quarters
        # min(outstanding, due) without the call (a hot path): the first unless due is less
        return (due if due < outstanding else outstanding), outstanding * self.rate / 4.0

    def quarterly_payments(self) -> tuple[float, float]:
        principal, interest = self.instalment(self.principal)
        return (0.0, principal + interest)


@dataclass(frozen=True, slots=True)
class CapacityTerms(Terms):
    """The foundry owes wafers each quarter; the buyer prepays a share, the rest on delivery."""

    kind: ClassVar[DealKind] = DealKind.CAPACITY
    wafers: float = _bound(0, 1000, lo_open=True, unit="k wafers/quarter")
    quarters: int = _bound(1, 40, integer=True, unit="quarters")
    price: float = _bound(0, 100, lo_open=True, unit="$k/wafer")
    prepay: float = _bound(0, 1, unit="fraction")

    def value(self) -> float:
        return self.wafers * self.quarters * self.price / 1000.0

    def first_payments(self) -> tuple[float, float]:
        return (self.prepay * self.value(), 0.0)

    def quarterly_payments(self) -> tuple[float, float]:
        return (delivery_due(self.prepay, self.price, self.wafers), 0.0)


@dataclass(frozen=True, slots=True)
class SupplyTerms(Terms):
    """The designer owes accelerators each quarter; the lab prepays a share, pays on delivery."""

    kind: ClassVar[DealKind] = DealKind.SUPPLY
    quantity: float = _bound(0, 5000, lo_open=True, unit="kH100e/quarter")
    quarters: int = _bound(1, 40, integer=True, unit="quarters")
    price: float = _bound(0, 200, lo_open=True, unit="$k/H100e")
    prepay: float = _bound(0, 1, unit="fraction")

    def value(self) -> float:
        return self.quantity * self.quarters * self.price / 1000.0

    def first_payments(self) -> tuple[float, float]:
        return (self.prepay * self.value(), 0.0)

    def quarterly_payments(self) -> tuple[float, float]:
        return (delivery_due(self.prepay, self.price, self.quantity), 0.0)


@dataclass(frozen=True, slots=True)
class JointVentureTerms(Terms):
    """A new fab run by the foundry; capex and output shared; the operator earns a fee on output."""

    kind: ClassVar[DealKind] = DealKind.JOINT_VENTURE
    site: str = _bound(choices=tuple(SITES))
    node: str = _bound(choices=tuple(NODES))
    capacity: float = _bound(0, 600, lo_open=True, unit="k wafers/quarter")
    partner_capex_share: float = _bound(0, 1, unit="fraction")
    partner_output_share: float = _bound(0, 1, unit="fraction")
    operator_fee: float = _bound(0, 0.5, unit="fraction of output value")

    def capex(self) -> float:
        """Total capex of the fab in $B (before events such as subsidies)."""
        return (
            self.capacity * NODES[self.node]["capex_per_kwafer"] * SITES[self.site]["capex_factor"]
        )

    def build_quarters(self) -> int:
        return int(SITES[self.site]["build_quarters"])

    def value(self) -> float:
        return self.capex()

    def first_payments(self) -> tuple[float, float]:
        per_q = self.capex() / self.build_quarters()
        return (per_q * self.partner_capex_share, per_q * (1 - self.partner_capex_share))

    def quarterly_payments(self) -> tuple[float, float]:
        return self.first_payments()


@dataclass(frozen=True, slots=True)
class LeaseTerms(Terms):
    """The landlord's campus powers the tenant's compute; the tenant pays rent each quarter."""

    kind: ClassVar[DealKind] = DealKind.LEASE
    gw: float = _bound(0, 20, lo_open=True, unit="GW")
    quarters: int = _bound(1, 40, integer=True, unit="quarters")
    rent: float = _bound(0, 10, lo_open=True, unit="$B per GW a quarter")

    def value(self) -> float:
        return self.gw * self.rent * self.quarters

    def rent_due(self) -> float:
        """The tenant's rent each quarter ($B)."""
        return self.gw * self.rent

    def quarterly_payments(self) -> tuple[float, float]:
        return (self.rent_due(), 0.0)


@dataclass(frozen=True, slots=True)
class VendorFinancingTerms(Terms):
    """The designer invests in the lab for a stake; the lab commits to buy its accelerators."""

    kind: ClassVar[DealKind] = DealKind.VENDOR_FINANCING
    amount: float = _bound(0, 500, lo_open=True, unit="$B")
    stake: float = _bound(0, 0.5, lo_open=True, unit="fraction")
    quantity: float = _bound(0, 5000, lo_open=True, unit="kH100e/quarter")
    quarters: int = _bound(1, 40, integer=True, unit="quarters")
    price: float = _bound(0, 200, lo_open=True, unit="$k/H100e")

    def value(self) -> float:
        return self.amount + self.quantity * self.quarters * self.price / 1000.0

    def first_payments(self) -> tuple[float, float]:
        return (self.amount, 0.0)

    def quarterly_payments(self) -> tuple[float, float]:
        return (0.0, delivery_due(0.0, self.price, self.quantity))


_TERMS: dict[DealKind, type[Terms]] = {
    c.kind: c
    for c in (
        EquityTerms,
        LoanTerms,
        CapacityTerms,
        SupplyTerms,
        JointVentureTerms,
        VendorFinancingTerms,
        LeaseTerms,
    )
}


def terms_class(kind: DealKind | str) -> type[Terms]:
    """Return the terms class of a deal kind.

    Raises:
        DealError: if the kind is unknown.
    """
    try:  # a kind or its name (a StrEnum is its value to a dict), without the enum's call
        return _TERMS[kind]  # type: ignore[index]
    except (KeyError, TypeError):
        pass
    try:
        return _TERMS[DealKind(kind)]
    except ValueError:
        raise DealError(
            f"unknown deal kind {kind!r} (known: {', '.join(k.value for k in DealKind)})"
        ) from None


def parse_terms(kind: DealKind | str, raw: Any) -> Terms:
    """Validate raw terms (a mapping, or a terms object) for a kind and return the terms object.

    Raises:
        DealError: naming the field and the problem (unknown, missing, wrong type, out of range).
    """
    cls = terms_class(kind)
    if isinstance(raw, cls):
        raw = raw.to_dict()
    if not isinstance(raw, dict):
        raise DealError(f"terms of a {cls.kind.value} deal must be a table of fields")
    known = _term_fields(cls)
    unknown = [k for k in raw if k not in known]
    if unknown:
        first = sorted(unknown, key=repr)[0]
        raise DealError(
            f"unknown term {first!r} for a {cls.kind.value} deal (terms: {', '.join(known)})"
        )
    values: dict[str, Any] = {}
    for name, (required, meta) in known.items():
        if name not in raw:
            if required:
                raise DealError(f"missing term {name!r} for a {cls.kind.value} deal")
            continue
        values[name] = _check_value(cls.kind, name, raw[name], meta)
    return cls(**values)


#: Each terms class's fields by name, in order, as ``(required, bounds)`` (filled as the classes
#: are first parsed).
_TERM_FIELDS: dict[type, dict[str, tuple[bool, dict[str, Any]]]] = {}


def _term_fields(cls: type) -> dict[str, tuple[bool, dict[str, Any]]]:
    """A terms class's fields by name, in order: whether each is required (has no default) and
    its bounds (read once: a class's fields never change). The bounds are a plain dict, not the
    field's read-only ``metadata`` proxy, whose ``get`` looks the method up again each call."""
    known = _TERM_FIELDS.get(cls)
    if known is None:
        known = _TERM_FIELDS[cls] = {
            f.name: (f.default is MISSING, dict(f.metadata)) for f in fields(cls)
        }
    return known


def _check_value(kind: DealKind, name: str, v: Any, meta: dict[str, Any]) -> Any:
    choices = meta.get("choices")
    if choices:
        if not isinstance(v, str) or v not in choices:
            raise DealError(f"{_where(kind, name)} must be one of {', '.join(choices)} (got {v!r})")
        return v
    t = type(v)  # floats and ints (not bools) first, without the abstract class's check
    if t is not float and t is not int and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
        raise DealError(f"{_where(kind, name)} must be a number (got {v!r})")
    try:
        finite = math.isfinite(v)
    except OverflowError:  # an int too large for a float
        where = _where(kind, name)
        raise DealError(f"{where} must be <= {meta.get('hi')} (got a huge number)") from None
    if not finite:
        raise DealError(f"{_where(kind, name)} must be a finite number (got {v!r})")
    if meta.get("integer"):
        # every concrete Real (int, float, numpy's scalars) has __int__; numbers.Real only
        # promises __trunc__, which numpy's float32 lacks
        whole = int(cast(SupportsInt, v))
        if float(v) != whole:
            raise DealError(f"{_where(kind, name)} must be a whole number (got {v!r})")
        v = whole
    else:
        v = float(v)
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and (v <= lo if meta.get("lo_open") else v < lo):
        op = ">" if meta.get("lo_open") else ">="
        raise DealError(f"{_where(kind, name)} must be {op} {lo:g} (got {v:g})")
    if hi is not None and v > hi:
        raise DealError(f"{_where(kind, name)} must be <= {hi:g} (got {v:g})")
    return v


def _where(kind: DealKind, name: str) -> str:
    """How an error names a term (made only for the error: checks that pass are frequent)."""
    return f"term {name!r} of {with_article(kind.value.replace('_', ' '))} deal"


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def resolve_parties(
    kind: DealKind, proposer: tuple[str, str], recipient: tuple[str, str]
) -> tuple[str, str]:
    """Order two ``(name, role)`` parties as (first, second) party of a deal kind.

    When both orders fit (e.g. equity between two designers), the proposer is the first party.

    Raises:
        DealError: if the roles cannot sign this kind of deal, or the parties are the same.
    """
    if proposer[0] == recipient[0]:
        raise DealError("an actor cannot make a deal with itself")
    first_roles, second_roles = DEAL_ROLES[kind]
    if proposer[1] in first_roles and recipient[1] in second_roles:
        return proposer[0], recipient[0]
    if recipient[1] in first_roles and proposer[1] in second_roles:
        return recipient[0], proposer[0]
    a, b = _PARTY_WORDS[kind]
    raise DealError(
        f"{_article(kind.value.replace('_', ' '))} deal needs {_article(a)} "
        f"({' or '.join(first_roles)}) and {_article(b)} ({' or '.join(second_roles)}); "
        f"{proposer[0]} is {_article(proposer[1])} and {recipient[0]} is {_article(recipient[1])}"
    )
