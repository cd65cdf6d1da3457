"""The browser game's components, rendered in-process (``solara.render``; no browser, no server).

Clicks go through the widgets (``rc.find(...).widget.click()``), form fields are typed into by
setting the widgets' values, as the browser would. What the game is, is checked through the
session (its model's digest before and after): bad input must leave the game unchanged.
"""

from __future__ import annotations

import threading
import time

import ipycytoscape
import ipyvuetify as v
import pytest
import solara
from matplotlib.figure import Figure

import ui.charts
from game.decisions import Propose
from game.log import StepReplay, replay
from tests.ui_render import click, rendered_pages
from ui import app
from ui.graph import GraphWidget
from ui.replay import load_replay
from ui.session import GameSession, ReplaySession, bot_choices
from ui.spectator import play_tick
from ui.start import SPECTATOR
from ui.ticker import tick

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def ui_page():
    """A rendered Page (start screen) and a helper to close it."""
    yield from rendered_pages()


# -- helpers -------------------------------------------------------------------------------------


def end_button(rc):
    """The End quarter button's widget, if the page shows one."""
    import ipyvue

    found = [w for w in rc.find(ipyvue.VueTemplate).widgets if hasattr(w, "vue_end")]
    return found[0] if found else None


def descendants(roots) -> list:
    """Every widget under ``roots`` (``rc.find`` does not look inside a widget it matched)."""
    out, todo = [], list(roots)
    while todo:
        w = todo.pop()
        out.append(w)
        todo.extend(c for c in (getattr(w, "children", None) or []) if not isinstance(c, str))
    return out


def card_button(rc, oid: int, label: str):
    """The button ``label`` of the inbox card of offer ``oid`` (bots may have offered more)."""
    import ipywidgets

    cards = [
        w
        for w in descendants(rc.find(ipywidgets.Widget).widgets)
        if f"fr-offer-{oid}" in (getattr(w, "class_", "") or "").split()
    ]
    assert len(cards) == 1, f"no card for offer {oid}"
    for w in descendants(cards):
        if isinstance(w, v.Btn) and w.children == [label]:
            return w
    raise AssertionError(f"no {label!r} on offer {oid}")


def eventually(cond, seconds: float = 10.0) -> None:
    """Wait until ``cond()`` holds (clicks render at once; this only guards against a render
    started elsewhere, e.g. by solara's own threads)."""
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {cond}")
        time.sleep(0.02)


def texts(rc) -> list[str]:
    """The text of every heading and solara.Text (vuetify Html widgets)."""
    return [c for w in rc.find(v.Html).widgets for c in (w.children or []) if isinstance(c, str)]


def html(rc) -> str:
    """All the text shown, with the raw HTML of solara.HTML widgets, joined."""
    raw = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    return "\n".join([*texts(rc), *raw])


def alerts(rc) -> list[str]:
    return [" ".join(str(c) for c in w.children) for w in rc.find(v.Alert).widgets]


def errors(rc) -> list[str]:
    return [
        " ".join(str(c) for c in w.children)
        for w in rc.find(v.Alert).widgets
        if w.type in ("error", "warning")
    ]


def field(rc, label_start: str):
    label_start = label_start.replace("_", " ")  # labels say "partner capex share (...)"
    for w in rc.find(v.TextField).widgets:
        if (w.label or "").startswith(label_start):
            return w
    raise AssertionError(f"no field {label_start!r}")


def select(rc, label: str, value) -> None:
    rc.find(v.Select, label=label).widget.v_model = value


def session_of(rc) -> GameSession:
    """The game of a rendered page (found through the graph widget it draws)."""
    w = rc.find(ipycytoscape.CytoscapeWidget).widget
    for g in _graphs:
        if g.widget is w:
            return g.session
    raise AssertionError("no graph")


_graphs: list[GraphWidget] = []
_init = GraphWidget.__init__


def _tracking_init(self, *a, **k):
    _init(self, *a, **k)
    _graphs.append(self)


GraphWidget.__init__ = _tracking_init  # type: ignore[method-assign]


def start(rc, scenario="duel", seat="OpenAI", seed="1"):
    select(rc, "Scenario", scenario)
    select(rc, "Play as", seat)
    field(rc, "Seed").v_model = seed
    click(rc, "Start game")


def quarter_shown(rc) -> str:
    return rc.find(v.Html, class_="fr-quarter").widget.children[0]


# -- start screen --------------------------------------------------------------------------------


