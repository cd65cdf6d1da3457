"""An example Fab Race policy, written as docs/POLICIES.md explains: ``Bold``.

Bold plays two roles, a lab and a chip designer, and bets on growth:

- as a **lab** it keeps a cash reserve of a few quarters' running costs, raises money (equity, or a
  loan once it would sell too much control) when it falls below it, and spends a share of what is
  above it on compute: a supply contract with the cheapest designer and spot accelerators, never
  more than its powered data centres can run (compute without power earns nothing);
- as a **designer** it raises its price while it sells out and cuts it when stock piles up, buys
  wafers to make what it sells, and reserves foundry capacity ahead;
- in both roles it accepts money and deals on fair terms, counters unfair ones once, and rejects
  the rest.

It stays legal by asking ``obs.legal`` before every decision: whom it may propose each deal kind
to, which answers each offer allows, which moves it may still make and within which bounds, and
the bounds of every term (``obs.legal.term_bounds``: prices per H100e fall with each generation,
so a fixed budget buys ever more units). It draws no random numbers; a policy that does must draw
them from ``self.rng``.

Try it::

    fabrace run --scenario duel --policy OpenAI=examples/my_policies.py:Bold \\
        --policy Nvidia=examples/my_policies.py:Bold
    fabrace policies check examples/my_policies.py:Bold
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.policy import Param, Policy
from game.decisions import (
    Accept,
    BuySpotGpus,
    BuySpotWafers,
    Counter,
    Decision,
    Propose,
    Reject,
    SetGpuPrice,
)
from game.observation import Observation


def clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def within_terms(obs: Observation, kind: str, terms: dict[str, float]) -> dict[str, float]:
    """The terms with each number clamped into the rules' bounds (``obs.legal.term_bounds``)."""
    out = dict(terms)
    for name, value in terms.items():
        b = obs.legal.term_bounds[kind][name]
        lo = b["lo"] + 1e-6 if b["lo_open"] else b["lo"]  # strictly above an open bound
        out[name] = round(clamp(value, lo, b["hi"]), 6)
    return out


