"""The policy contract (``agents.conformance``): every built-in passes, and broken ones fail.

A policy is checked by seating it in seeded games; each check passes or fails with plain words.
Every built-in family must pass, and each kind of broken policy must fail the check about its
fault — and, where the others can still be judged, only that one — without crashing the suite.
The example of the guide (``examples/my_policies.py:Bold``) must pass and be seatable.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from agents import conformance, new_game
from agents.conformance import CHECKS, check_policy
from agents.policy import Param, Policy
from agents.registry import PolicyError, PolicyRegistry
from fabrace.cli import app
from game.decisions import Decision, SetGpuPrice
from game.observation import Observation

ROOT = Path(__file__).resolve().parent.parent
BOLD = "examples/my_policies.py:Bold"
REGISTRY = PolicyRegistry(policies_file=None, plugins=False)
FAMILIES = REGISTRY.names(("family",))
# A generous time budget: these tests judge the other checks, and a loaded CI machine must not
# make them flaky (the "time" check has its own tests with a deliberately slow policy).
QUICK: dict[str, Any] = {"games": 1, "scenarios": ("duel",), "seconds": 5.0}


def failed(report) -> set[str]:
    return {c.name for c in report.failed}


def failed_after_running(report) -> set[str]:
    """Checks that ran and failed (not those that could not be run because of another)."""
    return {c.name for c in report.failed if c.ran}


def details(report) -> str:
    return "\n".join(
        f"{'PASS' if c.passed else 'FAIL'} {c.name}: {c.detail}" for c in report.checks
    )


# ==================================================================== the built-ins pass
@pytest.mark.parametrize("family", FAMILIES)
def test_every_built_in_family_passes_the_contract(family):
    # Small game counts keep the file quick; the budget is generous for a loaded CI machine (the
    # command's default is 0.2 s): speed is measured by benchmarks, not asserted here.
    report = check_policy(
        family,
        registry=REGISTRY,
        games=2,
        scenarios=("duel", "baseline-2024"),
        quarters=12,
        seconds=5.0,
    )
    assert report.ok, details(report)
    assert [c.name for c in report.checks] == list(CHECKS)
    assert set(report.roles) == {"lab", "designer", "foundry", "investor"}
    assert report.timing["calls"] > 0
    legal = report.check("legal").detail
    assert "duel" in legal and "baseline-2024" in legal


def test_the_families_are_the_ones_users_see():
    assert {"random", "basic"} <= set(FAMILIES)
    assert len(FAMILIES) >= 7


# ==================================================================== broken policies
class Steady(Policy):
    """A well-behaved designer: nudges its price at random within the legal bounds."""

    name = "steady"
    description = "a designer that nudges its price"
    roles = ("designer",)
    parameters: ClassVar[dict[str, Param]] = {"step": Param(0.02, 0.0, 0.1, "price change")}

    def _price(self, obs: Observation, draw: float) -> list[Decision]:
        if "set_gpu_price" not in obs.legal.moves:
            return []
        lo, hi = obs.legal.moves["set_gpu_price"]["price"]
        price = obs.public[obs.actor]["gpu_price"] * (1 + self.params["step"] * (draw - 0.5))
        return [SetGpuPrice(min(hi, max(lo, price)))]

    def moves(self, obs: Observation) -> list[Decision]:
        return self._price(obs, float(self.rng.random()))


class ConstructorRaises(Steady):
    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        raise RuntimeError("no config file found")


class RaisesEverywhere(Steady):
    def propose(self, obs: Observation) -> list[Decision]:
        raise RuntimeError("propose blew up")

    def respond(self, obs: Observation) -> list[Decision]:
        raise RuntimeError("respond blew up")

    def moves(self, obs: Observation) -> list[Decision]:
        raise ValueError("moves blew up")


class ReturnsJunk(Steady):
    def moves(self, obs: Observation) -> Any:
        return ["raise the price"]


class GlobalRandom(Steady):
    def moves(self, obs: Observation) -> list[Decision]:
        return self._price(obs, random.random())  # not self.rng


class HoldsALambda(Steady):
    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.score = lambda x: 2 * x


class HoldsTheObservation(Steady):
    def moves(self, obs: Observation) -> list[Decision]:
        self.last_seen = obs
        return super().moves(obs)


class Sleeps(Steady):
    def moves(self, obs: Observation) -> list[Decision]:
        time.sleep(30)  # stopped by the time budget
        return super().moves(obs)


class IllegalLater(Steady):
    """Legal at first; from the third quarter on it asks for an absurd price."""

    def moves(self, obs: Observation) -> list[Decision]:
        if obs.quarter >= 2:
            return [SetGpuPrice(1e9)]
        return super().moves(obs)


class RemembersAcrossGames(Steady):
    """Its reset does not clear what it counted in the last game.

    After a few quarters it starts cutting its price; seated again, it cuts from the first
    quarter. The memory must matter within the quarters the seat is played: Steady buys no wafers,
    so in the duel it sells its stock, runs out of cash and is insolvent by its sixth quarter
    (after which it is no longer asked) — a threshold of 12 quarters was never reached.
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.quarters_seen = 0

    def moves(self, obs: Observation) -> list[Decision]:
        self.quarters_seen += 1
        if self.quarters_seen > 3:
            return self._price(obs, 0.0)
        return super().moves(obs)


