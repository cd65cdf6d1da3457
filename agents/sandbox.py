"""Running an untrusted policy in its own process: the engine sees a proxy, the policy a pipe.

A sandboxed policy is a :class:`SandboxedPolicy`, a :class:`~agents.policy.Policy` whose calls
(``reset``, ``propose``, ``respond``, ``moves``, ``get_state``, ``set_state``, copies) are
requests to a child process (:mod:`agents.sandbox_server`) that holds the real policy. The child
is a clean interpreter (``python -I``) that gets each observation as plain data
(:mod:`agents.wire`) and sends its decisions back as JSON; it has no reference to the game. The
parent enforces:

- a hard wall-clock budget per call (:attr:`SandboxLimits.seconds`): a call past it is a fault
  (:class:`~game.budget.DecisionTimeout`), and its process is killed (``SIGKILL``) and replaced;
- faults, never the end of the run, for whatever the policy raises (``SystemExit`` and
  ``KeyboardInterrupt`` included), returns, or does to its process (exits, crashes, runs out of
  memory), and for a reach outside its own code (:class:`SandboxViolation`);
- memory, CPU and other limits in the child (:mod:`agents.confine`).

When a process is killed, the policy's state since its last ``reset`` is lost: the replacement
is built afresh (with the same parameters, or from the copy it was made from) and reset with the
same seed, and the seat plays on. Processes are reused: a proxy that is dropped hands its process
back to a small pool of its policy class, and at most :data:`MAX_LIVE` processes are busy at once
(past that, the least recently used proxy is *parked*: its policy pickled, its process reused, and
unpickled into a process again when it is next called).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from agents import sandbox_process
from agents.policy import Param, Policy
from agents.sandbox_process import (
    SandboxDied,
    SandboxError,
    SandboxLimits,
    SandboxProcess,
    SandboxViolation,
    acquire,
    describe_target,
    release,
    shutdown,
)
from agents.wire import observation_to_plain
from game.budget import DecisionTimeout
from game.decisions import DecisionError, decision_from_json

__all__ = [
    "MAX_LIVE",
    "PolicyRaised",
    "SandboxDied",
    "SandboxError",
    "SandboxLimits",
    "SandboxViolation",
    "SandboxedPolicy",
    "describe_target",
    "proxy_class",
    "shutdown",
]

#: Processes busy with a policy at once (more proxies are parked).
MAX_LIVE = 12


class PolicyRaised(Exception):
    """Base of the stand-ins for what a sandboxed policy raised (named as the original)."""


_ERRORS: dict[str, type[PolicyRaised]] = {}
_STAND_INS: dict[str, type] = {}


def _raised(text: str) -> PolicyRaised:
    """An exception that reads as ``text`` (``Type: message``) in the engine's fault record."""
    name, sep, message = text.partition(": ")
    if not sep and text.isidentifier():
        name, message = text, ""
    elif not sep or not name.isidentifier():
        name, message = "PolicyRaised", text
    cls = _ERRORS.get(name)
    if cls is None:
        cls = type(name, (PolicyRaised,), {"__module__": __name__})
        if len(_ERRORS) < 256:
            _ERRORS[name] = cls
    return cls(message) if message else cls()


def _stand_in(type_name: str) -> Any:
    """An object of a class named as the non-decision a policy returned (for the engine's fault)."""
    name = type_name if type_name.isidentifier() else "object"
    cls = _STAND_INS.get(name)
    if cls is None:
        cls = type(name, (), {"__module__": __name__})
        if len(_STAND_INS) < 256:
            _STAND_INS[name] = cls
    return cls()


@contextlib.contextmanager
def _alarm_paused() -> Iterator[None]:
    """Pause the engine's SIGALRM budget (main thread) while a process is started or restored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    left = signal.setitimer(signal.ITIMER_REAL, 0)[0]
    try:
        yield
    finally:
        if left > 0:
            signal.setitimer(signal.ITIMER_REAL, left)


# ==================================================================== the proxy
_LIVE: OrderedDict[int, weakref.ref[SandboxedPolicy]] = OrderedDict()


def _make_room() -> None:
    """Park least recently used proxies until fewer than MAX_LIVE processes are busy."""
    with sandbox_process.LOCK:
        if len(_LIVE) < MAX_LIVE:
            return
        for ident, ref in list(_LIVE.items()):
            if len(_LIVE) < MAX_LIVE:
                return
            proxy = ref()
            if proxy is None:
                _LIVE.pop(ident, None)
            elif not proxy._busy:
                proxy._park()


class _Foreign:
    """Stands for a class attribute of a sandboxed policy that is not plain data."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _attr(d: Any) -> Any:
    """A class attribute from its description (see agents.sandbox_server.describe)."""
    if not isinstance(d, dict):
        return None
    if "tuple" in d:
        return tuple(d["tuple"])
    if "value" in d:
        return d["value"]
    name = str(d.get("type", "object"))
    return type(name if name.isidentifier() else "object", (_Foreign,), {})()


