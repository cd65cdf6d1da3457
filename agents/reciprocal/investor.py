"""Investor moves of the reciprocal family.

Spreads equity and loans over partners in good standing, refuses those that broke faith.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.tactics import (
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
        out: list[Propose | None] = []
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
        lent = {
            c["parties"][1]
            for c in self._mine(obs)
            if c["kind"] == "loan" and c["status"] == "active" and c["parties"][0] == obs.actor
        }
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

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        if (
            "fund_campus" in legal
            and (pub["country"] in GULF_COUNTRIES or pub["licence"])
            and float(pub["campus_gw"]) == 0
            and float(b["campus_building_gw"]) == 0
            and obs.quarters_left > obs.rules.campus_build_quarters + 6
            and cash > 20
        ):
            gw = clamp(0.02 * cash * self.params["risk"], *legal["fund_campus"]["gw"])
            out.append(FundCampus(gw))
        if "buy_spot_gpus" in legal:
            d = self._best_vendor(obs, legal["buy_spot_gpus"]["designer"], "gpu_price")
            if d is not None:
                price = float(obs.public[d]["gpu_price"])
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                qty = min(hi, 0.1 * self.params["risk"] * cash * 1000 / price)
                if qty >= lo:
                    out.append(BuySpotGpus(d, qty))
        return out
