"""Tables under load in real browsers: ``--tables`` tables of 4 people (duel, every seat a
person), each person a Chromium browser context, against a real ``fabrace play`` server.

The tables are made beforehand in the server's tables folder (``--tables-folder``), with every
seat taken; each context gets its seat's token in its sessionStorage, as a browser that took
the seat holds it, and opens the table link: the seat's page, as after a reload. Then every
table plays ``--quarters`` quarters at once (Playwright's async API): in each, the four people
press End quarter one after another in a random order, a random think time apart.

Prints End quarter p50/p95 twice: in the browser (click -> the server's answer shown in that
page: the button back, or the next quarter for the press that plays it) and in the server (the
time it takes to handle the press's message: the table's End quarter, the page's new render and
the updates sent; measured by a ``sitecustomize`` put on the server's ``PYTHONPATH`` that times
ipywidgets' ``Widget._handle_msg`` for the button's ``end`` event, nothing else changed). Then
the time the next quarter takes to reach all four pages of a table (they poll once a second),
the server's CPU time while playing and its resident memory (RSS of the server process, from
``/proc``): after start, with every page open, its peak while playing, and after the contexts
are closed.

On one small machine the browsers' renderers (40 Chromium pages) take most of the CPU: the
browser figure is then mostly the browsers' own waiting, the server figure the server's share.

Usage::

    .venv/bin/python benchmarks/tables_browser.py [--tables 10] [--quarters 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from browser_server import CHROMIUM, FLAGS, rss_mib, start_server
from playwright.async_api import Page, async_playwright

from game.scenario import load_scenario
from ui.tables import TableRegistry

TIMEOUT_MS = 180_000
ANSWERED = """([q]) => {
  const b = document.querySelector('.fr-end-quarter');
  const t = document.querySelector('.fr-quarter')?.textContent.trim();
  return (t && t !== q) || (b && b.disabled && !b.textContent.includes('Playing'));
}"""
NEXT = """([q]) => {
  const t = document.querySelector('.fr-quarter')?.textContent.trim();
  return t && t !== q;
}"""


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, round(0.95 * len(xs)) - 1)]


TIMED = """
import os, time

def _timed():
    import ipywidgets.widgets.widget as w

    path, handle = os.environ["FABRACE_BENCH_TIMINGS"], w.Widget._handle_msg

    def timed(self, msg):
        data = msg.get("content", {}).get("data", {})
        c = data.get("content") if data.get("method") == "custom" else None
        if not (isinstance(c, dict) and c.get("event") == "end"):
            return handle(self, msg)
        t0 = time.perf_counter()
        try:
            return handle(self, msg)
        finally:
            with open(path, "a") as f:
                f.write(f"{(time.perf_counter() - t0) * 1000:.3f}\\n")

    w.Widget._handle_msg = timed

if os.environ.get("FABRACE_BENCH_TIMINGS"):
    _timed()
"""


def start_tables_server(folder: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``fabrace play --tables-folder folder`` on a free port, once it answers; the End
    quarter messages it handles are timed into ``log``'s folder (``timings.txt``)."""
    site = log.parent / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(TIMED)
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p),
        "FABRACE_BENCH_TIMINGS": str(log.parent / "timings.txt"),
    }
    return start_server(log, ["--tables-folder", str(folder)], env)


def descendants(root: int) -> list[int]:
    """The processes below ``root`` (from ``/proc``)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def nice_browsers(server: int) -> int:
    """Lower the priority of the browsers (every process of this run but the server), as if
    they ran on the players' own machines; returns how many."""
    n = 0
    for pid in descendants(os.getpid()):
        if pid == server or pid in descendants(server):
            continue
        try:
            os.setpriority(os.PRIO_PROCESS, pid, 19)
            n += 1
        except OSError:
            pass
    return n


def log_timings(path: Path) -> list[float]:
    return [float(x) for x in path.read_text().split()] if path.exists() else []


