"""A timer in the browser that calls the server back: ``Ticker(active, interval_ms, token, ...)``.

While ``active``, ``interval_ms`` after the last change of ``token`` the browser sends one tick
(with the token). The server handles a tick like a click, in order with the player's clicks, so
nothing it does runs at the same time as anything else on the page, and nothing renders from a
background thread. The next tick is armed only when the server changes ``token`` (usually by
handling the tick), so a slow server is never flooded with ticks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara


@solara.component_vue("ticker.vue")
def Ticker(
    active: bool,
    interval_ms: int,
    token: Any,
    event_tick: Callable[[Any], None],
    name: str = "",
) -> None:
    """See the module docstring. ``token`` must be JSON (a number or text); ``name`` tells
    tickers apart (in tests)."""


def tick(rc: Any, name: str) -> bool:
    """Fire the named ticker of a rendered page as the browser would (for in-process tests);
    False if it is not active."""
    import ipyvue

    for w in rc.find(ipyvue.VueTemplate).widgets:
        if hasattr(w, "vue_tick") and getattr(w, "name", None) == name:
            if not w.active:
                return False
            w.vue_tick(w.token)
            return True
    raise LookupError(f"no ticker {name!r}")
