"""Encoding: any value the allow-list carries, written as JSON data.

JSON values stay as they are (floats exactly; non-finite ones tagged); everything else becomes a
tagged object (``{"@": "tuple", "v": [...]}``, ``{"@": "obj", "cls": "Fab", "v": {...}}``, ...).
An object shared between places is written once, then referred to by its number.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import random
import types
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from game.snapshot.allowlist import DTYPES, FACTORIES, GRAPHS, MAX_DEPTH, fields, frozen, name_of
from game.snapshot.attributes import CACHE_ATTRIBUTES
from game.snapshot.errors import Fail, short, step


class Encoder:
    """Writes values as JSON, remembering mutable objects so that shared ones stay shared.

    Every list, dict, set and mutable object is numbered in the order its encoding starts; a value
    met again is written as ``{"@": "ref", "v": n}``. The decoder numbers in the same order.

    Args:
        actors: each actor's name by its id: actors are written as references by name.
        model: the model, written as a reference.
        spec_paths: each part of the scenario's path by its id, written as a reference.
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
        """One value as JSON data.

        Raises:
            Fail: naming where in the value the first thing the codec cannot carry is.
        """
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            return x
        if t is float:
            if math.isfinite(x):
                return x
            return {"@": "float", "v": "nan" if x != x else ("inf" if x > 0 else "-inf")}
        if depth > MAX_DEPTH:
            raise Fail(f"nested deeper than {MAX_DEPTH} levels")
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
            if fname is not None and FACTORIES.get(fname) is not factory:
                raise Fail(f"a defaultdict of {short(factory)} (not a type snapshots carry)")
            self._remember(x)
            return {"@": "defaultdict", "factory": fname, "v": self._mapping(x, depth)}
        if t is types.MappingProxyType:
            return {"@": "mappingproxy", "v": self._mapping(x, depth)}
        if isinstance(x, enum.Enum):
            cname = name_of(t)
            if cname is None:
                raise Fail(f"an enum {t.__module__}.{t.__qualname__} (not a type snapshots carry)")
            return {"@": "enum", "cls": cname, "v": self.enc(x.value, depth + 1)}
        if t is np.random.Generator:
            self._remember(x)
            return {"@": "numpy.Generator", "v": _sub_encode(x.bit_generator.state)}
        if t is random.Random:
            self._remember(x)
            return {"@": "random.Random", "v": _sub_encode(x.getstate())}
        if isinstance(x, np.generic) and x.dtype.name in DTYPES and x.shape == ():
            return {"@": "numpy.scalar", "dtype": x.dtype.name, "v": self.enc(x.item())}
        if t is np.ndarray:
            if x.dtype.name not in DTYPES:
                raise Fail(f"a numpy array of {x.dtype} (not a type snapshots carry)")
            self._remember(x)
            payload = {"dtype": x.dtype.name, "shape": list(x.shape), "data": x.ravel().tolist()}
            return {"@": "numpy.ndarray", "v": _sub_encode(payload)}
        if t in GRAPHS.values():
            self._remember(x)
            return {"@": "networkx", "cls": t.__name__, "v": _sub_encode(_graph_payload(x))}
        return self._object(x, t, depth)

    def _seq(self, xs: Any, depth: int) -> list[Any]:
        out = []
        for k, v in enumerate(xs):
            try:
                out.append(self.enc(v, depth + 1))
            except Fail as e:
                raise e.at(f"[{k}]") from None
        return out

    def _mapping(self, x: Mapping[Any, Any], depth: int) -> Any:
        """A dict's items: a JSON object if its keys are text (not ``@``), else key-value pairs."""
        if "@" not in x and all(type(k) is str for k in x):
            out = {}
            for k, v in x.items():
                try:
                    out[k] = self.enc(v, depth + 1)
                except Fail as e:
                    raise e.at(step(k)) from None
            return out
        pairs = []
        for k, v in x.items():
            try:
                pairs.append([self.enc(k, depth + 1), self.enc(v, depth + 1)])
            except Fail as e:
                raise e.at(step(k)) from None
        return {"@": "dict", "v": pairs}

    def _object(self, x: Any, t: type, depth: int) -> Any:
        """An allowed class's instance: its fields, then its other attributes (caches named)."""
        cname = name_of(t)
        if cname is None:
            raise Fail(
                f"a {t.__module__}.{t.__qualname__} (not a type snapshots carry: "
                f"game.snapshot.register_type allows a class)"
            )
        if not frozen(t):
            self._remember(x)
        attrs: dict[str, Any] = {}
        if dataclasses.is_dataclass(t):
            for f in fields(t):
                attrs[f] = getattr(x, f)
        own = getattr(x, "__dict__", None)
        if own is None:
            if not attrs:
                raise Fail(f"a {cname} keeps its state in slots (snapshots read __dict__)")
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
    return Encoder().enc(x)


def _graph_payload(g: nx.Graph[Any]) -> dict[str, Any]:
    """A graph as nodes and edges in its own order (and each node's predecessors' order)."""
    if isinstance(g, nx.MultiGraph):  # one of the four classes of GRAPHS
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
    :func:`~game.snapshot.register_type`); objects shared between places stay shared.

    Raises:
        SnapshotError: naming where in the value the first thing it cannot carry is.
    """
    try:
        return Encoder().enc(value)
    except Fail as e:
        raise e.error("cannot save", "value") from None
