"""The historical policy as a designer: Nvidia's 2024–25 strategy, and its challengers'.

**Nvidia** (designer). Kept prices stable and margins high (H100 ~$25–40k, FT/CNBC; gross margin
72.7 % in FY24 and 75 % in FY25, Nvidia 10-K) rather than auctioning scarce supply: it allocated
it to committed customers and booked most of TSMC's CoWoS capacity a year or more ahead
(TrendForce, DigiTimes). Data-centre revenue grew about 16 % a quarter in 2024 ($22.6B to $35.6B,
Nvidia results). As labs built their own chips (Google's TPU, Amazon's Trainium, OpenAI with
Broadcom) it answered with investment for purchases: up to $100B in OpenAI as it deploys 10 GW of
Nvidia systems, about $10B per GW (letter of intent, Sept 2025), and stakes in xAI and CoreWeave.

*Here*: prices at the reference price or a ``target_margin`` gross margin, whichever is higher
(the kinked demand makes the reference about the profit-maximising price: buyers leave fast above
it), a few percent above it while stock is short and below it while stock piles up, and never at
a gross margin above :data:`MAX_MARGIN` (so never pinned at the cap); reserves wafers
``reserve_ahead`` quarters ahead on 8-quarter contracts for most of its projected sales and buys
the rest spot, within what the foundries' packaging can turn into chips; sells supply contracts
with prepayment to labs; sells no equity. From 2025Q3 it offers the largest lab vendor financing,
and it **answers a lab's own chip programme**: to a lab with one under way it sells supply
:data:`CONCESSION` under list and offers investment for purchases — about 28 % of the chips the
lab commits to buy ($10B a GW of ~$35B of systems), for a stake at the lab's valuation.

In another scenario the designer with the largest market share follows Nvidia's rules; the others
price 30 % under the leader (AMD's MI300X was priced well under the H100) and sell supply
contracts.
"""

from __future__ import annotations

from agents.historical.playbook import HistoricalBase
from agents.tactics import clamp, generation_ahead
from game.decisions import BuySpotWafers, Decision, Propose, SetGpuPrice
from game.observation import Observation

__all__ = ["CONCESSION", "MAX_MARGIN", "DesignerPlaybook"]

