"""The basic bot as a lab: compute within its power, leases and campuses, own chips."""

from __future__ import annotations

from agents.basic.core import BasicCore
from agents.minmax import max2, min2
from agents.tactics import (
    REF_DPW,
    campus_cost,
    chip_programme_payoff,
    clamp,
    cloud_gw_ahead,
    fair_lease_rent,
    gpu_owed,
    gw_for,
    kh100e_for,
    lab_power_room,
    lab_power_use,
    landlords,
    lease_terms,
    leases_offered,
    merchant_gpu_price,
    packaging_units,
    per_observation,
    shared_active,
    wafers_contracted,
)
from game.decisions import (
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    FundCampus,
    Propose,
    StartChipProgramme,
)
from game.observation import Observation

__all__ = ["LabPlay"]


class LabPlay(BasicCore):
    """The basic lab (a part of :class:`~agents.basic.BasicPolicy`)."""

    # -- power (labs) -------------------------------------------------------------------------
    def _owed_to_me(self, obs: Observation) -> float:
        """kH100e a quarter designers owe the lab under its active supply and financing deals
        (its contracts are the observation's: worked out once an observation)."""
        memo = per_observation(obs)
        owed = memo.get("owed_to_lab")
        if owed is None:
            owed = memo["owed_to_lab"] = gpu_owed(obs, self._contracts(obs))
        return float(owed)

    def _own_chips_due(self, obs: Observation) -> float:
        """kH100e a quarter the lab's own chips from its reserved wafers will add."""
        b = obs.books  # (`in` and []: the read-only books' .get costs more, and this is hot)
        if "programme_quarters_left" not in b or b["programme_quarters_left"] != 0:
            return 0.0
        per_wafer = (
            float(obs.rules["own_chip_efficiency"]) * REF_DPW * float(obs.market["generation"])
        )
        return wafers_contracted(obs, self._contracts(obs)) * per_wafer

    def _retiring_gw(self, obs: Observation, quarters: float) -> float:
        """GW the lab's oldest accelerators will free in ``quarters`` (roughly: a growing fleet
        is young, so half a steady fleet's share)."""
        life = max2(1.0, float(obs.rules["compute_life"]))
        return 0.5 * lab_power_use(obs) * min2(1.0, quarters / life)

    def _powered_pace(self, obs: Observation, quarters: int) -> float:
        """kH100e a quarter of new accelerators the lab can power over the next ``quarters``:
        its free power, the leases it offers, the clouds' growth and the oldest chips'
        retirement, spread over them, less what its contracts already bring. The campuses it
        builds count only for the quarters after the next four (it cannot tell when each opens,
        and half a build is four quarters)."""
        q = max2(1, quarters)
        gw = lab_power_room(obs) + leases_offered(obs)
        gw += float(obs.books.get("campus_building_gw", 0.0)) * max2(0.0, q - 4.0) / q
        gw += cloud_gw_ahead(obs, q) + self._retiring_gw(obs, q)
        return max2(0.0, kh100e_for(obs, gw) / q - self._owed_to_me(obs) - self._own_chips_due(obs))

    def _room_now(self, obs: Observation) -> float:
        """kH100e of new accelerators the lab can power this quarter beyond what contracts bring."""
        gw = lab_power_room(obs) + self._retiring_gw(obs, 1)
        return max2(0.0, kh100e_for(obs, gw) - self._owed_to_me(obs) - self._own_chips_due(obs))

    @staticmethod
    def _lab_cash_flow(obs: Observation) -> float:
        """A lab's cash from running last quarter: revenue less opex, hosting, rent ($B)."""
        last = obs.books["last_quarter"]
        keys = ("ai_revenue", "opex", "hosting", "cloud_rent", "lease_rent", "campus_opex")
        return sum([float(last[k]) for k in keys if k in last])  # (see _lab_needs)

    def _power_gap(
        self, obs: Observation, spend: float, horizon: int, power_cost: float = 0.0
    ) -> float:
        """GW of new power the lab should get within ``horizon`` quarters to spend ``spend`` $B
        over them: the power coming anyway (its free power, campuses building, leases in force
        and on offer, the clouds' growth, the chips retired) takes accelerators only; what the
        budget leaves after filling it buys accelerators plus power at ``power_cost`` $B a GW."""
        chips = merchant_gpu_price(obs) * kh100e_for(obs, 1.0) / 1000.0  # $B of chips a GW runs
        coming = (
            float(obs.public[obs.actor]["powered_gw"])
            - lab_power_use(obs)
            + float(obs.books.get("campus_building_gw", 0.0))
            + sum([float(o["terms"]["gw"]) for o in obs.sent if o["kind"] == "lease"])
            + cloud_gw_ahead(obs, horizon)
            + self._retiring_gw(obs, horizon)
        )
        left = max2(0.0, spend) - chips * max2(0.0, coming)
        gap = max2(0.0, left / max2(chips + power_cost, 1e-6))
        # No more than it could fill: accelerators come at most at one spot order's worth a
        # quarter (or half what the designers sold, if less) plus what its contracts bring.
        moves = obs.legal.moves  # (`in` and [] on the read-only moves: cheaper than .get)
        legal = moves["buy_spot_gpus"]["quantity"] if "buy_spot_gpus" in moves else (0.0, 5000.0)
        sold = sum([float(obs.public[d]["sold"]) for d in obs.others("designer")])
        pace = min2(float(legal[1]), 0.3 * sold) + self._owed_to_me(obs) + self._own_chips_due(obs)
        return min2(gap, max2(0.0, gw_for(obs, pace) * (horizon + 4) - max2(0.0, coming)))

    def _lease_offers(
        self, obs: Observation, gap: float, rent_factor: float, quarters: int, most: int = 2
    ) -> list[Propose | None]:
        """Lease offers to the investors with free campus, for ``gap`` GW at ``rent_factor`` ×
        a fair rent (never above what the outside clouds charge, times the factor)."""
        out: list[Propose | None] = []
        if gap < 0.02:
            return out
        cloud = float(obs.market_params.get("cloud_rent", fair_lease_rent(obs)))
        rent = rent_factor * min2(fair_lease_rent(obs), cloud)
        for name, free in landlords(obs)[:most]:
            gw = min2(gap, free)
            if gw < 0.02:
                continue
            if gw * rent > 0.5 * max2(0.0, self._cash(obs)) + max2(0.0, self._lab_cash_flow(obs)):
                gw = (0.5 * max2(0.0, self._cash(obs)) + max2(0.0, self._lab_cash_flow(obs))) / rent
                if gw < 0.02:
                    continue
            out.append(self._offer(obs, name, "lease", lease_terms(obs, gw, rent, quarters)))
            gap -= gw
            if gap < 0.02:
                break
        return out

    def _campus_move(self, obs: Observation, gap: float) -> FundCampus | None:
        """A campus of its own for ``gap`` GW (see :meth:`_power_gap`), if it can pay the first
        instalment and there is time to use it."""
        legal = obs.legal.moves
        if "fund_campus" not in legal or gap < 0.05:
            return None
        per_gw, quarters = campus_cost(obs)
        if obs.quarters_left < quarters + 3:
            return None
        gw = min2(gap, 0.3 * max2(0.0, self._cash(obs)) * quarters / per_gw)  # its first instalment
        # All its campus instalments together within what its cash flow (and a little of its
        # spare cash) can carry each quarter.
        spare = self._cash(obs) - self._lab_needs(obs)[1]
        carry = 0.5 * self._lab_cash_flow(obs) + 0.1 * max2(0.0, spare)  # a burn counts against
        gw = min2(gw, (carry - self._campus_instalment(obs)) * quarters / per_gw)
        lo, hi = legal["fund_campus"]["gw"]
        if gw < max2(lo, 0.1):
            return None
        return FundCampus(clamp(gw, lo, hi))

    def _campus_step(self, obs: Observation, spare: float, risk: float) -> FundCampus | None:
        """A campus of its own for the power its budget would buy beyond what leases bring.

        The budget is ``0.5 + risk`` times its spare cash and the cash it makes over a campus
        build; :meth:`_power_gap` turns it into GW (power and the chips to fill it) and
        :meth:`_campus_move` decides whether it can pay for them.

        Args:
            obs: the lab's observation.
            spare: $B of cash above what it keeps in hand (negative counts as none).
            risk: the share of its spare cash it is willing to commit.

        Returns:
            The campus to fund, or None.
        """
        per_gw, quarters = campus_cost(obs)
        budget = (0.5 + risk) * (max2(0.0, spare) + quarters * max2(0.0, self._lab_cash_flow(obs)))
        return self._campus_move(obs, self._power_gap(obs, budget, quarters, per_gw))

    def _buy_compute(
        self, obs: Observation, budget: float, own_share: float
    ) -> list[Decision | None]:
        """Spot orders for the accelerators the lab can power this quarter, within ``budget``
        $B: wafers for its own chips first (up to ``own_share`` of the room), merchant ones for
        the rest."""
        out: list[Decision | None] = []
        legal = obs.legal.moves
        room = self._room_now(obs)
        if room < 0.1 or budget <= 0:
            return out
        if "buy_spot_wafers" in legal and own_share > 0:
            f = min(legal["buy_spot_wafers"]["foundry"], key=lambda n: obs.public[n]["wafer_price"])
            wp = float(obs.public[f]["wafer_price"])
            gen = float(obs.market["generation"])
            units_per_wafer = float(obs.rules["own_chip_efficiency"]) * REF_DPW * gen
            per_wafer = wp + float(obs.rules["own_chip_unit_cost"]) * units_per_wafer / gen
            pack = max2(0.0, packaging_units(obs, f) * 0.25)  # its share of the packaging, at most
            units = min(
                own_share * room, pack, own_share * budget * 1000.0 / per_wafer * units_per_wafer
            )
            wafers = units / units_per_wafer
            lo, hi = legal["buy_spot_wafers"]["quantity"]
            if wafers >= lo and wafers * wp / 1000.0 < self._cash(obs):
                out.append(BuySpotWafers(f, clamp(wafers, lo, hi)))
                room -= units
                budget -= wafers * per_wafer / 1000.0
        if "buy_spot_gpus" in legal and room >= 0.1 and budget > 0:
            d = min(legal["buy_spot_gpus"]["designer"], key=lambda n: obs.public[n]["gpu_price"])
            price = float(obs.public[d]["gpu_price"])
            qty = min(room, budget * 1000.0 / price, max2(0.0, self._cash(obs)) * 1000.0 / price)
            lo, hi = legal["buy_spot_gpus"]["quantity"]
            if qty >= lo:
                out.append(BuySpotGpus(d, clamp(qty, lo, hi)))
        return out

    def _chip_budget(self, obs: Observation, spare: float, share: float) -> float:
        """$B for accelerators this quarter: ``share`` of its spare cash, or more — up to all of
        it — to fill the power it has standing free (power, not money, is what binds)."""
        if spare <= 0:
            return 0.0
        room = self._room_now(obs) * merchant_gpu_price(obs) / 1000.0
        return min2(spare, max2(share * spare, room))

    def _last_chip_spend(self, obs: Observation) -> float:
        """$B the lab spent on accelerators (and wafers for its own) last quarter."""
        last = obs.books["last_quarter"]
        keys = ("gpu_sale", "gpu_prepayment", "wafer_sale", "wafer_prepayment", "unit_cost")
        return max2(0.0, -sum([float(last[k]) for k in keys if k in last]))  # (see _lab_needs)

    def _expected_spend(self, obs: Observation, budget: float) -> float:
        """$B a quarter the lab can expect to spend on accelerators: what it spent last quarter,
        or ``budget`` if more, as far as the power it can get (its pace over two years) allows."""
        pace = self._powered_pace(obs, 8) * merchant_gpu_price(obs) / 1000.0
        return max2(self._last_chip_spend(obs), min2(budget, pace))

    def _can_fund_programme(self, obs: Observation, spare: float, share: float) -> bool:
        """Whether its spare cash and a year of its cash flow (negative if it burns cash) cover
        ``share`` of a chip programme's cost: a lab burning cash cannot carry two years of R&D
        on the money it has just raised."""
        r = obs.rules
        cost = float(r["chip_programme_cost"]) * float(r["chip_programme_quarters"])
        return spare + 4.0 * self._lab_cash_flow(obs) >= share * cost

    def _programme_worth(self, obs: Observation, spend: float, margin: float) -> bool:
        """Whether a chip programme started now repays ``1 + margin`` times its cost by the end,
        on ``spend`` $B of accelerators a quarter."""
        r = obs.rules
        cost = float(r["chip_programme_cost"]) * float(r["chip_programme_quarters"])
        return chip_programme_payoff(obs, spend) > margin * cost

    # -- labs ---------------------------------------------------------------------------------
    def _debt_service(self, obs: Observation) -> float:
        """What the actor owes a quarter on the loans it has taken ($B; worked out once an
        observation)."""
        memo = per_observation(obs)
        out: float | None = memo.get("lab_debt_service")
        if out is None:
            out = 0.0
            for c in shared_active(obs, "loan"):
                if c["parties"][1] == obs.actor:
                    t = c["terms"]
                    out += t["principal"] / t["quarters"] * (1 + t["rate"] * t["quarters"] / 4)
            memo["lab_debt_service"] = out
        return float(out)

    @staticmethod
    def _campus_instalment(obs: Observation) -> float:
        """$B a quarter the lab pays on the campuses it is building (last quarter's bill)."""
        if float(obs.books.get("campus_building_gw", 0.0)) <= 0:
            return 0.0
        return max2(0.0, -float(obs.books["last_quarter"].get("campus_capex", 0.0)))

    def _lab_needs(self, obs: Observation) -> tuple[float, float]:
        """(net running cost a quarter, cash to keep in hand) of a lab."""
        b = obs.books
        last = b["last_quarter"]
        # A missing entry is skipped, not added as 0.0: the same sum, and `in` and [] on the
        # read-only books cost a fraction of .get (read several times a call).
        running = float(b["fixed_opex"]) - sum(
            [
                float(last[k])
                for k in ("hosting", "cloud_rent", "lease_rent", "campus_opex")
                if k in last
            ]
        )
        net = max2(0.0, running - float(last.get("ai_revenue", 0.0)))
        reserve = 4 * net + 2 * self._debt_service(obs) + float(b["fixed_opex"])
        return net, reserve + 2 * self._campus_instalment(obs)

    def _propose_lab(self, obs: Observation) -> list[Propose | None]:
        b, cash = obs.books, self._cash(obs)
        out: list[Propose | None] = []
        reserve = self._lab_needs(obs)[1]
        investors = sorted(
            obs.others("investor"), key=lambda n: -obs.public[n]["cash"] * obs.trust_in[n]
        )
        if (cash < 1.5 * reserve or b["distressed"]) and investors:
            # Equity at its public valuation while it keeps control (some of it, when it is
            # running dry), the rest borrowed from another investor, a different one each
            # quarter in case the last one said no.
            amount = max2(2.0, 2 * reserve - cash)
            val = max2(1.0, float(obs.public[obs.actor]["valuation"]))
            control = float(obs.public[obs.actor]["control"])
            floor = 0.27 if (b["distressed"] or cash < 0.5 * reserve) else 0.37
            stake = min2(amount / val, control - floor)
            if stake >= 0.002:
                terms = {"amount": stake * val, "stake": stake}
                out.append(self._offer(obs, investors[0], "equity", terms))
                amount -= stake * val
            lenders = investors[1:] if stake >= 0.002 and len(investors) > 1 else investors
            if amount >= 0.5:
                terms = {"principal": amount, "rate": 0.09, "quarters": 8}
                out.append(self._offer(obs, lenders[obs.quarter % len(lenders)], "loan", terms))
        spare = cash - reserve
        # Power for what it means to buy: leases from investors with free campus.
        budget = self.params["risk"] * max2(0.0, spare) + 4 * max2(0.0, self._lab_cash_flow(obs))
        gap = self._power_gap(obs, budget, 2)
        out += self._lease_offers(obs, gap, 0.95, 20, most=1)
        mine = shared_active(obs, "supply")
        designers = obs.others("designer")
        if not mine and designers and cash > reserve:
            by_vendor = dict(b["compute_by_vendor"])
            designer = min(
                designers, key=lambda n: (by_vendor.get(n, 0.0), obs.public[n]["gpu_price"])
            )
            price = float(obs.public[designer]["gpu_price"])
            budget = self.params["risk"] * 0.3 * cash
            qty = min2(budget * 1000 / price / 4, self._powered_pace(obs, 4))
            if qty >= 1:
                out.append(
                    self._offer(
                        obs,
                        designer,
                        "supply",
                        {"quantity": qty, "quarters": 4, "price": price * 0.95, "prepay": 0.1},
                    )
                )
        if b["programme_quarters_left"] == 0:
            fabs = shared_active(obs, "capacity")
            foundries = obs.others("foundry")
            if not fabs and foundries and spare > 2:
                f = min(foundries, key=lambda n: obs.public[n]["wafer_price"])
                price = float(obs.public[f]["wafer_price"])
                per_wafer = float(obs.rules["own_chip_efficiency"]) * REF_DPW
                per_wafer *= float(obs.market["generation"])
                wafers = min2(
                    0.5 * self._powered_pace(obs, 8) / per_wafer, 0.5 * obs.free_capacity[f]
                )
                if wafers >= 1:
                    out.append(
                        self._offer(
                            obs,
                            f,
                            "capacity",
                            {"wafers": wafers, "quarters": 8, "price": price, "prepay": 0.1},
                        )
                    )
        return out

    def _moves_lab(self, obs: Observation) -> list[Decision | None]:
        cash = self._cash(obs)
        out: list[Decision | None] = []
        spare = cash - self._lab_needs(obs)[1]
        legal = obs.legal.moves
        risk = self.params["risk"]
        if (
            "start_chip_programme" in legal
            and self._can_fund_programme(obs, spare, 0.75)
            and self._programme_worth(obs, self._expected_spend(obs, risk * 0.5 * spare), 0.1)
        ):
            out.append(StartChipProgramme())
            spare -= 2 * obs.rules["chip_programme_cost"]
        out += self._buy_compute(obs, self._chip_budget(obs, spare, risk * 0.5), 0.5)
        # Power beyond what leases bring: a campus of its own, when it has the cash.
        out.append(self._campus_step(obs, spare, risk))
        return out
