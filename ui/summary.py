"""The last quarter in a few lines: your deals, what expired, what the others signed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import solara

from ui.common import esc

__all__ = ["QuarterSummary", "summary_html"]

PARTS = (("yours", "You"), ("expired", "Expired unanswered"), ("others", "The others"))


def summary_html(label: str, summary: Mapping[str, Sequence[str]]) -> str:
    """The summary as HTML (escaped); empty parts are left out."""
    rows = "".join(
        f"<li><b>{esc(title)}:</b> {esc('; '.join(summary[key]))}</li>"
        for key, title in PARTS
        if summary.get(key)
    )
    body = f"<ul class='fr-list'>{rows}</ul>" if rows else " no deals were made or refused."
    return f"<b>Last quarter ({esc(label)}):</b>{body}"


@solara.component
def QuarterSummary(label: str, summary: Mapping[str, Sequence[str]]) -> None:
    """Under the header: what happened to offers in the quarter just played (the news panel
    has the quarter's events)."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=summary_html(label, summary),
        classes=["fr-panel", "fr-summary"],
    )
