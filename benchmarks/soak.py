"""Browser game soak: open and close many sessions, and print the server's memory as it goes.

Starts ``fabrace play`` on a free port (or uses ``--url`` and ``--pid`` of a running one) and,
with Debian's Chromium driven by Playwright, opens sessions one after another: each is a fresh
browser context (its own game) that loads the page, starts a game, plays a quarter and closes.
The server's resident memory (RSS, from ``/proc/<pid>/status``) is printed at the start, after
each batch and at the end (after ``--settle`` seconds with no session open). A server that keeps
nothing of a closed session stays flat from the second batch on (the first one loads code,
fonts and caches once).

Usage::

    .venv/bin/python benchmarks/soak.py [--sessions 200] [--batch 20] [--no-game] [--settle 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from browser_server import CHROMIUM, FLAGS, rss_mib, start_server
from playwright.sync_api import sync_playwright

TIMEOUT_MS = 60_000


def one_session(browser: Any, url: str, game: bool, drop: bool) -> None:
    """Open the page in a fresh context, play a quarter (unless not ``game``), close it: as a
    tab is closed (the page tells the server), or, with ``drop``, as a connection is lost."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.locator(".fr-start-btn").wait_for()
        if game:
            page.locator(".fr-start-btn").click()
            page.locator(".fr-end-quarter").wait_for()
            before = page.locator(".fr-quarter").inner_text()
            page.locator(".fr-end-quarter").click()
            deadline = time.monotonic() + TIMEOUT_MS / 1000
            while page.locator(".fr-quarter").inner_text() == before:
                if time.monotonic() > deadline:
                    raise RuntimeError("End quarter did not move the game on")
                time.sleep(0.05)
        if drop:
            context.set_offline(True)  # the goodbye the page sends as it closes is lost
        else:
            page.close(run_before_unload=True)  # as a tab is closed: the page says goodbye
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200, help="sessions to open and close")
    ap.add_argument("--batch", type=int, default=20, help="sessions between memory readings")
    ap.add_argument("--no-game", action="store_true", help="only load the start screen")
    ap.add_argument(
        "--drop",
        action="store_true",
        help="end sessions as a lost connection does (no goodbye from the page)",
    )
    ap.add_argument("--settle", type=float, default=10.0, help="seconds to wait at the end")
    ap.add_argument("--url", help="a running server (with --pid) instead of a new one")
    ap.add_argument("--pid", type=int, help="the running server's process id")
    args = ap.parse_args()
    if args.url and not args.pid:
        ap.error("--url needs --pid (whose memory to read)")

    proc = None
    if args.url:
        url, pid = args.url, args.pid
    else:
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"fabrace-soak-{os.getpid()}.log"
        proc, url = start_server(log)
        pid = proc.pid  # fabrace play execs the server: the same process
        print(f"server {url} (pid {pid}, log {log})")
    try:
        time.sleep(2)
        start = rss_mib(pid)
        print(f"start: {start:.1f} MiB")
        readings = []
        t0 = time.perf_counter()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            done = 0
            while done < args.sessions:
                n = min(args.batch, args.sessions - done)
                for _ in range(n):
                    one_session(browser, url, not args.no_game, args.drop)
                done += n
                mib = rss_mib(pid)
                readings.append(mib)
                print(
                    f"after {done:4d} sessions: {mib:7.1f} MiB  ({mib - start:+.1f} since start, "
                    f"{time.perf_counter() - t0:.0f} s)",
                    flush=True,
                )
            browser.close()
        time.sleep(args.settle)
        end = rss_mib(pid)
        print(f"end ({args.settle:g} s later): {end:.1f} MiB ({end - start:+.1f} since start)")
        if len(readings) >= 2:
            per = (end - readings[0]) / max(1, args.sessions - args.batch)
            print(
                f"growth after the first batch: {end - readings[0]:+.1f} MiB over "
                f"{args.sessions - args.batch} sessions ({per * 1024:+.0f} KiB a session)"
            )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
