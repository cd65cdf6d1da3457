"""Scenarios: every built-in one plays; every kind of bad file gets one clear message.

A bad scenario must raise :class:`ScenarioError` whose message reads ``FILE: FIELD: PROBLEM``, with
the field spelled as a user finds it in the file (``actors[2].cash``, ``contracts[0].parties[1]``),
so that a modder can fix the file without reading a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from agents import new_game
from game.events import GULF_COUNTRIES
from game.scenario import ScenarioError, builtin_scenarios, load_scenario, scenario_dir

DUEL = (scenario_dir() / "duel.toml").read_text(encoding="utf-8")
CAPACITY = "terms = { wafers = 5.0, quarters = 4, price = 17.0, prepay = 0.0 }\n"


def edited(*pairs: tuple[str, str], text: str = DUEL) -> str:
    """``text`` with each ``old`` replaced by ``new`` once; fails if ``old`` is not there."""
    for old, new in pairs:
        assert old in text, f"the test's base scenario has no {old!r}"
        text = text.replace(old, new, 1)
    return text


def contract(kind: str, parties: str, terms: str = CAPACITY) -> str:
    return DUEL + f'\n[[contracts]]\nkind = "{kind}"\nparties = {parties}\n{terms}'


def without_actor(name: str) -> str:
    blocks = DUEL.split("[[actors]]\n")
    kept = [b for b in blocks if not b.startswith(f'name = "{name}"')]
    assert len(kept) == len(blocks) - 1
    return "[[actors]]\n".join(kept)


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


# -- the built-in scenarios -------------------------------------------------------------------


def test_the_built_in_scenarios_are_listed():
    assert {"baseline-2024", "duel", "crowded"} <= set(builtin_scenarios())


@pytest.mark.parametrize("name", builtin_scenarios())
def test_every_built_in_scenario_loads_and_plays_a_short_game(name):
    spec = load_scenario(name)
    assert spec.name == name
    assert Path(spec.source) == scenario_dir() / f"{name}.toml"
    model = new_game(spec, seed=1, quarters=3)
    model.run()
    result = model.result()
    assert result["finished"] and result["quarters"] == 3
    assert [a["name"] for a in result["actors"]] == [a.name for a in spec.actors]
    assert all(math.isfinite(a["score"]) for a in result["actors"])
    assert result["totals"]["faults"] == 0
    assert not [a["name"] for a in result["actors"] if a["insolvent"]]


def test_crowded_has_the_cast_of_a_scale_test():
    spec = load_scenario("crowded")
    by_role: dict[str, list] = {}
    for a in spec.actors:
        by_role.setdefault(a.role, []).append(a)
    assert {r: len(v) for r, v in by_role.items()} == {
        "lab": 5,
        "designer": 3,
        "foundry": 3,
        "investor": 20,
    }
    assert (spec.start, spec.quarters) == ("2024Q1", 40)
    # one outside market split between the designers, and one between the foundries
    assert 0.9 <= sum(d.market_share for d in by_role["designer"]) <= 1.0
    assert 0.9 <= sum(f.market_share for f in by_role["foundry"]) <= 1.0
    # Gulf funds are spelled as the events know them (a Gulf export licence must find them)
    countries = {i.name: i.country for i in by_role["investor"]}
    for fund in ("MGX", "PIF", "QIA", "KIA", "ADIA", "Mubadala"):
        assert countries[fund] in GULF_COUNTRIES, fund
    assert 5 <= sum(c in GULF_COUNTRIES for c in countries.values()) < 20
    baseline = load_scenario("baseline-2024")
    assert spec.events == baseline.events


def test_crowded_starting_figures_keep_everyone_solvent_for_two_years():
    model = new_game(load_scenario("crowded"), seed=1, quarters=8)
    model.run()
    assert not [a.name for a in model.actor_list if a.insolvent or a.cash < 0]
    assert model.result()["totals"]["faults"] == 0


def test_whole_numbers_are_accepted_where_decimals_are_expected(tmp_path):
    path = tmp_path / "ints.toml"
    path.write_text(edited(("cash = 30.0", "cash = 30"), ("capacity = 60.0", "capacity = 60")))
    spec = load_scenario(path)
    assert spec.actors[2].cash == 30.0
    assert spec.source == str(path)
    assert spec.digest != load_scenario("duel").digest


# -- bad files: one message naming the file, the field and the problem -------------------------

BAD_FILES = {
    "unknown top-level key": (
        'colour = "red"\n' + DUEL,
        "colour",
        "unknown key",
    ),
    "unknown key in [scenario]": (
        edited(("[scenario]\n", "[scenario]\nbogus = 3\n")),
        "bogus",
        "unknown key",
    ),
    "unknown table": (DUEL + "\n[weather]\nrain = 1\n", "weather", "unknown key"),
    "unknown actor key": (
        edited(("fixed_opex = 0.8\n", "fixed_opex = 0.8\nshoe_size = 3\n")),
        "actors[0].shoe_size",
        "unknown key",
    ),
    "unknown fab key": (
        edited(("age = 12\n", "age = 12\ncolour = 1\n")),
        "actors[2].fabs[0].colour",
        "unknown key",
    ),
    "missing required key": (
        edited(("revenue_run_rate = 2.0\n", "")),
        "actors[0].revenue_run_rate",
        "missing required key",
    ),
    "text for a number": (
        edited(("cash = 30.0", 'cash = "lots"')),
        "actors[2].cash",
        "must be a number (got 'lots')",
    ),
    "quoted number": (
        edited(("cash = 30.0", 'cash = "30"')),
        "actors[2].cash",
        "must be a number (got '30')",
    ),
    "boolean for a number": (
        edited(("cash = 30.0", "cash = true")),
        "actors[2].cash",
        "must be a number (got true)",
    ),
    "text for a flag": (
        edited(("inflow = 0.5\n", 'inflow = 0.5\nlicence = "yes"\n')),
        "actors[3].licence",
        "must be true or false",
    ),
    "fraction for a count": (
        edited(("quarters = 12", "quarters = 12.5")),
        "quarters",
        "must be a whole number (got 12.5)",
    ),
    "number for a list": (
        'actors = 3\n[scenario]\nname = "x"\n',
        "actors",
        "must be a list (got 3)",
    ),
    "negative cash": (
        edited(("cash = 30.0", "cash = -5.0")),
        "actors[2].cash",
        "must be a number from 0 to 100000 (got -5.0)",
    ),
    "negative fab capacity": (
        edited(("capacity = 60.0", "capacity = -60.0")),
        "actors[2].fabs[1].capacity",
        "must be a number from 0.1 to 100000 (got -60.0)",
    ),
    "negative packaging capacity": (
        edited(("packaging_capacity = 20.0", "packaging_capacity = -1.0")),
        "actors[2].packaging_capacity",
        "must be a number from 0 to 100000 (got -1.0)",
    ),
    "share above 1": (
        edited(("market_share = 0.8", "market_share = 1.5")),
        "actors[1].market_share",
        "must be a number from 0 to 1 (got 1.5)",
    ),
    "unknown role": (
        edited(('role = "foundry"', 'role = "bank"')),
        "actors[2].role",
        "unknown role 'bank' (roles: lab, designer, foundry, investor)",
    ),
    "missing role": (
        edited(('role = "foundry"\n', "")),
        "actors[2].role",
        "missing required key",
    ),
    "bad actor name": (
        edited(('name = "MGX"', 'name = "!MGX"')),
        "actors[3].name",
        "must start with a letter or digit",
    ),
    "duplicate actor names": (
        edited(('name = "MGX"', 'name = "Nvidia"')),
        "actors[3].name",
        "duplicate actor name 'Nvidia'",
    ),
    "no foundry": (without_actor("TSMC"), "actors", "at least one actor of role 'foundry'"),
    "starting compute from a non-designer": (
        edited(('compute_vendor = "Nvidia"', 'compute_vendor = "TSMC"')),
        "actors[0].compute_vendor",
        "'TSMC' is not a designer",
    ),
    "contract naming an unknown actor": (
        contract("capacity", '["Nvidia", "Nobody"]'),
        "contracts[0].parties[1]",
        "unknown actor 'Nobody' (actors: OpenAI, Nvidia, TSMC, MGX)",
    ),
    "contract parties of the wrong roles": (
        contract("capacity", '["MGX", "TSMC"]'),
        "contracts[0].parties",
        "needs a buyer (designer or lab) and a foundry (foundry); MGX is an investor",
    ),
    "contract parties in the wrong order": (
        contract("capacity", '["TSMC", "Nvidia"]'),
        "contracts[0].parties",
        "must be Nvidia, not TSMC; swap the parties",
    ),
    "contract with one party": (
        contract("capacity", '["Nvidia"]'),
        "contracts[0].parties",
        "must be a list of two actor names",
    ),
    "contract with no parties": (
        contract("capacity", "[]"),
        "contracts[0].parties",
        "must be a list of two actor names",
    ),
    "contract of an unknown kind": (
        contract("marriage", '["Nvidia", "TSMC"]'),
        "contracts[0].kind",
        "'capacity'",
    ),
    "negative contract term": (
        contract(
            "capacity", '["Nvidia", "TSMC"]', CAPACITY.replace("wafers = 5.0", "wafers = -5.0")
        ),
        "contracts[0].terms",
        "term 'wafers' of a capacity deal must be > 0",
    ),
    "contract prepayment above 1": (
        contract(
            "capacity", '["Nvidia", "TSMC"]', CAPACITY.replace("prepay = 0.0", "prepay = 1.5")
        ),
        "contracts[0].terms",
        "'prepay'",
    ),
    "missing contract term": (
        contract("capacity", '["Nvidia", "TSMC"]', CAPACITY.replace(", prepay = 0.0", "")),
        "contracts[0].terms",
        "missing term 'prepay'",
    ),
    "unknown contract term": (
        contract("capacity", '["Nvidia", "TSMC"]', CAPACITY.replace(" }", ", colour = 1 }")),
        "contracts[0].terms",
        "unknown term 'colour'",
    ),
    "contract already served": (
        contract("capacity", '["Nvidia", "TSMC"]', CAPACITY + "quarters_done = 4\n"),
        "contracts[0].quarters_done",
        "less than the contract's 4 quarters",
    ),
    "unknown event kind": (
        edited(('kind = "taiwan_earthquake"', 'kind = "alien_invasion"')),
        "events[0].kind",
        "unknown event kind 'alien_invasion' (known: taiwan_earthquake,",
    ),
    "event probability above 1": (
        edited(("p_year = 0.2\n", "p_year = 2.0\n")),
        "events[1].p_year",
        "must be a number from 0 to 1 (got 2.0)",
    ),
    "start quarter 5": (
        edited(('start = "2024Q1"', 'start = "2024Q5"')),
        "start",
        "must be a quarter such as 2024Q1",
    ),
    "start not a quarter": (
        edited(('start = "2024Q1"', 'start = "spring"')),
        "start",
        "must be a quarter such as 2024Q1 (a year, 'Q' and 1 to 4) (got 'spring')",
    ),
    "no quarters": (
        edited(("quarters = 12", "quarters = 0")),
        "quarters",
        "must be a whole number from 1 to 400 (got 0)",
    ),
}


@pytest.mark.parametrize(("text", "field", "problem"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_gets_one_message_naming_the_file_the_field_and_the_problem(
    tmp_path, text, field, problem
):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    msg = load_error(path)
    assert "\n" not in msg, msg
    assert msg.startswith(f"{path}: {field}: "), msg
    assert problem in msg, msg
    assert "Input should" not in msg and "Value error" not in msg, msg


def test_several_problems_are_listed_in_one_message(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    lines = load_error(path).splitlines()
    assert lines[0] == f"{path}: 2 problems"
    assert lines[1:] == [
        f"  {path}: name: missing required key",
        f"  {path}: actors: missing required key",
    ]


def test_invalid_toml_names_the_file_and_where(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(DUEL + "\n[[actors]\n", encoding="utf-8")
    msg = load_error(path)
    n = DUEL.count("\n") + 2
    assert msg.startswith(f"{path}: invalid TOML: "), msg
    assert f"line {n}" in msg, msg


def test_a_file_that_is_not_utf8_is_refused_as_not_text(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"# caf\xe9\n" + DUEL.encode())
    assert load_error(path) == f"{path}: not a text file (UTF-8 TOML expected)"


def test_a_missing_file_is_named(tmp_path):
    path = tmp_path / "nowhere.toml"
    assert load_error(path) == f"{path}: no such scenario file"


def test_an_unknown_built_in_name_lists_the_built_ins():
    with pytest.raises(ScenarioError) as info:
        load_scenario("no-such-scenario")
    msg = str(info.value)
    assert msg.startswith("no-such-scenario: unknown scenario (built-in: ")
    for name in builtin_scenarios():
        assert name in msg


def test_a_folder_is_not_a_scenario(tmp_path):
    folder = tmp_path / "scenarios.toml"
    folder.mkdir()
    assert load_error(tmp_path) == f"{tmp_path}: is a folder, not a scenario file"
    assert load_error(folder) == f"{folder}: is a folder, not a scenario file"


# ==================================================================== scheduled events, extends
def test_a_scheduled_event_fires_in_its_quarter_in_every_seed_and_nowhere_else(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(
        DUEL + '\n[[events]]\nkind = "blockade"\nat = "2024Q3"\nduration = 2\nmagnitude = 0.5\n',
        encoding="utf-8",
    )
    for seed in (1, 2, 3):
        m = new_game(str(f), seed=seed)
        odds = {o["kind"]: o for o in m.event_odds() if o["scheduled"]}
        assert odds["blockade"]["probability"] == 0.0
        m.run()
        fired = [(e["quarter"], e["magnitude"]) for e in m.event_log if e["kind"] == "blockade"]
        assert fired == [("2024Q3", 0.5)]


def test_a_scheduled_event_does_not_change_the_random_draws_of_the_deck(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(DUEL + '\n[[events]]\nkind = "subsidy"\nat = "2024Q2"\n', encoding="utf-8")
    plain, scheduled = new_game("duel", seed=4), new_game(str(f), seed=4)
    plain.run()
    scheduled.run()
    drawn = [
        e for e in scheduled.event_log if not (e["kind"] == "subsidy" and e["quarter"] == "2024Q2")
    ]
    assert [e["kind"] for e in drawn] == [e["kind"] for e in plain.event_log]


@pytest.mark.parametrize(
    ("card", "says"),
    [
        ('kind = "blockade"\nat = "2031Q1"', "events[0].at: 2031Q1 is not within the game"),
        ('kind = "blockade"\nat = "soon"', "events[0].at: must be a quarter"),
        ('kind = "blockade"\nat = "2024Q2"\ntarget = "OpenAI"', "is not aimed at an actor"),
        (
            'kind = "competitor_leapfrog"\nat = "2024Q2"\ntarget = "TSMC"',
            "'TSMC' is not a designer",
        ),
    ],
)
def test_a_bad_scheduled_event_names_the_field(tmp_path, card, says):
    text = DUEL.split("[[events]]")[0] + "\n[[events]]\n" + card + "\n"
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=says.replace("[", r"\[").replace("]", r"\]")):
        load_scenario(str(f))


def test_a_scenario_extends_another_changing_only_what_it_gives(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(
        '[scenario]\nextends = "baseline-2024"\nname = "mine"\nquarters = 8\n'
        "[market]\ngpu_elasticity = 1.5\n"
        '[[actors]]\nname = "OpenAI"\ncash = 50.0\n'
        '[[events]]\nkind = "blockade"\nat = "2025Q1"\n',
        encoding="utf-8",
    )
    base, mine = load_scenario("baseline-2024"), load_scenario(str(f))
    assert (mine.name, mine.quarters, mine.market.gpu_elasticity) == ("mine", 8, 1.5)
    assert mine.market.gpu_demand == base.market.gpu_demand
    lab = next(a for a in mine.actors if a.name == "OpenAI")
    assert (
        lab.cash == 50.0
        and lab.compute == next(a for a in base.actors if a.name == "OpenAI").compute
    )
    assert [a.name for a in mine.actors] == [a.name for a in base.actors]
    assert mine.events[: len(base.events)] == base.events and mine.events[-1].at == "2025Q1"
    assert mine.digest != base.digest


def test_taiwan_crisis_is_the_baseline_with_a_blockade_in_2027():
    crisis, base = load_scenario("taiwan-crisis"), load_scenario("baseline-2024")
    assert crisis.actors == base.actors and crisis.market == base.market
    extra = crisis.events[len(base.events) :]
    assert [(e.kind, e.at) for e in extra] == [("blockade", "2027Q1")]


def test_a_scenario_that_extends_itself_or_nothing_is_refused(tmp_path):
    f = tmp_path / "loop.toml"
    f.write_text('[scenario]\nextends = "loop.toml"\nname = "loop"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(str(f))
    g = tmp_path / "nothing.toml"
    g.write_text('[scenario]\nextends = "no-such-world"\nname = "x"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="extends: no-such-world: unknown scenario"):
        load_scenario(str(g))
