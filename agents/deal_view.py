"""Reading an offer from the inbox: :class:`DealView` and :func:`offer_parties` (both
re-exported by :mod:`agents.tactics`).

:class:`DealView` sees an offer from the actor's side, reduced to the one number the two sides
haggle over; :func:`offer_parties` says which party of the deal each side would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.minmax import clamp, max2, min2
from game.observation import Observation

__all__ = ["DealView", "offer_parties"]


# -- reading an offer ----------------------------------------------------------------------------
def offer_parties(obs: Observation, offer: Mapping[str, Any]) -> tuple[str, str]:
    """The first and second party of the deal an offer in the inbox would sign.

    The first party is the investor, lender, buyer or partner; the second the company, borrower,
    seller or operator (as :func:`game.deals.resolve_parties` orders them).

    Args:
        obs: the observation of the actor the offer was sent to.
        offer: the offer (its ``kind`` and ``proposer`` are read).

    Returns:
        (first, second): the two parties' names, one of them the actor.
    """
    from game.deals import DealKind, resolve_parties

    other = offer["proposer"]
    return resolve_parties(
        DealKind(offer["kind"]), (other, obs.public[other]["role"]), (obs.actor, obs.role)
    )


#: For each deal kind, the term a side haggles over, and the first party's word for itself.
_KEY = {"loan": "rate", "capacity": "price", "supply": "price"}


class DealView:
    """An offer in the inbox seen from the actor's side, reduced to one number to haggle over.

    ``key`` is the number the actor cares about (implied valuation for equity, rate for a loan,
    price for capacity and supply); ``fair`` is the market's reference for it (the company's
    public valuation, base rate + 3 %, the seller's posted price). ``ratio(key)`` is how good a
    value is for the actor (1 = fair, above 1 = better than fair); ``terms_at(r)`` the offer's
    terms with the key moved to the value of goodness ``r``.

    Attributes:
        kind, other (the proposer), first (the actor is the first party: investor, lender, buyer,
        partner), terms (a plain dict), key, fair, higher_better.
    """

    __slots__ = ("fair", "first", "for_sale", "higher_better", "key", "kind", "other", "terms")

    def __init__(self, obs: Observation, offer: Mapping[str, Any]) -> None:
        self.kind: str = offer["kind"]
        self.other: str = offer["proposer"]
        self.terms: dict[str, Any] = dict(offer["terms"])
        first, second = offer_parties(obs, offer)
        self.first = first == obs.actor
        self.for_sale = 0.5  # the largest stake the company can still sell (equity deals)
        t = self.terms
        if self.kind in ("equity", "vendor_financing"):
            self.key = t["amount"] / max2(t["stake"], 1e-9)
            self.fair = max2(1.0, float(obs.public[second]["valuation"]))
            self.higher_better = not self.first  # the company wants a high valuation
            self.for_sale = min2(0.5, float(obs.public[second]["control"]))
        elif self.kind == "loan":
            self.key = float(t["rate"])
            self.fair = float(obs.market["base_rate"]) + 0.03
            self.higher_better = self.first  # the lender wants a high rate
        elif self.kind in ("capacity", "supply"):
            field = "wafer_price" if self.kind == "capacity" else "gpu_price"
            self.key = float(t["price"])
            self.fair = max2(1e-6, float(obs.public[second][field]))
            self.higher_better = not self.first  # the seller wants a high price
        else:  # joint venture: judged on its own terms by each family
            self.key = 1.0
            self.fair = 1.0
            self.higher_better = True

    def ratio(self, key: float | None = None) -> float:
        k = self.key if key is None else key
        k = max2(k, 1e-9)
        return k / self.fair if self.higher_better else self.fair / k

    def key_at(self, r: float) -> float:
        return self.fair * r if self.higher_better else self.fair / max2(r, 1e-9)

    def terms_at(self, r: float) -> dict[str, Any]:
        """The offer's terms with the key set to goodness ``r``.

        For equity the stake moves; if the company has not that much left to sell, the amount
        shrinks with it so that the implied valuation holds.
        """
        t = dict(self.terms)
        k = self.key_at(r)
        if self.kind in ("equity", "vendor_financing"):
            stake = t["amount"] / max2(k, 1e-9)
            cap = 0.999 * self.for_sale
            if stake > cap:
                stake = cap
                t["amount"] = stake * k
            t["stake"] = stake
        elif self.kind == "loan":
            t["rate"] = clamp(k, 0.0, 0.5)
        elif self.kind in ("capacity", "supply"):
            t["price"] = k
        return t

    def my_first_payment(self) -> float:
        """What the actor pays on signing ($B)."""
        t = self.terms
        if not self.first:
            return 0.0
        if self.kind in ("equity", "vendor_financing"):
            return float(t["amount"])
        if self.kind == "loan":
            return float(t["principal"])
        if self.kind in ("capacity", "supply"):
            units = t["wafers"] if self.kind == "capacity" else t["quantity"]
            return t["prepay"] * t["price"] * units * t["quarters"] / 1000
        return 0.0

    def commitment(self) -> float:
        """All the money the actor commits to pay over the deal's life ($B)."""
        t = self.terms
        if not self.first:
            if self.kind == "vendor_financing":  # the lab buys the accelerators
                return t["quantity"] * t["price"] * t["quarters"] / 1000
            return 0.0
        if self.kind in ("capacity", "supply"):
            units = t["wafers"] if self.kind == "capacity" else t["quantity"]
            return t["price"] * units * t["quarters"] / 1000
        return self.my_first_payment()
