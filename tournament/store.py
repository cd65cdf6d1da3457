"""The results store: one SQLite file per tournament, written only by the parent process.

WAL mode with ``synchronous=NORMAL``, a game-id primary key and batched commits: a batch is saved
whole or not at all, so a run stopped at any moment (Ctrl-C, ``kill -9``) keeps every finished
batch, and rerunning the same command skips what is there. The store is tied to the tournament's
configuration: running a different one against it is refused.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "differences"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS games (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    seed_index INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    focal TEXT NOT NULL,
    policy TEXT NOT NULL,
    status TEXT NOT NULL,          -- ok | failed
    error TEXT,
    seconds REAL NOT NULL,
    seats TEXT NOT NULL,           -- JSON [[actor, policy], ...]
    totals TEXT                    -- JSON counters of the game
);
CREATE TABLE IF NOT EXISTS scores (
    game_id TEXT NOT NULL REFERENCES games(id),
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    policy TEXT NOT NULL,
    focal INTEGER NOT NULL,
    score REAL NOT NULL,
    breakdown TEXT NOT NULL,       -- JSON
    PRIMARY KEY (game_id, actor)
);
CREATE INDEX IF NOT EXISTS scores_focal ON scores (role, focal);
"""


class StoreError(Exception):
    """A store that cannot be used (unwritable, not ours, another tournament's, corrupt)."""


_NOT_RECORDED = object()


