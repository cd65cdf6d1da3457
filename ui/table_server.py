"""The server's tables: one :class:`~ui.tables.TableRegistry` per server process, and the
thread that runs the hosts' timers.

``fabrace play --tables-folder DIR`` names the folder (through ``FABRACE_TABLES_FOLDER``);
without it, :func:`ui.tables.default_folder`. The registry is made at the first page that needs
it and loads the tables saved there, so tables survive a server restart. A daemon thread calls
:meth:`~ui.tables.TableRegistry.tick` every :data:`TICK_SECONDS`, so a quarter ends when the
host's timer runs out even if no page is open; it changes games only under each table's lock
and renders nothing (the pages see the change when they next poll).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from ui.tables import TableRegistry, default_folder

__all__ = ["FOLDER_ENV", "TICK_SECONDS", "folder", "registry", "start_timers"]

FOLDER_ENV = "FABRACE_TABLES_FOLDER"
TICK_SECONDS = 1.0
_lock = threading.Lock()
_registry: TableRegistry | None = None
_log = logging.getLogger(__name__)


def folder() -> Path:
    """Where this server keeps its tables."""
    chosen = os.environ.get(FOLDER_ENV)
    return Path(chosen) if chosen else default_folder()


def start_timers(reg: TableRegistry, seconds: float = TICK_SECONDS) -> threading.Event:
    """Run ``reg``'s timers every ``seconds`` on a daemon thread; set the event returned to
    stop it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(seconds):
            try:
                reg.tick()
            except Exception:  # one table failing must not stop the other tables' timers
                _log.exception("a table's timer failed")

    threading.Thread(target=run, name="fabrace-table-timers", daemon=True).start()
    return stop


def registry() -> TableRegistry:
    """The server's registry (made, loaded and its timer thread started at the first call)."""
    global _registry
    with _lock:
        if _registry is None:
            reg = TableRegistry(folder())
            for name, why in reg.problems.items():
                _log.warning("table file %s not loaded: %s", name, why)
            start_timers(reg)
            _registry = reg
        return _registry
