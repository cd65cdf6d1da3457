"""Snapshots: a game's whole state as a JSON document, restored into a game that plays on alike.

:func:`snapshot` writes the document; :func:`restore` builds a fresh model from the scenario the
document carries and overwrites its state. State is walked generically (the model's own attributes
and each actor's) and written by an allow-listed codec (:func:`encode`, :func:`decode`), so that
state added later is saved without a per-class field list and a hostile document can make the
loader build nothing but plain data and the game's own types. :class:`SnapshotMixin` gives the
model ``snapshot()``, ``from_snapshot()``, ``clone()``, ``copy.deepcopy`` and ``pickle``.
See ``docs/SNAPSHOTS.md``.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import math
import random
import sys
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

if TYPE_CHECKING:  # game.model imports this module: the model is loaded lazily at run time
    from game.model import FabRaceModel

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SnapshotError",
    "SnapshotMixin",
    "decode",
    "encode",
    "register_type",
    "restore",
    "snapshot",
]

#: Version of the document format. Bump it whenever the saved state changes shape (a field or a
#: class added, renamed or removed): a document is only read by the version that wrote it.
FORMAT_VERSION = 1
#: The ``format`` of every snapshot document.
FORMAT_NAME = "fabrace-snapshot"

#: Deepest nesting of values a document may have (the game's own state is about ten deep).
MAX_DEPTH = 100

#: Attributes that only remember what can be computed again: never saved, empty after a restore
#: or a copy. Name -> the empty value's factory. A new cache must be listed here.
CACHE_ATTRIBUTES: dict[str, Callable[[], Any]] = {
    "_cache": dict,  # the model's views (observations' figures, centrality, labels)
    "_frozen": lambda: None,  # PartnershipGraph: the read-only copy shown to policies
    "_view": lambda: None,  # Contract: its frozen public record
}

#: Model attributes that are configuration, rebuilt from the document's header.
_CONFIG_ATTRIBUTES = frozenset({"spec", "rules", "seed", "n_quarters", "decision_seconds"})
#: Model attributes saved in their own sections (or not at all: the recorder).
_OWN_SECTIONS = frozenset({"policies", "recorder", "datacollector"})
#: DataCollector attributes that are its reporters (functions), rebuilt with the model.
_REPORTERS = frozenset({"model_reporters", "agent_reporters", "agenttype_reporters"})
#: Bit generators a saved numpy ``Generator`` may name.
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
#: dtypes of numpy scalars and arrays the codec carries.
_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
    | {"float16", "float32", "float64"}
)
#: ``default_factory`` of a ``defaultdict`` the codec carries.
_FACTORIES: dict[str, Any] = {
    "float": float,
    "int": int,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
}
_GRAPH_CLASSES: tuple[type[nx.Graph[Any]], ...] = (
    nx.Graph,
    nx.DiGraph,
    nx.MultiGraph,
    nx.MultiDiGraph,
)
_GRAPHS: dict[str, type[nx.Graph[Any]]] = {c.__name__: c for c in _GRAPH_CLASSES}
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class SnapshotError(ValueError):
    """A state that cannot be saved, or a document that cannot be restored; the message says why."""


# ============================================================================ the allow-list
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


def _scan(modname: str) -> None:
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


_SEEN_MODULES = [0]  # how many modules were loaded at the last refresh


def _refresh() -> None:
    """Register what the loaded game modules define (called when a class is not known yet)."""
    if len(sys.modules) == _SEEN_MODULES[0]:
        return
    _SEEN_MODULES[0] = len(sys.modules)
    for name in list(sys.modules):
        if name == "game" or name.startswith("game."):
            _scan(name)
    from game.graph import PartnershipGraph
    from game.ledger import Ledger

    for cls in (Ledger, PartnershipGraph):
        if cls not in _NAMES:
            register_type(cls)


def _name_of(cls: type) -> str | None:
    name = _NAMES.get(cls)
    if name is None:
        _refresh()
        name = _NAMES.get(cls)
    return name


def _class_named(name: str) -> type | None:
    cls = _CLASSES.get(name)
    if cls is None:
        _refresh()
        cls = _CLASSES.get(name)
    return cls


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _frozen(cls: type) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


# ============================================================================ errors with a path
class _Fail(Exception):
    """A problem deep in a value; the path to it is collected on the way out."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []

    def at(self, step: str) -> _Fail:
        self.path.append(step)
        return self

    def where(self, root: str) -> str:
        return root + "".join(reversed(self.path))


def _short(x: Any, n: int = 60) -> str:
    """A value for a message, cut short (a document may hold huge strings)."""
    try:
        text = repr(x) if not isinstance(x, str) else repr(x[: n + 1])
    except Exception:  # a repr that fails must not hide the real problem
        text = f"<{type(x).__name__}>"
    return text if len(text) <= n else text[: n - 3] + "..."


def _step(key: Any) -> str:
    return f".{key}" if isinstance(key, str) and key.isidentifier() else f"[{_short(key, 40)}]"


