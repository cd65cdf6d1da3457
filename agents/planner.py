"""The planner: a policy that looks ahead before it acts.

Each quarter it projects, over a horizon of a few quarters:

- **demand**, from the market's trend (``obs.market``: outside GPU and wafer demand, the AI-demand
  index, the GPU generation) and its own history (kept on the policy), extrapolated with a growth
  belief;
- **build lags**: a fab takes 7–13 quarters by site (``game.deals.SITES``), a packaging line 3, a
  campus 8 and a chip programme 6 (``obs.rules``), so it builds for the demand expected when the
  capacity arrives, and only what will not stand idle (a fab must pay for itself in the quarters
  left);
- **cash runway**: its cash quarter by quarter over the horizon, from last quarter's running flows
  (``obs.books["last_quarter"]``), the payments its contracts commit it to, and (for a lab) the
  revenue its contracted compute will earn; a loss still running at the horizon counts as a cash
  need unless the investors around could fund it. It raises money before the projection goes
  short, and spends only what the projection leaves spare.

By role:

- **lab**: starts its own chip programme at once (if it can pay the first quarter) and reserves
  foundry wafers for the quarter the chips are ready, the largest reservation whose projected
  cash never runs out (own chips cost a fraction of a designer's); spreads supply contracts over
  the designers, sized to its spare cash, and buys GPUs only while one earns its price and
  hosting over its life (in the last ``compute_life`` quarters it spends more, as compute bought
  then is still in service at the end). It raises equity down to ``control_floor``, then loans
  its revenue can carry, offering a ``discount`` when short, and asks smaller slices of funds that
  turned it down. It pays up to 15 % over list for wafers it makes chips from.
- **designer**: forecasts outside demand at its price (market trend, ``elasticity`` belief) plus
  the contracts it owes; prices to clear the supply it can get (packaging-limited), with a
  ``markup`` when supply is ample; reserves wafer capacity a horizon ahead for the steady part of
  the need and buys the rest spot; sells supply contracts at list price when it will have the
  units.
- **foundry**: prices for a target ``utilisation`` (the clearing price of its projected output,
  ``wafer_elasticity`` belief); offers capacity reservations to chip makers whose projected wafer
  need exceeds their contracts; builds a fab only when signed demand a build lag ahead exceeds the
  capacity it will have, or when a fab pays back within the game under its demand belief, and only
  as large as its runway over the build carries; adds packaging three quarters ahead of the chip
  makers' projected need; runs a partner's fab only if the partner pays most of it.
- **investor**: buys stakes in companies whose projected valuation beats a ``hurdle``, spread to
  limit concentration; lends to borrowers whose cash and revenue cover the service; joins a fab
  only if its output share pays back in the game; funds a home campus only with an export licence
  and enough quarters left to fill it and earn its rent, then fills it with accelerators. It keeps
  the capex still due on campuses and fabs out of what it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from agents.basic import BasicPolicy
from agents.policy import Param
from agents.tactics import clamp, quarters_in, within_equity_left
from game.deals import NODES, SITES, DealKind, resolve_parties
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
from game.observation import Observation

__all__ = ["PlannerPolicy"]

#: Flows that are financing, not running the business (left out of the runway projection).
_FINANCING = frozenset(
    {"equity", "loan_principal", "loan_repayment", "loan_interest", "vendor_equity"}
)


class PlannerPolicy(BasicPolicy):
    """Looks ahead: projects demand, build lags and cash runway before it commits."""

    name = "planner"
    description = "looks ahead: projects demand, build lags and cash runway; builds for what comes"
    parameters: ClassVar[dict[str, Param]] = {
        "horizon": Param(6, 2, 16, "quarters it projects cash and demand ahead"),
        "safety": Param(0.25, 0.0, 1.0, "safety margin on cash reserves and capacity needs"),
        "growth": Param(1.0, 0.0, 2.0, "belief in the demand trend (0 = flat, 1 = as observed)"),
        "risk": Param(0.6, 0.0, 1.0, "share of projected spare cash it commits"),
        "margin": Param(0.05, 0.0, 0.5, "how far from a fair price it accepts without countering"),
        "trust_weight": Param(
            0.4, 0.0, 2.0, "how much better terms it asks of a counterparty it trusts less"
        ),
        "control_floor": Param(0.4, 0.3, 0.9, "lowest control a company keeps when selling equity"),
        "markup": Param(
            0.1, 0.0, 1.0, "designer: price premium over reference when supply is ample"
        ),
        "elasticity": Param(1.2, 0.5, 3.0, "believed price elasticity of outside GPU demand"),
        "wafer_elasticity": Param(1.0, 0.5, 3.0, "believed price elasticity of wafer demand"),
        "utilisation": Param(0.95, 0.85, 1.0, "foundry: utilisation its price aims for"),
        "hurdle": Param(0.1, 0.0, 1.0, "investor: projected return over the horizon it requires"),
        "discount": Param(
            0.1, 0.0, 0.5, "lab: discount to its valuation it offers when its cash runs short"
        ),
    }

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._memo: dict[Any, Any] = {}
        self._seen: dict[str, list[float]] = {}  # name -> valuation (or run-rate) per quarter
        self._market: list[tuple[float, float, float]] = []  # (gpu, wafer, ai) per quarter
        self._sales: list[float] = []  # own units sold per quarter (designer / foundry)
        self._contracted: list[float] = []  # foundry: wafers under contract per quarter
        self._last_q = -1
        self._subsidy_until = -1
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
            self._contracted.append(self._committed_wafers(obs, obs.actor))
        if obs.role == "lab":  # money raised last quarter (equity, loans, vendor financing)
            for c in obs.contracts:
                if c["start"] == obs.quarter - 1 and c["parties"][1] == obs.actor:
                    t = c["terms"]
                    self._raised += float(t.get("amount", t.get("principal", 0.0)))
        for line in obs.news:
            if line.startswith("Fab subsidy"):
                n = quarters_in(line)
                self._subsidy_until = max(self._subsidy_until, obs.quarter + n - 1)
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

    def _committed_wafers(self, obs: Observation, foundry: str) -> float:
        """Wafers a quarter a foundry has promised under capacity contracts and JVs."""
        key = ("committed", foundry)
        if key in self._memo:
            return self._memo[key]
        out = 0.0
        for c in self._live(obs):
            if c["parties"][1] != foundry:
                continue
            t = c["terms"]
            if c["kind"] == "capacity":
                out += t["wafers"]
            elif c["kind"] == "joint_venture":
                out += t["capacity"] * t["partner_output_share"]
        self._memo[key] = out
        return out

    def _uncommitted(self, obs: Observation, foundry: str) -> float:
        p = obs.public[foundry]
        total = float(p["capacity"]) + float(p["capacity_building"])
        return max(0.0, 0.95 * total - self._committed_wafers(obs, foundry))

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
            parties = c["parties"]
            if me not in parties:
                continue
            t, kind = c["terms"], c["kind"]
            if "quarters" not in t:
                continue
            left = min(h, self._left(c))
            per = 0.0
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
                continue
            for k in range(left):
                out[k] += per
        return out

    # =========================================================================== judging
    def _judge(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        verdict = self._verdict(obs, offer)
        if isinstance(verdict, dict) and offer["kind"] in ("equity", "vendor_financing"):
            verdict = within_equity_left(obs, offer, verdict)
        return verdict

    def _verdict(self, obs: Observation, offer: Mapping[str, Any]) -> bool | dict[str, Any] | None:
        """True to accept, a dict of terms to counter, None to reject."""
        kind, t, other = offer["kind"], dict(offer["terms"]), offer["proposer"]
        first, second = resolve_parties(
            DealKind(kind), (other, obs.public[other]["role"]), (obs.actor, obs.role)
        )
        cash = self._cash(obs)
        distressed = bool(obs.books["distressed"])
        if kind in ("equity", "vendor_financing") and second == obs.actor:
            # Someone buys into me: keep control above the floor (counting the stakes I have
            # offered or granted this call), want a fair valuation.
            control = _control_left(obs) - self._memo.get("granted", 0.0)
            floor = self.params["control_floor"] if obs.role == "lab" else 0.5
            if control - t["stake"] < (0.3 if distressed else floor):
                return None
            if kind == "vendor_financing":
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
            return self._judge_jv_partner(obs, second, t)
        if kind == "joint_venture":
            return self._judge_jv_operator(obs, t)
        return super()._judge(obs, offer)

    def _judge_jv_operator(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """Run a partner's fab: only if the partner pays most of it, the fee is worth it, and
        the runway over the build carries its share of the capex with every other build."""
        lag = int(SITES[t["site"]]["build_quarters"])
        mine = self._jv_capex(t) * lag * (1 - t["partner_capex_share"])
        room = self._cash(obs) + lag * max(0.0, self._income(obs)) - self._capex_left(obs)
        room -= 2 * float(obs.books["fixed_opex"]) * (1 + self.params["safety"])
        if (
            mine > room
            or obs.quarters_left < lag + 4
            or t["partner_capex_share"] < max(0.7, t["partner_output_share"])
        ):
            return None
        return True if t["operator_fee"] >= 0.1 else {**t, "operator_fee": 0.1}

    def _judge_jv_partner(self, obs: Observation, operator: str, t: Mapping[str, Any]) -> Any:
        """A share of a new fab: only if the share of output pays the share of capex back, in
        the quarters left after the build, and the capex fits the spare cash."""
        lag = int(SITES[t["site"]]["build_quarters"])
        capex = self._jv_capex(t) * lag * t["partner_capex_share"]
        if capex > 0.5 * self.params["risk"] * self._spare_investor(obs):
            return None
        price = float(obs.public[operator]["wafer_price"])
        income = t["capacity"] * 0.8 * t["partner_output_share"] * price / 1000
        income *= 1 - t["operator_fee"]
        earning = obs.quarters_left - lag
        if earning <= 0 or income * earning < capex * (1 + self.params["hurdle"]):
            return None
        return True

    def _judge_purchase(
        self, obs: Observation, kind: str, seller: str, t: Mapping[str, Any]
    ) -> Any:
        """Wafers or accelerators I buy: a premium over list is worth paying for what pays back
        (own chips and chip making pay back many times; GPUs only within ``margin``)."""
        field = "wafer_price" if kind == "capacity" else "gpu_price"
        units = t["wafers"] if kind == "capacity" else t["quantity"]
        list_price = float(obs.public[seller][field])
        per_q = units * t["price"] / 1000
        if t["prepay"] * per_q * t["quarters"] > 0.5 * self._cash(obs):
            return None
        if per_q * (1 - t["prepay"]) > max(0.0, self._cash(obs)) + max(0.0, self._income(obs)):
            return None  # could not pay a quarter's deliveries
        premium = 0.15 if kind == "capacity" else self.params["margin"] * 2
        if t["price"] <= list_price * (1 + premium):
            return True
        return {**t, "price": list_price * (1 + premium / 2)}

    def _income(self, obs: Observation) -> float:
        """Recurring operating income a quarter (last quarter's non-financing flows)."""
        last = obs.books["last_quarter"]
        return sum(v for k, v in last.items() if k not in _FINANCING)

    def _judge_stake(self, obs: Observation, company: str, t: Mapping[str, Any]) -> Any:
        if t["amount"] > self.params["risk"] * self._spare_investor(obs):
            return None
        val = max(1.0, float(obs.public[company]["valuation"]))
        g = self._trend(self._seen.get(company, []))
        want = (1 + g) ** self._h / (1 + self.params["hurdle"])
        implied = t["amount"] / t["stake"]
        if implied <= val * max(want, 0.9) * (1 + self.params["margin"]):
            return True
        return {**t, "stake": min(0.5, t["amount"] / val * self._premium(obs, company))}

    def _judge_loan(self, obs: Observation, borrower: str, t: Mapping[str, Any]) -> Any:
        if obs.role != "investor" or t["principal"] > self.params["risk"] * self._spare_investor(
            obs
        ):
            return None
        p = obs.public[borrower]
        service = t["principal"] / t["quarters"] * (1 + t["rate"] * t["quarters"] / 4)
        if service > 0.5 * float(p["cash"]) / self._h + float(p["revenue"]):
            return None
        fair = float(obs.market["base_rate"]) + 0.03 + 0.1 * (self._premium(obs, borrower) - 1)
        if t["rate"] >= fair:
            return True
        return {**t, "rate": fair}

    # =========================================================================== labs
    def _lab_projection(
        self, obs: Observation, extra: tuple[float, int, float] | None = None
    ) -> tuple[float, float, float]:
        """Project the lab's cash over the horizon, compute by compute.

        Compute in service changes by what contracts will deliver (supply, own wafers) less what
        retires; the revenue run-rate moves 35 % a quarter toward what that compute earns at the
        projected AI demand; hosting follows compute. ``extra`` is a wafer reservation it thinks
        of signing (k wafers a quarter, quarters, price). Returns (lowest cash, the cash it wants
        to keep, the running income a quarter at the horizon).
        """
        b, m = obs.books, obs.market
        c0 = max(1.0, float(b["compute"]))
        rr = float(b["revenue_run_rate"])
        last = b["last_quarter"]
        hosting = -float(last.get("hosting", 0.0)) or obs.rules.hosting_cost * c0
        host_rate = hosting / c0
        opex = float(b["fixed_opex"])
        # What a kH100e earns a year now: the target the run-rate was moving toward.
        hist = self._seen.get(obs.actor, [])
        target = rr + (rr - hist[-2]) / 0.35 if len(hist) >= 2 else rr
        per_c = max(0.0, target) / c0
        g_d = self._market_growth(2)
        gen = float(m["generation"])
        left = b["programme_quarters_left"]
        own_per_wafer = obs.rules.own_chip_efficiency * obs.rules.packages_per_wafer * gen
        supply = [(c["terms"]["quantity"], self._left(c)) for c in self._active(obs, "supply", 0)]
        supply += [
            (c["terms"]["quantity"], self._left(c))
            for c in self._active(obs, "vendor_financing", 1)
        ]
        wafers = [(c["terms"]["wafers"], self._left(c)) for c in self._active(obs, "capacity", 0)]
        extra_pay = [0.0] * self._h
        if extra is not None:
            w, n, price = extra
            wafers.append((w, n))
            extra_pay = [w * price / 1000 if k < n else 0.0 for k in range(self._h)]
        cash = self._cash(obs)
        low = cash
        c = c0
        income = 0.0
        life = obs.rules.compute_life
        for k in range(self._h):
            ready = left is not None and left <= k + 1
            inc = sum(q for q, n in supply if k < n)
            if ready:
                inc += sum(w for w, n in wafers if k < n) * own_per_wafer * 0.8
            c = max(0.0, c + inc - c0 / life)
            d = (1 + g_d) ** (k + 1)
            rr += 0.35 * (per_c * c * d - rr)
            unit = (
                (
                    obs.rules.own_chip_unit_cost
                    / gen
                    * own_per_wafer
                    / 1000
                    * sum(w for w, n in wafers if k < n)
                )
                if ready
                else 0.0
            )
            income = rr / 4 - opex - host_rate * c - unit
            rnd = obs.rules.chip_programme_cost if left and k < left else 0.0
            cash += income - rnd - self._obligations(obs, k) - extra_pay[k]
            low = min(low, cash)
        reserve = (1 + self.params["safety"]) * (opex + max(0.0, -income))
        # A loss still running at the horizon must be funded after it: keep in hand what the
        # investors around could not put up.
        after = max(0.0, -income) * self._h
        reserve += max(0.0, after - self._fundable(obs))
        return low, reserve, income

    def _fundable(self, obs: Observation) -> float:
        """What the investors could put up in one round each (about what they accept), $B,
        discounted by how much of what it asked for it actually got so far."""
        pool = sum(
            0.45 * max(0.0, float(p["cash"]))
            for n, p in obs.public.items()
            if p["role"] == "investor" and n != obs.actor and not p["insolvent"]
        )
        return pool * self._credibility()

    def _credibility(self) -> float:
        """Share of what it asked investors for that it got (1 before it has asked)."""
        return clamp((self._raised + 2.0) / (self._asked + 2.0), 0.05, 1.0)

    def _debt(self, obs: Observation) -> float:
        """Loan principal the actor still owes ($B)."""
        out = 0.0
        for c in self._active(obs, "loan", 1):
            t = c["terms"]
            out += t["principal"] * (1 - c["quarters_done"] / t["quarters"])
        return out

    def _lab_raise(
        self, obs: Observation, need: float, income: float, short: bool
    ) -> list[Propose | None]:
        """Raise ``need``: equity down to the control floor, then loans the income can carry.

        When the projection is ``short`` it offers its equity a little under the public valuation
        (funds that want a discount then sign); the more of what it asked for it failed to get,
        the smaller the slices it asks of each fund.
        """
        out: list[Propose | None] = []
        investors = [
            n for n in obs.legal.partners.get("equity", ()) if obs.public[n]["role"] == "investor"
        ]
        lenders = [n for n in obs.legal.partners.get("loan", ())]
        investors.sort(key=lambda n: -float(obs.public[n]["cash"]) * obs.trust_in.get(n, 0.5))
        lenders.sort(key=lambda n: -float(obs.public[n]["cash"]) * obs.trust_in.get(n, 0.5))
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        control = _control_left(obs)
        floor = self.params["control_floor"]
        if obs.books["distressed"]:
            floor = min(floor, 0.3)
        rr = float(obs.books["revenue_run_rate"])
        debt_room = max(0.0, 2 * rr + 8 * max(0.0, income) - self._debt(obs))
        rate = float(obs.market["base_rate"]) + 0.04
        price = val * (1 - self.params["discount"]) if short else val
        slice_ = 0.05 + 0.4 * self._credibility()
        left = need
        for inv in investors:
            if left < 0.2 or len(out) >= max(1, obs.legal.proposals_left - 1):
                break
            amount = min(left, slice_ * float(obs.public[inv]["cash"]), (control - floor) * price)
            if amount < 0.2:
                continue
            stake = amount / price
            out.append(self._offer(obs, inv, "equity", {"amount": amount, "stake": stake}))
            control -= stake
            left -= amount
            self._asked += amount
        for inv in lenders:
            if left < 0.2 or debt_room < 0.2 or len(out) >= obs.legal.proposals_left:
                break
            amount = min(left, slice_ * float(obs.public[inv]["cash"]), debt_room)
            if amount < 0.2:
                continue
            out.append(
                self._offer(obs, inv, "loan", {"principal": amount, "rate": rate, "quarters": 12})
            )
            left -= amount
            debt_room -= amount
            self._asked += amount
        return out

    def _lab_budget(self, obs: Observation) -> tuple[float, float, float, float]:
        """(spare cash over the horizon, budget to commit now, income at horizon, reserve)."""
        low, reserve, income = self._lab_projection(obs)
        spare = low - reserve
        risk = self.params["risk"]
        life = obs.rules.compute_life
        if obs.quarters_left <= life:
            # Compute bought now is in service at the end; cash left over earns nothing.
            risk += (1 - risk) * (1 - obs.quarters_left / life)
        return spare, max(0.0, risk * spare), income, reserve

    def _gpu_pays(self, obs: Observation, price: float) -> bool:
        """Whether a kH100e at ``price`` earns back price and hosting over its life in the game."""
        b, m = obs.books, obs.market
        c0 = max(1.0, float(b["compute"]))
        life = min(obs.rules.compute_life, obs.quarters_left)
        g_d = self._market_growth(2)
        rr = float(b["revenue_run_rate"])
        per_c = rr / c0  # average earnings, below the marginal ones while revenue catches up
        d_avg = sum((1 + g_d) ** k for k in range(life)) / max(1, life)
        earn = per_c / 4 * d_avg * life * 1.2
        host = obs.rules.hosting_cost / float(m["generation"]) * life
        return earn - host >= price / 1000 * (1 - self.params["growth"] * 0.3)

    def _growth_need(self, obs: Observation) -> float:
        """Cash the lab's compute plan needs over the horizon ($B): own wafers, then GPUs."""
        b = obs.books
        h = self._h
        need = 0.0
        left = b["programme_quarters_left"]
        foundries = obs.others("foundry")
        if left is not None and left <= h and foundries:
            f = max(foundries, key=lambda n: self._packaging_room(obs, n))
            wafers = 0.7 * self._packaging_room(obs, f)
            price = float(obs.public[f]["wafer_price"])
            need += wafers * self._own_wafer_cost(obs, price) / 1000 * (h - left)
        designers = obs.others("designer")
        if designers:
            price = min(float(obs.public[d]["gpu_price"]) for d in designers)
            endgame = obs.quarters_left <= obs.rules.compute_life
            if endgame or self._gpu_pays(obs, price):
                growth = max(0.1, self._market_growth(2) + 0.06) * self.params["growth"]
                need += float(b["compute"]) * growth * price / 1000 * h
        return need

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        self._observe(obs)
        b = obs.books
        out: list[Propose | None] = []
        spare, budget, income, reserve = self._lab_budget(obs)
        left = b["programme_quarters_left"]
        # Own chips are the cheapest compute: reserve wafers to arrive the quarter the programme is
        # ready, sized to the packaging left free (funded by raising if need be).
        own = []
        if left is not None and left <= 1 and obs.quarters_left > 2:
            own = self._lab_wafers(obs, 0.5 * self._fundable(obs))
        deficit = max(0.0, -spare) + (reserve if spare < 0 else 0.0)
        growth = max(0.0, self._growth_need(obs) - max(0.0, spare))
        if deficit > 0 or growth > 0 or b["distressed"]:
            out += self._lab_raise(obs, deficit + growth, income, deficit > 0)
        out += own
        if spare <= 0:
            return out[: obs.legal.proposals_left]
        if own:
            budget *= 0.5
        # Supply contracts over the horizon, spread over the designers (less concentration).
        designers = obs.legal.partners.get("supply", ())
        mine = {c["parties"][1] for c in self._active(obs, "supply", 0) if self._left(c) > 1}
        free = [d for d in designers if d not in mine]
        if free and budget > 0.3:
            q = max(4, min(self._h, obs.quarters_left))
            per_designer = 0.6 * budget / len(designers)
            for d in sorted(free, key=lambda n: float(obs.public[n]["gpu_price"]))[:2]:
                price = float(obs.public[d]["gpu_price"])
                if not self._gpu_pays(obs, price) and obs.quarters_left > obs.rules.compute_life:
                    continue
                qty = per_designer * 1000 / price / q
                if qty >= 1:
                    out.append(
                        self._offer(
                            obs,
                            d,
                            "supply",
                            {"quantity": qty, "quarters": q, "price": price * 0.97, "prepay": 0.05},
                        )
                    )
        return out[: obs.legal.proposals_left]

    def _lab_wafers(self, obs: Observation, funds: float) -> list[Propose | None]:
        """A capacity reservation for the lab's own chips, sized to the packaging left free and
        to the ``funds`` it can count on over the contract."""
        have = sum(
            c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) > 1
        )
        foundries = obs.legal.partners.get("capacity", ())
        if have > 0 or not foundries:
            return []
        f = max(foundries, key=lambda n: self._packaging_room(obs, n))
        room = self._packaging_room(obs, f)
        price = float(obs.public[f]["wafer_price"])
        q = max(4, min(self._h, obs.quarters_left))
        afford = (self._cash(obs) - float(obs.books["fixed_opex"])) / (0.05 * q * price / 1000)
        most = min(0.7 * room, self._uncommitted(obs, f), afford)
        # Own chips pay back within a few quarters, once revenue catches up with the compute:
        # the largest reservation whose projected cash never runs out (counting on the funds
        # it can raise) is the one it asks for.
        wafers = 0.0
        for share in (1.0, 0.7, 0.5, 0.35, 0.25, 0.15):
            w = most * share
            low, _, _ = self._lab_projection(obs, (w, q, price))
            if low + funds >= 0.5 * float(obs.books["fixed_opex"]):
                wafers = w
                break
        if wafers < 1:
            return []
        return [
            self._offer(
                obs,
                f,
                "capacity",
                {"wafers": wafers, "quarters": q, "price": price, "prepay": 0.05},
            )
        ]

    @staticmethod
    def _own_wafer_cost(obs: Observation, price: float) -> float:
        """$k a wafer of the lab's own chips costs: the wafer and the own-chip unit cost."""
        r = obs.rules
        return price + r.own_chip_unit_cost * r.own_chip_efficiency * r.packages_per_wafer

    def _packaging_room(self, obs: Observation, foundry: str) -> float:
        """k wafers a quarter of a foundry's packaging that chip makers do not use yet."""
        gen = float(obs.market["generation"])
        pkg = float(obs.public[foundry]["packaging_capacity"])
        total = sum(
            float(p["packaging_capacity"])
            for p in obs.public.values()
            if p["role"] == "foundry" and not p["insolvent"]
        )
        share = pkg / max(1e-9, total)
        used = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        return max(0.0, pkg - share * used / (obs.rules.packages_per_wafer * gen))

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        _, budget, _, _ = self._lab_budget(obs)
        cash = self._cash(obs)
        r = obs.rules
        programme = r.chip_programme_cost * r.chip_programme_quarters
        if (
            "start_chip_programme" in legal
            and obs.quarters_left > r.chip_programme_quarters + 3
            and cash > r.chip_programme_cost + float(b["fixed_opex"])
            and obs.others("foundry")
        ):
            out.append(StartChipProgramme())
            budget = max(0.0, budget - programme)
        free_cash = cash - float(b["fixed_opex"]) - self._obligations(obs, 0)
        budget = min(budget, free_cash)
        own_budget = max(budget, 0.25 * free_cash)  # own chips pay back within a few quarters
        if "buy_spot_wafers" in legal and own_budget > 0.1:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = max(fs, key=lambda n: self._packaging_room(obs, n))
            price = float(obs.public[f]["wafer_price"])
            per_wafer = self._own_wafer_cost(obs, price)
            have = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
            room = 0.7 * self._packaging_room(obs, f) - have
            # Own chips are the cheapest compute: most of the budget goes to them.
            qty = min(0.7 * own_budget * 1000 / per_wafer, room)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                qty = clamp(qty, lo, hi)
                out.append(BuySpotWafers(f, qty))
                budget = min(budget, free_cash - qty * per_wafer / 1000)
        if "buy_spot_gpus" in legal and budget > 0.1:
            ds = legal["buy_spot_gpus"]["designer"]
            by_vendor = dict(b["compute_by_vendor"])
            total = max(1.0, float(b["compute"]))
            d = min(
                ds,
                key=lambda n: (
                    float(obs.public[n]["gpu_price"]) * (1 + by_vendor.get(n, 0.0) / total)
                ),
            )
            price = float(obs.public[d]["gpu_price"])
            endgame = obs.quarters_left <= r.compute_life
            if endgame or self._gpu_pays(obs, price):
                qty = budget * 1000 / price
                lo, hi = legal["buy_spot_gpus"]["quantity"]
                if qty >= lo:
                    out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # =========================================================================== designers
    def _unit_cost(self, obs: Observation, wafer_price: float) -> float:
        """Cost of one H100e made now ($k): the wafer share and the unit cost."""
        b, gen = obs.books, float(obs.market["generation"])
        return (wafer_price / float(b["dies_per_wafer"]) + float(b["unit_cost"])) / gen

    def _outside_demand(self, obs: Observation, price: float, k: int = 0) -> float:
        """Projected outside demand for my accelerators k quarters ahead at a price (kH100e)."""
        m = obs.market
        share = float(obs.public[obs.actor]["market_share"])
        base = float(m["gpu_demand"]) * share * (1 + self._market_growth(0)) ** k
        ref = float(m["gpu_reference_price"]) / 2 ** (k / 20)  # ref falls with sqrt(generation)
        return base * (price / ref) ** -self.params["elasticity"]

    def _owed_units(self, obs: Observation) -> float:
        """kH100e a quarter I owe under supply and vendor-financing contracts."""
        return sum(c["terms"]["quantity"] for c in self._active(obs, "supply", 1)) + sum(
            c["terms"]["quantity"] for c in self._active(obs, "vendor_financing", 0)
        )

    def _designer_supply(self, obs: Observation) -> tuple[float, float, float]:
        """(contracted wafers a quarter, packaging room for me in wafers, units per wafer)."""
        b, gen = obs.books, float(obs.market["generation"])
        contracted = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
        foundries = [n for n in obs.others("foundry")]
        pkg = sum(float(obs.public[f]["packaging_capacity"]) for f in foundries)
        others = sum(
            float(p["sold"])
            for n, p in obs.public.items()
            if p["role"] == "designer" and n != obs.actor
        )
        room = max(0.0, pkg - others / (obs.rules.packages_per_wafer * gen))
        return contracted, room, float(b["dies_per_wafer"]) * gen

    def _designer_price(self, obs: Observation) -> float:
        """The price that sells what I can supply, with a markup when supply is ample."""
        m = obs.market
        ref = float(m["gpu_reference_price"])
        _, room, upw = self._designer_supply(obs)
        supply = float(obs.books["inventory"]) + room * upw - self._owed_units(obs)
        target = ref * (1 + self.params["markup"])
        if supply > 1 and self._outside_demand(obs, target) > supply:
            eps = self.params["elasticity"]
            target = target * (self._outside_demand(obs, target) / supply) ** (1 / eps)
        wafer = min(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(m["wafer_reference_price"]),
        )
        return max(target, 1.5 * self._unit_cost(obs, wafer))

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal:
            lo, hi = legal["set_gpu_price"]["price"]
            want = self._designer_price(obs)
            new = clamp(want, price * 0.92, price * 1.08)
            if abs(new - price) > 0.005 * price:
                out.append(SetGpuPrice(clamp(new, lo, hi)))
                price = clamp(new, lo, hi)
        # Spot wafers for what this quarter's demand needs beyond stock and contracts.
        contracted, room, upw = self._designer_supply(obs)
        need_units = (
            self._outside_demand(obs, price) * (1 + 0.5 * self.params["safety"])
            + self._owed_units(obs)
            - float(b["inventory"])
        )
        need = min(need_units / upw - contracted * 0.97, room - contracted)
        if need > 0.5 and "buy_spot_wafers" in legal:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = min(fs, key=lambda n: float(obs.public[n]["wafer_price"]))
            wp = float(obs.public[f]["wafer_price"])
            cash = self._cash(obs)
            afford = (
                max(0.0, cash - float(b["fixed_opex"]))
                * 1000
                / (wp + float(b["unit_cost"]) * float(b["dies_per_wafer"]))
            )
            qty = min(need, afford)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
        return out

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        self._observe(obs)
        out: list[Propose | None] = []
        price = float(obs.public[obs.actor]["gpu_price"])
        contracted, room, upw = self._designer_supply(obs)
        h = self._h
        # The steady part of the need over the horizon, reserved ahead; the rest is bought spot.
        steady = min(
            (self._outside_demand(obs, price, k) + self._owed_units(obs)) / (upw * 2 ** (k / 10))
            for k in range(1, h + 1)
        )
        steady = min(steady * (1 - self.params["safety"]), room * 0.9)
        expiring = sum(
            c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) <= 1
        )
        gap = steady - (contracted - expiring)
        foundries = obs.legal.partners.get("capacity", ())
        if gap > max(2.0, 0.15 * steady) and foundries:
            f = max(
                foundries, key=lambda n: obs.trust_in[n] - float(obs.public[n]["wafer_price"]) / 100
            )
            wp = float(obs.public[f]["wafer_price"])
            wafers = min(gap, self._uncommitted(obs, f))
            cost_now = 0.05 * wafers * wp * h / 1000
            if wafers >= 1 and cost_now < 0.3 * self._cash(obs):
                out.append(
                    self._offer(
                        obs,
                        f,
                        "capacity",
                        {"wafers": wafers, "quarters": h, "price": wp * 0.98, "prepay": 0.05},
                    )
                )
        # Sell supply forward to labs that can pay (backlog, guaranteed sales), at list price.
        spare_units = room * upw - self._outside_demand(obs, price) - self._owed_units(obs)
        for lab in obs.legal.partners.get("supply", ()):
            if spare_units < 5 or len(out) >= 2:
                break
            p = obs.public[lab]
            if any(c["parties"][0] == lab for c in self._active(obs, "supply", 1)):
                continue
            can_pay = 0.25 * (float(p["cash"]) / h + float(p["revenue"]))
            qty = min(spare_units * 0.3, can_pay * 1000 / price)
            if qty >= 2:
                out.append(
                    self._offer(
                        obs,
                        lab,
                        "supply",
                        {"quantity": qty, "quarters": h, "price": price, "prepay": 0.05},
                    )
                )
                spare_units -= qty
        return out

    def _judge_supply_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        price = float(obs.public[obs.actor]["gpu_price"])
        _, room, upw = self._designer_supply(obs)
        can = room * upw + float(obs.books["inventory"]) - self._owed_units(obs)
        if t["quantity"] > (1 + self.params["safety"]) * can:
            return (
                {**t, "quantity": max(0.5, 0.8 * can), "price": max(t["price"], price)}
                if can > 1
                else None
            )
        if t["price"] * (1 + self.params["margin"]) >= price:
            return True
        return {**t, "price": price}

    # =========================================================================== foundries
    def _projected_output(self, obs: Observation, k: int) -> float:
        """Good wafers a quarter k quarters ahead: producing fabs plus those finished by then."""
        p = obs.public[obs.actor]
        produced = float(obs.books["produced"]) or 0.9 * float(p["capacity"])
        new = sum(cap * 0.6 for _, _, cap, left in p["fabs"] if 0 < left <= k + 1)
        return produced + new

    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        committed = self._committed_wafers(obs, obs.actor)
        if "set_wafer_price" in legal and float(b["produced"]) > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            out.append(SetWaferPrice(clamp(self._foundry_price(obs, committed), lo, hi)))
        # Fabs: for signed demand a build lag ahead, or when one pays back within the game.
        if "build_fab" in legal:
            out.append(self._plan_fab(obs, committed))
        # Packaging, three quarters ahead of the chip makers' projected need.
        if "build_packaging" in legal:
            gen = float(obs.market["generation"])
            lag = obs.rules.packaging_build_quarters
            g = self._market_growth(0)
            gen_lag = gen * 2 ** (lag / 10)
            units = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
            units = max(units, sum(float(obs.public[n]["sold"]) for n in obs.others("designer")))
            need_units = units * (1 + g) ** lag * (1 + self.params["safety"])
            need = need_units / (obs.rules.packages_per_wafer * gen_lag)
            need = max(
                need, 0.9 * committed if committed < float(pub["packaging_capacity"]) * 3 else 0.0
            )
            have = float(pub["packaging_capacity"]) + float(b["packaging_building"])
            add = need - have
            lo, hi = legal["build_packaging"]["capacity"]
            if add >= lo and add * obs.rules.packaging_capex_per_kwafer < 0.2 * self._cash(obs):
                out.append(BuildPackaging(clamp(add, lo, hi)))
        return out

    def _foundry_price(self, obs: Observation, committed: float) -> float:
        """The price at which outside demand takes the output left after contracts."""
        b, pub = obs.books, obs.public[obs.actor]
        price = float(pub["wafer_price"])
        util = float(pub["utilisation"])
        produced, sold = float(b["produced"]), float(b["sold"])
        outside_sold = max(1.0, sold - min(committed, sold))
        avail = self._projected_output(obs, 0)
        target = max(1.0, self.params["utilisation"] * avail - committed)
        g = self._market_growth(1)
        eps = self.params["wafer_elasticity"]
        if util < 0.995 or produced <= 0:
            want = price * (outside_sold * (1 + g) / target) ** (1 / eps)
        else:  # sold out: demand at this price is unknown, raise it step by step
            want = price * (1.06 + g)
        floor = float(b["wafer_cost"]) * 1.6
        return max(floor, clamp(want, price * 0.9, price * 1.1))

    def _plan_fab(self, obs: Observation, committed: float) -> BuildFab | None:
        pub = obs.public[obs.actor]
        node = "N3"
        site = "taiwan"
        if self._subsidy_until >= obs.quarter:
            site = min(
                ("taiwan", "us"),
                key=lambda s: SITES[s]["capex_factor"] * (0.75 if s == "us" else 1.0),
            )
        lag = int(SITES[site]["build_quarters"])
        if obs.quarters_left < lag + 6:
            return None  # would stand idle or never pay back
        total = float(pub["capacity"]) + float(pub["capacity_building"])
        # Signed demand a lag ahead: the contract book, growing at most with the chip market.
        g = self._trend(self._contracted) if len(self._contracted) > 2 else 0.0
        g = clamp(g, 0.0, max(0.0, self._market_growth(0) - 0.07))  # less the generation's gain
        signed = committed * (1 + g) ** lag
        gap = signed * (1 + self.params["safety"]) - 0.95 * total
        # Outside demand a lag ahead under the elasticity belief: extra output earns only if demand
        # is elastic enough to pay for more wafers at a lower price.
        eps = self.params["wafer_elasticity"]
        size = 0.0
        if gap > 1:
            size = gap
        elif eps > 1.05:
            avail = self._projected_output(obs, lag)
            k = float(obs.market["wafer_demand"]) * (1 + self._market_growth(1)) ** lag
            ref = float(obs.market["wafer_reference_price"])
            add = 0.1 * avail
            rev = lambda a: (k * ref**eps) ** (1 / eps) * a ** (1 - 1 / eps) / 1000  # noqa: E731
            gain = rev(avail + add) - rev(avail) - float(obs.books["wafer_cost"]) * add / 1000
            years = obs.quarters_left - lag
            capex = add / 0.85 * NODES[node]["capex_per_kwafer"] * SITES[site]["capex_factor"]
            if gain * years > capex * (1 + self.params["safety"]):
                size = add / 0.85
        if size < 1:
            return None
        lo, hi = obs.legal.moves["build_fab"]["capacity"]
        size = clamp(size, lo, hi)
        # The runway over the build: cash plus running income must pay every build under way.
        per_k = NODES[node]["capex_per_kwafer"] * SITES[site]["capex_factor"]
        if site == "us" and self._subsidy_until >= obs.quarter:
            per_k *= 0.75
        room = self._cash(obs) + lag * max(0.0, self._income(obs)) - self._capex_left(obs)
        room -= 2 * float(obs.books["fixed_opex"]) * (1 + self.params["safety"])
        size = min(size, room / per_k)
        if size < lo or size * per_k / lag > self._cash(obs):
            return None
        return BuildFab(node, site, size)

    @staticmethod
    def _capex_left(obs: Observation) -> float:
        """Capex still to pay on the foundry's fabs under construction (an estimate, $B)."""
        out = 0.0
        for node, site, cap, left in obs.public[obs.actor]["fabs"]:
            if left > 0:
                lag = SITES[site]["build_quarters"]
                out += (
                    cap
                    * NODES[node]["capex_per_kwafer"]
                    * SITES[site]["capex_factor"]
                    * min(1.0, left / lag)
                )
        return out

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        """Offer capacity reservations to chip makers whose projected need exceeds their book."""
        self._observe(obs)
        out: list[Propose | None] = []
        price = float(obs.public[obs.actor]["wafer_price"])
        free = self._uncommitted(obs, obs.actor) * 0.5
        gen = float(obs.market["generation"])
        g = self._market_growth(0)
        caps = {n: float(p["capacity"]) for n, p in obs.public.items() if p["role"] == "foundry"}
        my_share = caps[obs.actor] / max(1.0, sum(caps.values()))
        for n in obs.legal.partners.get("capacity", ()):
            p = obs.public[n]
            if p["role"] != "designer" or free < 2:
                continue
            booked = sum(
                c["terms"]["wafers"]
                for c in self._active(obs, "capacity", 1)
                if c["parties"][0] == n and self._left(c) > 2
            )
            need = (
                my_share
                * float(p["sold"])
                * (1 + g) ** self._h
                / (obs.rules.packages_per_wafer * gen * 2 ** (self._h / 10))
            )
            gap = (1 - self.params["safety"]) * need - booked
            if gap >= 2:
                wafers = min(gap, free)
                out.append(
                    self._offer(
                        obs,
                        n,
                        "capacity",
                        {"wafers": wafers, "quarters": self._h, "price": price, "prepay": 0.0},
                    )
                )
                free -= wafers
        return out

    def _judge_capacity_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        price = float(obs.public[obs.actor]["wafer_price"])
        free = self._uncommitted(obs, obs.actor)
        if t["wafers"] > free:
            return (
                {**t, "wafers": free * 0.9, "price": max(t["price"], price)} if free > 1 else None
            )
        floor = float(obs.books["wafer_cost"]) * 1.6
        if t["price"] >= max(floor, price * (1 - self.params["margin"])):
            return True
        return {**t, "price": max(price, floor)}

    # =========================================================================== investors
    def _campus_cost_left(self, obs: Observation) -> float:
        """Capex still to pay on campuses and joint-venture fabs being built ($B, roughly)."""
        out = float(obs.books["campus_building_gw"]) * obs.rules.campus_capex_per_gw * 0.6
        for c in self._active(obs, "joint_venture", 0):
            t = c["terms"]
            lag = int(SITES[t["site"]]["build_quarters"])
            left = max(0, int(c["start"]) + lag - obs.quarter)
            out += self._jv_capex(t) * t["partner_capex_share"] * left
        return out

    def _spare_investor(self, obs: Observation) -> float:
        if obs.role != "investor":
            return self._cash(obs)
        return max(
            0.0,
            self._cash(obs)
            - self._campus_cost_left(obs)
            - self.params["safety"] * 0.1 * self._cash(obs),
        )

    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        self._observe(obs)
        out: list[Propose | None] = []
        spare = self._spare_investor(obs)
        if spare < 2:
            return out
        budget = self.params["risk"] * spare * 0.3
        stakes = dict(obs.books["stakes"])
        cands = []
        for n in obs.legal.partners.get("equity", ()):
            p = obs.public[n]
            if p["role"] == "investor" or p["distressed"]:
                continue
            val = max(1.0, float(p["valuation"]))
            g = self._trend(self._seen.get(n, []))
            ret = (1 + g) ** self._h - 1
            held = stakes.get(n, 0.0)
            cands.append((ret - 0.5 * held, n, val))
        cands.sort(reverse=True)
        for ret, n, val in cands[:2]:
            if ret < self.params["hurdle"]:
                break
            control = float(obs.public[n]["control"])
            amount = min(budget, 0.05 * val)
            stake = amount / val
            if control - stake < 0.4 or amount < 0.2:
                continue
            out.append(self._offer(obs, n, "equity", {"amount": amount, "stake": stake}))
            budget -= amount
        return out

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        self._observe(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        gen = float(obs.market["generation"])
        build = obs.rules.campus_build_quarters
        # A campus only with a licence and time to fill it and earn its rent back.
        if (
            "fund_campus" in legal
            and pub["licence"]
            and float(b["campus_building_gw"]) == 0
            and obs.quarters_left > build + 8
        ):
            room_gw = float(b["campus_room"]) / (500 * gen)
            gpu = min(
                (float(obs.public[d]["gpu_price"]) for d in obs.others("designer")), default=30.0
            )
            per_gw = obs.rules.campus_capex_per_gw + 500 * gen * 2 ** (build / 10) * gpu / 1000
            rent_q = 500 * gen * 2 ** (build / 10) * obs.rules.campus_rent
            earning = obs.quarters_left - build  # quarters the campus earns rent in the game
            if (
                rent_q * min(earning, obs.rules.compute_life) > per_gw * (1 + self.params["safety"])
                and room_gw < 0.2
            ):
                gw = self.params["risk"] * 0.5 * self._spare_investor(obs) / per_gw
                lo, hi = legal["fund_campus"]["gw"]
                if gw >= lo:
                    out.append(FundCampus(clamp(gw, lo, hi)))
        if "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, self.params["risk"] * 0.5 * self._spare_investor(obs) * 1000 / price)
            if qty >= lo and qty * price / 1000 <= cash:
                out.append(BuySpotGpus(d, qty))
        return out


def _control_left(obs: Observation) -> float:
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
