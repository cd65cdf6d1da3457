"""What the browser benchmarks share: Chromium's path and flags, a process's resident memory,
and a ``fabrace play`` server started on a free port.

Imported by ``benchmarks/soak.py`` and ``benchmarks/tables_browser.py`` (run as scripts, so this
folder is on ``sys.path``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["CHROMIUM", "FLAGS", "rss_mib", "start_server"]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_SECONDS = 120


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_server(
    log: Path, args: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``fabrace play [args]`` on a free port, its output in ``log``, offline (no CDN), with
    ``env`` added to this process's environment; returns the process and its URL once it
    answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("fabrace")
    full_env = {**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/", **(env or {})}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(exe), "play", "--port", str(port), "--no-open", *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"fabrace play exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"fabrace play did not answer within {START_SECONDS} s")
