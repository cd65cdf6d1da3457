"""The historical lab's power: what it can serve now, what it plans to, and what that costs.

In the world's second edition compute earns only where it has power: a lab's own campuses, the
campuses it leases and the outside clouds (Microsoft, Oracle, CoreWeave: ``books["cloud_gw"]``,
growing a few percent a quarter). One GW powers 500 kH100e of H100-power, and a chip of generation
``g`` draws ``1/g`` of an H100's power (the engine's rule), so the lab keeps its fleet by cohort
(:meth:`~agents.historical.playbook.HistoricalBase._track_fleet`) to know what it draws.

**OpenAI's power.** 0.2 GW at the end of 2023, 0.6 GW in 2024 and 1.9 GW in 2025 (OpenAI CFO blog
post, Jan 2026); Stargate with SoftBank, Oracle and MGX (Jan 2025: $500B over four years; 10 GW
secured by the Sept 2025 announcements); about 30 GW of commitments, $1.4T over eight years
(Altman, Nov 2025). :data:`POWER_PATH` is that path, at year ends; a lab of another scenario
follows it scaled by the power its starting fleet draws.

*Here*: the lab fills what is powered with chips and buys no chip it cannot power (unpowered
compute earns nothing); it plans its power a campus build ahead (8 quarters) along the path, but
no further than a GW more still pays — its marginal revenue in the one AI market (its compute's
share of what the market pays, rivals' and the outside world's compute included) against the rent,
hosting and chips a GW costs a quarter (:meth:`LabPower._gw_pays`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

from agents.historical.playbook import HistoricalBase
from agents.tactics import generation_ahead
from game.markets import cloud_growth_ahead
from game.observation import Observation

__all__ = ["GW_KH100E", "POWER_PATH", "LabPower"]

#: kH100e of H100-power one GW powers (the engine's rule: ~2 kW all-in per H100e).
GW_KH100E = 500.0

#: OpenAI's power at year ends (GW): actual to 2025, then its stated plans (see module doc).
POWER_PATH = ((2023, 0.2), (2024, 0.6), (2025, 1.9), (2029, 10.0), (2033, 30.0))

#: A campus build's lag in quarters as the plan looks ahead (rules.campus_build_quarters is read
#: where it matters; the plan looks this far).
PLAN_AHEAD = 8


def path_gw(t: float) -> float:
    """GW on :data:`POWER_PATH` at time ``t`` in years (2025.0 = the end of 2024), geometric
    between the year ends, on the last segment's trend beyond it."""
    pts = [(y + 1.0, gw) for y, gw in POWER_PATH]
    if t <= pts[0][0]:
        return pts[0][1]
    for (t0, g0), (t1, g1) in itertools.pairwise(pts):
        if t <= t1:
            return g0 * (g1 / g0) ** ((t - t0) / (t1 - t0))
    (t0, g0), (t1, g1) = pts[-2], pts[-1]
    return g1 * (g1 / g0) ** ((t - t1) / (t1 - t0))


def year_of(label: str, ahead: int = 0) -> float:
    """The end of quarter ``label`` plus ``ahead`` quarters, in years (2024Q4 -> 2025.0)."""
    year, q = int(label[:4]), int(label[-1])
    return year + (q + ahead) / 4.0