class ResetRaises(Steady):
    def reset(self, seed: int) -> None:
        raise RuntimeError("cannot reset")


class SkipsBaseInit(Steady):
    def __init__(self, **params: Any) -> None:
        pass


class BadParameterTable(Steady):
    parameters: ClassVar[dict[str, Any]] = {
        "step": Param(0.5, 0.0, 0.1, "price change"),
        "greed": Param(0.5, 0.0, 1.0, ""),
    }


class BadRoles(Steady):
    roles = ("designer", "pirate")
    description = ""


def check(cls: type, **kw: Any):
    return check_policy(cls, **{**QUICK, **kw})


def test_a_good_policy_class_passes():
    report = check(Steady)
    assert report.ok, details(report)
    assert report.kind == "class" and report.roles == ("designer",)


def test_a_constructor_that_raises_fails_builds_and_nothing_else_can_run():
    report = check(ConstructorRaises)
    assert failed(report) == {"builds", "reproducible", "legal", "copies", "time"}
    assert failed_after_running(report) == {"builds"}
    assert "RuntimeError: no config file found" in report.check("builds").detail
    for name in ("reproducible", "legal", "copies", "time"):
        assert "not checked" in report.check(name).detail
        assert "cannot be built" in report.check(name).detail


def test_a_policy_that_raises_everywhere_fails_legal_only():
    report = check(RaisesEverywhere)
    assert failed(report) == {"legal"}, details(report)
    detail = report.check("legal").detail
    assert "faults" in detail and "refused" not in detail
    assert "Nvidia as designer in duel, seed 1, 2024Q1" in detail
    assert "raised RuntimeError: propose blew up" in detail


def test_a_policy_that_returns_junk_fails_legal_only():
    report = check(ReturnsJunk)
    assert failed(report) == {"legal"}, details(report)
    assert "returned str, not a Decision" in report.check("legal").detail


def test_illegal_decisions_fail_legal_with_the_first_refusal_and_its_reason():
    report = check(IllegalLater, games=2)
    assert failed(report) == {"legal"}, details(report)
    detail = report.check("legal").detail
    # When and what it was, and why it was refused.
    assert re.search(r"\d+ refused decisions in \d+ games", detail)
    assert "2024Q3" in detail and "set_gpu_price(price=1e+09)" in detail
    assert "accelerator price must be between" in detail


def test_drawing_from_the_global_random_module_fails_reproducible_only_and_says_so():
    report = check(GlobalRandom)
    assert failed(report) == {"reproducible"}, details(report)
    detail = report.check("reproducible").detail
    assert "two games with fresh policies" in detail and "2024Q1" in detail
    assert "global 'random'" in detail and "self.rng" in detail


def test_a_reset_that_keeps_the_last_games_memory_fails_reproducible_only():
    report = check(RemembersAcrossGames)
    assert failed(report) == {"reproducible"}, details(report)
    assert "reset(seed) does not start afresh" in report.check("reproducible").detail


