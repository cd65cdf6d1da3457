"""The historical policy as a foundry: TSMC's 2024–25 strategy.

**TSMC** (foundry). Raised wafer prices steadily (N5 $16k and N3 $20k in 2024, increases of a few
percent a year since, DigiTimes), built against customers' commitments rather than on speculation,
expanded CoWoS packaging from ~13k to ~35k wafers a month in 2024 (TrendForce), and built in Arizona
with CHIPS Act support ($6.6B award, Apr 2024; $65B for three fabs, US Commerce Dept). 2024 revenue
$90.1B, gross margin 56.1 %, capex $29.8B (TSMC, Jan 2025).

*Here*: raises its wafer price ``price_rise`` a quarter while busy, holds it when less busy and cuts
it only when idle; builds a fab only when signed capacity contracts fill its capacity (in the US
when a subsidy is in force and US customers have signed for more than its US fabs make, in Taiwan
otherwise); grows packaging ``packaging_growth``-fold over the first year, then ahead of the chip
makers' use; runs a partner's fab (as with JASM and ESMC) one at a time, when the partner pays at
least its share of the output. (Its $29.8B capex is not copied: most of it is for nodes and
customers outside the game.)

In another scenario the foundry with the most capacity follows TSMC's rules; the others price
10 % under it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.historical.playbook import HistoricalBase
from agents.tactics import clamp
from game.decisions import BuildFab, BuildPackaging, Decision, Propose, SetWaferPrice
from game.observation import Observation

__all__ = ["FoundryPlaybook"]


class FoundryPlaybook(HistoricalBase):
    """The historical foundry: wafer prices, fabs against contracts, packaging, partners' fabs.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        book = self._playbook(obs)
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            want = price
            if util >= 0.9:
                want = price * (1 + self.params["price_rise"])
            elif util < 0.8:
                want = price * 0.97
            if book == "follower":
                leader = max(
                    (p for p in obs.public.values() if p["role"] == "foundry"),
                    key=lambda p: float(p["capacity"]),
                )
                want = min(want, 0.9 * float(leader["wafer_price"]))
            want = max(want, float(b["wafer_cost"]) * 1.3)
            if abs(want - price) > 1e-6:
                out.append(SetWaferPrice(clamp(want, lo, hi)))
        if "build_fab" in legal:
            out.append(self._fab_against_contracts(obs))
        if "build_packaging" in legal:
            out.append(self._packaging(obs, book))
        return out

    def _fab_against_contracts(self, obs: Observation) -> BuildFab | None:
        """A fab only for signed demand: when contracts fill the capacity it has or builds."""
        pub = obs.public[obs.actor]
        total = float(pub["capacity"]) + float(pub["capacity_building"])
        promised = self._promised(obs)
        promisable = promised + obs.free_capacity[obs.actor]  # what it may sign for in all
        lo, hi = obs.legal.moves["build_fab"]["capacity"]
        node = "N2" if obs.label >= "2025Q4" else "N3"  # TSMC N2 volume production, late 2025
        cash = self._cash(obs)
        # Arizona: with a subsidy in force, for what US customers signed beyond US capacity.
        if obs.modifiers["us_capex"] < 1.0:
            us_cap = sum(cap for _, site, cap, _ in pub["fabs"] if site == "us")
            us_signed = sum(
                c["terms"]["wafers"]
                for c in self._mine(obs, "capacity", 1)
                if obs.public[c["parties"][0]]["country"] == "US"
            )
            size = us_signed - us_cap
            first = obs.fab_capex(node, "us", size) / obs.fab_build_quarters("us")
            if size >= max(lo, 5.0) and first < 0.2 * cash:
                return BuildFab(node, "us", clamp(size, lo, hi))
        if promised < 0.85 * promisable:
            return None
        size = promised / 0.85 - promisable + 0.1 * total
        capex = obs.fab_capex(node, "taiwan", size)
        lag = obs.fab_build_quarters("taiwan")
        if size < lo or capex / lag > 0.25 * cash or obs.quarters_left < lag + 4:
            return None
        return BuildFab(node, "taiwan", clamp(size, lo, hi))

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
        """Operate a partner's fab as TSMC runs JASM and ESMC: one build at a time, partners
        paying at least their share of the output, and its own share of capex affordable."""
        building = any(left > 0 for _, _, _, left in obs.public[obs.actor]["fabs"])
        lag = obs.fab_build_quarters(t["site"])
        mine = obs.fab_capex(t["node"], t["site"], t["capacity"]) * (1 - t["partner_capex_share"])
        if (
            building
            or mine > 0.3 * self._cash(obs)
            or obs.quarters_left < lag + 4
            or t["partner_capex_share"] < t["partner_output_share"]
        ):
            return None
        return True if t["operator_fee"] >= 0.05 else {**t, "operator_fee": 0.05}
