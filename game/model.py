"""The Fab Race model: a Mesa ``Model`` whose ``step()`` is one quarter.

The public engine API, used alike by bots, the browser UI and the tournament runner:

- :meth:`FabRaceModel.observe` — what an actor sees now (:class:`~game.observation.Observation`);
- :meth:`FabRaceModel.legal` — the decisions legal for it now;
- :meth:`FabRaceModel.check` — whether one decision would be accepted, and if not why;
- :meth:`FabRaceModel.submit` — make a decision (applied whole, or refused with a reason);
- :meth:`FabRaceModel.step` — bots decide, then the quarter's operations and accounting run,
  and the next quarter opens with its news.

A quarter is open from the moment its news is drawn (at the end of the previous step, or at
creation) until ``step()``. Actors whose policy is ``None`` are driven from outside (a human in the
browser, a replayed log): their decisions come through ``submit`` while the quarter is open, and
bots answer their offers at once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import mesa
import numpy as np

from agents.actors import ROLE_CLASSES, Actor, Designer, Foundry, Investor, Lab
from game.budget import DecisionTimeout, PolicyHung, alarm_scope, call_with_budget
from game.calendar import quarter_label
from game.contracts import Contract, ContractStatus
from game.deals import NODES, SITES, DealKind, Terms, parse_terms, resolve_parties
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
from game.events import (
    EVENT_KINDS,
    GULF_COUNTRIES,
    ActiveEvent,
    fold_modifiers,
    quarterly_probability,
)
from game.fabs import Fab, PackagingLine
from game.graph import TRUST_RULES, PartnershipGraph
from game.ledger import OUTSIDE, Ledger
from game.markets import Market
from game.negotiation import Negotiation, OfferStatus
from game.observation import Observation, freeze
from game.operations import run_operations
from game.rules import LegalDecisions, Refused, check_signing, legal_decisions, prepare
from game.scenario import ScenarioSpec, load_scenario
from game.scoring import score_actor, update_tallies
from game.snapshot import SnapshotMixin

__all__ = ["FabRaceModel", "Outcome", "SpotOrder"]

#: Most decisions a policy may return from one call; the rest are dropped as faults.
MAX_DECISIONS_PER_CALL = 64


@dataclass(frozen=True)
class Outcome:
    """What became of a submitted decision.

    Attributes:
        ok: True if the decision was applied, False if it was refused.
        reason: why it was refused, or (for an accepted offer that could not be signed) why not.
        offer_id: the offer opened (propose, counter).
        contract_id: the contract signed (accept).
    """

    ok: bool
    reason: str = ""
    offer_id: int | None = None
    contract_id: int | None = None
    signed: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}


@dataclass
class SpotOrder:
    """An order at a posted price, filled in this quarter's operations."""

    buyer: str
    seller: str
    quantity: float
    kind: str  # "wafers" | "gpus"


@dataclass
class _Fault:
    actor: str
    call: str
    error: str


@dataclass
class _Counters:
    values: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _model_gpu_price(m: FabRaceModel) -> float:
    return _mean([d.gpu_price for d in m.alive(Designer)])


def _model_wafer_price(m: FabRaceModel) -> float:
    return _mean([f.wafer_price for f in m.alive(Foundry)])


def _model_compute(m: FabRaceModel) -> float:
    return sum(a.compute for a in m.alive(Lab))


def _model_capacity(m: FabRaceModel) -> float:
    return sum(f.capacity() for f in m.alive(Foundry))


def _agent_compute(a: Actor) -> float:
    return getattr(a, "compute", 0.0)


def _agent_capacity(a: Actor) -> float:
    return a.capacity() if isinstance(a, Foundry) else 0.0


def _agent_revenue(a: Actor) -> float:
    return a.revenue()


