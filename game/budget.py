"""Time budgets for policy calls: a call that runs past its budget loses its decisions.

In the main thread of a Unix process (the CLI, a tournament worker) the call is interrupted by a
``SIGALRM`` timer: the policy gets a :class:`DecisionTimeout` exception where it is, and may be
called again later. Elsewhere (a web server's worker thread) the call runs in a helper thread that
is abandoned if it does not finish in time; the policy is then *hung* and is not called again in
that game, since its thread may still be running. A call that catches the timeout and returns
anyway has still run out of time: it is a fault all the same. A Python policy that swallows
every exception in an endless loop cannot be stopped in-process: run untrusted code in its own
process (``agents.sandbox``).

Within an :func:`alarm_scope` (the engine asks its bots inside one for each phase), each call
sets the timer for its own budget when it starts, and the timer is not stopped when the call
ends: one system call a call instead of two. The handler stops the call in progress only once its
deadline has passed; a timer left by an earlier call that goes off between calls (or a moment
before the next call's own timer replaces it) does nothing. Pausing the timer (as
``agents.sandbox`` does while it starts a process) still extends the call's budget.

A ``KeyboardInterrupt`` (or ``SystemExit``) that a policy raises is the policy's fault, not the
end of the game; the user's own Ctrl-C, which arrives as a signal, is told apart: while an
:func:`alarm_scope` is open in the main thread, SIGINT raises :class:`UserInterrupt` (a
``KeyboardInterrupt``), which the engine lets through.
"""

from __future__ import annotations

import importlib
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["DecisionTimeout", "PolicyHung", "UserInterrupt", "alarm_scope", "call_with_budget"]


class DecisionTimeout(Exception):
    """A policy call ran past its time budget."""


class PolicyHung(DecisionTimeout):
    """A policy call ran past its budget in a helper thread that may still be running."""


class UserInterrupt(KeyboardInterrupt):
    """Ctrl-C from the user (a real SIGINT), as opposed to a policy raising KeyboardInterrupt."""


#: The C module under :mod:`signal`, whose functions take and return handlers as they are: the
#: wrappers in :mod:`signal` turn them into enums and back, through exceptions (~10 us a call).
_signal: Any = importlib.import_module("_signal")


class _AlarmState:
    """The timer's state, kept in one object's slots rather than in module globals.

    Writing a module global changes the module's dict, which throws away the interpreter's
    cached global look-ups of every function of the module: with the state in globals, each
    budgeted call paid for its own writes in slow look-ups (~5k machine instructions a call).
    """

    __slots__ = ("deadline", "fired", "installed", "scope_thread")

    def __init__(self) -> None:
        self.fired = False  # the alarm went off during the current budgeted call
        self.deadline: float | None = None  # perf_counter() deadline of the call in progress
        self.installed = False  # the handler is in place (by an alarm_scope of the main thread)
        self.scope_thread: int | None = None  # the thread that opened it (the main thread's id)


_state = _AlarmState()


def _arm(seconds: float) -> None:
    """Set the timer to go off in ``seconds`` (at least a microsecond: 0 would stop it)."""
    # max(seconds, 1e-6) without the call (~1k machine instructions: its arguments are parsed
    # as a tuple); NaN stays NaN, as with max
    signal.setitimer(signal.ITIMER_REAL, 1e-6 if seconds < 1e-6 else seconds)


def _alarm(signum: int, frame: Any) -> None:
    deadline = _state.deadline
    if deadline is None:  # between calls: a timer an earlier call left, no longer needed
        return
    left = deadline - time.perf_counter()
    if left > 0:  # before this call's deadline (an earlier call's timer going off just as this
        _arm(left)  # call set its own, or a timer rounded a hair short): the time left
        return
    _state.fired = True
    raise DecisionTimeout


def _interrupt(signum: int, frame: Any) -> None:
    raise UserInterrupt


_HAS_TIMER = hasattr(signal, "setitimer")


