"""The planner as a lab: a cash runway projected compute by compute, then own chips and GPUs.

As a **lab** it starts its own chip programme at once (if it can pay the first quarter) and reserves
foundry wafers for the quarter the chips are ready, the largest reservation whose projected cash
never runs out (own chips cost a fraction of a designer's); spreads supply contracts over the
designers, sized to its spare cash, and buys GPUs only while one earns its price and hosting over
its life (in the last ``compute_life`` quarters it spends more, as compute bought then is still in
service at the end). It raises equity down to ``control_floor``, then loans its revenue can carry,
offering a ``discount`` when short, and asks smaller slices of funds that turned it down. It pays up
to 15 % over list for wafers it makes chips from.
"""

from __future__ import annotations

from agents.planner.offers import control_left
from agents.planner.projection import PlannerBase
from agents.tactics import clamp
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    Propose,
    StartChipProgramme,
)
from game.observation import Observation

__all__ = ["LabPlanning"]


class LabPlanning(PlannerBase):
    """The planner's lab: its cash projection, fund raising, chip programme and compute buying.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`.
    """

    def _lab_projection(
        self, obs: Observation, extra: tuple[float, int, float] | None = None
    ) -> tuple[float, float, float]:
        """Project the lab's cash over the horizon, compute by compute.

        Compute in service changes by what contracts will deliver (supply, own wafers) less what
        retires; the revenue run-rate moves 35 % a quarter toward what that compute earns at the
        projected AI demand; hosting follows compute. ``extra`` is a wafer reservation it thinks
        of signing (k wafers a quarter, quarters, price). Returns (lowest cash, the cash it wants
        to keep, the running income a quarter at the horizon).
        """
        b, m = obs.books, obs.market
        c0 = max(1.0, float(b["compute"]))
        rr = float(b["revenue_run_rate"])
        last = b["last_quarter"]
        hosting = -float(last.get("hosting", 0.0)) or obs.rules.hosting_cost * c0
        host_rate = hosting / c0
        opex = float(b["fixed_opex"])
        # What a kH100e earns a year now: the target the run-rate was moving toward.
        hist = self._seen.get(obs.actor, [])
        target = rr + (rr - hist[-2]) / 0.35 if len(hist) >= 2 else rr
        per_c = max(0.0, target) / c0
        g_d = self._market_growth(2)
        gen = float(m["generation"])
        left = b["programme_quarters_left"]
        own_per_wafer = obs.rules.own_chip_efficiency * obs.rules.packages_per_wafer * gen
        supply = [(c["terms"]["quantity"], self._left(c)) for c in self._active(obs, "supply", 0)]
        supply += [
            (c["terms"]["quantity"], self._left(c))
            for c in self._active(obs, "vendor_financing", 1)
        ]
        wafers = [(c["terms"]["wafers"], self._left(c)) for c in self._active(obs, "capacity", 0)]
        extra_pay = [0.0] * self._h
        if extra is not None:
            w, n, price = extra
            wafers.append((w, n))
            extra_pay = [w * price / 1000 if k < n else 0.0 for k in range(self._h)]
        cash = self._cash(obs)
        low = cash
        c = c0
        income = 0.0
        life = obs.rules.compute_life
        for k in range(self._h):
            ready = left is not None and left <= k + 1
            inc = sum(q for q, n in supply if k < n)
            if ready:
                inc += sum(w for w, n in wafers if k < n) * own_per_wafer * 0.8
            c = max(0.0, c + inc - c0 / life)
            d = (1 + g_d) ** (k + 1)
            rr += 0.35 * (per_c * c * d - rr)
            unit = (
                (
                    obs.rules.own_chip_unit_cost
                    / gen
                    * own_per_wafer
                    / 1000
                    * sum(w for w, n in wafers if k < n)
                )
                if ready
                else 0.0
            )
            income = rr / 4 - opex - host_rate * c - unit
            rnd = obs.rules.chip_programme_cost if left and k < left else 0.0
            cash += income - rnd - self._obligations(obs, k) - extra_pay[k]
            low = min(low, cash)
        reserve = (1 + self.params["safety"]) * (opex + max(0.0, -income))
        # A loss still running at the horizon must be funded after it: keep in hand what the
        # investors around could not put up.
        after = max(0.0, -income) * self._h
        reserve += max(0.0, after - self._fundable(obs))
        return low, reserve, income

    def _fundable(self, obs: Observation) -> float:
        """What the investors could put up in one round each (about what they accept), $B,
        discounted by how much of what it asked for it actually got so far."""
        pool = sum(
            0.45 * max(0.0, float(p["cash"]))
            for n, p in obs.public.items()
            if p["role"] == "investor" and n != obs.actor and not p["insolvent"]
        )
        return pool * self._credibility()

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

    def _lab_raise(
        self, obs: Observation, need: float, income: float, short: bool
    ) -> list[Propose | None]:
        """Raise ``need``: equity down to the control floor, then loans the income can carry.

        When the projection is ``short`` it offers its equity a little under the public valuation
        (funds that want a discount then sign); the more of what it asked for it failed to get,
        the smaller the slices it asks of each fund.
        """
        out: list[Propose | None] = []
        investors = [
            n for n in obs.legal.partners.get("equity", ()) if obs.public[n]["role"] == "investor"
        ]
        lenders = [n for n in obs.legal.partners.get("loan", ())]
        investors.sort(key=lambda n: -float(obs.public[n]["cash"]) * obs.trust_in.get(n, 0.5))
        lenders.sort(key=lambda n: -float(obs.public[n]["cash"]) * obs.trust_in.get(n, 0.5))
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        control = control_left(obs)
        floor = self.params["control_floor"]
        if obs.books["distressed"]:
            floor = min(floor, 0.3)
        rr = float(obs.books["revenue_run_rate"])
        debt_room = max(0.0, 2 * rr + 8 * max(0.0, income) - self._debt(obs))
        rate = float(obs.market["base_rate"]) + 0.04
        price = val * (1 - self.params["discount"]) if short else val
        slice_ = 0.05 + 0.4 * self._credibility()
        left = need
        for inv in investors:
            if left < 0.2 or len(out) >= max(1, obs.legal.proposals_left - 1):
                break
            amount = min(left, slice_ * float(obs.public[inv]["cash"]), (control - floor) * price)
            if amount < 0.2:
                continue
            stake = amount / price
            out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
            control -= stake
            left -= amount
            self._asked += amount
        for inv in lenders:
            if left < 0.2 or debt_room < 0.2 or len(out) >= obs.legal.proposals_left:
                break
            amount = min(left, slice_ * float(obs.public[inv]["cash"]), debt_room)
            if amount < 0.2:
                continue
            out.append(
                self._offer(obs, inv, "loan", {"principal": amount, "rate": rate, "quarters": 12})
            )
            left -= amount
            debt_room -= amount
            self._asked += amount
        return out

    def _lab_budget(self, obs: Observation) -> tuple[float, float, float, float]:
        """(spare cash over the horizon, budget to commit now, income at horizon, reserve)."""
        low, reserve, income = self._lab_projection(obs)
        spare = low - reserve
        risk = self.params["risk"]
        life = obs.rules.compute_life
        if obs.quarters_left <= life:
            # Compute bought now is in service at the end; cash left over earns nothing.
            risk += (1 - risk) * (1 - obs.quarters_left / life)
        return spare, max(0.0, risk * spare), income, reserve

    def _gpu_pays(self, obs: Observation, price: float) -> bool:
        """Whether a kH100e at ``price`` earns back price and hosting over its life in the game."""
        b, m = obs.books, obs.market
        c0 = max(1.0, float(b["compute"]))
        life = min(obs.rules.compute_life, obs.quarters_left)
        g_d = self._market_growth(2)
        rr = float(b["revenue_run_rate"])
        per_c = rr / c0  # average earnings, below the marginal ones while revenue catches up
        d_avg = sum((1 + g_d) ** k for k in range(life)) / max(1, life)
        earn = per_c / 4 * d_avg * life * 1.2
        host = obs.rules.hosting_cost / float(m["generation"]) * life
        return earn - host >= price / 1000 * (1 - self.params["growth"] * 0.3)

    def _growth_need(self, obs: Observation) -> float:
        """Cash the lab's compute plan needs over the horizon ($B): own wafers, then GPUs."""
        b = obs.books
        h = self._h
        need = 0.0
        left = b["programme_quarters_left"]
        foundries = obs.others("foundry")
        if left is not None and left <= h and foundries:
            f = max(foundries, key=lambda n: self._packaging_room(obs, n))
            wafers = 0.7 * self._packaging_room(obs, f)
            price = float(obs.public[f]["wafer_price"])
            need += wafers * self._own_wafer_cost(obs, price) / 1000 * (h - left)
        designers = obs.others("designer")
        if designers:
            price = min(float(obs.public[d]["gpu_price"]) for d in designers)
            endgame = obs.quarters_left <= obs.rules.compute_life
            if endgame or self._gpu_pays(obs, price):
                growth = max(0.1, self._market_growth(2) + 0.06) * self.params["growth"]
                need += float(b["compute"]) * growth * price / 1000 * h
        return need

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        self._observe(obs)
        b = obs.books
        out: list[Propose | None] = []
        spare, budget, income, reserve = self._lab_budget(obs)
        left = b["programme_quarters_left"]
        # Own chips are the cheapest compute: reserve wafers to arrive the quarter the programme is
        # ready, sized to the packaging left free (funded by raising if need be).
        own = []
        if left is not None and left <= 1 and obs.quarters_left > 2:
            own = self._lab_wafers(obs, 0.5 * self._fundable(obs))
        deficit = max(0.0, -spare) + (reserve if spare < 0 else 0.0)
        growth = max(0.0, self._growth_need(obs) - max(0.0, spare))
        if deficit > 0 or growth > 0 or b["distressed"]:
            out += self._lab_raise(obs, deficit + growth, income, deficit > 0)
        out += own
        if spare <= 0:
            return out[: obs.legal.proposals_left]
        if own:
            budget *= 0.5
        # Supply contracts over the horizon, spread over the designers (less concentration).
        designers = obs.legal.partners.get("supply", ())
        mine = {c["parties"][1] for c in self._active(obs, "supply", 0) if self._left(c) > 1}
        free = [d for d in designers if d not in mine]
        if free and budget > 0.3:
            q = max(4, min(self._h, obs.quarters_left))
            per_designer = 0.6 * budget / len(designers)
            for d in sorted(free, key=lambda n: float(obs.public[n]["gpu_price"]))[:2]:
                price = float(obs.public[d]["gpu_price"])
                if not self._gpu_pays(obs, price) and obs.quarters_left > obs.rules.compute_life:
                    continue
                qty = per_designer * 1000 / price / q
                if qty >= 1:
                    out.append(
                        self._offer(
                            obs,
                            d,
                            "supply",
                            {"quantity": qty, "quarters": q, "price": price * 0.97, "prepay": 0.05},
                        )
                    )
        return out[: obs.legal.proposals_left]

    def _lab_wafers(self, obs: Observation, funds: float) -> list[Propose | None]:
        """A capacity reservation for the lab's own chips, sized to the packaging left free and
        to the ``funds`` it can count on over the contract."""
        have = sum(
            c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) > 1
        )
        foundries = obs.legal.partners.get("capacity", ())
        if have > 0 or not foundries:
            return []
        f = max(foundries, key=lambda n: self._packaging_room(obs, n))
        room = self._packaging_room(obs, f)
        price = float(obs.public[f]["wafer_price"])
        q = max(4, min(self._h, obs.quarters_left))
        afford = (self._cash(obs) - float(obs.books["fixed_opex"])) / (0.05 * q * price / 1000)
        most = min(0.7 * room, obs.free_capacity[f], afford)
        # Own chips pay back within a few quarters, once revenue catches up with the compute:
        # the largest reservation whose projected cash never runs out (counting on the funds
        # it can raise) is the one it asks for.
        wafers = 0.0
        for share in (1.0, 0.7, 0.5, 0.35, 0.25, 0.15):
            w = most * share
            low, _, _ = self._lab_projection(obs, (w, q, price))
            if low + funds >= 0.5 * float(obs.books["fixed_opex"]):
                wafers = w
                break
        if wafers < 1:
            return []
        return [
            self._offer(
                obs,
                f,
                "capacity",
                {"wafers": wafers, "quarters": q, "price": price, "prepay": 0.05},
            )
        ]

    @staticmethod
    def _own_wafer_cost(obs: Observation, price: float) -> float:
        """$k a wafer of the lab's own chips costs: the wafer and the own-chip unit cost."""
        r = obs.rules
        return price + r.own_chip_unit_cost * r.own_chip_efficiency * r.packages_per_wafer

    def _packaging_room(self, obs: Observation, foundry: str) -> float:
        """k wafers a quarter of a foundry's packaging that chip makers do not use yet."""
        gen = float(obs.market["generation"])
        pkg = float(obs.public[foundry]["packaging_capacity"])
        total = sum(
            float(p["packaging_capacity"])
            for p in obs.public.values()
            if p["role"] == "foundry" and not p["insolvent"]
        )
        share = pkg / max(1e-9, total)
        used = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        return max(0.0, pkg - share * used / (obs.rules.packages_per_wafer * gen))

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        _, budget, _, _ = self._lab_budget(obs)
        cash = self._cash(obs)
        r = obs.rules
        programme = r.chip_programme_cost * r.chip_programme_quarters
        if (
            "start_chip_programme" in legal
            and obs.quarters_left > r.chip_programme_quarters + 3
            and cash > r.chip_programme_cost + float(b["fixed_opex"])
            and obs.others("foundry")
        ):
            out.append(StartChipProgramme())
            budget = max(0.0, budget - programme)
        free_cash = cash - float(b["fixed_opex"]) - self._obligations(obs, 0)
        budget = min(budget, free_cash)
        own_budget = max(budget, 0.25 * free_cash)  # own chips pay back within a few quarters
        if "buy_spot_wafers" in legal and own_budget > 0.1:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = max(fs, key=lambda n: self._packaging_room(obs, n))
            price = float(obs.public[f]["wafer_price"])
            per_wafer = self._own_wafer_cost(obs, price)
            have = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
            room = 0.7 * self._packaging_room(obs, f) - have
            # Own chips are the cheapest compute: most of the budget goes to them.
            qty = min(0.7 * own_budget * 1000 / per_wafer, room)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                qty = clamp(qty, lo, hi)
                out.append(BuySpotWafers(f, qty))
                budget = min(budget, free_cash - qty * per_wafer / 1000)
        if "buy_spot_gpus" in legal and budget > 0.1:
            ds = legal["buy_spot_gpus"]["designer"]
            by_vendor = dict(b["compute_by_vendor"])
            total = max(1.0, float(b["compute"]))
            d = min(
                ds,
                key=lambda n: (
                    float(obs.public[n]["gpu_price"]) * (1 + by_vendor.get(n, 0.0) / total)
                ),
            )
            price = float(obs.public[d]["gpu_price"])
            endgame = obs.quarters_left <= r.compute_life
            if endgame or self._gpu_pays(obs, price):
                qty = budget * 1000 / price
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                if qty >= lo:
                    out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out
