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

from ui import keep
from ui.books import Books
from ui.charts import Charts
from ui.common import CSS, ROLE_NAMES, esc, heading, message, use_batch
from ui.contracts import ContractsTable
from ui.deals import DealBuilder
from ui.distress import DistressBanner
from ui.end_quarter import EndQuarterButton
from ui.graph import PartnershipGraph, graph_props
from ui.guide import Guide
from ui.inbox import Inbox
from ui.moves import Moves, prices
from ui.news import News, news_props
from ui.replay import ReplayView
from ui.savefile import save_filename, save_text
from ui.scorecard import Scorecard, log_filename
from ui.session import ActionResult, GameSession, ReplaySession
from ui.spectator import SpectatorView
from ui.start import StartScreen, how_to_play
from ui.summary import QuarterSummary
from ui.world import WorldPanel, world_rows


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

    confirm_leave = solara.use_reactive(False)
    guide = solara.use_reactive(0)  # the first quarter's tip shown (past the last: skipped)
    show_rules = solara.use_reactive(False)
    answered = solara.use_reactive(0)

    def end_quarter(expected: Any = None) -> None:
        q = expected if isinstance(expected, int) and not isinstance(expected, bool) else None
        res: ActionResult = session.end_quarter(q)
        with batch():
            ended.set(res)
            answered.set(answered.value + 1)
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
            EndQuarterButton(
                quarter=session.quarter_index,
                disabled=over,
                answered=answered.value,
                event_end=end_quarter,
            )
            solara.FileDownload(
                lambda: save_text(session),
                filename=save_filename(session),
                mime_type="application/json",
                children=[
                    solara.Button("Save game", icon_name="mdi-content-save", text=True, small=True)
                ],
            )
            solara.FileDownload(
                session.log_text,
                filename=log_filename(session),
                mime_type="application/x-ndjson",
                children=[
                    solara.Button("Download log", icon_name="mdi-download", text=True, small=True)
                ],
            )
            solara.Button(
                "Hide rules" if show_rules.value else "Rules",
                on_click=lambda: show_rules.set(not show_rules.value),
                text=True,
                small=True,
            )
            solara.Button(
                "New game", on_click=lambda: confirm_leave.set(True), text=True, small=True
            )
        # what comes and goes sits in one container, so that the panels below keep their
        # place among their siblings and are never rebuilt (the graph widget above all)
        with solara.Column(gap="0px", classes=["fr-notices"]):
            if session.quarter_index == 0 and not over:
                Guide(guide.value, guide.set)
            if not over:
                DistressBanner(session.distress(), session.quarter_index, session.n_quarters)
            if session.quarter_index > 0:
                QuarterSummary(
                    session.quarter_label(session.quarter_index - 1),
                    session.quarter_summary(session.quarter_index - 1),
                )
            if confirm_leave.value:
                with solara.Row(
                    classes=["fr-panel", "fr-confirm"], style={"align-items": "center"}
                ):
                    solara.Text(
                        "Leave this game for the start page? It is lost unless you saved it "
                        "(Save game)."
                    )
                    solara.Button("Leave game", on_click=on_exit, color="error", text=True)
                    solara.Button(
                        "Keep playing", on_click=lambda: confirm_leave.set(False), color="primary"
                    )
            if show_rules.value:
                with solara.Column(classes=["fr-panel", "fr-howto", "fr-rules"], gap="4px"):
                    heading("How to play")
                    solara.HTML(
                        tag="div", unsafe_innerHTML=how_to_play(role or None, session.n_quarters)
                    )
            res = ended.value
            if res is not None and not res.ok:
                message(res, "end")
            if over:
                Scorecard(session, v, download=False)
        nodes, edges = graph_props(session)
        with solara.Columns([7, 5]):
            with solara.Column(gap="0px"):
                PartnershipGraph(session, nodes, edges, None if over else select)
                if not over:
                    DealBuilder(session, v, selected.value, bump)
                WorldPanel(tuple(world_rows(session.public(), books)))
                News(**news_props(session))
            with solara.Column(gap="0px"):
                q = session.quarter_index
                if not over:  # the inbox first: above the fold on a small screen
                    Inbox(session, tuple(session.inbox()), session.answers(), bump, q, v)
                ContractsTable(tuple(session.contracts()))
                Books(books, session.changes(), session.score_changes())
                if not over:
                    Moves(session, session.moves(), prices(books), bump, q, v)
        Charts(session, session.quarter_index)


@solara.component
def Page() -> None:
    """The whole app: start screen, then the game, the spectator view or a replay."""
    current = solara.use_reactive(None)  # this browser session's GameSession (or replay)
    solara.Title("Fab Race")
    solara.Style(CSS)

    token = solara.use_reactive(None)  # this tab's token (ui.keep), once the page sent it

    def got_token(t: Any) -> None:
        if not keep.valid(t):
            return
        token.set(t)
        game = keep.kept(t) if current.value is None else None
        if game is not None:
            current.set(game)  # a reload: the same game
        elif current.value is not None:
            keep.keep(t, current.value)

    def begin(game: Any) -> None:
        keep.keep(token.value, game)
        current.set(game)

    def back() -> None:
        keep.forget(token.value)
        current.set(None)

    s: Any = current.value
    keep.SessionToken(event_token=got_token)
    with solara.Column(style={"padding": "8px 12px", "background": "#fafafa"}, gap="0px"):
        if s is None:
            StartScreen(on_start=begin)
        elif isinstance(s, ReplaySession):
            ReplayView(s, back).key(f"replay-{id(s)}")
        elif s.seat is None:
            SpectatorView(s, back).key(f"spectator-{id(s)}")
        else:
            GameView(s, back).key(f"game-{id(s)}")
