"""Which attributes of a game are its saved state, which are rebuilt, and the caches never saved.

The model's own attributes fall into groups by name: Mesa's (saved in the ``mesa`` section), the
configuration (rebuilt from the document's header), the parts saved in their own sections
(``policies``, ``datacollector``; the recorder is not saved), caches (:data:`CACHE_ATTRIBUTES`),
and all others, which are the game's state. An actor's state is all its attributes but its
``model`` and its caches.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import mesa

from game.snapshot.allowlist import could_be_attribute, is_allowed, refresh, scan
from game.snapshot.errors import SnapshotError, short

#: Attributes that only remember what can be computed again: never saved, empty after a restore
#: or a copy. Name -> the empty value's factory. A new cache must be listed here.
CACHE_ATTRIBUTES: dict[str, Callable[[], Any]] = {
    "_cache": dict,  # the model's views (observations' figures, ...); the graph's trust changes
    "_frozen": lambda: None,  # PartnershipGraph: the read-only copy shown to policies
    "_view": lambda: None,  # Contract: its frozen public record
}

#: Model attributes that are configuration, rebuilt from the document's header.
CONFIG_ATTRIBUTES = frozenset({"spec", "rules", "seed", "n_quarters", "decision_seconds"})
#: Model attributes saved in their own sections (or not at all: the recorder).
OWN_SECTIONS = frozenset({"policies", "recorder", "datacollector"})


@functools.cache
def mesa_keys() -> frozenset[str]:
    """The attributes a bare ``mesa.Model`` has: Mesa's own, saved in the ``mesa`` section."""
    return frozenset(vars(mesa.Model(rng=0)))


@functools.cache
def _saved_apart() -> frozenset[str]:
    """The model's attributes saved elsewhere or rebuilt: Mesa's, configuration, own sections."""
    return mesa_keys() | CONFIG_ATTRIBUTES | OWN_SECTIONS


def _is_state(name: Any) -> bool:
    """Whether an attribute of the model is part of its game state (by its name)."""
    return name not in _saved_apart() and name not in CACHE_ATTRIBUTES


def state_keys(model: Any) -> list[str]:
    """The model's own game attributes, in their order."""
    return [k for k in vars(model) if _is_state(k)]


def actor_keys(actor: Any) -> list[str]:
    """An actor's game attributes, in their order."""
    return [k for k in vars(actor) if k != "model" and k not in CACHE_ATTRIBUTES]


def prepare_types(model: Any) -> None:
    """Allow the dataclasses of the module(s) the model's role classes live in (``Cohort``)."""
    for a in model.actor_list:
        scan(type(a).__module__)


def same_keys(got: Any, expected: list[str], what: str, owner: Any = None) -> None:
    """Check a section's fields: every one the fresh game has, and no others.

    With ``owner`` (the model or an actor), fields the fresh object does not have yet are allowed
    if they could be its attributes (set as a game is played): plain names, not a method,
    property or Mesa's, and not one of the parts restored on their own.
    """
    if not isinstance(got, dict):
        raise SnapshotError(f"damaged snapshot: {what} must be an object")
    missing = [k for k in expected if k not in got]
    if missing:
        raise SnapshotError(
            f"damaged snapshot: {what} has no {missing[0]!r} (or the document was written by "
            f"another version of the engine without a new format version)"
        )
    for k in got:
        if k in expected:
            continue
        if (
            owner is None
            or not _is_state(k)
            or k == "model"
            or not could_be_attribute(type(owner), k)
        ):
            raise SnapshotError(
                f"damaged snapshot: {what} has an unknown field {short(k)} (or the document "
                f"was written by another version of the engine without a new format version)"
            )


# ============================================================================ caches
_ATOMS = frozenset({str, int, float, bool, type(None)})


def iter_caches(model: Any) -> Iterator[tuple[Any, str]]:
    """Every cache attribute in the game's state: ``(holder, attribute name)``.

    Looks in the model, its actors and every game object their saved attributes hold.
    """
    refresh()
    prepare_types(model)
    roots = [(model, state_keys(model))] + [(a, actor_keys(a)) for a in model.actor_list]
    stack: list[Any] = []
    for root, keys in roots:
        own = vars(root)
        yield from ((root, name) for name in own if name in CACHE_ATTRIBUTES)
        stack.extend(own[k] for k in keys if type(own[k]) not in _ATOMS)
    seen: set[int] = set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        t = type(x)
        if t is dict or t is defaultdict:
            stack.extend(v for v in x.values() if type(v) not in _ATOMS)
        elif t is list or t is tuple or t is set:
            stack.extend(v for v in x if type(v) not in _ATOMS)
        elif is_allowed(t):  # the game's own objects (actors are roots, seen above)
            for name, v in getattr(x, "__dict__", {}).items():
                if name in CACHE_ATTRIBUTES:
                    yield x, name
                elif type(v) not in _ATOMS:
                    stack.append(v)


def is_atom(x: Any) -> bool:
    """Whether a value is text, a number, a boolean or None (nothing to look into)."""
    return type(x) in _ATOMS


def reset_caches(model: Any) -> None:
    """Empty every cache in the game's state."""
    for holder, name in list(iter_caches(model)):
        vars(holder)[name] = CACHE_ATTRIBUTES[name]()
