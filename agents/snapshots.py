"""Restoring a saved game with its bots: built-in and registered policies rebuilt by name.

The engine's :func:`game.snapshot.restore` never builds policies; :func:`restore_game` builds
each seat's policy from the label the snapshot recorded, through the policy registry, and the
engine then gives it back its saved state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agents.registry import PolicyError, PolicyRegistry, make_policy
from game.model import FabRaceModel
from game.snapshot import SnapshotError, restore

__all__ = ["restore_game", "seat_factory"]


def seat_factory(
    doc: Mapping[str, Any],
    registry: PolicyRegistry | None = None,
    policies: Mapping[str, Any] | None = None,
) -> Callable[[str, str, str], Any]:
    """The factory :func:`~game.snapshot.restore` calls for each seat.

    Args:
        doc: the snapshot (to tell which seats' state was saved).
        registry: where policy labels are looked up (default: built-ins and plugins; give one
            with the policies file the game was played with for its variants).
        policies: seats given as objects (or ``None`` for outside control), used as they are.

    Returns:
        ``(actor_name, role, policy_label) -> policy``; raises :class:`SnapshotError` for a seat
        whose policy cannot be built, or whose state was not saved and that is not given.
    """
    given = dict(policies or {})
    seats = doc.get("seats") if isinstance(doc, Mapping) else None
    seats = seats if isinstance(seats, Mapping) else {}

    def make(name: str, role: str, label: str) -> Any:
        if name in given:
            return given[name]
        if label == "external":
            return None
        seat = seats.get(name)
        if not isinstance(seat, Mapping) or not seat.get("restorable"):
            why = seat.get("reason", "") if isinstance(seat, Mapping) else ""
            raise SnapshotError(
                f"seat {name}: the state of its {label!r} policy was not saved"
                f"{f' ({why})' if why else ''}; give that seat in policies=..."
            )
        try:
            return make_policy(label, role) if registry is None else registry.make(label, role)
        except PolicyError as e:
            raise SnapshotError(f"seat {name}: {e}") from None

    return make


def restore_game(
    doc: Mapping[str, Any],
    *,
    registry: PolicyRegistry | None = None,
    policies: Mapping[str, Any] | None = None,
    recorder: Callable[[dict[str, Any]], None] | None = None,
    **kwargs: Any,
) -> FabRaceModel:
    """Rebuild a saved game with every seat played as it was (bots with their saved state).

    Args:
        doc: a document from ``FabRaceModel.snapshot()``.
        registry: where the seats' policy labels are looked up (see :func:`seat_factory`).
        policies: seats to fill with given objects instead (``None``: outside control).
        recorder: called with every record of the game log from now on.
        **kwargs: passed to :func:`game.snapshot.restore` (``decision_seconds``).

    Raises:
        SnapshotError: if the document cannot be restored or a seat's policy cannot be rebuilt.
    """
    factory = seat_factory(doc, registry, policies)
    return restore(doc, factory, recorder=recorder, **kwargs)