# ============================================================================ encoding
class _Encoder:
    """Writes values as JSON, remembering mutable objects so that shared ones stay shared.

    Every list, dict, set and mutable object is numbered in the order its encoding starts; a value
    met again is written as ``{"@": "ref", "v": n}``. The decoder numbers in the same order.
    """

    def __init__(
        self,
        actors: Mapping[int, str] | None = None,
        model: Any = None,
        spec_paths: Mapping[int, str] | None = None,
    ) -> None:
        self.memo: dict[int, int] = {}
        self.keep: list[Any] = []  # what is numbered stays alive, so that ids are not reused
        self.actors = actors or {}
        self.model = model
        self.spec_paths = spec_paths or {}

    def _remember(self, x: Any) -> None:
        self.memo[id(x)] = len(self.keep)
        self.keep.append(x)

    def enc(self, x: Any, depth: int = 0) -> Any:
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            return x
        if t is float:
            if math.isfinite(x):
                return x
            return {"@": "float", "v": "nan" if x != x else ("inf" if x > 0 else "-inf")}
        if depth > MAX_DEPTH:
            raise _Fail(f"nested deeper than {MAX_DEPTH} levels")
        i = id(x)
        n = self.memo.get(i)
        if n is not None:
            return {"@": "ref", "v": n}
        if t is list:
            self._remember(x)
            return self._seq(x, depth)
        if t is dict:
            self._remember(x)
            return self._mapping(x, depth)
        if t is tuple:
            return {"@": "tuple", "v": self._seq(x, depth)}
        name = self.actors.get(i)
        if name is not None:
            return {"@": "actor", "v": name}
        if x is self.model and x is not None:
            return {"@": "model"}
        path = self.spec_paths.get(i)
        if path is not None:
            return {"@": "spec", "v": path}
        if t is set or t is frozenset:
            if t is set:
                self._remember(x)
            try:
                items = sorted(x)  # the same document in any process (string hashing varies)
            except TypeError:
                items = list(x)
            return {"@": t.__name__, "v": self._seq(items, depth)}
        if t is defaultdict:
            factory = x.default_factory
            fname = None if factory is None else getattr(factory, "__name__", "")
            if fname is not None and _FACTORIES.get(fname) is not factory:
                raise _Fail(f"a defaultdict of {_short(factory)} (not a type snapshots carry)")
            self._remember(x)
            return {"@": "defaultdict", "factory": fname, "v": self._mapping(x, depth)}
        if t is types.MappingProxyType:
            return {"@": "mappingproxy", "v": self._mapping(x, depth)}
        if isinstance(x, enum.Enum):
            cname = _name_of(t)
            if cname is None:
                raise _Fail(f"an enum {t.__module__}.{t.__qualname__} (not a type snapshots carry)")
            return {"@": "enum", "cls": cname, "v": self.enc(x.value, depth + 1)}
        if t is np.random.Generator:
            self._remember(x)
            return {"@": "numpy.Generator", "v": _sub_encode(x.bit_generator.state)}
        if t is random.Random:
            self._remember(x)
            return {"@": "random.Random", "v": _sub_encode(x.getstate())}
        if isinstance(x, np.generic) and x.dtype.name in _DTYPES and x.shape == ():
            return {"@": "numpy.scalar", "dtype": x.dtype.name, "v": self.enc(x.item())}
        if t is np.ndarray:
            if x.dtype.name not in _DTYPES:
                raise _Fail(f"a numpy array of {x.dtype} (not a type snapshots carry)")
            self._remember(x)
            payload = {"dtype": x.dtype.name, "shape": list(x.shape), "data": x.ravel().tolist()}
            return {"@": "numpy.ndarray", "v": _sub_encode(payload)}
        if t in _GRAPHS.values():
            self._remember(x)
            return {"@": "networkx", "cls": t.__name__, "v": _sub_encode(_graph_payload(x))}
        return self._object(x, t, depth)

    def _seq(self, xs: Any, depth: int) -> list[Any]:
        out = []
        for k, v in enumerate(xs):
            try:
                out.append(self.enc(v, depth + 1))
            except _Fail as e:
                raise e.at(f"[{k}]") from None
        return out

    def _mapping(self, x: Mapping[Any, Any], depth: int) -> Any:
        """A dict's items: a JSON object if its keys are text (not ``@``), else key-value pairs."""
        if "@" not in x and all(type(k) is str for k in x):
            out = {}
            for k, v in x.items():
                try:
                    out[k] = self.enc(v, depth + 1)
                except _Fail as e:
                    raise e.at(_step(k)) from None
            return out
        pairs = []
        for k, v in x.items():
            try:
                pairs.append([self.enc(k, depth + 1), self.enc(v, depth + 1)])
            except _Fail as e:
                raise e.at(_step(k)) from None
        return {"@": "dict", "v": pairs}

    def _object(self, x: Any, t: type, depth: int) -> Any:
        cname = _name_of(t)
        if cname is None:
            raise _Fail(
                f"a {t.__module__}.{t.__qualname__} (not a type snapshots carry: "
                f"game.snapshot.register_type allows a class)"
            )
        if not _frozen(t):
            self._remember(x)
        attrs: dict[str, Any] = {}
        if dataclasses.is_dataclass(t):
            for f in _fields(t):
                attrs[f] = getattr(x, f)
        own = getattr(x, "__dict__", None)
        if own is None:
            if not attrs:
                raise _Fail(f"a {cname} keeps its state in slots (snapshots read __dict__)")
            own = {}
        caches = [k for k in own if k in CACHE_ATTRIBUTES]
        for k, v in own.items():
            if k not in attrs and k not in CACHE_ATTRIBUTES:
                attrs[k] = v
        node: dict[str, Any] = {"@": "obj", "cls": cname, "v": self._mapping(attrs, depth)}
        if caches:
            node["caches"] = caches
        return node


def _sub_encode(x: Any) -> Any:
    """A payload (a generator's state, a graph's nodes and edges) in its own numbering."""
    return _Encoder().enc(x)


def _sub_decode(x: Any) -> Any:
    return _Decoder().dec(x)


