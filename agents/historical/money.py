"""The historical lab's money: its cash plan and its funding rounds.

**OpenAI's money.** $6.6B at a $157B valuation in Oct 2024 with MGX, SoftBank and others, plus a
$4B credit line (press reports); $40B at $300B led by SoftBank in Mar 2025; ~$100B sought at
~$750-830B for 2026 (press reports, Dec 2025); Nvidia's investment for purchases (Sept 2025). The
non-profit kept ~26 % of the company after the Oct 2025 recapitalisation.

*Here*: the dated rounds (:data:`OPENAI_ROUNDS`) at the public valuation, for the share of it the
real rounds sold, along OpenAI's path of dilution (:data:`CONTROL_PATH`, then ``control_floor``);
a round whenever its cash plan will not carry it (equity while the market prices its growth at
15 times its run-rate or more, loans otherwise, up to a year of revenue); a growth round once a
year for its plan. Its cash plan (:meth:`LabMoney._free_cash`) looks :data:`CASH_AHEAD` quarters
ahead: revenue on half its recent trend, running costs, and what its contracts, loans, chip R&D,
campuses and fabs bind it to pay. Chips come first (:meth:`LabMoney._liquid`: they are what
earns), long commitments only from what the plan leaves after them (:meth:`LabMoney._spare`).
"""

from __future__ import annotations

from agents.historical.bets import LabBets
from agents.historical.power import GW_KH100E
from agents.tactics import clamp, equity_asks
from game.decisions import Propose
from game.observation import Observation

__all__ = ["CASH_AHEAD", "CONTROL_PATH", "OPENAI_ROUNDS", "LabMoney"]

#: Funding rounds of OpenAI: (first quarter, equity as a share of valuation, credit line as a
#: share of valuation, lead investor). Oct 2024: $6.6B at $157B plus a $4B credit line; Mar 2025:
#: $40B at $300B led by SoftBank; 2026: ~$100B sought at ~$800B (press reports, Dec 2025).
OPENAI_ROUNDS = (
    ("2024Q4", 6.6 / 157, 4.0 / 157, "MGX"),
    ("2025Q1", 40 / 300, 0.0, "SoftBank"),
    ("2026Q1", 100 / 800, 0.0, "SoftBank"),
)

#: OpenAI's control over time (year: the least it keeps by then): 0.51 after Microsoft's share,
#: ~4 % sold in Oct 2024, ~13 % in Mar 2025, the non-profit's ~26 % after the Oct 2025
#: recapitalisation; ``control_floor`` below that.
CONTROL_PATH = ((2024, 0.45), (2025, 0.3))

#: Quarters its cash plan looks ahead.
CASH_AHEAD = 6
#: Deal kinds that bind it to pay over the coming quarters.
_BOUND_KINDS = ("supply", "vendor_financing", "capacity", "lease", "joint_venture")


