"""The sandbox's wire format: observations and decisions as plain data, in length-framed messages.

An :class:`~game.observation.Observation` goes to a sandboxed policy as plain data (dicts, tuples,
text, numbers: :func:`observation_to_plain`) and is rebuilt there, read-only, by
:func:`observation_from_plain`; anything else in it (a live object, a function) is refused with
:class:`WireError` rather than sent. Decisions come back as their JSON form
(:func:`~game.decisions.decision_to_json`) and are read with
:func:`~game.decisions.decision_from_json`. The parent never unpickles anything the child sends:
its messages are JSON (:func:`encode_reply`, :func:`decode_reply`), length-framed
(:func:`frame`), at most :data:`MAX_REPLY_BYTES` long and nested at most
:data:`MAX_REPLY_DEPTH` deep.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from game.observation import FrozenRules, LegalDecisions, Observation, freeze

__all__ = [
    "MAX_REPLY_BYTES",
    "MAX_REPLY_DEPTH",
    "WireError",
    "decode_reply",
    "encode_reply",
    "frame",
    "observation_from_plain",
    "observation_to_plain",
    "unframe_length",
]

#: The largest reply the parent reads from a sandboxed policy (8 MiB).
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: The deepest nesting of a reply the parent accepts.
MAX_REPLY_DEPTH = 64
_HEADER = struct.Struct(">I")

_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_OBS_FIELDS = tuple(f.name for f in fields(Observation))
_LEGAL_FIELDS = tuple(f.name for f in fields(LegalDecisions))


class WireError(ValueError):
    """Something that cannot cross the sandbox's boundary (a live object, a malformed message)."""


def _plain(x: Any, where: str) -> Any:
    t = type(x)
    if t in _SCALAR_TYPES:
        return x
    if t is MappingProxyType or t is dict or isinstance(x, Mapping):
        out = dict(x)
        if not _SCALAR_TYPES.issuperset(map(type, out)):
            bad = next(k for k in out if type(k) not in _SCALAR_TYPES)
            raise WireError(f"{where}: a key of type {type(bad).__name__}")
        if not _SCALAR_TYPES.issuperset(map(type, out.values())):  # (checked in C: the usual case)
            for k, v in out.items():
                if type(v) not in _SCALAR_TYPES:
                    out[k] = _plain(v, where)
        return out
    if t is tuple or t is list:
        if _SCALAR_TYPES.issuperset(map(type, x)):
            return tuple(x)
        return tuple([v if type(v) in _SCALAR_TYPES else _plain(v, where) for v in x])
    raise WireError(f"{where}: a {t.__name__} cannot be sent to a sandboxed policy")


def observation_to_plain(obs: Observation) -> dict[str, Any]:
    """An observation as plain data (dicts, tuples and scalars only).

    Raises:
        WireError: if it holds anything else (which would be a live object).
    """
    out: dict[str, Any] = {}
    for name in _OBS_FIELDS:
        value = getattr(obs, name)
        if name == "legal":
            out[name] = {k: _plain(getattr(value, k), f"legal.{k}") for k in _LEGAL_FIELDS}
        else:
            out[name] = _plain(value, name)
    return out


def observation_from_plain(data: Mapping[str, Any]) -> Observation:
    """The read-only observation that :func:`observation_to_plain` described.

    Raises:
        WireError: if a field is missing.
    """
    missing = [n for n in _OBS_FIELDS if n not in data]
    if missing:
        raise WireError(f"observation without {missing[0]!r}")
    kw: dict[str, Any] = {}
    for name in _OBS_FIELDS:
        v = data[name]
        if name == "legal":
            kw[name] = LegalDecisions(**{k: freeze(v[k]) for k in _LEGAL_FIELDS})
        elif name == "rules":
            kw[name] = FrozenRules(v)
        else:
            kw[name] = freeze(v)
    return Observation(**kw)


def frame(payload: bytes) -> bytes:
    """A message: its length (4 bytes, big-endian) and the payload."""
    return _HEADER.pack(len(payload)) + payload


def unframe_length(header: bytes) -> int:
    """The payload length a 4-byte header announces."""
    return int(_HEADER.unpack(header)[0])


def encode_reply(reply: Mapping[str, Any]) -> bytes:
    """A child's reply as JSON bytes (numbers that JSON cannot hold are sent as text)."""
    return json.dumps(reply, separators=(",", ":"), default=repr).encode("utf-8")


def _depth(x: Any, limit: int) -> bool:
    """Whether ``x`` is nested at most ``limit`` deep (iteratively: no recursion to blow)."""
    stack = [(x, 0)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return False
        if isinstance(v, dict):
            stack.extend((w, d + 1) for w in v.values())
        elif isinstance(v, list):
            stack.extend((w, d + 1) for w in v)
    return True


def decode_reply(payload: bytes) -> dict[str, Any]:
    """A child's reply read from JSON bytes.

    Raises:
        WireError: if it is too large, not JSON, nested too deep, or not an object.
    """
    if len(payload) > MAX_REPLY_BYTES:
        raise WireError(f"a reply of {len(payload)} bytes (the limit is {MAX_REPLY_BYTES})")
    text = payload.decode("utf-8", errors="replace")
    try:
        reply = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise WireError(f"a reply that is not JSON ({type(e).__name__})") from None
    if not isinstance(reply, dict) or not _depth(reply, MAX_REPLY_DEPTH):
        raise WireError("a reply that is not a JSON object of bounded depth")
    return reply
