"""Decisions: everything an actor can do — propose, answer (accept, reject, counter) and move.

Decisions are small frozen records. A policy returns them; the engine checks each one against the
rules (see :mod:`game.legality`) and either applies it whole or refuses it with a reason. Every
decision round-trips through JSON (:func:`decision_to_json`, :func:`decision_from_json`) for the
game log.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

__all__ = [
    "MAX_DECISIONS_PER_CALL",
    "MOVE_TYPES",
    "Accept",
    "Answer",
    "BuildFab",
    "BuildPackaging",
    "BuySpotGpus",
    "BuySpotWafers",
    "Counter",
    "Decision",
    "DecisionError",
    "FundCampus",
    "Move",
    "Propose",
    "Reject",
    "SetGpuPrice",
    "SetWaferPrice",
    "StartChipProgramme",
    "decision_from_json",
    "decision_to_json",
]


#: Most decisions a policy may return from one call; the rest are dropped as faults.
MAX_DECISIONS_PER_CALL = 64


class DecisionError(ValueError):
    """A decision that cannot even be read (unknown type, missing or wrong fields)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """Base of all decisions."""

    type: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class Propose(Decision):
    """Open an offer to ``recipient``: costs one unit of the quarter's action budget."""

    type: ClassVar[str] = "propose"
    recipient: str
    kind: str
    terms: dict[str, Any]

    def __hash__(self) -> int:
        return hash((self.recipient, self.kind, tuple(sorted(self.terms.items()))))


@dataclass(frozen=True, slots=True)
class Answer(Decision):
    """Base of the answers to an offer in the actor's inbox."""

    offer_id: int


@dataclass(frozen=True, slots=True)
class Accept(Answer):
    """Accept an offer: it becomes a contract if both sides can make the first payment."""

    type: ClassVar[str] = "accept"


@dataclass(frozen=True, slots=True)
class Reject(Answer):
    """Reject an offer: it is closed."""

    type: ClassVar[str] = "reject"


@dataclass(frozen=True, slots=True)
class Counter(Answer):
    """Send the offer back with new terms (same kind, same parties); the proposer answers next."""

    type: ClassVar[str] = "counter"
    terms: dict[str, Any]

    def __hash__(self) -> int:
        return hash((self.offer_id, tuple(sorted(self.terms.items()))))


@dataclass(frozen=True, slots=True)
class Move(Decision):
    """Base of the unilateral moves. Each kind may be made once a quarter."""

    roles: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class BuildFab(Move):
    """A foundry starts a fab; capex is paid in equal parts over the build."""

    type: ClassVar[str] = "build_fab"
    roles: ClassVar[tuple[str, ...]] = ("foundry",)
    summary: ClassVar[str] = "start a fab (node, site, k wafers/quarter)"
    node: str
    site: str
    capacity: float


@dataclass(frozen=True, slots=True)
class BuildPackaging(Move):
    """A foundry adds advanced-packaging (CoWoS) capacity."""

    type: ClassVar[str] = "build_packaging"
    roles: ClassVar[tuple[str, ...]] = ("foundry",)
    summary: ClassVar[str] = "add packaging capacity (k CoWoS wafers/quarter)"
    capacity: float


@dataclass(frozen=True, slots=True)
class SetWaferPrice(Move):
    """A foundry sets its spot wafer price ($k per wafer)."""

    type: ClassVar[str] = "set_wafer_price"
    roles: ClassVar[tuple[str, ...]] = ("foundry",)
    summary: ClassVar[str] = "set the spot wafer price ($k/wafer)"
    price: float


@dataclass(frozen=True, slots=True)
class SetGpuPrice(Move):
    """A designer sets its accelerator price ($k per H100e)."""

    type: ClassVar[str] = "set_gpu_price"
    roles: ClassVar[tuple[str, ...]] = ("designer",)
    summary: ClassVar[str] = "set the accelerator price ($k/H100e)"
    price: float