def test_start_screen_offers_scenarios_seats_bots_seed_and_how_to_play(ui_page):
    rc = ui_page()
    assert set(rc.find(v.Select, label="Scenario").widget.items) >= {"duel", "baseline-2024"}
    # the real world first, with its story
    assert rc.find(v.Select, label="Scenario").widget.v_model == "baseline-2024"
    assert "OpenAI" in rc.find(v.Select, label="Play as").widget.items
    assert "trillion-dollar" in html(rc)
    select(rc, "Scenario", "duel")
    seats = rc.find(v.Select, label="Play as").widget.items
    assert seats == ["OpenAI", "Nvidia", "TSMC", "MGX", SPECTATOR]
    # the bots' seats, defaulting to the scenario's policy
    assert rc.find(v.Select, label="Nvidia (chip designer)").widget.v_model == "basic"
    assert "How to play" in texts(rc)
    assert "Your goal as AI lab" in html(rc)
    select(rc, "Play as", "TSMC")
    assert "Your goal as foundry" in html(rc)
    rc.find(v.Btn, children=["Start game"]).assert_single()
    rc.find(v.Btn, children=["Load log"]).assert_empty()  # Load log is a file input, see below


def test_policy_choices_are_names_only_and_a_file_spec_is_refused():
    for role in ("lab", "designer", "foundry", "investor"):
        names = bot_choices(role)
        assert "historical" in names
        assert not any(":" in n or n.endswith(".py") for n in names)
    with pytest.raises(ValueError, match="unknown policy"):
        GameSession("duel", seat="OpenAI", bots={"Nvidia": "examples/my_policies.py:Bold"})


def test_bad_seed_gives_a_message_and_no_game(ui_page):
    rc = ui_page()
    field(rc, "Seed").v_model = "abc"
    click(rc, "Start game")
    assert any("seed" in e for e in errors(rc))
    rc.find(ipycytoscape.CytoscapeWidget).assert_empty()
    field(rc, "Seed").v_model = "-4"
    click(rc, "Start game")
    assert any("whole number" in e for e in errors(rc))


# -- a game --------------------------------------------------------------------------------------


def test_game_page_has_every_section_and_the_quarter(ui_page):
    rc = ui_page()
    start(rc)
    assert quarter_shown(rc) == "2024Q1"
    heads = texts(rc)
    for h in (
        "Partnership graph",
        "Your books",
        "Inbox",
        "Deal builder",
        "Moves",
        "News",
        "Charts",
    ):
        assert h in heads, h
    rc.find(v.Btn, children=["Send offer"]).assert_single()
    assert end_button(rc) is not None
    rc.find(ipycytoscape.CytoscapeWidget).assert_single()
    assert "fr-graph" in rc.find(ipycytoscape.CytoscapeWidget).widget._dom_classes
    click(rc, "End quarter")
    eventually(lambda: quarter_shown(rc) == "2024Q2")


def test_two_pages_are_two_games(ui_page):
    a, b = ui_page(), ui_page()
    start(a)
    start(b)
    sa, sb = session_of(a), session_of(b)
    assert sa is not sb and sa.model is not sb.model
    click(a, "End quarter")
    click(a, "End quarter")
    eventually(lambda: quarter_shown(a) == "2024Q3")
    assert quarter_shown(b) == "2024Q1"
    assert sb.quarter_index == 0


def test_a_whole_duel_is_twelve_end_quarters_then_the_scorecard(ui_page):
    rc = ui_page()
    start(rc)
    for _ in range(12):
        click(rc, "End quarter")
    s = session_of(rc)
    assert s.finished
    eventually(lambda: "Scorecard" in texts(rc))
    shown = html(rc)
    assert "Your rank: " in shown
    for name in ("OpenAI", "Nvidia", "TSMC", "MGX"):
        assert name in shown
    assert end_button(rc).disabled
    download = [w for w in rc.find(v.Btn).widgets if "Download log" in str(w.children)]
    assert download
    log = s.log_text()
    assert log.count("\n") > 12 and '"type":"end"' in log


