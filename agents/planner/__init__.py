"""The planner: a policy that looks ahead before it acts.

Each quarter it projects, over a horizon of a few quarters (a lab: to the game's end):

- **demand**, from the market's trend (``obs.market``: outside GPU and wafer demand, the AI-demand
  index, the GPU generation; ``obs.market_params``: the trends, the kinked elasticities) and its
  own history (kept on the policy), extrapolated with a growth belief;
- **build lags and costs**: a fab takes 7–13 quarters by site, a packaging line 3, a campus 8 and
  a chip programme about 9 (and may slip), at the costs of ``obs.build_costs`` (subsidies and
  delays in force included), so it builds for the demand expected when the capacity arrives, and
  only what will not stand idle;
- **cash runway**: its cash quarter by quarter, from its running flows, the payments its
  contracts commit it to (paid before the quarter's revenue comes in) and, for a lab, the revenue
  its powered compute will earn in the one AI market. It raises money before the projection goes
  short, and spends only what the projection leaves spare;
- for a lab, **power and the fab bet**: compute earns only where powered, so it buys for the power
  it has and adds power (campuses, leases) where a GW earns its cost; and it weighs, at its cost
  of capital, buying merchant GPUs against its own chip programme and a joint-venture fab outside
  Taiwan (a hedge against Taiwan's earthquakes, droughts and blockades), taking a bet only when
  its value beats its cost by a hurdle — so in some games and not in others
  (:mod:`agents.planner.lab`, :mod:`agents.planner.outlook`, :mod:`agents.planner.power`).

The family is one policy class, :class:`PlannerPolicy`, composed of one part per role (each in the
module named after the role, which describes how it plays) and two parts every role uses:

- :mod:`agents.planner.projection` (:class:`~agents.planner.projection.PlannerBase`): its memory
  and the shared views its projections start from (trends, its contract book, the payments its
  contracts commit it to, its running income);
- :mod:`agents.planner.offers` (:class:`~agents.planner.offers.OfferJudging`): its answers to
  offers, by deal kind and side;
- :mod:`agents.planner.lab`, :mod:`agents.planner.designer`, :mod:`agents.planner.foundry` and
  :mod:`agents.planner.investor`: what it proposes, the moves it makes and the judgements that
  belong to that role.

The parts are classes rather than functions because the base :class:`~agents.basic.BasicPolicy`
dispatches by role to methods (``_propose_lab``, ``_moves_foundry``, ...) and every part reads the
same per-call memo and memory on the policy; the family class only composes them and declares the
name, description and parameter table. It is defined here, so that ``agents.planner.PlannerPolicy``
stays the path pickles, the registry and plugins refer to.
"""

from __future__ import annotations

from typing import ClassVar

from agents.planner.designer import DesignerPlanning
from agents.planner.foundry import FoundryPlanning
from agents.planner.investor import InvestorPlanning
from agents.planner.lab import LabPlanning
from agents.planner.offers import OfferJudging
from agents.policy import Param

__all__ = ["PlannerPolicy"]


class PlannerPolicy(LabPlanning, DesignerPlanning, FoundryPlanning, InvestorPlanning, OfferJudging):
    """Looks ahead: projects demand, build lags and cash runway before it commits.

    One class for the four roles: each role's part (:class:`~agents.planner.lab.LabPlanning`,
    ...) supplies that role's proposals and moves; :class:`~agents.planner.offers.OfferJudging`
    answers offers and :class:`~agents.planner.projection.PlannerBase` holds the memory.
    """

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
        "max_margin": Param(
            0.82, 0.5, 0.95, "designer: highest gross margin it prices to when supply is short"
        ),
        "max_wafer_markup": Param(
            0.5, 0.0, 2.0, "foundry: most it prices wafers over the reference when short"
        ),
        "utilisation": Param(0.95, 0.85, 1.0, "foundry: utilisation its price aims for"),
        "hurdle": Param(0.1, 0.0, 1.0, "investor: projected return over the horizon it requires"),
        "discount": Param(
            0.1, 0.0, 0.5, "lab: discount to its valuation it offers when its cash runs short"
        ),
        "capital_cost": Param(
            0.02,
            0.0,
            0.2,
            "lab: its cost of capital a quarter over the base rate (doubled when "
            "investors turn it down)",
        ),
        "bet_hurdle": Param(
            0.5,
            0.0,
            3.0,
            "lab: how far a bet's value must beat its cost (a programme, a fab, a campus)",
        ),
        "taiwan_risk": Param(
            0.0135,
            0.0,
            0.2,
            "lab: share of Taiwan's output it expects lost in a quarter (the "
            "deck's earthquakes, droughts and blockades)",
        ),
        "taiwan_memory": Param(
            3.0,
            0.1,
            40.0,
            "lab: weight of its Taiwan prior, in quarters of Taiwan output lost "
            "(a blockade's worth by default), against what the game shows",
        ),
        "terminal": Param(
            12.0, 0.0, 40.0, "lab: quarters of a GW's value at the end it counts beyond the game"
        ),
        "hedge_quarters": Param(
            4.0,
            0.0,
            16.0,
            "lab: quarters a chip lost to a Taiwan event stays missing (what a "
            "chip made outside Taiwan is then worth)",
        ),
        "jv_size": Param(
            1.0, 0.25, 4.0, "lab: scale of the JV fabs it considers (10 to 80k wafers a quarter)"
        ),
        "jv_capex_share": Param(
            0.8, 0.5, 0.95, "lab: the share of a JV fab's capex (and about of its output) it takes"
        ),
    }
