"""The game log and ``fabrace replay``.

``run --log`` writes one JSON object a line: a header, then event, decision (and fault) records in
the order they happened, a quarter_end record after each quarter and an end record. Replay exit
codes: 0 when the logged game plays again to the same states, 1 when the log is readable but the
game it describes differs from what replaying its decisions gives (an edited, dropped, duplicated
or missing record), 2 when the file is not a readable log at all (missing, empty, not JSON lines,
no header, a malformed record), with a message naming the file and the line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import new_game
from fabrace.cli import app
from game.log_chain import Chain
from game.model import FabRaceModel
from game.scenario import load_scenario, scenario_from_dict

SEED, QUARTERS = 2, 4  # a short duel with two events and deals, counters and moves in it
RUN = ("run", "--scenario", "duel", "--seed", str(SEED), "--quarters", str(QUARTERS))


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Path:
    """A finished game's log (written once; tests copy it before editing)."""
    path = tmp_path_factory.mktemp("log") / "game.jsonl"
    r = invoke(*RUN, "--log", str(path))
    assert r.exit_code == 0, r.stderr
    return path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def replay(path: Path):
    return invoke("replay", str(path))


def edit(logged: Path, tmp_path: Path, change: Callable[[list[dict]], object]) -> Path:
    """A copy of the log whose records ``change`` edits in place, its hash chain made again.

    The chain would report any such edit by its line (tests/test_log_chain.py); made again, as
    by an editor who recomputes the hashes, the edit is for the replay itself to find.
    """
    recs = records(logged)
    change(recs)
    chain = Chain()
    lines = []
    for r in recs:
        if isinstance(r, dict):
            lines.append(chain.line({k: v for k, v in r.items() if k not in ("n", "h")}))
        else:
            lines.append(json.dumps(r) + "\n")
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def first(recs: list[dict], pred: Callable[[dict], bool]) -> int:
    return next(i for i, r in enumerate(recs) if pred(r))


# -- what the log holds ---------------------------------------------------------------------------


def test_the_log_is_one_json_object_a_line_from_header_to_end(logged):
    lines = logged.read_text(encoding="utf-8").splitlines()
    recs = [json.loads(line) for line in lines]
    assert all(isinstance(r, dict) for r in recs)
    assert recs[0]["type"] == "header"
    assert recs[-1]["type"] == "end" and recs[-1]["quarters"] == QUARTERS
    kinds = {"header", "quarter_open", "event", "decision", "fault", "quarter_end", "end"}
    assert {r["type"] for r in recs} <= kinds
    assert [r["q"] for r in recs if r["type"] == "quarter_end"] == list(range(QUARTERS))
    assert [r["q"] for r in recs if r["type"] == "quarter_open"] == list(range(QUARTERS))
    assert [r["label"] for r in recs if r["type"] == "quarter_end"][-1] == "2024Q4"
    decisions = [r for r in recs if r["type"] == "decision"]
    assert {d["decision"]["type"] for d in decisions} >= {"propose", "accept"}
    assert all({"q", "actor", "decision", "outcome"} <= set(d) for d in decisions)
    assert any(r["type"] == "event" for r in recs)
    # records of a quarter come before its quarter_end
    ends = {r["q"]: i for i, r in enumerate(recs) if r["type"] == "quarter_end"}
    assert all(i < ends[r["q"]] for i, r in enumerate(recs) if r["type"] == "decision")


def test_news_in_the_first_quarter_comes_after_the_header_and_replays(tmp_path):
    path = tmp_path / "game.jsonl"
    r = invoke("run", "--scenario", "duel", "--seed", "5", "--quarters", "2", "--log", str(path))
    assert r.exit_code == 0
    recs = records(path)
    assert recs[0]["type"] == "header"
    assert recs[1]["type"] == "quarter_open" and recs[1]["q"] == 0
    assert recs[1]["events"] and recs[1]["chosen"] is False  # seed 5 has news in 2024Q1
    assert recs[2]["type"] == "event" and recs[2]["q"] == 0
    assert replay(path).exit_code == 0


def test_the_header_holds_what_is_needed_to_play_the_game_again(logged):
    header = records(logged)[0]
    assert (header["scenario"], header["seed"], header["quarters"]) == ("duel", SEED, QUARTERS)
    assert header["policies"] == {
        "OpenAI": "basic",
        "Nvidia": "basic",
        "TSMC": "basic",
        "MGX": "basic",
    }
    duel = load_scenario("duel")
    assert header["scenario_digest"] == duel.digest
    assert scenario_from_dict(header["spec"]) == scenario_from_dict(duel.model_dump(mode="json"))


