"""The historical policy as an investor: MGX, PIF, QIA and SoftBank in 2024–25, and their plans.

- **SoftBank** (Japan). Led Stargate with OpenAI, Oracle and MGX (Jan 2025: $500B over four
  years, US campuses leased to OpenAI — Abilene first) and OpenAI's $40B round (Mar 2025, $30B of
  it SoftBank's), financed with bridge loans; lends to labs. *Here*: leads the largest lab's round
  in 2025Q1 (equity up to half its cash, plus a loan), backs lab rounds and lends to labs short of
  cash; from 2025Q1 builds Stargate campuses as its cash allows (the engine puts an investor's
  campus at home; only a Gulf one needs a licence) and leases them to the lab, growing them while
  they are let and the lab's plan lacks power; fills only what no tenant takes.
- **MGX** (UAE). Founded Mar 2024 by Mubadala and G42 (target $100B, Bloomberg); in OpenAI's Oct
  2024 and Mar 2025 rounds and in Stargate; partner of Stargate UAE (May 2025, with G42, OpenAI,
  Oracle, Nvidia, after US export approval): a 5 GW campus, a first 1 GW phase, 200 MW in 2026.
  *Here*: stakes in OpenAI (or the largest lab) in 2024Q4 and 2025Q1; a ``campus_gw`` campus in
  2025Q2, grown to 1 GW and on towards 5 GW with an export licence while let; leases it to the lab
  (a Gulf lease powers nothing without a licence); lends a lab the money for a fab bet.
- **PIF** (Saudi Arabia). $100B AI programme (Nov 2024); HUMAIN (May 2025): Saudi data centres
  (1.9 GW by 2030) with Nvidia and AMD chips, hosting others (xAI, AWS). *Here*: a campus half
  again ``campus_gw`` in 2025Q2, grown with a licence toward 1.9 GW, filled with its own chips up
  to 70 % and let for the rest; a yearly stake in the largest lab and the largest designer; lends
  to a lab's fab bet.
- **QIA** (Qatar). Stakes in Anthropic (2025 rounds) and xAI; Qai with Brookfield (Dec 2025).
  *Here*: a yearly stake in a lab other than OpenAI when there is one; a campus half
  ``campus_gw`` in 2025Q4, filled like PIF's; lends to a lab's fab bet.

Leases: the landlord offers its free campus to the labs at about the clouds' rent
(:data:`LEASE_RENT` times it: dedicated power) for up to five years, and accepts a lab's offer at
no less than the clouds' rent. In another scenario a Gulf fund plays PIF's campus rules after a
year, and any other fund SoftBank's lending.
"""

from __future__ import annotations

from agents.historical.playbook import HistoricalBase
from agents.historical.power import GW_KH100E, path_gw, year_of
from agents.tactics import clamp
from game.decisions import BuySpotGpus, Decision, FundCampus, Propose
from game.observation import Observation

__all__ = ["CAMPUSES", "LEASE_RENT", "InvestorPlaybook"]

#: Sovereign campuses: playbook -> (first quarter, first phase as a multiple of ``campus_gw``,
#: the campus it grows to, as a multiple of ``campus_gw``).
CAMPUSES = {
    "softbank": ("2025Q1", 1.5, 50.0),  # Stargate: Abilene's 1.2 GW first, 10 GW planned
    "mgx": ("2025Q2", 1.0, 25.0),  # Stargate UAE: 200 MW in 2026, 1 GW phase of a 5 GW campus
    "pif": ("2025Q2", 1.5, 9.5),  # HUMAIN: 1.9 GW by 2030
    "qia": ("2025Q4", 0.5, 2.5),  # Qai
    "gulf": ("2025Q1", 1.0, 5.0),
}
#: Landlords that keep their campus for tenants (Stargate); the others fill it with their own
#: chips up to :data:`OWN_FILL` and let the rest.
STARGATE = ("softbank", "mgx")
OWN_FILL = 0.7
#: The rent a landlord asks, times the clouds' rent a GW a quarter (assumption: dedicated,
#: long-term power is worth a little more than the clouds' spare capacity).
LEASE_RENT = 1.1


