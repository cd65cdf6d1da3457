"""Running a tournament: dispatch the planned games, stream results to the store, resume.

The parent plans every game (:mod:`tournament.design`), skips those the store already holds, and
hands the rest out in small batches — to an in-process loop, a process pool, or a Dask cluster
through the same ``concurrent.futures`` interface — keeping only a few batches in flight so that
memory stays flat however many games there are. Finished results are committed in batches; on
Ctrl-C the finished ones are saved and the workers are stopped.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from tournament.design import SETTINGS, GameSpec, TournamentConfig, plan
from tournament.standings import Standing, standings
from tournament.store import Store, StoreError
from tournament.worker import play_batch

__all__ = ["EngineError", "RunReport", "batch_size", "run_tournament"]

DASK_CONNECT_SECONDS = 20.0  # how long to try to reach a Dask scheduler (--address)
PARENT_POLL_SECONDS = 0.5  # how often a worker without prctl looks for its parent
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class EngineError(Exception):
    """The engine cannot run the games (a Dask scheduler that cannot be reached, say)."""


@dataclass
class RunReport:
    """What a run did."""

    planned: int
    skipped: int
    played: int = 0
    failed: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    standings: dict[str, list[Standing]] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)


def batch_size(config: TournamentConfig) -> int:
    """Games per task: about a third of a second of work, to spread the dispatch cost."""
    actors = len(config.scenario["actors"])
    quarters = config.quarters or config.scenario["quarters"]
    est = 0.0004 * actors * quarters  # seconds per game, measured on 2-core machines
    return max(1, min(32, round(0.3 / est)))


def _ask_kernel_to_kill_me_with_my_parent() -> bool:
    """Linux: have the kernel send this process SIGKILL when its parent dies; False elsewhere.

    ``prctl(PR_SET_PDEATHSIG)`` through ctypes; it fires when the parent *thread* that started
    this process ends, which for the pool is the thread that ran the tournament.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols: libc's prctl
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Poll for the parent in a daemon thread, where prctl is missing; end this process when
    it is gone (this process is then adopted by another, so its parent id changes)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _worker_init(parent: int) -> None:
    """A pool worker's initializer: leave Ctrl-C to the parent, and die with the parent.

    Without this a worker outlived a parent killed by ``kill -9`` or SIGTERM (adopted by PID 1,
    ~110 MB each, for minutes): blocked on the pool's call queue, whose write end its siblings
    also hold, it never saw the parent go. The kernel kills it on Linux (``PR_SET_PDEATHSIG``);
    elsewhere a daemon thread polls ``os.getppid()``. Either way the parent may have died before
    the worker got here, so its parent id is checked once more after arming.

    Args:
        parent: the process id of the tournament that made the pool.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if not _ask_kernel_to_kill_me_with_my_parent():
        threading.Thread(
            target=_watch_parent, args=(parent,), name="fabrace-parent-watch", daemon=True
        ).start()
    if os.getppid() != parent:  # died before the prctl (or the watch) was in place
        os._exit(1)


class _Serial(Executor):
    """Runs tasks at once in this process (``--workers 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            f.set_exception(e)
        return f


class _Pool(Executor):
    """A process pool that is replaced when one of its workers dies (``renew``)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        # The workers must be this process's own children, whose parent id is ours (see
        # _worker_init): fork or spawn, never a fork server's children.
        ctx: BaseContext = multiprocessing.get_context()
        if ctx.get_start_method() == "forkserver":
            ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self.pool.submit(fn, *args, **kwargs)

    def renew(self) -> None:
        self.stop()
        self.pool = self._new()

    def stop(self) -> None:
        """Stop at once: kill the workers rather than wait for their batches.

        SIGKILL, not SIGTERM: a worker runs policy code, which may catch or ignore SIGTERM (or
        inherit it ignored). A worker left alive kept the pool's thread waiting for it in
        ``shutdown`` for ever, so that Ctrl-C hung, and the orphan held the run's output pipes.
        """
        workers = list((getattr(self.pool, "_processes", None) or {}).values())
        for p in workers:
            p.kill()
        for p in workers:
            p.join()  # prompt: SIGKILL cannot be caught or ignored
        # Waits only for the pool's own thread (its workers are gone), so that no thread is
        # left running when a later pool forks.
        self.pool.shutdown(wait=True, cancel_futures=True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def _executor(engine: str, workers: int, address: str | None) -> Iterator[Executor]:
    if engine == "dask":
        from distributed import Client, LocalCluster

        if address:
            try:
                client = Client(address, timeout=f"{DASK_CONNECT_SECONDS}s")
            except (OSError, TimeoutError, ValueError) as e:
                raise EngineError(f"cannot use the Dask scheduler at {address}: {e}") from None
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # CRITICAL only: a worker's heartbeat that races the scheduler's shutdown logs a
                # traceback at ERROR on a busy machine; a game's own failure is stored with it
                silence_logs=50,
            )
            client = Client(cluster)
        try:
            yield client.get_executor()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif workers <= 1:
        yield _Serial()
    else:
        # the workers start sandboxes of their own: this process's idle ones (left from
        # describing the candidates) are ended rather than kept, or inherited by forked workers
        from agents.sandbox import shutdown as end_sandboxes

        end_sandboxes()
        pool = _Pool(workers)
        try:
            yield pool
        except BaseException:
            pool.stop()
            raise
        else:
            pool.shutdown(wait=True)


def _failed(game: GameSpec, error: BaseException) -> dict[str, Any]:
    """The record of a game whose task failed as a whole (its worker died, say)."""
    what = "its worker process died" if isinstance(error, BrokenExecutor) else "its task failed"
    return {
        "id": game.id,
        "status": "failed",
        "error": f"{what}: {type(error).__name__}: {error}",
        "seconds": 0.0,
    }


def run_tournament(
    config: TournamentConfig,
    out: str | Path,
    *,
    workers: int = 1,
    engine: str = "process",
    address: str | None = None,
    force: bool = False,
    retry_failed: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    commit_every: float = 1.0,
) -> RunReport:
    """Play the tournament's missing games and return the standings.

    Args:
        config: the tournament (its time budgets included).
        out: the results store (created, or resumed if it holds this tournament).
        workers: processes (or Dask workers for a local cluster); not part of the store's
            key, as the same seed gives the same game on any number of workers.
        engine: ``process`` or ``dask``.
        address: a Dask scheduler to use instead of a local cluster.
        force: start the store over.
        retry_failed: play again the games stored as failed.
        on_progress: called with (games done, games to do) as results arrive.
        commit_every: seconds between commits of finished results.

    Raises:
        tournament.store.StoreError: if the store cannot be used.
        EngineError: if the engine cannot be started (an unreachable Dask scheduler).
        KeyboardInterrupt: after saving what was finished, if interrupted.
    """
    store = Store(out, config.to_json(), config.key(), force=force, labels=SETTINGS)
    t0 = time.perf_counter()
    games = plan(config)
    done = store.finished_ids(include_failed=not retry_failed)
    todo = [g for g in games if g.id not in done]
    report = RunReport(planned=len(games), skipped=len(games) - len(todo))
    by_id: dict[str, GameSpec] = {g.id: g for g in todo}
    size = batch_size(config)
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    buffer: list[dict[str, Any]] = []
    last_commit = time.perf_counter()

    def flush() -> None:
        nonlocal last_commit
        if buffer:
            store.write(buffer, by_id)
            buffer.clear()
        last_commit = time.perf_counter()

    def accept(records: list[dict[str, Any]]) -> None:
        for rec in records:
            buffer.append(rec)
            report.played += 1
            report.failed += rec["status"] != "ok"
        if on_progress:
            on_progress(report.played, len(todo))

    try:
        with _executor(engine, workers, address) as ex:
            # Future -> (its games, whether it ran alone). A task that fails as a whole (a
            # worker died: a policy called os._exit, crashed the interpreter, ran out of
            # memory) cannot tell which game did it: its games, and those of every task lost
            # with the same pool, are played again one at a time, and a game whose task fails
            # when it runs alone is recorded as failed. The tournament goes on.
            pending: dict[Future, tuple[list[GameSpec], bool]] = {}
            alone: deque[GameSpec] = deque()

            def pool_lost() -> None:
                # Every task of a dead pool is lost with it; a new pool plays them one by one.
                for games_of, _ran_alone in pending.values():
                    alone.extend(games_of)
                pending.clear()
                renew = getattr(ex, "renew", None)
                if renew is not None:
                    renew()

            def submit(games_of: list[GameSpec], by_itself: bool) -> None:
                try:
                    pending[ex.submit(play_batch, config, games_of)] = (games_of, by_itself)
                except BrokenExecutor:  # the pool died before we heard of it
                    alone.extendleft(reversed(games_of))
                    pool_lost()

            queue = iter(batches)
            in_flight = max(2, 3 * max(1, workers))
            exhausted = False
            while pending or alone or not exhausted:
                if alone:
                    if not pending:
                        submit([alone.popleft()], True)
                else:
                    while not exhausted and len(pending) < in_flight:
                        batch = next(queue, None)
                        if batch is None:
                            exhausted = True
                            break
                        submit(batch, False)
                if not pending:
                    continue
                finished, _ = wait(pending, timeout=commit_every, return_when=FIRST_COMPLETED)
                broken = False
                for fut in finished:
                    games_of, ran_alone = pending.pop(fut)
                    try:
                        records = fut.result()
                    except Exception as e:
                        dead = isinstance(e, BrokenExecutor)
                        broken = broken or dead
                        if ran_alone or (len(games_of) == 1 and not dead):
                            records = [_failed(g, e) for g in games_of]
                        else:
                            alone.extend(games_of)
                            continue
                    accept(records)
                if broken:
                    pool_lost()
                if time.perf_counter() - last_commit >= commit_every:
                    flush()
            flush()
    except BaseException as e:
        # Ctrl-C, or anything else that stops the run: keep every finished game.
        report.interrupted = isinstance(e, KeyboardInterrupt)
        report.seconds = time.perf_counter() - t0
        try:
            if not isinstance(e, StoreError):
                flush()
        finally:
            store.close()
        raise
    report.seconds = time.perf_counter() - t0
    report.standings = standings(store.focal_scores(), config.names, list(config.roles))
    report.failures = store.failures()
    store.close()
    return report


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