def test_an_unpicklable_lambda_fails_copies_only_and_names_the_attribute():
    report = check(HoldsALambda)
    assert failed(report) == {"copies"}, details(report)
    detail = report.check("copies").detail
    assert "pickle" in detail and "'score'" in detail


def test_keeping_the_observation_fails_copies_mid_game():
    report = check(HoldsTheObservation)
    assert failed(report) == {"copies"}, details(report)
    detail = report.check("copies").detail
    assert "mid-game" in detail and "'last_seen'" in detail


def test_a_policy_that_sleeps_fails_time_quickly_and_the_rest_is_not_judged_on_it():
    t0 = time.perf_counter()
    report = check(Sleeps, seconds=0.05)
    assert time.perf_counter() - t0 < 10  # three slow calls, then it is no longer called
    assert failed_after_running(report) == {"time"}, details(report)
    assert {"builds", "parameters", "roles"} <= {c.name for c in report.checks if c.passed}
    detail = report.check("time").detail
    assert "ran past the 0.05 s budget" in detail and "moves of Nvidia" in detail
    assert report.timing["over_budget"] >= 3


def test_a_reset_that_raises_fails_builds_and_the_games_do_not_crash():
    report = check(ResetRaises)
    assert "builds" in failed(report)
    assert "reset(1) raised RuntimeError: cannot reset" in report.check("builds").detail
    # The engine itself counts it as a fault and plays on.
    m = new_game("duel", seed=1, policies={"Nvidia": ResetRaises()})
    m.run()
    assert m.finished and m.faults_by["Nvidia"] == 1
    assert m.faults[0].call == "reset"


def test_a_constructor_that_skips_the_base_class_fails_builds_with_the_fix():
    report = check(SkipsBaseInit)
    assert failed_after_running(report) == {"builds"}
    assert "super().__init__(**params)" in report.check("builds").detail


def test_an_inconsistent_parameter_table_fails_parameters():
    report = check(BadParameterTable)
    assert "parameters" in failed(report)
    detail = report.check("parameters").detail
    assert "'step': default 0.5 is outside its range 0 to 0.1" in detail
    assert "'greed' has no doc" in detail


def test_unknown_roles_and_a_missing_description_fail_roles_and_the_valid_role_is_played():
    report = check(BadRoles)
    assert failed(report) == {"roles"}, details(report)
    detail = report.check("roles").detail
    assert "unknown role 'pirate'" in detail and "'description'" in detail
    assert report.roles == ("designer",)


def test_a_spec_that_cannot_be_loaded_raises_a_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="unknown policy"):
        check_policy("no-such-policy", registry=REGISTRY)
    broken = tmp_path / "broken.py"
    broken.write_text("class Oops(:\n")
    with pytest.raises(PolicyError, match="syntax error"):
        check_policy(f"{broken}:Oops", registry=REGISTRY)


def test_the_report_is_json_ready():
    report = check(IllegalLater)
    data = json.loads(json.dumps(report.to_json()))
    assert data["ok"] is False and data["roles"] == ["designer"]
    assert [c["name"] for c in data["checks"]] == list(CHECKS)
    legal = next(c for c in data["checks"] if c["name"] == "legal")
    assert legal["passed"] is False and legal["ran"] is True and legal["detail"]
    assert set(data["timing"]) >= {"calls", "mean_seconds", "max_seconds", "over_budget"}


# ==================================================================== the old module name
def test_the_old_module_name_agents_contract_warns_and_gives_the_same_harness():
    sys.modules.pop("agents.contract", None)  # import it afresh, so that it warns again
    with pytest.warns(DeprecationWarning) as caught:
        import agents.contract as old
    assert [str(w.message) for w in caught] == [
        "agents.contract is deprecated; use agents.conformance"
    ]
    assert caught[0].filename == __file__  # the warning points at the importer
    assert set(old.__all__) >= {"CHECKS", "check_policy", "load_entry", "ContractReport"}
    for name in old.__all__:
        assert getattr(old, name) is getattr(conformance, name), name
    report = old.check_policy(Steady, **QUICK)
    assert report.ok, details(report)
    assert isinstance(report, old.ContractReport)


