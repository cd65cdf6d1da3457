"""Foundry moves of the reciprocal family.

Keeps utilisation in its band, builds against demand, reserves capacity for partners in
good standing.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.tactics import (
    clamp,
    fab_first_instalment,
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

__all__ = ["FoundryReciprocity"]


class FoundryReciprocity(ReciprocalParts):
    """The foundry's proposals and moves of the reciprocal family."""

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            if util > 0.97:
                out.append(SetWaferPrice(clamp(price * 1.04, lo, hi)))
            elif util < 0.86:
                out.append(SetWaferPrice(clamp(price * 0.96, lo, hi)))
        cap = float(pub["capacity"]) + float(pub["capacity_building"])
        committed = wafer_committed(obs, self._mine(obs))
        if (
            "build_fab" in legal
            and (util > 0.97 or committed > 0.5 * cap)
            and float(pub["capacity_building"]) < 0.1 * max(cap, 1.0)
        ):
            size = clamp(0.06 * max(cap, 50.0), *legal["build_fab"]["capacity"])
            if fab_first_instalment(obs, "N3", "taiwan", size) < 0.3 * self._cash(obs):
                out.append(BuildFab("N3", "taiwan", size))
        gen = float(obs.market["generation"])
        pack_units = float(pub["packaging_capacity"]) * obs.rules.packages_per_wafer * gen
        sold = sum(float(obs.public[n]["sold"]) for n in obs.others("designer"))
        if (
            "build_packaging" in legal
            and sold > 0.85 * pack_units
            and float(b["packaging_building"]) == 0
        ):
            lo, hi = legal["build_packaging"]["capacity"]
            add = clamp(0.3 * float(pub["packaging_capacity"]), lo, hi)
            if add * obs.rules.packaging_capex_per_kwafer < 0.2 * self._cash(obs):
                out.append(BuildPackaging(add))
        return out

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
            wafers = min(0.05 * free, 0.2 * float(obs.public[d]["cash"]) * 1000 / (price * 8))
            if wafers >= 1:
                fac = self._terms_factor(obs, d)
                terms = {"wafers": wafers, "quarters": 8, "price": price * fac, "prepay": 0.05}
                out.append(self._offer(obs, d, "capacity", terms))
            break
        if obs.quarter % 8 == 3 and float(pub["utilisation"]) > 0.9:
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
