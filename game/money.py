"""Money: every payment between actors goes through the ledger and onto both actors' books.

:meth:`MoneyMixin.pay` moves money (never more than asked, never a negative amount),
:meth:`MoneyMixin.pay_obligation` pays what is owed as far as the payer's cash goes, and
:meth:`MoneyMixin.touch` marks an actor's figures as changed, for the observation caches
(:meth:`MoneyMixin.touch_all` every actor's). In the quarter's close, which touches every actor
at its end, :meth:`MoneyMixin.touches_held` leaves out the touches of the payments and status
changes before it (nothing reads the caches in between).
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
    _touches_held = False  # True while touches wait for the close's own (see touches_held)

    def touches_held(self, held: bool) -> None:
        """Start (``True``) or end a stretch whose touches can be left out, because every actor
        is touched at its end and no cache keyed by the versions is read in it (the quarter's
        operations and books): payments and status changes in it then skip their touches."""
        if held:
            self._touches_held = True
        else:
            self.__dict__.pop("_touches_held", None)  # back to the class's False

    def pay(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Move money through the ledger and book it on both actors' P&L; returns the amount."""
        # max(0.0, amount) without the call (NaN gives 0.0 too)
        amount = self.ledger.transfer(source, destination, amount if amount > 0.0 else 0.0, reason)
        if not amount:
            return amount
        # payer.book(reason, -amount) and payee.book(reason, amount), each followed by
        # touch(name) unless touches are held: inlined (the engine's hottest path after the
        # observations). ``x -= a`` is ``x += -a`` to the bit.
        by_name = self.actors_by_name
        if source != OUTSIDE:
            a = by_name[source]
            a.pnl[reason] -= amount
            a.totals[reason] -= amount
        if destination != OUTSIDE:
            a = by_name[destination]
            a.pnl[reason] += amount
            a.totals[reason] += amount
        if self._touches_held:
            return amount
        versions = self._actor_version
        dirty: set[str] | None = self._cache.get("dirty")
        for name in (source, destination):
            if name == OUTSIDE:
                continue
            versions[name] = versions.get(name, 0) + 1
            self._version += 1
            holders = by_name[name].cap_table
            for holder in holders:
                versions[holder] = versions.get(holder, 0) + 1
            if dirty is not None:
                dirty.add(name)
                if holders:
                    dirty.update(holders)
        return amount

    def pay_obligation(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Pay what is owed to another actor, or as much of it as the payer's cash allows."""
        # min(max(0.0, amount), max(0.0, cash)), the clamping at 0 left to pay()
        cash = self.ledger.balances[source]  # the payer's cash (its cash property)
        if cash < amount:
            amount = cash
        return self.pay(source, destination, amount, reason)

    def touch(self, name: str) -> None:
        """Note that an actor's figures changed (and so its shareholders' valuations)."""
        if self._touches_held:
            return
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

    def touch_all(self) -> None:
        """Note that every actor's figures changed: :meth:`touch` of each, in one pass (every
        shareholder is an actor, so touched too)."""
        if self._touches_held:
            return
        names = self.actors_by_name
        versions = self._actor_version
        for name in names:
            versions[name] = versions.get(name, 0) + 1
        self._version += 1
        dirty = self._cache.get("dirty")
        if dirty is not None:
            dirty.update(names)

    def actor_version(self, name: str) -> int:
        """A counter that moves whenever the actor's figures may have changed (for caches)."""
        return self._actor_version.get(name, 0)