#: Highest gross margin it prices at (Nvidia's quarterly gross margin peaked at ~78 % in 2024).
MAX_MARGIN = 0.8
#: Price concession to a lab that builds its own chips (assumption: enough to keep most of its
#: orders, as the 2025 investment-for-purchase deals did).
CONCESSION = 0.1
#: Share of a lab's committed purchases it invests back (Sept 2025: ~$10B a GW of ~$35B).
INVEST_SHARE = 0.28


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
        """$k an H100e costs it now: its share of a wafer and the unit cost (events included)."""
        b, gen = obs.books, float(obs.market["generation"])
        wafer = min(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(obs.market["wafer_reference_price"]),
        )
        unit = float(b["unit_cost"]) * float(obs.modifiers["unit_cost"])
        return (wafer / float(b["dies_per_wafer"]) + unit) / gen

    def _list_price(self, obs: Observation) -> float:
        """The price it wants now: see the module docstring."""
        price = float(obs.public[obs.actor]["gpu_price"])
        cost = self._unit_cost(obs)
        if self._playbook(obs) == "challenger":
            # Undercut the leader (MI300X was priced well under the H100), keep a margin.
            return max(0.7 * self._leader_price(obs), 1.3 * cost)
        ref = float(obs.market["gpu_reference_price"])
        e = float(obs.market_params["gpu_elasticity_above"])
        best = max(ref, e / (e - 1) * cost) if e > 1 else ref
        want = max(best, cost / (1 - self.params["target_margin"]))
        sold = max(float(obs.public[obs.actor]["sold"]), 1.0)
        inv = float(obs.books["inventory"])
        if inv < 0.3 * sold:
            want = min(price * 1.03, 1.08 * want)  # scarce: a little more, allocation first
        elif inv > 1.5 * sold:
            want = min(want, price * 0.95)  # clear the stock before it is written down
        return min(want, cost / (1 - MAX_MARGIN))

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        self._track(obs)
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal and obs.quarter > 0:
            lo, hi = legal["set_gpu_price"]["price"]
            new = clamp(self._list_price(obs), price * 0.9, price * 1.1)
            if abs(new - price) > 0.003 * price:
                out.append(SetGpuPrice(clamp(new, lo, 0.9 * hi)))
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

    def _packaging_wafers(self, obs: Observation) -> float:
        """k of its wafers a quarter the foundries' packaging can turn into chips (its share:
        all of it less what labs' own chips take, roughly)."""
        dpw = max(1.0, float(obs.books["dies_per_wafer"]))
        ppw = float(obs.rules.packages_per_wafer)
        total = sum(float(obs.public[f]["packaging_capacity"]) for f in obs.others("foundry"))
        rivals = [d for d in obs.others("designer")]
        share = 1.0 / (1 + len(rivals)) if rivals else 1.0
        share = max(share, float(obs.public[obs.actor]["market_share"]))
        return total * ppw / dpw * share * float(obs.modifiers["packaging"])

    def _expected_sales(self, obs: Observation, ahead: int) -> float:
        """Units a quarter it expects to sell ``ahead`` quarters on (its sales, on trend)."""
        m = obs.market
        share = float(obs.public[obs.actor]["market_share"])
        price = float(obs.public[obs.actor]["gpu_price"])
        rel = price / float(m["gpu_reference_price"])
        mp = obs.market_params
        e = float(mp["gpu_elasticity"] if rel <= 1 else mp["gpu_elasticity_above"])
        outside = float(m["gpu_demand"]) * share * rel**-e
        owed = sum(c["terms"]["quantity"] for c in self._mine(obs, "supply", 1))
        owed += sum(c["terms"]["quantity"] for c in self._mine(obs, "vendor_financing", 0))
        last = self._sold[-4:]
        recent = max(last) - owed if last else 0.0  # sales beyond the contracts
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
        want = 1.1 * self._expected_sales(obs, 0) - float(b["inventory"])
        need = want / per - reserved
        return max(0.0, min(need, self._packaging_wafers(obs) - reserved))

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
        target = min(target, self._packaging_wafers(obs))
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
        # Allocate supply to committed customers: contracts with prepayment, at list price
        # (less a concession to a lab that builds its own chips).
        price = float(obs.public[obs.actor]["gpu_price"])
        customers = {c["parties"][0] for c in self._mine(obs, "supply", 1) if self._left(c) > 1}
        for lab in obs.legal.partners.get("supply", ()):
            if lab in customers or len(out) >= obs.legal.proposals_left:
                continue
            p = obs.public[lab]
            can_pay = 0.2 * (float(p["cash"]) / 4 + float(p["revenue"]))
            own = p["chip_programme"] is not None and book in ("nvidia", "leader")
            ask = price * (1 - CONCESSION) if own else price
            qty = min(can_pay * 1000 / ask, 0.15 * max(self._sold[-1:], default=10.0))
            if qty >= 2:
                out.append(
                    self._offer(
                        obs,
                        lab,
                        "supply",
                        {"quantity": qty, "quarters": 4, "price": ask, "prepay": 0.1},
                    )
                )
        # Investment for purchases: Nvidia's 2025 deals (OpenAI, xAI), and its answer to a lab's
        # own chip; others only in need.
        if book in ("nvidia", "leader") and len(out) < obs.legal.proposals_left:
            out += self._vendor_financing(obs, book)
        return out

    def _lab_buys(self, obs: Observation, lab: str) -> float:
        """kH100e a quarter a lab has been adding lately (from its public compute)."""
        key = f"compute {lab}"
        c = float(obs.public[lab]["compute"])
        prev = self._notes.get(key, c)
        self._notes[key] = c
        rate = max(0.0, c - prev) + c / float(obs.rules.compute_life)
        avg = self._notes.get(f"buys {lab}", rate)
        self._notes[f"buys {lab}"] = 0.7 * avg + 0.3 * rate
        return self._notes[f"buys {lab}"]

    def _vendor_financing(self, obs: Observation, book: str) -> list[Propose | None]:
        labs = obs.legal.partners.get("vendor_financing", ())
        if not labs:
            return []
        buys = {n: self._lab_buys(obs, n) for n in labs}
        financed = {
            c["parties"][1] for c in self._mine(obs, "vendor_financing", 0) if self._left(c) > 1
        }
        cands = [n for n in labs if n not in financed]
        if not cands:
            return []
        dated = book == "nvidia" and self._due(obs, "vendor financing", "2025Q3")
        # The answer to a lab's own chip: the one with a programme under way that buys most.
        rivals = [n for n in cands if obs.public[n]["chip_programme"] is not None]
        if rivals:
            lab = max(rivals, key=lambda n: buys[n])
        elif dated or book == "leader":
            lab = max(cands, key=lambda n: float(obs.public[n]["revenue"]))
        else:
            return []
        p = obs.public[lab]
        in_need = p["distressed"] or float(p["cash"]) < 2.0
        if not (rivals or dated or (in_need and obs.quarter >= 4)):
            return []
        if dated:
            self._done.append("vendor financing")
        price = float(obs.public[obs.actor]["gpu_price"]) * (1 - CONCESSION if rivals else 1)
        qty = max(2.0, 0.5 * buys[lab])
        quarters = 8
        val = max(1.0, float(p["valuation"]))
        amount = min(INVEST_SHARE * qty * price * quarters / 1000, 0.15 * self._cash(obs))
        stake = amount / val
        if amount < 0.2 or float(p["control"]) - stake < 0.3:
            return []
        return [
            self._offer(
                obs,
                lab,
                "vendor_financing",
                {
                    "amount": amount,
                    "stake": stake,
                    "quantity": qty,
                    "quarters": quarters,
                    "price": price,
                },
            )
        ]
