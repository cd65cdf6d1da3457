"""The engine's public API, second edition: layers, no hidden moves, explicit chance, plain data."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import math
import subprocess
import sys
import warnings
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from agents import new_game
from agents.basic import BasicPolicy
from game.chance import EventDraw
from game.decisions import Propose
from game.events import quarterly_probability
from game.legality import LegalDecisions
from game.log import GameLog, replay
from game.model import FabRaceModel
from game.observation import FrozenRules, Observation
from game.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


# ==================================================================== layers
def _imports(path: Path) -> list[str]:
    """Every module a file imports, wherever the import stands (TYPE_CHECKING blocks too)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def test_the_engine_imports_nothing_from_the_layers_above_it():
    above = ("agents", "ui", "tournament", "fabrace")
    offending = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in sorted((ROOT / "game").rglob("*.py"))
        for m in _imports(p)
        if m.split(".")[0] in above
    ]
    assert offending == []


def test_policies_import_nothing_from_the_ui_the_tournaments_or_the_cli():
    above = ("ui", "tournament", "fabrace")
    offending = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in sorted((ROOT / "agents").rglob("*.py"))
        for m in _imports(p)
        if m.split(".")[0] in above
    ]
    assert offending == []


def test_a_sandbox_process_starts_without_mesa_or_pandas():
    """What a sandbox process imports before a policy's own code (the registry, the policy
    base, the wire format) stays light: Mesa pulls in pandas and scipy, about a second of CPU
    for every sandboxed seat a game or a check starts."""
    code = (
        "import sys, agents.policy, agents.registry, agents.wire, game.decisions\n"
        "print(sorted(m for m in ('mesa', 'pandas', 'scipy', 'game.model', 'game.actors')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


def test_no_engine_or_policy_module_is_over_600_lines():
    long = [
        f"{p.relative_to(ROOT)}: {n}"
        for folder in ("game", "agents")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert long == []


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [("agents.actors", "game.actors", "Lab"), ("game.rules", "game.legality", "prepare")],
)
def test_moved_modules_still_import_with_a_warning_naming_the_new_place(old, new, name):
    import sys

    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mod = importlib.import_module(old)
    assert any(issubclass(w.category, DeprecationWarning) and new in str(w.message) for w in caught)
    assert getattr(mod, name) is getattr(importlib.import_module(new), name)


def test_a_game_needs_a_policy_for_every_seat_and_says_how_to_get_the_default_bots():
    with pytest.raises(ValueError, match=r"no policy for OpenAI.*agents\.new_game"):
        FabRaceModel("duel", seed=1, policies={"Nvidia": None})
    factory_calls = []

    def factory(name: str, role: str, policy_name: str) -> Any:
        factory_calls.append((name, role, policy_name))
        return BasicPolicy()

    m = FabRaceModel("duel", seed=1, policies={"OpenAI": None}, policy_factory=factory)
    assert [c[0] for c in factory_calls] == ["Nvidia", "TSMC", "MGX"]
    assert m.policy_label("OpenAI") == "external" and m.policy_label("Nvidia") == "basic"


def test_new_game_seats_named_policies_and_the_scenarios_bots_elsewhere():
    m = new_game("duel", seed=1, policies={"OpenAI": None, "TSMC": "greedy"})
    assert [m.policy_label(n) for n in ("OpenAI", "Nvidia", "TSMC", "MGX")] == [
        "external",
        "basic",
        "greedy",
        "basic",
    ]


# ==================================================================== no hidden moves
def test_building_a_game_plays_nothing():
    spec = load_scenario("baseline-2024")
    records: list[dict[str, Any]] = []
    m = new_game(spec, seed=1, recorder=records.append)
    assert len(m.contracts) == len(spec.contracts) == 1
    assert records == [] and m.news == [] and not m.negotiation.open_offers()
    assert m.counters.values == {} and not m.quarter_open and m.quarter_index == 0


def test_decisions_wait_for_the_quarter_to_open():
    m = new_game("duel", seed=1, policies={"OpenAI": None})
    offer = Propose("MGX", "equity", {"amount": 1.0, "stake": 0.01})
    assert "not open yet" in (m.check("OpenAI", offer) or "")
    assert not m.submit("OpenAI", offer).ok
    assert m.open_quarter() is True and m.open_quarter() is False  # opens once
    assert m.check("OpenAI", offer) is None


def test_submit_applies_one_decision_and_the_direct_answer_nothing_else():
    m = new_game("baseline-2024", seed=3, policies={"OpenAI": None})
    m.open_quarter()
    before = {o.id: (o.status, o.proposer, o.recipient) for o in m.negotiation.offers.values()}
    contracts_before = set(m.contracts)
    out = m.submit("OpenAI", Propose("MGX", "equity", {"amount": 2.0, "stake": 0.01}))
    assert out.ok
    after = {o.id: (o.status, o.proposer, o.recipient) for o in m.negotiation.offers.values()}
    # Offers that existed are untouched; the new ones are OpenAI's offer and at most MGX's counter.
    assert {k: v for k, v in after.items() if k in before} == before
    new = {k: v for k, v in after.items() if k not in before}
    assert set(new) <= {out.offer_id, out.offer_id + 1}
    assert all({"OpenAI", "MGX"} == {v[1], v[2]} for v in new.values())
    assert m.offer(out.offer_id)["status"] != "open"  # MGX answered at once
    assert {c for c in m.contracts if c not in contracts_before} <= {
        c.id for c in m.contracts.values() if set(c.parties()) == {"OpenAI", "MGX"}
    }


def test_step_opens_the_quarter_if_needed_and_leaves_the_next_one_closed():
    m = new_game("duel", seed=2)
    m.step()
    assert m.quarter_index == 1 and not m.quarter_open
    m.open_quarter()
    assert m.quarter_open
    m.step()
    assert m.quarter_index == 2


# ==================================================================== explicit chance
def test_event_odds_are_the_decks_quarterly_odds_with_their_targets():
    m = new_game("baseline-2024", seed=1)
    odds = m.event_odds()
    assert [o["kind"] for o in odds] == [c.kind for c in m.spec.events]
    for o, card in zip(odds, m.spec.events, strict=True):
        if o["targets"] or card.kind not in ("gulf_licence",):
            assert o["probability"] == pytest.approx(quarterly_probability(card.p_year))
        assert math.fsum(o["signs"].values()) == pytest.approx(1.0)
        if o["targets"]:
            assert math.fsum(o["targets"].values()) == pytest.approx(1.0)
    shock = next(o for o in odds if o["kind"] == "demand_shock")
    assert shock["signs"] == {1: 0.5, -1: 0.5}


def test_step_with_events_plays_exactly_those_events_and_the_log_replays_them(tmp_path):
    path = tmp_path / "chosen.jsonl"
    log = GameLog(path)
    m = new_game("duel", seed=4, quarters=4, recorder=log.write)
    log.header(m.spec, 4, m.n_quarters, {a.name: m.policy_label(a.name) for a in m.actor_list})
    m.step(events=[])
    assert m.event_log == []
    m.step(events=["taiwan_earthquake", {"kind": "demand_shock", "magnitude": -0.2}])
    assert [(e["quarter"], e["kind"]) for e in m.event_log] == [
        ("2024Q2", "taiwan_earthquake"),
        ("2024Q2", "demand_shock"),
    ]
    assert m.event_log[1]["magnitude"] == -0.2
    m.run()
    log.close(m)
    report = replay(path)
    assert report.same, report.detail


def test_chosen_events_leave_the_dice_of_other_quarters_as_they_were():
    drawn = new_game("duel", seed=9)
    drawn.step()
    chosen = new_game("duel", seed=9)
    chosen.step(events=["subsidy"])
    assert drawn.rng_events.bit_generator.state == chosen.rng_events.bit_generator.state


@pytest.mark.parametrize(
    ("events", "says"),
    [
        (["volcano"], "unknown event kind 'volcano'"),
        ([{"kind": "competitor_leapfrog", "target": "OpenAI"}], "not eligible"),
        ([{"kind": "drought", "target": "TSMC"}], "not aimed at an actor"),
        ([{"kind": "drought", "magnitude": math.inf}], "finite number"),
        ([{"kind": "drought", "when": 3}], "unknown field"),
        ("drought", "a list"),
    ],
)
def test_bad_chosen_events_are_refused_with_a_reason_and_change_nothing(events, says):
    m = new_game("duel", seed=1)
    digest = m.digest()
    with pytest.raises(ValueError, match=says):
        m.step(events=events)
    assert m.digest() == digest and not m.quarter_open


def test_events_for_a_quarter_already_open_are_refused():
    m = new_game("duel", seed=1)
    m.open_quarter()
    with pytest.raises(ValueError, match="already out"):
        m.step(events=[])


def test_an_event_draw_reads_back_from_its_record():
    d = EventDraw("blockade", None, 0.9, 3)
    m = new_game("duel", seed=1)
    m.step(events=[d.to_json()])
    assert m.event_log[0]["kind"] == "blockade" and m.event_log[0]["duration"] == 3


# ==================================================================== plain-data observations
_ALLOWED = (str, int, float, bool, type(None))


def _leaves(x: Any, path: str, out: list[str]) -> None:
    """Collect the paths of values in an observation that are not plain read-only data."""
    if isinstance(x, _ALLOWED):
        return
    if isinstance(x, MappingProxyType | FrozenRules):
        for k, v in x.items():
            _leaves(k, f"{path}[key]", out)
            _leaves(v, f"{path}[{k!r}]", out)
    elif isinstance(x, tuple):
        for i, v in enumerate(x):
            _leaves(v, f"{path}[{i}]", out)
    elif isinstance(x, LegalDecisions):
        for f in dataclasses.fields(x):
            _leaves(getattr(x, f.name), f"{path}.{f.name}", out)
    else:
        out.append(f"{path}: {type(x).__name__}")


def test_an_observation_is_plain_data_with_no_way_back_to_the_game():
    m = new_game("baseline-2024", seed=5)
    for _ in range(6):
        m.step()
    m.open_quarter()
    for name in ("OpenAI", "Nvidia", "TSMC", "MGX"):
        obs = m.observe(name)
        bad: list[str] = []
        for f in dataclasses.fields(Observation):
            _leaves(getattr(obs, f.name), f.name, bad)
        assert bad == []


def test_an_observation_carries_what_policies_used_to_copy_from_the_engine():
    m = new_game("baseline-2024", seed=1)
    m.step(events=[{"kind": "subsidy", "magnitude": 0.25}, "grid_delay"])
    m.open_quarter(events=[])
    obs = m.observe("TSMC")
    assert obs.free_capacity["TSMC"] == pytest.approx(m.uncommitted_capacity("TSMC"))
    assert obs.fab_capex("N3", "us", 10.0) == pytest.approx(m.fab_capex("N3", "us", 10.0))
    assert obs.fab_capex("N3", "us", 10.0) < obs.fab_capex("N3", "taiwan", 10.0) * 1.5
    assert obs.modifiers["us_capex"] == pytest.approx(0.75)
    assert obs.fab_build_quarters("us") == m.build_quarters("us") + m.modifiers.build_delay
    assert {e["kind"] for e in obs.events} >= {"subsidy"}
    assert obs.market_params["gpu_elasticity"] == m.spec.market.gpu_elasticity
    assert obs.rules.action_budget == m.rules.action_budget
    with pytest.raises(AttributeError):
        obs.rules.action_budget = 99  # type: ignore[misc]