def _parameters(d: Any) -> Any:
    if not isinstance(d, dict) or "table" not in d or not isinstance(d["table"], dict):
        return _attr(d)
    out: dict[str, Any] = {}
    for k, v in d["table"].items():
        p = _attr(v.get("param")) if isinstance(v, dict) and "param" in v else None
        if isinstance(p, list) and len(p) == 4:
            out[k] = Param(*p)
        else:
            out[k] = _attr(v)
    return out


_CLASSES: dict[str, type[SandboxedPolicy]] = {}


def proxy_class(
    target: Mapping[str, Any], meta: Mapping[str, Any], limits: SandboxLimits
) -> type[SandboxedPolicy]:
    """The proxy class of a policy class (one per target and limits, so copies share it)."""
    key = sandbox_process.target_key(target, limits)
    cls = _CLASSES.get(key)
    if cls is None:
        qual = str(meta.get("qualname", "Policy"))
        cls = type(
            qual.rpartition(".")[2] if qual.isidentifier() else "SandboxedPolicy",
            (SandboxedPolicy,),
            {
                "name": _attr(meta.get("name")),
                "description": _attr(meta.get("description")),
                "roles": _attr(meta.get("roles")),
                "parameters": _parameters(meta.get("parameters")),
                "target": dict(target),
                "limits": limits,
                "meta": dict(meta),
                "__module__": __name__,
                "__qualname__": f"Sandboxed[{qual}]",
            },
        )
        _CLASSES[key] = cls
    return cls


def _restore(
    target: dict[str, Any],
    meta: dict[str, Any],
    limits: SandboxLimits,
    state: dict[str, Any],
) -> SandboxedPolicy:
    """A proxy rebuilt from a pickle (see :meth:`SandboxedPolicy.__reduce__`)."""
    cls = proxy_class(target, meta, limits)
    policy = cls.__new__(cls)
    Policy.__init__(policy, **state["params"])
    policy._setup(state["params"], state["blob"])
    policy.variant = state["variant"]
    policy._seed = state["seed"]
    return policy


