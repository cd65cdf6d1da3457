"""The line at the top of every table page: the quarter, who is still deciding, the host's timer,
a pause or the end; and the page's poll of the table.

Each page polls its table once a second with a :class:`~ui.ticker.Ticker` (a timer in the
browser handled like a click, so nothing renders from a background thread): the status line is
drawn again (the timer counts down, who is deciding), and when the table's ``version`` moved
(someone acted, the quarter was played, the host paused; for a seat's page, only the game's
``game_version``) the page is told through ``on_change``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import solara

from ui.common import esc
from ui.tables import Table
from ui.ticker import Ticker

__all__ = ["POLL_MS", "LogDownload", "TableStatus", "log_filename", "status_html"]

POLL_MS = 1000


def _clock(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def status_html(table: Table, me: str | None = None) -> str:
    """The status line as HTML (names escaped): ``me`` is the page's seat, if any."""
    with table.lock:
        m = table.model
        if table.over:
            state = "<b>The host has ended the game.</b>"
        elif m.finished:
            state = "<b>The game is over.</b>"
        else:
            deciding = table.who_is_deciding()
            if me is not None and table.seats[me].taken and table.seats[me].ended:
                mine = "You have ended the quarter. "
            else:
                mine = ""
            if deciding:
                who = ", ".join(
                    f"{esc(name)} ({esc(actor)})" + (" — you" if actor == me else "")
                    for actor, name in deciding
                )
                state = f"{mine}Still deciding: <b class='fr-deciding'>{who}</b>."
            elif any(s.taken for s in table.seats.values()):
                state = f"{mine}Everyone has ended the quarter."
            else:
                state = "No one is seated: the quarter waits"
                state += " for the timer." if table.timer_seconds else "."
            if table.paused:
                state = "<b class='fr-paused'>The host has paused the table.</b> " + state
            elif table.deadline is not None:
                left = table.deadline - table.clock()
                state += f" Timer: <b class='fr-timer'>{_clock(left)}</b> left in the quarter."
        label = m.label if not m.finished else "the end"
        head = (
            f"<b>Table</b> · {esc(m.spec.name)} · <b class='fr-table-quarter'>{esc(label)}</b>"
            f" (quarter {min(m.quarter_index + 1, m.n_quarters)} of {m.n_quarters})"
        )
        notice = f" <i>{esc(table.inject_problem)}</i>" if table.inject_problem else ""
        return f"{head} — {state}{notice}"


@solara.component
def TableStatus(
    table: Table,
    me: str | None,
    seen: Any,
    on_change: Callable[[Any], None],
    key: Callable[[], Any] | None = None,
) -> None:
    """The status line; ``seen`` is what the page shows, ``key()`` (default: the table's
    ``version``) what it would show now: ``on_change(key())`` when they differ. A seat's page
    follows the game (``Table.game_version``) and its seat, not who has ended the quarter
    (this line's alone), so that a press that only marks someone done does not render every
    seat's whole page again."""
    polls = solara.use_reactive(0)

    def tick(token: object = None) -> None:
        v = key() if key is not None else table.version
        if v != seen:
            on_change(v)
        polls.set(polls.value + 1)

    Ticker(active=True, interval_ms=POLL_MS, token=polls.value, event_tick=tick, name="table")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=status_html(table, me),
        classes=["fr-panel", "fr-table-status"],
    )


def log_filename(table: Table) -> str:
    return f"fabrace-table-{table.model.spec.name}-{table.id[:8]}.jsonl"


@solara.component
def LogDownload(table: Table, host: bool = False) -> None:
    """Download log: for the host at any time; for players and spectators once the game is over
    (the log holds every seat's offers and answers, which only their parties may see before)."""
    if not (host or table.finished):
        return
    solara.FileDownload(
        table.log_text,
        filename=log_filename(table),
        mime_type="application/x-ndjson",
        children=[solara.Button("Download log", icon_name="mdi-download", text=True, small=True)],
    )
