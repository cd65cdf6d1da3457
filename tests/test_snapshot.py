"""Snapshots: a game saved as a JSON document, restored, copied or pickled plays on the same.

For every built-in policy family, in ``duel`` and ``baseline-2024``: a game played a few quarters
is saved (through strict JSON), restored, deep-copied, cloned and pickled, and every copy is played
to the end beside the original with the same digest every quarter and the same result. A player's
half-finished quarter restores with its open offers and inbox. A document of another format
version, or damaged in any way, is refused with :class:`SnapshotError` and a clear message, never
another exception.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import random
import subprocess
import sys
import types
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import new_game
from agents.basic import BasicPolicy
from agents.random_policy import RandomPolicy
from agents.registry import builtin_families, make_policy
from agents.snapshots import restore_game
from game.deals import DealKind, EquityTerms
from game.decisions import Accept, Propose, Reject
from game.fabs import Fab
from game.model import FabRaceModel
from game.scenario import load_scenario
from game.snapshot import (
    CACHE_ATTRIBUTES,
    FORMAT_VERSION,
    MAX_DEPTH,
    SnapshotError,
    decode,
    encode,
    restore,
)

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = sorted(builtin_families())
# Games compared quarter by quarter run without the game's time budget: on a loaded machine a
# look-ahead call past 2 s would be a fault in one copy and not in another.
UNTIMED = None


def seated(scenario: str, family: str) -> dict[str, Any]:
    """Every actor of the scenario played by a fresh policy of the family."""
    return {a.name: make_policy(family, a.role) for a in load_scenario(scenario).actors}


def through_json(doc: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(doc, allow_nan=False))


def result_text(m: FabRaceModel) -> str:
    return json.dumps(m.result(), sort_keys=True)


def play_alongside(original: FabRaceModel, *copies: FabRaceModel) -> None:
    """Step every game to the end together: the same digest every quarter, the same result."""
    assert all(c.digest() == original.digest() for c in copies)
    while not original.finished:
        original.step()
        for c in copies:
            c.step()
            assert c.digest() == original.digest(), f"after quarter {original.quarter_index}"
    assert all(c.finished for c in copies)
    want = result_text(original)
    assert all(result_text(c) == want for c in copies)


def copies_of(m: FabRaceModel) -> list[FabRaceModel]:
    """The game restored from its JSON snapshot, pickled, deep-copied and cloned."""
    return [
        restore_game(through_json(m.snapshot()), decision_seconds=m.decision_seconds),
        pickle.loads(pickle.dumps(m)),
        copy.deepcopy(m),
        m.clone(),
    ]


# ==================================================================== playing on
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("scenario", "quarters", "saved_at"), [("duel", None, 3)])
def test_a_restored_game_plays_on_like_the_original(family, scenario, quarters, saved_at):
    m = new_game(
        scenario,
        seed=5,
        policies=seated(scenario, family),
        quarters=quarters,
        decision_seconds=UNTIMED,
    )
    for _ in range(saved_at):
        m.step()
    doc = m.snapshot()
    assert all(seat["restorable"] for seat in doc["seats"].values())
    play_alongside(m, *copies_of(m))


@pytest.mark.parametrize("family", FAMILIES)
def test_a_restored_baseline_game_plays_on_like_the_original(family):
    m = new_game(
        "baseline-2024",
        seed=2,
        policies=seated("baseline-2024", family),
        quarters=9,
        decision_seconds=UNTIMED,
    )
    for _ in range(4):
        m.step()
    play_alongside(m, *copies_of(m))


def test_a_whole_baseline_game_saved_half_way_plays_on_the_same():
    m = new_game("baseline-2024", seed=1)  # the scenario's own bots
    for _ in range(20):
        m.step()
    doc = through_json(m.snapshot())
    assert doc["quarter"] == 20 and doc["label"] == "2029Q1"
    assert len(json.dumps(doc)) < 1_000_000
    play_alongside(m, restore_game(doc), m.clone())


def test_a_snapshot_taken_at_the_start_or_the_end_restores():
    m = new_game("duel", seed=3)
    start = restore_game(through_json(m.snapshot()))
    play_alongside(m, start)
    end = restore_game(through_json(m.snapshot()))
    assert end.finished and end.digest() == m.digest() and result_text(end) == result_text(m)
    end.step()  # nothing left to play
    assert end.digest() == m.digest()


def test_a_restored_game_snapshots_to_the_same_document():
    m = new_game("duel", seed=4, policies=seated("duel", "planner"))
    m.step()
    doc = through_json(m.snapshot())
    assert through_json(restore_game(doc).snapshot()) == doc


class LateModel(FabRaceModel):
    """A model that sets an attribute only as it plays (a fresh game does not have it yet)."""

    def step(self) -> None:
        super().step()
        self.closed_here = [*getattr(self, "closed_here", []), self.quarter_index]


def _basic(name: str, role: str, label: str) -> Any:
    return BasicPolicy()


def test_state_set_while_playing_restores_though_a_fresh_game_has_none_yet():
    m = LateModel("duel", seed=2, policy_factory=_basic)
    m.step()
    m.step()
    r = LateModel.from_snapshot(through_json(m.snapshot()), lambda n, role, label: None)
    assert type(r) is LateModel and r.closed_here == [1, 2]
    assert not hasattr(LateModel("duel", seed=2, policy_factory=_basic), "closed_here")


def test_a_snapshot_restores_in_another_process_with_another_hash_seed(tmp_path):
    m = new_game("duel", seed=8, policies=seated("duel", "reciprocal"))
    for _ in range(4):
        m.step()
    path = tmp_path / "game.json"
    path.write_text(json.dumps(m.snapshot(), allow_nan=False))
    script = (
        "import json, sys\n"
        "from agents.snapshots import restore_game\n"
        "m = restore_game(json.loads(open(sys.argv[1]).read()))\n"
        "digests = []\n"
        "while not m.finished:\n"
        "    m.step()\n"
        "    digests.append(m.digest())\n"
        "print(json.dumps({'digests': digests, 'result': m.result()}, sort_keys=True))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    theirs = json.loads(out.stdout)
    digests = []
    while not m.finished:
        m.step()
        digests.append(m.digest())
    assert theirs["digests"] == digests
    assert json.dumps(theirs["result"], sort_keys=True) == result_text(m)


# ==================================================================== copies are independent
@pytest.mark.parametrize("how", ["restore", "pickle", "deepcopy", "clone"])
def test_playing_a_copy_leaves_the_original_unchanged(how):
    m = new_game("duel", seed=6, policies=seated("duel", "greedy"))
    m.step()
    twin = new_game("duel", seed=6, policies=seated("duel", "greedy"))
    twin.step()
    before = json.dumps(m.snapshot(), allow_nan=False)
    c = {
        "restore": lambda: restore_game(m.snapshot()),
        "pickle": lambda: pickle.loads(pickle.dumps(m)),
        "deepcopy": lambda: copy.deepcopy(m),
        "clone": m.clone,
    }[how]()
    c.submit("OpenAI", Propose("MGX", "equity", {"amount": 1.0, "stake": 0.02}))
    c.run()
    assert json.dumps(m.snapshot(), allow_nan=False) == before
    assert c.policies["OpenAI"] is not m.policies["OpenAI"]
    assert all(a.model is c for a in c.actor_list)
    play_alongside(m, twin)  # and the original still plays its own game


def test_a_copy_has_no_recorder_and_caches_start_empty():
    records: list[dict[str, Any]] = []
    m = new_game("duel", seed=2, recorder=records.append)
    m.step()
    for name in m.actors_by_name:
        m.observe(name).contracts  # noqa: B018 - fills the caches
    m.graph.frozen()
    assert m._cache and m.graph._frozen is not None
    for c in (m.clone(), copy.deepcopy(m), pickle.loads(pickle.dumps(m)), restore(m.snapshot())):
        assert c.recorder is None
        assert c._cache == {} and c.graph._frozen is None
        assert all(x.__dict__.get("_view") is None for x in c.contracts.values())
    n = len(records)
    m.clone().step()
    assert len(records) == n  # the copy's quarter is not written in the original's log
    r = restore(m.snapshot(), recorder=records.append)
    r.step()
    assert "quarter_end" in [rec["type"] for rec in records[n:]]


def test_caches_are_not_saved():
    m = new_game("duel", seed=2)
    m.step()
    for name in m.actors_by_name:
        m.observe(name).contracts  # noqa: B018
    m.graph.frozen()

    def keys(x: Any) -> set[str]:
        if isinstance(x, dict):
            return set(x) | {k for v in x.values() for k in keys(v)}
        if isinstance(x, list):
            return {k for v in x for k in keys(v)}
        return set()

    doc = m.snapshot()
    assert not keys(doc["state"]) & set(CACHE_ATTRIBUTES)
    assert not keys(doc["actors"]) & set(CACHE_ATTRIBUTES)


def test_mesa_internals_and_charts_come_back():
    m = new_game("duel", seed=9)
    for _ in range(5):
        m.step()
    r = restore_game(through_json(m.snapshot()))
    assert (r.steps, r.time, r.agent_id_counter) == (m.steps, m.time, m.agent_id_counter)
    assert [a.unique_id for a in r.agents] == [a.unique_id for a in m.agents]
    assert list(r.agents) == r.actor_list
    assert r.random.getstate() == m.random.getstate()
    assert r.rng.bit_generator.state == m.rng.bit_generator.state
    dm, dr = m.datacollector, r.datacollector
    assert dr.get_model_vars_dataframe().equals(dm.get_model_vars_dataframe())
    assert dr.get_agent_vars_dataframe().equals(dm.get_agent_vars_dataframe())
    r.step()  # one quarter is one Mesa step, not a catch-up of the saved ones
    assert (r.steps, r.time) == (m.steps + 1, m.time + 1)
    assert len(dr.model_vars["gpu_price"]) == len(dm.model_vars["gpu_price"]) + 1


# ==================================================================== a player's quarter
def _answer(m: FabRaceModel, name: str) -> None:
    """What a scripted player does: accept the first offer in its inbox, reject the rest."""
    for i, o in enumerate(m.observe(name).inbox):
        m.submit(name, Accept(o["id"]) if i == 0 else Reject(o["id"]))


def test_a_player_saved_between_two_decisions_restores_with_its_offers_and_inbox():
    m = new_game("duel", seed=3, policies={"OpenAI": None})
    m.open_quarter()
    while not m.observe("OpenAI").inbox:
        m.step()
        m.open_quarter()
    out = m.submit("OpenAI", Propose("Nvidia", "supply", _supply()))
    assert out.ok
    doc = through_json(m.snapshot())
    assert doc["seats"]["OpenAI"] == {"role": "lab", "policy": "external", "external": True}
    r = restore_game(doc)
    assert r.policies["OpenAI"] is None
    for a, b in ((m, r),):
        oa, ob = a.observe("OpenAI"), b.observe("OpenAI")
        assert oa.inbox == ob.inbox and oa.sent == ob.sent and oa.inbox
        assert [o.view() for o in a.negotiation.open_offers()] == [
            o.view() for o in b.negotiation.open_offers()
        ]
    for g in (m, r):
        g.submit("OpenAI", Propose("MGX", "equity", {"amount": 1.5, "stake": 0.03}))
        _answer(g, "OpenAI")
    assert m.digest() == r.digest()
    while not m.finished:
        for g in (m, r):
            g.open_quarter()
            _answer(g, "OpenAI")
            g.step()
        assert m.digest() == r.digest()
    assert result_text(m) == result_text(r)


def _supply() -> dict[str, Any]:
    return {"quantity": 2.0, "quarters": 4, "price": 30.0, "prepay": 0.1}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    players=st.sets(st.sampled_from(["OpenAI", "Nvidia", "TSMC", "MGX"]), min_size=1),
    family=st.sampled_from(FAMILIES),
    actions=st.lists(st.sampled_from(["propose", "respond", "moves", "step"]), max_size=30),
    saved_at=st.integers(0, 30),
    driver_seed=st.integers(0, 2**32 - 1),
)
def test_a_game_saved_at_any_moment_plays_on_the_same(
    seed, players, family, actions, saved_at, driver_seed
):
    """Players driven from outside (by random decisions) and bots; saved between any two."""
    policies = {n: (None if n in players else p) for n, p in seated("duel", family).items()}
    m = new_game("duel", seed=seed, policies=policies, quarters=6)
    driver = RandomPolicy(activity=0.8)
    driver.reset(driver_seed)
    games = [(m, driver)]
    for i, act in enumerate(actions):
        if i == saved_at:
            games.append((restore_game(through_json(m.snapshot())), copy.deepcopy(driver)))
        for g, drv in games:
            if act == "step":
                g.step()
                continue
            for name in sorted(players):
                if not g.finished:
                    for d in getattr(drv, act)(g.observe(name)):
                        g.submit(name, d)
        assert len({g.digest() for g, _ in games}) == 1
    for g, _ in games:
        g.run()
    assert len({result_text(g) for g, _ in games}) == 1


# ==================================================================== seats and policies
def test_a_policy_without_state_is_recorded_as_not_restorable_and_must_be_given():
    class Plain:  # a policy object that does not subclass Policy
        label = "plain"

        def reset(self, seed: int) -> None:
            pass

        def propose(self, obs: Any) -> list[Any]:
            return []

        respond = moves = propose

    m = new_game("duel", seed=1, policies={"TSMC": Plain()})
    m.step()
    doc = through_json(m.snapshot())
    seat = doc["seats"]["TSMC"]
    assert seat["restorable"] is False and "get_state" in seat["reason"]
    with pytest.raises(SnapshotError, match=r"seat TSMC.*not saved.*policies="):
        restore_game(doc)
    r = restore_game(doc, policies={"TSMC": Plain()})
    assert r.policy_label("TSMC") == "plain"
    play_alongside(m, r)
    # The engine alone seats nobody it is not given.
    bare = FabRaceModel.from_snapshot(doc)
    assert all(p is None for p in bare.policies.values())


def test_a_policy_whose_state_cannot_be_saved_is_recorded_as_not_restorable():
    pol = BasicPolicy()
    pol.helper = lambda x: x  # not data
    m = new_game("duel", seed=1, policies={"Nvidia": pol})
    seat = m.snapshot()["seats"]["Nvidia"]
    assert seat["restorable"] is False and "helper" in seat["reason"]
    json.dumps(m.snapshot(), allow_nan=False)


def test_seats_can_be_given_as_a_mapping_or_a_factory():
    m = new_game("duel", seed=7, policies=seated("duel", "cautious"))
    m.step()
    doc = through_json(m.snapshot())
    given = FabRaceModel.from_snapshot(doc, {n: make_policy("cautious", r) for n, r in _roles(m)})
    made = FabRaceModel.from_snapshot(doc, lambda name, role, label: make_policy(label, role))
    assert {given.policy_label(n) for n in given.actors_by_name} == {"cautious"}
    play_alongside(m, given, made)
    with pytest.raises(SnapshotError, match="no actor named 'Nobody'"):
        FabRaceModel.from_snapshot(doc, {"Nobody": None})


def _roles(m: FabRaceModel) -> list[tuple[str, str]]:
    return [(a.name, a.role) for a in m.actor_list]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_policy_takes_back_the_state_it_gave(family):
    m = new_game("duel", seed=3, policies=seated("duel", family))
    m.run()
    for name, role in _roles(m):
        state = m.policies[name].get_state()
        json.dumps(state, allow_nan=False)
        fresh = make_policy(family, role)
        fresh.set_state(through_json(state))
        assert fresh.get_state() == state
    with pytest.raises(SnapshotError, match="saved from a"):
        make_policy("basic" if family != "basic" else "random", "lab").set_state(state)


# ==================================================================== refused documents
@pytest.fixture(scope="module")
def saved() -> dict[str, Any]:
    """A duel saved mid-quarter, with a player (OpenAI), open offers, contracts and fabs."""
    m = new_game("duel", seed=3, policies={"OpenAI": None})
    for _ in range(3):
        m.step()
    m.submit("OpenAI", Propose("Nvidia", "supply", _supply()))
    doc = through_json(m.snapshot())
    assert doc["state"]["contracts"]["v"] and doc["actors"]["TSMC"]["state"]["fabs"]
    return doc


def tampered(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    d = copy.deepcopy(doc)
    change(d)
    return d


def _first_contract(d: dict[str, Any]) -> dict[str, Any]:
    return d["state"]["contracts"]["v"][0][1]["v"]


def _nested(depth: int) -> list[Any]:
    x: list[Any] = []
    for _ in range(depth):
        x = [x]
    return x


def _set(path: str, value: Any) -> Any:
    """A change that sets the value at a path like ``state.ledger.v.balances.OpenAI``."""

    def change(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        for k in head:
            d = d[int(k)] if isinstance(d, list) else d[k]
        if isinstance(d, list):
            d[int(last)] = value
        else:
            d[last] = value

    return change


def _delete(path: str) -> Any:
    def change(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        for k in head:
            d = d[int(k)] if isinstance(d, list) else d[k]
        del d[last]

    return change


DAMAGE: dict[str, tuple[Any, str]] = {
    # a string where a number belongs
    "text for a model number": (_set("state.gpu_sold_total", "12.5"), "must be a number"),
    "text for a balance": (_set("state.ledger.v.balances.OpenAI", "a lot"), "must be a number"),
    "text for an actor's figure": (
        _set("actors.OpenAI.state.revenue_run_rate", "high"),
        "must be a number",
    ),
    "text for a fab's capacity": (
        _set("actors.TSMC.state.fabs.0.v.capacity", "big"),
        "field 'capacity' of a Fab must be float",
    ),
    "text for a term": (
        lambda d: _first_contract(d)["terms"]["v"].update(wafers="many"),
        "must be float",
    ),
    "text for the seed": (_set("seed", "7"), "'seed' must be a whole number"),
    "text for Mesa's steps": (_set("mesa.steps", "3"), "whole numbers"),
    "text for a generator's state": (
        _set("state.rng_market.v.state.state", "x"),
        "numpy PCG64 generator",
    ),
    "text for a policy parameter": (
        _set("seats.Nvidia.state.params.risk", "x"),
        "must be a number",
    ),
    "null for a list": (_set("actors.TSMC.state.fabs", {"@": "set", "v": []}), "must be a list"),
    # type tags and classes
    "unknown type tag": (_set("state.market.@", "builtins.eval"), "unknown type tag"),
    "unknown class": (_set("state.market.cls", "Popen"), "unknown class 'Popen'"),
    "the model as a class": (_set("state.market.cls", "FabRaceModel"), "unknown class"),
    "an enum that is not one": (
        lambda d: _first_contract(d)["kind"].update(cls="Fab"),
        "is not an enum",
    ),
    "a value that is not of the enum": (
        lambda d: _first_contract(d)["kind"].update(v="theft"),
        "is not a DealKind",
    ),
    "unknown defaultdict factory": (
        _set("actors.OpenAI.state.pnl.factory", "os.system"),
        "unknown defaultdict factory",
    ),
    "a tag with extra keys": (
        lambda d: d["state"]["market"].update(extra=1),
        "must have exactly the keys",
    ),
    "reference to nothing": (_set("state.actor_list", {"@": "ref", "v": 99999}), "unknown object"),
    "reference to nobody": (
        _set("state._order.0", {"@": "actor", "v": "Nobody"}),
        "unknown actor 'Nobody'",
    ),
    "a scenario part that is not there": (
        _set("state.market.v.spec.v", "actors.99"),
        "no scenario part",
    ),
    "an unhashable key": (
        _set("state.contracts.v.0.0", [1]),
        "key cannot be",
    ),
    "a graph that is not one": (_set("state.graph.v.g.v", {"nodes": 3}), "not a graph"),
    "a random state that is not one": (_set("mesa.random.v", [1, 2]), "random"),
    # fields
    "a missing model field": (_delete("state.market"), "has no 'market'"),
    "a model field that is a method": (_set("state.step", 1), "unknown field 'step'"),
    "a model field that is Mesa's": (_set("state.steps", 1), "unknown field 'steps'"),
    "a model field that is a section": (_set("state.policies", {}), "unknown field 'policies'"),
    "a model field that is a cache": (_set("state._cache", {}), "unknown field '_cache'"),
    "a model field that is a property": (_set("state.label", "x"), "unknown field 'label'"),
    "an actor field that is its model": (_set("actors.OpenAI.state.model", 1), "unknown field"),
    "a missing object field": (
        _delete("actors.TSMC.state.fabs.0.v.capacity"),
        "without its field 'capacity'",
    ),
    "a dunder attribute": (
        _set("state.ledger.v.__class__", "x"),
        "has no attribute '__class__'",
    ),
    "an attribute that is a method": (
        _set("state.ledger.v.transfer", 1),
        "has no attribute 'transfer'",
    ),
    "a missing actor field": (_delete("actors.OpenAI.state.cohorts"), "has no 'cohorts'"),
    "a missing section": (_delete("mesa"), "no 'mesa'"),
    "seats of another game": (_delete("seats.OpenAI"), "seats and actors"),
    "a scenario that is not one": (_set("scenario.spec.actors", "none"), "snapshot scenario"),
    "a quarter that is not the state's": (_set("quarter", 11), "'quarter' is 11"),
    # junk
    "nesting 10^5 deep": (_set("state.news", _nested(100_000)), f"deeper than {MAX_DEPTH}"),
    "a 50 MB string for a number": (_set("state.gpu_sold_total", "9" * 50_000_000), "number"),
    "a bare NaN": (_set("state.gpu_sold_total", float("nan")), "non-finite"),
    "a tuple (not JSON)": (_set("state.news", (1, 2)), "not JSON data"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_document_is_refused_with_a_clear_message(saved, damage):
    change, message = DAMAGE[damage]
    doc = tampered(saved, change)
    with pytest.raises(SnapshotError) as err:
        restore_game(doc)
    text = str(err.value)
    assert message in text, text
    assert len(text) < 600
    assert err.value.__traceback__ is not None


@pytest.mark.parametrize(
    "doc", [None, [], "snapshot", 7, {}, {"format": "fabrace-snapshot"}, {"version": 1}]
)
def test_something_that_is_not_a_snapshot_is_refused(doc):
    with pytest.raises(SnapshotError, match=r"not a Fab Race snapshot|version"):
        restore(doc)


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 0, "1", None])
def test_a_snapshot_of_another_version_is_refused_naming_both_versions(saved, version):
    doc = dict(saved, version=version)
    with pytest.raises(SnapshotError) as err:
        restore_game(doc)
    assert repr(version) in str(err.value) and f"version {FORMAT_VERSION}" in str(err.value)


def _paths(x: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(x, dict):
        for k, v in x.items():
            out += _paths(v, (*here, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _paths(v, (*here, i))
    return out


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.sampled_from(
        [
            {"@": "obj", "cls": "Fab", "v": {}},
            {"@": "ref", "v": 0},
            {"@": "actor", "v": "OpenAI"},
            {"@": "spec", "v": "rules"},
            {"@": "set", "v": [[]]},
            {"@": "float", "v": "nan"},
            {"@": "tuple", "v": 3},
            {"@": "numpy.Generator", "v": {"bit_generator": "PCG64"}},
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_damage_is_refused_with_a_snapshot_error_or_restores(saved, data):
    paths = [p for p in _paths(saved) if p]
    path = data.draw(st.sampled_from(paths), label="path")
    junk = data.draw(JUNK, label="junk")
    doc = copy.deepcopy(saved)
    d: Any = doc
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = junk
    try:
        restore_game(doc)
    except SnapshotError as e:
        assert str(e)


# ==================================================================== the codec
SHARED: list[Any] = [1]


def _stable_id(v: Any) -> str:
    """A test id the same in every process (no addresses, no set order): pytest-xdist's
    workers must collect the same ids."""
    if isinstance(v, set | frozenset):
        return repr(sorted(v))
    if isinstance(v, np.random.Generator | random.Random):
        return "seeded-5"
    return repr(v)


CYCLE: list[Any] = []
CYCLE.append(CYCLE)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**80),
        0.1,
        -0.0,
        1e308,
        5e-324,
        float("inf"),
        -float("inf"),
        "",
        "@",
        [1, [2.5, "x"]],
        (1, (2, 3)),
        {"a": 1, "@": 2},
        {(1, "a"): 1.5, 3: None, DealKind.LOAN: "loan"},
        {1, 2, 3},
        frozenset({"a", "b"}),
        defaultdict(float, {"x": 1.0}),
        defaultdict(list),
        types.MappingProxyType({"a": (1, 2)}),
        DealKind.EQUITY,
        EquityTerms(amount=2.0, stake=0.1),
        Fab("N3", "us", 50.0, build_left=3, capex_left=1.25),
        np.float64(0.1),
        np.int64(-3),
        np.uint32(7),
        np.bool_(True),
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.random.default_rng(5),
        random.Random(5),
    ],
    ids=lambda v: f"{type(v).__name__}-{_stable_id(v)}",
)
def test_the_codec_round_trips_values_exactly(value):
    data = through_json(encode(value))
    back = decode(data)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and (back == value).all()
    elif isinstance(value, np.random.Generator):
        assert back.bit_generator.state == value.bit_generator.state
    elif isinstance(value, random.Random):
        assert back.getstate() == value.getstate()
    else:
        assert repr(back) == repr(value)
    if isinstance(value, defaultdict):
        assert back.default_factory is value.default_factory


def test_the_codec_keeps_shared_objects_shared_and_cycles():
    pair = decode(through_json(encode([SHARED, SHARED, {"k": SHARED}])))
    assert pair[0] is pair[1] is pair[2]["k"]
    cycle = decode(through_json(encode(CYCLE)))
    assert cycle[0] is cycle
    fab = Fab("N5", "taiwan", 10.0)
    fabs = decode(through_json(encode({"a": [fab], "b": (fab,)})))
    assert fabs["a"][0] is fabs["b"][0]


@pytest.mark.parametrize(
    "value",
    [lambda: 1, object(), print, Path("."), np.array(["a"]), defaultdict(lambda: 0), _nested(300)],
    ids=["lambda", "object", "builtin", "path", "text array", "lambda factory", "deep"],
)
def test_the_codec_refuses_what_it_does_not_carry(value):
    with pytest.raises(SnapshotError, match="cannot save value"):
        encode(value)


def test_a_game_object_of_an_unknown_class_names_where_it_is():
    m = new_game("duel", seed=1)
    m.news.append(Path("x"))
    with pytest.raises(SnapshotError, match=r"cannot save model\.news\[\d+\]: a pathlib\.\w*Path"):
        m.snapshot()
