"""The planner lab's strategic choices each quarter: power, its own chips, a fab outside Taiwan.

:class:`LabBets` values, on the lab's outlook and at its cost of capital, a campus of its own
(GW by GW while the last one pays, a campus being worth half its cost at the end), leases from
investors with room, its own chip programme and a joint-venture fab outside Taiwan (its output and
its Taiwan hedge). The fab bets (small and lumpy) are each taken if their value beats their cost
by ``bet_hurdle`` and the lab can carry them with what it has and can raise (lenders lending on
half their value); power takes what is left, best first. Power it wants but cannot fund it asks a
fund to build and lease.
"""

from __future__ import annotations

from typing import Any

from agents.planner.labbooks import LabBooks
from agents.planner.outlook import LabOutlook
from agents.planner.power import GW_UNITS
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["HEDGE_SITES", "LabBets"]

#: Sites a joint-venture fab may stand at outside Taiwan.
HEDGE_SITES = ("korea", "japan", "us", "europe", "gulf")


class LabBets(LabBooks):
    """The planner lab's quarterly plan: campus, leases, programme, JV fab, money to raise.

    Not a policy of its own: the base of :class:`~agents.planner.lab.LabPlanning`.
    """

    # =========================================================================== the bet
    def _plan_quarter(self, obs: Observation) -> dict[str, Any]:
        """This quarter's strategic choices (made once, when it proposes): campus GW to fund,
        leases to ask for, whether to start its programme, a JV fab to propose, money to raise.
        """
        if self._plan_q == obs.quarter:
            return self._plan
        o = self._outlook(obs)
        r = obs.rules
        n = o.n
        h = min(n, max(self._h, 8))
        cash = self._cash_ahead(obs)
        reserve = self._reserve(obs)
        short = max(0.0, reserve - min(cash[:h])) if cash else 0.0
        # What long commitments may take: cash beyond the reserve and the base plan's needs,
        # and half of what investors could still put up.
        room = self._cash(obs) - reserve - short + 0.5 * self._fundable(obs)
        hurdle = 1.0 + self.params["bet_hurdle"]
        plan: dict[str, Any] = {"campus": 0.0, "leases": [], "programme": False, "jv": None}
        # (value index, kind, what, cost over the next quarters, what lenders would lend on it)
        projects: list[tuple[float, str, Any, float, float]] = []

        # Power: a campus of its own, sized where the last GW still pays (at the end of the
        # game a campus is still worth half what it cost, as the world values campuses).
        lag = int(obs.build_costs["campus"]["build_quarters"])
        capex = float(obs.build_costs["campus"]["capex_per_gw"])
        opex = float(r.campus_opex_per_gw)
        if n > lag + 2 and "fund_campus" in obs.legal.moves:
            gw = 0.0
            step = max(0.1, 0.25 * o.powered[min(n - 1, lag)])
            value = 0.0
            terminal = self.params["terminal"]
            while gw < 5.0:  # GW by GW while the last one still pays
                v = o.power_npv(
                    lag, n, opex, capex, lag, terminal, extra=gw + step / 2, salvage=capex / 2
                )
                if v <= 0:
                    break
                gw += step
                value += v * step
            if gw > 0:
                cost = gw * capex * min(h, lag) / lag
                projects.append((value / (gw * capex) + 1.0, "campus", gw, cost, 0.0))
        # Leases from investors with room (a Gulf landlord needs its licence).
        for inv, free in self._landlords(obs):
            q = int(min(n, 12))
            rent = self._lease_rent(obs)
            v = o.power_npv(0, q, rent, terminal=0.0)
            if v > 0:
                gw = min(free, max(0.1, 0.5 * o.powered[0]))
                index = 1.0 + v / max(1e-9, rent * q)
                projects.append((index, "lease", (inv, gw, q, rent), 0.0, 0.0))
        # The programme: own chips for the fill, within packaging left free.
        programme = obs.books["programme_quarters_left"] is not None
        if not programme and "start_chip_programme" in obs.legal.moves and obs.others("foundry"):
            value, pv_cost = o.programme_npv()
            if pv_cost > 0 and value >= hurdle * pv_cost:
                cost = float(r.chip_programme_cost) * min(h, int(r.chip_programme_quarters))
                projects.append((value / pv_cost, "programme", True, cost, 0.5 * value))
                programme = True
        # A JV fab outside Taiwan (its hedge is worth most with chips of its own).
        jv = self._jv_terms(obs, o, o.programme_lag() if programme else None)
        if jv is not None:
            foundry, terms, index, cost, value = jv
            if index >= hurdle:
                projects.append((index, "jv", (foundry, terms), cost, 0.5 * value))
        # The fab bets first (small, lumpy, each judged on its own): each is taken if the lab
        # can carry it on top of its base plan with what it has and can raise; then power, best
        # first, with what is left.
        need = short
        bets = sorted((p for p in projects if p[1] in ("programme", "jv")), key=lambda p: -p[0])
        power = sorted((p for p in projects if p[1] in ("campus", "lease")), key=lambda p: -p[0])
        for _index, kind, what, cost, secured in bets + power:
            if kind == "lease":
                plan["leases"].append(what)
                continue
            if cost > room + secured:
                if kind != "campus":
                    continue
                what = what * max(0.0, room) / cost  # a smaller campus that fits
                cost = max(0.0, room)
                if what < 0.1:
                    continue
            room -= cost
            need += cost
            plan[kind] = what
        # Power it wants but cannot fund: ask a fund that may host to build it and lease it, at
        # a rent that pays the fund's campus back in the quarters left after its build.
        want = next((p[2] for p in projects if p[1] == "campus"), 0.0) - plan["campus"]
        if want >= 0.1 and not plan["leases"] and obs.quarter % 2 == 0 and n > lag + 4:
            hosts = self._hosts(obs)
            if hosts:
                rent = capex * 1.1 / (n - lag) + opex
                if o.power_npv(lag, n - lag, rent, terminal=0.0) > 0:
                    plan["leases"].append((hosts[0], min(want, 5.0), int(min(n, 40)), rent))
        plan["raise"] = need
        plan["projects"] = [(round(p[0], 3), p[1], round(p[3], 2)) for p in projects]
        plan["room"] = room
        plan["fab_bet"] = plan["programme"] or plan["jv"] is not None
        self._plan, self._plan_q = plan, obs.quarter
        return plan

    def _landlords(self, obs: Observation) -> list[tuple[str, float]]:
        """Investors it may lease from and the GW each has free (a Gulf one needs a licence)."""
        out = []
        mine = {c["parties"][1] for c in self._active(obs, "lease", 0) if self._left(c) > 1}
        gen = float(obs.market["generation"])
        for inv in obs.legal.partners.get("lease", ()):
            p = obs.public[inv]
            if inv in mine or (p["country"] in GULF_COUNTRIES and not p["licence"]):
                continue
            leased = sum(
                float(c["terms"]["gw"])
                for c in self._live(obs)
                if c["kind"] == "lease" and c["parties"][1] == inv
            )
            free = float(p["campus_gw"]) - leased - float(p["compute"]) / (GW_UNITS * gen)
            if free >= 0.1:
                out.append((inv, free))
        return out

    def _lease_rent(self, obs: Observation) -> float:
        """The rent it offers a landlord with a campus free, $B per GW a quarter: the clouds'
        rent (what it pays without the lease), or what returns the landlord half its campus in
        the quarters left (how funds value a campus) if more."""
        capex = float(obs.build_costs["campus"]["capex_per_gw"])
        opex = float(obs.rules.campus_opex_per_gw)
        return max(
            float(obs.market_params.get("cloud_rent", 1.5)),
            0.5 * capex / max(8, obs.quarters_left) + opex,
        )

    def _hosts(self, obs: Observation) -> list[str]:
        """Investors that may host its compute (a Gulf fund needs its licence), richest first."""
        out = [
            n
            for n in obs.legal.partners.get("lease", ())
            if obs.public[n]["licence"] or obs.public[n]["country"] not in GULF_COUNTRIES
        ]
        return sorted(out, key=lambda n: -float(obs.public[n]["cash"]))

    def _jv_terms(
        self, obs: Observation, o: LabOutlook, ready_in: int | None
    ) -> tuple[str, dict[str, Any], float, float, float] | None:
        """The best JV fab outside Taiwan it could propose now: (operator, terms, value index,
        cost over the next quarters, value); None if none is possible. ``ready_in``: quarters
        until its own chips are ready, if it is about to start a programme."""
        if obs.legal.proposals_left <= 0:
            return None
        foundries = obs.legal.partners.get("joint_venture", ())
        if not foundries:
            return None
        mine = [c for c in self._active(obs, "joint_venture", 0)]
        if len(mine) >= 2:
            return None
        # An operator at home outside Taiwan keeps its packaging out of Taiwan's events too.
        op = min(
            foundries,
            key=lambda f: (obs.public[f]["country"] == "Taiwan", -obs.trust_in.get(f, 0.5)),
        )
        node = "N3"
        best = None
        for site in HEDGE_SITES:
            lag = obs.fab_build_quarters(site)
            if o.n < lag + 6:
                continue
            per_k = obs.build_costs["fab"][site][node]["capex_per_kwafer"]
            key = per_k * (1.0 + 0.03 * lag)  # cheaper, and sooner
            if best is None or key < best[0]:
                best = (key, site)
        if best is None:
            return None
        site = best[1]
        lag = obs.fab_build_quarters(site)
        # The size worth most (its hedge is worth most up to what its own chips need).
        share = self.params["jv_capex_share"]
        best_terms = None
        for capacity in (10.0, 20.0, 40.0, 80.0):
            capacity *= self.params["jv_size"]
            value, hedge, pv_capex = o.jv_npv(
                site,
                node,
                capacity,
                share,
                share * 0.95,
                0.1,
                self._taiwan_risk(obs),
                ready_in,
                self.params["hedge_quarters"],
            )
            if pv_capex <= 0:
                continue
            npv = value + hedge - pv_capex
            if best_terms is None or npv > best_terms[0]:
                best_terms = (npv, capacity, value + hedge, pv_capex)
        if best_terms is None:
            return None
        _, capacity, worth, pv_capex = best_terms
        terms = {
            "site": site,
            "node": node,
            "capacity": capacity,
            "partner_capex_share": share,
            "partner_output_share": share * 0.95,
            "operator_fee": 0.1,
        }
        h = min(o.n, max(self._h, 8))
        cost = obs.fab_capex(node, site, capacity) * share * min(h, lag) / lag
        return op, terms, worth / pv_capex, cost, worth
