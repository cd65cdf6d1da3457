"""Policies on the command line: listing, describing, seating, configuring, plugins, time budgets.

``fabrace policies`` lists what a user can seat, ``policies show`` explains one, ``policies check``
runs the contract, ``run --policy ACTOR=SPEC`` seats one, and ``--policies-file`` (or a
``policies.toml`` in the working directory) defines variants. Bad input exits 2 with one message
naming the file and the key, never a traceback. A policy that hangs loses its decision, and the
game finishes, whether the game runs in the main thread or in another one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents import new_game
from agents import registry as registry_module
from agents.policy import Policy
from agents.registry import PolicyRegistry
from fabrace.cli import app
from game.decisions import Decision
from game.observation import Observation

ROOT = Path(__file__).resolve().parent.parent
WIDE = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
FAMILIES = PolicyRegistry(policies_file=None, plugins=False).names(("family",))
ROLES = ["lab", "designer", "foundry", "investor"]
# The duel in four quarters: ``policies check`` plays 16 games a run, and what it checks shows in
# the first quarters (tests/scenarios/duel-4q.toml)
SHORT_DUEL = str(ROOT / "tests" / "scenarios" / "duel-4q.toml")

VARIANTS = """
[hawk]
family = "basic"
description = "basic that commits a lot"
risk = 0.9

[dove]
family = "random"
activity = 0.1
"""


def invoke(*args: str, cwd: Path | None = None):
    """Run the Typer app in-process (in ``cwd`` if given)."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args), env=WIDE)
    finally:
        os.chdir(old)


def _script() -> str:
    beside = Path(sys.executable).with_name("fabrace")
    found = str(beside) if beside.exists() else shutil.which("fabrace")
    if found is None:
        pytest.skip("the fabrace script is not installed")
    return found