class LabMoney(LabBets):
    """The historical lab's cash plan and funding.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    # =================================================================== money
    def _lab_reserve(self, obs: Observation) -> float:
        return 2 * float(obs.books["fixed_opex"]) + 2 * self._debt_service(obs)

    @staticmethod
    def _operating_burn(obs: Observation) -> float:
        """Cash a quarter the lab loses running itself (before buying chips), at least 0."""
        b = obs.books
        last = b["last_quarter"]
        if not last:
            return max(0.0, float(b["fixed_opex"]) - float(b["revenue_run_rate"]) / 4)
        flows = (
            "ai_revenue",
            "opex",
            "hosting",
            "cloud_rent",
            "campus_opex",
            "lease_rent",
            "loan_interest",
        )
        return max(0.0, -sum(float(last.get(k, 0.0)) for k in flows))

    def _own_unit_cost(self, obs: Observation) -> float:
        """$k an own-chip wafer costs besides its price: the own chip's unit cost of its dies."""
        r = obs.rules
        return float(r.own_chip_unit_cost) * r.own_chip_efficiency * r.packages_per_wafer

    def _commitments(self, obs: Observation, n: int = 4, merchant: bool = True) -> float:
        """$B it is bound to pay over the next ``n`` quarters: chips and wafers under contract,
        rent, loans, chip R&D, its campuses' and its fabs' capex (its running costs aside);
        without the merchant chips under contract if ``merchant`` is false."""
        out = 0.0
        for c in obs.contracts:
            if c["status"] != "active" or obs.actor not in c["parties"]:
                continue
            if c["kind"] not in _BOUND_KINDS:
                continue
            t = c["terms"]
            k = min(n, self._left(c)) if "quarters" in t else n
            first = c["parties"][0] == obs.actor
            if c["kind"] == "supply" and first and merchant:
                out += t["quantity"] * t["price"] * (1 - t["prepay"]) / 1000 * k
            elif c["kind"] == "vendor_financing" and not first and merchant:
                out += t["quantity"] * t["price"] / 1000 * k
            elif c["kind"] == "capacity" and first:
                per = t["price"] * (1 - t["prepay"]) + self._own_unit_cost(obs)
                out += t["wafers"] * per / 1000 * k
            elif c["kind"] == "lease" and first:
                out += t["gw"] * t["rent"] * k
            elif c["kind"] == "joint_venture" and first:
                lag = obs.fab_build_quarters(t["site"])
                built = obs.quarter - int(c["start"])
                capex = obs.fab_capex(t["node"], t["site"], t["capacity"])
                out += capex * t["partner_capex_share"] / lag * max(0, min(n, lag - built))
        out += n * self._debt_service(obs)
        left = obs.books["programme_quarters_left"] or 0
        out += min(n, left) * float(obs.rules.chip_programme_cost)
        per_gw = float(obs.build_costs["campus"]["capex_per_gw"])
        lag = int(obs.build_costs["campus"]["build_quarters"])
        for q, gw in self._campus:
            out += gw * per_gw / lag * max(0, min(n, int(q) - obs.quarter + 1))
        return out

    def _free_cash(self, obs: Observation, merchant: bool = True) -> float:
        """What it may commit anew: the lowest its cash falls over the next
        :data:`CASH_AHEAD` quarters — its revenue on trend (half its recent growth), less its
        running costs and what it is bound to pay (its own chips come before the merchant chips
        it has contracted: ``merchant`` false leaves those out) — above a reserve."""
        last = obs.books["last_quarter"]
        rr = float(obs.books["revenue_run_rate"])
        revenue = max(float(last.get("ai_revenue", 0.0)), rr / 4) if last else rr / 4
        running = float(obs.books["fixed_opex"]) if not last else 0.0
        for flow in ("opex", "hosting", "cloud_rent", "campus_opex", "loan_interest"):
            running -= float(last.get(flow, 0.0)) if last else 0.0
        g = 0.0
        if len(self._rr) >= 5 and self._rr[-5] > 0:
            g = clamp((self._rr[-1] / self._rr[-5]) ** 0.25 - 1, 0.0, 0.2) / 2
        low = cum = 0.0
        bound = 0.0
        for k in range(1, CASH_AHEAD + 1):
            now = self._commitments(obs, k, merchant)
            cum += revenue * (1 + g) ** k - running - (now - bound)
            bound = now
            low = min(low, cum)
        return self._cash(obs) - self._lab_reserve(obs) + low

    def _liquid(self, obs: Observation, merchant: bool = True) -> float:
        """Cash it may spend on chips now: what is left after a quarter of its fixed costs,
        debt service and running losses, and what it is bound to pay next quarter. Chips are
        what earns: a lab that stops buying them shrinks into its debts, so chips are bought from
        cash in hand, and long commitments (campuses, its own chip, leases) only from what its
        cash plan leaves (:meth:`_free_cash`)."""
        return (
            self._cash(obs)
            - float(obs.books["fixed_opex"])
            - self._debt_service(obs)
            - self._operating_burn(obs)
            - self._commitments(obs, 1, merchant)
        )

    def _own_cash(self, obs: Observation) -> float:
        """Cash for its own chips: as for chips (:meth:`_liquid`), before the merchant chips it
        has contracted (its own cost about half as much, so they come first)."""
        return self._liquid(obs, merchant=False)

    def _chip_price(self, obs: Observation) -> float:
        """$k per H100e it expects to pay for merchant chips now (the cheapest list price)."""
        return min(
            (float(obs.public[d]["gpu_price"]) for d in obs.others("designer")),
            default=float(obs.market["gpu_reference_price"]),
        )

    def _plan_spend(self, obs: Observation, n: int = 4) -> float:
        """$B its plan spends over ``n`` quarters beyond commitments: chips for the power that
        opens up, and its campuses for the power short a build ahead."""
        gen = float(obs.market["generation"])
        chips = (
            (self._growth_gw(obs, n) * n + max(0.0, self._headroom_gw(obs)))
            * GW_KH100E
            * gen
            * self._chip_price(obs)
            / 1000
        )
        campus = self._power_short(obs) * float(obs.build_costs["campus"]["capex_per_gw"])
        lag = int(obs.build_costs["campus"]["build_quarters"])
        return chips + campus * min(n, lag) / lag

    def _spare(self, obs: Observation) -> float:
        """What its cash plan leaves for long commitments (campuses, its own chip, a fab) after
        half a year of chips for the power it has and will have: chips come first."""
        gen = float(obs.market["generation"])
        fill = 2 * self._growth_gw(obs) + max(0.0, self._headroom_gw(obs))
        chips = fill * GW_KH100E * gen * self._chip_price(obs) / 1000
        return self._free_cash(obs) - chips

    def _debt_room(self, obs: Observation) -> float:
        """Loans the lab will still take: up to a year of its revenue run-rate."""
        owed = sum(
            c["terms"]["principal"] * (1 - c["quarters_done"] / c["terms"]["quarters"])
            for c in self._mine(obs, "loan", 1)
        )
        return max(0.0, float(obs.books["revenue_run_rate"]) - owed)

    def _equity_round(
        self,
        obs: Observation,
        amount: float,
        lead: str | None,
        floor: float,
        debt: float,
        among: tuple[str, ...] | None = None,
    ) -> list[Propose | None]:
        """Offer equity worth ``amount`` to investors (the lead first, then by cash), at the
        public valuation, down to the control floor; the rest as loans, up to ``debt``."""
        out: list[Propose | None] = []
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        control = float(obs.public[obs.actor]["control"]) - sum(
            float(o["terms"]["stake"]) for o in obs.sent if o["kind"] == "equity"
        )
        investors = [
            n for n in obs.legal.partners.get("equity", ()) if obs.public[n]["role"] == "investor"
        ]
        lenders = list(obs.legal.partners.get("loan", ()))
        if among is not None:
            investors = [n for n in investors if n in among]
            lenders = [n for n in lenders if n in among]

        def key(n: str) -> tuple[bool, bool, float]:  # the lead, then SoftBank and MGX, then cash
            return (n != lead, n not in ("SoftBank", "MGX"), -float(obs.public[n]["cash"]))

        investors.sort(key=key)
        lenders.sort(key=key)
        left = amount
        budget = obs.legal.proposals_left
        slice_ = 0.45 / (1 + self._failed)  # smaller asks after rounds that raised nothing
        self._asking = True
        for inv, part, stake in equity_asks(
            obs, investors, left, slice_, control, floor, val, budget - len(out)
        ):
            out.append(self._offer(obs, inv, "equity", {"amount": part, "stake": stake}))
            left -= part
        rate = float(obs.market["base_rate"]) + 0.04
        left = min(left, debt)
        for inv in lenders:
            if left < 0.2 or len(out) >= budget:
                break
            part = min(left, slice_ * float(obs.public[inv]["cash"]))
            if part < 0.2:
                continue
            out.append(
                self._offer(obs, inv, "loan", {"principal": part, "rate": rate, "quarters": 12})
            )
            left -= part
        return out

    def _floor(self, obs: Observation) -> float:
        """The least control it keeps now: OpenAI's path of dilution, then ``control_floor``."""
        floor = self.params["control_floor"]
        if self._playbook(obs) == "openai":
            year = int(obs.label[:4])
            for y, least in CONTROL_PATH:
                if year <= y:
                    return max(floor, least)
        return floor

    def _funding(self, obs: Observation) -> list[Propose | None]:
        """OpenAI's dated rounds; a round when cash will not carry a year; a growth round for
        its plan once a year when the market prices its growth (loans when it does not)."""
        b = obs.books
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        rr = max(0.1, float(b["revenue_run_rate"]))
        floor = self._floor(obs)
        debt = self._debt_room(obs)
        if self._playbook(obs) == "openai":
            for label, equity, credit, lead in OPENAI_ROUNDS:
                if self._due(obs, f"round {label}", label):
                    self._done.append(f"round {label}")
                    self._notes["last_round"] = obs.quarter
                    out = self._equity_round(obs, equity * val, lead, floor, debt)
                    if credit > 0:  # the credit line: loans only
                        out += self._equity_round(obs, credit * val, lead, 1.0, debt)
                    return out
        since = obs.quarter - int(self._notes.get("last_round", -9))
        # Equity only while the market prices its growth (rounds valued it at ~25-50x
        # run-rate); a cheap valuation means loans first.
        dear = val >= 15 * rr
        free = self._free_cash(obs)
        if b["distressed"] or (free < 0 and since >= 2):
            self._notes["last_round"] = obs.quarter
            ask = max(self._lab_reserve(obs) - free, 1.0)
            if dear:
                return self._equity_round(obs, min(ask, 0.1 * val), "SoftBank", floor, debt)
            return self._equity_round(obs, ask, "SoftBank", 1.0, debt)  # loans only
        gap = self._plan_spend(obs) - free
        if gap > 1.0 and since >= 4 and dear and obs.quarter >= 4:
            self._notes["last_round"] = obs.quarter
            return self._equity_round(obs, min(gap, 0.06 * val), "SoftBank", floor, 0.0)
        return []

    # =================================================================== power
