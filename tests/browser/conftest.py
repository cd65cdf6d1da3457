"""Real-browser tests: Debian's Chromium, driven by Playwright, against ``fabrace play``.

One game server for the whole session (``fabrace play`` on a free port, polled until it
answers); every test opens its own browser context, that is its own game. A test fails on any
console error, page error, failed request, HTTP error, request to a host other than this machine
(the game must work offline), or a traceback in the server's log.

Under pytest-xdist (``make test``) the browser tests are two work units (see tests/conftest.py):
each worker runs one half, one test after another, against its own server and Chromium, then
goes on with the rest of the suite. Run alone (``-n 0``), they run last, all against one server.

Screenshots and the latency figures go to ``tests/browser/artifacts/`` (not committed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_S = 90  # a loaded 2-core machine: ~5 s usually
PORT_TRIES = 3  # a free port can be taken by another process before the server binds it
SERVER_PROBLEMS = ("Traceback (most recent call last)", "Could not load URL")
# generous waits: the machines these run on are shared and often loaded (a quarter's render
# took 12 s once at a load of 9 on 2 cores); the tests assert what the page shows, not when
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser tests (``-m "not browser"`` leaves them out) and run them last: the
    Playwright driver's threads then never live in a process that other tests fork. (Under
    xdist their worker goes on to other tests; the sync driver adds no thread to the process.)"""
    here = Path(__file__).resolve().parent
    ours = [i for i in items if here in Path(str(i.path)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    if ours:
        mine = {id(i) for i in ours}
        items[:] = [i for i in items if id(i) not in mine] + ours


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: a real-browser test (Chromium + fabrace play)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Override pytest-playwright's fixture: Debian's chromium, not Playwright's download."""
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM=...)"
        if os.environ.get("CI"):
            pytest.fail(msg)  # CI installs it (.ci/run): never skip the browser tests there
        pytest.skip(msg)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # solara scrolls inside its own content element, so full-page screenshots stop at the
    # viewport: a tall viewport shows the whole page
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1300}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fabrace() -> list[str]:
    exe = Path(sys.executable).with_name("fabrace")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("fabrace")
    if found is None:
        pytest.fail("the fabrace command is not installed (run scripts/bootstrap.sh)")
    return [found]


class Server:
    """The running game server: its URL and its log."""

    def __init__(self, url: str, log: Path, startup_s: float) -> None:
        self.url = url
        self.log = log
        self.startup_s = startup_s

    def log_text(self, start: int = 0) -> str:
        with open(self.log, "rb") as fh:
            fh.seek(start)
            return fh.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size


def _play(port: int, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    tables = log.parent / "tables"  # the server's tables (tests/browser/test_multiplayer.py)
    with open(log, "wb") as fh:
        return subprocess.Popen(
            [
                *_fabrace(),
                "play",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-open",
                "--tables-folder",
                str(tables),
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``fabrace play`` (the README's play command) on a free port, for the whole session."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}  # never the internet
    env.pop("FABRACE_SCENARIO", None)
    t0 = time.perf_counter()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = _play(port, log, env)
    tries = 1
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                # another process (a parallel test worker) took the free port first: try another
                if "in use" in log.read_text() and tries < PORT_TRIES:
                    port = _free_port()
                    url = f"http://127.0.0.1:{port}/"
                    proc = _play(port, log, env)
                    tries += 1
                    continue
                raise RuntimeError(
                    f"fabrace play exited with {proc.returncode}:\n{log.read_text()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer within {SERVER_START_S} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url, log, time.perf_counter() - t0)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        ARTIFACTS.mkdir(exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER")  # one log per worker, should two run
        shutil.copyfile(log, ARTIFACTS / (f"server-{worker}.log" if worker else "server.log"))


class BrowserProblems:
    """Collects everything that must fail a browser test, from one page."""

    def __init__(self, page: Any, name: str = "page") -> None:
        self.name = name
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("websocket", lambda ws: self._check_url(ws.url))

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text} @ {msg.location}")

    def _failed(self, req: Any) -> None:
        # a download read into memory by the test is not a failure of the page
        if req.failure and "ERR_ABORTED" in req.failure and req.url.startswith("blob:"):
            return
        self.errors.append(f"requestfailed: {req.url} {req.failure}")

    def _response(self, resp: Any) -> None:
        if resp.status >= 400:
            self.errors.append(f"HTTP {resp.status}: {resp.url}")

    def _request(self, req: Any) -> None:
        self.requests.append(req.url)
        self._check_url(req.url)

    def _check_url(self, url: str) -> None:
        p = urlparse(url)
        if p.scheme in ("data", "blob", "about"):
            return
        if p.hostname not in LOCAL_HOSTS:
            self.errors.append(f"non-local request: {url}")

    def assert_clean(self) -> None:
        assert not self.errors, f"browser problems ({self.name}):\n" + "\n".join(self.errors)


@pytest.fixture
def watch(server: Server) -> Iterator[Callable[..., BrowserProblems]]:
    """``watch(page)`` starts collecting a page's problems; all are checked after the test,
    with the server log written during the test."""
    watched: list[BrowserProblems] = []
    start = server.log_size()

    def _watch(page: Any, name: str = "page") -> BrowserProblems:
        page.set_default_timeout(TIMEOUT_MS)
        p = BrowserProblems(page, name)
        watched.append(p)
        return p

    yield _watch
    for p in watched:
        p.assert_clean()
    text = server.log_text(start)
    bad = [s for s in SERVER_PROBLEMS if s in text]
    assert not bad, f"the server logged {bad}:\n{text[-6000:]}"


@pytest.fixture
def shot() -> Callable[..., Path]:
    """``shot(page, name)`` saves a screenshot as tests/browser/artifacts/<name>.png;
    ``shot(locator, name)`` one of an element (scrolled into view)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(target: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        if hasattr(target, "goto"):
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path

    return _shot
