"""The greedy family: aggressive in every role.

It keeps thin reserves and borrows to keep spending, asks high prices and pushes its own prices
up, buys and builds ahead of demand, opens as many offers as its budget allows, and haggles hard:
a fresh offer from someone else is countered close to its own ask (it concedes only a small share
of the gap), though once its own ask has been countered it settles at a fair price rather than
walk away.

Per role:

- **lab** — borrows (loans before dilution) to keep a war chest, spends most of its spare cash on
  accelerators, opens supply offers to every designer at a discount, starts its own chip
  programme early and then buys wafers for it.
- **designer** — posts a price above the profit-maximising one and pushes it up while it sells
  out; buys wafers ahead of the demand it expects; offers wafer reservations to foundries and
  supply contracts to labs at a premium.
- **foundry** — pushes its wafer price up while utilisation is high and is slow to cut it; builds
  fabs and packaging ahead of demand; offers reservations to chip makers at a premium and joint
  ventures in which the partner pays most of the capex.
- **investor** — puts a large share of its pool to work: equity at a discount to the public
  valuation, loans at a premium rate to everyone who can carry them, a big home campus, and as
  many accelerators as the campus holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param
from agents.tactics import (
    REF_DPW,
    ContractMemo,
    DealView,
    annual_revenue,
    clamp,
    debt_outstanding,
    debt_service,
    fab_first_instalment,
    gpu_demand,
    gpu_owed,
    jv_capex_per_quarter,
    optimal_gpu_price,
    packaging_wafers,
    purchase_obligations,
    wafer_committed,
    wafers_contracted,
)
from game.decisions import (
    BuildFab,
    BuildPackaging,
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    FundCampus,
    Propose,
    SetGpuPrice,
    SetWaferPrice,
    StartChipProgramme,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["GreedyPolicy"]


class GreedyPolicy(ContractMemo, BasicPolicy):
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

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._forget_contracts()

    def _debt_service(self, obs: Observation) -> float:
        """What it owes a quarter on its loans (from its own contracts, remembered)."""
        return debt_service(obs, self._mine(obs))

    # -- haggling ---------------------------------------------------------------------------------
    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        kind = offer["kind"]
        if kind == "joint_venture":
            return self._judge_jv(obs, offer)
        v = DealView(obs, offer)
        if v.kind in ("equity", "vendor_financing") and v.terms["stake"] > v.for_sale - 1e-9:
            return None  # more than the company has left to sell: it could not be signed
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
            floor = 0.3 if distressed else (0.4 if self._needs(obs, v) else 0.45)
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
        # Late in the haggle a small premium will do, or a fair price if it needs the deal.
        late = offer["round"] >= 1
        if late and (r >= 1.0 + markup * conc or (r >= 0.98 and self._needs(obs, v))):
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

    def _judge_jv(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        t = dict(offer["terms"])
        share = t["partner_capex_share"] if obs.role != "foundry" else 1 - t["partner_capex_share"]
        if jv_capex_per_quarter(obs, t) * share > 0.5 * self._cash(obs):
            return None  # it could not pay its first share of the build
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
            floor = 0.3 if b["distressed"] else (0.4 if cash < reserve else 0.5)
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
        if spare > 0:
            budget = self.params["risk"] * 0.4 * spare
            for d in sorted(obs.others("designer"), key=lambda n: obs.public[n]["gpu_price"]):
                price = float(obs.public[d]["gpu_price"])
                qty = budget * 1000 / price / 4
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
                wafers = min(0.8 * obs.free_capacity[f], spare * 1000 / per_wafer / 8)
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
        cost = obs.rules.chip_programme_cost * obs.rules.chip_programme_quarters
        start = (
            "start_chip_programme" in legal
            and obs.quarters_left > obs.rules.chip_programme_quarters + 2
            and spare > 1.5 * cost
        )
        if start:
            out.append(StartChipProgramme())
            spare -= cost
        wafer_share = 0.0
        if "buy_spot_wafers" in legal and spare > 0:
            wafer_share = 0.5
            foundries = legal["buy_spot_wafers"]["foundry"]
            f = min(foundries, key=lambda n: obs.public[n]["wafer_price"])
            price = float(obs.public[f]["wafer_price"])
            per_wafer = self._own_wafer_cost(obs, price)
            qty = min(risk * wafer_share * spare * 1000 / per_wafer, 0.5 * packaging_wafers(obs))
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
        if spare > 0 and "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: obs.public[n]["gpu_price"])
            price = float(obs.public[d]["gpu_price"])
            qty = risk * (1 - wafer_share) * spare * 1000 / price
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo:
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # -- designers --------------------------------------------------------------------------------
    def _new_gpu_price(self, obs: Observation) -> float:
        price = float(obs.public[obs.actor]["gpu_price"])
        sold = max(1.0, float(obs.public[obs.actor]["sold"]))
        inv = float(obs.books["inventory"])
        push = self.params["price_push"]
        ref = float(obs.market["gpu_reference_price"])
        target = max(optimal_gpu_price(obs), ref) * (1 + self.params["markup"])
        if inv > 1.5 * sold:  # stock piling up: the one case it gives ground
            return price * (1 - push / 2)
        if inv < 0.5 * sold:  # selling out: push on
            return price * (1 + push)
        if price < target:
            return min(target, price * (1 + push))
        return price

    def _gpu_target(self, obs: Observation, price: float) -> float:
        """kH100e it wants to have made this quarter (ahead of demand)."""
        return self.params["build_ahead"] * (
            gpu_demand(obs, obs.actor, price) + gpu_owed(obs, self._mine(obs))
        )

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            price = clamp(self._new_gpu_price(obs), lo, hi)
            out.append(SetGpuPrice(price))
        if "buy_spot_wafers" in legal:
            b = obs.books
            per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
            want = self._gpu_target(obs, price) - float(b["inventory"])
            contracted = wafers_contracted(obs, self._mine(obs))
            need = min(want / per_wafer - contracted, packaging_wafers(obs) - contracted)
            foundries = legal["buy_spot_wafers"]["foundry"]
            f = min(foundries, key=lambda n: obs.public[n]["wafer_price"])
            wp = float(obs.public[f]["wafer_price"])
            need = min(need, self.params["risk"] * self._cash(obs) * 1000 / wp)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if need >= lo:
                out.append(BuySpotWafers(f, clamp(need, lo, hi)))
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        markup = self.params["markup"]
        b = obs.books
        price = float(obs.public[obs.actor]["gpu_price"])
        per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
        contracted = wafers_contracted(obs, self._mine(obs))
        base = gpu_demand(obs, obs.actor, price) + gpu_owed(obs, self._mine(obs))
        need = min(base / per_wafer, packaging_wafers(obs)) - contracted
        if need > 0.2 * max(contracted, 1.0):
            foundries = sorted(obs.others("foundry"), key=lambda n: obs.public[n]["wafer_price"])
            for f in foundries[:2]:
                wafers = min(0.6 * need, 0.8 * obs.free_capacity[f])
                wp = float(obs.public[f]["wafer_price"])
                if wafers >= 1 and 0.05 * wafers * wp * 8 / 1000 < 0.3 * self._cash(obs):
                    terms = {
                        "wafers": wafers,
                        "quarters": 8,
                        "price": wp * (1 - markup),
                        "prepay": 0.05,
                    }
                    out.append(self._offer(obs, f, "capacity", terms))
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
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        push = self.params["price_push"]
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            if util > 0.93:
                out.append(SetWaferPrice(clamp(price * (1 + push), lo, hi)))
            elif util < 0.8:
                out.append(SetWaferPrice(clamp(price * (1 - push / 2), lo, hi)))
        cap = float(pub["capacity"])
        building = float(pub["capacity_building"])
        committed = wafer_committed(obs, self._mine(obs))
        ahead = self.params["build_ahead"]
        if (
            "build_fab" in legal
            and (util > 0.9 or committed > 0.5 * cap)
            and building < 0.12 * ahead * max(cap, 1.0)
        ):
            size = clamp(0.06 * ahead * max(cap, 50.0), *legal["build_fab"]["capacity"])
            node = "N2" if obs.quarter >= 8 else "N3"
            if fab_first_instalment(obs, node, "taiwan", size) < 0.5 * self._cash(obs):
                out.append(BuildFab(node, "taiwan", size))
        gen = float(obs.market["generation"])
        pack_units = float(pub["packaging_capacity"]) * obs.rules.packages_per_wafer * gen
        sold = sum(float(obs.public[n]["sold"]) for n in obs.others("designer"))
        if (
            "build_packaging" in legal
            and sold > 0.7 * pack_units
            and float(b["packaging_building"]) == 0
        ):
            lo, hi = legal["build_packaging"]["capacity"]
            add = clamp(0.4 * float(pub["packaging_capacity"]), lo, hi)
            if add * obs.rules.packaging_capex_per_kwafer < 0.3 * self._cash(obs):
                out.append(BuildPackaging(add))
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
        lent = {
            c["parties"][1]
            for c in self._mine(obs)
            if c["kind"] == "loan" and c["status"] == "active" and c["parties"][0] == obs.actor
        }
        for n in companies:
            if n in lent:
                continue
            principal = min(0.1 * risk * cash, 0.5 * float(obs.public[n]["cash"]) + 1.0)
            if principal > 0.5 and self._can_carry(obs, n, principal):
                terms = {"principal": principal, "rate": rate, "quarters": 8}
                out.append(self._offer(obs, n, "loan", terms))
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        risk = self.params["risk"]
        licensed = bool(pub["licence"])
        if (
            "fund_campus" in legal
            and (pub["country"] in GULF_COUNTRIES or licensed)
            and float(b["campus_building_gw"]) == 0
            and float(pub["campus_gw"]) < 0.01 * cash * self.params["build_ahead"]
            and obs.quarters_left > obs.rules.campus_build_quarters + 4
            and cash > 15
        ):
            gw = 0.025 * cash * risk * self.params["build_ahead"] / 1.4
            per_q = gw * obs.rules.campus_capex_per_gw / obs.rules.campus_build_quarters
            gw *= min(1.0, 0.08 * cash / max(per_q, 1e-9))
            out.append(FundCampus(clamp(gw, *legal["fund_campus"]["gw"])))
        if "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: obs.public[n]["gpu_price"])
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, 0.15 * risk * cash * 1000 / price)
            if qty >= lo:
                out.append(BuySpotGpus(d, qty))
        return out
