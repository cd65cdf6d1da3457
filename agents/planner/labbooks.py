"""The planner lab's books: its memory, its outlook, its commitments and its fund raising.

:class:`LabBooks` keeps what the lab remembers (what each quarter delivered, the campuses it
funded, the Taiwan output lost so far) and builds the views its choices start from: the
:class:`~agents.planner.outlook.LabOutlook` to the game's end, at its cost of capital (the base
rate plus ``capital_cost``, more when investors turned it down) and its Taiwan belief (the
``taiwan_risk`` prior updated by what the game shows); what its contracts and builds commit it
to; the money investors could still put up; and the offers that raise it (equity down to
``control_floor``, loans its revenue can carry; loans first while its valuation is a low
multiple of revenue; the Gulf funds first for a fab bet).
"""

from __future__ import annotations

from typing import Any

from agents.planner.offers import control_left
from agents.planner.outlook import TAIWAN_KINDS, LabOutlook
from agents.planner.power import power_units
from agents.planner.projection import PlannerBase
from agents.tactics import clamp, equity_asks
from game.decisions import Propose
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["LabBooks"]


class LabBooks(PlannerBase):
    """The planner lab's memory, outlook, commitments and fund raising.

    Not a policy of its own: the base of :class:`~agents.planner.lab.LabPlanning`.
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
            self._add_contract_payments(obs, c, out)
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
                asks = equity_asks(
                    obs, investors, left, slice_, control, floor, price, slots - len(out)
                )
                for inv, amount, stake in asks:
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
