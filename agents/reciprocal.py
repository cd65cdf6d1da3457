"""The reciprocal family: rewards trust, punishes breach, mirrors what partners did last time.

It keeps a short memory of each counterparty, updated once a quarter from what it can see: the
contracts between them (honoured quarters, completions, shortfalls, breaches and who broke them),
and how far each trusts the other (``obs.trust_in``, ``obs.trusted_by``) and which way that is
moving. From these it gives each partner a *standing* in [0, 1]:

- partners in good standing (high or rising trust, contracts honoured, last deal kept) are
  preferred — offered to first, bought from first — and get better terms: it asks less of them,
  pays them more, and concedes more of the gap in a counter;
- a partner that breached or defaulted on it is refused outright while the grudge lasts (it fades
  by ``forgiveness`` a quarter), and demands much better terms for a while after that;
- what the partner did last decides its next move (tit for tat): after a kept deal it opens with a
  generous offer, after a broken one it opens no offer to that partner at all and answers offers
  only on terms clearly better than fair.

Per role it plays the basic bot's sensible game — a lab keeps a reasonable runway and buys
accelerators with part of its spare cash; a designer prices near the profit-maximising price and
buys the wafers its expected demand needs; a foundry keeps utilisation in its band and builds
against demand; an investor spreads equity and loans — but always chooses and prices its
counterparties by their standing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param
from agents.tactics import (
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
    lab_operating_cash,
    loan_service,
    optimal_gpu_price,
    packaging_wafers,
    purchase_obligations,
    uncommitted_capacity,
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

__all__ = ["ReciprocalPolicy"]

#: Dies per wafer assumed for a lab's own chips (a designer's figure is private; 29 is typical).
_REF_DPW = 29.0


class ReciprocalPolicy(ContractMemo, BasicPolicy):
    """Tit for tat: better terms for partners who kept faith, none for those who broke it."""

    name = "reciprocal"
    description = "tit for tat: rewards partners who honour deals, refuses those who breach"
    parameters: ClassVar[dict[str, Param]] = {
        "reciprocity": Param(
            1.0, 0.0, 2.0, "how strongly its terms follow a partner's standing (0 = not at all)"
        ),
        "forgiveness": Param(
            0.15, 0.0, 1.0, "share of a grudge it forgets each quarter (1 = forgets at once)"
        ),
        "grudge_limit": Param(
            0.35, 0.0, 1.0, "grudge above which it refuses to deal with a partner at all"
        ),
        "risk": Param(0.5, 0.0, 1.0, "share of spare cash it is willing to commit"),
        "margin": Param(
            0.05, 0.0, 0.5, "how much worse than fair it accepts from a neutral partner"
        ),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._clear_memory()

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._clear_memory()

    def _debt_service(self, obs: Observation) -> float:
        """What it owes a quarter on its loans (from its own contracts, remembered)."""
        return debt_service(obs, self._mine(obs))

    def _clear_memory(self) -> None:
        self._forget_contracts()
        self._quarter = -1
        self._seen: dict[int, tuple[str, float, int]] = {}  # contract id -> status, short, done
        self._grudge: dict[str, float] = {}  # grows with breaches and shortfalls, fades
        self._goodwill: dict[str, float] = {}  # grows with kept obligations, fades slowly
        self._last: dict[str, int] = {}  # what the partner did last: +1 kept faith, -1 broke it
        self._trust_ema: dict[str, float] = {}  # a slow average of trust_in, to see the trend

    # -- memory -----------------------------------------------------------------------------------
    def _remember(self, obs: Observation) -> None:
        """Update the memory once a quarter from the contracts and the trust table."""
        if obs.quarter == self._quarter:
            return
        self._quarter = obs.quarter
        keep = 1.0 - self.params["forgiveness"]
        for n in list(self._grudge):
            self._grudge[n] *= keep
        for n in list(self._goodwill):
            self._goodwill[n] *= 0.9
        me = obs.actor
        for c in self._mine(obs):
            parties = c["parties"]
            other = parties[1] if parties[0] == me else parties[0]
            status, short, done = c["status"], float(c["shortfall"]), int(c["quarters_done"])
            prev = self._seen.get(c["id"])
            if prev == (status, short, done):
                continue
            p_status, p_short, p_done = prev if prev is not None else ("new", 0.0, done)
            if status == "breached" and p_status != "breached":
                if c["breached_by"] == other:
                    self._grudge[other] = self._grudge.get(other, 0.0) + 1.0
                    self._last[other] = -1
            elif status == "completed" and p_status != "completed":
                self._goodwill[other] = self._goodwill.get(other, 0.0) + 0.5
                self._last[other] = 1
            if short > p_short + 1e-9 and parties[1] == other:  # it delivered short to me
                owed = c["terms"].get("wafers", c["terms"].get("quantity", 1.0))
                share = min(1.0, (short - p_short) / max(owed, 1e-9))
                self._grudge[other] = self._grudge.get(other, 0.0) + 0.1 + 0.4 * share
                self._last[other] = -1
            elif done > p_done and status == "active":
                self._goodwill[other] = self._goodwill.get(other, 0.0) + 0.1 * (done - p_done)
                self._last.setdefault(other, 1)
            if prev is None and status == "active":
                self._last[other] = 1  # a new deal: it kept faith so far
            self._seen[c["id"]] = (status, short, done)
        for n, t in obs.trust_in.items():
            ema = self._trust_ema.get(n, t)
            if t < ema - 0.08:  # a sharp fall: a failed signing, a default, a breach
                self._last[n] = -1
                self._grudge[n] = self._grudge.get(n, 0.0) + 0.2
            self._trust_ema[n] = 0.7 * ema + 0.3 * t

    def _standing(self, obs: Observation, other: str) -> float:
        """How good a partner ``other`` is, in [0, 1] (0.5 = a stranger)."""
        t = float(obs.trust_in.get(other, 0.5))
        by = float(obs.trusted_by.get(other, 0.5))
        trend = t - self._trust_ema.get(other, t)
        s = (
            t
            + 0.25 * (by - 0.5)
            + 2.0 * trend
            + 0.1 * min(2.0, self._goodwill.get(other, 0.0))
            - 0.5 * self._grudge.get(other, 0.0)
        )
        return clamp(s, 0.0, 1.0)

    def _shunned(self, obs: Observation, other: str) -> bool:
        """Whether it refuses to deal with ``other`` at all (a fresh breach, or no trust left)."""
        return (
            self._grudge.get(other, 0.0) > self.params["grudge_limit"]
            or float(obs.trust_in.get(other, 0.5)) < 0.2
        )

    def _rescues(self, obs: Observation, other: str) -> bool:
        """Whether it would help ``other`` out of distress: only a partner that kept faith."""
        return (
            not self._shunned(obs, other)
            and self._last.get(other, 0) >= 0
            and self._standing(obs, other) >= 0.45
        )

    def _terms_factor(self, obs: Observation, other: str) -> float:
        """How much better than fair it asks of ``other`` (< 1: it gives a discount)."""
        f = 1.0 + self.params["reciprocity"] * 0.4 * (0.5 - self._standing(obs, other))
        if self._last.get(other, 0) < 0:
            f += 0.15 * self.params["reciprocity"]  # it broke faith last time: tit for tat
        return max(0.7, f)

    def _ranked(self, obs: Observation, names: list[str], key: Any = None) -> list[str]:
        """Partners it is willing to deal with, best standing first."""
        ok = [n for n in names if not self._shunned(obs, n)]
        return sorted(ok, key=lambda n: (-self._standing(obs, n), key(n) if key else 0))

    def _best_vendor(self, obs: Observation, names: tuple[str, ...], field: str) -> str | None:
        """The seller it buys from: the best standing among those within 10 % of the cheapest."""
        ok = [n for n in names if not self._shunned(obs, n)] or list(names)
        if not ok:
            return None
        cheapest = min(float(obs.public[n][field]) for n in ok)
        near = [n for n in ok if float(obs.public[n][field]) <= 1.1 * cheapest]
        return max(near, key=lambda n: self._standing(obs, n))

    # -- the three calls --------------------------------------------------------------------------
    def propose(self, obs: Observation) -> list[Decision]:
        self._remember(obs)
        return super().propose(obs)

    def respond(self, obs: Observation) -> list[Decision]:
        self._remember(obs)
        return super().respond(obs)

    def moves(self, obs: Observation) -> list[Decision]:
        self._remember(obs)
        return super().moves(obs)

    # -- haggling ---------------------------------------------------------------------------------
    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        other = offer["proposer"]
        distressed = bool(obs.books["distressed"])
        if self._shunned(obs, other) and not distressed:
            return None
        if offer["kind"] == "joint_venture":
            return self._judge_jv(obs, offer)
        v = DealView(obs, offer)
        if v.kind in ("equity", "vendor_financing") and v.terms["stake"] > v.for_sale - 1e-9:
            return None  # more than the company has left to sell: it could not be signed
        cash = self._cash(obs)
        risk = self.params["risk"]
        if v.my_first_payment() > risk * max(0.0, cash):
            return None
        if v.commitment() > 1.5 * risk * max(0.0, cash) + 3 * float(obs.books["revenue"]):
            return None
        kind = v.kind
        if obs.role == "lab" and v.first and kind in ("capacity", "supply"):
            t = v.terms
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            per_q = (1 - t["prepay"]) * t["price"] * units / 1000
            if per_q > 0.5 * risk * max(0.0, cash - self._reserve(obs)):
                return None  # it could not keep paying for it
        control = float(obs.public[obs.actor]["control"])
        selling = kind in ("equity", "vendor_financing") and not v.first
        if selling and control - v.terms["stake"] < 0.4 and not distressed:
            return None
        if kind == "loan" and not v.first and not distressed:
            t = v.terms
            if t["principal"] > self._borrowable(obs, t["rate"], t["quarters"]):
                return None  # more than it could repay
        if kind == "loan" and v.first:
            pub = obs.public[other]
            principal = v.terms["principal"]
            if pub["distressed"]:
                if not self._rescues(obs, other) or principal > 0.1 * cash:
                    return None  # only a partner that kept faith is helped out of distress
            elif float(pub["cash"]) + 2 * float(pub["revenue"]) < principal * (
                1.5 - self._standing(obs, other)
            ):
                return None
        if kind == "vendor_financing":
            return True if self._standing(obs, other) >= 0.5 and v.ratio() >= 1.0 else None
        factor = self._terms_factor(obs, other)
        want = factor  # goodness it asks of this partner (1 = fair)
        accept_at = want - self.params["margin"]
        if distressed and not v.first and kind in ("equity", "loan"):
            accept_at = min(accept_at, 0.85)
        r = v.ratio()
        if r >= accept_at:
            return True
        # Counter: concede more of the gap to a partner in good standing.
        give = 0.5 * self._standing(obs, other)
        return v.terms_at(max(r, want - give * (want - r)))

    def _judge_jv(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        t = dict(offer["terms"])
        share = t["partner_capex_share"] if obs.role != "foundry" else 1 - t["partner_capex_share"]
        if jv_capex_per_quarter(t) * share > 0.5 * self._cash(obs):
            return None  # it could not pay its first share of the build
        other = offer["proposer"]
        s = self._standing(obs, other)
        if obs.role == "foundry":
            slack = 0.1 * (s - 0.5)  # a good partner may take a little more output
            if (
                t["partner_capex_share"] + slack >= t["partner_output_share"]
                and t["operator_fee"] >= 0.08 - 0.04 * s
            ):
                return True
            return {
                **t,
                "partner_output_share": clamp(t["partner_capex_share"] + slack, 0.0, 1.0),
                "operator_fee": max(0.08 - 0.04 * s, t["operator_fee"]),
            }
        capex_q = jv_capex_per_quarter(t) * t["partner_capex_share"]
        if capex_q > 0.2 * self.params["risk"] * self._cash(obs):
            return None
        if t["partner_output_share"] >= t["partner_capex_share"] * (1.1 - 0.3 * s):
            return True
        return None

    def _borrowable(self, obs: Observation, rate: float, quarters: int) -> float:
        """The largest new loan it could service ($B): at most a year's revenue owed in all, and
        (for a lab) payments within its operating cash plus a little of its cash."""
        mine = self._mine(obs)
        room = annual_revenue(obs) + 2.0 - debt_outstanding(obs, mine)
        if obs.role == "lab":
            can_pay = max(0.0, lab_operating_cash(obs)) + 0.05 * max(0.0, self._cash(obs))
            per_unit = loan_service(1.0, rate, quarters)
            room = min(room, (can_pay - debt_service(obs, mine)) / per_unit)
        return max(0.0, room)

    # -- labs -------------------------------------------------------------------------------------
    def _reserve(self, obs: Observation) -> float:
        net, _ = self._lab_needs(obs)
        r = obs.rules
        own = (
            wafers_contracted(obs, self._mine(obs))
            * r.own_chip_efficiency
            * _REF_DPW
            * r.own_chip_unit_cost
        )
        return (
            3.0 * net
            + 2.0 * debt_service(obs, self._mine(obs))
            + 2.0 * purchase_obligations(obs, self._mine(obs))
            + 2.0 * own / 1000
            + float(obs.books["fixed_opex"])
            + 2.0 * r.chip_programme_cost * bool(obs.books["programme_quarters_left"])
        )

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        b, cash = obs.books, self._cash(obs)
        out: list[Propose | None] = []
        reserve = self._reserve(obs)
        investors = self._ranked(obs, obs.others("investor"), lambda n: -obs.public[n]["cash"])
        if investors and (cash < 1.5 * reserve or b["distressed"]):
            inv = investors[0]
            amount = max(2.0, 2.0 * reserve - cash)
            control = float(obs.public[obs.actor]["control"])
            val = max(1.0, float(obs.public[obs.actor]["valuation"]))
            f = self._terms_factor(obs, inv)
            stake = amount / (val * f)  # a trusted investor gets a better price
            floor = 0.25 if b["distressed"] else 0.4
            if control - stake < floor and control - floor > 0.01:
                stake = control - floor - 0.005  # raise what it can without losing more control
                amount = stake * val * f
            if control - stake >= floor and amount >= 0.5:
                out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
            else:
                rate = float(obs.market["base_rate"]) + 0.03 / f
                principal = min(amount, self._borrowable(obs, rate, 12))
                if principal >= 1.0 or b["distressed"]:
                    terms = {"principal": max(principal, 1.0), "rate": rate, "quarters": 12}
                    out.append(self._offer(obs, inv, "loan", terms))
        spare = cash - reserve
        designers = self._ranked(obs, obs.others("designer"), lambda n: obs.public[n]["gpu_price"])
        ending = [
            c
            for c in self._mine(obs)
            if c["kind"] == "supply"
            and c["status"] == "active"
            and c["terms"]["quarters"] - c["quarters_done"] > 1
        ]
        if designers and not ending and spare > 0:
            d = designers[0]
            price = float(obs.public[d]["gpu_price"])
            qty = self.params["risk"] * 0.3 * spare * 1000 / price / 4
            compute = float(obs.public[obs.actor]["compute"])
            qty = max(qty, compute / obs.rules.compute_life)
            qty = min(qty, 0.5 * self.params["risk"] * spare * 1000 / price)  # it can pay for
            f = self._terms_factor(obs, d)
            if qty >= 1:
                # Trusted vendors are paid list price and some prepayment; others less.
                terms = {
                    "quantity": qty,
                    "quarters": 4,
                    "price": price / f,
                    "prepay": 0.2 if f < 1.0 else 0.0,
                }
                out.append(self._offer(obs, d, "supply", terms))
        if (
            b["programme_quarters_left"] == 0
            and spare > 1
            and not wafers_contracted(obs, self._mine(obs))
        ):
            foundries = self._ranked(
                obs, obs.others("foundry"), lambda n: obs.public[n]["wafer_price"]
            )
            if foundries:
                f_name = foundries[0]
                price = float(obs.public[f_name]["wafer_price"])
                per_wafer = price + self._own_unit(obs)
                wafers = min(
                    0.6 * uncommitted_capacity(obs, f_name),
                    self.params["risk"] * spare * 1000 / per_wafer / 8,
                )
                if wafers >= 1:
                    f = self._terms_factor(obs, f_name)
                    terms = {"wafers": wafers, "quarters": 8, "price": price / f, "prepay": 0.05}
                    out.append(self._offer(obs, f_name, "capacity", terms))
        return out

    @staticmethod
    def _own_unit(obs: Observation) -> float:
        r = obs.rules
        return r.own_chip_efficiency * _REF_DPW * r.own_chip_unit_cost

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        spare = self._cash(obs) - self._reserve(obs)
        legal = obs.legal.moves
        risk = self.params["risk"]
        cost = obs.rules.chip_programme_cost * obs.rules.chip_programme_quarters
        if (
            "start_chip_programme" in legal
            and obs.quarters_left > obs.rules.chip_programme_quarters + 4
            and spare > 2 * cost
        ):
            out.append(StartChipProgramme())
            spare -= cost
        if spare <= 0:
            return out
        if "buy_spot_wafers" in legal:
            f = self._best_vendor(obs, legal["buy_spot_wafers"]["foundry"], "wafer_price")
            if f is not None:
                per_wafer = float(obs.public[f]["wafer_price"]) + self._own_unit(obs)
                qty = min(risk * 0.4 * spare * 1000 / per_wafer, 0.4 * packaging_wafers(obs))
                lo, hi = legal["buy_spot_wafers"]["quantity"]
                if qty >= lo:
                    out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
                    spare *= 0.6
        if "buy_spot_gpus" in legal:
            d = self._best_vendor(obs, legal["buy_spot_gpus"]["designer"], "gpu_price")
            if d is not None:
                price = float(obs.public[d]["gpu_price"])
                qty = risk * 0.6 * spare * 1000 / price
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                if qty >= lo:
                    out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # -- designers --------------------------------------------------------------------------------
    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            sold = max(1.0, float(obs.public[obs.actor]["sold"]))
            inv = float(b["inventory"])
            target = optimal_gpu_price(obs)
            if inv > 1.3 * sold:
                new = price * 0.96
            elif inv < 0.2 * sold:
                new = price * 1.04
            else:
                new = clamp(target, price * 0.96, price * 1.04)
            if abs(new - price) > 1e-9:
                price = clamp(new, lo, hi)
                out.append(SetGpuPrice(price))
        if "buy_spot_wafers" in legal:
            per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
            want = 1.1 * (
                gpu_demand(obs, obs.actor, price) + gpu_owed(obs, self._mine(obs))
            ) - float(b["inventory"])
            contracted = wafers_contracted(obs, self._mine(obs))
            need = min(want / per_wafer, packaging_wafers(obs)) - contracted
            f = self._best_vendor(obs, legal["buy_spot_wafers"]["foundry"], "wafer_price")
            if f is not None:
                wp = float(obs.public[f]["wafer_price"])
                need = min(need, self.params["risk"] * max(0.0, self._cash(obs)) * 1000 / wp)
                lo, hi = legal["buy_spot_wafers"]["quantity"]
                if need >= lo:
                    out.append(BuySpotWafers(f, clamp(need, lo, hi)))
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        b = obs.books
        price = float(obs.public[obs.actor]["gpu_price"])
        per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
        base = gpu_owed(obs, self._mine(obs)) + 0.7 * gpu_demand(obs, obs.actor, price)
        need = min(base / per_wafer, packaging_wafers(obs)) - wafers_contracted(
            obs, self._mine(obs)
        )
        foundries = self._ranked(obs, obs.others("foundry"), lambda n: obs.public[n]["wafer_price"])
        if need > 2 and foundries:
            f = foundries[0]
            wafers = min(need, 0.6 * uncommitted_capacity(obs, f))
            wp = float(obs.public[f]["wafer_price"])
            fac = self._terms_factor(obs, f)
            if wafers >= 1:
                terms = {
                    "wafers": wafers,
                    "quarters": 8,
                    "price": wp / fac,
                    "prepay": 0.1 if fac < 1.0 else 0.0,
                }
                out.append(self._offer(obs, f, "capacity", terms))
        # Reward labs that kept faith: a supply contract at a loyalty discount.
        for lab in self._ranked(obs, obs.others("lab")):
            if self._last.get(lab, 0) > 0 and self._standing(obs, lab) > 0.55:
                lab_cash = float(obs.public[lab]["cash"])
                qty = 0.2 * lab_cash * 1000 / (price * 4)
                if qty >= 2 and not obs.public[lab]["distressed"]:
                    fac = self._terms_factor(obs, lab)
                    terms = {"quantity": qty, "quarters": 4, "price": price * fac, "prepay": 0.1}
                    out.append(self._offer(obs, lab, "supply", terms))
                break
        return out

    # -- foundries --------------------------------------------------------------------------------
    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            if util > 0.97:
                out.append(SetWaferPrice(clamp(price * 1.04, lo, hi)))
            elif util < 0.86:
                out.append(SetWaferPrice(clamp(price * 0.96, lo, hi)))
        cap = float(pub["capacity"]) + float(pub["capacity_building"])
        committed = wafer_committed(obs, self._mine(obs))
        if (
            "build_fab" in legal
            and (util > 0.97 or committed > 0.5 * cap)
            and float(pub["capacity_building"]) < 0.1 * max(cap, 1.0)
        ):
            size = clamp(0.06 * max(cap, 50.0), *legal["build_fab"]["capacity"])
            if fab_first_instalment("N3", "taiwan", size) < 0.3 * self._cash(obs):
                out.append(BuildFab("N3", "taiwan", size))
        gen = float(obs.market["generation"])
        pack_units = float(pub["packaging_capacity"]) * obs.rules.packages_per_wafer * gen
        sold = sum(float(obs.public[n]["sold"]) for n in obs.others("designer"))
        if (
            "build_packaging" in legal
            and sold > 0.85 * pack_units
            and float(b["packaging_building"]) == 0
        ):
            lo, hi = legal["build_packaging"]["capacity"]
            add = clamp(0.3 * float(pub["packaging_capacity"]), lo, hi)
            if add * obs.rules.packaging_capex_per_kwafer < 0.2 * self._cash(obs):
                out.append(BuildPackaging(add))
        return out

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        terms: dict[str, Any]  # capacity terms, then a joint venture's (text and numbers)
        pub = obs.public[obs.actor]
        price = float(pub["wafer_price"])
        free = uncommitted_capacity(obs, obs.actor, self._mine(obs))
        # Offer loyal chip makers a reservation at a discount.
        makers = [
            n
            for n in obs.others("designer")
            if self._last.get(n, 0) > 0 and self._standing(obs, n) > 0.55
        ]
        for d in self._ranked(obs, makers):
            wafers = min(0.05 * free, 0.2 * float(obs.public[d]["cash"]) * 1000 / (price * 8))
            if wafers >= 1:
                fac = self._terms_factor(obs, d)
                terms = {"wafers": wafers, "quarters": 8, "price": price * fac, "prepay": 0.05}
                out.append(self._offer(obs, d, "capacity", terms))
            break
        if obs.quarter % 8 == 3 and float(pub["utilisation"]) > 0.9:
            investors = [
                n
                for n in self._ranked(obs, obs.others("investor"))
                if self._standing(obs, n) >= 0.45
            ]
            if investors:
                inv = investors[0]
                site = "gulf" if obs.public[inv]["country"] in GULF_COUNTRIES else "us"
                s = self._standing(obs, inv)
                terms = {
                    "site": site,
                    "node": "N3",
                    "capacity": 40.0,
                    "partner_capex_share": 0.5,
                    "partner_output_share": 0.35 + 0.1 * s,
                    "operator_fee": 0.12 - 0.04 * s,
                }
                mine = jv_capex_per_quarter(terms) * (1 - terms["partner_capex_share"])
                if mine < 0.3 * self._cash(obs):
                    out.append(self._offer(obs, inv, "joint_venture", terms))
        return out

    # -- investors --------------------------------------------------------------------------------
    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        cash = self._cash(obs)
        if cash < 5:
            return out
        risk = self.params["risk"]
        targets = [
            n for n in obs.others() if obs.public[n]["role"] in ("lab", "designer", "foundry")
        ]
        # A partner that kept faith and is now in distress gets a rescue at a fair price.
        for n in targets:
            pub = obs.public[n]
            if pub["distressed"] and self._rescues(obs, n):
                amount = min(0.1 * cash, max(1.0, 2.0 - float(pub["cash"])))
                val = max(1.0, float(pub["valuation"]))
                stake = min(amount / val, 0.9 * float(pub["control"]), 0.5)
                if stake > 0.002:
                    out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
                else:
                    rate = float(obs.market["base_rate"]) + 0.03
                    terms = {"principal": amount, "rate": rate, "quarters": 12}
                    out.append(self._offer(obs, n, "loan", terms))
        companies = [n for n in targets if not obs.public[n]["distressed"]]
        ranked = self._ranked(obs, companies, lambda n: -float(obs.public[n]["revenue"]))
        mine = dict(obs.books["stakes"])
        if obs.quarter % 2 == 0:
            for n in ranked:
                pub = obs.public[n]
                val = max(1.0, float(pub["valuation"]))
                amount = min(0.06 * risk * cash, 0.05 * val)
                stake = amount * self._terms_factor(obs, n) / val
                if mine.get(n, 0.0) < 0.15 and float(pub["control"]) - stake > 0.5 and amount > 0.2:
                    out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
                    break
        lent = {
            c["parties"][1]
            for c in self._mine(obs)
            if c["kind"] == "loan" and c["status"] == "active" and c["parties"][0] == obs.actor
        }
        for n in ranked:
            if n in lent or self._standing(obs, n) < 0.45:
                continue
            pub = obs.public[n]
            principal = min(0.08 * risk * cash, 0.4 * float(pub["cash"]) + 1.0)
            able = float(pub["cash"]) + 2 * float(pub["revenue"])
            if principal > 0.5 and able >= principal * (1.5 - self._standing(obs, n)):
                rate = float(obs.market["base_rate"]) + 0.03 * self._terms_factor(obs, n)
                terms = {"principal": principal, "rate": rate, "quarters": 8}
                out.append(self._offer(obs, n, "loan", terms))
                break
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        if (
            "fund_campus" in legal
            and (pub["country"] in GULF_COUNTRIES or pub["licence"])
            and float(pub["campus_gw"]) == 0
            and float(b["campus_building_gw"]) == 0
            and obs.quarters_left > obs.rules.campus_build_quarters + 6
            and cash > 20
        ):
            gw = clamp(0.02 * cash * self.params["risk"], *legal["fund_campus"]["gw"])
            out.append(FundCampus(gw))
        if "buy_spot_gpus" in legal:
            d = self._best_vendor(obs, legal["buy_spot_gpus"]["designer"], "gpu_price")
            if d is not None:
                price = float(obs.public[d]["gpu_price"])
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                qty = min(hi, 0.1 * self.params["risk"] * cash * 1000 / price)
                if qty >= lo:
                    out.append(BuySpotGpus(d, qty))
        return out
