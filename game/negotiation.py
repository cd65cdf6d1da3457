"""Negotiation: offers, counters and deadlines (bilateral alternating offers).

An actor opens at most ``action_budget`` offers a quarter. The recipient accepts, rejects or
counters; a counter goes back to the proposer as a new offer one round later. An offer whose
round reaches ``max_rounds`` cannot be countered, and every offer still open when the quarter ends
expires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from game.deals import DealKind, Terms

__all__ = ["Negotiation", "Offer", "OfferStatus"]


class OfferStatus:
    """The states of an offer."""

    OPEN = "open"
    ACCEPTED = "accepted"  # and signed
    FAILED = "failed"  # accepted, but a side could not make the first payment
    REJECTED = "rejected"
    COUNTERED = "countered"
    EXPIRED = "expired"


@dataclass
class Offer:
    """An offer on the table."""

    id: int
    proposer: str
    recipient: str
    kind: DealKind
    terms: Terms
    quarter: int
    round: int = 0
    parent: int | None = None
    status: str = OfferStatus.OPEN
    reason: str = ""
    contract_id: int | None = None

    def view(self) -> dict[str, Any]:
        """A JSON-ready, read-only description for observations and logs."""
        return {
            "id": self.id,
            "proposer": self.proposer,
            "recipient": self.recipient,
            "kind": self.kind.value,
            "terms": self.terms.to_dict(),
            "value": self.terms.value(),
            "round": self.round,
            "parent": self.parent,
            "status": self.status,
        }


@dataclass
class Negotiation:
    """Every offer of the game, and each actor's budget for the current quarter."""

    action_budget: int
    max_rounds: int
    offers: dict[int, Offer] = field(default_factory=dict)
    opened: dict[str, int] = field(default_factory=dict)
    next_id: int = 1
    _open: dict[int, Offer] = field(default_factory=dict, repr=False)

    def open(
        self,
        proposer: str,
        recipient: str,
        kind: DealKind,
        terms: Terms,
        quarter: int,
        *,
        parent: Offer | None = None,
    ) -> Offer:
        """Put a new offer (or a counter to ``parent``) on the table."""
        rnd = 0 if parent is None else parent.round + 1
        offer = Offer(
            self.next_id,
            proposer,
            recipient,
            kind,
            terms,
            quarter,
            rnd,
            None if parent is None else parent.id,
        )
        self.offers[offer.id] = offer
        self._open[offer.id] = offer
        self.next_id += 1
        if parent is None:
            self.opened[proposer] = self.opened.get(proposer, 0) + 1
        return offer

    def close(self, offer: Offer, status: str, reason: str = "") -> None:
        """Take an open offer off the table with its final status."""
        offer.status = status
        offer.reason = reason
        self._open.pop(offer.id, None)

    def budget_left(self, name: str, extra: int = 0) -> int:
        """New offers ``name`` may still open this quarter."""
        left = self.action_budget + extra - self.opened.get(name, 0)
        return left if left > 0 else 0  # max(0, left) without the call (a hot path)

    def open_offers(self) -> list[Offer]:
        """Every offer still open, oldest first."""
        return list(self._open.values())

    def inbox(self, name: str) -> list[Offer]:
        """Open offers waiting for ``name``'s answer, oldest first."""
        return [o for o in self._open.values() if o.recipient == name]

    def waiting(self) -> set[str]:
        """Who has open offers waiting for its answer."""
        return {o.recipient for o in self._open.values()}

    def sent(self, name: str) -> list[Offer]:
        """Open offers ``name`` made that wait for an answer."""
        return [o for o in self._open.values() if o.proposer == name]

    def new_quarter(self) -> list[Offer]:
        """Expire every open offer and reset budgets; return the expired offers."""
        expired = list(self._open.values())
        for o in expired:
            self.close(o, OfferStatus.EXPIRED, "not settled by the end of the quarter")
        self.opened = {}
        return expired
