"""Save files: a game in progress as one JSON document, and a game resumed from one.

A save holds the engine's snapshot (``game.snapshot``, docs/SNAPSHOTS.md), the player's seat and
the game log so far (so that Download log still gives the whole game after a resume). An uploaded
save is untrusted: its size is limited, it must be strict JSON of the expected shape, the snapshot
is restored by the engine's own checked decoder, and anything wrong gives one clear message.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agents.snapshots import restore_game
from game.snapshot import SnapshotError
from ui.session import GameSession, _registry

__all__ = [
    "MAX_SAVE_CHARS",
    "SAVE_FORMAT",
    "SAVE_VERSION",
    "SaveError",
    "load_save",
    "save_filename",
    "save_text",
]

SAVE_FORMAT = "fabrace-save"
SAVE_VERSION = 1
MAX_SAVE_CHARS = 8_000_000  # a whole baseline-2024 game is ~1 MB; the page refuses more first
MAX_RECORDS = 200_000


class SaveError(ValueError):
    """A save file that cannot be resumed; the message says why, for the player."""


def save_text(session: GameSession) -> str:
    """The game as a save file (strict JSON text).

    Raises:
        ValueError: for a spectator's game or a replay (only a seated game is saved).
    """
    if session.seat is None or session.read_only:
        raise ValueError("only a game you play can be saved")
    with session.lock:
        header, records = session.records()
        doc = {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "seat": session.seat,
            "snapshot": session.model.snapshot(),
            "header": header,
            "log": records,
        }
    return json.dumps(doc, allow_nan=False, separators=(",", ":"))


def save_filename(session: GameSession) -> str:
    """``fabrace-baseline-2024-OpenAI-2025Q2.save.json`` (letters, digits and dashes only)."""
    raw = f"fabrace-{session.spec.name}-{session.seat}-{session.quarter}"
    return re.sub(r"[^A-Za-z0-9-]+", "-", raw).strip("-") + ".save.json"


def _reject_constant(name: str) -> Any:
    raise SaveError(f"not strict JSON ({name})")


def load_save(text: Any, name: str = "save") -> GameSession:
    """Resume a game from a save file's text.

    Raises:
        SaveError: with a message naming the file, for anything that is not a save this game
            can resume (too large, not JSON, another format or version, a damaged snapshot).
    """
    if not isinstance(text, str):
        raise SaveError(f"{name}: could not be read as text")
    if len(text) > MAX_SAVE_CHARS:
        raise SaveError(
            f"{name}: too large for a save ({len(text):,} characters; at most {MAX_SAVE_CHARS:,})"
        )
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except SaveError as e:
        raise SaveError(f"{name}: {e}") from None
    except (ValueError, RecursionError):
        raise SaveError(f"{name}: not a Fab Race save (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != SAVE_FORMAT:
        raise SaveError(f"{name}: not a Fab Race save (use Load log for a game log)")
    if doc.get("version") != SAVE_VERSION:
        raise SaveError(
            f"{name}: save version {doc.get('version')!r}; this game reads version {SAVE_VERSION}"
        )
    seat, snap, header, log = (doc.get(k) for k in ("seat", "snapshot", "header", "log"))
    if not isinstance(seat, str) or not isinstance(snap, dict):
        raise SaveError(f"{name}: damaged save (no seat or no snapshot)")
    if not isinstance(header, dict) or not isinstance(log, list) or len(log) > MAX_RECORDS:
        raise SaveError(f"{name}: damaged save (the game log)")
    if not all(isinstance(r, dict) for r in log):
        raise SaveError(f"{name}: damaged save (the game log)")
    seats = snap.get("seats")
    if not isinstance(seats, dict) or seat not in seats:
        raise SaveError(f"{name}: damaged save (no actor {seat!r} in the game)")
    try:
        model = restore_game(snap, registry=_registry(), policies={seat: None})
    except SnapshotError as e:
        raise SaveError(f"{name}: {e}") from None
    except (ValueError, TypeError, KeyError, RecursionError) as e:
        raise SaveError(f"{name}: damaged save ({type(e).__name__})") from None
    return GameSession.from_model(model, seat, header, log)
