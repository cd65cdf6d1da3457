"""The basic bot as an investor: equity, campuses for labs short of power, leases."""

from __future__ import annotations

from agents.basic.core import BasicCore
from agents.minmax import max2, min2
from agents.tactics import (
    campus_cost,
    can_host,
    clamp,
    fair_lease_rent,
    free_campus_gw,
    free_campus_gws,
    kh100e_for,
    labs_power_short,
    lease_terms,
)
from game.decisions import (
    BuySpotGpus,
    Decision,
    FundCampus,
    Propose,
)
from game.observation import Observation

__all__ = ["InvestorPlay"]


class InvestorPlay(BasicCore):
    """The basic investor (a part of :class:`~agents.basic.BasicPolicy`)."""

    # -- investors ----------------------------------------------------------------------------
    def _lease_to_labs(
        self, obs: Observation, rent_factor: float, quarters: int
    ) -> list[Propose | None]:
        """Lease offers to the labs short of power, from its free campus, at ``rent_factor`` ×
        a fair rent."""
        out: list[Propose | None] = []
        if not can_host(obs, obs.actor):
            return out
        free = free_campus_gw(obs, obs.actor)
        if free < 0.05:
            return out
        short = labs_power_short(obs, 2.0, 0.08)
        rent = rent_factor * fair_lease_rent(obs)
        for lab in sorted(short, key=lambda n: -short[n]):
            if lab not in obs.legal.partners.get("lease", ()) or short[lab] < 0.05:
                continue
            if obs.public[lab]["distressed"]:
                continue
            gw = min2(free, short[lab])
            out.append(self._offer(obs, lab, "lease", lease_terms(obs, gw, rent, quarters)))
            free -= gw
            if free < 0.05:
                break
        return out

    def _campus_for_labs(
        self, obs: Observation, growth: float, cash_share: float, extra: float = 0.0
    ) -> FundCampus | None:
        """A campus for the labs' coming shortage of power (they grow ``growth`` a quarter),
        its share of it by its cash among the investors that may host, within ``cash_share`` of
        its cash; ``extra`` GW for its own accelerators."""
        legal = obs.legal.moves
        if "fund_campus" not in legal or not can_host(obs, obs.actor):
            return None
        per_gw, quarters = campus_cost(obs)
        if obs.quarters_left < quarters + 6:
            return None
        short = sum(labs_power_short(obs, float(quarters), growth).values())
        hosts = [n for n in obs.others("investor") if can_host(obs, n)]
        free = sum(free_campus_gws(obs, hosts)) + free_campus_gw(obs, obs.actor)
        building = float(obs.books.get("campus_building_gw", 0.0))
        cash = max2(0.0, self._cash(obs))
        total_cash = cash + sum([max2(0.0, float(obs.public[n]["cash"])) for n in hosts])
        # Its share of what the built campuses will not cover, less what it is building.
        gw = max2(0.0, short - free) * cash / max2(total_cash, 1e-9) + extra - building
        lo, hi = legal["fund_campus"]["gw"]
        # What it builds already has half its capex still to pay, roughly.
        gw = min2(gw, (cash_share * cash - 0.5 * building * per_gw) / per_gw)
        if gw < max2(lo, 0.1):
            return None
        return FundCampus(clamp(gw, lo, hi))

    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        out += self._lease_to_labs(obs, 1.05, 20)
        cash = self._cash(obs)
        if obs.quarter % 4 != int(self.rng.integers(4)) or cash < 5:
            return out
        labs = [
            n
            for n in obs.others("lab")
            if obs.trust_in[n] >= 0.35 and obs.public[n]["control"] > 0.5
        ]
        if labs:
            lab = max(labs, key=lambda n: obs.public[n]["revenue"])
            val = max2(1.0, float(obs.public[lab]["valuation"]))
            amount = min2(0.1 * cash * self.params["risk"] * 2, 0.1 * val)
            stake = amount / val * self._premium(obs, lab)
            if stake < obs.public[lab]["control"] - 0.5:
                out.append(self._offer(obs, lab, "equity", {"amount": amount, "stake": stake}))
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        out.append(self._campus_for_labs(obs, 0.1, 0.4 * self.params["risk"] * 2))
        if "buy_spot_gpus" in legal:
            out.append(self._spot_gpus_for_campus(obs, 0.05 * cash))
        return out

    def _spot_gpus_for_campus(
        self, obs: Observation, budget: float, keep_share: float = 1.0
    ) -> BuySpotGpus | None:
        """Accelerators of its own for its campus, from the cheapest designer, leaving room for
        the labs short of power.

        Args:
            obs: the investor's observation (``buy_spot_gpus`` must be legal).
            budget: $B it may spend on them.
            keep_share: the share of the power the labs are short of (two quarters ahead) whose
                room it keeps for them to lease.

        Returns:
            The spot order, or None if it would be below the least order.
        """
        legal = obs.legal.moves["buy_spot_gpus"]
        d = min(legal["designer"], key=lambda n: obs.public[n]["gpu_price"])
        price = float(obs.public[d]["gpu_price"])
        lo, hi = legal["quantity"]
        keep = keep_share * kh100e_for(obs, sum(labs_power_short(obs, 2.0, 0.08).values()))
        qty = min2(hi - keep, budget * 1000 / price)
        return BuySpotGpus(d, qty) if qty >= lo else None
