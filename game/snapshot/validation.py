"""Validation of what a document restores: values of the kind the game expects at their place.

A dataclass's fields are checked against their annotations as they are decoded
(:func:`check_fields`); every other value against the fresh game's value at the same place
(:func:`conform`), leniently where a game legitimately changes as it is played.
"""

from __future__ import annotations

import functools
import types
import typing
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np

from game.snapshot.allowlist import MAX_DEPTH, fields, is_allowed
from game.snapshot.attributes import CACHE_ATTRIBUTES
from game.snapshot.errors import Fail, short, step


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A class's annotations, resolved (none if they cannot be)."""
    try:
        return typing.get_type_hints(cls)
    except Exception:  # names only known to type checkers: no checks for this class
        return {}


def check_fields(cls: type, attrs: Mapping[str, Any]) -> None:
    """Check a dataclass's decoded fields against their annotations.

    Raises:
        Fail: naming the first field that does not fit.
    """
    hints = _hints(cls)
    for name in fields(cls):
        hint = hints.get(name)
        if hint is not None and not _fits(attrs[name], hint):
            raise Fail(
                f"field {name!r} of a {cls.__qualname__} must be {_hint_text(hint)}, "
                f"got {short(attrs[name])}"
            ).at(f".{name}")


def _fits(v: Any, hint: Any) -> bool:
    """A lenient check of a value against a type annotation (unknown forms pass)."""
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return v is None
    if hint is float:
        return type(v) in (int, float) or isinstance(v, np.floating | np.integer)
    if hint is int:
        return type(v) is int or isinstance(v, np.integer)
    if hint is bool:
        return type(v) is bool or isinstance(v, np.bool_)
    if hint is str:
        return isinstance(v, str)
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(_fits(v, h) for h in typing.get_args(hint))
    if origin is typing.ClassVar or origin is typing.Literal:
        return True
    if origin is not None:
        args = typing.get_args(hint)
        if not isinstance(origin, type) or not isinstance(v, origin):
            return not isinstance(origin, type)
        if origin in (list, set, frozenset) and len(args) == 1:
            assert isinstance(v, list | set | frozenset)  # an instance of origin
            return all(_fits(x, args[0]) for x in v)
        if origin is dict and len(args) == 2:
            assert isinstance(v, dict)
            return all(_fits(k, args[0]) and _fits(x, args[1]) for k, x in v.items())
        if origin is tuple and args:
            assert isinstance(v, tuple)
            if len(args) == 2 and args[1] is Ellipsis:
                return all(_fits(x, args[0]) for x in v)
            return len(args) == len(v) and all(_fits(x, a) for x, a in zip(v, args, strict=True))
        return True
    if isinstance(hint, type):
        return isinstance(v, hint)
    return True


def _hint_text(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _kind(x: Any) -> str:
    """What a value is, for comparing a restored value with a fresh game's (numbers alike)."""
    t = type(x)
    if t is bool or isinstance(x, np.bool_):
        return "bool"
    if t in (int, float) or isinstance(x, np.integer | np.floating):
        return "number"
    if isinstance(x, str):
        return "text"
    if t in (list, tuple, set, frozenset, dict, defaultdict, types.MappingProxyType):
        return t.__name__
    return f"{t.__module__}.{t.__qualname__}"


def conform(new: Any, ref: Any, depth: int = 0, same_place: bool = True) -> None:
    """Check a restored value against a fresh game's value of the same place.

    Lenient where a game legitimately changes: None on either side passes, numbers are numbers,
    and containers are checked item by item against the fresh item of the same key, or else
    against the fresh container's items when they are all of one kind. The fields of a game
    object are compared only with the same object of the fresh game (dataclasses' fields are also
    checked against their annotations as they are read).

    Raises:
        Fail: naming the first value that does not fit.
    """
    if new is None or ref is None or new is ref or depth > MAX_DEPTH:
        return
    kn, kr = _kind(new), _kind(ref)
    if kn != kr:
        raise Fail(f"must be a {_kind_text(kr)}, got {short(new)}")
    if isinstance(ref, Mapping):
        rep = _representative(ref.values())
        for k, v in new.items():
            r = ref.get(k, _NOTHING)
            try:
                if r is _NOTHING:
                    conform(v, rep, depth + 1, False)
                else:
                    conform(v, r, depth + 1, same_place)
            except Fail as e:
                raise e.at(step(k)) from None
    elif kr in ("list", "tuple", "set", "frozenset"):
        ref_items = list(ref)
        new_items = list(new)
        positional = kr == "tuple" and len(ref_items) == len(new_items)
        rep = _representative(ref_items)
        for k, v in enumerate(new_items):
            try:
                if positional:
                    conform(v, ref_items[k], depth + 1, same_place)
                else:
                    conform(v, rep, depth + 1, False)
            except Fail as e:
                raise e.at(f"[{k}]") from None
    elif same_place and is_allowed(type(ref)) and hasattr(ref, "__dict__"):  # a game object
        for k, v in vars(new).items():
            if k in CACHE_ATTRIBUTES:
                continue
            try:
                conform(v, vars(ref).get(k), depth + 1, True)
            except Fail as e:
                raise e.at(step(k)) from None


_NOTHING: Any = object()


def _representative(items: Any) -> Any:
    """An item standing for all of a container's items, if they are all of one kind."""
    rep, kind = None, None
    for x in items:
        if x is None:
            continue
        k = _kind(x)
        if kind is None:
            rep, kind = x, k
        elif k != kind:
            return None
    return rep


def _kind_text(kind: str) -> str:
    return kind.rsplit(".", 1)[-1]


def conform_all(got: dict[str, Any], fresh: Any, what: str) -> None:
    """Check each decoded attribute of a section against the fresh object's.

    Raises:
        SnapshotError: naming the first value that does not fit, under ``what``.
    """
    for k, v in got.items():
        try:
            conform(v, getattr(fresh, k, None))
        except Fail as e:
            raise e.error("damaged snapshot:", f"{what}: {k}") from None
