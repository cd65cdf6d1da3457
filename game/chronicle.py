"""The chronicle: what a game writes down as it goes — news lines, counters and log records.

The news of a quarter is what every actor reads; the chronicle keeps every line of the game with
its quarter; counters tally offers, breaches, faults and the like for the result; and each record
of the game log (decisions, events, quarter ends) goes to the model's ``recorder`` if it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

__all__ = ["ChronicleMixin", "Counters"]


@dataclass
class Counters:
    """Tallies of what happened in a game (offers, counters, breaches, faults, ...)."""

    values: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


class ChronicleMixin:
    """News, counters and log records of a :class:`~game.model.FabRaceModel`."""

    news: list[str]
    chronicle: list[tuple[str, str]]
    counters: Counters
    recorder: Callable[[dict[str, Any]], None] | None
    _version: int

    if TYPE_CHECKING:

        @property
        def label(self) -> str: ...

    def say(self, text: str) -> None:
        """Add a line to this quarter's news (and to the game's chronicle)."""
        self.news.append(text)
        self.chronicle.append((self.label, text))
        self._version += 1

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to the game's tally of ``key``."""
        self.counters.add(key, n)

    def _record(self, rec: dict[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder(rec)