def test_the_deal_builder_previews_then_sends_and_shows_the_answer(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    select(rc, "Deal kind", "loan")
    select(rc, "To", "MGX")
    field(rc, "principal").v_model = "3"
    field(rc, "rate").v_model = "0.08"
    field(rc, "quarters").v_model = "8"
    assert any(a.startswith("valid: worth $3.00B") for a in alerts(rc))
    before = s.model.digest()
    click(rc, "Send offer")
    answer = [a for a in alerts(rc) if a.startswith("Offer #")]
    assert answer and ("MGX" in answer[0]), alerts(rc)
    assert s.model.digest() != before  # an offer was made (and answered)


BAD_DEALS = [
    ("loan", "MGX", {"principal": ""}, "principal: enter a number"),
    ("loan", "MGX", {"principal": "-3"}, "principal"),
    ("loan", "MGX", {"principal": "lots"}, "is not a number"),
    ("equity", "MGX", {"stake": "0.9"}, "stake"),
    ("loan", "MGX", {"quarters": "2.5"}, "quarters"),
    ("joint_venture", "TSMC", {"partner_capex_share": "1.5"}, "partner capex share must be"),
    ("joint_venture", "TSMC", {"partner_output_share": "-0.1"}, "partner output share must"),
    ("supply", "MGX", {}, "MGX"),  # a fund cannot sell accelerators
    ("loan", "Nvidia", {}, "Nvidia"),  # nor lend a chip designer's money
]


@pytest.mark.parametrize(("kind", "to", "terms", "says"), BAD_DEALS)
def test_bad_deal_input_gives_a_message_and_leaves_the_game_unchanged(
    ui_page, kind, to, terms, says
):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    select(rc, "Deal kind", kind)
    select(rc, "To", to)
    for name, text in terms.items():
        field(rc, name).v_model = text
    before = s.model.digest()
    assert any(e.startswith("Not valid") and says in e for e in errors(rc)), errors(rc)
    click(rc, "Send offer")
    assert any(says in e for e in errors(rc) if not e.startswith("Not valid")), errors(rc)
    assert s.model.digest() == before
    assert s.proposals_left() == 3


def test_answers_stay_until_the_quarter_ends(ui_page):
    rc = ui_page()
    start(rc)
    select(rc, "Deal kind", "loan")
    select(rc, "To", "MGX")
    click(rc, "Send offer")
    click(rc, "Buy spot GPUs")
    shown = alerts(rc)
    assert any(a.startswith("Offer #") for a in shown)
    assert any(a.startswith("Buy spot GPUs: ") for a in shown), shown
    click(rc, "End quarter")
    shown = alerts(rc)
    assert not any(a.startswith(("Offer #", "Buy spot GPUs")) for a in shown), shown


def test_a_log_with_markup_for_a_name_is_refused_and_page_text_is_escaped():
    import json

    from ui.common import esc, table

    text, _ = _played_log(quarters=1)
    header = json.loads(text.splitlines()[0])
    header["spec"]["actors"][0]["name"] = "<img src=x onerror=alert(1)>"
    session, err = load_replay({"name": "x.jsonl", "text": json.dumps(header) + "\n"})
    assert session is None and "actors[0].name" in err
    assert esc("<b>") == "&lt;b&gt;"
    _box, rc = solara.render(table(["h"], [["<script>x</script>"]]), handle_error=False)
    try:
        assert "<script>" not in rc.find(solara.widgets.HTML).widget.unsafe_innerHTML
    finally:
        rc.close()


def test_clicking_an_actor_on_the_graph_opens_the_deal_builder_on_it(ui_page):
    rc = ui_page()
    start(rc)
    graph = next(g for g in _graphs if g.session is session_of(rc))
    graph._clicked({"data": {"id": "TSMC"}})
    assert rc.find(v.Select, label="To").widget.v_model == "TSMC"
    # the kind follows to one TSMC can take from a lab
    assert rc.find(v.Select, label="Deal kind").widget.v_model in ("capacity", "joint_venture")
    graph._clicked({"data": {"id": "MGX"}})
    assert rc.find(v.Select, label="To").widget.v_model == "MGX"
    assert rc.find(v.Select, label="Deal kind").widget.v_model in ("equity", "loan")


def test_the_graph_changes_only_what_moved(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    graph = next(g for g in _graphs if g.session is s)
    n = graph.updates
    select(rc, "Deal kind", "loan")  # a re-render that changes nothing in the game
    assert graph.updates == n
    s.propose("MGX", "loan", {"principal": "2", "rate": "0.08", "quarters": "8"})
    click(rc, "End quarter")
    eventually(lambda: graph.updates == n + 1)
    assert len(graph.edges) >= 1


def _offer_to_player(rc, s: GameSession) -> int:
    """MGX offers the player a loan (made through the engine, as a bot would), and the page
    is refreshed by something the player does (starting a chip programme)."""
    out = s.model.submit(
        "MGX", Propose("OpenAI", "loan", {"principal": 2.0, "rate": 0.1, "quarters": 8})
    )
    assert out.ok, out.reason
    click(rc, "Start chip programme")
    return out.offer_id


def test_a_bot_counter_offer_arrives_in_the_inbox(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    select(rc, "Deal kind", "equity")
    select(rc, "To", "Nvidia")
    field(rc, "amount").v_model = "2"
    field(rc, "stake").v_model = "0.02"
    click(rc, "Send offer")
    offer = next(a for a in alerts(rc) if a.startswith("Offer #"))
    if "counter" in offer:  # the bot's answer, shown at once; its counter is in the inbox
        counters = [o for o in s.inbox() if o["proposer"] == "Nvidia"]
        assert counters and "<b>Nvidia</b> offers" in html(rc)
        card_button(rc, int(counters[0]["id"]), "Accept")


def test_inbox_accept_signs_the_deal(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    oid = _offer_to_player(rc, s)
    for label in ("Accept", "Reject", "Counter"):
        card_button(rc, oid, label)
    cash = s.books()["cash"]
    card_button(rc, oid, "Accept").click()
    assert s.books()["cash"] == pytest.approx(cash + 2.0)
    assert s.model.offer(oid)["status"] == "accepted"
    assert all(int(o["id"]) != oid for o in s.inbox())
    with pytest.raises(AssertionError, match="no card"):
        card_button(rc, oid, "Accept")


def test_inbox_counter_with_bad_terms_changes_nothing_then_good_terms_go_back(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    oid = _offer_to_player(rc, s)
    card_button(rc, oid, "Edit counter terms").click()
    field(rc, "rate").v_model = "0.9"  # above the 0.5 bound
    before = s.model.digest()
    card_button(rc, oid, "Counter").click()
    assert any("rate" in e for e in errors(rc)), errors(rc)
    assert s.model.digest() == before
    field(rc, "rate").v_model = "0.05"
    card_button(rc, oid, "Counter").click()
    assert s.model.offer(oid)["status"] == "countered"


def test_inbox_reject(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    oid = _offer_to_player(rc, s)
    card_button(rc, oid, "Reject").click()
    assert s.model.offer(oid)["status"] == "rejected"


def test_moves_show_their_bounds_and_bad_input_changes_nothing(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    assert "Buy spot GPUs" in str([w.children for w in rc.find(v.Btn).widgets])
    assert any("quantity 0.1–5000" in t for t in texts(rc))
    before = s.model.digest()
    field(rc, "quantity").v_model = "abc"
    click(rc, "Buy spot GPUs")
    assert any("quantity" in e for e in errors(rc)), errors(rc)
    field(rc, "quantity").v_model = "-5"
    click(rc, "Buy spot GPUs")
    assert any("between" in e for e in errors(rc)), errors(rc)
    assert s.model.digest() == before
    field(rc, "quantity").v_model = "5"
    click(rc, "Buy spot GPUs")
    assert not errors(rc)
    assert "buy_spot_gpus" not in s.moves()  # once a quarter


def test_a_foundry_sees_its_moves():
    _box, rc = solara.render(app.Page(), handle_error=False)
    try:
        start(rc, seat="TSMC")
        labels = str([w.children for w in rc.find(v.Btn).widgets])
        for b in ("Build fab", "Build packaging", "Set wafer price"):
            assert b in labels
        s = session_of(rc)
        before = s.model.digest()
        field(rc, "price").v_model = "1000"  # out of bounds
        click(rc, "Set wafer price")
        assert errors(rc) and s.model.digest() == before
    finally:
        rc.close()


def test_news_and_changes_follow_the_quarter(ui_page):
    rc = ui_page()
    start(rc)
    for _ in range(3):
        click(rc, "End quarter")
    eventually(lambda: "This quarter (2024Q4)" in html(rc))
    shown = html(rc)
    assert "This quarter (2024Q4)" in shown and "Last quarter (2024Q3)" in shown
    assert "fr-up" in shown or "fr-down" in shown  # what changed since last quarter


def test_charts_are_matplotlib_figures_of_the_series():
    s = GameSession("duel", seat="OpenAI", seed=3)
    for _ in range(4):
        s.end_quarter()
    data = ui.charts.chart_data(s)
    assert data["x"] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert set(data["agents"]["cash"]) == {"OpenAI", "Nvidia", "TSMC", "MGX"}
    assert len(data["agents"]["compute"]["OpenAI"]) == 4
    fig = ui.charts.make_figure(data)
    assert isinstance(fig, Figure) and len(fig.axes) == 6


def draw_charts(rc) -> bool:
    """Tick the charts' timer as the browser would until the drawing is shown."""
    import ipywidgets

    deadline = time.monotonic() + 20
    while tick(rc, "charts"):
        if time.monotonic() > deadline:
            raise AssertionError("the charts were never drawn")
        time.sleep(0.02)
    return bool(rc.find(ipywidgets.Image).widgets)


def test_charts_panel_draws_off_the_event_loop_once_the_quarter_settles(ui_page):
    import ipywidgets

    rc = ui_page()
    start(rc)
    assert not tick(rc, "charts")  # nothing to draw before the first quarter ends
    click(rc, "End quarter")
    rc.find(ipywidgets.Image).assert_empty()
    assert tick(rc, "charts")  # quiet for a moment: the drawing starts on the worker
    assert draw_charts(rc)
    img = rc.find(ipywidgets.Image).widget
    assert bytes(img.value)[:4] == b"\x89PNG"
    assert not tick(rc, "charts")  # drawn: the timer stops until the next quarter
    click(rc, "End quarter")
    assert draw_charts(rc)


# -- spectator -----------------------------------------------------------------------------------


def test_spectator_step_play_pause_speed(ui_page):
    rc = ui_page()
    start(rc, seat=SPECTATOR)
    s = session_of(rc)
    assert s.seat is None
    for label in ("Step", "Play", "Pause"):
        rc.find(v.Btn, children=[label]).assert_single()
    rc.find(v.Slider, label="Speed").assert_single()
    click(rc, "Step")
    assert s.quarter_index == 1 and quarter_shown(rc) == "2024Q2"
    assert not tick(rc, "play")  # not playing: the timer is off
    rc.find(v.Slider, label="Speed").widget.v_model = 8.0
    click(rc, "Play")
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    for _ in range(3):  # the browser's timer, at the chosen speed
        assert tick(rc, "play")
    assert s.quarter_index == 4 and quarter_shown(rc) == "2025Q1"
    click(rc, "Pause")
    assert not tick(rc, "play")
    assert s.quarter_index == 4
    click(rc, "Play")
    while tick(rc, "play"):  # to the end: Play stops by itself
        pass
    assert s.finished and rc.find(v.Btn, children=["Play"]).widget.disabled
    assert "Scorecard" in texts(rc)
    assert [w for w in rc.find(v.Btn).widgets if "Download log" in str(w.children)]


def test_a_play_tick_steps_under_the_session_lock():
    s = GameSession("duel", seat=None, seed=2, quarters=3)
    held = []
    step = s.model.step

    def checked_step():
        held.append(s.lock._is_owned())  # type: ignore[attr-defined]
        step()

    s.model.step = checked_step  # type: ignore[method-assign]
    assert not play_tick(s, playing=False)
    while play_tick(s, playing=True):
        pass
    assert s.finished and held == [True, True, True]


def test_a_step_waits_for_a_ui_action_holding_the_lock():
    s = GameSession("duel", seat=None, seed=2)
    done = threading.Event()
    with s.lock:
        t = threading.Thread(target=lambda: (s.end_quarter(), done.set()))
        t.start()
        time.sleep(0.1)
        assert not done.is_set() and s.quarter_index == 0
    t.join(10)
    assert done.is_set() and s.quarter_index == 1


# -- logs and replay -----------------------------------------------------------------------------


def _played_log(quarters=4) -> tuple[str, list[str]]:
    s = GameSession("duel", seat="OpenAI", seed=5, quarters=quarters)
    s.propose("MGX", "loan", {"principal": "2", "rate": "0.08", "quarters": "8"})
    digests = []
    while not s.finished:
        s.end_quarter()
        digests.append(s.model.digest())
    return s.log_text(), digests


def test_step_replay_reaches_every_quarter_of_the_game(tmp_path):
    import json

    text, _ = _played_log()
    logged = [r["digest"] for r in map(json.loads, text.splitlines()) if r["type"] == "quarter_end"]
    end = json.loads(text.splitlines()[-1])
    r = StepReplay(text, "game.jsonl")
    n = 0
    while r.next_quarter():
        n += 1
        assert r.digests == logged[:n]  # each quarter checked as it is replayed
    assert n == len(logged) == 4
    assert r.problem is None and r.done and r.model.digest() == end["digest"]
    path = tmp_path / "game.jsonl"
    path.write_text(text)
    assert replay(path).same  # the whole-log replay still agrees


def test_step_replay_of_an_edited_log_stops_with_a_reason():
    text, _ = _played_log()
    lines = text.splitlines()
    lines = [ln for ln in lines if '"type":"decision"' not in ln]
    r = StepReplay("\n".join(lines), "edited.jsonl")
    while r.next_quarter():
        pass
    assert r.problem and "dropped or moved" in r.problem  # the hash chain breaks there


def test_load_log_replays_step_by_step_read_only(ui_page):
    text, _ = _played_log()
    rc = ui_page()
    widgets = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "vue_file_loaded")]
    assert len(widgets) == 1
    widgets[0].vue_file_loaded({"name": "game.jsonl", "text": text})
    assert quarter_shown(rc) == "2024Q1"
    assert end_button(rc) is None
    rc.find(v.Btn, children=["Send offer"]).assert_empty()
    for q in ("2024Q2", "2024Q3", "2024Q4"):
        click(rc, "Next quarter")
        eventually(lambda q=q: quarter_shown(rc) == q)
    click(rc, "Next quarter")
    eventually(lambda: "Scorecard" in texts(rc))
    eventually(lambda: rc.find(v.Btn, children=["Next quarter"]).widget.disabled)
    s = session_of(rc)
    assert isinstance(s, ReplaySession) and not s.accept(1).ok and not s.end_quarter().ok


def test_load_log_of_a_bad_file_says_why(ui_page):
    rc = ui_page()
    w = next(w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "vue_file_loaded"))
    w.vue_file_loaded({"name": "notes.txt", "text": "hello\n"})
    assert any("notes.txt: line 1" in e for e in errors(rc)), errors(rc)
    assert load_replay({"name": "x", "text": None})[1] == "x: could not be read as text"


def test_new_game_goes_back_to_the_start(ui_page):
    rc = ui_page()
    start(rc)
    click(rc, "New game")
    assert session_of(rc) is not None  # it asks first
    click(rc, "Keep playing")
    rc.find(v.Btn, children=["Start game"]).assert_empty()
    click(rc, "New game")
    click(rc, "Leave game")
    rc.find(v.Btn, children=["Start game"]).assert_single()


# -- a game that survives the player -------------------------------------------------------------


def descendants_templates(rc) -> list:
    import ipyvue

    return list(rc.find(ipyvue.VueTemplate).widgets)


def _template(rc, method: str):
    import ipyvue

    found = [w for w in rc.find(ipyvue.VueTemplate).widgets if hasattr(w, method)]
    assert len(found) == 1, method
    return found[0]


def test_end_quarter_pressed_twice_in_the_same_quarter_plays_one(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    w = end_button(rc)
    w.vue_end(0)
    w.vue_end(0)  # the second press of a double click (or another tab) names the same quarter
    assert s.quarter_index == 1 and quarter_shown(rc) == "2024Q2"
    assert any("2024Q1 has already been played" in e for e in errors(rc)), errors(rc)
    assert not s.end_quarter(0).ok and s.quarter_index == 1
    click(rc, "End quarter")
    assert s.quarter_index == 2 and not errors(rc)


def test_a_reload_brings_the_same_game_back_and_new_game_forgets_it(ui_page):
    token = "a" * 32
    rc = ui_page()
    _template(rc, "vue_token").vue_token(token)
    start(rc)
    click(rc, "End quarter")
    s = session_of(rc)
    again = ui_page()  # the reloaded tab sends the same token
    _template(again, "vue_token").vue_token(token)
    assert session_of(again) is s and quarter_shown(again) == "2024Q2"
    other = ui_page()
    _template(other, "vue_token").vue_token("b" * 32)
    rc_other_start = other.find(v.Btn, children=["Start game"])
    rc_other_start.assert_single()  # another tab: its own game
    _template(ui_page(), "vue_token").vue_token("../../etc/passwd")  # ignored
    click(again, "New game")
    click(again, "Leave game")
    fresh = ui_page()
    _template(fresh, "vue_token").vue_token(token)
    fresh.find(v.Btn, children=["Start game"]).assert_single()


def test_save_then_resume_plays_on_identically(ui_page):
    from ui.savefile import save_text

    rc = ui_page()
    start(rc, "baseline-2024", "OpenAI", "4")
    click(rc, "End quarter")
    s = session_of(rc)
    text = save_text(s)
    page2 = ui_page()
    resume = [w for w in descendants_templates(page2) if hasattr(w, "vue_save_loaded")]
    assert len(resume) == 1
    resume[0].vue_save_loaded({"name": "g.save.json", "text": text})
    r = session_of(page2)
    assert r is not s and r.model.digest() == s.model.digest() and quarter_shown(page2) == "2024Q2"
    for _ in range(2):
        s.end_quarter()
        r.end_quarter()
    assert r.model.digest() == s.model.digest() and r.log_text() == s.log_text()


@pytest.mark.parametrize(
    ("info", "says"),
    [
        ({"name": "big.json", "text": None, "size": 50_000_000}, "too large for a save"),
        ({"name": "x.json", "text": "{not json"}, "not a Fab Race save (not JSON)"),
        ({"name": "x.json", "text": '{"format": "fabrace-save", "version": 9}'}, "version 9"),
        ({"name": "x.json", "text": "[" * 50_000}, "not JSON"),
        ({"name": "log.jsonl", "text": '{"type": "header"}'}, "use Load log for a game log"),
    ],
)
def test_resume_of_a_bad_file_says_why_and_stays_on_the_start_page(ui_page, info, says):
    rc = ui_page()
    w = next(w for w in descendants_templates(rc) if hasattr(w, "max_bytes"))
    w.vue_save_loaded(info)
    assert any(says in e for e in errors(rc)), errors(rc)
    rc.find(v.Btn, children=["Start game"]).assert_single()


def test_a_damaged_snapshot_in_a_save_is_refused_with_where(ui_page):
    import json

    from ui.savefile import SaveError, load_save, save_text

    s = GameSession("duel", seat="OpenAI", seed=2)
    doc = json.loads(save_text(s))
    doc["snapshot"]["state"]["ledger"] = {"@": "obj", "cls": "os.system", "v": {}}
    with pytest.raises(SaveError, match="damaged snapshot"):
        load_save(json.dumps(doc), "x")
    doc = json.loads(save_text(s))
    doc["seat"] = "Nobody"
    with pytest.raises(SaveError, match="no actor 'Nobody'"):
        load_save(json.dumps(doc), "x")


@pytest.mark.parametrize(
    ("text", "value"), [("5.5", 5.5), ("1,000", 1000.0), ("1,000.5", 1000.5), (" 7 ", 7.0)]
)
def test_numbers_with_a_dot_or_thousands_commas_are_read(text, value):
    from ui.session import parse_number

    assert parse_number(text, "amount") == value


@pytest.mark.parametrize("text", ["5,5", "1,5,5", "10,50", "5,"])
def test_a_decimal_comma_is_an_error_never_a_bigger_number(text):
    from ui.session import parse_number

    with pytest.raises(ValueError, match="write decimals with a dot"):
        parse_number(text, "amount")


# -- consequences --------------------------------------------------------------------------------


def test_an_equity_counter_shows_its_changes_and_the_control_it_costs(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    res = s.propose("Nvidia", "equity", {"amount": "2", "stake": "0.02"})
    assert res.ok and res.offer["status"] == "countered"
    counter = next(o for o in s.inbox() if o["parent"] == res.offer["id"])
    changes = s.counter_changes(counter)
    assert set(changes) == {"stake"} and changes["stake"][0] == 0.02
    lines = dict(s.consequences(counter["kind"], counter["terms"], "Nvidia"))
    control = next(t for t in lines if t.startswith("you sell"))
    assert "your control 1.00 → 0.92" in control and "implied valuation of $24.0B" in control
    assert not lines[control]  # above one half: no warning
    # after this counter, selling 45 % more would leave control under one half: a warning
    assert s.accept(counter["id"]).ok
    warned = [t for t, w in s.consequences("equity", {"amount": 5.0, "stake": 0.45}, "MGX") if w]
    assert warned and "control 0.92 → 0.47" in warned[0] and "loses 0.07" in warned[0]
    assert s.consequences("equity", {"amount": 5.0, "stake": 0.6}, "MGX") == []  # invalid


def test_a_loan_previews_its_instalments_and_cash_after():
    s = GameSession("duel", seat="OpenAI", seed=1)
    lines = [
        t for t, _ in s.consequences("loan", {"principal": 4, "rate": 0.1, "quarters": 4}, "MGX")
    ]
    assert lines[0] == "on signing you receive $4.00B"
    assert lines[1] == "then you pay $1.10B a quarter for 4 quarters"  # 1.0 + 4 x 10 % / 4
    assert lines[2].startswith("cash after signing $12.00B")


def test_wafers_for_a_lab_without_a_chip_programme_warn():
    s = GameSession("duel", seat="OpenAI", seed=1)
    terms = {"wafers": 10, "quarters": 4, "price": 10, "prepay": 0.2}
    warned = [t for t, w in s.consequences("capacity", terms, "TSMC") if w]
    assert any("no chip programme" in t for t in warned)


def test_the_distress_banner_forecasts_the_runway_and_lists_the_ways_out(ui_page):
    rc = ui_page()
    start(rc)
    s = session_of(rc)
    for _ in range(6):
        click(rc, "End quarter")
    d = s.distress()
    assert d is not None and d["level"] == "low" and 0 < d["runway"] < 4
    shown = html(rc)
    assert "Cash runs out in about" in shown and "Loan from MGX" in shown


# -- negotiation in words ------------------------------------------------------------------------


def test_answers_say_signed_refused_or_countered_with_the_changes():
    s = GameSession("duel", seat="OpenAI", seed=1)
    assert s.propose("MGX", "equity", {"amount": "50", "stake": "0.01"}).message == (
        "MGX refused your equity investment"
    )
    r = s.propose("Nvidia", "equity", {"amount": "2", "stake": "0.02"})
    assert r.message == "Nvidia countered: stake 0.02 → 0.0833 (see your inbox)"
    fund = next(o for o in s.inbox() if o["proposer"] == "MGX")
    signed = s.accept(fund["id"])
    assert signed.ok and signed.message.startswith("Signed: MGX's equity investment (contract #")
    chips = next(o for o in s.inbox() if o["proposer"] == "Nvidia")
    assert s.reject(chips["id"]).message == "You refused Nvidia's equity investment"


def test_the_quarter_summary_lists_what_expired_and_what_others_signed():
    s = GameSession("duel", seat="OpenAI", seed=1)
    s.propose("MGX", "equity", {"amount": "50", "stake": "0.01"})
    s.end_quarter()
    summary = s.quarter_summary(0)
    assert summary["yours"] == ["MGX refused your equity investment"]
    assert any(e.startswith("MGX's equity investment to you") for e in summary["expired"])
    assert summary["others"] == ["Nvidia and TSMC signed a capacity reservation"]


def test_contracts_table_and_score_changes():
    from ui.contracts import contract_rows
    from ui.score import score_rows

    s = GameSession("duel", seat="OpenAI", seed=1)
    s.propose("MGX", "loan", {"principal": "2", "rate": "0.08", "quarters": "8"})
    s.end_quarter()
    (c,) = s.contracts()
    assert (c["kind"], c["with"], c["quarters_left"], c["status"]) == ("Loan", "MGX", 7, "active")
    assert c["per_quarter"] == pytest.approx(0.25 + 2 * 0.08 / 4)
    assert "you pay $0.29B" in contract_rows([c])[0]
    assert s.score_changes() == {}  # no score before the first quarter
    s.end_quarter()
    parts = s.score_changes()
    assert set(parts) == set(s.books()["score_breakdown"])
    rows = score_rows("lab", s.books()["score_breakdown"], parts)
    assert any("merchant chip vendors" in r[3] for r in rows)


def test_money_flows_read_as_the_payer_sees_them():
    from ui.books import flow_label

    assert flow_label("gpu_sale", -3.0) == "GPU purchases"
    assert flow_label("gpu_sale", 3.0) == "GPU sales"
    assert flow_label("loan_principal", 2.0) == "loans received"
    assert flow_label("opex", -1.0) == "opex"


def test_the_guided_first_quarter_can_be_followed_or_skipped(ui_page):
    from ui.guide import TIPS

    rc = ui_page()
    start(rc)
    assert "tip 1 of 4" in html(rc)
    click(rc, "Next tip")
    assert "tip 2 of 4" in html(rc) and "Inbox" in TIPS[1]
    click(rc, "Skip the guide")
    assert "tip " not in html(rc)
    other = ui_page()
    start(other)
    click(other, "End quarter")  # the guide is for the first quarter only
    assert "First quarter, tip" not in html(other)


def test_an_error_clears_once_something_later_succeeds_and_reads_plainly(ui_page):
    rc = ui_page()
    start(rc)
    field(rc, "quantity").v_model = "-5"
    click(rc, "Buy spot GPUs")
    assert any("between" in e for e in errors(rc)), errors(rc)
    select(rc, "Deal kind", "loan")
    select(rc, "To", "MGX")
    field(rc, "principal").v_model = "-5"
    assert any("principal must be more than 0 (you entered -5)" in e for e in errors(rc)), errors(
        rc
    )
    field(rc, "principal").v_model = "2"
    click(rc, "Send offer")  # MGX signs: the moves panel's old error goes
    assert not errors(rc), errors(rc)
    assert any("MGX accepted: the loan is signed" in a for a in alerts(rc)), alerts(rc)


def test_the_world_panel_shows_taiwan_and_your_power_and_chips(ui_page):
    from ui.world import world_rows

    s = GameSession("baseline-2024", seat="OpenAI", seed=1)
    rows = dict(world_rows(s.public(), s.books()))
    assert rows["Taiwan's share of the wafer capacity running"].startswith("100% of 750k")
    assert rows["Your own chips"].startswith("no chip programme")
    assert rows["Your compute by maker"] == "Nvidia 100%"
    rc = ui_page()
    start(rc)
    assert "The world and you" in texts(rc)
