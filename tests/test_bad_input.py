"""Hostile input gets one clear message, never a traceback, a NaN or a markup error.

Scenario numbers are finite and within each field's declared range; JSON results never carry NaN
or infinities; user text in messages shows literally. In-process CLI runs (``CliRunner``).
"""

from __future__ import annotations

import copy
import json
import math
import runpy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from agents import new_game
from fabrace.cli import app
from fabrace.output import NotJsonError, json_document, literal
from game import scenario as S
from game.limits import MAX_KEY_PARTS, MAX_TOML_DEPTH, toml_problem
from game.scenario import (
    ScenarioError,
    builtin_scenarios,
    load_scenario,
    scenario_dir,
    scenario_from_dict,
)
from game.scenario_fields import (
    LONGEST_GAME,
    MAX_TREND_FACTOR,
    field_bounds,
    trend_factor,
)
from game.scenario_parts import MarketSpec

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
DUEL = scenario_dir() / "duel.toml"
PARTS: list[type[BaseModel]] = [
    S.RulesSpec,
    S.MarketSpec,
    S.FabSpec,
    S.LabSpec,
    S.DesignerSpec,
    S.FoundrySpec,
    S.InvestorSpec,
    S.RoleReference,
    S.ContractSpec,
    S.EventSpec,
    S.ScenarioSpec,
]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=WIDE)


def refused(r: Any, *parts: str) -> str:
    """The one-line message of a clean refusal (exit 2, no traceback) holding every part."""
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output
    msg = r.stderr.strip()
    for p in parts:
        assert p in msg, msg
    return msg


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = DUEL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "b.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# -- every number is finite and within a declared range -----------------------------------------


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__)
def test_every_numeric_field_declares_both_bounds(part):
    for name, info in part.model_fields.items():
        b = field_bounds(info)
        if b is not None:
            assert b.lo is not None and b.hi is not None, f"{part.__name__}.{name}: {b}"


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308", "-1e308"])
def test_a_scenario_number_out_of_range_is_one_message_with_the_bound(tmp_path, value):
    path = edited(tmp_path, "gpu_demand = 400.0", f"gpu_demand = {value}")
    msg = refused(invoke("run", "--scenario", str(path), "--json"))
    assert msg.count("\n") == 0, msg
    assert msg.startswith(f"error: {path}: market.gpu_demand: must be a number from 0 to 1e+06")


@pytest.mark.parametrize(
    ("old", "new", "field", "bound"),
    [
        (
            "gpu_reference_price = 30.0",
            "gpu_reference_price = 5e-324",
            "market.gpu_reference_price",
            "from 0.1 to 1000",
        ),
        ("cash = 30.0", "cash = 1e308", "actors[2].cash", "from 0 to 100000"),
        (
            "capacity = 60.0",
            "capacity = 5e-324",
            "actors[2].fabs[1].capacity",
            "from 0.1 to 100000",
        ),
        ("sd = 0.1031", "sd = 5e-324", "scoring.reference.lab.sd", "from 0.001 to 1e+06"),
        (
            "quarters = 12",
            "quarters = 9223372036854775807",
            "quarters",
            "whole number from 1 to 400",
        ),
    ],
)
def test_tiny_and_huge_numbers_are_refused_where_they_would_break_the_game(
    tmp_path, old, new, field, bound
):
    path = edited(tmp_path, old, new)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert str(e.value).startswith(f"{path}: {field}: must be a ")
    assert bound in str(e.value)


def _set_every_number(raw: dict[str, Any], pick: str) -> dict[str, Any]:
    """The duel with every bounded number of its rules, market, actors and fabs at one end."""
    raw = copy.deepcopy(raw)
    by_role = {"lab": S.LabSpec, "designer": S.DesignerSpec, "foundry": S.FoundrySpec}
    by_role["investor"] = S.InvestorSpec
    tables = [(raw.setdefault("rules", {}), S.RulesSpec), (raw["market"], S.MarketSpec)]
    for a in raw["actors"]:
        tables.append((a, by_role[a["role"]]))
        tables += [(fab, S.FabSpec) for fab in a.get("fabs", [])]
    for table, part in tables:
        for name, info in part.model_fields.items():
            b = field_bounds(info)
            if b is None or b.lo is None or b.hi is None:
                continue
            v = b.lo if pick == "lo" else b.hi
            table[name] = int(v) if b.integer else v
    return raw


@pytest.mark.parametrize("pick", ["lo", "hi"])
def test_a_game_with_every_number_at_its_bound_plays_and_prints_valid_json(pick):
    raw = tomllib.loads(DUEL.read_text(encoding="utf-8"))
    spec = scenario_from_dict(_set_every_number(raw, pick))
    model = new_game(spec, seed=3, quarters=6)
    model.run()
    text = json_document(model.result())
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert abs(model.ledger.imbalance()) < 1e-6 * max(1.0, abs(model.ledger.total()))


