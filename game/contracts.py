"""Contracts: accepted offers that both sides could start to honour, recorded on the graph."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from game.deals import DealKind, Terms

__all__ = ["Contract", "ContractStatus"]


class ContractStatus:
    """The states of a contract."""

    ACTIVE = "active"
    COMPLETED = "completed"
    BREACHED = "breached"


@dataclass
class Contract:
    """A signed deal.

    Attributes:
        id: unique id (also the edge key on the graph).
        kind: the deal kind.
        first: the first party (investor, lender, buyer, partner, vendor).
        second: the second party (company, borrower, foundry, operator, lab).
        terms: the validated terms.
        start: quarter index it was signed in.
        quarters_done: quarters of delivery or repayment served so far.
        outstanding: loan principal not yet repaid ($B).
        shortfall: units owed but not delivered, all quarters together.
        delivered: units delivered, all quarters together.
        breached_by: who broke it off, if anyone.
    """

    id: int
    kind: DealKind
    first: str
    second: str
    terms: Terms
    start: int
    status: str = ContractStatus.ACTIVE
    quarters_done: int = 0
    outstanding: float = 0.0
    shortfall: float = 0.0
    delivered: float = 0.0
    breached_by: str | None = None

    def terms_as[T: Terms](self, cls: type[T]) -> T:
        """The terms, as the terms class that the contract's kind implies."""
        assert isinstance(self.terms, cls), f"contract {self.id}: {self.kind} terms are not {cls}"
        return self.terms

    @property
    def duration(self) -> int | None:
        """Quarters of obligations, or None for a stake or a fab (no end)."""
        return getattr(self.terms, "quarters", None)

    @property
    def end(self) -> int | None:
        """Quarter index of the last obligation, or None."""
        d = self.duration
        return None if d is None else self.start + d

    @property
    def active(self) -> bool:
        return self.status == ContractStatus.ACTIVE

    def parties(self) -> tuple[str, str]:
        return (self.first, self.second)

    def other(self, name: str) -> str:
        return self.second if name == self.first else self.first

    def edge_data(self) -> dict[str, Any]:
        """The plain values the graph edge carries."""
        return {
            "kind": self.kind.value,
            "terms": self.terms.to_dict(),
            "value": self.terms.value(),
            "start": self.start,
            "end": self.end,
            "status": self.status,
        }

    def view(self) -> Any:
        """A read-only public record, rebuilt only when the contract has changed."""
        key = (self.status, self.quarters_done, self.delivered, self.shortfall)
        cached = self.__dict__.get("_view")
        if cached is None:
            record = self.to_json()
            # The same as freeze(record): the parties become a tuple, the terms a mapping proxy.
            record["parties"] = (self.first, self.second)
            record["terms"] = MappingProxyType(record["terms"])
            cached = (key, MappingProxyType(record))
            self.__dict__["_view"] = cached
        elif cached[0] != key:
            # Only the moving figures are made again (to_json's, in its order): the kind, the
            # parties, the terms and their value, start and end never change. (A hot path: the
            # proxy's copy() is its dict's, copied in C; round(x, 6), slow for a float, is
            # skipped for a figure still the very object it was at the last record.)
            old_key, shown = cached
            record = shown.copy()
            record["status"] = self.status
            record["quarters_done"] = self.quarters_done
            if old_key[2] is not key[2]:
                record["delivered"] = round(self.delivered, 6)
            if old_key[3] is not key[3]:
                record["shortfall"] = round(self.shortfall, 6)
            record["breached_by"] = self.breached_by
            cached = (key, MappingProxyType(record))
            self.__dict__["_view"] = cached
        return cached[1]

    def to_json(self, label: Any = None) -> dict[str, Any]:
        """A JSON-ready record (``label`` maps a quarter index to its label)."""
        fmt = label or (lambda q: q)
        return {
            "id": self.id,
            "kind": self.kind.value,
            "parties": [self.first, self.second],
            "terms": self.terms.to_dict(),
            "value": round(self.terms.value(), 6),
            "start": fmt(self.start),
            "end": None if self.end is None else fmt(self.end),
            "status": self.status,
            "quarters_done": self.quarters_done,
            "delivered": round(self.delivered, 6),
            "shortfall": round(self.shortfall, 6),
            "breached_by": self.breached_by,
        }
