"""The planner as a lab: fill the power it has, add power where it pays, and weigh the fab bet.

Each quarter it projects its path to the game's end (:class:`~agents.planner.outlook.LabOutlook`):
the power it will have (outside clouds growing, its campuses opening, leases in force), the
compute that retires, and the cheapest way to fill that power (a designer's GPUs, or its own chips
once its programme is ready, within the packaging a foundry has free). It buys **no compute beyond
its power**: unpowered compute earns nothing.

Then it weighs, at its cost of capital (the base rate plus ``capital_cost``, more when its cash
projection is short or investors turned it down), what each of these is worth over the quarters
left, and takes those whose value beats their cost by the ``hurdle``, best first, within what it
has and can raise:

- **power**: a campus of its own (``build_costs["campus"]``, opening after the build) against the
  revenue the compute it powers earns at the AI market's marginal revenue; a **lease** from an
  investor with campus room (and, in the Gulf, a licence) at a rent below what a GW earns;
- **its own chip programme** (``chip_programme_cost`` × quarters, slips included) against the fill
  it then makes itself at about half a merchant GPU, within free packaging;
- **a joint-venture fab outside Taiwan** with a foundry as operator, paid with money raised from
  the Gulf funds: its share of the output, plus a **Taiwan hedge** valued at the expected Taiwan
  loss a quarter (``taiwan_risk``, raised by the Taiwan events it has seen) times how much of the
  world's chip supply stands in Taiwan.

Whether a bet pays depends on the game: the designer's price (or the discount it offers a lab with
a programme), the packaging left free, the cash it raised and the rate it raised it at, the events
in force, the quarters left. It raises equity down to ``control_floor``, then loans its revenue can
carry, asking the Gulf funds first for a fab bet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.offers import control_left
from agents.planner.outlook import TAIWAN_KINDS, LabOutlook, own_units_per_wafer
from agents.planner.power import GW_UNITS, power_units
from agents.planner.projection import PlannerBase
from agents.tactics import clamp
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    FundCampus,
    Propose,
    StartChipProgramme,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["LabPlanning"]

#: Sites a joint-venture fab may stand at outside Taiwan.
HEDGE_SITES = ("korea", "japan", "us", "europe", "gulf")


class LabPlanning(PlannerBase):
    """The planner's lab: fleet memory, power, the fab bet, fund raising and compute buying.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`.
    """

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._fleet: list[list[float]] = []  # [quarter delivered, kH100e, power units]
        self._fleet_q = -1  # the quarter the fleet memory was last updated
        self._fleet_last: list[float] = [0.0, 0.0, 1.0]  # compute, power units, generation
        self._builds: list[list[float]] = []  # campuses it funded: [quarter, GW, build lag]
        self._tw_lost = 0.0  # Taiwan output lost to events so far (quarters x share)
        self._plan: dict[str, Any] = {}  # this quarter's choices, made when it proposes
        self._plan_q = -1
        self._jv_drive = -1  # quarter it began raising Gulf money for a JV fab (-1: none)

    # =========================================================================== memory
    def _observe_lab(self, obs: Observation) -> None:
        """Update the fleet memory and the Taiwan record (once a quarter)."""
        self._observe(obs)
        if self._fleet_q == obs.quarter:
            return
        b = obs.books
        life = int(obs.rules.compute_life)
        compute = float(b["compute"])
        gen = float(obs.market["generation"])
        if self._fleet_q < 0 or obs.quarter != self._fleet_q + 1:
            # First sight (or a gap): the fleet spread evenly over its life so far.
            units = power_units(obs)
            self._fleet = [
                [float(obs.quarter - i), compute / life, units / life] for i in range(life)
            ]
        else:
            s = obs.quarter - 1  # what last quarter's operations delivered and retired
            gone_kh = sum(c[1] for c in self._fleet if int(c[0]) + life <= s)
            self._fleet = [c for c in self._fleet if int(c[0]) + life > s]
            inflow = compute - self._fleet_last[0] + gone_kh
            if inflow > 1e-6:
                self._fleet.append([float(s), inflow, inflow / self._fleet_last[2]])
        self._fleet_last = [compute, power_units(obs), gen]
        self._fleet_q = obs.quarter
        self._tw_lost += max(0.0, 1.0 - float(obs.modifiers.get("taiwan_output", 1.0)))
        self._builds = [x for x in self._builds if int(x[0]) + int(x[2]) - 1 >= obs.quarter]

    # =========================================================================== views
    def _taiwan_risk(self, obs: Observation) -> float:
        """Expected share of Taiwan's output lost in a quarter.

        The ``taiwan_risk`` prior, updated by what the game has shown as a rate is: the prior
        counts as ``taiwan_memory`` quarter-equivalents of output lost over as many quarters as
        that loss takes at the prior rate, and the game adds the output lost so far (an event in
        force counting its remaining quarters) over the quarters played.
        """
        prior = max(1e-6, self.params["taiwan_risk"])
        weight = self.params["taiwan_memory"]
        seen = self._tw_lost
        for e in obs.events:
            if e["kind"] in TAIWAN_KINDS and int(e["remaining"]) > 0:
                seen += float(e["magnitude"]) * int(e["remaining"])
        return (weight + seen) / (weight / prior + obs.quarter + 1)

    def _rate(self, obs: Observation) -> float:
        """The lab's cost of capital a quarter: base rate, ``capital_cost``, and a premium when
        investors have turned down much of what it asked."""
        base = float(obs.market["base_rate"]) / 4.0
        return base + self.params["capital_cost"] * (2.0 - self._credibility())

    def _merchant_price(self, obs: Observation) -> float:
        """$k per H100e it can buy merchant compute at: the lowest list price, or a designer's
        discounted offer to it (in the inbox or a supply contract in force) if lower."""
        ref = float(obs.market["gpu_reference_price"])
        best = min((float(obs.public[d]["gpu_price"]) for d in obs.others("designer")), default=ref)
        for o in obs.inbox:
            if o["kind"] in ("supply", "vendor_financing"):
                best = min(best, float(o["terms"]["price"]))
        return best

    def _outlook(self, obs: Observation) -> LabOutlook:
        key = "outlook"
        if key not in self._memo:
            self._memo[key] = LabOutlook(
                obs,
                self._fleet,
                self._builds,
                self._rate(obs),
                self._taiwan_risk(obs),
                self._merchant_price(obs),
            )
        return self._memo[key]

    def _commitments(self, obs: Observation, n: int) -> list[float]:
        """$B its contracts and builds make it pay each quarter ahead, beyond the base plan:
        deliveries bought under contract, loan service, JV capex and campus instalments."""
        out = [0.0] * n
        me = obs.actor
        for c in self._live(obs):
            parties = c["parties"]
            if me not in parties:
                continue
            t, kind = c["terms"], c["kind"]
            if kind == "joint_venture" and parties[0] == me:
                lag = obs.fab_build_quarters(t["site"])
                left = int(c["start"]) + lag - obs.quarter
                per = obs.fab_capex(t["node"], t["site"], t["capacity"]) / lag
                for k in range(min(n, max(0, left))):
                    out[k] += per * float(t["partner_capex_share"])
                continue
            if "quarters" not in t:
                continue
            left = min(n, self._left(c))
            if kind == "supply" and parties[0] == me:
                per = t["quantity"] * t["price"] * (1 - t["prepay"]) / 1000
            elif kind == "capacity" and parties[0] == me:
                per = t["wafers"] * t["price"] * (1 - t["prepay"]) / 1000
            elif kind == "vendor_financing" and parties[1] == me:
                per = t["quantity"] * t["price"] / 1000
            elif kind == "loan" and parties[1] == me:
                step = t["principal"] / t["quarters"]
                for k in range(left):
                    outstanding = t["principal"] - step * (c["quarters_done"] + k)
                    out[k] += step + max(0.0, outstanding) * t["rate"] / 4
                continue
            else:
                continue
            for k in range(left):
                out[k] += per
        capex = float(obs.rules.campus_capex_per_gw)
        for start, gw, build in self._builds:
            due = int(start) + int(build) - obs.quarter
            for k in range(min(n, max(0, due))):
                out[k] += gw * capex / build
        return out

    def _cash_ahead(self, obs: Observation, extra: list[float] | None = None) -> list[float]:
        """The lowest cash in each quarter to the game's end under the base plan (payments
        come before the quarter's revenue)."""
        o = self._outlook(obs)
        commit = self._commitments(obs, o.n)
        if extra is not None:
            commit = [c + (extra[k] if k < len(extra) else 0.0) for k, c in enumerate(commit)]
        return o.cash_path(commit)

    def _fundable(self, obs: Observation) -> float:
        """What the investors could put up in one round each (about what they accept), $B,
        discounted by how much of what it asked for it actually got so far."""
        pool = sum(
            0.45 * max(0.0, float(p["cash"]))
            for n, p in obs.public.items()
            if p["role"] == "investor" and n != obs.actor and not p["insolvent"]
        )
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        equity = max(0.0, control_left(obs) - self.params["control_floor"]) * val
        debt = max(0.0, 2 * float(obs.books["revenue_run_rate"]) - self._debt(obs))
        return min(pool, equity + debt) * self._credibility()

    def _credibility(self) -> float:
        """Share of what it asked investors for that it got (1 before it has asked)."""
        return clamp((self._raised + 2.0) / (self._asked + 2.0), 0.05, 1.0)

    def _debt(self, obs: Observation) -> float:
        """Loan principal the actor still owes ($B)."""
        out = 0.0
        for c in self._active(obs, "loan", 1):
            t = c["terms"]
            out += t["principal"] * (1 - c["quarters_done"] / t["quarters"])
        return out

    def _reserve(self, obs: Observation) -> float:
        """Cash it keeps in hand: its opex and a quarter's net loss, with the safety margin."""
        b = obs.books
        burn = float(b.get("burn", 0.0))
        return (1 + self.params["safety"]) * (float(b["fixed_opex"]) + burn)

    def _lab_budget(self, obs: Observation) -> tuple[float, float, float, float]:
        """(spare cash over the horizon, budget to commit now, income at horizon, reserve)."""
        cash = self._cash_ahead(obs)[: self._h]
        reserve = self._reserve(obs)
        spare = min(cash) - reserve if cash else self._cash(obs) - reserve
        income = self._income(obs)
        return spare, max(0.0, self.params["risk"] * spare), income, reserve

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

    # =========================================================================== proposals
    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        self._observe_lab(obs)
        plan = self._plan_quarter(obs)
        out: list[Propose | None] = []
        budget = obs.legal.proposals_left
        # The fab bet and power first (each a single offer), then money, then supply. A JV fab
        # is paid with Gulf money: it proposes one once the Gulf funds have put up half its
        # share of the capex since it began asking them.
        if plan["jv"] is not None:
            foundry, terms = plan["jv"]
            if self._jv_drive < 0:
                self._jv_drive = obs.quarter
            total = obs.fab_capex(terms["node"], terms["site"], terms["capacity"])
            total *= terms["partner_capex_share"]
            if self._gulf_raised(obs, self._jv_drive) >= 0.5 * total:
                out.append(self._offer(obs, foundry, "joint_venture", terms))
        elif self._jv_drive >= 0 and obs.quarter - self._jv_drive > 4:
            self._jv_drive = -1  # the Gulf funds did not come: the bet is off for now
        if self._jv_drive >= 0 and self._active(obs, "joint_venture", 0):
            if any(
                int(c["start"]) >= self._jv_drive for c in self._active(obs, "joint_venture", 0)
            ):
                self._jv_drive = -1
        for inv, gw, q, rent in plan["leases"][:1]:
            out.append(self._offer(obs, inv, "lease", {"gw": gw, "quarters": q, "rent": rent}))
        need = float(plan["raise"])
        if need > 0.2 or obs.books["distressed"]:
            spare = max(1, budget - len([x for x in out if x is not None]))
            out += self._lab_raise(obs, need, plan["fab_bet"], spare)
        out += self._supply_offers(obs)
        kept: list[Propose | None] = [x for x in out if x is not None]
        return kept[:budget]

    def _gulf_raised(self, obs: Observation, since: int) -> float:
        """$B the Gulf funds have put into it (equity and loans) since quarter ``since``."""
        out = 0.0
        for c in obs.contracts:
            if c["kind"] not in ("equity", "loan") or c["parties"][1] != obs.actor:
                continue
            if int(c["start"]) < since:
                continue
            inv = c["parties"][0]
            if obs.public[inv]["country"] in GULF_COUNTRIES:
                t = c["terms"]
                out += float(t.get("amount", t.get("principal", 0.0)))
        return out

    def _lab_raise(
        self, obs: Observation, need: float, bet: bool, slots: int
    ) -> list[Propose | None]:
        """Raise ``need``: equity down to the control floor, then loans the revenue can carry.

        For a fab bet it asks the Gulf funds first; when its projection is short it offers its
        equity a little under the public valuation; the more of what it asked for it failed to
        get, the smaller the slices it asks of each fund.
        """

        def order(n: str) -> tuple[bool, float]:
            gulf = obs.public[n]["country"] in GULF_COUNTRIES
            return (not (bet and gulf), -float(obs.public[n]["cash"]) * obs.trust_in.get(n, 0.5))

        investors = [
            n for n in obs.legal.partners.get("equity", ()) if obs.public[n]["role"] == "investor"
        ]
        lenders = list(obs.legal.partners.get("loan", ()))
        investors.sort(key=order)
        lenders.sort(key=order)
        return self._lab_raise_from(obs, need, investors, lenders, slots)

    def _lab_raise_from(
        self, obs: Observation, need: float, investors: list[str], lenders: list[str], slots: int
    ) -> list[Propose | None]:
        """Equity offers to ``investors`` and loan offers to ``lenders`` for ``need``: loans
        first while its valuation is a low multiple of its revenue (equity is dear then),
        equity first once it is a high one."""
        out: list[Propose | None] = []
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        control = control_left(obs)
        floor = self.params["control_floor"]
        if obs.books["distressed"]:
            floor = min(floor, 0.3)
        rr = float(obs.books["revenue_run_rate"])
        debt_room = max(0.0, 2 * rr + 8 * max(0.0, self._income(obs)) - self._debt(obs))
        rate = float(obs.market["base_rate"]) + 0.04
        short = min(self._cash_ahead(obs)[: self._h] or [0.0]) < self._reserve(obs)
        price = val * (1 - self.params["discount"]) if short else val
        slice_ = 0.05 + 0.4 * self._credibility()
        left = need
        equity_first = val >= 0.5 * float(obs.rules.lab_multiple) * max(1.0, rr)
        steps = ("equity", "loan") if equity_first else ("loan", "equity")
        for step in steps:
            if step == "equity":
                for inv in investors:
                    if left < 0.2 or len(out) >= slots:
                        break
                    amount = min(
                        left, slice_ * float(obs.public[inv]["cash"]), (control - floor) * price
                    )
                    if amount < 0.2:
                        continue
                    stake = amount / price
                    out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
                    control -= stake
                    left -= amount
                    self._asked += amount
            else:
                for inv in lenders:
                    if left < 0.2 or debt_room < 0.2 or len(out) >= slots:
                        break
                    amount = min(left, slice_ * float(obs.public[inv]["cash"]), debt_room)
                    if amount < 0.2:
                        continue
                    terms = {"principal": amount, "rate": rate, "quarters": 12}
                    out.append(self._offer(obs, inv, "loan", terms))
                    left -= amount
                    debt_room -= amount
                    self._asked += amount
        return out

    def _supply_offers(self, obs: Observation) -> list[Propose | None]:
        """A supply contract for the steady part of the merchant fill over the next quarters,
        and a wafer reservation for its own chips once they are (nearly) ready."""
        o = self._outlook(obs)
        out: list[Propose | None] = []
        q = max(1, min(4, o.n))
        ready = o.ready_in is not None and o.ready_in <= 1
        if ready:
            foundries = obs.legal.partners.get("capacity", ())
            have = sum(
                c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) > 1
            )
            steady = min(o.own_need(k) for k in range(q)) * 0.7
            if foundries and steady - have > 2:
                f = max(foundries, key=lambda n: obs.free_capacity.get(n, 0.0))
                price = float(obs.public[f]["wafer_price"])
                wafers = min(steady - have, 0.9 * obs.free_capacity.get(f, 0.0))
                cost = wafers * price * q / 1000
                if wafers >= 1 and 0.05 * cost < 0.2 * self._cash(obs):
                    out.append(
                        self._offer(
                            obs,
                            f,
                            "capacity",
                            {"wafers": wafers, "quarters": q, "price": price, "prepay": 0.05},
                        )
                    )
            return out
        designers = obs.legal.partners.get("supply", ())
        mine = {c["parties"][1] for c in self._active(obs, "supply", 0) if self._left(c) > 1}
        free = [d for d in designers if d not in mine]
        if not free:
            return out
        gens = o.gens
        steady_units = min(o.fill[k] for k in range(q)) * 0.6
        if steady_units <= 0:
            return out
        d = min(free, key=lambda n: float(obs.public[n]["gpu_price"]))
        price = float(obs.public[d]["gpu_price"])
        qty = steady_units * gens[0]
        spare = self._cash(obs) + max(0.0, self._income(obs)) - self._reserve(obs)
        qty = min(qty, max(0.0, spare) * 1000 / price / 2)
        if qty >= 1:
            out.append(
                self._offer(
                    obs,
                    d,
                    "supply",
                    {"quantity": qty, "quarters": q, "price": price * 0.97, "prepay": 0.05},
                )
            )
        return out

    # =========================================================================== moves
    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        self._observe_lab(obs)
        plan = self._plan_quarter(obs)
        o = self._outlook(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        r = obs.rules
        cash = self._cash(obs)
        keep = self._reserve(obs) + self._commitments(obs, 1)[0]  # paid before revenue comes
        free = cash - keep
        if plan["programme"] and "start_chip_programme" in legal and free > r.chip_programme_cost:
            out.append(StartChipProgramme())
            free -= float(r.chip_programme_cost)
        gw = float(plan["campus"])
        if gw > 0 and "fund_campus" in legal:
            lo, hi = legal["fund_campus"]["gw"]
            lag = int(obs.build_costs["campus"]["build_quarters"])
            per = float(obs.build_costs["campus"]["capex_per_gw"]) / lag
            gw = min(gw, hi, max(0.0, free) / per / 2)
            if gw >= lo:
                out.append(FundCampus(gw))
                self._builds.append([float(obs.quarter), gw, float(lag)])
                free -= gw * per
        # Fill the power it has this quarter, no more: its own chips first, then GPUs.
        units = o.fill[0]
        if units > 0 and "buy_spot_wafers" in legal and free > 0.1:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = max(fs, key=lambda n: obs.free_capacity.get(n, 0.0))
            price = float(obs.public[f]["wafer_price"])
            upw = own_units_per_wafer(obs)
            per_wafer = price + r.own_chip_unit_cost * upw  # $k: the wafer and its chips
            contracted = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
            room = max(0.0, o.pkg_room[0] - contracted)
            qty = min(units / upw, room, free * 1000 / per_wafer)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                qty = clamp(qty, lo, hi)
                out.append(BuySpotWafers(f, qty))
                units -= qty * upw
                free -= qty * per_wafer / 1000
        if units > 0 and "buy_spot_gpus" in legal and free > 0.1:
            ds = legal["buy_spot_gpus"]["designer"]
            by_vendor = dict(b["compute_by_vendor"])
            total = max(1.0, float(b["compute"]))
            d = min(
                ds,
                key=lambda n: (
                    float(obs.public[n]["gpu_price"]) * (1 + 0.2 * by_vendor.get(n, 0.0) / total)
                ),
            )
            price = float(obs.public[d]["gpu_price"])
            qty = min(units * o.gens[0], free * 1000 / price)
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo:
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # =========================================================================== judging
    def _lab_purchase_cap(self, obs: Observation, kind: str, quarters: int) -> float:
        """The most it buys a quarter under a contract of ``quarters``: for accelerators the
        power it will have free (the mean fill over the contract), for wafers what its own
        chips need within free packaging."""
        self._observe_lab(obs)
        o = self._outlook(obs)
        q = max(1, min(quarters, o.n))
        if kind == "capacity":
            return sum(o.own_need(k) for k in range(q)) / q
        return sum(o.fill[k] * o.gens[k] for k in range(q)) / q

    def _judge_lease_tenant(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """A lease offered to it: take it if a GW earns more than the rent while it runs."""
        self._observe_lab(obs)
        o = self._outlook(obs)
        q = int(t["quarters"])
        if q * float(t["gw"]) * float(t["rent"]) > self._cash(obs) + self._fundable(obs):
            return None
        v = o.power_npv(0, q, float(t["rent"]), terminal=0.0, extra=float(t["gw"]) / 2)
        if v > 0:
            return True
        fair = self._lease_rent(obs)
        return {**t, "rent": fair} if t["rent"] > fair else None

    def _judge_jv_lab(self, obs: Observation, operator: str, t: Mapping[str, Any]) -> Any:
        """A JV fab offered to it: worth it if its output and hedge beat its capex share."""
        self._observe_lab(obs)
        o = self._outlook(obs)
        value, hedge, pv_capex = o.jv_npv(
            t["site"],
            t["node"],
            float(t["capacity"]),
            float(t["partner_capex_share"]),
            float(t["partner_output_share"]),
            float(t["operator_fee"]),
            self._taiwan_risk(obs),
            None,
            self.params["hedge_quarters"],
        )
        if pv_capex <= 0:
            return None
        cost = obs.fab_capex(t["node"], t["site"], t["capacity"]) * t["partner_capex_share"]
        if cost > self._cash(obs) + self._fundable(obs):
            return None
        if (value + hedge) / pv_capex >= 1.0 + self.params["bet_hurdle"]:
            return True
        return None
