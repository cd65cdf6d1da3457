"""The Fab Race model: a Mesa ``Model`` whose ``step()`` is one quarter.

The public engine API, used alike by bots, the browser UI and the tournament runner, in the
manner of OpenSpiel's game API (a state, its legal actions, applying an action, explicit chance):

- :meth:`FabRaceModel.observe` — what an actor sees now (:class:`~game.observation.Observation`);
- :meth:`FabRaceModel.legal` — the decisions legal for it now;
- :meth:`FabRaceModel.check` — whether one decision would be accepted, and if not why;
- :meth:`FabRaceModel.submit` — make a decision (applied whole, or refused with a reason);
- :meth:`FabRaceModel.event_odds` — the odds of each event card for the coming quarter;
- :meth:`FabRaceModel.open_quarter` — the coming quarter's news (drawn, or the events given) and
  the bots' offers;
- :meth:`FabRaceModel.step` — play the quarter out: bots answer and move, operations and
  accounting run; the next quarter is left closed.

Building a game plays nothing. Actors whose policy is ``None`` are driven from outside (a person
in the browser, a replayed log, a learner): their decisions come through ``submit`` while the
quarter is open. The engine never builds policies: they are handed to it as objects, or by a
factory (``agents.new_game`` seats the default bots).

The model is composed of one mixin per concept, each in the module named after it: seats and bot
scheduling (:mod:`game.seats`), chance (:mod:`game.chance`), the quarter's phases
(:mod:`game.phases`), applying decisions (:mod:`game.apply`), signing contracts
(:mod:`game.signing`), money (:mod:`game.money`), valuation (:mod:`game.valuation`), views
(:mod:`game.views`), the chronicle (:mod:`game.chronicle`), results (:mod:`game.results`) and
snapshots (:mod:`game.snapshot`: ``snapshot()``, ``from_snapshot(doc)``, ``clone()``, deepcopy and
pickle).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import mesa
import numpy as np

from game.actors import ROLE_CLASSES, Actor, Designer, Foundry, Investor, Lab
from game.apply import ApplyMixin, SpotOrder
from game.budget import UserInterrupt, alarm_scope
from game.calendar import quarter_label
from game.chance import ChanceMixin, EventDraw
from game.chronicle import ChronicleMixin, Counters
from game.contracts import Contract
from game.deals import parse_terms
from game.decisions import Counter, Decision, Propose
from game.events import ActiveEvent, fold_modifiers
from game.fabs import build_quarters, fab_capex
from game.graph import PartnershipGraph
from game.ledger import Ledger
from game.legality import Refused, prepare
from game.markets import Market
from game.money import MoneyMixin
from game.negotiation import Negotiation
from game.outcome import Outcome
from game.phases import PhasesMixin
from game.results import ResultsMixin
from game.scenario import ScenarioSpec, load_scenario
from game.seats import MAX_DECISIONS_PER_CALL, Fault, SeatsMixin
from game.signing import SigningMixin
from game.snapshot import SnapshotMixin
from game.valuation import ValuationMixin
from game.views import ViewsMixin

__all__ = [
    "MAX_DECISIONS_PER_CALL",
    "EventDraw",
    "FabRaceModel",
    "Outcome",
    "PolicyFactory",
    "SpotOrder",
]

#: Builds the policy of a seat the caller did not name: ``(actor name, role, the policy the
#: scenario names for it) -> policy`` (or ``None`` to drive the seat from outside).
PolicyFactory = Callable[[str, str, str], Any]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _model_gpu_price(m: FabRaceModel) -> float:
    return _mean([d.gpu_price for d in m.alive(Designer)])


def _model_wafer_price(m: FabRaceModel) -> float:
    return _mean([f.wafer_price for f in m.alive(Foundry)])


def _model_compute(m: FabRaceModel) -> float:
    return sum([a.compute for a in m.alive(Lab)])  # (a list: cheaper than a generator)


def _model_capacity(m: FabRaceModel) -> float:
    return sum([f.capacity() for f in m.alive(Foundry)])


def _agent_row(a: Actor) -> tuple[float, float, float, float, float]:
    """An actor's figures on the charts, in :data:`_AGENT_COLUMNS`' order: its cash, score,
    compute in service (labs' and investors'), fab capacity running (foundries') and revenue."""
    return (
        a.cash,
        a.score,
        getattr(a, "compute", 0.0),
        a.capacity() if isinstance(a, Foundry) else 0.0,
        a.revenue(),
    )


#: The charts' agent series, in the order :func:`_agent_row` gives them.
_AGENT_COLUMNS = ("cash", "score", "compute", "capacity", "revenue")


class _AgentColumn:
    """Mesa's agent reporter of one of the charts' series: that item of :func:`_agent_row`."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, a: Actor) -> float:
        return _agent_row(a)[self.index]


class _Charts(mesa.DataCollector):
    """Mesa's ``DataCollector`` of the game's series, with each quarter's agent rows made in one
    comprehension of :func:`_agent_row`.

    Mesa makes a row reporter by reporter, deep-copying each value not of an immutable type;
    every agent series of the game is a number, made by one call an actor: the same rows (and
    tables), in a fraction of the machine's instructions (the collection was 3 % of a game's).
    Only the agent reporters (one :class:`_AgentColumn` a series, which Mesa uses for their
    names), ``_record_agents`` and ``collect`` (no deep copy of a number) differ.
    """

    def __init__(self, model_reporters: dict[str, Callable[[Any], Any]]) -> None:
        super().__init__(
            model_reporters=model_reporters,
            agent_reporters={name: _AgentColumn(i) for i, name in enumerate(_AGENT_COLUMNS)},
        )

    def collect(self, model: Any) -> None:
        """Mesa's ``collect``, each model series taken as its reporter gives it: every one is a
        number, which Mesa's deep copy (a dozen calls) gives back as it is. The first collection
        is Mesa's own, which checks the reporters first."""
        if not self._validated:
            super().collect(model)
            return
        time = model.time
        self._collection_steps.append(time)
        model_vars = self.model_vars
        for var, reporter in self.model_reporters.items():
            model_vars[var].append(reporter(model))
        self._agent_records[time] = self._record_agents(model)

    def _record_agents(self, model: Any) -> list[tuple[Any, ...]]:
        time = model.time
        return [(time, a.unique_id, *_agent_row(a)) for a in model.agents]


