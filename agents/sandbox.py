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

import atexit
import contextlib
import json
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from agents.policy import Param, Policy
from agents.wire import (
    MAX_REPLY_BYTES,
    WireError,
    decode_reply,
    frame,
    observation_to_plain,
    unframe_length,
)
from game.budget import DecisionTimeout
from game.decisions import DecisionError, decision_from_json

__all__ = [
    "MAX_LIVE",
    "MAX_OUTPUT_BYTES",
    "SandboxDied",
    "SandboxError",
    "SandboxLimits",
    "SandboxViolation",
    "SandboxedPolicy",
    "describe_target",
    "proxy_class",
    "shutdown",
]

#: Processes busy with a policy at once (more proxies are parked); idle ones kept per class.
MAX_LIVE = 12
MAX_IDLE = 4


@dataclass(frozen=True)
class SandboxLimits:
    """The limits of a sandboxed policy.

    Attributes:
        seconds: hard wall-clock budget of one call (the game's decision budget).
        memory_mb: the process's address space (``RLIMIT_AS``), in MiB.
        cpu_seconds: CPU seconds for the process's life (``RLIMIT_CPU``); a process that has
            used half of it is retired rather than reused.
        start_seconds: time to start a process and import the policy.
    """

    seconds: float = 2.0
    memory_mb: int = 2048
    cpu_seconds: int = 600
    start_seconds: float = 30.0


class SandboxError(Exception):
    """A sandbox process that cannot be started, or a policy class that cannot be loaded in it."""


class SandboxDied(Exception):
    """The policy's process ended during a call (it exited, crashed or hit a limit)."""


class SandboxViolation(Exception):
    """The policy reached outside its own code, altered its observation or broke the protocol."""


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


