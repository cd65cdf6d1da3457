"""The End quarter button: plays the quarter once, however often it is pressed.

The button disables itself in the browser as soon as it is pressed (until the page shows the next
quarter or the server answers), and it sends the quarter it was pressed in, which the session
checks (``GameSession.end_quarter(expected)``): a double click, or a second tab on the same game,
plays one quarter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

__all__ = ["EndQuarterButton", "press_end_quarter"]


@solara.component_vue("end_quarter.vue")
def EndQuarterButton(
    quarter: int,
    disabled: bool,
    answered: int,
    event_end: Callable[[Any], None],
    waiting: bool = False,
) -> None:
    """``quarter``: the quarter shown; ``answered`` changes whenever the server has handled a
    press (re-enables the button when the quarter did not change, e.g. a refusal); ``waiting``:
    at a table, this person has ended the quarter and the others have not."""


def press_end_quarter(rc: Any) -> bool:
    """Press End quarter on a rendered page as the browser would (in-process tests); False if
    the button is disabled or absent."""
    import ipyvue

    for w in rc.find(ipyvue.VueTemplate).widgets:
        if hasattr(w, "vue_end"):
            if w.disabled:
                return False
            w.vue_end(w.quarter)
            return True
    return False
