"""The historical policy: each actor of baseline-2024 plays the strategy it actually followed.

The policy picks a playbook by the actor's name (``obs.actor``); an actor of another scenario gets
a role-generic playbook drawn from the same history (the market leader of its role plays like the
2024 leader, a smaller rival like the 2024 challengers, a Gulf fund like the Gulf funds, any other
fund like SoftBank). Dated moves (a funding round in 2024Q4, a campus in 2025Q2) are made at the
first quarter on or after the date, and only by the named actor; everything else is a rule that
works in any scenario. Figures come from ``calibration/targets-2024.toml`` where it has them.

The family is one policy class, :class:`HistoricalPolicy`, composed of one part per role (each in
the module named after the role, which tells what its actors did, with sources, and how they play
it here) and two parts every role uses:

- :mod:`agents.historical.playbook` (:class:`~agents.historical.playbook.HistoricalBase`): which
  playbook an actor follows (:data:`PLAYBOOKS`), when a dated move is due, what it tracks from
  quarter to quarter, and its contract book;
- :mod:`agents.historical.offers` (:class:`~agents.historical.offers.OfferJudging`): its answers
  to offers;
- :mod:`agents.historical.lab` (OpenAI; :data:`OPENAI_ROUNDS`), with its power
  (:mod:`agents.historical.power`), its bets on its own chip and a fab
  (:mod:`agents.historical.bets`) and its money (:mod:`agents.historical.money`);
  :mod:`agents.historical.designer` (Nvidia and its challengers), :mod:`agents.historical.foundry`
  (TSMC and its followers) and :mod:`agents.historical.investor` (MGX, PIF, QIA, SoftBank;
  :data:`CAMPUSES`): what each proposes and the moves it makes.

The parts are classes rather than functions because the base :class:`~agents.basic.BasicPolicy`
dispatches by role to methods (``_propose_lab``, ``_moves_foundry``, ...) and every part reads the
same memory on the policy; the family class only composes them and declares the name, description
and parameter table. It is defined here, so that ``agents.historical.HistoricalPolicy`` stays the
path pickles, the registry and plugins refer to.
"""

from __future__ import annotations

from typing import ClassVar

from agents.historical.bets import FAB_HURDLE
from agents.historical.designer import DesignerPlaybook
from agents.historical.foundry import FoundryPlaybook
from agents.historical.investor import CAMPUSES, InvestorPlaybook
from agents.historical.lab import OPENAI_ROUNDS, LabPlaybook
from agents.historical.offers import OfferJudging
from agents.historical.playbook import PLAYBOOKS
from agents.policy import Param

__all__ = ["CAMPUSES", "OPENAI_ROUNDS", "PLAYBOOKS", "HistoricalPolicy"]


class HistoricalPolicy(
    LabPlaybook, DesignerPlaybook, FoundryPlaybook, InvestorPlaybook, OfferJudging
):
    """Each baseline-2024 actor follows its 2024–25 strategy; others a role-generic one.

    One class for the four roles: each role's part (:class:`~agents.historical.lab.LabPlaybook`,
    ...) supplies that role's proposals and moves; :class:`~agents.historical.offers.OfferJudging`
    answers offers and :class:`~agents.historical.playbook.HistoricalBase` picks the playbook and
    holds the memory.
    """

    name = "historical"
    description = "each 2024 actor plays what it actually did in 2024-25 (role-generic otherwise)"
    parameters: ClassVar[dict[str, Param]] = {
        "programme_hurdle": Param(
            3.0, 1.0, 10.0, "what a lab's own chip must save, times its cost, before it starts one"
        ),
        "fab_hurdle": Param(
            FAB_HURDLE,
            0.5,
            5.0,
            "what a lab's fab bet must be worth, times its share of the capex (below 1: it "
            "pays for independence from Taiwan)",
        ),
        "taiwan_risk": Param(
            0.02, 0.0, 0.5, "share of Taiwan's output a lab expects to lose a year, before events"
        ),
        "target_margin": Param(
            0.75, 0.3, 0.9, "the leading designer's gross margin target (Nvidia FY25: 75%)"
        ),
        "reserve_ahead": Param(4, 1, 12, "quarters ahead a designer reserves wafer capacity"),
        "price_rise": Param(
            0.05, 0.0, 0.2, "the most the leading foundry moves its wafer price a quarter (TSMC)"
        ),
        "capex_share": Param(
            0.6,
            0.1,
            1.5,
            "share of its operating cash flow a foundry spends on fabs under way (TSMC 2024: "
            "$29.8B of ~$57B)",
        ),
        "packaging_growth": Param(
            2.7, 1.0, 4.0, "packaging growth over the first year (CoWoS 13k to 35k wafers/month)"
        ),
        "campus_gw": Param(0.2, 0.05, 2.0, "first phase of a sovereign campus, GW (Stargate UAE)"),
        "control_floor": Param(
            0.26, 0.1, 0.9, "lowest control a lab keeps (OpenAI's non-profit: ~26 % after 2025)"
        ),
        "risk": Param(0.5, 0.0, 1.0, "share of spare cash it is willing to commit"),
        "margin": Param(0.05, 0.0, 0.5, "how far from a fair price it accepts without countering"),
        "trust_weight": Param(
            0.4, 0.0, 2.0, "how much better terms it asks of a counterparty it trusts less"
        ),
    }
