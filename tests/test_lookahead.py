"""The look-ahead family: its imagined world, its choice of plan, determinism and snapshots.

The shared contract battery (tests/test_policy_contract.py) already seats it in every role; these
tests check what is its own, on short games and tiny horizons.
"""

from __future__ import annotations

import json
import pickle
from typing import ClassVar

import pytest

from agents import new_game
from agents.basic import BasicPolicy
from agents.lookahead import LookaheadPolicy
from agents.lookahead.rollout import play_forward
from agents.lookahead.world import (
    LAB_OPEX_SHARE,
    MIN_FIXED_OPEX,
    UNIT_COST_SHARE,
    imagine,
    imagined_scenario,
    start,
)
from agents.snapshots import restore_game
from game.observation import Observation
from game.snapshot import SnapshotError

DUEL = ("OpenAI", "Nvidia", "TSMC", "MGX")


def duel_after(quarters: int, seed: int = 3, **policies: object) -> object:
    game = new_game("duel", seed=seed, policies=dict(policies), quarters=6)
    for _ in range(quarters):
        game.step()
    return game


# ==================================================================== the imagined world
def test_the_imagined_world_copies_what_it_sees_and_estimates_the_rest():
    game = new_game("baseline-2024", seed=4, policies={"OpenAI": "planner", "TSMC": "historical"})
    for _ in range(3):
        game.step()
    obs = game.observe("OpenAI")
    spec = imagined_scenario(obs, 2)
    assert spec.start == obs.label and spec.quarters == 2
    actors = {a.name: a for a in spec.actors}
    assert set(actors) == {n for n, p in obs.public.items() if not p["insolvent"]}
    me = actors["OpenAI"]
    assert me.cash == pytest.approx(max(0.0, obs.books["cash"]))
    assert me.compute == pytest.approx(obs.books["compute"])
    assert me.fixed_opex == pytest.approx(obs.books["fixed_opex"])  # its own books: exact
    nvidia = actors["Nvidia"]  # another's private books: estimated
    assert nvidia.unit_cost == pytest.approx(UNIT_COST_SHARE * obs.public["Nvidia"]["gpu_price"])
    assert nvidia.gpu_price == pytest.approx(obs.public["Nvidia"]["gpu_price"])
    assert actors["PIF"].inflow == 0.0
    tsmc = actors["TSMC"]
    assert sum(f.capacity for f in tsmc.fabs) == pytest.approx(
        obs.public["TSMC"]["capacity"] + obs.public["TSMC"]["capacity_building"]
    )
    active = [c for c in obs.contracts if c["status"] == "active" and c["kind"] != "joint_venture"]
    assert len(spec.contracts) == len(active)
    assert spec.rules.model_dump() == dict(obs.rules)
    # A game of it starts where the market, the prices and the fleets' power stand now.
    world = imagine(obs, 2)
    assert world is not None and world.spec == spec
    seen = start(world, 1, {}, lambda name, role, policy: BasicPolicy()).observe("OpenAI")
    assert dict(seen.market) == pytest.approx(dict(obs.market))
    for name, pub in obs.public.items():
        for key in ("cash", "compute", "served", "powered_gw", "gpu_price", "capacity"):
            if key in pub:
                assert seen.public[name][key] == pytest.approx(max(0.0, pub[key])), (name, key)


@pytest.mark.parametrize("actor", DUEL)
def test_every_seat_can_imagine_its_world_in_a_game_of_built_ins(actor):
    game = duel_after(4, OpenAI="planner", Nvidia="historical", TSMC="planner", MGX="historical")
    world = imagine(game.observe(actor), 3)
    assert world is not None
    spec = world.spec
    assert spec.quarters == 3
    if actor != "OpenAI":
        lab = next(a for a in spec.actors if a.name == "OpenAI")
        rate = game.observe(actor).public["OpenAI"]["revenue_run_rate"]
        assert lab.fixed_opex == pytest.approx(max(MIN_FIXED_OPEX, LAB_OPEX_SHARE * rate / 4))
    assert play_forward(world, actor, "basic", seed=1) == play_forward(world, actor, "basic", 1)


# ==================================================================== the live game
def test_choosing_a_plan_leaves_the_live_game_as_it_was():
    game = duel_after(2)
    before = (game.digest(), json.dumps(game.snapshot(), allow_nan=False, sort_keys=True))
    policy = LookaheadPolicy(candidates=3, horizon=2)
    policy.reset(11)
    policy.choose(game.observe("Nvidia"))
    assert policy.last_scores  # it did play its imagined games
    after = (game.digest(), json.dumps(game.snapshot(), allow_nan=False, sort_keys=True))
    assert after == before


