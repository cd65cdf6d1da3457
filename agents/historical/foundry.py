"""The historical policy as a foundry: TSMC's 2024–25 strategy, and its plans.

**TSMC** (foundry). Priced leading-edge wafers firmly (N5 $16k and N3 $20k in 2024, increases of
a few percent a year since, DigiTimes) without letting customers go; roughly doubled CoWoS
packaging in 2024, ~13k to ~35k wafers a month (TrendForce), and kept adding it; spent $29.8B of
capex in 2024 (TSMC, Jan 2025) on new fabs in Taiwan (N2 in volume from late 2025) and abroad:
Arizona (CHIPS Act award Apr 2024: $6.6B, $65B for three fabs, US Commerce Dept; $100B more
pledged Mar 2025), Kumamoto (JASM, with Sony, Denso and Toyota) and Dresden (ESMC, with Bosch,
Infineon and NXP), partner-funded fabs it runs. 2024 revenue $90.1B, gross margin 56.1 %.

*Here*:

- **Price** near the optimum: the reference wafer price, or twice the wafer cost if that is
  higher (the profit-maximising price of the kinked demand), and above it only as far as its
  output is short of what buyers want at that price (a clearing price), never above
  :data:`MAX_PRICE` times the reference; it moves at most ``price_rise`` a quarter.
- **Fabs** as demand grows: when the wafers buyers will want (outside demand on its trend, and
  what it has promised) a build ahead exceed what its fabs make, it builds the difference in
  Taiwan (N3, N2 from 2025Q4); the Arizona fabs of its plan in 2024Q2 and 2025Q2 (N3, then N2,
  :data:`ARIZONA`), and more in the US when a subsidy is in force and US customers sign for
  more than its US fabs make.
- **Packaging**: ``packaging_growth``-fold over 2024 (CoWoS ~2.7x), then a third ahead of what
  the chip makers use.
- **Partners' fabs** (as JASM and ESMC): it runs a fab a partner proposes when the partner funds
  most of it — at least half the capex and no less than its share of the output — for a fee,
  if its own part of the capex is affordable.

Its fab instalments stay within ``capex_share`` of its operating cash flow plus a tenth of its
cash (TSMC funds its capex from operations: $29.8B of capex on ~$57B of operating cash flow in
2024), so it builds as fast as demand and its means allow, not faster.

In another scenario the foundry with the most capacity follows TSMC's rules; the others price at
the same optimum, at most 95 % of the leader's price (Samsung and Intel discounted to win
customers; with buyers who barely respond below the reference price, deeper cuts only lose
money).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from agents.historical.playbook import HistoricalBase
from agents.tactics import capex_room, clamp
from game.decisions import BuildFab, BuildPackaging, Decision, Propose, SetWaferPrice
from game.observation import Observation

__all__ = ["ARIZONA", "MAX_PRICE", "FoundryPlaybook"]

#: Highest wafer price it asks, times the reference (a scarcity premium, not an auction).
MAX_PRICE = 1.6
#: TSMC Arizona's fabs after the first (in the scenario): (quarter, node, k wafers a quarter).
#: Fab 2 (N3, CHIPS Act award Apr 2024), fab 3 (N2/A16, Mar 2025 pledge); ~20k wafers a month
#: each (assumption).
ARIZONA = (("2024Q2", "N3", 60.0), ("2025Q2", "N2", 60.0))
#: Mature yield assumed when it sizes a fab (the nodes' mature yields are about 0.9), and a
#: young fab's (first-year yields 0.55-0.8).
_YIELD = 0.9
_YOUNG = 0.7


class FoundryPlaybook(HistoricalBase):
    """The historical foundry: wafer prices, fabs as demand grows, packaging, partners' fabs.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    # ------------------------------------------------------------------ demand
    def _outside_wafers(self, obs: Observation, price: float, ahead: int = 0) -> float:
        """k wafers a quarter outside buyers want from it at ``price``, ``ahead`` quarters on
        (the demand index on its recent trend, which decays)."""
        m, mp = obs.market, obs.market_params
        ref = float(m["wafer_reference_price"])
        rel = price / ref
        e = float(mp["wafer_elasticity"] if rel <= 1 else mp["wafer_elasticity_above"])
        caps = [float(p["capacity"]) for p in obs.public.values() if p["role"] == "foundry"]
        share = float(obs.public[obs.actor]["capacity"]) / max(sum(caps), 1e-9)
        base = float(m["wafer_demand"])
        hist = self._notes.get("wafer_demand")
        g = float(mp["wafer_growth"]) if hist is None or hist <= 0 else base / hist - 1
        decay = 1 - float(mp["wafer_growth_decay"])
        for k in range(1, ahead + 1):
            base *= 1 + g * decay**k
        return base * share * rel**-e

    def _output(self, obs: Observation, ahead: int = 0) -> float:
        """k good wafers a quarter its fabs make ``ahead`` quarters on: what they made last
        quarter, young fabs' yields ripening toward maturity (a quarter-life of four quarters),
        a Taiwan event passing, and (looking ahead) every fab it is building, at a young fab's
        yield — a fab abroad takes longer than one at home, but it comes."""
        fabs = obs.public[obs.actor]["fabs"]
        running = sum(cap for _, _, cap, left in fabs if left == 0)
        home = sum(cap for _, site, cap, left in fabs if left == 0 and site == "taiwan")
        share = home / max(running, 1e-9)

        def hit(taiwan: float) -> float:  # output left when Taiwan makes ``taiwan`` of usual
            return share * taiwan + 1 - share

        made = float(obs.books["produced"]) or running * _YIELD
        made /= hit(self._notes.get("taiwan_output", 1.0))  # last quarter's Taiwan events
        now = float(obs.modifiers["taiwan_output"])
        made *= hit(now) if ahead == 0 else 1.0  # this quarter's (those ahead are not foreseen)
        if ahead > 0:
            ripe = running * _YIELD
            made += max(0.0, ripe - made) * (1 - math.exp(-ahead / 4))
        for _node, _site, cap, left in fabs:
            if left > 0 and ahead > 0:  # every fab it builds will make wafers: count them all
                made += cap * _YOUNG
        return made

    # ------------------------------------------------------------------ moves
    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        out: list[Decision | None] = []
        legal = obs.legal.moves
        book = self._playbook(obs)
        if "set_wafer_price" in legal and obs.quarter > 0:
            price = float(obs.public[obs.actor]["wafer_price"])
            lo, hi = legal["set_wafer_price"]["price"]
            want = self._wafer_price(obs, book)
            step = self.params["price_rise"]
            new = clamp(want, price * (1 - step), price * (1 + step))
            if abs(new - price) > 1e-3 * price:
                out.append(SetWaferPrice(clamp(new, lo, 0.9 * hi)))
        if "build_fab" in legal:
            out.append(self._hist_fab_move(obs))
        if "build_packaging" in legal:
            out.append(self._packaging(obs, book))
        self._notes["wafer_demand"] = float(obs.market["wafer_demand"])
        self._notes["taiwan_output"] = float(obs.modifiers["taiwan_output"])
        return out

    def _wafer_price(self, obs: Observation, book: str) -> float:
        """The price near the optimum (see the module docstring)."""
        ref = float(obs.market["wafer_reference_price"])
        cost = float(obs.books["wafer_cost"])
        e = float(obs.market_params["wafer_elasticity_above"])
        best = max(ref, e / (e - 1) * cost) if e > 1 else ref
        # Short of output? The price at which outside buyers take what is left after contracts.
        left = self._output(obs) - self._promised(obs)
        want = self._outside_wafers(obs, best)
        if left > 1 and want > left:
            e_hi = float(obs.market_params["wafer_elasticity_above"])
            best = max(best, ref * (self._outside_wafers(obs, ref) / left) ** (1 / e_hi))
        best = min(best, MAX_PRICE * ref)
        if book == "follower":
            leader = max(
                (p for p in obs.public.values() if p["role"] == "foundry"),
                key=lambda p: float(p["capacity"]),
            )
            best = min(best, 0.95 * float(leader["wafer_price"]))
        return max(best, 1.3 * cost)

    def _hist_fab_move(self, obs: Observation) -> BuildFab | None:
        """Arizona as planned, more in the US with a subsidy, and Taiwan as demand grows."""
        pub = obs.public[obs.actor]
        lo, hi = obs.legal.moves["build_fab"]["capacity"]
        cash = self._cash(obs)
        node = "N2" if obs.label >= "2025Q4" else "N3"  # TSMC N2 volume production, late 2025
        if self._playbook(obs) == "tsmc":
            for label, az_node, cap in ARIZONA:
                key = f"arizona {label}"
                if self._due(obs, key, label):
                    first = obs.fab_capex(az_node, "us", cap) / obs.fab_build_quarters("us")
                    if first < 0.2 * cash and obs.quarters_left > obs.fab_build_quarters("us"):
                        self._done.append(key)
                        return BuildFab(az_node, "us", clamp(cap, lo, hi))
        if obs.modifiers["us_capex"] < 1.0:
            us_cap = sum(cap for _, site, cap, _ in pub["fabs"] if site == "us")
            us_signed = sum(
                c["terms"]["wafers"]
                for c in self._mine(obs, "capacity", 1)
                if obs.public[c["parties"][0]]["country"] == "US"
            )
            size = us_signed - us_cap
            first = obs.fab_capex(node, "us", size) / obs.fab_build_quarters("us")
            if size >= max(lo, 5.0) and first < min(0.2 * cash, self._capex_room(obs)):
                return BuildFab(node, "us", clamp(size, lo, hi))
        # Taiwan, as demand grows: what buyers will want a build ahead beyond what it will make,
        # while its fabs are busy now (it built against demand it could see).
        lag = obs.fab_build_quarters("taiwan")
        room = self._capex_room(obs)
        if obs.quarters_left < lag + 4 or float(pub["utilisation"]) < 0.95:
            return None
        ref = float(obs.market["wafer_reference_price"])
        demand = self._outside_wafers(obs, ref, lag + 2) + self._promised(obs)
        gap = demand - self._output(obs, lag + 2)  # it keeps its fabs full: no idle margin
        if gap < max(lo, 0.03 * float(pub["capacity"])):
            return None
        size = min(gap / _YOUNG, 0.2 * float(pub["capacity"]) + 20)
        capex = obs.fab_capex(node, "taiwan", size)
        afford = min(0.25 * cash, room)
        if capex / lag > afford:
            size *= max(0.0, afford) / (capex / lag)
        if size < max(lo, 10.0):
            return None
        return BuildFab(node, "taiwan", clamp(size, lo, hi))

    def _capex_room(self, obs: Observation) -> float:
        """$B a quarter of new fab instalments it can take on (:func:`agents.tactics.capex_room`
        at ``capex_share``)."""
        return capex_room(obs, self.params["capex_share"])

    def _packaging(self, obs: Observation, book: str) -> BuildPackaging | None:
        """CoWoS: TSMC's 2024 expansion, then ahead of the chip makers' use."""
        b, pub = obs.books, obs.public[obs.actor]
        have = float(pub["packaging_capacity"]) + float(b["packaging_building"])
        lag = obs.rules.packaging_build_quarters
        gen = float(obs.market["generation"])
        makers = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        total_pkg = sum(
            float(p["packaging_capacity"]) for p in obs.public.values() if p["role"] == "foundry"
        )
        share = float(pub["packaging_capacity"]) / max(total_pkg, 1e-9)
        use = share * makers / (obs.rules.packages_per_wafer * gen)
        target = 1.3 * use
        if self._pkg_base is None:
            self._pkg_base = float(pub["packaging_capacity"])
        if book in ("tsmc", "leader") and obs.quarter < 4:
            # The first year's expansion (CoWoS ~2.7x in 2024), ordered a build lag ahead.
            year = self.params["packaging_growth"] ** (min(4, obs.quarter + lag) / 4)
            target = max(target, self._pkg_base * year)
        add = target - have
        lo, hi = obs.legal.moves["build_packaging"]["capacity"]
        if add < max(
            lo, 0.05 * have
        ) or add * obs.rules.packaging_capex_per_kwafer > 0.2 * self._cash(obs):
            return None
        return BuildPackaging(clamp(add, lo, hi))

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        return []  # customers come to it

    # ------------------------------------------------------------------ answers
    def _judge_wafers(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """A foundry signs what its capacity allows at its list price."""
        price = float(obs.public[obs.actor]["wafer_price"])
        free = obs.free_capacity[obs.actor]
        if t["wafers"] > free:
            return (
                {**t, "wafers": 0.9 * free, "price": max(price, t["price"])} if free > 1 else None
            )
        if t["price"] >= price * (1 - self.params["margin"]):
            return True
        return {**t, "price": price}

    def _judge_jv(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """Run a partner's fab as TSMC runs JASM and ESMC: the partner funds most of it (at
        least half the capex, no less than its share of the output), its own part of the capex
        is affordable, and the fab runs a few years before the game ends."""
        lag = obs.fab_build_quarters(t["site"])
        mine = obs.fab_capex(t["node"], t["site"], t["capacity"]) * (1 - t["partner_capex_share"])
        if mine / lag > 0.2 * self._cash(obs) or obs.quarters_left < lag + 4:
            return None
        if t["partner_capex_share"] < max(0.5, t["partner_output_share"]):
            return {
                **t,
                "partner_output_share": min(t["partner_output_share"], t["partner_capex_share"]),
                "partner_capex_share": max(0.5, t["partner_capex_share"]),
            }
        return True if t["operator_fee"] >= 0.05 else {**t, "operator_fee": 0.05}