def _shown(value: Any) -> str:
    if value is _NOT_RECORDED:
        return "not recorded"
    if value is None:
        return "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _named(value: Any) -> Any:
    """A policy's recipe by its name, a list of them as names joined by commas."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        names = [_named(v) for v in value]
        if all(isinstance(n, str) for n in names):
            return ",".join(names)
    return value


def differences(stored: Any, config: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """What differs between a stored configuration and a new one, one phrase per setting.

    Args:
        stored: the configuration the store holds (a dict, or anything if unreadable).
        config: the configuration of the run.
        labels: the name to show for a field (its command-line option); a field without one is
            shown by its own name.

    Returns:
        e.g. ``["--decision-seconds was 2, now 0.5", "other --scenario"]``: values of simple
        settings are shown (policies by name), a missing one as "not recorded" (a store from an
        older version).
    """
    if not isinstance(stored, dict):
        return []
    out: dict[str, str] = {}
    for k in [*config, *(k for k in stored if k not in config)]:
        old, new = stored.get(k, _NOT_RECORDED), config.get(k, _NOT_RECORDED)
        if old == new:
            continue
        name = labels.get(k, k)
        old, new = _named(old), _named(new)
        simple = old != new and all(
            v is _NOT_RECORDED
            or v is None
            or (isinstance(v, int | float | str) and len(str(v)) < 40)
            for v in (old, new)
        )
        if simple:
            out[name] = f"{name} was {_shown(old)}, now {_shown(new)}"
        else:
            out.setdefault(name, f"other {name}")
    return list(out.values())


class Store:
    """A tournament's results on disk.

    Args:
        path: the SQLite file.
        config: the tournament configuration as JSON-ready dict, with its key.
        force: start over (delete what the file holds).
        readonly: only read (the standings and report commands).
        labels: the names to give the configuration's fields when a store of another
            configuration is refused (see :func:`differences`).

    Raises:
        StoreError: with a message naming the file and the problem.
    """

    def __init__(
        self,
        path: str | Path,
        config: dict[str, Any] | None,
        key: str | None,
        *,
        force: bool = False,
        readonly: bool = False,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.labels = dict(labels or {})
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder; give a file path for the results")
        if readonly:
            if not self.path.is_file():
                raise StoreError(f"{self.path}: no such results file")
        else:
            folder = self.path.parent if str(self.path.parent) else Path(".")
            if not folder.is_dir():
                raise StoreError(f"{self.path}: folder {folder} does not exist")
            if not os.access(folder, os.W_OK) or (
                self.path.exists() and not os.access(self.path, os.W_OK)
            ):
                raise StoreError(f"{self.path}: cannot write here (permission denied)")
            if force:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
        try:
            # Readers open the file as writers do, but query only: as the last connection to
            # close they tidy the -wal and -shm files away, where a mode=ro connection leaves
            # them beside the store. Where they may not write, mode=ro it is; and if there is
            # no -shm file, which such a reader could not create, nobody can be writing: the
            # file is opened as immutable.
            folder = self.path.parent if str(self.path.parent) else Path(".")
            if readonly and not (os.access(folder, os.W_OK) and os.access(self.path, os.W_OK)):
                uri = self.path.resolve().as_uri() + "?mode=ro"
                if not Path(f"{self.path}-shm").exists():
                    uri += "&immutable=1"
                self.db = sqlite3.connect(uri, uri=True, isolation_level=None)
            else:
                self.db = sqlite3.connect(self.path, isolation_level=None)
            if readonly:
                self.db.execute("PRAGMA query_only = ON")
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot open ({e})") from None
        try:
            self._open(config, key, readonly=readonly)
        except BaseException:
            self.db.close()
            raise

    def _open(self, config: dict[str, Any] | None, key: str | None, *, readonly: bool) -> None:
        try:
            self.db.execute("PRAGMA busy_timeout = 5000")
            tables = {
                r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a Fab Race results store ({e})") from None
        # Look before touching: switching a file to WAL rewrites its header, so another
        # program's database must be refused before that.
        if tables and not {"meta", "games", "scores"} <= tables:
            raise StoreError(
                f"{self.path}: not a Fab Race results store (tables: {', '.join(sorted(tables))})"
            )
        if readonly:
            if not tables:
                raise StoreError(f"{self.path}: empty, not a Fab Race results store")
        else:
            self._init(config, key, fresh=not tables)
        try:
            self.config = json.loads(self._meta("config") or "null")
            self.key = self._meta("key")
        except (sqlite3.DatabaseError, ValueError) as e:
            raise StoreError(f"{self.path}: corrupt results store ({e})") from None

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _init(self, config: dict[str, Any] | None, key: str | None, *, fresh: bool) -> None:
        try:
            schema = None if fresh else self._meta("schema")
            stored_key = None if fresh else self._meta("key")
            if stored_key is not None:
                # Check before writing anything: a refused store is left byte for byte.
                if schema != str(SCHEMA_VERSION):
                    raise StoreError(
                        f"{self.path}: results store of schema {schema!r}; this version "
                        f"reads {SCHEMA_VERSION} (use --force to start over)"
                    )
                if key is not None and stored_key != key:
                    try:
                        stored = json.loads(self._meta("config") or "null")
                    except ValueError:
                        stored = None
                    what = "; ".join(differences(stored, config or {}, self.labels)) or (
                        "other scenario, policies, games, seed or settings"
                    )
                    raise StoreError(
                        f"{self.path}: holds the results of a different tournament ({what}); "
                        f"use another --out, or --force to start over"
                    )
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.executescript(_SCHEMA)  # idempotent
            if stored_key is None:  # new (or created but stopped before its meta)
                self.db.execute("BEGIN")
                self.db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema', ?), ('key', ?), ('config', ?)",
                    (str(SCHEMA_VERSION), key, json.dumps(config, sort_keys=True)),
                )
                self.db.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: corrupt results store ({e})") from None

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """All rows of a query; a damaged file is a :class:`StoreError`, not a traceback."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: corrupt results store ({e})") from None

    # -- writing ----------------------------------------------------------------------------
    def finished_ids(self, *, include_failed: bool = True) -> set[str]:
        """Ids of the games already stored (failed ones too, unless retrying them)."""
        q = "SELECT id FROM games" + ("" if include_failed else " WHERE status = 'ok'")
        return {r[0] for r in self._rows(q)}

    def write(self, records: Iterable[dict[str, Any]], games: dict[str, Any]) -> int:
        """Save a batch of results in one transaction; return how many were saved."""
        n = 0
        try:
            self.db.execute("BEGIN")
            for rec in records:
                g = games[rec["id"]]
                self.db.execute("DELETE FROM scores WHERE game_id = ?", (g.id,))
                self.db.execute(
                    "INSERT OR REPLACE INTO games VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        g.id,
                        g.role,
                        g.seed_index,
                        g.seed,
                        g.focal,
                        g.policy,
                        rec["status"],
                        rec["error"],
                        rec["seconds"],
                        json.dumps(g.seats),
                        json.dumps(rec.get("totals")),
                    ),
                )
                for actor, role, policy, score, breakdown in rec.get("scores", []):
                    self.db.execute(
                        "INSERT INTO scores VALUES (?,?,?,?,?,?,?)",
                        (
                            g.id,
                            actor,
                            role,
                            policy,
                            int(actor == g.focal),
                            score,
                            json.dumps(breakdown),
                        ),
                    )
                n += 1
            self.db.execute("COMMIT")
        except BaseException as e:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"{self.path}: cannot save results ({e})") from None
            raise
        return n

    # -- reading ----------------------------------------------------------------------------
    def focal_scores(self) -> list[tuple[str, int, str, float]]:
        """(role, seed index, policy, focal score) of every finished game, in a fixed order."""
        return self._rows(
            "SELECT g.role, g.seed_index, g.policy, s.score FROM games g JOIN scores s "
            "ON s.game_id = g.id AND s.focal = 1 WHERE g.status = 'ok' "
            "ORDER BY g.role, g.seed_index, g.policy"
        )

    def counts(self) -> dict[str, int]:
        """How many games are stored, by status."""
        return dict(self._rows("SELECT status, COUNT(*) FROM games GROUP BY status"))

    def failures(self, limit: int = 10) -> list[tuple[str, str]]:
        return self._rows(
            "SELECT id, error FROM games WHERE status = 'failed' ORDER BY id LIMIT ?", (limit,)
        )

    def close(self) -> None:
        self.db.close()
