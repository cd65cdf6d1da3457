"""The planner as a designer: prices at the profit-maximising point, answers a lab's own chips.

Outside demand for accelerators is kinked at the reference price (``gpu_elasticity`` below it,
``gpu_elasticity_above`` above it, from ``obs.market_params``), and the reference falls with each
generation. Below the reference demand is inelastic, so a lower price only loses revenue; above
it demand is elastic, so the profit-maximising price is the larger of the reference and
``e / (e - 1)`` × the unit cost. As a **designer** it prices there, unless what it can make this
quarter (its stock and the packaging left to it, less what it owes under contract) falls short of
what buyers would take: then it prices to clear that supply, but never where its gross margin
would pass ``max_margin`` (and far from the cap). It buys wafers for what it expects to sell
(reserving a horizon ahead the steady part, the rest spot) and sells supply forward at list price
when it will have the units.

It **answers a lab's chip programme**: once a lab's public ``chip_programme`` is under way, it
weighs what that lab's volume is worth to it. Without an answer, the lab buys at list until its
chips are ready (about ``chip_programme_quarters`` after it started, slips included) and little
after; with one, it keeps that volume at a price just under the lab's own cost of a chip. If the
volume kept is worth more than the margin given up, it offers the lab a supply contract at that
price, or vendor financing (cash for a small stake, tied to the same purchases) when the lab is
short of cash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.planner.projection import PlannerBase
from agents.tactics import REF_DPW, clamp, generation_ahead
from game.decisions import BuySpotWafers, Decision, Propose, SetGpuPrice
from game.observation import Observation

__all__ = ["DesignerPlanning"]


class DesignerPlanning(PlannerBase):
    """The planner's designer: demand forecast, pricing, wafer buying, supply sales, and its
    answer to labs' own chips.

    Not a policy of its own: a part of :class:`~agents.planner.PlannerPolicy`.
    """

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._programmes: dict[str, int] = {}  # lab -> quarter its programme was first seen
        self._lab_compute: dict[str, list[float]] = {}  # lab -> compute per quarter

    def _observe_designer(self, obs: Observation) -> None:
        first = obs.quarter != self._last_q
        self._observe(obs)
        if not first:
            return
        for n, p in obs.public.items():
            if p["role"] != "lab":
                continue
            hist = self._lab_compute.setdefault(n, [])
            hist.append(float(p.get("compute", 0.0)))
            del hist[:-5]
            if p.get("chip_programme") is not None and n not in self._programmes:
                self._programmes[n] = obs.quarter

    # =========================================================================== demand
    def _unit_cost(self, obs: Observation, wafer_price: float | None = None) -> float:
        """Cost of one H100e made now ($k): the wafer share and the unit cost."""
        b, gen = obs.books, float(obs.market["generation"])
        if wafer_price is None:
            wafer_price = min(
                (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
                default=float(obs.market_params["wafer_reference_price"]),
            )
        unit = float(b["unit_cost"]) * float(obs.modifiers.get("unit_cost", 1.0))
        return (wafer_price / float(b["dies_per_wafer"]) + unit) / gen

    def _outside_demand(self, obs: Observation, price: float, k: int = 0) -> float:
        """Projected outside demand for my accelerators k quarters ahead at a price (kH100e),
        on the kinked curve (the price kept relative to the falling reference)."""
        m, mp = obs.market, obs.market_params
        share = float(obs.public[obs.actor]["market_share"])
        base = float(m["gpu_demand"]) * share * (1 + self._market_growth(0)) ** k
        base *= float(obs.modifiers.get("gpu_demand", 1.0))
        ref = float(m["gpu_reference_price"]) / generation_ahead(obs, k) ** float(
            mp.get("gpu_price_decline", 1.0)
        )
        rel = max(1e-6, price / ref)
        e = float(mp["gpu_elasticity"]) if rel <= 1.0 else float(mp["gpu_elasticity_above"])
        return base * rel**-e

    def _expected_sales(self, obs: Observation, price: float) -> float:
        """kH100e it expects to sell this quarter beyond its contracts: the outside demand at
        its price, or what it sold last quarter (labs' spot orders included) grown with the
        market if more — and more again if it sold out."""
        outside = self._outside_demand(obs, price)
        sold = float(obs.public[obs.actor]["sold"]) - self._owed_units(obs)
        if obs.quarter == 0 or sold <= 0:
            return outside
        grown = sold * (1 + max(0.0, self._market_growth(0)))
        if float(obs.books["inventory"]) < 0.05 * sold:  # sold out: demand was higher
            grown *= 1 + self.params["safety"]
        return max(outside, grown)

    def _owed_units(self, obs: Observation) -> float:
        """kH100e a quarter I owe under supply and vendor-financing contracts."""
        return sum(c["terms"]["quantity"] for c in self._active(obs, "supply", 1)) + sum(
            c["terms"]["quantity"] for c in self._active(obs, "vendor_financing", 0)
        )

    def _designer_supply(self, obs: Observation) -> tuple[float, float, float]:
        """(contracted wafers a quarter, packaging room for me in wafers, units per wafer)."""
        b, gen = obs.books, float(obs.market["generation"])
        contracted = sum(c["terms"]["wafers"] for c in self._active(obs, "capacity", 0))
        foundries = [n for n in obs.others("foundry")]
        pkg = sum(float(obs.public[f]["packaging_capacity"]) for f in foundries)
        pkg *= float(obs.modifiers.get("packaging", 1.0))
        others = sum(
            float(p["sold"])
            for n, p in obs.public.items()
            if p["role"] == "designer" and n != obs.actor
        )
        room = max(0.0, pkg - others / (obs.rules.packages_per_wafer * gen))
        return contracted, room, float(b["dies_per_wafer"]) * gen

    def _designer_price(self, obs: Observation) -> float:
        """The profit-maximising price on the kinked demand curve, or the price that clears
        what it can make when that is short; never a gross margin above ``max_margin``."""
        mp = obs.market_params
        ref = float(obs.market["gpu_reference_price"])
        cost = self._unit_cost(obs)
        e_hi = float(mp["gpu_elasticity_above"])
        best = ref if e_hi <= 1.0 else max(ref, e_hi / (e_hi - 1.0) * cost)
        _, room, upw = self._designer_supply(obs)
        supply = float(obs.books["inventory"]) + room * upw - self._owed_units(obs)
        want = self._outside_demand(obs, best)
        price = best
        if supply > 1 and want > supply * (1 + self.params["safety"]):
            # Short: the price at which buyers take what it can make (demand is elastic here).
            price = best * (want / supply) ** (1.0 / max(1.05, e_hi))
        most = cost / max(0.05, 1.0 - self.params["max_margin"])
        return clamp(price, 0.5 * ref, min(most, 2.0 * ref) if most > ref else ref)

    # =========================================================================== moves
    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        self._observe_designer(obs)
        b = obs.books
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price = float(obs.public[obs.actor]["gpu_price"])
        if "set_gpu_price" in legal:
            lo, hi = legal["set_gpu_price"]["price"]
            want = self._designer_price(obs)
            new = clamp(want, price * 0.9, price * 1.1)
            if abs(new - price) > 0.005 * price:
                new = clamp(new, lo, hi)
                out.append(SetGpuPrice(new))
                price = new
        # Spot wafers for what this quarter's demand needs beyond stock and contracts.
        contracted, room, upw = self._designer_supply(obs)
        need_units = (
            self._expected_sales(obs, price) * (1 + 0.5 * self.params["safety"])
            + self._owed_units(obs)
            - float(b["inventory"])
        )
        need = min(need_units / upw - contracted * 0.97, room - contracted)
        if need > 0.5 and "buy_spot_wafers" in legal:
            fs = legal["buy_spot_wafers"]["foundry"]
            f = min(fs, key=lambda n: float(obs.public[n]["wafer_price"]))
            wp = float(obs.public[f]["wafer_price"])
            cash = self._cash(obs)
            afford = (
                max(0.0, cash - float(b["fixed_opex"]))
                * 1000
                / (wp + float(b["unit_cost"]) * float(b["dies_per_wafer"]))
            )
            qty = min(need, afford)
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if qty >= lo:
                out.append(BuySpotWafers(f, clamp(qty, lo, hi)))
        return out

    # =========================================================================== offers
    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        self._observe_designer(obs)
        out: list[Propose | None] = []
        out += self._answer_programmes(obs)
        price = float(obs.public[obs.actor]["gpu_price"])
        contracted, room, upw = self._designer_supply(obs)
        h = self._h
        # The steady part of the need over the horizon, reserved ahead; the rest is bought spot.
        steady = min(
            (self._outside_demand(obs, price, k) + self._owed_units(obs))
            / (upw * generation_ahead(obs, k))
            for k in range(1, h + 1)
        )
        steady = min(steady * (1 - self.params["safety"]), room * 0.9)
        expiring = sum(
            c["terms"]["wafers"] for c in self._active(obs, "capacity", 0) if self._left(c) <= 1
        )
        gap = steady - (contracted - expiring)
        foundries = obs.legal.partners.get("capacity", ())
        if gap > max(2.0, 0.15 * steady) and foundries:
            f = max(
                foundries, key=lambda n: obs.trust_in[n] - float(obs.public[n]["wafer_price"]) / 100
            )
            wp = float(obs.public[f]["wafer_price"])
            wafers = min(gap, obs.free_capacity[f])
            cost_now = 0.05 * wafers * wp * h / 1000
            if wafers >= 1 and cost_now < 0.3 * self._cash(obs):
                out.append(
                    self._offer(
                        obs,
                        f,
                        "capacity",
                        {"wafers": wafers, "quarters": h, "price": wp * 0.98, "prepay": 0.05},
                    )
                )
        # Sell supply forward to labs that can pay (backlog, guaranteed sales), at list price.
        spare_units = room * upw - self._outside_demand(obs, price) - self._owed_units(obs)
        answered = {p.recipient for p in out if p is not None and p.kind != "capacity"}
        for lab in obs.legal.partners.get("supply", ()):
            if spare_units < 5 or len(out) >= 2:
                break
            p = obs.public[lab]
            if lab in answered or any(
                c["parties"][0] == lab for c in self._active(obs, "supply", 1)
            ):
                continue
            can_pay = 0.25 * (float(p["cash"]) / h + float(p["revenue"]))
            qty = min(spare_units * 0.3, can_pay * 1000 / price)
            if qty >= 2:
                out.append(
                    self._offer(
                        obs,
                        lab,
                        "supply",
                        {"quantity": qty, "quarters": h, "price": price, "prepay": 0.05},
                    )
                )
                spare_units -= qty
        return out

    def _lab_volume(self, lab: str, obs: Observation) -> float:
        """kH100e a quarter a lab buys: its compute's growth and what retires."""
        hist = self._lab_compute.get(lab, [])
        now = float(obs.public[lab].get("compute", 0.0))
        growth = (now - hist[0]) / (len(hist) - 1) if len(hist) >= 2 else 0.0
        return max(0.0, growth) + now / float(obs.rules.compute_life)

    def _answer_programmes(self, obs: Observation) -> list[Propose | None]:
        """Offers to labs whose own chips are coming: keep their volume where it pays."""
        out: list[Propose | None] = []
        price = float(obs.public[obs.actor]["gpu_price"])
        cost = self._unit_cost(obs)
        gen = float(obs.market["generation"])
        r = obs.rules
        wafer = min(
            (float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")),
            default=float(obs.market_params["wafer_reference_price"]),
        )
        own_upw = float(r.own_chip_efficiency) * REF_DPW
        own = (float(r.own_chip_unit_cost) + wafer / own_upw) / gen  # a lab's own H100e, $k
        lag = float(r.chip_programme_quarters) / max(0.05, 1.0 - float(r.chip_programme_slip))
        q = 8
        for lab, started in sorted(self._programmes.items()):
            if lab not in obs.legal.partners.get("supply", ()):
                continue
            if any(
                c["parties"][0 if c["kind"] == "supply" else 1] == lab
                for kind in ("supply", "vendor_financing")
                for c in self._active(obs, kind, 1 if kind == "supply" else 0)
                if self._left(c) > 2
            ):
                continue
            vol = self._lab_volume(lab, obs)
            offer = max(1.25 * cost, 0.95 * own)
            if vol < 1 or offer >= price:
                continue
            to_ready = max(0.0, started + lag - obs.quarter)
            before = min(float(q), to_ready)
            beyond = 0.3  # what a lab with its own chips still buys (packaging is short)
            without = vol * (price - cost) * (before + beyond * (q - before))
            with_deal = vol * (offer - cost) * q
            if with_deal <= without:
                continue
            p = obs.public[lab]
            terms = {"quantity": vol, "quarters": q, "price": offer}
            short = float(p["cash"]) < 2 * vol * offer / 1000
            val = max(1.0, float(p["valuation"]))
            amount = 2 * vol * offer / 1000
            if (
                short
                and lab in obs.legal.partners.get("vendor_financing", ())
                and amount / val < 0.5 * float(p["control"])
                and amount < 0.3 * self._cash(obs)
            ):
                out.append(
                    self._offer(
                        obs,
                        lab,
                        "vendor_financing",
                        {**terms, "amount": amount, "stake": amount / val},
                    )
                )
            else:
                out.append(self._offer(obs, lab, "supply", {**terms, "prepay": 0.0}))
        return out

    def _judge_supply_sale(self, obs: Observation, t: Mapping[str, Any]) -> Any:
        price = float(obs.public[obs.actor]["gpu_price"])
        _, room, upw = self._designer_supply(obs)
        can = room * upw + float(obs.books["inventory"]) - self._owed_units(obs)
        if t["quantity"] > (1 + self.params["safety"]) * can:
            return (
                {**t, "quantity": max(0.5, 0.8 * can), "price": max(t["price"], price)}
                if can > 1
                else None
            )
        if t["price"] * (1 + self.params["margin"]) >= price:
            return True
        return {**t, "price": price}
