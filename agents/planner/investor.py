"""The planner as an investor: stakes that beat a hurdle, loans that are covered, campuses.

As an **investor** it buys stakes in companies whose projected valuation beats a ``hurdle``, spread
to limit concentration; lends to borrowers whose cash and revenue cover the service; joins a fab
only if its output share pays back in the game; funds a home campus only with an export licence and
enough quarters left to fill it and earn its rent, then fills it with accelerators. It keeps the
capex still due on campuses and fabs out of what it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.projection import PlannerBase
from agents.tactics import clamp, generation_ahead, jv_capex_per_quarter
from game.decisions import BuySpotGpus, Decision, FundCampus, Propose
from game.observation import Observation

__all__ = ["InvestorPlanning"]


class InvestorPlanning(PlannerBase):
    """The planner's investor: spare cash, stakes, loans, fab shares, campuses.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`. Its judgements of
    a stake, a loan or a share of a fab also serve a designer buying a stake and any actor asked
    to join a fab (``_spare_investor`` is then the actor's cash).
    """

    def _campus_cost_left(self, obs: Observation) -> float:
        """Capex still to pay on campuses and joint-venture fabs being built ($B, roughly)."""
        out = float(obs.books["campus_building_gw"]) * obs.rules.campus_capex_per_gw * 0.6
        for c in self._active(obs, "joint_venture", 0):
            t = c["terms"]
            lag = obs.fab_build_quarters(t["site"])  # today's lag: an estimate for older builds
            left = max(0, int(c["start"]) + lag - obs.quarter)
            out += jv_capex_per_quarter(obs, t) * t["partner_capex_share"] * left
        return out

    def _spare_investor(self, obs: Observation) -> float:
        if obs.role != "investor":
            return self._cash(obs)
        return max(
            0.0,
            self._cash(obs)
            - self._campus_cost_left(obs)
            - self.params["safety"] * 0.1 * self._cash(obs),
        )

    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        self._observe(obs)
        out: list[Propose | None] = []
        spare = self._spare_investor(obs)
        if spare < 2:
            return out
        budget = self.params["risk"] * spare * 0.3
        stakes = dict(obs.books["stakes"])
        cands = []
        for n in obs.legal.partners.get("equity", ()):
            p = obs.public[n]
            if p["role"] == "investor" or p["distressed"]:
                continue
            val = max(1.0, float(p["valuation"]))
            g = self._trend(self._seen.get(n, []))
            ret = (1 + g) ** self._h - 1
            held = stakes.get(n, 0.0)
            cands.append((ret - 0.5 * held, n, val))
        cands.sort(reverse=True)
        for ret, n, val in cands[:2]:
            if ret < self.params["hurdle"]:
                break
            control = float(obs.public[n]["control"])
            amount = min(budget, 0.05 * val)
            stake = amount / val
            if control - stake < 0.4 or amount < 0.2:
                continue
            out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
            budget -= amount
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        gen = float(obs.market["generation"])
        build = obs.rules.campus_build_quarters
        # A campus only with a licence and time to fill it and earn its rent back.
        if (
            "fund_campus" in legal
            and pub["licence"]
            and float(b["campus_building_gw"]) == 0
            and obs.quarters_left > build + 8
        ):
            room_gw = float(b["campus_room"]) / (500 * gen)
            gpu = min(
                (float(obs.public[d]["gpu_price"]) for d in obs.others("designer")),
                default=float(obs.market["gpu_reference_price"]),
            )
            gen_built = gen * generation_ahead(obs, build)
            per_gw = obs.rules.campus_capex_per_gw + 500 * gen_built * gpu / 1000
            rent_q = 500 * gen_built * obs.rules.campus_rent
            earning = obs.quarters_left - build  # quarters the campus earns rent in the game
            if (
                rent_q * min(earning, obs.rules.compute_life) > per_gw * (1 + self.params["safety"])
                and room_gw < 0.2
            ):
                gw = self.params["risk"] * 0.5 * self._spare_investor(obs) / per_gw
                lo, hi = legal["fund_campus"]["gw"]
                if gw >= lo:
                    out.append(FundCampus(clamp(gw, lo, hi)))
        if "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, self.params["risk"] * 0.5 * self._spare_investor(obs) * 1000 / price)
            if qty >= lo and qty * price / 1000 <= cash:
                out.append(BuySpotGpus(d, qty))
        return out

    def _judge_stake(self, obs: Observation, company: str, t: Mapping[str, Any]) -> Any:
        if t["amount"] > self.params["risk"] * self._spare_investor(obs):
            return None
        val = max(1.0, float(obs.public[company]["valuation"]))
        g = self._trend(self._seen.get(company, []))
        want = (1 + g) ** self._h / (1 + self.params["hurdle"])
        implied = t["amount"] / t["stake"]
        if implied <= val * max(want, 0.9) * (1 + self.params["margin"]):
            return True
        return {**t, "stake": min(0.5, t["amount"] / val * self._premium(obs, company))}

    def _judge_loan(self, obs: Observation, borrower: str, t: Mapping[str, Any]) -> Any:
        if obs.role != "investor" or t["principal"] > self.params["risk"] * self._spare_investor(
            obs
        ):
            return None
        p = obs.public[borrower]
        service = t["principal"] / t["quarters"] * (1 + t["rate"] * t["quarters"] / 4)
        if service > 0.5 * float(p["cash"]) / self._h + float(p["revenue"]):
            return None
        fair = float(obs.market["base_rate"]) + 0.03 + 0.1 * (self._premium(obs, borrower) - 1)
        if t["rate"] >= fair:
            return True
        return {**t, "rate": fair}

    def _judge_jv_partner(self, obs: Observation, operator: str, t: Mapping[str, Any]) -> Any:
        """A share of a new fab: only if the share of output pays the share of capex back, in
        the quarters left after the build, and the capex fits the spare cash."""
        lag = obs.fab_build_quarters(t["site"])
        capex = obs.fab_capex(t["node"], t["site"], t["capacity"]) * t["partner_capex_share"]
        if capex > 0.5 * self.params["risk"] * self._spare_investor(obs):
            return None
        price = float(obs.public[operator]["wafer_price"])
        income = t["capacity"] * 0.8 * t["partner_output_share"] * price / 1000
        income *= 1 - t["operator_fee"]
        earning = obs.quarters_left - lag
        if earning <= 0 or income * earning < capex * (1 + self.params["hurdle"]):
            return None
        return True

    def _judge_lease_landlord(self, obs: Observation, tenant: str, t: Mapping[str, Any]) -> Any:
        """A lab asks to lease campus GW: the room must be free, the rent must beat what an idle
        campus costs to run by a margin, and the tenant must be able to pay it."""
        if obs.role != "investor":
            return None
        gen = float(obs.market["generation"])
        free = float(obs.books["campus_room"]) / (500.0 * gen)
        floor = max(
            1.5 * float(obs.rules.campus_opex_per_gw),
            0.8 * float(obs.market_params.get("cloud_rent", 1.5)),
        )
        p = obs.public[tenant]
        if t["gw"] * t["rent"] > 0.5 * max(0.0, float(p["cash"])) + float(p["revenue"]):
            return None
        if t["gw"] > free:
            return {**t, "gw": 0.95 * free, "rent": max(t["rent"], floor)} if free >= 0.1 else None
        if t["rent"] >= floor:
            return True
        return {**t, "rent": floor}
