"""Designer moves of the reciprocal family.

Prices near the profit-maximising price and sells first to labs in good standing.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.tactics import (
    clamp,
    gpu_demand,
    gpu_owed,
    optimal_gpu_price,
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

__all__ = ["DesignerReciprocity"]


class DesignerReciprocity(ReciprocalParts):
    """The designer's proposals and moves of the reciprocal family."""

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            sold = max(1.0, float(obs.public[obs.actor]["sold"]))
            inv = float(b["inventory"])
            target = optimal_gpu_price(obs)
            if inv > 1.3 * sold:
                new = price * 0.96
            elif inv < 0.2 * sold:
                new = price * 1.04
            else:
                new = clamp(target, price * 0.96, price * 1.04)
            if abs(new - price) > 1e-9:
                price = clamp(new, lo, hi)
                out.append(SetGpuPrice(price))
        if "buy_spot_wafers" in legal:
            per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
            want = 1.1 * (
                gpu_demand(obs, obs.actor, price) + gpu_owed(obs, self._mine(obs))
            ) - float(b["inventory"])
            contracted = wafers_contracted(obs, self._mine(obs))
            need = min(want / per_wafer, packaging_wafers(obs)) - contracted
            f = self._best_vendor(obs, legal["buy_spot_wafers"]["foundry"], "wafer_price")
            if f is not None:
                wp = float(obs.public[f]["wafer_price"])
                need = min(need, self.params["risk"] * max(0.0, self._cash(obs)) * 1000 / wp)
                lo, hi = legal["buy_spot_wafers"]["quantity"]
                if need >= lo:
                    out.append(BuySpotWafers(f, clamp(need, lo, hi)))
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        b = obs.books
        price = float(obs.public[obs.actor]["gpu_price"])
        per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
        base = gpu_owed(obs, self._mine(obs)) + 0.7 * gpu_demand(obs, obs.actor, price)
        need = min(base / per_wafer, packaging_wafers(obs)) - wafers_contracted(
            obs, self._mine(obs)
        )
        foundries = self._ranked(obs, obs.others("foundry"), lambda n: obs.public[n]["wafer_price"])
        if need > 2 and foundries:
            f = foundries[0]
            wafers = min(need, 0.6 * obs.free_capacity[f])
            wp = float(obs.public[f]["wafer_price"])
            fac = self._terms_factor(obs, f)
            if wafers >= 1:
                terms = {
                    "wafers": wafers,
                    "quarters": 8,
                    "price": wp / fac,
                    "prepay": 0.1 if fac < 1.0 else 0.0,
                }
                out.append(self._offer(obs, f, "capacity", terms))
        # Reward labs that kept faith: a supply contract at a loyalty discount.
        for lab in self._ranked(obs, obs.others("lab")):
            if self._last.get(lab, 0) > 0 and self._standing(obs, lab) > 0.55:
                lab_cash = float(obs.public[lab]["cash"])
                qty = 0.2 * lab_cash * 1000 / (price * 4)
                if qty >= 2 and not obs.public[lab]["distressed"]:
                    fac = self._terms_factor(obs, lab)
                    terms = {"quantity": qty, "quarters": 4, "price": price * fac, "prepay": 0.1}
                    out.append(self._offer(obs, lab, "supply", terms))
                break
        return out

    # -- foundries --------------------------------------------------------------------------------