async def open_seat(browser: Any, url: str, table_id: str, token: str) -> Page:
    """A context holding the seat's token (as the browser that took it does) on its page."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    keys = json.dumps({"seat": token})
    await context.add_init_script(
        f"window.sessionStorage.setItem('fabrace-table-{table_id}', {json.dumps(keys)});"
    )
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{url}?table={table_id}")
    await page.locator(".fr-end-quarter").wait_for()
    return page


async def play_table(
    pages: list[Page], quarters: int, rng: random.Random, presses: list[float], reach: list[float]
) -> None:
    for _ in range(quarters):
        q = (await pages[0].locator(".fr-quarter").inner_text()).strip()
        order = rng.sample(range(len(pages)), len(pages))
        for k in order:
            await asyncio.sleep(rng.uniform(0.2, 1.5))  # a person's think time
            page = pages[k]
            t0 = time.perf_counter()
            await page.locator(".fr-end-quarter").click()
            await page.wait_for_function(ANSWERED, arg=[q], polling="raf")
            presses.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        for page in pages:
            await page.wait_for_function(NEXT, arg=[q], polling=100)
        reach.append((time.perf_counter() - t0) * 1000)


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tables"
        reg = TableRegistry(folder)
        seats: list[tuple[str, list[str]]] = []
        for i in range(args.tables):
            table, _ = reg.host("duel", i, [a.name for a in load_scenario("duel").actors])
            tokens = [table.take_seat(a, f"player {j}") for j, a in enumerate(table.free_seats())]
            seats.append((table.id, tokens))
        proc, url = start_tables_server(folder, Path(tmp) / "server.log")
        try:
            rss_start = rss_mib(proc.pid)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                t0 = time.perf_counter()
                tables = []
                for tid, tokens in seats:  # one table at a time: 40 first renders at once
                    tables.append(
                        await asyncio.gather(*(open_seat(browser, url, tid, t) for t in tokens))
                    )
                open_s = time.perf_counter() - t0
                niced = nice_browsers(proc.pid) if args.nice else 0
                rss_open = rss_mib(proc.pid)
                presses: list[float] = []
                reach: list[float] = []
                peak = [rss_open]

                async def sample() -> None:
                    while True:
                        peak[0] = max(peak[0], rss_mib(proc.pid))
                        await asyncio.sleep(0.5)

                sampler = asyncio.create_task(sample())
                cpu0 = cpu_s(proc.pid)
                t0 = time.perf_counter()
                await asyncio.gather(
                    *(
                        play_table(
                            pages, args.quarters, random.Random(rng.random()), presses, reach
                        )
                        for pages in tables
                    )
                )
                play_s = time.perf_counter() - t0
                play_cpu = cpu_s(proc.pid) - cpu0
                load = os.getloadavg()[0]
                sampler.cancel()
                for pages in tables:
                    for page in pages:
                        await page.context.close()
                await browser.close()
            await asyncio.sleep(args.settle)
            rss_end = rss_mib(proc.pid)
            timings = log_timings(Path(tmp) / "timings.txt")
            problems = [
                line
                for line in (Path(tmp) / "server.log").read_text().splitlines()
                if "Traceback" in line or "ERROR" in line
            ]
        except BaseException:
            print((Path(tmp) / "server.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            proc.terminate()
            proc.wait(20)
    n = len(seats[0][1])
    print(f"{args.tables} tables of {n} people (duel), {args.quarters} quarters, real Chromium")
    print(f"opening the {args.tables * n} seat pages: {open_s:.1f} s; playing: {play_s:.1f} s")
    print(
        f"browser processes at nice 19 while playing: {niced}"
        if args.nice
        else "browsers at the server's priority"
    )
    print(
        f"End quarter (click -> answer shown): p50 {statistics.median(presses):.0f} ms, "
        f"p95 {p95(presses):.0f} ms ({len(presses)} presses)"
    )
    if timings:
        print(
            f"End quarter in the server (the press's message handled): "
            f"p50 {statistics.median(timings):.0f} ms, p95 {p95(timings):.0f} ms "
            f"({len(timings)} presses)"
        )
    else:
        print("End quarter in the server: not measured (no timings written)")
    print(
        f"next quarter on all {n} pages of a table after the last press: "
        f"p50 {statistics.median(reach):.0f} ms, p95 {p95(reach):.0f} ms"
    )
    print(
        f"server RSS: {rss_start:.0f} MiB at start, {rss_open:.0f} MiB with every page open, "
        f"{peak[0]:.0f} MiB peak while playing, {rss_end:.0f} MiB after closing them "
        f"(+{args.settle:.0f} s)"
    )
    if problems:
        print(f"the server logged {len(problems)} problems, e.g. {problems[0]}")
    print(
        f"server CPU while playing: {play_cpu:.1f} s in {play_s:.1f} s "
        f"({100 * play_cpu / play_s:.0f} % of one core); load average {load:.1f} on "
        f"{os.cpu_count()} cores (the browsers' renderers share them)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=10)
    ap.add_argument("--quarters", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1, help="the think times' seed")
    ap.add_argument(
        "--no-nice",
        dest="nice",
        action="store_false",
        help="leave the browsers at the server's priority (by default they run at nice 19)",
    )
    ap.add_argument("--settle", type=float, default=5.0, help="seconds before the last reading")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
