"""The planner as a designer: prices to clear its supply, reserves wafers a horizon ahead.

As a **designer** it forecasts outside demand at its price (market trend, ``elasticity`` belief)
plus the contracts it owes; prices to clear the supply it can get (packaging-limited), with a
``markup`` when supply is ample; reserves wafer capacity a horizon ahead for the steady part of the
need and buys the rest spot; sells supply contracts at list price when it will have the units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.projection import PlannerBase
from agents.tactics import clamp, generation_ahead
from game.decisions import BuySpotWafers, Decision, Propose, SetGpuPrice
from game.observation import Observation

__all__ = ["DesignerPlanning"]


class DesignerPlanning(PlannerBase):
    """The planner's designer: demand forecast, pricing, wafer buying and supply sales.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`.
    """

    def _unit_cost(self, obs: Observation, wafer_price: float) -> float:
        """Cost of one H100e made now ($k): the wafer share and the unit cost."""
        b, gen = obs.books, float(obs.market["generation"])
        return (wafer_price / float(b["dies_per_wafer"]) + float(b["unit_cost"])) / gen

    def _outside_demand(self, obs: Observation, price: float, k: int = 0) -> float:
        """Projected outside demand for my accelerators k quarters ahead at a price (kH100e)."""
        m = obs.market
        share = float(obs.public[obs.actor]["market_share"])
        base = float(m["gpu_demand"]) * share * (1 + self._market_growth(0)) ** k
        # The reference price falls with the square root of the generation.
        ref = float(m["gpu_reference_price"]) / generation_ahead(obs, k) ** 0.5
        return base * (price / ref) ** -self.params["elasticity"]

    def _owed_units(self, obs: Observation) -> float:
        """kH100e a quarter I owe under supply and vendor-financing contracts."""
        return sum(c["terms"]["quantity"] for c in self._active(obs, "supply", 1)) + sum(
            c["terms"]["quantity"] for c in self._active(obs, "vendor_financing", 0)
        )

    def _designer_supply(self, obs: Observation) -> tuple[float, float, float]:
        """(contracted wafers a quarter, packaging room for me in wafers, units per wafer)."""
        b, gen = obs.books, float(obs.market["generation"])
        contracted = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
        foundries = [n for n in obs.others("foundry")]
        pkg = sum(float(obs.public[f]["packaging_capacity"]) for f in foundries)
        others = sum(
            float(p["sold"])
            for n, p in obs.public.items()
            if p["role"] == "designer" and n != obs.actor
        )
        room = max(0.0, pkg - others / (obs.rules.packages_per_wafer * gen))
        return contracted, room, float(b["dies_per_wafer"]) * gen

    def _designer_price(self, obs: Observation) -> float:
        """The price that sells what I can supply, with a markup when supply is ample."""
        m = obs.market
        ref = float(m["gpu_reference_price"])
        _, room, upw = self._designer_supply(obs)
        supply = float(obs.books["inventory"]) + room * upw - self._owed_units(obs)
        target = ref * (1 + self.params["markup"])
        if supply > 1 and self._outside_demand(obs, target) > supply:
            eps = self.params["elasticity"]
            target = target * (self._outside_demand(obs, target) / supply) ** (1 / eps)
        wafer = min(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(m["wafer_reference_price"]),
        )
        return max(target, 1.5 * self._unit_cost(obs, wafer))

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal:
            lo, hi = legal["set_gpu_price"]["price"]
            want = self._designer_price(obs)
            new = clamp(want, price * 0.92, price * 1.08)
            if abs(new - price) > 0.005 * price:
                out.append(SetGpuPrice(clamp(new, lo, hi)))
                price = clamp(new, lo, hi)
        # Spot wafers for what this quarter's demand needs beyond stock and contracts.
        contracted, room, upw = self._designer_supply(obs)
        need_units = (
            self._outside_demand(obs, price) * (1 + 0.5 * self.params["safety"])
            + self._owed_units(obs)
            - float(b["inventory"])
        )
        need = min(need_units / upw - contracted * 0.97, room - contracted)
        if need > 0.5 and "buy_spot_wafers" in legal:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = min(fs, key=lambda n: float(obs.public[n]["wafer_price"]))
            wp = float(obs.public[f]["wafer_price"])
            cash = self._cash(obs)
            afford = (
                max(0.0, cash - float(b["fixed_opex"]))
                * 1000
                / (wp + float(b["unit_cost"]) * float(b["dies_per_wafer"]))
            )
            qty = min(need, afford)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        self._observe(obs)
        out: list[Propose | None] = []
        price = float(obs.public[obs.actor]["gpu_price"])
        contracted, room, upw = self._designer_supply(obs)
        h = self._h
        # The steady part of the need over the horizon, reserved ahead; the rest is bought spot.
        steady = min(
            (self._outside_demand(obs, price, k) + self._owed_units(obs))
            / (upw * generation_ahead(obs, k))
            for k in range(1, h + 1)
        )
        steady = min(steady * (1 - self.params["safety"]), room * 0.9)
        expiring = sum(
            c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) <= 1
        )
        gap = steady - (contracted - expiring)
        foundries = obs.legal.partners.get("capacity", ())
        if gap > max(2.0, 0.15 * steady) and foundries:
            f = max(
                foundries, key=lambda n: obs.trust_in[n] - float(obs.public[n]["wafer_price"]) / 100
            )
            wp = float(obs.public[f]["wafer_price"])
            wafers = min(gap, obs.free_capacity[f])
            cost_now = 0.05 * wafers * wp * h / 1000
            if wafers >= 1 and cost_now < 0.3 * self._cash(obs):
                out.append(
                    self._offer(
                        obs,
                        f,
                        "capacity",
                        {"wafers": wafers, "quarters": h, "price": wp * 0.98, "prepay": 0.05},
                    )
                )
        # Sell supply forward to labs that can pay (backlog, guaranteed sales), at list price.
        spare_units = room * upw - self._outside_demand(obs, price) - self._owed_units(obs)
        for lab in obs.legal.partners.get("supply", ()):
            if spare_units < 5 or len(out) >= 2:
                break
            p = obs.public[lab]
            if any(c["parties"][0] == lab for c in self._active(obs, "supply", 1)):
                continue
            can_pay = 0.25 * (float(p["cash"]) / h + float(p["revenue"]))
            qty = min(spare_units * 0.3, can_pay * 1000 / price)
            if qty >= 2:
                out.append(
                    self._offer(
                        obs,
                        lab,
                        "supply",
                        {"quantity": qty, "quarters": h, "price": price, "prepay": 0.05},
                    )
                )
                spare_units -= qty
        return out

    def _judge_supply_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        price = float(obs.public[obs.actor]["gpu_price"])
        _, room, upw = self._designer_supply(obs)
        can = room * upw + float(obs.books["inventory"]) - self._owed_units(obs)
        if t["quantity"] > (1 + self.params["safety"]) * can:
            return (
                {**t, "quantity": max(0.5, 0.8 * can), "price": max(t["price"], price)}
                if can > 1
                else None
            )
        if t["price"] * (1 + self.params["margin"]) >= price:
            return True
        return {**t, "price": price}
