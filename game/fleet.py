"""Compute in service and the campuses that power it (labs and investors have both).

A :class:`Fleet` holds accelerators by cohort (the quarter they went into service, the vendor,
their generation) and keeps running totals; a :class:`Campus` holder owns data-centre GW, builds
more, pays to run them, and may lease them out or in (``lease`` contracts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from game.deals import DealKind
from game.ledger import OUTSIDE

__all__ = ["Campus", "Cohort", "Fleet"]


@dataclass
class Cohort:
    """Accelerators put in service in one quarter, from one vendor (kH100e).

    ``generation`` is the chips' H100e per H100-sized chip: a newer chip does more work for the
    same power, so hosting costs scale with ``amount / generation``.
    """

    quarter: int
    amount: float
    vendor: str
    generation: float = 1.0


class Fleet:
    """Accelerators in service, by cohort (labs and investors' campuses have them).

    Change ``cohorts`` only through :meth:`add_cohort` and :meth:`retire_compute`, which keep the
    totals that :attr:`compute` and :meth:`power` read.
    """

    cohorts: list[Cohort]
    _compute: float
    _power: float

    def _init_fleet(self, cohorts: list[Cohort]) -> None:
        self.cohorts = list(cohorts)
        self._recount()

    def _recount(self) -> None:
        """Work out the totals from the cohorts: ``math.fsum`` of their amounts and of their
        power units, in cohort order (the sums of generator expressions, over lists).

        The lists summed are kept in the actor's cache (a cache: never saved) with the cohort
        list they were made from, so that :meth:`add_cohort` extends them instead of making
        them again (``fsum`` is correctly rounded: the same figures, bit for bit).
        """
        cohorts = self.cohorts
        amounts = [c.amount for c in cohorts]
        units = [c.amount / c.generation for c in cohorts]
        self._compute = math.fsum(amounts)
        self._power = math.fsum(units)
        cache: dict[str, Any] | None = getattr(self, "_cache", None)  # none yet in __init__
        if cache is not None:
            cache["fleet_terms"] = (cohorts, amounts, units)

    def add_cohort(self, cohort: Cohort) -> None:
        """Put accelerators in service."""
        cohorts = self.cohorts
        cohorts.append(cohort)
        cache: dict[str, Any] | None = getattr(self, "_cache", None)
        kept = None if cache is None else cache.get("fleet_terms")
        # The kept lists hold every cohort but this one: extend them (see _recount).
        if kept is not None and kept[0] is cohorts and len(kept[1]) == len(cohorts) - 1:
            _, amounts, units = kept
            amounts.append(cohort.amount)
            units.append(cohort.amount / cohort.generation)
            self._compute = math.fsum(amounts)
            self._power = math.fsum(units)
        else:
            self._recount()

    @property
    def compute(self) -> float:
        """kH100e in service."""
        return self._compute

    def power(self) -> float:
        """Compute in service in H100-power units (kH100e / generation): what hosting costs."""
        return self._power

    def retire_compute(self, oldest: int) -> None:
        """Retire the cohorts put in service in quarter ``oldest`` or before."""
        cohorts = self.cohorts
        if cohorts and cohorts[0].quarter <= oldest:
            self.cohorts = [c for c in cohorts if c.quarter > oldest]
            self._recount()


class Campus:
    """Data-centre campuses an actor owns (GW) and builds (labs and investors have them).

    A campus is paid for over its build (``campus_capex_per_gw``), then costs its owner
    ``campus_opex_per_gw`` a quarter whether it is used or not. Leases (``lease`` contracts) let
    a landlord's campus power a tenant's compute.
    """

    name: str
    model: Any
    campus_gw: float
    campus_builds: list[list[float]]  # [gw, quarters left, capex left]

    def _init_campus(self, gw: float) -> None:
        self.campus_gw = gw
        self.campus_builds = []

    def _build_campuses(self) -> None:
        """Pay each campus build's instalment; a finished campus adds its GW."""
        if not self.campus_builds:
            return
        m = self.model
        for b in self.campus_builds:
            gw, left, capex_left = b
            instalment = capex_left / left
            m.pay(self.name, OUTSIDE, instalment, "campus_capex")
            b[1] = left - 1
            b[2] = capex_left - instalment
            if b[1] <= 0:
                self.campus_gw += gw
                m.say(f"{self.name}'s {gw:.2f} GW campus opens")
        self.campus_builds = [b for b in self.campus_builds if b[1] > 0]

    def _pay_campus_opex(self) -> None:
        m = self.model
        cost = self.campus_gw * m.rules.campus_opex_per_gw
        if cost > 0:  # (paying nothing moves nothing: the ledger records no transfer)
            m.pay(self.name, OUTSIDE, cost, "campus_opex")

    def leased_gw(self, side: int) -> float:
        """GW under active leases: as tenant (``side`` 0) or as landlord (1)."""
        m = self.model
        # active_contracts(LEASE, first= or second=self.name), without its copy of the list
        key = (DealKind.LEASE, self.name, None) if side == 0 else (DealKind.LEASE, None, self.name)
        return sum([c.terms.gw for c in m._selection(key)])
