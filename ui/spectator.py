"""Spectator mode: watch the bots play every seat with Step, Play, Pause and a Speed control.

Play is a timer in the browser (``ui.ticker``): each tick plays one quarter on the server, handled
in order with the page's clicks, and the next tick is armed only once that quarter is shown. So a
quarter never runs at the same time as anything else done to the game (every quarter also goes
through ``GameSession.end_quarter`` under the session's lock), and nothing renders from a
background thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from ui.charts import Charts
from ui.common import use_batch
from ui.graph import PartnershipGraph, graph_props
from ui.news import News, news_props
from ui.scorecard import Scorecard
from ui.session import GameSession
from ui.ticker import Ticker


def play_tick(session: GameSession, playing: bool) -> bool:
    """One tick of Play: a quarter if playing and not over; True if one was played."""
    if not playing or session.finished:
        return False
    return session.end_quarter().ok


@solara.component
def SpectatorView(session: GameSession, on_exit: Callable[[], None]) -> None:
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(2.0)  # quarters a second
    batch = use_batch()

    def step() -> None:
        if playing.value:
            return
        session.end_quarter()
        version.set(version.value + 1)

    def tick(token: Any = None) -> None:
        played = play_tick(session, playing.value)
        with batch():
            if played:
                version.set(version.value + 1)
            if session.finished or not played:
                playing.set(False)

    Ticker(
        active=playing.value and not session.finished,
        interval_ms=int(1000 / max(0.1, speed.value)),
        token=version.value,
        event_tick=tick,
        name="play",
    )
    over = session.finished
    q = session.quarter_index
    # while playing, the charts follow every few quarters (drawing them takes a while)
    chart_q = q if not playing.value else q - q % max(4, 2 * round(speed.value))

    with solara.Column(gap="6px"):
        with solara.Row(
            classes=["fr-panel", "fr-topbar"], style={"align-items": "center", "flex-wrap": "wrap"}
        ):
            solara.HTML(tag="span", unsafe_innerHTML="<b>Fab Race</b> — watching the bots")
            solara.Text(session.quarter, classes=["fr-quarter"])
            solara.Text(
                f"{session.spec.name}, seed {session.model.seed}, quarter "
                f"{min(q + 1, session.n_quarters)} of {session.n_quarters}"
                + (" (over)" if over else ""),
                classes=["fr-muted"],
            )
            solara.Button(
                "Step", on_click=step, disabled=playing.value or over, classes=["fr-step"]
            )
            solara.Button(
                "Play",
                on_click=lambda: playing.set(True),
                color="primary",
                disabled=playing.value or over,
                classes=["fr-play"],
            )
            solara.Button(
                "Pause",
                on_click=lambda: playing.set(False),
                disabled=not playing.value,
                classes=["fr-pause"],
            )
            with solara.Column(style={"min-width": "220px"}, gap="0px"):
                solara.SliderFloat(
                    "Speed", value=speed, min=0.5, max=10.0, step=0.5, thumb_label=True
                )
                solara.Text(f"{speed.value:g} quarters a second", classes=["fr-muted"])
            solara.Button("New game", on_click=on_exit, text=True)
        if over:
            Scorecard(session, version.value)
        nodes, edges = graph_props(session)
        with solara.Columns([7, 5]):
            PartnershipGraph(session, nodes, edges, None)
            News(**news_props(session))
        Charts(session, chart_q)
        if not over:
            Scorecard(session, version.value)
