"""Decoding: JSON data written by the encoder, read back into the values it carried.

Only what the allow-list names is built: plain data, numpy and ``random`` generators, networkx
graphs and instances of the allowed classes (made without calling ``__init__``, their attributes
set). Anything else (an unknown tag or class, a missing or extra field, nesting too deep, a
reference to nothing) is refused with the path to it.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import random
import types
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import networkx as nx
import numpy as np

from game.snapshot.allowlist import (
    BIT_GENERATORS,
    DTYPES,
    FACTORIES,
    GRAPHS,
    MAX_DEPTH,
    NONFINITE,
    TAG_KEYS,
    class_named,
    could_be_attribute,
    fields,
    frozen,
)
from game.snapshot.attributes import CACHE_ATTRIBUTES
from game.snapshot.errors import Fail, short, step
from game.snapshot.validation import check_fields


class Decoder:
    """Reads what :class:`~game.snapshot.encoding.Encoder` wrote; builds only allowed types.

    Args:
        actors: the actors by name, for references to them (none outside a game).
        model: the model, for references to it.
        spec: the scenario, for references to its parts.
    """

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
        """One value from its JSON data.

        Raises:
            Fail: naming where in the data the first problem is.
        """
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            return x
        if t is float:
            if not math.isfinite(x):
                raise Fail('a bare non-finite number (written as {"@": "float"})')
            return x
        if depth > MAX_DEPTH:
            raise Fail(f"nested deeper than {MAX_DEPTH} levels")
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
        raise Fail(f"{short(x)} is not JSON data")

    def _seq(self, xs: Any, depth: int) -> Iterator[Any]:
        if type(xs) is not list:
            raise Fail(f"expected a list, got {short(xs)}")
        for k, v in enumerate(xs):
            try:
                yield self.dec(v, depth + 1)
            except Fail as e:
                raise e.at(f"[{k}]") from None

    def _fill(self, d: dict[Any, Any], x: Any, depth: int) -> dict[Any, Any]:
        """Fill ``d`` from a mapping's items as the encoder wrote them."""
        if type(x) is not dict:
            raise Fail(f"expected a mapping, got {short(x)}")
        if "@" not in x:
            for k, v in x.items():
                try:
                    d[k] = self.dec(v, depth + 1)
                except Fail as e:
                    raise e.at(step(k)) from None
            return d
        if x.get("@") != "dict" or set(x) != TAG_KEYS["dict"] or type(x["v"]) is not list:
            raise Fail(f"expected a mapping, got {short(x)}")
        for pair in x["v"]:
            if type(pair) is not list or len(pair) != 2:
                raise Fail(f"a mapping's item must be a [key, value] pair, got {short(pair)}")
            try:
                k = self.dec(pair[0], depth + 1)
                v = self.dec(pair[1], depth + 1)
            except Fail as e:
                raise e.at(f"[{short(pair[0], 40)}]") from None
            try:
                d[k] = v
            except TypeError:
                raise Fail(f"a mapping's key cannot be {short(k)}") from None
        return d

    def _tagged(self, tag: Any, x: dict[str, Any], depth: int) -> Any:
        """A tagged value (``{"@": tag, ...}``): its keys checked, then the value built."""
        keys = TAG_KEYS.get(tag) if type(tag) is str else None
        if keys is None:
            raise Fail(f"unknown type tag {short(tag)}")
        if set(x) != keys and not (tag == "obj" and set(x) == keys | {"caches"}):
            raise Fail(f"a {tag!r} value must have exactly the keys {sorted(keys)}")
        v = x.get("v")
        if tag == "ref":
            if type(v) is not int or not 0 <= v < len(self.memo):
                raise Fail(f"reference to unknown object {short(v)}")
            return self.memo[v]
        if tag == "float":
            if v not in NONFINITE:
                raise Fail(f"a float tag must be nan, inf or -inf, got {short(v)}")
            return NONFINITE[v]
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
            if fname is not None and (type(fname) is not str or fname not in FACTORIES):
                raise Fail(f"unknown defaultdict factory {short(fname)}")
            dd: defaultdict[Any, Any] = defaultdict(None if fname is None else FACTORIES[fname])
            self.memo.append(dd)
            return self._fill(dd, v, depth)
        if tag == "mappingproxy":
            return types.MappingProxyType(self._fill({}, v, depth))
        if tag == "enum":
            cls = self._class(x["cls"])
            if not issubclass(cls, enum.Enum):
                raise Fail(f"{x['cls']!r} is not an enum")
            try:
                return cls(self.dec(v, depth + 1))
            except ValueError:
                raise Fail(f"{short(v)} is not a {x['cls']}") from None
        if tag == "obj":
            return self._object(x, depth)
        if tag == "actor":
            if self.actors is None or type(v) is not str or v not in self.actors:
                raise Fail(f"reference to unknown actor {short(v)}")
            return self.actors[v]
        if tag == "model":
            if self.model is None:
                raise Fail("reference to the model outside a game")
            return self.model
        if tag == "spec":
            return self._spec_part(v)
        if tag == "numpy.Generator":
            g = _generator(_sub_decode(v))
            self.memo.append(g)
            return g
        if tag == "numpy.scalar":
            if x["dtype"] not in DTYPES:
                raise Fail(f"unknown numpy dtype {short(x['dtype'])}")
            item = self.dec(v, depth + 1)
            if type(item) not in (bool, int, float):
                raise Fail(f"a numpy scalar must be a number, got {short(item)}")
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
                raise Fail(f"not the state of a random.Random ({e})") from None
            self.memo.append(r)
            return r
        # networkx
        gcls = GRAPHS.get(x["cls"]) if type(x["cls"]) is str else None
        if gcls is None:
            raise Fail(f"unknown graph class {short(x['cls'])}")
        graph = _graph(gcls, _sub_decode(v))
        self.memo.append(graph)
        return graph

    @staticmethod
    def _hashable(items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            try:
                hash(item)
            except TypeError:
                raise Fail(f"a set cannot hold {short(item)}") from None
            yield item

    def _class(self, name: Any) -> type:
        cls = class_named(name) if type(name) is str else None
        if cls is None:
            raise Fail(f"unknown class {short(name)} (not a type snapshots carry)")
        return cls

    def _object(self, x: dict[str, Any], depth: int) -> Any:
        """An allowed class's instance, made without ``__init__``, its attributes set."""
        cls = self._class(x["cls"])
        if issubclass(cls, enum.Enum):
            raise Fail(f"{x['cls']!r} is an enum, not an object")
        caches = x.get("caches", [])
        if type(caches) is not list or any(c not in CACHE_ATTRIBUTES for c in caches):
            raise Fail(f"unknown caches {short(caches)}")
        obj = None
        if not frozen(cls):  # numbered before its attributes, as the encoder numbered it
            obj = object.__new__(cls)
            self.memo.append(obj)
        attrs = self._fill({}, x["v"], depth)
        if dataclasses.is_dataclass(cls):
            names = fields(cls)
            missing = [f for f in names if f not in attrs]
            if missing:
                raise Fail(f"a {x['cls']} without its field {missing[0]!r}")
            check_fields(cls, attrs)
            extra = {k: v for k, v in attrs.items() if k not in names}
        else:
            extra = attrs
        for k in extra:  # (a frozen instance, made below, takes no attributes besides fields)
            if obj is None or not hasattr(obj, "__dict__") or not could_be_attribute(cls, k):
                raise Fail(f"a {x['cls']} has no attribute {short(k)}")
        if obj is None:
            obj = object.__new__(cls)
        for k, v in attrs.items():
            object.__setattr__(obj, k, v)
        for c in caches:
            object.__setattr__(obj, c, CACHE_ATTRIBUTES[c]())
        return obj

    def _spec_part(self, path: Any) -> Any:
        """The part of the scenario at a dotted path (``actors.2``, ``contracts.0``)."""
        if self.spec is None or type(path) is not str:
            raise Fail(f"reference to a scenario part {short(path)} outside a game")
        part = self.spec
        for key in path.split(".") if path else ():
            try:
                if key.isdigit():
                    part = part[int(key)]
                elif key in type(part).model_fields:
                    part = getattr(part, key)
                else:
                    raise LookupError(key)
            except (LookupError, TypeError, ValueError, AttributeError):
                raise Fail(f"no scenario part {short(path)}") from None
        return part


def _sub_decode(x: Any) -> Any:
    """A payload (a generator's state, a graph's nodes and edges) in its own numbering."""
    return Decoder().dec(x)


def _generator(state: Any) -> np.random.Generator:
    """A numpy generator from its bit generator's saved state."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise Fail(f"not the state of a numpy generator ({short(state)})")
    bg = getattr(np.random, name)()
    try:
        bg.state = state
    except Exception as e:  # numpy checks the state; whatever it says, the state is not one
        raise Fail(f"not the state of a numpy {name} generator ({short(str(e))})") from None
    return np.random.Generator(bg)


def _ndarray(payload: Any) -> np.ndarray:
    """A numpy array from its dtype, shape and flat data."""
    try:
        dtype, shape, data = payload["dtype"], payload["shape"], payload["data"]
        if dtype not in DTYPES or not all(type(n) is int and n >= 0 for n in shape):
            raise ValueError
        return np.array(data, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, KeyError, OverflowError):
        raise Fail("not a numpy array") from None


def _graph(gcls: type[nx.Graph[Any]], p: Any) -> nx.Graph[Any]:
    """A graph from its nodes, edges and predecessors, in their saved order."""
    try:
        if not isinstance(p, dict) or set(p) - {"graph", "nodes", "edges", "pred"}:
            raise ValueError
        g = gcls()
        g.graph.update(p["graph"])
        for n, d in p["nodes"]:
            g.add_node(n)
            g.nodes[n].update(d)
        for e in p["edges"]:
            if isinstance(g, nx.MultiGraph):  # one of the four classes of GRAPHS
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
        raise Fail("not a graph (nodes, edges and predecessors)") from None


def decode(data: Any) -> Any:
    """Read a value written by :func:`~game.snapshot.encode`.

    Raises:
        SnapshotError: naming where in the data the first problem is (an unknown type tag, a
            missing field, a value of the wrong type, nesting too deep, ...).
    """
    try:
        return Decoder().dec(data)
    except Fail as e:
        raise e.error("cannot read", "value") from None