@dataclass(frozen=True, slots=True)
class BuySpotWafers(Move):
    """Order wafers from a foundry at its spot price, delivered this quarter if there are any."""

    type: ClassVar[str] = "buy_spot_wafers"
    roles: ClassVar[tuple[str, ...]] = ("designer", "lab")
    summary: ClassVar[str] = "order spot wafers from a foundry (k wafers)"
    foundry: str
    quantity: float


@dataclass(frozen=True, slots=True)
class BuySpotGpus(Move):
    """Order accelerators from a designer at its price, delivered this quarter if in stock."""

    type: ClassVar[str] = "buy_spot_gpus"
    roles: ClassVar[tuple[str, ...]] = ("lab", "investor")
    summary: ClassVar[str] = "order accelerators from a designer (kH100e)"
    designer: str
    quantity: float


@dataclass(frozen=True, slots=True)
class StartChipProgramme(Move):
    """A lab starts its own accelerator programme: R&D cost each quarter, then own chips."""

    type: ClassVar[str] = "start_chip_programme"
    roles: ClassVar[tuple[str, ...]] = ("lab",)
    summary: ClassVar[str] = "start a custom-chip programme"


@dataclass(frozen=True, slots=True)
class FundCampus(Move):
    """A lab or an investor builds a data-centre campus at home (GW) to power accelerators.

    An investor's campus powers its own accelerators (filling it needs an export licence in the
    Gulf) or tenants' under leases; a lab's powers its own compute.
    """

    type: ClassVar[str] = "fund_campus"
    roles: ClassVar[tuple[str, ...]] = ("lab", "investor")
    summary: ClassVar[str] = "build a data-centre campus at home (GW)"
    gw: float


MOVE_TYPES: dict[str, type[Move]] = {
    c.type: c
    for c in (
        BuildFab,
        BuildPackaging,
        SetWaferPrice,
        SetGpuPrice,
        BuySpotWafers,
        BuySpotGpus,
        StartChipProgramme,
        FundCampus,
    )
}
_ALL: dict[str, type[Decision]] = {
    Propose.type: Propose,
    Accept.type: Accept,
    Reject.type: Reject,
    Counter.type: Counter,
    **MOVE_TYPES,
}


def decision_to_json(d: Decision) -> dict[str, Any]:
    """A decision as a JSON-ready dict with a ``type`` key."""
    out: dict[str, Any] = {"type": d.type}
    out.update(_plain(asdict(d)))
    return out


def _plain(x: Any) -> Any:
    """Numbers of any numeric type (numpy's included) as plain ints and floats, for JSON."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, bool | str) or x is None:
        return x
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x)
    return x


def decision_from_json(raw: Any) -> Decision:
    """Read a decision from its JSON form.

    Raises:
        DecisionError: if the type is unknown or fields are missing, unknown or of the wrong type.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise DecisionError("a decision must be an object with a 'type'")
    cls = _ALL.get(raw["type"])
    if cls is None:
        raise DecisionError(f"unknown decision type {raw['type']!r} (known: {', '.join(_ALL)})")
    names = {f.name: f for f in fields(cls)}
    args = {k: v for k, v in raw.items() if k != "type"}
    extra = sorted(set(args) - set(names))
    if extra:
        raise DecisionError(f"{cls.type}: unknown field {extra[0]!r}")
    missing = sorted(set(names) - set(args))
    if missing:
        raise DecisionError(f"{cls.type}: missing field {missing[0]!r}")
    for k, v in args.items():
        want = names[k].type
        if want in ("float",) and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise DecisionError(f"{cls.type}: field {k!r} must be a number (got {v!r})")
        if want in ("int",) and (isinstance(v, bool) or not isinstance(v, int)):
            raise DecisionError(f"{cls.type}: field {k!r} must be a whole number (got {v!r})")
        if want in ("str",) and not isinstance(v, str):
            raise DecisionError(f"{cls.type}: field {k!r} must be text (got {v!r})")
        if want.startswith("dict") and not isinstance(v, dict):
            raise DecisionError(f"{cls.type}: field {k!r} must be an object (got {v!r})")
    return cls(**args)
