"""Lab moves of the reciprocal family.

Keeps a runway, buys from the suppliers in best standing, raises from partners that kept faith.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.tactics import (
    REF_DPW,
    clamp,
    packaging_wafers,
    wafers_contracted,
)
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    Propose,
    StartChipProgramme,
)
from game.observation import Observation

if TYPE_CHECKING:
    from agents.reciprocal.parts import ReciprocalParts
else:
    ReciprocalParts = object  # the whole policy, to the type checker (see parts.py)

__all__ = ["LabReciprocity"]


class LabReciprocity(ReciprocalParts):
    """The lab's proposals and moves of the reciprocal family."""

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        b, cash = obs.books, self._cash(obs)
        out: list[Propose | None] = []
        reserve = self._reserve(obs)
        investors = self._ranked(obs, obs.others("investor"), lambda n: -obs.public[n]["cash"])
        if investors and (cash < 1.5 * reserve or b["distressed"]):
            inv = investors[0]
            amount = max(2.0, 2.0 * reserve - cash)
            control = float(obs.public[obs.actor]["control"])
            val = max(1.0, float(obs.public[obs.actor]["valuation"]))
            f = self._terms_factor(obs, inv)
            stake = amount / (val * f)  # a trusted investor gets a better price
            floor = 0.25 if b["distressed"] else 0.4
            if control - stake < floor and control - floor > 0.01:
                stake = control - floor - 0.005  # raise what it can without losing more control
                amount = stake * val * f
            if control - stake >= floor and amount >= 0.5:
                out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
            else:
                rate = float(obs.market["base_rate"]) + 0.03 / f
                principal = min(amount, self._borrowable(obs, rate, 12))
                if principal >= 1.0 or b["distressed"]:
                    terms = {"principal": max(principal, 1.0), "rate": rate, "quarters": 12}
                    out.append(self._offer(obs, inv, "loan", terms))
        spare = cash - reserve
        designers = self._ranked(obs, obs.others("designer"), lambda n: obs.public[n]["gpu_price"])
        ending = [
            c
            for c in self._mine(obs)
            if c["kind"] == "supply"
            and c["status"] == "active"
            and c["terms"]["quarters"] - c["quarters_done"] > 1
        ]
        if designers and not ending and spare > 0:
            d = designers[0]
            price = float(obs.public[d]["gpu_price"])
            qty = self.params["risk"] * 0.3 * spare * 1000 / price / 4
            compute = float(obs.public[obs.actor]["compute"])
            qty = max(qty, compute / obs.rules.compute_life)
            qty = min(qty, 0.5 * self.params["risk"] * spare * 1000 / price)  # it can pay for
            f = self._terms_factor(obs, d)
            if qty >= 1:
                # Trusted vendors are paid list price and some prepayment; others less.
                terms = {
                    "quantity": qty,
                    "quarters": 4,
                    "price": price / f,
                    "prepay": 0.2 if f < 1.0 else 0.0,
                }
                out.append(self._offer(obs, d, "supply", terms))
        if (
            b["programme_quarters_left"] == 0
            and spare > 1
            and not wafers_contracted(obs, self._mine(obs))
        ):
            foundries = self._ranked(
                obs, obs.others("foundry"), lambda n: obs.public[n]["wafer_price"]
            )
            if foundries:
                f_name = foundries[0]
                price = float(obs.public[f_name]["wafer_price"])
                per_wafer = price + self._own_unit(obs)
                wafers = min(
                    0.6 * obs.free_capacity[f_name],
                    self.params["risk"] * spare * 1000 / per_wafer / 8,
                )
                if wafers >= 1:
                    f = self._terms_factor(obs, f_name)
                    terms = {"wafers": wafers, "quarters": 8, "price": price / f, "prepay": 0.05}
                    out.append(self._offer(obs, f_name, "capacity", terms))
        return out

    @staticmethod
    def _own_unit(obs: Observation) -> float:
        r = obs.rules
        return r.own_chip_efficiency * REF_DPW * r.own_chip_unit_cost

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        spare = self._cash(obs) - self._reserve(obs)
        legal = obs.legal.moves
        risk = self.params["risk"]
        cost = obs.rules.chip_programme_cost * obs.rules.chip_programme_quarters
        if (
            "start_chip_programme" in legal
            and obs.quarters_left > obs.rules.chip_programme_quarters + 4
            and spare > 2 * cost
        ):
            out.append(StartChipProgramme())
            spare -= cost
        if spare <= 0:
            return out
        if "buy_spot_wafers" in legal:
            f = self._best_vendor(obs, legal["buy_spot_wafers"]["foundry"], "wafer_price")
            if f is not None:
                per_wafer = float(obs.public[f]["wafer_price"]) + self._own_unit(obs)
                qty = min(risk * 0.4 * spare * 1000 / per_wafer, 0.4 * packaging_wafers(obs))
                lo, hi = legal["buy_spot_wafers"]["quantity"]
                if qty >= lo:
                    out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
                    spare *= 0.6
        if "buy_spot_gpus" in legal:
            d = self._best_vendor(obs, legal["buy_spot_gpus"]["designer"], "gpu_price")
            if d is not None:
                price = float(obs.public[d]["gpu_price"])
                qty = risk * 0.6 * spare * 1000 / price
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                if qty >= lo:
                    out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # -- designers --------------------------------------------------------------------------------
