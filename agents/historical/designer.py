"""The historical policy as a designer: Nvidia's 2024–25 strategy, and its challengers'.

**Nvidia** (designer). Kept prices and margins high (H100 ~$25–40k, FT/CNBC; gross margin 72.7 % in
FY24 and 75 % in FY25, Nvidia 10-K), allocated scarce supply to committed customers, booked most of
TSMC's CoWoS capacity a year or more ahead (TrendForce, DigiTimes), and from 2025 made
investment-for-purchase deals with labs (up to $100B in OpenAI as it deploys Nvidia systems, letter
of intent Sept 2025; stakes in xAI and CoreWeave). Data-centre revenue grew about 16 % a quarter in
2024 ($22.6B to $35.6B, Nvidia results).

*Here*: prices for a ``target_margin`` gross margin and never below the reference price, raising
when stock is short and cutting only when it piles up; reserves wafers ``reserve_ahead`` quarters
ahead on 8-quarter contracts for most of its projected sales and buys the rest spot; sells supply
contracts with prepayment to labs; sells no equity; from 2025Q3 offers the largest lab vendor
financing.

In another scenario the designer with the largest market share follows Nvidia's rules; the others
price 30 % under the leader (AMD's MI300X was priced well under the H100) and sell supply
contracts.
"""

from __future__ import annotations

from agents.historical.playbook import HistoricalBase
from agents.tactics import clamp, generation_ahead
from game.decisions import BuySpotWafers, Decision, Propose, SetGpuPrice
from game.observation import Observation

__all__ = ["DesignerPlaybook"]


class DesignerPlaybook(HistoricalBase):
    """The historical designer: margin pricing, wafers reserved ahead, supply and vendor deals.

    Not a policy of its own: a part of :class:`~agents.historical.HistoricalPolicy`.
    """

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
        e = float(obs.market_params["gpu_elasticity"])
        outside = float(m["gpu_demand"]) * share * (price / float(m["gpu_reference_price"])) ** -e
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
        per_future = float(b["dies_per_wafer"]) * gen * generation_ahead(obs, ahead / 2)
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
            wafers = min(target - held, obs.free_capacity[f])
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