class InvestorPlaybook(HistoricalBase):
    """The historical funds: dated stakes and rounds, yearly stakes, loans, campuses and leases.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

    def _propose_investor(self, obs: Observation) -> list[Propose | None]:
        self._track(obs)
        out: list[Propose | None] = []
        out += self._hist_lease_offers(obs)
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

    # ------------------------------------------------------------------ campuses and leases
    def _free_gw(self, obs: Observation) -> float:
        """GW of its campus neither let nor filled with its own chips."""
        return float(obs.books["campus_room"]) / (GW_KH100E * float(obs.market["generation"]))

    def _let_gw(self, obs: Observation) -> float:
        return sum(float(c["terms"]["gw"]) for c in self._mine(obs, "lease", 1))

    def _lab_short(self, obs: Observation, lab: str) -> float:
        """GW a lab lacks a year ahead, as the landlord sees it: the lab's plan (OpenAI's power
        path, which the Stargate partners share, scaled to the lab's size) less its power."""
        p = obs.public[lab]
        now = path_gw(year_of(obs.label))
        scale = 1.0 if lab == "OpenAI" else clamp(float(p["powered_gw"]) / now, 0.05, 1.0)
        want = path_gw(year_of(obs.label, 4)) * scale
        return max(0.0, want - float(p["powered_gw"]))

    def _hist_lease_offers(self, obs: Observation) -> list[Propose | None]:
        """Offer its free campus to the labs that lack power (OpenAI first)."""
        pub = obs.public[obs.actor]
        if float(pub["campus_gw"]) <= 0:
            return []
        from game.events import GULF_COUNTRIES

        if pub["country"] in GULF_COUNTRIES and not pub["licence"]:
            return []  # a tenant's chips need an export licence here too
        free = self._free_gw(obs)
        if free < 0.05:
            return []
        labs = sorted(
            obs.legal.partners.get("lease", ()),
            key=lambda n: (n != "OpenAI", -float(obs.public[n]["revenue_run_rate"])),
        )
        pending = {o["recipient"] for o in obs.sent if o["kind"] == "lease"}
        pending |= {o["proposer"] for o in obs.inbox if o["kind"] == "lease"}
        rent = LEASE_RENT * float(obs.market_params["cloud_rent"])
        out: list[Propose | None] = []
        for lab in labs:
            if lab in pending or free < 0.05 or len(out) >= 2:
                continue
            gw = min(free, max(0.05, self._lab_short(obs, lab)))
            quarters = max(1, min(20, obs.quarters_left - 1))
            out.append(
                self._offer(obs, lab, "lease", {"gw": gw, "quarters": quarters, "rent": rent})
            )
            free -= gw
        return out

    def _hist_judge_lease(
        self, obs: Observation, t: dict[str, float]
    ) -> bool | dict[str, float] | None:
        """A landlord lets what is free, for the clouds' rent or more."""
        free = self._free_gw(obs)
        floor = float(obs.market_params["cloud_rent"])
        if free < 0.05:
            return None
        if t["gw"] <= free and t["rent"] >= floor:
            return True
        return {**t, "gw": min(t["gw"], 0.98 * free), "rent": max(t["rent"], floor)}

    def _campus_gw(self, obs: Observation, book: str) -> float:
        """GW of campus to fund now: the dated first phase, then the next as the campus fills."""
        b, pub = obs.books, obs.public[obs.actor]
        unit = self.params["campus_gw"]
        plan = CAMPUSES.get(book)
        if plan is None:
            return 0.0
        label, first, full = plan
        if book == "gulf" and obs.quarter < 4:
            return 0.0
        if "campus" not in self._done:
            return first * unit if obs.label >= label else 0.0
        from game.events import GULF_COUNTRIES

        have = float(pub["campus_gw"]) + float(b["campus_building_gw"])
        if pub["country"] in GULF_COUNTRIES and not pub["licence"]:
            return 0.0  # the next phase waits for an export licence
        used = have - self._free_gw(obs) - float(b["campus_building_gw"])
        if used < 0.75 * have:
            return 0.0  # not full enough yet
        if book in STARGATE:  # the Stargate partners build for the lab's plan
            labs = obs.others("lab")
            if not labs or max(self._lab_short(obs, n) for n in labs) < 0.05:
                return 0.0
        return max(0.0, min(full * unit - have, max(have, unit)))

    def _moves_investor(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        book = self._playbook(obs)
        cash = self._cash(obs)
        if "fund_campus" in legal and float(b["campus_building_gw"]) == 0:
            gw = self._campus_gw(obs, book)
            lo, hi = legal["fund_campus"]["gw"]
            per_gw = float(obs.build_costs["campus"]["capex_per_gw"])
            lag = int(obs.build_costs["campus"]["build_quarters"])
            gw = min(gw, 0.4 * cash / per_gw)  # what its cash pays for over the build
            if gw >= max(lo, 0.05) and obs.quarters_left > lag + 2:
                self._done.append("campus")
                out.append(FundCampus(clamp(gw, lo, hi)))
        if "buy_spot_gpus" in legal and book not in STARGATE:
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            have = float(obs.public[obs.actor]["campus_gw"])
            own_gw = have - self._free_gw(obs) - self._let_gw(obs)
            room = (OWN_FILL * have - own_gw) * GW_KH100E * float(obs.market["generation"])
            qty = min(hi, room, self.params["risk"] * 0.5 * cash * 1000 / price)
            if qty >= lo:
                out.append(BuySpotGpus(d, qty))
        elif "buy_spot_gpus" in legal and book in STARGATE and self._idle(obs):
            designers = legal["buy_spot_gpus"]["designer"]
            d = min(designers, key=lambda n: float(obs.public[n]["gpu_price"]))
            price = float(obs.public[d]["gpu_price"])
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            qty = min(hi, 0.5 * float(b["campus_room"]), 0.3 * cash * 1000 / price)
            if qty >= lo:
                out.append(BuySpotGpus(d, qty))
        return out

    def _idle(self, obs: Observation) -> bool:
        """Whether its campus has stood partly idle, unlet, for a year (no lab wants it)."""
        free = self._free_gw(obs) >= 0.05
        key = "idle since"
        if not free:
            self._notes.pop(key, None)
            return False
        since = self._notes.setdefault(key, float(obs.quarter))
        return obs.quarter - since >= 4
