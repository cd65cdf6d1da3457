"""The action catalogue: a fixed, numbered list of one actor's possible decisions.

Learning libraries want a ``Discrete(n)`` action space; the engine's decisions are structured
(deals with terms, moves with amounts). The catalogue bridges them with templates, fixed for the
actor when the game is built:

- slot 0 — **pass**: end this turn (always allowed);
- **propose** ``kind`` to ``counterparty`` at size ``small``/``medium``/``large`` — for every deal
  kind and every actor the two roles may sign it with (:func:`game.deals.resolve_parties`);
- **accept** / **reject** the ``i``-th offer of the inbox (oldest first, ``INBOX_SLOTS`` of them);
- **moves**: each move type the role may make, at a few sizes (e.g. build a fab at each site and
  node, small or large; set the price 10 % down or up).

A template's terms are filled from what the observation shows, never from hidden state: money
as a share of the payer's cash (what a quarter's deliveries cost, for supply and capacity; the
whole capex, for builds), stakes at the company's public valuation, prices at the seller's public
price, each clipped into the bounds the legal-decision API gives (``obs.legal.term_bounds``,
``obs.legal.moves``). :meth:`ActionCatalogue.decisions` gives, for every slot, the decision it
stands for now, or ``None`` where the observation's :class:`~game.observation.LegalDecisions`
rule it out (no partner of that kind, no proposals left, no such offer, the move made already).
Whether the engine accepts the decision (money, stakes left, ...) is the engine's to say: the
environments mask a slot unless :meth:`game.model.FabRaceModel.check` accepts it too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from game.deals import NODES, SITES, DealError, DealKind, resolve_parties
from game.decisions import (
    MOVE_TYPES,
    Accept,
    BuildFab,
    BuildPackaging,
    BuySpotGpus,
    BuySpotWafers,
    Decision,
    FundCampus,
    Propose,
    Reject,
    SetGpuPrice,
    SetWaferPrice,
    StartChipProgramme,
)
from game.observation import Observation

__all__ = ["DEAL_SIZES", "INBOX_SLOTS", "ActionCatalogue", "Slot"]

#: Share of the payer's cash (the money of a deal, or a quarter's deliveries of supply) that a
#: ``small``, ``medium`` and ``large`` offer commits.
DEAL_SIZES: dict[str, float] = {"small": 0.05, "medium": 0.15, "large": 0.4}
#: Offers of the inbox the catalogue can answer, oldest first.
INBOX_SLOTS = 4
#: Length of every contract the templates propose, in quarters.
CONTRACT_QUARTERS = 8
#: Premium over the public base rate a loan template asks for.
LOAN_SPREAD = 0.03
#: Share of the price paid on signing in capacity and supply templates.
PREPAY = 0.1
#: Move sizes: two each, as a share of the mover's cash (spent on spot purchases, or the capex of a
#: build).
MOVE_SIZES: dict[str, float] = {"small": 0.05, "large": 0.2}
#: Price moves: down and up by this factor.
PRICE_STEPS: dict[str, float] = {"down": 0.9, "up": 1.1}


@dataclass(frozen=True)
class Slot:
    """One numbered action: what it does, with whom, at what size.

    Attributes:
        op: ``pass``, ``propose``, ``accept``, ``reject`` or a move type (``build_fab``, ...).
        kind: the deal kind of a proposal.
        other: the counterparty (proposal, spot purchase).
        size: the size or step label (``small``, ``up``, ...); for answers the inbox position.
        site: the site of a fab. node: its process node.
    """

    op: str
    kind: str = ""
    other: str = ""
    size: str = ""
    site: str = ""
    node: str = ""

    @property
    def label(self) -> str:
        """A short readable name, e.g. ``propose equity to MGX (large)``."""
        if self.op == "propose":
            return f"propose {self.kind} to {self.other} ({self.size})"
        if self.op in ("accept", "reject"):
            return f"{self.op} offer #{self.size}"
        parts = [self.op, self.other, self.site, self.node, self.size]
        return " ".join(p for p in parts if p)


def _r(x: float) -> float:
    return round(float(x), 4)


def _cash(public: Mapping[str, Mapping[str, Any]], name: str) -> float:
    return max(0.0, float(public[name]["cash"]))


def _units(money: float, price_k: float) -> float:
    """Thousands of units that ``money`` ($B) buys at ``price_k`` ($k each); 0 if no price."""
    return money * 1000.0 / price_k if price_k > 0 else 0.0


def _fit(value: float, bound: Mapping[str, Any]) -> float | int | None:
    """``value`` clipped into a term's bounds, or None if it is not a finite number."""
    if not math.isfinite(value):
        return None
    lo, hi = float(bound["lo"]), float(bound["hi"])
    if bound["integer"]:
        return int(min(max(round(value), math.ceil(lo)), math.floor(hi)))
    v = min(max(value, lo), hi)
    if bound["lo_open"] and v <= lo:
        return None  # nothing to offer (e.g. no cash): not a deal the template can make
    return _r(v)


