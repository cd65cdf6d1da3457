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
import time
from pathlib import Path

from ui.tables import TableRegistry, default_folder

__all__ = ["FOLDER_ENV", "TICK_SECONDS", "folder", "registry"]

FOLDER_ENV = "FABRACE_TABLES_FOLDER"
TICK_SECONDS = 1.0
_lock = threading.Lock()
_registry: TableRegistry | None = None
_log = logging.getLogger(__name__)


def folder() -> Path:
    """Where this server keeps its tables."""
    chosen = os.environ.get(FOLDER_ENV)
    return Path(chosen) if chosen else default_folder()


def _run_timers(reg: TableRegistry) -> None:
    while True:
        time.sleep(TICK_SECONDS)
        try:
            reg.tick()
        except Exception:  # a table that fails to play must not stop the other tables' timers
            _log.exception("a table's timer failed")


def registry() -> TableRegistry:
    """The server's registry (made, loaded and its timer thread started at the first call)."""
    global _registry
    with _lock:
        if _registry is None:
            reg = TableRegistry(folder())
            for name, why in reg.problems.items():
                _log.warning("table file %s not loaded: %s", name, why)
            threading.Thread(
                target=_run_timers, args=(reg,), name="fabrace-table-timers", daemon=True
            ).start()
            _registry = reg
        return _registry