def _graph_payload(g: nx.Graph[Any]) -> dict[str, Any]:
    """A graph as nodes and edges in its own order (and each node's predecessors' order)."""
    if isinstance(g, nx.MultiGraph):  # one of the four classes of _GRAPHS
        edges = [[u, v, k, d] for u, v, k, d in g.edges(keys=True, data=True)]
    else:
        edges = [[u, v, d] for u, v, d in g.edges(data=True)]
    payload: dict[str, Any] = {
        "graph": g.graph,
        "nodes": [[n, d] for n, d in g.nodes(data=True)],
        "edges": edges,
    }
    if isinstance(g, nx.DiGraph):
        payload["pred"] = [[n, list(p)] for n, p in g.pred.items()]
    return payload


def encode(value: Any) -> Any:
    """Write a value as JSON-ready data (dicts, lists, text, numbers, booleans, None).

    Carries None, booleans, ints, floats (exactly; non-finite ones tagged), text, lists, tuples,
    dicts with any keys, sets, defaultdicts, mapping proxies, enums, numpy generators, scalars and
    arrays, ``random.Random``, networkx graphs, and instances of the allowed game classes (see
    :func:`register_type`); objects shared between places stay shared.

    Raises:
        SnapshotError: naming where in the value the first thing it cannot carry is.
    """
    try:
        return _Encoder().enc(value)
    except _Fail as e:
        raise SnapshotError(f"cannot save {e.where('value')}: {e.problem}") from None


