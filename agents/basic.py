"""The basic bot: a plain, role-aware policy that plays legal, sensible moves.

It raises money when its runway is short, buys compute it can afford, prices by its own stock or
utilisation, builds only against demand, and answers offers by comparing their terms with public
prices and valuations, asking better terms of counterparties it trusts less.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.policy import Param, Policy
from agents.tactics import clamp, jv_capex_per_quarter
from game.deals import DealKind, resolve_parties
from game.decisions import (
    Accept,
    BuildFab,
    BuildPackaging,
    BuySpotGpus,
    BuySpotWafers,
    Counter,
    Decision,
    FundCampus,
    Propose,
    Reject,
    SetGpuPrice,
    SetWaferPrice,
    StartChipProgramme,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["BasicPolicy"]


class BasicPolicy(Policy):
    """A simple, sensible bot for every role."""

    name = "basic"
    description = "plain role-aware bot: raises when short, prices by stock, builds on demand"
    parameters: ClassVar[dict[str, Param]] = {
        "risk": Param(0.5, 0.0, 1.0, "share of spare cash it is willing to commit"),
        "margin": Param(0.05, 0.0, 0.5, "how far from a fair price it accepts without countering"),
        "trust_weight": Param(
            0.4, 0.0, 2.0, "how much better terms it asks of a counterparty it trusts less"
        ),
    }

    # -- helpers ------------------------------------------------------------------------------
    def _premium(self, obs: Observation, other: str) -> float:
        """Factor (>= 1 when trust is low) by which it asks for better terms."""
        return 1.0 + self.params["trust_weight"] * (0.5 - obs.trust_in.get(other, 0.5))

    @staticmethod
    def _cash(obs: Observation) -> float:
        return float(obs.books["cash"])

    @staticmethod
    def _in_bounds(obs: Observation, kind: str, terms: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in terms.items():
            b = obs.legal.term_bounds[kind][k]
            if b["choices"] or not isinstance(v, int | float):
                out[k] = v
                continue
            lo = b["lo"] + (1e-6 if b["lo_open"] else 0.0)
            v = clamp(float(v), lo, b["hi"])
            out[k] = round(v) if b["integer"] else round(v, 6)
        return out

    def _offer(self, obs: Observation, to: str, kind: str, terms: dict[str, Any]) -> Propose | None:
        if to not in obs.legal.partners.get(kind, ()):
            return None
        return Propose(to, kind, self._in_bounds(obs, kind, terms))

    # -- the three calls ----------------------------------------------------------------------
    def propose(self, obs: Observation) -> list[Decision]:
        if obs.legal.proposals_left <= 0:
            return []
        out = getattr(self, f"_propose_{obs.role}")(obs)
        return [d for d in out if d is not None][: obs.legal.proposals_left]

    def respond(self, obs: Observation) -> list[Decision]:
        out: list[Decision] = []
        for offer in obs.inbox:
            allowed = obs.legal.answers.get(offer["id"], ())
            if not allowed:
                continue
            verdict = self._judge(obs, offer)
            if verdict is True:
                out.append(Accept(offer["id"]))
            elif isinstance(verdict, dict) and "counter" in allowed:
                out.append(Counter(offer["id"], self._in_bounds(obs, offer["kind"], verdict)))
            else:
                out.append(Reject(offer["id"]))
        return out

    def moves(self, obs: Observation) -> list[Decision]:
        out = getattr(self, f"_moves_{obs.role}")(obs)
        return [d for d in out if d is not None and d.type in obs.legal.moves]

    # -- judging offers -----------------------------------------------------------------------
    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """True to accept, a dict of terms to counter, None to reject."""
        kind, t, other = offer["kind"], dict(offer["terms"]), offer["proposer"]
        first, second = resolve_parties(
            DealKind(kind), (other, obs.public[other]["role"]), (obs.actor, obs.role)
        )
        prem = self._premium(obs, other)
        tol = 1.0 + self.params["margin"]
        cash = self._cash(obs)
        distressed = bool(obs.books["distressed"])
        if kind in ("equity", "vendor_financing"):
            company = second
            val = max(1.0, float(obs.public[company]["valuation"]))
            control = float(obs.public[company]["control"])
            implied = t["amount"] / t["stake"]
            if company == obs.actor:  # someone buys into me: I want a high valuation
                if control - t["stake"] < 0.35:
                    return None
                if implied * tol * prem >= val or distressed:
                    return True
                want = t["amount"] * prem / val
                if kind == "vendor_financing" or want > control - 0.35:
                    return None  # it would give up too much control: no counter
                return {**t, "stake": want}
            if t["amount"] > self.params["risk"] * cash:
                return None
            if implied <= val * tol / prem:
                return True
            # Ask for a bigger stake, but never more than the company has left to sell.
            want = min(0.5, t["amount"] * prem / val, control * 0.999)
            return {**t, "stake": want} if want > t["stake"] else None
        if kind == "loan":
            fair = obs.market["base_rate"] + 0.03 + 0.1 * max(0.0, prem - 1.0)
            if first == obs.actor:  # I lend
                if t["principal"] > self.params["risk"] * cash:
                    return None
                if t["rate"] * tol >= fair:
                    return True
                return {**t, "rate": fair}
            if t["rate"] <= fair * tol or distressed:
                return True
            return {**t, "rate": fair}
        if kind in ("capacity", "supply"):
            field = "wafer_price" if kind == "capacity" else "gpu_price"
            list_price = float(obs.public[second][field])
            if second == obs.actor:  # I sell
                if t["price"] * tol * prem >= list_price:
                    return True
                return {**t, "price": list_price}
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            if t["prepay"] * t["price"] * units * t["quarters"] / 1000 > self.params["risk"] * cash:
                return None
            if t["price"] <= list_price * tol / prem:
                return True
            return {**t, "price": list_price / prem}
        if kind == "joint_venture":
            if second == obs.actor:  # I operate
                if (
                    t["partner_capex_share"] + 1e-9 >= t["partner_output_share"]
                    and t["operator_fee"] >= 0.05
                ):
                    return True
                return {
                    **t,
                    "partner_output_share": t["partner_capex_share"] * 0.9,
                    "operator_fee": max(0.05, t["operator_fee"]),
                }
            capex_q = jv_capex_per_quarter(obs, t) * t["partner_capex_share"]
            if capex_q > 0.2 * self.params["risk"] * cash:
                return None
            return True if t["partner_output_share"] >= t["partner_capex_share"] * 0.8 else None
        return None

    # -- labs ---------------------------------------------------------------------------------
    def _debt_service(self, obs: Observation) -> float:
        """What the actor owes a quarter on the loans it has taken ($B)."""
        out = 0.0
        for c in obs.my_contracts():
            if c["kind"] == "loan" and c["status"] == "active" and c["parties"][1] == obs.actor:
                t = c["terms"]
                out += t["principal"] / t["quarters"] * (1 + t["rate"] * t["quarters"] / 4)
        return out

    def _lab_needs(self, obs: Observation) -> tuple[float, float]:
        """(net running cost a quarter, cash to keep in hand) of a lab."""
        b = obs.books
        last = b["last_quarter"]
        running = float(b["fixed_opex"]) - float(last.get("hosting", 0.0))
        net = max(0.0, running - float(last.get("ai_revenue", 0.0)))
        reserve = 4 * net + 2 * self._debt_service(obs) + float(b["fixed_opex"])
        return net, reserve

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        b, cash = obs.books, self._cash(obs)
        out: list[Propose | None] = []
        reserve = self._lab_needs(obs)[1]
        investors = sorted(
            obs.others("investor"), key=lambda n: -obs.public[n]["cash"] * obs.trust_in[n]
        )
        if (cash < 1.5 * reserve or b["distressed"]) and investors:
            amount = max(2.0, 2 * reserve - cash)
            val = max(1.0, float(obs.public[obs.actor]["valuation"]))
            stake = amount / (val + amount)
            control = float(obs.public[obs.actor]["control"])
            inv = investors[0]
            if control - stake > 0.3:
                out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
            else:
                out.append(
                    self._offer(
                        obs, inv, "loan", {"principal": amount, "rate": 0.09, "quarters": 8}
                    )
                )
        mine = [c for c in obs.my_contracts() if c["kind"] == "supply" and c["status"] == "active"]
        designers = obs.others("designer")
        if not mine and designers and cash > reserve:
            by_vendor = dict(b["compute_by_vendor"])
            designer = min(
                designers, key=lambda n: (by_vendor.get(n, 0.0), obs.public[n]["gpu_price"])
            )
            price = float(obs.public[designer]["gpu_price"])
            budget = self.params["risk"] * 0.3 * cash
            qty = budget * 1000 / price / 4
            if qty >= 1:
                out.append(
                    self._offer(
                        obs,
                        designer,
                        "supply",
                        {"quantity": qty, "quarters": 4, "price": price * 0.95, "prepay": 0.1},
                    )
                )
        if b["programme_quarters_left"] == 0:
            fabs = [
                c for c in obs.my_contracts() if c["kind"] == "capacity" and c["status"] == "active"
            ]
            foundries = obs.others("foundry")
            if not fabs and foundries and cash > 10:
                f = min(foundries, key=lambda n: obs.public[n]["wafer_price"])
                price = float(obs.public[f]["wafer_price"])
                out.append(
                    self._offer(
                        obs,
                        f,
                        "capacity",
                        {"wafers": 5.0, "quarters": 8, "price": price, "prepay": 0.1},
                    )
                )
        return out

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        cash = self._cash(obs)
        out: list[Decision | None] = []
        spare = cash - self._lab_needs(obs)[1]
        legal = obs.legal.moves
        if spare > 0 and "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: obs.public[n]["gpu_price"])
            price = float(obs.public[d]["gpu_price"])
            qty = self.params["risk"] * 0.5 * spare * 1000 / price
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo:
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        if (
            "start_chip_programme" in legal
            and obs.quarter >= 2
            and spare > 20 * obs.rules.chip_programme_cost
            and self.rng.random() < 0.25 * self.params["risk"]
        ):
            out.append(StartChipProgramme())
        if "buy_spot_wafers" in legal and spare > 1:
            foundries = legal["buy_spot_wafers"]["foundry"]
            f = min(foundries, key=lambda n: obs.public[n]["wafer_price"])
            price = float(obs.public[f]["wafer_price"])
            qty = min(10.0, 0.1 * spare * 1000 / price)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
        return out

    # -- designers ----------------------------------------------------------------------------
    def _wafer_need(self, obs: Observation) -> float:
        b = obs.books
        gen = float(obs.market["generation"])
        want = 1.2 * max(
            float(b["sold"]) if "sold" in b else 0.0, float(obs.public[obs.actor]["sold"]), 10.0
        )
        have = float(b["inventory"])
        contracted = sum(
            c["terms"]["wafers"]
            for c in obs.my_contracts()
            if c["kind"] == "capacity" and c["status"] == "active"
        )
        per_wafer = float(b["dies_per_wafer"]) * gen
        return max(0.0, (want - have) / per_wafer - contracted)

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        need = self._wafer_need(obs)
        foundries = obs.others("foundry")
        if need > 1 and foundries:
            f = max(foundries, key=lambda n: obs.trust_in[n] - obs.public[n]["wafer_price"] / 100)
            price = float(obs.public[f]["wafer_price"])
            out.append(
                self._offer(
                    obs,
                    f,
                    "capacity",
                    {"wafers": need * 0.6, "quarters": 8, "price": price * 0.97, "prepay": 0.1},
                )
            )
        return out

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        sold = float(obs.public[obs.actor]["sold"])
        inv = float(b["inventory"])
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            if inv < 0.3 * sold:
                out.append(SetGpuPrice(clamp(price * 1.04, lo, hi)))
            elif inv > 1.0 * max(sold, 1.0):
                out.append(SetGpuPrice(clamp(price * 0.95, lo, hi)))
        need = self._wafer_need(obs)
        if need > 0.5 and "buy_spot_wafers" in legal:
            foundries = legal["buy_spot_wafers"]["foundry"]
            f = min(foundries, key=lambda n: obs.public[n]["wafer_price"])
            cost = need * float(obs.public[f]["wafer_price"]) / 1000
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if cost < 0.5 * self._cash(obs):
                out.append(BuySpotWafers(f, clamp(need, lo, hi)))
        return out

    # -- foundries ----------------------------------------------------------------------------
    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        pub = obs.public[obs.actor]
        if obs.quarter % 8 == 3 and pub["utilisation"] > 0.9:
            investors = [n for n in obs.others("investor") if obs.trust_in[n] >= 0.4]
            if investors:
                inv = max(investors, key=lambda n: obs.public[n]["cash"])
                site = "gulf" if obs.public[inv]["country"] in GULF_COUNTRIES else "us"
                out.append(
                    self._offer(
                        obs,
                        inv,
                        "joint_venture",
                        {
                            "site": site,
                            "node": "N3",
                            "capacity": 40.0,
                            "partner_capex_share": 0.5,
                            "partner_output_share": 0.4,
                            "operator_fee": 0.1,
                        },
                    )
                )
        return out

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            if util > 0.97:
                out.append(SetWaferPrice(clamp(price * 1.03, lo, hi)))
            elif util < 0.85:
                out.append(SetWaferPrice(clamp(price * 0.96, lo, hi)))
        cap = float(pub["capacity"]) + float(pub["capacity_building"])
        committed = sum(
            c["terms"]["wafers"]
            for c in obs.my_contracts()
            if c["kind"] == "capacity" and c["status"] == "active"
        )
        if (
            "build_fab" in legal
            and (util > 0.97 or committed > 0.5 * cap)
            and float(pub["capacity_building"]) < 0.1 * max(cap, 1.0)
        ):
            size = 0.08 * max(cap, 50.0) * (0.5 + self.params["risk"])
            lo, hi = legal["build_fab"]["capacity"]
            size = clamp(size, lo, hi)
            site = "taiwan"
            capex = obs.fab_capex("N3", site, size)
            if capex / obs.fab_build_quarters(site) < 0.3 * self._cash(obs):
                out.append(BuildFab("N3", site, size))
        gen = float(obs.market["generation"])
        pack_units = float(pub["packaging_capacity"]) * obs.rules.packages_per_wafer * gen
        sold = sum(float(obs.public[n]["sold"]) for n in obs.others("designer"))
        if (
            "build_packaging" in legal
            and sold > 0.9 * pack_units
            and float(b["packaging_building"]) == 0
        ):
            lo, hi = legal["build_packaging"]["capacity"]
            add = clamp(0.3 * float(pub["packaging_capacity"]), lo, hi)
            if add * obs.rules.packaging_capex_per_kwafer < 0.2 * self._cash(obs):
                out.append(BuildPackaging(add))
        return out

    # -- investors ----------------------------------------------------------------------------
    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        cash = self._cash(obs)
        if obs.quarter % 4 != int(self.rng.integers(4)) or cash < 5:
            return out
        labs = [
            n
            for n in obs.others("lab")
            if obs.trust_in[n] >= 0.35 and obs.public[n]["control"] > 0.5
        ]
        if labs:
            lab = max(labs, key=lambda n: obs.public[n]["revenue"])
            val = max(1.0, float(obs.public[lab]["valuation"]))
            amount = min(0.1 * cash * self.params["risk"] * 2, 0.1 * val)
            stake = amount / val * self._premium(obs, lab)
            if stake < obs.public[lab]["control"] - 0.5:
                out.append(self._offer(obs, lab, "equity", {"amount": amount, "stake": stake}))
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        if (
            "fund_campus" in legal
            and pub["country"] in GULF_COUNTRIES
            and pub["campus_gw"] == 0
            and float(b["campus_building_gw"]) == 0
            and cash > 20
        ):
            gw = clamp(0.02 * cash * self.params["risk"], *legal["fund_campus"]["gw"])
            out.append(FundCampus(gw))
        if "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: obs.public[n]["gpu_price"])
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, 0.05 * cash * 1000 / price)
            if qty >= lo:
                out.append(BuySpotGpus(d, qty))
        return out
