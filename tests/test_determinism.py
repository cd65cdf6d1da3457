"""One seed, one game: in any process, with any hash seed, with bots fresh or reused.

Determinism is what makes a tournament's paired seeds fair and a game log replayable, so it is
checked where it usually breaks: across processes (``PYTHONHASHSEED`` changes the order of sets and
the hash of strings), across rebuilt models and re-seated policies, and under observation (a UI
polling the state must not change the game).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agents import new_game
from agents.random_policy import RandomPolicy
from agents.registry import make_policy
from game.decisions import SetWaferPrice
from game.scenario import ScenarioSpec, load_scenario

ROOT = Path(__file__).resolve().parents[1]

#: (scenario, seed, bots): "default" seats the scenario's bots, "random" a random bot everywhere.
GAMES: list[tuple[str, int, str]] = [
    ("duel", 0, "default"),
    ("duel", 1, "default"),
    ("duel", 7, "random"),
    ("baseline-2024", 0, "default"),
    ("baseline-2024", 2, "random"),
]

#: Plays the games given as JSON in argv[1]; prints each game's result and per-quarter digests.
SCRIPT = """
import json, sys
from agents.random_policy import RandomPolicy
from agents import new_game
from game.scenario import ScenarioSpec, load_scenario

out = []
for scenario, seed, bots in json.loads(sys.argv[1]):
    policies = None
    if bots == "random":
        policies = {a.name: RandomPolicy() for a in load_scenario(scenario).actors}
    m = new_game(scenario, seed=seed, policies=policies)
    digests = []
    while not m.finished:
        m.step()
        digests.append(m.digest())
    out.append({"result": m.result(), "digests": digests})
print(json.dumps(out, sort_keys=True))
"""


def play(
    scenario: str | ScenarioSpec, seed: int, bots: str = "default", **kw: Any
) -> dict[str, Any]:
    """Play a game in this process; return what the subprocess script prints for it."""
    policies = kw.pop("policies", None)
    spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    if bots == "random":
        policies = {a.name: RandomPolicy() for a in spec.actors}
    m = new_game(spec, seed=seed, policies=policies, **kw)
    digests = []
    while not m.finished:
        m.step()
        digests.append(m.digest())
    return {"result": m.result(), "digests": digests}


def in_subprocesses(*hash_seeds: str) -> list[list[dict[str, Any]]]:
    """Play ``GAMES`` in one fresh process per hash seed (in parallel); return their outputs."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, json.dumps(GAMES)],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": h},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for h in hash_seeds
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        outs.append(json.loads(stdout))
    return outs


def canonical(x: Any) -> str:
    return json.dumps(x, sort_keys=True)


@pytest.fixture(scope="module")
def other_processes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    one, two = in_subprocesses("1", "2")
    return one, two


def test_the_same_seed_gives_the_same_game_in_separate_processes_whatever_the_hash_seed(
    other_processes,
):
    one, two = other_processes
    assert len(one) == len(two) == len(GAMES)
    for game, a, b in zip(GAMES, one, two, strict=True):
        assert a["digests"] == b["digests"], game
        assert canonical(a["result"]) == canonical(b["result"]), game


def test_a_game_in_this_process_matches_the_other_processes(other_processes):
    one, _ = other_processes
    for game, theirs in zip(GAMES, one, strict=True):
        ours = json.loads(canonical(play(*game)))  # through JSON, as the other side was
        assert ours["digests"] == theirs["digests"], game
        assert canonical(ours["result"]) == canonical(theirs["result"]), game


def test_the_games_compared_are_not_trivial(other_processes):
    one, _ = other_processes
    for game, g in zip(GAMES, one, strict=True):
        totals = g["result"]["totals"]
        assert g["result"]["finished"], game
        assert totals["contracts_signed"] > 0 and totals["moves"] > 0, game


@pytest.mark.parametrize(("scenario", "seed"), [("duel", 3), ("baseline-2024", 1)])
def test_a_rebuilt_model_with_fresh_or_reused_bots_plays_the_same_game(scenario, seed):
    spec = load_scenario(scenario)
    default = play(scenario, seed)
    # The same seed again, in the same process, with the scenario's bots built by the model.
    assert canonical(play(scenario, seed)) == canonical(default)
    # Bots built fresh by the caller, the same as the scenario names.
    fresh = {a.name: make_policy(a.policy, a.role) for a in spec.actors}
    assert canonical(play(spec, seed, policies=fresh)) == canonical(default)
    # The same bot objects again, after a game: reseated, they are reset by the seed.
    m = new_game(spec, seed=seed + 1, policies=fresh)
    m.run()
    assert canonical(play(spec, seed, policies=fresh)) == canonical(default)


def test_the_seed_decides_the_game_not_the_order_games_are_played_in():
    spec = load_scenario("duel")
    first = [canonical(play(spec, s, "random")) for s in (4, 5, 6)]
    again = [canonical(play(spec, s, "random")) for s in (6, 5, 4)][::-1]
    assert first == again


def test_different_seeds_give_different_games():
    results = []
    for seed in range(6):
        r = play("duel", seed)["result"]
        r.pop("seed")
        results.append(canonical(r))
    assert len(set(results)) == len(results)
    # Not only the market noise: what the actors did differs too.
    books = {canonical([a["cash"] for a in json.loads(r)["actors"]]) for r in results}
    assert len(books) == len(results)


def test_watching_a_game_does_not_change_it():
    """A UI polls observations, legal sets and checks all game long: the game must not notice."""
    plain = play("duel", 11)
    m = new_game("duel", seed=11)
    digests = []
    while not m.finished:
        for a in m.actor_list:
            obs = m.observe(a.name)
            _ = (obs.contracts, obs.graph, obs.inbox, obs.legal, obs.books["cash"])
            m.legal(a.name)
            m.check(a.name, SetWaferPrice(17.0))
        m.result()
        m.step()
        digests.append(m.digest())
    assert digests == plain["digests"]
    assert canonical(m.result()) == canonical(plain["result"])
