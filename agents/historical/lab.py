"""The historical policy as a lab: OpenAI's 2024–25 strategy.

**OpenAI** (lab). Compute about tripled a year (0.2 GW in 2023, 0.6 GW in 2024) and annualised
revenue went from $2B to $6B (OpenAI CFO blog post, Jan 2026). It multi-sourced: Nvidia GPUs through
Microsoft and Oracle, AMD (MI300X in 2024, a 6 GW deal in Oct 2025), and its own chip, designed with
Broadcom and made at TSMC (Reuters, Oct 2024; 10 GW Broadcom deal, Oct 2025). It raised big rounds
from sovereign funds and SoftBank, accepting dilution but keeping control in the non-profit: $6.6B
at a $157B valuation in Oct 2024 with MGX, SoftBank and others, plus a $4B credit line (press
reports); $40B at $300B led by SoftBank in Mar 2025.

*Here*: starts its own chip programme at once (if it can pay for it and a year of running costs) and
reserves foundry wafers for it when it is ready, paying up to 10 % over list; signs supply contracts
with every designer (the leader gets the largest share, each rival at least a fifth) toward a
compute path that triples a year (``compute_growth``); raises 4.2 % of its valuation in equity plus
a 2.5 % credit line in 2024Q4 and 13.3 % led by SoftBank in 2025Q1 (the two rounds' amount over
valuation), and whenever its runway is under a year; never sells control below ``control_floor``;
borrows beyond that.

Any other lab follows OpenAI's rules without the dated rounds.
"""

from __future__ import annotations

from agents.historical.playbook import HistoricalBase
from agents.tactics import clamp
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    Propose,
    StartChipProgramme,
)
from game.observation import Observation

__all__ = ["OPENAI_ROUNDS", "LabPlaybook"]

#: Funding rounds of OpenAI: (first quarter, equity as a share of valuation, credit line as a
#: share of valuation, lead investor). Oct 2024: $6.6B at $157B plus a $4B credit line; Mar 2025:
#: $40B at $300B led by SoftBank.
OPENAI_ROUNDS = (("2024Q4", 6.6 / 157, 4.0 / 157, "MGX"), ("2025Q1", 40 / 300, 0.0, "SoftBank"))


