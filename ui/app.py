"""Fab Race in the browser: ``solara run ui.app`` serves :func:`Page`.

Every browser session (page load) gets its own game: the session is created inside ``Page`` and
kept in its state, never at module level. The page only calls ``ui.session.GameSession``; no game
rule lives here. Nothing on the page runs code: scenarios and bot policies are chosen from lists.

Tables (games several people play, ``ui.tables``) live in the server's one registry
(``ui.table_server``) and are reached by the address: ``?table=ID`` (take a seat, then the
seat's page: this game page acting through the table), ``?host=ID`` (the host's page) and
``?watch=ID`` (a spectator's). The tokens stay in the browser (``table_keys.vue``), never in the
address.
"""

from __future__ import annotations

import os

# Reacton's tree walk that skips unchanged component subtrees (opt-in, in the locked reacton):
# a click re-renders only the panels whose data changed, several times faster than the default
# walk. Read when a page's render context is made, so setting it here covers every page.
os.environ.setdefault("REACTON_FAST", "1")

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

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
from ui.table_host import HostPage
from ui.table_join import JoinPage
from ui.table_seat import TableSeat
from ui.table_server import registry
from ui.table_status import LogDownload, TableStatus
from ui.table_watch import WatchPage
from ui.tables import Table, TableError
from ui.world import WorldPanel, world_rows


@solara.component
def GameView(
    session: GameSession, on_exit: Callable[[], None], seat: Any = None, refresh: int = 0
) -> None:
    """A game with a seated player: the quarter, End quarter, and every panel.

    Panels get the data they show as arguments, so a panel whose data did not change is not
    rendered again; only the deal builder (whose check depends on everything) follows
    ``version``, which moves whenever the game may have changed.

    At a table, ``seat`` is the :class:`~ui.table_seat.TableSeat` (also ``session``) and
    ``refresh`` the table's version: it moves when other people act or the quarter is played.
    ``on_exit`` then leaves the seat.
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
        before = session.quarter_index
        res: ActionResult = session.end_quarter(q)
        with batch():
            ended.set(res)
            answered.set(answered.value + 1)
            # at a table, a press that only marks the person done changes no panel
            if seat is None or not res.ok or session.quarter_index != before:
                bump()

    over = session.finished
    waiting = not over and seat is not None and seat.has_ended()
    v = version.value + refresh
    role = session.role_of(session.seat) or ""
    books = session.books()
    with solara.Column(gap="0px", classes=["fr-game"]):
        with solara.Row(
            classes=["fr-panel", "fr-topbar"], style={"align-items": "center", "flex-wrap": "wrap"}
        ):
            solara.HTML(
                tag="span",
                unsafe_innerHTML=f"<b>Fab Race</b> — {esc(session.seat)}, "
                f"{esc(ROLE_NAMES.get(role, role))}"
                + (f" · <span class='fr-me'>{esc(seat.display_name())}</span>" if seat else ""),
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
                disabled=over or waiting,
                answered=answered.value,
                event_end=end_quarter,
                waiting=waiting,
            )
            if seat is not None:
                LogDownload(seat.table)
            else:
                solara.FileDownload(
                    lambda: save_text(session),
                    filename=save_filename(session),
                    mime_type="application/json",
                    children=[
                        solara.Button(
                            "Save game", icon_name="mdi-content-save", text=True, small=True
                        )
                    ],
                )
                solara.FileDownload(
                    session.log_text,
                    filename=log_filename(session),
                    mime_type="application/x-ndjson",
                    children=[
                        solara.Button(
                            "Download log", icon_name="mdi-download", text=True, small=True
                        )
                    ],
                )
            solara.Button(
                "Hide rules" if show_rules.value else "Rules",
                on_click=lambda: show_rules.set(not show_rules.value),
                text=True,
                small=True,
            )
            solara.Button(
                "Leave seat" if seat is not None else "New game",
                on_click=lambda: confirm_leave.set(True),
                text=True,
                small=True,
                classes=["fr-leave"],
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
                        "Leave your seat? It becomes free for someone else to take; the game "
                        "goes on."
                        if seat is not None
                        else "Leave this game for the start page? It is lost unless you saved "
                        "it (Save game)."
                    )
                    solara.Button(
                        "Leave seat" if seat is not None else "Leave game",
                        on_click=on_exit,
                        color="error",
                        text=True,
                        classes=["fr-leave-yes"],
                    )
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
        Charts(
            session,
            session.quarter_index,
            share=None if seat is None else f"table-{seat.table.id}-{over}",
        )


@solara.component_vue("table_keys.vue")
def TableKeys(table_id: str, save: Any, event_loaded: Callable[[Any], None]) -> None:
    """Keeps a table's tokens in the browser: writes ``save`` (name -> token, or None to
    forget), and sends what it holds once mounted: ``{"tab": {...}, "browser": {...}}``."""


@solara.component
def SeatPage(table: Table, token: str, on_left: Callable[[], None]) -> None:
    """A person's seat at a table: the status line and the game page, acting for the seat."""
    session = solara.use_memo(lambda: TableSeat(table, token), dependencies=[table.id, token])
    key = solara.use_memo(
        lambda: lambda: (table.game_version, session.seated()), dependencies=[session]
    )
    seen = solara.use_reactive(key())

    def leave() -> None:
        session.hand_back()
        on_left()

    TableStatus(table, session.seat, seen.value, seen.set, key)
    if not session.seated():
        with solara.Column(classes=["fr-panel", "fr-seat-lost"], gap="6px"):
            solara.Text(
                f"You no longer hold {session.seat}: the host gave it to a bot, or it was "
                "handed back from another tab."
            )
            solara.Button("See the free seats", on_click=on_left, color="primary")
        return
    GameView(session, leave, seat=session, refresh=seen.value[0]).key(f"seat-{id(session)}")


