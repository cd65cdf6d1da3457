"""Money: every payment between actors goes through the ledger and onto both actors' books.

:meth:`MoneyMixin.pay` moves money (never more than asked, never a negative amount),
:meth:`MoneyMixin.pay_obligation` pays what is owed as far as the payer's cash goes, and
:meth:`MoneyMixin.touch` marks an actor's figures as changed, for the observation caches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from game.ledger import OUTSIDE, Ledger

if TYPE_CHECKING:
    from game.actors import Actor

__all__ = ["MoneyMixin"]


class MoneyMixin:
    """Payments and change tracking of a :class:`~game.model.FabRaceModel`."""

    ledger: Ledger
    actors_by_name: dict[str, Actor]
    _actor_version: dict[str, int]
    _version: int
    _cache: dict[Any, Any]

    def pay(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Move money through the ledger and book it on both actors' P&L; returns the amount."""
        amount = self.ledger.transfer(source, destination, max(0.0, amount), reason)
        if amount:
            # payer.book(reason, -amount) and payee.book(reason, amount), each followed by
            # touch(name): inlined (the engine's hottest path after observations).
            by_name = self.actors_by_name
            versions = self._actor_version
            dirty: set[str] | None = self._cache.get("dirty")
            for name, signed in ((source, -amount), (destination, amount)):
                if name == OUTSIDE:
                    continue
                a = by_name[name]
                a.pnl[reason] += signed
                a.totals[reason] += signed
                versions[name] = versions.get(name, 0) + 1
                self._version += 1
                holders = a.cap_table
                for holder in holders:
                    versions[holder] = versions.get(holder, 0) + 1
                if dirty is not None:
                    dirty.add(name)
                    if holders:
                        dirty.update(holders)
        return amount

    def pay_obligation(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Pay what is owed to another actor, or as much of it as the payer's cash allows."""
        return self.pay(
            source,
            destination,
            min(max(0.0, amount), max(0.0, self.actors_by_name[source].cash)),
            reason,
        )

    def touch(self, name: str) -> None:
        """Note that an actor's figures changed (and so its shareholders' valuations)."""
        versions = self._actor_version
        versions[name] = versions.get(name, 0) + 1
        self._version += 1
        holders = self.actors_by_name[name].cap_table
        for holder in holders:
            versions[holder] = versions.get(holder, 0) + 1
        dirty = self._cache.get("dirty")  # whose public figures the views must rebuild
        if dirty is not None:
            dirty.add(name)
            if holders:
                dirty.update(holders)

    def actor_version(self, name: str) -> int:
        """A counter that moves whenever the actor's figures may have changed (for caches)."""
        return self._actor_version.get(name, 0)
