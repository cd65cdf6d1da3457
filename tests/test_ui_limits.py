"""The browser game against hostile input and long use, rendered in-process (no browser).

Load log: a log too large or nested too deep gets a message on the start screen (the page and
what was chosen on it stay); names a log carries are shown literally. Memory: a game, a replay or
a spectator's game left for the start screen is freed with its widgets (see also
``benchmarks/soak.py`` for the server's memory over many sessions, and tests/browser for the
real page).
"""

from __future__ import annotations

import gc
import inspect
import json
import weakref
from typing import Any

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.comm
import uvicorn

from game.limits import MAX_BROWSER_LOG_BYTES, MAX_JSON_DEPTH
from game.log_chain import chained_lines
from tests.ui_render import click, rendered_pages
from ui.replay import WS_MAX_MESSAGE, load_replay
from ui.session import GameSession, ReplaySession
from ui.start import SPECTATOR

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOSTILE_SCENARIO = "<script>alert(1)</script>"
HOSTILE_POLICY = "[x](javascript:alert(1))"


@pytest.fixture
def ui():
    """A rendered Page (the start screen); closed after the test."""
    yield from rendered_pages()


def errors(rc) -> list[str]:
    return [" ".join(str(c) for c in w.children) for w in rc.find(v.Alert).widgets]


def load(rc, info: dict[str, Any]) -> None:
    """What the page's Load log sends, as the browser sends it."""
    w = next(w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "vue_file_loaded"))
    w.vue_file_loaded(info)


def played_log(quarters: int = 3) -> str:
    s = GameSession("duel", seat="OpenAI", seed=5, quarters=quarters)
    while not s.finished:
        s.end_quarter()
    return s.log_text()


# -- too large, too deep ---------------------------------------------------------------------------


def test_the_page_is_given_the_limits_it_checks_before_sending(ui):
    rc = ui()
    w = next(w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "vue_file_loaded"))
    assert w.max_bytes == MAX_BROWSER_LOG_BYTES
    assert 0 < w.max_message < WS_MAX_MESSAGE
    # the server's limit on a message is uvicorn's default (solara run does not change it)
    default = inspect.signature(uvicorn.Config).parameters["ws_max_size"].default
    assert default == WS_MAX_MESSAGE