def test_a_seed_gives_the_same_game_and_the_same_choices():
    def play(seed: int) -> tuple[str, list[str | None]]:
        seats = ("OpenAI", "TSMC")
        game = new_game("duel", seed=seed, policies={n: "lookahead" for n in seats}, quarters=3)
        game.run()
        return game.digest(), [game.policies[n].following for n in seats]

    assert play(5) == play(5)


# ==================================================================== choosing
class IdleOrGreedy(LookaheadPolicy):
    """Weighs a plan that does nothing against one that buys: a lab should not sit idle."""

    families: ClassVar[tuple[str, ...]] = ("idle", "greedy")


def test_it_follows_the_plan_its_imagined_games_score_best():
    game = duel_after(1)
    obs = game.observe("OpenAI")
    policy = IdleOrGreedy(horizon=3, rollouts=2)
    policy.reset(2)
    choice = policy.choose(obs)
    scores = policy.last_scores
    assert set(scores) == {"idle", "greedy"}
    assert scores["greedy"] > scores["idle"]  # the constructed situation tells them apart
    assert choice == "greedy"


def test_its_imagined_scores_are_those_of_the_imagined_games():
    game = duel_after(2)
    obs = game.observe("TSMC")
    policy = LookaheadPolicy(candidates=3, horizon=2, rollouts=2)
    policy.reset(9)
    probe = LookaheadPolicy(candidates=3, horizon=2, rollouts=2)
    probe.reset(9)
    seeds = [int(probe.rng.integers(2**31)) for _ in range(2)]
    world = imagine(obs, 2)
    assert world is not None
    choice = policy.choose(obs)
    for plan, score in policy.last_scores.items():
        expected = sum(play_forward(world, "TSMC", plan, s) for s in seeds) / 2
        assert score == pytest.approx(expected)
    assert policy.last_scores[choice] == max(policy.last_scores.values())


def test_one_candidate_plays_that_family_without_imagining():
    game = duel_after(1)
    policy = LookaheadPolicy(candidates=1)
    policy.reset(1)
    assert policy.choose(game.observe("MGX")) == "planner"
    assert policy.last_scores == {}


def test_stickiness_keeps_the_plan_it_follows_unless_another_is_much_better():
    game = duel_after(1)
    obs = game.observe("OpenAI")
    policy = IdleOrGreedy(horizon=3, stickiness=10.0)
    policy.reset(2)
    policy._follow = "idle"
    assert policy.choose(obs) == "idle"


class Counting(LookaheadPolicy):
    """Counts the quarters it weighs the plans in."""

    def choose(self, obs: Observation) -> str:
        self.weighed = [*getattr(self, "weighed", []), obs.quarter]
        return super().choose(obs)


def test_it_follows_a_plan_for_replan_quarters_before_weighing_again():
    policy = Counting(replan=2, horizon=1)
    game = new_game("duel", seed=2, policies={"Nvidia": policy}, quarters=5)
    game.run()
    assert policy.weighed == [0, 2, 4]


# ==================================================================== snapshots and copies
def test_a_restored_game_plays_on_as_the_original():
    game = new_game(
        "duel", seed=8, policies={"OpenAI": "lookahead", "TSMC": "lookahead"}, quarters=4
    )
    game.step()
    game.step()
    doc = json.loads(json.dumps(game.snapshot(), allow_nan=False))
    again = restore_game(doc)
    twin = pickle.loads(pickle.dumps(game))
    copy = game.clone()
    for g in (game, again, twin, copy):
        g.run()
    assert again.digest() == twin.digest() == copy.digest() == game.digest()


def test_a_damaged_state_is_refused_with_a_reason_and_changes_nothing():
    policy = LookaheadPolicy()
    state = policy.get_state()
    other = LookaheadPolicy(horizon=5)
    other.reset(3)
    kept = other.get_state()
    attrs = json.loads(json.dumps(state["attrs"]))
    attrs["_minds"] = json.dumps({"basic": {}})
    with pytest.raises(SnapshotError, match="minds must be"):
        other.set_state({**state, "attrs": attrs})
    attrs["_minds"] = "not json"
    with pytest.raises(SnapshotError, match="_minds must be"):
        other.set_state({**state, "attrs": attrs})
    assert other.get_state() == kept
    with pytest.raises(SnapshotError, match="saved from a"):
        BasicPolicy().set_state(state)
