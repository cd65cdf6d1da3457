"""The historical policy: each actor of baseline-2024 plays the strategy it actually followed.

The policy picks a playbook by the actor's name (``obs.actor``); an actor of another scenario gets
a role-generic playbook drawn from the same history (the market leader of its role plays like the
2024 leader, a smaller rival like the 2024 challengers, a Gulf fund like the Gulf funds, any other
fund like SoftBank). Dated moves (a funding round in 2024Q4, a campus in 2025Q2) are made at the
first quarter on or after the date, and only by the named actor; everything else is a rule that
works in any scenario. Figures come from ``calibration/targets-2024.toml`` where it has them.

The actors and what they did, with sources:

- **OpenAI** (lab). Compute about tripled a year (0.2 GW in 2023, 0.6 GW in 2024) and annualised
  revenue went from $2B to $6B (OpenAI CFO blog post, Jan 2026). It multi-sourced: Nvidia GPUs
  through Microsoft and Oracle, AMD (MI300X in 2024, a 6 GW deal in Oct 2025), and its own chip,
  designed with Broadcom and made at TSMC (Reuters, Oct 2024; 10 GW Broadcom deal, Oct 2025). It
  raised big rounds from sovereign funds and SoftBank, accepting dilution but keeping control in
  the non-profit: $6.6B at a $157B valuation in Oct 2024 with MGX, SoftBank and others, plus a $4B
  credit line (press reports); $40B at $300B led by SoftBank in Mar 2025. *Here*: starts its own
  chip programme at once (if it can pay for it and a year of running costs) and reserves foundry
  wafers for it when it is ready, paying up to 10 % over list; signs supply
  contracts with every designer (the leader gets the largest share, each rival at least a fifth)
  toward a compute path that triples a year (``compute_growth``); raises 4.2 % of its valuation
  in equity plus a 2.5 % credit line in 2024Q4 and 13.3 % led by SoftBank in 2025Q1 (the two
  rounds' amount over valuation), and whenever its runway is under a year; never sells control
  below ``control_floor``; borrows beyond that.
- **Nvidia** (designer). Kept prices and margins high (H100 ~$25–40k, FT/CNBC; gross margin 72.7 %
  in FY24 and 75 % in FY25, Nvidia 10-K), allocated scarce supply to committed customers, booked
  most of TSMC's CoWoS capacity a year or more ahead (TrendForce, DigiTimes), and from 2025 made
  investment-for-purchase deals with labs (up to $100B in OpenAI as it deploys Nvidia systems,
  letter of intent Sept 2025; stakes in xAI and CoreWeave). Data-centre revenue grew about 16 % a
  quarter in 2024 ($22.6B to $35.6B, Nvidia results). *Here*: prices for a ``target_margin`` gross
  margin and never below the reference price, raising when stock is short and cutting only when
  it piles up; reserves wafers ``reserve_ahead`` quarters ahead on 8-quarter contracts for most
  of its projected sales and buys the rest spot; sells supply contracts with prepayment to labs;
  sells no equity; from 2025Q3 offers the largest lab vendor financing.
- **TSMC** (foundry). Raised wafer prices steadily (N5 $16k and N3 $20k in 2024, increases of a few
  percent a year since, DigiTimes), built against customers' commitments rather than on
  speculation, expanded CoWoS packaging from ~13k to ~35k wafers a month in 2024 (TrendForce), and
  built in Arizona with CHIPS Act support ($6.6B award, Apr 2024; $65B for three fabs, US
  Commerce Dept). 2024 revenue $90.1B, gross margin 56.1 %, capex $29.8B (TSMC, Jan 2025).
  *Here*: raises its wafer price ``price_rise`` a quarter while busy, holds it when less busy and
  cuts it only when idle; builds a fab only when signed capacity contracts fill its capacity (in
  the US when a subsidy is in force and US customers have signed for more than its US fabs make,
  in Taiwan otherwise); grows packaging ``packaging_growth``-fold over the first year, then ahead
  of the chip makers' use; runs a partner's fab (as with JASM and ESMC) one at a time, when the
  partner pays at least its share of the output. (Its $29.8B capex is not copied: most of it is
  for nodes and customers outside the game.)
- **MGX** (UAE). Founded Mar 2024 by Mubadala and G42 with a $100B target (Bloomberg); invested in
  OpenAI's Oct 2024 and Mar 2025 rounds and in Stargate (Jan 2025); partner of Stargate UAE, a
  5 GW campus whose first 1 GW phase (200 MW in 2026) was announced in May 2025 with G42, OpenAI,
  Oracle and Nvidia, after US export approvals. *Here*: buys OpenAI (or the largest lab) stakes in
  2024Q4 and 2025Q1 and backs lab rounds generously; funds a ``campus_gw`` UAE campus in 2025Q2
  and grows it to 1 GW once it holds an export licence; fills it with accelerators.
- **PIF** (Saudi Arabia). Announced a $100B AI programme (Project Transcendence, Nov 2024) and
  launched HUMAIN (May 2025) to build Saudi data centres (1.9 GW by 2030) with Nvidia and AMD
  chips; takes stakes in AI and chip companies. *Here*: funds a campus half again as large as
  ``campus_gw`` in 2025Q2, grows it with a licence, fills it, and takes a yearly stake in the
  largest lab and the largest designer.
- **QIA** (Qatar). Took stakes in labs (Anthropic's 2025 rounds, xAI) and set up Qai with
  Brookfield (Dec 2025) for domestic AI infrastructure. *Here*: a yearly stake in a lab other
  than OpenAI when there is one, and a campus half the size of ``campus_gw`` in 2025Q4.
- **SoftBank** (Japan). Led Stargate (Jan 2025) and OpenAI's $40B round (Mar 2025, $30B of it
  SoftBank's), financed with bridge loans, and converted the Sakai plant into a ~150 MW AI data
  centre with OpenAI (2025). *Here*: leads the largest lab's round in 2025Q1 (equity up to half
  its cash, plus a loan), backs lab rounds and lends to labs short of cash, and funds a small
  Japanese campus in 2025Q3 that it fills.

Role-generic fallbacks: a lab follows OpenAI's rules without the dated rounds; the designer with
the largest market share follows Nvidia's, the others price 30 % under the leader (AMD's MI300X
was priced well under the H100) and sell supply contracts; the foundry with the most capacity
follows TSMC's, the others price 10 % under it; a Gulf fund funds a ``campus_gw`` campus after a
year and takes a yearly lab stake; any other fund backs lab rounds and lends.
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
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["HistoricalPolicy"]

#: Named actors' playbooks, by (name, role); any other actor gets its role's generic playbook.
PLAYBOOKS: dict[tuple[str, str], str] = {
    ("OpenAI", "lab"): "openai",
    ("Nvidia", "designer"): "nvidia",
    ("TSMC", "foundry"): "tsmc",
    ("MGX", "investor"): "mgx",
    ("PIF", "investor"): "pif",
    ("QIA", "investor"): "qia",
    ("SoftBank", "investor"): "softbank",
}

#: Funding rounds of OpenAI: (first quarter, equity as a share of valuation, credit line as a
#: share of valuation, lead investor). Oct 2024: $6.6B at $157B plus a $4B credit line; Mar 2025:
#: $40B at $300B led by SoftBank.
OPENAI_ROUNDS = (("2024Q4", 6.6 / 157, 4.0 / 157, "MGX"), ("2025Q1", 40 / 300, 0.0, "SoftBank"))

#: Sovereign campuses: actor -> (first quarter, size as a multiple of ``campus_gw``, size to grow to
#: with a licence, as a multiple of ``campus_gw``).
CAMPUSES = {
    "mgx": ("2025Q2", 1.0, 5.0),  # Stargate UAE: 200 MW in 2026 of a first 1 GW phase
    "pif": ("2025Q2", 1.5, 5.0),  # HUMAIN
    "qia": ("2025Q4", 0.5, 1.5),  # Qai
    "softbank": ("2025Q3", 0.75, 0.75),  # Sakai
}


class HistoricalPolicy(BasicPolicy):
    """Each baseline-2024 actor follows its 2024–25 strategy; others a role-generic one."""

    name = "historical"
    description = "each 2024 actor plays what it actually did in 2024-25 (role-generic otherwise)"
    parameters: ClassVar[dict[str, Param]] = {
        "compute_growth": Param(
            3.0, 1.0, 6.0, "labs' compute growth target a year (OpenAI: 0.2 to 0.6 GW in 2024)"
        ),
        "target_margin": Param(
            0.75, 0.3, 0.9, "the leading designer's gross margin target (Nvidia FY25: 75%)"
        ),
        "reserve_ahead": Param(4, 1, 12, "quarters ahead a designer reserves wafer capacity"),
        "price_rise": Param(
            0.015, 0.0, 0.1, "the leading foundry's wafer price rise a quarter while busy (TSMC)"
        ),
        "packaging_growth": Param(
            2.7, 1.0, 4.0, "packaging growth over the first year (CoWoS 13k to 35k wafers/month)"
        ),
        "campus_gw": Param(0.2, 0.05, 2.0, "first phase of a sovereign campus, GW (Stargate UAE)"),
        "control_floor": Param(0.35, 0.2, 0.9, "lowest control a lab keeps when it raises equity"),
        "risk": Param(0.5, 0.0, 1.0, "share of spare cash it is willing to commit"),
        "margin": Param(0.05, 0.0, 0.5, "how far from a fair price it accepts without countering"),
        "trust_weight": Param(
            0.4, 0.0, 2.0, "how much better terms it asks of a counterparty it trusts less"
        ),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.reset(0)

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._done: list[str] = []  # dated moves already made
        self._subsidy_until = -1  # last quarter a fab subsidy is in force
        self._last_q = -1
        self._sold: list[float] = []  # own units (or wafers) sold per quarter
        self._pkg_base: float | None = None  # foundry: packaging capacity at the start
        self._c0: float | None = None  # lab: compute at the start (its compute path's base)
        self._granted = 0.0  # lab: stakes granted in the current answer round
        self._asking = False  # lab: it asked investors for money this quarter
        self._failed = 0  # lab: rounds in a row that raised nothing

    # =========================================================================== helpers
    def _playbook(self, obs: Observation) -> str:
        named = PLAYBOOKS.get((obs.actor, obs.role))
        if named is not None:
            return named
        pub = obs.public
        if obs.role == "lab":
            return "lab"
        if obs.role == "designer":
            top = max(
                (n for n, p in pub.items() if p["role"] == "designer"),
                key=lambda n: float(pub[n]["market_share"]),
            )
            return "leader" if top == obs.actor else "challenger"
        if obs.role == "foundry":
            top = max(
                (n for n, p in pub.items() if p["role"] == "foundry"),
                key=lambda n: float(pub[n]["capacity"]),
            )
            return "leader" if top == obs.actor else "follower"
        return "gulf" if pub[obs.actor]["country"] in GULF_COUNTRIES else "fund"

    def _due(self, obs: Observation, key: str, label: str) -> bool:
        """Whether a dated move is due now (on or after ``label``) and not yet made."""
        return obs.label >= label and key not in self._done

    def _track(self, obs: Observation) -> None:
        if obs.quarter == self._last_q:
            return
        self._last_q = obs.quarter
        for line in obs.news:
            if line.startswith("Fab subsidy"):
                n = quarters_in(line)
                self._subsidy_until = max(self._subsidy_until, obs.quarter + n - 1)
        if obs.role in ("designer", "foundry") and obs.quarter > 0:
            self._sold.append(float(obs.books["sold"]))
            del self._sold[:-8]
        if obs.role == "lab" and self._asking:  # did last quarter's round raise anything?
            got = any(
                c["start"] == obs.quarter - 1 and c["parties"][1] == obs.actor
                for c in obs.contracts
                if c["kind"] in ("equity", "loan")
            )
            self._failed = 0 if got else self._failed + 1
            self._asking = False

    @staticmethod
    def _mine(obs: Observation, kind: str, index: int) -> list[Mapping[str, Any]]:
        """My active contracts of a kind where I am party ``index`` (0 first, 1 second)."""
        return [
            c
            for c in obs.contracts
            if c["kind"] == kind and c["status"] == "active" and c["parties"][index] == obs.actor
        ]

    @staticmethod
    def _left(c: Mapping[str, Any]) -> int:
        return int(c["terms"]["quarters"]) - int(c["quarters_done"])

    @staticmethod
    def _uncommitted(obs: Observation, foundry: str) -> float:
        p = obs.public[foundry]
        total = float(p["capacity"]) + float(p["capacity_building"])
        promised = 0.0
        for c in obs.contracts:
            if c["status"] == "active" and c["parties"][1] == foundry:
                t = c["terms"]
                if c["kind"] == "capacity":
                    promised += t["wafers"]
                elif c["kind"] == "joint_venture":
                    promised += t["capacity"] * t["partner_output_share"]
        return max(0.0, 0.95 * total - promised)

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

    # =========================================================================== judging
    def respond(self, obs: Observation) -> list[Decision]:
        self._granted = 0.0  # stakes granted in this answer round
        return super().respond(obs)

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
        book = self._playbook(obs)
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
                if control - t["stake"] < self.params["control_floor"]:
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

    def _judge_jv(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """Operate a partner's fab as TSMC runs JASM and ESMC: one build at a time, partners
        paying at least their share of the output, and its own share of capex affordable."""
        building = any(left > 0 for _, _, _, left in obs.public[obs.actor]["fabs"])
        lag = SITES[t["site"]]["build_quarters"]
        mine = (
            t["capacity"]
            * NODES[t["node"]]["capex_per_kwafer"]
            * SITES[t["site"]]["capex_factor"]
            * (1 - t["partner_capex_share"])
        )
        if (
            building
            or mine > 0.3 * self._cash(obs)
            or obs.quarters_left < lag + 4
            or t["partner_capex_share"] < t["partner_output_share"]
        ):
            return None
        return True if t["operator_fee"] >= 0.05 else {**t, "operator_fee": 0.05}

    def _judge_wafers(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """A foundry signs what its capacity allows at its list price."""
        price = float(obs.public[obs.actor]["wafer_price"])
        free = self._uncommitted(obs, obs.actor)
        if t["wafers"] > free:
            return (
                {**t, "wafers": 0.9 * free, "price": max(price, t["price"])} if free > 1 else None
            )
        if t["price"] >= price * (1 - self.params["margin"]):
            return True
        return {**t, "price": price}

    # =========================================================================== labs
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
                    self._uncommitted(obs, f),
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

    # =========================================================================== designers
    def _leader_price(self, obs: Observation) -> float:
        pub = obs.public
        top = max(
            (n for n, p in pub.items() if p["role"] == "designer" and not p["insolvent"]),
            key=lambda n: float(pub[n]["market_share"]),
        )
        return float(pub[top]["gpu_price"])

    def _unit_cost(self, obs: Observation) -> float:
        b, gen = obs.books, float(obs.market["generation"])
        wafer = min(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(obs.market["wafer_reference_price"]),
        )
        return (wafer / float(b["dies_per_wafer"]) + float(b["unit_cost"])) / gen

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        sold = max(float(obs.public[obs.actor]["sold"]), 1.0)
        inv = float(b["inventory"])
        cost = self._unit_cost(obs)
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            if self._playbook(obs) == "challenger":
                # Undercut the leader (MI300X was priced well under the H100), keep a margin.
                want = max(0.7 * self._leader_price(obs), 1.3 * cost)
            else:
                ref = float(obs.market["gpu_reference_price"])
                want = max(ref, cost / (1 - self.params["target_margin"]))
                if inv < 0.3 * sold:
                    want = max(want, price * 1.05)  # scarce: allocation, not discounts
                elif inv > 1.5 * sold:
                    want = min(want, price * 0.93)  # clear the stock before it is written down
            new = clamp(want, price * 0.9, price * 1.1)
            if abs(new - price) > 0.005 * price:
                out.append(SetGpuPrice(clamp(new, lo, hi)))
        need = self._wafer_shortfall(obs)
        if need > 0.5 and "buy_spot_wafers" in legal:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = min(fs, key=lambda n: float(obs.public[n]["wafer_price"]))
            wp = float(obs.public[f]["wafer_price"])
            qty = min(need, 0.5 * self._cash(obs) * 1000 / wp)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
        return out

    def _expected_sales(self, obs: Observation, ahead: int) -> float:
        """Units a quarter it expects to sell ``ahead`` quarters on (its sales, on trend)."""
        m = obs.market
        share = float(obs.public[obs.actor]["market_share"])
        price = float(obs.public[obs.actor]["gpu_price"])
        outside = float(m["gpu_demand"]) * share * (price / float(m["gpu_reference_price"])) ** -1.2
        owed = sum(c["terms"]["quantity"] for c in self._mine(obs, "supply", 1))
        owed += sum(c["terms"]["quantity"] for c in self._mine(obs, "vendor_financing", 0))
        last = self._sold[-4:]
        recent = sum(last) / len(last) - owed if last else 0.0  # sales beyond the contracts
        base = max(outside, recent)
        g = 0.0
        if len(self._sold) >= 5 and self._sold[-5] > 0:  # its own sales trend, at most 16 % a
            g = clamp((self._sold[-1] / self._sold[-5]) ** 0.25 - 1, 0.0, 0.16)  # quarter
        return base * (1 + g) ** ahead + owed

    def _wafer_shortfall(self, obs: Observation) -> float:
        """Wafers this quarter's sales need beyond stock and reserved wafers."""
        b, gen = obs.books, float(obs.market["generation"])
        per = float(b["dies_per_wafer"]) * gen
        reserved = sum(c["terms"]["wafers"] for c in self._mine(obs, "capacity", 0))
        want = self._expected_sales(obs, 0) - float(b["inventory"])
        return max(0.0, want / per - reserved)

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        b = obs.books
        out: list[Propose | None] = []
        book = self._playbook(obs)
        gen = float(obs.market["generation"])
        ahead = int(self.params["reserve_ahead"])
        # Reserve foundry capacity well ahead, on long contracts, for projected sales.
        # Flat contracts for a rising need: reserve for the middle of the period ahead.
        per_future = float(b["dies_per_wafer"]) * gen * 2 ** (ahead / 20)
        target = 0.85 * self._expected_sales(obs, ahead // 2) / per_future  # the rest spot
        sold = max(float(obs.public[obs.actor]["sold"]), 1.0)
        if float(b["inventory"]) > sold:
            target = 0.0  # stock is piling up: no new reservations
        held = sum(
            c["terms"]["wafers"] for c in self._mine(obs, "capacity", 0) if self._left(c) > 1
        )
        foundries = obs.legal.partners.get("capacity", ())
        if target - held > max(1.0, 0.2 * target) and foundries:
            f = max(
                foundries,
                key=lambda n: (float(obs.public[n]["packaging_capacity"]), obs.trust_in[n]),
            )
            wp = float(obs.public[f]["wafer_price"])
            wafers = min(target - held, self._uncommitted(obs, f))
            if wafers >= 1 and 0.05 * wafers * wp * 8 / 1000 < 0.3 * self._cash(obs):
                out.append(
                    self._offer(
                        obs,
                        f,
                        "capacity",
                        {"wafers": wafers, "quarters": 8, "price": wp, "prepay": 0.05},
                    )
                )
        # Allocate supply to committed customers: contracts with prepayment, at list price.
        price = float(obs.public[obs.actor]["gpu_price"])
        customers = {c["parties"][0] for c in self._mine(obs, "supply", 1) if self._left(c) > 1}
        for lab in obs.legal.partners.get("supply", ()):
            if lab in customers or len(out) >= obs.legal.proposals_left:
                continue
            p = obs.public[lab]
            can_pay = 0.2 * (float(p["cash"]) / 4 + float(p["revenue"]))
            qty = min(can_pay * 1000 / price, 0.15 * max(self._sold[-1:], default=10.0))
            if qty >= 2:
                out.append(
                    self._offer(
                        obs,
                        lab,
                        "supply",
                        {"quantity": qty, "quarters": 4, "price": price, "prepay": 0.1},
                    )
                )
        # Investment for purchases: Nvidia's 2025 deals (OpenAI, xAI); others only in need.
        if book in ("nvidia", "leader") and len(out) < obs.legal.proposals_left:
            out += self._vendor_financing(obs, book)
        return out

    def _vendor_financing(self, obs: Observation, book: str) -> list[Propose | None]:
        labs = obs.legal.partners.get("vendor_financing", ())
        if not labs:
            return []
        financed = {
            c["parties"][1] for c in self._mine(obs, "vendor_financing", 0) if self._left(c) > 1
        }
        cands = [n for n in labs if n not in financed]
        if not cands:
            return []
        lab = max(cands, key=lambda n: float(obs.public[n]["revenue"]))
        p = obs.public[lab]
        dated = book == "nvidia" and self._due(obs, "vendor financing", "2025Q3")
        in_need = p["distressed"] or float(p["cash"]) < 2.0
        if not (dated or (book == "leader" and in_need and obs.quarter >= 4)):
            return []
        if dated:
            self._done.append("vendor financing")
        val = max(1.0, float(p["valuation"]))
        amount = min(0.1 * self._cash(obs), 0.05 * val)
        stake = amount / val * 0.98
        if amount < 0.2 or float(p["control"]) - stake < 0.4:
            return []
        price = float(obs.public[obs.actor]["gpu_price"])
        qty = 2 * amount * 1000 / price / 8  # the lab spends it back, twice over, on our chips
        return [
            self._offer(
                obs,
                lab,
                "vendor_financing",
                {"amount": amount, "stake": stake, "quantity": qty, "quarters": 8, "price": price},
            )
        ]

    # =========================================================================== foundries
    def _moves_foundry(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        book = self._playbook(obs)
        util = float(pub["utilisation"])
        price = float(pub["wafer_price"])
        if "set_wafer_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_wafer_price"]["price"]
            want = price
            if util >= 0.9:
                want = price * (1 + self.params["price_rise"])
            elif util < 0.8:
                want = price * 0.97
            if book == "follower":
                leader = max(
                    (p for p in obs.public.values() if p["role"] == "foundry"),
                    key=lambda p: float(p["capacity"]),
                )
                want = min(want, 0.9 * float(leader["wafer_price"]))
            want = max(want, float(b["wafer_cost"]) * 1.3)
            if abs(want - price) > 1e-6:
                out.append(SetWaferPrice(clamp(want, lo, hi)))
        if "build_fab" in legal:
            out.append(self._fab_against_contracts(obs))
        if "build_packaging" in legal:
            out.append(self._packaging(obs, book))
        return out

    def _fab_against_contracts(self, obs: Observation) -> BuildFab | None:
        """A fab only for signed demand: when contracts fill the capacity it has or builds."""
        pub = obs.public[obs.actor]
        total = float(pub["capacity"]) + float(pub["capacity_building"])
        promised = 0.95 * total - self._uncommitted(obs, obs.actor)
        lo, hi = obs.legal.moves["build_fab"]["capacity"]
        node = "N2" if obs.label >= "2025Q4" else "N3"  # TSMC N2 volume production, late 2025
        cash = self._cash(obs)
        # Arizona: with a subsidy in force, for what US customers signed beyond US capacity.
        if self._subsidy_until >= obs.quarter:
            us_cap = sum(cap for _, site, cap, _ in pub["fabs"] if site == "us")
            us_signed = sum(
                c["terms"]["wafers"]
                for c in self._mine(obs, "capacity", 1)
                if obs.public[c["parties"][0]]["country"] == "US"
            )
            size = us_signed - us_cap
            capex = size * NODES[node]["capex_per_kwafer"] * SITES["us"]["capex_factor"] * 0.75
            if size >= max(lo, 5.0) and capex / SITES["us"]["build_quarters"] < 0.2 * cash:
                return BuildFab(node, "us", clamp(size, lo, hi))
        if promised < 0.85 * 0.95 * total:
            return None
        size = promised / 0.85 - 0.95 * total + 0.1 * total
        capex = size * NODES[node]["capex_per_kwafer"] * SITES["taiwan"]["capex_factor"]
        lag = SITES["taiwan"]["build_quarters"]
        if size < lo or capex / lag > 0.25 * cash or obs.quarters_left < lag + 4:
            return None
        return BuildFab(node, "taiwan", clamp(size, lo, hi))

    def _packaging(self, obs: Observation, book: str) -> BuildPackaging | None:
        """CoWoS: TSMC's 2024 expansion, then ahead of the chip makers' use."""
        b, pub = obs.books, obs.public[obs.actor]
        have = float(pub["packaging_capacity"]) + float(b["packaging_building"])
        lag = obs.rules.packaging_build_quarters
        gen = float(obs.market["generation"])
        makers = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        total_pkg = sum(
            float(p["packaging_capacity"]) for p in obs.public.values() if p["role"] == "foundry"
        )
        share = float(pub["packaging_capacity"]) / max(total_pkg, 1e-9)
        use = share * makers / (obs.rules.packages_per_wafer * gen)
        target = 1.3 * use
        if self._pkg_base is None:
            self._pkg_base = float(pub["packaging_capacity"])
        if book in ("tsmc", "leader") and obs.quarter < 4:
            # The first year's expansion (CoWoS ~2.7x in 2024), ordered a build lag ahead.
            year = self.params["packaging_growth"] ** (min(4, obs.quarter + lag) / 4)
            target = max(target, self._pkg_base * year)
        add = target - have
        lo, hi = obs.legal.moves["build_packaging"]["capacity"]
        if add < max(
            lo, 0.05 * have
        ) or add * obs.rules.packaging_capex_per_kwafer > 0.2 * self._cash(obs):
            return None
        return BuildPackaging(clamp(add, lo, hi))

    def _propose_foundry(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        return []  # customers come to it

    # =========================================================================== investors
    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        out: list[Propose | None] = []
        book = self._playbook(obs)
        cash = self._cash(obs)
        labs = [n for n in obs.legal.partners.get("equity", ()) if obs.public[n]["role"] == "lab"]
        if not labs or cash < 2:
            return out
        biggest = max(labs, key=lambda n: float(obs.public[n]["revenue_run_rate"]))
        openai = "OpenAI" if "OpenAI" in labs else biggest
        if book == "mgx":
            for label in ("2024Q4", "2025Q1"):  # OpenAI's two rounds
                if self._due(obs, f"stake {label}", label):
                    self._done.append(f"stake {label}")
                    out.append(self._stake(obs, openai, 0.03))
        elif book == "softbank":
            if self._due(obs, "lead round", "2025Q1"):  # led OpenAI's $40B round, with loans
                self._done.append("lead round")
                val = max(1.0, float(obs.public[openai]["valuation"]))
                out.append(self._stake(obs, openai, min(0.1, 0.45 * cash / val)))
                out.append(
                    self._offer(
                        obs,
                        openai,
                        "loan",
                        {
                            "principal": 0.15 * cash,
                            "rate": float(obs.market["base_rate"]) + 0.04,
                            "quarters": 8,
                        },
                    )
                )
        elif book in ("pif", "qia", "gulf") and obs.quarter % 4 == 3:
            target = biggest
            if book == "qia":  # Anthropic and xAI rather than OpenAI
                others = [n for n in labs if n != "OpenAI"]
                pref = [n for n in ("Anthropic", "xAI") if n in others]
                target = (
                    pref[0]
                    if pref
                    else (
                        max(others, key=lambda n: float(obs.public[n]["revenue_run_rate"]))
                        if others
                        else biggest
                    )
                )
            out.append(self._stake(obs, target, 0.02))
            if book == "pif":
                designers = [
                    n
                    for n in obs.legal.partners.get("equity", ())
                    if obs.public[n]["role"] == "designer"
                ]
                if designers:
                    d = max(designers, key=lambda n: float(obs.public[n]["market_share"]))
                    out.append(self._stake(obs, d, 0.005))
        # Backing labs short of cash: SoftBank and other funds lend (SoftBank's bridge loans).
        if book in ("softbank", "fund"):
            for lab in labs:
                p = obs.public[lab]
                if (p["distressed"] or float(p["cash"]) < 1.0) and len(out) < 2:
                    out.append(
                        self._offer(
                            obs,
                            lab,
                            "loan",
                            {
                                "principal": min(0.1 * cash, 5.0),
                                "rate": float(obs.market["base_rate"]) + 0.04,
                                "quarters": 8,
                            },
                        )
                    )
        return out

    def _stake(self, obs: Observation, company: str, share: float) -> Propose | None:
        """An offer to buy ``share`` of a company at its public valuation (within means)."""
        p = obs.public[company]
        val = max(1.0, float(p["valuation"]))
        amount = min(share * val, 0.3 * self._cash(obs))
        stake = amount / val
        if amount < 0.2 or float(p["control"]) - stake < 0.36:
            return None
        return self._offer(obs, company, "equity", {"amount": amount, "stake": stake})

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        b, pub = obs.books, obs.public[obs.actor]
        out: list[Decision | None] = []
        legal = obs.legal.moves
        book = self._playbook(obs)
        cash = self._cash(obs)
        unit = self.params["campus_gw"]
        if "fund_campus" in legal and float(b["campus_building_gw"]) == 0:
            gw = 0.0
            plan = CAMPUSES.get(book)
            if plan is not None:
                label, first, full = plan
                if self._due(obs, "campus", label):
                    gw = first * unit
                elif "campus" in self._done and pub["licence"]:
                    room = float(b["campus_room"]) / (500 * float(obs.market["generation"]))
                    if room < 0.25 * float(pub["campus_gw"]):  # nearly full: the next phase
                        gw = min(full * unit - float(pub["campus_gw"]), float(pub["campus_gw"]))
            elif book == "gulf" and obs.quarter >= 4 and float(pub["campus_gw"]) == 0:
                gw = unit
            lo, hi = legal["fund_campus"]["gw"]
            cost = gw * obs.rules.campus_capex_per_gw
            if (
                gw >= lo
                and cost < 0.5 * cash
                and obs.quarters_left > obs.rules.campus_build_quarters
            ):
                self._done.append("campus")
                out.append(FundCampus(clamp(gw, lo, hi)))
        if "buy_spot_gpus" in legal:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, self.params["risk"] * 0.5 * cash * 1000 / price)
            if qty >= lo:
                out.append(BuySpotGpus(d, qty))
        return out
