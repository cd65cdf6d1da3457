"""How the planner answers offers, in every role.

An offer is judged by its deal kind and by which side of it the planner is on. Selling a stake
in itself it keeps its control above ``control_floor`` (a lab; another company one half; 0.3 in
distress), counting the stakes it has offered or granted in the same call, and wants a fair
valuation (a lab whose projection is short takes up to one and a half ``discount``). Borrowing, a
lab takes what its revenue can carry, anyone in distress whatever it is offered, at up to four
points over a fair rate. Buying wafers it pays up to 15 % over list, accelerators up to twice
``margin``, if it can pay the prepayment and a quarter's deliveries. The verdicts that belong to
one role (a foundry selling capacity or running a partner's fab, a designer selling supply, an
investor buying a stake, lending or joining a fab) are in that role's module; anything else is
judged as :class:`~agents.basic.BasicPolicy` does. A counter that asks for more of a company than
it has left to sell is cut to what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agents.planner.projection import PlannerBase
from agents.tactics import equity_capped, offer_parties
from game.deals import DealKind, resolve_parties
from game.observation import Observation

__all__ = ["OfferJudging", "control_left"]


class OfferJudging(PlannerBase):
    """The planner's answers to offers: the verdict for each deal kind and side.

    Not a policy of its own. The role-specific verdicts it dispatches to (``_judge_stake``,
    ``_judge_loan``, ``_judge_jv_partner``, ``_judge_capacity_sale``, ``_judge_jv_operator``,
    ``_judge_supply_sale``) and the lab's budget and debt come from the role parts that
    :class:`~agents.planner.PlannerPolicy` composes with it.
    """

    if TYPE_CHECKING:  # from the role parts

        def _lab_budget(self, obs: Observation) -> tuple[float, float, float, float]: ...
        def _debt(self, obs: Observation) -> float: ...
        def _judge_stake(self, obs: Observation, company: str, t: Mapping[str, Any]) -> Any: ...
        def _judge_loan(self, obs: Observation, borrower: str, t: Mapping[str, Any]) -> Any: ...
        def _judge_jv_partner(
            self, obs: Observation, operator: str, t: Mapping[str, Any]
        ) -> Any: ...
        def _judge_capacity_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any: ...
        def _judge_jv_operator(self, obs: Observation, t: Mapping[str, Any]) -> Any: ...
        def _judge_supply_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any: ...
        def _judge_jv_lab(self, obs: Observation, operator: str, t: Mapping[str, Any]) -> Any: ...
        def _lab_purchase_cap(self, obs: Observation, kind: str, quarters: int) -> float: ...
        def _judge_lease_tenant(self, obs: Observation, t: Mapping[str, Any]) -> Any: ...
        def _judge_lease_landlord(
            self, obs: Observation, tenant: str, t: Mapping[str, Any]
        ) -> Any: ...

    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        return equity_capped(obs, offer, self._verdict(obs, offer))

    def _verdict(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """True to accept, a dict of terms to counter, None to reject."""
        kind, t = offer["kind"], dict(offer["terms"])
        first, second = offer_parties(obs, offer)
        cash = self._cash(obs)
        distressed = bool(obs.books["distressed"])
        if kind in ("equity", "vendor_financing") and second == obs.actor:
            # Someone buys into me: keep control above the floor (counting the stakes I have
            # offered or granted this call), want a fair valuation.
            control = control_left(obs) - self._memo.get("granted", 0.0)
            floor = self.params["control_floor"] if obs.role == "lab" else 0.5
            if control - t["stake"] < (0.3 if distressed else floor):
                return None
            if kind == "vendor_financing":
                if obs.role == "lab" and t["quantity"] > 1.1 * self._lab_purchase_cap(
                    obs, "supply", int(t["quarters"])
                ):
                    return None  # more accelerators than its power will take
                per_q = t["quantity"] * t["price"] / 1000
                if per_q > 0.5 * (cash + t["amount"]) / max(1, t["quarters"]) + self._income(obs):
                    return None
            val = max(1.0, float(obs.public[obs.actor]["valuation"]))
            give = self.params["margin"]
            if obs.role == "lab" and self._lab_budget(obs)[0] < 0:  # short: takes a discount
                give = max(give, 1.5 * self.params["discount"])
            if t["amount"] / t["stake"] >= val * (1 - give) or distressed:
                self._memo["granted"] = self._memo.get("granted", 0.0) + t["stake"]
                return True
            if kind == "vendor_financing":
                return None
            return {**t, "stake": min(t["stake"], t["amount"] / val)}
        if kind in ("equity", "vendor_financing") and first == obs.actor:
            return self._judge_stake(obs, second, t)
        if kind == "loan":
            if first == obs.actor:
                return self._judge_loan(obs, second, t)
            # I borrow: when short, or (a lab) within what its revenue can carry.
            fair = float(obs.market["base_rate"]) + 0.03
            room = 0.0
            if obs.role == "lab":
                room = 2 * float(obs.books["revenue_run_rate"]) - self._debt(obs)
            if not distressed and t["principal"] > room:
                return None
            if distressed or t["rate"] <= fair + 0.04:
                return True
            return {**t, "rate": fair + 0.02}
        if kind == "capacity" and second == obs.actor:
            return self._judge_capacity_sale(obs, t)
        if kind == "supply" and second == obs.actor:
            return self._judge_supply_sale(obs, t)
        if kind in ("capacity", "supply") and first == obs.actor:
            return self._judge_purchase(obs, kind, second, t)
        if kind == "joint_venture" and first == obs.actor:
            if obs.role == "lab":
                return self._judge_jv_lab(obs, second, t)
            return self._judge_jv_partner(obs, second, t)
        if kind == "lease":
            if first == obs.actor:
                return self._judge_lease_tenant(obs, t)
            return self._judge_lease_landlord(obs, first, t)
        if kind == "joint_venture":
            return self._judge_jv_operator(obs, t)
        return super()._judge(obs, offer)

    def _judge_purchase(
        self, obs: Observation, kind: str, seller: str, t: Mapping[str, Any]
    ) -> Any:
        """Wafers or accelerators I buy: a premium over list is worth paying for what pays back
        (own chips and chip making pay back many times; GPUs only within ``margin``)."""
        field = "wafer_price" if kind == "capacity" else "gpu_price"
        units = t["wafers"] if kind == "capacity" else t["quantity"]
        list_price = float(obs.public[seller][field])
        if obs.role == "lab":  # no more than its power (or packaging) will take
            most = self._lab_purchase_cap(obs, kind, int(t["quarters"]))
            if units > 1.1 * most:
                if most < 1:
                    return None
                key = "wafers" if kind == "capacity" else "quantity"
                return {**t, key: most, "price": min(t["price"], list_price)}
        per_q = units * t["price"] / 1000
        if t["prepay"] * per_q * t["quarters"] > 0.5 * self._cash(obs):
            return None
        if per_q * (1 - t["prepay"]) > max(0.0, self._cash(obs)) + max(0.0, self._income(obs)):
            return None  # could not pay a quarter's deliveries
        premium = 0.15 if kind == "capacity" else self.params["margin"] * 2
        if t["price"] <= list_price * (1 + premium):
            return True
        return {**t, "price": list_price * (1 + premium / 2)}


def control_left(obs: Observation) -> float:
    """My control less the stakes I have offered in equity offers still open."""
    offered = sum(
        float(o["terms"]["stake"])
        for o in obs.sent
        if o["kind"] in ("equity", "vendor_financing")
        and o["recipient"] != obs.actor
        and _is_company_side(obs, o)
    )
    return float(obs.public[obs.actor]["control"]) - offered


def _is_company_side(obs: Observation, offer: Mapping[str, Any]) -> bool:
    """Whether I am the company (the one selling the stake) in an offer I sent."""
    other = offer["recipient"]
    _, second = resolve_parties(
        DealKind(offer["kind"]), (obs.actor, obs.role), (other, obs.public[other]["role"])
    )
    return second == obs.actor
