"""Resume a saved game: the start page's file picker for save files (``load_save.vue``).

The browser checks the file's size before sending it (a message over the websocket's limit
would drop the connection); the server checks everything else (``ui.savefile.load_save``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from ui.savefile import MAX_SAVE_CHARS, SaveError, load_save
from ui.session import GameSession

__all__ = ["LoadSave", "resume_upload"]


@solara.component_vue("load_save.vue")
def LoadSave(max_bytes: int, event_save_loaded: Callable[[dict[str, Any]], None]) -> None:
    """A "Resume a saved game" button; calls back with ``{name, text}`` (``text`` None and
    ``size`` set for a file over ``max_bytes``)."""


def resume_upload(info: Any) -> tuple[GameSession | None, str | None]:
    """A game from what LoadSave sent, or the reason it cannot be resumed."""
    if not isinstance(info, dict):
        return None, "no file received"
    name = str(info.get("name") or "save")[:200]
    size = info.get("size")
    if info.get("text") is None and isinstance(size, int | float):
        return None, f"{name}: too large for a save ({int(size):,} bytes; at most " + (
            f"{MAX_SAVE_CHARS:,})"
        )
    try:
        return load_save(info.get("text"), name), None
    except SaveError as e:
        return None, str(e)
