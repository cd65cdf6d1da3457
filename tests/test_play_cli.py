"""``fabrace play`` without a browser: what it hands to the web server, and clean refusals.

The server itself is exercised by the real-browser tests in tests/browser/; here ``os.execve``
is replaced so that nothing is started.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import fabrace.cli as cli

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str], dict[str, str]]]:
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def fake_execve(path: str, args: list[str], env: dict[str, str]) -> None:
        calls.append((path, list(args), dict(env)))

    monkeypatch.setattr(os, "execve", fake_execve)
    monkeypatch.setattr(cli, "PLAY_APP", "ui.session")  # an importable module stands in
    monkeypatch.delenv("SOLARA_ASSETS_CDN", raising=False)
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    return calls


def play(*args: str) -> Any:
    return CliRunner().invoke(cli.app, ["play", *args], env=WIDE)


def test_play_starts_solara_offline_on_localhost(launched: list[Any]) -> None:
    port = _free_port()
    r = play("--port", str(port), "--scenario", "duel", "--no-open")
    assert r.exit_code == 0, r.output
    assert f"http://127.0.0.1:{port}/" in r.output
    (_, args, env) = launched[0]
    assert args[1:5] == ["-m", "solara", "run", "ui.session"]
    for flag in ("--production", "--no-check-version", "--no-open"):
        assert flag in args
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == str(port)
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["FABRACE_SCENARIO"] == "duel"
    # a page whose connection is lost keeps its game minutes, not solara's 24 hours
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "2m"


def test_play_scenario_file_is_passed_as_absolute_path(
    launched: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from game.scenario import scenario_dir

    (tmp_path / "mine.toml").write_bytes((scenario_dir() / "duel.toml").read_bytes())
    monkeypatch.chdir(tmp_path)
    r = play("--port", str(_free_port()), "--scenario", "mine.toml", "--no-open")
    assert r.exit_code == 0, r.output
    assert launched[0][2]["FABRACE_SCENARIO"] == str(tmp_path / "mine.toml")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "0"], "--port"),
        (["--port", "70000"], "--port"),
        (["--port", "abc"], "--port"),
        (["--host", ""], "--host"),
        (["--host", "no-such-host.invalid"], "no-such-host.invalid"),
        (["--host", "192.0.2.1"], "cannot listen"),
        (["--scenario", "nope"], "unknown scenario"),
        (["--bogus"], "--bogus"),
    ],
)
def test_play_bad_arguments_exit_2(launched: list[Any], args: list[str], says: str) -> None:
    r = play(*args)
    assert r.exit_code == 2, r.output
    assert says in r.output
    assert "Traceback" not in r.output
    assert not launched


def test_play_port_in_use_exit_2(launched: list[Any]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = play("--port", str(s.getsockname()[1]))
    assert r.exit_code == 2, r.output
    assert "already in use" in r.output
    assert not launched


def test_the_front_end_is_looked_for_where_solara_serves_it_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``fabrace play`` finds solara's asset folder without importing solara: the same folder."""
    from solara.server import settings

    assert cli._solara_cdn_dir() == Path(settings.assets.proxy_cache_dir)
    assert cli._offline_assets_missing() is None  # the bootstrap put the front end there
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    assert cli._solara_cdn_dir() == tmp_path
    problem = cli._offline_assets_missing()
    assert problem is not None and str(tmp_path) in problem
