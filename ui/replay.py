"""Replaying a saved game: Load log (a file picker that also takes a dropped file) and a view
that steps through the log with Next quarter, showing the same panels read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from game.log import LogError
from ui.books import Books
from ui.charts import Charts
from ui.common import message, use_batch
from ui.graph import PartnershipGraph, graph_props
from ui.news import News, news_props
from ui.scorecard import Scorecard
from ui.session import ActionResult, ReplaySession

MAX_LOG_CHARS = 50_000_000


@solara.component_vue("load_log.vue")
def LoadLog(event_file_loaded: Callable[[dict[str, Any]], None]) -> None:
    """A "Load log" button (a file input) and drop zone; calls back with ``{name, text}``.

    The browser reads the file as text and sends it; nothing is written on the server.
    """


def load_replay(info: Any) -> tuple[ReplaySession | None, str | None]:
    """A replay from what LoadLog sent, or the reason it cannot be read."""
    if not isinstance(info, dict):
        return None, "no file received"
    name = str(info.get("name") or "log")
    text = info.get("text")
    if not isinstance(text, str):
        return None, f"{name}: could not be read as text"
    if len(text) > MAX_LOG_CHARS:
        return None, f"{name}: too large for a game log ({len(text):,} characters)"
    try:
        return ReplaySession(text, name), None
    except (LogError, ValueError) as e:
        return None, str(e)


@solara.component
def ReplayView(session: ReplaySession, on_exit: Callable[[], None]) -> None:
    """Step through a logged game: Next quarter, with the graph, books, news, charts, scores."""
    version = solara.use_reactive(0)
    result = solara.use_reactive(None)
    batch = use_batch()

    def step() -> None:
        res: ActionResult = session.next_quarter()
        with batch():
            result.set(res)
            version.set(version.value + 1)

    h = session.header
    with solara.Column(gap="6px"):
        with solara.Row(classes=["fr-panel", "fr-topbar"], style={"align-items": "center"}):
            solara.HTML(tag="span", unsafe_innerHTML="<b>Replay</b>")
            solara.Text(session.quarter, classes=["fr-quarter"])
            solara.Text(
                f"{h.get('scenario', '')}, seed {h.get('seed', '')}, "
                + (
                    "the end"
                    if session.finished
                    else f"quarter {session.quarter_index + 1} of {session.n_quarters}"
                )
                + (f"; the player's seat was {session.seat}" if session.seat else ""),
                classes=["fr-muted"],
            )
            solara.Button(
                "Next quarter",
                on_click=step,
                color="primary",
                disabled=not session.can_step,
                classes=["fr-next"],
            )
            solara.Button("Back to start", on_click=on_exit, text=True)
        if session.problem:
            solara.Error(
                f"The replay differs from the log: {session.problem}",
                dense=True,
                classes=["fr-msg", "fr-error"],
            )
        elif result.value is not None and not result.value.ok:
            message(result.value, "replay")
        elif not session.can_step:
            solara.Info("End of the log.", dense=True)
        if session.finished:
            Scorecard(session, version.value, download=False)
        nodes, edges = graph_props(session)
        with solara.Columns([7, 5]):
            PartnershipGraph(session, nodes, edges, None)
            with solara.Column(gap="0px"):
                if session.seat:
                    Books(session.books(), session.changes())
                News(**news_props(session))
        Charts(session, session.quarter_index)
        if not session.finished:
            Scorecard(session, version.value, download=False)