class SandboxedPolicy(Policy):
    """A policy that runs in a sandbox process; the engine uses it as any other policy.

    Subclasses are made by :func:`proxy_class`, with the real class's name, description, roles
    and parameters, and its ``target`` (where the child loads it from) and ``limits``.

    Raises:
        SandboxError: if its process cannot be started or the policy cannot be built there.
    """

    target: ClassVar[dict[str, Any]] = {}
    limits: ClassVar[SandboxLimits] = SandboxLimits()
    meta: ClassVar[dict[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._setup(dict(self.params), None)

    def _setup(self, params: dict[str, Any], blob: str | None) -> None:
        self.params = dict(params)
        self._blob = blob  # what it was copied from, rebuilt after a restart
        self._parked: str | None = None  # its pickled policy while its process serves others
        self._seed: int | None = None
        self._proc: SandboxProcess | None = None
        self._busy = False
        self._closed = False
        self.restarts = 0
        self._box: list[SandboxProcess | None] = [None]
        weakref.finalize(self, _release_box, self._box)
        self._start()

    # -- processes --------------------------------------------------------------------------
    def _start(self, blob: str | None = None) -> None:
        """Bind a process and build the policy in it (from ``blob`` if given)."""
        proc, _meta = acquire(self.target, self.limits, _make_room)
        try:
            reply = proc.request(
                {"op": "new", "params": self.params, "blob": blob or self._blob},
                self.limits.start_seconds,
            )
        except BaseException:
            proc.kill()
            raise
        if not reply.get("ok"):
            release(proc)
            if reply.get("no_base_init"):
                raise SandboxError(
                    "its __init__ does not call Policy.__init__ (no self.params / self.rng): "
                    "call super().__init__(**params) first"
                )
            raise _raised(str(reply.get("error")))
        if isinstance(reply.get("params"), dict):
            self.params = reply["params"]
        self._proc = proc
        self._box[0] = proc
        with sandbox_process.LOCK:
            _LIVE[id(self)] = weakref.ref(self)
            _LIVE.move_to_end(id(self))

    def _park(self) -> None:
        """Pickle the policy and hand its process back (called with the lock held)."""
        proc = self._proc
        if proc is None:
            return
        if not proc.alive:  # killed meanwhile (a shutdown, a limit): nothing to keep, room made
            self._discard()
            return
        try:
            reply = proc.request({"op": "dump"}, self.limits.start_seconds)
        except (DecisionTimeout, SandboxDied, SandboxViolation, OSError, ValueError):
            self._discard()  # a process that did not answer is not reused: restarted later
            return
        if not reply.get("ok") or not isinstance(reply.get("blob"), str):
            return
        self._parked = reply["blob"]
        self._proc = None
        self._box[0] = None
        _LIVE.pop(id(self), None)
        release(proc)

    def _ready(self) -> SandboxProcess:
        """Its process, restarted or unparked if need be (not counted in the call's budget)."""
        proc = self._proc
        if proc is not None and proc.alive:
            with sandbox_process.LOCK:
                if id(self) in _LIVE:
                    _LIVE.move_to_end(id(self))
            return proc
        with _alarm_paused():
            if self._parked is not None:
                blob, self._parked = self._parked, None
                self._start(blob)
            else:  # killed (or closed): start afresh, reset with the same seed; state is lost
                self._discard()
                self.restarts += not self._closed
                self._closed = False
                self._start()
                if self._seed is not None:
                    self._ask({"op": "reset", "seed": self._seed}, self.limits.start_seconds)
        assert self._proc is not None
        return self._proc

    def close(self) -> None:
        """Hand its process back to the pool now (the owner is done with it). Used again, it
        starts afresh, reset with its last seed."""
        proc, self._proc = self._proc, None
        self._box[0] = None
        self._closed = True
        with sandbox_process.LOCK:
            _LIVE.pop(id(self), None)
        release(proc)

    def _discard(self) -> None:
        proc, self._proc = self._proc, None
        self._box[0] = None
        with sandbox_process.LOCK:
            _LIVE.pop(id(self), None)
        if proc is not None:
            proc.kill()

    def _ask(self, req: Mapping[str, Any], seconds: float) -> dict[str, Any]:
        """Send a request; on anything but a reply (timeout, death, violation) kill the process.

        Raises:
            DecisionTimeout, SandboxDied, SandboxViolation: the call is a fault.
            PolicyRaised: what the policy raised, by name.
        """
        proc = self._ready()
        self._busy = True
        try:
            reply = proc.request(req, seconds)
        except SandboxViolation as e:
            if e.fatal:  # a broken protocol: the process is not trusted again
                self._discard()
            raise
        except BaseException:
            self._discard()
            raise
        finally:
            self._busy = False
        if not reply.get("ok"):
            error = str(reply.get("error"))
            if error.startswith("MemoryError"):
                self._discard()  # a process that ran out of memory is not trusted again
            if reply.get("plain"):
                raise SandboxViolation(error) if error.startswith("changed") else _raised(error)
            raise _raised(error)
        return reply

    # -- the policy contract -------------------------------------------------------------
    def reset(self, seed: int) -> None:
        self._seed = int(seed)
        self._ask({"op": "reset", "seed": int(seed)}, self.limits.seconds)

    def _decide(self, call: str, obs: Any) -> list[Any]:
        req = {"op": "call", "call": call, "obs": observation_to_plain(obs)}
        try:
            reply = self._ask(req, self.limits.seconds)
        except PolicyRaised as e:
            text = str(e)
            if type(e).__name__ == "PolicyRaised" and text.startswith("returned "):
                return [_stand_in(text.split()[1].rstrip(","))]
            raise
        out = []
        for raw in reply.get("decisions") or []:
            try:
                out.append(decision_from_json(raw))
            except (DecisionError, TypeError, ValueError) as e:
                raise SandboxViolation(f"sent a malformed decision: {e}") from None
        return out

    def propose(self, obs: Any) -> list[Any]:
        return self._decide("propose", obs)

    def respond(self, obs: Any) -> list[Any]:
        return self._decide("respond", obs)

    def moves(self, obs: Any) -> list[Any]:
        return self._decide("moves", obs)

    def get_state(self) -> dict[str, Any]:
        from game.snapshot import SnapshotError

        try:
            reply = self._ask({"op": "get_state"}, self.limits.start_seconds)
        except Exception as e:
            raise SnapshotError(f"policy {self.label!r}: {type(e).__name__}: {e}") from None
        return dict(reply["state"])

    def set_state(self, state: Mapping[str, Any]) -> None:
        from game.snapshot import SnapshotError

        try:
            self._ask({"op": "set_state", "state": dict(state)}, self.limits.start_seconds)
        except Exception as e:
            raise SnapshotError(f"{e}") from None

    def _dump(self) -> str:
        if self._parked is not None:
            return self._parked
        reply = self._ask({"op": "dump"}, self.limits.start_seconds)
        return str(reply["blob"])

    def __reduce__(self) -> Any:
        state = {
            "params": dict(self.params),
            "blob": self._dump(),
            "variant": self.variant,
            "seed": self._seed,
        }
        return (_restore, (dict(self.target), dict(self.meta), self.limits, state))

    def __deepcopy__(self, memo: dict[int, Any]) -> SandboxedPolicy:
        fn, args = self.__reduce__()
        return fn(*args)

    def clone(self) -> SandboxedPolicy:
        return self.__deepcopy__({})

    @property
    def confined(self) -> dict[str, Any]:
        """Which confinements took effect in its process (see :mod:`agents.confine`)."""
        return dict(self._proc.confined) if self._proc is not None else {}

    def __repr__(self) -> str:
        return f"Sandboxed[{type(self).__name__}]({self.params})"


def _release_box(box: list[SandboxProcess | None]) -> None:
    proc = box[0]
    box[0] = None
    if proc is not None:
        release(proc)


def _forget_after_fork() -> None:
    """In a forked child (a pool worker): the parent's proxies are not this process's."""
    _LIVE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
