"""The cautious family: big reserves, little debt, steady prices, only clearly good deals.

It works out a reserve (several quarters of running costs, plus what it owes on loans and
contracts) and commits only a modest share of what is left over. It borrows only to avoid running
dry and prefers selling a little equity that keeps control. It moves its posted prices by small
steps, commits to capacity only against demand that is signed, and accepts an offer only if it is
clearly better than fair; its counters ask for exactly that and do not move.

Per role:

- **lab** — keeps a long runway; raises equity (keeping control) before it borrows, and gives up
  control only to survive; buys accelerators to replace what retires and grow a little, to fill
  power standing free, never more than its power runs and always keeping a quarter's outgoings
  in hand; leases power only for what it will surely fill, at no more than a fair rent; starts
  its own chips only when the saving would repay them one and a half times with time to spare.
- **designer** — posts its price a notch under the profit-maximising one, moved by small steps,
  only halfway toward a clearing price when supply runs short; reserves wafers for what it has
  sold under contract plus a steady base and buys the rest spot, never ahead of demand; answers
  a lab's own chip programme with a plain discount (no vendor financing).
- **foundry** — keeps its wafer price at the reference, a small step up only while it sells out;
  builds a fab only when signed reservations fill most of its capacity and it is running full;
  adds packaging with little headroom; offers reservations at list price.
- **investor** — keeps half its pool uncommitted; lends at a fair rate only to borrowers with
  cash to spare; buys equity below the public valuation, or at it in a lab that grows fast (or is
  priced as if it did not grow); builds a modest share of the campus labs will need, only where it
  may host, and leases it at a margin over a fair rent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.basic.memo import MemoBasicPolicy
from agents.policy import Param
from agents.tactics import (
    REF_DPW,
    DealView,
    borrowers,
    clamp,
    debt_outstanding,
    debt_service,
    fab_first_instalment,
    gpu_demand,
    gpu_owed,
    jv_capex_per_quarter,
    merchant_gpu_price,
    purchase_obligations,
    wafer_committed,
    wafers_contracted,
)
from game.decisions import (
    BuildFab,
    Decision,
    Propose,
    SetGpuPrice,
    StartChipProgramme,
)
from game.observation import Observation

__all__ = ["CautiousPolicy"]

#: The least control a cautious company keeps when it sells equity to stay liquid.
_MIN_CONTROL = 0.35


class CautiousPolicy(MemoBasicPolicy):
    """Keeps big reserves, avoids debt, builds against signed demand, accepts only good deals."""

    name = "cautious"
    description = "prudent: big reserves, little debt, steady prices, only clearly good deals"
    parameters: ClassVar[dict[str, Param]] = {
        "reserve_quarters": Param(
            6.0, 1.0, 16.0, "quarters of running costs it keeps in cash before spending"
        ),
        "risk": Param(0.3, 0.0, 1.0, "share of the cash above its reserve it is willing to commit"),
        "min_gain": Param(
            0.08, 0.0, 0.5, "how much better than fair an offer must be before it accepts"
        ),
        "price_step": Param(0.02, 0.0, 0.1, "the most it moves its posted price in a quarter"),
        "max_debt": Param(0.5, 0.0, 3.0, "the most it will owe, in years of its revenue"),
    }

    # -- haggling ---------------------------------------------------------------------------------
    def _lease_factor(self, obs: Observation) -> float:
        # A careful tenant pays no more than fair; a landlord asks a margin.
        return 1.0 if obs.role == "lab" else 1 - self.params["min_gain"] / 2

    def _judge_deal(
        self, obs: Observation, offer: Mapping[str, Any], v: DealView
    ) -> bool | dict[str, Any] | None:
        kind = v.kind
        distressed = bool(obs.books["distressed"])
        spare = self._spare(obs)
        gain = self.params["min_gain"]
        growing = kind == "equity" and v.first and self._growing_lab(obs, v.other)
        share = 1.0 if growing else 0.5  # a stake in a fast-growing lab may take more of it
        if v.first and v.my_first_payment() > share * self.params["risk"] * max(0.0, spare):
            return None
        if v.commitment() > max(0.0, spare) + 2.0 * float(obs.books["revenue"]):
            return None
        if kind in ("equity", "vendor_financing") and not v.first:
            floor = 0.5 if self._cash(obs) >= self._reserve(obs) else _MIN_CONTROL
            if (
                float(obs.public[obs.actor]["control"]) - v.terms["stake"] < floor
                and not distressed
            ):
                return None
        if kind == "vendor_financing":
            return None  # circular financing: not for it
        if kind == "loan":
            if v.first and not self._safe_borrower(obs, v.other, v.terms["principal"]):
                return None
            if not v.first and not distressed and not self._may_borrow(obs, v.terms["principal"]):
                return None
        if kind in ("capacity", "supply") and not v.first and not self._can_deliver(obs, v):
            return None
        r = v.ratio()
        if growing and r >= 0.99:
            return True  # a fast-growing lab at its public valuation is good enough
        short = self._cash(obs) < self._reserve(obs)
        if (
            kind in ("equity", "loan")
            and not v.first
            and short
            and r >= (0.85 if distressed else 0.9)
        ):
            return True  # money it needs to keep its reserve
        if r >= 1.0 + gain or (offer["round"] >= 1 and r >= 1.0 + gain / 2):
            return True
        return v.terms_at(1.0 + gain)

    def _judge_jv_terms(
        self, obs: Observation, offer: Mapping[str, Any], t: dict[str, Any]
    ) -> bool | dict[str, Any] | None:
        if obs.role == "foundry":
            committed = wafer_committed(obs, self._mine(obs)) > 0.5 * float(
                obs.public[obs.actor]["capacity"]
            )
            fair = t["partner_capex_share"] >= t["partner_output_share"] + 0.05
            return True if fair and t["operator_fee"] >= 0.1 and committed else None
        capex_q = jv_capex_per_quarter(obs, t) * t["partner_capex_share"]
        if capex_q * 8 > 0.5 * self.params["risk"] * max(0.0, self._spare(obs)):
            return None
        good = t["partner_output_share"] >= t["partner_capex_share"] * (1 + self.params["min_gain"])
        return True if good and t["operator_fee"] <= 0.1 else None

    def _safe_borrower(self, obs: Observation, borrower: str, principal: float) -> bool:
        pub = obs.public[borrower]
        if pub["distressed"] or obs.trust_in.get(borrower, 0.5) < 0.45:
            return False
        return float(pub["cash"]) >= 2.0 * principal

    def _may_borrow(self, obs: Observation, principal: float) -> bool:
        return principal <= max(1.0, self._debt_room(obs)) and self._cash(obs) < self._reserve(obs)

    def _can_deliver(self, obs: Observation, v: DealView) -> bool:
        """A seller's check that it can meet a new obligation from what it has."""
        if v.kind == "capacity":
            return v.terms["wafers"] <= 0.8 * obs.free_capacity[obs.actor]
        made = max(float(obs.books["made"]), float(obs.public[obs.actor]["sold"]))
        return gpu_owed(obs, self._mine(obs)) + v.terms["quantity"] <= 0.5 * made

    # -- reserves ---------------------------------------------------------------------------------
    def _reserve(self, obs: Observation) -> float:
        """Cash it keeps in hand: quarters of running cost plus what it owes."""
        b = obs.books
        q = self.params["reserve_quarters"]
        owed = 2.0 * debt_service(obs, self._mine(obs)) + 2.0 * purchase_obligations(
            obs, self._mine(obs)
        )
        if obs.role == "lab":
            net, _ = self._lab_needs(obs)
            r = obs.rules
            own = (
                wafers_contracted(obs, self._mine(obs))
                * r.own_chip_efficiency
                * REF_DPW
                * r.own_chip_unit_cost
            )
            rnd = 2.0 * r.chip_programme_cost * bool(b["programme_quarters_left"])
            campus = 2.0 * self._campus_instalment(obs)
            return q * net + owed + 2.0 * own / 1000 + rnd + float(b["fixed_opex"]) + campus
        if obs.role == "investor":
            return 0.5 * self._cash(obs) + owed
        return q * float(b.get("fixed_opex", 0.0)) + owed

    def _spare(self, obs: Observation) -> float:
        return self._cash(obs) - self._reserve(obs)

    # -- labs -------------------------------------------------------------------------------------
    def _debt_room(self, obs: Observation) -> float:
        """How much more it may borrow ($B): ``max_debt`` years of revenue, less what it owes."""
        revenue = 4 * float(obs.books["revenue"])
        if obs.role == "lab":
            revenue = max(revenue, float(obs.public[obs.actor]["revenue_run_rate"]))
        return self.params["max_debt"] * revenue - debt_outstanding(obs, self._mine(obs))

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        b, cash = obs.books, self._cash(obs)
        out: list[Propose | None] = []
        reserve = self._reserve(obs)
        investors = sorted(
            obs.others("investor"),
            key=lambda n: (-obs.trust_in[n], -float(obs.public[n]["cash"])),
        )
        if investors and (cash < reserve or b["distressed"]):
            inv = investors[0]
            amount = max(1.0, 1.5 * reserve - cash)
            control = float(obs.public[obs.actor]["control"])
            val = max(1.0, float(obs.public[obs.actor]["valuation"]))
            # As much equity as keeps its control (with room for a counter), the rest borrowed;
            # to survive, it gives up control rather than run dry.
            floor = 0.25 if (b["distressed"] or cash < 0.3 * reserve) else _MIN_CONTROL + 0.02
            stake = min(amount / val, control - floor)
            if stake >= 0.002:
                terms = {"amount": stake * val, "stake": stake}
                out.append(self._offer(obs, inv, "equity", terms))
                amount -= stake * val
                inv = investors[1] if len(investors) > 1 else inv
            principal = min(amount, max(1.0, self._debt_room(obs)))
            if amount >= 0.5 and (
                self._debt_room(obs) >= 1.0 or b["distressed"] or cash < 0.5 * reserve
            ):
                rate = float(obs.market["base_rate"]) + 0.03
                terms = {"principal": principal, "rate": rate, "quarters": 12}
                out.append(self._offer(obs, inv, "loan", terms))
        spare = cash - reserve
        # Power only for what it will surely buy soon, leased at a fair rent at most.
        budget = self.params["risk"] * max(0.0, spare) + 2 * max(0.0, self._lab_cash_flow(obs))
        out += self._lease_offers(obs, self._power_gap(obs, budget, 2), 0.9, 12, most=1)
        ending = [
            c
            for c in self._mine(obs)
            if c["kind"] == "supply"
            and c["status"] == "active"
            and c["terms"]["quarters"] - c["quarters_done"] > 1
        ]
        if not ending and cash > 0.5 * reserve:
            # A steady contract: replace what retires and grow a little, from a trusted vendor.
            designers = sorted(
                obs.others("designer"), key=lambda n: (-obs.trust_in[n], obs.public[n]["gpu_price"])
            )
            if designers:
                d = designers[0]
                price = float(obs.public[d]["gpu_price"])
                compute = float(obs.public[obs.actor]["compute"])
                qty = compute * (1.0 / obs.rules.compute_life + 0.1 * self.params["risk"])
                qty += self.params["risk"] * 0.5 * max(0.0, spare) * 1000 / price / 6
                qty = min(qty, self._powered_pace(obs, 6))  # no more than it can power
                qty = min(qty, self._affordable(obs) * 1000 / price)  # nor than it can pay
                if qty >= 1:
                    terms = {"quantity": qty, "quarters": 6, "price": price, "prepay": 0.0}
                    out.append(self._offer(obs, d, "supply", terms))
        if (
            b["programme_quarters_left"] == 0
            and spare > 2
            and not wafers_contracted(obs, self._mine(obs))
        ):
            foundries = obs.others("foundry")
            if foundries:
                f = max(foundries, key=lambda n: (obs.trust_in[n], -obs.public[n]["wafer_price"]))
                price = float(obs.public[f]["wafer_price"])
                per_wafer = price + self._own_unit(obs)
                units = float(obs.rules.own_chip_efficiency) * REF_DPW
                units *= float(obs.market["generation"])
                wafers = min(
                    0.5 * obs.free_capacity[f],
                    self.params["risk"] * spare * 1000 / per_wafer / 8,
                    0.5 * self._powered_pace(obs, 8) / units,
                )
                if wafers >= 1:
                    terms = {"wafers": wafers, "quarters": 8, "price": price, "prepay": 0.0}
                    out.append(self._offer(obs, f, "capacity", terms))
        return out

    def _affordable(self, obs: Observation) -> float:
        """$B a quarter a lab may put into accelerators and still keep a quarter's outgoings
        in hand after it (two quarters' unless they pay for themselves within a year and a half,
        which makes them an investment rather than a spend)."""
        last = obs.books["last_quarter"]
        base = -sum(float(v) for v in last.values() if float(v) < 0) - self._last_chip_spend(obs)
        base += purchase_obligations(obs, self._mine(obs))  # what its contracts will cost
        inflow = float(last.get("ai_revenue", 0.0))
        served = max(1.0, float(obs.public[obs.actor]["served"]))
        margin = inflow + float(last.get("hosting", 0.0)) + float(last.get("cloud_rent", 0.0))
        keep = base if margin / served * 6 > merchant_gpu_price(obs) / 1000.0 else 2.0 * base
        return max(0.0, (self._cash(obs) + inflow - keep) / 2.0)

    @staticmethod
    def _own_unit(obs: Observation) -> float:
        r = obs.rules
        return r.own_chip_efficiency * REF_DPW * r.own_chip_unit_cost

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        spare = self._spare(obs)
        legal = obs.legal.moves
        risk = self.params["risk"]
        r = obs.rules
        # Its own chips only when the saving would repay the programme one and a half times,
        # with time to spare and the money in hand.
        if (
            "start_chip_programme" in legal
            and obs.quarters_left > r.chip_programme_quarters + 8
            and spare > r.chip_programme_cost * r.chip_programme_quarters
            and self._programme_worth(obs, self._expected_spend(obs, risk * spare / 2), 0.5)
        ):
            out.append(StartChipProgramme())
        # Steady growth: replace what retires and add a little, as long as half the reserve
        # stays in hand; more only from spare cash — all within the power it has.
        spare = self._spare(obs) - (2 * r.chip_programme_cost if out else 0.0)
        cash = max(0.0, self._cash(obs))
        price = merchant_gpu_price(obs)
        compute = float(obs.public[obs.actor]["compute"])
        steady = compute * (1.0 / r.compute_life + 0.1 * risk) * price / 1000
        steady -= purchase_obligations(obs, self._mine(obs))  # what its contracts already bring
        budget = max(risk * spare, min(steady, max(spare + 0.5 * self._reserve(obs), 0.3 * cash)))
        # Power standing free is filled while half its reserve stays in hand: idle power earns
        # nothing, and a lab that does not grow its compute does not grow its revenue.
        budget = max(budget, self._chip_budget(obs, spare + 0.5 * self._reserve(obs), risk))
        budget = min(budget, self._affordable(obs))
        out += self._buy_compute(obs, budget, 0.5)
        out.append(self._campus_step(obs, spare, risk))
        return out

    # -- designers --------------------------------------------------------------------------------
    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        step = self.params["price_step"]
        # Wafers for the demand it expects, never ahead; its price a notch under the best one,
        # moved by small steps, and only halfway toward a clearing price when supply is short.
        target, order = self._designer_plan(
            obs, buffer=0.05, ceiling=2.0, toward=0.5, cash_share=0.5, step=step
        )
        if "set_gpu_price" in legal:
            lo, hi = legal["set_gpu_price"]["price"]
            price = float(obs.public[obs.actor]["gpu_price"])
            new = clamp(target * (1 - step), price * (1 - step), price * (1 + step))
            if abs(new - price) > 1e-9:
                out.append(SetGpuPrice(clamp(new, lo, 0.9 * hi)))
        out.append(order)
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        # A lab making its own chips is offered a plain discount (no circular financing).
        out += self._programme_answers(obs, discount=0.08, financing=0.0)
        b = obs.books
        price = float(obs.public[obs.actor]["gpu_price"])
        per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
        # Reserve wafers for signed sales plus a steady half of the outside demand.
        signed = gpu_owed(obs, self._mine(obs)) + 0.5 * gpu_demand(obs, obs.actor, price)
        need = signed / per_wafer - wafers_contracted(obs, self._mine(obs))
        foundries = sorted(
            obs.others("foundry"), key=lambda n: (-obs.trust_in[n], obs.public[n]["wafer_price"])
        )
        if need > 2 and foundries:
            f = foundries[0]
            wafers = min(need, 0.5 * obs.free_capacity[f])
            wp = float(obs.public[f]["wafer_price"])
            if wafers >= 1:
                terms = {"wafers": wafers, "quarters": 8, "price": wp, "prepay": 0.0}
                out.append(self._offer(obs, f, "capacity", terms))
        return out

    # -- foundries --------------------------------------------------------------------------------
    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        pub = obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        util = float(pub["utilisation"])
        # The reference price, a small step up a quarter only while it sells out.
        out.append(self._wafer_price_move(obs, self.params["price_step"]))
        cap = float(pub["capacity"])
        committed = wafer_committed(obs, self._mine(obs))
        if (
            "build_fab" in legal
            and util > 0.95
            and committed > 0.5 * cap
            and float(pub["capacity_building"]) == 0
        ):
            size = clamp(0.05 * max(cap, 50.0), *legal["build_fab"]["capacity"])
            if fab_first_instalment(obs, "N3", "taiwan", size) < 0.2 * max(0.0, self._spare(obs)):
                out.append(BuildFab("N3", "taiwan", size))
        out.append(self._packaging_move(obs, 1.15, 0.1))
        return out

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        if obs.quarter % 4 != 0:
            return out
        price = float(obs.public[obs.actor]["wafer_price"])
        free = obs.free_capacity[obs.actor]
        designers = [d for d in obs.others("designer") if obs.trust_in[d] >= 0.45]
        if designers and free > 10:
            d = max(designers, key=lambda n: float(obs.public[n]["cash"]))
            wafers = min(0.05 * free, 0.2 * float(obs.public[d]["cash"]) * 1000 / (price * 8))
            if wafers >= 1:
                terms = {"wafers": wafers, "quarters": 8, "price": price, "prepay": 0.1}
                out.append(self._offer(obs, d, "capacity", terms))
        return out

    # -- investors --------------------------------------------------------------------------------
    @staticmethod
    def _growing_lab(obs: Observation, name: str) -> bool:
        """A lab worth backing at its public valuation: the market values it as growing (its
        valuation beyond its cash a fifth of the way or more from the mature revenue multiple to
        the full one: some 20 % a year), or as not growing at all, which is cheap for a lab."""
        pub = obs.public[name]
        if pub["role"] != "lab" or pub["distressed"]:
            return False
        rr = max(1e-6, float(pub["revenue_run_rate"]))
        multiple = (float(pub["valuation"]) - float(pub["cash"])) / rr
        r = obs.rules
        mature = float(r.lab_multiple_mature)
        # Growing, or priced like a lab that does not grow (cheap for one that might).
        return (
            multiple > mature + 0.2 * (float(r.lab_multiple) - mature) or multiple <= 1.2 * mature
        )

    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        out += self._lease_to_labs(obs, 1 + self.params["min_gain"], 16)
        spare = self._spare(obs)
        if spare < 2:
            return out
        gain = self.params["min_gain"]
        risk = self.params["risk"]
        companies = [
            n
            for n in obs.others()
            if obs.public[n]["role"] in ("lab", "designer", "foundry")
            and not obs.public[n]["distressed"]
            and obs.trust_in[n] >= 0.45
        ]
        mine = dict(obs.books["stakes"])
        if obs.quarter % 4 == 2 and companies:
            # A fast-growing lab first, at its public valuation; else the biggest company, at a
            # discount.
            growing = [c for c in companies if self._growing_lab(obs, c)]
            n = max(
                growing or companies,
                key=lambda c: float(obs.public[c]["revenue"]) - 10 * mine.get(c, 0),
            )
            pub = obs.public[n]
            val = max(1.0, float(pub["valuation"]))
            if growing:
                amount = min(0.3 * risk * spare, 0.05 * val)
                stake = amount / val
            else:
                amount = min(0.1 * risk * spare, 0.03 * val)
                stake = amount * (1 + gain) / val
            if mine.get(n, 0.0) < 0.1 and float(pub["control"]) - stake > 0.3 and amount > 0.2:
                out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
        lent = borrowers(obs, self._mine(obs))
        rate = float(obs.market["base_rate"]) + 0.03
        for n in companies:
            principal = min(0.1 * risk * spare, 0.3 * float(obs.public[n]["cash"]))
            if n not in lent and principal > 0.5 and self._safe_borrower(obs, n, principal):
                terms = {"principal": principal, "rate": rate, "quarters": 8}
                out.append(self._offer(obs, n, "loan", terms))
                break
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        spare = self._spare(obs)
        # A campus only where it may host, for a modest share of the labs' coming shortage.
        out.append(self._campus_for_labs(obs, 0.06, 0.5 * self.params["risk"]))
        if "buy_spot_gpus" in legal and spare > 0:
            out.append(self._spot_gpus_for_campus(obs, 0.1 * spare))
        return out
