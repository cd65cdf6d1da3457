"""The historical policy as an investor: MGX, PIF, QIA and SoftBank in 2024–25.

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

In another scenario a Gulf fund funds a ``campus_gw`` campus after a year and takes a yearly lab
stake; any other fund backs lab rounds and lends.
"""

from __future__ import annotations

from agents.historical.playbook import HistoricalBase
from agents.tactics import clamp
from game.decisions import BuySpotGpus, Decision, FundCampus, Propose
from game.observation import Observation

__all__ = ["CAMPUSES", "InvestorPlaybook"]

#: Sovereign campuses: actor -> (first quarter, size as a multiple of ``campus_gw``, size to grow to
#: with a licence, as a multiple of ``campus_gw``).
CAMPUSES = {
    "mgx": ("2025Q2", 1.0, 5.0),  # Stargate UAE: 200 MW in 2026 of a first 1 GW phase
    "pif": ("2025Q2", 1.5, 5.0),  # HUMAIN
    "qia": ("2025Q4", 0.5, 1.5),  # Qai
    "softbank": ("2025Q3", 0.75, 0.75),  # Sakai
}


class InvestorPlaybook(HistoricalBase):
    """The historical funds: dated stakes and rounds, yearly stakes, loans, sovereign campuses.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

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
