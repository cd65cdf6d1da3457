"""Time budgets for policy calls: a call that runs past its budget loses its decisions.

In the main thread of a Unix process (the CLI, a tournament worker) the call is interrupted by a
``SIGALRM`` timer: the policy gets a :class:`DecisionTimeout` exception where it is, and may be
called again later. Elsewhere (a web server's worker thread) the call runs in a helper thread that
is abandoned if it does not finish in time; the policy is then *hung* and is not called again in
that game, since its thread may still be running. A call that catches the timeout and returns
anyway has still run out of time: it is a fault all the same. A Python policy that swallows
every exception in an endless loop cannot be stopped in-process: run untrusted code in its own
process (``agents.sandbox``).

Within an :func:`alarm_scope` (the engine asks its bots inside one for each phase), the timer is
not stopped after each call: it is armed when a call starts unless it is already set to go off
before that call's deadline, and when it goes off the handler stops the call in progress only if
that call's own deadline has passed (otherwise it sets the timer again for the time left, and
between calls it does nothing). Each call is stopped at its own deadline, as with a timer per call,
for one system call a phase instead of two a call. (A policy that resets the process's timer
itself can escape its budget either way.)

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

_fired = False  # the alarm went off during the current budgeted call
_deadline: float | None = None  # perf_counter() deadline of the call in progress (None: none)
_armed: float | None = None  # perf_counter() time by which the timer goes off (None: not armed)


def _arm(seconds: float) -> None:
    """Set the timer to go off in ``seconds`` (at least a microsecond: 0 would stop it)."""
    global _armed
    seconds = max(seconds, 1e-6)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _armed = time.perf_counter() + seconds  # read after: it goes off by then


def _disarm() -> None:
    global _armed
    signal.setitimer(signal.ITIMER_REAL, 0)
    _armed = None


def _alarm(signum: int, frame: Any) -> None:
    global _fired, _armed
    _armed = None
    deadline = _deadline
    if deadline is None:  # between calls: the timer a call armed for itself, no longer needed
        return
    left = deadline - time.perf_counter()
    if left > 0:  # armed by an earlier call, before this call's own deadline: wait the rest
        _arm(left)
        return
    _fired = True
    raise DecisionTimeout


def _interrupt(signum: int, frame: Any) -> None:
    raise UserInterrupt


_HAS_TIMER = hasattr(signal, "setitimer")
_installed = False  # the handler is in place (by an alarm_scope of the main thread)
_scope_thread: int | None = None  # the thread that opened it (the main thread's id)


def _can_alarm() -> bool:
    return _HAS_TIMER and threading.current_thread() is threading.main_thread()


@contextmanager
def alarm_scope() -> Iterator[None]:
    """Install the timeout handler once around many budgeted calls (restored afterwards)."""
    global _installed, _scope_thread
    if _installed or not _can_alarm():
        yield
        return
    old = _signal.signal(signal.SIGALRM, _alarm)
    # Ctrl-C is told apart from a policy's KeyboardInterrupt only where Python's default
    # handler is in place (a program with its own SIGINT handler keeps it)
    old_int = _signal.getsignal(signal.SIGINT)
    if old_int is signal.default_int_handler:
        _signal.signal(signal.SIGINT, _interrupt)
    _installed, _scope_thread = True, threading.get_ident()
    try:
        yield
    finally:
        _scope_thread = None
        _disarm()
        _signal.signal(signal.SIGALRM, old)
        if old_int is signal.default_int_handler:
            _signal.signal(signal.SIGINT, old_int)
        _installed = False


def call_with_budget(fn: Callable[[], Any], seconds: float | None) -> Any:
    """Run ``fn()`` within ``seconds`` (None: no limit) and return its result.

    Raises:
        DecisionTimeout: if it ran out of time (and was interrupted, or caught the interruption
            and returned anyway).
        PolicyHung: if it ran out of time in a thread that could not be interrupted.
        Exception: whatever ``fn`` raised.
    """
    if seconds is None:
        return fn()
    if _installed and threading.get_ident() == _scope_thread:
        return _with_alarm(fn, seconds)  # in the main thread, whose scope put the handler in place
    if _can_alarm():
        if _installed:  # an enclosing scope put the handler in place
            return _with_alarm(fn, seconds)
        with alarm_scope():
            return _with_alarm(fn, seconds)
    return _in_thread(fn, seconds)


def _with_alarm(fn: Callable[[], Any], seconds: float) -> Any:
    """Run ``fn()`` under a ``SIGALRM`` timer of ``seconds`` (the handler is in place).

    The timer is left running when the call ends (see the module's notes); :func:`alarm_scope`
    stops it.
    """
    global _fired, _deadline
    outer, outer_fired = _deadline, _fired  # a budgeted call within a budgeted call: the outer's
    now = time.perf_counter()
    deadline = now + seconds
    _fired = False
    try:
        _deadline = deadline  # before arming: a timer going off now must see this call
        armed = _armed
        if armed is None or armed <= now or armed > deadline:
            _arm(deadline - time.perf_counter())
        value = fn()
    finally:
        _deadline, fired, _fired = outer, _fired, outer_fired
        if outer is not None:
            armed = _armed
            if armed is None or armed > outer:
                _arm(outer - time.perf_counter())
    if fired:  # it caught the timeout and returned anyway: still too late
        raise DecisionTimeout
    return value


def _in_thread(fn: Callable[[], Any], seconds: float) -> Any:
    """Run ``fn()`` in a helper thread, abandoned if it does not finish in ``seconds``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
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