class Bold(Policy):
    """Bets on growth: spends above a reserve on compute (lab) or on supply (designer)."""

    name = "bold"
    description = "bets on growth: buys compute above a cash reserve; prices by its stock"
    roles = ("lab", "designer")
    parameters: ClassVar[dict[str, Param]] = {
        "boldness": Param(0.6, 0.0, 1.0, "share of the cash above its reserve spent a quarter"),
        "reserve_quarters": Param(4.0, 0.0, 12.0, "quarters of running costs kept in hand"),
        "price_step": Param(0.05, 0.0, 0.2, "how far a designer moves its price in a quarter"),
    }

    # -- the three calls ----------------------------------------------------------------------
    def propose(self, obs: Observation) -> list[Decision]:
        if obs.legal.proposals_left <= 0:
            return []
        wanted = self._lab_offers(obs) if obs.role == "lab" else self._designer_offers(obs)
        # Only offers to partners the rules allow, and no more than the budget.
        ok = [p for p in wanted if p.recipient in obs.legal.partners.get(p.kind, ())]
        return ok[: obs.legal.proposals_left]

    def respond(self, obs: Observation) -> list[Decision]:
        out: list[Decision] = []
        for offer in obs.inbox:
            allowed = obs.legal.answers.get(offer["id"], ())
            if not allowed:
                continue
            verdict = self._judge(obs, offer)
            if verdict == "accept":
                out.append(Accept(offer["id"]))
            elif isinstance(verdict, dict) and "counter" in allowed:
                out.append(Counter(offer["id"], verdict))
            else:
                out.append(Reject(offer["id"]))
        return out

    def moves(self, obs: Observation) -> list[Decision]:
        return self._lab_moves(obs) if obs.role == "lab" else self._designer_moves(obs)

    # -- money --------------------------------------------------------------------------------
    def _reserve(self, obs: Observation) -> float:
        """Cash to keep in hand ($B): a few quarters of running costs."""
        b = obs.books
        running = max(float(b.get("burn", 0.0)), float(b["fixed_opex"]))
        return self.params["reserve_quarters"] * running

    def _spare(self, obs: Observation) -> float:
        return float(obs.books["cash"]) - self._reserve(obs)

    @staticmethod
    def _room(obs: Observation) -> float:
        """kH100e of today's chips its powered GW (own campuses, leases, clouds) could still run.

        1 GW powers about 500 kH100e of H100s, and a chip of a newer generation does more work on
        the same power. Counting all it runs as today's chips overstates the room a little; once
        some compute stands without power (``served`` below ``compute``) there is none.
        """
        me = obs.public[obs.actor]
        if float(me["served"]) < float(me["compute"]) - 1e-6:
            return 0.0
        gen = float(obs.market["generation"])
        return max(0.0, float(me["powered_gw"]) * 500 * gen - float(me["compute"]))

    # -- lab ----------------------------------------------------------------------------------
    def _lab_offers(self, obs: Observation) -> list[Propose]:
        out: list[Propose] = []
        me = obs.public[obs.actor]
        investors = sorted(obs.others("investor"), key=lambda n: -float(obs.public[n]["cash"]))
        if self._spare(obs) < 0 and investors:
            amount = round(max(1.0, -2 * self._spare(obs)), 3)
            valuation = max(1.0, float(me["valuation"]))
            stake = round(amount / (valuation + amount), 4)
            if float(me["control"]) - stake > 0.55:  # keep control
                out.append(Propose(investors[0], "equity", {"amount": amount, "stake": stake}))
            else:
                loan = {"principal": amount, "rate": obs.market["base_rate"] + 0.05, "quarters": 8}
                out.append(Propose(investors[0], "loan", loan))
        supplied = any(
            c["kind"] == "supply" and c["status"] == "active" for c in obs.my_contracts()
        )
        designers = obs.others("designer")
        if not supplied and designers and self._spare(obs) > 0:
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            qty = self.params["boldness"] * self._spare(obs) * 1000 / price / 4
            qty = min(qty, self._room(obs) / 4)  # a quarter of its room each quarter
            if qty >= 1:
                terms = {"quantity": qty, "quarters": 4, "price": price * 0.97, "prepay": 0.1}
                out.append(Propose(d, "supply", within_terms(obs, "supply", terms)))
        return out

    def _lab_moves(self, obs: Observation) -> list[Decision]:
        legal = obs.legal.moves
        spare = self._spare(obs)
        if "buy_spot_gpus" not in legal or spare <= 0:
            return []
        d = min(legal["buy_spot_gpus"]["designer"], key=lambda n: obs.public[n]["gpu_price"])
        qty = 0.5 * self.params["boldness"] * spare * 1000 / float(obs.public[d]["gpu_price"])
        qty = min(qty, 0.5 * self._room(obs))
        lo, hi = legal["buy_spot_gpus"]["quantity"]
        return [BuySpotGpus(d, min(qty, hi))] if qty >= lo else []

    # -- designer -----------------------------------------------------------------------------
    def _wafers_wanted(self, obs: Observation) -> float:
        """k wafers to make what it sold last quarter (at least a little), less its stock."""
        b = obs.books
        sold = max(float(obs.public[obs.actor]["sold"]), 10.0)
        per_wafer = float(b["dies_per_wafer"]) * float(obs.market["generation"])
        return max(0.0, (1.2 * sold - float(b["inventory"])) / per_wafer)

    def _designer_offers(self, obs: Observation) -> list[Propose]:
        foundries = obs.others("foundry")
        reserved = any(
            c["kind"] == "capacity" and c["status"] == "active" for c in obs.my_contracts()
        )
        wafers = 0.5 * self._wafers_wanted(obs)
        if reserved or not foundries or wafers < 1:
            return []
        f = max(foundries, key=lambda n: obs.trust_in.get(n, 0.5))
        price = float(obs.public[f]["wafer_price"])
        terms = within_terms(
            obs, "capacity", {"wafers": wafers, "quarters": 6, "price": price, "prepay": 0.1}
        )
        if 0.1 * terms["wafers"] * 6 * price / 1000 > 0.5 * float(obs.books["cash"]):
            return []
        return [Propose(f, "capacity", terms)]

    def _designer_moves(self, obs: Observation) -> list[Decision]:
        out: list[Decision] = []
        legal = obs.legal.moves
        me, b = obs.public[obs.actor], obs.books
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            price, sold, stock = float(me["gpu_price"]), float(me["sold"]), float(b["inventory"])
            step = self.params["price_step"]
            if stock < 0.5 * sold:
                out.append(SetGpuPrice(clamp(price * (1 + step), lo, hi)))
            elif stock > 1.5 * max(sold, 1.0):
                out.append(SetGpuPrice(clamp(price * (1 - step), lo, hi)))
        wafers = self._wafers_wanted(obs)
        if "buy_spot_wafers" in legal and wafers > 0:
            foundries = legal["buy_spot_wafers"]["foundry"]
            f = min(foundries, key=lambda n: float(obs.public[n]["wafer_price"]))
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            qty = clamp(wafers, lo, hi)
            if qty * float(obs.public[f]["wafer_price"]) / 1000 < 0.3 * float(b["cash"]):
                out.append(BuySpotWafers(f, qty))
        return out

    # -- answers ------------------------------------------------------------------------------
    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> str | dict[str, Any] | None:
        """``"accept"``, new terms to counter with, or None to reject."""
        kind, t, other = offer["kind"], dict(offer["terms"]), offer["proposer"]
        me = obs.public[obs.actor]
        cash = float(obs.books["cash"])
        if kind == "equity":  # someone buys into me
            valuation = max(1.0, float(me["valuation"]))
            if float(me["control"]) - t["stake"] < 0.55:
                return None
            if t["amount"] / t["stake"] >= 0.9 * valuation or bool(me["distressed"]):
                return "accept"
            return {**t, "stake": round(min(t["stake"], t["amount"] / valuation), 6)}
        if kind == "loan":  # I borrow
            fair = float(obs.market["base_rate"]) + 0.06
            if self._spare(obs) > 0 and not me["distressed"]:
                return None  # no need
            return "accept" if t["rate"] <= fair else {**t, "rate": fair}
        if kind == "supply" and obs.role == "designer":  # a lab buys from me
            price = float(me["gpu_price"])
            return "accept" if t["price"] >= 0.95 * price else {**t, "price": price}
        if kind == "supply":  # a designer offers to supply me (a lab)
            list_price = float(obs.public[other]["gpu_price"])
            prepaid = t["prepay"] * t["quantity"] * t["quarters"] * t["price"] / 1000
            if prepaid > self.params["boldness"] * max(0.0, self._spare(obs)):
                return None
            return "accept" if t["price"] <= 1.05 * list_price else {**t, "price": list_price}
        if kind == "capacity" and obs.role == "designer":  # a foundry offers me wafers
            list_price = float(obs.public[other]["wafer_price"])
            prepaid = t["prepay"] * t["wafers"] * t["quarters"] * t["price"] / 1000
            if prepaid > 0.3 * cash:
                return None
            return "accept" if t["price"] <= 1.05 * list_price else {**t, "price": list_price}
        return None  # joint ventures, vendor financing, ...: not its game
