"""The ledger: every movement of money, from whom to whom, and why.

Actors' cash changes only through :meth:`Ledger.transfer`. The outside world (customers,
suppliers, builders and governments not in the game) is one account, :data:`OUTSIDE`, whose
balance goes negative as it pays in. Money is conserved: the sum of every balance, the outside's
included, never changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["CAPEX", "FINANCING", "OUTSIDE", "Ledger", "LedgerError", "Transfer"]

OUTSIDE = "outside"

#: Reasons of flows that are neither operating revenue nor operating cost: financing.
FINANCING = frozenset({"equity", "loan_principal", "loan_repayment", "vendor_equity", "payout"})
#: Reasons of flows that are investment (capital expenditure, a chip programme's R&D).
CAPEX = frozenset({"fab_capex", "jv_capex", "packaging_capex", "campus_capex", "chip_rnd"})


_INF = math.inf


class LedgerError(ValueError):
    """A transfer that would break the books (negative, not finite, unknown account)."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """One movement of money in $B."""

    quarter: int
    source: str
    destination: str
    amount: float
    reason: str


def _unknown_account(source: str, destination: str) -> LedgerError:
    return LedgerError(f"unknown account in transfer {source} -> {destination}")


class _TransferDraft:
    """A :class:`Transfer` being filled in (the same slots, settable)."""

    __slots__ = Transfer.__slots__


class Ledger:
    """Balances of every account and the list of transfers.

    Args:
        balances: opening balance of each actor, in $B.
    """

    def __init__(self, balances: dict[str, float]) -> None:
        self.balances: dict[str, float] = {OUTSIDE: 0.0, **balances}
        self.opening_total = math.fsum(self.balances.values())
        self.transfers: list[Transfer] = []
        self.quarter = 0

    def transfer(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Move ``amount`` from ``source`` to ``destination`` and record it.

        A zero amount is a no-op. Returns the amount moved.

        Raises:
            LedgerError: if the amount is negative or not finite, or an account is unknown.
        """
        balances = self.balances
        # the common case, money moves (not chained: a chained comparison runs twice as long)
        if amount > 0.0 and amount < _INF and source != destination:
            try:  # both balances read before either is written: an unknown account moves none
                left = balances[source] - amount
                reached = balances[destination] + amount
            except KeyError:
                raise _unknown_account(source, destination) from None
            balances[source] = left
            balances[destination] = reached
        else:
            # not finite or negative: NaN fails every comparison, so it fails this one too
            if not 0.0 <= amount < _INF:
                raise LedgerError(
                    f"bad amount {amount!r} from {source} to {destination} ({reason})"
                )
            if source not in balances or destination not in balances:
                raise _unknown_account(source, destination)
            return 0.0  # a zero amount, or money paid to oneself: no transfer
        # Transfer(self.quarter, source, destination, amount, reason), made without the frozen
        # dataclass's __init__ (one object.__setattr__ a field): a game makes thousands.
        t: Any = _TransferDraft()
        t.quarter = self.quarter
        t.source = source
        t.destination = destination
        t.amount = amount
        t.reason = reason
        t.__class__ = Transfer  # the same slots: the draft becomes the Transfer itself
        self.transfers.append(t)
        return amount

    def balance(self, account: str) -> float:
        """Current balance of an account."""
        return self.balances[account]

    def total(self) -> float:
        """Sum of all balances (the outside's included): constant when money is conserved."""
        return math.fsum(self.balances.values())

    def imbalance(self) -> float:
        """How far the books are from the opening total (0 up to rounding)."""
        return self.total() - self.opening_total

    def flows(self, quarter: int | None = None) -> dict[tuple[str, str, str], float]:
        """Sum of transfers by (source, destination, reason), for one quarter or all."""
        out: dict[tuple[str, str, str], float] = {}
        for t in self.transfers:
            if quarter is None or t.quarter == quarter:
                key = (t.source, t.destination, t.reason)
                out[key] = out.get(key, 0.0) + t.amount
        return out