# ============================================================================ decoding
_TAG_KEYS: dict[str, frozenset[str]] = {
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


class _Decoder:
    """Reads what :class:`_Encoder` wrote; builds only plain data and allow-listed types."""

    def __init__(
        self,
        actors: Mapping[str, Any] | None = None,
        model: Any = None,
        spec: Any = None,
    ) -> None:
        self.memo: list[Any] = []
        self.actors = actors
        self.model = model
        self.spec = spec

    def dec(self, x: Any, depth: int = 0) -> Any:
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            return x
        if t is float:
            if not math.isfinite(x):
                raise _Fail('a bare non-finite number (written as {"@": "float"})')
            return x
        if depth > MAX_DEPTH:
            raise _Fail(f"nested deeper than {MAX_DEPTH} levels")
        if t is list:
            out: list[Any] = []
            self.memo.append(out)
            out.extend(self._seq(x, depth))
            return out
        if t is dict:
            tag = x.get("@")
            if tag is None:
                d: dict[Any, Any] = {}
                self.memo.append(d)
                self._fill(d, x, depth)
                return d
            return self._tagged(tag, x, depth)
        raise _Fail(f"{_short(x)} is not JSON data")

    def _seq(self, xs: Any, depth: int) -> Iterator[Any]:
        if type(xs) is not list:
            raise _Fail(f"expected a list, got {_short(xs)}")
        for k, v in enumerate(xs):
            try:
                yield self.dec(v, depth + 1)
            except _Fail as e:
                raise e.at(f"[{k}]") from None

    def _fill(self, d: dict[Any, Any], x: Any, depth: int) -> dict[Any, Any]:
        """Fill ``d`` from a mapping's items as :meth:`_Encoder._mapping` wrote them."""
        if type(x) is not dict:
            raise _Fail(f"expected a mapping, got {_short(x)}")
        if "@" not in x:
            for k, v in x.items():
                try:
                    d[k] = self.dec(v, depth + 1)
                except _Fail as e:
                    raise e.at(_step(k)) from None
            return d
        if x.get("@") != "dict" or set(x) != _TAG_KEYS["dict"] or type(x["v"]) is not list:
            raise _Fail(f"expected a mapping, got {_short(x)}")
        for pair in x["v"]:
            if type(pair) is not list or len(pair) != 2:
                raise _Fail(f"a mapping's item must be a [key, value] pair, got {_short(pair)}")
            try:
                k = self.dec(pair[0], depth + 1)
                v = self.dec(pair[1], depth + 1)
            except _Fail as e:
                raise e.at(f"[{_short(pair[0], 40)}]") from None
            try:
                d[k] = v
            except TypeError:
                raise _Fail(f"a mapping's key cannot be {_short(k)}") from None
        return d

    def _tagged(self, tag: Any, x: dict[str, Any], depth: int) -> Any:
        keys = _TAG_KEYS.get(tag) if type(tag) is str else None
        if keys is None:
            raise _Fail(f"unknown type tag {_short(tag)}")
        if set(x) != keys and not (tag == "obj" and set(x) == keys | {"caches"}):
            raise _Fail(f"a {tag!r} value must have exactly the keys {sorted(keys)}")
        v = x.get("v")
        if tag == "ref":
            if type(v) is not int or not 0 <= v < len(self.memo):
                raise _Fail(f"reference to unknown object {_short(v)}")
            return self.memo[v]
        if tag == "float":
            if v not in _NONFINITE:
                raise _Fail(f"a float tag must be nan, inf or -inf, got {_short(v)}")
            return _NONFINITE[v]
        if tag == "tuple":
            return tuple(self._seq(v, depth))
        if tag == "set":
            s: set[Any] = set()
            self.memo.append(s)
            s.update(self._hashable(self._seq(v, depth)))
            return s
        if tag == "frozenset":
            return frozenset(self._hashable(self._seq(v, depth)))
        if tag == "dict":
            d: dict[Any, Any] = {}
            self.memo.append(d)
            return self._fill(d, x, depth)
        if tag == "defaultdict":
            fname = x["factory"]
            if fname is not None and (type(fname) is not str or fname not in _FACTORIES):
                raise _Fail(f"unknown defaultdict factory {_short(fname)}")
            dd: defaultdict[Any, Any] = defaultdict(None if fname is None else _FACTORIES[fname])
            self.memo.append(dd)
            return self._fill(dd, v, depth)
        if tag == "mappingproxy":
            return types.MappingProxyType(self._fill({}, v, depth))
        if tag == "enum":
            cls = self._class(x["cls"])
            if not issubclass(cls, enum.Enum):
                raise _Fail(f"{x['cls']!r} is not an enum")
            try:
                return cls(self.dec(v, depth + 1))
            except ValueError:
                raise _Fail(f"{_short(v)} is not a {x['cls']}") from None
        if tag == "obj":
            return self._object(x, depth)
        if tag == "actor":
            if self.actors is None or type(v) is not str or v not in self.actors:
                raise _Fail(f"reference to unknown actor {_short(v)}")
            return self.actors[v]
        if tag == "model":
            if self.model is None:
                raise _Fail("reference to the model outside a game")
            return self.model
        if tag == "spec":
            return self._spec_part(v)
        if tag == "numpy.Generator":
            g = _generator(_sub_decode(v))
            self.memo.append(g)
            return g
        if tag == "numpy.scalar":
            if x["dtype"] not in _DTYPES:
                raise _Fail(f"unknown numpy dtype {_short(x['dtype'])}")
            item = self.dec(v, depth + 1)
            if type(item) not in (bool, int, float):
                raise _Fail(f"a numpy scalar must be a number, got {_short(item)}")
            return np.dtype(x["dtype"]).type(item)
        if tag == "numpy.ndarray":
            a = _ndarray(_sub_decode(v))
            self.memo.append(a)
            return a
        if tag == "random.Random":
            r = random.Random()
            try:
                r.setstate(_sub_decode(v))
            except (TypeError, ValueError, OverflowError) as e:
                raise _Fail(f"not the state of a random.Random ({e})") from None
            self.memo.append(r)
            return r
        # networkx
        gcls = _GRAPHS.get(x["cls"]) if type(x["cls"]) is str else None
        if gcls is None:
            raise _Fail(f"unknown graph class {_short(x['cls'])}")
        graph = _graph(gcls, _sub_decode(v))
        self.memo.append(graph)
        return graph

    @staticmethod
    def _hashable(items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            try:
                hash(item)
            except TypeError:
                raise _Fail(f"a set cannot hold {_short(item)}") from None
            yield item

    def _class(self, name: Any) -> type:
        cls = _class_named(name) if type(name) is str else None
        if cls is None:
            raise _Fail(f"unknown class {_short(name)} (not a type snapshots carry)")
        return cls

    def _object(self, x: dict[str, Any], depth: int) -> Any:
        cls = self._class(x["cls"])
        if issubclass(cls, enum.Enum):
            raise _Fail(f"{x['cls']!r} is an enum, not an object")
        caches = x.get("caches", [])
        if type(caches) is not list or any(c not in CACHE_ATTRIBUTES for c in caches):
            raise _Fail(f"unknown caches {_short(caches)}")
        frozen = _frozen(cls)
        obj = None
        if not frozen:
            obj = object.__new__(cls)
            self.memo.append(obj)
        attrs = self._fill({}, x["v"], depth)
        if dataclasses.is_dataclass(cls):
            names = _fields(cls)
            missing = [f for f in names if f not in attrs]
            if missing:
                raise _Fail(f"a {x['cls']} without its field {missing[0]!r}")
            _check_fields(cls, attrs)
            extra = {k: v for k, v in attrs.items() if k not in names}
        else:
            extra = attrs
        for k in extra:
            if (
                type(k) is not str
                or not k.isidentifier()
                or k.startswith("__")
                or not hasattr(obj, "__dict__")
                or _is_class_attribute(cls, k)
            ):
                raise _Fail(f"a {x['cls']} has no attribute {_short(k)}")
        if obj is None:
            obj = object.__new__(cls)
        for k, v in attrs.items():
            object.__setattr__(obj, k, v)
        for c in caches:
            object.__setattr__(obj, c, CACHE_ATTRIBUTES[c]())
        return obj

    def _spec_part(self, path: Any) -> Any:
        if self.spec is None or type(path) is not str:
            raise _Fail(f"reference to a scenario part {_short(path)} outside a game")
        part = self.spec
        for step in path.split(".") if path else ():
            try:
                if step.isdigit():
                    part = part[int(step)]
                elif step in type(part).model_fields:
                    part = getattr(part, step)
                else:
                    raise LookupError(step)
            except (LookupError, TypeError, ValueError, AttributeError):
                raise _Fail(f"no scenario part {_short(path)}") from None
        return part


def _is_class_attribute(cls: type, name: str) -> bool:
    """Whether ``name`` is a method, property or other descriptor of the class (not data)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            attr = vars(klass)[name]
            return callable(attr) or hasattr(attr, "__get__")
    return False


def _generator(state: Any) -> np.random.Generator:
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise _Fail(f"not the state of a numpy generator ({_short(state)})")
    bg = getattr(np.random, name)()
    try:
        bg.state = state
    except Exception as e:  # numpy checks the state; whatever it says, the state is not one
        raise _Fail(f"not the state of a numpy {name} generator ({_short(str(e))})") from None
    return np.random.Generator(bg)


def _ndarray(payload: Any) -> np.ndarray:
    try:
        dtype, shape, data = payload["dtype"], payload["shape"], payload["data"]
        if dtype not in _DTYPES or not all(type(n) is int and n >= 0 for n in shape):
            raise ValueError
        return np.array(data, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, KeyError, OverflowError):
        raise _Fail("not a numpy array") from None


def _graph(gcls: type[nx.Graph[Any]], p: Any) -> nx.Graph[Any]:
    try:
        if not isinstance(p, dict) or set(p) - {"graph", "nodes", "edges", "pred"}:
            raise ValueError
        g = gcls()
        g.graph.update(p["graph"])
        for n, d in p["nodes"]:
            g.add_node(n)
            g.nodes[n].update(d)
        for e in p["edges"]:
            if isinstance(g, nx.MultiGraph):  # one of the four classes of _GRAPHS
                u, v, k, d = e
                g.add_edge(u, v, key=k)
                g.edges[u, v, k].update(d)
            else:
                u, v, d = e
                g.add_edge(u, v)
                g.edges[u, v].update(d)
        if isinstance(g, nx.DiGraph):
            # the order of each node's predecessors, as in the saved graph: only networkx's own
            # store can be reordered, and its stubs leave it out
            pred = g._pred  # type: ignore[attr-defined]
            for n, order in p["pred"]:
                inner = pred[n]
                if len(order) != len(inner) or set(order) != set(inner):
                    raise ValueError
                items = [(u, inner[u]) for u in order]
                inner.clear()
                inner.update(items)
        return g
    except (TypeError, ValueError, KeyError, AttributeError, nx.NetworkXError):
        raise _Fail("not a graph (nodes, edges and predecessors)") from None


def decode(data: Any) -> Any:
    """Read a value written by :func:`encode`.

    Raises:
        SnapshotError: naming where in the data the first problem is (an unknown type tag, a
            missing field, a value of the wrong type, nesting too deep, ...).
    """
    try:
        return _Decoder().dec(data)
    except _Fail as e:
        raise SnapshotError(f"cannot read {e.where('value')}: {e.problem}") from None


# ============================================================================ type checks
_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    h = _HINTS.get(cls)
    if h is None:
        try:
            h = typing.get_type_hints(cls)
        except Exception:  # names only known to type checkers: no checks for this class
            h = {}
        _HINTS[cls] = h
    return h


def _check_fields(cls: type, attrs: Mapping[str, Any]) -> None:
    hints = _hints(cls)
    for name in _fields(cls):
        hint = hints.get(name)
        if hint is not None and not _fits(attrs[name], hint):
            raise _Fail(
                f"field {name!r} of a {cls.__qualname__} must be {_hint_text(hint)}, "
                f"got {_short(attrs[name])}"
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


def _conform(new: Any, ref: Any, depth: int = 0, same_place: bool = True) -> None:
    """Check a restored value against a fresh game's value of the same place.

    Lenient where a game legitimately changes: None on either side passes, numbers are numbers,
    and containers are checked item by item against the fresh item of the same key, or else
    against the fresh container's items when they are all of one kind. The fields of a game
    object are compared only with the same object of the fresh game (dataclasses' fields are also
    checked against their annotations as they are read).
    """
    if new is None or ref is None or new is ref or depth > MAX_DEPTH:
        return
    kn, kr = _kind(new), _kind(ref)
    if kn != kr:
        raise _Fail(f"must be a {_kind_text(kr)}, got {_short(new)}")
    if isinstance(ref, Mapping):
        rep = _representative(ref.values())
        for k, v in new.items():
            r = ref.get(k, _NOTHING)
            try:
                if r is _NOTHING:
                    _conform(v, rep, depth + 1, False)
                else:
                    _conform(v, r, depth + 1, same_place)
            except _Fail as e:
                raise e.at(_step(k)) from None
    elif kr in ("list", "tuple", "set", "frozenset"):
        ref_items = list(ref)
        new_items = list(new)
        positional = kr == "tuple" and len(ref_items) == len(new_items)
        rep = _representative(ref_items)
        for k, v in enumerate(new_items):
            try:
                if positional:
                    _conform(v, ref_items[k], depth + 1, same_place)
                else:
                    _conform(v, rep, depth + 1, False)
            except _Fail as e:
                raise e.at(f"[{k}]") from None
    elif same_place and type(ref) in _NAMES and hasattr(ref, "__dict__"):  # a game object
        for k, v in vars(new).items():
            if k in CACHE_ATTRIBUTES:
                continue
            try:
                _conform(v, vars(ref).get(k), depth + 1, True)
            except _Fail as e:
                raise e.at(_step(k)) from None


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


# ============================================================================ the model's state
_MESA_KEYS: frozenset[str] | None = None


def _mesa_keys() -> frozenset[str]:
    """The attributes a bare ``mesa.Model`` has: Mesa's own, saved in the ``mesa`` section."""
    global _MESA_KEYS
    if _MESA_KEYS is None:
        import mesa

        _MESA_KEYS = frozenset(vars(mesa.Model(rng=0)))
    return _MESA_KEYS


def _state_keys(model: Any) -> list[str]:
    """The model's own game attributes, in their order."""
    skip = _mesa_keys() | _CONFIG_ATTRIBUTES | _OWN_SECTIONS
    return [k for k in vars(model) if k not in skip and k not in CACHE_ATTRIBUTES]


def _actor_keys(actor: Any) -> list[str]:
    return [k for k in vars(actor) if k != "model" and k not in CACHE_ATTRIBUTES]


def _spec_paths(spec: Any) -> dict[int, str]:
    """Every pydantic part of the scenario, by id: written as references to the scenario."""
    from pydantic import BaseModel

    out: dict[int, str] = {}

    def walk(x: Any, path: str) -> None:
        if isinstance(x, BaseModel):
            out.setdefault(id(x), path)
            for name in type(x).model_fields:
                walk(getattr(x, name), f"{path}.{name}" if path else name)
        elif isinstance(x, list | tuple):
            for i, v in enumerate(x):
                walk(v, f"{path}.{i}" if path else str(i))

    walk(spec, "")
    return out


def _prepare_types(model: Any) -> None:
    """Allow the dataclasses of the module(s) the model's role classes live in (``Cohort``)."""
    for a in model.actor_list:
        _scan(type(a).__module__)


def _seat(model: Any, name: str) -> dict[str, Any]:
    """What is saved of a seat's policy: its label and, if it can give it, its state."""
    role = model.actors_by_name[name].role
    p = model.policies.get(name)
    if p is None:
        return {"role": role, "policy": "external", "external": True}
    seat: dict[str, Any] = {
        "role": role,
        "policy": model.policy_label(name),
        "external": False,
        "class": type(p).__qualname__,
    }
    get_state = getattr(p, "get_state", None)
    if get_state is None:
        return {**seat, "restorable": False, "reason": "the policy has no get_state()"}
    try:
        state = get_state()
        _check_json(state)
    except Exception as e:
        return {**seat, "restorable": False, "reason": f"{type(e).__name__}: {_short(str(e), 200)}"}
    return {**seat, "restorable": True, "state": state}


def _check_json(x: Any, depth: int = 0) -> None:
    """Refuse anything that is not strict JSON data (what a policy's ``get_state`` returns)."""
    t = type(x)
    if t is str or t is int or t is bool or x is None:
        return
    if t is float:
        if not math.isfinite(x):
            raise SnapshotError("a non-finite number in a policy's state")
        return
    if depth > MAX_DEPTH:
        raise SnapshotError("a policy's state is nested too deep")
    if t is list:
        for v in x:
            _check_json(v, depth + 1)
    elif t is dict:
        for k, v in x.items():
            if type(k) is not str:
                raise SnapshotError(f"a policy's state has a key that is not text: {_short(k)}")
            _check_json(v, depth + 1)
    else:
        raise SnapshotError(f"a policy's state holds a {t.__name__}, not JSON data")


def snapshot(model: FabRaceModel) -> dict[str, Any]:
    """The whole state of a game as a JSON-serialisable document.

    The document carries the scenario, seed, length and time budget; the game's own attributes
    and each actor's; Mesa's clock, random generators and agent ids; the data collected for
    charts; and each seat's policy (label, and state where the policy gives it through
    ``get_state()``). Caches and the recorder are not saved.

    Raises:
        SnapshotError: naming the first part of the state the codec cannot carry.
    """
    _prepare_types(model)
    actor_ids = {id(a): a.name for a in model.actor_list}
    enc = _Encoder(actor_ids, model, _spec_paths(model.spec))
    try:
        state = enc.enc({k: getattr(model, k) for k in _state_keys(model)})
    except _Fail as e:
        raise SnapshotError(f"cannot save {e.where('model')}: {e.problem}") from None
    actors: dict[str, Any] = {}
    for a in model.actor_list:
        try:
            body = enc.enc({k: getattr(a, k) for k in _actor_keys(a)})
        except _Fail as e:
            raise SnapshotError(f"cannot save {e.where(f'actor {a.name}')}: {e.problem}") from None
        actors[a.name] = {"class": type(a).__qualname__, "state": body}
    dc = model.datacollector
    spec = model.spec
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "scenario": {
            "name": spec.name,
            "source": spec.source,
            "digest": spec.digest,
            "spec": spec.model_dump(mode="json"),
        },
        "seed": model.seed,
        "quarters": model.n_quarters,
        "decision_seconds": model.decision_seconds,
        "quarter": model.quarter_index,
        "label": model.label,
        "finished": model.finished,
        "seats": {a.name: _seat(model, a.name) for a in model.actor_list},
        "mesa": encode(
            {
                "steps": model.steps,
                "time": model.time,
                "agent_id_counter": model.agent_id_counter,
                "running": model.running,
                "random": model.random,
                "rng": model.rng,
            }
        ),
        "datacollector": encode({k: v for k, v in vars(dc).items() if k not in _REPORTERS}),
        "state": state,
        "actors": actors,
    }


# ============================================================================ restoring
Seats = Mapping[str, Any] | Callable[[str, str, str], Any] | None
_UNSET: Any = object()


def restore(
    doc: Any,
    policies: Seats = None,
    *,
    recorder: Callable[[dict[str, Any]], None] | None = None,
    decision_seconds: float | None = _UNSET,
    model_class: type[FabRaceModel] | None = None,
) -> FabRaceModel:
    """Rebuild a game from a :func:`snapshot` document; played on, it gives the same results.

    Args:
        doc: the document (as :func:`snapshot` returned it, or parsed back from JSON).
        policies: who plays each seat: a mapping of actor name to policy (``None`` for outside
            control), or a factory ``(actor_name, role, policy_label) -> policy``. Seats a
            mapping does not name are driven from outside. The engine never builds policies
            itself (``agents.snapshots.restore_game`` does, through the policy registry).
            A policy is seated as given (not reset); if it has ``set_state`` and the document
            saved the state of a policy with the same label, its state is restored.
        recorder: called with every record from now on (a restored game has none otherwise).
        decision_seconds: the time budget of a policy call (default: the saved game's).
        model_class: the model class to build (default: ``FabRaceModel``).

    Raises:
        SnapshotError: if the document is of another format version, damaged, or does not
            describe a game this engine can play; the message says where and why.
    """
    if model_class is None:
        from game.model import FabRaceModel

        model_class = FabRaceModel
    try:
        return _restore(doc, policies, recorder, decision_seconds, model_class)
    except SnapshotError:
        raise
    except _Fail as e:
        raise SnapshotError(f"damaged snapshot: {e.where('document')}: {e.problem}") from None
    except RecursionError:
        raise SnapshotError("damaged snapshot: nested too deep") from None
    except Exception as e:  # a damaged document must never surface as a crash deep inside
        raise SnapshotError(f"damaged snapshot: {type(e).__name__}: {_short(str(e), 200)}") from e


def _field(doc: Mapping[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
    if key not in doc:
        raise SnapshotError(f"damaged snapshot: no {key!r} ({what})")
    v = doc[key]
    if type(v) not in kinds:
        raise SnapshotError(f"damaged snapshot: {key!r} must be {what}, got {_short(v)}")
    return v


def _restore(
    doc: Any,
    policies: Seats,
    recorder: Callable[[dict[str, Any]], None] | None,
    decision_seconds: float | None,
    model_class: type[FabRaceModel],
) -> FabRaceModel:
    from game.scenario import ScenarioError, scenario_from_dict

    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT_NAME:
        raise SnapshotError(
            f"not a Fab Race snapshot (a document with format {FORMAT_NAME!r} expected)"
        )
    version = doc.get("version")
    if version != FORMAT_VERSION or type(version) is not int:
        raise SnapshotError(
            f"snapshot format version {_short(version)} cannot be read by this Fab Race, "
            f"which reads version {FORMAT_VERSION}"
        )
    scen = _field(doc, "scenario", (dict,), "the scenario")
    seed = _field(doc, "seed", (int,), "a whole number")
    quarters = _field(doc, "quarters", (int,), "a whole number")
    saved_budget = _field(doc, "decision_seconds", (int, float, type(None)), "seconds or null")
    quarter = _field(doc, "quarter", (int,), "a whole number")
    seats = _field(doc, "seats", (dict,), "the seats")
    for key in ("mesa", "datacollector", "state", "actors"):
        _field(doc, key, (dict,), "an object")
    if not isinstance(scen.get("spec"), dict):
        raise SnapshotError("damaged snapshot: 'scenario' has no 'spec' (the scenario itself)")
    try:
        spec = scenario_from_dict(
            scen["spec"], source="snapshot scenario", digest=str(scen.get("digest", ""))
        )
    except ScenarioError as e:
        raise SnapshotError(f"damaged snapshot: {e}") from None
    spec = spec.model_copy(
        update={"source": str(scen.get("source", "")), "digest": str(scen.get("digest", ""))}
    )
    names = [a.name for a in spec.actors]
    if list(seats) != names or list(doc["actors"]) != names:
        raise SnapshotError(
            "damaged snapshot: its seats and actors must be the scenario's actors, in order "
            f"({', '.join(names)})"
        )
    budget = saved_budget if decision_seconds is _UNSET else decision_seconds
    try:
        model = model_class(
            spec,
            seed=seed,
            policies=dict.fromkeys(names),  # nobody plays while the fresh game is built
            quarters=quarters,
            decision_seconds=budget,
        )
    except ValueError as e:
        raise SnapshotError(f"damaged snapshot: {e}") from None

    # -- the game's state and the actors', over the fresh game's
    _prepare_types(model)
    _same_keys(doc["state"], _state_keys(model), "the game's state", model)  # before decoding
    for a in model.actor_list:
        entry = doc["actors"][a.name]
        if not isinstance(entry, dict) or entry.get("class") != type(a).__qualname__:
            raise SnapshotError(
                f"damaged snapshot: actor {a.name} must be a {type(a).__qualname__}"
            )
        _same_keys(entry.get("state"), _actor_keys(a), f"actor {a.name}", a)
    dec = _Decoder(model.actors_by_name, model, model.spec)
    try:
        state = dec.dec(doc["state"])
    except _Fail as e:
        raise SnapshotError(f"damaged snapshot: {e.where('state')}: {e.problem}") from None
    _same_keys(state, _state_keys(model), "the game's state", model)
    _conform_all(state, model, "state")
    bodies: dict[str, dict[str, Any]] = {}
    for a in model.actor_list:
        try:
            body = dec.dec(doc["actors"][a.name]["state"])
        except _Fail as e:
            raise SnapshotError(
                f"damaged snapshot: {e.where(f'actor {a.name}')}: {e.problem}"
            ) from None
        _same_keys(body, _actor_keys(a), f"actor {a.name}", a)
        _conform_all(body, a, f"actor {a.name}")
        bodies[a.name] = body
    vars(model).update(state)
    for a in model.actor_list:
        vars(a).update(bodies[a.name])
    if model.quarter_index != quarter:
        raise SnapshotError(
            f"damaged snapshot: 'quarter' is {quarter} but the state is in quarter "
            f"{model.quarter_index}"
        )

    _restore_mesa(model, doc["mesa"])
    _restore_datacollector(model, doc["datacollector"])
    _reset_caches(model)
    _restore_seats(model, seats, policies)
    try:  # the restored game must at least describe itself
        model.digest()
        for name in names:
            model.observe(name)
    except Exception as e:
        raise SnapshotError(
            f"damaged snapshot: the restored game is not playable "
            f"({type(e).__name__}: {_short(str(e), 200)})"
        ) from None
    _reset_caches(model)
    model.recorder = recorder
    return model


def _same_keys(got: Any, expected: list[str], what: str, owner: Any = None) -> None:
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
    reserved = _mesa_keys() | _CONFIG_ATTRIBUTES | _OWN_SECTIONS | set(CACHE_ATTRIBUTES)
    for k in got:
        if k in expected:
            continue
        if (
            owner is None
            or type(k) is not str
            or not k.isidentifier()
            or k.startswith("__")
            or k in reserved
            or k == "model"
            or _is_class_attribute(type(owner), k)
        ):
            raise SnapshotError(
                f"damaged snapshot: {what} has an unknown field {_short(k)} (or the document "
                f"was written by another version of the engine without a new format version)"
            )


def _conform_all(got: dict[str, Any], fresh: Any, what: str) -> None:
    for k, v in got.items():
        try:
            _conform(v, getattr(fresh, k, None))
        except _Fail as e:
            raise SnapshotError(
                f"damaged snapshot: {e.where(f'{what}: {k}')}: {e.problem}"
            ) from None


def _restore_mesa(model: Any, raw: Any) -> None:
    """Mesa's clock, generators and agent ids (the default schedule is moved to the clock)."""
    try:
        m = decode(raw)
    except SnapshotError as e:
        raise SnapshotError(f"damaged snapshot: mesa: {e}") from None
    _same_keys(m, ["steps", "time", "agent_id_counter", "running", "random", "rng"], "mesa")
    steps, time, ids = m["steps"], m["time"], m["agent_id_counter"]
    if type(steps) is not int or steps < 0 or type(ids) is not int or ids < 1:
        raise SnapshotError("damaged snapshot: mesa: steps and agent ids must be whole numbers")
    if type(time) not in (int, float) or not 0 <= time < 1e15 or type(m["running"]) is not bool:
        raise SnapshotError("damaged snapshot: mesa: time must be a number, running a boolean")
    if type(m["random"]) is not random.Random or type(m["rng"]) is not np.random.Generator:
        raise SnapshotError("damaged snapshot: mesa: random and rng must be generators")
    from mesa.time import EventGenerator, Priority, Schedule

    # Mesa 3.5's step() runs the default schedule's next event: put it one step after the clock.
    model._default_schedule.stop()
    model._event_list.compact()
    model.steps = steps
    model.time = float(time)
    gen = EventGenerator(
        model, model._do_step, Schedule(interval=1.0, start=float(time) + 1.0), Priority.HIGH
    ).start()
    gen._execution_count = steps
    model._default_schedule = gen
    model.agent_id_counter = ids
    model.running = m["running"]
    model.random.setstate(m["random"].getstate())  # in place: agent sets share this one
    model.rng.bit_generator.state = m["rng"].bit_generator.state


def _restore_datacollector(model: Any, raw: Any) -> None:
    dc = model.datacollector
    try:
        got = decode(raw)
    except SnapshotError as e:
        raise SnapshotError(f"damaged snapshot: datacollector: {e}") from None
    expected = [k for k in vars(dc) if k not in _REPORTERS]
    _same_keys(got, expected, "datacollector")
    _conform_all(got, dc, "datacollector")
    if set(got["model_vars"]) != set(dc.model_vars):
        raise SnapshotError("damaged snapshot: datacollector: other series than the game's")
    vars(dc).update(got)


def _restore_seats(model: Any, seats: Mapping[str, Any], policies: Seats) -> None:
    names = list(model.actors_by_name)
    if isinstance(policies, Mapping):
        unknown = sorted(set(policies) - set(names))
        if unknown:
            raise SnapshotError(f"no actor named {unknown[0]!r} in the snapshot's scenario")
    for name in names:
        seat = seats[name]
        if not isinstance(seat, dict) or not isinstance(seat.get("policy"), str):
            raise SnapshotError(f"damaged snapshot: seat {name} has no policy label")
        role = model.actors_by_name[name].role
        if policies is None:
            pol = None
        elif isinstance(policies, Mapping):
            pol = policies.get(name)
        else:
            try:
                pol = policies(name, role, seat["policy"])
            except SnapshotError:
                raise
            except Exception as e:
                raise SnapshotError(
                    f"seat {name}: no {seat['policy']!r} policy ({type(e).__name__}: {e})"
                ) from None
        model.policies[name] = pol
        if pol is None or not seat.get("restorable") or "state" not in seat:
            continue
        set_state = getattr(pol, "set_state", None)
        label = model.policy_label(name)
        if set_state is None or label != seat["policy"]:
            continue  # another policy in the seat: it starts from its own state
        try:
            set_state(seat["state"])
        except Exception as e:
            raise SnapshotError(
                f"damaged snapshot: seat {name}: the {label} policy refused its saved state "
                f"({type(e).__name__}: {_short(str(e), 200)})"
            ) from None


# ============================================================================ caches
def _iter_caches(model: Any) -> Iterator[tuple[Any, str]]:
    """Every cache attribute in the game's state: ``(holder, attribute name)``."""
    _refresh()
    _prepare_types(model)
    roots: list[tuple[Any, frozenset[str]]] = [
        (model, _mesa_keys() | _OWN_SECTIONS | _CONFIG_ATTRIBUTES)
    ]
    roots += [(a, frozenset({"model"})) for a in model.actor_list]
    stack: list[Any] = []
    for root, skip in roots:
        for name, v in vars(root).items():
            if name in CACHE_ATTRIBUTES:
                yield root, name
            elif name not in skip and type(v) not in _ATOMS:
                stack.append(v)
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
        elif t in _NAMES:  # the game's own objects (actors are roots, seen above)
            for name, v in getattr(x, "__dict__", {}).items():
                if name in CACHE_ATTRIBUTES:
                    yield x, name
                elif type(v) not in _ATOMS:
                    stack.append(v)


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _reset_caches(model: Any) -> None:
    for holder, name in list(_iter_caches(model)):
        vars(holder)[name] = CACHE_ATTRIBUTES[name]()


# ============================================================================ the model's hooks
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
        for holder, name in _iter_caches(self):
            cached = vars(holder)[name]
            if type(cached) not in _ATOMS and cached != ():
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