class LabPlaybook(HistoricalBase):
    """The historical lab: funding rounds, its compute path, own chips and multi-sourcing.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    def _equity_round(
        self, obs: Observation, amount: float, lead: str | None, floor: float, debt: float
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

        def key(n: str) -> tuple[bool, bool, float]:  # the lead, then SoftBank and MGX, then cash
            return (n != lead, n not in ("SoftBank", "MGX"), -float(obs.public[n]["cash"]))

        investors.sort(key=key)
        lenders.sort(key=key)
        left = amount
        budget = obs.legal.proposals_left
        slice_ = 0.45 / (1 + self._failed)  # smaller asks after rounds that raised nothing
        self._asking = True
        for inv in investors:
            if left < 0.2 or len(out) >= budget:
                break
            part = min(left, slice_ * float(obs.public[inv]["cash"]), (control - floor) * val)
            if part < 0.2:
                continue
            stake = part / val
            out.append(self._offer(obs, inv, "equity", {"amount": part, "stake": stake}))
            control -= stake
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

    def _lab_reserve(self, obs: Observation) -> float:
        return 2 * float(obs.books["fixed_opex"]) + 2 * self._debt_service(obs)

    def _lab_spare(self, obs: Observation) -> float:
        """Cash it may spend on compute: what is left after a year's running loss, the chip R&D
        still to pay, the next quarter's contract payments and a reserve."""
        b, r = obs.books, obs.rules
        rnd = (b["programme_quarters_left"] or 0) * r.chip_programme_cost
        contracts = sum(
            c["terms"]["quantity"] * c["terms"]["price"] * (1 - c["terms"]["prepay"]) / 1000
            for c in self._mine(obs, "supply", 0)
        ) + sum(
            c["terms"]["wafers"] * c["terms"]["price"] * (1 - c["terms"]["prepay"]) / 1000
            for c in self._mine(obs, "capacity", 0)
        )
        return (
            self._cash(obs)
            - self._lab_reserve(obs)
            - 4 * self._operating_burn(obs)
            - rnd
            - contracts
        )

    @staticmethod
    def _operating_burn(obs: Observation) -> float:
        """Cash a quarter the lab loses running itself (before buying compute), at least 0."""
        b = obs.books
        last = b["last_quarter"]
        if not last:
            return max(0.0, float(b["fixed_opex"]) - float(b["revenue_run_rate"]) / 4)
        flows = ("ai_revenue", "opex", "hosting", "unit_cost", "chip_rnd", "loan_interest")
        return max(0.0, -sum(float(last.get(k, 0.0)) for k in flows))

    def _path_gap(self, obs: Observation) -> float:
        """kH100e the lab needs next quarter to stay on its compute path (x ``compute_growth``
        a year from where it started, plus what retires)."""
        c = float(obs.books["compute"])
        if self._c0 is None:
            self._c0 = max(c, 1.0)
        target = self._c0 * self.params["compute_growth"] ** ((obs.quarter + 1) / 4)
        return max(0.0, target - c + c / obs.rules.compute_life)

    def _debt_room(self, obs: Observation) -> float:
        """Loans the lab will still take: up to a year of its revenue run-rate."""
        owed = sum(
            c["terms"]["principal"] * (1 - c["quarters_done"] / c["terms"]["quarters"])
            for c in self._mine(obs, "loan", 1)
        )
        return max(0.0, float(obs.books["revenue_run_rate"]) - owed)

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        b = obs.books
        out: list[Propose | None] = []
        cash = self._cash(obs)
        val = max(1.0, float(obs.public[obs.actor]["valuation"]))
        floor = self.params["control_floor"]
        gap = self._path_gap(obs)
        # Funding: OpenAI's dated rounds, and a round whenever cash will not last a year of
        # running costs and the compute path.
        raised = False
        if self._playbook(obs) == "openai":
            for label, equity, credit, lead in OPENAI_ROUNDS:
                if self._due(obs, f"round {label}", label):
                    self._done.append(f"round {label}")
                    out += self._equity_round(obs, equity * val, lead, floor, self._debt_room(obs))
                    if credit > 0:  # the credit line: loans only
                        out += self._equity_round(
                            obs, credit * val, lead, 1.0, self._debt_room(obs)
                        )
                    raised = True
                    break
        need = 4 * self._operating_burn(obs) + self._lab_reserve(obs)
        if not raised and (cash < need or b["distressed"]):
            out += self._equity_round(
                obs, max(0.08 * val, need - cash), "SoftBank", floor, self._debt_room(obs)
            )
        spare = max(0.0, self._lab_spare(obs))
        # Own chips first (the Broadcom chip, made at TSMC): wafers from the quarter it is ready.
        left = b["programme_quarters_left"]
        gen = float(obs.market["generation"])
        per_wafer = obs.rules.own_chip_efficiency * obs.rules.packages_per_wafer * gen
        if left is not None and left <= 1:
            have = [c for c in self._mine(obs, "capacity", 0) if self._left(c) > 1]
            foundries = obs.legal.partners.get("capacity", ())
            if not have and foundries:
                f = max(foundries, key=lambda n: float(obs.public[n]["packaging_capacity"]))
                price = float(obs.public[f]["wafer_price"])
                cost = (price + obs.rules.own_chip_unit_cost * per_wafer / gen) / 1000
                # Paid from spare cash over the contract, or from cash in hand over its first
                # two quarters (own chips earn their cost back within a few quarters).
                in_hand = cash - self._lab_reserve(obs)
                afford = max(self.params["risk"] * spare / 8, in_hand / 2) / cost
                wafers = min(
                    0.5 * gap / per_wafer,
                    0.5 * self._pack_room(obs, f),
                    afford,
                    obs.free_capacity[f],
                )
                if wafers >= 1:
                    out.append(
                        self._offer(
                            obs,
                            f,
                            "capacity",
                            {"wafers": wafers, "quarters": 8, "price": price, "prepay": 0.05},
                        )
                    )
        own = sum(c["terms"]["wafers"] for c in self._mine(obs, "capacity", 0)) * per_wafer
        if left == 0:
            gap = max(0.0, gap - own)
        # Multi-sourcing: a supply contract with every designer for the rest of the path.
        designers = obs.legal.partners.get("supply", ())
        signed = {c["parties"][1] for c in self._mine(obs, "supply", 0) if self._left(c) > 1}
        signed |= {
            c["parties"][1] for c in self._mine(obs, "vendor_financing", 1) if self._left(c) > 1
        }
        contracted = sum(c["terms"]["quantity"] for c in self._mine(obs, "supply", 0))
        free = [d for d in designers if d not in signed]
        if free and spare > 0.5:
            shares = self._vendor_shares(obs, designers)
            budget = self.params["risk"] * spare / 4  # a quarter's worth of a year's contracts
            want = max(0.0, gap - contracted)
            for d in free:
                price = float(obs.public[d]["gpu_price"])
                qty = min(want * shares[d], budget * shares[d] * 1000 / price)
                if qty >= 1:
                    out.append(
                        self._offer(
                            obs,
                            d,
                            "supply",
                            {"quantity": qty, "quarters": 4, "price": price, "prepay": 0.1},
                        )
                    )
        return out

    @staticmethod
    def _vendor_shares(obs: Observation, designers: tuple[str, ...]) -> dict[str, float]:
        """How the lab splits its orders: by market share, each rival at least a fifth."""
        if not designers:
            return {}
        raw = {d: max(0.2, float(obs.public[d]["market_share"])) for d in designers}
        total = sum(raw.values())
        return {d: v / total for d, v in raw.items()}

    @staticmethod
    def _pack_room(obs: Observation, foundry: str) -> float:
        gen = float(obs.market["generation"])
        pkg = float(obs.public[foundry]["packaging_capacity"])
        used = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        total = sum(
            float(p["packaging_capacity"]) for p in obs.public.values() if p["role"] == "foundry"
        )
        return max(0.0, pkg - pkg / max(total, 1e-9) * used / (obs.rules.packages_per_wafer * gen))

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        cash = self._cash(obs)
        r = obs.rules
        spare = self._lab_spare(obs)
        # OpenAI's own chip (Broadcom, TSMC) from the start; another lab after a few quarters;
        # either only if it can pay for the whole programme.
        early = self._playbook(obs) == "openai" or obs.quarter >= 2
        programme = r.chip_programme_cost * r.chip_programme_quarters
        if (
            "start_chip_programme" in legal
            and early
            and obs.quarters_left > r.chip_programme_quarters + 2
            and spare > programme
            and obs.others("foundry")
        ):
            out.append(StartChipProgramme())
            spare -= programme
        gap = self._path_gap(obs)
        contracted = sum(c["terms"]["quantity"] for c in self._mine(obs, "supply", 0))
        gen = float(obs.market["generation"])
        per_wafer = r.own_chip_efficiency * r.packages_per_wafer * gen
        own = sum(c["terms"]["wafers"] for c in self._mine(obs, "capacity", 0)) * per_wafer
        gap = max(0.0, gap - contracted - own)
        if spare <= 0 or gap <= 0:
            return out
        if "buy_spot_wafers" in legal:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = max(fs, key=lambda n: self._pack_room(obs, n))
            price = float(obs.public[f]["wafer_price"])
            cost = (price + r.own_chip_unit_cost * per_wafer / gen) / 1000
            qty = min(
                0.5 * gap / per_wafer,
                0.3 * self._pack_room(obs, f),
                self.params["risk"] * spare / cost,
            )
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo and qty * price / 1000 < cash:
                qty = clamp(qty, lo, hi)
                out.append(BuySpotWafers(f, qty))
                spare -= qty * cost
                gap -= qty * per_wafer
        if "buy_spot_gpus" in legal and spare > 0.2 and gap > 0:
            ds = legal["buy_spot_gpus"]["designer"]
            shares = self._vendor_shares(obs, tuple(ds))
            by_vendor = dict(b["compute_by_vendor"])
            total = max(1.0, float(b["compute"]))
            d = min(ds, key=lambda n: by_vendor.get(n, 0.0) / total - shares[n])  # least served
            price = float(obs.public[d]["gpu_price"])
            qty = min(gap, self.params["risk"] * spare * 1000 / price)
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo:
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out
