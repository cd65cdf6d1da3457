"""Logs are tamper-evident: every record is hash-chained to the one before (log format 3).

``fabrace replay`` reports the first edited, swapped, dropped or added record by its line (exit
1), a last line cut short as such, and refuses lines too large or too deep (exit 2); logs of
formats 1 and 2 still replay, with a note that they cannot be checked. In-process CLI runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fabrace.cli import app
from game.limits import MAX_JSON_DEPTH, MAX_RECORD_BYTES
from game.log import LOG_VERSION, StepReplay, replay
from game.log_chain import chain_break, chained_lines

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
RANDOM = [f"--policy={a}=random" for a in ("OpenAI", "Nvidia", "TSMC", "MGX")]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=WIDE)


@pytest.fixture(scope="module")
def log_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A short duel of random bots (offers, counters and rejections), as log lines."""
    path = tmp_path_factory.mktemp("log") / "game.jsonl"
    r = invoke(
        "run", "--scenario", "duel", "--seed", "1", "--quarters", "4", *RANDOM, "--log", str(path)
    )
    assert r.exit_code == 0, r.output
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def records(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in lines]


def first(lines: list[str], pred: Any) -> int:
    """The index (0-based) of the first line whose record satisfies ``pred``."""
    return next(i for i, rec in enumerate(records(lines)) if pred(rec))


def replayed(tmp_path: Path, lines: list[str], code: int) -> str:
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    r = invoke("replay", str(path))
    assert r.exit_code == code, r.output
    assert isinstance(r.exception, SystemExit) or r.exception is None
    assert "Traceback" not in r.output
    return r.output


def test_every_record_carries_its_place_and_a_chained_hash(log_lines):
    recs = records(log_lines)
    assert recs[0]["type"] == "header" and recs[0]["log_version"] == LOG_VERSION == 3
    assert [r["n"] for r in recs] == list(range(len(recs)))
    assert all(len(r["h"]) == 64 for r in recs)
    assert chain_break(recs, list(range(1, len(recs) + 1))) is None
    bare = [{k: v for k, v in r.items() if k not in ("n", "h")} for r in recs]
    assert chained_lines(bare) == "".join(log_lines), "the writer and chained_lines agree"


def test_an_intact_log_replays_with_no_note(tmp_path, log_lines):
    out = replayed(tmp_path, log_lines, 0)
    assert "same end state" in out and "note" not in out


def test_changing_the_terms_of_a_proposal_later_countered_is_found(tmp_path, log_lines):
    recs = records(log_lines)
    countered = {
        r["decision"]["offer_id"]
        for r in recs
        if r["type"] == "decision" and r["decision"]["type"] == "counter"
    }
    i = first(
        log_lines,
        lambda r: (
            r["type"] == "decision"
            and r["decision"]["type"] == "propose"
            and r["outcome"].get("offer_id") in countered
        ),
    )
    rec = recs[i]
    terms = rec["decision"]["terms"]
    key = next(k for k, v in terms.items() if isinstance(v, int | float))
    rec["decision"]["terms"][key] = rec["decision"]["terms"][key] * 0.5
    lines = [*log_lines]
    lines[i] = json.dumps(rec) + "\n"
    out = replayed(tmp_path, lines, 1)
    assert f"line {i + 1}: edited" in out


def test_swapping_an_event_with_a_decision_is_found(tmp_path, log_lines):
    i = first(log_lines, lambda r: r["type"] == "event")
    j = i + 1
    assert records(log_lines)[j]["type"] == "decision"
    lines = [*log_lines]
    lines[i], lines[j] = lines[j], lines[i]
    out = replayed(tmp_path, lines, 1)
    assert f"line {i + 1}: record {i + 1} where record {i} belongs: record dropped or moved" in out


def test_deleting_a_reject_record_is_found(tmp_path, log_lines):
    i = first(log_lines, lambda r: r["type"] == "decision" and r["decision"]["type"] == "reject")
    lines = log_lines[:i] + log_lines[i + 1 :]
    out = replayed(tmp_path, lines, 1)
    assert f"line {i + 1}: record {i + 1} where record {i} belongs: record dropped" in out