def fabrace(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    """Run the installed ``fabrace`` script in a new process."""
    return subprocess.run(
        [_script(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **WIDE, **(env or {})},
    )


def run_json(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    r = invoke("run", "--scenario", "duel", *args, "--json", cwd=cwd)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def seated(result: dict[str, Any]) -> dict[str, str]:
    return {a["name"]: a["policy"] for a in result["actors"]}


@pytest.fixture
def variants(tmp_path: Path) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(VARIANTS, encoding="utf-8")
    return path


# ==================================================================== listing and describing
def test_policies_lists_every_family_with_its_roles_and_description():
    r = invoke("policies")
    assert r.exit_code == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    reg = PolicyRegistry(policies_file=None, plugins=False)
    for name in FAMILIES:
        entry = reg.entry(name)
        assert name in rows, name
        assert "family" in rows[name]
        assert entry.describe()["description"][:20] in r.stdout
    assert "lab, designer, foundry, investor" in r.stdout
    assert "path/to/file.py:ClassName" in r.stdout


def test_policies_json_lists_families_and_variants_with_roles_and_descriptions(variants):
    r = invoke("policies", "--policies-file", str(variants), "--json")
    assert r.exit_code == 0, r.stderr
    listing = {e["name"]: e for e in json.loads(r.stdout)}
    assert set(FAMILIES) <= set(listing)
    for name in FAMILIES:
        e = listing[name]
        assert e["kind"] == "family" and e["family"] == name
        assert e["roles"] == ROLES and e["description"]
    assert listing["hawk"] == {
        "name": "hawk",
        "kind": "variant",
        "family": "basic",
        "roles": ROLES,
        "description": "basic that commits a lot",
    }
    assert listing["dove"]["description"] == "random variant"  # none given
    # Families first, then variants.
    kinds = [e["kind"] for e in json.loads(r.stdout)]
    assert kinds == sorted(kinds, key=["family", "plugin", "variant"].index)


def test_policies_show_gives_each_parameter_with_its_default_range_and_meaning():
    r = invoke("policies", "show", "basic")
    assert r.exit_code == 0, r.stderr
    assert "basic (family)" in r.stdout and "lab, designer, foundry, investor" in r.stdout
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    assert rows["risk"].split()[1:4] == ["0.5", "0.5", "0"]  # value, default, range from 0
    assert "0 to 1" in rows["risk"] and "share of spare cash" in rows["risk"]
    for name in ("margin", "trust_weight"):
        assert name in rows


def test_policies_show_json_of_a_variant_shows_its_value_and_the_familys_default(variants):
    r = invoke("policies", "show", "hawk", "--policies-file", str(variants), "--json")
    assert r.exit_code == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["kind"] == "variant" and info["family"] == "basic" and info["roles"] == ROLES
    assert info["parameters"]["risk"] == {
        "value": 0.9,
        "default": 0.5,
        "min": 0.0,
        "max": 1.0,
        "doc": "share of spare cash it is willing to commit",
    }
    assert info["parameters"]["margin"]["value"] == info["parameters"]["margin"]["default"]


def test_policies_show_of_a_file_and_of_an_unknown_name(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(STEADY, encoding="utf-8")
    r = invoke("policies", "show", f"{path}:Steady", "--json")
    assert r.exit_code == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["kind"] == "file" and info["roles"] == ["designer"]
    assert info["parameters"]["step"]["doc"] == "price change a quarter"
    r = invoke("policies", "show", "no-such")
    assert r.exit_code == 2 and "unknown policy 'no-such'" in r.stderr


# ==================================================================== seating
def test_policy_seats_built_ins_variants_and_files_and_the_result_says_who_sat_where(
    variants, tmp_path
):
    path = tmp_path / "mine.py"
    path.write_text(STEADY, encoding="utf-8")
    result = run_json(
        "--policies-file",
        str(variants),
        "--policy",
        "OpenAI=random",
        "--policy",
        "MGX=hawk",
        "--policy",
        f"Nvidia={path}:Steady",
    )
    assert seated(result) == {
        "OpenAI": "random",
        "Nvidia": f"{path}:Steady",
        "TSMC": "basic",  # the scenario's own
        "MGX": "hawk",
    }
    assert result["finished"]


def test_the_same_seat_with_a_different_policy_plays_a_different_game():
    a = run_json("--seed", "3")
    b = run_json("--seed", "3", "--policy", "OpenAI=random")
    assert seated(a)["OpenAI"] == "basic" and seated(b)["OpenAI"] == "random"
    assert a["actors"] != b["actors"]


def test_a_policies_toml_in_the_working_directory_is_picked_up(tmp_path):
    (tmp_path / "policies.toml").write_text(VARIANTS, encoding="utf-8")
    result = run_json("--policy", "MGX=hawk", cwd=tmp_path)
    assert seated(result)["MGX"] == "hawk"
    r = invoke("policies", "--json", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert {"hawk", "dove"} <= {e["name"] for e in json.loads(r.stdout)}
    # Elsewhere it is not known.
    r = invoke("run", "--scenario", "duel", "--policy", "MGX=hawk")
    assert r.exit_code == 2 and "unknown policy 'hawk'" in r.stderr


BAD_FILES = {
    "unknown family": ('[hawk]\nfamily = "eagle"\n', "hawk.family: unknown family 'eagle'"),
    "missing family": ("[hawk]\nrisk = 0.5\n", "hawk.family: missing"),
    "unknown parameter": ('[hawk]\nfamily = "basic"\nboldness = 1\n', "hawk.boldness: unknown"),
    "out of range": (
        '[hawk]\nfamily = "basic"\nrisk = 1.5\n',
        "hawk.risk: must be between 0 and 1",
    ),
    "not a number": ('[hawk]\nfamily = "basic"\nrisk = "high"\n', "hawk.risk: must be a number"),
    "bad TOML": ('[hawk\nfamily = "basic"\n', "invalid TOML"),
    "clashes with a family": ('[greedy]\nfamily = "basic"\n', "greedy: clashes with the family"),
    "not a table": ('hawk = "basic"\n', "hawk: must be a table"),
}


@pytest.mark.parametrize(("text", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_policies_file_exits_2_naming_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    for args in (
        ["run", "--scenario", "duel", "--policies-file", str(path)],
        ["policies", "--policies-file", str(path)],
        ["policies", "check", "basic", "--policies-file", str(path)],
    ):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.stdout)
        assert isinstance(r.exception, SystemExit)  # a clean exit, not an escaped exception
        assert f"{path}: {message}" in " ".join(r.stderr.split()), r.stderr
        assert "Traceback" not in r.stderr
        assert r.stdout == ""


def test_a_missing_policies_file_exits_2(tmp_path):
    r = invoke("run", "--policies-file", str(tmp_path / "none.toml"))
    assert r.exit_code == 2 and "no such policies file" in r.stderr


def test_the_installed_script_refuses_a_bad_policies_file_without_a_traceback(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[hawk]\nfamily = "basic"\nrisk = 7\n', encoding="utf-8")
    r = fabrace("run", "--scenario", "duel", "--policies-file", str(path))
    assert r.returncode == 2
    assert f"{path}: hawk.risk: must be between 0 and 1" in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr and r.stdout == ""


STEADY = textwrap.dedent(
    """
    from typing import ClassVar

    from agents.policy import Param, Policy
    from game.decisions import SetGpuPrice


    class Steady(Policy):
        name = "steady"
        description = "a designer that nudges its price"
        roles = ("designer",)
        parameters: ClassVar = {"step": Param(0.02, 0.0, 0.1, "price change a quarter")}

        def moves(self, obs):
            if "set_gpu_price" not in obs.legal.moves:
                return []
            lo, hi = obs.legal.moves["set_gpu_price"]["price"]
            price = obs.public[obs.actor]["gpu_price"] * (1 + self.params["step"])
            return [SetGpuPrice(min(hi, max(lo, price)))]
    """
)


def _bad_policy_args(tmp_path: Path) -> dict[str, tuple[str, str]]:
    good = tmp_path / "good.py"
    good.write_text(STEADY, encoding="utf-8")
    broken = tmp_path / "broken.py"
    broken.write_text("class Oops(:\n    pass\n", encoding="utf-8")
    failing = tmp_path / "failing.py"
    failing.write_text("import no_such_module_here\n", encoding="utf-8")
    return {
        "no '='": ("OpenAI", "give ACTOR=POLICY"),
        "no policy": ("OpenAI=", "give ACTOR=POLICY"),
        "unknown actor": ("Nobody=basic", "no actor 'Nobody' in duel (actors: OpenAI, Nvidia"),
        "unknown policy": ("OpenAI=eagle", "unknown policy 'eagle'"),
        "wrong role": (f"OpenAI={good}:Steady", "does not play the lab role (it plays: designer)"),
        "missing file": (
            f"OpenAI={tmp_path}/none.py:Steady",
            f"{tmp_path}/none.py: no such policy",
        ),
        "no such class": (f"Nvidia={good}:Bold", "no Policy subclass named 'Bold'"),
        "syntax error": (f"Nvidia={broken}:Oops", "line 1: syntax error"),
        "import error": (f"Nvidia={failing}:X", "failed to import: ModuleNotFoundError"),
        "given twice": ("OpenAI=basic", "OpenAI is given twice"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no '='",
        "no policy",
        "unknown actor",
        "unknown policy",
        "wrong role",
        "missing file",
        "no such class",
        "syntax error",
        "import error",
        "given twice",
    ],
)
def test_a_bad_policy_value_exits_2_with_a_clear_message(tmp_path, case):
    value, message = _bad_policy_args(tmp_path)[case]
    extra = ["--policy", "OpenAI=basic"] if case == "given twice" else []
    r = invoke("run", "--scenario", "duel", "--policy", value, *extra)
    assert r.exit_code == 2, r.stdout
    assert isinstance(r.exception, SystemExit)
    assert message in " ".join(r.stderr.split()), r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_the_installed_script_refuses_a_broken_policy_file_without_a_traceback(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def oops(:\n", encoding="utf-8")
    r = fabrace("run", "--scenario", "duel", "--policy", f"OpenAI={broken}:Oops")
    assert r.returncode == 2 and r.stdout == ""
    assert "syntax error" in r.stderr and "Traceback" not in r.stderr


# ==================================================================== plugins
PLUGIN = textwrap.dedent(
    """
    from agents.policy import Policy


    class Quiet(Policy):
        name = "quiet"
        description = "a plugin policy that lets offers expire"
        roles = ("lab", "investor")
    """
)


def _install_plugin(site: Path, entry_points: str) -> dict[str, str]:
    """A distribution as pip would install it: a module and its .dist-info with entry points."""
    (site / "fabplug.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "fabplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fabplug\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_an_installed_plugin_is_listed_seated_and_checked_by_name(tmp_path, monkeypatch):
    env = _install_plugin(tmp_path, "[fabrace.policies]\nquiet = fabplug:Quiet\n")
    # Seated by the installed script in a new process; listed and checked meanwhile in-process,
    # with the package on this process's path as it is on the script's.
    proc = subprocess.Popen(
        [_script(), "run", "--scenario", "duel", "--policy", "MGX=quiet", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **WIDE, **env},
    )
    try:
        with monkeypatch.context() as mp:
            mp.syspath_prepend(str(tmp_path))
            mp.setattr(registry_module, "_DEFAULT", None)  # no plugin cached past this test
            listed = invoke("policies", "--json")
            # a generous budget: this test is about finding the plugin, not its speed (its first
            # call once took 0.77 s on a busy machine, past the default 0.2 s)
            checked = invoke(
                "policies",
                "check",
                "quiet",
                "--scenario",
                SHORT_DUEL,
                "--games",
                "1",
                "--seconds",
                "5",
            )
    finally:
        sys.modules.pop("fabplug", None)
        out, err = proc.communicate(timeout=120)
    r = listed
    assert r.exit_code == 0, r.stderr
    listing = {e["name"]: e for e in json.loads(r.stdout)}
    assert listing["quiet"]["kind"] == "plugin"
    assert listing["quiet"]["roles"] == ["lab", "investor"]
    assert listing["quiet"]["description"] == "a plugin policy that lets offers expire"
    assert proc.returncode == 0, err
    assert seated(json.loads(out))["MGX"] == "quiet"
    r = checked
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "quiet: all 7 checks passed" in r.stdout
    # Without the package on the path, the name is unknown.
    r = invoke("run", "--scenario", "duel", "--policy", "MGX=quiet")
    assert r.exit_code == 2 and "unknown policy 'quiet'" in r.stderr


def test_a_broken_or_clashing_plugin_is_skipped_with_a_warning(tmp_path, monkeypatch):
    _install_plugin(
        tmp_path,
        "[fabrace.policies]\nbasic = fabplug:Quiet\nghost = fabplug:Ghost\nfine = fabplug:Quiet\n",
    )
    # in-process, with the package on this process's path (the installed script finds plugins
    # the same way: see the test above)
    with monkeypatch.context() as mp:
        mp.syspath_prepend(str(tmp_path))
        mp.setattr(registry_module, "_DEFAULT", None)  # no plugin cached past this test
        try:
            r = invoke("policies")
        finally:
            sys.modules.pop("fabplug", None)
    assert r.exit_code == 0, r.stderr
    err = " ".join(r.stderr.split())
    assert "plugin 'basic' (fabplug:Quiet) clashes with a built-in policy and is ignored" in err
    assert "plugin 'ghost' (fabplug:Ghost) failed to load" in err
    assert " fine " in r.stdout and " ghost " not in r.stdout


# ==================================================================== policies check
def test_policies_check_passes_a_built_in_with_exit_0():
    r = invoke("policies", "check", "basic", "--scenario", SHORT_DUEL, "--games", "1")
    assert r.exit_code == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    checks = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    assert [line.split()[1] for line in checks] == [
        "builds",
        "parameters",
        "roles",
        "reproducible",
        "legal",
        "copies",
        "time",
    ]
    assert all(line.startswith("PASS") for line in checks)
    assert "basic: all 7 checks passed" in lines[-1]


BROKEN_POLICY = STEADY + textwrap.dedent(
    """

    class Bad(Steady):
        def moves(self, obs):
            return [SetGpuPrice(1e9)]
    """
)


def test_policies_check_reports_failures_in_plain_words_with_exit_1(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(BROKEN_POLICY, encoding="utf-8")
    spec = f"{path}:Bad"
    r = invoke("policies", "check", spec, "--scenario", SHORT_DUEL, "--games", "1")
    assert r.exit_code == 1
    out = " ".join(r.stdout.split())
    assert "FAIL legal" in out and "refused decisions" in out
    assert "accelerator price must be between" in out
    assert "PASS builds" in out and "PASS copies" in out
    assert f"{spec}: 6 of 7 checks passed; failed: legal" in out
    r = invoke("policies", "check", spec, "--scenario", SHORT_DUEL, "--games", "1", "--json")
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["policy"] == spec and report["ok"] is False
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["legal"]
    assert report["settings"]["scenarios"] == ["duel"] and report["settings"]["seconds"] == 0.2


def test_policies_check_seconds_sets_the_budget(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text(
        STEADY + "\n\nclass Slow(Steady):\n    def moves(self, obs):\n"
        "        import time\n        time.sleep(0.02)\n        return super().moves(obs)\n",
        encoding="utf-8",
    )
    args = ["policies", "check", f"{path}:Slow", "--scenario", SHORT_DUEL, "--games", "1"]
    r = invoke(*args, "--seconds", "0.01", "--json")
    report = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert r.exit_code == 1 and not report["time"]["passed"]
    assert "0.01 s budget" in report["time"]["detail"]
    r = invoke(*args, "--seconds", "2", "--json")
    assert r.exit_code == 0, r.stdout


def test_policies_check_exits_2_when_the_policy_cannot_be_loaded(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("class Oops(:\n", encoding="utf-8")
    for spec, message in [
        ("no-such", "unknown policy 'no-such'"),
        (f"{tmp_path}/none.py:X", "no such policy file"),
        (f"{broken}:Oops", "line 1: syntax error"),
    ]:
        r = invoke("policies", "check", spec)
        assert r.exit_code == 2, spec
        assert message in r.stderr and "Traceback" not in r.stderr
    r = fabrace("policies", "check", f"{broken}:Oops")
    assert r.returncode == 2 and "syntax error" in r.stderr and "Traceback" not in r.stderr


# ==================================================================== time budgets
class Hangs(Policy):
    """Hangs in its propose call in one quarter (until released); otherwise does nothing."""

    name = "hangs"

    def __init__(self, quarter: int = 0) -> None:
        super().__init__()
        self.quarter = quarter
        self.release = threading.Event()
        self.calls: list[tuple[int, str]] = []

    def propose(self, obs: Observation) -> list[Decision]:
        self.calls.append((obs.quarter, "propose"))
        if obs.quarter == self.quarter:
            self.release.wait(30)
        return []

    def moves(self, obs: Observation) -> list[Decision]:
        self.calls.append((obs.quarter, "moves"))
        return []

    def __deepcopy__(self, memo: Any) -> Hangs:  # an Event cannot be copied
        return Hangs(self.quarter)


def test_a_hanging_policy_loses_its_decision_in_the_main_thread_and_plays_on():
    policy = Hangs(quarter=2)
    t0 = time.perf_counter()
    m = new_game("duel", seed=1, policies={"OpenAI": policy}, decision_seconds=0.5)
    m.run()
    assert time.perf_counter() - t0 < 20
    assert m.finished and m.result()["quarters"] == 12
    assert m.faults_by == {"OpenAI": 1}
    assert m.faults[0].call == "propose" and "ran past its 0.5 s budget" in m.faults[0].error
    # Interrupted where it was: it is asked again for its moves and in later quarters.
    assert (2, "moves") in policy.calls and (11, "propose") in policy.calls
    assert m.hung == set()


def test_a_hanging_policy_loses_its_decision_when_the_game_runs_in_another_thread():
    policy = Hangs(quarter=1)
    box: dict[str, Any] = {}

    def play() -> None:
        try:
            m = new_game("duel", seed=1, policies={"OpenAI": policy}, decision_seconds=0.5)
            m.run()
            box["model"] = m
        except BaseException as e:  # reported below
            box["error"] = e

    worker = threading.Thread(target=play)
    t0 = time.perf_counter()
    worker.start()
    worker.join(60)
    policy.release.set()  # let the abandoned call end
    assert not worker.is_alive() and "error" not in box
    assert time.perf_counter() - t0 < 30
    m = box["model"]
    assert m.finished and m.result()["quarters"] == 12
    assert m.hung == {"OpenAI"} and m.faults_by == {"OpenAI": 1}
    assert "could not be stopped" in m.faults[0].error
    # Its thread may still run, so it is not called again this game; the others play on.
    assert max(q for q, _ in policy.calls) == 1
    assert m.result()["totals"]["moves"] > 0


def test_fabrace_run_decision_seconds_stops_a_hanging_policy_and_finishes_the_game(tmp_path):
    path = tmp_path / "hang.py"
    path.write_text(
        textwrap.dedent(
            """
            import time

            from agents.policy import Policy


            class Hang(Policy):
                name = "hang"

                def propose(self, obs):
                    time.sleep(60)
                    return []
            """
        ),
        encoding="utf-8",
    )
    t0 = time.perf_counter()
    r = fabrace(
        "run",
        "--scenario",
        "duel",
        "--policy",
        f"OpenAI={path}:Hang",
        "--decision-seconds",
        "0.3",
        "--quarters",  # a whole game, made short: every quarter loses 0.3 s to the hang, and
        "2",  # its sandbox process is killed and started again (about a second each)
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert time.perf_counter() - t0 < 60
    result = json.loads(r.stdout)
    assert result["finished"] and result["quarters"] == 2
    lab = next(a for a in result["actors"] if a["name"] == "OpenAI")
    assert lab["faults"] == 2  # one lost propose a quarter
    assert result["totals"]["faults"] == 2