def _fastest_ai_demand(raw: dict[str, Any]) -> dict[str, Any]:
    """Every trend at its fastest for the longest game: no decay, AI demand at the most the
    trend bound allows, a GPU generation a quarter."""
    m = raw["market"]
    for trend in MarketSpec.trends:  # AI, GPU and wafer demand
        m[trend.decay] = 0.0
        m[trend.growth] = trend.largest_growth(0.0, 1.0)
    m["generation_doubling_quarters"] = 1.0
    raw["scenario"]["quarters"] = LONGEST_GAME
    return raw


@pytest.mark.parametrize("pick", ["duel", "lo", "hi"])
def test_the_longest_game_with_the_fastest_allowed_trends_keeps_money_finite_and_conserved(pick):
    raw = tomllib.loads(DUEL.read_text(encoding="utf-8"))
    if pick != "duel":
        raw = _set_every_number(raw, pick)
    spec = scenario_from_dict(_fastest_ai_demand(raw))
    assert trend_factor(spec.market.ai_demand_growth, 0.0) <= MAX_TREND_FACTOR
    model = new_game(spec, seed=5)
    model.run()
    assert model.quarter_index == LONGEST_GAME
    balances = list(model.ledger.balances.values())
    assert all(math.isfinite(b) for b in balances)
    assert abs(model.ledger.imbalance()) < 1e-6 * max(1.0, abs(model.ledger.opening_total))
    json.loads(json_document(model.result()), parse_constant=lambda c: pytest.fail(c))


@pytest.mark.parametrize(
    ("growth", "decay", "refused"),
    [
        (1.0, 0.0, True),
        (0.04, 0.0, True),
        (0.017, 0.0, False),
        (0.5, 0.05, True),
        (0.3, 0.05, False),
    ],
)
def test_ai_demand_growth_is_bounded_with_its_decay_over_the_longest_game(
    tmp_path, growth, decay, refused
):
    path = edited(
        tmp_path,
        "gpu_growth = 0.08",
        f"gpu_growth = 0.08\nai_demand_growth = {growth}\nai_demand_decay = {decay}",
    )
    if not refused:
        assert load_scenario(path).market.ai_demand_growth == growth
        return
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert str(e.value).startswith(f"{path}: market.ai_demand_growth: {growth:g} a quarter with ")
    assert f"at most {MAX_TREND_FACTOR:g}-fold" in str(e.value)
    best = float(str(e.value).split("so at most ")[1].split()[0])
    assert trend_factor(best, decay) <= MAX_TREND_FACTOR < trend_factor(best + 0.001, decay)


def test_json_results_never_carry_nan_the_guard_names_where():
    assert json_document({"a": [1.0, 2]}) == '{\n  "a": [\n    1.0,\n    2\n  ]\n}\n'
    with pytest.raises(NotJsonError, match=r"not finite at actors\[1\]\.score"):
        json_document({"actors": [{"score": 1.0}, {"score": math.nan}]})


def test_the_guard_tripping_in_run_is_a_message_not_a_traceback(monkeypatch):
    from game.model import FabRaceModel

    real = FabRaceModel.result

    def poisoned(self: FabRaceModel) -> dict[str, Any]:
        out = real(self)
        out["actors"][0]["score"] = math.inf
        return out

    monkeypatch.setattr(FabRaceModel, "result", poisoned)
    r = invoke("run", "--scenario", "duel", "--quarters", "1", "--json")
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert r.stdout == ""
    assert "not finite at actors[0].score" in r.stderr


def test_replay_refuses_a_header_with_an_out_of_range_number(tmp_path):
    log = tmp_path / "g.jsonl"
    assert invoke("run", "--scenario", "duel", "--quarters", "1", "--log", str(log)).exit_code == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    header["spec"]["market"]["gpu_demand"] = 1e308
    lines[0] = json.dumps(header)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused(
        invoke("replay", str(log)),
        f"{log}: line 1: header spec: market.gpu_demand: must be a number from 0 to 1e+06",
    )


# -- user text is shown literally ----------------------------------------------------------------


def test_literal_escapes_markup():
    assert literal("[/x]") == "\\[/x]"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["run", "--scenario", "[/x]"], "[/x]: no such scenario file"),
        (["run", "--scenario", "duel", "--policy", "OpenAI=[/bold]"], "--policy OpenAI=[/bold]:"),
        (["run", "--scenario", "duel", "--policy", "OpenAI=[red]x"], "--policy OpenAI=[red]x:"),
        (["replay", "x[/y].jsonl"], "x[/y].jsonl: no such file"),
    ],
)
def test_user_text_in_messages_is_shown_literally(args, shown):
    refused(invoke(*args), shown)


