"""The allow-list: every type tag the codec writes, and every class and value it may build.

A document names nothing the loader imports: a tag (``{"@": "set", ...}``) picks one of the kinds
in :data:`TAG_KEYS`, and a class is looked up by name among the classes allowed here, which are
the dataclasses and enums of the ``game`` package (and of the module of the model's role classes),
the ledger, the partnership graph, and whatever :func:`register_type` adds. Numpy values, graphs
and ``defaultdict`` factories are limited to the few listed here, and nesting to :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import sys
from typing import Any

import networkx as nx

from game.graph import PartnershipGraph
from game.ledger import Ledger

#: Deepest nesting of values a document may have (the game's own state is about ten deep).
MAX_DEPTH = 100

#: Every type tag (``"@"``) and the exact keys its object has.
TAG_KEYS: dict[str, frozenset[str]] = {
    "ref": frozenset({"@", "v"}),
    "float": frozenset({"@", "v"}),
    "tuple": frozenset({"@", "v"}),
    "set": frozenset({"@", "v"}),
    "frozenset": frozenset({"@", "v"}),
    "dict": frozenset({"@", "v"}),
    "defaultdict": frozenset({"@", "factory", "v"}),
    "mappingproxy": frozenset({"@", "v"}),
    "enum": frozenset({"@", "cls", "v"}),
    "obj": frozenset({"@", "cls", "v"}),
    "actor": frozenset({"@", "v"}),
    "model": frozenset({"@"}),
    "spec": frozenset({"@", "v"}),
    "numpy.Generator": frozenset({"@", "v"}),
    "numpy.scalar": frozenset({"@", "dtype", "v"}),
    "numpy.ndarray": frozenset({"@", "v"}),
    "random.Random": frozenset({"@", "v"}),
    "networkx": frozenset({"@", "cls", "v"}),
}
#: Non-finite floats, as the ``float`` tag writes them.
NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
#: Bit generators a saved numpy ``Generator`` may name.
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
#: dtypes of numpy scalars and arrays the codec carries.
DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
    | {"float16", "float32", "float64"}
)
#: ``default_factory`` of a ``defaultdict`` the codec carries.
FACTORIES: dict[str, Any] = {
    "float": float,
    "int": int,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
}
#: networkx graph classes the codec carries.
_GRAPH_CLASSES: tuple[type[nx.Graph[Any]], ...] = (
    nx.Graph,
    nx.DiGraph,
    nx.MultiGraph,
    nx.MultiDiGraph,
)
GRAPHS: dict[str, type[nx.Graph[Any]]] = {c.__name__: c for c in _GRAPH_CLASSES}

_CLASSES: dict[str, type] = {}  # name in documents -> class
_NAMES: dict[type, str] = {}  # class -> name in documents
_SCANNED: set[str] = set()  # modules whose dataclasses and enums are registered


def register_type(cls: type, name: str | None = None) -> None:
    """Allow a class in snapshots (its instances are saved as their attributes).

    Dataclasses and enums defined in the ``game`` package (and in the module of the model's role
    classes) are allowed without registering; so are the ledger and the partnership graph. Register
    any other plain class whose instances are part of a game's state.

    Args:
        cls: the class.
        name: how documents name it (default: its ``__qualname__``).

    Raises:
        ValueError: if another class is already registered under that name.
    """
    name = name or cls.__qualname__
    other = _CLASSES.get(name)
    if other is not None and other is not cls:
        raise ValueError(
            f"two classes named {name!r} in snapshots ({other.__module__} and {cls.__module__}): "
            f"register one with register_type(cls, name=...)"
        )
    _CLASSES[name] = cls
    _NAMES[cls] = name


def scan(modname: str) -> None:
    """Register the dataclasses and enums a loaded module defines."""
    mod = sys.modules.get(modname)
    if mod is None or modname in _SCANNED:
        return
    _SCANNED.add(modname)
    for obj in list(vars(mod).values()):
        if (
            isinstance(obj, type)
            and obj.__module__ == modname
            and "<locals>" not in obj.__qualname__
            and (dataclasses.is_dataclass(obj) or issubclass(obj, enum.Enum))
        ):
            register_type(obj)


_seen_modules = 0  # how many modules were loaded at the last refresh


def refresh() -> None:
    """Register what the loaded game modules define (called when a class is not known yet)."""
    global _seen_modules
    if len(sys.modules) == _seen_modules:
        return
    _seen_modules = len(sys.modules)
    for name in list(sys.modules):
        if name == "game" or name.startswith("game."):
            scan(name)
    for cls in (Ledger, PartnershipGraph):
        if cls not in _NAMES:
            register_type(cls)


def name_of(cls: type) -> str | None:
    """How documents name an allowed class (None if it is not allowed)."""
    if cls not in _NAMES:
        refresh()
    return _NAMES.get(cls)


def class_named(name: str) -> type | None:
    """The allowed class a document names (None if there is none)."""
    if name not in _CLASSES:
        refresh()
    return _CLASSES.get(name)


def is_allowed(cls: type) -> bool:
    """Whether a class is allowed already (without looking for newly loaded modules)."""
    return cls in _NAMES


@functools.cache
def fields(cls: type) -> tuple[str, ...]:
    """A dataclass's field names."""
    return tuple(f.name for f in dataclasses.fields(cls))


def frozen(cls: type) -> bool:
    """Whether a class is a frozen dataclass (its instances are values, never shared)."""
    params = getattr(cls, "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


def could_be_attribute(cls: type, name: Any) -> bool:
    """Whether a document may set ``name`` on an instance of ``cls``.

    A plain name (not a dunder) that is not a method, property or other descriptor of the class.
    """
    if type(name) is not str or not name.isidentifier() or name.startswith("__"):
        return False
    for klass in cls.__mro__:
        if name in vars(klass):
            attr = vars(klass)[name]
            return not (callable(attr) or hasattr(attr, "__get__"))
    return True
