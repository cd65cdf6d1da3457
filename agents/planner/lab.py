"""The planner as a lab: fill the power it has, add power where it pays, and weigh the fab bet.

Each quarter it projects its path to the game's end (:class:`~agents.planner.outlook.LabOutlook`):
the power it will have (outside clouds growing, its campuses opening, leases in force), the
compute that retires, and the cheapest way to fill that power (a designer's GPUs, or its own chips
once its programme is ready, within the packaging a foundry has free). It buys **no compute beyond
its power**: unpowered compute earns nothing.

Then it weighs, at its cost of capital (the base rate plus ``capital_cost``, more when its cash
projection is short or investors turned it down), what each of these is worth over the quarters
left, and takes those whose value beats their cost by the ``hurdle``, best first, within what it
has and can raise:

- **power**: a campus of its own (``build_costs["campus"]``, opening after the build) against the
  revenue the compute it powers earns at the AI market's marginal revenue; a **lease** from an
  investor with campus room (and, in the Gulf, a licence) at a rent below what a GW earns;
- **its own chip programme** (``chip_programme_cost`` × quarters, slips included) against the fill
  it then makes itself at about half a merchant GPU, within free packaging;
- **a joint-venture fab outside Taiwan** with a foundry as operator, paid with money raised from
  the Gulf funds: its share of the output, plus a **Taiwan hedge** valued at the expected Taiwan
  loss a quarter (``taiwan_risk``, raised by the Taiwan events it has seen) times how much of the
  world's chip supply stands in Taiwan.

Whether a bet pays depends on the game: the designer's price (or the discount it offers a lab with
a programme), the packaging left free, the cash it raised and the rate it raised it at, the events
in force, the quarters left. It raises equity down to ``control_floor``, then loans its revenue can
carry, asking the Gulf funds first for a fab bet (and proposes a JV fab once they have put up half
its share of the capex).

The lab's part is in three modules: :mod:`agents.planner.labbooks` (memory, outlook, commitments,
fund raising), :mod:`agents.planner.bet` (the quarter's plan) and this one (offers, moves and
answers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.bet import LabBets
from agents.planner.outlook import own_units_per_wafer
from agents.tactics import clamp
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    FundCampus,
    Propose,
    StartChipProgramme,
)
from game.observation import Observation

__all__ = ["LabPlanning"]


class LabPlanning(LabBets):
    """The planner's lab: its proposals, moves and judgements.

    Its plan comes from :class:`~agents.planner.bet.LabBets`, its books from
    :class:`~agents.planner.labbooks.LabBooks`.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`.
    """

    # =========================================================================== proposals
    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        self._observe_lab(obs)
        plan = self._plan_quarter(obs)
        out: list[Propose | None] = []
        budget = obs.legal.proposals_left
        # The fab bet and power first (each a single offer), then money, then supply. A JV fab
        # is paid with Gulf money: it proposes one once the Gulf funds have put up half its
        # share of the capex since it began asking them.
        if plan["jv"] is not None:
            foundry, terms = plan["jv"]
            if self._jv_drive < 0:
                self._jv_drive = obs.quarter
            total = obs.fab_capex(terms["node"], terms["site"], terms["capacity"])
            total *= terms["partner_capex_share"]
            if self._gulf_raised(obs, self._jv_drive) >= 0.5 * total:
                out.append(self._offer(obs, foundry, "joint_venture", terms))
        elif self._jv_drive >= 0 and obs.quarter - self._jv_drive > 4:
            self._jv_drive = -1  # the Gulf funds did not come: the bet is off for now
        signed = [int(c["start"]) for c in self._active(obs, "joint_venture", 0)]
        if self._jv_drive >= 0 and any(start >= self._jv_drive for start in signed):
            self._jv_drive = -1  # signed: a new drive for the next one
        for inv, gw, q, rent in plan["leases"][:1]:
            out.append(self._offer(obs, inv, "lease", {"gw": gw, "quarters": q, "rent": rent}))
        need = float(plan["raise"])
        if need > 0.2 or obs.books["distressed"]:
            spare = max(1, budget - len([x for x in out if x is not None]))
            out += self._lab_raise(obs, need, plan["fab_bet"], spare)
        out += self._supply_offers(obs)
        kept: list[Propose | None] = [x for x in out if x is not None]
        return kept[:budget]

    def _supply_offers(self, obs: Observation) -> list[Propose | None]:
        """A supply contract for the steady part of the merchant fill over the next quarters,
        and a wafer reservation for its own chips once they are (nearly) ready."""
        o = self._outlook(obs)
        out: list[Propose | None] = []
        q = max(1, min(4, o.n))
        ready = o.ready_in is not None and o.ready_in <= 1
        if ready:
            foundries = obs.legal.partners.get("capacity", ())
            have = sum(
                c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) > 1
            )
            steady = min(o.own_need(k) for k in range(q)) * 0.7
            if foundries and steady - have > 2:
                f = max(foundries, key=lambda n: obs.free_capacity.get(n, 0.0))
                price = float(obs.public[f]["wafer_price"])
                wafers = min(steady - have, 0.9 * obs.free_capacity.get(f, 0.0))
                cost = wafers * price * q / 1000
                if wafers >= 1 and 0.05 * cost < 0.2 * self._cash(obs):
                    out.append(
                        self._offer(
                            obs,
                            f,
                            "capacity",
                            {"wafers": wafers, "quarters": q, "price": price, "prepay": 0.05},
                        )
                    )
            return out
        designers = obs.legal.partners.get("supply", ())
        mine = {c["parties"][1] for c in self._active(obs, "supply", 0) if self._left(c) > 1}
        free = [d for d in designers if d not in mine]
        if not free:
            return out
        gens = o.gens
        steady_units = min(o.fill[k] for k in range(q)) * 0.6
        if steady_units <= 0:
            return out
        d = min(free, key=lambda n: float(obs.public[n]["gpu_price"]))
        price = float(obs.public[d]["gpu_price"])
        qty = steady_units * gens[0]
        spare = self._cash(obs) + max(0.0, self._income(obs)) - self._reserve(obs)
        qty = min(qty, max(0.0, spare) * 1000 / price / 2)
        if qty >= 1:
            out.append(
                self._offer(
                    obs,
                    d,
                    "supply",
                    {"quantity": qty, "quarters": q, "price": price * 0.97, "prepay": 0.05},
                )
            )
        return out

    # =========================================================================== moves
    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        self._observe_lab(obs)
        plan = self._plan_quarter(obs)
        o = self._outlook(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        r = obs.rules
        cash = self._cash(obs)
        keep = self._reserve(obs) + self._commitments(obs, 1)[0]  # paid before revenue comes
        free = cash - keep
        if plan["programme"] and "start_chip_programme" in legal and free > r.chip_programme_cost:
            out.append(StartChipProgramme())
            free -= float(r.chip_programme_cost)
        gw = float(plan["campus"])
        if gw > 0 and "fund_campus" in legal:
            lo, hi = legal["fund_campus"]["gw"]
            lag = int(obs.build_costs["campus"]["build_quarters"])
            per = float(obs.build_costs["campus"]["capex_per_gw"]) / lag
            gw = min(gw, hi, max(0.0, free) / per / 2)
            if gw >= lo:
                out.append(FundCampus(gw))
                self._builds.append([float(obs.quarter), gw, float(lag)])
                free -= gw * per
        # Fill the power it has this quarter, no more: its own chips first, then GPUs.
        units = o.fill[0]
        if units > 0 and "buy_spot_wafers" in legal and free > 0.1:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = max(fs, key=lambda n: obs.free_capacity.get(n, 0.0))
            price = float(obs.public[f]["wafer_price"])
            upw = own_units_per_wafer(obs)
            per_wafer = price + r.own_chip_unit_cost * upw  # $k: the wafer and its chips
            contracted = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
            room = max(0.0, o.pkg_room[0] - contracted)
            qty = min(units / upw, room, free * 1000 / per_wafer)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                qty = clamp(qty, lo, hi)
                out.append(BuySpotWafers(f, qty))
                units -= qty * upw
                free -= qty * per_wafer / 1000
        if units > 0 and "buy_spot_gpus" in legal and free > 0.1:
            ds = legal["buy_spot_gpus"]["designer"]
            by_vendor = dict(b["compute_by_vendor"])
            total = max(1.0, float(b["compute"]))
            d = min(
                ds,
                key=lambda n: (
                    float(obs.public[n]["gpu_price"]) * (1 + 0.2 * by_vendor.get(n, 0.0) / total)
                ),
            )
            price = float(obs.public[d]["gpu_price"])
            qty = min(units * o.gens[0], free * 1000 / price)
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo:
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    # =========================================================================== judging
    def _lab_purchase_cap(self, obs: Observation, kind: str, quarters: int) -> float:
        """The most it buys a quarter under a contract of ``quarters``: for accelerators the
        power it will have free (the mean fill over the contract), for wafers what its own
        chips need within free packaging."""
        self._observe_lab(obs)
        o = self._outlook(obs)
        q = max(1, min(quarters, o.n))
        if kind == "capacity":
            return sum(o.own_need(k) for k in range(q)) / q
        return sum(o.fill[k] * o.gens[k] for k in range(q)) / q

    def _judge_lease_tenant(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        """A lease offered to it: take it if a GW earns more than the rent while it runs."""
        self._observe_lab(obs)
        o = self._outlook(obs)
        q = int(t["quarters"])
        if q * float(t["gw"]) * float(t["rent"]) > self._cash(obs) + self._fundable(obs):
            return None
        v = o.power_npv(0, q, float(t["rent"]), terminal=0.0, extra=float(t["gw"]) / 2)
        if v > 0:
            return True
        fair = self._lease_rent(obs)
        return {**t, "rent": fair} if t["rent"] > fair else None

    def _judge_jv_lab(self, obs: Observation, operator: str, t: Mapping[str, Any]) -> Any:
        """A JV fab offered to it: worth it if its output and hedge beat its capex share."""
        self._observe_lab(obs)
        o = self._outlook(obs)
        value, hedge, pv_capex = o.jv_npv(
            t["site"],
            t["node"],
            float(t["capacity"]),
            float(t["partner_capex_share"]),
            float(t["partner_output_share"]),
            float(t["operator_fee"]),
            self._taiwan_risk(obs),
            None,
            self.params["hedge_quarters"],
        )
        if pv_capex <= 0:
            return None
        cost = obs.fab_capex(t["node"], t["site"], t["capacity"]) * t["partner_capex_share"]
        if cost > self._cash(obs) + self._fundable(obs):
            return None
        if (value + hedge) / pv_capex >= 1.0 + self.params["bet_hurdle"]:
            return True
        return None
