"""Keeping a browser tab's game across reloads and lost connections.

Each tab holds a random token in its ``sessionStorage`` (``session_token.vue``) and sends it when
the page loads; the server keeps the tab's game under that token (in memory, the most recent
``MAX_KEPT`` games), so a reload or a new connection shows the same game. A token is 128 random
bits, so one tab cannot guess another's. A server restart loses the kept games: Save game (a
snapshot file) and Resume a saved game on the start page cover that.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import solara

__all__ = ["MAX_KEPT", "SessionToken", "forget", "keep", "kept", "valid"]

MAX_KEPT = 64
_TOKEN = re.compile(r"[A-Za-z0-9]{32}")
_games: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


@solara.component_vue("session_token.vue")
def SessionToken(event_token: Callable[[Any], None]) -> None:
    """Sends this tab's token once, when the page is mounted."""


def valid(token: Any) -> bool:
    """Whether ``token`` looks like one the page makes (anything else is ignored)."""
    return isinstance(token, str) and _TOKEN.fullmatch(token) is not None


def keep(token: Any, game: Any) -> None:
    """Keep ``game`` (a session) for the tab with ``token``; the oldest beyond ``MAX_KEPT`` go."""
    if not valid(token):
        return
    with _lock:
        _games[token] = game
        _games.move_to_end(token)
        while len(_games) > MAX_KEPT:
            _games.popitem(last=False)


def kept(token: Any) -> Any:
    """The game kept for ``token``, or None."""
    if not valid(token):
        return None
    with _lock:
        game = _games.get(token)
        if game is not None:
            _games.move_to_end(token)
        return game


def forget(token: Any) -> None:
    """Drop the tab's game (New game)."""
    if valid(token):
        with _lock:
            _games.pop(token, None)
