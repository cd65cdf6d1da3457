"""The lab's outlook to the end of the game: fleet, power, revenue, and what each option is worth.

:class:`LabOutlook` is built afresh in each call from the observation and the planner's memory
(never kept on the policy, so the policy stays plain data). It projects, quarter by quarter to the
game's end, a **base plan**: every quarter the lab fills the power it will have (outside clouds,
its campuses, leases in force, the campuses it is building) with the cheapest compute it can make
or buy, and nothing beyond it (compute without power earns nothing). From that path it values, at
the lab's cost of capital:

- a **GW more** (a campus it builds, a lease it signs): what the compute it powers earns at the
  market's marginal revenue, less hosting, the chips that fill it and the rent or the build;
- its **own chip programme**: the R&D (``chip_programme_cost`` a quarter, slips included) against
  the fill it then makes itself at ``own_chip_unit_cost`` per H100e and the wafer, instead of
  buying at the designer's price, within the packaging a foundry has free;
- a **joint-venture fab** outside Taiwan: its share of the capex during the build against its
  share of the output (wafers for its own chips, or the operator's proceeds at the wafer price)
  and a **Taiwan hedge**: in a quarter Taiwan is hit, wafers from elsewhere are worth the compute
  they make (or fetch a scarcity price), weighed by the expected Taiwan loss a quarter (the
  planner's ``taiwan_risk`` belief, raised by Taiwan events seen) and how far the lab depends on
  Taiwan.

Money in $B, compute in kH100e, power in power units (see :mod:`agents.planner.power`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from agents.planner.power import (
    GW_UNITS,
    ai_demand_path,
    cloud_path,
    fleet_path,
    generation_path,
    lease_gw_path,
    marginal_revenue,
    power_units,
    revenue_target,
)
from agents.tactics import REF_DPW
from game.markets import cloud_growth_now
from game.observation import Observation

__all__ = ["TAIWAN_KINDS", "LabOutlook", "own_units_per_wafer", "taiwan_dependence"]

#: Events that cut Taiwan's output (and a Taiwan foundry's packaging).
TAIWAN_KINDS = frozenset({"taiwan_earthquake", "drought", "blockade"})


def own_units_per_wafer(obs: Observation) -> float:
    """Power units of the lab's own chips one wafer makes (the same at every generation)."""
    return float(obs.rules.own_chip_efficiency) * REF_DPW


def taiwan_dependence(obs: Observation) -> float:
    """Share of the chip supply (fab capacity weighted) that stands in Taiwan, 0 to 1."""
    total = 0.0
    taiwan = 0.0
    for p in obs.public.values():
        if p["role"] != "foundry" or p["insolvent"]:
            continue
        for _node, site, cap, _left in p["fabs"]:
            total += float(cap)
            # A Taiwan foundry's packaging stands in Taiwan too: its chips are exposed anyway.
            if site == "taiwan" or p["country"] == "Taiwan":
                taiwan += float(cap)
    return taiwan / total if total > 0 else 1.0


