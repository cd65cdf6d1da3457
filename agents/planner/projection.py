"""What the planner remembers and projects from, for every role.

:class:`PlannerBase` keeps the policy's memory (the market indices, every actor's valuation or
run-rate, its own sales and contract book, the money a lab asked for and got) and builds the
views every role's projections start from: demand trends under the ``growth`` belief, the horizon,
the actor's active contracts, the wafers a foundry has promised, what its contracts commit it to
pay each quarter ahead, and its running income. What the engine already works out (each foundry's
capacity not yet promised, the cost of a build) it reads from the observation. Within one call
these views are computed once (``_memo``) and dropped when the call returns, so that the policy
pickles between calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.basic import BasicPolicy
from agents.tactics import clamp
from game.decisions import Decision
from game.observation import Observation

__all__ = ["PlannerBase"]

#: Flows that are financing, not running the business (left out of the runway projection).
_FINANCING = frozenset(
    {"equity", "loan_principal", "loan_repayment", "loan_interest", "vendor_equity"}
)


class PlannerBase(BasicPolicy):
    """The planner's memory and shared views: the base of each role's part.

    Not a policy of its own: :class:`~agents.planner.PlannerPolicy` composes it with the role
    parts and sets the family's name, description and parameter table, which the methods here
    read through ``self.params`` (``horizon`` and ``growth``).
    """

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._memo: dict[Any, Any] = {}
        self._seen: dict[str, list[float]] = {}  # name -> valuation (or run-rate) per quarter
        self._market: list[tuple[float, float, float]] = []  # (gpu, wafer, ai) per quarter
        self._sales: list[float] = []  # own units sold per quarter (designer / foundry)
        self._contracted: list[float] = []  # foundry: wafers under contract per quarter
        self._last_q = -1
        self._asked = 0.0  # lab: money asked of investors so far ($B)
        self._raised = 0.0  # lab: money they put up ($B)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.reset(0)

    # =========================================================================== memory
    def _observe(self, obs: Observation) -> None:
        """Record what is new this quarter (once a quarter)."""
        if obs.quarter == self._last_q:
            return
        self._last_q = obs.quarter
        m = obs.market
        self._market.append(
            (float(m["gpu_demand"]), float(m["wafer_demand"]), float(m["ai_index"]))
        )
        for n, p in obs.public.items():
            key = "revenue_run_rate" if p["role"] == "lab" else "valuation"
            self._seen.setdefault(n, []).append(float(p.get(key, p["valuation"])))
        me = obs.public[obs.actor]
        if obs.role in ("designer", "foundry") and obs.quarter > 0:
            self._sales.append(float(obs.books.get("sold", me.get("sold", 0.0))))
        if obs.role == "foundry":
            self._contracted.append(self._promised(obs))
        if obs.role == "lab":  # money raised last quarter (equity, loans, vendor financing)
            for c in obs.contracts:
                if c["start"] == obs.quarter - 1 and c["parties"][1] == obs.actor:
                    t = c["terms"]
                    self._raised += float(t.get("amount", t.get("principal", 0.0)))
        for v in self._seen.values():  # keep memory short
            del v[:-9]
        del self._market[:-9], self._sales[:-9], self._contracted[:-9]

    def _trend(self, xs: list[float], lag: int = 4) -> float:
        """Growth a quarter seen over the last ``lag`` quarters, times the growth belief."""
        if len(xs) < 2 or xs[-1] <= 0:
            return 0.0
        k = min(lag, len(xs) - 1)
        base = xs[-1 - k]
        if base <= 0:
            return 0.0
        g = (xs[-1] / base) ** (1.0 / k) - 1.0
        return clamp(g, -0.2, 0.3) * self.params["growth"]

    def _market_growth(self, i: int) -> float:
        """Growth a quarter of a market index (0 = GPU, 1 = wafer, 2 = AI demand)."""
        key = ("growth", i)
        if key not in self._memo:
            self._memo[key] = self._trend([m[i] for m in self._market])
        return self._memo[key]

    @property
    def _h(self) -> int:
        return round(self.params["horizon"])

    # =========================================================================== shared views
    # Within one call the contracts are read once: ``_memo`` holds the active ones and derived
    # figures, and is emptied when the call returns (so the policy pickles between calls).
    def propose(self, obs: Observation) -> list[Decision]:
        self._memo = {}
        try:
            return super().propose(obs)
        finally:
            self._memo = {}

    def respond(self, obs: Observation) -> list[Decision]:
        self._memo = {}
        try:
            return super().respond(obs)
        finally:
            self._memo = {}

    def moves(self, obs: Observation) -> list[Decision]:
        self._memo = {}
        try:
            return super().moves(obs)
        finally:
            self._memo = {}

    def _live(self, obs: Observation) -> list[Mapping]:
        """Every active contract (read once a call)."""
        live = self._memo.get("live")
        if live is None:
            live = self._memo["live"] = [c for c in obs.contracts if c["status"] == "active"]
        return live

    def _active(self, obs: Observation, kind: str, role_index: int | None = None) -> list[Mapping]:
        """My active contracts of a kind (where I am party ``role_index`` if given)."""
        mine = self._memo.get("mine")
        if mine is None:
            mine = self._memo["mine"] = {}
            me = obs.actor
            for c in self._live(obs):
                parties = c["parties"]
                if me in parties:
                    mine.setdefault(c["kind"], []).append(c)
        out = mine.get(kind, [])
        if role_index is None:
            return out
        return [c for c in out if c["parties"][role_index] == obs.actor]

    @staticmethod
    def _left(c: Mapping) -> int:
        return int(c["terms"]["quarters"]) - int(c["quarters_done"])

    def _promised(self, obs: Observation) -> float:
        """Wafers a quarter I (a foundry) have promised: reservations and partners' JV shares.

        My own contract book; what any foundry has left to promise is ``obs.free_capacity``.
        """
        key = "promised"
        if key in self._memo:
            return self._memo[key]
        out = 0.0
        for c in self._active(obs, "capacity", 1):
            out += c["terms"]["wafers"]
        for c in self._active(obs, "joint_venture", 1):
            out += c["terms"]["capacity"] * c["terms"]["partner_output_share"]
        self._memo[key] = out
        return out

    def _obligations(self, obs: Observation, k: int) -> float:
        """What my contracts make me pay in the k-th quarter from now (0 = this one), $B."""
        table = self._memo.get("obligations")
        if table is None:
            table = self._memo["obligations"] = self._obligation_table(obs)
        return table[k] if k < len(table) else 0.0

    def _obligation_table(self, obs: Observation) -> list[float]:
        h = max(self._h, 1)
        out = [0.0] * h
        me = obs.actor
        for c in self._live(obs):
            if me in c["parties"]:
                self._add_contract_payments(obs, c, out)
        return out

    def _add_contract_payments(
        self, obs: Observation, c: Mapping[str, Any], out: list[float]
    ) -> None:
        """Add what contract ``c`` makes me pay in each quarter ahead to ``out`` ($B): deliveries
        bought (less the prepaid share) and loan service."""
        me, parties = obs.actor, c["parties"]
        t, kind = c["terms"], c["kind"]
        if "quarters" not in t:
            return
        left = min(len(out), self._left(c))
        if kind == "supply" and parties[0] == me:
            per = t["quantity"] * t["price"] * (1 - t["prepay"]) / 1000
        elif kind == "capacity" and parties[0] == me:
            per = t["wafers"] * t["price"] * (1 - t["prepay"]) / 1000
        elif kind == "vendor_financing" and parties[1] == me:
            per = t["quantity"] * t["price"] / 1000
        elif kind == "loan" and parties[1] == me:
            step = t["principal"] / t["quarters"]
            for k in range(left):
                outstanding = t["principal"] - step * (c["quarters_done"] + k)
                out[k] += step + max(0.0, outstanding) * t["rate"] / 4
            return
        else:
            return
        for k in range(left):
            out[k] += per

    def _income(self, obs: Observation) -> float:
        """Recurring operating income a quarter (last quarter's non-financing flows)."""
        last = obs.books["last_quarter"]
        return sum(v for k, v in last.items() if k not in _FINANCING)
