"""The basic bot as a designer: pricing against the kinked demand, wafers, answers to own chips."""

from __future__ import annotations

from agents.basic.core import BasicCore
from agents.minmax import max2, min2
from agents.tactics import (
    chip_programme_answer,
    clamp,
    clearing_price,
    foundry_output,
    gpu_demand,
    gpu_owed,
    gpu_supply,
    optimal_gpu_price,
    other_makers_units,
    packaging_units,
    programme_labs,
    promised_wafers,
    shared_active,
    wafer_demand,
    wafers_contracted,
)
from game.decisions import (
    BuySpotWafers,
    Decision,
    Propose,
    SetGpuPrice,
)
from game.observation import Observation

__all__ = ["DesignerPlay"]


class DesignerPlay(BasicCore):
    """The basic designer (a part of :class:`~agents.basic.BasicPolicy`)."""

    # -- designers ----------------------------------------------------------------------------
    def _gpu_demand_now(self, obs: Observation, price: float, unmet: float = 0.25) -> float:
        """kH100e buyers want from the designer this quarter at ``price``: what it owes under
        contract, the outside demand, and labs' spot orders as large as last quarter's (they
        fall with the price like the outside demand). If it sold out last quarter, what labs got
        understates what they wanted: ``unmet`` more is assumed."""
        me = obs.actor
        owed = gpu_owed(obs, self._contracts(obs))
        last = float(obs.public[me]["gpu_price"])
        sold = float(obs.public[me]["sold"])
        at_last, at_price = gpu_demand(obs, me, last), gpu_demand(obs, me, price)
        labs = max2(0.0, sold - at_last - owed)
        if sold > 0 and float(obs.books["inventory"]) < 0.02 * sold:
            labs *= 1.0 + unmet
        scale = at_price / max2(at_last, 1e-9)
        return owed + at_price + labs * scale

    def _designer_plan(
        self,
        obs: Observation,
        buffer: float,
        ceiling: float,
        toward: float,
        cash_share: float,
        step: float = 0.05,
        notch: float = 0.0,
    ) -> tuple[float, BuySpotWafers | None]:
        """This quarter's price and spot wafer order.

        It orders the wafers that, with its stock and reserved wafers, meet the demand it
        expects at the profit-maximising price plus ``buffer`` (within the foundry's packaging and
        free capacity and ``cash_share`` of its cash). Only if what it can then sell falls short
        does its price move ``toward`` (0–1) the market-clearing one, at most ``ceiling`` × the
        reference; while it keeps selling out that way, ``step`` higher each quarter. A family
        may post its price ``notch`` above (below, if negative) the best one.
        """
        legal = obs.legal.moves
        b = obs.books
        mine = self._contracts(obs)
        best = optimal_gpu_price(obs) * (1.0 + notch)
        demand = self._gpu_demand_now(obs, best)
        owed = gpu_owed(obs, mine)
        have = gpu_supply(obs, mine)
        order: BuySpotWafers | None = None
        spot: dict[str, float] = {}
        want = demand * (1.0 + buffer) - have
        if "buy_spot_wafers" in legal and want > 0:
            order, spot = self._spot_wafers(obs, want, cash_share)
        supply = gpu_supply(obs, mine, spot)
        e = max2(1.05, float(obs.market_params.get("gpu_elasticity_above", 2.5)))
        ref = float(obs.market["gpu_reference_price"])
        clear = clearing_price(best, demand, supply, owed, e, ceiling * ref)
        last = float(obs.public[obs.actor]["gpu_price"])
        sold, stock = float(obs.public[obs.actor]["sold"]), float(b["inventory"])
        if supply < demand and sold > 0 and stock < 0.02 * sold:
            clear = max2(clear, min2(max2(best, last) * (1.0 + step), ceiling * ref))
        elif last > best and stock < 0.2 * max2(sold, 1.0) and supply < 1.05 * demand:
            clear = max2(clear, last * 0.97)  # eases back slowly while supply stays tight
        return best + toward * (max2(clear, best) - best), order

    def _spot_wafers(
        self, obs: Observation, units: float, cash_share: float
    ) -> tuple[BuySpotWafers | None, dict[str, float]]:
        """A spot order at the cheapest foundry for the wafers that make ``units`` kH100e, within
        its packaging room there and ``cash_share`` of its cash; with the wafers it expects to
        get (a sold-out foundry shares what it has left pro rata with outside buyers)."""
        legal = obs.legal.moves
        f = min(legal["buy_spot_wafers"]["foundry"], key=lambda n: obs.public[n]["wafer_price"])
        wp = float(obs.public[f]["wafer_price"])
        per_wafer = max2(1.0, float(obs.books["dies_per_wafer"])) * float(obs.market["generation"])
        promised = promised_wafers(obs, f)
        mine_at_f = sum(
            [
                float(c["terms"]["wafers"])
                for c in shared_active(obs, "capacity", self._contracts(obs))
                if tuple(c["parties"]) == (obs.actor, f)
            ]
        )
        pack_room = packaging_units(obs, f) - mine_at_f * per_wafer
        pack_room -= self._others_packaging(obs, f)
        wafers = min2(units, max2(0.0, pack_room)) / per_wafer
        free = max2(0.0, 0.97 * foundry_output(obs, f) - promised)
        outside = wafer_demand(obs, f, wp)
        order = wafers
        if wafers > 0 and free < wafers + outside:  # shared pro rata with outside buyers
            order = wafers * outside / (free - wafers) if free > 1.05 * wafers else 3 * wafers
        order = min2(order, cash_share * max2(0.0, self._cash(obs)) * 1000.0 / wp)
        lo, hi = legal["buy_spot_wafers"]["quantity"]
        if order < lo:
            return None, {}
        order = clamp(order, lo, hi)
        got = order if free >= order + outside else free * order / (order + outside)
        return BuySpotWafers(f, order), {f: got}

    @staticmethod
    def _others_packaging(obs: Observation, foundry: str) -> float:
        """kH100e of the foundry's packaging the other chip makers' reserved wafers use."""
        return other_makers_units(obs, foundry)

    def _propose_designer(self, obs: Observation) -> list[Propose | None]:
        out: list[Propose | None] = []
        out += self._programme_answers(obs, discount=0.10, financing=0.0)
        out += self._reserve_wafers(obs, share=0.7, price_factor=0.98, prepay=0.05)
        return out

    def _reserve_wafers(
        self, obs: Observation, share: float, price_factor: float, prepay: float
    ) -> list[Propose | None]:
        """A capacity reservation for ``share`` of the wafers its expected demand needs, beyond
        what it has reserved, from the foundry with most free capacity it trusts."""
        b = obs.books
        mine = self._contracts(obs)
        per_wafer = max2(1.0, float(b["dies_per_wafer"])) * float(obs.market["generation"])
        demand = self._gpu_demand_now(obs, optimal_gpu_price(obs), unmet=0.0)
        contracted = wafers_contracted(obs, mine)
        stock = float(b["inventory"])  # what it holds sells first
        need = (share * demand - 0.5 * stock) / per_wafer - contracted
        foundries = [f for f in obs.others("foundry") if obs.free_capacity[f] > 1]
        if need < max2(2.0, 0.15 * contracted) or not foundries:
            return []
        f = max(foundries, key=lambda n: obs.trust_in[n] * obs.free_capacity[n])
        wafers = min2(need, 0.8 * obs.free_capacity[f])
        price = float(obs.public[f]["wafer_price"]) * price_factor
        if wafers < 1 or prepay * wafers * price * 8 / 1000 > 0.3 * self._cash(obs):
            return []
        terms = {"wafers": wafers, "quarters": 8, "price": price, "prepay": prepay}
        return [self._offer(obs, f, "capacity", terms)]

    def _programme_answers(
        self, obs: Observation, discount: float, financing: float, quarters: int = 6
    ) -> list[Propose | None]:
        """Better terms for each lab building its own chips (see
        :func:`~agents.tactics.chip_programme_answer`)."""
        out: list[Propose | None] = []
        for lab in programme_labs(obs):
            ans = chip_programme_answer(
                obs, lab, discount, quarters, financing, self._contracts(obs)
            )
            if ans is not None:
                out.append(self._offer(obs, lab, ans[0], ans[1]))
        return out

    def _moves_designer(self, obs: Observation) -> list[Decision | None]:
        out: list[Decision | None] = []
        legal = obs.legal.moves
        price, order = self._designer_plan(obs, buffer=0.1, ceiling=2.5, toward=1.0, cash_share=0.5)
        if "set_gpu_price" in legal:
            lo, hi = legal["set_gpu_price"]["price"]
            out.append(SetGpuPrice(clamp(price, lo, 0.9 * hi)))
        out.append(order)
        return out
