"""The planner as a foundry: prices for a target utilisation, builds what will not stand idle.

As a **foundry** it prices for a target ``utilisation`` (the clearing price of its projected output,
``wafer_elasticity`` belief); offers capacity reservations to chip makers whose projected wafer need
exceeds their contracts; builds a fab only when signed demand a build lag ahead exceeds the capacity
it will have, or when a fab pays back within the game under its demand belief, and only as large as
its runway over the build carries; adds packaging three quarters ahead of the chip makers' projected
need; runs a partner's fab only if the partner pays most of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.projection import PlannerBase
from agents.tactics import clamp, generation_ahead, jv_capex_per_quarter
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

    def _projected_output(self, obs: Observation, k: int) -> float:
        """Good wafers a quarter k quarters ahead: producing fabs plus those finished by then."""
        p = obs.public[obs.actor]
        produced = float(obs.books["produced"]) or 0.9 * float(p["capacity"])
        new = sum(cap * 0.6 for _, _, cap, left in p["fabs"] if 0 < left <= k + 1)
        return produced + new

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        committed = self._promised(obs)
        if "set_wafer_price" in legal and float(b["produced"]) > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            out.append(SetWaferPrice(clamp(self._foundry_price(obs, committed), lo, hi)))
        # Fabs: for signed demand a build lag ahead, or when one pays back within the game.
        if "build_fab" in legal:
            out.append(self._plan_fab(obs, committed))
        # Packaging, three quarters ahead of the chip makers' projected need.
        if "build_packaging" in legal:
            gen = float(obs.market["generation"])
            lag = obs.rules.packaging_build_quarters
            g = self._market_growth(0)
            gen_lag = gen * generation_ahead(obs, lag)
            units = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
            units = max(units, sum(float(obs.public[n]["sold"]) for n in obs.others("designer")))
            need_units = units * (1 + g) ** lag * (1 + self.params["safety"])
            need = need_units / (obs.rules.packages_per_wafer * gen_lag)
            need = max(
                need, 0.9 * committed if committed < float(pub["packaging_capacity"]) * 3 else 0.0
            )
            have = float(pub["packaging_capacity"]) + float(b["packaging_building"])
            add = need - have
            lo, hi = legal["build_packaging"]["capacity"]
            if add >= lo and add * obs.rules.packaging_capex_per_kwafer < 0.2 * self._cash(obs):
                out.append(BuildPackaging(clamp(add, lo, hi)))
        return out

    def _foundry_price(self, obs: Observation, committed: float) -> float:
        """The price at which outside demand takes the output left after contracts."""
        b, pub = obs.books, obs.public[obs.actor]
        price = float(pub["wafer_price"])
        util = float(pub["utilisation"])
        produced, sold = float(b["produced"]), float(b["sold"])
        outside_sold = max(1.0, sold - min(committed, sold))
        avail = self._projected_output(obs, 0)
        target = max(1.0, self.params["utilisation"] * avail - committed)
        g = self._market_growth(1)
        eps = self.params["wafer_elasticity"]
        if util < 0.995 or produced <= 0:
            want = price * (outside_sold * (1 + g) / target) ** (1 / eps)
        else:  # sold out: demand at this price is unknown, raise it step by step
            want = price * (1.06 + g)
        floor = float(b["wafer_cost"]) * 1.6
        return max(floor, clamp(want, price * 0.9, price * 1.1))

    def _plan_fab(self, obs: Observation, committed: float) -> BuildFab | None:
        node = "N3"
        # Taiwan, or the US when a subsidy in force makes it cheaper (costs as of now).
        costs = obs.build_costs["fab"]
        site = min(("taiwan", "us"), key=lambda s: costs[s][node]["capex_per_kwafer"])
        per_k = float(costs[site][node]["capex_per_kwafer"])
        lag = obs.fab_build_quarters(site)
        if obs.quarters_left < lag + 6:
            return None  # would stand idle or never pay back
        # Signed demand a lag ahead: the contract book, growing at most with the chip market.
        g = self._trend(self._contracted) if len(self._contracted) > 2 else 0.0
        g = clamp(g, 0.0, max(0.0, self._market_growth(0) - 0.07))  # less the generation's gain
        signed = committed * (1 + g) ** lag
        promisable = committed + obs.free_capacity[obs.actor]  # what it may sign for in all
        gap = signed * (1 + self.params["safety"]) - promisable
        # Outside demand a lag ahead under the elasticity belief: extra output earns only if demand
        # is elastic enough to pay for more wafers at a lower price.
        eps = self.params["wafer_elasticity"]
        size = 0.0
        if gap > 1:
            size = gap
        elif eps > 1.05:
            avail = self._projected_output(obs, lag)
            k = float(obs.market["wafer_demand"]) * (1 + self._market_growth(1)) ** lag
            ref = float(obs.market["wafer_reference_price"])
            add = 0.1 * avail
            rev = lambda a: (k * ref**eps) ** (1 / eps) * a ** (1 - 1 / eps) / 1000  # noqa: E731
            gain = rev(avail + add) - rev(avail) - float(obs.books["wafer_cost"]) * add / 1000
            years = obs.quarters_left - lag
            capex = obs.fab_capex(node, site, add / 0.85)
            if gain * years > capex * (1 + self.params["safety"]):
                size = add / 0.85
        if size < 1:
            return None
        lo, hi = obs.legal.moves["build_fab"]["capacity"]
        size = clamp(size, lo, hi)
        # The runway over the build: cash plus running income must pay every build under way.
        room = self._cash(obs) + lag * max(0.0, self._income(obs)) - self._capex_left(obs)
        room -= 2 * float(obs.books["fixed_opex"]) * (1 + self.params["safety"])
        size = min(size, room / per_k)
        if size < lo or size * per_k / lag > self._cash(obs):
            return None
        return BuildFab(node, site, size)

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