class FabRaceModel(SnapshotMixin, mesa.Model):
    """One game of Fab Race.

    Args:
        scenario: a loaded :class:`ScenarioSpec`, or a built-in name or path to load.
        seed: the one seed every random draw of the game flows from.
        policies: policy per actor name; ``None`` means the actor is driven from outside through
            :meth:`submit`. Actors not named get the policy their scenario entry names.
        quarters: game length (default: the scenario's).
        recorder: called with every record of the game log (decisions, events, quarter ends).
    """

    def __init__(
        self,
        scenario: ScenarioSpec | str,
        seed: int = 0,
        policies: Mapping[str, Any] | None = None,
        quarters: int | None = None,
        recorder: Callable[[dict[str, Any]], None] | None = None,
        decision_seconds: float | None = 2.0,
    ) -> None:
        spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
        super().__init__(rng=int(seed))
        self.seed = int(seed)
        self.spec = spec
        self.rules = spec.rules
        self.n_quarters = int(quarters if quarters is not None else spec.quarters)
        if self.n_quarters < 1:
            raise ValueError("a game needs at least one quarter")
        self.quarter_index = 0
        self.finished = False
        self.recorder = recorder
        self.decision_seconds = decision_seconds
        self.hung: set[str] = set()  # actors whose policy could not be stopped in time
        self.refused_by: dict[str, int] = {}  # refused decisions, by actor
        self.faults_by: dict[str, int] = {}  # policy faults (raised, junk, too slow), by actor
        seq = np.random.SeedSequence(self.seed)
        s_events, s_market, s_order, s_policy = seq.spawn(4)
        self.rng_events = np.random.default_rng(s_events)
        self.rng_market = np.random.default_rng(s_market)
        self.rng_order = np.random.default_rng(s_order)

        self.market = Market.from_spec(spec.market)
        self.active_events: list[ActiveEvent] = []
        self.modifiers = fold_modifiers([])
        self.news: list[str] = []
        self.chronicle: list[tuple[str, str]] = []  # every news line of the game, with its quarter
        self.event_log: list[dict[str, Any]] = []
        self.contracts: dict[int, Contract] = {}
        self.orders: list[SpotOrder] = []
        self.moves_made: dict[str, set[str]] = {}
        self.counters = _Counters()
        self.faults: list[_Fault] = []
        self.gpu_sold_total = 0.0
        # Caches of what observations show, each keyed by a counter of what it depends on.
        self._version = 0  # bumped whenever anything public may have changed
        self._actor_version: dict[str, int] = {}  # per actor: its figures may have changed
        self._neg_version = 0  # bumped whenever an offer is opened, answered or expired
        self._contracts_version = 0  # bumped whenever a contract's status changes
        self._cache: dict[str, Any] = {}

        # Actors, in scenario order; cash lives in the ledger.
        self.ledger = Ledger({a.name: a.cash for a in spec.actors})
        self.actor_list: list[Actor] = [ROLE_CLASSES[a.role](self, a) for a in spec.actors]
        self.actors_by_name: dict[str, Actor] = {a.name: a for a in self.actor_list}
        designers = [a for a in self.actor_list if isinstance(a, Designer)]
        self.reference_dpw = _mean([d.dies_per_wafer for d in designers]) or 30.0
        self.graph = PartnershipGraph(
            [(a.name, {"role": a.role, "country": a.country}) for a in self.actor_list],
            self.rules.initial_trust,
        )
        self.negotiation = Negotiation(self.rules.action_budget, self.rules.max_rounds)
        for c in spec.contracts:
            self._sign_initial(
                c.kind, c.parties[0], c.parties[1], parse_terms(c.kind, c.terms), c.quarters_done
            )
        for a in self.actor_list:
            a.initial = self._initial_figures(a)

        # Policies: each with its own seed, so that no policy draws from the game's streams.
        seeds = s_policy.generate_state(len(self.actor_list), dtype=np.uint32)
        self.policy_seeds = {a.name: int(s) for a, s in zip(self.actor_list, seeds, strict=True)}
        self.policies: dict[str, Any] = {}
        overrides = dict(policies or {})
        unknown = sorted(set(overrides) - set(self.actors_by_name))
        if unknown:
            raise ValueError(f"no actor named {unknown[0]!r} in scenario {spec.name}")
        for a in self.actor_list:
            if a.name in overrides:
                pol = overrides[a.name]
            else:
                from agents.registry import make_policy

                pol = make_policy(a.policy_name, a.role)
            self.policies[a.name] = pol
            if pol is not None:
                try:
                    pol.reset(self.policy_seeds[a.name])
                except Exception as e:  # it plays on unseeded: a fault, not a crashed game
                    self._fault(a, "reset", f"{type(e).__name__}: {e}")

        self.datacollector = mesa.DataCollector(
            model_reporters={
                "gpu_price": _model_gpu_price,
                "wafer_price": _model_wafer_price,
                "lab_compute": _model_compute,
                "fab_capacity": _model_capacity,
            },
            agent_reporters={
                "cash": "cash",
                "score": "score",
                "compute": _agent_compute,
                "capacity": _agent_capacity,
                "revenue": _agent_revenue,
            },
        )
        self.running = True
        self._open_quarter()

    # ================================================================ the public engine API
    @property
    def label(self) -> str:
        """The current quarter as text, e.g. ``2024Q1``."""
        return self._cached(
            "label", self.quarter_index, lambda: quarter_label(self.spec.start, self.quarter_index)
        )

    def actor(self, name: str) -> Actor:
        """The actor of that name.

        Raises:
            KeyError: with the known names, if there is none.
        """
        try:
            return self.actors_by_name[name]
        except KeyError:
            raise KeyError(
                f"no actor {name!r} (actors: {', '.join(self.actors_by_name)})"
            ) from None

    def observe(self, name: str) -> Observation:
        """What actor ``name`` sees now (read-only)."""
        a = self.actor(name)
        pub = self._public()
        return Observation(
            actor=a.name,
            role=a.role,
            quarter=self.quarter_index,
            label=self.label,
            quarters_left=max(0, self.n_quarters - self.quarter_index),
            books=self._cached(
                ("books", name),
                self._actor_version.get(name, 0),
                lambda: MappingProxyType({**pub["actors"][name], **freeze(a.private())}),
            ),
            public=pub["actors"],
            market=pub["market"],
            contracts_factory=self._contract_views,
            trust_in=self._cached(
                ("trust_in", name),
                self.graph.trust_version,
                lambda: freeze(self.graph.trust_from(name)),
            ),
            trusted_by=self._cached(
                ("trusted_by", name),
                self.graph.trust_version,
                lambda: freeze(self.graph.trust_of(name)),
            ),
            news=self._cached("news", self._version, lambda: tuple(self.news)),
            inbox=self._cached(
                ("inbox", name),
                self._neg_version,
                lambda: tuple(freeze(o.view()) for o in self.negotiation.inbox(name)),
            ),
            sent=self._cached(
                ("sent", name),
                self._neg_version,
                lambda: tuple(freeze(o.view()) for o in self.negotiation.sent(name)),
            ),
            legal=legal_decisions(self, a),
            rules=self.rules,
            graph_factory=self.graph.frozen,
        )

    def actor_version(self, name: str) -> int:
        """A counter that moves whenever the actor's figures may have changed (for caches)."""
        return self._actor_version.get(name, 0)

    def cached(self, key: Any, version: Any, make: Callable[[], Any]) -> Any:
        """``make()``'s value, remembered under ``key`` for as long as ``version`` is the same."""
        return self._cached(key, version, make)

    def _cached(self, key: Any, version: Any, make: Callable[[], Any]) -> Any:
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = make()
        self._cache[key] = (version, value)
        return value

    def offer(self, offer_id: int) -> Mapping[str, Any]:
        """The current record of an offer (its status shows a bot's answer).

        Raises:
            KeyError: if there is no such offer.
        """
        try:
            return freeze(self.negotiation.offers[offer_id].view())
        except KeyError:
            raise KeyError(f"no offer {offer_id!r}") from None

    def legal(self, name: str) -> LegalDecisions:
        """The decisions legal for actor ``name`` now."""
        return legal_decisions(self, self.actor(name))

    def check(self, name: str, decision: Decision) -> str | None:
        """None if ``decision`` would be accepted now, else the reason it would be refused."""
        try:
            prepare(self, self.actor(name), decision)
        except Refused as e:
            return str(e)
        return None

    def submit(self, name: str, decision: Decision) -> Outcome:
        """Make a decision for actor ``name``: applied whole, or refused with a reason.

        Offers to bots are answered at once, within the quarter.
        """
        return self._submit(self.actor(name), decision, settle=True)

    def step(self) -> None:
        """Play the rest of the open quarter: bots decide, operations and accounting run."""
        if self.finished:
            return
        with alarm_scope():  # one handler for all the quarter's budgeted policy calls
            self._bot_turn()
        self._close_quarter()

    def run(self) -> None:
        """Play every remaining quarter."""
        while not self.finished:
            self.step()

    # ================================================================ figures used by rules
    def alive(self, cls: type[Actor]) -> list[Any]:
        """Actors of a role class that are not insolvent, in scenario order."""
        return [a for a in self.actor_list if isinstance(a, cls) and not a.insolvent]

    def is_gulf(self, a: Actor) -> bool:
        return a.country in GULF_COUNTRIES

    def build_quarters(self, site: str) -> int:
        return int(SITES[site]["build_quarters"])

    def fab_capex(self, node: str, site: str, capacity: float) -> float:
        """Total capex of a new fab in $B, after subsidies in force."""
        capex = capacity * NODES[node]["capex_per_kwafer"] * SITES[site]["capex_factor"]
        if site == "us":
            capex *= self.modifiers.us_capex
        return capex

    def extra_budget(self, a: Actor) -> int:
        """Extra offers a distressed actor may open to raise money."""
        return 2 if a.distress > 0 else 0

    def active_contracts(
        self, kind: DealKind | None = None, *, first: str | None = None, second: str | None = None
    ) -> list[Contract]:
        """Active contracts, oldest first, optionally of one kind and party."""
        return [
            c
            for c in self.contracts.values()
            if c.status == ContractStatus.ACTIVE
            and (kind is None or c.kind == kind)
            and (first is None or c.first == first)
            and (second is None or c.second == second)
        ]

    def uncommitted_capacity(self, foundry: str) -> float:
        """k wafers a quarter of a foundry's capacity (built or building) not yet promised."""
        f: Foundry = self.actors_by_name[foundry]  # type: ignore[assignment]
        total = f.capacity(producing_only=False)
        promised = sum(
            c.terms.wafers
            for c in self.active_contracts(
                DealKind.CAPACITY,  # type: ignore[attr-defined]
                second=foundry,
            )
        )
        jv = sum(fab.capacity * fab.partner_output_share for fab in f.fabs if fab.partner)
        return max(0.0, total * 0.95 - promised - jv)

    def backlog_value(self, designer: str) -> float:
        """$B of accelerators a designer still has to deliver under contract."""
        out = 0.0
        for c in self.active_contracts():
            if c.kind in (DealKind.SUPPLY, DealKind.VENDOR_FINANCING) and designer in c.parties():
                t = c.terms
                out += t.quantity * (t.quarters - c.quarters_done) * t.price / 1000.0  # type: ignore[attr-defined]
        return out

    def valuation(self, a: Actor) -> float:
        """Public valuation of an actor's equity ($B), from its cash and revenue."""
        r = self.rules
        if isinstance(a, Lab):
            v = a.cash + r.lab_multiple * a.revenue_run_rate
        elif isinstance(a, Designer):
            v = a.cash + r.designer_multiple * 4 * a.revenue()
        elif isinstance(a, Foundry):
            v = a.cash + r.foundry_multiple * 4 * a.revenue()
        else:
            v = self.net_asset_value(a)  # type: ignore[arg-type]
        return 0.0 if a.insolvent else max(0.0, v)

    def net_asset_value(self, inv: Investor) -> float:
        """An investor's cash, stakes, loans and campus at today's values ($B)."""
        v = inv.cash
        for name, stake in inv.stakes.items():
            target = self.actors_by_name[name]
            if not isinstance(target, Investor):
                v += stake * self.valuation(target)
        for c in self.active_contracts(DealKind.LOAN):
            if c.first == inv.name:
                v += c.outstanding
            elif c.second == inv.name:
                v -= c.outstanding
        v += inv.campus_gw * self.rules.campus_capex_per_gw * 0.5
        v += inv.compute * self.market.gpu_reference() / 1000.0 * 0.5
        return v

    def centrality(self) -> dict[str, float]:
        """Share of active contract value touching each actor (cached until the graph changes)."""
        key = ("centrality", self._version)
        if self._cache.get("centrality_key") != key:
            self._cache["centrality_key"] = key
            self._cache["centrality"] = self.graph.centrality()
        return self._cache["centrality"]

    # ================================================================ money and news
    def pay(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Move money through the ledger and book it on both actors' P&L."""
        amount = self.ledger.transfer(source, destination, max(0.0, amount), reason)
        if amount:
            if source != OUTSIDE:
                self.actors_by_name[source].book(reason, -amount)
                self.touch(source)
            if destination != OUTSIDE:
                self.actors_by_name[destination].book(reason, amount)
                self.touch(destination)
        return amount

    def touch(self, name: str) -> None:
        """Note that an actor's figures changed (and so its shareholders' valuations)."""
        self._actor_version[name] = self._actor_version.get(name, 0) + 1
        self._version += 1
        for holder in self.actors_by_name[name].cap_table:
            self._actor_version[holder] = self._actor_version.get(holder, 0) + 1

    def pay_obligation(self, source: str, destination: str, amount: float, reason: str) -> float:
        """Pay what is owed to another actor, or as much of it as the payer's cash allows."""
        return self.pay(
            source,
            destination,
            min(max(0.0, amount), max(0.0, self.actors_by_name[source].cash)),
            reason,
        )

    def say(self, text: str) -> None:
        """Add a line to this quarter's news (and to the game's chronicle)."""
        self.news.append(text)
        self.chronicle.append((self.label, text))
        self._version += 1

    def count(self, key: str, n: int = 1) -> None:
        self.counters.add(key, n)

    def set_status(self, c: Contract, status: str) -> None:
        c.status = status
        self._contracts_version += 1
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

    # ================================================================ decisions
    def _record(self, rec: dict[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder(rec)

    def _submit(self, a: Actor, d: Decision, *, settle: bool) -> Outcome:
        try:
            prep = prepare(self, a, d)
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
        if settle and out.ok:
            self._settle(self.actor_list)
        return out

    def _apply(self, a: Actor, d: Decision, prep: Any) -> Outcome:
        neg = self.negotiation
        if isinstance(d, Propose):
            _first, _second, terms = prep
            offer = neg.open(a.name, d.recipient, DealKind(d.kind), terms, self.quarter_index)
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
            return Outcome(True)
        if isinstance(d, Accept):
            return self._accept(prep)
        assert isinstance(d, Move)
        self._apply_move(a, d, prep)
        self.moves_made.setdefault(a.name, set()).add(d.type)
        self.count("moves")
        return Outcome(True)

    def _accept(self, offer: Any) -> Outcome:
        p, r = self.actors_by_name[offer.proposer], self.actors_by_name[offer.recipient]
        first, second = resolve_parties(offer.kind, (p.name, p.role), (r.name, r.role))
        problem = check_signing(self, offer.kind, first, second, offer.terms)
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
        if kind == DealKind.LOAN:
            c.outstanding = terms.principal  # type: ignore[attr-defined]
        if kind in (DealKind.EQUITY, DealKind.VENDOR_FINANCING):
            stake = terms.stake  # type: ignore[attr-defined]
            a, b = self.actors_by_name[first], self.actors_by_name[second]
            b.cap_table[first] = b.cap_table.get(first, 0.0) + stake
            a.stakes[second] = a.stakes.get(second, 0.0) + stake
        if kind == DealKind.JOINT_VENTURE:
            t = terms
            f: Foundry = self.actors_by_name[second]  # type: ignore[assignment]
            f.fabs.append(
                Fab(
                    node=t.node,
                    site=t.site,
                    capacity=t.capacity,  # type: ignore[attr-defined]
                    build_left=t.build_quarters() + self.modifiers.build_delay,  # type: ignore[attr-defined]
                    capex_left=self.fab_capex(t.node, t.site, t.capacity),  # type: ignore[attr-defined]
                    contract_id=c.id,
                    partner=first,
                    partner_output_share=t.partner_output_share,  # type: ignore[attr-defined]
                    operator_fee=t.operator_fee,
                )
            )  # type: ignore[attr-defined]
        self.graph.add_contract(c.id, first, second, **c.edge_data())
        self.touch(first)
        self.touch(second)
        return c

    def _sign(self, kind: DealKind, first: str, second: str, terms: Terms) -> Contract:
        c = self._new_contract(kind, first, second, terms, self.quarter_index)
        pay_first, _ = terms.first_payments()
        reason = {
            DealKind.EQUITY: "equity",
            DealKind.LOAN: "loan_principal",
            DealKind.CAPACITY: "wafer_prepayment",
            DealKind.SUPPLY: "gpu_prepayment",
            DealKind.VENDOR_FINANCING: "vendor_equity",
        }.get(kind)
        if reason is not None:  # a JV's capex is paid over the build, from this quarter on
            self.pay(first, second, pay_first, reason)
        self.count("contracts")
        self.say(
            f"Deal: {first} and {second} signed a {kind.value.replace('_', ' ')} "
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
            c.outstanding = terms.principal * (1 - done / terms.quarters)  # type: ignore[attr-defined]

    def _apply_move(self, a: Actor, d: Move, prep: Any) -> None:
        if isinstance(d, SetWaferPrice):
            a.wafer_price = prep  # type: ignore[attr-defined]
        elif isinstance(d, SetGpuPrice):
            a.gpu_price = prep  # type: ignore[attr-defined]
        elif isinstance(d, BuildFab):
            cap = float(d.capacity)
            a.fabs.append(
                Fab(
                    node=d.node,
                    site=d.site,
                    capacity=cap,  # type: ignore[attr-defined]
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
                PackagingLine(
                    float(d.capacity),  # type: ignore[attr-defined]
                    self.rules.packaging_build_quarters,
                )
            )
        elif isinstance(d, BuySpotWafers):
            self.orders.append(SpotOrder(a.name, prep.name, float(d.quantity), "wafers"))
        elif isinstance(d, BuySpotGpus):
            self.orders.append(SpotOrder(a.name, prep.name, float(d.quantity), "gpus"))
        elif isinstance(d, StartChipProgramme):
            a.programme_left = self.rules.chip_programme_quarters  # type: ignore[attr-defined]
            self.say(f"{a.name} starts its own accelerator programme")
        elif isinstance(d, FundCampus):
            a.campus_builds.append(
                [
                    float(d.gw),  # type: ignore[attr-defined]
                    self.rules.campus_build_quarters + self.modifiers.build_delay,
                    prep,
                ]
            )
            self.say(f"{a.name} funds a {d.gw:.2f} GW data-centre campus")

    # ================================================================ bots
    def _ask(self, a: Actor, call: str) -> list[Decision]:
        policy = self.policies.get(a.name)
        if policy is None or a.insolvent or self.finished or a.name in self.hung:
            return []
        obs = self.observe(a.name)
        method = getattr(policy, call)

        def decide() -> list[Any]:
            # Never take more than one past the limit (an endless iterator must not hang the game).
            return list(itertools.islice(method(obs) or [], MAX_DECISIONS_PER_CALL + 1))

        try:
            decisions = call_with_budget(decide, self.decision_seconds)
        except PolicyHung:
            self.hung.add(a.name)
            return self._fault(
                a,
                call,
                f"ran past its {self._budget_text()} and could not be "
                f"stopped; it makes no more decisions this game",
            )
        except DecisionTimeout:
            return self._fault(a, call, f"ran past its {self._budget_text()}")
        except Exception as e:  # a policy that raises loses this decision, not the game
            return self._fault(a, call, f"{type(e).__name__}: {e}")
        bad = [d for d in decisions if not isinstance(d, Decision)]
        if bad:
            return self._fault(a, call, f"returned {type(bad[0]).__name__}, not a Decision")
        if len(decisions) > MAX_DECISIONS_PER_CALL:
            self._fault(
                a,
                call,
                f"returned more than {MAX_DECISIONS_PER_CALL} decisions; "
                f"kept the first {MAX_DECISIONS_PER_CALL}",
            )
            decisions = decisions[:MAX_DECISIONS_PER_CALL]
        return decisions

    def _budget_text(self) -> str:
        s = self.decision_seconds  # None: no budget of the game's own (the policy timed itself)
        return "time budget" if s is None else f"{s:g} s budget"

    def _fault(self, a: Actor, call: str, error: str) -> list[Decision]:
        self.faults.append(_Fault(a.name, call, error))
        self.faults_by[a.name] = self.faults_by.get(a.name, 0) + 1
        self.count("faults")
        self._record(
            {
                "type": "fault",
                "q": self.quarter_index,
                "actor": a.name,
                "call": call,
                "error": error,
            }
        )
        return []

    def _bot_offers(self) -> None:
        """At the opening of a quarter, bots open their offers and answer each other's.

        Offers to an actor driven from outside wait in its inbox for the rest of the quarter.
        """
        self._order = [self.actor_list[i] for i in self.rng_order.permutation(len(self.actor_list))]
        with alarm_scope():
            for a in self._order:
                for d in self._ask(a, "propose"):
                    self._submit(a, d, settle=False)
            self._settle(self._order)

    def _bot_turn(self) -> None:
        """At the close of a quarter, bots answer what is still open, then make their moves."""
        self._settle(self._order)
        for a in self._order:
            for d in self._ask(a, "moves"):
                self._submit(a, d, settle=False)

    def _settle(self, order: Iterable[Actor]) -> None:
        """Let bots answer the offers waiting for them, until none is left or rounds run out."""
        order = list(order)
        for _ in range(2 * self.rules.max_rounds + 2):
            progressed = False
            for a in order:
                if self.policies.get(a.name) is None or not self.negotiation.inbox(a.name):
                    continue
                for d in self._ask(a, "respond"):
                    if self._submit(a, d, settle=False).ok:
                        progressed = True
            if not progressed:
                break

    # ================================================================ the quarter's frame
    def _open_quarter(self) -> None:
        """Start a quarter: expire stale offers and draw the news."""
        self.news = []
        self.negotiation.new_quarter()
        self._neg_version += 1
        still: list[ActiveEvent] = []
        for ev in self.active_events:
            if ev.remaining < 0:
                still.append(ev)
            elif ev.remaining > 1:
                ev.remaining -= 1
                still.append(ev)
        self.active_events = still
        for card in self.spec.events:
            if self.rng_events.random() >= quarterly_probability(card.p_year):
                continue
            kind = EVENT_KINDS[card.kind]
            mag = kind.magnitude if card.magnitude is None else card.magnitude
            if card.kind == "demand_shock" and self.rng_events.random() < 0.5:
                mag = -mag
            target = self._event_target(card.kind)
            if kind.target_role == "investor" and target is None:
                continue  # nobody to grant a licence to
            ev = ActiveEvent(
                card.kind,
                self.quarter_index,
                card.duration if card.duration > 0 else -1,
                mag,
                target,
            )
            if card.kind == "gulf_licence" and target is not None:
                self.actors_by_name[target].licence = True  # type: ignore[attr-defined]
            if card.duration > 0 and kind.apply.__name__ != "_noop":
                self.active_events.append(ev)
            text = ev.describe()
            self.news.append(text)
            self.chronicle.append((self.label, text))
            self.event_log.append(
                {
                    "quarter": self.label,
                    "kind": card.kind,
                    "target": target,
                    "magnitude": round(mag, 6),
                    "duration": card.duration,
                    "description": text,
                }
            )
            self._record(
                {
                    "type": "event",
                    "q": self.quarter_index,
                    "kind": card.kind,
                    "target": target,
                    "description": text,
                }
            )
        self.modifiers = fold_modifiers(self.active_events)
        for a in self.actor_list:
            self.touch(a.name)
        self._bot_offers()

    def _event_target(self, kind: str) -> str | None:
        role = EVENT_KINDS[kind].target_role
        if role is None:
            return None
        cands = [a for a in self.actor_list if a.role == role and not a.insolvent]
        if kind == "gulf_licence":
            cands = [a for a in cands if self.is_gulf(a) and not a.licence]  # type: ignore[attr-defined]
        elif kind == "competitor_leapfrog":
            if len(cands) < 2:
                return None
            leader = max(cands, key=lambda d: d.market_share)  # type: ignore[attr-defined]
            cands = [d for d in cands if d is not leader]
        if not cands:
            return None
        return cands[int(self.rng_events.integers(len(cands)))].name

    def _close_quarter(self) -> None:
        run_operations(self)
        for a in self.actor_list:
            update_tallies(self, a)
        self.agents.do("close_books")
        for a in self.actor_list:
            self.touch(a.name)
        for a in self.actor_list:
            a.score_breakdown = score_actor(self, a)
            a.score = math.fsum(a.score_breakdown.values())
        self.datacollector.collect(self)
        if self.recorder is not None:
            self._record(
                {
                    "type": "quarter_end",
                    "q": self.quarter_index,
                    "label": self.label,
                    "digest": self.digest(),
                }
            )
        self.orders = []
        self.moves_made = {}
        self.market.advance(self.rng_market, self.modifiers)
        self.quarter_index += 1
        self.ledger.quarter = self.quarter_index
        if self.quarter_index >= self.n_quarters:
            self.finished = True
            self.running = False
            self.negotiation.new_quarter()
            self._neg_version += 1
            for a in self.actor_list:
                self.touch(a.name)
        else:
            self._open_quarter()

    def _initial_figures(self, a: Actor) -> dict[str, float]:
        if isinstance(a, Lab):
            return {"compute": a.compute, "revenue_run_rate": a.revenue_run_rate}
        if isinstance(a, Designer):
            demand = self.market.outside_gpu_demand(a.market_share, a.gpu_price, self.modifiers)
            return {"revenue": demand * a.gpu_price / 1000.0}
        if isinstance(a, Foundry):
            cap = sum(fab.output() for fab in a.fabs)
            return {"revenue": cap * a.wafer_price / 1000.0 + a.other_revenue}
        return {"nav": self.net_asset_value(a)}  # type: ignore[arg-type]

    # ================================================================ views
    def _public(self) -> dict[str, Any]:
        if self._cache.get("public_version") != self._version:
            self._cache["public_version"] = self._version
            self._cache["public"] = {
                "actors": MappingProxyType(
                    {
                        a.name: self._cached(
                            ("public", a.name),
                            self._actor_version.get(a.name, 0),
                            lambda a=a: freeze(a.public()),
                        )
                        for a in self.actor_list
                    }
                ),
                "market": self._cached(
                    "market",
                    self.quarter_index,
                    lambda: freeze(
                        {
                            **self.market.snapshot(),
                            "wafer_reference_price": self.market.wafer_reference(self.modifiers),
                        }
                    ),
                ),
            }
        return self._cache["public"]

    def _contract_views(self) -> tuple[Any, ...]:
        return self._cached(
            "contracts",
            (len(self.contracts), self._contracts_version, self.quarter_index),
            lambda: tuple(c.view() for c in self.contracts.values()),
        )

    def policy_label(self, name: str) -> str:
        """The name of the policy seated for an actor (``external`` for outside control)."""
        p = self.policies.get(name)
        return "external" if p is None else getattr(p, "label", type(p).__name__)

    def result(self) -> dict[str, Any]:
        """The game's result as a JSON-ready dict (deterministic for a seed)."""
        actors = []
        for a in self.actor_list:
            figures = {
                k: v
                for k, v in a.public().items()
                if k not in ("name", "role", "country") and not isinstance(v, list)
            }
            actors.append(
                {
                    "name": a.name,
                    "role": a.role,
                    "country": a.country,
                    "policy": self.policy_label(a.name),
                    "score": a.score,
                    "score_breakdown": dict(a.score_breakdown),
                    "cash": a.cash,
                    "insolvent": a.insolvent,
                    "refused": self.refused_by.get(a.name, 0),
                    "faults": self.faults_by.get(a.name, 0),
                    "figures": figures,
                }
            )
        contracts = [
            c.to_json(lambda q: quarter_label(self.spec.start, q)) for c in self.contracts.values()
        ]
        signed = [c for c in self.contracts.values() if c.start >= 0]
        return _rounded(
            {
                "scenario": self.spec.name,
                "seed": self.seed,
                "quarters": self.quarter_index,
                "start": self.spec.start,
                "end": quarter_label(self.spec.start, max(0, self.quarter_index - 1)),
                "finished": self.finished,
                "actors": actors,
                "contracts": contracts,
                "events": list(self.event_log),
                "totals": {
                    "contracts_signed": len(signed),
                    "contracts_breached": sum(
                        1 for c in self.contracts.values() if c.status == ContractStatus.BREACHED
                    ),
                    **{
                        k: self.counters.values.get(k, 0)
                        for k in (
                            "offers",
                            "counters",
                            "rejections",
                            "failed_signings",
                            "moves",
                            "refused",
                            "faults",
                            "shortfalls",
                            "insolvencies",
                        )
                    },
                },
                "ledger": {
                    "outside": self.ledger.balance(OUTSIDE),
                    "imbalance": self.ledger.imbalance(),
                },
            }
        )

    def digest(self) -> str:
        """A fingerprint of the game state (result, exact balances, open offers)."""
        result = self.result()
        for a in result["actors"]:
            a.pop("policy")  # who decided is not part of the state (a replay drives every seat)
            a.pop("refused")
            a.pop("faults")
        # Nor is what the policies tried that changed nothing: a refused decision leaves the game
        # as it was, and a policy's fault is not replayed (a replay drives every seat).
        for k in ("refused", "faults"):
            result["totals"].pop(k)
        state = {
            "result": result,
            "balances": {k: repr(v) for k, v in self.ledger.balances.items()},
            "open_offers": [o.view() for o in self.negotiation.open_offers()],
            "market": {k: repr(v) for k, v in self.market.snapshot().items()},
        }
        blob = json.dumps(state, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        r = round(x, 6)
        return 0.0 if r == 0 else r
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_rounded(v) for v in x]
    return x