def test_the_old_module_name_warns_in_a_users_script_with_default_warning_filters():
    r = subprocess.run(
        [sys.executable, "-c", "from agents.contract import check_policy; print(check_policy)"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"},
    )
    assert r.returncode == 0, r.stderr
    assert "check_policy" in r.stdout
    assert "DeprecationWarning: agents.contract is deprecated; use agents.conformance" in r.stderr


# ==================================================================== the guide's examples
def test_the_example_bold_passes_the_whole_contract():
    # every check, in the three default scenarios (crowded too), with fewer games than the
    # command's default (4 a role) and at most 12 quarters (the whole duel; baseline-2024's 40
    # cut): a sandboxed policy's calls are slow to play
    report = check_policy(BOLD, registry=REGISTRY, seconds=5.0, games=2, quarters=12)
    assert report.ok, details(report)
    assert report.roles == ("lab", "designer")
    assert "crowded" in report.check("legal").detail  # fast enough for the big scenario too


def test_the_example_bold_plays_both_its_roles_better_than_doing_nothing():
    bold = REGISTRY.entry(str(ROOT / BOLD))
    for actor, role in (("OpenAI", "lab"), ("Nvidia", "designer")):
        scores = {}
        for name, make in (("bold", lambda r=role: bold.make(r)), ("idle", Policy)):
            total = 0.0
            for seed in range(3):
                m = new_game("duel", seed=seed, policies={actor: make()})
                m.run()
                assert m.faults_by.get(actor, 0) == 0 and m.refused_by.get(actor, 0) == 0
                total += m.actor(actor).score
            scores[name] = total
        assert scores["bold"] > scores["idle"], (actor, scores)


def test_fabrace_run_seats_the_example_as_the_guide_says(monkeypatch):
    # the guide's command, from the repository's root, through Typer's runner in this process
    # (the installed script itself is run by tests/test_cli.py and tests/test_policies_cli.py)
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(
        app,
        ["run", "--policy", f"OpenAI={BOLD}", "--quarters", "8", "--json"],
        env={"NO_COLOR": "1"},
    )
    assert r.exit_code == 0, r.stderr
    actors = {a["name"]: a for a in json.loads(r.stdout)["actors"]}
    assert actors["OpenAI"]["policy"] == BOLD
    assert actors["OpenAI"]["faults"] == 0 and actors["OpenAI"]["refused"] == 0
    assert actors["Nvidia"]["policy"] == "basic"


def test_the_smallest_policy_in_the_guide_is_complete_and_passes(tmp_path):
    guide = (ROOT / "docs" / "POLICIES.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", guide, flags=re.S)
    code = next(b for b in blocks if "class Nudger" in b)
    path = tmp_path / "nudger.py"
    path.write_text(code, encoding="utf-8")
    # A generous budget: this test is about the guide's code, not the machine's load (at a load
    # of 54 one of its 3 ms calls took 0.26 s, past the default 0.2 s).
    report = check_policy(
        f"{path}:Nudger",
        registry=REGISTRY,
        games=2,
        scenarios=("duel",),
        quarters=6,
        seconds=5.0,
    )
    assert report.ok, details(report)


def test_the_guide_links_the_examples_and_the_readme_links_the_guide():
    guide = (ROOT / "docs" / "POLICIES.md").read_text(encoding="utf-8")
    for needle in (
        "examples/my_policies.py",
        "examples/policies.toml",
        "fabrace policies check examples/my_policies.py:Bold",
        "fabrace run --policy OpenAI=examples/my_policies.py:Bold",
        '[project.entry-points."fabrace.policies"]',
        "RULES.md",
    ):
        assert needle in guide, needle
    assert "docs/POLICIES.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    # The variants file the guide shows is the one in examples/, and it loads.
    shown = re.search(r"```toml\n(\[prudent\].*?)```", guide, flags=re.S)
    assert shown is not None
    toml_file = (ROOT / "examples" / "policies.toml").read_text(encoding="utf-8")
    assert shown.group(1).strip() in toml_file
    reg = PolicyRegistry(ROOT / "examples" / "policies.toml", plugins=False)
    assert {"prudent", "gambler", "sleepy"} <= set(reg.names(("variant",)))
