"""The learning environments (game.envs): the ecosystem's conformance suites, bad actions,
determinism, and wrapped callables playing in ``fabrace run`` and tournaments."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import (
    api_test,
    parallel_api_test,
    parallel_seed_test,
    seed_test,
)
from typer.testing import CliRunner

from agents.callable_policy import ActionPolicy, CallablePolicy, policy_from_callable
from agents.historical import HistoricalPolicy
from agents.idle import IdlePolicy
from agents.registry import PolicyError, PolicyRegistry
from fabrace.cli import app
from game.decisions import Propose
from game.envs import SingleSeatEnv, env, parallel_env, raw_env
from tournament.design import TournamentConfig
from tournament.runner import run_tournament

# PettingZoo's advice that does not fit this game: agents are named after actors (not
# "player_0"), observations are dicts with an action mask, and the roles' spaces differ in size.
ADVICE = pytest.mark.filterwarnings("ignore::UserWarning")
SCENARIOS = [("duel", 3), ("baseline-2024", 2)]  # (scenario, quarters): short games, whole games


def _state(e: raw_env) -> str:
    return json.dumps(e.table.game.snapshot(), sort_keys=True)


# ===================================================================== conformance suites
@ADVICE
@pytest.mark.parametrize(("scenario", "quarters"), SCENARIOS)
def test_pettingzoo_api_test_passes(scenario, quarters):
    api_test(env(scenario=scenario, quarters=quarters), num_cycles=40)


@ADVICE
@pytest.mark.parametrize(("scenario", "quarters"), SCENARIOS)
def test_pettingzoo_parallel_api_test_passes(scenario, quarters):
    parallel_api_test(parallel_env(scenario, quarters=quarters), num_cycles=40)


@ADVICE
@pytest.mark.parametrize(("scenario", "quarters"), SCENARIOS)
def test_pettingzoo_seed_tests_pass(scenario, quarters):
    seed_test(lambda: env(scenario=scenario, quarters=quarters), num_cycles=20)
    parallel_seed_test(lambda: parallel_env(scenario, quarters=quarters), num_cycles=20)


@pytest.mark.parametrize(
    ("scenario", "seat"), [("duel", "OpenAI"), ("baseline-2024", "OpenAI"), ("duel", "TSMC")]
)
def test_gymnasium_check_env_passes_on_the_single_seat_env(scenario, seat):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not able to test render modes without a spec"
        check_env(
            SingleSeatEnv(scenario, seat=seat, opponents="historical", quarters=2),
            skip_render_check=True,
        )


def test_one_agent_per_actor_named_after_it_with_its_own_spaces():
    e = raw_env("baseline-2024", quarters=1)
    assert e.possible_agents == ["OpenAI", "Nvidia", "TSMC", "MGX", "PIF", "QIA", "SoftBank"]
    e.reset(seed=1)
    obs = e.observe("OpenAI")
    assert set(obs) == {"observation", "action_mask"}
    assert obs["observation"].dtype == np.float32 and obs["action_mask"].dtype == np.int8
    assert e.observation_space("OpenAI").contains(obs)
    labels = e.table.catalogues["OpenAI"].labels
    assert labels[0] == "pass" and "propose equity to MGX (large)" in labels
    assert e.action_space("TSMC").n != e.action_space("OpenAI").n


# ===================================================================== the adapter
def test_every_action_the_mask_allows_is_one_the_engine_accepts():
    e = raw_env("duel", quarters=4)
    e.reset(seed=3)
    rng = np.random.default_rng(0)
    taken = 0
    for _agent in e.agent_iter():
        obs, _, term, trunc, _ = e.last()
        if term or trunc:
            e.step(None)
            continue
        allowed = np.flatnonzero(obs["action_mask"])
        a = int(rng.choice(allowed[1:])) if len(allowed) > 1 and rng.random() < 0.8 else 0
        taken += a != 0
        e.step(a)
    game = e.table.game
    assert taken > 20
    assert game.finished and sum(game.refused_by.values()) == 0
    assert game.counters.values.get("contracts", 0) + game.counters.values.get("moves", 0) > 0


def test_rewards_add_up_to_the_final_score():
    one = SingleSeatEnv("duel", seat="MGX", quarters=5)
    one.reset(seed=11)
    total, done = 0.0, False
    while not done:
        _, r, done, _, _ = one.step(0)
        total += r
    final = next(a for a in one.table.game.result()["actors"] if a["name"] == "MGX")["score"]
    assert total == pytest.approx(final, abs=1e-5)


def test_the_same_seed_gives_the_same_game_and_another_seed_another():
    def play(seed: int) -> list:
        one = SingleSeatEnv("duel", seat="OpenAI", quarters=3)
        obs, _ = one.reset(seed=seed)
        rng = np.random.default_rng(5)
        trace, done = [], False
        while not done:
            a = int(rng.choice(np.flatnonzero(obs["action_mask"])))
            obs, r, done, _, _ = one.step(a)
            trace.append((a, r, obs["observation"].tobytes()))
        return trace

    assert play(4) == play(4)
    assert play(4) != play(5)


# ===================================================================== bad actions
@pytest.mark.parametrize("bad", [-1, 10_000, 1.5, "1", None, True, np.array([1, 2])])
def test_an_action_outside_the_space_is_refused_with_a_clear_error_and_changes_nothing(bad):
    e = raw_env("duel", quarters=2)
    e.reset(seed=2)
    before, agent = _state(e), e.agent_selection
    with pytest.raises(ValueError, match=rf"for {agent} is outside its action space: .* 0 to"):
        e.step(bad)
    assert _state(e) == before and e.agent_selection == agent
    one = SingleSeatEnv("duel", seat="Nvidia", quarters=2)
    one.reset(seed=2)
    with pytest.raises(ValueError, match="outside its action space"):
        one.step(bad)
    par = parallel_env("duel", quarters=2)
    par.reset(seed=2)
    with pytest.raises(ValueError, match="outside its action space"):
        par.step({"OpenAI": 0, "TSMC": bad})
    with pytest.raises(ValueError, match="'Nobody' is not a live agent"):
        par.step({"Nobody": 0})


def test_a_masked_action_is_a_counted_no_op():
    e = raw_env("duel", quarters=2)
    e.reset(seed=2)
    agent = e.agent_selection
    mask = e.observe(agent)["action_mask"]
    masked = int(np.flatnonzero(mask == 0)[0])
    before = _state(e)
    e.step(masked)
    assert _state(e) == before  # nothing reached the engine
    assert e.infos[agent]["masked_actions"] == 1
    assert e.table.game.refused_by == {}
    e.step(np.int64(0))  # numpy integers are actions too


# ===================================================================== opponents
def test_opponents_by_name_by_object_and_by_factory():
    one = SingleSeatEnv("baseline-2024", seat="OpenAI", opponents="historical", quarters=1)
    one.reset(seed=1)
    pols = one.table.game.policies
    assert pols["OpenAI"] is None
    assert all(isinstance(p, HistoricalPolicy) for n, p in pols.items() if n != "OpenAI")
    idle = IdlePolicy()
    one = SingleSeatEnv("duel", seat="OpenAI", opponents={"TSMC": idle}, quarters=1)
    one.reset(seed=1)
    assert isinstance(one.table.game.policies["TSMC"], IdlePolicy)
    assert one.table.game.policies["TSMC"] is not idle  # a copy for every game
    one = SingleSeatEnv("duel", seat="OpenAI", opponents=lambda n, r, p: IdlePolicy(), quarters=1)
    one.reset(seed=1)
    assert all(isinstance(p, IdlePolicy) for p in list(one.table.game.policies.values())[1:])


def test_bad_opponents_and_seats_say_what_is_wrong():
    with pytest.raises(PolicyError, match="unknown policy 'nonesuch'"):
        SingleSeatEnv("duel", seat="OpenAI", opponents="nonesuch")
    with pytest.raises(TypeError, match="opponents must be a policy name"):
        SingleSeatEnv("duel", seat="OpenAI", opponents=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no actor named 'Nobody'"):
        SingleSeatEnv("duel", seat="Nobody")
    with pytest.raises(ValueError, match="turns must be at least 1"):
        raw_env("duel", turns=0)


# ===================================================================== wrapped callables
def test_an_action_policy_sees_what_the_environment_shows():
    one = SingleSeatEnv("duel", seat="TSMC", quarters=2)
    obs, _ = one.reset(seed=9)
    seen = []
    pol = ActionPolicy(lambda o: seen.append(o) or 0)
    pol.reset(0)
    pol.propose(one.table.game.observe("TSMC"))
    assert np.array_equal(seen[0]["observation"], obs["observation"])
    # its mask (legal decisions only, no engine check) allows at least what the env's does,
    # in this phase: the proposals
    cat = one.table.catalogues["TSMC"]
    props = [i for i, s in enumerate(cat.slots) if s.op == "propose"]
    assert np.all(seen[0]["action_mask"][props] >= obs["action_mask"][props])


def test_a_callable_plays_in_a_game_and_its_offers_reach_the_engine():
    def fn(obs, phase):
        if phase == "propose" and "MGX" in obs.legal.partners.get("loan", ()):
            return [Propose("MGX", "loan", {"principal": 0.5, "rate": 0.1, "quarters": 4})]
        return None

    pol = policy_from_callable(fn, kind="decisions", name="borrower", roles=("lab",))
    assert isinstance(pol, CallablePolicy) and pol.label == "borrower"
    from agents import new_game

    game = new_game("duel", seed=1, policies={"OpenAI": pol}, quarters=2)
    game.run()
    lab = next(a for a in game.result()["actors"] if a["name"] == "OpenAI")
    assert lab["policy"] == "borrower"
    assert game.counters.values.get("offers", 0) >= 2
    with pytest.raises(ValueError, match="kind must be"):
        policy_from_callable(fn, kind="other")


AGENT_FILE = """
import numpy as np
from agents.callable_policy import ActionPolicy