def test_a_policies_file_table_name_with_brackets_shows_literally(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('["[/x]"]\nfamily = "greedy"\n', encoding="utf-8")
    r = invoke("policies", "--policies-file", str(good))
    assert r.exit_code == 0, r.output
    assert "[/x]" in r.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('["[/x]"]\nfamily = "nope"\n', encoding="utf-8")
    refused(invoke("policies", "--policies-file", str(bad)), "[/x].family: unknown family")


def test_a_scenario_name_with_markup_shows_literally_in_the_summary(tmp_path):
    path = edited(tmp_path, 'name = "duel"', 'name = "[/x] duel [bold]"')
    r = invoke("run", "--scenario", str(path), "--quarters", "1")
    assert r.exit_code == 0, r.output
    assert "[/x] duel [bold], seed 0" in r.stdout


# -- size and nesting limits ---------------------------------------------------------------------


def _deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (f"deep = {_deep_array(MAX_TOML_DEPTH + 1)}\n", f"nested more than {MAX_TOML_DEPTH} deep"),
        (f"deep = {_deep_array(600)}\n", f"nested more than {MAX_TOML_DEPTH} deep"),
        ("deep = " + "{a = " * 600 + "1" + "}" * 600 + "\n", "nested more than"),
        ("a" + ".a" * 100_000 + " = 1\n", f"a dotted key of more than {MAX_KEY_PARTS} parts"),
        ("[" + ".".join(["t"] * 100_000) + "]\n", f"a dotted key of more than {MAX_KEY_PARTS}"),
        ("x = { " + "a." * 100_000 + "b = 1 }\n", f"a dotted key of more than {MAX_KEY_PARTS}"),
        ("x = 1\n" * 200_000, "too large (1.146 MiB; the limit is 1 MiB)"),
    ],
    ids=["depth 17", "depth 600", "inline tables", "dotted key", "header", "inline key", "large"],
)
def test_a_scenario_too_deep_or_too_large_is_refused_before_parsing(tmp_path, extra, problem):
    path = tmp_path / "deep.toml"
    path.write_text(extra + DUEL.read_text(encoding="utf-8"), encoding="utf-8")
    refused(invoke("run", "--scenario", str(path)), f"{path}: ", problem)


def test_the_scan_ignores_brackets_dots_and_hashes_inside_strings_and_comments(tmp_path):
    tricky = (
        "# [[[[[[[[[[[[[[[[[[[[ a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r\n"
        'x = "[[[[[[[[[[[[[[[[[[[[ \\" a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r"\n'
        "y = '[[[[[[[[[[[[[[[[[[[[ a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r'\n"
        'z = """\n[[[[[[[[[[[[[[[[[[[[\na.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r"""\n'
        "w = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, "
        "16.5, 17.5, 18.5]\n"
    )
    assert toml_problem(tricky, 1 << 20) is None
    for name in builtin_scenarios():
        path = scenario_dir() / f"{name}.toml"
        assert toml_problem(path.read_text(encoding="utf-8"), 1 << 20) is None, name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"[x]\nfamily = 'greedy'\ny = {_deep_array(600)}\n", "nested more than"),
        ("a" + ".a" * 100_000 + " = 1\n", "a dotted key of more than"),
        ("# padding\n" * 120_000, "too large (over 1 MiB, the limit)"),
    ],
    ids=["deep", "dotted key", "large"],
)
def test_a_policies_file_too_deep_or_too_large_is_refused(tmp_path, text, problem):
    path = tmp_path / "policies.toml"
    path.write_text(text, encoding="utf-8")
    refused(invoke("policies", "--policies-file", str(path)), f"{path}: ", problem)


POLICY_FILE = """
from agents.idle import IdlePolicy


class Five(IdlePolicy):
    name = "five"
    roles = 5


class Nothing(IdlePolicy):
    name = "nothing"
    roles = None
"""


@pytest.mark.parametrize("cls", ["Five", "Nothing"])
def test_a_policy_whose_roles_is_not_a_tuple_gets_a_message(tmp_path, cls):
    path = tmp_path / "roles_pol.py"
    path.write_text(POLICY_FILE, encoding="utf-8")
    shown = {"Five": "5", "Nothing": "None"}[cls]
    msg = refused(
        invoke("run", "--scenario", "duel", "--quarters", "1", "--policy", f"OpenAI={path}:{cls}"),
        f"'roles' must be a tuple of roles such as ('lab', 'designer'), not {shown}",
    )
    assert f"--policy OpenAI={path}:{cls}:" in msg  # ':Five:' is not an emoji code
    refused(invoke("policies", "show", f"{path}:{cls}"), "'roles' must be a tuple")


def test_a_policy_file_that_exits_as_it_is_imported_gets_a_message(tmp_path):
    path = tmp_path / "exits_pol.py"
    path.write_text("raise SystemExit(3)\n", encoding="utf-8")
    for args in (
        ["run", "--scenario", "duel", "--policy", f"OpenAI={path}:X"],
        ["policies", "check", f"{path}:X"],
    ):
        refused(invoke(*args), f"{path}: exits as it is imported (SystemExit 3)")


def test_the_page_of_scenario_ranges_is_current():
    root = Path(__file__).resolve().parent.parent
    render = runpy.run_path(str(root / "scripts" / "scenario_fields_doc.py"))["render"]
    page = (root / "docs" / "SCENARIO_FIELDS.md").read_text(encoding="utf-8")
    assert page == render(), "run: python scripts/scenario_fields_doc.py > docs/SCENARIO_FIELDS.md"
