"""Applying decisions: a checked decision changes the game whole, or is refused with a reason.

Every decision — a bot's or one submitted from outside — goes through :meth:`ApplyMixin._submit`:
:func:`game.legality.prepare` checks it and returns what applying it needs, then the offer is
opened, answered or signed, or the move made. Spot purchases become :class:`SpotOrder` s filled in
the quarter's operations. Each decision and its outcome is a record of the game log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from game.actors import Actor
from game.deals import DealKind
from game.decisions import (
    Accept,
    BuildFab,
    BuildPackaging,
    BuySpotGpus,
    BuySpotWafers,
    Counter,
    Decision,
    FundCampus,
    Move,
    Propose,
    Reject,
    SetGpuPrice,
    SetWaferPrice,
    StartChipProgramme,
    decision_to_json,
)
from game.fabs import Fab, PackagingLine
from game.ledger import OUTSIDE
from game.legality import Refused, prepare
from game.negotiation import OfferStatus
from game.outcome import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.contracts import Contract
    from game.events import Modifiers
    from game.model import FabRaceModel
    from game.negotiation import Negotiation, Offer
    from game.scenario import RulesSpec

__all__ = ["ApplyMixin", "SpotOrder"]


@dataclass
class SpotOrder:
    """An order at a posted price, filled in this quarter's operations."""

    buyer: str
    seller: str
    quantity: float
    kind: str  # "wafers" | "gpus"


#: The outcome of a move or a rejection applied: one record shared by all of them (an outcome
#: is frozen; a hot path: each new one sets its five fields through ``object.__setattr__``).
_APPLIED = Outcome(True)


class ApplyMixin:
    """How a :class:`~game.model.FabRaceModel` applies decisions."""

    negotiation: Negotiation
    rules: RulesSpec
    modifiers: Modifiers
    quarter_index: int
    orders: list[SpotOrder]
    moves_made: dict[str, set[str]]
    refused_by: dict[str, int]
    recorder: Callable[[dict[str, Any]], None] | None
    _neg_version: int

    if TYPE_CHECKING:

        def pay(self, source: str, destination: str, amount: float, reason: str) -> float: ...
        def touch(self, name: str) -> None: ...
        def say(self, text: str) -> None: ...
        def count(self, key: str, n: int = 1) -> None: ...
        def _record(self, rec: dict[str, Any]) -> None: ...
        def _accept(self, offer: Offer) -> Outcome: ...
        def build_quarters(self, site: str) -> int: ...
        def _new_contract(
            self, kind: DealKind, first: str, second: str, terms: Any, start: int
        ) -> Contract: ...

    def _submit(self, a: Actor, d: Decision) -> Outcome:
        """Check and apply one decision of actor ``a``; log it with its outcome."""
        model = cast("FabRaceModel", self)  # the mixins are parts of it and nothing else
        try:
            prep = prepare(model, a, d)
        except Refused as e:
            self.count("refused")
            self.refused_by[a.name] = self.refused_by.get(a.name, 0) + 1
            out = Outcome(False, str(e))
        else:
            out = self._apply(a, d, prep)
            self._neg_version += 1
            if isinstance(d, Move):
                self.touch(a.name)
        if self.recorder is not None:
            self._record(
                {
                    "type": "decision",
                    "q": self.quarter_index,
                    "actor": a.name,
                    "decision": decision_to_json(d),
                    "outcome": out.to_json(),
                }
            )
        return out

    def _apply(self, a: Actor, d: Decision, prep: Any) -> Outcome:
        if isinstance(d, Move):  # most decisions are moves: asked first
            self._apply_move(a, d, prep)
            self.moves_made.setdefault(a.name, set()).add(d.type)
            self.count("moves")
            return _APPLIED
        neg = self.negotiation
        if isinstance(d, Propose):
            _first, _second, terms = prep  # the terms' class knows their kind: DealKind(d.kind)
            offer = neg.open(a.name, d.recipient, terms.kind, terms, self.quarter_index)
            self.count("offers")
            return Outcome(True, offer_id=offer.id)
        if isinstance(d, Counter):
            offer, terms = prep
            neg.close(offer, OfferStatus.COUNTERED)
            new = neg.open(
                a.name, offer.proposer, offer.kind, terms, self.quarter_index, parent=offer
            )
            self.count("counters")
            return Outcome(True, offer_id=new.id)
        if isinstance(d, Reject):
            neg.close(prep, OfferStatus.REJECTED, f"rejected by {a.name}")
            self.count("rejections")
            return _APPLIED
        assert isinstance(d, Accept)  # the last kind of decision
        return self._accept(prep)

    def _apply_move(self, a: Any, d: Move, prep: Any) -> None:
        if isinstance(d, SetWaferPrice):
            a.wafer_price = prep
        elif isinstance(d, SetGpuPrice):
            a.gpu_price = prep
        elif isinstance(d, BuildFab):
            cap = float(d.capacity)
            a.fabs.append(
                Fab(
                    node=d.node,
                    site=d.site,
                    capacity=cap,
                    build_left=self.build_quarters(d.site) + self.modifiers.build_delay,
                    capex_left=prep,
                )
            )
            self.say(
                f"{a.name} starts a {d.node} fab in {d.site} ({cap:.0f}k wafers/q, ${prep:.1f}B)"
            )
        elif isinstance(d, BuildPackaging):
            self.pay(a.name, OUTSIDE, prep, "packaging_capex")
            a.packaging_lines.append(
                PackagingLine(float(d.capacity), self.rules.packaging_build_quarters)
            )
        elif isinstance(d, BuySpotWafers):
            self.orders.append(SpotOrder(a.name, prep.name, float(d.quantity), "wafers"))
        elif isinstance(d, BuySpotGpus):
            self.orders.append(SpotOrder(a.name, prep.name, float(d.quantity), "gpus"))
        elif isinstance(d, StartChipProgramme):
            a.programme_left = self.rules.chip_programme_quarters
            self.say(f"{a.name} starts its own accelerator programme")
        elif isinstance(d, FundCampus):
            a.campus_builds.append(
                [
                    float(d.gw),
                    self.rules.campus_build_quarters + self.modifiers.build_delay,
                    prep,
                ]
            )
            self.say(f"{a.name} funds a {d.gw:.2f} GW data-centre campus")