class ActionCatalogue:
    """The numbered decisions of one actor of a scenario.

    Args:
        actors: every actor of the scenario as ``(name, role)``, in scenario order.
        actor: the actor this catalogue is for.

    Raises:
        ValueError: if ``actor`` is not among ``actors``.
    """

    def __init__(self, actors: list[tuple[str, str]], actor: str) -> None:
        roles = dict(actors)
        if actor not in roles:
            raise ValueError(f"no actor named {actor!r} (actors: {', '.join(roles)})")
        self.actor = actor
        self.role = roles[actor]
        slots = [Slot("pass")]
        #: (kind, counterparty) -> (kind, first party, second party)
        self._deals: dict[tuple[str, str], tuple[DealKind, str, str]] = {}
        for kind in DealKind:
            for other, role in actors:
                if other == actor:
                    continue
                try:
                    first, second = resolve_parties(kind, (actor, self.role), (other, role))
                except DealError:
                    continue
                self._deals[(kind.value, other)] = (kind, first, second)
                slots += [Slot("propose", kind.value, other, s) for s in DEAL_SIZES]
        for i in range(INBOX_SLOTS):
            slots += [Slot("accept", size=str(i)), Slot("reject", size=str(i))]
        for mtype, cls in MOVE_TYPES.items():
            if self.role not in cls.roles:
                continue
            if mtype in ("set_gpu_price", "set_wafer_price"):
                slots += [Slot(mtype, size=s) for s in PRICE_STEPS]
            elif mtype == "build_fab":
                slots += [
                    Slot(mtype, site=site, node=node, size=s)
                    for site in SITES
                    for node in NODES
                    for s in MOVE_SIZES
                ]
            elif mtype in ("buy_spot_wafers", "buy_spot_gpus"):
                want = "foundry" if mtype == "buy_spot_wafers" else "designer"
                slots += [
                    Slot(mtype, other=n, size=s) for n, r in actors if r == want for s in MOVE_SIZES
                ]
            elif mtype == "start_chip_programme":
                slots.append(Slot(mtype))
            else:
                slots += [Slot(mtype, size=s) for s in MOVE_SIZES]
        self.slots: tuple[Slot, ...] = tuple(slots)

    @property
    def n(self) -> int:
        """How many actions there are."""
        return len(self.slots)

    @property
    def labels(self) -> list[str]:
        """Each action's readable name, by number."""
        return [s.label for s in self.slots]

    def decisions(self, obs: Observation, only: list[bool] | None = None) -> list[Decision | None]:
        """The decision each slot stands for now (None: pass, or ruled out by ``obs.legal``).

        Args:
            obs: the actor's observation.
            only: if given, the slots to fill (by number); the others are None.
        """
        legal = obs.legal
        out: list[Decision | None] = []
        for i, slot in enumerate(self.slots):
            if slot.op == "pass" or not legal.can_act or (only is not None and not only[i]):
                out.append(None)
            elif slot.op == "propose":
                out.append(self._propose(obs, slot))
            elif slot.op in ("accept", "reject"):
                out.append(self._answer(obs, slot))
            else:
                out.append(self._move(obs, slot))
        return out

    def mask(self, decisions: list[Decision | None]) -> np.ndarray:
        """The action mask (``int8``, 1 = allowed) of :meth:`decisions`: pass is always allowed."""
        m = np.fromiter((d is not None for d in decisions), dtype=np.int8, count=len(decisions))
        m[0] = 1
        return m

    # ------------------------------------------------------------------ templates
    def _propose(self, obs: Observation, slot: Slot) -> Decision | None:
        legal = obs.legal
        if legal.proposals_left <= 0 or slot.other not in legal.partners.get(slot.kind, ()):
            return None
        kind, first, second = self._deals[(slot.kind, slot.other)]
        pub = obs.public
        s = DEAL_SIZES[slot.size]
        budget = s * _cash(pub, first)
        raw: dict[str, float]
        if kind in (DealKind.EQUITY, DealKind.VENDOR_FINANCING):
            valuation = float(pub[second]["valuation"])
            if valuation <= 0:
                return None
            raw = {"amount": budget, "stake": budget / valuation}
            if kind is DealKind.VENDOR_FINANCING:
                price = float(pub[first]["gpu_price"])
                raw |= {
                    "quantity": _units(s * _cash(pub, second), price),
                    "quarters": CONTRACT_QUARTERS,
                    "price": price,
                }
        elif kind is DealKind.LOAN:
            raw = {
                "principal": budget,
                "rate": float(obs.market.get("base_rate", 0.05)) + LOAN_SPREAD,
                "quarters": CONTRACT_QUARTERS,
            }
        elif kind is DealKind.CAPACITY:
            price = float(pub[second]["wafer_price"])
            raw = {
                "wafers": _units(budget, price),
                "quarters": CONTRACT_QUARTERS,
                "price": price,
                "prepay": PREPAY,
            }
        elif kind is DealKind.SUPPLY:
            price = float(pub[second]["gpu_price"])
            raw = {
                "quantity": _units(budget, price),
                "quarters": CONTRACT_QUARTERS,
                "price": price,
                "prepay": PREPAY,
            }
        elif kind is DealKind.LEASE:
            rules = obs.rules
            raw = {
                "gw": s * max(1.0, float(pub[second]["campus_gw"])),
                "quarters": CONTRACT_QUARTERS,
                "rent": rules.campus_capex_per_gw / 30 + rules.campus_opex_per_gw,
            }
        else:  # a joint venture: a US N3 fab, capex and output shared half and half
            per_kwafer = float(obs.build_costs["fab"]["us"]["N3"]["capex_per_kwafer"])
            raw = {
                "capacity": 2 * budget / per_kwafer,
                "partner_capex_share": 0.5,
                "partner_output_share": 0.5,
                "operator_fee": 0.1,
            }
        bounds = legal.term_bounds[slot.kind]
        terms: dict[str, Any] = {}
        for name, v in raw.items():
            fit = _fit(v, bounds[name])
            if fit is None:
                return None
            terms[name] = fit
        if kind is DealKind.JOINT_VENTURE:
            terms = {"site": "us", "node": "N3", **terms}
        return Propose(slot.other, slot.kind, terms)

    def _answer(self, obs: Observation, slot: Slot) -> Decision | None:
        i = int(slot.size)
        if i >= len(obs.inbox):
            return None
        offer_id = obs.inbox[i]["id"]
        if slot.op not in obs.legal.answers.get(offer_id, ()):
            return None
        return Accept(offer_id) if slot.op == "accept" else Reject(offer_id)

    def _move(self, obs: Observation, slot: Slot) -> Decision | None:
        bounds = obs.legal.moves.get(slot.op)
        if bounds is None:
            return None
        books, pub = obs.books, obs.public
        cash = max(0.0, float(books["cash"]))

        def clip(name: str, v: float) -> float | None:
            lo, hi = float(bounds[name][0]), float(bounds[name][1])
            return _r(min(max(v, lo), hi)) if math.isfinite(v) else None

        if slot.op == "start_chip_programme":
            return StartChipProgramme()
        if slot.op in ("buy_spot_wafers", "buy_spot_gpus"):
            field = "foundry" if slot.op == "buy_spot_wafers" else "designer"
            if slot.other not in bounds[field]:
                return None
            spend = MOVE_SIZES[slot.size] * cash
            if slot.op == "buy_spot_wafers":
                q = clip("quantity", _units(spend, float(pub[slot.other]["wafer_price"])))
                return None if q is None else BuySpotWafers(slot.other, q)
            q = clip("quantity", _units(spend, float(pub[slot.other]["gpu_price"])))
            return None if q is None else BuySpotGpus(slot.other, q)
        if slot.op in ("set_gpu_price", "set_wafer_price"):
            now = float(books["gpu_price" if slot.op == "set_gpu_price" else "wafer_price"])
            p = clip("price", PRICE_STEPS[slot.size] * now)
            if p is None:
                return None
            return SetGpuPrice(p) if slot.op == "set_gpu_price" else SetWaferPrice(p)
        spend = MOVE_SIZES[slot.size] * cash
        costs = obs.build_costs
        if slot.op == "build_fab":
            if slot.site not in bounds["site"] or slot.node not in bounds["node"]:
                return None
            per_kwafer = float(costs["fab"][slot.site][slot.node]["capex_per_kwafer"])
            c = clip("capacity", spend / per_kwafer)
            return None if c is None else BuildFab(slot.node, slot.site, c)
        if slot.op == "build_packaging":
            c = clip("capacity", spend / float(costs["packaging"]["capex_per_kwafer"]))
            return None if c is None else BuildPackaging(c)
        assert slot.op == "fund_campus", slot.op  # the last move type with a size
        gw = clip("gw", spend / float(costs["campus"]["capex_per_gw"]))
        return None if gw is None else FundCampus(gw)
