"""The processes behind sandboxed policies: starting one, talking to it under a deadline, a pool.

A :class:`SandboxProcess` is one ``python -I -B`` running :mod:`agents.sandbox_server`, with two
pipes of its own (requests in, replies out) and its printed output forwarded to this process's
stderr (at most :data:`MAX_OUTPUT_BYTES`). :meth:`SandboxProcess.request` sends a pickled request
and reads the JSON reply within a deadline: past it :class:`~game.budget.DecisionTimeout`, a
process that ends :class:`SandboxDied`, a malformed reply :class:`SandboxViolation`. Processes
with a policy class loaded wait in a small pool of that class (:func:`acquire`, :func:`release`)
so that a tournament does not start one a game; every one is killed at exit
(:func:`shutdown`), and the kernel kills them if this process dies first.
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
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from agents.wire import MAX_REPLY_BYTES, WireError, decode_reply, frame, unframe_length
from game.budget import DecisionTimeout

__all__ = [
    "LOCK",
    "MAX_IDLE",
    "MAX_OUTPUT_BYTES",
    "SandboxDied",
    "SandboxError",
    "SandboxLimits",
    "SandboxProcess",
    "SandboxViolation",
    "acquire",
    "describe_target",
    "release",
    "shutdown",
    "target_key",
]

#: Idle processes kept per policy class.
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
    """The policy reached outside its own code, altered its observation or broke the protocol.

    Attributes:
        fatal: whether its process is to be replaced (a broken protocol), or can go on (a
            reach, an altered observation: the call's reply came whole).
    """

    def __init__(self, message: str, fatal: bool = True) -> None:
        super().__init__(message)
        self.fatal = fatal


class SandboxProcess:
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
        """Usable: its pipes are open and it has not ended. (A killed process whose end has not
        been reaped yet, or one a forked child forgot, has its pipes closed: not alive.)"""
        return self.wfd >= 0 and self.rfd >= 0 and self.proc.poll() is None

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
        reaches: list[str] = []
        while True:
            n = unframe_length(self._read_exact(4, deadline))
            if n > MAX_REPLY_BYTES:
                raise SandboxViolation(
                    f"sent a reply of {n} bytes (the limit is {MAX_REPLY_BYTES})"
                )
            try:
                msg = decode_reply(self._read_exact(n, deadline))
            except WireError as e:
                raise SandboxViolation(f"broke the sandbox's protocol: {e}") from None
            if "reach" not in msg:
                break
            if len(reaches) < 8:  # notices before the reply: the call's reply still comes
                reaches.append(str(msg["reach"])[:200])
        if reaches:
            shown = ", ".join(dict.fromkeys(reaches))
            raise SandboxViolation(f"reached outside its own code: {shown}", fatal=False)
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


_ALL: set[SandboxProcess] = set()  # every live sandbox process of this process
_IDLE: dict[str, list[SandboxProcess]] = {}
LOCK = threading.RLock()


def target_key(target: Mapping[str, Any], limits: SandboxLimits) -> str:
    return json.dumps({"target": dict(target), "limits": asdict(limits)}, sort_keys=True)


def acquire(
    target: Mapping[str, Any],
    limits: SandboxLimits,
    make_room: Callable[[], None] | None = None,
) -> tuple[SandboxProcess, dict[str, Any]]:
    """A process with the target's class loaded (an idle one if any), and the class's description.

    Raises:
        SandboxError: if no process starts or the class cannot be loaded (the message says why).
    """
    key = target_key(target, limits)
    for room_made in (False, True):
        with LOCK:
            idle = _IDLE.get(key, [])
            while idle:
                proc = idle.pop()
                if proc.alive:
                    return proc, _META[key]
                proc.kill()
        if room_made or make_room is None:
            break
        make_room()  # may hand back an idle process of this class: looked for again
    proc = SandboxProcess(limits)
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


def release(proc: SandboxProcess | None) -> None:
    """Give a process back to its class's idle pool (or end it)."""
    if proc is None:
        return
    with LOCK:
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
    with LOCK:
        procs = list(_ALL)
        _IDLE.clear()
    for proc in procs:
        proc.kill()


atexit.register(shutdown)


def _forget_after_fork() -> None:
    """In a forked child (a pool worker): drop the parent's sandbox processes, never kill them."""
    global LOCK
    LOCK = threading.RLock()  # another thread of the parent may have held it
    for proc in list(_ALL):
        for fd in (proc.wfd, proc.rfd):
            with contextlib.suppress(OSError):
                os.close(fd)
        proc.wfd = proc.rfd = -1
        proc.proc.returncode = -1  # not ours: never waited for or killed from here
    _ALL.clear()
    _IDLE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def describe_target(target: Mapping[str, Any], limits: SandboxLimits) -> dict[str, Any]:
    """Load a policy class in a sandbox and return its description (name, roles, parameters).

    Raises:
        SandboxError: if it cannot be loaded; the message is the loader's (no such file, syntax
            error on line N, no Policy subclass named X, ...).
    """
    proc, meta = acquire(target, limits)
    release(proc)
    return meta