def _can_alarm() -> bool:
    return _HAS_TIMER and threading.current_thread() is threading.main_thread()


def alarm_scope() -> AbstractContextManager[None]:
    """Install the timeout handler once around many budgeted calls (restored afterwards)."""
    return _AlarmScope()


class _AlarmScope:
    """What :func:`alarm_scope` returns: a class rather than a ``contextmanager`` generator,
    whose set-up costs several calls (the engine opens two scopes a quarter)."""

    __slots__ = ("_old", "_old_int", "_owner")

    def __enter__(self) -> None:
        state = _state
        self._owner = not state.installed and _can_alarm()  # an enclosing scope's otherwise
        if not self._owner:
            return
        self._old = _signal.signal(signal.SIGALRM, _alarm)
        # Ctrl-C is told apart from a policy's KeyboardInterrupt only where Python's default
        # handler is in place (a program with its own SIGINT handler keeps it)
        self._old_int = old_int = _signal.getsignal(signal.SIGINT)
        if old_int is signal.default_int_handler:
            _signal.signal(signal.SIGINT, _interrupt)
        state.installed, state.scope_thread = True, threading.get_ident()

    def __exit__(self, *exc: object) -> None:
        if not self._owner:
            return
        state = _state
        state.scope_thread = None
        signal.setitimer(signal.ITIMER_REAL, 0)
        _signal.signal(signal.SIGALRM, self._old)
        if self._old_int is signal.default_int_handler:
            _signal.signal(signal.SIGINT, self._old_int)
        state.installed = False


def call_with_budget(fn: Callable[..., Any], seconds: float | None, *args: Any) -> Any:
    """Run ``fn(*args)`` within ``seconds`` (None: no limit) and return its result.

    Raises:
        DecisionTimeout: if it ran out of time (and was interrupted, or caught the interruption
            and returned anyway).
        PolicyHung: if it ran out of time in a thread that could not be interrupted.
        Exception: whatever ``fn`` raised.
    """
    if seconds is None:
        return fn(*args)
    if _state.installed and threading.get_ident() == _state.scope_thread:
        # in the main thread, whose scope put the handler in place
        return _with_alarm(fn, seconds, args)
    if _can_alarm():
        if _state.installed:  # an enclosing scope put the handler in place
            return _with_alarm(fn, seconds, args)
        with alarm_scope():
            return _with_alarm(fn, seconds, args)
    return _in_thread(fn, seconds, args)


def _with_alarm(fn: Callable[..., Any], seconds: float, args: tuple[Any, ...]) -> Any:
    """Run ``fn(*args)`` under a ``SIGALRM`` timer of ``seconds`` (the handler is in place).

    The timer is left running when the call ends (see the module's notes); :func:`alarm_scope`
    stops it.
    """
    state = _state
    outer, outer_fired = state.deadline, state.fired  # a budgeted call within a budgeted call:
    deadline = time.perf_counter() + seconds  # the outer's; read before the timer is set
    state.fired = False
    try:
        # _arm(seconds), inlined (once a policy call)
        signal.setitimer(signal.ITIMER_REAL, 1e-6 if seconds < 1e-6 else seconds)
        state.deadline = deadline
        value = fn(*args)
    finally:
        fired = state.fired
        state.deadline, state.fired = outer, outer_fired
        if outer is not None:  # the inner call's timer replaced the outer's: set it again
            _arm(outer - time.perf_counter())
    if fired:  # it caught the timeout and returned anyway: still too late
        raise DecisionTimeout
    return value


def _in_thread(fn: Callable[..., Any], seconds: float, args: tuple[Any, ...]) -> Any:
    """Run ``fn(*args)`` in a helper thread, abandoned if it does not finish in ``seconds``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # handed back to the caller below
            box["error"] = e

    t = threading.Thread(target=run, name="fabrace-policy-call", daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise PolicyHung
    if "error" in box:
        raise box["error"]
    return box["value"]
