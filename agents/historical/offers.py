"""How the historical actors answer offers.

The leading designer (Nvidia) sells no stake in itself. A lab accepts dilution from the big rounds
(a price of 90 % of its valuation or better, any price in distress) but never below
``control_floor``, counting the stakes it has offered and granted in the same answer round; it
takes chips (supply, vendor financing) only as far as its power will take them, paying up to 10 %
over list if the prepayment is at most half its cash; it leases campus its plan lacks at up to
1.3 times the clouds' rent; and it borrows at up to seven points over the base rate. SoftBank,
MGX and the unnamed non-Gulf funds pay up to 25 % over a lab's valuation for a stake of up to half
their cash (as SoftBank and MGX did for OpenAI); the Gulf funds lend a lab up to 40 % of their cash
at two points over the base rate or more, and buy its stakes at its valuation (the money for a lab's
fab bet, as Altman sought in 2024); a landlord lets its free campus for the clouds' rent or more. A
foundry signs the wafers its capacity allows at its list price and runs a partner's fab as TSMC
runs JASM and ESMC; a designer sells supply at its list price, less ``margin``. Anything else is
judged as :class:`~agents.basic.BasicPolicy` does, and a counter that asks for more of a company
than it has left to sell is cut to what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agents.historical.playbook import HistoricalBase
from agents.tactics import equity_capped, offer_parties
from game.decisions import Decision
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["OfferJudging"]


class OfferJudging(HistoricalBase):
    """The historical actors' answers to offers: the verdict for each deal kind, side and role.

    Not a policy of its own. The foundry's verdicts it dispatches to (``_judge_wafers``,
    ``_judge_jv``) come from :class:`~agents.historical.foundry.FoundryPlaybook`, which
    :class:`~agents.historical.HistoricalPolicy` composes with it.
    """

    if TYPE_CHECKING:  # from FoundryPlaybook, InvestorPlaybook and LabPlaybook

        def _judge_wafers(self, obs: Observation, t: Mapping[str, Any]) -> Any: ...
        def _judge_jv(self, obs: Observation, t: Mapping[str, Any]) -> Any: ...
        def _hist_judge_lease(self, obs: Observation, t: dict[str, float]) -> Any: ...
        def _floor(self, obs: Observation) -> float: ...
        def _judge_lab(
            self, obs: Observation, kind: str, t: Mapping[str, Any], other: str
        ) -> Any: ...

    def respond(self, obs: Observation) -> list[Decision]:
        self._granted = 0.0  # stakes granted in this answer round
        return super().respond(obs)

    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        return equity_capped(obs, offer, self._verdict(obs, offer))

    def _verdict(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """True to accept, a dict of terms to counter, None to reject."""
        kind, t, other = offer["kind"], dict(offer["terms"]), offer["proposer"]
        first, second = offer_parties(obs, offer)
        book = self._playbook(obs)
        if obs.role == "lab":
            verdict = self._judge_lab(obs, kind, t, other)
            if verdict != "pass":
                return verdict
        if kind == "lease" and obs.role == "investor":
            return self._hist_judge_lease(obs, t)
        gulf = obs.public[obs.actor]["country"] in GULF_COUNTRIES
        cash = self._cash(obs)
        if kind in ("equity", "vendor_financing") and second == obs.actor:
            if obs.role == "designer" and book in ("nvidia", "leader"):
                return None  # the leader does not sell itself
            if obs.role == "lab":
                # Counting the stakes it has offered, and granted in this answer round.
                control = (
                    float(obs.public[obs.actor]["control"])
                    - self._granted
                    - sum(float(o["terms"]["stake"]) for o in obs.sent if o["kind"] == "equity")
                )
                if control - t["stake"] < self._floor(obs):
                    return None
                val = max(1.0, float(obs.public[obs.actor]["valuation"]))
                if t["amount"] / t["stake"] >= 0.9 * val or obs.books["distressed"]:
                    self._granted += t["stake"]
                    return True  # accepts dilution from the big rounds
                return None if kind == "vendor_financing" else {**t, "stake": t["amount"] / val}
        if kind == "equity" and first == obs.actor and obs.role == "investor":
            # SoftBank and MGX paid up for OpenAI ($157B in Oct 2024, $300B five months later).
            generous = book in ("softbank", "mgx", "fund") and obs.public[second]["role"] == "lab"
            if generous and t["amount"] <= 0.5 * float(obs.books["cash"]):
                val = max(1.0, float(obs.public[second]["valuation"]))
                if t["amount"] / t["stake"] <= 1.25 * val:
                    return True
            if gulf and obs.public[second]["role"] == "lab":  # PIF and QIA: at its valuation
                val = max(1.0, float(obs.public[second]["valuation"]))
                if t["amount"] <= 0.4 * self._cash(obs) and t["amount"] / t["stake"] <= val:
                    return True
        lends = kind == "loan" and first == obs.actor and obs.role == "investor" and gulf
        if lends and obs.public[second]["role"] == "lab" and t["principal"] <= 0.4 * cash:
            floor = float(obs.market["base_rate"]) + 0.02
            return True if t["rate"] >= floor else {**t, "rate": floor}
        if kind in ("capacity", "supply") and first == obs.actor and obs.role == "lab":
            # It paid up to secure compute: up to 10 % over list, if it can pay the prepayment.
            field = "wafer_price" if kind == "capacity" else "gpu_price"
            list_price = float(obs.public[second][field])
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            prepaid = t["prepay"] * units * t["price"] * t["quarters"] / 1000
            if prepaid > 0.5 * self._cash(obs):
                return None
            return True if t["price"] <= 1.1 * list_price else {**t, "price": list_price}
        if kind == "loan" and second == obs.actor and obs.role == "lab":
            return (
                True
                if t["rate"] <= float(obs.market["base_rate"]) + 0.07
                else {**t, "rate": float(obs.market["base_rate"]) + 0.05}
            )
        if kind == "capacity" and second == obs.actor:
            return self._judge_wafers(obs, t)
        if kind == "joint_venture" and second == obs.actor:
            return self._judge_jv(obs, t)
        if kind == "supply" and second == obs.actor:
            price = float(obs.public[obs.actor]["gpu_price"])
            if t["price"] >= price * (1 - self.params["margin"]):
                return True
            return {**t, "price": price, "prepay": max(t["prepay"], 0.1)}
        return super()._judge(obs, offer)
