"""Time budgets of policy calls in the main thread (game/budget.py): within one alarm scope the
timer is shared by the calls, and each call is still stopped at its own deadline, never earlier,
and never while no call runs."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

import pytest

from game.budget import DecisionTimeout, alarm_scope, call_with_budget

BUDGET = 0.2


def _sleeper(seconds: float) -> float:
    t0 = time.perf_counter()
    try:
        time.sleep(seconds)
    finally:
        elapsed = time.perf_counter() - t0
    return elapsed


def test_a_call_after_a_quick_one_gets_its_whole_budget_not_the_rest_of_the_first():
    with alarm_scope():
        assert call_with_budget(lambda: 7, BUDGET) == 7
        time.sleep(BUDGET / 2)  # the first call's timer would go off early in the next call
        t0 = time.perf_counter()
        with pytest.raises(DecisionTimeout):
            call_with_budget(lambda: _sleeper(5.0), BUDGET)
        elapsed = time.perf_counter() - t0
    assert elapsed >= BUDGET  # stopped at its own deadline, not the first call's
    assert elapsed < 5.0  # stopped, not slept out


def test_a_timer_left_by_a_call_does_nothing_between_calls():
    with alarm_scope():
        assert call_with_budget(lambda: "done", BUDGET) == "done"
        time.sleep(BUDGET * 1.5)  # its timer goes off here, outside any call: nothing happens
        assert call_with_budget(lambda: "again", BUDGET) == "again"


def test_a_call_that_catches_the_timeout_and_returns_is_still_late():
    def stubborn() -> str:
        with contextlib.suppress(DecisionTimeout):
            time.sleep(5.0)
        return "late"

    with alarm_scope(), pytest.raises(DecisionTimeout):
        call_with_budget(stubborn, BUDGET)


def test_the_timer_is_stopped_and_the_handler_restored_when_the_scope_ends():
    before = signal.getsignal(signal.SIGALRM)
    with alarm_scope():
        call_with_budget(lambda: None, 30.0)
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # left running between calls
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before
    # outside a scope, a call brings its own scope
    assert call_with_budget(lambda: 3, 30.0) == 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_budgeted_call_within_another_keeps_the_outer_deadline():
    def outer() -> float:
        call_with_budget(lambda: None, 30.0)  # a long inner budget must not extend the outer's
        return _sleeper(5.0)

    t0 = time.perf_counter()
    with alarm_scope(), pytest.raises(DecisionTimeout):
        call_with_budget(outer, BUDGET)
    assert BUDGET <= time.perf_counter() - t0 < 5.0


def test_pausing_the_timer_within_a_call_extends_its_budget():
    """``agents.sandbox`` pauses the timer while it starts a process: that time is not the
    call's, even when an earlier call of the scope left its timer running."""
    budget = 0.4

    def starts_a_process() -> str:
        left = signal.setitimer(signal.ITIMER_REAL, 0)[0]  # as agents.sandbox._alarm_paused
        try:
            time.sleep(budget * 1.5)  # starting the process: not the call's time
        finally:
            signal.setitimer(signal.ITIMER_REAL, left)
        time.sleep(budget * 0.5)  # the call's own work: within its budget
        return "started"

    with alarm_scope():
        assert call_with_budget(lambda: None, budget) is None  # leaves its timer running
        time.sleep(budget / 2)
        assert call_with_budget(starts_a_process, budget) == "started"


def test_a_call_gets_its_arguments_with_or_without_a_budget_and_in_a_helper_thread():
    """``call_with_budget(fn, seconds, *args)`` calls ``fn(*args)`` on each of its paths: no
    budget, the main thread's timer, and a helper thread (where there is no timer)."""
    assert call_with_budget(divmod, None, 7, 2) == (3, 1)
    with alarm_scope():
        assert call_with_budget(divmod, 30.0, 9, 4) == (2, 1)
    box: list[object] = []
    worker = threading.Thread(target=lambda: box.append(call_with_budget(divmod, 30.0, 5, 3)))
    worker.start()
    worker.join()
    assert box == [(1, 2)]
