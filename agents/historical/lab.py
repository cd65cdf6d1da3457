"""The historical policy as a lab: OpenAI's 2024–25 strategy, and its stated plans beyond.

**OpenAI** (lab). Compute went 0.2 GW (2023) -> 0.6 GW (2024) -> 1.9 GW (2025) and annualised
revenue $2B -> $6B -> $20B+ (OpenAI CFO blog post, Jan 2026). It bought Nvidia GPUs (through
Microsoft, Oracle and CoreWeave's clouds), AMD's (MI300X in 2024, 6 GW deal Oct 2025), and from
2026 its own chip with Broadcom (reported 2024, 10 GW deal Oct 2025). Power: Stargate with
SoftBank, Oracle and MGX (Jan 2025, US campuses leased to OpenAI), Stargate UAE with G42 and MGX
(May 2025, after US export approval), and the clouds. Money: $6.6B at $157B in Oct 2024 with a $4B
credit line; $40B at $300B led by SoftBank in Mar 2025; ~$100B sought at ~$750-830B for 2026
(press reports, Dec 2025); the non-profit kept ~26 % of the company after the Oct 2025
recapitalisation. In 2024 Altman sought Gulf money for a network of fabs (WSJ, Feb 2024).

*Here*:

- **Power first** (:mod:`agents.historical.power`): it fills what is powered with chips and buys
  none it cannot power; it plans its power a campus build ahead along OpenAI's path as far as a
  GW more pays, leases campuses investors offer (SoftBank's Stargate, MGX's UAE campus once
  licensed) at about the clouds' rent, and pays for campuses of its own (its part of Stargate) for
  what no landlord has free, as its cash allows.
- **Chips**: supply contracts a year long with every designer for the chips its power will take
  (the leader the largest share, each rival at least a fifth), the rest spot; its own chips,
  once ready, for about a third of new chips, on wafers reserved at a foundry.
- **Its own chip and the fab** (:mod:`agents.historical.bets`): started only when the projection
  says they pay in this game; the fab only with a programme under way, after Gulf funds have put
  up its share of the capex.
- **Money** (:mod:`agents.historical.money`): the dated rounds (:data:`OPENAI_ROUNDS`) at the
  public valuation, a share of it as the real rounds sold, along OpenAI's path of dilution down
  to ``control_floor``; a round whenever its cash plan will not carry it; loans beyond that, up
  to a year of its revenue.

Any other lab follows OpenAI's rules without the dated rounds, on the power path scaled to its
size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.historical.bets import JV_TERMS, OWN_SHARE
from agents.historical.money import CASH_AHEAD, OPENAI_ROUNDS, LabMoney
from agents.historical.power import GW_KH100E, PLAN_AHEAD
from agents.tactics import clamp
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    FundCampus,
    Propose,
    StartChipProgramme,
)
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["OPENAI_ROUNDS", "LabPlaybook"]


#: Stargate's announcement: OpenAI's first campuses (before, Microsoft's and Oracle's clouds).
STARGATE_FROM = "2025Q1"
#: The earliest quarter OpenAI weighs its own chip (its Broadcom talks were reported mid-2024).
PROGRAMME_FROM = "2024Q3"
#: Rent it offers for a lease, times the clouds' rent a GW (a campus of its own is firm power).
LEASE_PREMIUM = 1.1


class LabPlaybook(LabMoney):
    """The historical lab: power, chips, its own chip and fab bets, and money.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    # =================================================================== power
    def _landlord_free_gw(self, obs: Observation, landlord: str) -> float:
        """GW of a landlord's campus that is neither leased out nor filled with its own chips
        (its own chips' power taken at today's generation: a lower bound)."""
        p = obs.public[landlord]
        if p["role"] != "investor":
            return 0.0
        if p["country"] in GULF_COUNTRIES and not p["licence"]:
            return 0.0
        leased = sum(
            float(c["terms"]["gw"])
            for c in obs.contracts
            if c["kind"] == "lease" and c["status"] == "active" and c["parties"][1] == landlord
        )
        own = float(p["compute"]) / (GW_KH100E * float(obs.market["generation"]))
        return max(0.0, float(p["campus_gw"]) - leased - own)

    def _gw_cost(self, obs: Observation) -> float:
        """$B a new GW costs it over its first half year: the chips that fill it, rent and
        hosting."""
        chips = self._chip_price(obs) * float(obs.market["generation"]) * GW_KH100E / 1000
        rent = LEASE_PREMIUM * float(obs.market_params["cloud_rent"])
        hosting = float(obs.rules.hosting_cost) * GW_KH100E
        return chips + 2 * (rent + hosting)

    def _affordable_gw(self, obs: Observation) -> float:
        """GW more it can fill and run for half a year from the cash it may commit."""
        return max(0.0, self._liquid(obs)) / self._gw_cost(obs)

    def _lease_want(self, obs: Observation) -> float:
        """GW it would lease now: what its plan lacks a year ahead, as far as it can fill it."""
        short = max(0.0, self._target_gw(obs, 4) - self._powered_gw(obs, 4))
        return min(short, self._affordable_gw(obs))

    def _leases(self, obs: Observation) -> list[Propose | None]:
        """Ask landlords with free campus for the power its plan lacks, at about the clouds'
        rent (those that already offered are answered in :meth:`_judge`)."""
        want = self._lease_want(obs)
        if want < 0.05:
            return []
        offered = {o["proposer"] for o in obs.inbox if o["kind"] == "lease"}
        offered |= {o["recipient"] for o in obs.sent if o["kind"] == "lease"}
        out: list[Propose | None] = []
        rent = LEASE_PREMIUM * float(obs.market_params["cloud_rent"])
        for inv in sorted(
            obs.legal.partners.get("lease", ()),
            key=lambda n: -self._landlord_free_gw(obs, n),
        ):
            free = self._landlord_free_gw(obs, inv)
            if inv in offered or free < 0.05 or want < 0.05:
                continue
            gw = min(want, 0.95 * free)
            quarters = max(1, min(20, obs.quarters_left - 1))
            out.append(
                self._offer(obs, inv, "lease", {"gw": gw, "quarters": quarters, "rent": rent})
            )
            want -= gw
        return out

    def _hist_campus_move(self, obs: Observation) -> FundCampus | None:
        """Its own campus (its part of Stargate) for the power short a build ahead that no
        landlord has free, as far as its cash allows."""
        legal = obs.legal.moves.get("fund_campus")
        if legal is None or obs.quarters_left <= PLAN_AHEAD + 2:
            return None
        if self._playbook(obs) == "openai" and obs.label < STARGATE_FROM:
            return None  # its campuses came with Stargate (Jan 2025); the clouds before
        short = self._power_short(obs)
        short -= sum(self._landlord_free_gw(obs, n) for n in obs.others("investor"))
        per_gw = float(obs.build_costs["campus"]["capex_per_gw"])
        lag = int(obs.build_costs["campus"]["build_quarters"])
        ahead = min(CASH_AHEAD, lag)  # the instalments its cash plan sees
        afford = max(0.0, 0.5 * self._spare(obs)) / (per_gw * ahead / lag)
        gw = min(short, afford)
        lo, hi = legal["gw"]
        if gw < max(lo, 0.05) or gw * per_gw / lag > self._cash(obs):
            return None
        gw = clamp(gw, lo, hi)
        self._campus.append([float(obs.quarter + lag - 1), gw])
        return FundCampus(gw)

    # =================================================================== chips
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
        """k wafers a quarter of a foundry's packaging the chip makers leave free."""
        gen = float(obs.market["generation"])
        pkg = float(obs.public[foundry]["packaging_capacity"])
        used = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer")
        total = sum(
            float(p["packaging_capacity"]) for p in obs.public.values() if p["role"] == "foundry"
        )
        return max(0.0, pkg - pkg / max(total, 1e-9) * used / (obs.rules.packages_per_wafer * gen))

    def _per_wafer(self, obs: Observation) -> float:
        r = obs.rules
        return r.own_chip_efficiency * r.packages_per_wafer * float(obs.market["generation"])

    def _own_wafers(self, obs: Observation) -> float:
        """k own-chip wafers a quarter coming to it: reserved wafers and its fabs' share."""
        wafers = sum(c["terms"]["wafers"] for c in self._mine(obs, "capacity", 0))
        for c in self._mine(obs, "joint_venture", 0):
            t = c["terms"]
            f = obs.public[c["parties"][1]]
            if any(
                node == t["node"] and site == t["site"] and cap == t["capacity"] and left == 0
                for node, site, cap, left in f["fabs"]
            ):
                wafers += t["capacity"] * t["partner_output_share"] * 0.85
        return wafers

    def _deliveries(self, obs: Observation) -> float:
        """kH100e coming to it this quarter under contract: merchant chips and its own."""
        merchant = sum(c["terms"]["quantity"] for c in self._mine(obs, "supply", 0))
        merchant += sum(c["terms"]["quantity"] for c in self._mine(obs, "vendor_financing", 1))
        ready = obs.books["programme_quarters_left"] == 0
        return merchant + (self._own_wafers(obs) * self._per_wafer(obs) if ready else 0.0)

    def _supply(self, obs: Observation) -> list[Propose | None]:
        """A year's supply contract with each designer for the chips its power will take."""
        designers = obs.legal.partners.get("supply", ())
        if not designers:
            return []
        gen = float(obs.market["generation"])
        growth = self._growth_gw(obs) * GW_KH100E * gen  # kH100e a quarter its power opens
        if obs.books["programme_quarters_left"] is not None:
            growth *= 1 - OWN_SHARE  # its own chips take a part
        signed = {c["parties"][1] for c in self._mine(obs, "supply", 0) if self._left(c) > 1}
        signed |= {
            c["parties"][0] for c in self._mine(obs, "vendor_financing", 1) if self._left(c) > 1
        }
        offered = {o["proposer"] for o in obs.inbox if o["kind"] in ("supply", "vendor_financing")}
        free = [d for d in designers if d not in signed and d not in offered]
        budget = max(0.0, self._liquid(obs)) * self.params["risk"]
        shares = self._vendor_shares(obs, designers)
        out: list[Propose | None] = []
        for d in free:
            price = float(obs.public[d]["gpu_price"])
            qty = min(0.8 * growth * shares[d], budget * shares[d] * 1000 / price / 4)
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

    def _own_chip_wafers(self, obs: Observation) -> list[Propose | None]:
        """Wafers reserved for its own chips from the quarter they are ready."""
        left = obs.books["programme_quarters_left"]
        if left is None or left > 1:
            return []
        if any(self._left(c) > 1 for c in self._mine(obs, "capacity", 0)):
            return []
        foundries = obs.legal.partners.get("capacity", ())
        if not foundries:
            return []
        f = max(foundries, key=lambda n: float(obs.public[n]["packaging_capacity"]))
        gen = float(obs.market["generation"])
        want = OWN_SHARE * self._growth_gw(obs) * GW_KH100E * gen / self._per_wafer(obs)
        want -= self._own_wafers(obs)
        price = float(obs.public[f]["wafer_price"])
        cost = (price + self._own_unit_cost(obs)) / 1000  # $B per k wafers
        # Its own chips cost about half a merchant chip: they come first, from cash in hand.
        afford = max(0.0, self._own_cash(obs)) / (2 * cost)
        wafers = min(want, 0.5 * self._pack_room(obs, f), afford, obs.free_capacity[f])
        if wafers < 1:
            return []
        terms = {"wafers": wafers, "quarters": 8, "price": price, "prepay": 0.05}
        return [self._offer(obs, f, "capacity", terms)]

    # =================================================================== the bets
    def _programme_move(self, obs: Observation) -> StartChipProgramme | None:
        """Start its own chip when the projection says it pays and cash in hand pays for it."""
        r = obs.rules
        if "start_chip_programme" not in obs.legal.moves or not obs.others("foundry"):
            return None
        if self._playbook(obs) == "openai" and obs.label < PROGRAMME_FROM:
            return None
        if self._playbook(obs) != "openai" and obs.quarter < 2:
            return None
        if self._free_cash(obs) < 2 * r.chip_programme_cost:
            return None  # its cash plan (chips aside) cannot carry the programme
        value = self._programme_value(obs)
        self._notes["programme_value"] = value
        if value < self.params["programme_hurdle"]:
            return None
        return StartChipProgramme()

    def _fab_bet(self, obs: Observation) -> list[Propose | None]:
        """The fab: first Gulf money for its share of the capex, then the joint venture."""
        if obs.books["programme_quarters_left"] is None or "jv" in self._notes:
            return []
        if self._mine(obs, "joint_venture", 0):
            self._notes["jv"] = obs.quarter
            return []
        gulf = [
            n
            for n in obs.others("investor")
            if obs.public[n]["country"] in GULF_COUNTRIES and float(obs.public[n]["cash"]) > 2
        ]
        foundries = obs.legal.partners.get("joint_venture", ())
        if not gulf or not foundries:
            return []
        asked = self._notes.get("asked")
        if asked is not None and obs.quarter == asked + 1:
            # Did the Gulf money come through last quarter?
            raised = sum(
                float(c["terms"].get("amount", c["terms"].get("principal", 0.0)))
                for c in obs.contracts
                if c["start"] == asked
                and c["parties"][1] == obs.actor
                and c["kind"] in ("equity", "loan")
                and c["parties"][0] in gulf
            )
            if raised < 0.6 * self._notes["ask"]:
                self._notes["refused"] = self._notes.get("refused", 0) + 1
                return []
            f = max(foundries, key=lambda n: float(obs.public[n]["capacity"]))
            terms = self._fab_terms(obs, "gulf")
            self._notes["jv"] = obs.quarter
            return [self._offer(obs, f, "joint_venture", terms)]
        if self._notes.get("refused", 0) >= 2 or (asked is not None and obs.quarter - asked < 4):
            return []  # asked twice in vain, or asked within the year: not again yet
        if self._notes.get("last_round") == obs.quarter:
            return []  # a round is under way: the fab's money is asked for on its own
        terms = self._fab_terms(obs, "gulf")
        value = self._fab_value(obs, terms)
        self._notes["fab_value"] = value
        if value < self.params["fab_hurdle"]:
            return []
        capex = obs.fab_capex(str(terms["node"]), "gulf", float(terms["capacity"]))
        ask = capex * JV_TERMS["partner_capex_share"]
        self._notes["asked"] = obs.quarter
        self._notes["ask"] = ask
        return self._equity_round(
            obs,
            ask,
            max(gulf, key=lambda n: float(obs.public[n]["cash"])),
            self._floor(obs),
            ask,
            among=tuple(gulf),
        )

    # =================================================================== the calls
    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        out: list[Propose | None] = []
        out += self._funding(obs)
        if len(out) < obs.legal.proposals_left:
            out += self._fab_bet(obs)
        if len(out) < obs.legal.proposals_left:
            out += self._leases(obs)
        if len(out) < obs.legal.proposals_left:
            out += self._own_chip_wafers(obs)
        if len(out) < obs.legal.proposals_left:
            out += self._supply(obs)
        return out

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        out: list[Decision | None] = []
        legal = obs.legal.moves
        programme = self._programme_move(obs)
        out.append(programme)
        if programme is None:  # one long commitment a quarter: its cash plan saw the other
            out.append(self._hist_campus_move(obs))
        gen = float(obs.market["generation"])
        # Fill what is powered this quarter, beyond what comes under contract; nothing more.
        gap = max(0.0, self._headroom_gw(obs)) * GW_KH100E * gen * 0.98 - self._deliveries(obs)
        budget = max(0.0, self._liquid(obs))
        if obs.books["programme_quarters_left"] == 0 and "buy_spot_wafers" in legal and gap > 0:
            own_budget = max(0.0, self._own_cash(obs))
            fs = legal["buy_spot_wafers"]["foundry"]
            f = max(fs, key=lambda n: self._pack_room(obs, n))
            price = float(obs.public[f]["wafer_price"])
            cost = (price + self._own_unit_cost(obs)) / 1000
            qty = min(
                OWN_SHARE * gap / self._per_wafer(obs),
                0.3 * self._pack_room(obs, f),
                self.params["risk"] * own_budget / cost,
            )
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo and qty * price / 1000 < self._cash(obs):
                qty = clamp(qty, lo, hi)
                out.append(BuySpotWafers(f, qty))
                budget -= qty * cost
                gap -= qty * self._per_wafer(obs)
        if "buy_spot_gpus" in legal and budget > 0.2 and gap > 1:
            ds = legal["buy_spot_gpus"]["designer"]
            shares = self._vendor_shares(obs, tuple(ds))
            by_vendor = dict(obs.books["compute_by_vendor"])
            total = max(1.0, float(obs.books["compute"]))
            d = min(ds, key=lambda n: by_vendor.get(n, 0.0) / total - shares[n])  # least served
            price = float(obs.public[d]["gpu_price"])
            qty = min(gap, budget * 1000 / price)
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo and qty * price / 1000 < self._cash(obs):
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # =================================================================== answers
    def _judge_lab(
        self, obs: Observation, kind: str, t: Mapping[str, Any], other: str
    ) -> bool | dict[str, Any] | str | None:
        """The lab's verdict on a lease, a supply contract or wafers; "pass" for other kinds."""
        if kind == "lease":
            want = self._lease_want(obs) + 0.05
            cap = 1.3 * float(obs.market_params["cloud_rent"])
            if want < 0.1 or t["quarters"] > obs.quarters_left:
                return None
            rent_ok = t["rent"] <= cap
            if t["gw"] <= 1.1 * want and rent_ok:
                return True
            return {
                **t,
                "gw": min(t["gw"], want),
                "rent": min(t["rent"], LEASE_PREMIUM * float(obs.market_params["cloud_rent"])),
            }
        if kind in ("supply", "vendor_financing"):
            gen = float(obs.market["generation"])
            room = (self._growth_gw(obs) + max(0.0, self._headroom_gw(obs)) / 4) * GW_KH100E * gen
            if obs.books["programme_quarters_left"] is not None:
                room *= 1 - OWN_SHARE  # its own chips take a part
            list_price = float(obs.public[other]["gpu_price"])
            if kind == "vendor_financing":  # the stake is judged with equity, in OfferJudging
                fits = t["quantity"] <= 1.5 * room and t["price"] <= 1.05 * list_price
                return "pass" if fits else None
            prepaid = t["prepay"] * t["quantity"] * t["price"] * t["quarters"] / 1000
            if prepaid > 0.5 * self._cash(obs) or room < 1:
                return None
            if t["quantity"] > 1.2 * room:
                return {**t, "quantity": room, "price": min(t["price"], list_price)}
            return True if t["price"] <= 1.1 * list_price else {**t, "price": list_price}
        return "pass"
