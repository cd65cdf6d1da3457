"""Lab moves of the reciprocal family.

Keeps a runway and buys only compute that pays and that its power can run, from the suppliers in
best standing; leases campus power from investors that kept faith — asking one that could host
it to build, when none has room — and builds its own campuses only when none will; starts its
own chips only when they pay over the quarters left; raises money from partners that kept faith,
from one that can afford what it asks, without committing to more builds than its cash can
pay.

Part of :class:`~agents.reciprocal.ReciprocalPolicy`: a mixin, not a policy of its own; it uses
the family's memory and standing (``agents/reciprocal/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.reciprocal.economics import (
    GW_UNITS,
    cloud_gw_ahead,
    fair_rent,
    free_campus_gw,
    lab_compute_that_pays,
    lab_power_need,
    lab_power_room,
    lab_revenue_margin,
    lab_running_flow,
    own_chip_cost,
    running_cost,
)
from agents.tactics import (
    REF_DPW,
    clamp,
    debt_service,
    generation_ahead,
    my_active,
    purchase_obligations,
    wafers_contracted,
)
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

if TYPE_CHECKING:
    from agents.reciprocal.parts import ReciprocalParts
else:
    ReciprocalParts = object  # the whole policy, to the type checker (see parts.py)

__all__ = ["LabReciprocity"]

#: Control it keeps when it raises money to grow (it gives up more only to survive).
CONTROL_FLOOR = 0.4
#: Share of the compute it buys that its own chips may make, once they are ready (wafers and
#: packaging are shared with the designers; a young chip is not yet trusted with everything).
OWN_SHARE = 0.5


class LabReciprocity(ReciprocalParts):
    """The lab's proposals and moves of the reciprocal family."""

    # -- money ------------------------------------------------------------------------------------
    def _lab_obligations(self, obs: Observation, builds: bool = True) -> float:
        """What it must pay a quarter whatever it decides ($B): deliveries bought under
        contract, loans, lease rents and (with ``builds``) chip R&D and the campuses it is
        building."""
        mine = self._mine(obs)
        rents = sum(
            float(c["terms"]["gw"]) * float(c["terms"]["rent"])
            for c in my_active(obs, "lease", mine)
            if c["parties"][0] == obs.actor
        )
        out = purchase_obligations(obs, mine) + debt_service(obs, mine) + rents
        if builds:
            campus = obs.build_costs["campus"]
            building = float(obs.books["campus_building_gw"]) * float(campus["capex_per_gw"])
            rnd = obs.rules.chip_programme_cost if obs.books["programme_quarters_left"] else 0.0
            out += rnd + building / max(1, int(campus["build_quarters"]))
        return out

    def _builds_owed(self, obs: Observation) -> float:
        """What its builds under way will still cost ($B, roughly): the campuses (a quarter paid
        on average: it builds as its power runs short, so most are young) and the chip
        programme's quarters left (slips included)."""
        capex = float(obs.build_costs["campus"]["capex_per_gw"])
        owed = 0.75 * float(obs.books["campus_building_gw"]) * capex
        left = obs.books["programme_quarters_left"]
        if left:
            r = obs.rules
            owed += left * r.chip_programme_cost / (1.0 - r.chip_programme_slip)
        return owed

    def _build_budget(self, obs: Observation) -> float:
        """$B it can commit to new builds (campuses, a chip programme): its spare cash and the
        cash its running earns over a campus's build, less what its builds under way still
        cost."""
        quarters = int(obs.build_costs["campus"]["build_quarters"])
        flow = lab_running_flow(obs) - self._lab_obligations(obs, builds=False)
        return (
            self._cash(obs)
            - self._reserve(obs)
            - self._builds_owed(obs)
            + quarters * max(0.0, flow)
        )

    def _instalment_room(self, obs: Observation) -> float:
        """$B a quarter more it could pay for builds: seven tenths of its cash from running
        beyond what it owes, and its spare cash spread over a campus's build, less the
        instalments of its builds under way."""
        campus = obs.build_costs["campus"]
        quarters = int(campus["build_quarters"])
        flow = lab_running_flow(obs) - self._lab_obligations(obs, builds=False)
        paying = self._lab_obligations(obs) - self._lab_obligations(obs, builds=False)
        return 0.7 * max(0.0, flow) + max(0.0, self._spare(obs)) / quarters - paying

    def _net_flow(self, obs: Observation) -> float:
        """Cash it expects a quarter before anything new ($B): from running, less what it owes."""
        return lab_running_flow(obs) - self._lab_obligations(obs)

    def _reserve(self, obs: Observation, payoff: float = 0.0) -> float:
        """Cash to keep in hand ($B): two quarters of what it owes beyond what running brings
        in, two of any loss from running — less when compute pays well (``payoff``: what a
        kH100e earns over its price), for buying compute is how it gets out of a loss — and half
        a quarter of its fixed costs."""
        running = lab_running_flow(obs)
        owed = self._lab_obligations(obs)
        return (
            2.0 * max(0.0, owed - max(0.0, running))
            + 2.0 * max(0.0, -running) / (1.0 + max(0.0, payoff))
            + 0.5 * float(obs.books["fixed_opex"])
        )

    def _spare(self, obs: Observation) -> float:
        return self._cash(obs) - self._reserve(obs)

    # -- power ------------------------------------------------------------------------------------
    def _need_growth(self, obs: Observation) -> float:
        """Quarterly growth of the power its compute draws, over the last year it remembers."""
        hist = self._need_hist
        if len(hist) < 3 or hist[0] <= 1e-6:
            return 0.05
        g = (hist[-1] / hist[0]) ** (1.0 / (len(hist) - 1)) - 1.0
        return clamp(g, 0.0, 0.2)

    def _recip_power_gap(self, obs: Observation, quarters: float) -> float:
        """GW its compute will lack ``quarters`` from now if its draw keeps growing as it has,
        counting its campuses, those being built, its leases and the clouds' growth."""
        b = obs.books
        now = lab_power_need(obs)
        need = max(now * (1.0 + self._need_growth(obs)) ** quarters, self._power_that_pays(obs))
        have = (
            float(b["campus_gw"])
            + float(b["campus_building_gw"])
            + float(b["leased_gw"])
            + cloud_gw_ahead(obs, quarters)
        )
        return need - have

    def _power_that_pays(self, obs: Observation) -> float:
        """GW it would draw with all the compute that pays at today's prices: its own, and as
        much of today's chips as still earns more than it costs (price over its life, hosting,
        and power at the clouds' rent) in the one AI market."""
        price = self._best_price(obs)
        if price <= 0:
            return lab_power_need(obs)
        cost = price / 1000 / obs.rules.compute_life + running_cost(obs, on_cloud=True)
        more = lab_compute_that_pays(obs, cost)
        return lab_power_need(obs) + more / (GW_UNITS * float(obs.market["generation"]))

    def _power_value(self, obs: Observation) -> float:
        """$B a quarter one more GW earns once it is filled with today's chips (their marginal
        revenue less hosting); what it would pay for power at most."""
        units = GW_UNITS * float(obs.market["generation"])
        return units * max(0.0, lab_revenue_margin(obs) - running_cost(obs, on_cloud=False))

    def _landlords(self, obs: Observation) -> list[tuple[str, float]]:
        """Investors in good standing it may lease from, best first, with the GW each has free."""
        out = []
        for inv in self._ranked(obs, list(obs.legal.partners.get("lease", ()))):
            if self._standing(obs, inv) < 0.4 or self._last.get(inv, 0) < 0:
                continue
            free = free_campus_gw(obs, inv)
            if free >= 0.05:
                out.append((inv, free))
        return out

    def _hosts(self, obs: Observation) -> list[str]:
        """Investors in good standing that could host its compute (a Gulf fund needs an export
        licence), best first."""
        out = []
        for inv in self._ranked(obs, list(obs.legal.partners.get("lease", ()))):
            pub = obs.public[inv]
            if self._standing(obs, inv) < 0.4 or self._last.get(inv, 0) < 0:
                continue
            if pub["country"] in GULF_COUNTRIES and not pub["licence"]:
                continue
            out.append(inv)
        return out

    def _lab_lease(self, obs: Observation) -> Propose | None:
        """A lease from the landlord in best standing, when its power runs short within a year;
        if none has room, it asks the investor in best standing that could host it for the
        power it will lack by the time a campus is built (a request: the investor may build)."""
        if obs.quarters_left < 4 or any(o["kind"] == "lease" for o in obs.sent):
            return None
        rent = fair_rent(obs)
        if self._power_value(obs) < rent:
            return None  # the power would not earn its rent
        gap = max(self._recip_power_gap(obs, 2), 0.5 * self._recip_power_gap(obs, 4))
        quarters = min(obs.quarters_left, 16)
        if gap >= 0.05:
            for inv, free in self._landlords(obs):
                f = self._terms_factor(obs, inv)
                gw = min(free * 0.95, gap)  # a landlord in good standing is paid more:
                terms = {"gw": gw, "quarters": quarters, "rent": rent / f}
                if gw >= 0.05:
                    return self._offer(obs, inv, "lease", terms)
        build_q = int(obs.build_costs["campus"]["build_quarters"])
        ahead = self._recip_power_gap(obs, build_q + 1)
        hosts = self._hosts(obs)
        if ahead >= 0.1 and hosts and obs.quarters_left > build_q + 4:
            f = self._terms_factor(obs, hosts[0])
            self._asked += 1
            return self._offer(
                obs, hosts[0], "lease", {"gw": ahead, "quarters": 16, "rent": rent / f}
            )
        return None

    def _lab_campus(self, obs: Observation, spare: float) -> FundCampus | None:
        """Build a campus when power will run short by the time one is built and no landlord in
        good standing has the room, if it pays and it can afford it."""
        legal = obs.legal.moves.get("fund_campus")
        campus = obs.build_costs["campus"]
        build_q = int(campus["build_quarters"])
        if legal is None or obs.quarters_left < build_q + 4:
            return None
        gap = self._recip_power_gap(obs, build_q + 1)
        gap -= sum(free for _, free in self._landlords(obs))
        if gap < 0.05 or (self._hosts(obs) and self._asked < 3):
            return None  # it asks investors that could host it first (three quarters)
        capex = float(campus["capex_per_gw"])
        earning_quarters = min(16, obs.quarters_left - build_q)
        per_gw = self._power_value(obs) - obs.rules.campus_opex_per_gw
        if per_gw * earning_quarters < capex:
            return None  # it would not pay for itself before the game ends
        # It commits half of what it can to new builds, and pays the first quarter from cash.
        first = 0.8 * self._cash(obs) * obs.rules.campus_build_quarters / capex
        per_quarter = max(0.0, self._instalment_room(obs)) * build_q / capex
        gw = min(gap, 0.5 * max(0.0, self._build_budget(obs)) / capex, first, per_quarter)
        lo, hi = legal["gw"]
        if gw < lo:
            return None
        return FundCampus(clamp(gw, lo, hi))

    # -- compute ----------------------------------------------------------------------------------
    def _unit_value(self, obs: Observation, price: float) -> float:
        """$B one kH100e bought now at ``price`` ($k) earns over its service life, less its price:
        its marginal revenue less running it (cloud rent included when the power it would use is
        a cloud's). The world goes on after the game's last quarter: so does its compute."""
        b = obs.books
        own_power = float(b["campus_gw"]) + float(b["leased_gw"])
        on_cloud = lab_power_need(obs) >= own_power - 1e-6
        mr = lab_revenue_margin(obs)
        margin = mr - running_cost(obs, on_cloud)
        return obs.rules.compute_life * margin - price / 1000.0 + self._equity_value(obs, mr)

    def _equity_value(self, obs: Observation, revenue_margin: float) -> float:
        """What a kH100e's revenue is worth in the equity it can still sell without losing
        control ($B): investors pay a growing lab's full revenue multiple. A young lab grows its
        revenue to raise at a good price; one that has sold what it will sell gains nothing."""
        if obs.quarters_left <= 8:
            return 0.0
        sellable = float(obs.public[obs.actor]["control"]) - CONTROL_FLOOR
        # A round sells at most a sixth or so of the company: the rest is not for sale soon.
        return 4.0 * revenue_margin * obs.rules.lab_multiple * clamp(sellable, 0.0, 0.15)

    @staticmethod
    def _own_per_wafer(obs: Observation) -> float:
        """kH100e of its own chips a thousand wafers make now."""
        return obs.rules.own_chip_efficiency * REF_DPW * float(obs.market["generation"])

    def _coming(self, obs: Observation) -> float:
        """kH100e a quarter already on their way: supply deliveries and its own chips' output."""
        mine = self._mine(obs)
        supply = sum(
            float(c["terms"]["quantity"])
            for c in my_active(obs, None, mine)
            if c["kind"] in ("supply", "vendor_financing")
        )
        own = 0.0
        if obs.public[obs.actor]["chip_programme"] == "ready":
            own = wafers_contracted(obs, mine) * self._own_per_wafer(obs)
        return supply + own

    def _room(self, obs: Observation) -> float:
        """kH100e of today's chips worth buying this quarter, beyond what is on its way.

        What its free power can run; and, once its power is full, a little more if that pays:
        the game spreads the power it has over all its compute, so a newer chip in service takes
        the place of an older, power-hungrier one (each new kH100e then serves only
        ``served share × (1 - fleet generation / today's)`` of a kH100e).
        """
        free = max(0.0, lab_power_room(obs) - self._coming(obs))
        pub = obs.public[obs.actor]
        compute = float(pub["compute"])
        need = lab_power_need(obs) * GW_UNITS
        if compute <= 1e-9 or need <= 1e-9 or free > 0.1 * compute:
            return free
        gen = float(obs.market["generation"])
        share = min(1.0, float(pub["powered_gw"]) * GW_UNITS / need)
        swap = share * (1.0 - (compute / need) / gen)
        price = self._best_price(obs)
        if swap < 0.3 or price <= 0:
            return free
        mr = lab_revenue_margin(obs)
        margin = mr - running_cost(obs, on_cloud=False)
        value = obs.rules.compute_life * margin + self._equity_value(obs, mr)
        if value * swap < price / 1000.0:
            return free
        return max(free, 0.1 * compute)

    def _spend_units(self, obs: Observation) -> float:
        """kH100e a quarter its recent spending on compute buys at today's best price."""
        prices = [float(obs.public[d]["gpu_price"]) for d in obs.others("designer")]
        return self._spend_avg * 1000 / min(prices) if prices else 0.0

    def _best_price(self, obs: Observation) -> float:
        """The lowest merchant price per H100e now ($k; 0 if no designer is left)."""
        return min((float(obs.public[d]["gpu_price"]) for d in obs.others("designer")), default=0)

    def _payoff(self, obs: Observation) -> float:
        """What a kH100e bought now at the best price earns over its price (0 = it just pays)."""
        price = self._best_price(obs)
        return self._unit_value(obs, price) / (price / 1000) if price > 0 else 0.0

    def _compute_budget(self, obs: Observation, spare: float | None = None) -> float:
        """$B it may spend on compute this quarter: a share of its spare cash that grows (from
        ``risk`` to 0.9) with what compute pays."""
        spare = self._spare(obs) if spare is None else spare
        payoff = max(0.0, self._payoff(obs))
        spare += self._reserve(obs) - self._reserve(obs, payoff)  # it keeps less when it pays
        share = clamp(self.params["risk"] + 0.25 * payoff, self.params["risk"], 0.9)
        return share * max(0.0, spare)

    # -- proposals --------------------------------------------------------------------------------
    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = [self._raise_money(obs), self._lab_lease(obs)]
        budget = self._compute_budget(obs)
        room = self._room(obs)
        ending = [
            c
            for c in my_active(obs, "supply", self._mine(obs))
            if c["terms"]["quarters"] - c["quarters_done"] > 1
        ]
        designers = self._ranked(obs, obs.others("designer"), lambda n: obs.public[n]["gpu_price"])
        if designers and not ending and budget > 0 and room > 1:
            d = designers[0]
            price = float(obs.public[d]["gpu_price"])
            if self._unit_value(obs, price) > 0:
                # A steady part of what it buys, from the designer in best standing: what half
                # of today's budget buys, within half of the power it has room for.
                qty = min(0.5 * budget * 1000 / price, 0.5 * room)
                f = self._terms_factor(obs, d)
                # The list price falls with each generation: a fair fixed price is the list's
                # over the contract (its middle quarter); a vendor in good standing gets more.
                fair = price / generation_ahead(obs, 1.0)
                if qty >= 1:
                    terms = {
                        "quantity": qty,
                        "quarters": 3,
                        "price": fair * (1.0 + 0.5 * (1.0 / f - 1.0)),
                        "prepay": 0.2 if f < 1.0 else 0.0,
                    }
                    out.append(self._offer(obs, d, "supply", terms))
        out.append(self._wafer_offer(obs, budget, room))
        return out

    def _growth_need(self, obs: Observation) -> float:
        """$B it could put to work now beyond what it can spare: compute for half of its power's
        room and two instalments of the campus its power will lack, while compute pays well."""
        if obs.quarters_left <= 8 or self._payoff(obs) <= 0.5:
            return 0.0
        want = 0.5 * self._room(obs) * self._best_price(obs) / 1000
        campus = obs.build_costs["campus"]
        gap = self._recip_power_gap(obs, int(campus["build_quarters"]) + 1)
        if gap > 0.05 and self._power_value(obs) > obs.rules.campus_opex_per_gw:
            want += 2 * gap * float(campus["capex_per_gw"]) / int(campus["build_quarters"])
        return want - max(0.0, self._spare(obs))

    def _raise_money(self, obs: Observation) -> Propose | None:
        """Money from the investor in best standing: to get through hard times, or to grow when
        compute pays well. Equity while its growth earns it a good price (a revenue multiple
        well above a mature company's), else a loan it can service; equity at a low price only
        to survive."""
        b, cash = obs.books, self._cash(obs)
        reserve = self._reserve(obs)
        investors = self._ranked(obs, obs.others("investor"), lambda n: -obs.public[n]["cash"])
        if not investors:
            return None
        short = cash < reserve or bool(b["distressed"])
        amount = max(2.0 * reserve - cash if short else 0.0, self._growth_need(obs))
        if amount < 2.0 and not short:
            return None
        amount = max(2.0, amount)
        # The investor in best standing that could put up that much (a third of its cash); if
        # none could, the richest of them, for what it could.
        able = [n for n in investors if float(obs.public[n]["cash"]) / 3 >= amount]
        inv = able[0] if able else max(investors, key=lambda n: float(obs.public[n]["cash"]))
        amount = min(amount, max(1.0, float(obs.public[inv]["cash"]) / 3))
        control = float(obs.public[obs.actor]["control"])
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        f = self._terms_factor(obs, inv)
        rate = float(obs.market["base_rate"]) + 0.03 / f
        loan = min(amount, self._borrowable(obs, rate, 16))
        r = obs.rules
        good_price = (
            float(obs.public[obs.actor]["revenue_run_rate"])
            * (0.5 * (r.lab_multiple + r.lab_multiple_mature))
            <= val - cash
        )
        if good_price or (short and loan < min(amount, 1.0)):
            stake = amount / (val * f)  # a trusted investor gets a better price
            # It keeps control (40 %) when raising to grow; to get through hard times it gives
            # more.
            floor = 0.25 if b["distressed"] else 0.3 if short else CONTROL_FLOOR
            if control - stake < floor and control - floor > 0.01:
                stake = control - floor - 0.005  # what it can raise without losing more control
            if control - stake >= floor and stake * val * f >= 0.5:
                terms = {"amount": stake * val * f, "stake": stake}
                return self._offer(obs, inv, "equity", terms)
        if loan >= 1.0 or b["distressed"]:
            terms = {"principal": max(loan, 1.0), "rate": rate, "quarters": 16}
            return self._offer(obs, inv, "loan", terms)
        return None

    def _wafer_offer(self, obs: Observation, budget: float, room: float) -> Propose | None:
        """Wafers for its own chips, from the foundry in best standing, once they are (nearly)
        ready: what they can make of its room, within a share of its budget."""
        left = obs.books["programme_quarters_left"]
        if left is None or left > 1 or wafers_contracted(obs, self._mine(obs)) > 0:
            return None
        foundries = self._ranked(obs, obs.others("foundry"), lambda n: obs.public[n]["wafer_price"])
        if not foundries or budget <= 0:
            return None
        f_name = foundries[0]
        price = float(obs.public[f_name]["wafer_price"])
        per_wafer = self._own_per_wafer(obs)
        cost = own_chip_cost(obs, price) * per_wafer  # $k a wafer made into chips
        wafers = min(
            OWN_SHARE * max(room, self._spend_units(obs)) / per_wafer,
            0.5 * budget * 1000 / cost,
            0.6 * float(obs.free_capacity.get(f_name, 0.0)),
        )
        if wafers < 1:
            return None
        f = self._terms_factor(obs, f_name)
        terms = {"wafers": wafers, "quarters": 8, "price": price / f, "prepay": 0.05}
        return self._offer(obs, f_name, "capacity", terms)

    # -- moves ------------------------------------------------------------------------------------
    def _programme_pays(self, obs: Observation, spare: float) -> bool:
        """Whether its own chips would pay over the quarters left: what they save on the compute
        it buys (half of it, at the best merchant price less the discount a loyal buyer can
        expect) against the programme's cost, counting the quarters a slip costs."""
        r = obs.rules
        slip = float(r.chip_programme_slip)
        cost = float(r.chip_programme_cost) * r.chip_programme_quarters / (1.0 - slip)
        ready_in = r.chip_programme_quarters / (1.0 - slip) + 1.0
        use = obs.quarters_left - ready_in
        if use < 6 or spare < 2 * r.chip_programme_cost or self._build_budget(obs) < cost:
            return False
        designers = obs.others("designer")
        foundries = [n for n in obs.others("foundry") if not self._shunned(obs, n)]
        if not designers or not foundries:
            return False
        merchant = 0.9 * min(float(obs.public[d]["gpu_price"]) for d in designers)
        wafer = min(float(obs.public[f]["wafer_price"]) for f in foundries)
        saving = 1.0 - own_chip_cost(obs, wafer) / max(merchant, 1e-9)
        # What it spends on compute a quarter: its recent average, growing with its revenue.
        growth = clamp(self._revenue_growth(obs), 0.0, 0.08)
        spend = self._spend_avg * min(3.0, (1.0 + growth) ** (ready_in + use / 2))
        return OWN_SHARE * saving * spend * use > 1.5 * cost

    def _revenue_growth(self, obs: Observation) -> float:
        hist = self._revenue_hist
        if len(hist) < 3 or hist[0] <= 1e-6:
            return 0.0
        return (hist[-1] / hist[0]) ** (1.0 / (len(hist) - 1)) - 1.0

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        spare = self._spare(obs)
        if "start_chip_programme" in legal and self._programme_pays(obs, spare):
            out.append(StartChipProgramme())
            spare -= 2 * obs.rules.chip_programme_cost
        campus = self._lab_campus(obs, spare)
        if campus is not None:
            out.append(campus)
            capex = obs.build_costs["campus"]
            spare -= 2 * campus.gw * capex["capex_per_gw"] / int(capex["build_quarters"])
        budget = self._compute_budget(obs, spare)
        room = self._room(obs)
        if budget <= 0 or room < 0.1:
            return out
        if "buy_spot_wafers" in legal:  # its own chips first: they cost less
            f = self._best_vendor(obs, legal["buy_spot_wafers"]["foundry"], "wafer_price")
            if f is not None:
                price = float(obs.public[f]["wafer_price"])
                per_wafer = self._own_per_wafer(obs)
                cost = own_chip_cost(obs, price) * per_wafer  # $k a wafer made into chips
                qty = min(OWN_SHARE * room / per_wafer, 0.5 * budget * 1000 / cost)
                lo, hi = legal["buy_spot_wafers"]["quantity"]
                if qty >= lo and self._unit_value(obs, cost / per_wafer) > 0:
                    qty = clamp(qty, lo, hi)
                    out.append(BuySpotWafers(f, qty))
                    budget -= qty * cost / 1000
                    room -= qty * per_wafer
        if "buy_spot_gpus" in legal and budget > 0 and room > 0:
            d = self._best_vendor(obs, legal["buy_spot_gpus"]["designer"], "gpu_price")
            if d is not None:
                price = float(obs.public[d]["gpu_price"])
                qty = min(budget * 1000 / price, room)
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                if qty >= lo and self._unit_value(obs, price) > 0:
                    out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # -- memory -----------------------------------------------------------------------------------
    def _remember_lab(self, obs: Observation) -> None:
        """Once a quarter: the power its compute draws, its revenue and what it spent on
        compute (for the trends its plans follow)."""
        self._need_hist = [*self._need_hist[-4:], lab_power_need(obs)]
        self._revenue_hist = [
            *self._revenue_hist[-4:],
            float(obs.public[obs.actor]["revenue_run_rate"]),
        ]
        last: Any = obs.books["last_quarter"]
        spent = -sum(
            float(last.get(k, 0.0))
            for k in ("gpu_sale", "gpu_prepayment", "wafer_sale", "wafer_prepayment", "unit_cost")
        )
        self._spend_avg = 0.7 * self._spend_avg + 0.3 * max(0.0, spent)
