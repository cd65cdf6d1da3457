"""A short guided first quarter: four tips, one at a time, that a player can skip."""

from __future__ import annotations

from collections.abc import Callable

import solara

__all__ = ["TIPS", "Guide"]

TIPS = (
    "Your books (right) show your cash, compute and score; the news (below the graph) says "
    "what happened in the world this quarter.",
    "Offers to you wait in the Inbox, top right. Under each: what it does to you (payments, "
    "cash and runway after it, control after selling equity). Accept, Reject or Counter.",
    "To make an offer, click an actor on the partnership graph: the deal builder opens on it "
    "and says whether the terms are valid and what they cost before you send.",
    "When you are done, press End quarter (top): the bots finish their turn, the quarter is "
    "played, and a summary says what happened to your offers.",
)


@solara.component
def Guide(step: int, on_step: Callable[[int], None]) -> None:
    """Tip ``step`` (0-based) with Next and Skip the guide; nothing once ``step`` is past the
    last tip."""
    if step >= len(TIPS):
        return
    with solara.Row(
        classes=["fr-panel", "fr-guide"], style={"align-items": "center", "flex-wrap": "wrap"}
    ):
        solara.HTML(
            tag="span",
            unsafe_innerHTML=f"<b>First quarter, tip {step + 1} of {len(TIPS)}:</b> ",
        )
        solara.Text(TIPS[step])
        if step + 1 < len(TIPS):
            solara.Button("Next tip", on_click=lambda: on_step(step + 1), small=True, text=True)
        solara.Button(
            "Skip the guide" if step + 1 < len(TIPS) else "Got it",
            on_click=lambda: on_step(len(TIPS)),
            small=True,
            text=True,
        )