def test_the_logged_game_is_the_game_that_was_played(logged):
    r = invoke(*RUN, "--json")
    end = records(logged)[-1]
    model = new_game(load_scenario("duel"), seed=SEED, quarters=QUARTERS)
    model.run()
    assert end["digest"] == model.digest()
    assert json.loads(r.stdout) == model.result()


# -- replay ---------------------------------------------------------------------------------------


def test_replay_of_an_untouched_log_says_same_end_state_and_exits_0(logged):
    script = Path(sys.executable).with_name("fabrace")
    cmd = [str(script)] if script.exists() else [shutil.which("fabrace") or "fabrace"]
    r = subprocess.run([*cmd, "replay", str(logged)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    n = sum(1 for x in records(logged) if x["type"] == "decision")
    assert f"replayed {QUARTERS} quarters and {n} decisions: same end state" in r.stdout
    assert records(logged)[-1]["digest"] in r.stdout


def _cheaper_counter(recs: list[dict]) -> None:
    i = first(recs, lambda r: r["type"] == "decision" and r["decision"]["type"] == "counter")
    recs[i]["decision"]["terms"]["price"] *= 0.5


def _drop(pred: Callable[[dict], bool]) -> Callable[[list[dict]], None]:
    return lambda recs: recs.pop(first(recs, pred))


def _richer_fab(recs: list[dict]) -> None:
    recs[0]["spec"]["actors"][2]["cash"] += 1.0


TAMPERED = {
    "a decision's terms edited": (_cheaper_counter, "state differs after 2024Q1"),
    "a decision dropped": (
        _drop(lambda r: r["type"] == "decision" and r["decision"]["type"] == "accept"),
        "2024Q1",
    ),
    "a move dropped": (
        _drop(lambda r: r["type"] == "decision" and r["decision"]["type"] == "buy_spot_wafers"),
        "state differs after 2024Q1",
    ),
    "an event dropped": (_drop(lambda r: r["type"] == "event"), "events differ"),
    "a quarter end dropped": (
        _drop(lambda r: r["type"] == "quarter_end"),
        "quarter 1 opened in the log, replay is in quarter 0",
    ),
    "the end dropped": (_drop(lambda r: r["type"] == "end"), "ends before the game did"),
    "a record duplicated": (
        lambda recs: recs.insert(2, recs[first(recs, lambda r: r["type"] == "decision")]),
        "was refused in the replay, not in the game",
    ),
    "a record after the end": (lambda recs: recs.append(recs[-2]), "after the end record"),
    "the scenario edited": (_richer_fab, "state differs after 2024Q1"),
}


@pytest.mark.parametrize(("change", "says"), TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_log_replays_to_a_difference_and_exits_1(logged, tmp_path, change, says):
    r = replay(edit(logged, tmp_path, change))
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "same end state" not in r.stdout
    assert says in r.stdout


def test_a_replay_that_differs_says_where(logged, tmp_path):
    # Dropping the first decision (an offer) leaves the first answer to an offer without it:
    # the replay refuses that answer and names its line.
    recs = records(logged)
    recs.pop(first(recs, lambda r: r["type"] == "decision"))
    answer = first(
        recs,
        lambda r: r["type"] == "decision" and r["decision"]["type"] in ("counter", "accept"),
    )
    r = replay(edit(logged, tmp_path, _drop(lambda r: r["type"] == "decision")))
    assert r.exit_code == 1
    assert f"line {answer + 1}: " in r.stdout
    assert "refused in the replay, not in the game" in r.stdout


# -- logs that cannot be read: exit 2, naming the file and the line -------------------------------


def _garbage_line(recs: list[dict]) -> None:
    recs.insert(3, "not a record")


UNREADABLE = {
    "the header dropped": (lambda recs: recs.pop(0), "line 1: missing the header record"),
    "a record that is not an object": (_garbage_line, "line 4: not a log record"),
    "an unknown record type": (
        lambda recs: recs.insert(2, {"type": "gossip"}),
        "line 3: unknown record type 'gossip'",
    ),
    "a decision of an unknown type": (
        lambda recs: recs[2]["decision"].update(type="bribe"),
        "line 3: bad decision record: unknown decision type 'bribe'",
    ),
    "a decision without its outcome": (
        lambda recs: recs[2].pop("outcome"),
        "line 3: bad decision record: 'outcome'",
    ),
    "a decision by a stranger": (
        lambda recs: recs[2].update(actor="Mallory"),
        "line 3: unknown actor 'Mallory'",
    ),
    "a negative seed": (lambda recs: recs[0].update(seed=-3), "line 1: header 'seed'"),
    "no length": (lambda recs: recs[0].update(quarters="many"), "line 1: header 'quarters'"),
    "an impossible scenario": (
        lambda recs: recs[0]["spec"]["actors"][2].update(cash=-1.0),
        "line 1: header spec: actors[2].cash: must be a number from 0 to 100000",
    ),
    "a newer log version": (
        lambda recs: recs[0].update(log_version=99),
        "log version 99 is not supported",
    ),
}


@pytest.mark.parametrize(("change", "says"), UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_log_that_cannot_be_read_exits_2_naming_the_file_and_line(logged, tmp_path, change, says):
    path = edit(logged, tmp_path, change)
    r = replay(path)
    assert r.exit_code == 2
    assert isinstance(r.exception, SystemExit)
    assert r.stdout == ""
    assert f"{path}: " in r.stderr and says in r.stderr, r.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "line 1: empty file"),
        (b"\n\n", "line 1: empty file"),
        (b"this is not json\n", "line 1: not JSON"),
        (b'{"type": "header", "log_version": 1}\n', "line 1: header has no 'seed'"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "not a text file"),
    ],
    ids=["empty", "blank lines", "text", "half a header", "binary"],
)
def test_garbage_files_exit_2_naming_the_file(tmp_path, content, says):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(content)
    r = replay(path)
    assert r.exit_code == 2
    assert f"{path}: {says}" in r.stderr, r.stderr


def test_a_missing_log_or_a_folder_exits_2(tmp_path):
    missing = replay(tmp_path / "nowhere.jsonl")
    assert missing.exit_code == 2
    assert f"{tmp_path / 'nowhere.jsonl'}: no such file" in missing.stderr
    folder = replay(tmp_path)
    assert folder.exit_code == 2
    assert f"{tmp_path}: is a folder" in folder.stderr


def test_the_installed_script_refuses_a_garbage_log_without_a_traceback(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_text('{"type": "header"}\n{oops\n', encoding="utf-8")
    script = Path(sys.executable).with_name("fabrace")
    cmd = [str(script)] if script.exists() else [shutil.which("fabrace") or "fabrace"]
    r = subprocess.run([*cmd, "replay", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert f"{path}: line 2: not JSON" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


# -- a game that fails mid-way leaves nothing half-written ----------------------------------------


@pytest.fixture
def failing_step(monkeypatch):
    """Make the third quarter of any game raise ``error``."""

    def arm(error: BaseException) -> None:
        real = FabRaceModel.step

        def step(self: FabRaceModel) -> None:
            if self.quarter_index == 2:
                raise error
            real(self)

        monkeypatch.setattr(FabRaceModel, "step", step)

    return arm


@pytest.mark.parametrize("error", [RuntimeError("engine bug"), KeyboardInterrupt()])
def test_a_game_that_fails_leaves_no_half_written_log(tmp_path, failing_step, error):
    failing_step(error)
    path = tmp_path / "game.jsonl"
    r = invoke(*RUN, "--log", str(path))
    assert r.exit_code != 0
    assert list(tmp_path.iterdir()) == []  # neither the log nor a temporary file


def test_a_game_that_fails_does_not_damage_an_older_log_at_that_path(
    logged, tmp_path, failing_step
):
    path = tmp_path / "game.jsonl"
    shutil.copy(logged, path)
    before = path.read_bytes()
    failing_step(RuntimeError("engine bug"))
    r = invoke(*RUN, "--log", str(path))
    assert r.exit_code != 0
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["game.jsonl"]


def test_a_new_log_replaces_an_older_one_only_when_the_game_is_over(logged, tmp_path):
    path = tmp_path / "game.jsonl"
    path.write_text("an old, unrelated file\n", encoding="utf-8")
    r = invoke("run", "--scenario", "duel", "--seed", "5", "--quarters", "2", "--log", str(path))
    assert r.exit_code == 0
    recs = records(path)
    assert recs[0]["seed"] == 5 and recs[-1]["type"] == "end"
    assert os.listdir(tmp_path) == ["game.jsonl"]