class LabPower(HistoricalBase):
    """The historical lab's power accounting and plan.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    # ------------------------------------------------------------------ what is powered
    def _powered_gw(self, obs: Observation, ahead: int = 0) -> float:
        """GW powering its compute ``ahead`` quarters on: own campuses (with those it has paid
        for that open by then), leases in force that still run then, and the outside clouds."""
        b = obs.books
        cloud = float(b["cloud_gw"]) * cloud_growth_ahead(obs.market_params, obs.quarter, ahead)
        leased = float(b["leased_gw"]) if ahead == 0 else self._leased_gw(obs, ahead)
        return float(b["campus_gw"]) + self._campus_opening(obs, ahead) + leased + cloud

    def _leased_gw(self, obs: Observation, ahead: int) -> float:
        """GW of its leases in force that still run ``ahead`` quarters on."""
        gw = 0.0
        for c in self._mine(obs, "lease", 0):
            landlord = obs.public[c["parties"][1]]
            if landlord["role"] == "investor" and not landlord["licence"] and self._gulf(obs, c):
                continue
            if self._left(c) > ahead:
                gw += float(c["terms"]["gw"])
        return gw

    @staticmethod
    def _gulf(obs: Observation, c: Mapping[str, Any]) -> bool:
        from game.events import GULF_COUNTRIES

        return obs.public[c["parties"][1]]["country"] in GULF_COUNTRIES

    def _headroom_gw(self, obs: Observation) -> float:
        """GW powered this quarter that its fleet (after this quarter's retirements) leaves free."""
        return self._powered_gw(obs) - self._fleet_gw(obs)

    # ------------------------------------------------------------------ the plan
    def _path_scale(self, obs: Observation) -> float:
        """The path's scale for this lab: 1 for OpenAI, else its starting power over OpenAI's."""
        if self._playbook(obs) == "openai" or not self._fleet:
            return 1.0
        life = int(obs.rules.compute_life)
        start = sum(a / g for q, a, g in self._fleet if q <= 0 and q > -life) / GW_KH100E
        return max(0.05, start / POWER_PATH[0][1]) if start > 0 else 1.0

    def _target_gw(self, obs: Observation, ahead: int = PLAN_AHEAD) -> float:
        """GW it plans to have ``ahead`` quarters on: the path, as far as a GW more pays."""
        path = path_gw(year_of(obs.label, ahead)) * self._path_scale(obs)
        lo, hi = 0.0, path
        if self._gw_pays(obs, hi, ahead):
            return path
        for _ in range(20):  # the largest power at which one GW more still pays
            mid = (lo + hi) / 2
            if self._gw_pays(obs, mid, ahead):
                lo = mid
            else:
                hi = mid
        return lo

    def _ai_ahead(self, obs: Observation, ahead: int) -> float:
        """The AI-demand index ``ahead`` quarters on, on its recent trend (which decays)."""
        ai = float(obs.market["ai_index"])
        if len(self._ai) < 2 or self._ai[-2] <= 0:
            g = float(obs.market_params["ai_demand_growth"])
        else:
            g = self._ai[-1] / self._ai[-2] - 1
        decay = 1 - float(obs.market_params["ai_demand_decay"])
        return ai * math.prod(1 + g * decay**k for k in range(1, ahead + 1))

    def _gw_margin(self, obs: Observation, gw: float, ahead: int) -> tuple[float, float, float]:
        """One GW more than ``gw``, ``ahead`` quarters on: ($B a quarter it earns, $B a quarter
        its rent and hosting cost, $B its chips cost)."""
        mp, m = obs.market_params, obs.market
        gen = float(m["generation"]) * generation_ahead(obs, ahead)
        ai = self._ai_ahead(obs, ahead)
        sat = float(mp["compute_saturation"]) * ai
        labs = [p for n, p in obs.public.items() if p["role"] == "lab" and n != obs.actor]
        rivals = sum(float(p["served"]) for p in labs) * generation_ahead(obs, ahead)
        fleet_gen = gen * generation_ahead(obs, -6)  # its fleet is a few quarters old on average
        mine = gw * GW_KH100E * fleet_gen
        x = (mine + float(mp["outside_ai_compute"]) * ai + rivals) / sat
        per_k = float(mp["revenue_per_compute"]) * ai * ((1 + x) - mine / sat) / (1 + x) ** 2
        revenue = per_k / 4 * GW_KH100E * gen
        price = min(
            (float(obs.public[d]["gpu_price"]) for d in obs.others("designer")),
            default=float(m["gpu_reference_price"]),
        ) * float(m["generation"])  # $k per H100-power: the price of a GW of chips holds
        chips = price * GW_KH100E / 1000
        running = float(mp["cloud_rent"]) + float(obs.rules.hosting_cost) * GW_KH100E
        return revenue, running, chips

    def _chip_return(self, obs: Observation) -> float:
        """What a $ of chips earns a quarter at the margin now (its opportunity cost of cash)."""
        revenue, running, chips = self._gw_margin(obs, self._fleet_gw(obs), 0)
        return (revenue - running) / max(chips, 1e-9)

    def _gw_pays(self, obs: Observation, gw: float, ahead: int) -> bool:
        """Whether one GW more than ``gw``, ``ahead`` quarters on, earns what it costs a quarter.

        Revenue: the engine's one AI market pays ``rpc × ai`` a year per kH100e, halved as the
        market's compute reaches ``saturation × ai``; the marginal kH100e earns the derivative
        of the lab's share. Cost a quarter: the clouds' rent for a GW (a lease costs about the
        same), hosting, and the chips that fill it spread over their life.
        """
        revenue, running, chips = self._gw_margin(obs, gw, ahead)
        return revenue >= running + chips / float(obs.rules.compute_life)

    def _power_short(self, obs: Observation) -> float:
        """GW it will lack a campus build ahead: the plan less what it has or has paid for."""
        return max(0.0, self._target_gw(obs) - self._powered_gw(obs, PLAN_AHEAD))

    def _growth_gw(self, obs: Observation, quarters: int = 4) -> float:
        """GW a quarter that open up for new chips over the next ``quarters``: what power grows
        by, plus what the fleet frees as it retires (an average a quarter)."""
        grow = self._powered_gw(obs, quarters) - self._powered_gw(obs)
        freed = self._fleet_gw(obs) - self._fleet_gw(obs, quarters)
        return max(0.0, grow + freed) / quarters
