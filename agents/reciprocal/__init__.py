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

Per role it plays the new world's sensible game — but always chooses and prices its
counterparties by their standing:

- a **lab** keeps a runway and buys only compute that pays and that its power can run (own
  campuses, leases, outside clouds); it leases campus power from investors in good standing, or
  builds its own campuses when none will, and starts its own chips only when they pay over the
  quarters left;
- a **designer** prices near the most profitable price under the kinked outside demand (the
  reference price, or a markup over cost where that is higher; never near the cap), buys the
  wafers its demand needs, and gives labs in good standing a loyalty discount — a deeper one to a
  lab that starts its own chips but stays a loyal buyer;
- a **foundry** prices its wafers near their most profitable price, keeps utilisation in its band,
  and adds fabs and packaging as demand grows;
- an **investor** spreads equity and loans, builds campuses (within two fifths of its cash) when
  labs in good standing run short of power or ask it for more than it has, and leases them to
  those labs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param
from agents.reciprocal.designer import DesignerReciprocity
from agents.reciprocal.economics import fair_rent, free_campus_gw, lab_running_flow
from agents.reciprocal.foundry import FoundryReciprocity
from agents.reciprocal.investor import InvestorReciprocity
from agents.reciprocal.lab import LabReciprocity
from agents.tactics import (
    ContractMemo,
    DealView,
    annual_revenue,
    clamp,
    debt_outstanding,
    debt_service,
    jv_capex_per_quarter,
    loan_service,
)
from game.decisions import (
    Decision,
)
from game.observation import Observation

__all__ = ["ReciprocalPolicy"]


class ReciprocalPolicy(
    LabReciprocity,
    DesignerReciprocity,
    FoundryReciprocity,
    InvestorReciprocity,
    ContractMemo,
    BasicPolicy,
):
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
        # A lab's trends, once a quarter: the power its compute draws (GW), its revenue run-rate,
        # and an average of what it spends on compute ($B a quarter).
        self._need_hist: list[float] = []
        self._revenue_hist: list[float] = []
        self._spend_avg = 0.0
        self._asked = 0  # quarters a lab has asked investors for campus power
        self._power_asked: dict[str, float] = {}  # an investor: GW each lab asked and lacked

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
        for n in list(self._power_asked):
            self._power_asked[n] *= 0.8  # a request fades unless it is made again
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
        if obs.role == "lab":
            self._remember_lab(obs)

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
        if offer["kind"] == "lease":
            return self._recip_judge_lease(obs, offer)
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
        if obs.role == "designer" and v.first and kind == "capacity":
            room = self._wafers_to_reserve(obs)  # it takes no wafers it could not sell
            if room < 1.0:
                return None
            if v.terms["wafers"] > room:
                return {**v.terms, "wafers": room}
        if obs.role == "lab" and v.first and kind in ("capacity", "supply"):
            t = v.terms
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            per_q = (1 - t["prepay"]) * t["price"] * units / 1000
            if per_q > 0.6 * self._compute_budget(obs):
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
        if kind == "supply" and obs.role == "designer":
            factor *= 1.0 - self._supply_discount(obs, other)  # a loyal lab with its own chips
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
        if jv_capex_per_quarter(obs, t) * share > 0.5 * self._cash(obs):
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
        capex_q = jv_capex_per_quarter(obs, t) * t["partner_capex_share"]
        if capex_q > 0.2 * self.params["risk"] * self._cash(obs):
            return None
        if t["partner_output_share"] >= t["partner_capex_share"] * (1.1 - 0.3 * s):
            return True
        return None

    def _recip_judge_lease(
        self, obs: Observation, offer: Mapping[str, Any]
    ) -> bool | dict[str, Any] | None:
        """A lease: a landlord asks a fair rent (the clouds' price for power) of a tenant in good
        standing, more of others; a tenant pays up to what the power earns it, more readily to a
        landlord in good standing."""
        other, t = offer["proposer"], dict(offer["terms"])
        fair = fair_rent(obs)
        factor = self._terms_factor(obs, other)
        if obs.role == "investor":  # the landlord
            free = free_campus_gw(obs, obs.actor)
            if self._last.get(other, 0) < 0:
                return None
            if t["gw"] > free:  # it remembers what a lab asked for and could not have
                self._power_asked[other] = max(self._power_asked.get(other, 0.0), t["gw"] - free)
            if free < 0.05:
                return None
            want = fair * factor
            if t["gw"] > free:
                return {**t, "gw": 0.98 * free, "rent": max(t["rent"], want)}
            if t["rent"] >= want - self.params["margin"] * fair:
                return True
            give = 0.5 * self._standing(obs, other)
            return {**t, "rent": want - give * (want - t["rent"])}
        # The tenant.
        if t["quarters"] > obs.quarters_left + 2:
            return {**t, "quarters": obs.quarters_left}
        worth = self._power_value(obs)
        build_q = int(obs.build_costs["campus"]["build_quarters"])
        gap = max(self._recip_power_gap(obs, 2), 0.5 * self._recip_power_gap(obs, 4))
        gap = max(gap, self._recip_power_gap(obs, build_q + 1))
        if gap < 0.5 * t["gw"] or worth < t["rent"]:
            return None  # it does not need that much power, or it would not earn its rent
        if t["gw"] * t["rent"] > 0.5 * max(0.0, lab_running_flow(obs)) + 0.1 * self._cash(obs):
            return None  # it could not keep paying the rent
        limit = fair / factor  # it pays a landlord in good standing more
        if t["rent"] <= limit + self.params["margin"] * fair:
            return True
        return {**t, "rent": limit}

    def _borrowable(self, obs: Observation, rate: float, quarters: int) -> float:
        """The largest new loan it could service ($B): at most a year's revenue owed in all, and
        (for a lab) payments within its operating cash plus a little of its cash."""
        mine = self._mine(obs)
        room = annual_revenue(obs) + 2.0 - debt_outstanding(obs, mine)
        if obs.role == "lab":
            # Payments from what its compute earns now and, if it pays, what the loan buys.
            can_pay = max(0.0, lab_running_flow(obs)) + 0.05 * max(0.0, self._cash(obs))
            per_unit = loan_service(1.0, rate, quarters) - self._payoff(obs) / 16
            if per_unit > 1e-9:
                room = min(room, (can_pay - debt_service(obs, mine)) / per_unit)
        return max(0.0, room)
