"""The basic bot's core: helpers, the three calls and the judging of offers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agents.minmax import max2, min2
from agents.policy import Policy
from agents.tactics import (
    REF_DPW,
    ContractMemo,
    can_host,
    clamp,
    fair_lease_rent,
    free_campus_gw,
    jv_capex_per_quarter,
    offer_parties,
    optimal_gpu_price,
    own_contracts,
    wafers_contracted,
)
from game.decisions import (
    Accept,
    Counter,
    Decision,
    Propose,
    Reject,
)
from game.observation import Observation

__all__ = ["BasicCore"]


class BasicCore(Policy):
    """The basic bot's helpers, its three calls and how it judges offers; the role parts
    (:mod:`agents.basic.lab`, ``designer``, ``foundry``, ``investor``) build on it."""

    if TYPE_CHECKING:

        def _powered_pace(self, obs: Observation, quarters: int) -> float: ...
        def _gpu_demand_now(self, obs: Observation, price: float, unmet: float = 0.25) -> float: ...
        def _lab_needs(self, obs: Observation) -> tuple[float, float]: ...
        def _lab_cash_flow(self, obs: Observation) -> float: ...
        def _power_gap(
            self, obs: Observation, spend: float, horizon: int, power_cost: float = 0.0
        ) -> float: ...

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
        bounds = obs.legal.term_bounds[kind]
        for k, v in terms.items():
            b = bounds[k]
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

    #: What it has agreed to buy in the answers it is giving now (wafers, accelerators a
    #: quarter), so that two offers answered together are not both judged against the same need.
    _agreed: tuple[float, float] = (0.0, 0.0)

    def respond(self, obs: Observation) -> list[Decision]:
        out: list[Decision] = []
        self._agreed = (0.0, 0.0)
        for offer in obs.inbox:
            allowed = obs.legal.answers.get(offer["id"], ())
            if not allowed:
                continue
            verdict = self._judge(obs, offer)
            terms: Mapping[str, Any] | None = None
            if verdict is True:
                out.append(Accept(offer["id"]))
                terms = offer["terms"]
            elif isinstance(verdict, dict) and "counter" in allowed:
                terms = self._in_bounds(obs, offer["kind"], verdict)
                out.append(Counter(offer["id"], dict(terms)))
            else:
                out.append(Reject(offer["id"]))
            if terms is not None:  # accepted, or countered (and perhaps accepted later)
                wafers, units = self._agreed
                if offer["kind"] == "capacity":
                    wafers += float(terms["wafers"])
                elif offer["kind"] in ("supply", "vendor_financing"):
                    units += float(terms["quantity"])
                self._agreed = (wafers, units)
        self._agreed = (0.0, 0.0)
        return out

    def moves(self, obs: Observation) -> list[Decision]:
        out = getattr(self, f"_moves_{obs.role}")(obs)
        return [d for d in out if d is not None and d.type in obs.legal.moves]

    def _cash_floor(self, obs: Observation) -> float:
        """Cash it means to keep in hand (a lab: its reserve; others: nothing in particular)."""
        return self._lab_needs(obs)[1] if obs.role == "lab" else 0.0

    # -- judging offers -----------------------------------------------------------------------
    def _beyond_need(
        self, obs: Observation, offer: Mapping[str, Any]
    ) -> tuple[bool, bool | dict[str, Any] | None]:
        """For a buyer offered more than it can use — a lab more accelerators (or wafers for its
        own chips) than its power runs, a designer more wafers than its demand needs: (True, its
        answer), a counter for what it can use or a refusal; (False, None) when the order fits."""
        kind = offer["kind"]
        t = dict(offer["terms"])
        if kind == "capacity" and t.get("wafers") is not None:
            first, _ = offer_parties(obs, offer)
            if first != obs.actor:
                return False, None
            # Reserved already, on offer from it, and agreed in this round of answers.
            contracted = wafers_contracted(obs, self._contracts(obs)) + self._agreed[0]
            contracted += sum(
                [float(o["terms"]["wafers"]) for o in obs.sent if o["kind"] == "capacity"]
            )
            gen = float(obs.market["generation"])
            if obs.role == "lab":
                left = obs.books.get("programme_quarters_left")
                if left is None or left > 2:
                    return True, None  # no chips of its own to make from them yet
                per_wafer = float(obs.rules["own_chip_efficiency"]) * REF_DPW * gen
                fits = self._powered_pace(obs, int(t["quarters"])) / per_wafer
            else:
                per_wafer = max2(1.0, float(obs.books.get("dies_per_wafer", REF_DPW))) * gen
                wanted = 1.2 * self._gpu_demand_now(obs, optimal_gpu_price(obs))
                stock = float(obs.books.get("inventory", 0.0))
                fits = (wanted - 0.5 * stock) / per_wafer - contracted  # its stock sells first
            if float(t["wafers"]) <= fits + max2(2.0, 0.1 * contracted):
                return False, None
            return (True, {**t, "wafers": fits}) if fits >= 1.0 else (True, None)
        if obs.role != "lab" or kind not in ("supply", "vendor_financing"):
            return False, None
        fits = self._powered_pace(obs, int(t["quarters"])) - self._agreed[1]
        if float(t["quantity"]) <= 1.2 * fits + 1.0:
            return False, None
        if kind == "vendor_financing" or fits < 1.0:
            return True, None
        return True, {**t, "quantity": fits}

    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """True to accept, a dict of terms to counter, None to reject."""
        kind, t, other = offer["kind"], dict(offer["terms"]), offer["proposer"]
        first, second = offer_parties(obs, offer)
        prem = self._premium(obs, other)
        tol = 1.0 + self.params["margin"]
        cash = self._cash(obs)
        distressed = bool(obs.books["distressed"])
        if kind in ("equity", "vendor_financing"):
            company = second
            val = max2(1.0, float(obs.public[company]["valuation"]))
            control = float(obs.public[company]["control"])
            implied = t["amount"] / t["stake"]
            if company == obs.actor:  # someone buys into me: I want a high valuation
                short = distressed or cash < 0.5 * self._cash_floor(obs)
                if control - t["stake"] < (0.25 if short else 0.35):
                    return None
                if kind == "vendor_financing" and not self._fair_purchase(obs, first, t, tol):
                    return None
                if implied * tol >= val * prem or distressed:
                    return True
                # Ask for a higher valuation (a smaller stake), the more so the less it trusts.
                want = t["amount"] / (val * prem)
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
            fair = obs.market["base_rate"] + 0.03 + 0.1 * max2(0.0, prem - 1.0)
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
            if second == obs.actor:  # I sell: at least its list price, more of the less trusted
                if t["price"] * tol >= list_price * prem:
                    return True
                return {**t, "price": list_price * max2(1.0, prem)}
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            if t["prepay"] * t["price"] * units * t["quarters"] / 1000 > self.params["risk"] * cash:
                return None
            beyond, verdict = self._beyond_need(obs, offer)
            if beyond:  # more than it can power or use: a smaller order, or none
                if isinstance(verdict, dict):
                    verdict["price"] = min2(float(t["price"]), list_price / prem)
                return verdict
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
                    "operator_fee": max2(0.05, t["operator_fee"]),
                }
            capex_q = jv_capex_per_quarter(obs, t) * t["partner_capex_share"]
            if capex_q > 0.2 * self.params["risk"] * cash:
                return None
            return True if t["partner_output_share"] >= t["partner_capex_share"] * 0.8 else None
        if kind == "lease":
            return self._judge_lease(obs, offer, tol / prem)
        return None

    # -- what it has signed -------------------------------------------------------------------
    def _contracts(self, obs: Observation) -> list[Mapping[str, Any]]:
        """Every contract the actor is a party to (remembered cheaply where the family can)."""
        if isinstance(self, ContractMemo):
            return self._mine(obs)
        return own_contracts(obs)  # read many times a call: the list is shared, not copied

    def _fair_purchase(
        self, obs: Observation, designer: str, t: Mapping[str, Any], tol: float
    ) -> bool:
        """Whether a lab can take a vendor-financing deal's purchases: at most its list price
        (within ``tol``) and no more accelerators than it can power."""
        list_price = float(obs.public[designer]["gpu_price"])
        if float(t["price"]) > list_price * tol:
            return False
        return float(t["quantity"]) <= 1.5 * self._powered_pace(obs, int(t["quarters"])) + 1.0

    def _judge_lease(
        self, obs: Observation, offer: Mapping[str, Any], factor: float
    ) -> bool | dict[str, Any] | None:
        """A lease offer: the landlord wants at least a fair rent and cannot let more than it has
        free; the tenant takes power it needs at up to the clouds' rent (``factor`` widens or
        narrows what each side tolerates)."""
        t = dict(offer["terms"])
        gw, rent = float(t["gw"]), float(t["rent"])
        fair = fair_lease_rent(obs)
        cloud = float(obs.market_params.get("cloud_rent", fair))
        if obs.role == "investor":  # the landlord
            if not can_host(obs, obs.actor):
                return None
            free = free_campus_gw(obs, obs.actor)
            if free < 0.02:
                return None
            ok = rent * factor >= fair
            if gw <= free + 1e-9 and ok:
                return True
            ask = max2(rent, fair / max2(factor, 1e-6))
            return {**t, "gw": round(min2(gw, free * 0.999), 4), "rent": round(ask, 4)}
        # the tenant
        budget = self.params["risk"] * max2(0.0, self._cash(obs) - self._lab_needs(obs)[1])
        budget += 4 * max2(0.0, self._lab_cash_flow(obs))
        need = self._power_gap(obs, budget, 2)  # the leases it has on offer counted in
        if need < 0.02:
            return None
        if gw * rent > 0.5 * max2(0.0, self._cash(obs)) + max2(0.0, self._lab_cash_flow(obs)):
            return None
        top = max2(fair, cloud)
        if gw <= need * 1.2 and rent <= top * factor:
            return True
        if rent > 2.0 * top:
            return None
        return {**t, "gw": round(min2(gw, need), 4), "rent": round(min2(rent, top), 4)}
