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
    _cache: dict[str, Any]  # the actor's cache (see Actor._actor_cache)

    def _init_fleet(self, cohorts: list[Cohort]) -> None:
        self.cohorts = list(cohorts)
        self._recount()

    def _recount(self) -> None:
        """Work out the totals from the cohorts: ``math.fsum`` of their amounts and of their
        power units, in cohort order (the sums of generator expressions, over lists).

        The lists summed are kept in the actor's cache (a cache: never saved) with the cohort
        list they were made from, so that :meth:`add_cohort` and :meth:`retire_compute` extend
        or cut them instead of making them again (``fsum`` is correctly rounded: the same
        figures, bit for bit).
        """
        self._sum_terms(
            self.cohorts,
            [c.amount for c in self.cohorts],
            [c.amount / c.generation for c in self.cohorts],
        )

    def _sum_terms(self, cohorts: list[Cohort], amounts: list[float], units: list[float]) -> None:
        self._compute = math.fsum(amounts)
        self._power = math.fsum(units)
        cache: dict[str, Any] | None = getattr(self, "_cache", None)  # none yet in __init__
        if cache is not None:
            cache["fleet_terms"] = (cohorts, amounts, units)

    def _kept_terms(self, n: int) -> Any:
        """The ``(cohorts, amounts, units)`` kept by :meth:`_sum_terms`, if made from the
        cohort list the fleet has when it had ``n`` cohorts (None otherwise)."""
        try:
            kept = self._cache.get("fleet_terms")
        except AttributeError:
            return None
        if kept is None or kept[0] is not self.cohorts or len(kept[1]) != n:
            return None
        return kept

    def add_cohort(self, cohort: Cohort) -> None:
        """Put accelerators in service."""
        self.cohorts.append(cohort)
        kept = self._kept_terms(len(self.cohorts) - 1)
        if kept is None:
            self._recount()
            return
        _, amounts, units = kept  # every cohort's terms but this one's: extend them
        amounts.append(cohort.amount)
        units.append(cohort.amount / cohort.generation)
        self._compute = math.fsum(amounts)
        self._power = math.fsum(units)

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
            kept = self._kept_terms(len(cohorts))
            younger = [c for c in cohorts if c.quarter > oldest]
            self.cohorts = younger
            gone = len(cohorts) - len(younger)
            # Cohorts come in quarter order, so the retired ones are the first ones (the first
            # younger one stands right after them): then the kept terms lose their first ones.
            if kept is None or (younger and younger[0] is not cohorts[gone]):
                self._recount()
                return
            self._sum_terms(younger, kept[1][gone:], kept[2][gone:])


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