# ==================================================================== one process
class _Process:
    """One sandbox process and its two pipes."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        p2c_r, self.wfd = os.pipe()
        self.rfd, c2p_w = os.pipe()
        settings = {
            "rfd": p2c_r,
            "wfd": c2p_w,
            "parent": os.getpid(),
            "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.cpu_seconds,
        }
        path = [p if p else os.getcwd() for p in sys.path if isinstance(p, str)]
        code = (
            "import sys, json; sys.path[:] = json.loads(sys.argv[2]); "
            "from agents.sandbox_server import main; main()"
        )
        env = dict(os.environ)
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        out_r, out_w = os.pipe()  # what the policy prints: forwarded to this stderr
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-c", code, json.dumps(settings), json.dumps(path)],
                pass_fds=(p2c_r, c2p_w),
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                start_new_session=True,  # a Ctrl-C at the terminal is the parent's to handle
                env=env,
            )
        except OSError as e:
            for fd in (p2c_r, c2p_w, self.wfd, self.rfd, out_r, out_w):
                os.close(fd)
            raise SandboxError(f"cannot start a sandbox process: {e}") from None
        os.close(out_w)
        threading.Thread(
            target=_forward, args=(out_r,), name="fabrace-sandbox-output", daemon=True
        ).start()
        os.close(p2c_r)
        os.close(c2p_w)
        os.set_blocking(self.wfd, False)
        self.loaded: str | None = None  # the key of the class loaded in it
        _ALL.add(self)
        try:
            hello = self.read(time.monotonic() + limits.start_seconds)
        except DecisionTimeout:
            self.kill()
            raise SandboxError(
                f"a sandbox process did not start within {limits.start_seconds:g} s"
            ) from None
        except (SandboxDied, SandboxViolation) as e:
            self.kill()
            raise SandboxError(f"a sandbox process failed to start: {e}") from None
        self.confined: dict[str, Any] = dict(hello.get("confined") or {})

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """End the process at once (SIGKILL) and close its pipes."""
        _ALL.discard(self)
        with contextlib.suppress(OSError):
            self.proc.kill()
        for fd in (self.wfd, self.rfd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.wfd = self.rfd = -1
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)

    def cpu_used(self) -> float:
        """CPU seconds the process has used (from the kernel: /proc), 0 if unknown."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", "rb") as fh:
                parts = fh.read().rsplit(b")", 1)[1].split()
            return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def _ended(self) -> SandboxDied:
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=1)
        code = self.proc.returncode
        if code is None:
            how = "closed its pipe"
        elif code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"was killed by {name}" + (
                " (past its memory or CPU limit?)"
                if name in ("SIGKILL", "SIGXCPU", "SIGSEGV")
                else ""
            )
        else:
            how = f"exited with code {code}"
        return SandboxDied(f"its sandbox process {how}")

    def _read_exact(self, n: int, deadline: float) -> bytes:
        parts = []
        while n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DecisionTimeout
            ready, _, _ = select.select([self.rfd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.rfd, min(n, 1 << 20))
            if not chunk:
                raise self._ended()
            parts.append(chunk)
            n -= len(chunk)
        return b"".join(parts)

    def read(self, deadline: float) -> dict[str, Any]:
        """The next message from the process.

        Raises:
            DecisionTimeout: past the deadline. SandboxDied: if it ended.
            SandboxViolation: for a malformed message or a reach outside the policy's code.
        """
        n = unframe_length(self._read_exact(4, deadline))
        if n > MAX_REPLY_BYTES:
            raise SandboxViolation(f"sent a reply of {n} bytes (the limit is {MAX_REPLY_BYTES})")
        try:
            msg = decode_reply(self._read_exact(n, deadline))
        except WireError as e:
            raise SandboxViolation(f"broke the sandbox's protocol: {e}") from None
        if "reach" in msg:
            raise SandboxViolation(f"reached outside its own code: {str(msg['reach'])[:200]}")
        return msg

    def request(self, req: Mapping[str, Any], seconds: float) -> dict[str, Any]:
        """Send a request and wait at most ``seconds`` for its reply (see :meth:`read`)."""
        deadline = time.monotonic() + seconds
        data = frame(pickle.dumps(dict(req), protocol=pickle.HIGHEST_PROTOCOL))
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DecisionTimeout
            _, ready, _ = select.select([], [self.wfd], [], left)
            if not ready:
                continue
            try:
                n = os.write(self.wfd, data)
            except BlockingIOError:
                continue
            except BrokenPipeError:
                raise self._ended() from None
            data = data[n:]
        return self.read(deadline)


#: The most a sandbox process may print (to this process's stderr); the rest is dropped.
MAX_OUTPUT_BYTES = 1024 * 1024


def _forward(fd: int) -> None:
    """Copy what a sandbox process prints to this process's stderr (up to a limit), until it
    ends."""
    left = MAX_OUTPUT_BYTES
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            if left > 0:
                with contextlib.suppress(OSError):
                    os.write(2, chunk[:left])
                left -= len(chunk)
    except OSError:
        return
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


_ALL: set[_Process] = set()  # every live sandbox process of this process
_IDLE: dict[str, list[_Process]] = {}
_LOCK = threading.RLock()


def _key(target: Mapping[str, Any], limits: SandboxLimits) -> str:
    return json.dumps({"target": dict(target), "limits": asdict(limits)}, sort_keys=True)


def _acquire(target: Mapping[str, Any], limits: SandboxLimits) -> tuple[_Process, dict[str, Any]]:
    """A process with the target's class loaded (an idle one if any), and the class's description.

    Raises:
        SandboxError: if no process starts or the class cannot be loaded (the message says why).
    """
    key = _key(target, limits)
    with _LOCK:
        idle = _IDLE.get(key, [])
        while idle:
            proc = idle.pop()
            if proc.alive:
                return proc, _META[key]
            proc.kill()
    _make_room()
    proc = _Process(limits)
    try:
        reply = proc.request({"op": "load", "target": dict(target)}, limits.start_seconds)
    except (DecisionTimeout, SandboxDied, SandboxViolation) as e:
        proc.kill()
        raise SandboxError(f"loading the policy in its sandbox failed: {e or 'too slow'}") from None
    if not reply.get("ok"):
        proc.kill()
        raise SandboxError(str(reply.get("error", "it could not be loaded"))[:2000])
    proc.loaded = key
    meta = reply.get("meta")
    if not isinstance(meta, dict):
        proc.kill()
        raise SandboxError("the sandbox sent no description of the policy")
    _META[key] = meta
    return proc, meta


_META: dict[str, dict[str, Any]] = {}


def _release(proc: _Process | None) -> None:
    """Give a process back to its class's idle pool (or end it)."""
    if proc is None:
        return
    with _LOCK:
        pool = _IDLE.setdefault(proc.loaded or "", [])
        if (
            proc.alive
            and proc.loaded
            and len(pool) < MAX_IDLE
            and proc.cpu_used() < proc.limits.cpu_seconds / 2
        ):
            pool.append(proc)
            return
    proc.kill()


def shutdown() -> None:
    """End every sandbox process of this process (at exit, too)."""
    with _LOCK:
        procs = list(_ALL)
        _IDLE.clear()
    for proc in procs:
        proc.kill()


atexit.register(shutdown)


def _forget_after_fork() -> None:
    """In a forked child (a pool worker): drop the parent's sandbox processes, never kill them."""
    global _LOCK
    _LOCK = threading.RLock()  # another thread of the parent may have held it
    for proc in list(_ALL):
        for fd in (proc.wfd, proc.rfd):
            with contextlib.suppress(OSError):
                os.close(fd)
        proc.wfd = proc.rfd = -1
        proc.proc.returncode = -1  # not ours: never waited for or killed from here
    _ALL.clear()
    _IDLE.clear()
    _LIVE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def describe_target(target: Mapping[str, Any], limits: SandboxLimits) -> dict[str, Any]:
    """Load a policy class in a sandbox and return its description (name, roles, parameters).

    Raises:
        SandboxError: if it cannot be loaded; the message is the loader's (no such file, syntax
            error on line N, no Policy subclass named X, ...).
    """
    proc, meta = _acquire(target, limits)
    _release(proc)
    return meta


# ==================================================================== the proxy
_LIVE: OrderedDict[int, weakref.ref[SandboxedPolicy]] = OrderedDict()


def _make_room() -> None:
    """Park least recently used proxies until fewer than MAX_LIVE processes are busy."""
    with _LOCK:
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
    key = _key(target, limits)
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
        self._proc: _Process | None = None
        self._busy = False
        self._closed = False
        self.restarts = 0
        self._box: list[_Process | None] = [None]
        weakref.finalize(self, _release_box, self._box)
        self._start()

    # -- processes --------------------------------------------------------------------------
    def _start(self, blob: str | None = None) -> None:
        """Bind a process and build the policy in it (from ``blob`` if given)."""
        proc, _meta = _acquire(self.target, self.limits)
        try:
            reply = proc.request(
                {"op": "new", "params": self.params, "blob": blob or self._blob},
                self.limits.start_seconds,
            )
        except BaseException:
            proc.kill()
            raise
        if not reply.get("ok"):
            _release(proc)
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
        with _LOCK:
            _LIVE[id(self)] = weakref.ref(self)
            _LIVE.move_to_end(id(self))

    def _park(self) -> None:
        """Pickle the policy and hand its process back (called with the lock held)."""
        proc = self._proc
        if proc is None:
            return
        try:
            reply = proc.request({"op": "dump"}, self.limits.start_seconds)
        except BaseException:
            return  # it stays where it is
        if not reply.get("ok") or not isinstance(reply.get("blob"), str):
            return
        self._parked = reply["blob"]
        self._proc = None
        self._box[0] = None
        _LIVE.pop(id(self), None)
        _release(proc)

    def _ready(self) -> _Process:
        """Its process, restarted or unparked if need be (not counted in the call's budget)."""
        proc = self._proc
        if proc is not None and proc.alive:
            with _LOCK:
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
        with _LOCK:
            _LIVE.pop(id(self), None)
        _release(proc)

    def _discard(self) -> None:
        proc, self._proc = self._proc, None
        self._box[0] = None
        with _LOCK:
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


def _release_box(box: list[_Process | None]) -> None:
    proc = box[0]
    box[0] = None
    if proc is not None:
        _release(proc)
