"""Running a tournament: dispatch the planned games, stream results to the store, resume.

The parent plans every game (:mod:`tournament.design`), skips those the store already holds, and
hands the rest out in small batches — to an in-process loop, a process pool, or a Dask cluster
through the same ``concurrent.futures`` interface — keeping only a few batches in flight so that
memory stays flat however many games there are. Finished results are committed in batches; on
Ctrl-C the finished ones are saved and the workers are stopped.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tournament.design import GameSpec, TournamentConfig, plan
from tournament.standings import Standing, standings
from tournament.store import Store
from tournament.worker import play_batch

__all__ = ["RunReport", "batch_size", "run_tournament"]


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


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


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


@contextmanager
def _executor(engine: str, workers: int, address: str | None) -> Iterator[Executor]:
    if engine == "dask":
        from distributed import Client, LocalCluster

        if address:
            client = Client(address, timeout="20s")
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
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
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
        try:
            yield pool
        except BaseException:
            # Stop at once: terminate the workers rather than wait for their batches.
            for p in list(getattr(pool, "_processes", {}).values()):
                p.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=True)


def run_tournament(
    config: TournamentConfig,
    out: str | Path,
    *,
    workers: int = 1,
    engine: str = "process",
    address: str | None = None,
    force: bool = False,
    retry_failed: bool = False,
    time_limit: float | None = 600.0,
    decision_seconds: float | None = 2.0,
    on_progress: Callable[[int, int], None] | None = None,
    commit_every: float = 1.0,
) -> RunReport:
    """Play the tournament's missing games and return the standings.

    Args:
        config: the tournament.
        out: the results store (created, or resumed if it holds this tournament).
        workers: processes (or Dask workers for a local cluster).
        engine: ``process`` or ``dask``.
        address: a Dask scheduler to use instead of a local cluster.
        force: start the store over.
        retry_failed: play again the games stored as failed.
        time_limit: seconds a game may take before it is recorded as failed.
        decision_seconds: time budget of one policy call.
        on_progress: called with (games done, games to do) as results arrive.
        commit_every: seconds between commits of finished results.

    Raises:
        tournament.store.StoreError: if the store cannot be used.
        KeyboardInterrupt: after saving what was finished, if interrupted.
    """
    store = Store(out, config.to_json(), config.key(), force=force)
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

    try:
        with _executor(engine, workers, address) as ex:
            pending: set[Future] = set()
            queue = iter(batches)
            in_flight = max(2, 3 * max(1, workers))
            exhausted = False
            while pending or not exhausted:
                while not exhausted and len(pending) < in_flight:
                    batch = next(queue, None)
                    if batch is None:
                        exhausted = True
                        break
                    pending.add(ex.submit(play_batch, config, batch, time_limit, decision_seconds))
                if not pending:
                    break
                finished, pending = wait(pending, timeout=commit_every, return_when=FIRST_COMPLETED)
                for fut in finished:
                    for rec in fut.result():
                        buffer.append(rec)
                        report.played += 1
                        report.failed += rec["status"] != "ok"
                    if on_progress:
                        on_progress(report.played, len(todo))
                if time.perf_counter() - last_commit >= commit_every:
                    flush()
            flush()
    except KeyboardInterrupt:
        flush()
        report.interrupted = True
        report.seconds = time.perf_counter() - t0
        store.close()
        raise
    report.seconds = time.perf_counter() - t0
    report.standings = standings(store.focal_scores(), config.names, list(config.roles))
    report.failures = store.failures()
    store.close()
    return report


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
