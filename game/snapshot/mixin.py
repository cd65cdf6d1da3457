"""The model's snapshot hooks: ``snapshot()``, ``from_snapshot()``, ``clone()``, copy and pickle."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from game.snapshot.attributes import CACHE_ATTRIBUTES, is_atom, iter_caches
from game.snapshot.document import restore, snapshot
from game.snapshot.seats import Seats

if TYPE_CHECKING:
    from game.model import FabRaceModel


def _from_pickle(doc: dict[str, Any], policies: dict[str, Any]) -> FabRaceModel:
    """Unpickle a game: its snapshot, with the seats' policy objects as they were pickled."""
    return restore(doc, policies)


class SnapshotMixin:
    """Snapshots, copies and pickling for :class:`~game.model.FabRaceModel`.

    ``copy.deepcopy(game)`` and :meth:`clone` copy the live objects (caches left behind; the copy
    has no recorder); ``pickle`` stores the :meth:`snapshot` document with the seats' policy
    objects and restores it on loading (also without a recorder).
    """

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-serialisable document (see :func:`snapshot`)."""
        from game.model import FabRaceModel  # the mixins are parts of it and nothing else

        assert isinstance(self, FabRaceModel)
        return snapshot(self)

    @classmethod
    def from_snapshot(cls, doc: Any, policies: Seats = None, **kwargs: Any) -> Any:
        """Rebuild a game from :meth:`snapshot`'s document (see :func:`restore`)."""
        from game.model import FabRaceModel

        assert issubclass(cls, FabRaceModel)
        return restore(doc, policies, model_class=cls, **kwargs)

    def clone(self) -> Any:
        """An independent copy that plays on identically (policies copied too; no recorder)."""
        return copy.deepcopy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        for holder, name in iter_caches(self):
            cached = vars(holder)[name]
            if not is_atom(cached) and cached != ():
                memo[id(cached)] = CACHE_ATTRIBUTES[name]()  # the copy starts without it
        recorder = getattr(self, "recorder", None)
        if recorder is not None:
            memo[id(recorder)] = None
        new = object.__new__(type(self))
        memo[id(self)] = new
        for k, v in vars(self).items():
            vars(new)[k] = copy.deepcopy(v, memo)
        return new

    def __copy__(self) -> Any:
        return self.clone()  # a shallow copy of a game would share its books: copy it whole

    def __reduce__(self) -> tuple[Any, ...]:
        from game.model import FabRaceModel

        assert isinstance(self, FabRaceModel)
        return (_from_pickle, (snapshot(self), dict(self.policies)))
