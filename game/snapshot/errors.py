"""Snapshot errors: :class:`SnapshotError`, and the path to a problem found deep in a value.

The codec and the checks raise :class:`Fail` where they find a problem; each level it passes on
the way out adds its step (``.ledger``, ``[3]``), and whoever called them turns it into a
:class:`SnapshotError` whose message says where (``state.ledger.balances[3]: ...``).
"""

from __future__ import annotations

from typing import Any


class SnapshotError(ValueError):
    """A state that cannot be saved, or a document that cannot be restored; the message says why."""


class Fail(Exception):
    """A problem deep in a value; the path to it is collected on the way out."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []

    def at(self, step: str) -> Fail:
        """Add the step the problem was found under (steps are added innermost first)."""
        self.path.append(step)
        return self

    def where(self, root: str) -> str:
        """The path to the problem, from ``root``."""
        return root + "".join(reversed(self.path))

    def error(self, doing: str, root: str) -> SnapshotError:
        """The :class:`SnapshotError` to raise: ``"{doing} {path from root}: {problem}"``."""
        return SnapshotError(f"{doing} {self.where(root)}: {self.problem}")


def short(x: Any, n: int = 60) -> str:
    """A value for a message, cut short (a document may hold huge strings)."""
    try:
        text = repr(x) if not isinstance(x, str) else repr(x[: n + 1])
    except Exception:  # a repr that fails must not hide the real problem
        text = f"<{type(x).__name__}>"
    return text if len(text) <= n else text[: n - 3] + "..."


def step(key: Any) -> str:
    """The step into a mapping's item, for a path: ``.name`` or ``[key]``."""
    return f".{key}" if isinstance(key, str) and key.isidentifier() else f"[{short(key, 40)}]"
