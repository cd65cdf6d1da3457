"""The news: this quarter's events, and what happened last quarter (deals signed and broken by
others, moves, events)."""

from __future__ import annotations

from typing import Any

import solara

from ui.common import esc, heading
from ui.session import GameSession


def _items(lines: list[str]) -> str:
    return "".join(f"<li>{esc(x)}</li>" for x in lines)


def news_props(session: GameSession) -> dict[str, Any]:
    """What the News panel shows (compared between renders: unchanged news is not redrawn)."""
    q = session.quarter_index
    last_label = session.quarter_label(q - 1) if q > 0 else None
    chron = session.chronicle()
    return {
        "label": session.quarter,
        "finished": session.finished,
        "now": tuple(session.news()),
        "last_label": last_label,
        "last": tuple(t for lab, t in chron if lab == last_label) if last_label else (),
    }


@solara.component
def News(
    label: str,
    finished: bool,
    now: tuple[str, ...],
    last_label: str | None,
    last: tuple[str, ...],
) -> None:
    """The "News" panel."""
    with solara.Column(classes=["fr-panel", "fr-news"], gap="4px"):
        heading("News")
        if finished:
            solara.Text("The game is over.", classes=["fr-muted"])
        else:
            solara.HTML(tag="div", unsafe_innerHTML=f"<b>This quarter ({esc(label)})</b>")
            solara.HTML(
                tag="ul",
                unsafe_innerHTML=_items(list(now)) or "<li>Nothing new.</li>",
                classes=["fr-list", "fr-news-now"],
            )
        if last_label:
            solara.HTML(tag="div", unsafe_innerHTML=f"<b>Last quarter ({esc(last_label)})</b>")
            solara.HTML(
                tag="ul",
                unsafe_innerHTML=_items(list(last)) or "<li>Nothing happened.</li>",
                classes=["fr-list", "fr-news-last"],
            )