class LabOutlook:
    """The lab's projected path to the game's end under its base plan, and option values.

    Args:
        obs: the lab's observation.
        fleet: the planner's memory of deliveries, ``(quarter, kH100e, power units)``.
        builds: campuses it funded, ``(quarter started, GW, quarters to build)``.
        rate: the cost of capital a quarter it discounts with.
        taiwan_risk: expected share of a year's Taiwan output lost to events (belief).
        merchant_price: $k per H100e it expects to pay a designer now (None: the lowest list).
    """

    def __init__(
        self,
        obs: Observation,
        fleet: Sequence[Sequence[float]],
        builds: Sequence[Sequence[float]],
        rate: float,
        taiwan_risk: float,
        merchant_price: float | None = None,
    ) -> None:
        self.obs = obs
        b, r, mp = obs.books, obs.rules, obs.market_params
        n = max(1, int(obs.quarters_left))
        self.n = n
        self.rate = rate
        self.gens = generation_path(obs, n)
        self.demand = ai_demand_path(obs, n)
        self.disc = [(1.0 + rate) ** -k for k in range(n)]
        self.rpc = float(mp["revenue_per_compute"])
        self.sat = float(mp["compute_saturation"])
        self.outside = float(mp.get("outside_ai_compute", 0.0))
        self.cloud_rent = float(mp.get("cloud_rent", 0.0))
        self.adjust = float(mp.get("revenue_adjustment", 0.5))
        self.host = float(r.hosting_cost) * float(obs.modifiers.get("hosting_cost", 1.0))
        self.life = int(r.compute_life)
        # Other labs' served compute grows as their power does (clouds, new chips).
        growth = (1.0 + cloud_growth_now(mp, obs.quarter)) * 2.0 ** (
            1.0 / float(mp["generation_doubling_quarters"])
        )
        others = sum(
            float(p.get("served", p.get("compute", 0.0)))
            for nm, p in obs.public.items()
            if p["role"] == "lab" and nm != obs.actor and not p["insolvent"]
        )
        index = ai_demand_path(obs, n, shocks=False)
        self.others = [others * growth**k + self.outside * index[k] for k in range(n)]
        # Prices: a designer's price is kept relative to the falling reference.
        designers = [d for d in obs.others("designer")]
        ref = float(obs.market["gpu_reference_price"])
        if merchant_price is None:
            merchant_price = min(
                (float(obs.public[d]["gpu_price"]) for d in designers), default=ref
            )
        self.merchant_rel = merchant_price / ref
        # $k per power unit: merchant = price x generation; own = unit cost + a wafer's share.
        self.merchant = [merchant_price * self.gens[0] for _ in range(n)]
        foundries = obs.others("foundry")
        self.wafer_price = min(
            (float(obs.public[f]["wafer_price"]) for f in foundries),
            default=float(mp["wafer_reference_price"]),
        )
        # A JV partner pays its share of the running cost, at the operator's cost per wafer.
        self.wafer_cost = min(
            (float(obs.public[f].get("wafer_cost", 0.0)) for f in foundries),
            default=0.45 * float(mp["wafer_reference_price"]),
        )
        self.upw = own_units_per_wafer(obs)
        unit = float(r.own_chip_unit_cost) * float(obs.modifiers.get("unit_cost", 1.0))
        self.own = unit + self.wafer_price / self.upw
        # Power.
        self.cloud = cloud_path(obs, n)
        leases = [
            c
            for c in obs.contracts
            if c["kind"] == "lease" and c["status"] == "active" and c["parties"][0] == obs.actor
        ]
        self.leases = lease_gw_path(obs, leases, n)
        self.lease_rent = [0.0] * n
        for c in leases:
            t = c["terms"]
            for k in range(min(n, int(t["quarters"]) - int(c["quarters_done"]))):
                self.lease_rent[k] += float(t["gw"]) * float(t["rent"])
        self.campus = [float(b.get("campus_gw", 0.0))] * n
        building = float(b.get("campus_building_gw", 0.0))
        known = 0.0
        for start, gw, lag in builds:
            k_open = int(start) + int(lag) - 1 - obs.quarter
            if k_open < 0:
                continue  # open already: in campus_gw
            known += gw
            for k in range(max(0, k_open), n):
                self.campus[k] += gw
        if building > known + 1e-6:  # builds it does not remember: halfway through
            k_open = int(r.campus_build_quarters) // 2
            for k in range(k_open, n):
                self.campus[k] += building - known
        self.powered = [self.cloud[k] + self.campus[k] + self.leases[k] for k in range(n)]
        # Fleet.
        self.retire = fleet_path(fleet, obs.quarter, self.life, n)
        self.units0 = power_units(obs)
        self.compute0 = float(b["compute"])
        # Deliveries it has bought already: (kH100e, power units) a quarter.
        self.contracted = [[0.0, 0.0] for _ in range(n)]
        self.own_wafers = [0.0] * n  # k wafers a quarter under contract or JV
        self.ready_in: int | None = None
        left = b.get("programme_quarters_left")
        if left is not None:
            self.ready_in = int(left)
        for c in obs.contracts:
            if c["status"] != "active" or obs.actor not in c["parties"]:
                continue
            t, kind = c["terms"], c["kind"]
            if kind in ("supply", "vendor_financing"):
                if (kind == "supply") != (c["parties"][0] == obs.actor):
                    continue
                for k in range(min(n, int(t["quarters"]) - int(c["quarters_done"]))):
                    self.contracted[k][0] += float(t["quantity"])
                    self.contracted[k][1] += float(t["quantity"]) / self.gens[k]
            elif kind == "capacity" and c["parties"][0] == obs.actor:
                for k in range(min(n, int(t["quarters"]) - int(c["quarters_done"]))):
                    self.own_wafers[k] += float(t["wafers"])
            elif kind == "joint_venture" and c["parties"][0] == obs.actor:
                k_open = self._jv_open(c)
                out = float(t["capacity"]) * float(t["partner_output_share"]) * 0.8
                for k in range(max(0, k_open), n):
                    self.own_wafers[k] += out
        for k in range(n):
            if self.ready_in is not None and k >= self.ready_in:
                w = self.own_wafers[k]
                self.contracted[k][0] += w * self.upw * self.gens[k]
                self.contracted[k][1] += w * self.upw
        self.pkg_room = self._packaging_room()
        self._base()

    # ------------------------------------------------------------------ the base plan
    def _jv_open(self, c: Mapping[str, Any]) -> int:
        """Quarters from now until a JV fab of the lab produces (today's lag at its site)."""
        lag = self.obs.fab_build_quarters(c["terms"]["site"])
        return int(c["start"]) + lag - self.obs.quarter

    def _packaging_room(self) -> list[float]:
        """k wafers a quarter of packaging the designers leave free, each quarter ahead.

        Today's free packaging (every foundry's, less what the designers made last quarter),
        growing with the packaging lines being added at the pace the foundries have kept.
        """
        obs = self.obs
        gen = self.gens[0]
        pkg = sum(
            float(p["packaging_capacity"])
            for p in obs.public.values()
            if p["role"] == "foundry" and not p["insolvent"]
        )
        used = sum(float(p["sold"]) for p in obs.public.values() if p["role"] == "designer") / (
            float(obs.rules.packages_per_wafer) * gen
        )
        free = max(0.0, pkg - used)
        # Designers' need in wafers stays about flat (demand grows as fast as dies per wafer).
        return [free for _ in range(self.n)]

    def _base(self) -> None:
        """Fill the power each quarter with the cheapest compute; project revenue and costs."""
        n = self.n
        units = self.units0
        kh = self.compute0
        rr = float(self.obs.books["revenue_run_rate"])
        self.fill = [0.0] * n  # power units bought each quarter
        self.served_kh = [0.0] * n
        self.served_units = [0.0] * n
        self.rr = [0.0] * n
        self.kh = [0.0] * n
        self.fill_cost = [0.0] * n
        for k in range(n):
            ret_kh, ret_u = self.retire[k]
            units = max(0.0, units - ret_u + self.contracted[k][1])
            kh = max(0.0, kh - ret_kh + self.contracted[k][0])
            cap = GW_UNITS * self.powered[k]
            fill = max(0.0, cap - units)
            self.fill[k] = fill
            self.fill_cost[k] = fill * self._unit_cost(k) / 1000.0
            units += fill
            kh += fill * self.gens[k]
            share = min(1.0, cap / units) if units > 0 else 1.0
            self.served_units[k] = units * share
            self.served_kh[k] = kh * share
            self.kh[k] = kh
            target = revenue_target(
                self.served_kh[k],
                self.demand[k],
                self.served_kh[k] + self.others[k],
                self.rpc,
                self.sat,
            )
            rr += self.adjust * (target - rr)
            self.rr[k] = rr

    def _unit_cost(self, k: int) -> float:
        """$k per power unit of fill in quarter k: own chips within packaging once ready."""
        if self.ready_in is not None and k >= self.ready_in and self.pkg_room[k] > 0:
            return min(self.merchant[k], self.own)
        return self.merchant[k]

    # ------------------------------------------------------------------ values
    def gw_value(self, k: int, extra: float = 0.0) -> float:
        """$B a quarter one more GW earns in quarter k, filled with new chips, net of hosting
        and the chips (their cost spread over their life), when ``extra`` GW more than the base
        plan's already serve."""
        more = extra * GW_UNITS * self.gens[k] * 0.8
        mr = marginal_revenue(
            self.served_kh[k] + more, self.others[k], self.demand[k], self.rpc, self.sat
        )
        kh = GW_UNITS * self.gens[k] * 0.8  # chips of a few generations' mix
        own = self.own if self.ready_in is not None else math.inf
        chips = GW_UNITS * min(self.merchant[k], own)
        return mr / 4.0 * kh - self.host * GW_UNITS - chips / 1000.0 / self.life

    def power_npv(
        self,
        start: int,
        quarters: int,
        cost_per_q: float,
        upfront: float = 0.0,
        upfront_quarters: int = 0,
        terminal: float = 4.0,
        extra: float = 0.0,
        salvage: float = 0.0,
    ) -> float:
        """NPV of one GW powering the lab from quarter ``start`` for ``quarters``, paying
        ``cost_per_q`` a quarter while it does and ``upfront`` spread over the
        ``upfront_quarters`` before (a build); ``terminal`` quarters of the last value count
        beyond the game's end (the score reads the run-rate at the end); ``extra`` GW beyond the
        base plan's power serve already; ``salvage`` $B is what it is still worth at the end."""
        v = 0.0
        for k in range(min(upfront_quarters, self.n)):
            v -= upfront / upfront_quarters * self.disc[k]
        last = 0.0
        end = min(self.n, start + quarters)
        for k in range(max(0, start), end):
            last = self.gw_value(k, extra) - cost_per_q
            v += last * self.disc[k]
        if end >= self.n and end > start:
            v += (terminal * max(0.0, last) + salvage) * self.disc[self.n - 1]
        return v

    def programme_npv(self, volume_cap: float | None = None) -> tuple[float, float]:
        """(value of own chips once ready, PV of the R&D) of a programme started now.

        Own chips replace the merchant fill from the quarter the programme is expected ready
        (``chip_programme_quarters`` stretched by the slip odds) within the packaging left free
        (and ``volume_cap`` power units a quarter if given).
        """
        r = self.obs.rules
        lag = self.programme_lag()
        cost = float(r.chip_programme_cost)
        pv_cost = sum(cost * self.disc[k] for k in range(min(lag, self.n)))
        value = 0.0
        for k in range(lag + 1, self.n):  # a quarter to get wafers once ready
            vol = min(self.fill[k], self.pkg_room[k] * self.upw)
            if volume_cap is not None:
                vol = min(vol, volume_cap)
            value += vol * max(0.0, self.merchant[k] - self.own) / 1000.0 * self.disc[k]
        return value, pv_cost

    def own_need(self, k: int) -> float:
        """k wafers a quarter its own chips need in quarter k (the fill, within packaging)."""
        if k >= self.n:
            return 0.0
        return min(self.fill[k] / self.upw, self.pkg_room[k])

    def programme_lag(self) -> int:
        """Quarters a programme started now is expected to take (slips included)."""
        r = self.obs.rules
        return math.ceil(float(r.chip_programme_quarters) / (1.0 - float(r.chip_programme_slip)))

    def jv_npv(
        self,
        site: str,
        node: str,
        capacity: float,
        capex_share: float,
        output_share: float,
        fee: float,
        taiwan_risk: float,
        ready_in: int | None = None,
        hedge_quarters: float = 4.0,
    ) -> tuple[float, float, float]:
        """(value of the output, value of the hedge, PV of the capex) of a JV fab signed now.

        The output is the partner's share of ``capacity`` at the yields of a new fab, for which it
        pays its share of the running cost: before its own chips are ready, the operator's
        proceeds (the wafer price less the fee and the cost); after, the
        wafers themselves, worth a wafer it would otherwise buy up to what its power will take;
        the operator sells the rest for it.
        The hedge: in an average quarter ``taiwan_risk`` of Taiwan's output is lost, and with it
        the chips made from Taiwan's wafers and in its packaging. Its own chips made from wafers
        elsewhere (once its programme is ready, ``ready_in`` quarters from now if not known) are
        then compute it could not otherwise get: each power unit is worth what a GW earns a
        quarter per unit, for the ``hedge_quarters`` it takes to make up the loss after the
        event, times how much of the chip supply stands in Taiwan. Without chips of its own, a
        wafer fetches a scarcity price (about twice the list) for as long.
        """
        obs = self.obs
        lag = obs.fab_build_quarters(site)
        capex = obs.fab_capex(node, site, capacity) * capex_share
        pv_capex = sum(capex / lag * self.disc[k] for k in range(min(lag, self.n)))
        wp = self.wafer_price
        # Its share of the running cost, per wafer (at the site's cost).
        wc = self.wafer_cost * float(obs.build_costs["fab"][site][node].get("cost_factor", 1.0))
        dep = taiwan_dependence(obs)
        value = 0.0
        hedge = 0.0
        ready = self.ready_in if self.ready_in is not None else ready_in
        for k in range(lag, self.n):
            age = k - lag
            yld = 0.9 - 0.3 * math.exp(-age / 4.0)
            wafers = capacity * output_share * yld
            if ready is not None and k >= ready:
                # Its share comes as wafers for its own chips: worth a wafer it would otherwise
                # buy up to what its power takes; beyond, chips it pays for and cannot power.
                used = min(wafers, self.own_need(k))
                # A wafer it uses saves buying one; the operator sells the rest for it.
                flow = wafers * (wp * (1.0 - fee) - wc)
                worth = used * self.upw * max(0.0, self.gw_value(k)) / GW_UNITS * hedge_quarters
            else:
                flow = wafers * (wp * (1.0 - fee) - wc)  # the operator's proceeds, less costs
                worth = wafers * wp / 1000.0 * hedge_quarters
            value += flow / 1000.0 * self.disc[k]
            hedge += worth * taiwan_risk * dep * self.disc[k]
        return value, hedge, pv_capex

    def cash_path(self, extra: Sequence[float] | None = None) -> list[float]:
        """The lowest cash in each quarter ahead under the base plan (before any raise).

        Within a quarter builds, deliveries and loans are paid before the revenue comes in, so
        the low point is the cash carried in less those payments; the revenue then lands.
        ``extra``: payments a quarter beyond the base plan (its contracts, its builds).
        """
        obs = self.obs
        b = obs.books
        opex = float(b["fixed_opex"])
        campus_opex = float(obs.rules.campus_opex_per_gw)
        left = b.get("programme_quarters_left")
        rnd = float(obs.rules.chip_programme_cost)
        cash = float(b["cash"])
        out = []
        for k in range(self.n):
            su = self.served_units[k]
            cloud_used = max(0.0, su / GW_UNITS - self.campus[k] - self.leases[k])
            early = self.fill_cost[k] + (rnd if left is not None and k < int(left) else 0.0)
            if extra is not None and k < len(extra):
                early += extra[k]
            late = (
                opex
                + self.host * su
                + self.cloud_rent * cloud_used
                + campus_opex * self.campus[k]
                + self.lease_rent[k]
            )
            cash -= early
            out.append(cash)
            cash += self.rr[k] / 4.0 - late
        return out
