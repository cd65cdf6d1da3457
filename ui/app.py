"""Fab Race in the browser: ``solara run ui.app`` serves :func:`Page`.

Every browser session (page load) gets its own game: the session is created inside ``Page`` and
kept in its state, never at module level. The page only calls ``ui.session.GameSession``; no game
rule lives here. Nothing on the page runs code: scenarios and bot policies are chosen from lists.
"""

from __future__ import annotations

import os

# Reacton's tree walk that skips unchanged component subtrees (opt-in, in the locked reacton):
# a click re-renders only the panels whose data changed, several times faster than the default
# walk. Read when a page's render context is made, so setting it here covers every page.
os.environ.setdefault("REACTON_FAST", "1")

from collections.abc import Callable
from typing import Any

import solara

from ui.books import Books
from ui.charts import Charts
from ui.common import CSS, ROLE_NAMES, esc, message, use_batch
from ui.deals import DealBuilder
from ui.graph import PartnershipGraph, graph_props
from ui.inbox import Inbox
from ui.moves import Moves, prices
from ui.news import News, news_props
from ui.replay import ReplayView
from ui.scorecard import Scorecard
from ui.session import ActionResult, GameSession, ReplaySession
from ui.spectator import SpectatorView
from ui.start import StartScreen


@solara.component
def GameView(session: GameSession, on_exit: Callable[[], None]) -> None:
    """A game with a seated player: the quarter, End quarter, and every panel.

    Panels get the data they show as arguments, so a panel whose data did not change is not
    rendered again; only the deal builder (whose check depends on everything) follows
    ``version``, which moves whenever the game may have changed.
    """
    version = solara.use_reactive(0)
    batch = use_batch()
    selected = solara.use_reactive(None)  # (actor, n) after a click on the graph
    ended = solara.use_reactive(None)  # the answer to the last End quarter

    # stable callbacks (a new function each render would re-render every panel)
    bump = solara.use_memo(lambda: lambda: version.set(version.value + 1), dependencies=[])
    select = solara.use_memo(
        lambda: lambda name: selected.set((name, (selected.value or ("", 0))[1] + 1)),
        dependencies=[],
    )

    def end_quarter() -> None:
        res: ActionResult = session.end_quarter()
        with batch():
            ended.set(res)
            bump()

    over = session.finished
    v = version.value
    role = session.role_of(session.seat) or ""
    books = session.books()
    with solara.Column(gap="0px", classes=["fr-game"]):
        with solara.Row(
            classes=["fr-panel", "fr-topbar"], style={"align-items": "center", "flex-wrap": "wrap"}
        ):
            solara.HTML(
                tag="span",
                unsafe_innerHTML=f"<b>Fab Race</b> — {esc(session.seat)}, "
                f"{esc(ROLE_NAMES.get(role, role))}",
            )
            solara.Text(session.quarter, classes=["fr-quarter"])
            solara.Text(
                "the game is over"
                if over
                else f"quarter {session.quarter_index + 1} of {session.n_quarters}",
                classes=["fr-muted", "fr-progress"],
            )
            solara.Button(
                "End quarter",
                on_click=end_quarter,
                color="primary",
                disabled=over,
                classes=["fr-end-quarter"],
            )
            solara.Button("New game", on_click=on_exit, text=True)
        res = ended.value
        if res is not None and not res.ok:
            message(res, "end")
        if over:
            Scorecard(session, v)
        nodes, edges = graph_props(session)
        with solara.Columns([7, 5]):
            with solara.Column(gap="0px"):
                PartnershipGraph(session, nodes, edges, None if over else select)
                if not over:
                    DealBuilder(session, v, selected.value, bump)
                News(**news_props(session))
            with solara.Column(gap="0px"):
                Books(books, session.changes())
                if not over:
                    q = session.quarter_index
                    Inbox(session, tuple(session.inbox()), session.answers(), bump, q)
                    Moves(session, session.moves(), prices(books), bump, q)
        Charts(session, session.quarter_index)


@solara.component
def Page() -> None:
    """The whole app: start screen, then the game, the spectator view or a replay."""
    current = solara.use_reactive(None)  # this browser session's GameSession (or replay)
    solara.Title("Fab Race")
    solara.Style(CSS)

    def back() -> None:
        current.set(None)

    s: Any = current.value
    with solara.Column(style={"padding": "8px 12px", "background": "#fafafa"}, gap="0px"):
        if s is None:
            StartScreen(on_start=current.set)
        elif isinstance(s, ReplaySession):
            ReplayView(s, back).key(f"replay-{id(s)}")
        elif s.seat is None:
            SpectatorView(s, back).key(f"spectator-{id(s)}")
        else:
            GameView(s, back).key(f"game-{id(s)}")