def first_allowed(obs):
    allowed = np.flatnonzero(obs["action_mask"])
    return int(allowed[1]) if len(allowed) > 1 else 0

def make():
    return ActionPolicy(first_allowed, name="eager")

def broken():
    return 3
"""


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_agent.py"
    path.write_text(AGENT_FILE, encoding="utf-8")
    return path


def test_fabrace_run_seats_a_wrapped_callable_from_a_file(agent_file):
    spec = f"{agent_file}:make"
    res = CliRunner().invoke(
        app,
        ["run", "--scenario", "duel", "--quarters", "2", "--policy", f"OpenAI={spec}", "--json"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    lab = next(a for a in doc["actors"] if a["name"] == "OpenAI")
    assert lab["policy"] == spec
    bad = CliRunner().invoke(
        app, ["run", "--scenario", "duel", "--policy", f"OpenAI={agent_file}:broken"]
    )
    assert bad.exit_code == 2
    assert "returned a int, not a Policy" in bad.output


def test_a_tournament_plays_a_wrapped_callable(agent_file, tmp_path):
    from game.scenario import load_scenario

    reg = PolicyRegistry(policies_file=None, plugins=False, use_cwd_file=False)
    cfg = TournamentConfig.build(
        load_scenario("duel"), reg, [f"{agent_file}:make", "idle"], 2, 1, None, 2
    )
    report = run_tournament(cfg, tmp_path / "t.sqlite", workers=1)
    assert report.failed == 0
    rows = {s.policy for rows in report.standings.values() for s in rows}
    assert f"{agent_file}:make" in rows


def test_a_policy_file_may_name_a_function_that_makes_policies(agent_file):
    from agents.sandbox import SandboxedPolicy

    reg = PolicyRegistry(policies_file=None, plugins=False, use_cwd_file=False, isolate="never")
    entry = reg.entry(f"{agent_file}:make")
    assert entry.kind == "file" and entry.cls is ActionPolicy and entry.factory is not None
    one, two = reg.make(f"{agent_file}:make", "lab"), reg.make(f"{agent_file}:make", "lab")
    assert isinstance(one, ActionPolicy) and one is not two
    # By default the file runs in a sandbox: its function makes the policies there
    sandboxed = PolicyRegistry(policies_file=None, plugins=False, use_cwd_file=False)
    entry = sandboxed.entry(f"{agent_file}:make")
    assert issubclass(entry.cls, SandboxedPolicy) and entry.cls.__name__ == "ActionPolicy"
    assert isinstance(sandboxed.make(f"{agent_file}:make", "lab"), SandboxedPolicy)
    for r in (reg, sandboxed):
        with pytest.raises(PolicyError, match="returned a int, not a Policy"):
            r.entry(f"{agent_file}:broken")
        with pytest.raises(PolicyError, match="no Policy subclass named 'nothing'"):
            r.entry(f"{agent_file}:nothing")
    from agents.registry import load_class_from_file

    with pytest.raises(PolicyError, match="is a function, not a Policy subclass"):
        load_class_from_file(f"{agent_file}:make")


def test_without_an_installed_resolver_names_cannot_be_resolved_but_objects_can(monkeypatch):
    import game.envs.resolve as resolve

    monkeypatch.setattr(resolve.importlib.metadata, "entry_points", lambda group: [])
    with pytest.raises(resolve.ResolverError, match="no policy resolver is installed"):
        SingleSeatEnv("duel", seat="OpenAI", opponents="basic")
    one = SingleSeatEnv("duel", seat="OpenAI", opponents=lambda n, r, p: IdlePolicy(), quarters=1)
    one.reset(seed=1)
    assert isinstance(one.table.game.policies["MGX"], IdlePolicy)
