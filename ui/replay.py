"""Replaying a saved game: Load log (a file picker that also takes a dropped file) and a view
that steps through the log with Next quarter, showing the same panels read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from game.limits import MAX_BROWSER_LOG_BYTES, MAX_LOG_BYTES, size_text
from game.log import LogError
from ui.books import Books
from ui.charts import Charts
from ui.common import message, use_batch
from ui.graph import PartnershipGraph, graph_props
from ui.news import News, news_props
from ui.scorecard import Scorecard
from ui.session import ActionResult, ReplaySession

#: the largest websocket message the server takes: uvicorn's ``ws_max_size`` (its default, which
#: ``solara run`` keeps); a larger one closes the connection and the page starts over
WS_MAX_MESSAGE = 16 << 20
#: room in that message for what wraps the log's text (the widget message, the file name)
WS_ENVELOPE = 64 << 10
MAX_NAME = 200


@solara.component_vue("load_log.vue")
def LoadLog(
    event_file_loaded: Callable[[dict[str, Any]], None],
    max_bytes: int = MAX_BROWSER_LOG_BYTES,
    max_message: int = WS_MAX_MESSAGE - WS_ENVELOPE,
) -> None:
    """A "Load log" button (a file input) and drop zone; calls back with ``{name, text}``.

    The browser reads the file as text and sends it; nothing is written on the server. A file
    over ``max_bytes``, or whose text would make a message over ``max_message``, is not sent:
    the call back is ``{name, text: None, size, refused}`` (``refused`` is ``"size"`` or
    ``"message"``), and the page says why.
    """


def _size(size: Any) -> str:
    """A size the page sent, for a message (it may send anything)."""
    if isinstance(size, int | float) and not isinstance(size, bool) and 0 <= size < 1e18:
        return size_text(int(size))
    return "size unknown"


def _too_large(name: str, size: Any) -> str:
    return (
        f"{name}: too large to load in the browser ({_size(size)}; the limit is "
        f"{size_text(MAX_BROWSER_LOG_BYTES)}): replay it with `fabrace replay {name}` (logs up "
        f"to {size_text(MAX_LOG_BYTES)})"
    )


def load_replay(info: Any) -> tuple[ReplaySession | None, str | None]:
    """A replay from what LoadLog sent, or the reason it cannot be read.

    The size is checked here too, whatever the page did: a log over
    :data:`~game.limits.MAX_BROWSER_LOG_BYTES` is refused with a message, as are the line
    size, nesting and values :func:`game.log_read.parse_log` refuses.
    """
    if not isinstance(info, dict):
        return None, "no file received"
    name = str(info.get("name") or "log")
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1] + "…"
    text = info.get("text")
    if info.get("refused") == "size":
        return None, _too_large(name, info.get("size"))
    if info.get("refused") == "message":
        return None, (
            f"{name}: too large to load in the browser (its text takes "
            f"{_size(info.get('size'))} to send; the limit is "
            f"{size_text(WS_MAX_MESSAGE - WS_ENVELOPE)}): replay it with `fabrace replay {name}`"
        )
    if not isinstance(text, str):
        return None, f"{name}: could not be read as text"
    if len(text) > MAX_BROWSER_LOG_BYTES or len(text.encode()) > MAX_BROWSER_LOG_BYTES:
        return None, _too_large(name, len(text.encode()))
    try:
        return ReplaySession(text, name), None
    except (LogError, ValueError) as e:
        return None, str(e)
    except RecursionError:  # parse_log refuses deep nesting first: a last guard, never a trace
        return None, f"{name}: nested too deep to be a game log"


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
