"""Designer moves of the reciprocal family.

Prices near the most profitable price under the kinked outside demand, makes what it can sell,
and sells first, and cheaper, to labs in good standing — cheaper still to a lab that starts its
own chips but stays a loyal buyer.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.reciprocal.economics import (
    demand_growth_ahead,
    gpu_outside_demand,
    gpu_profit_price,
    merchant_unit_cost,
)
from agents.tactics import (
    clamp,
    generation_ahead,
    gpu_owed,
    my_active,
    packaging_wafers,
    wafers_contracted,
)
from game.decisions import (
    BuySpotWafers,
    Decision,
    Propose,
    SetGpuPrice,
)
from game.observation import Observation

if TYPE_CHECKING:
    from agents.reciprocal.parts import ReciprocalParts
else:
    ReciprocalParts = object  # the whole policy, to the type checker (see parts.py)

__all__ = ["PROGRAMME_DISCOUNT", "DesignerReciprocity"]

#: The price cut a designer gives a loyal lab that has started its own chips, to keep it buying.
PROGRAMME_DISCOUNT = 0.12
#: Highest price it asks when its supply cannot meet demand, relative to the reference price
#: (scarcity; the most profitable price is at or near the reference, the cap is 4×).
SCARCITY_CAP = 1.35
#: Most it moves its price in a quarter (relative).
PRICE_STEP = 0.08


class DesignerReciprocity(ReciprocalParts):
    """The designer's proposals and moves of the reciprocal family."""

    def _units_per_wafer(self, obs: Observation) -> float:
        return float(obs.books["dies_per_wafer"]) * float(obs.market["generation"])

    def _can_make(self, obs: Observation) -> float:
        """kH100e it could have this quarter: its stock plus what the packaging it may use can
        turn out (all the foundries' packaging, shared by its market share with the others)."""
        share = clamp(float(obs.public[obs.actor]["market_share"]), 0.3, 1.0)
        pack = packaging_wafers(obs) * share * self._units_per_wafer(obs)
        return float(obs.books["inventory"]) + pack

    def _price_target(self, obs: Observation) -> float:
        """The most profitable price, or the price that clears what it can make when that is
        short of what buyers would take (never above ``SCARCITY_CAP`` × the reference)."""
        ref = float(obs.market["gpu_reference_price"])
        target = gpu_profit_price(obs)
        want = gpu_outside_demand(obs, obs.actor, target)
        if float(obs.books["inventory"]) > 1.5 * max(want, 1.0):
            return max(0.8 * ref, 0.95 * float(obs.public[obs.actor]["gpu_price"]))  # clear stock
        supply = self._can_make(obs) - gpu_owed(obs, self._mine(obs))
        if supply < want and supply > 0:
            e = float(obs.market_params["gpu_elasticity_above"])
            clearing = target * (want / supply) ** (1.0 / max(e, 1e-6))
            target = max(target, min(clearing, SCARCITY_CAP * ref))
        return target

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            new = clamp(self._price_target(obs), price * (1 - PRICE_STEP), price * (1 + PRICE_STEP))
            if abs(new - price) > 1e-6 * price:
                price = clamp(new, lo, hi)
                out.append(SetGpuPrice(price))
        if "buy_spot_wafers" in legal:
            per_wafer = self._units_per_wafer(obs)
            mine = self._mine(obs)
            # What it will sell this quarter: outside buyers at its price, the labs it owes, and a
            # little for labs' spot orders; less its stock.
            want = 1.1 * gpu_outside_demand(obs, obs.actor, price) + gpu_owed(obs, mine)
            want -= float(b["inventory"])
            share = clamp(float(obs.public[obs.actor]["market_share"]), 0.3, 1.0)
            need = min(want / per_wafer, packaging_wafers(obs) * share) - wafers_contracted(
                obs, mine
            )
            f = self._best_vendor(obs, legal["buy_spot_wafers"]["foundry"], "wafer_price")
            if f is not None:
                wp = float(obs.public[f]["wafer_price"])
                need = min(need, self.params["risk"] * max(0.0, self._cash(obs)) * 1000 / wp)
                lo, hi = legal["buy_spot_wafers"]["quantity"]
                if need >= lo:
                    out.append(BuySpotWafers(f, clamp(need, lo, hi)))
        return out

    def _wafers_to_reserve(self, obs: Observation) -> float:
        """k wafers a quarter it may still reserve under contract: nine tenths of what its
        sales (outside buyers at its price, and the labs it owes) need, less what it has."""
        mine = self._mine(obs)
        price = float(obs.public[obs.actor]["gpu_price"])
        sales = gpu_outside_demand(obs, obs.actor, price) + gpu_owed(obs, mine)
        # A reservation runs for quarters in which each wafer yields more (newer chips): sized
        # for the middle of a year's contract.
        ahead = demand_growth_ahead(obs, "gpu", 2) / generation_ahead(obs, 2)
        share = clamp(float(obs.public[obs.actor]["market_share"]), 0.3, 1.0)
        base = min(sales * ahead / self._units_per_wafer(obs), packaging_wafers(obs) * share)
        return max(0.0, 0.7 * base - wafers_contracted(obs, mine))

    def _loyal(self, obs: Observation, lab: str) -> bool:
        """Whether a lab has been a loyal buyer: it kept faith and stands well with it."""
        return self._last.get(lab, 0) > 0 and self._standing(obs, lab) > 0.55

    def _supply_discount(self, obs: Observation, lab: str) -> float:
        """The extra price cut it gives ``lab`` (0 for most): a loyal lab that has started its
        own chips gets ``PROGRAMME_DISCOUNT``, to keep it buying."""
        if obs.public[lab].get("chip_programme") is not None and self._loyal(obs, lab):
            return PROGRAMME_DISCOUNT
        return 0.0

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        price = float(obs.public[obs.actor]["gpu_price"])
        mine = self._mine(obs)
        need = self._wafers_to_reserve(obs)
        foundries = self._ranked(obs, obs.others("foundry"), lambda n: obs.public[n]["wafer_price"])
        if need > 2 and foundries:
            f = foundries[0]
            wafers = min(need, 0.6 * obs.free_capacity[f])
            wp = float(obs.public[f]["wafer_price"])
            fac = self._terms_factor(obs, f)
            if wafers >= 1:
                terms = {
                    "wafers": wafers,
                    "quarters": 4,
                    "price": wp / fac,
                    "prepay": 0.1 if fac < 1.0 else 0.0,
                }
                out.append(self._offer(obs, f, "capacity", terms))
        # Reward labs that kept faith: a supply contract at a loyalty discount, deeper for a lab
        # that has started its own chips (so that it keeps buying).
        floor = 1.3 * merchant_unit_cost(obs)
        supplied = {c["parties"][0] for c in my_active(obs, "supply", mine)}
        can_spare = 0.3 * self._can_make(obs)
        for lab in self._ranked(obs, obs.others("lab")):
            if lab in supplied or not self._loyal(obs, lab) or obs.public[lab]["distressed"]:
                continue
            fac = self._terms_factor(obs, lab) * (1.0 - self._supply_discount(obs, lab))
            offer_price = max(floor, price * fac)
            qty = min(0.2 * float(obs.public[lab]["cash"]) * 1000 / (offer_price * 4), can_spare)
            if qty >= 2:
                terms = {"quantity": qty, "quarters": 4, "price": offer_price, "prepay": 0.1}
                out.append(self._offer(obs, lab, "supply", terms))
            break
        return out
