"""The ``fabrace`` command as a user meets it: summaries, JSON, seeds, and clean refusals.

Most checks call the Typer app in-process (``CliRunner``) for speed; the ones about the installed
script itself (exit codes, stderr, no traceback, byte-identical output across processes) run the
real ``fabrace`` entry point in a new process.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import new_game
from fabrace.cli import app
from game.scenario import builtin_scenarios, load_scenario, scenario_dir

ROLES = {"lab", "designer", "foundry", "investor"}
WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def _script() -> str:
    beside = Path(sys.executable).with_name("fabrace")
    found = str(beside) if beside.exists() else shutil.which("fabrace")
    if found is None:
        pytest.skip("the fabrace script is not installed")
    return found


def fabrace(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``fabrace`` script in a new process."""
    return subprocess.run(
        [_script(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **WIDE},
    )


def fabrace_all(
    *runs: tuple[list[str], Path | None],
) -> list[subprocess.CompletedProcess[str]]:
    """Run the installed script once for each ``(args, cwd)``, in new processes started
    together, and wait for them all: what each one prints and returns is ``fabrace(...)``'s."""
    procs = [
        subprocess.Popen(
            [_script(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**os.environ, **WIDE},
        )
        for args, cwd in runs
    ]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


def signed(v: float) -> str:
    """A score as the summary shows it: two decimals with a sign, never "-0.00"."""
    return f"{round(v, 2) + 0.0:+.2f}"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


def as_json(*args: str) -> dict:
    r = invoke("run", *args, "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


# -- run: the summary -----------------------------------------------------------------------------


def test_run_prints_each_actors_score_breakdown_key_figures_and_the_main_events():
    r = fabrace("run", "--scenario", "baseline-2024", "--seed", "7")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    model = new_game(load_scenario("baseline-2024"), seed=7)
    model.run()
    result = model.result()
    assert "baseline-2024, seed 7: 40 quarters, 2024Q1 to 2033Q4" in out
    table = {ln.split("│")[1].strip(): ln for ln in out.splitlines() if ln.count("│") >= 6}
    for a in model.actor_list:
        row = table[a.name]
        assert f" {a.role} " in row and f" {model.policy_label(a.name)} " in row
        assert f" {signed(a.score)} " in row, (a.name, row)
        figures = {
            "lab": ("compute", "run-rate"),
            "designer": ("price", "sold"),
            "foundry": ("capacity", "utilisation"),
            "investor": ("NAV", "hosted"),
        }[a.role]
        assert all(word in row for word in figures), row
        breakdown = next(ln for ln in out.splitlines() if ln.startswith(f"  {a.name}: "))
        assert len(a.score_breakdown) >= 3
        for key, value in a.score_breakdown.items():
            assert f"{key} {signed(value)}" in breakdown, (key, breakdown)
    assert "-0.00" not in out
    assert "Main events" in out
    shown = [e["description"] for e in result["events"] if e["description"] in out]
    assert len(shown) >= min(3, len(result["events"]))
    n_signed = result["totals"]["contracts_signed"]
    assert f"Contracts signed {n_signed}," in out


def test_json_is_one_document_with_the_game_result():
    r = invoke("run", "--scenario", "baseline-2024", "--seed", "7", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)  # the whole of stdout: nothing before or after the document
    assert doc["scenario"] == "baseline-2024"
    assert doc["seed"] == 7
    assert doc["quarters"] == 40
    names = [a.name for a in load_scenario("baseline-2024").actors]
    assert [a["name"] for a in doc["actors"]] == names
    for a in doc["actors"]:
        assert a["role"] in ROLES
        assert a["policy"] == "basic"
        assert math.isfinite(a["cash"])
        assert a["score"] == pytest.approx(sum(a["score_breakdown"].values()), abs=1e-5)
    assert doc["contracts"], "a ten-year baseline game signs contracts"
    for c in doc["contracts"]:
        assert {"kind", "parties", "terms", "status"} <= set(c)
        assert set(c["parties"]) <= set(names) and len(c["parties"]) == 2
        assert c["terms"] and all(isinstance(v, int | float | str) for v in c["terms"].values())
    assert doc["events"]
    assert all({"quarter", "kind", "description"} <= set(e) for e in doc["events"])


def test_the_same_seed_gives_byte_identical_output_in_two_new_processes(tmp_path):
    args = ["run", "--scenario", "duel", "--seed", "11", "--quarters", "6", "--json"]
    first, second = fabrace_all((args, None), (args, tmp_path))  # another folder, hash seed
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["seed"] == 11
    assert invoke(*args).stdout == first.stdout  # in-process too: no state leaks between games
    other = invoke("run", "--scenario", "duel", "--seed", "12", "--quarters", "6", "--json")
    assert other.stdout != first.stdout  # the seed matters, so the check above means something


def test_the_summary_is_reproducible_too():
    a = invoke("run", "--scenario", "duel", "--seed", "4", "--quarters", "5")
    b = invoke("run", "--scenario", "duel", "--seed", "4", "--quarters", "5")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout


def test_quarters_sets_the_length_of_the_game():
    assert as_json("--scenario", "duel")["quarters"] == 12
    short = as_json("--scenario", "duel", "--quarters", "3")
    assert (short["quarters"], short["start"], short["end"]) == (3, "2024Q1", "2024Q3")
    longer = as_json("--scenario", "duel", "--quarters", "14")
    assert (longer["quarters"], longer["end"]) == (14, "2027Q2")


def test_a_scenario_can_be_given_as_a_path(tmp_path):
    text = (scenario_dir() / "duel.toml").read_text(encoding="utf-8")
    path = tmp_path / "my games" / "rematch.toml"
    path.parent.mkdir()
    path.write_text(text.replace('name = "duel"', 'name = "rematch"'), encoding="utf-8")
    assert as_json("--scenario", str(path), "--quarters", "2")["scenario"] == "rematch"
    relative = as_json("--scenario", os.path.relpath(path), "--quarters", "2")
    assert relative["scenario"] == "rematch"


def test_scenarios_lists_the_built_ins():
    r = invoke("scenarios")
    assert r.exit_code == 0
    for name in builtin_scenarios():
        assert name in r.stdout


# -- bad arguments: exit code 2, one clear message on stderr, no traceback ------------------------


@pytest.fixture
def bad_scenario(tmp_path) -> Path:
    text = (scenario_dir() / "duel.toml").read_text(encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("cash = 30.0", "cash = -1.0"), encoding="utf-8")
    return path


BAD_ARGS = {
    "unknown scenario": (["--scenario", "no-such-game"], "no-such-game: unknown scenario"),
    "missing scenario file": (["--scenario", "nowhere/game.toml"], "no such scenario file"),
    "bad scenario file": (
        ["--scenario", "{bad}"],
        "actors[2].cash: must be a number from 0 to 100000 (got -1.0)",
    ),
    "zero quarters": (["--quarters", "0"], "'--quarters'"),
    "too many quarters": (["--quarters", "401"], "'--quarters'"),
    "negative seed": (["--seed", "-1"], "'--seed'"),
    "seed not a number": (["--seed", "abc"], "'--seed'"),
    "unknown option": (["--colour", "red"], "No such option: --colour"),
}


@pytest.mark.parametrize(("args", "message"), BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(bad_scenario, args, message):
    args = [a.replace("{bad}", str(bad_scenario)) for a in args]
    r = invoke("run", *args)
    assert r.exit_code == 2
    assert isinstance(r.exception, SystemExit)  # a clean exit, not an escaped exception
    assert r.stdout == ""
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_the_installed_script_refuses_bad_arguments_without_a_traceback(bad_scenario):
    cases = [
        (["--scenario", "no-such-game"], "unknown scenario (built-in: "),
        (["--scenario", str(bad_scenario)], f"{bad_scenario}: actors[2].cash: "),
        (["--seed", "abc"], "'--seed'"),
        (["--quarters", "0"], "'--quarters'"),
    ]
    done = fabrace_all(*((["run", *args], None) for args, _ in cases))
    for (args, message), r in zip(cases, done, strict=True):
        assert r.returncode == 2, args
        assert r.stdout == ""
        assert message in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        return locked / "game.jsonl"
    if Path("/proc").is_dir():  # root may write anywhere but in /proc
        return Path("/proc/game.jsonl")
    pytest.skip("no unwritable folder available")


@pytest.mark.parametrize("where", ["unwritable", "missing folder", "a folder", "under a file"])
def test_a_log_that_cannot_be_written_is_refused_before_the_game(tmp_path, where):
    (tmp_path / "afile").write_text("x")
    log = {
        "unwritable": lambda: _unwritable(tmp_path),
        "missing folder": lambda: tmp_path / "no" / "such" / "game.jsonl",
        "a folder": lambda: tmp_path,
        "under a file": lambda: tmp_path / "afile" / "game.jsonl",
    }[where]()
    r = invoke("run", "--scenario", "duel", "--quarters", "1", "--log", str(log))
    assert r.exit_code == 2
    assert isinstance(r.exception, SystemExit)
    assert str(log) in r.stderr
    assert r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