@pytest.mark.parametrize(
    ("info", "shown"),
    [
        ({"name": "big.jsonl", "text": None, "size": 20 << 20, "refused": "size"}, "20 MiB"),
        ({"name": "big.jsonl", "text": None, "size": "lots", "refused": "size"}, "size unknown"),
        ({"name": "big.jsonl", "text": None, "size": 1e300, "refused": "size"}, "size unknown"),
        ({"name": "big.jsonl", "text": "x" * (MAX_BROWSER_LOG_BYTES + 1)}, "8 MiB"),
        ({"name": "big.jsonl", "text": "é" * (MAX_BROWSER_LOG_BYTES // 2 + 1)}, "8 MiB"),
    ],
)
def test_a_log_too_large_for_the_browser_is_refused_with_a_message(ui, info, shown):
    rc = ui()
    rc.find(v.TextField, label="Seed").widget.v_model = "42"
    load(rc, info)
    (msg,) = errors(rc)
    assert msg.startswith("big.jsonl: too large to load in the browser (")
    assert shown in msg and "the limit is 8 MiB" in msg and "fabrace replay big.jsonl" in msg
    # still the start screen, as it was left
    rc.find(v.Btn, children=["Start game"]).assert_single()
    assert rc.find(v.TextField, label="Seed").widget.v_model == "42"


def test_a_log_too_large_to_send_once_encoded_is_refused_with_a_message():
    info = {"name": "q.jsonl", "text": None, "size": 17 << 20, "refused": "message"}
    _, err = load_replay(info)
    assert err == (
        "q.jsonl: too large to load in the browser (its text takes 17 MiB to send; the limit is "
        "15.94 MiB): replay it with `fabrace replay q.jsonl`"
    )


@pytest.mark.parametrize("where", ["header", "record"])
def test_a_log_nested_too_deep_is_refused_with_a_message_not_a_recursion_error(ui, where):
    deep = "[" * 100_000 + "]" * 100_000
    lines = played_log().splitlines()
    if where == "header":
        lines[0] = deep
    else:
        lines.insert(2, json.dumps({"type": "decision", "x": 0})[:-1] + ', "y": ' + deep + "}")
    rc = ui()
    load(rc, {"name": "deep.jsonl", "text": "\n".join(lines) + "\n"})
    (msg,) = errors(rc)
    line = 1 if where == "header" else 3
    assert msg == f"deep.jsonl: line {line}: nested more than {MAX_JSON_DEPTH} deep"
    rc.find(v.Btn, children=["Start game"]).assert_single()


def test_a_long_file_name_is_cut_in_messages():
    _, err = load_replay({"name": "n" * 5000 + ".jsonl", "text": "hello\n"})
    assert err is not None and len(err) < 400 and "…" in err


# -- user text is shown literally ------------------------------------------------------------------


def hostile_log() -> str:
    """A played log whose header names the scenario and the bots with markup (re-chained)."""
    records = [json.loads(line) for line in played_log().splitlines()]
    header = records[0]
    header["scenario"] = HOSTILE_SCENARIO
    header["spec"]["name"] = HOSTILE_SCENARIO
    header["policies"] = {n: HOSTILE_POLICY for n in header["policies"]}
    for r in records:
        r.pop("h", None)
        r.pop("n", None)
    return chained_lines(records)


def test_names_a_log_carries_are_shown_literally_in_the_replay(ui):
    rc = ui()
    load(rc, {"name": "<b>x</b>.jsonl", "text": hostile_log()})
    assert not [e for e in errors(rc) if "too large" in e or "line" in e], errors(rc)
    rc.find(v.Btn, children=["Next quarter"]).assert_single()
    texts = [c for w in rc.find(v.Html).widgets for c in (w.children or []) if isinstance(c, str)]
    assert any(t.startswith(f"{HOSTILE_SCENARIO}, seed 5") for t in texts), texts  # plain text
    raw = "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "<script" not in raw and "javascript:" not in raw.replace(HOSTILE_POLICY, "")
    assert "[x](javascript:alert(1))" in raw  # the scorecard's "played by", as it is
    assert "<a " not in raw


def test_a_bad_file_name_is_shown_literally_in_the_message(ui):
    rc = ui()
    load(rc, {"name": "<img src=x onerror=alert(1)>.jsonl", "text": "hello\n"})
    (msg,) = errors(rc)  # an Alert's children are text, never HTML
    assert msg.startswith("<img src=x onerror=alert(1)>.jsonl: line 1: ")
    raw = "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "<img" not in raw


# -- what a page leaves behind ---------------------------------------------------------------------


def _tracked(monkeypatch) -> list[weakref.ref[GameSession]]:
    """Weak references to every game and replay made from now on."""
    made: list[weakref.ref[GameSession]] = []
    for cls in (GameSession, ReplaySession):
        real = cls.__init__

        def init(self, *a, _real=real, **k):
            _real(self, *a, **k)
            made.append(weakref.ref(self))

        monkeypatch.setattr(cls, "__init__", init)
    return made


def _widgets() -> int:
    return len(ipywidgets.widgets.widget._instances)


def _collect() -> None:
    # solara.render (tests only) keeps every comm it made, with its widget, for debugging
    solara.comm.orphan_comm_stacks.clear()
    gc.collect()


@pytest.mark.parametrize("how", ["game", "spectator", "replay"])
def test_a_game_left_for_the_start_screen_is_freed_with_its_widgets(ui, monkeypatch, how):
    log = played_log(2) if how == "replay" else ""
    made = _tracked(monkeypatch)
    rc = ui()
    counts = []
    for _ in range(3):
        if how == "replay":
            load(rc, {"name": "g.jsonl", "text": log})
            click(rc, "Next quarter")
            click(rc, "Back to start")
        else:
            if how == "spectator":
                rc.find(v.Select, label="Play as").widget.v_model = SPECTATOR
            click(rc, "Start game")
            click(rc, "Step" if how == "spectator" else "End quarter")
            click(rc, "New game")
            if how == "game":
                click(rc, "Leave game")  # a player is asked first; leaving drops the kept game
        _collect()
        counts.append(_widgets())
    assert len(made) == 3
    alive = [r for r in made if r() is not None]
    assert not alive, f"{len(alive)} of {len(made)} games left are still in memory"
    assert counts[0] == counts[1] == counts[2], f"widgets left open: {counts}"
