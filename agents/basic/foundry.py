"""The basic bot as a foundry: wafer price, fabs and packaging."""

from __future__ import annotations

from agents.basic.core import BasicCore
from agents.minmax import max2, min2
from agents.tactics import (
    REF_DPW,
    active_capacity,
    capex_room,
    clamp,
    clearing_price,
    demand_growth,
    fab_first_instalment,
    foundry_output,
    optimal_wafer_price,
    wafer_committed,
    wafer_demand,
    wafer_reference,
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

__all__ = ["FoundryPlay"]


#: Share of its operating cash flow a foundry spends on fabs under way (TSMC 2024: $29.8B of
#: capex on ~$57B of it): fabs it cannot fund from operations wait (the historical family's
#: ``capex_share``).
CAPEX_SHARE = 0.6


class FoundryPlay(BasicCore):
    """The basic foundry (a part of :class:`~agents.basic.BasicPolicy`)."""

    # -- foundries ----------------------------------------------------------------------------
    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        pub = obs.public[obs.actor]
        if obs.quarter % 8 == 3 and pub["utilisation"] > 0.9:
            investors = [n for n in obs.others("investor") if obs.trust_in[n] >= 0.4]
            if investors:
                inv = max(investors, key=lambda n: obs.public[n]["cash"])
                site = "gulf" if obs.public[inv]["country"] in GULF_COUNTRIES else "us"
                out.append(
                    self._offer(
                        obs,
                        inv,
                        "joint_venture",
                        {
                            "site": site,
                            "node": "N3",
                            "capacity": 40.0,
                            "partner_capex_share": 0.5,
                            "partner_output_share": 0.4,
                            "operator_fee": 0.1,
                        },
                    )
                )
        return out

    def _wafer_demand_seen(self, obs: Observation, price: float, ahead: float = 0.0) -> float:
        """k wafers a quarter it can count on selling at ``price`` (``ahead`` quarters from
        now): what it has promised under contract and the outside buyers' demand."""
        promised = wafer_committed(obs, self._contracts(obs))
        return promised + wafer_demand(obs, obs.actor, price) * demand_growth(obs, "wafer", ahead)

    def _wafer_price_move(
        self, obs: Observation, step: float, down: float | None = None, full: float = 0.995
    ) -> SetWaferPrice | None:
        """The reference price (the best one: revenue peaks there and a wafer made costs the
        same sold or not). Only while it sells out (utilisation at least ``full``) and the
        demand it can see at the best price exceeds its output does the price climb, ``step`` a
        quarter toward the one that clears it; once it no longer sells out it eases back by
        ``down`` (default: at once)."""
        legal = obs.legal.moves
        if "set_wafer_price" not in legal:
            return None
        pub = obs.public[obs.actor]
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        best = optimal_wafer_price(obs)
        output = foundry_output(obs, obs.actor)
        seen = self._wafer_demand_seen(obs, best)
        if util >= full and seen > 1.02 * output:
            e = max2(1.05, float(obs.market_params.get("wafer_elasticity_above", 2.0)))
            promised = wafer_committed(obs, self._contracts(obs))
            clear = clearing_price(best, seen, output, promised, e, 1.6 * wafer_reference(obs))
            new = min2(clear, max2(best, price) * (1 + step))
        elif price > best and util < 0.98:
            new = best if down is None else max2(best, price * (1 - down))
        else:
            new = max2(best, min2(price, best * 1.6))
        if abs(new - price) < 1e-9:
            return None
        lo, hi = legal["set_wafer_price"]["price"]
        return SetWaferPrice(clamp(new, lo, 0.9 * hi))

    def _fab_move(self, obs: Observation, ahead: float, size_cap: float) -> BuildFab | None:
        """A fab for the demand it can see when it will open (``ahead`` × its build time from
        now) beyond what it has and builds, at most ``size_cap`` of its capacity at once."""
        legal = obs.legal.moves
        if "build_fab" not in legal:
            return None
        pub = obs.public[obs.actor]
        site, node = "taiwan", ("N2" if obs.quarter >= 8 else "N3")
        quarters = obs.fab_build_quarters(site)
        if obs.quarters_left < quarters + 4:
            return None
        cap = float(pub["capacity"]) + float(pub["capacity_building"])
        want = self._wafer_demand_seen(obs, optimal_wafer_price(obs), ahead * quarters) / 0.92
        short = want - cap
        lo, hi = legal["build_fab"]["capacity"]
        size = min(short, size_cap * max2(cap, 50.0), hi)
        if size < max2(lo, 0.02 * cap):
            return None
        first = fab_first_instalment(obs, node, site, size)
        if first > min2(0.3 * self._cash(obs), capex_room(obs, CAPEX_SHARE)):
            return None
        return BuildFab(node, site, size)

    def _packaging_move(
        self, obs: Observation, headroom: float, cash_share: float
    ) -> BuildPackaging | None:
        """Packaging for the chip makers' wafers here (reserved, and what designers sell),
        with ``headroom``, once they would fill what it has and is building."""
        legal = obs.legal.moves
        if "build_packaging" not in legal:
            return None
        pub, b = obs.public[obs.actor], obs.books
        gen = float(obs.market["generation"])
        me = obs.actor
        makers = 0.0
        all_makers = 0.0
        public = obs.public
        for buyer, seller, w in active_capacity(obs):
            if buyer not in public:  # (`in` and []: the read-only figures' .get costs more)
                continue
            pb = public[buyer]
            if pb["role"] == "designer" or pb.get("chip_programme") == "ready":
                all_makers += w
                if seller == me:
                    makers += w
        foundries = 1 + len(obs.others("foundry"))
        share = makers / all_makers if all_makers > 0 else 1.0 / foundries
        sold = sum([float(obs.public[n]["sold"]) for n in obs.others("designer")])
        wanted = max2(makers, share * sold / (REF_DPW * gen)) * headroom
        have = float(pub["packaging_capacity"]) + float(b["packaging_building"])
        add = wanted - have
        lo, hi = legal["build_packaging"]["capacity"]
        if add < max2(lo, 0.05 * have):
            return None
        add = clamp(add, lo, hi)
        if add * obs.rules["packaging_capex_per_kwafer"] > cash_share * self._cash(obs):
            return None
        return BuildPackaging(add)

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        out.append(self._wafer_price_move(obs, 0.03))
        out.append(self._fab_move(obs, 1.0, 0.08 * (0.5 + self.params["risk"])))
        out.append(self._packaging_move(obs, 1.25, 0.2))
        return out