def _kept(keys: Any, where: str, name: str) -> str | None:
    box = keys.get(where) if isinstance(keys, dict) else None
    token = box.get(name) if isinstance(box, dict) else None
    return token if isinstance(token, str) and 0 < len(token) <= 200 else None


@solara.component
def TableRoute(kind: str, table_id: str, fresh_host: str | None, on_home: Any) -> None:
    """``?table=ID`` (kind ``table``) or ``?host=ID`` (kind ``host``): once the browser has
    sent the tokens it keeps for the table, the seat's, the host's or the join page."""
    keys = solara.use_reactive(None)
    save = solara.use_reactive({"host": fresh_host} if fresh_host else None)
    seat_token = solara.use_reactive(None)  # "" once the seat was left in this tab
    try:
        table = registry().get(table_id)
    except TableError as e:
        with solara.Column(classes=["fr-panel", "fr-no-table"], gap="6px"):
            solara.Error(str(e), dense=True, classes=["fr-msg", "fr-error"])
            solara.Button("Start page", on_click=on_home, color="primary")
        return
    TableKeys(table_id=table.id, save=save.value, event_loaded=keys.set)
    if keys.value is None:
        solara.Text("Opening the table…", classes=["fr-muted"])
        return
    if kind == "host":
        token = (
            fresh_host or _kept(keys.value, "tab", "host") or _kept(keys.value, "browser", "host")
        )
        if token is None or not table.is_host(token):
            with solara.Column(classes=["fr-panel", "fr-not-host"], gap="6px"):
                solara.Error(
                    "This browser does not hold the host's key of this table: only the browser "
                    "that hosted it can run it.",
                    dense=True,
                    classes=["fr-msg", "fr-error"],
                )
                solara.Button("Start page", on_click=on_home, color="primary")
            return
        HostPage(table, token, on_home)
        return

    def seated(token: str) -> None:
        seat_token.set(token)
        save.set({"seat": token})

    def left() -> None:
        seat_token.set("")
        save.set({"seat": None})

    token = seat_token.value if seat_token.value is not None else _kept(keys.value, "tab", "seat")
    if token:
        try:
            table.seat_of(token)
        except TableError:
            token = None
    if token:
        SeatPage(table, token, left).key(f"seat-{token[:8]}")
    else:
        JoinPage(table, _kept(keys.value, "browser", "seat"), seated, on_home)


def _route(search: str | None) -> tuple[str, str] | None:
    """``("table" | "host" | "watch", id)`` from the address's query, or None."""
    q = parse_qs(search or "")
    for kind in ("watch", "host", "table"):
        v = q.get(kind)
        if v and v[0]:
            return kind, v[0][:100]
    return None


@solara.component
def Page() -> None:
    """The whole app: start screen, then the game, the spectator view or a replay; or a table's
    page (``?table=``, ``?host=``, ``?watch=``)."""
    current = solara.use_reactive(None)  # this browser session's GameSession (or replay)
    fresh_host = solara.use_reactive(None)  # (table id, host token) just hosted in this tab
    router = solara.use_router()
    solara.Title("Fab Race")
    solara.Style(CSS)
    token = solara.use_reactive(None)  # this tab's token (ui.keep), once the page sent it
    route = _route(router.search)

    def home() -> None:
        router.push("/")

    def hosted(table: Table, host_token: str) -> None:
        fresh_host.set((table.id, host_token))
        router.push(f"/?host={table.id}")

    if route is not None:
        kind, tid = route
        with solara.Column(style={"padding": "8px 12px", "background": "#fafafa"}, gap="0px"):
            if kind == "watch":
                try:
                    table = registry().get(tid)
                except TableError as e:
                    solara.Error(str(e), dense=True, classes=["fr-msg", "fr-error"])
                    solara.Button("Start page", on_click=home, color="primary")
                else:
                    WatchPage(table, home).key(f"watch-{tid}")
            else:
                fh = fresh_host.value
                TableRoute(kind, tid, fh[1] if fh and fh[0] == tid else None, home).key(
                    f"{kind}-{tid}"
                )
        return

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
            StartScreen(on_start=begin, on_host=hosted)
        elif isinstance(s, ReplaySession):
            ReplayView(s, back).key(f"replay-{id(s)}")
        elif s.seat is None:
            SpectatorView(s, back).key(f"spectator-{id(s)}")
        else:
            GameView(s, back).key(f"game-{id(s)}")
