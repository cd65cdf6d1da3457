"""Foundry moves of the reciprocal family.

Prices its wafers near their most profitable price and keeps utilisation in its band; adds fabs
and packaging as demand grows; reserves capacity, at a discount, for chip makers in good
standing.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.reciprocal.economics import (
    demand_growth_ahead,
    wafer_profit_price,
    wafer_reference,
)
from agents.tactics import (
    REF_DPW,
    clamp,
    fab_first_instalment,
    generation_ahead,
    jv_capex_per_quarter,
    wafer_committed,
)
from game.decisions import (
    BuildFab,
    BuildPackaging,
    Decision,
    Propose,
    SetWaferPrice,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

if TYPE_CHECKING:
    from agents.reciprocal.parts import ReciprocalParts
else:
    ReciprocalParts = object  # the whole policy, to the type checker (see parts.py)

__all__ = ["SCARCITY_CAP", "FoundryReciprocity"]

#: Highest wafer price it asks while its fabs sell out, relative to the reference (the price that
#: clears what it can make; the cap is 4×).
SCARCITY_CAP = 2.0


class FoundryReciprocity(ReciprocalParts):
    """The foundry's proposals and moves of the reciprocal family."""

    def _wafer_price_target(self, obs: Observation) -> float:
        """Its most profitable wafer price (the reference, or a markup over cost where that is
        higher), raised (to ``SCARCITY_CAP`` × the reference at most) while its fabs sell out.

        It does not cut below it to fill idle fabs: production is paid for whether it sells or
        not, and below the reference buyers respond weakly, so a cut would only lower what each
        wafer made brings in, and with it the gross margin.
        """
        pub = obs.public[obs.actor]
        price = float(pub["wafer_price"])
        target = wafer_profit_price(obs)
        if float(pub["utilisation"]) >= 0.995:
            target = max(target, price * 1.03)
        return min(target, SCARCITY_CAP * wafer_reference(obs))

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        pub = obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(pub["wafer_price"])
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            new = clamp(self._wafer_price_target(obs), 0.95 * price, 1.04 * price)
            if abs(new - price) > 1e-6 * price:
                out.append(SetWaferPrice(clamp(new, lo, hi)))
        fab = self._recip_fab_move(obs)
        if fab is not None:
            out.append(fab)
        pack = self._recip_packaging_move(obs)
        if pack is not None:
            out.append(pack)
        return out

    def _capacity_gap(self, obs: Observation, build_q: int) -> float:
        """k wafers a quarter by which what it sells will outgrow what its fabs (built and
        building) turn out ``build_q`` quarters from now (negative: room to spare)."""
        b, pub = obs.books, obs.public[obs.actor]
        produced = float(b["produced"])
        cap_now = max(1.0, float(pub["capacity"]))
        yield_now = produced / cap_now if produced > 0 else 0.9
        sold = float(b["sold"])
        util = float(pub["utilisation"])
        demand = sold * (1.03 if util >= 0.995 else 1.0)  # sold out: buyers wanted more
        demand_ahead = demand * demand_growth_ahead(obs, "wafer", build_q)
        committed = wafer_committed(obs, self._mine(obs))
        demand_ahead = max(demand_ahead, committed / 0.95)
        cap_ahead = (cap_now + float(pub["capacity_building"])) * max(yield_now, 0.85)
        # It builds for what it will sell, not ahead of it: utilisation under its band would
        # cost it, and so would a gross margin under the floor (production is paid for whether
        # it sells or not).
        return demand_ahead - cap_ahead

    def _recip_fab_move(self, obs: Observation) -> BuildFab | None:
        """A fab when what it sells will outgrow its fabs by the time a new one is built: sized
        to the gap, if it can pay the first instalment."""
        legal = obs.legal.moves.get("build_fab")
        if legal is None:
            return None
        site = "us" if float(obs.modifiers["us_capex"]) <= 0.8 else "taiwan"  # a subsidy: the hedge
        build_q = obs.fab_build_quarters(site)
        if obs.quarters_left < build_q + 4:
            return None
        gap = self._capacity_gap(obs, build_q)
        if gap < 0.03 * float(obs.public[obs.actor]["capacity"]):
            return None
        lo, hi = legal["capacity"]
        size = clamp(gap / 0.9, lo, hi)
        if fab_first_instalment(obs, "N3", site, size) > 0.3 * self._cash(obs):
            size = 0.3 * self._cash(obs) / fab_first_instalment(obs, "N3", site, 1.0)
            if size < lo:
                return None
        return BuildFab("N3", site, clamp(size, lo, hi))

    def _recip_packaging_move(self, obs: Observation) -> BuildPackaging | None:
        """Packaging when the accelerators to be packaged will outgrow its lines (built and
        building) by the time a line is built."""
        legal = obs.legal.moves.get("build_packaging")
        if legal is None:
            return None
        b, pub = obs.books, obs.public[obs.actor]
        quarters = int(obs.build_costs["packaging"]["build_quarters"])
        gen_ahead = float(obs.market["generation"]) * generation_ahead(obs, quarters)
        lines = float(pub["packaging_capacity"]) + float(b["packaging_building"])
        units_ahead = lines * obs.rules.packages_per_wafer * gen_ahead
        # Accelerators to package: the designers' sales (or what buyers would take at the
        # reference price, if more), growing with the outside demand, and the labs' own chips.
        designers = obs.others("designer")
        sold = sum(float(obs.public[n]["sold"]) for n in designers)
        at_ref = float(obs.market["gpu_demand"]) * sum(
            float(obs.public[n]["market_share"]) for n in designers
        )
        foundries = max(1, len(obs.others("foundry")) + 1)
        want = max(sold, at_ref) * demand_growth_ahead(obs, "gpu", quarters) / foundries
        if want < 0.85 * units_ahead:
            return None
        add = (want / 0.8 - units_ahead) / (obs.rules.packages_per_wafer * gen_ahead)
        lo, hi = legal["capacity"]
        add = clamp(add, lo, hi)
        if add * obs.rules.packaging_capex_per_kwafer > 0.2 * self._cash(obs):
            return None
        return BuildPackaging(add)

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        terms: dict[str, Any]  # capacity terms, then a joint venture's (text and numbers)
        pub = obs.public[obs.actor]
        price = float(pub["wafer_price"])
        free = obs.free_capacity[obs.actor]
        # Offer loyal chip makers a reservation at a discount.
        makers = [
            n
            for n in obs.others("designer")
            if self._last.get(n, 0) > 0 and self._standing(obs, n) > 0.55
        ]
        for d in self._ranked(obs, makers):
            # What its sales need beyond the wafers it has reserved (as many dies a wafer as a
            # typical designer's; its own figure is private).
            per_wafer = REF_DPW * float(obs.market["generation"])
            reserved = sum(
                float(c["terms"]["wafers"])
                for c in obs.contracts
                if c["kind"] == "capacity" and c["status"] == "active" and c["parties"][0] == d
            )
            need = float(obs.public[d]["sold"]) / per_wafer - reserved
            wafers = min(0.05 * free, need, 0.2 * float(obs.public[d]["cash"]) * 1000 / (price * 8))
            if wafers >= 1:
                fac = self._terms_factor(obs, d)
                terms = {"wafers": wafers, "quarters": 8, "price": price * fac, "prepay": 0.05}
                out.append(self._offer(obs, d, "capacity", terms))
            break
        if obs.quarter % 8 == 3 and self._capacity_gap(obs, 12) > 30:  # a JV fab takes ~12 q
            investors = [
                n
                for n in self._ranked(obs, obs.others("investor"))
                if self._standing(obs, n) >= 0.45
            ]
            if investors:
                inv = investors[0]
                site = "gulf" if obs.public[inv]["country"] in GULF_COUNTRIES else "us"
                s = self._standing(obs, inv)
                terms = {
                    "site": site,
                    "node": "N3",
                    "capacity": 40.0,
                    "partner_capex_share": 0.5,
                    "partner_output_share": 0.35 + 0.1 * s,
                    "operator_fee": 0.12 - 0.04 * s,
                }
                mine = jv_capex_per_quarter(obs, terms) * (1 - terms["partner_capex_share"])
                if mine < 0.3 * self._cash(obs):
                    out.append(self._offer(obs, inv, "joint_venture", terms))
        return out

    # -- investors --------------------------------------------------------------------------------
