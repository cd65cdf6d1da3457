"""The basic bot with a memory of its contracts, judging offers through a :class:`DealView`.

:class:`MemoBasicPolicy` is the base of the greedy and the cautious families: it remembers the
actor's own contracts (:class:`~agents.tactics.ContractMemo`) and does the part of judging an
offer that they share — a joint venture it could not pay its first share of, a lease, an order
beyond its need, a stake larger than the company has left to sell. What is left (how good a
deal must be, what to counter) each family says in its hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.basic import BasicPolicy
from agents.tactics import ContractMemo, DealView, debt_service, jv_capex_per_quarter
from game.observation import Observation

__all__ = ["MemoBasicPolicy"]


class MemoBasicPolicy(ContractMemo, BasicPolicy):
    """The basic bot with the contract memory and a shared first pass over offers.

    A family built on it says how it judges the rest in :meth:`_judge_deal`,
    :meth:`_judge_jv_terms` and :meth:`_lease_factor`.
    """

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._forget_contracts()

    def _debt_service(self, obs: Observation) -> float:
        """What it owes a quarter on its loans (from its own contracts, remembered)."""
        return debt_service(obs, self._mine(obs))

    # -- haggling ---------------------------------------------------------------------------------
    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """True to accept, a dict of terms to counter, None to reject.

        Joint ventures go to :meth:`_judge_jv`, leases to the basic bot's lease judging at
        :meth:`_lease_factor`; an order beyond its need gets the basic bot's answer, and a stake
        the company no longer has for sale is refused. Any other offer goes to
        :meth:`_judge_deal`.
        """
        kind = offer["kind"]
        if kind == "joint_venture":
            return self._judge_jv(obs, offer)
        if kind == "lease":
            return self._judge_lease(obs, offer, self._lease_factor(obs))
        beyond, verdict = self._beyond_need(obs, offer)
        if beyond:
            return verdict
        v = DealView(obs, offer)
        if v.kind in ("equity", "vendor_financing") and v.terms["stake"] > v.for_sale - 1e-9:
            return None  # more than the company has left to sell: it could not be signed
        return self._judge_deal(obs, offer, v)

    def _judge_jv(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """A joint venture: refused if it could not pay its first quarter's share of the build
        out of half its cash, else judged by :meth:`_judge_jv_terms`."""
        t = dict(offer["terms"])
        share = t["partner_capex_share"] if obs.role != "foundry" else 1 - t["partner_capex_share"]
        if jv_capex_per_quarter(obs, t) * share > 0.5 * self._cash(obs):
            return None  # it could not pay its first share of the build
        return self._judge_jv_terms(obs, offer, t)

    def _lease_factor(self, obs: Observation) -> float:
        """The factor by which it widens (above 1) or narrows what it tolerates in a lease.

        Args:
            obs: the observation (its role says whether it is the tenant or the landlord).

        Returns:
            The ``factor`` handed to :meth:`~agents.basic.core.BasicCore._judge_lease`.
        """
        raise NotImplementedError

    def _judge_deal(
        self, obs: Observation, offer: Mapping[str, Any], v: DealView
    ) -> bool | dict[str, Any] | None:
        """An equity, loan, vendor-financing, capacity or supply offer it could sign.

        Args:
            obs: the observation.
            offer: the offer from the inbox.
            v: the offer seen from the actor's side.

        Returns:
            True to accept, a dict of terms to counter, None to reject.
        """
        raise NotImplementedError

    def _judge_jv_terms(
        self, obs: Observation, offer: Mapping[str, Any], t: dict[str, Any]
    ) -> bool | dict[str, Any] | None:
        """A joint venture whose first share of the build it could pay.

        Args:
            obs: the observation.
            offer: the offer from the inbox.
            t: a copy of its terms.

        Returns:
            True to accept, a dict of terms to counter, None to reject.
        """
        raise NotImplementedError
