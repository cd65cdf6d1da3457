"""The planner as a foundry: wafers priced near the optimum, fabs and packaging a lag ahead.

Outside wafer demand is kinked at the reference price (``wafer_elasticity`` below it,
``wafer_elasticity_above`` above it, from ``obs.market_params``) and grows on the scenario's
trend. Below the reference demand is inelastic (a cut loses revenue), above it elastic, so with
output to spare the best price is the reference (or ``e / (e - 1)`` × the wafer cost if higher).
As a **foundry** it prices there; when the output left after its contracts falls short of what
buyers would take, at the price that clears it (at most ``max_wafer_markup`` over the
reference, and only by steps, so that prices do not run away); when it falls far short of its
output, a little under the reference to keep its fabs at least 85 % busy.

It builds **a build lag ahead**: a fab when the demand projected for the quarter it would open
(the outside trend at the reference price, plus the wafers its contracts and partners take)
exceeds the output it will have by then, sized to the gap and to what its runway carries, and
not so late that it would stand idle at the end; **packaging** three quarters ahead of what the
chip makers will need (the designers' sales growing with the market, labs' own chips), since
packaging is the bottleneck of every accelerator. It offers capacity reservations to chip makers
whose projected need exceeds their contracts, and runs a partner's fab (a joint venture) when the
partner pays most of it and the fee is fair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.projection import PlannerBase
from agents.tactics import clamp, generation_ahead, jv_capex_per_quarter
from game.deals import NODES
from game.decisions import (
    BuildFab,
    BuildPackaging,
    Decision,
    Propose,
    SetWaferPrice,
)
from game.observation import Observation

__all__ = ["FoundryPlanning"]


class FoundryPlanning(PlannerBase):
    """The planner's foundry: wafer pricing, fab and packaging builds, capacity sales.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`.
    """

    # =========================================================================== projections
    def _wafer_base(self, obs: Observation, k: int) -> float:
        """Outside wafer demand for me at the reference price k quarters ahead (k wafers):
        the scenario's trend (growth decaying each quarter), times my market share."""
        mp = obs.market_params
        base = float(obs.market["wafer_demand"])
        g0, decay = float(mp["wafer_growth"]), float(mp["wafer_growth_decay"])
        for j in range(k):
            base *= 1.0 + g0 * (1.0 - decay) ** (obs.quarter + j)
        return base * float(obs.public[obs.actor].get("market_share", 1.0) or 1.0)

    def _wafer_demand(self, obs: Observation, price: float, k: int = 0) -> float:
        """Outside demand for my wafers at a price k quarters ahead, on the kinked curve."""
        mp = obs.market_params
        ref = float(obs.market["wafer_reference_price"])
        rel = max(1e-6, price / ref)
        e = float(mp["wafer_elasticity"]) if rel <= 1.0 else float(mp["wafer_elasticity_above"])
        return self._wafer_base(obs, k) * rel**-e

    def _projected_output(self, obs: Observation, k: int) -> float:
        """Good wafers a quarter k quarters ahead: producing fabs, and those finished by then at
        their first yields (Taiwan's cut by an event in force while it lasts)."""
        p = obs.public[obs.actor]
        produced = float(obs.books["produced"])
        taiwan = float(obs.modifiers.get("taiwan_output", 1.0))
        running = 0.0
        out = 0.0
        for node, site, cap, left in p["fabs"]:
            y = NODES[node]["mature_yield"] if left == 0 else NODES[node]["first_yield"]
            if left == 0:
                running += cap * y * (taiwan if site == "taiwan" else 1.0)
            elif left <= k:
                out += cap * y
        if produced > 0 and running > 0:
            running = max(running, produced)  # what it actually makes, if more
        return running + out

    def _makers_demand(self, obs: Observation) -> float:
        """k wafers a quarter the chip makers take beyond the outside market: my contracts
        and partners' JV shares (what I promised)."""
        return self._promised(obs)

    # =========================================================================== moves
    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        out: list[Decision | None] = []
        legal = obs.legal.moves
        committed = self._promised(obs)
        if "set_wafer_price" in legal and float(obs.books["produced"]) > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            out.append(SetWaferPrice(clamp(self._foundry_price(obs, committed), lo, hi)))
        if "build_fab" in legal:
            out.append(self._plan_fab(obs, committed))
        if "build_packaging" in legal:
            out.append(self._plan_packaging(obs, committed))
        return out

    def _foundry_price(self, obs: Observation, committed: float) -> float:
        """The best price for the output left after contracts (see the module's docstring)."""
        b, pub, mp = obs.books, obs.public[obs.actor], obs.market_params
        ref = float(obs.market["wafer_reference_price"])
        cost = float(b["wafer_cost"])
        e_hi = float(mp["wafer_elasticity_above"])
        best = max(ref, e_hi / (e_hi - 1.0) * cost) if e_hi > 1.0 else ref
        avail = max(1.0, self._projected_output(obs, 0) - committed)
        want = self._wafer_demand(obs, best)
        price = float(pub["wafer_price"])
        util = float(pub["utilisation"])
        if want > avail:  # short: the price that clears what it has
            target = best * (want / avail) ** (1.0 / max(1.05, e_hi))
        elif want < 0.85 * avail * self.params["utilisation"]:
            # Idle fabs: a little under the reference, as far as demand answers (inelastic here).
            e_lo = max(0.1, float(mp["wafer_elasticity"]))
            target = best * (want / (0.87 * avail)) ** (1.0 / e_lo)
            target = max(target, 0.93 * best)
        else:
            target = best
        if util >= 0.999 and target <= price:  # sold out at this price: not lower
            target = price * (1.0 + 0.5 * max(0.0, self._market_growth(1)))
        target = min(target, ref * (1.0 + self.params["max_wafer_markup"]))
        floor = 1.8 * cost  # a gross margin near the floor foundries are held to
        return max(floor, clamp(target, price * 0.93, price * 1.07))

    def _plan_fab(self, obs: Observation, committed: float) -> BuildFab | None:
        """A fab for the gap between demand and output a build lag ahead (None if none)."""
        node = "N3"
        # Taiwan, or the US when a subsidy in force makes it cheaper (costs as of now).
        costs = obs.build_costs["fab"]
        site = min(("taiwan", "us"), key=lambda s: costs[s][node]["capex_per_kwafer"])
        per_k = float(costs[site][node]["capex_per_kwafer"])
        lag = obs.fab_build_quarters(site)
        if obs.quarters_left < lag + 6:
            return None  # it would stand idle at the end
        ref = float(obs.market["wafer_reference_price"])
        # Demand when it opens and through the years after (the trend slows): the lower.
        late = min(obs.quarters_left - 1, lag + 8)
        demand = min(self._wafer_demand(obs, ref, lag), self._wafer_demand(obs, ref, late))
        demand += committed
        supply = self._projected_output(obs, lag)
        gap = demand * (1.0 - 0.5 * self.params["safety"]) - supply
        y = NODES[node]["mature_yield"]
        size = gap / y
        lo, hi = obs.legal.moves["build_fab"]["capacity"]
        if size < max(lo, 0.02 * supply):
            return None
        size = min(size, hi)
        # The runway over the build: cash plus running income must pay every build under way.
        room = self._cash(obs) + lag * max(0.0, self._income(obs)) - self._capex_left(obs)
        room -= 2 * float(obs.books["fixed_opex"]) * (1 + self.params["safety"])
        size = min(size, room / per_k)
        if size < lo or size * per_k / lag > 0.5 * self._cash(obs):
            return None
        return BuildFab(node, site, size)

    def _plan_packaging(self, obs: Observation, committed: float) -> BuildPackaging | None:
        """Packaging three quarters ahead of what the chip makers will need (None if enough)."""
        b, pub = obs.books, obs.public[obs.actor]
        gen = float(obs.market["generation"])
        lag = obs.rules.packaging_build_quarters
        g = max(0.0, self._market_growth(0))
        gen_lag = gen * generation_ahead(obs, lag)
        ppw = float(obs.rules.packages_per_wafer)
        # Designers' sales, growing with the market; per wafer, more units each generation.
        units = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        need = units * (1 + g) ** lag / (ppw * gen_lag)
        # Labs' own chips: what their contracts and JV shares bring, and room for those coming.
        labs_in_rnd = sum(
            1
            for p in obs.public.values()
            if p["role"] == "lab" and p.get("chip_programme") is not None
        )
        need += sum(
            float(c["terms"]["wafers"])
            for c in self._active(obs, "capacity", 1)
            if obs.public[c["parties"][0]]["role"] == "lab"
        )
        need *= 1.0 + self.params["safety"] + 0.15 * labs_in_rnd
        share = self._packaging_share(obs)
        need *= share
        have = float(pub["packaging_capacity"]) + float(b["packaging_building"])
        add = need - have
        lo, hi = obs.legal.moves["build_packaging"]["capacity"]
        cost = obs.build_costs["packaging"]["capex_per_kwafer"]
        if add < max(lo, 0.05 * have) or add * cost > 0.3 * self._cash(obs):
            return None
        return BuildPackaging(clamp(add, lo, hi))

    def _packaging_share(self, obs: Observation) -> float:
        """My share of all foundries' packaging (what I am expected to provide)."""
        mine = float(obs.public[obs.actor]["packaging_capacity"])
        total = sum(
            float(p["packaging_capacity"])
            for p in obs.public.values()
            if p["role"] == "foundry" and not p["insolvent"]
        )
        return mine / total if total > 0 else 1.0

    @staticmethod
    def _capex_left(obs: Observation) -> float:
        """Capex still to pay on the foundry's fabs under construction ($B): an estimate at
        today's build costs (a fab's own cost was fixed when it was started)."""
        out = 0.0
        for node, site, cap, left in obs.public[obs.actor]["fabs"]:
            if left > 0:
                lag = obs.fab_build_quarters(site)
                out += obs.fab_capex(node, site, cap) * min(1.0, left / lag)
        return out

    # =========================================================================== offers
    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        """Offer capacity reservations to chip makers whose projected need exceeds their book."""
        self._observe(obs)
        out: list[Propose | None] = []
        price = float(obs.public[obs.actor]["wafer_price"])
        free = obs.free_capacity[obs.actor] * 0.5
        gen = float(obs.market["generation"])
        g = self._market_growth(0)
        caps = {n: float(p["capacity"]) for n, p in obs.public.items() if p["role"] == "foundry"}
        my_share = caps[obs.actor] / max(1.0, sum(caps.values()))
        for n in obs.legal.partners.get("capacity", ()):
            p = obs.public[n]
            if p["role"] != "designer" or free < 2:
                continue
            booked = sum(
                c["terms"]["wafers"]
                for c in self._active(obs, "capacity", 1)
                if c["parties"][0] == n and self._left(c) > 2
            )
            need = (
                my_share
                * float(p["sold"])
                * (1 + g) ** self._h
                / (obs.rules.packages_per_wafer * gen * generation_ahead(obs, self._h))
            )
            gap = (1 - self.params["safety"]) * need - booked
            if gap >= 2:
                wafers = min(gap, free)
                out.append(
                    self._offer(
                        obs,
                        n,
                        "capacity",
                        {"wafers": wafers, "quarters": self._h, "price": price, "prepay": 0.0},
                    )
                )
                free -= wafers
        return out

    def _judge_capacity_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        price = float(obs.public[obs.actor]["wafer_price"])
        free = obs.free_capacity[obs.actor]
        if t["wafers"] > free:
            return (
                {**t, "wafers": free * 0.9, "price": max(t["price"], price)} if free > 1 else None
            )
        floor = float(obs.books["wafer_cost"]) * 1.6
        if t["price"] >= max(floor, price * (1 - self.params["margin"])):
            return True
        return {**t, "price": max(price, floor)}

    def _judge_jv_operator(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """Run a partner's fab: only if the partner pays most of it, the fee is worth it, and
        the runway over the build carries its share of the capex with every other build."""
        lag = obs.fab_build_quarters(t["site"])
        mine = jv_capex_per_quarter(obs, t) * lag * (1 - t["partner_capex_share"])
        room = self._cash(obs) + lag * max(0.0, self._income(obs)) - self._capex_left(obs)
        room -= 2 * float(obs.books["fixed_opex"]) * (1 + self.params["safety"])
        if (
            mine > room
            or obs.quarters_left < lag + 4
            or t["partner_capex_share"] < max(0.7, t["partner_output_share"])
        ):
            return None
        return True if t["operator_fee"] >= 0.1 else {**t, "operator_fee": 0.1}
