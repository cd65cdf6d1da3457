"""Snapshots: a game's whole state as a JSON document, restored into a game that plays on alike.

See ``docs/SNAPSHOTS.md``.
"""

from __future__ import annotations

from game.snapshot.document import (
    CACHE_ATTRIBUTES,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DEPTH,
    Seats,
    SnapshotError,
    SnapshotMixin,
    _from_pickle,  # noqa: F401  (games pickled as game.snapshot._from_pickle still load)
    decode,
    encode,
    register_type,
    restore,
    snapshot,
)

__all__ = [
    "CACHE_ATTRIBUTES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "Seats",
    "SnapshotError",
    "SnapshotMixin",
    "decode",
    "encode",
    "register_type",
    "restore",
    "snapshot",
]
