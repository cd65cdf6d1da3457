"""The planner as an investor: stakes that beat a hurdle, loans that are covered, campuses.

As an **investor** it buys stakes in companies whose projected valuation beats a ``hurdle``, spread
to limit concentration; lends to borrowers whose cash and revenue cover the service; joins a fab
only if its output share pays back in the game; funds a home campus only with an export licence and
enough quarters left to fill it and earn its rent, then fills it with accelerators. It keeps the
capex still due on campuses and fabs out of what it commits.

A Gulf fund **finances labs' fab bets**: a lab with its own chip programme under way or a fab
joint venture of its own gets its equity and loans on easier terms (a larger share of the fund's
spare cash, a lower hurdle), since the bet is the fund's own story (compute and fabs at home,
influence). Any fund with a licence to host (a Gulf one needs its export licence) **builds
campuses to lease to labs** when labs ask for more power than it has free and the rent they offer
pays the campus back within the quarters left after the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.projection import PlannerBase
from agents.tactics import clamp, generation_ahead, jv_capex_per_quarter
from game.decisions import BuySpotGpus, Decision, FundCampus, Propose
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["InvestorPlanning"]


class InvestorPlanning(PlannerBase):
    """The planner's investor: spare cash, stakes, loans, fab shares, campuses.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`. Its judgements of
    a stake, a loan or a share of a fab also serve a designer buying a stake and any actor asked
    to join a fab (``_spare_investor`` is then the actor's cash).
    """

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._lease_asks: list[float] = []  # [GW asked, rent] of the latest lease offers to it
        self._lease_q = -1

    def _observe_investor(self, obs: Observation) -> None:
        """Remember the lease offers labs make it (GW and rent), fading over a year."""
        self._observe(obs)
        if self._lease_q != obs.quarter:
            self._lease_q = obs.quarter
            self._lease_asks = (
                [0.75 * self._lease_asks[0], self._lease_asks[1]] if (self._lease_asks) else []
            )
        for o in obs.inbox:
            if o["kind"] == "lease" and o.get("round", 0) == 0:
                gw, rent = float(o["terms"]["gw"]), float(o["terms"]["rent"])
                if self._lease_asks:
                    self._lease_asks = [max(self._lease_asks[0], gw), max(rent, 0.0)]
                else:
                    self._lease_asks = [gw, rent]

    def _fab_bet(self, obs: Observation, company: str) -> bool:
        """Whether a lab is making the fab bet: its own chips under way, or a fab JV."""
        p = obs.public[company]
        if p["role"] != "lab":
            return False
        if p.get("chip_programme") is not None:
            return True
        return any(
            c["kind"] == "joint_venture" and c["parties"][0] == company for c in self._live(obs)
        )

    def _backs_bet(self, obs: Observation, company: str) -> bool:
        """A Gulf fund backs a lab's fab bet."""
        return obs.public[obs.actor]["country"] in GULF_COUNTRIES and self._fab_bet(obs, company)

    def _can_host(self, obs: Observation) -> bool:
        """Whether its campus may host accelerators (a Gulf fund needs its export licence)."""
        pub = obs.public[obs.actor]
        return bool(pub["licence"]) or pub["country"] not in GULF_COUNTRIES

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
        self._observe_investor(obs)
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
        self._observe_investor(obs)
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
        lease = self._campus_to_lease(obs)
        if lease is not None and not any(isinstance(d, FundCampus) for d in out):
            out.append(lease)
        if "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, self.params["risk"] * 0.5 * self._spare_investor(obs) * 1000 / price)
            if qty >= lo and qty * price / 1000 <= cash:
                out.append(BuySpotGpus(d, qty))
        return out

    def _campus_to_lease(self, obs: Observation) -> FundCampus | None:
        """A campus for the power labs ask to lease, if their rent pays it back in the game."""
        legal = obs.legal.moves
        if "fund_campus" not in legal or not self._can_host(obs) or not self._lease_asks:
            return None
        asked, rent = self._lease_asks
        gen = float(obs.market["generation"])
        free = float(obs.books["campus_room"]) / (500.0 * gen)
        building = float(obs.books["campus_building_gw"])
        gw = asked - free - building
        lag = int(obs.build_costs["campus"]["build_quarters"])
        capex = float(obs.build_costs["campus"]["capex_per_gw"])
        earning = obs.quarters_left - lag
        opex = float(obs.rules.campus_opex_per_gw)
        if gw < 0.05 or earning <= 0:
            return None
        # Rent over the quarters left after the build, less running costs, must pay the build
        # back with the hurdle (what is left of the campus at the end is a bonus).
        if (rent - opex) * earning < capex * (1 + self.params["hurdle"]):
            return None
        gw = min(gw, self.params["risk"] * 0.5 * self._spare_investor(obs) / capex)
        lo, hi = legal["fund_campus"]["gw"]
        if gw < lo or gw * capex / lag > self._cash(obs):
            return None
        return FundCampus(clamp(gw, lo, hi))

    def _judge_stake(self, obs: Observation, company: str, t: Mapping[str, Any]) -> Any:
        backs = self._backs_bet(obs, company)
        if t["amount"] > self.params["risk"] * self._spare_investor(obs) * (1.5 if backs else 1):
            return None
        val = max(1.0, float(obs.public[company]["valuation"]))
        g = self._trend(self._seen.get(company, []))
        hurdle = self.params["hurdle"] * (0.5 if backs else 1.0)
        want = (1 + g) ** self._h / (1 + hurdle)
        implied = t["amount"] / t["stake"]
        if implied <= val * max(want, 0.9) * (1 + self.params["margin"]):
            return True
        return {**t, "stake": min(0.5, t["amount"] / val * self._premium(obs, company))}

    def _judge_loan(self, obs: Observation, borrower: str, t: Mapping[str, Any]) -> Any:
        backs = obs.role == "investor" and self._backs_bet(obs, borrower)
        most = self.params["risk"] * self._spare_investor(obs) * (1.5 if backs else 1.0)
        if obs.role != "investor" or t["principal"] > most:
            return None
        p = obs.public[borrower]
        service = t["principal"] / t["quarters"] * (1 + t["rate"] * t["quarters"] / 4)
        if service > (0.75 if backs else 0.5) * float(p["cash"]) / self._h + float(p["revenue"]):
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
        cost = float(obs.public[operator].get("wafer_cost", 0.0))  # its share of running costs
        cost *= float(obs.build_costs["fab"][t["site"]][t["node"]].get("cost_factor", 1.0))
        per_wafer = price * (1 - t["operator_fee"]) - cost
        income = t["capacity"] * 0.8 * t["partner_output_share"] * per_wafer / 1000
        earning = obs.quarters_left - lag
        if earning <= 0 or income * earning < capex * (1 + self.params["hurdle"]):
            return None
        return True

    def _judge_lease_landlord(self, obs: Observation, tenant: str, t: Mapping[str, Any]) -> Any:
        """A lab asks to lease campus GW: the room must be free, the rent must beat what an idle
        campus costs to run by a margin, and the tenant must be able to pay it."""
        if obs.role != "investor" or not self._can_host(obs):
            return None
        self._observe_investor(obs)
        gen = float(obs.market["generation"])
        free = float(obs.books["campus_room"]) / (500.0 * gen)
        opex = float(obs.rules.campus_opex_per_gw)
        capex = float(obs.build_costs["campus"]["capex_per_gw"])
        floor = max(
            1.5 * opex,
            0.8 * float(obs.market_params.get("cloud_rent", 1.5)),
            0.5 * capex / max(8, obs.quarters_left) + opex,  # half the campus back in the game
        )
        p = obs.public[tenant]
        if t["gw"] * t["rent"] > 0.5 * max(0.0, float(p["cash"])) + float(p["revenue"]):
            return None
        if t["gw"] > free:
            return {**t, "gw": 0.95 * free, "rent": max(t["rent"], floor)} if free >= 0.1 else None
        if t["rent"] >= floor:
            return True
        return {**t, "rent": floor}
