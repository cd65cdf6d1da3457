"""Signing and breaking contracts: an accepted offer becomes a contract on the graph, or fails.

An accepted offer is checked once more (can both sides honour the first payment?) and signed:
the contract is recorded, its first payment made, stakes entered in the cap tables, a joint
venture's fab laid down at its operator. A failed signing costs the party that could not honour
it the other's trust. Breaches and insolvency close contracts and lower trust too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from game.actors import Actor, Foundry
from game.contracts import Contract, ContractStatus
from game.deals import DealKind, Terms, resolve_parties, with_article
from game.fabs import Fab
from game.graph import TRUST_RULES
from game.legality import check_signing
from game.negotiation import Offer, OfferStatus
from game.outcome import Outcome

if TYPE_CHECKING:
    from game.events import Modifiers
    from game.graph import PartnershipGraph
    from game.model import FabRaceModel
    from game.negotiation import Negotiation

__all__ = ["SigningMixin"]

#: The ledger reason of each kind's first payment (a JV's capex is paid over the build instead).
_FIRST_PAYMENT = {
    DealKind.EQUITY: "equity",
    DealKind.LOAN: "loan_principal",
    DealKind.CAPACITY: "wafer_prepayment",
    DealKind.SUPPLY: "gpu_prepayment",
    DealKind.VENDOR_FINANCING: "vendor_equity",
}


class SigningMixin:
    """Contracts of a :class:`~game.model.FabRaceModel`: signing, status, breach, insolvency."""

    contracts: dict[int, Contract]
    actors_by_name: dict[str, Actor]
    graph: PartnershipGraph
    negotiation: Negotiation
    modifiers: Modifiers
    quarter_index: int
    _contracts_version: int
    _neg_version: int
    _cache: dict[Any, Any]

    if TYPE_CHECKING:

        def pay(self, source: str, destination: str, amount: float, reason: str) -> float: ...
        def touch(self, name: str) -> None: ...
        def say(self, text: str) -> None: ...
        def count(self, key: str, n: int = 1) -> None: ...
        def active_contracts(
            self,
            kind: DealKind | None = None,
            *,
            first: str | None = None,
            second: str | None = None,
        ) -> list[Contract]: ...
        def fab_capex(self, node: str, site: str, capacity: float) -> float: ...
        def _selections_signed(self, c: Contract) -> None: ...
        def _selections_ended(self, c: Contract) -> None: ...

    def set_status(self, c: Contract, status: str) -> None:
        """Change a contract's status (on the graph too)."""
        c.status = status
        self._contracts_version += 1
        if status != ContractStatus.ACTIVE:
            self._selections_ended(c)
        else:  # never happens (a contract ends only once): the selections are made again
            self._cache.pop("active_contracts", None)
        self.graph.set_status(c.id, c.first, c.second, status)
        self.touch(c.first)
        self.touch(c.second)

    def breach(self, c: Contract, by: str, why: str) -> None:
        """Break a contract off: the other side's trust in ``by`` falls."""
        if not c.active:
            return
        c.breached_by = by
        self.set_status(c, ContractStatus.BREACHED)
        self.graph.adjust_trust(c.other(by), by, TRUST_RULES["default"])
        self.count("breaches")
        self.say(f"Breach: {why} (contract {c.id}, {c.kind.value})")

    def make_insolvent(self, a: Actor) -> None:
        """Declare an actor insolvent: its open contracts are breached and it stops acting."""
        a.insolvent = True
        self._cache.pop("alive", None)  # those in business (see alive) are found again
        self.touch(a.name)
        self.say(f"{a.name} is insolvent (cash ${a.cash:.2f}B)")
        self.count("insolvencies")
        for c in self.active_contracts():
            if a.name in c.parties():
                c.breached_by = a.name
                self.set_status(c, ContractStatus.BREACHED)
                self.graph.adjust_trust(c.other(a.name), a.name, TRUST_RULES["insolvent"])
                self.count("breaches")
        for o in self.negotiation.open_offers():
            if a.name in (o.proposer, o.recipient):
                self.negotiation.close(o, OfferStatus.EXPIRED, f"{a.name} is insolvent")
        self._neg_version += 1

    def _accept(self, offer: Offer) -> Outcome:
        """Sign an accepted offer, or fail it if a party cannot honour the first payment."""
        model = cast("FabRaceModel", self)  # the mixins are parts of it and nothing else
        p, r = self.actors_by_name[offer.proposer], self.actors_by_name[offer.recipient]
        first, second = resolve_parties(offer.kind, (p.name, p.role), (r.name, r.role))
        problem = check_signing(model, offer.kind, first, second, offer.terms)
        if problem is not None:
            who = problem.split(":", 1)[0]
            self.negotiation.close(offer, OfferStatus.FAILED, problem)
            self.graph.adjust_trust(
                offer.proposer if who == offer.recipient else offer.recipient,
                who,
                TRUST_RULES["reneged"],
            )
            self.count("failed_signings")
            return Outcome(True, problem, signed=False)
        c = self._sign(offer.kind, first, second, offer.terms)
        self.negotiation.close(offer, OfferStatus.ACCEPTED)
        offer.contract_id = c.id
        return Outcome(True, contract_id=c.id, signed=True)

    def _new_contract(
        self, kind: DealKind, first: str, second: str, terms: Terms, start: int
    ) -> Contract:
        c = Contract(len(self.contracts) + 1, kind, first, second, terms, start)
        self.contracts[c.id] = c
        self._selections_signed(c)
        t: Any = terms
        if kind == DealKind.LOAN:
            c.outstanding = t.principal
        if kind in (DealKind.EQUITY, DealKind.VENDOR_FINANCING):
            a, b = self.actors_by_name[first], self.actors_by_name[second]
            b.cap_table[first] = b.cap_table.get(first, 0.0) + t.stake
            a.stakes[second] = a.stakes.get(second, 0.0) + t.stake
        if kind == DealKind.JOINT_VENTURE:
            f = self.actors_by_name[second]
            assert isinstance(f, Foundry)
            f.fabs.append(
                Fab(
                    node=t.node,
                    site=t.site,
                    capacity=t.capacity,
                    build_left=t.build_quarters() + self.modifiers.build_delay,
                    capex_left=self.fab_capex(t.node, t.site, t.capacity),
                    contract_id=c.id,
                    partner=first,
                    partner_output_share=t.partner_output_share,
                    operator_fee=t.operator_fee,
                )
            )
        self.graph.add_contract(c.id, first, second, **c.edge_data())
        self.touch(first)
        self.touch(second)
        return c

    def _sign(self, kind: DealKind, first: str, second: str, terms: Terms) -> Contract:
        c = self._new_contract(kind, first, second, terms, self.quarter_index)
        pay_first, _ = terms.first_payments()
        reason = _FIRST_PAYMENT.get(kind)
        if reason is not None:
            self.pay(first, second, pay_first, reason)
        self.count("contracts")
        self.say(
            f"Deal: {first} and {second} signed {with_article(kind.value.replace('_', ' '))} "
            f"worth ${terms.value():.1f}B"
        )
        return c

    def _sign_initial(
        self, kind: DealKind, first: str, second: str, terms: Terms, done: int
    ) -> None:
        """A contract signed before the game: its first payments were made long ago."""
        c = self._new_contract(kind, first, second, terms, -done)
        c.quarters_done = done
        if kind == DealKind.LOAN:
            t: Any = terms
            c.outstanding = t.principal * (1 - done / t.quarters)