def test_an_added_fault_record_is_found(tmp_path, log_lines):
    i = first(log_lines, lambda r: r["type"] == "quarter_end")
    fault = json.dumps({"type": "fault", "actor": "OpenAI", "q": 0, "error": "x"}) + "\n"
    out = replayed(tmp_path, [*log_lines[:i], fault, *log_lines[i:]], 1)
    assert f"line {i + 1}: a record without its place and hash ('n' and 'h'): added" in out
    # a copy of a real record (its own hash and place) is found as well
    out = replayed(tmp_path, [*log_lines[: i + 1], log_lines[i], *log_lines[i + 1 :]], 1)
    assert f"line {i + 2}: record {i} again where record {i + 1} belongs: added or moved" in out


def test_an_edited_header_is_found_before_anything_is_played(tmp_path, log_lines):
    header = json.loads(log_lines[0])
    header["spec"]["market"]["gpu_demand"] = 401.0
    out = replayed(tmp_path, [json.dumps(header) + "\n", *log_lines[1:]], 1)
    assert "replayed 0 quarters" in out and "line 1: edited" in out


def test_a_record_too_large_is_refused_by_its_line(tmp_path, log_lines):
    fault = {"type": "fault", "actor": "OpenAI", "q": 0, "error": "x" * (MAX_RECORD_BYTES + 1)}
    lines = [*log_lines[:3], json.dumps(fault) + "\n", *log_lines[3:]]
    out = replayed(tmp_path, lines, 2)
    assert "line 4: record too large (1 MiB; the limit is 1 MiB)" in out


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 600, 100_000])
def test_a_record_nested_too_deep_is_refused_by_its_line(tmp_path, log_lines, depth):
    deep = '{"type": "fault", "x": ' + "[" * depth + "]" * depth + "}\n"
    out = replayed(tmp_path, [*log_lines[:2], deep, *log_lines[2:]], 2)
    assert f"line 3: nested more than {MAX_JSON_DEPTH} deep" in out


def test_a_truncated_last_line_is_reported_as_such(tmp_path, log_lines):
    lines = [*log_lines[:-1], log_lines[-1][:20]]
    out = replayed(tmp_path, lines, 1)
    assert f"line {len(lines)}: the last line is cut short (truncated)" in out
    # cut inside an earlier line: the file is not a log past there
    out = replayed(tmp_path, [*log_lines[:5], log_lines[5][:20] + "\n", *log_lines[6:]], 2)
    assert "line 6: not JSON" in out


def test_infinity_in_a_log_is_not_json(tmp_path, log_lines):
    i = first(log_lines, lambda r: r["type"] == "decision")
    lines = [*log_lines]
    lines[i] = lines[i].replace('"q":0', '"q":Infinity', 1)
    out = replayed(tmp_path, lines, 2)
    assert f"line {i + 1}: not JSON (Infinity is not a JSON number)" in out


@pytest.mark.parametrize("version", [1, 2])
def test_older_logs_without_hashes_replay_with_a_note(tmp_path, log_lines, version):
    old = []
    for rec in records(log_lines):
        rec = {k: v for k, v in rec.items() if k not in ("n", "h")}
        if rec["type"] == "header":
            rec["log_version"] = version
        if version == 1 and rec["type"] == "quarter_open":
            continue  # version 1 had no quarter_open records: the events are drawn again
        old.append(json.dumps(rec) + "\n")
    out = replayed(tmp_path, old, 0)
    assert "same end state" in out
    assert f"note: log format {version} has no hashes: it cannot be checked for tampering" in out
    report = replay(tmp_path / "edited.jsonl")
    assert report.same and "cannot be checked" in report.note


def test_the_viewer_stops_where_the_chain_breaks(log_lines):
    i = first(log_lines, lambda r: r["type"] == "decision" and r["decision"]["type"] == "reject")
    viewer = StepReplay("".join(log_lines[:i] + log_lines[i + 1 :]), "game.jsonl")
    while viewer.next_quarter():
        pass
    assert viewer.problem == f"line {i + 1}: record {i + 1} where record {i} belongs: " + (
        "record dropped or moved before it"
    )
