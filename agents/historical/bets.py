"""The historical lab's two bets, projected in the game it is playing: its own chip and a fab.

**The chip** (OpenAI with Broadcom, made at TSMC: talks reported by Reuters in Oct 2024,
a 10 GW deal announced in Oct 2025 beside Nvidia's 10 GW and AMD's 6 GW). *Here* the lab starts a
programme only when it pays in this game: :meth:`LabBets._programme_value` sets what its own chips
would save against the merchant price it pays now (the cheapest designer's list price against the
own chip's unit cost and wafer) on the share of its new chips it would make itself
(:data:`OWN_SHARE`: 10 of the 26 GW of 2025's deals), for its planned power, over the quarters
left once the programme is done (slips expected), against the programme's cost — both discounted
at what its cash would earn in merchant chips instead (:meth:`~agents.historical.power.LabPower.
_chip_return`, at least :data:`DISCOUNT`): while chips barely pay, as in 2024, the programme looks
good; once they pay well it does not. It must pay ``programme_hurdle`` times its cost (programme
risk: Google's TPU and Amazon's Trainium took generations to reach volume), and its cash plan
(chips aside) must carry it — after a funding round, in games whose rounds raised enough.

**The fab** (Feb 2024: Altman sought Gulf money — the UAE, PIF, QIA — for a network of fabs, in
talks with TSMC; WSJ, Reuters). *Here*, with a programme under way, the lab weighs a joint-venture
fab outside Taiwan (:meth:`LabBets._fab_value`): its share of the output is worth the wafers it
would otherwise buy from Taiwan, less the operator's fee and its share of the running cost, plus
a hedge — what a Taiwan wafer is
worth when Taiwan stops (the chips it would have made) times the share of Taiwan's output it
expects to lose a quarter (:meth:`LabBets._taiwan_risk`: a prior of ``taiwan_risk`` a year,
updated by the Taiwan events it has seen, from ``obs.events``) — against its share of the capex.
It bets only if that pays ``fab_hurdle`` (:data:`FAB_HURDLE`) times its cost — less than 1: the rest
is the price of independence it will pay — and Gulf funds lend or invest the
money first (the lab part asks them, then proposes the fab).
"""

from __future__ import annotations

from agents.historical.power import GW_KH100E, LabPower
from game.observation import Observation

__all__ = ["DISCOUNT", "FAB_HURDLE", "JV_TERMS", "OWN_SHARE", "LabBets"]

#: A lab's cost of capital a quarter (assumption: ~12 % a year for a loss-making growth company).
DISCOUNT = 0.03
#: Share of its new chips the lab would make itself (2025's deals: Broadcom 10 GW of 26 GW).
OWN_SHARE = 0.38
#: What a fab bet must pay back in wafers and hedge, times its cost (assumption: a lab pays up to
#: nearly half a fab's cost for independence from Taiwan, the premium of Altman's 2024 pitch: a
#: fab outside Taiwan costs ~1.5x to build and to run, and its wafers sell at Taiwan's price).
FAB_HURDLE = 0.55
#: Terms the lab proposes for a fab: it pays most of the capex for most of the output; the
#: operator runs it for a fee (as TSMC runs JASM and ESMC, whose partners fund part).
JV_TERMS = {"partner_capex_share": 0.7, "partner_output_share": 0.6, "operator_fee": 0.06}
#: Quarters of evidence the prior on Taiwan's risk weighs (assumption).
PRIOR_QUARTERS = 12.0
#: Sites outside Taiwan a lab's fab may stand at.
_SITES_OUTSIDE_TAIWAN = ("gulf", "us", "japan")


