"""The greedy family: aggressive in every role.

It keeps thin reserves and borrows to keep spending, asks high prices and pushes its own prices
up, buys and builds ahead of demand, opens as many offers as its budget allows, and haggles hard:
a fresh offer from someone else is countered close to its own ask (it concedes only a small share
of the gap), though once its own ask has been countered it settles at a fair price rather than
walk away.

Per role:

- **lab** — borrows (loans before dilution) to keep a war chest; buys accelerators to fill all
  the power it has (never more), offers supply contracts to every designer at a discount, sized
  to the power coming; leases campus from every investor with free GW paying a premium over a
  fair rent, and builds campuses of its own with a large budget; starts its own chips as soon as
  the saving on what it will buy would repay them at all, then buys wafers for them.
- **designer** — posts its price a notch (a third of its markup) above the profit-maximising
  one and pushes it up fast while it sells out with supply short; buys wafers ahead of the demand
  it expects; reserves wafers at a discount and offers supply contracts to labs at a premium;
  answers a lab's own chip programme with vendor financing at a small discount.
- **foundry** — prices wafers above the reference as soon as it runs nearly full with visible
  demand beyond its output, and is slow to come back; builds fabs and packaging further ahead
  of demand; offers reservations to chip makers at a premium and joint ventures in which the
  partner pays most of the capex.
- **investor** — puts a large share of its pool to work: equity at a discount, loans at a
  premium rate, a big campus for the labs' coming power shortage (and one for its own
  accelerators while it may import them), leased at a premium over a fair rent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.basic.memo import MemoBasicPolicy
from agents.policy import Param
from agents.tactics import (
    REF_DPW,
    DealView,
    annual_revenue,
    borrowers,
    clamp,
    debt_outstanding,
    debt_service,
    jv_capex_per_quarter,
    purchase_obligations,
    wafers_contracted,
)
from game.decisions import (
    Decision,
    Propose,
    SetGpuPrice,
    StartChipProgramme,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["GreedyPolicy"]


class GreedyPolicy(MemoBasicPolicy):
    """Spends, borrows and builds ahead; prices high; haggles hard; opens many offers."""

    name = "greedy"
    description = "aggressive: spends and borrows, prices high, builds ahead, haggles hard"
    parameters: ClassVar[dict[str, Param]] = {
        "risk": Param(0.8, 0.0, 1.0, "share of spare cash it is willing to commit"),
        "markup": Param(
            0.15, 0.0, 0.6, "how far beyond a fair price it asks (above to sell, below to buy)"
        ),
        "concession": Param(
            0.25, 0.0, 1.0, "share of the gap to the other side's offer it gives up in a counter"
        ),
        "price_push": Param(
            0.06, 0.0, 0.25, "how fast it raises its posted price a quarter while demand holds"
        ),
        "leverage": Param(
            1.0, 0.0, 3.0, "how much it borrows, in years of revenue (plus a floor) it may owe"
        ),
        "build_ahead": Param(
            1.4, 1.0, 3.0, "how far ahead of expected demand it buys wafers and builds capacity"
        ),
    }

    # -- haggling ---------------------------------------------------------------------------------
    def _lease_factor(self, obs: Observation) -> float:
        # A bold tenant pays up for power; a landlord asks a premium.
        markup = self.params["markup"]
        return 1 + markup if obs.role == "lab" else 1 - markup / 2

    def _judge_deal(
        self, obs: Observation, offer: Mapping[str, Any], v: DealView
    ) -> bool | dict[str, Any] | None:
        kind = v.kind
        cash = self._cash(obs)
        distressed = bool(obs.books["distressed"])
        risk, markup = self.params["risk"], self.params["markup"]
        # Money it would have to find.
        if v.my_first_payment() > risk * max(0.0, cash):
            return None
        if v.commitment() > 2.0 * risk * max(0.0, cash) + 4 * float(obs.books["revenue"]):
            return None
        if kind in ("equity", "vendor_financing") and not v.first:
            stake = float(v.terms["stake"])
            floor = 0.15 if distressed else (0.4 if self._needs(obs, v) else 0.45)
            if float(obs.public[obs.actor]["control"]) - stake < floor:
                return None
            if kind == "vendor_financing" and v.terms["price"] > 1.1 * self._list_gpu(obs, v):
                return None
        if kind == "loan" and v.first and not self._can_carry(obs, v.other, v.terms["principal"]):
            return None
        if kind == "loan" and not v.first and not distressed:
            owed = debt_outstanding(obs, self._mine(obs)) + v.terms["principal"]
            if owed > self.params["leverage"] * (annual_revenue(obs) + 2.0):
                return None
        r = v.ratio()
        conc = self.params["concession"]
        if distressed and kind in ("equity", "loan", "vendor_financing") and not v.first:
            return True
        if r >= 1.0 + markup * (1.0 - conc):
            return True
        # Late in the haggle a small premium will do, or near a fair price if it needs the deal.
        late = offer["round"] >= 1
        if late and (r >= 1.0 + markup * conc or (r >= 0.9 and self._needs(obs, v))):
            return True
        if kind == "vendor_financing":
            return None  # a package too tangled to counter: take it or leave it
        want = 1.0 + markup
        return v.terms_at(want - self.params["concession"] * (want - r))

    def _needs(self, obs: Observation, v: DealView) -> bool:
        """Whether it needs this deal enough to settle at a fair price."""
        if obs.role == "lab" and not v.first and v.kind in ("equity", "loan"):
            return self._cash(obs) < 2.0 * self._greedy_reserve(obs)
        if v.first and v.kind in ("capacity", "supply"):  # supplies it buys
            return obs.role == "designer" or float(obs.public[obs.actor]["compute"]) > 0
        if not v.first and v.kind == "supply":  # it sells accelerators: when stock piles up
            return float(obs.books["inventory"]) > 0.5 * float(obs.public[obs.actor]["sold"])
        if not v.first and v.kind == "capacity":  # it sells wafers: when fabs stand idle
            return float(obs.public[obs.actor]["utilisation"]) < 0.95
        return False

    def _list_gpu(self, obs: Observation, v: DealView) -> float:
        designer = v.other if obs.public[v.other]["role"] == "designer" else obs.actor
        return float(obs.public[designer]["gpu_price"])

    def _judge_jv_terms(
        self, obs: Observation, offer: Mapping[str, Any], t: dict[str, Any]
    ) -> bool | dict[str, Any] | None:
        if obs.role == "foundry":  # it operates: the partner should pay more than it gets
            if (
                t["partner_capex_share"] >= t["partner_output_share"] + 0.05
                and t["operator_fee"] >= 0.1
            ):
                return True
            if offer["round"] >= 1 and t["partner_capex_share"] >= t["partner_output_share"]:
                return True
            return {
                **t,
                "partner_output_share": max(0.0, t["partner_capex_share"] - 0.1),
                "operator_fee": max(0.12, t["operator_fee"]),
            }
        capex_q = jv_capex_per_quarter(obs, t) * t["partner_capex_share"]
        if capex_q > 0.25 * self.params["risk"] * self._cash(obs):
            return None
        if t["partner_output_share"] >= t["partner_capex_share"] and t["operator_fee"] <= 0.12:
            return True
        if offer["round"] >= 1 and t["partner_output_share"] >= 0.85 * t["partner_capex_share"]:
            return True
        return {
            **t,
            "partner_output_share": min(1.0, t["partner_capex_share"] * 1.05),
            "operator_fee": min(t["operator_fee"], 0.08),
        }

    def _can_carry(self, obs: Observation, borrower: str, principal: float) -> bool:
        """Whether a borrower looks able to repay (cash and revenue against the principal)."""
        pub = obs.public[borrower]
        if pub["distressed"] or pub["insolvent"]:
            return False
        return float(pub["cash"]) + 2.0 * float(pub["revenue"]) >= 0.5 * principal

    # -- labs -------------------------------------------------------------------------------------
    def _greedy_reserve(self, obs: Observation) -> float:
        net, _ = self._lab_needs(obs)
        return (
            2.0 * net
            + 1.5 * debt_service(obs, self._mine(obs))
            + 1.5 * self._lab_commitments(obs)
            + 0.5 * float(obs.books["fixed_opex"])
            + obs.rules.chip_programme_cost * float(obs.books["programme_quarters_left"] or 0)
            + self._campus_instalment(obs)
        )

    @staticmethod
    def _own_wafer_cost(obs: Observation, wafer_price: float) -> float:
        """$k a wafer of the lab's own chips costs, packaged (the wafer plus the units' cost)."""
        r = obs.rules
        return wafer_price + r.own_chip_efficiency * REF_DPW * r.own_chip_unit_cost

    def _lab_commitments(self, obs: Observation) -> float:
        """$B a quarter the lab owes on contracts it bought (own-chip packaging included)."""
        out = purchase_obligations(obs, self._mine(obs))
        r = obs.rules
        out += (
            wafers_contracted(obs, self._mine(obs))
            * r.own_chip_efficiency
            * REF_DPW
            * r.own_chip_unit_cost
            / 1000
        )
        return out

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        b, cash = obs.books, self._cash(obs)
        out: list[Propose | None] = []
        reserve = self._greedy_reserve(obs)
        markup = self.params["markup"]
        investors = sorted(obs.others("investor"), key=lambda n: -float(obs.public[n]["cash"]))
        rr = float(obs.public[obs.actor]["revenue_run_rate"])
        debt = debt_outstanding(obs, self._mine(obs))
        room = self.params["leverage"] * (rr + 2.0) - debt
        if investors and (cash < 3.0 * reserve + 2.0 or b["distressed"]):
            inv = investors[0]
            amount = max(1.0, 3.0 * reserve + 2.0 - cash)
            control = float(obs.public[obs.actor]["control"])
            val = max(1.0, float(obs.public[obs.actor]["valuation"]))
            stake = amount / (val * (1.0 + markup))
            # It gives up some control (at a price) rather than stop growing.
            floor = 0.15 if b["distressed"] else (0.4 if cash < reserve else 0.5)
            if control - stake < floor and control - floor > 0.01 and room <= 0.5:
                stake = control - floor - 0.005
                amount = stake * val * (1.0 + markup)
            if control - stake >= floor and amount >= 0.5:
                out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
            elif room > 0.5 or b["distressed"]:
                principal = min(amount, max(room, 1.0))
                rate = float(obs.market["base_rate"]) + 0.02
                out.append(
                    self._offer(
                        obs, inv, "loan", {"principal": principal, "rate": rate, "quarters": 12}
                    )
                )
        spare = cash - reserve
        risk = self.params["risk"]
        # Power first: leases from every investor with free campus, for all it means to buy.
        budget = risk * max(0.0, spare) + 6 * max(0.0, self._lab_cash_flow(obs))
        out += self._lease_offers(obs, self._power_gap(obs, budget, 2), 1 + markup / 3, 24)
        if spare > 0:
            designers = sorted(obs.others("designer"), key=lambda n: obs.public[n]["gpu_price"])
            fits = self._powered_pace(obs, 4) / max(1, len(designers))
            for d in designers:
                price = float(obs.public[d]["gpu_price"])
                qty = min(risk * 0.4 * spare * 1000 / price / 4, fits)
                if qty >= 1:
                    terms = {
                        "quantity": qty,
                        "quarters": 4,
                        "price": price * (1 - markup),
                        "prepay": 0.05,
                    }
                    out.append(self._offer(obs, d, "supply", terms))
        if b["programme_quarters_left"] == 0 and spare > 1:
            foundries = obs.others("foundry")
            if foundries and not wafers_contracted(obs, self._mine(obs)):
                f = max(foundries, key=lambda n: obs.free_capacity[n])
                price = float(obs.public[f]["wafer_price"])
                per_wafer = self._own_wafer_cost(obs, price)
                units = float(obs.rules.own_chip_efficiency) * REF_DPW
                units *= float(obs.market["generation"])
                wafers = min(
                    0.8 * obs.free_capacity[f],
                    spare * 1000 / per_wafer / 8,
                    0.6 * self._powered_pace(obs, 8) / units,
                )
                if wafers >= 1:
                    terms = {
                        "wafers": wafers,
                        "quarters": 8,
                        "price": price * (1 - markup),
                        "prepay": 0.05,
                    }
                    out.append(self._offer(obs, f, "capacity", terms))
        return out

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        cash = self._cash(obs)
        out: list[Decision | None] = []
        spare = cash - self._greedy_reserve(obs)
        legal = obs.legal.moves
        risk = self.params["risk"]
        # Its own chips as soon as the saving on what it buys would repay them at all.
        if (
            "start_chip_programme" in legal
            and self._can_fund_programme(obs, spare, 0.5)
            and self._programme_worth(obs, self._expected_spend(obs, risk * spare / 2), 0.0)
        ):
            out.append(StartChipProgramme())
            spare -= 2 * obs.rules.chip_programme_cost
        out += self._buy_compute(obs, self._chip_budget(obs, spare, risk), 0.6)
        # Power ahead of what it can buy: a campus of its own for what leases do not bring.
        out.append(self._campus_step(obs, spare, risk))
        return out

    # -- designers --------------------------------------------------------------------------------
    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        # Wafers well ahead of the demand it expects; a notch above the best price, and pushed
        # up fast while it sells out.
        ahead = self.params["build_ahead"]
        price, order = self._designer_plan(
            obs,
            buffer=0.1 + 0.25 * (ahead - 1.0),
            ceiling=2.8,
            toward=1.0,
            cash_share=self.params["risk"],
            step=self.params["price_push"],
            notch=self.params["markup"] / 3,
        )
        if "set_gpu_price" in legal:
            lo, hi = legal["set_gpu_price"]["price"]
            out.append(SetGpuPrice(clamp(price, lo, 0.9 * hi)))
        out.append(order)
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        markup = self.params["markup"]
        # A lab making its own chips is bought back: vendor financing and a small discount.
        out += self._programme_answers(obs, discount=markup / 3, financing=0.2)
        out += self._reserve_wafers(
            obs, share=0.5 + 0.3 * self.params["build_ahead"], price_factor=1 - markup, prepay=0.05
        )
        price = float(obs.public[obs.actor]["gpu_price"])
        for lab in obs.others("lab"):
            lab_cash = float(obs.public[lab]["cash"])
            qty = 0.3 * lab_cash * 1000 / (price * 4)
            if qty >= 2 and not obs.public[lab]["distressed"]:
                terms = {
                    "quantity": qty,
                    "quarters": 4,
                    "price": price * (1 + markup),
                    "prepay": 0.2,
                }
                out.append(self._offer(obs, lab, "supply", terms))
        return out

    # -- foundries --------------------------------------------------------------------------------
    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        push = self.params["price_push"]
        # Above the reference as soon as it runs nearly full, and slow to come back down.
        out.append(self._wafer_price_move(obs, push, push / 2, full=0.97))
        # Fabs for the demand it sees further ahead than its build time, in big steps.
        ahead = self.params["build_ahead"]
        out.append(self._fab_move(obs, ahead, 0.06 * ahead))
        out.append(self._packaging_move(obs, 0.9 * ahead, 0.3))
        return out

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        pub = obs.public[obs.actor]
        markup = self.params["markup"]
        price = float(pub["wafer_price"])
        free = obs.free_capacity[obs.actor]
        if free > 5:
            for d in obs.others("designer"):
                d_cash = float(obs.public[d]["cash"])
                wafers = min(0.1 * free, 0.3 * d_cash * 1000 / (price * 8))
                if wafers >= 1:
                    terms: dict[str, Any] = {
                        "wafers": wafers,
                        "quarters": 8,
                        "price": price * (1 + markup),
                        "prepay": 0.15,
                    }
                    out.append(self._offer(obs, d, "capacity", terms))
        if float(pub["utilisation"]) > 0.9 and obs.quarter % 4 == 1:
            investors = sorted(obs.others("investor"), key=lambda n: -obs.public[n]["cash"])
            if investors:
                inv = investors[0]
                site = "gulf" if obs.public[inv]["country"] in GULF_COUNTRIES else "us"
                terms = {
                    "site": site,
                    "node": "N3",
                    "capacity": 50.0,
                    "partner_capex_share": 0.65,
                    "partner_output_share": 0.55,
                    "operator_fee": 0.15,
                }
                mine = jv_capex_per_quarter(obs, terms) * (1 - terms["partner_capex_share"])
                if mine < 0.3 * self._cash(obs):
                    out.append(self._offer(obs, inv, "joint_venture", terms))
        return out

    # -- investors --------------------------------------------------------------------------------
    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        cash = self._cash(obs)
        risk, markup = self.params["risk"], self.params["markup"]
        out += self._lease_to_labs(obs, 1 + markup, 24)
        if cash < 3:
            return out
        rate = float(obs.market["base_rate"]) + 0.03 + markup / 3
        targets = [
            n for n in obs.others() if obs.public[n]["role"] in ("lab", "designer", "foundry")
        ]
        mine = dict(obs.books["stakes"])
        # A company in distress is an opportunity: a rescue at a deep discount.
        for n in targets:
            pub = obs.public[n]
            if not pub["distressed"]:
                continue
            val = max(1.0, float(pub["valuation"]))
            amount = min(0.1 * risk * cash, max(1.0, 2.0 - float(pub["cash"])))
            stake = min(amount * (1 + 2 * markup) / val, 0.9 * float(pub["control"]), 0.5)
            if stake > 0.002:
                out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
        companies = [n for n in targets if not obs.public[n]["distressed"]]
        companies.sort(key=lambda n: -float(obs.public[n]["revenue"]))
        for n in companies:
            pub = obs.public[n]
            control = float(pub["control"])
            val = max(1.0, float(pub["valuation"]))
            amount = min(0.08 * risk * cash, 0.05 * val)
            stake = amount * (1 + markup) / val
            if mine.get(n, 0.0) < 0.2 and control - stake > 0.3 and amount > 0.2:
                out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
        lent = borrowers(obs, self._mine(obs))
        for n in companies:
            if n in lent:
                continue
            principal = min(0.1 * risk * cash, 0.5 * float(obs.public[n]["cash"]) + 1.0)
            if principal > 0.5 and self._can_carry(obs, n, principal):
                terms = {"principal": principal, "rate": rate, "quarters": 8}
                out.append(self._offer(obs, n, "loan", terms))
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        pub = obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        risk = self.params["risk"]
        # A big campus: its share of the labs' coming shortage, and a home campus for its own
        # accelerators while it may import them.
        own = 0.0
        if (
            bool(pub["licence"])
            and float(pub["campus_gw"]) < 0.01 * cash * self.params["build_ahead"]
        ):
            own = 0.015 * cash * risk
        out.append(self._campus_for_labs(obs, 0.15, 0.5 * risk, extra=own))
        if "buy_spot_gpus" in legal:
            out.append(self._spot_gpus_for_campus(obs, 0.15 * risk * cash, keep_share=0.5))
        return out
