"""Snapshots: a game's whole state as a JSON document, restored into a game that plays on alike.

:func:`snapshot` writes the document; :func:`restore` builds a fresh model from the scenario the
document carries and overwrites its state. State is walked generically (the model's own attributes
and each actor's) and written by an allow-listed codec (:func:`encode`, :func:`decode`), so that
state added later is saved without a per-class field list and a hostile document can make the
loader build nothing but plain data and the game's own types. :class:`SnapshotMixin` gives the
model ``snapshot()``, ``from_snapshot()``, ``clone()``, ``copy.deepcopy`` and ``pickle``.
See ``docs/SNAPSHOTS.md``.

Modules: :mod:`~game.snapshot.document` (what a document holds; :func:`snapshot`,
:func:`restore`), :mod:`~game.snapshot.attributes` (which attributes are saved; caches),
:mod:`~game.snapshot.seats` (policies' state), :mod:`~game.snapshot.mesa_state` (Mesa's clock,
schedule and charts), the codec (:mod:`~game.snapshot.encoding`, :mod:`~game.snapshot.decoding`,
:mod:`~game.snapshot.allowlist`, :mod:`~game.snapshot.validation`), :mod:`~game.snapshot.errors`
and :mod:`~game.snapshot.mixin`.
"""

from __future__ import annotations

from game.snapshot.allowlist import MAX_DEPTH, register_type
from game.snapshot.attributes import CACHE_ATTRIBUTES
from game.snapshot.decoding import decode
from game.snapshot.document import FORMAT_NAME, FORMAT_VERSION, restore, snapshot
from game.snapshot.encoding import encode
from game.snapshot.errors import SnapshotError
from game.snapshot.mixin import SnapshotMixin
from game.snapshot.mixin import _from_pickle as _from_pickle  # games pickled before the split
from game.snapshot.seats import Seats

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