class LabBets(LabPower):
    """The historical lab's projections of its chip programme and of a fab joint venture.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    # ------------------------------------------------------------------ shared
    @staticmethod
    def _annuity(start: float, end: float, rate: float = DISCOUNT) -> float:
        """Present value of 1 a quarter from quarter ``start`` to ``end`` (exclusive)."""
        if end <= start:
            return 0.0
        d = 1 + rate
        return (d**-start - d**-end) / rate

    def _merchant_price(self, obs: Observation) -> float:
        """$k per H100e at generation 1 it pays a designer now: the cheapest list price."""
        gen = float(obs.market["generation"])
        return gen * min(
            (float(obs.public[d]["gpu_price"]) for d in obs.others("designer")),
            default=float(obs.market["gpu_reference_price"]),
        )

    def _own_cost(self, obs: Observation) -> float:
        """$k per own H100e at generation 1: the unit cost besides the wafer, and the wafer."""
        r = obs.rules
        wafer = min(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(obs.market["wafer_reference_price"]),
        )
        return float(r.own_chip_unit_cost) + wafer / (r.own_chip_efficiency * r.packages_per_wafer)

    def _new_gw_per_quarter(self, obs: Observation, start: int, end: int) -> float:
        """GW of new chips a quarter it plans to put in service between ``start`` and ``end``
        quarters on: its planned power's growth plus what retires."""
        if end <= start:
            return 0.0
        t0, t1 = self._target_gw(obs, start), self._target_gw(obs, end)
        life = float(obs.rules.compute_life)
        return max(0.0, t1 - t0) / (end - start) + (t0 + t1) / 2 / life

    # ------------------------------------------------------------------ the chip
    def _programme_quarters(self, obs: Observation) -> float:
        """Quarters a programme started now is expected to take (with its slips)."""
        r = obs.rules
        return r.chip_programme_quarters / max(0.05, 1 - float(r.chip_programme_slip))

    def _programme_value(self, obs: Observation) -> float:
        """What a programme started now would save over what it costs (present values, ratio)."""
        r = obs.rules
        ready = self._programme_quarters(obs)
        left = obs.quarters_left
        saving = self._merchant_price(obs) - self._own_cost(obs)  # $k per H100e, generation 1
        if saving <= 0 or left <= ready + 1:
            return 0.0
        own_gw = OWN_SHARE * self._new_gw_per_quarter(obs, int(ready), left)
        # A GW of generation-g chips is 500 g kH100e, each saving saving / g: 0.5 * saving $B.
        per_quarter = own_gw * GW_KH100E * saving / 1000
        rate = max(DISCOUNT, self._chip_return(obs))  # what its cash earns in chips instead
        gain = per_quarter * self._annuity(ready, left, rate)
        cost = r.chip_programme_cost * self._annuity(0, ready, rate)
        return gain / max(cost, 1e-9)

    # ------------------------------------------------------------------ the fab
    def _taiwan_risk(self, obs: Observation) -> float:
        """Share of Taiwan's output it expects to lose a quarter: its prior, updated by what
        it has seen (each event's cut times its quarters) over the quarters it has watched."""
        prior = self.params["taiwan_risk"] / 4
        seen = self._taiwan_loss(obs)
        return (prior * PRIOR_QUARTERS + seen) / (PRIOR_QUARTERS + obs.quarter + 1)

    def _fab_site(self, obs: Observation, gulf_money: bool) -> str:
        """Where the fab stands: in the Gulf if Gulf money pays for it (as Altman pitched in
        2024), else the fastest site outside Taiwan to build."""
        if gulf_money:
            return "gulf"
        return min(_SITES_OUTSIDE_TAIWAN, key=lambda s: obs.fab_build_quarters(s))

    def _fab_terms(self, obs: Observation, site: str) -> dict[str, float | str]:
        """The fab it would propose: leading-edge (N3), sized for the own chips it plans
        (a GW of chips takes 500 g kH100e / (0.7 x 29 x g) wafers, whatever the generation)."""
        r = obs.rules
        lag = obs.fab_build_quarters(site)
        own_gw = OWN_SHARE * self._new_gw_per_quarter(obs, lag, lag + 8)
        wafers = own_gw * GW_KH100E / (r.own_chip_efficiency * r.packages_per_wafer)
        share = JV_TERMS["partner_output_share"]
        capacity = min(60.0, max(10.0, wafers / (share * 0.85)))
        return {"site": site, "node": "N3", "capacity": round(capacity, 1), **JV_TERMS}

    def _fab_value(self, obs: Observation, terms: dict[str, float | str]) -> float:
        """What its share of a fab with these terms is worth over its share of the capex (ratio
        of present values)."""
        site, node = str(terms["site"]), str(terms["node"])
        cap = float(terms["capacity"])
        lag = obs.fab_build_quarters(site)
        left = obs.quarters_left
        if left <= lag + 2:
            return 0.0
        r = obs.rules
        wafer = max(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(obs.market["wafer_reference_price"]),
        )
        # A Taiwan wafer lost is the chips it would have made, at the merchant price.
        lost = r.own_chip_efficiency * r.packages_per_wafer * self._merchant_price(obs)
        cost_per_wafer = min(  # its share of the running cost, at the operator's cost
            (float(obs.public[f].get("wafer_cost", 0.0)) for f in obs.others("foundry")),
            default=0.45 * wafer,
        ) * float(obs.build_costs["fab"][site][node].get("cost_factor", 1.0))  # at the site
        per_wafer = (
            wafer * (1 - float(terms["operator_fee"]))
            - cost_per_wafer
            + self._taiwan_risk(obs) * lost
        )
        out = cap * float(terms["partner_output_share"]) * 0.85  # yield ramps 0.6 -> 0.9
        gain = out * per_wafer / 1000 * self._annuity(lag, left)
        capex = obs.fab_capex(node, site, cap) * float(terms["partner_capex_share"])
        cost = capex / lag * self._annuity(0, lag)
        return gain / max(cost, 1e-9)