# observe(name), the engine's API, shadows Mesa's observe() (signal subscriptions, unused here)
class FabRaceModel(  # type: ignore[misc]  # that observe() clash, on purpose
    SeatsMixin,
    ChanceMixin,
    PhasesMixin,
    ApplyMixin,
    SigningMixin,
    MoneyMixin,
    ValuationMixin,
    ViewsMixin,
    ChronicleMixin,
    ResultsMixin,
    SnapshotMixin,
    mesa.Model,
):
    """One game of Fab Race.

    Args:
        scenario: a loaded :class:`ScenarioSpec`, or a built-in name or path to load.
        seed: the one seed every random draw of the game flows from.
        policies: the policy of each seat, by actor name; ``None`` means the actor is driven
            from outside through :meth:`submit`.
        quarters: game length (default: the scenario's).
        recorder: called with every record of the game log (decisions, events, quarter ends).
        decision_seconds: time budget of one policy call (None: no budget of the game's own).
        policy_factory: builds the policy of each seat not in ``policies`` (see
            :data:`PolicyFactory`). Every seat needs a policy from one or the other.

    Raises:
        ValueError: for an unknown actor name, a seat without a policy, or no quarters.
    """

    def __init__(
        self,
        scenario: ScenarioSpec | str,
        seed: int = 0,
        policies: Mapping[str, Any] | None = None,
        quarters: int | None = None,
        recorder: Callable[[dict[str, Any]], None] | None = None,
        decision_seconds: float | None = 2.0,
        policy_factory: PolicyFactory | None = None,
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
        self.quarter_open = False
        self._next_events: list[EventDraw] | None = None  # chosen for the coming quarter
        self.finished = False
        self.recorder = recorder
        self.decision_seconds = decision_seconds
        self.hung: set[str] = set()  # actors whose policy could not be stopped in time
        self.refused_by: dict[str, int] = {}  # refused decisions, by actor
        self.faults_by: dict[str, int] = {}  # policy faults (raised, junk, too slow), by actor
        seq = np.random.SeedSequence(self.seed)
        # The first four streams are as they were before the fifth was added (spawn keys 0-3).
        s_events, s_market, s_order, s_policy, s_ops = seq.spawn(5)
        self.rng_events = np.random.default_rng(s_events)
        self.rng_market = np.random.default_rng(s_market)
        self.rng_order = np.random.default_rng(s_order)
        self.rng_ops = np.random.default_rng(s_ops)  # chance in operations (programme slips)

        self.market = Market.from_spec(spec.market)
        self.active_events: list[ActiveEvent] = []
        self.modifiers = fold_modifiers([])
        self.news: list[str] = []
        self.chronicle: list[tuple[str, str]] = []  # every news line of the game, with its quarter
        self.event_log: list[dict[str, Any]] = []
        self.contracts: dict[int, Contract] = {}
        self.orders: list[SpotOrder] = []
        self.moves_made: dict[str, set[str]] = {}
        self.counters = Counters()
        self.faults: list[Fault] = []
        self.gpu_sold_total = 0.0  # kH100e the designers delivered, all game
        self.own_chips_total = 0.0  # kH100e the labs made of their own chips, all game
        # Caches of what observations show, each keyed by a counter of what it depends on.
        self._version = 0  # bumped whenever anything public may have changed
        self._actor_version: dict[str, int] = {}  # per actor: its figures may have changed
        self._neg_version = 0  # bumped whenever an offer is opened, answered or expired
        self._contracts_version = 0  # bumped whenever a contract's status changes
        self._events_version = 0  # bumped whenever the events in force change
        self._cache: dict[Any, Any] = {}

        # Actors, in scenario order; cash lives in the ledger.
        self.ledger = Ledger({a.name: a.cash for a in spec.actors})
        self.actor_list: list[Actor] = [ROLE_CLASSES[a.role](self, a) for a in spec.actors]
        self.actors_by_name: dict[str, Actor] = {a.name: a for a in self.actor_list}
        self._order = list(self.actor_list)  # the bots' order this quarter (drawn as it opens)
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
        given = dict(policies or {})
        unknown = sorted(set(given) - set(self.actors_by_name))
        if unknown:
            raise ValueError(f"no actor named {unknown[0]!r} in scenario {spec.name}")
        for a in self.actor_list:
            if a.name in given:
                pol = given[a.name]
            elif policy_factory is not None:
                pol = policy_factory(a.name, a.role, a.policy_name)
            else:
                raise ValueError(
                    f"no policy for {a.name}: pass policies={{{a.name!r}: ...}} (None to play it "
                    f"from outside) or a policy_factory, or build the game with "
                    f"agents.new_game(...), which seats the default bots"
                )
            self.policies[a.name] = pol
            if pol is not None:
                try:
                    with alarm_scope():  # the user's Ctrl-C is told apart from a policy's
                        pol.reset(self.policy_seeds[a.name])
                except UserInterrupt:
                    raise
                except BaseException as e:  # it plays on unseeded: a fault, not a crashed game
                    self._fault(a, "reset", f"{type(e).__name__}: {e}")

        self.datacollector = _Charts(
            model_reporters={
                "gpu_price": _model_gpu_price,
                "wafer_price": _model_wafer_price,
                "lab_compute": _model_compute,
                "fab_capacity": _model_capacity,
            },
        )
        self.running = True

    # ================================================================ the public engine API
    @property
    def label(self) -> str:
        """The current quarter as text, e.g. ``2024Q1``."""
        hit = self._cache.get("label")
        if hit is None or hit[0] != self.quarter_index:
            hit = self._cache["label"] = (
                self.quarter_index,
                quarter_label(self.spec.start, self.quarter_index),
            )
        return hit[1]

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

    def check(self, name: str, decision: Decision) -> str | None:
        """None if ``decision`` would be accepted now, else the reason it would be refused."""
        if not self.quarter_open:
            return self._closed_reason()
        try:
            prepare(self, self.actor(name), decision)
        except Refused as e:
            return str(e)
        return None

    def submit(self, name: str, decision: Decision) -> Outcome:
        """Make a decision for actor ``name``: applied whole, or refused with a reason.

        Nothing else happens, except the direct answer: an offer (or counter) made to a bot is
        answered by that bot at once. Decisions are taken only while a quarter is open (after
        :meth:`open_quarter`, before :meth:`step`); otherwise the decision is refused.
        """
        a = self.actor(name)
        if not self.quarter_open:
            self.count("refused")
            self.refused_by[a.name] = self.refused_by.get(a.name, 0) + 1
            return Outcome(False, self._closed_reason())
        out = self._submit(a, decision)
        if out.ok and out.offer_id is not None and isinstance(decision, Propose | Counter):
            self._answer(out.offer_id)
        return out

    def step(self, events: Iterable[Any] | None = None) -> None:
        """Play the quarter out: bots answer and move, then operations and accounting run.

        Opens the quarter first if it is not open yet, with ``events`` as its news if given
        (see :meth:`open_quarter`). The next quarter is not opened.

        (Mesa calls this through its own wrapper, which also moves ``model.time`` and
        ``model.steps`` on; ``events`` reach it through :meth:`_wrapped_step`.)

        Raises:
            ValueError: if ``events`` is given for a quarter already open, or is malformed;
                nothing has changed then.
        """
        if self.finished:
            return
        if events is not None:
            self._check_events_in_time()
            self._next_events = self._chosen_events(events)
        if not self.quarter_open:
            chosen, self._next_events = self._next_events, None
            self.open_quarter(chosen)
        self._next_events = None
        self._bot_turn()
        self._close_quarter()

    def _wrapped_step(self, events: Iterable[Any] | None = None) -> None:
        """``model.step(events=...)``: check the events, then step through Mesa's wrapper."""
        if events is not None and not self.finished:
            self._check_events_in_time()
            self._next_events = self._chosen_events(events)
        super()._wrapped_step()

    def _check_events_in_time(self) -> None:
        if self.quarter_open:
            raise ValueError(f"the news of {self.label} is already out: events come too late")

    def _closed_reason(self) -> str:
        if self.finished:
            return "the game is over"
        return f"{self.label} is not open yet: call open_quarter() first"

    def run(self) -> None:
        """Play every remaining quarter."""
        while not self.finished:
            self.step()

    # ================================================================ rules' figures
    def fab_capex(self, node: str, site: str, capacity: float) -> float:
        """Total capex of a new fab in $B, after subsidies in force."""
        return fab_capex(node, site, capacity, self.modifiers.us_capex)

    @staticmethod
    def build_quarters(site: str) -> int:
        """Quarters a fab takes to build at ``site`` (before delays from events)."""
        return build_quarters(site)

    def extra_budget(self, a: Actor) -> int:
        """Extra offers a distressed actor may open to raise money."""
        return 2 if a.distress > 0 else 0

    def _initial_figures(self, a: Actor) -> dict[str, float]:
        if isinstance(a, Lab):
            return {"compute": a.compute, "revenue_run_rate": a.revenue_run_rate}
        if isinstance(a, Designer):
            demand = self.market.outside_gpu_demand(a.market_share, a.gpu_price, self.modifiers)
            return {"revenue": demand * a.gpu_price / 1000.0}
        if isinstance(a, Foundry):
            cap = sum(fab.output() for fab in a.fabs)
            return {"revenue": cap * a.wafer_price / 1000.0 + a.other_revenue}
        assert isinstance(a, Investor)  # the last of the four roles
        return {"nav": self.net_asset_value(a)}
