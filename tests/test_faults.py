"""A policy that raises, returns nonsense or breaks the rules loses that decision, not the game.

Faults (a call that raised or returned something other than decisions) and refusals (a decision
the rules do not allow) are counted in ``result()["totals"]``, and the game plays on to its end. A
fault or a refusal changes nothing, so a faulty policy leaves the game exactly as a policy that does
nothing would, and the well-behaved bots seated with it play as they would have. A policy also
cannot change the game through its observation: everything in it is read-only.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest

from agents import new_game
from agents.basic import BasicPolicy
from agents.policy import Policy
from game.decisions import (
    Accept,
    BuildFab,
    Counter,
    Decision,
    Propose,
    SetGpuPrice,
    SetWaferPrice,
)
from game.model import MAX_DECISIONS_PER_CALL, FabRaceModel
from game.observation import Observation

NAMES = ("OpenAI", "Nvidia", "TSMC", "MGX")
LOAN = {"principal": 0.5, "rate": 0.05, "quarters": 4}


class Passive(Policy):
    """Does nothing: what a policy that loses every decision amounts to."""

    name = "passive"


class Raises(Policy):
    name = "raises"

    def propose(self, obs: Observation) -> list[Decision]:
        raise RuntimeError("propose blew up")

    def respond(self, obs: Observation) -> list[Decision]:
        raise KeyError("respond blew up")

    def moves(self, obs: Observation) -> list[Decision]:
        return [][1]  # IndexError


class Junk(Policy):
    """Returns something other than a list of decisions, from every call."""

    name = "junk"

    def __init__(self, junk: Any) -> None:
        super().__init__()
        self.junk = junk

    def propose(self, obs: Observation) -> Any:
        return self.junk

    respond = moves = propose


class Illegal(Policy):
    """Returns decisions the rules refuse: wrong role, bad fields, offers that do not exist."""

    name = "illegal"
    PER_CALL = 4

    def propose(self, obs: Observation) -> list[Decision]:
        return [
            Propose("Nobody", "loan", LOAN),
            Propose(obs.actor, "loan", LOAN),
            Propose("TSMC", "equity", {"amount": float("nan"), "stake": 0.1}),
            Propose("TSMC", "gift", {}),
        ]

    def respond(self, obs: Observation) -> list[Decision]:
        return [Accept(10**6), Counter(-1, {}), Accept(True), Accept("1")]

    def moves(self, obs: Observation) -> list[Decision]:
        return [
            BuildFab(["N3"], "taiwan", 10.0),
            BuildFab("N3", "taiwan", 10**400),
            SetWaferPrice(17.0) if obs.role != "foundry" else SetGpuPrice(30.0),
            Decision(),
        ]


class Flood(Policy):
    """Proposes far more offers than the limit a call may return."""

    name = "flood"

    def propose(self, obs: Observation) -> list[Decision]:
        return [Propose("OpenAI", "loan", LOAN)] * 10_000


class Endless(Policy):
    """Returns an endless iterator of offers, counting how many the engine pulled."""

    name = "endless"

    def __init__(self) -> None:
        super().__init__()
        self.pulled: list[int] = []

    def propose(self, obs: Observation) -> Iterator[Decision]:
        self.pulled.append(0)

        def gen() -> Iterator[Decision]:
            for _ in itertools.count():
                self.pulled[-1] += 1
                if self.pulled[-1] > 10_000:  # the engine should have stopped long ago
                    raise AssertionError("the engine kept pulling from an endless iterator")
                yield Propose("OpenAI", "loan", LOAN)

        return gen()


def game(seed: int = 0, **policies: Any) -> tuple[FabRaceModel, list[dict[str, Any]]]:
    """A duel with some seats taken by the given policies (the rest by its bots), and its log."""
    log: list[dict[str, Any]] = []
    m = new_game("duel", seed=seed, policies=policies, recorder=log.append)
    return m, log


def play(m: FabRaceModel) -> list[str]:
    """Play to the end; return the digest after each quarter."""
    digests = []
    while not m.finished:
        m.step()
        digests.append(m.digest())
    return digests


def faults_of(log: list[dict[str, Any]], actor: str) -> list[dict[str, Any]]:
    return [r for r in log if r["type"] == "fault" and r["actor"] == actor]


def decisions_of(log: list[dict[str, Any]], actor: str) -> list[dict[str, Any]]:
    return [r for r in log if r["type"] == "decision" and r["actor"] == actor]


# ==================================================================== faults
@pytest.mark.parametrize("seat", ["OpenAI", "MGX"])
def test_a_policy_that_raises_loses_its_decisions_and_the_game_goes_on(seat):
    m, log = game(seed=1, **{seat: Raises()})
    passive, _ = game(seed=1, **{seat: Passive()})
    digests = play(m)
    assert m.finished and m.result()["quarters"] == m.n_quarters == 12
    faults = faults_of(log, seat)
    assert m.result()["totals"]["faults"] == len(faults) == len(m.faults)
    # Every quarter in which it could act, both its propose and its moves calls were lost.
    calls = {(r["q"], r["call"]) for r in faults}
    for q in range(12):
        assert {(q, "propose"), (q, "moves")} <= calls
    assert {r["error"].split(":")[0] for r in faults} >= {"RuntimeError", "IndexError"}
    assert decisions_of(log, seat) == []
    # A fault is as if the policy did nothing.
    assert digests == play(passive)


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param("accept everything", id="text"),
        pytest.param(42, id="a number"),
        pytest.param([None], id="a list of None"),
        pytest.param({"type": "propose"}, id="a dict"),
        pytest.param([Propose("OpenAI", "loan", LOAN), {"type": "accept"}], id="a half-good list"),
        pytest.param([SetWaferPrice], id="a class, not an instance"),
        pytest.param(object(), id="an object"),
    ],
)
def test_a_policy_that_returns_junk_loses_the_call_and_the_game_goes_on(junk):
    m, log = game(seed=2, MGX=Junk(junk))
    passive, _ = game(seed=2, MGX=Passive())
    digests = play(m)
    assert m.finished
    faults = faults_of(log, "MGX")
    assert faults and m.result()["totals"]["faults"] == len(faults)
    assert all(r["q"] in range(12) and r["error"] for r in faults)
    # The whole call is lost, good decisions in it included.
    assert decisions_of(log, "MGX") == []
    assert digests == play(passive)


def test_returning_none_means_no_decisions_not_a_fault():
    m, _ = game(seed=2, MGX=Junk(None))
    passive, _ = game(seed=2, MGX=Passive())
    assert play(m) == play(passive)
    assert m.result()["totals"]["faults"] == 0


def test_a_policy_that_returns_illegal_decisions_has_them_refused_and_counted():
    m, log = game(seed=3, TSMC=Illegal())
    passive, _ = game(seed=3, TSMC=Passive())
    digests = play(m)
    assert m.finished
    mine = decisions_of(log, "TSMC")
    assert mine and all(not r["outcome"]["ok"] and r["outcome"]["reason"] for r in mine)
    # Every decision returned was tried and refused; none was a fault.
    per_quarter = {q: sum(1 for r in mine if r["q"] == q) for q in range(12)}
    assert all(n >= 2 * Illegal.PER_CALL for n in per_quarter.values()), per_quarter
    totals = m.result()["totals"]
    assert totals["refused"] == len(mine)
    assert totals["faults"] == 0
    assert digests == play(passive)


def test_a_flood_of_decisions_is_cut_at_the_limit_and_the_rest_refused():
    m, log = game(seed=4, MGX=Flood())
    play(m)
    assert m.finished
    faults = faults_of(log, "MGX")
    assert len(faults) == 12 and all("more than" in r["error"] for r in faults)
    mine = decisions_of(log, "MGX")
    assert len(mine) == 12 * MAX_DECISIONS_PER_CALL  # only the first ones were tried
    budget = m.rules.action_budget
    for q in range(12):
        made = [r for r in mine if r["q"] == q and r["outcome"]["ok"]]
        assert 1 <= len(made) <= budget + 2  # the budget (and a distressed actor's extra two)
    totals = m.result()["totals"]
    assert totals["refused"] == sum(1 for r in mine if not r["outcome"]["ok"])
    assert totals["faults"] == 12


def test_an_endless_iterator_is_cut_at_the_limit_instead_of_hanging_the_game():
    policy = Endless()
    m, log = game(seed=5, MGX=policy)
    play(m)
    assert m.finished
    assert policy.pulled and all(n <= MAX_DECISIONS_PER_CALL + 1 for n in policy.pulled)
    assert len(faults_of(log, "MGX")) == len(policy.pulled)


def test_a_well_behaved_bot_plays_normally_among_faulty_ones():
    m, log = game(seed=6, OpenAI=Raises(), Nvidia=Junk("x"), TSMC=Illegal(), MGX=BasicPolicy())
    calm, _ = game(seed=6, OpenAI=Passive(), Nvidia=Passive(), TSMC=Passive(), MGX=BasicPolicy())
    digests = play(m)
    assert m.finished
    totals = m.result()["totals"]
    assert totals["faults"] > 0 and totals["refused"] > 0
    fund = decisions_of(log, "MGX")
    assert fund and all(r["outcome"]["ok"] for r in fund)
    assert any(r["decision"]["type"] == "propose" for r in fund)
    # The faulty seats amount to doing nothing: the bot plays exactly its game against idle ones.
    assert digests == play(calm)


# ==================================================================== read-only observations
def _open_offer_to_lab(m: FabRaceModel) -> None:
    assert m.submit("MGX", Propose("OpenAI", "loan", LOAN)).ok


def _attempts(obs: Observation) -> dict[str, Any]:
    """Ways a policy might try to change the game through its observation."""
    offer = obs.inbox[0]
    contract = obs.contracts[0]
    g = obs.graph
    u, v, k = next(iter(g.edges(keys=True)))
    return {
        "books: set cash": lambda: obs.books.__setitem__("cash", 1e9),
        "books: delete cash": lambda: obs.books.__delitem__("cash"),
        "books: stakes": lambda: obs.books["stakes"].__setitem__("TSMC", 0.5),
        "books: last quarter": lambda: obs.books["last_quarter"].__setitem__("opex", 0.0),
        "public: an actor": lambda: obs.public.__setitem__("TSMC", {}),
        "public: cash": lambda: obs.public["TSMC"].__setitem__("cash", 0.0),
        "public: fabs": lambda: obs.public["TSMC"]["fabs"].append(("N2", "taiwan", 1e3, 0)),
        "market": lambda: obs.market.__setitem__("gpu_demand", 0.0),
        "inbox: append": lambda: obs.inbox.append(offer),
        "inbox: offer status": lambda: offer.__setitem__("status", "accepted"),
        "inbox: offer terms": lambda: offer["terms"].__setitem__("principal", 500.0),
        "sent": lambda: obs.sent.append(offer),
        "contracts: status": lambda: contract.__setitem__("status", "breached"),
        "contracts: terms": lambda: contract["terms"].__setitem__("rate", 0.0),
        "trust_in": lambda: obs.trust_in.__setitem__("MGX", 1.0),
        "trusted_by": lambda: obs.trusted_by.__setitem__("MGX", 1.0),
        "news": lambda: obs.news.append("nothing happened"),
        "legal: partners": lambda: obs.legal.partners.__setitem__("loan", ("TSMC",)),
        "legal: move bounds": lambda: obs.legal.moves["buy_spot_gpus"].__setitem__("x", 1),
        "legal: term bounds": lambda: obs.legal.term_bounds["loan"]["rate"].__setitem__("hi", 9),
        "legal: setattr": lambda: setattr(obs.legal, "proposals_left", 99),
        "graph: add edge": lambda: g.add_edge("OpenAI", "TSMC"),
        "graph: remove node": lambda: g.remove_node("TSMC"),
        "graph: node attribute": lambda: g.nodes["TSMC"].__setitem__("country", "US"),
        "graph: edge attribute": lambda: g.edges[u, v, k].__setitem__("status", "breached"),
        "graph: edge terms": lambda: g.edges[u, v, k]["terms"].__setitem__("price", 0.0),
        "graph: trust": lambda: g.graph["trust"].__setitem__(("OpenAI", "MGX"), 1.0),
        "graph: graph attribute": lambda: g.graph.__setitem__("trust", {}),
        "rules": lambda: setattr(obs.rules, "action_budget", 99),
        "setattr: actor": lambda: setattr(obs, "actor", "TSMC"),
        "setattr: books": lambda: setattr(obs, "books", {"cash": 1e9}),
        "setattr: new field": lambda: setattr(obs, "cheat", True),
    }


def test_every_part_of_an_observation_is_read_only():
    m = new_game("duel", seed=0, policies=dict.fromkeys(NAMES))
    m.open_quarter()
    signed = m.submit("MGX", Propose("OpenAI", "loan", LOAN))
    assert m.submit("OpenAI", Accept(signed.offer_id)).signed  # a contract on the graph
    m.step()  # and a quarter of books
    m.open_quarter()
    _open_offer_to_lab(m)
    obs = m.observe("OpenAI")
    assert obs.inbox and obs.contracts and obs.graph.number_of_edges()
    before = (m.digest(), m.graph.trust_table(), dict(m.graph.g.nodes(data=True)))
    seen_by_fund = m.observe("MGX")
    graph_before = nx.node_link_data(seen_by_fund.graph, edges="edges")
    not_refused = []
    for what, attempt in _attempts(obs).items():
        try:
            attempt()
        except (TypeError, AttributeError, nx.NetworkXError, dataclasses.FrozenInstanceError):
            continue
        except Exception as e:  # pydantic's frozen models raise a ValidationError
            if type(e).__name__ != "ValidationError":
                raise
            continue
        not_refused.append(what)
    assert not_refused == []
    assert (m.digest(), m.graph.trust_table(), dict(m.graph.g.nodes(data=True))) == before
    # Nor did another actor's view of the graph change.
    assert nx.node_link_data(m.observe("MGX").graph, edges="edges") == graph_before
    assert m.observe("OpenAI").inbox[0]["status"] == "open"


class Meddler(Policy):
    """Tries to change the game through its observations, every call, then does nothing."""

    name = "meddler"

    def __init__(self) -> None:
        super().__init__()
        self.got_through: list[str] = []
        self.tries = 0

    def _meddle(self, obs: Observation) -> list[Decision]:
        if not (obs.inbox and obs.contracts):
            return []
        self.tries += 1
        for what, attempt in _attempts(obs).items():
            try:
                attempt()
            except Exception:
                continue
            self.got_through.append(what)
        return []

    propose = respond = moves = _meddle


def test_a_policy_meddling_with_its_observations_does_not_change_the_game():
    meddler = Meddler()
    m, _ = game(seed=8, OpenAI=meddler)
    passive, _ = game(seed=8, OpenAI=Passive())
    assert play(m) == play(passive)
    assert meddler.tries > 0
    assert meddler.got_through == []


def test_a_fault_for_a_list_with_something_else_in_it_names_the_first_thing_not_a_decision():
    m, log = game(seed=2, MGX=Junk([Propose("OpenAI", "loan", LOAN), {"type": "accept"}, 3]))
    play(m)
    faults = faults_of(log, "MGX")
    assert faults and {r["error"] for r in faults} == {"returned dict, not a Decision"}
