"""Investor moves of the reciprocal family.

Spreads equity and loans over partners in good standing, refuses those that broke faith; builds
campuses when labs in good standing run short of power and leases them to those labs.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.reciprocal.economics import GW_UNITS, fair_rent, free_campus_gw, lab_power_need
from agents.tactics import (
    borrowers,
    clamp,
)
from game.decisions import (
    BuySpotGpus,
    Decision,
    FundCampus,
    Propose,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

if TYPE_CHECKING:
    from agents.reciprocal.parts import ReciprocalParts
else:
    ReciprocalParts = object  # the whole policy, to the type checker (see parts.py)

__all__ = ["InvestorReciprocity"]


class InvestorReciprocity(ReciprocalParts):
    """The investor's proposals and moves of the reciprocal family."""

    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        out = self._investor_leases(obs)  # power for labs in good standing comes first
        cash = self._cash(obs)
        if cash < 5:
            return out
        risk = self.params["risk"]
        targets = [
            n for n in obs.others() if obs.public[n]["role"] in ("lab", "designer", "foundry")
        ]
        # A partner that kept faith and is now in distress gets a rescue at a fair price.
        for n in targets:
            pub = obs.public[n]
            if pub["distressed"] and self._rescues(obs, n):
                amount = min(0.1 * cash, max(1.0, 2.0 - float(pub["cash"])))
                val = max(1.0, float(pub["valuation"]))
                stake = min(amount / val, 0.9 * float(pub["control"]), 0.5)
                if stake > 0.002:
                    out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
                else:
                    rate = float(obs.market["base_rate"]) + 0.03
                    terms = {"principal": amount, "rate": rate, "quarters": 12}
                    out.append(self._offer(obs, n, "loan", terms))
        companies = [n for n in targets if not obs.public[n]["distressed"]]
        ranked = self._ranked(obs, companies, lambda n: -float(obs.public[n]["revenue"]))
        mine = dict(obs.books["stakes"])
        if obs.quarter % 2 == 0:
            for n in ranked:
                pub = obs.public[n]
                val = max(1.0, float(pub["valuation"]))
                amount = min(0.06 * risk * cash, 0.05 * val)
                stake = amount * self._terms_factor(obs, n) / val
                if mine.get(n, 0.0) < 0.15 and float(pub["control"]) - stake > 0.5 and amount > 0.2:
                    out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
                    break
        lent = borrowers(obs, self._mine(obs))
        for n in ranked:
            if n in lent or self._standing(obs, n) < 0.45:
                continue
            pub = obs.public[n]
            principal = min(0.08 * risk * cash, 0.4 * float(pub["cash"]) + 1.0)
            able = float(pub["cash"]) + 2 * float(pub["revenue"])
            if principal > 0.5 and able >= principal * (1.5 - self._standing(obs, n)):
                rate = float(obs.market["base_rate"]) + 0.03 * self._terms_factor(obs, n)
                terms = {"principal": principal, "rate": rate, "quarters": 8}
                out.append(self._offer(obs, n, "loan", terms))
                break
        return out

    def _short_labs(self, obs: Observation) -> list[tuple[str, float]]:
        """Labs in good standing whose compute lacks power, best first, with the GW each lacks:
        now (from their public figures: served below compute), or soon (what each has lately
        asked to lease from it and it could not give)."""
        out = []
        for lab in self._ranked(obs, obs.others("lab")):
            pub = obs.public[lab]
            if self._standing(obs, lab) < 0.45 or self._last.get(lab, 0) < 0 or pub["distressed"]:
                continue
            short = lab_power_need(obs, lab) - float(pub["powered_gw"])
            short = max(short, self._power_asked.get(lab, 0.0))  # what it asked to lease
            if short > 0.05:
                out.append((lab, short))
        return out

    def _can_host(self, obs: Observation) -> bool:
        pub = obs.public[obs.actor]
        return pub["country"] not in GULF_COUNTRIES or bool(pub["licence"])

    def _investor_leases(self, obs: Observation) -> list[Propose | None]:
        """Leases of its free campus GW to labs in good standing that lack power, at a fair rent
        (less for a better partner)."""
        out: list[Propose | None] = []
        free = free_campus_gw(obs, obs.actor)
        if free < 0.05 or obs.quarters_left < 4:
            return out
        for lab, short in self._short_labs(obs):
            gw = min(0.95 * free, short)
            if gw < 0.05:
                continue
            terms = {
                "gw": gw,
                "quarters": min(obs.quarters_left, 16),
                "rent": fair_rent(obs) * self._terms_factor(obs, lab),
            }
            out.append(self._offer(obs, lab, "lease", terms))
            free -= gw
        return out

    def _investor_campus(self, obs: Observation, cash: float) -> FundCampus | None:
        """A campus when labs in good standing lack more power than it has free or is building,
        if it can host tenants and the rent over the quarters left pays for it."""
        legal = obs.legal.moves.get("fund_campus")
        campus = obs.build_costs["campus"]
        build_q = int(campus["build_quarters"])
        if legal is None or not self._can_host(obs) or obs.quarters_left < build_q + 8:
            return None
        short = sum(gw for _, gw in self._short_labs(obs))
        gap = short - free_campus_gw(obs, obs.actor) - float(obs.books["campus_building_gw"])
        capex = float(campus["capex_per_gw"])
        rent_quarters = obs.quarters_left - build_q
        # What it earns a GW over the rest of the game against what it loses on the build (half
        # of the capex: a campus is valued at half its cost).
        if (fair_rent(obs) - obs.rules.campus_opex_per_gw) * rent_quarters < 0.5 * capex:
            return None
        # All its builds together stay within two fifths of its cash and of what flows in
        # over a build (a campus is paid for whatever happens to its tenants).
        inflow = float(obs.books["inflow"])
        owed = 0.75 * float(obs.books["campus_building_gw"]) * capex
        budget = 0.4 * (cash + build_q * inflow) - owed
        gw = min(gap, budget / capex, 0.1 * self.params["risk"] * cash * build_q / capex)
        lo, hi = legal["gw"]
        if gw < lo or gw * capex / build_q > 0.2 * cash:
            return None
        return FundCampus(clamp(gw, lo, hi))

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        out.append(self._investor_campus(obs, cash))
        if "buy_spot_gpus" in legal:
            # Its own accelerators fill what no lab in good standing needs of its campus.
            keep_gw = sum(gw for _, gw in self._short_labs(obs))
            gen = float(obs.market["generation"])
            spare_room = float(obs.books["campus_room"]) - keep_gw * GW_UNITS * gen
            d = self._best_vendor(obs, legal["buy_spot_gpus"]["designer"], "gpu_price")
            if d is not None and spare_room > 0:
                price = float(obs.public[d]["gpu_price"])
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                qty = min(hi, spare_room, 0.1 * self.params["risk"] * cash * 1000 / price)
                if qty >= lo:
                    out.append(BuySpotGpus(d, qty))
        return out
