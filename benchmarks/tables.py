"""Tables under load, in-process (no browser, no network): many tables, every seat a person.

Makes ``--tables`` tables of the scenario with every actor a person (duel: 4), saved to a
temporary folder after every change as the server does, then plays ``--quarters`` quarters: each
person presses End quarter in turn (the last press of a table plays its quarter). Prints End
quarter p50/p95 for a press that only marks the person done and for the press that plays the
quarter (both include the table's save), the save file's size and the process's peak memory.

Usage::

    .venv/bin/python benchmarks/tables.py [--tables 10] [--scenario duel] [--quarters 8]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time

from game.scenario import load_scenario
from ui.tables import TableRegistry


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, round(0.95 * len(xs)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=10)
    ap.add_argument("--scenario", default="duel")
    ap.add_argument("--quarters", type=int, default=8)
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    people = [a.name for a in spec.actors]
    with tempfile.TemporaryDirectory() as folder:
        reg = TableRegistry(folder)
        seated = []
        for i in range(args.tables):
            table, _ = reg.host(spec, i, people)
            seated.append(
                (table, [table.take_seat(p, f"player {j}") for j, p in enumerate(people)])
            )
        waiting: list[float] = []
        playing: list[float] = []
        for _ in range(args.quarters):
            for table, tokens in seated:
                q = table.quarter_index
                for k, tok in enumerate(tokens):
                    t0 = time.perf_counter()
                    res = table.end_quarter(tok, q)
                    ms = (time.perf_counter() - t0) * 1000
                    assert res.ok, res.message
                    (playing if k == len(tokens) - 1 else waiting).append(ms)
        size = reg.path(seated[0][0].id).stat().st_size
        loaded_t0 = time.perf_counter()
        again = TableRegistry(folder)
        load_ms = (time.perf_counter() - loaded_t0) * 1000
        assert len(again.tables) == args.tables and not again.problems
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.tables} tables of {len(people)} people, {args.scenario}, {args.quarters} quarters"
    )
    print(
        f"End quarter, marks the person done: p50 {statistics.median(waiting):.1f} ms, "
        f"p95 {_p95(waiting):.1f} ms ({len(waiting)} presses)"
    )
    print(
        f"End quarter, plays the quarter:     p50 {statistics.median(playing):.1f} ms, "
        f"p95 {_p95(playing):.1f} ms ({len(playing)} presses)"
    )
    print(f"a table's file: {size / 1024:.0f} KB; loading all {args.tables}: {load_ms:.0f} ms")
    print(f"peak memory of the process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
